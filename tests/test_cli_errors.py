"""Every failure a user can cause is one line on stderr and an exit code that `--help` lists."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from assistant.api import InvalidQuestion, Library
from assistant.cli import cli

from .fakes import HashEncoder, papers


def _one_line_error(result, code: int, text: str) -> None:
    assert result.exit_code == code, result.output
    assert result.stderr.startswith("error: ") and text in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output


@pytest.fixture
def index(tmp_path) -> str:
    Library(tmp_path / "lib")
    return str(tmp_path / "lib")


def test_help_lists_every_exit_code_and_the_check_command():
    text = CliRunner().invoke(cli, ["--help"]).output
    for code in ("0 ok", "1 failed", "2 usage error", "3 try again later", "130 interrupted"):
        assert code in text
    assert "check" in text and "--repair" in CliRunner().invoke(cli, ["check", "--help"]).output


def test_a_question_that_is_not_utf8(index):
    question = b"Wie viele Migranten gab es \xff?".decode("utf-8", "surrogateescape")  # what argv holds
    _one_line_error(CliRunner().invoke(cli, ["ask", question, "--index", index]), 2, "not valid UTF-8")


def test_a_question_over_the_cap_is_refused(index, tmp_path):
    result = CliRunner().invoke(cli, ["ask", "why " * 600, "--index", index])
    _one_line_error(result, 2, "the question has 2,400 characters; the limit is 2,000")
    with pytest.raises(InvalidQuestion):
        Library(index, max_question_chars=10).ask("a question longer than ten characters")


def test_a_history_file_that_is_not_utf8(index, tmp_path):
    history = tmp_path / "turns.json"
    history.write_bytes(json.dumps([{"role": "user", "content": "Migration?"}]).encode()[:-3] + b"\xe9\"}]")
    result = CliRunner().invoke(cli, ["ask", "Why?", "--history", str(history), "--index", index])
    _one_line_error(result, 2, f"--history {history}: not UTF-8 text")


def test_chat_with_input_that_is_not_utf8(index):
    result = CliRunner().invoke(cli, ["chat", "--index", index], input=b"caf\xe9 au lait?\n")
    _one_line_error(result, 2, "the input is not UTF-8 text")


def test_chat_reports_a_refused_question_and_goes_on(index):
    result = CliRunner().invoke(cli, ["chat", "--index", index], input="why " * 600 + "\n/papers\n/quit\n")
    assert result.exit_code == 0, result.output
    assert "error: the question has 2,399 characters" in result.stderr  # stripped
    assert result.output.count("you> ") == 3  # it asked for the next line twice more


def test_an_interrupted_add_reports_every_file(tmp_path, monkeypatch):
    pdfs = papers(tmp_path / "pdfs", 3)
    monkeypatch.setattr(Library, "encoder", property(lambda self: HashEncoder()))
    add_one = Library._add_one

    def interrupted_on_the_second(self, path, *args):
        if path.name == pdfs[1].name:
            raise KeyboardInterrupt
        return add_one(self, path, *args)

    monkeypatch.setattr(Library, "_add_one", interrupted_on_the_second)
    result = CliRunner().invoke(cli, ["add", *map(str, pdfs), "--index", str(tmp_path / "lib"), "--json"])
    assert result.exit_code == 130
    rows = json.loads(result.stdout)
    assert [(r["path"], r["status"]) for r in rows] == [(str(pdfs[0]), "added"), (str(pdfs[1]), "interrupted"),
                                                         (str(pdfs[2]), "interrupted")]
    assert [p.file_name for p in Library(tmp_path / "lib").papers()] == [pdfs[0].name]


def test_a_busy_library_is_exit_3_for_a_single_writer(tmp_path, monkeypatch):
    from filelock import FileLock

    library = Library(tmp_path / "lib")
    monkeypatch.setattr(Library, "encoder", property(lambda self: HashEncoder()))
    library.encoder  # noqa: B018 - the patched property
    [pdf] = papers(tmp_path / "pdfs", 1)
    library.add([pdf])
    monkeypatch.setenv("ASSISTANT_LOCK_TIMEOUT_S", "0.2")
    with FileLock(str(library.dir / ".write.lock")):
        result = CliRunner().invoke(cli, ["remove", pdf.name, "--index", str(library.dir)])
    _one_line_error(result, 3, "library busy")
