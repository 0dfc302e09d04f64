"""The Python API: ``Library(path).add(...)``, ``.ask(...)``, ``.papers()``, ``.remove(...)``.

The CLI, the Gradio UI and the eval runner are thin shells over this class. Writes to a
library are serialised across processes with a file lock (the embedded Chroma client is not
safe with two writers); a second writer waits ``lock_timeout_s`` and then gets LibraryBusy.
"""

from __future__ import annotations

import re
import shutil
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Iterable

from . import bibtex, literature, references
from .catalogue import Catalogue
from .chat import condense
from .papers import describe
from .pdf import PdfError, read_pdf
from .records import Answer, Evidence, Page, Paper, Reference
from .settings import Settings, get_settings

Progress = Callable[[str, int, int], None]  # (what, done, total)


class LibraryError(Exception):
    """A user-facing error: the message says what went wrong and what to do."""


class LibraryBusy(LibraryError):
    pass


class UnknownPaper(LibraryError):
    pass


@dataclass
class AddResult:
    path: str
    status: str  # "added", "exists" or "failed"
    message: str = ""
    paper: Paper | None = None
    links: list[str] = field(default_factory=list)  # "cited by Madaminova 2023", ...


@dataclass
class _State:
    """What ask() needs in memory, rebuilt when the catalogue version changes."""

    version: int
    papers: dict[str, Paper]
    retriever: Any
    answerer: Any
    pages: dict[tuple[str, int], Page]
    references: list[tuple[str, Reference]]


