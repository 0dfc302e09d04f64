"""The Python API: ``Library(path).add(...)``, ``.ask(...)``, ``.papers()``, ``.remove(...)``, ``.check()``.

The CLI, the Gradio UI and the eval runner are thin shells over this class. Writes to a
library are serialised across processes with a file lock (the embedded Chroma client is not
safe with two writers), held only while one paper is committed (embedding happens before);
a second writer waits ``lock_timeout_s`` and then gets LibraryBusy for that paper.

Crash safety: a paper is committed by its catalogue row, written last on add (after its PDF
copy and vectors) and first on remove (before them). A crash at any step leaves at most
orphan vectors or files, or a paper missing vectors, which ``check(repair=True)`` or the
next add of that PDF completes. ``ask`` reads one catalogue snapshot and may run in many
threads; a process sees what other processes wrote once the catalogue version changes.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import threading
import time
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from . import bibtex, literature, references
from .catalogue import Catalogue, PageCache, Snapshot
from .chat import condense
from .errors import (InvalidQuestion, LibraryBusy, LibraryError, NotALibrary, UnknownPaper,  # noqa: F401 (API)
                     Unavailable, UsageError, VectorStoreUnavailable)
from .papers import describe, file_sha256
from .pdf import PdfError, read_pdf
from .records import Answer, AnswerEvent, Evidence, Page, Paper, Reference
from .settings import Settings, get_settings

Progress = Callable[[str, int, int], None]  # (what, done, total)
log = logging.getLogger(__name__)


@dataclass
class AddResult:
    path: str
    status: str  # "added", "exists" or "failed"
    message: str = ""
    paper: Paper | None = None
    links: list[str] = field(default_factory=list)  # "cited by Madaminova 2023", ...


@dataclass
class CheckReport:
    """What ``Library.check`` found: vectors, stored PDF copies and links that disagree with the catalogue."""

    papers: int
    chunks: int
    vectors: int
    orphan_vectors: int = 0  # vectors of no catalogue chunk (a crashed add or remove)
    missing_vectors: dict[str, int] = field(default_factory=dict)  # file name -> chunks without a vector
    orphan_files: list[str] = field(default_factory=list)  # files/ entries of no paper
    missing_files: list[str] = field(default_factory=list)  # papers whose stored PDF copy is gone (not repairable)
    stale_links: int = 0  # references linked to papers no longer in the library
    repaired: bool = False

    @property
    def consistent(self) -> bool:
        return not (self.orphan_vectors or self.missing_vectors or self.orphan_files or self.stale_links)


@dataclass
class _State:
    """What ask() needs in memory, rebuilt when the catalogue version changes."""

    version: int
    papers: dict[str, Paper]
    retriever: Any
    answerer: Any
    pages: PageCache  # read when an answer needs them, not held for the whole library
    references: list[tuple[str, Reference]]
    names: Any  # retrieve.PaperNames: how a question names these papers


class Library:
    def __init__(self, path: str | Path | None = None, settings: Settings | dict | None = None, create: bool = True,
                 **overrides: Any):
        """Open the library in ``path``; ``create=False`` raises NotALibrary where there is none."""
        if path is not None:
            overrides["index_dir"] = Path(path)
        self.settings = get_settings(settings, **overrides)
        self.dir = Path(self.settings.index_dir)
        self.catalogue = Catalogue(self.dir / "library.db", create=create)
        self.library_id = str(self.catalogue.get_meta("library_id"))
        self._lock = threading.RLock()  # guards the state, the vector store handle and the seen version
        self._state: _State | None = None
        self._vectors: Any = None
        self._seen_version = -1  # the catalogue version the vector store handle reflects
        self._check_fingerprint()
        self._check_store()

    def _check_fingerprint(self) -> None:
        """A library's vectors were made with one encoder and chunking; refuse to mix in others."""
        built = self.catalogue.get_meta("vector_fingerprint")
        current = self.settings.vector_fingerprint()
        if built is None:
            self.catalogue.set_meta("vector_fingerprint", current)
        elif built != current:
            raise LibraryError(f"the library in {self.dir} was built with other embedding/chunk settings "
                               f"({built}, now {current}); restore them, or build a new library with --index")

    def _check_store(self) -> None:
        """A library's vectors live either in its folder or in a Chroma server: refuse to look in the other."""
        here = "server" if self.settings.chroma_url else "embedded"
        built = self.catalogue.ensure_meta("vector_store", lambda: here)
        if built != here:
            where = {"server": "a Chroma server: set ASSISTANT_CHROMA_URL (or chroma_url in your user config)",
                     "embedded": "its folder: unset ASSISTANT_CHROMA_URL"}[built]
            raise LibraryError(f"the vectors of the library in {self.dir} live in {where}")

    # lazily built heavy parts ------------------------------------------------------------------
    @cached_property
    def encoder(self):
        from .embedding import Encoder

        return Encoder(self.settings.embed)

    @property
    def vectors(self):
        """The vector store, reopened when another process has changed the library since this one looked."""
        with self._lock:
            return self._vectors_at(self.catalogue.version())

    def _vectors_at(self, version: int):
        from .index import VectorIndex

        if self._vectors is None or (version != self._seen_version and not self.settings.chroma_url):
            self._vectors = VectorIndex(self.settings, self.encoder, self.library_id, fresh=self._vectors is not None)
        self._seen_version = version
        return self._vectors

    def _wrote(self, version: int) -> None:
        """This process committed ``version``: its own handle has seen it, unless another writer came between."""
        if version == self._seen_version + 1:
            self._seen_version = version

    def _write_lock(self):
        from filelock import FileLock, Timeout

        lock = FileLock(str(self.dir / ".write.lock"), timeout=self.settings.lock_timeout_s)
        try:
            lock.acquire()
        except Timeout:
            raise LibraryBusy(f"library busy: another process is writing to {self.dir}; "
                              f"waited {self.settings.lock_timeout_s:.0f} s, try again when it is done") from None
        return lock

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """The file lock (other processes), then the state lock (other threads), for one short commit."""
        lock = self._write_lock()
        try:
            with self._lock:
                yield
        finally:
            lock.release()

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
        """Copy under a temporary name, then rename: a crash never leaves a half copy under the paper's name."""
        target = self.pdf_path(paper)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.partial")
        shutil.copyfile(path, partial)
        os.replace(partial, target)

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
        return list(self.add_each(paths, progress))

    def add_each(self, paths: Iterable[str | Path], progress: Progress | None = None) -> Iterator[AddResult]:
        """``add``, yielding each file's result as soon as it is known (a caller that is
        interrupted still knows which files were added)."""
        from concurrent.futures import ThreadPoolExecutor

        files = expand_paths(paths)
        with ThreadPoolExecutor(max_workers=1) as reader:  # parse the next PDF while this one embeds
            parsed = [reader.submit(self._parse, path, progress) for path in files[:1]]
            for n, path in enumerate(files):
                if progress:
                    progress(f"file {path.name}", n, len(files))
                if n + 1 < len(files):
                    parsed.append(reader.submit(self._parse, files[n + 1], progress))
                outcome = parsed[n].result()
                parsed[n] = None  # pages can be large: keep only the next file's
                yield outcome if isinstance(outcome, AddResult) else self._add_one(path, *outcome, progress)
        if progress:
            progress("done", len(files), len(files))

    def _parse(self, path: Path, progress: Progress | None = None
               ) -> AddResult | tuple[Paper, list[Page], list[Reference]]:
        """Read and describe a PDF, or say why it cannot be added (pure CPU work, no library writes).

        Progress: ("read NAME", page, pages) per page, then ("references NAME", 0, 1)."""
        if not path.exists():
            return AddResult(str(path), "failed", "no such file")
        sha = file_sha256(path) if path.is_file() else None
        known = self.catalogue.find(None, sha) if sha else None
        if known:  # the same file again: no need to read it
            return AddResult(str(path), "exists", f"already in library as {known.file_name}", known)
        on_page = (lambda done, total: progress(f"read {path.name}", done, total)) if progress else None
        try:
            pages, metadata = read_pdf(path, self.settings.parse, on_page=on_page)
            if progress:
                progress(f"references {path.name}", 0, 1)
            paper = describe(path, pages, metadata, sha)
            refs = references.extract_references(pages)
            references.find_contexts(pages, refs)
        except PdfError as exc:
            return AddResult(str(path), "failed", str(exc))
        except Exception as exc:  # one file's bug must not cost the rest of the batch
            log.debug("reading %s failed", path, exc_info=True)
            return AddResult(str(path), "failed", f"{type(exc).__name__}: {exc}")
        return paper, pages, refs

    def _add_one(self, path: Path, paper: Paper, pages: list[Page], refs: list[Reference],
                 progress: Progress | None) -> AddResult:
        """Embed without the lock, then commit under it; any failure is this file's result alone."""
        from .chunking import node_to_chunk, page_documents

        known = self.catalogue.find(paper.id, paper.sha256)
        if known:
            return AddResult(str(path), "exists", f"already in library as {known.file_name}", known)
        on_batch = (lambda done, total: progress(f"embed {path.name}", done, total)) if progress else None
        try:
            self.vectors.ping()
            nodes = self.vectors.embed(page_documents(paper, pages), on_batch=on_batch)
            chunks = [node_to_chunk(n, pages) for n in nodes]
            paper.n_chunks = len(chunks)
            return self._commit(path, paper, pages, chunks, refs, nodes)
        except LibraryError as exc:
            return AddResult(str(path), "failed", str(exc))
        except Exception as exc:
            log.debug("adding %s failed", path, exc_info=True)
            return AddResult(str(path), "failed", f"{type(exc).__name__}: {exc}")

    def _commit(self, path: Path, paper: Paper, pages: list[Page], chunks: list, refs: list[Reference],
                nodes: list) -> AddResult:
        """Store one embedded paper: PDF copy, vectors, then the catalogue row that makes it part of the library."""
        with self._writing():
            if self.catalogue.find(paper.id, paper.sha256):
                return AddResult(str(path), "exists", "already in library (added meanwhile)", paper)
            try:
                self._keep_copy(path, paper)
                self.vectors.replace_paper(paper.id, nodes)
                self._wrote(self.catalogue.put(paper, pages, chunks, refs))
            except Exception:  # a clean failure tidies up; a crash leaves orphans for check --repair
                self._discard(paper)
                raise
            links = self._link(paper)
        return AddResult(str(path), "added", f"{len(pages)} pages, {len(chunks)} chunks", paper, links)

    def _discard(self, paper: Paper) -> None:
        try:
            self.vectors.delete_paper(paper.id)
        except LibraryError:
            pass  # the store is down: its orphans wait for check --repair
        self.pdf_path(paper).unlink(missing_ok=True)

    def remove(self, key: str) -> Paper:
        """Remove a paper, every one of its chunks and references, and unlink what cited it."""
        paper = self.paper(key)
        with self._writing():
            self.vectors.count(paper.id)  # the store answers before anything is deleted
            self._wrote(self.catalogue.delete(paper.id))  # the commit point: the paper is gone
            try:
                self.vectors.delete_paper(paper.id)
            except Unavailable as exc:
                raise VectorStoreUnavailable(f"{paper.file_name} was removed from the catalogue, but its vectors "
                                             f"were not deleted ({exc}); `assistant check --repair` deletes them "
                                             "once the server is back") from None
            self.pdf_path(paper).unlink(missing_ok=True)
        return paper

    def check(self, repair: bool = False) -> CheckReport:
        """Compare the catalogue with the vectors and the stored PDF copies; with ``repair``, delete
        orphan vectors and files, re-embed missing vectors from the stored chunks and drop stale
        reference links. Holds the write lock, so a paper being committed is not taken for orphans."""
        with self._writing():
            snapshot = self.catalogue.snapshot()
            report, orphan_ids, missing = self._compare(snapshot)
            if repair and not report.consistent:
                self._repair(orphan_ids, missing, report.orphan_files)
                report.repaired = True
        return report

    def _compare(self, snapshot: Snapshot) -> tuple[CheckReport, list[str], list]:
        stored = self.vectors.ids_by_paper()
        wanted: dict[str, set[str]] = {}
        for chunk in snapshot.chunks:
            wanted.setdefault(chunk.paper_id, set()).add(chunk.id)
        all_wanted = set().union(*wanted.values()) if wanted else set()
        orphan_ids = sorted(vid for ids in stored.values() for vid in ids if vid not in all_wanted)
        have = set().union(*stored.values()) if stored else set()
        missing = [c for c in snapshot.chunks if c.id not in have]
        expected = {self.pdf_path(p).name: p for p in snapshot.papers.values()}
        present = {f.name for f in (self.dir / "files").iterdir()} if (self.dir / "files").is_dir() else set()
        report = CheckReport(
            papers=len(snapshot.papers), chunks=len(snapshot.chunks), vectors=len(have), orphan_vectors=len(orphan_ids),
            orphan_files=sorted(present - set(expected)),
            missing_files=sorted(expected[name].file_name for name in set(expected) - present),
            stale_links=sum(1 for _, r in snapshot.references if r.linked_paper and r.linked_paper not in snapshot.papers))
        for chunk in missing:
            name = snapshot.papers[chunk.paper_id].file_name if chunk.paper_id in snapshot.papers else chunk.paper_id
            report.missing_vectors[name] = report.missing_vectors.get(name, 0) + 1
        return report, orphan_ids, missing

    def _repair(self, orphan_ids: list[str], missing: list, orphan_files: list[str]) -> None:
        vectors = self.vectors
        vectors.delete_ids(orphan_ids)
        copied = vectors.copy_legacy([c.id for c in missing])  # a library from before library ids
        vectors.add_nodes(vectors.embed_chunks([c for c in missing if c.id not in copied]))
        for name in orphan_files:
            (self.dir / "files" / name).unlink(missing_ok=True)
        self.catalogue.unlink_missing()

    def _link(self, paper: Paper) -> list[str]:
        """Link the new paper to references that cite it, and its references to papers in the library."""
        papers = self._papers_by_id()
        updates, links = literature.link_all(self.catalogue.citing_references(), papers)
        if updates:
            self._wrote(self.catalogue.update_references(updates))
        return [f"cited by {literature.paper_label(papers[citing])}" for citing, cited in links if cited == paper.id] + \
               [f"cites {literature.paper_label(papers[cited])}" for citing, cited in links if citing == paper.id]

    EDITABLE = ("title", "authors", "year", "doi", "venue")

    def edit_paper(self, key: str, **fields: Any) -> Paper:
        """Correct a paper's title, authors, year, DOI or venue.

        Stored as the user's edit: re-parsing (removing and re-adding the PDF) keeps it, and every
        citation and BibTeX export uses it. Empty values clear a field; unchanged fields are not stored.
        """
        unknown = sorted(set(fields) - set(self.EDITABLE))
        if unknown:
            raise LibraryError(f"cannot edit {', '.join(unknown)}: only {', '.join(self.EDITABLE)}")
        paper = self.paper(key)
        cleaned = {name: _clean_field(name, value) for name, value in fields.items()}
        changed = {name: value for name, value in cleaned.items() if getattr(paper, name) != value}
        if not changed:
            return paper
        lock = self._write_lock()
        try:
            edited = self.catalogue.edit(paper.id, changed)
            self._link(edited)  # a corrected title or year can link references to it
        finally:
            lock.release()
        return edited

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

    def add_record(self, record: Reference) -> bool:
        """Keep a work known without its PDF (e.g. from a BibTeX or Zotero import) in the registry:
        it stays "missing", and the references citing it meet it in the citation graph. Whether it was new."""
        from .graph import work_id

        lock = self._write_lock()
        try:
            return self.catalogue.put_record(work_id(record), record)
        finally:
            lock.release()

    def citation_graph(self):
        """The library's citation graph (``assistant.graph.Graph``)."""
        from . import graph

        return graph.build(self._papers_by_id(), self.catalogue.citing_references(),
                           self.catalogue.registry_records())

    def _papers_by_id(self) -> dict[str, Paper]:
        return {p.id: p for p in self.papers()}

    # ask ----------------------------------------------------------------------------------------
    def ask(self, question: str, history: list[dict[str, Any]] | None = None, k: int | None = None,
            paper_ids: list[str] | None = None, mode: str = "hybrid") -> Answer:
        """Answer from the indexed text only, with validated citations, or abstain.

        ``history`` holds the earlier turns, ``{"role": "user"|"assistant", "content": ...}``; an
        assistant turn may carry the ``paper_ids`` its answer cited, and a follow-up that leans on
        the conversation then stays with those papers.
        """
        started = time.perf_counter()
        state, query, evidence, pages = self.prepare(question, history, paper_ids, mode)
        answer = state.answerer.answer(query, evidence, pages, state.papers, state.references)
        return self._finish(answer, evidence, k, started)

    def prepare(self, question: str, history: list[dict[str, Any]] | None, paper_ids: list[str] | None,
                mode: str) -> tuple[_State, Any, list[Evidence], dict[tuple[str, int], Page]]:
        """The library state, the question as the answerer reads it, the evidence in the retriever's
        order, and the pages of the evidence's papers."""
        question = self._valid_question(question)
        if not question:
            raise LibraryError("empty question")
        state = self._current_state()
        if not state.papers:
            raise LibraryError(f"the library in {self.dir} is empty; add papers first: assistant add PATH...")
        from .answer import Query

        standalone = condense(question, history or [], llm=self.settings.llm)
        # papers named in the question, else kept from the conversation (cited ids, else names in earlier turns)
        named = state.names.papers(question)
        paper_ids = paper_ids or named or papers_in_play(question, history, state.papers) or \
            state.names.papers(standalone)
        search = state.names.without(standalone) if paper_ids else standalone
        depth = max(self.settings.retrieve.top_k, self.settings.answer.max_passages)
        evidence = state.retriever.retrieve(search, top_k=depth, paper_ids=paper_ids, mode=mode)
        pages = state.pages.of_papers(e.chunk.paper_id for e in evidence)
        evidence = [e for e in evidence if (e.chunk.paper_id, e.chunk.page_index) in pages]  # none if removed since
        names = state.names.naming(standalone)
        return state, Query(standalone, question, names), evidence, pages

    def _finish(self, answer: Answer, evidence: list[Evidence], k: int | None, started: float) -> Answer:
        """The answer with the passages as the retriever ranked them, the settings stamp and the latency."""
        answer.evidence = evidence[: k or self.settings.retrieve.top_k]
        answer.settings_hash = self.settings.hash()
        answer.latency_ms = (time.perf_counter() - started) * 1000
        return answer

    def ask_stream(self, question: str, history: list[dict[str, Any]] | None = None, k: int | None = None,
                   paper_ids: list[str] | None = None, mode: str = "hybrid") -> Iterator[AnswerEvent]:
        """ask(), streamed. With the LLM backend: the draft's pieces as the LLM writes them ("token"
        events), then the checked Answer ("answer"), which replaces the draft; a "notice" comes
        first when the endpoint failed and the extractive answer follows. The extractive backend
        yields the answer at once. Closing the iterator (a UI's Stop) closes the HTTP stream, so
        the server stops generating.
        """
        started = time.perf_counter()
        state, query, evidence, pages = self.prepare(question, history, paper_ids, mode)
        args = (query, evidence, pages, state.papers, state.references)
        if not hasattr(state.answerer, "stream"):
            yield AnswerEvent(kind="answer", answer=self._finish(state.answerer.answer(*args), evidence, k, started))
            return
        with closing(state.answerer.stream(*args)) as events:
            for event in events:
                if event.answer is not None:
                    self._finish(event.answer, evidence, k, started)
                yield event

    def _valid_question(self, question: str) -> str:
        """The question with its whitespace collapsed, or InvalidQuestion (not text, or too long)."""
        try:
            question.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidQuestion("the question is not valid UTF-8 text; check the terminal's encoding") from None
        cap = self.settings.max_question_chars
        if len(question) > cap:
            raise InvalidQuestion(f"the question has {len(question):,} characters; the limit is {cap:,} "
                                  "(setting max_question_chars): ask one shorter question at a time")
        return " ".join(question.split())

    def _current_state(self) -> _State:
        """The state for the catalogue's current version; built once per version, whichever thread asks."""
        with self._lock:
            if self._state is None or self._state.version != self.catalogue.version():
                self._state = self._build_state(self.catalogue.snapshot())
            return self._state

    def _build_state(self, snapshot: Snapshot) -> _State:
        """Everything from one snapshot, and the vector store as of its version: never two versions mixed."""
        from .answer import ExtractiveAnswerer, idf_table
        from .llm import select_answerer
        from .retrieve import PaperNames, Retriever, SparseIndex, terms

        vectors = self._vectors_at(snapshot.version)
        unembedded = len(snapshot.chunks) - vectors.count()
        if unembedded > 0:
            log.warning("%d chunks of the library in %s have no vectors (answers use BM25 for them); "
                        "`assistant check --repair` restores them", unembedded, self.dir)
        chunk_terms = [terms(c.text) for c in snapshot.chunks]  # once, for both (at 100k chunks: seconds, ~0.5 GB)
        sparse = SparseIndex(snapshot.chunks, chunk_terms)
        idf, default_idf = idf_table(chunk_terms)
        extractive = ExtractiveAnswerer(self.settings.answer, self.encoder.encode, self.encoder.word_piece_vectors, idf,
                                        default_idf)
        answerer = select_answerer(self.settings, extractive)
        return _State(snapshot.version, snapshot.papers, Retriever(self.settings.retrieve, vectors, sparse), answerer,
                      PageCache(self.catalogue), snapshot.references, PaperNames(snapshot.papers))


def papers_in_play(question: str, history: list[dict[str, Any]] | None, papers: dict[str, Paper]) -> list[str] | None:
    """A follow-up that leans on the conversation stays with the papers the last answer cited (its
    ``paper_ids``, carried as data) — or, asked about "the other paper", moves to the ones it did not cite."""
    from .chat import needs_context

    last = next((t for t in reversed(history or []) if t.get("role") == "assistant"), None)
    cited = [pid for pid in (last or {}).get("paper_ids") or [] if pid in papers]
    if not cited or not needs_context(question):
        return None
    if re.search(r"\b(the )?other (paper|article|study|author|one)\b", question, re.I):
        return [pid for pid in papers if pid not in cited] or None
    return cited


def _clean_field(name: str, value: Any) -> Any:
    """An edited metadata value in the Paper's shape: authors a list of names, empty text None."""
    if name == "authors":
        names = value.split(";") if isinstance(value, str) else value or []
        return [" ".join(str(n).split()) for n in names if str(n).strip()]
    text = " ".join(str(value or "").split())
    if name == "doi":
        text = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:)", "", text, flags=re.I)
    return text if text or name == "title" else None


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
