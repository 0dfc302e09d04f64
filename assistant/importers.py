"""Import a reference manager's library: BibTeX files and Zotero data directories.

Each entry becomes an ``Entry`` (curated metadata and, when it has one, its PDF). ``import_entries``
then adds each PDF through ``Library.add`` and stores the curated title, authors, year, DOI and
venue as the user's corrections (``Library.edit_paper``), so they take precedence over what is
parsed from the PDF and outlive re-parsing. An entry without a PDF becomes a registry record
(a known work, "missing" from the library) unless it already denotes a library paper. Running an
import again changes nothing: PDFs are already there, corrections are equal, records exist.

Zotero's database is opened read-only and immutable (``?mode=ro&immutable=1``), so a running
Zotero is never disturbed; its stored attachments live in ``storage/<attachment key>/``.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .api import LibraryError
from .literature import best_match
from .records import Reference

YEAR = re.compile(r"\b(1[5-9]\d\d|20\d\d)\b")
ZOTERO_VENUE_FIELDS = ("publicationTitle", "proceedingsTitle", "bookTitle", "conferenceName", "websiteTitle",
                       "publisher")
ZOTERO_SKIPPED_TYPES = ("attachment", "note", "annotation")


class SourceError(LibraryError):
    """The source cannot be read at all (no such file, not a Zotero database)."""


@dataclass
class Entry:
    key: str  # BibTeX key or Zotero item key
    title: str = ""
    authors: list[str] = field(default_factory=list)  # display names: "Durdona I. Madaminova"
    year: str | None = None
    doi: str | None = None
    venue: str | None = None
    pdf: Path | None = None
    note: str = ""  # why there is no PDF, when a file was named but not found

    def curated(self) -> dict[str, Any]:
        """The fields the entry knows (empty ones are left to the PDF's own metadata)."""
        values = {"title": self.title, "authors": self.authors, "year": self.year, "doi": self.doi,
                  "venue": self.venue}
        return {name: value for name, value in values.items() if value}

    def as_reference(self) -> Reference:
        """The entry as a registry record, authors inverted as reference lists print them."""
        authors = [_inverted(name) for name in self.authors]
        raw = ". ".join(filter(None, [", ".join(authors), f"({self.year})" if self.year else "", self.title,
                                      self.venue or ""]))
        return Reference(key=self.key, raw=raw or self.key, authors=authors, year=self.year, title=self.title or None,
                         venue=self.venue, doi=self.doi)


@dataclass
class ImportSummary:
    added: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)  # already in the library
    no_pdf: list[str] = field(default_factory=list)  # kept as registry records (or already were)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (entry, reason)

    def lines(self) -> list[str]:
        out = [f"added: {k}" for k in self.added] + [f"already there: {k}" for k in self.existing]
        out += [f"no PDF: {k}" for k in self.no_pdf] + [f"failed: {k} — {reason}" for k, reason in self.failed]
        return out + [f"{len(self.added)} added, {len(self.existing)} already there, {len(self.no_pdf)} without PDF, "
                      f"{len(self.failed)} failed"]


# BibTeX -----------------------------------------------------------------------------------------------
def read_bibtex(path: str | Path, pdf_dir: str | Path | None = None) -> list[Entry]:
    """The entries of a .bib file; a PDF is found from the ``file``/``pdf`` field (Zotero, JabRef,
    Mendeley or a plain path; absolute, or relative to the .bib or ``pdf_dir``) or as ``KEY.pdf`` in ``pdf_dir``."""
    import bibtexparser
    from bibtexparser.middlewares import LatexDecodingMiddleware

    path = Path(path)
    if not path.is_file():
        raise SourceError(f"no such BibTeX file: {path}")
    library = bibtexparser.parse_file(str(path), append_middleware=[LatexDecodingMiddleware()])
    folders = [path.parent] + ([Path(pdf_dir)] if pdf_dir else [])
    return [_bib_entry(e, folders, Path(pdf_dir) if pdf_dir else None) for e in library.entries]