class Library:
    def __init__(self, path: str | Path | None = None, settings: Settings | dict | None = None, **overrides: Any):
        if path is not None:
            overrides["index_dir"] = Path(path)
        self.settings = get_settings(settings, **overrides)
        self.dir = Path(self.settings.index_dir)
        self.catalogue = Catalogue(self.dir / "library.db")
        self._state: _State | None = None
        self._check_fingerprint()

    def _check_fingerprint(self) -> None:
        """A library's vectors were made with one encoder and chunking; refuse to mix in others."""
        built = self.catalogue.get_meta("vector_fingerprint")
        current = self.settings.vector_fingerprint()
        if built is None:
            self.catalogue.set_meta("vector_fingerprint", current)
        elif built != current:
            raise LibraryError(f"the library in {self.dir} was built with other embedding/chunk settings "
                               f"({built}, now {current}); restore them, or build a new library with --index")

    # lazily built heavy parts ------------------------------------------------------------------
    @cached_property
    def encoder(self):
        from .embedding import Encoder

        return Encoder(self.settings.embed)

    @cached_property
    def vectors(self):
        from .index import VectorIndex

        return VectorIndex(self.settings, self.encoder)

    def _write_lock(self):
        from filelock import FileLock, Timeout

        lock = FileLock(str(self.dir / ".write.lock"), timeout=self.settings.lock_timeout_s)
        try:
            lock.acquire()
        except Timeout:
            raise LibraryBusy(f"library busy: another process is writing to {self.dir}; "
                              f"waited {self.settings.lock_timeout_s:.0f} s, try again when it is done") from None
        return lock

    # papers -------------------------------------------------------------------------------------
    def papers(self) -> list[Paper]:
        return self.catalogue.papers()

    def paper(self, key: str) -> Paper:
        """Find a paper by id, DOI, file name (with or without .pdf) or a unique id prefix."""
        key = key.strip()
        wanted = key.lower().removeprefix("https://doi.org/").removeprefix("doi:")
        papers = self.papers()
        for paper in papers:
            names = {paper.id.lower(), (paper.doi or "").lower(), paper.file_name.lower(),
                     Path(paper.file_name).stem.lower(), paper.sha256}
            if key.lower() in names or wanted in names:
                return paper
        prefix = [p for p in papers if p.id.startswith(key) or p.sha256.startswith(key)]
        if len(prefix) == 1 and len(key) >= 6:
            return prefix[0]
        raise UnknownPaper(f"no paper '{key}' in {self.dir}; `assistant list` shows file names, DOIs and ids")

    def pdf_path(self, paper: Paper) -> Path:
        """The library's own copy of the paper's PDF (named by its id, never by the upload's name)."""
        return self.dir / "files" / f"{safe_name(paper.id)}.pdf"

    def _keep_copy(self, path: Path, paper: Paper) -> None:
        target = self.pdf_path(paper)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)

    def pages(self, paper_id: str) -> list[Page]:
        return self.catalogue.pages(paper_id)

    def page_text(self, file_name: str, label: str) -> str | None:
        """Raw text of a paper's page by file name and printed label (None when there is none)."""
        for paper in self.papers():
            if paper.file_name == file_name:
                return next((p.text for p in self.pages(paper.id) if p.label == str(label)), None)
        return None

    # add / remove ---------------------------------------------------------------------------------
    def add(self, paths: Iterable[str | Path], progress: Progress | None = None) -> list[AddResult]:
        """Add PDFs (files or folders, recursively). Each file succeeds or fails on its own."""
        from concurrent.futures import ThreadPoolExecutor

        files = expand_paths(paths)
        results = []
        with ThreadPoolExecutor(max_workers=1) as reader:  # parse the next PDF while this one embeds
            parsed = [reader.submit(self._parse, path, progress) for path in files[:1]]
            for n, path in enumerate(files):
                if progress:
                    progress(f"file {path.name}", n, len(files))
                if n + 1 < len(files):
                    parsed.append(reader.submit(self._parse, files[n + 1], progress))
                outcome = parsed[n].result()
                parsed[n] = None  # pages can be large: keep only the next file's
                results.append(outcome if isinstance(outcome, AddResult) else self._add_one(path, *outcome, progress))
        if progress:
            progress("done", len(files), len(files))
        return results

    def _parse(self, path: Path, progress: Progress | None = None
               ) -> AddResult | tuple[Paper, list[Page], list[Reference]]:
        """Read and describe a PDF, or say why it cannot be added (pure CPU work, no library writes).

        Progress: ("read NAME", page, pages) per page, then ("references NAME", 0, 1)."""
        if not path.exists():
            return AddResult(str(path), "failed", "no such file")
        on_page = (lambda done, total: progress(f"read {path.name}", done, total)) if progress else None
        try:
            pages, metadata = read_pdf(path, self.settings.parse, on_page=on_page)
        except PdfError as exc:
            return AddResult(str(path), "failed", str(exc))
        if progress:
            progress(f"references {path.name}", 0, 1)
        paper = describe(path, pages, metadata)
        refs = references.extract_references(pages)
        references.find_contexts(pages, refs)
        return paper, pages, refs

    def _add_one(self, path: Path, paper: Paper, pages: list[Page], refs: list[Reference],
                 progress: Progress | None) -> AddResult:
        from .chunking import node_to_chunk, page_documents

        known = self.catalogue.find(paper.id, paper.sha256)
        if known:
            return AddResult(str(path), "exists", f"already in library as {known.file_name}", known)
        lock = self._write_lock()
        try:
            if self.catalogue.find(paper.id, paper.sha256):
                return AddResult(str(path), "exists", "already in library (added meanwhile)", paper)
            on_batch = (lambda done, total: progress(f"embed {path.name}", done, total)) if progress else None
            nodes = self.vectors.ingest(page_documents(paper, pages), on_batch=on_batch)
            chunks = [node_to_chunk(n, pages) for n in nodes]
            paper.n_chunks = len(chunks)
            try:
                self._keep_copy(path, paper)
                self.catalogue.put(paper, pages, chunks, refs)
            except Exception:
                self.vectors.delete_paper(paper.id)
                self.pdf_path(paper).unlink(missing_ok=True)
                raise
            links = self._link(paper)
        finally:
            lock.release()
        return AddResult(str(path), "added", f"{len(pages)} pages, {len(chunks)} chunks", paper, links)

    def remove(self, key: str) -> Paper:
        """Remove a paper, every one of its chunks and references, and unlink what cited it."""
        paper = self.paper(key)
        lock = self._write_lock()
        try:
            self.vectors.delete_paper(paper.id)
            self.catalogue.delete(paper.id)
            self.pdf_path(paper).unlink(missing_ok=True)
            self.catalogue.update_references(
                [(pid, r.model_copy(update={"linked_paper": None}))
                 for pid, r in self.catalogue.citing_references() if r.linked_paper == paper.id])
        finally:
            lock.release()
        return paper

    def _link(self, paper: Paper) -> list[str]:
        """Link the new paper to references that cite it, and its references to papers in the library."""
        papers = self._papers_by_id()
        updates, links = literature.link_all(self.catalogue.citing_references(), papers)
        if updates:
            self.catalogue.update_references(updates)
        return [f"cited by {literature.paper_label(papers[citing])}" for citing, cited in links if cited == paper.id] + \
               [f"cites {literature.paper_label(papers[cited])}" for citing, cited in links if citing == paper.id]

    # cited literature ---------------------------------------------------------------------------
    def references(self, key: str) -> list[Reference]:
        """The paper's reference list in printed order; ``linked_paper`` is set on entries in the library."""
        return self.catalogue.references(self.paper(key).id)

    def cited_by(self, key: str) -> list[tuple[Paper, Reference]]:
        """The library papers that cite this paper, each with its reference-list entry for it."""
        paper = self.paper(key)
        return literature.cited_by(paper.id, self.catalogue.citing_references(), self._papers_by_id())

    def missing(self) -> list[literature.MissingWork]:
        """Every work the library's papers cite that is not in the library, once, most-cited first."""
        return literature.missing(self.catalogue.citing_references(), self._papers_by_id())

    def export_bibtex(self, keys: Iterable[str] = (), include_references: bool = False) -> bibtex.Export:
        """BibTeX of the papers named (every paper when none is), optionally with the works they cite."""
        papers = self._papers_by_id()
        named = {p.id: p for p in map(self.paper, keys)}
        selected = list(named.values()) or list(papers.values())
        if not selected:
            raise LibraryError(f"nothing to export: the library in {self.dir} is empty; add papers first: "
                               "assistant add PATH...")
        linked, works = literature.cited_works(selected, self.catalogue.citing_references(), papers) \
            if include_references else ([], [])
        return bibtex.export(selected + linked, works)

    def _papers_by_id(self) -> dict[str, Paper]:
        return {p.id: p for p in self.papers()}

    # ask ----------------------------------------------------------------------------------------
    def ask(self, question: str, history: list[dict[str, str]] | None = None, k: int | None = None,
            paper_ids: list[str] | None = None, mode: str = "hybrid") -> Answer:
        """Answer from the indexed text only, with validated citations, or abstain."""
        started = time.perf_counter()
        question = " ".join(question.split())
        if not question:
            raise LibraryError("empty question")
        state = self._current_state()
        if not state.papers:
            raise LibraryError(f"the library in {self.dir} is empty; add papers first: assistant add PATH...")
        from .answer import Query
        from .retrieve import author_terms, papers_compared, papers_named, without_names, years_naming_papers

        standalone = condense(question, history or [], llm=self.settings.llm)
        named = papers_named(question, state.papers)
        paper_ids = paper_ids or named or self._papers_in_play(question, history, state.papers)
        search = without_names(standalone, state.papers) if named else standalone
        top_k = k or self.settings.retrieve.top_k
        n_papers = papers_compared(question) if not paper_ids else 0
        if n_papers:
            evidence = state.retriever.retrieve_per_paper(search, max(top_k, 10), n_papers, mode=mode)
        else:
            evidence = state.retriever.retrieve(search, top_k=max(top_k, 10), paper_ids=paper_ids, mode=mode)
        names = set().union(*author_terms(state.papers).values()) | years_naming_papers(question, state.papers)
        query = Query(standalone, question, names)
        answer = state.answerer.answer(query, evidence, state.pages, state.papers, state.references)
        answer.evidence = cited_first(answer)[:top_k]
        answer.settings_hash = self.settings.hash()
        answer.latency_ms = (time.perf_counter() - started) * 1000
        return answer

    @staticmethod
    def _papers_in_play(question: str, history: list[dict[str, str]] | None, papers: dict[str, Paper]):
        """A follow-up stays with the papers the last answer cited — or, asked about "the other
        paper", moves to the ones it did not cite."""
        from .chat import needs_context
        from .retrieve import papers_named

        last = next((t["content"] for t in reversed(history or []) if t.get("role") == "assistant"), "")
        cited = papers_named(last, papers) if last and needs_context(question) else None
        if cited and re.search(r"\b(the )?other (paper|article|study|author|one)\b", question, re.I):
            return [pid for pid in papers if pid not in cited] or None
        return cited

    def _current_state(self) -> _State:
        version = self.catalogue.version()
        if self._state is None or self._state.version != version:
            self._state = self._build_state(version)
        return self._state

    def _build_state(self, version: int) -> _State:
        from .answer import ExtractiveAnswerer, idf_table
        from .llm import select_answerer
        from .retrieve import Retriever, SparseIndex, terms

        papers = self._papers_by_id()
        chunks = self.catalogue.chunks()
        sparse = SparseIndex(chunks)
        idf, default_idf = idf_table([set(terms(c.text)) for c in chunks])
        extractive = ExtractiveAnswerer(self.settings.answer, self.encoder.encode, idf, default_idf)
        answerer = select_answerer(self.settings, extractive)
        pages = {(pid, p.index): p for pid in papers for p in self.pages(pid)}
        return _State(version, papers, Retriever(self.settings.retrieve, self.vectors, sparse), answerer, pages,
                      self.catalogue.citing_references())


def cited_first(answer: Answer) -> list[Evidence]:
    """Passages holding a cited quote first (in citation order), then the rest as retrieved.

    The answerer judges single sentences, which is finer than the retrievers' whole-passage
    scores, so its choice is the better ranking of the passages it drew from.
    """
    from .answer import normalise

    def holds(ev: Evidence, quote: str) -> bool:
        return normalise(quote)[:80] in normalise(ev.chunk.raw or ev.chunk.text)

    ranked: list[Evidence] = []
    for citation in answer.citations:
        ranked += [e for e in answer.evidence if e not in ranked and e.chunk.paper_id == citation.paper_id
                   and (e.chunk.id == citation.chunk_id or holds(e, citation.quote))][:1]
    return ranked + [e for e in answer.evidence if e not in ranked]


def safe_name(name: str) -> str:
    """A file-name-safe form of any string: no path separators, no leading dots."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")
    return cleaned[:150] or "paper"


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given; folders searched recursively for *.pdf (any case), in a stable order."""
    out: list[Path] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            out += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() == ".pdf")
        else:
            out.append(path)
    return out
