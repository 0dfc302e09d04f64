"""A PDF page as an image, with a quote's text highlighted (for the UI's evidence panel).

Rendering and text positions come from pypdfium2 (Apache-2.0/BSD), never PyMuPDF (AGPL).
Quotes are cut from the text pypdf extracts, whose spacing, hyphenation and ligatures can
differ from PDFium's, so both sides are compared as letters and digits only (NFKC, casefolded).
When even a prefix of the quote cannot be found the page is returned without a highlight:
a missing highlight is better than a failed evidence panel.
"""

from __future__ import annotations

import ctypes
import threading
import unicodedata
from pathlib import Path

from PIL import Image, ImageDraw

HIGHLIGHT = (255, 200, 0, 96)  # translucent yellow, drawn over the text
MIN_PREFIX = 24  # shortest normalised prefix of a quote worth highlighting on its own

# PDFium is a process-wide C library that is not thread-safe; the UI renders from
# worker threads, so every call into it goes through this one lock.
_PDFIUM_LOCK = threading.Lock()

Rect = tuple[float, float, float, float]  # left, bottom, right, top in PDF units


def render_page(pdf_path: str | Path, page_index: int, quote: str = "", scale: float = 1.5) -> Image.Image:
    """Page ``page_index`` (0-based) of the PDF as an RGB image, the quote's lines highlighted."""
    import pypdfium2 as pdfium

    with _PDFIUM_LOCK:
        doc = pdfium.PdfDocument(str(pdf_path))
        try:
            page = doc[page_index]
            image = page.render(scale=scale).to_pil().convert("RGB")
            boxes = [_to_pixels(page, rect, image.size) for rect in quote_rects(page, quote)]
        finally:
            doc.close()
    return highlight(image, boxes)


def quote_rects(page, quote: str) -> list[Rect]:
    """The text rectangles (one per line) that cover the quote on a pypdfium2 page, or []."""
    wanted = normalise(quote)
    if not wanted:
        return []
    textpage = page.get_textpage()
    letters, char_index = _page_letters(textpage)
    span = find_span(letters, wanted)
    if span is None:
        return []
    first, last = char_index[span[0]], char_index[span[1] - 1]
    count = textpage.count_rects(first, last - first + 1)
    return [textpage.get_rect(i) for i in range(count)]


def normalise(text: str) -> str:
    """Letters and digits only, NFKC-folded and casefolded: 'Migra-\\ntion ﬁgures' → 'migrationfigures'."""
    return "".join(c for c in unicodedata.normalize("NFKC", text).casefold() if c.isalnum())


def find_span(letters: str, wanted: str) -> tuple[int, int] | None:
    """Where ``wanted`` (or its longest halving prefix of at least MIN_PREFIX letters) occurs."""
    length = len(wanted)
    while True:
        start = letters.find(wanted[:length])
        if start >= 0:
            return start, start + length
        length //= 2
        if length < MIN_PREFIX:
            return None


def _page_letters(textpage) -> tuple[str, list[int]]:
    """The page's normalised letters, and for each letter the PDFium index of its char."""
    import pypdfium2.raw as raw

    letters: list[str] = []
    char_index: list[int] = []
    for i in range(textpage.count_chars()):
        folded = normalise(chr(raw.FPDFText_GetUnicode(textpage, i) or 32))
        letters.append(folded)
        char_index += [i] * len(folded)
    return "".join(letters), char_index


def _to_pixels(page, rect: Rect, size: tuple[int, int]) -> tuple[int, int, int, int]:
    """A rectangle in PDF units → (x0, y0, x1, y1) pixels of the rendered page (any /Rotate)."""
    import pypdfium2.raw as raw

    left, bottom, right, top = rect
    corners = []
    for x, y in ((left, top), (right, bottom)):
        dx, dy = ctypes.c_int(), ctypes.c_int()
        raw.FPDF_PageToDevice(page, 0, 0, size[0], size[1], 0, x, y, dx, dy)
        corners.append((dx.value, dy.value))
    (x0, y0), (x1, y1) = corners
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def highlight(image: Image.Image, boxes: list[tuple[int, int, int, int]]) -> Image.Image:
    """The image with each box filled in translucent yellow (slightly padded)."""
    if not boxes:
        return image
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    for x0, y0, x1, y1 in boxes:
        draw.rectangle((x0 - 2, y0 - 2, x1 + 2, y1 + 2), fill=HIGHLIGHT)
    return Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB")
