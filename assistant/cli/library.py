"""`assistant add`, `list`, `remove`."""

from __future__ import annotations

import json
import sys

import click

from .common import index_option, open_library, user_errors


class _Bars:
    """Two tqdm bars on stderr: files, and chunk batches of the current file."""

    def __init__(self) -> None:
        from tqdm import tqdm

        self.tqdm = tqdm
        self.files = None
        self.chunks = None

    def __call__(self, what: str, done: int, total: int) -> None:
        if self.files is None:
            self.files = self.tqdm(total=total, unit="file", desc="papers", position=0, file=sys.stderr)
        if what.startswith("embed "):
            if self.chunks is None:
                self.chunks = self.tqdm(total=total, unit="chunk", desc=what[6:][:40], position=1, leave=False,
                                        file=sys.stderr)
            self.chunks.n = done
            self.chunks.refresh()
            return
        if self.chunks is not None:
            self.chunks.close()
            self.chunks = None
        self.files.n = done
        self.files.set_postfix_str(what.removeprefix("file ")[:40])

    def close(self) -> None:
        for bar in (self.chunks, self.files):
            if bar is not None:
                bar.close()


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@user_errors
def add(paths: tuple[str, ...], index_dir: str | None, as_json: bool) -> None:
    """Add PDFs (files or folders, searched recursively) to the library.

    Each paper is parsed, identified (DOI, else a hash of the file), described, chunked,
    embedded and stored. Adding a paper that is already there does nothing. A file that
    cannot be read is reported with the reason and the others are still added (exit 1).

    \b
    Examples:
      assistant add paper.pdf
      assistant add ~/papers --index ~/my-library
    """
    library = open_library(index_dir)
    bars = None if as_json else _Bars()
    try:
        results = library.add(paths, progress=bars)
    finally:
        if bars:
            bars.close()
    if as_json:
        click.echo(json.dumps([{"path": r.path, "status": r.status, "message": r.message,
                                "paper_id": r.paper.id if r.paper else None, "links": r.links} for r in results],
                              indent=2))
    else:
        _print_add_summary(results)
    if any(r.status == "failed" for r in results):
        sys.exit(1)


def _print_add_summary(results: list) -> None:
    for r in results:
        mark = {"added": "added", "exists": "already in library", "failed": "FAILED"}[r.status]
        click.echo(f"{mark}: {r.path} — {r.message}")
        for link in r.links:
            click.echo(f"    linked: {link}")
    counts = {s: sum(r.status == s for r in results) for s in ("added", "exists", "failed")}
    click.echo(f"\n{counts['added']} added, {counts['exists']} already in library, {counts['failed']} failed")


@click.command(name="list")
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print the papers as JSON.")
@user_errors
def list_papers(index_dir: str | None, as_json: bool) -> None:
    """List the papers in the library: title, authors, year, DOI, venue, pages, chunks."""
    from ..render import author_label

    papers = open_library(index_dir).papers()
    if as_json:
        click.echo(json.dumps([p.model_dump(mode="json") | {"pages": p.n_pages} for p in papers], indent=2,
                              ensure_ascii=False))
        return
    if not papers:
        click.echo("The library is empty. Add papers with: assistant add PATH...")
        return
    for p in papers:
        click.echo(f"{p.file_name}\n  {author_label(p.authors)} ({p.year or 'n.d.'}). {p.title}")
        details = [f"id {p.id}", f"{p.n_pages} pages ({p.page_labels[0]}–{p.page_labels[-1]})", f"{p.n_chunks} chunks"]
        if p.doi:
            details.insert(1, f"DOI {p.doi}")
        if p.venue:
            details.append(p.venue)
        click.echo("  " + " · ".join(details))


@click.command()
@click.argument("paper")
@index_option
@user_errors
def remove(paper: str, index_dir: str | None) -> None:
    """Remove PAPER (its file name, DOI or id) and every one of its chunks."""
    removed = open_library(index_dir).remove(paper)
    click.echo(f"removed: {removed.file_name} ({removed.id})")


