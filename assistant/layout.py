"""The first page read by layout: text lines with their font size, weight and position.

pypdf's text has no sizes, so the title and author block are found here, with PDFium's
per-character font size (times the text matrix scale), weight and box. Superscripts (the
affiliation marks glued to author names, "Xiao Fan" + "a,1") are left out of the names by
size, and line numbers by their gap from the text. Only page 1 is read: milliseconds.
"""

from __future__ import annotations

import ctypes
import logging
import math
import unicodedata
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from .records import FrontPage, TitleBlock

log = logging.getLogger(__name__)

_SUPERSCRIPT = 0.8  # a char under this fraction of its line's font size is a superscript
_TYPE3_SIZE = 1.0  # no text is printed under a point: a smaller size is a Type 3 font's glyph space
_MARGIN_BAND = 0.1  # lines in the top or bottom tenth of the page are running heads and feet
_NAMES_APART = 0.9  # ems between two words of a line that set names apart (one byline seen: 0.96 em)


@dataclass
class LayoutLine:
    """One printed line (without line numbers): its text, the same without super- and subscripts (so
    affiliation marks do not stick to names), its dominant font size and weight, and its box."""

    text: str
    names: str
    size: float
    weight: int
    left: float
    right: float
    bottom: float
    top: float


@dataclass
class _Char:
    ch: str
    size: float
    weight: int
    left: float
    bottom: float
    right: float
    top: float


def read_front_page(path: str | Path) -> FrontPage:
    """Page 1 as layout lines, the title block, the lines under it, and the margin lines.

    An unreadable page gives an empty FrontPage: metadata then comes from the other sources."""
    import pypdfium2 as pdfium

    from .pageimage import _PDFIUM_LOCK

    try:
        with _PDFIUM_LOCK:
            doc = pdfium.PdfDocument(str(path))
            try:
                page = doc[0]
                height = page.get_height()
                textpage = page.get_textpage()
                chars = _upright(_em_sized(_chars(textpage), textpage), textpage)
            finally:
                doc.close()
    except Exception as exc:  # PDFium raises its own error types on broken or odd files
        log.warning("%s: page 1 layout not read (%s: %s)", Path(path).name, type(exc).__name__, exc)
        return FrontPage()
    return front_page(_lines(chars), height)


def _em_sized(chars: list[_Char], textpage) -> list[_Char]:
    """Chars whose size is under a point are in Type 3 fonts (TeX's bitmap fonts) that report their glyph
    space, the same for every font on the page, so a title looks like the body: each such font's size is
    taken as the tallest glyph box among its chars."""
    tiny = [i for i, c in enumerate(chars) if c.ch.strip() and 0 < c.size < _TYPE3_SIZE]
    fonts = {i: _font_of(textpage, i) for i in tiny}
    tallest: dict[int | None, float] = {}
    for i in tiny:
        tallest[fonts[i]] = max(tallest.get(fonts[i], 0.0), chars[i].top - chars[i].bottom)
    for i in tiny:
        chars[i] = replace(chars[i], size=tallest[fonts[i]] or chars[i].size)
    return chars


def _font_of(textpage, i: int) -> int | None:
    """Which font char ``i`` is set in (the font handle's address; Type 3 fonts often have no name)."""
    import pypdfium2.raw as raw

    obj = raw.FPDFText_GetTextObject(textpage, i)
    return ctypes.cast(raw.FPDFTextObj_GetFont(obj), ctypes.c_void_p).value if obj else None


def _upright(chars: list[_Char], textpage) -> list[_Char]:
    """The chars set the way most of the page runs: text turned against it (arXiv's id stamp up the
    left margin) is a stamp, never a title or a byline."""
    import pypdfium2.raw as raw

    angles = [raw.FPDFText_GetCharAngle(textpage, i) for i in range(len(chars))]  # radians; -1 if unknown
    # a stamp is turned a quarter; a slanted (oblique) italic reads as a small angle and is upright text
    turned = [a >= 0 and min(a, 2 * math.pi - a) > 0.5 for a in angles]
    if sum(turned) * 2 > len(chars):
        return chars
    return [c for c, turn in zip(chars, turned) if not turn]


def front_page(lines: list[LayoutLine], height: float) -> FrontPage:
    """Text blocks ranked by prominence (font size, then bold, then height on the page), each with
    the lines under it, and the lines in the top and bottom margins."""
    margins = [ln.text for ln in lines if ln.top > height * (1 - _MARGIN_BAND) or ln.bottom < height * _MARGIN_BAND]
    ranked = sorted(_blocks(lines), key=lambda b: (-round(b[0].size), -(b[0].weight >= 550), -b[0].top))
    return FrontPage(margins=margins, blocks=[TitleBlock(lines=[ln.text for ln in block], size=block[0].size,
                                                         below=_below(block, lines)) for block in ranked[:8]])


