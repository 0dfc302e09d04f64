"""The citation graph: library papers and the works they cite, as nodes; citations as edges.

Nodes are the library's papers (``in_library``) and every cited work that is not in the library
(grouped across citing papers as ``literature.missing`` groups them), plus registry records (works
imported without a PDF) — a record and the references that denote the same work are one node.
A node's ``cited`` is how many library papers cite it; an edge goes citing → cited.

Writers: JSON (the data as is), Graphviz DOT, and a Plotly figure — shown in the UI and written as a
self-contained HTML file (plotly.js embedded, nothing fetched when it is opened).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from .literature import fullest, group_works
from .records import Paper, Reference
from .render import author_label

MAX_LABEL = 60


@dataclass
class Node:
    id: str
    label: str  # "Wei n.d."
    title: str
    year: str | None
    in_library: bool
    cited: int = 0  # library papers citing it
    record: bool = False  # a registry record (imported without a PDF)
    file_name: str | None = None


@dataclass
class Edge:
    source: str  # citing paper id
    target: str  # cited node id
    contexts: list[str] = field(default_factory=list)  # in-text sentences citing it


@dataclass
class Graph:
    nodes: list[Node]
    edges: list[Edge]

    def node(self, node_id: str) -> Node | None:
        return next((n for n in self.nodes if n.id == node_id), None)

    def to_json(self) -> dict[str, Any]:
        return {"nodes": [asdict(n) for n in self.nodes], "edges": [asdict(e) for e in self.edges]}

    def to_dot(self) -> str:
        """Graphviz: library papers filled, missing works hollow, width by times cited."""
        lines = ["digraph citations {", '  rankdir=LR; node [shape=ellipse, fontname="Helvetica"];']
        for n in self.nodes:
            style = 'style=filled, fillcolor="#2563eb", fontcolor=white' if n.in_library else 'style=dashed'
            lines.append(f"  {_dot_id(n.id)} [label={_dot_id(n.label)}, tooltip={_dot_id(n.title)}, "
                         f"width={0.8 + 0.3 * n.cited:.1f}, {style}];")
        lines += [f"  {_dot_id(e.source)} -> {_dot_id(e.target)};" for e in self.edges]
        return "\n".join(lines + ["}"]) + "\n"

    def figure(self):
        """A Plotly figure: filled markers for papers in the library, hollow for cited works, size by citations."""
        import plotly.graph_objects as go

        at = _layout(self)
        xs, ys = [], []
        for e in self.edges:
            xs += [at[e.source][0], at[e.target][0], None]
            ys += [at[e.source][1], at[e.target][1], None]
        traces = [go.Scatter(x=xs, y=ys, mode="lines", line={"width": 0.7, "color": "#9ca3af"}, hoverinfo="skip",
                             showlegend=False)]
        for in_library, name in ((True, "in library"), (False, "cited, not in library")):
            nodes = [n for n in self.nodes if n.in_library == in_library]
            traces.append(go.Scatter(
                x=[at[n.id][0] for n in nodes], y=[at[n.id][1] for n in nodes], mode="markers+text", name=name,
                text=[n.label if n.in_library or n.cited > 1 else "" for n in nodes], textposition="top center",
                customdata=[n.id for n in nodes],
                hovertext=[f"{n.label}<br>{_short(n.title)}<br>cited by {n.cited} library paper(s)" for n in nodes],
                hoverinfo="text",
                marker={"size": [10 + 6 * n.cited for n in nodes], "symbol": "circle" if in_library else "circle-open",
                        "color": "#2563eb" if in_library else "#b45309", "line": {"width": 2}}))
        figure = go.Figure(traces)
        figure.update_layout(showlegend=True, hovermode="closest", margin={"l": 10, "r": 10, "t": 30, "b": 10},
                             xaxis={"visible": False}, yaxis={"visible": False}, plot_bgcolor="white",
                             legend={"orientation": "h"}, title="Citation graph")
        return figure

    def to_html(self) -> str:
        return self.figure().to_html(include_plotlyjs=True, full_html=True)


def build(papers: dict[str, Paper], citing: list[tuple[str, Reference]], records: list[Reference] = ()) -> Graph:
    """The graph of the library's papers, the works their references denote and the registry records."""
    nodes = {pid: _paper_node(p) for pid, p in papers.items()}
    edges: dict[tuple[str, str], Edge] = {}

    def cite(source: str, target: str, ref: Reference) -> None:
        edge = edges.setdefault((source, target), Edge(source, target))
        edge.contexts += [c.sentence for c in ref.contexts]

    unlinked: list[tuple[str | None, Reference]] = []
    for pid, ref in citing:
        if pid not in papers:
            continue
        if ref.linked_paper in papers:
            cite(pid, ref.linked_paper, ref)
        else:
            unlinked.append((pid, ref))
    for group in group_works(unlinked + [(None, r) for r in records]):
        refs = [ref for _, ref in group]
        work = fullest(refs)
        node = nodes.setdefault(work_id(work), _work_node(work))
        node.record = node.record or any(owner is None for owner, _ in group)
        for owner, ref in group:
            if owner is not None:
                cite(owner, node.id, ref)
    for edge in edges.values():
        nodes[edge.target].cited += 1
    return Graph(list(nodes.values()), list(edges.values()))


def work_id(ref: Reference) -> str:
    """A stable id for a cited work: its DOI, else a hash of its first author, year and title."""
    if ref.doi:
        return f"doi:{ref.doi.lower()}"
    basis = "|".join([ref.first_author_surname or "", ref.year or "", (ref.title or ref.raw).lower()])
    return "work:" + hashlib.sha1(basis.encode()).hexdigest()[:12]


def _paper_node(paper: Paper) -> Node:
    return Node(paper.id, f"{author_label(paper.authors)} {paper.year or 'n.d.'}", paper.title or paper.file_name,
                paper.year, True, file_name=paper.file_name)


def _work_node(ref: Reference) -> Node:
    return Node(work_id(ref), f"{author_label(ref.authors)} {ref.year or 'n.d.'}", ref.title or ref.raw,
                ref.year, False)


def _layout(graph: Graph) -> dict[str, tuple[float, float]]:
    """Force-directed positions (seeded, so the same library draws the same picture)."""
    import networkx as nx

    g = nx.DiGraph()
    g.add_nodes_from(n.id for n in graph.nodes)
    g.add_edges_from((e.source, e.target) for e in graph.edges)
    return {k: (float(x), float(y)) for k, (x, y) in nx.spring_layout(g, seed=7).items()}


def _short(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[:MAX_LABEL - 1] + "…"


def _dot_id(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a double-quoted string with escapes, as DOT reads it
