"""The same library code on a Chroma server (`chroma run`) instead of the embedded client."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.api import Library
from assistant.cli import cli
from assistant.index import VectorIndex

from .conftest import WEI
from .fakes import HashEncoder, fast_library, papers

pytestmark = pytest.mark.slow


def _crash_if_called(*args, **kwargs):
    raise AssertionError("embedded although the store is down")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_server(data: Path) -> tuple[subprocess.Popen, str]:
    exe = shutil.which("chroma", path=str(Path(sys.executable).parent))
    assert exe, "the chromadb package installs the `chroma` command"
    port = _free_port()
    proc = subprocess.Popen([exe, "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.2)
    proc.kill()
    pytest.fail("chroma run did not start within 30 s")


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory):
    proc, url = _start_server(tmp_path_factory.mktemp("chroma-server"))
    yield url
    _stop(proc)


def test_add_ask_remove_through_a_chroma_server(tmp_path, chroma_url):
    library = Library(tmp_path / "lib", chroma_url=chroma_url)
    [result] = library.add([WEI])
    assert result.status == "added", result.message
    assert not (tmp_path / "lib" / "chroma").exists()  # vectors live in the server, not on local disk
    assert library.vectors.count() == result.paper.n_chunks

    answer = library.ask("How many international migrants were there in 2019?")
    assert any(c.page == "1" and "272 million" in c.quote for c in answer.citations)

    library.remove(WEI.name)
    assert library.vectors.count(result.paper.id) == 0


def test_libraries_sharing_a_server_keep_their_own_vectors(tmp_path, chroma_url):
    [pdf] = papers(tmp_path / "pdfs", 1)
    a = fast_library(tmp_path / "a", chroma_url=chroma_url)
    b = fast_library(tmp_path / "b", chroma_url=chroma_url)
    assert a.library_id != b.library_id
    [added_a], [added_b] = a.add([pdf]), b.add([pdf])
    assert added_a.status == added_b.status == "added"  # B's add is not fooled by A's vectors
    a_vectors = a.vectors.count(added_a.paper.id)
    assert a_vectors == added_a.paper.n_chunks > 0

    b.remove(pdf.name)
    assert b.vectors.count() == 0
    assert a.vectors.count(added_a.paper.id) == a_vectors  # A untouched
    assert a.check().consistent and b.check().consistent
    assert a.ask("How many sites did the survey count?").evidence[0].dense_rank is not None


def test_a_library_refuses_to_look_for_its_vectors_in_the_wrong_place(tmp_path, chroma_url):
    fast_library(tmp_path / "server-lib", chroma_url=chroma_url)
    with pytest.raises(Exception, match="live in a Chroma server: set ASSISTANT_CHROMA_URL"):
        Library(tmp_path / "server-lib")
    Library(tmp_path / "local-lib")
    with pytest.raises(Exception, match="live in its folder"):
        Library(tmp_path / "local-lib", chroma_url=chroma_url)


def test_a_server_that_goes_down_mid_batch(tmp_path, monkeypatch):
    """The rest of the batch still gets its results; ask and remove say so in one line (exit 3)."""
    proc, url = _start_server(tmp_path / "server-data")
    try:
        pdfs = papers(tmp_path / "pdfs", 3)
        library = fast_library(tmp_path / "lib", chroma_url=url)

        def kill_before_the_second(what: str, done: int, total: int) -> None:
            if what == f"file {pdfs[1].name}" and proc.poll() is None:
                _stop(proc)

        results = library.add(pdfs, progress=kill_before_the_second)
    finally:
        if proc.poll() is None:
            _stop(proc)
    assert [r.status for r in results] == ["added", "failed", "failed"]
    assert all(f"the Chroma server at {url} cannot be reached" in r.message for r in results[1:])
    assert [p.file_name for p in library.papers()] == [pdfs[0].name]  # nothing half-stored is listed

    monkeypatch.setenv("ASSISTANT_CHROMA_URL", url)
    for args in (["ask", "How many sites?"], ["remove", pdfs[0].name], ["check"]):
        result = CliRunner().invoke(cli, [*args, "--index", str(library.dir)])
        assert result.exit_code == 3, result.output
        assert result.stderr.startswith(f"error: the Chroma server at {url} cannot be reached")
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    monkeypatch.setattr(Library, "encoder", property(lambda self: HashEncoder()))
    monkeypatch.setattr(VectorIndex, "embed", _crash_if_called)  # the dead server is noticed before embedding
    added = CliRunner().invoke(cli, ["add", str(pdfs[1]), str(pdfs[2]), "--index", str(library.dir)])
    assert added.exit_code == 1 and "0 added, 0 already in library, 2 failed" in added.output
    assert added.output.count(f"the Chroma server at {url} cannot be reached") == 2
    listing = CliRunner().invoke(cli, ["list", "--index", str(library.dir)])
    assert listing.exit_code == 0 and pdfs[0].name in listing.output  # the catalogue alone still works


def test_a_password_in_the_server_url_is_never_shown(tmp_path):
    url = f"http://alice:s3cret-pw@127.0.0.1:{_free_port()}"
    library = Library(tmp_path / "lib", chroma_url=url)
    with pytest.raises(Exception) as raised:
        library.vectors.count()
    assert "alice:***@127.0.0.1" in str(raised.value) and "s3cret-pw" not in str(raised.value)
