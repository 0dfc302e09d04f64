"""Several readers and writers on one library: consistent snapshots, threads, other processes,
and writers that hold the lock only to commit a paper."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

from filelock import FileLock

from assistant.index import VectorIndex
from assistant.records import Paper

from .fakes import fast_library, papers

QUESTION = "How many sites did the survey count about coral reefs?"


def test_twenty_askers_racing_add_and_remove_never_raise(tmp_path):
    """20 threads ask (as 20 chat clients of one UI process) while another handle adds and removes."""
    pdfs = papers(tmp_path / "pdfs", 3)
    writer = fast_library(tmp_path / "lib")
    writer.add(pdfs[:2])
    reader = fast_library(tmp_path / "lib")  # another handle, as the UI's beside a CLI writer
    errors: list[BaseException] = []
    answers = []
    stop = threading.Event()

    def churn():
        try:
            for _ in range(4):
                writer.add(pdfs[2:])
                writer.remove(pdfs[2].name)
                writer.remove(pdfs[1].name)
                writer.add(pdfs[1:2])
        except BaseException as exc:  # noqa: BLE001 - the test reports whatever was raised
            errors.append(exc)
        finally:
            stop.set()

    def ask():
        while not stop.is_set():
            try:
                answers.append(reader.ask(QUESTION))
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)
                return

    threads = [threading.Thread(target=churn)] + [threading.Thread(target=ask) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    assert len(answers) >= 20
    for answer in answers:  # every citation names a paper of the snapshot its answer came from
        for citation in answer.citations:
            assert citation.paper_id in answer.papers
    assert reader.check().consistent


def test_a_snapshot_never_mixes_two_versions(tmp_path, monkeypatch):
    """A writer commits a paper while the snapshot is half read: the snapshot must not see it."""
    pdfs = papers(tmp_path / "pdfs", 2)
    library = fast_library(tmp_path / "lib")
    library.add(pdfs[:1])
    writer = fast_library(tmp_path / "lib")
    committed = threading.Event()
    thread = threading.Thread(target=lambda: (writer.add(pdfs[1:]), committed.set()))
    parse = Paper.model_validate_json

    def between_reads(data, *args, **kwargs):  # the papers are read, the chunks not yet
        if threading.current_thread() is threading.main_thread() and not thread.is_alive() and not committed.is_set():
            thread.start()
            committed.wait(timeout=5)  # the writer gets every chance to commit now
        return parse(data, *args, **kwargs)

    monkeypatch.setattr(Paper, "model_validate_json", staticmethod(between_reads))
    snapshot = library.catalogue.snapshot()
    thread.join(timeout=60)
    monkeypatch.undo()
    assert committed.is_set()  # the writer did commit, after the snapshot
    assert list(snapshot.papers) == [p.id for p in library.papers()[:1]]
    assert {c.paper_id for c in snapshot.chunks} == set(snapshot.papers)
    assert {pid for pid, _ in snapshot.references} <= set(snapshot.papers)
    assert len(library.catalogue.snapshot().papers) == 2


def test_a_long_lived_reader_sees_vectors_another_process_added(tmp_path):
    pdfs = papers(tmp_path / "pdfs", 2)
    reader = fast_library(tmp_path / "lib")
    reader.add(pdfs[:1])
    assert reader.ask("What did researchers report about glaciers?").citations  # state and vectors are warm

    script = ("import sys; from pathlib import Path; from tests.fakes import fast_library; "
              "assert fast_library(Path(sys.argv[1])).add([Path(sys.argv[2])])[0].status == 'added'")
    subprocess.run([sys.executable, "-c", script, str(tmp_path / "lib"), str(pdfs[1])], check=True, timeout=300)

    answer = reader.ask(QUESTION)
    new = [e for e in answer.evidence if e.chunk.file_name == pdfs[1].name]
    assert new and new[0].dense_rank is not None  # found by the vectors, not by BM25 alone
    assert any(c.file_name == pdfs[1].name for c in answer.citations)


def test_embedding_happens_outside_the_write_lock(tmp_path, monkeypatch):
    library = fast_library(tmp_path / "lib", lock_timeout_s=0.2)
    free_while_embedding = []
    embed = VectorIndex.embed

    def probing_embed(self, *args, **kwargs):
        other = FileLock(str(library.dir / ".write.lock"), timeout=0)
        with other:  # another writer (a UI upload) could commit right now
            free_while_embedding.append(True)
        return embed(self, *args, **kwargs)

    monkeypatch.setattr(VectorIndex, "embed", probing_embed)
    results = library.add(papers(tmp_path / "pdfs", 2))
    assert [r.status for r in results] == ["added", "added"] and free_while_embedding == [True, True]


def test_a_busy_library_gives_each_file_its_result(tmp_path):
    library = fast_library(tmp_path / "lib", lock_timeout_s=0.3)
    pdfs = papers(tmp_path / "pdfs", 2)
    started = time.monotonic()
    with FileLock(str(library.dir / ".write.lock")):
        results = library.add(pdfs)
    assert [(r.path, r.status) for r in results] == [(str(p), "failed") for p in pdfs]
    assert all("library busy" in r.message for r in results)
    assert time.monotonic() - started < 30
    assert [r.status for r in library.add(pdfs)] == ["added", "added"]  # nothing half-done was left


def test_one_failure_does_not_stop_the_batch(tmp_path, monkeypatch):
    library = fast_library(tmp_path / "lib")
    pdfs = papers(tmp_path / "pdfs", 3)
    embed = VectorIndex.embed

    def failing_on_the_second(self, documents, **kwargs):
        if documents[0].metadata["file_name"] == pdfs[1].name:
            raise RuntimeError("encoder fell over")
        return embed(self, documents, **kwargs)

    monkeypatch.setattr(VectorIndex, "embed", failing_on_the_second)
    results = library.add(pdfs)
    assert [r.status for r in results] == ["added", "failed", "added"]
    assert results[1].message == "RuntimeError: encoder fell over"
    assert {p.file_name for p in library.papers()} == {pdfs[0].name, pdfs[2].name}
    assert library.check().consistent
