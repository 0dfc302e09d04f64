"""Saved chats: each library keeps its conversations in its own SQLite file (``<index>/chats.db``).

A chat is a titled list of turns; an assistant turn keeps the whole ``Answer`` (citations and
the evidence passages) as JSON, so a reopened chat shows the same evidence it showed when asked.
Chats are separate from the catalogue: saving one never changes the library's version.
"""

from __future__ import annotations

import sqlite3
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from pydantic import BaseModel, ValidationError

from .records import Answer

TITLE_CHARS = 60  # a new chat is titled with the start of its first question

_SCHEMA = """
CREATE TABLE IF NOT EXISTS chats (id TEXT PRIMARY KEY, title TEXT NOT NULL, created TEXT NOT NULL,
    updated TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS turns (chat_id TEXT NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL, role TEXT NOT NULL, content TEXT NOT NULL, answer TEXT, PRIMARY KEY (chat_id, idx));
"""


class ChatSummary(BaseModel):
    id: str
    title: str
    created: str
    updated: str
    turns: int = 0


class Turn(BaseModel):
    role: str  # "user" or "assistant"
    content: str  # the question, or the reply as shown
    answer: Answer | None = None  # the assistant's answer with its evidence (None for an error reply)


class ChatStore:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        with self._connect() as db:
            db.executescript(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30)
        db.execute("PRAGMA foreign_keys = ON")
        try:
            with db:
                yield db
        finally:
            db.close()

    def create(self, title: str) -> str:
        chat_id = uuid.uuid4().hex[:12]
        now = _now()
        with self._connect() as db:
            db.execute("INSERT INTO chats VALUES (?,?,?,?)", (chat_id, _title(title), now, now))
        return chat_id

    def chats(self) -> list[ChatSummary]:
        """Every chat, the most recently used first."""
        with self._connect() as db:
            rows = db.execute("SELECT c.id, c.title, c.created, c.updated, COUNT(t.idx) FROM chats c "
                              "LEFT JOIN turns t ON t.chat_id = c.id GROUP BY c.id "
                              "ORDER BY c.updated DESC, c.rowid DESC").fetchall()
        return [ChatSummary(id=r[0], title=r[1], created=r[2], updated=r[3], turns=r[4]) for r in rows]

    def exists(self, chat_id: str | None) -> bool:
        with self._connect() as db:
            return bool(chat_id) and db.execute("SELECT 1 FROM chats WHERE id=?", (chat_id,)).fetchone() is not None

    def turns(self, chat_id: str) -> list[Turn]:
        with self._connect() as db:
            rows = db.execute("SELECT role, content, answer FROM turns WHERE chat_id=? ORDER BY idx",
                              (chat_id,)).fetchall()
        return [Turn(role=role, content=content, answer=_answer(answer)) for role, content, answer in rows]

    def append(self, chat_id: str, turns: list[Turn]) -> None:
        """Add turns at the end of the chat (a question and its reply are appended together)."""
        with self._connect() as db:
            start = db.execute("SELECT COALESCE(MAX(idx) + 1, 0) FROM turns WHERE chat_id=?", (chat_id,)).fetchone()[0]
            db.executemany("INSERT INTO turns VALUES (?,?,?,?,?)",
                           [(chat_id, start + n, t.role, t.content, t.answer.model_dump_json() if t.answer else None)
                            for n, t in enumerate(turns)])
            db.execute("UPDATE chats SET updated=? WHERE id=?", (_now(), chat_id))

    def rename(self, chat_id: str, title: str) -> None:
        with self._connect() as db:
            db.execute("UPDATE chats SET title=? WHERE id=?", (_title(title), chat_id))

    def delete(self, chat_id: str) -> None:
        with self._connect() as db:
            db.execute("DELETE FROM chats WHERE id=?", (chat_id,))


def _answer(stored: str | None) -> Answer | None:
    """A saved answer; one saved by a version whose records no longer validate comes back as None
    (its text is still shown, without evidence) rather than making the chat unreadable."""
    try:
        return Answer.model_validate_json(stored) if stored else None
    except ValidationError:
        return None


def _title(text: str) -> str:
    text = " ".join(text.split()) or "Untitled chat"
    return text if len(text) <= TITLE_CHARS else text[:TITLE_CHARS - 1] + "…"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")
