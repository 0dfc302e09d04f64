"""Settings: environment > <index>/settings.json > user config > defaults; a library folder can
never set where data or credentials go; invalid settings are one-line errors; secrets are never printed."""

from __future__ import annotations

import json
import logging

import pytest
from click.testing import CliRunner

from assistant.cli import cli
from assistant.settings import RetrieveSettings, SecretFilter, SettingsError, get_settings, mask_url, scrub

from .fakes import RecordingServer, fast_library, papers


def _library_settings(index, data) -> None:
    index.mkdir(parents=True, exist_ok=True)
    (index / "settings.json").write_text(json.dumps(data))


def test_environment_beats_library_file_beats_user_config_beats_defaults(tmp_path, monkeypatch):
    index = tmp_path / "lib"
    user = tmp_path / "user-config.json"
    monkeypatch.setenv("ASSISTANT_USER_CONFIG", str(user))
    user.write_text(json.dumps({"retrieve": {"top_k": 11, "candidates": 41, "rrf_k": 21}}))
    _library_settings(index, {"retrieve": {"top_k": 12, "candidates": 42}})
    monkeypatch.setenv("ASSISTANT_RETRIEVE__TOP_K", "13")

    settings = get_settings(index_dir=index)
    assert settings.retrieve.top_k == 13  # environment
    assert settings.retrieve.candidates == 42  # library file over the user config
    assert settings.retrieve.rrf_k == 21  # user config over the default (20)
    assert settings.retrieve.dense_weight == RetrieveSettings().dense_weight  # default
    assert get_settings({"retrieve": {"top_k": 14}}, index_dir=index).retrieve.top_k == 14  # arguments first


def test_index_dir_from_the_environment_selects_that_librarys_file(tmp_path, monkeypatch):
    _library_settings(tmp_path / "lib", {"answer": {"max_sentences": 2}})
    monkeypatch.setenv("ASSISTANT_INDEX_DIR", str(tmp_path / "lib"))
    assert get_settings().answer.max_sentences == 2


def test_a_library_folder_cannot_set_endpoints_or_keys(tmp_path, monkeypatch, caplog):
    index = tmp_path / "lib"
    _library_settings(index, {"llm": {"base_url": "http://evil.example/v1", "api_key": "theirs", "model": "m"},
                              "chroma_url": "http://evil.example:8000",
                              "embed": {"model_path": str(index / "model"), "batch_size": 8}})
    monkeypatch.setenv("ASSISTANT_LLM__API_KEY", "mine")
    with caplog.at_level(logging.WARNING):
        settings = get_settings(index_dir=index)
    assert settings.llm.base_url is None and settings.llm.api_key == "mine" and settings.chroma_url is None
    assert settings.embed.model_path is None  # nor which model files are loaded
    assert settings.llm.model == "m" and settings.embed.batch_size == 8  # harmless keys still apply
    assert "ignoring llm.base_url" in caplog.text and "ignoring chroma_url" in caplog.text
    assert "evil.example" not in caplog.text and "theirs" not in caplog.text


def test_endpoints_come_from_the_user_config(tmp_path, monkeypatch):
    user = tmp_path / "user-config.json"
    user.write_text(json.dumps({"llm": {"base_url": "http://mine.example/v1", "api_key": "k"}}))
    monkeypatch.setenv("ASSISTANT_USER_CONFIG", str(user))
    settings = get_settings(index_dir=tmp_path / "lib")
    assert settings.llm.base_url == "http://mine.example/v1" and settings.llm.api_key == "k"


def test_the_key_goes_only_to_the_users_endpoint(tmp_path, monkeypatch):
    """A library folder naming its own server gets no request, let alone the key."""
    index = tmp_path / "lib"
    _library_settings(index, {"answer": {"backend": "llm"}, "llm": {"model": "m"}})
    with RecordingServer() as mine, RecordingServer() as theirs:
        settings = json.loads((index / "settings.json").read_text())
        settings["llm"]["base_url"] = theirs.url
        (index / "settings.json").write_text(json.dumps(settings))
        monkeypatch.setenv("ASSISTANT_LLM__API_KEY", "sk-secret")

        library = fast_library(index)  # key set, no endpoint of the user's: nothing may be sent anywhere
        library.add(papers(tmp_path / "pdfs", 1))
        library.ask("How many sites did the survey count?")
        assert theirs.requests == []

        monkeypatch.setenv("ASSISTANT_LLM__BASE_URL", mine.url)
        library = fast_library(index)
        library.ask("How many sites did the survey count?")
        assert mine.requests and all(h.get("Authorization") == "Bearer sk-secret" for _, h in mine.requests)
        assert theirs.requests == []


