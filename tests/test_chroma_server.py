"""The same library code on a Chroma server (`chroma run`) instead of the embedded client."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.api import Library

from .conftest import WEI

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory):
    exe = shutil.which("chroma", path=str(Path(sys.executable).parent))
    assert exe, "the chromadb package installs the `chroma` command"
    port = _free_port()
    data = tmp_path_factory.mktemp("chroma-server")
    proc = subprocess.Popen([exe, "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("chroma run did not start within 30 s")
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=10)


def test_add_ask_remove_through_a_chroma_server(tmp_path, chroma_url):
    library = Library(tmp_path / "lib", chroma_url=chroma_url)
    [result] = library.add([WEI])
    assert result.status == "added"
    assert not (tmp_path / "lib" / "chroma").exists()  # vectors live in the server, not on local disk
    assert library.vectors.count() == result.paper.n_chunks

    answer = library.ask("How many international migrants were there in 2019?")
    assert any(c.page == "1" and "272 million" in c.quote for c in answer.citations)

    library.remove(WEI.name)
    assert library.vectors.count(result.paper.id) == 0
