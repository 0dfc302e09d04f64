"""Stage 1: read a PDF into Pages (printed page label, raw text, cleaned text + offset map).

Citations are validated against the *raw* text pypdf extracts, so anyone re-extracting the
page finds them; retrieval, chunks and displayed quotes use the *clean* text (running heads
and feet, margin stamps, manuscript line numbers and bare page numbers removed, line-break
hyphens joined, ligatures and printed glyph names expanded), whose offset map leads back to the
raw span; figure and table captions are marked on it (``captions.py``), so that chunking keeps
them apart. A page pypdf cannot read is kept empty with a warning. The metadata (Info, XMP, page-1
layout from ``layout.py``) is returned beside the pages for ``papers.describe``.
"""

from __future__ import annotations

import html
import logging
import re
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Callable

from .captions import find_captions
from .layout import read_front_page
from .records import Page, PdfMeta, runs
from .sentences import sentence_spans
from .settings import ParseSettings
from .spacing import glued, join_split_words, printed_words, remove_spaces, restore_spaces, spurious_spaces

log = logging.getLogger(__name__)

_PAGE_NUMBER = re.compile(r"^\s*(?:page\s+)?(?:\d{1,4}|[ivxlcdm]{1,7})(?:\s*(?:/|of)\s*\d{1,4})?\s*$", re.I)
_HYPHEN_BREAK = re.compile(r"[a-z]-$")
_COMPOUND_BREAK = re.compile(r"[A-Za-z0-9]-$")
_TRAILING_NUMBER = re.compile(r"(?<=[\s-])(\d{1,5})\s*$")  # "high-79": a number glued to a line-end hyphen
_LEADING_NUMBER = re.compile(r"^\s*(\d{1,5})\s+")
_EDGE_LINES = 4  # lines at the top and at the bottom of a page where running heads, feet and stamps are
_LONG_LINE = 25  # a line this long repeated on many pages is boilerplate wherever pypdf puts it
# Margin stamps that can occur once (so repetition does not find them): arXiv's id stamp, preprint
# servers' and publishers' download stamps.
_MARGIN_STAMP = re.compile(r"^\s*arXiv:\d{4}\.\d{4,5}(?:v\d+)?\s*\[[^\]]+\]\s*\d{1,2}\s*[A-Z][a-z]{2}\s*\d{4}\s*$|"
                           r"\b(?:bio|med)Rxiv preprint doi:|^\s*Downloaded from\s+\S+\s+(?:by|on|at)\b")
_HEADING = re.compile(
    r"^\s*(?:(?:\d{1,2}(?:\.\d{1,2})*\.?|[IVX]+\.)\s+[A-Z][^.!?]{0,120}|[A-Z][A-Z &:-]{2,60}|Abstract|Keywords|References)\s*:?\s*$"
)
_AROUND_WORD = "([{\"“‘'«)]}\"”’'».,;:!?"  # punctuation printed around a word: "(Smith,", "well-known."
_GLYPH_NAMES = re.compile(r"(?:/[0-9A-Za-z]{1,3})+")  # pypdf's glyph names for want of a map: "/68/97/116/97"
# Old TeX PDFs (dvips' Type 3 fonts) name some glyphs by their code or by the one sign they are, and pypdf prints the
# name where it has no map: "di/#0Beren t" (0x0B: "ff" in TeX's OT1 encoding), "Ranking/:", "Jan uary /2/9/, /1/9/9/8";
# the codes 0x0B-0x0D (ff, fi, fl) it passes through as they are, control characters str.isspace() takes for spaces
# ("de/\x0cnitions"). A document prints such names when they are many on its pages (39 to 54 a page in the three seen; a
# URL's "/." in others, up to 10 in a paper); in it, each is read as what it names (not 1/3's slash).
_NAMED_GLYPH = re.compile(r"/(#[0-9A-Fa-f]{2}|[\x0b-\x0d]|[^\s/\w#])|(?:(?<!\d)|(?<=/\d)|(?<=/#[0-9A-Fa-f]{2}))/(\d)")
_NAMES_PRINTED = re.compile(r"/#[0-9A-Fa-f]{2}|(?<=[^\W\d_])/[.,:;](?=\s|$)", re.M)
_OT1 = {0x0B: "ff", 0x0C: "fi", 0x0D: "fl", 0x0E: "ffi", 0x0F: "ffl", 0x22: "”", 0x5C: "“", 0x7B: "–", 0x7C: "—"}
_XMP_FIELDS = r"(dc:title|dc:creator|dc:identifier|prism:doi|pdfx:doi|prism:coverDate|prism:publicationDate|" \
              r"prism:coverDisplayDate|prism:publicationName)"
