"""Shared fixtures: the shared corpus where it lies, a real library built from it once per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
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
