"""The page viewer of the evidence panel: one PDF page large, the cited quote highlighted.

A ``PageView`` says which page is shown; it lives in the page's session state and the viewer's
buttons derive the next view from it (previous/next page, zoom). Pages are rendered by
``assistant.pageimage`` (pypdfium2) and sent inline as PNG.
"""

from __future__ import annotations

import base64
import io
import shutil
from html import escape
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ..api import LibraryError, safe_name
from ..pageimage import render_page
from ..records import Citation
from ..render import author_label

ZOOMS = (50, 75, 100, 125, 150, 200, 300)  # percent of the panel's width
BASE_SCALE = 1.5  # PDF points → pixels at 100%: sharp on a 2x screen for a ~450 px wide panel
EMPTY = '<p class="empty-note">Click a citation to open its page here.</p>'


class PageView(BaseModel):
    paper_id: str
    index: int  # 0-based PDF page shown
    cited_index: int  # the cited page (its quote is highlighted there)
    quote: str = ""
    zoom: int = 100


def view_of(citation: Citation, library: Any) -> PageView | None:
    """The view that opens a citation's page, or None when the page is no longer in the library."""
    index = next((p.index for p in library.pages(citation.paper_id) if p.label == citation.page), None)
    if index is None:
        return None
    return PageView(paper_id=citation.paper_id, index=index, cited_index=index, quote=citation.quote)


def turned(view: PageView | None, step: int, library: Any) -> PageView | None:
    """The view ``step`` pages on, kept within the paper."""
    if view is None:
        return None
    last = len(library.pages(view.paper_id)) - 1
    return view.model_copy(update={"index": min(max(view.index + step, 0), max(last, 0))})


def zoomed(view: PageView | None, step: int) -> PageView | None:
    """One zoom level up (step 1) or down (-1)."""
    if view is None:
        return None
    at = min(range(len(ZOOMS)), key=lambda i: abs(ZOOMS[i] - view.zoom))
    return view.model_copy(update={"zoom": ZOOMS[min(max(at + step, 0), len(ZOOMS) - 1)]})


def viewer_html(view: PageView | None, library: Any) -> str:
    if view is None:
        return EMPTY
    try:
        paper = library.paper(view.paper_id)
    except LibraryError:
        return '<p class="empty-note">This paper is no longer in the library.</p>'
    pages = library.pages(paper.id)
    pdf = library.pdf_path(paper)
    if not pdf.is_file() or not 0 <= view.index < len(pages):
        return '<p class="empty-note">The PDF of this paper is not in the library.</p>'
    quote = view.quote if view.index == view.cited_index else ""
    image = render_page(pdf, view.index, quote, scale=BASE_SCALE * max(view.zoom, 100) / 100)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    data = base64.b64encode(buffer.getvalue()).decode()
    cited = " · cited page, quote highlighted" if quote else ""
    caption = (f"{author_label(paper.authors)} ({paper.year or 'n.d.'}) · printed page {pages[view.index].label} · "
               f"PDF page {view.index + 1} of {len(pages)} · {view.zoom}%{cited}")
    return (f'<div class="viewer" data-page="{view.index + 1}" data-zoom="{view.zoom}">'
            f'<div class="viewer-caption">{escape(caption)}</div><div class="viewer-frame">'
            f'<img alt="{escape(caption)}" style="width: {view.zoom}%" src="data:image/png;base64,{data}"></div></div>')


def download_copy(view: PageView | None, library: Any, folder: Path) -> str | None:
    """A copy of the viewed paper's PDF under its own file name (for the download button)."""
    if view is None:
        return None
    try:
        paper = library.paper(view.paper_id)
    except LibraryError:
        return None
    source = library.pdf_path(paper)
    if not source.is_file():
        return None
    target = folder / safe_name(paper.id) / safe_name(paper.file_name)
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    return str(target)
