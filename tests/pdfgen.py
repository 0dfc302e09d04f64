"""PDFs the tests generate: well-formed fixtures and every kind of bad input.

Generated with reportlab, so the tests never depend on files committed to the repo.
"""

from __future__ import annotations

import io
from pathlib import Path


def text_pdf(path: Path, pages: list[str], title: str = "", author: str = "", subject: str = "",
             heading_size: int = 0) -> Path:
    """A PDF whose pages hold the given texts (wrapped lines), with optional metadata.

    With ``heading_size``, the first line of the first page is set in that font size, as a
    paper's title is.
    """
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    c.setTitle(title)
    c.setAuthor(author)
    c.setSubject(subject)
    for n, text in enumerate(pages):
        y = 800
        for i, line in enumerate(_wrap(text, 95)):
            big = heading_size and n == 0 and i == 0
            c.setFont("Helvetica", heading_size if big else 10)
            c.drawString(50, y, line)
            y -= 14 + (heading_size if big else 0)
        c.showPage()
    c.save()
    return path


def blocks_pdf(path: Path, pages: list[list[tuple[str, int, int]]]) -> Path:
    """A PDF whose pages hold blocks of text, each ``(text, font size, space above in points)``,
    wrapped to one column width and set one under the other ("\n" forces a line break), as a
    paper sets body paragraphs and, in a smaller font, figure and table captions."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    for blocks in pages:
        y = 800
        for text, size, space in blocks:
            y -= space
            c.setFont("Helvetica", size)
            for line in _wrap(text, 950 // size):
                c.drawString(50, y, line)
                y -= round(size * 1.3)
        c.showPage()
    c.save()
    return path


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for para in text.split("\n"):
        line = ""
        for word in para.split():
            if len(line) + len(word) + 1 > width:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}".strip()
        lines.append(line)
    return lines


def corrupt_pdf(path: Path) -> Path:
    path.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >>\nthis is not a pdf body\n%%EOF")
    return path


def truncated_pdf(path: Path, source: Path) -> Path:
    path.write_bytes(source.read_bytes()[: 1200])
    return path


def encrypted_pdf(path: Path, source: Path, password: str = "secret") -> Path:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(source).pages:
        writer.add_page(page)
    writer.encrypt(user_password=password, owner_password=password + "-owner")
    with path.open("wb") as fh:
        writer.write(fh)
    return path


def image_only_pdf(path: Path) -> Path:
    """A scanned-looking page: one raster image, no text layer."""
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    image = Image.new("RGB", (200, 100), "white")
    for x in range(20, 180):
        image.putpixel((x, 50), (0, 0, 0))
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    buf.seek(0)
    c = canvas.Canvas(str(path))
    c.drawImage(ImageReader(buf), 50, 600, width=400, height=200)
    c.showPage()
    c.save()
    return path


def empty_file(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def not_a_pdf(path: Path) -> Path:
    path.write_text("Just some notes, saved with the wrong extension.\n")
    return path
