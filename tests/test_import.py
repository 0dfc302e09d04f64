"""Importing a Zotero data directory and a BibTeX file over the corpus PDFs, into a real library.

The Zotero database is built here in Zotero's own shape (items, itemTypes, itemData, fields,
itemDataValues, creators, itemCreators, creatorTypes, itemAttachments, deletedItems) with the PDF
stored as Zotero stores it (storage/<attachment key>/<file>). One library for the module: the
tests run in file order (import, use, re-import, correct, re-add).
"""

from __future__ import annotations

import shutil
import sqlite3

import pytest
from click.testing import CliRunner

from assistant.api import Library
from assistant.cli import cli
from assistant.importers import read_bibtex, read_zotero
from assistant.render import answer_text

from . import pdfgen
from .conftest import MADAMINOVA, WEI

pytestmark = pytest.mark.slow

CURATED_TITLE = "Security and Migration Categories: An Analysis (curated)"
BUZAN = "Security: A new framework for analysis"


def zotero_library(folder):
    """A Zotero data directory: Madaminova with its stored PDF, Buzan et al. without one, a note and a
    trashed item (neither of which is imported)."""
    folder.mkdir()
    db = sqlite3.connect(folder / "zotero.sqlite")
    db.executescript("""
        CREATE TABLE itemTypes (itemTypeID INTEGER PRIMARY KEY, typeName TEXT);
        CREATE TABLE items (itemID INTEGER PRIMARY KEY, itemTypeID INT, key TEXT);
        CREATE TABLE fields (fieldID INTEGER PRIMARY KEY, fieldName TEXT);
        CREATE TABLE itemDataValues (valueID INTEGER PRIMARY KEY, value);
        CREATE TABLE itemData (itemID INT, fieldID INT, valueID INT);
        CREATE TABLE creators (creatorID INTEGER PRIMARY KEY, firstName TEXT, lastName TEXT, fieldMode INT);
        CREATE TABLE creatorTypes (creatorTypeID INTEGER PRIMARY KEY, creatorType TEXT);
        CREATE TABLE itemCreators (itemID INT, creatorID INT, creatorTypeID INT, orderIndex INT);
        CREATE TABLE itemAttachments (itemID INTEGER PRIMARY KEY, parentItemID INT, linkMode INT,
                                      contentType TEXT, path TEXT);
        CREATE TABLE deletedItems (itemID INTEGER PRIMARY KEY);
        INSERT INTO itemTypes VALUES (1, 'conferencePaper'), (2, 'book'), (3, 'attachment'), (4, 'note');
        INSERT INTO items VALUES (1, 1, 'MADA2023'), (2, 3, 'ABCD1234'), (3, 2, 'BUZAN998'), (4, 4, 'NOTE0001'),
                                 (5, 2, 'TRASHED1');
        INSERT INTO fields VALUES (1, 'title'), (2, 'date'), (3, 'DOI'), (4, 'proceedingsTitle'), (5, 'publisher');
        INSERT INTO creatorTypes VALUES (1, 'author'), (2, 'editor');
        INSERT INTO itemAttachments VALUES (2, 1, 0, 'application/pdf', 'storage:madaminova.pdf');
        INSERT INTO deletedItems VALUES (5);
    """)
    values = {1: [(1, CURATED_TITLE), (2, "2023-00-00 2023"), (3, "10.5220/0012672300003882"),
                  (4, "PAMIR-2 Conference")],
              3: [(1, BUZAN), (2, "1998-00-00 1998"), (5, "Lynne Rienner Publishers")],
              5: [(1, "A trashed book"), (2, "2001")]}
    for item, pairs in values.items():
        for field, value in pairs:
            value_id = db.execute("INSERT INTO itemDataValues (value) VALUES (?)", (value,)).lastrowid
            db.execute("INSERT INTO itemData VALUES (?,?,?)", (item, field, value_id))
    people = [(1, "Durdona I.", "Madaminova", 1), (3, "Barry", "Buzan", 1), (3, "Ole", "Wæver", 1),
              (3, "Jaap", "de Wilde", 1), (3, "Some", "Editor", 2)]
    for n, (item, first, last, role) in enumerate(people):
        creator = db.execute("INSERT INTO creators (firstName, lastName, fieldMode) VALUES (?,?,0)",
                             (first, last)).lastrowid
        db.execute("INSERT INTO itemCreators VALUES (?,?,?,?)", (item, creator, role, n))
    db.commit()
    db.close()
    (folder / "storage" / "ABCD1234").mkdir(parents=True)
    shutil.copyfile(MADAMINOVA, folder / "storage" / "ABCD1234" / "madaminova.pdf")
    return folder


