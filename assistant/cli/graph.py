"""`assistant graph`: the library's citation graph as JSON, Graphviz DOT or a self-contained HTML page."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .common import index_option, open_library, user_errors


@click.command()
@click.option("--format", "fmt", type=click.Choice(["json", "dot", "html"]), default="json", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file (default: stdout).")
@index_option
@user_errors
def graph(fmt: str, output: str | None, index_dir: str | None) -> None:
    """The citation graph: papers in the library (filled) and the works they cite (hollow),
    sized by how many library papers cite them, with an edge from citing to cited.

    \b
    Examples:
      assistant graph --format html -o graph.html   # open in a browser (works offline)
      assistant graph --format dot | dot -Tsvg > graph.svg
    """
    built = open_library(index_dir).citation_graph()
    text = {"json": lambda: json.dumps(built.to_json(), indent=2, ensure_ascii=False) + "\n",
            "dot": built.to_dot, "html": built.to_html}[fmt]()
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"{len(built.nodes)} nodes, {len(built.edges)} edges written to {output}", err=True)
    else:
        click.echo(text, nl=False)
