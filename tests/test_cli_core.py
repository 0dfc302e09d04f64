"""`assistant add / list / remove / ask` through the real CLI (click's CliRunner)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from assistant.cli import cli

from . import pdfgen
from .conftest import MADAMINOVA, WEI


def _run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _json(*args: str):
    result = _run(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_help_teaches_commands_and_exit_codes():
    result = _run("--help")
    assert result.exit_code == 0
    for word in ("add", "ask", "chat", "list", "remove", "eval", "Exit codes"):
        assert word in result.output
    assert "--history" in _run("ask", "--help").output


def test_usage_errors_exit_2(tmp_path):
    assert _run("ask").exit_code == 2
    assert _run("remove", "nope.pdf", "--index", str(tmp_path)).exit_code == 2


def test_empty_library_is_a_clear_error(tmp_path):
    from assistant.api import Library

    Library(tmp_path / "lib")
    result = CliRunner().invoke(cli, ["ask", "Anything?", "--index", str(tmp_path / "lib")])
    assert result.exit_code == 1
    assert "is empty" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("args", [["ask", "Anything?"], ["list"], ["chat"], ["remove", "x.pdf"], ["check"]])
def test_a_folder_that_is_not_a_library_is_refused_and_left_alone(args, tmp_path):
    folder = tmp_path / "not-a-library"
    folder.mkdir()
    result = CliRunner().invoke(cli, [*args, "--index", str(folder)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {folder} is not a library") and result.stderr.count("\n") == 1
    assert list(folder.iterdir()) == []  # no library.db (nor anything else) was created there


@pytest.mark.slow
def test_add_batch_with_a_corrupt_pdf_then_list_ask_remove(tmp_path):
    index = str(tmp_path / "lib")
    bad = pdfgen.corrupt_pdf(tmp_path / "broken.pdf")
    result = CliRunner().invoke(cli, ["add", str(bad), str(WEI), str(MADAMINOVA), "--index", index])
    assert result.exit_code == 1
    assert "broken.pdf" in result.output and "unreadable PDF" in result.output
    assert "2 added, 0 already in library, 1 failed" in result.output

    again = _run("add", str(WEI), "--index", index)
    assert again.exit_code == 0 and "0 added, 1 already in library, 0 failed" in again.output

    papers = _json("list", "--index", index)
    assert {p["file_name"] for p in papers} == {WEI.name, MADAMINOVA.name}
    mad = next(p for p in papers if p["file_name"] == MADAMINOVA.name)
    assert mad["doi"] == "10.5220/0012672300003882" and mad["year"] == "2023" and mad["pages"] == 7

    out = _json("ask", "How many international migrants were there in 2019?", "--index", index)
    assert set(out) >= {"question", "answer", "abstained", "citations", "passages"}
    assert out["abstained"] is False
    assert {"paper", "paper_id", "page", "quote", "text"} <= set(out["citations"][0])
    assert any(c["paper"] == WEI.name and c["page"] == "1" and "272 million" in c["quote"] for c in out["citations"])
    assert out["passages"] and {"paper", "page", "text", "score"} <= set(out["passages"][0])

    history = tmp_path / "history.json"
    history.write_text(json.dumps([{"role": "user", "content": "What does the Missing Migrants Project report?"}]))
    follow = _json("ask", "How many of them died in the Mediterranean?", "--history", str(history), "--index", index)
    assert not follow["abstained"] and any(c["page"] == "84" for c in follow["citations"])

    assert _run("remove", MADAMINOVA.name, "--index", index).exit_code == 0
    assert [p["file_name"] for p in _json("list", "--index", index)] == [WEI.name]


def test_bad_history_file_is_a_usage_error(tmp_path):
    history = tmp_path / "h.json"
    history.write_text('{"role": "user"}')
    result = CliRunner().invoke(cli, ["ask", "Why?", "--history", str(history), "--index", str(tmp_path)])
    assert result.exit_code == 2 and "--history" in result.output


@pytest.mark.slow
def test_chat_keeps_the_conversation_and_its_commands(corpus_library):
    turns = "\n".join(["/papers", "What does the Missing Migrants Project report?",
                       "How many of them died in the Mediterranean?", "/clear", "/quit"]) + "\n"
    result = CliRunner().invoke(cli, ["chat", "--index", str(corpus_library.dir)], input=turns)
    assert result.exit_code == 0, result.output
    assert "madaminova_2023_security_migration_categories.pdf" in result.output  # /papers
    assert "43,258" in result.output and "(Madaminova, 2023, p. 84)" in result.output
    assert "1,200" in result.output  # the follow-up was read with the conversation
    assert "(conversation cleared)" in result.output