def bibtex_file(folder):
    """Wei (PDF named by a JabRef/Zotero file field, found in --pdf-dir) with a curated year, a work
    without a PDF, and an entry whose PDF is broken."""
    folder.mkdir()
    pdfs = folder / "pdfs"
    pdfs.mkdir()
    shutil.copyfile(WEI, pdfs / "wei.pdf")
    pdfgen.truncated_pdf(pdfs / "broken.pdf", WEI)
    bib = folder / "library.bib"
    bib.write_text(r"""
@article{wei2022,
  title = {International Migration Challenges and Governance From the Perspective of Non-traditional Security},
  author = {Wei, Baige},
  year = {2022},
  journal = {Journal of Migration Studies},
  file = {Full Text:wei.pdf:application/pdf}
}
@book{weiner1992,
  title = {Security, Stability, and International Migration},
  author = {Weiner, Myron},
  year = {1992},
  publisher = {International Security}
}
@misc{broken2020,
  title = {A Broken File},
  author = {Nobody, Anne},
  year = {2020},
  file = {broken.pdf}
}
""", encoding="utf-8")
    return bib, pdfs


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    root = tmp_path_factory.mktemp("import-sources")
    return zotero_library(root / "Zotero"), *bibtex_file(root / "bib")


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    return Library(tmp_path_factory.mktemp("import-library"))


def run(*args):
    return CliRunner().invoke(cli, [*args], catch_exceptions=False)


def test_zotero_entries_are_read_from_the_database_and_storage(sources):
    entries = {e.key: e for e in read_zotero(sources[0])}
    assert sorted(entries) == ["BUZAN998", "MADA2023"]  # no attachment, note or trashed item
    mada, buzan = entries["MADA2023"], entries["BUZAN998"]
    assert mada.pdf.name == "madaminova.pdf" and mada.pdf.is_file()
    assert mada.title == CURATED_TITLE and mada.authors == ["Durdona I. Madaminova"] and mada.year == "2023"
    assert buzan.pdf is None and buzan.authors == ["Barry Buzan", "Ole Wæver", "Jaap de Wilde"]  # no editor
    assert buzan.venue == "Lynne Rienner Publishers" and buzan.year == "1998"


def test_zotero_database_is_opened_read_only(sources, tmp_path):
    data = tmp_path / "ro"
    shutil.copytree(sources[0], data)
    (data / "zotero.sqlite").chmod(0o444)
    data.chmod(0o555)  # not even a journal file could be made here
    try:
        assert len(read_zotero(data)) == 2
    finally:
        data.chmod(0o755)


def test_bibtex_entries_find_pdfs_from_file_fields(sources):
    _, bib, pdfs = sources
    entries = {e.key: e for e in read_bibtex(bib, pdfs)}
    assert entries["wei2022"].pdf == pdfs / "wei.pdf" and entries["wei2022"].year == "2022"
    assert entries["weiner1992"].pdf is None and entries["weiner1992"].authors == ["Myron Weiner"]
    assert entries["broken2020"].pdf == pdfs / "broken.pdf"


