"""The evidence panel: one card per cited passage (its quotes marked), each opening its page.

Everything built from paper text is HTML-escaped. Citations that quote the same passage (same
chunk, or the same page when no chunk is known) share one card, listing their numbers. The
passage is the cited chunk's verbatim text when the quotes lie inside it, else a window of the
page text around the first quote. Links ``#cite-N`` are caught by the page's script (``assets.py``)
and open citation N's card and page; the panel carries the answer's position in the chat.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from typing import Any

from ..records import Answer, Citation, Evidence, Page
from ..render import ABSTENTION, citation_text

WINDOW = 300  # characters of page text shown each side of a quote found outside its chunk
NEAREST = 3  # passages shown when the answer is an abstention

PageKey = tuple[str, str]  # (paper id, printed page label)


@dataclass
class Card:
    """One passage and the citations (1-based numbers) that quote it."""

    numbers: list[int]
    citations: list[Citation] = field(default_factory=list)

    @property
    def quotes(self) -> list[str]:
        return list(dict.fromkeys(c.quote for c in self.citations))


def cards(answer: Answer) -> list[Card]:
    """The answer's citations grouped by passage, in order of first citation."""
    grouped: dict[tuple, Card] = {}
    for n, citation in enumerate(answer.citations, 1):
        key = (citation.paper_id, citation.chunk_id or citation.page)
        card = grouped.setdefault(key, Card([]))
        card.numbers.append(n)
        card.citations.append(citation)
    return list(grouped.values())


def evidence_html(answer: Answer | None, library: Any, position: int | None = None, active: int | None = None) -> str:
    """The panel for ``answer`` (the ``position``-th answer of the chat); citation ``active`` opened."""
    if answer is None:
        return '<p class="empty-note">Ask a question: the quotes and pages behind the answer show here.</p>'
    head = f'<div class="evidence" data-answer="{position if position is not None else ""}">{_asked(answer)}'
    if answer.abstained:
        nearest = "".join(_passage_card(e) for e in answer.evidence[:NEAREST])
        note = " The closest passages retrieved:" if nearest else ""
        return f'{head}<p class="abstained"><strong>{escape(ABSTENTION)}</strong>{note}</p>{nearest}</div>'
    pages = cited_pages(answer, library)
    body = "".join(_card_html(card, answer, pages.get((card.citations[0].paper_id, card.citations[0].page)), active)
                   for card in cards(answer))
    return head + body + "</div>"


def marked(text: str, quotes: str | list[str]) -> str:
    """``text`` as HTML with the first occurrence of each quote wrapped in <mark> (overlaps merged)."""
    spans = []
    for quote in [quotes] if isinstance(quotes, str) else quotes:
        at = text.find(quote) if quote else -1
        if at >= 0:
            spans.append((at, at + len(quote)))
    out, pos = [], 0
    for start, end in sorted(spans):
        if end <= pos:
            continue
        start = max(start, pos)
        out += [escape(text[pos:start]), f"<mark>{escape(text[start:end])}</mark>"]
        pos = end
    return "".join(out) + escape(text[pos:])


def passage(answer: Answer, citation: Citation, page: Page | None) -> str:
    """The text to show around the quote (whitespace collapsed, as quotes are)."""
    chunk = next((e.chunk for e in answer.evidence if e.chunk.id == citation.chunk_id), None)
    text = _collapse(chunk.raw or chunk.text) if chunk else ""
    if citation.quote in text:
        return text
    page_text = _collapse(page.text) if page else ""
    at = page_text.find(citation.quote)
    if at < 0:
        return citation.quote
    start, end = max(0, at - WINDOW), at + len(citation.quote) + WINDOW
    return ("…" if start else "") + page_text[start:end] + ("…" if end < len(page_text) else "")


def cited_pages(answer: Answer, library: Any) -> dict[PageKey, Page]:
    """The pages the answer cites, read once per cited paper."""
    pages: dict[PageKey, Page] = {}
    for paper_id in {c.paper_id for c in answer.citations}:
        for page in library.pages(paper_id):
            pages.setdefault((paper_id, page.label), page)
    return pages


def _asked(answer: Answer) -> str:
    searched = answer.standalone_question
    rewritten = (f' <span class="searched">(searched as: {escape(searched)})</span>'
                 if searched and searched != answer.question else "")
    return f'<p class="asked">Evidence for: <q>{escape(answer.question)}</q>{rewritten}</p>'


def _card_html(card: Card, answer: Answer, page: Page | None, active: int | None) -> str:
    first = card.citations[0]
    paper = answer.papers.get(first.paper_id)
    title = paper.title if paper and paper.title else first.file_name
    pdf_page = f" (page {page.index + 1} of the PDF)" if page else ""
    markers = " ".join(f'<a class="marker" href="#cite-{n}">[{n}]</a>' for n in card.numbers)
    state = " active" if active in card.numbers else ""
    return (f'<div class="card{state}" id="card-{card.numbers[0]}" data-cites="{" ".join(map(str, card.numbers))}">'
            f'<div class="card-head">{markers} {escape(citation_text(first))} '
            f'<a class="show-page" href="#cite-{card.numbers[0]}">show page</a></div>'
            f'<div class="card-source">{escape(title)} · {escape(first.file_name)} · '
            f"printed page {escape(first.page)}{pdf_page}</div>"
            f"<blockquote>{marked(passage(answer, first, page), card.quotes)}</blockquote></div>")


def _passage_card(evidence: Evidence) -> str:
    chunk = evidence.chunk
    return (f'<div class="card"><div class="card-source">{escape(chunk.file_name)} · printed page '
            f"{escape(chunk.page_label)}</div><blockquote>{escape(_collapse(chunk.raw or chunk.text))}"
            "</blockquote></div>")


def _collapse(text: str) -> str:
    return " ".join(text.split())
