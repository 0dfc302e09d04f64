"""The library's records beside the vectors: papers, page texts, chunk texts, references.

SQLite in the index folder. Page texts are kept so every citation can be checked against
the page it names; chunk texts feed the BM25 retriever; ``version`` changes on every write
so a process can tell that another one changed the library. ``snapshot`` reads everything a
question needs in one read transaction, so it never mixes two versions of the library.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from .errors import NotALibrary
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
CREATE TABLE IF NOT EXISTS edits (paper_id TEXT PRIMARY KEY, fields TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS registry (id TEXT PRIMARY KEY, record TEXT NOT NULL);
"""


@dataclass(frozen=True)
class Snapshot:
    """The catalogue as of one version: papers, chunks and references. Pages are read on demand
    (:meth:`Catalogue.pages_of`): an answer needs the pages of ~10 papers, and holding every page
    was ~40% of a 10k-chunk library's ask state. A paper's pages never change while it is in the
    library, so pages read later belong to the same version, or are missing if it was removed."""

    version: int
    papers: dict[str, Paper]
    chunks: list[Chunk]
    references: list[tuple[str, Reference]]


class Catalogue:
    def __init__(self, path: Path, create: bool = True):
        """Open the catalogue at ``path``; with ``create=False`` a folder without one is NotALibrary."""
        if not create and not path.is_file():
            raise NotALibrary(f"{path.parent} is not a library (it has no {path.name}); "
                              f"`assistant add PDF... --index {path.parent}` creates one there")
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        with self._connect() as db:
            db.executescript(_SCHEMA)
        self.ensure_meta("library_id", lambda: uuid.uuid4().hex[:16])

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30)
        try:
            with db:
                yield db
        finally:
            db.close()

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """One read transaction: every SELECT inside sees the same committed state."""
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            db.execute("BEGIN")
            yield db
            db.execute("COMMIT")
        finally:
            db.close()

    def version(self) -> int:
        with self._connect() as db:
            return self._version(db)

    @staticmethod
    def _version(db: sqlite3.Connection) -> int:
        row = db.execute("SELECT value FROM meta WHERE key='version'").fetchone()
        return int(row[0]) if row else 0

    @classmethod
    def _bump(cls, db: sqlite3.Connection) -> int:
        db.execute("INSERT INTO meta VALUES ('version', '1') "
                   "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1")
        return cls._version(db)

    def snapshot(self) -> Snapshot:
        """Papers, chunks and references of one version, read in one transaction."""
        with self._read() as db:
            version = self._version(db)
            papers = [Paper.model_validate_json(r[0]) for r in db.execute("SELECT record FROM papers")]
            chunks = [Chunk.model_validate_json(r[0]) for r in db.execute("SELECT record FROM chunks ORDER BY rowid")]
            refs = [(pid, Reference.model_validate_json(rec)) for pid, rec in
                    db.execute("SELECT paper_id, record FROM refs ORDER BY paper_id, idx")]
        by_id = {p.id: p for p in sorted(papers, key=lambda p: p.added_at)}
        return Snapshot(version, by_id, chunks, refs)

    # papers -------------------------------------------------------------------------------
    def find(self, paper_id: str | None, sha256: str) -> Paper | None:
        """The paper with this id or the file with this content."""
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

    def put(self, paper: Paper, pages: list[Page], chunks: list[Chunk], refs: list[Reference]) -> int:
        """Store a paper with everything derived from it, in one transaction; the new version."""
        with self._connect() as db:
            paper = paper.model_copy(update=self._edits(db, paper.id))  # the user's corrections outlive re-parsing
            db.execute("INSERT OR REPLACE INTO papers VALUES (?,?,?)", (paper.id, paper.sha256, paper.model_dump_json()))
            db.executemany("INSERT OR REPLACE INTO pages VALUES (?,?,?)",
                           [(paper.id, p.index, p.model_dump_json()) for p in pages])
            db.executemany("INSERT OR REPLACE INTO chunks VALUES (?,?,?)",
                           [(c.id, paper.id, c.model_dump_json()) for c in chunks])
            db.executemany("INSERT OR REPLACE INTO refs VALUES (?,?,?)",
                           [(paper.id, r.index, r.model_dump_json()) for r in refs])
            return self._bump(db)

    def delete(self, paper_id: str) -> int:
        """Delete a paper with its pages, chunks and references, and unlink the references citing
        it, in one transaction; the new version."""
        with self._connect() as db:
            for table in ("papers", "pages", "chunks", "refs"):
                column = "id" if table == "papers" else "paper_id"
                db.execute(f"DELETE FROM {table} WHERE {column}=?", (paper_id,))
            self._unlink(db, {paper_id})
            return self._bump(db)

    def unlink_missing(self) -> int:
        """Unlink references that point at papers no longer in the library; how many there were."""
        with self._connect() as db:
            known = {r[0] for r in db.execute("SELECT id FROM papers")}
            linked = {Reference.model_validate_json(r[0]).linked_paper for r in db.execute("SELECT record FROM refs")}
            count = self._unlink(db, linked - known - {None})
            if count:
                self._bump(db)
        return count

    @staticmethod
    def _unlink(db: sqlite3.Connection, paper_ids: set[str]) -> int:
        rows = [(pid, Reference.model_validate_json(rec)) for pid, rec in
                db.execute("SELECT paper_id, record FROM refs")]
        stale = [(r.model_copy(update={"linked_paper": None}).model_dump_json(), pid, r.index)
                 for pid, r in rows if r.linked_paper in paper_ids]
        db.executemany("UPDATE refs SET record=? WHERE paper_id=? AND idx=?", stale)
        return len(stale)

    # metadata the user corrected ----------------------------------------------------------
    def edit(self, paper_id: str, fields: dict[str, object]) -> Paper:
        """Store corrected metadata fields (kept across removal and re-adding) and apply them to the paper."""
        with self._connect() as db:
            merged = self._edits(db, paper_id) | fields
            db.execute("INSERT OR REPLACE INTO edits VALUES (?,?)", (paper_id, json.dumps(merged)))
            row = db.execute("SELECT record FROM papers WHERE id=?", (paper_id,)).fetchone()
            paper = Paper.model_validate_json(row[0]).model_copy(update=merged)
            db.execute("UPDATE papers SET record=? WHERE id=?", (paper.model_dump_json(), paper_id))
            self._bump(db)
        return paper

    def edited_fields(self, paper_id: str) -> dict[str, object]:
        """The fields of a paper the user corrected (empty when none)."""
        with self._connect() as db:
            return self._edits(db, paper_id)

    @staticmethod
    def _edits(db: sqlite3.Connection, paper_id: str) -> dict[str, object]:
        row = db.execute("SELECT fields FROM edits WHERE paper_id=?", (paper_id,)).fetchone()
        return json.loads(row[0]) if row else {}

    # registry records: works known from an import without a PDF ---------------------------
    def put_record(self, record_id: str, record: Reference) -> bool:
        """Store a work without a PDF unless one is stored under ``record_id``; whether it was new."""
        with self._connect() as db:
            added = db.execute("INSERT OR IGNORE INTO registry VALUES (?,?)",
                               (record_id, record.model_dump_json())).rowcount > 0
            if added:
                self._bump(db)
        return added

    def registry_records(self) -> list[Reference]:
        with self._connect() as db:
            return [Reference.model_validate_json(r[0]) for r in db.execute("SELECT record FROM registry ORDER BY rowid")]

    # pages, chunks, references ----------------------------------------------------------
    def pages(self, paper_id: str) -> list[Page]:
        return list(self.pages_of([paper_id]).values())

    def pages_of(self, paper_ids: Iterable[str]) -> dict[tuple[str, int], Page]:
        """The pages of these papers, keyed (paper id, page index), read in one transaction."""
        ids = list(dict.fromkeys(paper_ids))
        with self._read() as db:
            rows = db.execute(f"SELECT paper_id, record FROM pages WHERE paper_id IN ({','.join('?' * len(ids))}) "
                              "ORDER BY paper_id, idx", ids).fetchall()
        pages = [(pid, Page.model_validate_json(rec)) for pid, rec in rows]
        return {(pid, page.index): page for pid, page in pages}

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

    def update_references(self, items: list[tuple[str, Reference]]) -> int:
        """Store changed references; the new version."""
        with self._connect() as db:
            db.executemany("UPDATE refs SET record=? WHERE paper_id=? AND idx=?",
                           [(r.model_dump_json(), pid, r.index) for pid, r in items])
            return self._bump(db)

    def set_meta(self, key: str, value: object) -> None:
        with self._connect() as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES (?,?)", (key, json.dumps(value)))

    def ensure_meta(self, key: str, make: Callable[[], Any]) -> Any:
        """The meta value under ``key``, set to ``make()`` first if there is none (race-free)."""
        with self._connect() as db:
            db.execute("INSERT OR IGNORE INTO meta VALUES (?,?)", (key, json.dumps(make())))
            return json.loads(db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()[0])

    def get_meta(self, key: str) -> object:
        with self._connect() as db:
            row = db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return json.loads(row[0]) if row else None


class PageCache:
    """The pages of the papers answers came from lately (least recently used dropped first), read
    from the catalogue when an answer first needs them. Shared by the threads asking."""

    def __init__(self, catalogue: Catalogue, papers: int = 64):
        self.catalogue = catalogue
        self.capacity = papers
        self._papers: OrderedDict[str, dict[tuple[str, int], Page]] = OrderedDict()
        self._lock = threading.Lock()

    def of_papers(self, paper_ids: Iterable[str]) -> dict[tuple[str, int], Page]:
        """Every page of these papers (none for a paper removed since the snapshot)."""
        ids = list(dict.fromkeys(paper_ids))
        with self._lock:
            found = {pid: self._papers[pid] for pid in ids if pid in self._papers}
            for pid in found:
                self._papers.move_to_end(pid)
        missing = [pid for pid in ids if pid not in found]
        if missing:
            read = self.catalogue.pages_of(missing)
            for pid in missing:
                found[pid] = {key: page for key, page in read.items() if key[0] == pid}
            with self._lock:
                self._papers.update((pid, found[pid]) for pid in missing if found[pid])
                while len(self._papers) > self.capacity:
                    self._papers.popitem(last=False)
        return {key: page for pid in ids for key, page in found[pid].items()}
