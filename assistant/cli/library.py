"""`assistant add`, `list`, `remove`, `check`."""

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
        if what.startswith(("read ", "references ")):  # stages within a file: the UI shows them
            return
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
    cannot be read (or stored: library busy, Chroma server down) is reported with the
    reason and the others are still added (exit 1). Ctrl+C stops after reporting which
    files were added and which were not (exit 130).

    \b
    Examples:
      assistant add paper.pdf
      assistant add ~/papers --index ~/my-library
    """
    from ..api import AddResult, expand_paths

    library = open_library(index_dir, create=True)
    files = expand_paths(paths)
    bars = None if as_json else _Bars()
    results: list[AddResult] = []
    interrupted = False
    try:
        results.extend(library.add_each(files, progress=bars))
    except KeyboardInterrupt:
        interrupted = True
    finally:
        if bars:
            bars.close()
    done = {r.path for r in results}
    results += [AddResult(str(f), "interrupted", "not added: interrupted before it was stored")
                for f in files if str(f) not in done]
    if as_json:
        click.echo(json.dumps([{"path": r.path, "status": r.status, "message": r.message,
                                "paper_id": r.paper.id if r.paper else None, "links": r.links} for r in results],
                              indent=2))
    else:
        _print_add_summary(results)
    if interrupted:
        sys.exit(130)
    if any(r.status == "failed" for r in results):
        sys.exit(1)


def _print_add_summary(results: list) -> None:
    for r in results:
        mark = {"added": "added", "exists": "already in library", "failed": "FAILED",
                "interrupted": "NOT ADDED"}[r.status]
        click.echo(f"{mark}: {r.path} — {r.message}")
        for link in r.links:
            click.echo(f"    linked: {link}")
    counts = {s: sum(r.status == s for r in results) for s in ("added", "exists", "failed", "interrupted")}
    click.echo(f"\n{counts['added']} added, {counts['exists']} already in library, {counts['failed']} failed"
               + (f", {counts['interrupted']} not added (interrupted)" if counts["interrupted"] else ""))


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




@click.command()
@index_option
@click.option("--repair", is_flag=True,
              help="Delete orphan vectors and files, re-embed missing vectors, drop stale reference links.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@user_errors
def check(index_dir: str | None, repair: bool, as_json: bool) -> None:
    """Compare the catalogue with the vectors and the stored PDF copies.

    Finds vectors and files that belong to no paper (left by a crashed add or remove),
    papers whose chunks have no vectors (re-embedded from the stored chunks by --repair),
    stored PDF copies that are gone (reported only) and references linked to removed
    papers. Exit 0 when consistent or repaired, 1 when problems remain.

    \b
    Examples:
      assistant check
      assistant check --repair --index ~/my-library
    """
    from dataclasses import asdict

    report = open_library(index_dir).check(repair=repair)
    if as_json:
        click.echo(json.dumps(asdict(report) | {"consistent": report.consistent}, indent=2, ensure_ascii=False))
    else:
        _print_check(report)
    if not (report.consistent or report.repaired):
        sys.exit(1)


def _print_check(report) -> None:
    click.echo(f"{report.papers} papers, {report.chunks} chunks, {report.vectors} vectors")
    problems = [(report.orphan_vectors, f"{report.orphan_vectors} vectors of no paper"),
                (report.missing_vectors, "papers with chunks missing vectors: " +
                 ", ".join(f"{name} ({n})" for name, n in report.missing_vectors.items())),
                (report.orphan_files, f"files of no paper: {', '.join(report.orphan_files)}"),
                (report.stale_links, f"{report.stale_links} references linked to removed papers")]
    for found, line in problems:
        if found:
            click.echo(("repaired: " if report.repaired else "found: ") + line)
    if report.missing_files:
        click.echo(f"stored PDF copy missing (add the PDF again to restore it): {', '.join(report.missing_files)}")
    if report.consistent:
        click.echo("consistent")
    elif not report.repaired:
        click.echo("run `assistant check --repair` to fix this")
