"""`assistant import bibtex|zotero`: bring a reference manager's library in, curated metadata first."""

from __future__ import annotations

import click

from .common import fail, index_option, open_library, user_errors


def _progress(what: str, done: int, total: int) -> None:
    click.echo(f"[{done + 1}/{total}] {what.removeprefix('entry ')}", err=True)


def _report(summary) -> None:
    for line in summary.lines():
        click.echo(line)
    if summary.failed:
        fail(f"{len(summary.failed)} entr{'y' if len(summary.failed) == 1 else 'ies'} could not be imported")


@click.group(name="import")
def import_group() -> None:
    """Import a BibTeX file or a Zotero library.

    Entries with a PDF are added, their curated title, authors, year, DOI and venue taking
    precedence over what the PDF says (kept as your corrections). Entries without a PDF are kept
    as known works, "missing" from the library, so the citation graph links references to them.
    Running an import again changes nothing.
    """


@import_group.command()
@click.argument("bib_file", type=click.Path(dir_okay=False))
@click.option("--pdf-dir", type=click.Path(file_okay=False), help="Folder holding the PDFs (file fields "
              "relative to it, or KEY.pdf).")
@index_option
@user_errors
def bibtex(bib_file: str, pdf_dir: str | None, index_dir: str | None) -> None:
    """Import BIB_FILE: PDFs from each entry's file field, or KEY.pdf in --pdf-dir.

    \b
    Examples:
      assistant import bibtex library.bib --pdf-dir ~/papers
    """
    from ..importers import import_entries, read_bibtex

    entries = read_bibtex(bib_file, pdf_dir)
    _report(import_entries(open_library(index_dir), entries, _progress))


@import_group.command()
@click.argument("path", type=click.Path())
@index_option
@user_errors
def zotero(path: str, index_dir: str | None) -> None:
    """Import a Zotero library: PATH is its data directory (holding zotero.sqlite and storage/).

    The database is opened read-only, so Zotero may keep running.

    \b
    Examples:
      assistant import zotero ~/Zotero
    """
    from ..importers import import_entries, read_zotero

    entries = read_zotero(path)
    _report(import_entries(open_library(index_dir), entries, _progress))
