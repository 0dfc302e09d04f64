"""Shared fixtures: the shared corpus where it lies, a real library built from it once per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus"
WEI = CORPUS / "wei_international_migration_nontraditional_security.pdf"
MADAMINOVA = CORPUS / "madaminova_2023_security_migration_categories.pdf"


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


@pytest.fixture(scope="session")
def real_library(tmp_path_factory, corpus_dir):
    """The 32 LitQA papers and the two corpus papers in one library, built once (minutes) for the
    tests on real papers: metadata read at add time, and the eval gate on real papers."""
    from assistant.api import Library

    litqa = SHARED / "corpus-litqa"
    if not litqa.is_dir():
        pytest.skip(f"the LitQA papers are expected in {litqa}")
    library = Library(tmp_path_factory.mktemp("real-library"))
    results = library.add([litqa, corpus_dir])
    assert len(results) == 34 and all(r.status == "added" for r in results), [r.message for r in results]
    return library
