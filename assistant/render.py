"""The last step: Citations and Answers as text, Markdown and the ``ask --json`` contract."""

from __future__ import annotations

import re
from typing import Any, Callable

from .records import Answer, Citation, Paper

ABSTENTION = "The indexed papers do not answer this."


_ORGANISATION_WORDS = frozenset(
    "organization organisation institute institution university association society council committee "
    "commission commissioner department ministry agency bank office nations union foundation center centre "
    "group collaboration consortium board bureau fund programme program service federation network project "
    "authority government trust inc ltd llc gmbh corporation company laboratory laboratories lab labs team academy "
    "forum panel secretariat court "
    "parliament assembly congress watch alliance coalition initiative observatory international national "
    "european united world global federal".split()
)
_NAME_CONNECTORS = frozenset({"of", "on", "for", "and", "the", "in", "&", "de", "du", "des", "für", "to"})


def is_organisation(name: str) -> bool:
    """Whether a name is an organisation's: capitalised words (and connectors), one of them a kind of body
    ("World Health Organization", "Department of Energy", "R Core Team")."""
    words = name.split()
    return (bool(words) and all(w[0].isupper() or w.lower() in _NAME_CONNECTORS for w in words)
            and any(w.lower().strip("()") in _ORGANISATION_WORDS for w in words) and not re.search(r"\d", name))


def surname(name: str) -> str:
    """'Durdona I. Madaminova' → 'Madaminova'; 'Wæver, O.' → 'Wæver'; organisations stay whole
    ('Department of Energy')."""
    name = name.strip()
    if "," in name:
        return name.split(",")[0].strip()
    parts = name.split()
    return name if is_organisation(name) else parts[-1] if parts else name


def author_label(authors: list[str]) -> str:
    """One author 'A', two 'A & B', three or more 'A et al.'; 'Anon.' when unknown."""
    names = [surname(a) for a in authors if a.strip()]
    if not names:
        return "Anon."
    if len(names) == 1:
        return names[0]
    if len(names) == 2:
        return f"{names[0]} & {names[1]}"
    return f"{names[0]} et al."


def citation_text(citation: Citation) -> str:
    """(Madaminova, 2023, p. 83)"""
    return f"({author_label(citation.authors)}, {citation.year or 'n.d.'}, p. {citation.page})"


def reference_entry(paper: Paper, doi: str = "https://doi.org/{}") -> str:
    """Madaminova, D. I. (2023). Title. Venue. https://doi.org/… (``doi``: how the DOI is written)."""
    authors = ", ".join(paper.authors) or "Anon."
    parts = [f"{authors} ({paper.year or 'n.d.'}).", f"{paper.title or paper.file_name}."]
    if paper.venue:
        parts.append(f"{paper.venue}.")
    if paper.doi:
        parts.append(doi.format(paper.doi))
    return " ".join(parts)


def record_sentence(paper: Paper) -> str:
    """The paper's record as an answer states it: Authors (2023). Title. Venue. DOI: 10.… (the DOI
    apart from any URL, so that it reads, and is matched, as the DOI itself)."""
    return reference_entry(paper, doi="DOI: {}.")


def answer_text(answer: Answer, link: Callable[[int, str], str] | None = None) -> str:
    """The answer's sentences, each followed by its citations; ``link(i, text)`` may dress
    citation ``i`` (0-based), e.g. as a link the UI opens."""
    if answer.abstained:
        return ABSTENTION
    show = link or (lambda i, text: text)
    return " ".join(
        f"{s.text} {' '.join(show(i, citation_text(answer.citations[i])) for i in s.citations)}".strip()
        for s in answer.sentences
    )


def answer_markdown(answer: Answer) -> str:
    """The answer, its quotes, and the reference list, as Markdown (CLI output and UI copy)."""
    if answer.abstained:
        return ABSTENTION
    lines = [answer_text(answer), "", "**Quotes**", ""]
    lines += quote_list(answer)
    lines += ["", "**References**", ""]
    lines += [f"- {reference_entry(p)}" for p in sorted(answer.papers.values(), key=lambda p: author_label(p.authors))]
    return "\n".join(lines)


def quote_list(answer: Answer) -> list[str]:
    """'1. (Madaminova, 2023, p. 83) “quote”' per citation, the quote as a reader sees it (clean text)."""
    return [f"{n}. {citation_text(c)} “{c.shown or c.quote}”" for n, c in enumerate(answer.citations, 1)]


def answer_json(answer: Answer) -> dict[str, Any]:
    """The ``ask --json`` contract that other tools and question sets rely on."""
    return {
        "question": answer.question,
        "answer": answer_text(answer),
        "abstained": answer.abstained,
        "citations": [
            {"paper": c.file_name, "paper_id": c.paper_id, "page": c.page, "quote": c.quote,
             "shown": c.shown or c.quote, "text": citation_text(c)}
            for c in answer.citations
        ],
        "passages": [
            {"paper": e.chunk.file_name, "page": e.chunk.page_label, "text": e.chunk.raw or e.chunk.text,
             "score": e.score}
            for e in answer.evidence
        ],
        "standalone_question": answer.standalone_question,
        "references": [reference_entry(p) for p in answer.papers.values()],
        "settings_hash": answer.settings_hash,
        "latency_ms": round(answer.latency_ms, 1),
    }
