"""Figure and table captions: where each starts and ends in a page's clean text (part of stage 1).

A caption starts at a line that begins with a figure or table label ("Figure 3.", "Fig. 2 |",
"Table 1 Characteristics...", "Extended Data Fig. 4", "Supplementary Table 2:"); a reference in
the running text ("Figure 4 shows", "(Fig. 2)", "Table S2).") is not one. pypdf's text says
nothing of where the caption ends, so the end is read from layout: PDFium's per-character font
sizes and boxes give the caption block, the label line and the lines after it in the same font
size, until the size changes or a vertical gap opens (a caption may run on into the next column).
The block's last characters are then found again in the clean text, compared on letters and
digits only, so pypdf's spacing ("str uct ure"), joined hyphens and ligatures do not matter.
A table's caption is its title paragraph, as its cells are often set in the caption's font.
Without layout (label not found by PDFium, block not found in the text) the caption ends where
its paragraph does: the first line ending a sentence that is shorter than the page's full lines.
A label line in the body's font set directly under a line of the same font (by layout), or after
a line that ends mid-sentence (without layout), is running text that happens to begin with a
label ("listed in / Table 1. They grow ..."), and is no caption.
"""

from __future__ import annotations

import logging
import re
import statistics
import unicodedata
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .layout import LayoutLine, _chars, _lines, char_at
from .records import Caption, Page

log = logging.getLogger(__name__)

_LABEL = re.compile(
    r"(?P<prefix>(?:Extended\s+Data|EXTENDED\s+DATA|Supplementa(?:ry|l)|SUPPLEMENTA(?:RY|L)|Appendix|APPENDIX)\s+)?"
    r"(?P<kind>Fig(?:ure)?\b\.?|FIG(?:URE)?\b\.?|Table\b|TABLE\b)[\s\xa0]*"
    r"(?P<number>S?\d{1,3}|[IVX]{1,5}\b)"
    # then punctuation and text on the same line, or a capitalised word ("Figure 2 Uncovering ...")
    r"(?:[\s\xa0\u2003]*[.:|–—][\s\xa0\u2003]*(?=\S)|[\s\xa0\u2003]+-[\s\xa0\u2003]+(?=\S)"
    r"|[\s\xa0\u2003]+\(?(?=[A-Z][A-Za-z]))"
)
_SENTENCE_GOES_ON = re.compile(r"[a-z,]\s*$")  # a line ending like this is continued by the next one
_PARAGRAPH_END = re.compile(r"[.!?)\]](?=\s*(?:\d{1,4})?\s*$)")  # a sentence's end, then maybe a line number
_SIZE_TOLERANCE = 0.3  # points: two lines in one font size differ by less
_GAP = 1.5  # a vertical gap over this many font sizes between two lines ends the block
_WINDOW = 300  # characters read from PDFium at a time, from the label on
_SAMPLE = 1000  # characters sampled to find the body text's font size
_BEFORE = 150  # characters read before a label to find the line above it
_TAIL = 24  # letters and digits at the block's end looked for in the clean text


@dataclass
class _Start:
    """A label line in pypdf's text: where it starts in the clean text, its label, and whether the line
    before it runs on into it (a sentence of the body text, unless layout sets the line apart)."""

    clean: int
    label: str
    continues: bool
    raw_line: int  # index of the label line among the page's raw lines


def label_of(text: str) -> str | None:
    """The normalised label ("Figure 3", "Supplementary Table S2", "Extended Data Figure 4") when
    ``text`` begins with a caption label, else None."""
    m = _LABEL.match(text)
    if not m:
        return None
    prefix = " ".join(m["prefix"].split()).title().replace("Supplemental", "Supplementary") + " " if m["prefix"] else ""
    kind = "Figure" if m["kind"].lower().startswith("fig") else "Table"
    return f"{prefix}{kind} {m['number']}"


def find_captions(path: str | Path, pages: list[Page]) -> None:
    """Fill ``captions`` of every page, and split its sentences at caption edges."""
    starts = {page.index: found for page in pages if (found := caption_starts(page))}
    if not starts:
        return
    blocks = _layout_blocks(Path(path), starts)
    for page in pages:
        found = starts.get(page.index, [])
        page.captions = _captions(page, found, blocks.get(page.index, {}))
        if page.captions:
            page.sentences = split_at(page.sentences, [e for c in page.captions for e in (c.start, c.end)])


def caption_starts(page: Page) -> list[_Start]:
    """The page's lines that begin with a caption label and were kept in the clean text."""
    out = []
    lines = page.text.split("\n")
    offset = 0
    previous = ""
    for i, line in enumerate(lines):
        lead = len(line) - len(line.lstrip())
        label = label_of(line[lead:])
        if label and (clean := _clean_offset(page, offset + lead)) is not None:
            out.append(_Start(clean, label, bool(_SENTENCE_GOES_ON.search(previous)), i))
        offset += len(line) + 1
        previous = line if line.strip() else previous
    return out


