"""The registry of cited works: which references resolve to papers in the library.

``references.py`` parses reference lists; this module links them to library papers (both
ways: a new paper is linked to the references citing it, and its own references to papers
already there) and answers the registry's questions: cited by whom, what is missing.
"""

from __future__ import annotations

from .records import Paper, Reference
from .references import LINK_THRESHOLD, reference_matches
from .render import author_label


def paper_label(paper: Paper) -> str:
    """'Madaminova 2023' — how a paper is named in messages."""
    return f"{author_label(paper.authors)} {paper.year or 'n.d.'}"


def best_match(ref: Reference, papers: dict[str, Paper], citing_id: str) -> str | None:
    """The id of the library paper this reference denotes, if one matches well enough."""
    scored = [(reference_matches(ref, p), pid) for pid, p in papers.items() if pid != citing_id]
    score, pid = max(scored, default=(0.0, None))
    return pid if score >= LINK_THRESHOLD else None


def link_all(citing: list[tuple[str, Reference]], papers: dict[str, Paper]
             ) -> tuple[list[tuple[str, Reference]], list[tuple[str, str]]]:
    """Re-resolve every reference; return the changed references and the new (citing, cited) links."""
    updates: list[tuple[str, Reference]] = []
    links: list[tuple[str, str]] = []
    for pid, ref in citing:
        target = best_match(ref, papers, pid)
        if target != ref.linked_paper:
            updates.append((pid, ref.model_copy(update={"linked_paper": target})))
            if target:
                links.append((pid, target))
    return updates, links