def _bib_entry(entry, folders: list[Path], pdf_dir: Path | None) -> Entry:
    fields = {f.key.lower(): _unbrace(str(f.value)) for f in entry.fields}
    named = [p for p in _file_field(fields.get("file", "") + ";" + fields.get("pdf", ""))]
    pdf = next((found for name in named if (found := _find_file(name, folders))), None)
    if pdf is None and pdf_dir and (pdf_dir / f"{entry.key}.pdf").is_file():
        pdf = pdf_dir / f"{entry.key}.pdf"
    authors = [_display_name(a) for a in re.split(r"\s+and\s+", fields.get("author", "")) if a.strip()]
    venue = next((fields[k] for k in ("journal", "booktitle", "howpublished", "publisher") if fields.get(k)), None)
    year = YEAR.search(fields.get("year", "") or fields.get("date", ""))
    return Entry(key=entry.key, title=fields.get("title", ""), authors=authors, year=year[0] if year else None,
                 doi=_doi(fields.get("doi", "")), venue=venue, pdf=pdf,
                 note=f"PDF not found: {named[0]}" if named and pdf is None else "")


def _file_field(value: str) -> list[str]:
    """PDF paths named by a file field: 'desc:path:type' entries (':' escaped as '\\:'), or plain paths."""
    paths = []
    for part in re.split(r"(?<!\\);", value):
        part = part.strip()
        if not part:
            continue
        pieces = re.split(r"(?<!\\):", part)
        candidate = pieces[1] if len(pieces) >= 3 else part
        candidate = candidate.replace("\\:", ":").replace("\\\\", "\\").strip()
        if candidate.lower().endswith(".pdf"):
            paths.append(candidate)
    return paths


def _find_file(name: str, folders: list[Path]) -> Path | None:
    path = Path(name).expanduser()
    candidates = [path] if path.is_absolute() else [folder / path for folder in folders]
    candidates += [folder / Path(name.replace("\\", "/")).name for folder in folders]
    return next((c for c in candidates if c.is_file()), None)


# Zotero -------------------------------------------------------------------------------------------------
def read_zotero(path: str | Path) -> list[Entry]:
    """The regular items of a Zotero data directory (or its zotero.sqlite), each with its first stored PDF."""
    path = Path(path)
    database = path / "zotero.sqlite" if path.is_dir() else path
    if not database.is_file():
        raise SourceError(f"no Zotero database at {database} (give the Zotero data directory)")
    db = sqlite3.connect(database.resolve().as_uri() + "?mode=ro&immutable=1", uri=True)
    try:
        return [_zotero_entry(db, item_id, key, database.parent) for item_id, key in _zotero_items(db)]
    except sqlite3.DatabaseError as exc:
        raise SourceError(f"{database} is not a readable Zotero database: {exc}") from None
    finally:
        db.close()


def _zotero_items(db: sqlite3.Connection) -> list[tuple[int, str]]:
    deleted = "AND i.itemID NOT IN (SELECT itemID FROM deletedItems)" if _has_table(db, "deletedItems") else ""
    marks = ",".join("?" * len(ZOTERO_SKIPPED_TYPES))
    return db.execute(f"SELECT i.itemID, i.key FROM items i JOIN itemTypes t ON t.itemTypeID = i.itemTypeID "
                      f"WHERE t.typeName NOT IN ({marks}) {deleted} ORDER BY i.itemID", ZOTERO_SKIPPED_TYPES).fetchall()


