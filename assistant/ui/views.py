"""Library-side views: rows for the papers and upload-result tables, and the references list.

Plain data and escaped HTML only; no gradio here, so these are testable without a server.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from ..render import author_label
from ..records import Paper, Reference

PAPER_HEADERS = ["Title", "Authors", "Year", "DOI", "Venue", "Pages"]
EDITABLE_COLUMNS = {0: "title", 1: "authors", 2: "year", 3: "doi", 4: "venue"}  # table column → Paper field
RESULT_LABELS = {"added": "added", "exists": "already in library", "failed": "failed"}


def paper_row(paper: Paper) -> list[Any]:
    return [paper.title or paper.file_name, "; ".join(paper.authors), paper.year or "n.d.", paper.doi or "",
            paper.venue or "", paper.n_pages]


def paper_choice(paper: Paper) -> tuple[str, str]:
    """(label, id) for dropdowns: 'Wei (n.d.) — International Migration Challenges…'."""
    title = paper.title or paper.file_name
    short = title if len(title) <= 70 else title[:69] + "…"
    return f"{author_label(paper.authors)} ({paper.year or 'n.d.'}) — {short}", paper.id


def find_row(papers: list[Paper], row: list[Any]) -> Paper | None:
    """The paper shown in a papers-table row (compared as text: the table returns strings)."""
    wanted = [str(v) for v in row]
    return next((p for p in papers if [str(v) for v in paper_row(p)] == wanted), None)


def results_html(results: list[Any], working: tuple[str, str] | None = None) -> str:
    """One row per uploaded file: its name, then added / already in library / failed and why;
    ``working`` (file name, stage) is the file being added now."""
    rows = "".join(_result_row(r) for r in results)
    if working:
        rows += (f'<tr class="working"><td>{escape(working[0])}</td><td><span class="status-working">working'
                 f"</span>: {escape(working[1])}</td></tr>")
    return f'<table class="results"><thead><tr><th>File</th><th>Result</th></tr></thead><tbody>{rows}</tbody></table>'


def _result_row(result: Any) -> str:
    details = "; ".join(filter(None, [result.message, *result.links]))
    label = RESULT_LABELS.get(result.status, result.status)
    return (f'<tr><td>{escape(Path(result.path).name)}</td><td><span class="status-{escape(result.status)}">'
            f"{escape(label)}</span>{': ' + escape(details) if details else ''}</td></tr>")


def references_html(paper: Paper | None, refs: list[Reference], papers: dict[str, Paper]) -> str:
    """The selected paper's reference list with in-library / missing status, or an empty state."""
    if paper is None:
        return _note("Select a paper to see the works it cites.")
    if not refs:
        return _note(f"No reference list found in {escape(paper.file_name)}.")
    found = sum(r.linked_paper in papers for r in refs)
    rows = "".join(_reference_row(r, papers) for r in refs)
    return (f'<div class="refs"><p>{len(refs)} references, {found} in the library, {len(refs) - found} missing.</p>'
            f'<table><thead><tr><th>Status</th><th>Authors</th><th>Year</th><th>Title</th></tr></thead>'
            f"<tbody>{rows}</tbody></table></div>")


def _reference_row(ref: Reference, papers: dict[str, Paper]) -> str:
    linked = papers.get(ref.linked_paper or "")
    status = (f'<span class="in-library" title="{escape(linked.file_name)}">in library</span>' if linked
              else '<span class="missing">missing</span>')
    title = escape(ref.title or ref.raw)
    return (f"<tr><td>{status}</td><td>{escape(author_label(ref.authors)) if ref.authors else ''}</td>"
            f"<td>{escape(ref.year or '')}</td><td>{title}</td></tr>")


def _note(html: str) -> str:
    return f'<p class="empty-note">{html}</p>'


def node_html(graph: Any, node_id: str | None, papers: dict[str, Paper]) -> str:
    """What the graph says about one node: status, who cites it (with their sentences), what it cites."""
    node = graph.node(node_id or "")
    if node is None:
        return _note("Pick a paper or cited work to see who cites it and what it cites.")
    status = ('<span class="in-library">in library</span>' if node.in_library
              else '<span class="missing">not in library</span>' + (" (known from an import)" if node.record else ""))
    citing = [e for e in graph.edges if e.target == node.id]
    cited = [e for e in graph.edges if e.source == node.id]
    items = "".join(f"<li><strong>{escape(_name(graph, e.source, papers))}</strong>"
                    + "".join(f"<blockquote>{escape(c)}</blockquote>" for c in e.contexts[:3]) + "</li>"
                    for e in citing)
    return (f'<div class="node-info"><p><strong>{escape(node.label)}</strong> · {escape(node.title)} · {status}</p>'
            f"<p>Cited by {len(citing)} library paper(s); cites {len(cited)} work(s).</p>"
            + (f"<ul>{items}</ul>" if items else "") + "</div>")


def _name(graph: Any, node_id: str, papers: dict[str, Paper]) -> str:
    node = graph.node(node_id)
    return node.label if node else papers[node_id].file_name if node_id in papers else node_id


def import_html(summary: Any) -> str:
    """An import's outcome: one row per entry (added, already there, no PDF, failed and why), then the counts."""
    rows = ([(key, "added", "added", "") for key in summary.added]
            + [(key, "exists", "already in library", "") for key in summary.existing]
            + [(key, "missing", "no PDF: kept as a known work", "") for key in summary.no_pdf]
            + [(key, "failed", "failed", reason) for key, reason in summary.failed])
    body = "".join(f'<tr><td>{escape(key)}</td><td><span class="status-{status}">{escape(label)}</span>'
                   f"{': ' + escape(reason) if reason else ''}</td></tr>" for key, status, label, reason in rows)
    counts = (f"{len(summary.added)} added, {len(summary.existing)} already there, {len(summary.no_pdf)} without PDF, "
              f"{len(summary.failed)} failed")
    return (f'<p class="import-counts">{counts}</p><table class="results"><thead><tr><th>Entry</th><th>Result</th>'
            f"</tr></thead><tbody>{body}</tbody></table>")
