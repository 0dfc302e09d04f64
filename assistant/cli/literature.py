"""`assistant refs`, `cited-by`, `missing`, `export bibtex`: the library's cited literature."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .common import fail, index_option, open_library, user_errors

if TYPE_CHECKING:
    from ..literature import MissingWork
    from ..records import Reference

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")


def _library(index_dir: str | None) -> Any:
    """The library, or exit 1 with how to fill it when it holds no paper."""
    library = open_library(index_dir)
    if not library.papers():
        fail(f"the library in {library.dir} is empty; add papers first: assistant add PATH...")
    return library


def _echo_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False))


def _entry_line(ref: Reference) -> str:
    """Buzan et al. (1998). Security: A new framework for analysis. Lynne Rienner Publishers."""
    from ..render import author_label

    parts = [f"{author_label(ref.authors)} ({ref.year or 'n.d.'}).", _sentence(ref.title or ref.raw)]
    if ref.venue and ref.title:
        parts.append(_sentence(ref.venue))
    return " ".join(parts)


def _sentence(text: str) -> str:
    return text if text.endswith((".", "?", "!")) else f"{text}."


def _cited_on(ref: Reference) -> str:
    pages = list(dict.fromkeys(c.page for c in ref.contexts))
    return f"cited on p. {', '.join(pages)}" if pages else "not found in the text"


@click.command()
@click.argument("paper")
@index_option
@json_option
@click.option("--missing", "only_missing", is_flag=True, help="Only the entries whose works are not in the library.")
@user_errors
def refs(paper: str, index_dir: str | None, as_json: bool, only_missing: bool) -> None:
    """The reference list of PAPER (file name, DOI or id), in printed order.

    Each entry is marked "in library" (with the library paper it resolves to) or "missing",
    with the pages where the body cites it.

    \b
    With --json, a list of
      {"key", "authors", "year", "title", "venue", "volume", "issue", "pages",
       "doi", "url", "status": "in_library" | "missing", "linked_paper": id | null,
       "contexts": [{"page", "sentence"}]}

    \b
    Examples:
      assistant refs madaminova_2023_security_migration_categories.pdf
      assistant refs 10.5220/0012672300003882 --missing
      assistant refs wei_international_migration_nontraditional_security --json
    """
    from ..literature import paper_label, reference_json

    library = _library(index_dir)
    citing = library.paper(paper)
    entries = [r for r in library.references(citing.id) if not (only_missing and r.linked_paper)]
    if as_json:
        _echo_json([reference_json(r) for r in entries])
        return
    papers = {p.id: p for p in library.papers()}
    linked = sum(r.linked_paper in papers for r in entries)
    click.echo(f"{paper_label(citing)} · {citing.title or citing.file_name}")
    click.echo(f"{len(entries)} references: {linked} in library, {len(entries) - linked} missing\n")
    for ref in entries:
        status = f"in library: {paper_label(papers[ref.linked_paper])}" if ref.linked_paper in papers else "missing"
        click.echo(f"{ref.label or f'{ref.index + 1}.':>5} {_entry_line(ref)}\n      {status} · {_cited_on(ref)}")


@click.command(name="cited-by")
@click.argument("paper")
@index_option
@json_option
@user_errors
def cited_by(paper: str, index_dir: str | None, as_json: bool) -> None:
    """The papers in the library that cite PAPER, with the pages where they cite it.

    \b
    Examples:
      assistant cited-by weiner_1992.pdf
      assistant cited-by 10.5220/0012672300003882 --json
    """
    from ..literature import paper_label

    library = _library(index_dir)
    cited = library.paper(paper)
    citations = library.cited_by(cited.id)
    if as_json:
        _echo_json([{"paper_id": p.id, "file_name": p.file_name, "label": paper_label(p), "title": p.title,
                     "key": ref.key, "contexts": [c.model_dump() for c in ref.contexts]} for p, ref in citations])
        return
    if not citations:
        click.echo(f"No paper in the library cites {paper_label(cited)}.")
        return
    click.echo(f"{paper_label(cited)} is cited by {len(citations)} paper(s) in the library:")
    for citing, ref in citations:
        click.echo(f"  {paper_label(citing)} · {citing.title or citing.file_name}\n    as {ref.key} · {_cited_on(ref)}")


@click.command()
@index_option
@json_option
@user_errors
def missing(index_dir: str | None, as_json: bool) -> None:
    """The reading list: works the library's papers cite that are not in it, most-cited first.

    Entries for one work in several reference lists are counted once (same DOI, else a
    close title, year and first author). Add a work's PDF with `assistant add`
    and it is linked and leaves this list.

    \b
    Examples:
      assistant missing
      assistant missing --json > reading-list.json
    """
    from ..literature import paper_label

    works = _library(index_dir).missing()
    if as_json:
        _echo_json([_work_json(w) for w in works])
        return
    if not works:
        click.echo("Every cited work is in the library.")
        return
    click.echo(f"{len(works)} cited works are not in the library, most-cited first:\n")
    for n, work in enumerate(works, 1):
        link = f" · https://doi.org/{work.reference.doi}" if work.reference.doi else ""
        click.echo(f"{n:>4}. {_entry_line(work.reference)}{link}\n      cited by "
                   f"{', '.join(paper_label(p) for p in work.citing)} · {work.mentions} in-text citation(s)")


def _work_json(work: MissingWork) -> dict[str, Any]:
    from ..literature import paper_label

    fields = ("authors", "year", "title", "venue", "volume", "issue", "pages", "doi", "url")
    return {name: getattr(work.reference, name) for name in fields} | {"cited_by": [
        {"paper_id": p.id, "label": paper_label(p), "key": ref.key, "contexts": [c.model_dump() for c in ref.contexts]}
        for p, ref in work.citations]}


@click.group()
def export() -> None:
    """Export library papers, and the works they cite, for other tools."""


@export.command(name="bibtex")
@click.argument("papers", nargs=-1)
@click.option("--all", "all_papers", is_flag=True, help="Every paper in the library.")
@click.option("--include-references", is_flag=True,
              help="Also the works these papers cite, once each (library papers as themselves).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="Write to FILE, not stdout.")
@index_option
@user_errors
def export_bibtex(papers: tuple[str, ...], all_papers: bool, include_references: bool, output: str | None,
                  index_dir: str | None) -> None:
    """BibTeX of PAPERS (file names, DOIs or ids) or of --all papers.

    Entry types (article / inproceedings / misc), authors ("Surname, Given and ..."), year,
    title, journal or booktitle, volume, number, pages and DOI come from what the library
    knows; keys are unique ("madaminova2023", "weiner1992"). Text is LaTeX-encoded
    (W{\\ae}ver). With --include-references the cited works follow, each once; works that
    are library papers are exported from the library's own record.

    \b
    Examples:
      assistant export bibtex --all -o library.bib
      assistant export bibtex madaminova_2023_security_migration_categories.pdf --include-references
    """
    if bool(papers) == all_papers:
        raise click.UsageError("name the PAPERS to export, or give --all (not both)")
    result = _library(index_dir).export_bibtex(papers, include_references)
    if output is None:
        click.echo(result.text, nl=False)
        return
    try:
        Path(output).write_text(result.text, encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or exc}")
    click.echo(f"wrote {output}: {result.papers} paper(s), {result.works} cited work(s)", err=True)
