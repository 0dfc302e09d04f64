"""`assistant refs`, `cited-by`, `missing`, `export bibtex` through click's CliRunner.

The slow tests share one library per module, filled through `assistant add` with the two
generated fixture PDFs of test_literature.py (Doe 2024 cites Weiner 1992), and read the
shared corpus library for Madaminova's and Wei's reference lists.
"""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from assistant.cli import cli

from .conftest import MADAMINOVA, WEI
from .test_literature import CONTRACT_KEYS, citing_fixture, read_back, weiner_fixture


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


# --- fast: help, usage errors, the empty library ---------------------------------------------------


@pytest.mark.parametrize(("command", "texts"), [
    (["refs"], ["--missing", "--json", '"status": "in_library" | "missing"', "Examples:"]),
    (["cited-by"], ["--json", "Examples:"]),
    (["missing"], ["The reading list", "Examples:"]),
    (["export", "bibtex"], ["--all", "--include-references", "-o, --output", "Examples:"]),
])
def test_help_explains_options_with_examples(command, texts):
    result = run(*command, "--help")
    assert result.exit_code == 0
    for text in texts:
        assert text in result.output


def test_commands_are_listed():
    output = run("--help").output
    assert all(name in output for name in ("refs", "cited-by", "missing", "export"))


@pytest.mark.parametrize("args", [["export", "bibtex"], ["export", "bibtex", "x.pdf", "--all"]])
def test_export_needs_papers_or_all_but_not_both(args, tmp_path):
    result = run(*args, "--index", str(tmp_path))
    assert result.exit_code == 2
    assert "name the PAPERS to export, or give --all" in result.output


@pytest.mark.parametrize("args", [["refs", "x.pdf"], ["cited-by", "x.pdf"], ["missing"],
                                  ["export", "bibtex", "--all"]])
def test_an_empty_library_says_so_in_one_line(args, tmp_path):
    from assistant.api import Library

    Library(tmp_path / "empty")
    result = run(*args, "--index", str(tmp_path / "empty"))
    assert result.exit_code == 1
    assert result.stderr == f"error: the library in {tmp_path / 'empty'} is empty; add papers first: " \
                            "assistant add PATH...\n"


# --- slow: a library added through the CLI ----------------------------------------------------------


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    """The Weiner fixture, then the Doe fixture that cites it, added with one `assistant add`."""
    folder = tmp_path_factory.mktemp("cli-literature-fixtures")
    index = str(tmp_path_factory.mktemp("cli-literature-library"))
    result = run("add", str(weiner_fixture(folder)), str(citing_fixture(folder)), "--index", index)
    assert result.exit_code == 0, result.output
    return index, result.stdout


@pytest.mark.slow
def test_add_reports_the_link(index):
    assert re.search(r"added: \S+doe_2024_fixture\.pdf — .*\n    linked: cites Weiner 1992\n", index[1])
    assert "\n2 added, 0 already in library, 0 failed" in index[1]


@pytest.mark.slow
def test_refs_shows_statuses(index):
    result = run("refs", "doe_2024_fixture.pdf", "--index", index[0])
    assert result.exit_code == 0
    assert "4 references: 1 in library, 3 missing" in result.stdout
    assert "Weiner (1992). Security, stability, and international migration. International Security.\n" \
           "      in library: Weiner 1992 · cited on p. 1" in result.stdout
    assert "Roe (2004)." in result.stdout and result.stdout.count("      missing · cited on p. 1") == 3


@pytest.mark.slow
def test_refs_json_and_missing_filter(index):
    entries = json.loads(run("refs", "doe_2024_fixture", "--json", "--index", index[0]).stdout)
    assert [(e["key"], e["status"]) for e in entries] == [
        ("baldwin1997", "missing"), ("buzan1998", "missing"), ("roe2004", "missing"), ("weiner1992", "in_library")]
    papers = {p["file_name"]: p["id"] for p in json.loads(run("list", "--json", "--index", index[0]).stdout)}
    assert entries[3]["linked_paper"] == papers["weiner_1992_fixture.pdf"]
    assert all(e["linked_paper"] is None for e in entries[:3])
    only = json.loads(run("refs", "doe_2024_fixture", "--json", "--missing", "--index", index[0]).stdout)
    assert [e["key"] for e in only] == ["baldwin1997", "buzan1998", "roe2004"]