def _clean_offset(page: Page, raw: int) -> int | None:
    """The clean offset of raw character ``raw``, or None when the clean text left it out."""
    for (start, raw_start), end in zip(page.clean_runs, [s for s, _ in page.clean_runs[1:]] + [len(page.clean)]):
        if raw_start <= raw < raw_start + end - start:
            return start + raw - raw_start
    return None


# --- layout ------------------------------------------------------------------------------------
@dataclass
class _Block:
    """A caption block read by layout."""

    text: str
    apart: bool  # in a font apart from the body's, or not the next line of a paragraph above it


def _layout_blocks(path: Path, starts: dict[int, list[_Start]]) -> dict[int, dict[tuple[str, int], _Block | None]]:
    """Per page, the caption block behind each (label, occurrence) PDFium finds at a line start."""
    import pypdfium2 as pdfium

    from .pageimage import _PDFIUM_LOCK

    out: dict[int, dict[tuple[str, int], _Block | None]] = {}
    try:
        with _PDFIUM_LOCK:
            doc = pdfium.PdfDocument(str(path))
            try:
                textpages = {index: doc[index].get_textpage() for index in starts}
                body = _body_size(list(textpages.values()))
                for index, textpage in textpages.items():
                    out[index] = _page_blocks(textpage, {s.label for s in starts[index]}, body)
            finally:
                doc.close()
    except Exception as exc:  # PDFium raises its own error types on broken or odd files
        log.warning("%s: caption layout not read (%s: %s)", path.name, type(exc).__name__, exc)
    return out


def _page_blocks(textpage, labels: set[str], body: float) -> dict[tuple[str, int], _Block | None]:
    import pypdfium2.raw as raw

    n = textpage.count_chars()
    text = textpage.get_text_range()
    if len(text) != n:  # characters outside the Basic Multilingual Plane take two places in it
        text = "".join(chr(raw.FPDFText_GetUnicode(textpage, i)) for i in range(n))
    seen: Counter[str] = Counter()
    blocks = {}
    for m in re.finditer(r"(?:^|(?<=[\r\n]))[ \t]*(?:\d{1,4}[ \t]+)?(?=\S)", text):  # after any line number
        label = label_of(text[m.end():m.end() + 60])
        if label in labels:
            blocks[(label, seen[label])] = _block(textpage, m.end(), n, body, label.split()[-2] == "Table")
            seen[label] += 1
    return blocks


