"""`assistant ui`: options and the refusal to serve the network without a password (no browser)."""

from __future__ import annotations

import subprocess
import sys
import types

from click.testing import CliRunner

from assistant.cli import cli


def run(*args: str):
    return CliRunner().invoke(cli, ["ui", *args])


def test_help_explains_binding_and_auth():
    result = run("--help")
    assert result.exit_code == 0
    for text in ("--host", "127.0.0.1", "--port", "7860", "--auth USER:PASS", "--insecure-no-auth", "--index"):
        assert text in result.output


def test_other_host_without_auth_exits_2_with_the_reason():
    result = run("--host", "0.0.0.0")
    assert result.exit_code == 2
    assert "refusing to bind 0.0.0.0 without a password" in result.output
    assert "--auth USER:PASS" in result.output


def test_malformed_auth_is_a_usage_error():
    result = run("--host", "0.0.0.0", "--auth", "alice")
    assert result.exit_code == 2
    assert "USER:PASS" in result.output


def test_start_up_says_what_it_binds_and_whether_auth_is_on(monkeypatch):
    calls = []
    fake_ui = types.ModuleType("assistant.ui")
    fake_ui.launch = lambda *args: calls.append(args)
    monkeypatch.setitem(sys.modules, "assistant.ui", fake_ui)

    local = run("--index", "lib", "--port", "8123")
    assert local.exit_code == 0, local.output
    assert "http://127.0.0.1:8123" in local.output and "no password" in local.output
    remote = run("--host", "0.0.0.0", "--auth", "alice:s3cret")
    assert remote.exit_code == 0, remote.output
    assert "password required (user alice)" in remote.output and "reachable from the network" in remote.output
    assert "s3cret" not in remote.output
    insecure = run("--host", "0.0.0.0", "--insecure-no-auth")
    assert insecure.exit_code == 0 and "no password" in insecure.output
    assert calls == [("lib", "127.0.0.1", 8123, None), (None, "0.0.0.0", 7860, ("alice", "s3cret")),
                     (None, "0.0.0.0", 7860, None)]


def test_the_cli_does_not_import_gradio():
    """gradio costs seconds to import; only `assistant ui` may pay for it."""
    code = "import sys, assistant.cli; print('gradio' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
