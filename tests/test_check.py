"""`check [--repair]`: a crash at any step of add or remove leaves a state that check --repair
(or the next add) makes consistent again. The crash is a BaseException raised at that step, so
no ``except Exception`` cleanup runs: what is left is what a killed process leaves."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.api import Library
from assistant.catalogue import Catalogue
from assistant.cli import cli
from assistant.index import VectorIndex

from .fakes import HashEncoder, fast_library, papers


class Crash(BaseException):
    """The process dies here."""


def _crash(*args, **kwargs):
    raise Crash


def assert_consistent(library: Library) -> None:
    report = library.check()
    assert report.consistent and not report.missing_files, report
    listed = {p.id: p for p in library.papers()}
    stored = library.vectors.ids_by_paper()
    assert set(stored) == set(listed)
    for paper in listed.values():
        assert len(stored[paper.id]) == paper.n_chunks > 0
        assert {c.id for c in library.catalogue.chunks(paper.id)} == stored[paper.id]
    files = sorted(f.name for f in (library.dir / "files").iterdir())
    assert files == sorted(library.pdf_path(p).name for p in listed.values())


@pytest.fixture
def pdfs(tmp_path) -> list[Path]:
    return papers(tmp_path / "pdfs", 2)


@pytest.fixture
def library(tmp_path, pdfs) -> Library:
    library = fast_library(tmp_path / "lib")
    [first] = library.add(pdfs[:1])
    assert first.status == "added"
    return library


ADD_STEPS = {  # where add can die, in the order it runs
    "before the copy": (shutil, "copyfile"),
    "half-way through the copy": (os, "replace"),
    "before the vectors": (VectorIndex, "replace_paper"),
    "before the catalogue row": (Catalogue, "put"),
    "before linking references": (Library, "_link"),
}


@pytest.mark.parametrize("step", ADD_STEPS)
def test_a_crash_at_any_step_of_add_is_repaired(step, library, pdfs, monkeypatch):
    owner, name = ADD_STEPS[step]
    with monkeypatch.context() as patch:
        patch.setattr(owner, name, _crash)
        with pytest.raises(Crash):
            library.add(pdfs[1:])

    reopened = fast_library(library.dir)  # as the next process finds it
    report = reopened.check()
    if step in ("half-way through the copy", "before the vectors"):
        assert report.orphan_files and not report.consistent
    if step == "before the catalogue row":
        assert report.orphan_vectors and report.orphan_files and not report.consistent
    repaired = reopened.check(repair=True)
    assert repaired.repaired == (not report.consistent)
    assert_consistent(reopened)

    [again] = reopened.add(pdfs[1:])  # the next add completes the paper
    assert again.status == ("exists" if step == "before linking references" else "added")
    assert_consistent(reopened)
    assert len(reopened.papers()) == 2


def test_the_next_add_alone_also_completes_a_crashed_add(library, pdfs, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(Catalogue, "put", _crash)
        with pytest.raises(Crash):
            library.add(pdfs[1:])
    [again] = fast_library(library.dir).add(pdfs[1:])
    assert again.status == "added"
    assert_consistent(library)  # stale vectors of the crashed attempt were replaced, not duplicated


REMOVE_STEPS = {
    "before the catalogue row": (Catalogue, "delete"),
    "before the vectors": (VectorIndex, "delete_paper"),
    "before the file": (Path, "unlink"),
}


@pytest.mark.parametrize("step", REMOVE_STEPS)
def test_a_crash_at_any_step_of_remove_is_repaired(step, library, pdfs, monkeypatch):
    owner, name = REMOVE_STEPS[step]
    with monkeypatch.context() as patch:
        patch.setattr(owner, name, _crash)
        with pytest.raises(Crash):
            library.remove(pdfs[0].name)

    reopened = fast_library(library.dir)
    expected_papers = 1 if step == "before the catalogue row" else 0
    assert len(reopened.papers()) == expected_papers  # the catalogue row is the commit point
    report = reopened.check()
    assert report.consistent == (step == "before the catalogue row")
    if step == "before the vectors":
        assert report.orphan_vectors and report.orphan_files
    reopened.check(repair=True)
    assert_consistent(reopened)


def test_lost_vectors_are_re_embedded_from_the_stored_chunks(library, pdfs):
    paper = library.papers()[0]
    question = "How many sites did the survey count about glaciers?"
    before = library.vectors.query(question, 5)
    library.vectors.delete_paper(paper.id)

    report = library.check()
    assert report.missing_vectors == {paper.file_name: paper.n_chunks} and not report.consistent
    assert library.check(repair=True).repaired
    assert_consistent(library)
    after = library.vectors.query(question, 5)
    assert [cid for cid, _ in after] == [cid for cid, _ in before]
    assert [round(s, 5) for _, s in after] == [round(s, 5) for _, s in before]


def test_check_command_reports_then_repairs(library, pdfs, monkeypatch):
    monkeypatch.setattr(Library, "encoder", property(lambda self: HashEncoder()))
    with monkeypatch.context() as patch:
        patch.setattr(Catalogue, "put", _crash)
        with pytest.raises(Crash):
            library.add(pdfs[1:])
    index = str(library.dir)

    found = CliRunner().invoke(cli, ["check", "--index", index])
    assert found.exit_code == 1, found.output
    assert "vectors of no paper" in found.output and "check --repair" in found.output

    as_json = json.loads(CliRunner().invoke(cli, ["check", "--index", index, "--json"]).stdout)
    assert as_json["consistent"] is False and as_json["orphan_vectors"] > 0 and len(as_json["orphan_files"]) == 1

    repaired = CliRunner().invoke(cli, ["check", "--repair", "--index", index])
    assert repaired.exit_code == 0 and "repaired: " in repaired.output
    clean = CliRunner().invoke(cli, ["check", "--index", index])
    assert clean.exit_code == 0 and clean.output.strip().endswith("consistent")


def test_a_library_from_before_library_ids_gets_its_vectors_back_without_re_embedding(library, monkeypatch):
    """Its vectors sit in the old collection name (no library id): repair copies them over."""
    current = library.vectors.collection
    stored = current.get(include=["embeddings", "metadatas", "documents"])
    legacy_name = f"{library.settings.collection}_{library.settings.vector_fingerprint()}"
    library.vectors.client.create_collection(legacy_name, metadata={"hnsw:space": "cosine"}).add(
        ids=stored["ids"], embeddings=stored["embeddings"], metadatas=stored["metadatas"],
        documents=stored["documents"])
    library.vectors.delete_ids(stored["ids"])
    assert not library.check().consistent

    monkeypatch.setattr(HashEncoder, "encode", _crash)  # nothing may be embedded again
    assert library.check(repair=True).repaired
    assert_consistent(library)
    copied = library.vectors.collection.get(ids=stored["ids"], include=["embeddings"])
    def by_id(got):
        return {vid: [round(float(x), 6) for x in vector] for vid, vector in zip(got["ids"], got["embeddings"])}

    assert by_id(copied) == by_id(stored)
