"""The library's records beside the vectors: papers, page texts, chunk texts, references.

SQLite in the index folder. Page texts are kept so every citation can be checked against
the page it names; chunk texts feed the BM25 retriever; ``version`` changes on every write
so a process can tell that another one changed the library.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .records import Chunk, Page, Paper, Reference

_SCHEMA = """
CREATE TABLE IF NOT EXISTS papers (id TEXT PRIMARY KEY, sha256 TEXT NOT NULL, record TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS papers_sha ON papers(sha256);
CREATE TABLE IF NOT EXISTS pages (paper_id TEXT NOT NULL, idx INTEGER NOT NULL, record TEXT NOT NULL,
    PRIMARY KEY (paper_id, idx));
CREATE TABLE IF NOT EXISTS chunks (id TEXT PRIMARY KEY, paper_id TEXT NOT NULL, record TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_paper ON chunks(paper_id);
CREATE TABLE IF NOT EXISTS refs (paper_id TEXT NOT NULL, idx INTEGER NOT NULL, record TEXT NOT NULL,
    PRIMARY KEY (paper_id, idx));
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class Catalogue:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        with self._connect() as db:
            db.executescript(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30)
        try:
            with db:
                yield db
        finally:
            db.close()

    def version(self) -> int:
        with self._connect() as db:
            row = db.execute("SELECT value FROM meta WHERE key='version'").fetchone()
        return int(row[0]) if row else 0

    @staticmethod
    def _bump(db: sqlite3.Connection) -> None:
        db.execute("INSERT INTO meta VALUES ('version', '1') "
                   "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1")

    # papers -------------------------------------------------------------------------------
    def find(self, paper_id: str, sha256: str) -> Paper | None:
        with self._connect() as db:
            row = db.execute("SELECT record FROM papers WHERE id=? OR sha256=?", (paper_id, sha256)).fetchone()
        return Paper.model_validate_json(row[0]) if row else None

    def papers(self) -> list[Paper]:
        with self._connect() as db:
            rows = db.execute("SELECT record FROM papers").fetchall()
        papers = [Paper.model_validate_json(r[0]) for r in rows]
        return sorted(papers, key=lambda p: p.added_at)

    def paper(self, paper_id: str) -> Paper | None:
        with self._connect() as db:
            row = db.execute("SELECT record FROM papers WHERE id=?", (paper_id,)).fetchone()
        return Paper.model_validate_json(row[0]) if row else None

    def put(self, paper: Paper, pages: list[Page], chunks: list[Chunk], refs: list[Reference]) -> None:
        """Store a paper with everything derived from it, in one transaction."""
        with self._connect() as db:
            db.execute("INSERT OR REPLACE INTO papers VALUES (?,?,?)", (paper.id, paper.sha256, paper.model_dump_json()))
            db.executemany("INSERT OR REPLACE INTO pages VALUES (?,?,?)",
                           [(paper.id, p.index, p.model_dump_json()) for p in pages])
            db.executemany("INSERT OR REPLACE INTO chunks VALUES (?,?,?)",
                           [(c.id, paper.id, c.model_dump_json()) for c in chunks])
            db.executemany("INSERT OR REPLACE INTO refs VALUES (?,?,?)",
                           [(paper.id, r.index, r.model_dump_json()) for r in refs])
            self._bump(db)

    def delete(self, paper_id: str) -> None:
        with self._connect() as db:
            for table in ("papers", "pages", "chunks", "refs"):
                column = "id" if table == "papers" else "paper_id"
                db.execute(f"DELETE FROM {table} WHERE {column}=?", (paper_id,))
            self._bump(db)

    # pages, chunks, references ----------------------------------------------------------
    def pages(self, paper_id: str) -> list[Page]:
        with self._connect() as db:
            rows = db.execute("SELECT record FROM pages WHERE paper_id=? ORDER BY idx", (paper_id,)).fetchall()
        return [Page.model_validate_json(r[0]) for r in rows]

    def chunks(self, paper_id: str | None = None) -> list[Chunk]:
        return [Chunk.model_validate_json(r) for r in self._records("chunks", paper_id, "rowid")]

    def references(self, paper_id: str | None = None) -> list[Reference]:
        return [Reference.model_validate_json(r) for r in self._records("refs", paper_id, "paper_id, idx")]

    def _records(self, table: str, paper_id: str | None, order: str) -> list[str]:
        """The JSON records of one table, for one paper or all, in a stable order."""
        where, args = (" WHERE paper_id=?", (paper_id,)) if paper_id else ("", ())
        with self._connect() as db:
            return [r[0] for r in db.execute(f"SELECT record FROM {table}{where} ORDER BY {order}", args)]

    def citing_references(self) -> list[tuple[str, Reference]]:
        """Every reference of every paper, with the id of the paper that cites it."""
        with self._connect() as db:
            rows = db.execute("SELECT paper_id, record FROM refs ORDER BY paper_id, idx").fetchall()
        return [(pid, Reference.model_validate_json(rec)) for pid, rec in rows]

    def update_references(self, items: list[tuple[str, Reference]]) -> None:
        with self._connect() as db:
            db.executemany("UPDATE refs SET record=? WHERE paper_id=? AND idx=?",
                           [(r.model_dump_json(), pid, r.index) for pid, r in items])
            self._bump(db)

    def set_meta(self, key: str, value: object) -> None:
        with self._connect() as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES (?,?)", (key, json.dumps(value)))

    def get_meta(self, key: str) -> object:
        with self._connect() as db:
            row = db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return json.loads(row[0]) if row else None