_XMP_ELEMENT = re.compile(rf"<{_XMP_FIELDS}\b[^>]*>(.*?)</\1>", re.S)
_XMP_ATTRIBUTE = re.compile(rf"\b{_XMP_FIELDS}=\"([^\"]*)\"")
_XMP_ITEM = re.compile(r"<rdf:li\b[^>]*>(.*?)</rdf:li>", re.S)


class PdfError(Exception):
    """A PDF that cannot be read; the message names the file and what to do."""


def read_pdf(path: str | Path, limits: ParseSettings | None = None,
             on_page: Callable[[int, int], None] | None = None) -> tuple[list[Page], PdfMeta]:
    """Parse ``path`` into cleaned Pages plus its metadata, or raise PdfError with a one-line reason.

    ``on_page(done, total)`` is called after each page is extracted (the UI shows it)."""
    path = Path(path)
    reader = _open(path, limits or ParseSettings())
    labels = _page_labels(reader)
    texts = []
    for i, page in enumerate(reader.pages):
        texts.append(_extract(path, page, i))
        if on_page:
            on_page(i + 1, len(reader.pages))
    if not any(t.strip() for t in texts):
        raise PdfError(f"{path.name}: no extractable text (scanned or image-only PDF?); run OCR first, e.g. ocrmypdf")
    if _unreadable(texts):
        raise PdfError(f"{path.name}: its text is not words (fonts without a map to Unicode?), so no quote from it "
                       "could be checked; run OCR over the page images first, e.g. ocrmypdf --force-ocr")
    pages = [Page(index=i, label=labels[i], text=t) for i, t in enumerate(texts)]
    clean_pages(pages)
    find_captions(path, pages)
    return pages, PdfMeta(info=_info(reader), xmp=_xmp(reader), front=read_front_page(path), notes=_notes(reader))


_JUDGED = 30  # tokens a page needs before its share of plain words or lone letters says anything


def _unreadable(texts: list[str], floor: float = 0.35) -> bool:
    """Is the text of most pages not words? Fonts without a map to Unicode make pypdf print glyph codes
    ("uJN/O2u62 cJJ?D2b68eaao2u&"). On a typical page most words are plain (the median page: 0.76 for the most
    formula-laden of 121 real papers, 0.84 and up for the rest); in such a PDF few are (0.14)."""
    plain, lone = _median(map(_plain_word_share, texts)), _median(map(_lone_letter_share, texts))
    return (plain is not None and plain < floor) or (lone is not None and lone > 0.5)


def _lone_letter_share(text: str) -> float | None:
    """Share of a page's tokens that are one letter: glyph codes can come out as letters set apart ("A B C D E F
    G D H I"), 0.76 of the tokens on the median page of such a PDF; 0.28 at most in 10 real papers, formula-laden
    and letter-spaced Type 3 ones among them. None for a page of fewer than 30 tokens."""
    tokens = text.split()
    return sum(len(t) == 1 and t.isalpha() for t in tokens) / len(tokens) if len(tokens) >= _JUDGED else None