def test_import_adds_pdfs_with_curated_metadata_and_keeps_the_rest_as_records(sources, library):
    zotero, bib, pdfs = sources
    result = run("import", "zotero", str(zotero), "--index", str(library.dir))
    assert result.exit_code == 0, result.output
    assert "added: MADA2023" in result.output and "no PDF: BUZAN998" in result.output
    assert "1 added, 0 already there, 1 without PDF, 0 failed" in result.output

    result = run("import", "bibtex", str(bib), "--pdf-dir", str(pdfs), "--index", str(library.dir))
    assert result.exit_code == 1  # the broken PDF failed, the others went in
    assert "added: wei2022" in result.output and "no PDF: weiner1992" in result.output
    assert "failed: broken2020 — " in result.output and "unreadable PDF" in result.output

    papers = {p.file_name: p for p in library.papers()}
    mada, wei = papers["madaminova.pdf"], papers["wei.pdf"]
    assert mada.title == CURATED_TITLE and mada.venue == "PAMIR-2 Conference"
    assert wei.year == "2022" and wei.venue == "Journal of Migration Studies"
    assert library.catalogue.edited_fields(wei.id)["year"] == "2022"
    titles = [r.title for r in library.catalogue.registry_records()]
    assert sorted(titles) == sorted([BUZAN, "Security, Stability, and International Migration"])


def test_curated_metadata_is_used_in_citations_and_bibtex(library):
    answer = library.ask("How many international migrants were there in 2019?")
    assert "(Wei, 2022, p. 1)" in answer_text(answer)
    exported = library.export_bibtex().text
    assert "year = {2022}" in exported and "Journal of Migration Studies" in exported
    assert "Security and Migration Categories: An Analysis (curated)" in exported


def test_running_an_import_again_changes_nothing(sources, library):
    zotero, bib, pdfs = sources
    version = library.catalogue.version()
    again = run("import", "zotero", str(zotero), "--index", str(library.dir))
    assert "0 added, 1 already there, 1 without PDF, 0 failed" in again.output
    again = run("import", "bibtex", str(bib), "--pdf-dir", str(pdfs), "--index", str(library.dir))
    assert "0 added, 1 already there, 1 without PDF, 1 failed" in again.output
    assert library.catalogue.version() == version
    assert len(library.papers()) == 2 and len(library.catalogue.registry_records()) == 2


def test_records_are_nodes_that_citing_references_point_to(library):
    graph = library.citation_graph()
    buzan = [n for n in graph.nodes if n.title == BUZAN]
    assert len(buzan) == 1, "the record and Madaminova's reference to the same book are one node"
    assert buzan[0].record and not buzan[0].in_library and buzan[0].cited == 1
    mada = next(p for p in library.papers() if p.file_name == "madaminova.pdf")
    assert any(e.source == mada.id and e.target == buzan[0].id for e in graph.edges)


def test_a_correction_survives_removing_and_re_adding_the_pdf(library, sources):
    wei = library.paper("wei.pdf")
    library.edit_paper(wei.id, authors="Baige Wei; Second Author", venue="")
    assert library.paper(wei.id).authors == ["Baige Wei", "Second Author"] and library.paper(wei.id).venue is None
    library.remove(wei.id)
    assert library.add([sources[2] / "wei.pdf"])[0].status == "added"
    again = library.paper(wei.id)
    assert again.authors == ["Baige Wei", "Second Author"] and again.year == "2022" and again.venue is None
    assert "(Wei & Author, 2022, p. 1)" in answer_text(library.ask("How many international migrants were there in 2019?"))


def test_unknown_fields_and_missing_sources_are_errors(library, tmp_path):
    with pytest.raises(Exception, match="cannot edit file_name"):
        library.edit_paper(library.papers()[0].id, file_name="x.pdf")
    result = run("import", "zotero", str(tmp_path / "nowhere"), "--index", str(library.dir))
    assert result.exit_code == 1 and "no Zotero database" in result.output