def _body_size(textpages: list) -> float:
    """The most common font size among characters sampled evenly from these pages (the body text's)."""
    counts = [textpage.count_chars() for textpage in textpages]
    step = max(1, sum(counts) // _SAMPLE)
    sizes = Counter(round(c.size, 1) for textpage, n in zip(textpages, counts)
                    for c in (char_at(textpage, i) for i in range(0, n, step)) if c.ch.strip())
    return sizes.most_common(1)[0][0] if sizes else 0.0


def _block(textpage, start: int, n: int, body: float, table: bool) -> _Block | None:
    """The label line and the lines after it in its font size, up to a size change or a vertical gap;
    a table's caption is its title paragraph (the cells under it are often set in the same font)."""
    chars = []
    stop = start
    while True:
        chars += _chars(textpage, stop, stop + _WINDOW)
        stop = min(stop + _WINDOW, n)
        lines = _lines(chars)
        kept = _same_block(lines, body)
        if len(kept) < len(lines) or stop >= n:
            break
    kept = _first_paragraph(kept) if table else kept
    text = " ".join(ln.text for ln in kept)
    if label_of(text) is None:
        return None  # the label alone (a rotated table's, say), or no label: no end from layout
    distinct = abs(kept[0].size - body) >= _SIZE_TOLERANCE
    return _Block(text, distinct or _set_apart(_lines(_chars(textpage, max(0, start - _BEFORE), start)), kept[0]))


def _set_apart(before: list[LayoutLine], first: LayoutLine) -> bool:
    """Whether the line before the label line (in PDFium's order) leaves it a line of its own: not
    directly above it, in its font, as a paragraph's previous line is."""
    if not before:
        return True
    prev = before[-1]
    above = 0 <= prev.bottom - first.top <= 0.8 * first.size and prev.left < first.right and prev.right > first.left
    return not (above and abs(prev.size - first.size) < _SIZE_TOLERANCE)


def _same_block(lines: list[LayoutLine], body: float) -> list[LayoutLine]:
    """The first line and those after it that continue it: same font size, under the previous line
    without a gap, or at the top of the next column (level with the first line, or in a font apart
    from the body's)."""
    block = lines[:1]
    size = lines[0].size
    for ln in lines[1:]:
        prev = block[-1]
        if abs(ln.size - size) >= _SIZE_TOLERANCE:
            break
        if ln.top <= prev.bottom + 0.5 * size:  # below the previous line
            if prev.bottom - ln.top > _GAP * size:
                break
        elif ln.left < prev.right - size or not (ln.top <= block[0].top + size or abs(size - body) >= _SIZE_TOLERANCE):
            break  # up, but not into the next column: another block
        block.append(ln)
    return block


def _first_paragraph(lines: list[LayoutLine]) -> list[LayoutLine]:
    """The lines up to the first that falls short of the block's right edge. A short title line goes on
    only into a full line under it at its left edge: a description, not the table's cells."""
    right, left = max(ln.right for ln in lines), lines[0].left

    def full(ln: LayoutLine) -> bool:  # ragged-right text leaves up to ~a long word's width free
        return ln.right >= right - 0.15 * (right - left)

    out = lines[:1]
    for ln in lines[1:]:
        if not full(out[-1]) and (len(out) > 1 or not (full(ln) and abs(ln.left - left) < ln.size)):
            break
        out.append(ln)
    return out


# --- mapping back to the clean text --------------------------------------------------------------
def _captions(page: Page, starts: list[_Start], blocks: dict[tuple[str, int], _Block | None]) -> list[Caption]:
    seen: Counter[str] = Counter()
    found: list[tuple[int, int, str]] = []
    for s in starts:
        block = blocks.get((s.label, seen[s.label]))
        seen[s.label] += 1
        running_text = not block.apart if block else s.continues
        if running_text:
            continue  # a body sentence that begins a line with "Figure 2."
        end = _block_end(page.clean, s.clean, block.text) if block else None
        found.append((s.clean, end if end is not None else _paragraph_end(page, s), s.label))
    captions: list[Caption] = []
    for i, (start, end, label) in enumerate(found):
        if captions and start < captions[-1].end:
            continue
        nxt = found[i + 1][0] if i + 1 < len(found) else len(page.clean)
        captions.append(Caption(start=start, end=min(end, nxt), label=label))
    return [_trimmed(page.clean, c) for c in captions]


def _trimmed(text: str, caption: Caption) -> Caption:
    end = caption.end
    while end > caption.start and text[end - 1].isspace():
        end -= 1
    return caption.model_copy(update={"end": end})


def _alnum(text: str, base: int = 0) -> tuple[str, list[int]]:
    """``text``'s letters and digits, case-folded and NFKC-normalised, each with its offset (+ base)."""
    chars, offsets = [], []
    for i, ch in enumerate(text):
        for out in unicodedata.normalize("NFKC", ch).casefold():
            if out.isalnum():
                chars.append(out)
                offsets.append(base + i)
    return "".join(chars), offsets


def _block_end(clean: str, start: int, block: str) -> int | None:
    """Clean offset just after the block's last characters: the occurrence of its tail nearest to where
    the block's length puts it (None when its tail is not in the text)."""
    target, _ = _alnum(block)
    if not target:
        return None
    window = clean[start:start + 3 * len(block) + 200]
    text, offsets = _alnum(window, start)
    for size in (_TAIL, _TAIL // 2):
        tail = target[-size:]
        ends = [m.start() + len(tail) for m in re.finditer(f"(?={re.escape(tail)})", text)]
        if ends:
            best = min(ends, key=lambda e: abs(e - len(target)))
            return _through_punctuation(clean, offsets[best - 1] + 1)
    return None


def _through_punctuation(clean: str, end: int) -> int:
    """Past the closing punctuation after the last word (".", ")", "]"), also where pypdf set a space
    before it ("( 76 )." for "(76).")."""
    while m := re.match(r" ?[.,;:)\]]", clean[end:end + 2]):
        end += m.end()
    return end


def _paragraph_end(page: Page, start: _Start) -> int:
    """Clean offset of the end of the label line's paragraph: the first line from it on that ends a
    sentence and falls short of the page's full line length (or the page's end)."""
    lines = page.text.split("\n")
    lengths = [len(ln.strip()) for ln in lines if len(ln.strip()) > 20]
    full = statistics.median(lengths) if lengths else 0
    offset = sum(len(ln) + 1 for ln in lines[:start.raw_line])
    for line in lines[start.raw_line:]:
        body = line.rstrip()
        if (m := _PARAGRAPH_END.search(body)) and len(body.strip()) < 0.8 * full:
            end = _clean_offset(page, offset + m.start())
            if end is not None and end >= start.clean:
                return end + 1
        offset += len(line) + 1
    return len(page.clean)


def split_at(spans: list[tuple[int, int]], edges: list[int]) -> list[tuple[int, int]]:
    """``spans`` with any span that crosses an edge cut in two there, so no sentence runs across one."""
    edges = sorted(set(edges))
    out = []
    for start, end in spans:
        cuts = edges[bisect_right(edges, start):bisect_right(edges, end - 1)]
        bounds = [start, *cuts, end]
        out += [(a, b) for a, b in zip(bounds, bounds[1:]) if b > a]
    return out