@pytest.mark.slow
def test_cited_by_shows_the_citing_paper(index):
    result = run("cited-by", "weiner_1992_fixture.pdf", "--index", index[0])
    assert result.exit_code == 0
    assert result.stdout.startswith("Weiner 1992 is cited by 1 paper(s) in the library:\n"
                                    "  Doe 2024 · Securitization of Migration Revisited\n    as weiner1992 · cited on p. 1")
    [record] = json.loads(run("cited-by", "weiner_1992_fixture", "--json", "--index", index[0]).stdout)
    assert (record["file_name"], record["label"], record["key"]) == ("doe_2024_fixture.pdf", "Doe 2024", "weiner1992")
    assert "(Weiner, 1992)" in record["contexts"][0]["sentence"]
    nobody = run("cited-by", "doe_2024_fixture.pdf", "--index", index[0])
    assert nobody.exit_code == 0 and nobody.stdout == "No paper in the library cites Doe 2024.\n"


@pytest.mark.slow
def test_missing_excludes_the_linked_work(index):
    works = json.loads(run("missing", "--json", "--index", index[0]).stdout)
    assert [w["title"] for w in works] == ["The concept of security", "Security: A new framework for analysis",
                                            "Securitization and minority rights: Conditions of desecuritization"]
    assert works[0]["cited_by"][0]["label"] == "Doe 2024"
    text = run("missing", "--index", index[0]).stdout
    assert text.startswith("3 cited works are not in the library, most-cited first:\n")


@pytest.mark.slow
def test_export_bibtex_to_a_file(index, tmp_path):
    out = tmp_path / "library.bib"
    result = run("export", "bibtex", "doe_2024_fixture.pdf", "--include-references", "-o", str(out),
                 "--index", index[0])
    assert result.exit_code == 0 and result.stdout == ""
    assert result.stderr == f"wrote {out}: 2 paper(s), 3 cited work(s)\n"
    back = read_back(out.read_text())
    assert list(back) == ["doe2024", "weiner1992", "baldwin1997", "buzan1998", "roe2004"]
    assert back["weiner1992"]["author"] == "Weiner, Myron"  # the library's record of the paper, not the entry
    assert back["buzan1998"]["author"] == "Buzan, B. and Wæver, O. and de Wilde, J."


@pytest.mark.slow
@pytest.mark.parametrize("args", [["refs", "nope.pdf"], ["cited-by", "nope.pdf"], ["export", "bibtex", "nope.pdf"]])
def test_unknown_paper_exits_2_in_one_line(index, args):
    result = run(*args, "--index", index[0])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: no paper 'nope.pdf' in ") and result.stderr.count("\n") == 1


# --- slow: the corpus --------------------------------------------------------------------------------


@pytest.mark.slow
def test_corpus_refs_json_contract(corpus_library):
    for pdf, count in [(WEI, 8), (MADAMINOVA, 16)]:
        result = run("refs", pdf.name, "--json", "--index", str(corpus_library.dir))
        assert result.exit_code == 0
        entries = json.loads(result.stdout)
        assert len(entries) == count
        assert all(list(e) == CONTRACT_KEYS and e["status"] == "missing" and e["linked_paper"] is None
                   for e in entries)
        assert all(set(c) == {"page", "sentence"} for e in entries for c in e["contexts"])
    weiner = next(e for e in entries if e["key"] == "weiner1992")
    assert {k: weiner[k] for k in CONTRACT_KEYS[:10]} == {
        "key": "weiner1992", "authors": ["Weiner, M."], "year": "1992",
        "title": "Security, stability, and international migration", "venue": "International Security",
        "volume": "17", "issue": "3", "pages": "91-126", "doi": None, "url": None}


@pytest.mark.slow
def test_corpus_export_keeps_madaminova_doi(corpus_library):
    result = run("export", "bibtex", "--all", "--index", str(corpus_library.dir))
    assert result.exit_code == 0
    back = read_back(result.stdout)
    assert back["madaminova2023"]["doi"] == "10.5220/0012672300003882"
    assert set(back) == {"madaminova2023", "weind"}
