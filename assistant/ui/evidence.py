"""The evidence panel: each citation of an answer with its passage (quote marked) and its page image.

Everything built from paper text is HTML-escaped. The passage is the cited chunk's verbatim
text when the quote lies inside it, else a window of the page text around the quote.
"""

from __future__ import annotations

from html import escape
from typing import Any

from PIL import Image

from ..pageimage import render_page
from ..records import Answer, Citation, Evidence, Page
from ..render import ABSTENTION, citation_text

WINDOW = 300  # characters of page text shown each side of a quote found outside its chunk
NEAREST = 3  # passages shown when the answer is an abstention

PageKey = tuple[str, str]  # (paper id, printed page label)


def evidence_html(answer: Answer | None, library: Any) -> str:
    if answer is None:
        return '<p class="empty-note">Ask a question: the quotes and pages behind the answer show here.</p>'
    head = _asked(answer)
    if answer.abstained:
        nearest = "".join(_passage_card(e) for e in answer.evidence[:NEAREST])
        note = " The closest passages retrieved:" if nearest else ""
        return f'{head}<p class="abstained"><strong>{escape(ABSTENTION)}</strong>{note}</p>{nearest}'
    pages = _cited_pages(answer, library)
    cards = "".join(_citation_card(n, c, answer, pages.get((c.paper_id, c.page)))
                    for n, c in enumerate(answer.citations, 1))
    return head + cards


def page_images(answer: Answer | None, library: Any) -> list[tuple[Image.Image, str]]:
    """One rendered page per citation, its quote highlighted, captioned like the citation."""
    if answer is None or answer.abstained:
        return []
    pages = _cited_pages(answer, library)
    images = []
    for n, citation in enumerate(answer.citations, 1):
        page = pages.get((citation.paper_id, citation.page))
        pdf = library.pdf_path(answer.papers[citation.paper_id]) if citation.paper_id in answer.papers else None
        if page is not None and pdf is not None and pdf.is_file():
            images.append((render_page(pdf, page.index, citation.quote), f"[{n}] {citation_text(citation)}"))
    return images


def marked(text: str, quote: str) -> str:
    """``text`` as HTML with the first occurrence of ``quote`` wrapped in <mark>."""
    at = text.find(quote) if quote else -1
    if at < 0:
        return escape(text)
    end = at + len(quote)
    return f"{escape(text[:at])}<mark>{escape(quote)}</mark>{escape(text[end:])}"


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


def _cited_pages(answer: Answer, library: Any) -> dict[PageKey, Page]:
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


def _citation_card(n: int, citation: Citation, answer: Answer, page: Page | None) -> str:
    paper = answer.papers.get(citation.paper_id)
    title = paper.title if paper and paper.title else citation.file_name
    pdf_page = f" (page {page.index + 1} of the PDF)" if page else ""
    return (f'<div class="card"><div class="card-head"><span class="marker">[{n}]</span> '
            f"{escape(citation_text(citation))}</div>"
            f'<div class="card-source">{escape(title)} · {escape(citation.file_name)} · '
            f"printed page {escape(citation.page)}{pdf_page}</div>"
            f"<blockquote>{marked(passage(answer, citation, page), citation.quote)}</blockquote></div>")


def _passage_card(evidence: Evidence) -> str:
    chunk = evidence.chunk
    return (f'<div class="card"><div class="card-source">{escape(chunk.file_name)} · printed page '
            f"{escape(chunk.page_label)}</div><blockquote>{escape(_collapse(chunk.raw or chunk.text))}"
            "</blockquote></div>")


def _collapse(text: str) -> str:
    return " ".join(text.split())
