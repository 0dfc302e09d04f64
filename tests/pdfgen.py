"""PDFs the tests generate: well-formed fixtures and every kind of bad input.

Generated with reportlab (one written by hand: Type 3 fonts), so the tests never depend on files committed
to the repo.
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


def glyph_code_pdf(path: Path, pages: int = 3) -> Path:
    """What pypdf reads from a PDF whose fonts have no map to Unicode: glyph codes, not words
    ("uJN/O2u62 cJJ?D2b68eaao2u&"), as a real journal PDF printed them. Fixed pseudo-random codes."""
    import random

    rng = random.Random(7)
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789&?/:()’…%"
    codes = [" ".join("".join(rng.choice(alphabet) for _ in range(rng.randint(2, 9))) for _ in range(180))
             for _ in range(pages)]
    return text_pdf(path, codes)


def empty_file(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def not_a_pdf(path: Path) -> Path:
    path.write_text("Just some notes, saved with the wrong extension.\n")
    return path


def type3_pdf(path: Path, lines: list[tuple[float, float, float, str]]) -> Path:
    """A PDF whose text is set in Type 3 fonts, one font per size, each glyph a filled box, drawn with a tiny
    font size and a FontMatrix that scales it back up, as TeX's bitmap fonts are (x, y, size, text)."""
    sizes = sorted({size for _, _, size, _ in lines})
    chars = sorted({ch for *_, text in lines for ch in text if ch != " "} | {" "})
    codes = {ch: 32 + i for i, ch in enumerate(chars)}
    objects: list[bytes] = []

    def add(body: str | bytes) -> int:
        objects.append(body.encode("latin-1") if isinstance(body, str) else body)
        return len(objects)

    box = add(_stream("0 0 0.5 0.7 re f"))
    blank = add(_stream(""))
    procs = " ".join(f"/g{codes[ch]} {blank if ch == ' ' else box} 0 R" for ch in chars)
    cmap = add(_stream("/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /T3 def "
                       f"1 begincodespacerange <00> <FF> endcodespacerange {len(chars)} beginbfchar "
                       + " ".join(f"<{codes[ch]:02X}> <{ord(ch):04X}>" for ch in chars)
                       + " endbfchar endcmap CMapName currentdict /CMap defineresource pop end end"))
    fonts = []
    for n, size in enumerate(sizes):
        scale = size / 0.24  # drawn at 0.24 pt: the FontMatrix carries the size, as in dvips output
        fonts.append(add(f"<< /Type /Font /Subtype /Type3 /FontBBox [0 0 1 1] /FontMatrix [{scale} 0 0 {scale} 0 0] "
                         f"/CharProcs << {procs} >> /Encoding << /Type /Encoding /Differences [{codes[chars[0]]} "
                         + " ".join(f"/g{codes[ch]}" for ch in chars)
                         + f"] >> /FirstChar {codes[chars[0]]} /LastChar {codes[chars[-1]]} "
                         f"/Widths [{' '.join('0.55' for _ in chars)}] /ToUnicode {cmap} 0 R >>"))
    ops = []
    for x, y, size, text in lines:
        ops.append(f"BT /F{sizes.index(size)} 0.24 Tf {x} {y} Td <{''.join(f'{codes[ch]:02X}' for ch in text)}> Tj ET")
    content = add(_stream("\n".join(ops)))
    fontdict = " ".join(f"/F{n} {ref} 0 R" for n, ref in enumerate(fonts))
    page = add(f"<< /Type /Page /Parent {len(objects) + 2} 0 R /MediaBox [0 0 595 842] /Contents {content} 0 R "
               f"/Resources << /Font << {fontdict} >> >> >>")
    pages = add(f"<< /Type /Pages /Kids [{page} 0 R] /Count 1 >>")
    catalog = add(f"<< /Type /Catalog /Pages {pages} 0 R >>")
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root {catalog} 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(bytes(out))
    return path


def _stream(data: str) -> bytes:
    return f"<< /Length {len(data)} >>\nstream\n{data}\nendstream".encode("latin-1")