def _chars(textpage, start: int = 0, stop: int | None = None) -> list[_Char]:
    """The page's characters ``start:stop`` (all by default) with their size, weight and box."""
    count = textpage.count_chars()
    return [char_at(textpage, i) for i in range(start, count if stop is None else min(stop, count))]


def char_at(textpage, i: int) -> _Char:
    """Character ``i`` of the page with its font size (times the text matrix scale), weight and box."""
    import pypdfium2.raw as raw

    code = raw.FPDFText_GetUnicode(textpage, i)
    # PDFium marks a line-end hyphen as U+0002; other control codes are glyphs without a map to Unicode (a
    # footnote mark, "Web\x00"): printed, but no text
    ch = "-" if code == 2 else chr(code) if code >= 32 or chr(code) in "\r\n" else " "
    matrix = raw.FS_MATRIX()
    raw.FPDFText_GetMatrix(textpage, i, matrix)
    size = raw.FPDFText_GetFontSize(textpage, i) * (matrix.b ** 2 + matrix.d ** 2) ** 0.5
    left, bottom, right, top = (ctypes.c_double() for _ in range(4))
    raw.FPDFText_GetCharBox(textpage, i, left, right, bottom, top)
    return _Char(ch, size, raw.FPDFText_GetFontWeight(textpage, i), left.value, bottom.value, right.value, top.value)


def _lines(chars: list[_Char]) -> list[LayoutLine]:
    """Chars → lines: a new line at PDFium's line break or where the baseline jumps."""
    rows: list[list[_Char]] = [[]]
    broken = False
    prev = None  # the current row's last visible char
    for c in chars:
        if c.ch in "\r\n":
            broken = True
            continue
        if unicodedata.category(c.ch) == "Sk":  # a spacing accent set above its letter ("Babao˘glu") breaks no row
            rows[-1].append(c)
            continue
        if prev is not None and c.ch.strip():
            size = max(c.size, prev.size, 1)
            same_row = abs(c.bottom - prev.bottom) < (0.3 if broken else 0.7) * size
            if not same_row or c.left < prev.left - 4 * size or (broken and c.left - prev.right > 3 * size):
                rows.append([])
            broken = False
        rows[-1].append(c)
        prev = c if c.ch.strip() else prev
    return _merge_rows([line for row in rows if (line := _line(row)) is not None])


def _merge_rows(lines: list[LayoutLine]) -> list[LayoutLine]:
    """Join pieces of one printed line that PDFium split (at a superscript or symbol)."""
    out: list[LayoutLine] = []
    for ln in lines:
        prev = out[-1] if out else None
        if (prev and abs(ln.bottom - prev.bottom) < 0.3 * ln.size and abs(ln.size - prev.size) < 0.1 * ln.size
                and 0 <= ln.left - prev.right < 3 * ln.size):
            gap = " ; " if ln.left - prev.right >= _NAMES_APART * ln.size else " "  # as in _names_text
            out[-1] = LayoutLine(text=f"{prev.text} {ln.text}", names=f"{prev.names}{gap}{ln.names}", size=prev.size,
                                 weight=prev.weight, left=prev.left, right=ln.right,
                                 bottom=min(prev.bottom, ln.bottom), top=max(prev.top, ln.top))
        else:
            out.append(ln)
    return out


def _line(row: list[_Char]) -> LayoutLine | None:
    visible = [c for c in row if c.ch.strip()]
    if not visible:
        return None
    size = Counter(round(c.size, 1) for c in visible).most_common(1)[0][0]
    row = _without_accents(_drop_line_number(row, size), size)
    body = [c for c in row if c.ch.strip() and c.size >= _SUPERSCRIPT * size]
    if not body:
        return None
    text = " ".join("".join(c.ch for c in row).split())
    weight = Counter(c.weight for c in body).most_common(1)[0][0]
    return LayoutLine(text=text, names=_names_text(row, size), size=size, weight=weight, left=min(c.left for c in body),
                      right=max(c.right for c in body), bottom=min(c.bottom for c in body),
                      top=max(c.top for c in body))


