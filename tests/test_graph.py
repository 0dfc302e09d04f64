"""The citation graph: nodes, edges and times cited from papers and references; JSON, DOT and HTML."""

from __future__ import annotations

import json

from click.testing import CliRunner

from assistant.graph import build
from assistant.records import Paper, Reference, ReferenceContext

A = Paper(id="doi:10.1/a", file_name="a.pdf", sha256="a", title="Paper A", authors=["Ann Alpha"], year="2020")
B = Paper(id="sha256:b", file_name="b.pdf", sha256="b", title="Paper B", authors=["Bo Beta", "Cy Gamma"])
BUZAN = dict(authors=["Buzan, B.", "Wæver, O."], year="1998", title="Security: A new framework for analysis")


def citing() -> list[tuple[str, Reference]]:
    return [
        ("doi:10.1/a", Reference(index=0, raw="Beta & Gamma. Paper B.", linked_paper="sha256:b",
                                 contexts=[ReferenceContext(page="3", sentence="As Beta argues, ...")])),
        ("doi:10.1/a", Reference(index=1, raw="Buzan 1998", **BUZAN)),
        ("sha256:b", Reference(index=0, raw="Buzan, Waever 1998", **BUZAN,
                               contexts=[ReferenceContext(page="1", sentence="Buzan et al. (1998) say ...")])),
        ("sha256:b", Reference(index=1, raw="Other 2001", authors=["Other, O."], year="2001", title="Another work")),
    ]


def test_nodes_edges_and_times_cited():
    graph = build({A.id: A, B.id: B}, citing())
    by_title = {n.title: n for n in graph.nodes}
    assert by_title["Paper A"].in_library and by_title["Paper B"].in_library
    buzan = by_title["Security: A new framework for analysis"]
    assert not buzan.in_library and buzan.cited == 2, "two papers' entries for one book are one node"
    assert by_title["Paper B"].cited == 1 and by_title["Another work"].cited == 1 and by_title["Paper A"].cited == 0
    edges = {(e.source, e.target) for e in graph.edges}
    assert (A.id, B.id) in edges and (A.id, buzan.id) in edges and (B.id, buzan.id) in edges
    assert len(graph.edges) == 4 and len(graph.nodes) == 4
    assert next(e for e in graph.edges if e.target == buzan.id and e.source == B.id).contexts == [
        "Buzan et al. (1998) say ..."]


def test_a_registry_record_joins_the_references_that_denote_it():
    record = Reference(key="buzan1998", raw="Buzan 1998", **BUZAN)
    lonely = Reference(key="x", raw="Nobody cites this", authors=["Lone, L."], year="1990", title="Uncited book")
    graph = build({A.id: A, B.id: B}, citing(), [record, lonely])
    buzan = next(n for n in graph.nodes if n.title == BUZAN["title"])
    assert buzan.record and buzan.cited == 2
    uncited = next(n for n in graph.nodes if n.title == "Uncited book")
    assert uncited.record and uncited.cited == 0 and not any(e.target == uncited.id for e in graph.edges)


def test_writers_json_dot_and_self_contained_html():
    graph = build({A.id: A, B.id: B}, citing())
    data = json.loads(json.dumps(graph.to_json()))
    assert {n["id"] for n in data["nodes"]} >= {A.id, B.id} and len(data["edges"]) == 4
    dot = graph.to_dot()
    assert dot.startswith("digraph citations {") and f'"{A.id}" -> "{B.id}";' in dot
    assert 'label="Beta & Gamma n.d."' in dot and "style=dashed" in dot and "style=filled" in dot
    html = graph.to_html()
    assert "<html>" in html and "Plotly.newPlot" in html and 'src="http' not in html  # plotly.js embedded
    figure = graph.figure()
    hollow = next(t for t in figure.data if t.name == "cited, not in library")
    filled = next(t for t in figure.data if t.name == "in library")
    assert hollow.marker.symbol == "circle-open" and filled.marker.symbol == "circle"
    assert max(hollow.marker.size) > min(hollow.marker.size)  # size by times cited


def test_graph_command_writes_each_format(tmp_path, monkeypatch):
    from assistant.api import Library
    from assistant.cli import cli

    library = Library(tmp_path / "lib")
    library.catalogue.put(A, [], [], [r for pid, r in citing() if pid == A.id])
    library.catalogue.put(B, [], [], [r for pid, r in citing() if pid == B.id])
    for fmt in ("json", "dot", "html"):
        out = tmp_path / f"graph.{fmt}"
        result = CliRunner().invoke(cli, ["graph", "--format", fmt, "-o", str(out), "--index", str(library.dir)])
        assert result.exit_code == 0, result.output
        assert "4 nodes, 4 edges" in result.output
    assert len(json.loads((tmp_path / "graph.json").read_text())["nodes"]) == 4
    assert (tmp_path / "graph.dot").read_text().startswith("digraph")
