"""Shared fixtures: the shared corpus where it lies, a real library built from it once per session."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from .reference_scoring import EXTRA_PDFS, load_gold  # PDFs of other fields, not in git (see the README)

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus"
WEI = CORPUS / "wei_international_migration_nontraditional_security.pdf"
MADAMINOVA = CORPUS / "madaminova_2023_security_migration_categories.pdf"
GOLD_EXTRA = Path(__file__).parent / "data" / "metadata_gold_extra.json"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    """No test touches the repo's own index/: the default library is a temporary folder."""
    monkeypatch.setenv("ASSISTANT_INDEX_DIR", str(tmp_path / "default-index"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("ASSISTANT_USER_CONFIG", str(tmp_path / "user-config.json"))  # not the developer's own


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    assert WEI.is_file() and MADAMINOVA.is_file(), f"the shared corpus is expected in {CORPUS}"
    return CORPUS


@pytest.fixture(scope="session")
def corpus_library(tmp_path_factory, corpus_dir):
    """A library holding both corpus papers (real model, real embedded Chroma), shared read-only."""
    from assistant.api import Library

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    library = Library(tmp_path_factory.mktemp("corpus-library"))
    results = library.add([corpus_dir])
    assert [r.status for r in results] == ["added", "added"], [r.message for r in results]
    return library


LITQA = SHARED / "corpus-litqa"
_REAL_BUILD = pytest.StashKey[tuple[subprocess.Popen, Path]]()


def _needs_real_library(item) -> bool:
    return "real_library" in getattr(item, "fixturenames", ())


def pytest_collection_modifyitems(config, items):
    """The tests on the real library run last, so that its build (minutes of embedding, started in
    ``pytest_collection_finish``) goes on while the other tests run instead of before them."""
    items.sort(key=_needs_real_library)


def pytest_collection_finish(session):
    """Start building the real library in a child process (``assistant add``), and reading the extra PDFs
    (``_start_extra_reads``), as soon as the tests that need them are known: two cores spend much of the other
    tests' time waiting on browsers, servers and child processes."""
    if LITQA.is_dir() and CORPUS.is_dir() and any(map(_needs_real_library, session.items)):
        folder = session.config._tmp_path_factory.mktemp("real-library")
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "ASSISTANT_USER_CONFIG": str(folder / "user-config.json")}
        log = (folder / "add.log").open("w")
        command = ["add", str(LITQA), str(CORPUS), "--index", str(folder / "library"), "--json"]
        child = subprocess.Popen([sys.executable, "-c", "from assistant.cli import main; main()",
                                  *command], stdout=log, stderr=subprocess.STDOUT, env=env)
        session.config.stash[_REAL_BUILD] = (child, folder)
    if any("extra_reads" in getattr(item, "fixturenames", ()) for item in session.items):
        _start_extra_reads(session.config)


@pytest.fixture(scope="session")
def real_library(request):
    """The 32 LitQA papers and the two corpus papers in one library, built once (minutes, in the
    background from the start of the session) for the tests on real papers: metadata read at add
    time, and the eval gate on real papers."""
    from assistant.api import Library

    if _REAL_BUILD not in request.config.stash:
        pytest.skip(f"the LitQA papers are expected in {LITQA}")
    child, folder = request.config.stash[_REAL_BUILD]
    code = child.wait(timeout=1800)
    output = (folder / "add.log").read_text()
    assert code == 0, output[-3000:]
    library = Library(folder / "library", create=False)
    assert len(library.papers()) == 34, output[-3000:]
    return library


def pytest_sessionfinish(session):
    """A session stopped early (-x, Ctrl+C) does not leave the build or the reads running."""
    if _REAL_BUILD in session.config.stash:
        child, _ = session.config.stash[_REAL_BUILD]
        if child.poll() is None:
            child.kill()
            child.wait()
    if _EXTRA_READS in session.config.stash:
        session.config.stash[_EXTRA_READS][0].shutdown(cancel_futures=True)


@dataclass
class ExtraRead:
    """One PDF of other fields as ``assistant add`` reads it: its Paper record, or the reason it is refused;
    its pages where a test needs them (a reference list's gold)."""

    paper: object | None
    refusal: str | None
    pages: list | None


def _quiet_and_low() -> None:
    """A reader's set-up: a low priority, and no warnings printed (pypdf's about broken files): started before
    any test, its output would land in the session's, where pytest captures nothing."""
    import logging

    os.nice(10)
    logging.disable(logging.WARNING)


def _read_extra(path: Path, keep_pages: bool) -> ExtraRead:
    from assistant.papers import describe
    from assistant.pdf import PdfError, read_pdf

    try:
        pages, meta = read_pdf(path)
    except PdfError as error:
        return ExtraRead(None, str(error), None)
    return ExtraRead(describe(path, pages, meta), None, pages if keep_pages else None)


_EXTRA_READS = pytest.StashKey[tuple]()


def _extra_names() -> tuple[list[str], list[str]]:
    """The extra metadata table's PDF names, and those of them not in ``EXTRA_PDFS``."""
    names = [row["file"] for row in json.loads(GOLD_EXTRA.read_text())["papers"]]
    return names, [name for name in names if not (EXTRA_PDFS / name).is_file()]


def _start_extra_reads(config) -> None:
    """Read the extra metadata table's PDFs in two spawned processes (not forked: the test process may come to
    hold the encoder's and a server's threads, and a fork under them can hang) from the start of the session, at
    a low priority: they use what the other tests leave idle (waits on browsers, servers, child processes) and
    slow no test that times itself. Pages are kept for the PDFs with a gold reference list."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    names, missing = _extra_names()
    if missing:
        return  # the fixture says which
    with_lists = {gold.pdf.name for gold in load_gold() if gold.extra}
    pool = ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn"), initializer=_quiet_and_low)
    futures = [pool.submit(_read_extra, EXTRA_PDFS / name, name in with_lists) for name in names]
    config.stash[_EXTRA_READS] = (pool, dict(zip(names, futures)))


@pytest.fixture(scope="session")
def extra_reads(request) -> dict[str, ExtraRead]:
    """Every PDF of the extra metadata table as ``assistant add`` reads it, read once per session (started with
    the session, ``_start_extra_reads``) for the metadata and reference-list tests."""
    if _EXTRA_READS not in request.config.stash:
        names, missing = _extra_names()
        pytest.skip(f"{len(missing)} of the {len(names)} PDFs of {GOLD_EXTRA.name} are not in {EXTRA_PDFS} (set "
                    f"ASSISTANT_EXTRA_PDFS; each row's source says where to fetch it), e.g. {missing[0]}")
    _, futures = request.config.stash[_EXTRA_READS]
    return {name: future.result() for name, future in futures.items()}