@pytest.mark.parametrize("content, expected", [
    ("{not json", "is not valid JSON: Expecting property name enclosed in double quotes at line 1 column 2"),
    ('["a list"]', "must hold a JSON object"),
    ('{"retrieve": {"top_k": "many"}}', "invalid setting retrieve.top_k (from {file}): Input should be a valid integer"),
    ('{"retreive": {"top_k": 3}}', "invalid setting retreive (from {file}): Extra inputs are not permitted"),
])
def test_invalid_settings_file_is_one_line_and_exit_2(tmp_path, content, expected):
    index = tmp_path / "lib"
    index.mkdir()
    (index / "settings.json").write_text(content)
    with pytest.raises(SettingsError, match="settings"):
        get_settings(index_dir=index)
    for args in (["ask", "How many?"], ["list"], ["add", str(tmp_path / "none.pdf")]):
        result = CliRunner().invoke(cli, [*args, "--index", str(index)])
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
        assert expected.format(file=index / "settings.json") in result.stderr and str(index) in result.stderr


def test_settings_file_that_is_not_utf8(tmp_path):
    index = tmp_path / "lib"
    index.mkdir()
    (index / "settings.json").write_bytes(b'{"llm": {"model": "caf\xe9"}}')
    result = CliRunner().invoke(cli, ["list", "--index", str(index)])
    assert result.exit_code == 2 and result.stderr == f"error: settings file {index / 'settings.json'} is not UTF-8 text\n"


def test_invalid_environment_value_names_its_source(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_LOCK_TIMEOUT_S", "soon")
    with pytest.raises(SettingsError, match=r"lock_timeout_s \(from the environment"):
        get_settings(index_dir=tmp_path)


def test_passwords_in_urls_are_masked():
    assert mask_url("https://alice:pa55word@llm.example:8443/v1") == "https://alice:***@llm.example:8443/v1"
    assert mask_url("http://llm.example/v1") == "http://llm.example/v1"


def test_known_secrets_never_reach_the_log(monkeypatch):
    monkeypatch.setenv("ASSISTANT_LLM__BASE_URL", "http://bob:hunter22@127.0.0.1:9/v1")
    monkeypatch.setenv("ASSISTANT_LLM__API_KEY", "sk-live-123")
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "endpoint %s failed with key %s",
                               ("http://bob:hunter22@127.0.0.1:9/v1", "sk-live-123"), None)
    SecretFilter().filter(record)
    assert record.getMessage() == "endpoint http://bob:***@127.0.0.1:9/v1 failed with key ***"
    assert scrub("no secret here") == "no secret here"


@pytest.mark.slow
def test_a_password_in_the_llm_url_is_masked_in_the_cli_warning(corpus_library):
    """The endpoint is down: the CLI warns and answers extractively, without printing the password."""
    import os
    import socket
    import subprocess
    import sys
    from pathlib import Path

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = dict(os.environ, ASSISTANT_LLM__BASE_URL=f"http://bob:hunter22pw@127.0.0.1:{port}/v1",
               ASSISTANT_LLM__API_KEY="sk-do-not-print", ASSISTANT_ANSWER__BACKEND="llm")
    exe = Path(sys.executable).parent / "assistant"
    result = subprocess.run([str(exe), "ask", "How many international migrants were there in 2019?", "--index",
                             str(corpus_library.dir)], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert f"bob:***@127.0.0.1:{port}" in result.stderr  # the warning was printed, masked
    assert "hunter22pw" not in result.stderr + result.stdout and "sk-do-not-print" not in result.stderr