def _zotero_entry(db: sqlite3.Connection, item_id: int, key: str, data_dir: Path) -> Entry:
    fields = dict(db.execute("SELECT f.fieldName, v.value FROM itemData d JOIN fields f ON f.fieldID = d.fieldID "
                             "JOIN itemDataValues v ON v.valueID = d.valueID WHERE d.itemID = ?", (item_id,)))
    creators = db.execute("SELECT c.firstName, c.lastName FROM itemCreators ic "
                          "JOIN creators c ON c.creatorID = ic.creatorID "
                          "JOIN creatorTypes ct ON ct.creatorTypeID = ic.creatorTypeID "
                          "WHERE ic.itemID = ? AND ct.creatorType = 'author' ORDER BY ic.orderIndex", (item_id,))
    authors = [" ".join(filter(None, [first, last])) for first, last in creators]
    year = YEAR.search(str(fields.get("date", "")))
    pdfs = [_zotero_file(data_dir, att_key, str(att_path)) for att_key, att_path in db.execute(
        "SELECT i.key, a.path FROM itemAttachments a JOIN items i ON i.itemID = a.itemID "
        "WHERE a.parentItemID = ? AND a.path IS NOT NULL AND (a.contentType = 'application/pdf' "
        "OR lower(a.path) LIKE '%.pdf') ORDER BY a.itemID", (item_id,))]
    pdf = next((p for p in pdfs if p.is_file()), None)
    return Entry(key=key, title=str(fields.get("title", "")), authors=authors, year=year[0] if year else None,
                 doi=_doi(str(fields.get("DOI", ""))),
                 venue=next((str(fields[k]) for k in ZOTERO_VENUE_FIELDS if fields.get(k)), None), pdf=pdf,
                 note=f"PDF not found: {pdfs[0]}" if pdfs and pdf is None else "")


def _zotero_file(data_dir: Path, attachment_key: str, stored: str) -> Path:
    """'storage:paper.pdf' lies in storage/<attachment key>/; a linked file keeps its own path."""
    if stored.startswith("storage:"):
        return data_dir / "storage" / attachment_key / stored.removeprefix("storage:")
    return Path(stored)


def _has_table(db: sqlite3.Connection, name: str) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)).fetchone() is not None


# into the library -------------------------------------------------------------------------------------
def import_entries(library: Any, entries: list[Entry], progress: Callable[[str, int, int], None] | None = None
                   ) -> ImportSummary:
    """Add each entry's PDF with its curated metadata, or keep it as a registry record; never stop at one."""
    summary = ImportSummary()
    for n, entry in enumerate(entries):
        if progress:
            progress(f"entry {entry.key}", n, len(entries))
        try:
            _import_one(library, entry, summary)
        except LibraryError as exc:
            summary.failed.append((entry.key, str(exc)))
    return summary


def _import_one(library: Any, entry: Entry, summary: ImportSummary) -> None:
    if entry.pdf is None:
        papers = {p.id: p for p in library.papers()}
        record = entry.as_reference()
        if best_match(record, papers, "") is not None:
            summary.existing.append(entry.key)
            return
        library.add_record(record)
        summary.no_pdf.append(f"{entry.key}" + (f" ({entry.note})" if entry.note else ""))
        return
    result = library.add([entry.pdf])[0]
    if result.status == "failed":
        summary.failed.append((entry.key, result.message))
        return
    library.edit_paper(result.paper.id, **entry.curated())
    (summary.added if result.status == "added" else summary.existing).append(entry.key)


def _display_name(name: str) -> str:
    """'Madaminova, Durdona I.' → 'Durdona I. Madaminova'; '{World Health Organization}' stays whole."""
    name = " ".join(_unbrace(name).split())
    if "," in name:
        last, _, first = name.partition(",")
        return f"{first.strip()} {last.strip()}".strip()
    return name


def _inverted(name: str) -> str:
    """'Durdona I. Madaminova' → 'Madaminova, Durdona I.' (one-word names stay as they are)."""
    parts = name.rsplit(" ", 1)
    return f"{parts[1]}, {parts[0]}" if len(parts) == 2 else name


def _unbrace(text: str) -> str:
    return " ".join(text.replace("{", "").replace("}", "").split())


def _doi(text: str) -> str | None:
    text = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", text.strip(), flags=re.I)
    return text or None