def _median(values) -> float | None:
    """The median page's value, pages that cannot be judged (None) left out; None if no page can be."""
    judged = sorted(v for v in values if v is not None)
    return judged[len(judged) // 2] if judged else None


def _plain_word_share(text: str) -> float | None:
    """Share of a page's words (tokens with a cased letter: Latin, Greek, Cyrillic …) that are plain words;
    None when it has fewer than 30 (a short page, or a script without case, which this cannot judge)."""
    judged = [plain for plain in map(_plain_word, text.split()) if plain is not None]
    return sum(judged) / len(judged) if len(judged) >= _JUDGED else None


def _plain_word(token: str) -> bool | None:
    """A plain word ("migrants", "Größe", "миграция", "well-known", "NATO", "DNA的"): letters only, no capital
    after a small letter; glyph codes mix cases, digits and signs ("uJN/O2u62"), and glyph names printed for
    want of a map ("/68/97/116/97", "/BY", "/D6/CC") are no words either. None for another token without a
    cased letter (a number, "移民", "≤")."""
    if _GLYPH_NAMES.fullmatch(token):
        return False
    if not any(ch.islower() or ch.isupper() for ch in token):
        return None
    parts = re.split(r"[-'’]", token.strip(_AROUND_WORD))
    return all(p.isalpha() and (p[1:] == p[1:].lower() or p.isupper()) for p in parts)


def read_pages(path: str | Path, limits: ParseSettings | None = None) -> list[Page]:
    return read_pdf(path, limits)[0]


def _info(reader) -> dict[str, str]:
    """The document-information dictionary as plain strings (empty when absent or broken)."""
    try:
        meta = reader.metadata or {}
        return {str(k).lstrip("/"): str(v) for k, v in meta.items() if v is not None}
    except Exception:
        return {}


def _notes(reader) -> list[str]:
    """The text boxes laid on page 1 (FreeText annotations): shown and printed with the page, but not in
    its content stream, so pypdf's text lacks them (an author's "To appear in OSDI 2006")."""
    try:
        annotations = [a.get_object() for a in reader.pages[0].get("/Annots") or []]
        return [" ".join(str(a["/Contents"]).split()) for a in annotations
                if a.get("/Subtype") == "/FreeText" and a.get("/Contents")]
    except Exception:
        return []


def _xmp(reader) -> dict[str, list[str]]:
    """XMP fields (``dc:creator`` → names in order, ``prism:doi`` → [doi], ...), read from the raw packet
    with patterns, since publishers' XMP is often not well-formed XML."""
    try:
        root = reader.trailer["/Root"].get_object()
        packet = root["/Metadata"].get_object().get_data().decode("utf-8", "replace") if "/Metadata" in root else ""
    except Exception:
        return {}
    fields: dict[str, list[str]] = {}
    for name, body in _XMP_ELEMENT.findall(packet):
        items = _XMP_ITEM.findall(body) or [body]
        values = [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", v)).split()) for v in items]
        fields.setdefault(name, []).extend(v for v in values if v)
    for name, value in _XMP_ATTRIBUTE.findall(packet):
        fields.setdefault(name, []).append(html.unescape(value).strip())
    return fields


def _open(path: Path, limits: ParseSettings):
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    from . import pdfstream

    if not path.is_file():
        raise PdfError(f"{path}: no such file")
    size = path.stat().st_size
    if size == 0:
        raise PdfError(f"{path.name}: empty file")
    if size > limits.max_file_mb * 2**20:
        raise PdfError(f"{path.name}: {size / 2**20:.1f} MiB is over the {limits.max_file_mb} MiB limit "
                       "(raise parse.max_file_mb in settings to allow it)")
    with path.open("rb") as fh:
        if b"%PDF-" not in fh.read(1024):
            raise PdfError(f"{path.name}: not a PDF (no %PDF header)")
    pdfstream.install()  # the same operations as pypdf's own parser, faster
    try:
        reader = PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            raise PdfError(f"{path.name}: encrypted; save an unencrypted copy and add that")
        n = len(reader.pages)
    except PdfError:
        raise
    except (PdfReadError, Exception) as exc:  # pypdf raises many types on broken files
        raise PdfError(f"{path.name}: unreadable PDF ({type(exc).__name__}: {exc})") from exc
    if n == 0:
        raise PdfError(f"{path.name}: the PDF has no pages")
    if n > limits.max_pages:
        raise PdfError(f"{path.name}: {n} pages is over the {limits.max_pages}-page limit "
                       "(raise parse.max_pages in settings to allow it)")
    return reader


def _page_labels(reader) -> list[str]:
    try:
        labels = list(reader.page_labels)
    except Exception:
        labels = []
    if len(labels) != len(reader.pages) or len(set(labels)) != len(labels):
        return [str(i + 1) for i in range(len(reader.pages))]
    return [str(label).strip() or str(i + 1) for i, label in enumerate(labels)]


def _extract(path: Path, page, index: int) -> str:
    """The page's text; a page pypdf cannot read (e.g. LimitReachedError) is kept empty, with a warning,
    so one bad page never costs the whole paper. The garbage collector is off meanwhile (``pdfstream.paused_gc``)."""
    from .pdfstream import paused_gc

    try:
        with paused_gc():
            return page.extract_text() or ""
    except Exception as exc:  # pypdf raises many types on odd pages
        log.warning("%s: page %d skipped, its text cannot be extracted (%s: %s)", path.name, index + 1,
                    type(exc).__name__, exc)
        return ""


def clean_pages(pages: list[Page]) -> None:
    """Fill ``clean`` and ``clean_runs`` of every page: running heads and feet, margin stamps, line
    numbers and bare page numbers left out, glyph names read where a document prints them for want of a
    map (``_NAMED_GLYPH``), words pypdf split ("in flammation") joined, and the spaces of
    a document whose words pypdf ran together put back (the raw text keeps it all as extracted, for
    quote checking)."""
    page_lines = [_strip_line_numbers(_lines_with_offsets(page.text)) for page in pages]
    running = _running_lines(page_lines)
    names = sum(len(_NAMES_PRINTED.findall(page.text)) for page in pages) >= 5 * max(len(pages), 2)
    joined = []
    for page, lines in zip(pages, page_lines):
        kept = [(off, line) for off, line in _strip_edges(lines, page.label)
                if line_shape(line) not in running and not _MARGIN_STAMP.search(line)]
        joined.append(join_split_words(*_join(kept, names), page.text))
    spurious = spurious_spaces([text for text, _ in joined])
    joined = [remove_spaces(text, offsets, gaps) for (text, offsets), gaps in zip(joined, spurious)]
    texts = [text for text, _ in joined]
    printed = printed_words(texts) if glued(texts) else None
    for page, (text, offsets) in zip(pages, joined):
        page.clean, offsets = restore_spaces(text, offsets, printed) if printed is not None else (text, offsets)
        page.clean_runs = runs(offsets)
        page.sentences = sentence_spans(page.clean)


def _lines_with_offsets(text: str) -> list[tuple[int, str]]:
    out, offset = [], 0
    for line in text.split("\n"):
        out.append((offset, line))
        offset += len(line) + 1
    return [(o, line) for o, line in out if line.strip()]


def _strip_line_numbers(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Drop the line numbers of a manuscript (bioRxiv, review copies): a number at the end (or start)
    of most lines of the page that counts up line by line."""
    for pattern, leading in ((_TRAILING_NUMBER, False), (_LEADING_NUMBER, True)):
        found = {i: m for i, (_, line) in enumerate(lines) if (m := pattern.search(line))}
        keys = list(found)
        numbers = [int(found[i].group(1)) for i in keys]
        counting = {keys[j] for j in range(len(keys)) if any(
            0 <= k < len(keys) and 1 <= abs(numbers[k] - numbers[j]) <= 2 and (k > j) == (numbers[k] > numbers[j])
            for k in (j - 1, j + 1))}  # in sequence with a neighbour: not a year or a count ending a line
        if len(counting) < 5 or len(counting) < 0.5 * len(lines):
            continue
        found = {i: m for i, m in found.items() if i in counting}
        lines = [(off + found[i].end(), line[found[i].end():]) if i in found and leading
                 else (off, line[:found[i].start()]) if i in found else (off, line)
                 for i, (off, line) in enumerate(lines)]
        lines = [(off, line) for off, line in lines if line.strip()]
    return lines


def _strip_edges(lines: list[tuple[int, str]], label: str) -> list[tuple[int, str]]:
    """Drop a bare page number (or the page label) in the first or last two lines."""
    def is_number(line: str) -> bool:
        return bool(_PAGE_NUMBER.match(line)) or line.strip() == label

    edge = {i for i in (0, 1, len(lines) - 2, len(lines) - 1) if 0 <= i < len(lines)}
    return [item for i, item in enumerate(lines) if not (i in edge and is_number(item[1]))]


def line_shape(line: str) -> str:
    """A line with its numbers blanked and trimmed: running heads differ only in their page numbers,
    which stand left on even pages and right on odd ones."""
    return re.sub(r"\d+", "#", " ".join(line.split()).lower()).strip(" #")


def _running_lines(page_lines: list[list[tuple[int, str]]]) -> set[str]:
    """Line shapes repeated on at least a third of the pages (3+): among the first/last lines of a
    page (running heads, feet, margin stamps), or anywhere for long lines (pypdf sometimes puts a
    header mid-page)."""
    if len(page_lines) < 3:
        return set()
    counts: Counter[str] = Counter()
    for lines in page_lines:
        texts = [line for _, line in lines]
        k = max(2, min(_EDGE_LINES, len(texts) // 6))  # a short page's middle is not its margin
        edges = texts[:k] + texts[-k:]
        shapes = {line_shape(t) for t in edges} | {line_shape(t) for t in texts if len(t.strip()) >= _LONG_LINE}
        counts.update(shape for shape in shapes if sum(c.isalpha() for c in shape) >= 3)
    need = max(3, len(page_lines) // 3)
    return {shape for shape, n in counts.items() if n >= need}


def _join(lines: list[tuple[int, str]], glyph_names: bool = False) -> tuple[str, list[int]]:
    """Join lines with spaces (or nothing across a hyphenated break), mapping each char to its raw offset;
    with ``glyph_names``, the glyph names pypdf printed read as what they name (``_NAMED_GLYPH``).

    A heading line or a table row is set off by newlines so that sentence splitting never
    glues it to the sentence that follows.
    """
    chars: list[str] = []
    cmap: list[int] = []
    for i, (offset, line) in enumerate(lines):
        body = line.rstrip()
        nxt = lines[i + 1][1].lstrip() if i + 1 < len(lines) else ""
        joined = bool(_HYPHEN_BREAK.search(body)) and nxt[:1].islower()  # "op-" + "timize" → "optimize"
        if joined:
            body = body[:-1]
        joined = joined or bool(_COMPOUND_BREAK.search(body)) and (nxt[:1].isupper() or nxt[:1].isdigit())  # SARS-CoV
        lead = len(line) - len(line.lstrip())
        for j, ch in _characters(body[lead:], offset + lead, glyph_names):
            for out in _normalise_char(ch):
                if out.isspace():
                    if chars and chars[-1] not in " \n":
                        chars.append(" ")
                        cmap.append(j)
                else:
                    chars.append(out)
                    cmap.append(j)
        brk = "\n" if _set_apart(line) or (nxt and _set_apart(nxt)) else " "
        if not joined and chars and chars[-1] not in " \n":
            chars.append(brk)
            cmap.append(offset + len(body))
    while chars and chars[-1] in " \n":
        chars.pop()
        cmap.pop()
    return "".join(chars), cmap


def _set_apart(line: str) -> bool:
    """Headings and table rows stand on their own, so no sentence spans them."""
    return bool(_HEADING.match(line)) or is_table_row(line)


def is_table_row(line: str) -> bool:
    """A line of mostly numbers (three or more), as a results table prints its rows."""
    tokens = line.split()
    numbers = sum(bool(re.fullmatch(r"[-+±]?\(?\d[\d.,/%=]*\)?%?|n/?a|[-–—]", t, re.I)) for t in tokens)
    return numbers >= 3 and numbers >= 0.4 * len(tokens) and not line.rstrip().endswith(".")


def _characters(text: str, offset: int, glyph_names: bool):
    """(raw offset, character) for each character of a line starting at ``offset``; with ``glyph_names``, a
    printed glyph name gives the characters it names, each at the name's offset."""
    pos = 0
    for match in _NAMED_GLYPH.finditer(text) if glyph_names else ():
        named = _named(match.group(1) or match.group(2))
        if named is not None:
            yield from zip(range(offset + pos, offset + match.start()), text[pos:match.start()])
            yield from ((offset + match.start(), ch) for ch in named)
            pos = match.end()
    yield from zip(range(offset + pos, offset + len(text)), text[pos:])


def _named(name: str) -> str | None:
    """What a glyph name stands for: "#0B" the code 0x0B, "{" the code of "{" (in OT1: "ff", "–"; another printable
    ASCII code: itself), "9" itself; None for another code."""
    code = int(name[1:], 16) if name.startswith("#") else ord(name)
    return _OT1.get(code) or (chr(code) if 0x20 <= code < 0x7F else None)


def _normalise_char(ch: str) -> str:
    """Expand ligatures (ﬁ → fi), drop soft hyphens and control characters."""
    if ch == "\u00ad" or (unicodedata.category(ch) == "Cc" and not ch.isspace()):
        return ""
    if "\ufb00" <= ch <= "\ufb06":
        return unicodedata.normalize("NFKC", ch)
    return ch


def raw_span(page: Page, start: int, end: int) -> str:
    """The verbatim raw text behind ``page.clean[start:end]``, whitespace collapsed, widened to whole raw
    words where it would cut one: where the clean text put back a lost space, a sentence can start
    inside a raw word ("drug.Thenwe"), and a quote is found on its page only as a run of whole words
    (punctuation aside, as SCHEMA.md normalises)."""
    if start >= end:
        return ""
    text = page.text
    lo, hi = page.raw_offset(start), page.raw_offset(end - 1) + 1
    word_start, word_end = lo, hi
    while word_start > 0 and not text[word_start - 1].isspace():
        word_start -= 1
    while word_end < len(text) and not text[word_end].isspace():
        word_end += 1
    lo = word_start if any(ch.isalnum() for ch in text[word_start:lo]) else lo
    hi = word_end if any(ch.isalnum() for ch in text[hi:word_end]) else hi
    return " ".join(text[lo:hi].split())