def _names_text(row: list[_Char], size: float) -> str:
    """The line without super- and subscripts, with "; " where a wide gap (``_NAMES_APART``) sets names apart
    ("Anirban Dasgupta    Ravi Kumar": LaTeX's \\and leaves no comma), and a word break where a raised mark
    was ("Luis Damas†and Robin Milner": nothing else parts the name from the next word)."""
    out, prev = [], None
    for c in row:
        if c.ch.strip() and c.size < _SUPERSCRIPT * size:
            if prev is not None and c.bottom - prev.bottom > 0.2 * size:
                out.append(" ")
            continue
        if c.ch.strip():
            if prev is not None and c.left - prev.right >= _NAMES_APART * size:
                out.append(" ; ")
            prev = c
        out.append(c.ch)
    return " ".join("".join(out).split())


def _without_accents(row: list[_Char], size: float) -> list[_Char]:
    """A row without the spacing accents PDFium reads as chars of their own ("Leit ˜ ao" for Leitão), nor
    the spaces they caused: a space stays only where the letters around it are set apart."""
    if not any(unicodedata.category(c.ch) == "Sk" for c in row):
        return row
    kept = [c for c in row if unicodedata.category(c.ch) != "Sk"]
    out: list[_Char] = []
    for i, c in enumerate(kept):
        before = next((p for p in reversed(out) if p.ch.strip()), None)
        after = next((n for n in kept[i + 1:] if n.ch.strip()), None)
        if c.ch.strip() or not (before and after and after.left - before.right < 0.1 * size):
            out.append(c)
    return out


def _drop_line_number(chars: list[_Char], size: float) -> list[_Char]:
    """A number set apart from the text at either end of a line is a line number, not text."""
    for from_end in (False, True):
        seq = chars[::-1] if from_end else chars
        visible = [i for i, c in enumerate(seq) if c.ch.strip()]
        run = 0
        while run < len(visible) and seq[visible[run]].ch.isdigit():
            run += 1
        if 0 < run < len(visible) and run <= 4:
            last, nxt = seq[visible[run - 1]], seq[visible[run]]
            gap = (last.left - nxt.right) if from_end else (nxt.left - last.right)
            if gap > 1.5 * size:
                cut = visible[run]
                seq = seq[cut:]
                chars = seq[::-1] if from_end else seq
    return chars


def _blocks(lines: list[LayoutLine]) -> list[list[LayoutLine]]:
    """Runs of consecutive lines in one font size and weight, one under the other (large type set
    tight, or an OCR layer's boxes, can overlap the line above by a little). Weight tells a heading from
    the text of its size; in type larger than the page's text (a title) PDFium's weights can differ from
    line to line of one font (385 and 595), so there the size alone decides."""
    text_size = Counter(round(ln.size) for ln in lines).most_common(1)[0][0] if lines else 0
    blocks: list[list[LayoutLine]] = []
    for ln in lines:
        if blocks:
            prev = blocks[-1][-1]
            same_font = abs(ln.size - prev.size) < 0.3 and (abs(ln.weight - prev.weight) <= 150
                                                             or ln.size > 1.3 * text_size)
            under = (-0.2 * ln.size <= prev.bottom - ln.top < 1.6 * ln.size
                     or abs(prev.bottom - ln.bottom) < 0.3 * ln.size)
            if same_font and under and ln.left < prev.right and ln.right > prev.left - 2 * ln.size:
                blocks[-1].append(ln)
                continue
        blocks.append([ln])
    return blocks


def _below(block: list[LayoutLine], lines: list[LayoutLine], count: int = 4) -> list[str]:
    """The lines under a block in its column, nearest first: a title's author block."""
    bottom, left, right = min(ln.bottom for ln in block), min(ln.left for ln in block), max(ln.right for ln in block)
    under = [ln for ln in lines if ln.top <= bottom + 1 and ln.right > left and ln.left < right + 20
             and ln not in block]
    return [ln.names for ln in _reading_order(under)[:count]]


def _reading_order(lines: list[LayoutLine]) -> list[LayoutLine]:
    """Lines top to bottom, those side by side (names in columns under a title) left to right: lines share
    a row when their boxes overlap by half a line's height, whatever their descenders ("Philipp Haller"
    reaches lower than "Heather Miller" beside it)."""
    rows: list[list[LayoutLine]] = []
    for ln in sorted(lines, key=lambda ln: -ln.top):
        row = rows[-1] if rows else None
        if row and min(ln.top, row[0].top) - max(ln.bottom, row[0].bottom) > 0.5 * min(ln.size, row[0].size):
            row.append(ln)
        else:
            rows.append([ln])
    return [ln for row in rows for ln in sorted(row, key=lambda ln: ln.left)]
