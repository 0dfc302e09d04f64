"""Stage 2: identify and describe a paper (DOI else content hash; title, authors, year, venue).

Only the PDF's own information is used, every source it offers, best first: XMP and the Info
dictionary (kept only where page 1 confirms them: a metadata title must be printed there), the
first page read by layout (title = most prominent text block, authors = the byline under it,
DOI and journal line in its header/footer), running heads and stamps of later pages, then
dates and labelled DOIs in the front matter. No network look-ups, never the file name, and
never the body or reference list, which are full of other works' years and DOIs.
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

from .pdf import line_shape
from .records import Page, Paper, PdfMeta, TitleBlock

DOI_RE = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>]+)", re.I)
_LABELLED_DOI = re.compile(r"(?:doi\.org/|\bdoi\s*[:/]?\s*)(10\.\d{4,9}/[^\s\"<>]+)", re.I)
_YEAR = r"(?:19\d\d|20[0-4]\d)"
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?"
_NOT_YEAR = r"(?!(?:19|20)\d\d\b)"
# ACM's conference line, in the permission block: SOSP'15, October 4–7, 2015, Monterey | PPoPP '16 March 12–16, 2016
_CONFERENCE_LINE = re.compile(rf"\b[A-Z][A-Za-z]*[A-Z]\s?['’‘]\s?\d{{2}}\s*,?\s*{_MONTH}\s+\d{{1,2}}"
                              rf"(?:\s*[-–—]\s*(?:{_MONTH}\s+)?\d{{1,2}})?\s*,\s*({_YEAR})\b")
_VOLUME = r"(?:Vol(?:ume|\.)?\s*)?"
# A journal or proceedings line prints the year next to volume, issue and pages (general shapes, not titles):
_JOURNAL_LINE = [re.compile(p) for p in (
    # Nucleic Acids Research, 2024, 52, 4151 | 2023; 19(15): | 2023, Vol. 19
    rf"\b({_YEAR})\s*[,;.]\s*{_VOLUME}{_NOT_YEAR}\d{{1,4}}\s*[,(:;]",
    rf"\(({_YEAR})\)\s*,?\s*{_VOLUME}\d{{1,4}}\s*[:,(–-]",  # (2023) 55:2116 | RNA (2012), 18:2056
    rf"\b\d{{1,4}}\s*[,:]\s*[A-Za-z]{{0,5}}\d{{1,7}}\s*\(({_YEAR})\)",  # Sci. Adv. 9, eadd4623 (2023) | 371, 364 (2021)
    rf"\b\d{{1,4}}\s*\(\d{{1,4}}\)\s*[,:]?\s*\((?:[A-Z][a-z]+\.?\s+)?({_YEAR})\)",  # 17(3) (Winter 1992)
    # ACM's volume, number (month year), pages: 4,4 (Oct. 1993), 2-27 | 21, 8 (Aug. 1978), 666-677
    rf"\b\d{{1,4}}\s*,\s*\d{{1,4}}\s*\((?:{_MONTH}\s+)?({_YEAR})\)\s*,\s*(?:pp?\.\s*)?\d+\s*[-–—]\s*\d+",
    # Cell 187, 1-15, 2024 | Biophysical Journal 123, 1098–1105, May 7, 2024
    rf"\b\d{{1,4}}\s*[,:]\s*[\w-]*\d\s*[,–—-]\s*\d+\s*[-–—]?\s*\d*\s*,\s*(?:{_MONTH}\s+(?:\d{{1,2}},?\s*)?)?"
    rf"({_YEAR})\b",
    rf"\b({_YEAR})\s+Vol(?:ume|\.)?\s*\d+",  # PNAS 2023 Vol. 120
    # Vol. 27, pp. 379–423, 623–656, July, October, 1948
    rf"\bVol(?:ume|\.)?\s*\d+\s*,\s*(?:No\.?\s*\d+\s*,\s*)?pp?\.\s*\d+\s*[-–—]\s*\d+(?:\s*,\s*\d+\s*[-–—]\s*\d+)*"
    rf"\s*,\s*(?:{_MONTH},?\s*)*({_YEAR})\b",
    # Volume 25 | February 2024
    rf"\bVol(?:ume|\.)?\s*\d+\s*[|,]\s*(?:No\.?\s*\d+\s*[|,]\s*)?(?:{_MONTH}\s+)?({_YEAR})\b",
    rf"\(\s*[A-Z][A-Za-z]*[A-Z][\w-]*\s+({_YEAR})\s*\)",  # (PAMIR-2 2023), (ACL 2020)
    _CONFERENCE_LINE,
    rf"\(({_YEAR})\)\.\s[^\n]{{5,300}}?,\s*\d{{1,4}}\s*\(\d{{1,4}}\)",  # APA: (2011). Title. Journal, 15(2)
)]
_DATE = rf"\s*:?\s*(?:on\s+)?(?:\d{{1,2}}\s+)?(?:{_MONTH}\s+)?(?:\d{{1,2}},?\s+)?({_YEAR})\b"
_PUBLISHED = re.compile(rf"(?:published(?: online)?|version posted|publication date|available online|epub){_DATE}",
                        re.I)
_ACCEPTED = re.compile(rf"(?:accepted(?: for publication)?|presented){_DATE}", re.I)
_RECEIVED = re.compile(rf"(?:received|submitted){_DATE}", re.I)
# © 2018 | © The Authors 2022 | © Kaylen Wheeler 2013 (a thesis: the holder's name before the year) | Copyright c© 2008
# (LaTeX's sign, extracted with its "c")
_COPYRIGHT = re.compile(rf"(?:c?©|\(c\)|copyright:?)\s*(?:c?©\s*)?"
                        rf"(?:the authors?\(?s?\)?\s*|(?-i:[A-Z][\w.'’-]*\s+){{1,4}})?({_YEAR})", re.I)
# A publisher's code line at the foot of page 1 ends in its price and notice:
# "CH2925-6/90/0000/0503$01.00 © 1990 IEEE", "0-89791-...-5/97/0005 $3.50 © 1997 ACM"; an OCR'd scan reads the
# sign as anything ("$01.OO CQ 1990 IEEE")
_CODE_LINE = re.compile(rf"\d\s?[.,]\s?[0-9O]{{2}}\s+\S{{0,3}}\s*({_YEAR})\s+(?:IEEE|ACM)\.?[ \t]*$", re.M)
# arXiv ids begin with the year and month: 2310.01234, or math/0501170 before 2007; the stamp's date, if
# printed, is that of the version ("arXiv:1311.2542v3 [cs.DS] 19 Dec 2014")
_ARXIV = re.compile(rf"arXiv:\s*(?:[a-z-]+(?:\.[A-Z]{{2}})?/)?(\d{{2}})(\d{{2}})\.?\d{{3,5}}"
                    rf"(?:v\d+\s*(?:\[[\w.-]+\]\s*)?\d{{1,2}}\s+{_MONTH}\s+({_YEAR}))?", re.I)
_ARXIV_ID = re.compile(r"arXiv:\s*((?:[a-z-]+(?:\.[A-Z]{2})?/\d{7}|\d{4}\.\d{4,5})(?:v\d+)?)", re.I)
# A line that is a date, perhaps labelled: "June 7, 2004", "Draft: February 16, 2009", "(Draft of October 7, 2013)";
# not a download or retrieval date
_DATE_LABEL = r"(?!(?i:retrieved|downloaded|accessed|printed)\b)[A-Z]?[a-z]+(?: [a-z]+){0,3}(?::|\s+of|\s+on)\s*"
_DATE_LINE = re.compile(rf"^\W*(?:{_DATE_LABEL})?(?:\d{{1,2}}\s+)?{_MONTH}\s+(?:\d{{1,2}}\s?(?:st|nd|rd|th)?\s?[,.]?\s+)?"
                        rf"({_YEAR})\W*$", re.M)  # "June 7, 2004", "July 7 th , 2013"
# A venue and its issue's month: "BYTE Magazine, August 1981", "Workshop on X; June 2006", "JOURNAL OF X · APRIL 2001",
# "Volume 8 / Number 9 / September, 1965"
_MONTH_NAME = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|"
               r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
_VENUE_MONTH = re.compile(rf"[\w)]\s*[,;·/]\s*{_MONTH_NAME},?\s+({_YEAR})\b", re.I)
# A report's number (or ISSN) and its month: "SMLI TR-94-29    November 1994", "CSL-89-1 January 1989" (set apart, no
# comma), "ISSN 0909-0878 October 1996"
_REPORT_DATE = re.compile(rf"\b(?:[A-Z]{{2,}}[A-Z/]*[-·]\d[\w/·-]*|IS[SB]N:?\s*[\dX-]+)\s+(?i:{_MONTH_NAME})\s+({_YEAR})\b")
# A meeting named with its year first: "2013 USENIX Annual Technical Conference (USENIX ATC ’13)" in a running head
_MEETING = re.compile(rf"\b({_YEAR})\s+(?:[A-Z][\w/&-]*\s+){{1,6}}(?:Conference|Symposium|Workshop)\b")
# A meeting's days: "2004 LISA XVIII – November 14-19, 2004 – Atlanta, GA" (a proceedings footer)
_EVENT_DATE = re.compile(rf"\b{_MONTH_NAME}\s+\d{{1,2}}\s*[-–—]\s*(?:{_MONTH_NAME}\s+)?\d{{1,2}},?\s+({_YEAR})\b", re.I)
# A date written in numbers, year first: "2008/6/16", "2013-05-15" (a draft's or preprint's footer)
_NUMERIC_DATE = re.compile(rf"\b({_YEAR})([/-])(?:0?[1-9]|1[0-2])\2(?:0?[1-9]|[12]\d|3[01])\b")
# The paper's own citation, as ACM and PVLDB print it on page 1: "PVLDB Reference Format: Names. Title. PVLDB, 14(3):
# 268-280, 2021." | "ACM Reference Format: Names. 2021. Title. In ..." (its first year: no name holds one)
_REFERENCE_FORMAT = re.compile(rf"Reference Format:[\s\S]{{0,400}}?\b({_YEAR})\b")
# A line that is a year alone, before any abstract: a thesis's or report's title page ("The University of X,\n2012")
_YEAR_LINE = re.compile(rf"^\W*({_YEAR})\W*$", re.M)
# A copyright notice starting a line ("Copyright 2007 ACM ...", "© 1982 ACM"), as in a permission block at the foot
# of a column; a copyright in a sentence ("the Copyright Act 1976") is no notice
_NOTICE = re.compile(rf"^\W{{0,3}}{_COPYRIGHT.pattern}", re.I | re.M)
# A note that the paper appeared, is to appear or (a line's start) was published somewhere: the year there
# dates the published version ("Published in ACM Transactions in Computer Systems 2, 4, November, 1984"). A note
# naming proceedings, or a line that starts with them, may run over lines and abbreviate ("Appears in Proc. of the
# 18th ... (Middleware 2001)", "Proceedings of the 20th VLDB Conference / Santiago, Chile, 1994"); a sentence's
# end stops it
_NOTE_SPAN = r"(?:[^.\n]|\.(?=\s*[a-z(\d])|\n(?!\s*\n)){0,160}?"
# A note about another version of the paper, to its sentence's end: its years are not this one's ("Preliminary versions
# of this paper appear in the Proceedings of ..., 1998, and as IBM Research Report RJ 10076, May 1997.")
_OTHER_VERSION = re.compile(r"\b(?:preliminary|earlier|previous|prior|short(?:er)?|extended|abridged|conference)\s+"
                            r"(?:versions?|abstracts?)\b(?:[^.]|\.(?=\s*(?-i:[a-z(\d]))){0,400}?"
                            r"(?:\.(?!\s*(?-i:[a-z(\d]))|\Z)", re.I)
_APPEARED = re.compile(rf"(?:\b(?:appear(?:ed|s)?|to appear)|^\W*published) in\b[^.\n]{{0,80}}?\b({_YEAR})\b|"
                       rf"(?:\b(?:appear(?:ed|s)?|to appear) in\s+(?:the\s+)?|^\W*(?:in\s+)?)proc(?:eedings|\.)\s+of\b"
                       rf"{_NOTE_SPAN}\b({_YEAR})\b", re.I | re.M)
_PROCEEDINGS = re.compile(r"(Proceedings of (?:the )?[^.*\n]{5,200}?(?:\([^)]{2,40}\))?)(?=[,.*]|\s+pages|\s+pp|$)", re.I)
_JOURNAL = re.compile(r"\b((?:Journal|Transactions|Annals|Review|Letters) of [A-Z][^,.\n]{3,80})")
_FRONT_END = re.compile(r"\n(?:\d{1,2}\.?\s+)?(?:Introduction|INTRODUCTION|Background|BACKGROUND)\b")
_INVERTED = re.compile(r"(?P<s>[A-Z][\w'’-]+(?: [A-Z][\w'’-]+)?), (?P<g>(?:[A-Z][\w'’-]*\.? ?){1,3})")  # "Surname, Given"
_REPOSITORY_ID = re.compile(r"^\s*\[[\w.:/-]+(?:,\s*v\d+)?\]\s*")  # HAL's "[inria-00555588, v1] Title"
_AFFILIATION = re.compile(r"\b(Universit|Institut|Department|School|College|Laborator|Academy|Center|Centre|Faculty|"
                          r"Hospital|Inc\b|Ltd|@)|(?-i:\b[A-Za-z]*Labs?\b)", re.I)  # "Bell Labs", "Stanford InfoLab"
_BAD_META = re.compile(r"^(untitled|microsoft word|user|admin|administrator|author|unknown|anonymous|arxiv:|[\W\d_]*$)|"
                       r"\.(docx?|pdf|tex)$|^[^\s]*_[^\s]*$|^[a-z0-9._-]+$|\d+\s*\.\.\s*\d+$", re.I)
_STAMP = re.compile(r"arXiv:|^\W*\d+\W*$|^(page|vol\.?|volume|issue|to appear|running head)\b", re.I)
_DEGREE = re.compile(r"(?:Ph\.?D|M\.D|MD|M\.?Sc|B\.?Sc|MPH|D\.?Phil)\.?,?", re.I)
_TITLE_WORDS = {"of", "the", "for", "in", "on", "to", "with", "from", "at"}  # never in a person's name
# a label of the kind of paper set under its title ("Position Paper", "Extended Abstract"), not a byline
_KIND_LABEL = re.compile(r"^\W*(?:[A-Za-z-]+\s+){0,2}(?:paper|abstract|article|report|letter|review|survey|tutorial|"
                         r"thesis|dissertation|proposal|preprint|chapter)\W*$", re.I)
_AUTHORS_LABEL = re.compile(r"^\W*(?:\d+\s+)?author(?:s|\(s\))?\s*:\s*(.*)$", re.I)
_NAME_SPLIT = re.compile(r"\s*(?:[,;]|\b(?i:and)\b|&)\s*")
_RUNNING_LINES = 4  # lines at the top and bottom of later pages searched for running heads and feet


def display_name(name: str) -> str:
    """The file name as added, without any directory part or control characters."""
    base = re.split(r"[\\/]", name)[-1]
    return "".join(ch for ch in base if ch.isprintable()).strip() or "paper.pdf"


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def paper_id(doi: str | None, sha256: str) -> str:
    """DOI when the paper has one (so two files of one paper are one paper), else the file hash."""
    return f"doi:{doi.lower()}" if doi else f"sha256:{sha256[:16]}"


def describe(path: str | Path, pages: list[Page], meta: PdfMeta, sha256: str | None = None) -> Paper:
    """Build the Paper record from every source the PDF offers, best first (see each finder);
    ``sha256``: the file's hash when the caller has it already."""
    path = Path(path)
    sha = sha256 or file_sha256(path)
    title, block = find_title(meta, pages)
    doi = find_paper_doi(meta, pages)
    return Paper(
        id=paper_id(doi, sha),
        file_name=display_name(path.name),
        sha256=sha,
        title=title,
        authors=find_authors(meta, pages, title, block),
        year=find_paper_year(meta, pages),
        doi=doi,
        venue=find_paper_venue(meta, pages),
        page_labels=[p.label for p in pages],
        added_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )


def find_title(meta: PdfMeta, pages: list[Page]) -> tuple[str, TitleBlock | None]:
    """The metadata title if page 1 prints it, else the most prominent text block of page 1 that
    reads like a title (not a journal banner, a stamp or a number), else the
    first plausible front-matter line. Returns the title and its layout block (for the byline)."""
    first = pages[0].text if pages else ""
    blocks = [b for b in (_with_subtitle(b, meta.front.blocks) for b in meta.front.blocks) if _title_like(b, pages)]
    for candidate in (_first(meta.xmp, "dc:title"), _info(meta, "Title")):
        candidate = _REPOSITORY_ID.sub("", candidate)
        if candidate and not _BAD_META.search(candidate) and _printed(candidate, first):
            if blocks and _shortened(candidate, _join_title(blocks[0].lines)):
                break  # "LISP History" (a web page's title) for "Early LISP History (1956-1959)": the page's is whole
            return candidate, _matching_block(candidate, blocks)
    if blocks:
        lead = blocks[0] if byline_names(blocks[0].below) else _typed_title(meta.front.blocks, blocks[0], pages)
        return _join_title(lead.lines), lead
    return guess_title(front_matter(pages)), None


def _typed_title(blocks: list[TitleBlock], lead: TitleBlock, pages: list[Page]) -> TitleBlock:
    """Where the most prominent block has no names under it: a page set in one type (typewritten) runs
    on in one block, a session banner above it, so the first block of the lead's size with a line of
    names inside is cut there, its lines before the names the title; else the lead."""
    for block in blocks:
        cut = _cut_at_byline(block)
        if cut is not block and round(cut.size) == round(lead.size) and _title_like(cut, pages):
            return cut
    return lead


def _cut_at_byline(block: TitleBlock) -> TitleBlock:
    """The block cut before its first line of names, the names and what follows put under it; the block
    itself if none. A title's line can look like names ("Streaming Time Series Visualization"): not
    after a line ending in "in", "of", "and", nor at the block's end."""
    for i, line in enumerate(block.lines[1:], 1):
        if _names_in_line(line) and block.lines[i - 1].split()[-1].lower() not in _TITLE_WORDS | {"and", "a", "an"}:
            rest = block.lines[i:]
            if all(_names_in_line(ln) for ln in rest):
                return block
            return TitleBlock(lines=block.lines[:i], size=block.size, below=[*rest, *block.below])
    return block


def find_authors(meta: PdfMeta, pages: list[Page], title: str, block: TitleBlock | None) -> list[str]:
    """The author block printed under the title; else names after an authors label (cover pages), XMP
    dc:creator, the Info Author, the byline on page 2 after a cover page, a byline printed right above the
    title (older journals set the author first), or name-like lines after the title in the page text."""
    if block is not None:
        names = byline_names(block.below)
        if names:
            return names
    if names := labelled_authors(pages[0].text if pages else ""):
        return names
    creators = [n for n in meta.xmp.get("dc:creator", []) if not _BAD_META.search(n)]
    return (creators or split_authors(_info(meta, "Author")) or _names_after_cover(pages, title)
            or _byline_above(meta.front.blocks, block) or guess_authors(pages[0].text if pages else "", title))


def _names_after_cover(pages: list[Page], title: str) -> list[str]:
    """Page 1 a cover naming no authors (a repository's: "10 authors, including:" and a few profiles), page 2
    the paper's own first page, opening with the title: the names under it there."""
    if len(pages) < 2 or not title:
        return []
    opening = "\n".join(pages[1].text.split("\n")[:6])
    return guess_authors(pages[1].text, title) if _printed(title, opening) else []


def labelled_authors(page_text: str) -> list[str]:
    """Names printed after an authors label, on its line or the lines under it: cover pages list them so
    ("Author(s): Dag Prawitz", "2 AUTHORS:" over the names)."""
    lines = [" ".join(line.split()) for line in page_text.split("\n")]
    for i, line in enumerate(lines):
        if match := _AUTHORS_LABEL.match(line):
            if match.group(1):
                return _names_in_line(match.group(1))
            names: list[str] = []
            for nxt in filter(None, lines[i + 1:]):
                found = _names_in_line(nxt)
                if not found:
                    break
                names += found
            return names
    return []


def _byline_above(blocks: list[TitleBlock], title: TitleBlock | None) -> list[str]:
    """The names of the block whose next line is the title's first ("PER MARTIN-LÖF" over the title)."""
    if title is None:
        return []
    first = _norm(title.lines[0]) if title.lines else ""
    above = [b for b in blocks if b.below and _norm(b.below[0]) == first]
    return byline_names(above[0].lines) if above else []


def find_paper_doi(meta: PdfMeta, pages: list[Page]) -> str | None:
    """The paper's own DOI: XMP, then the Info dictionary, then page 1's header/footer, running heads
    and stamps of later pages, then a DOI labelled as such ("doi:", "doi.org/") on page 1, front matter
    first. Never from later pages' body or reference list, which are full of other works' DOIs."""
    for field in ("prism:doi", "pdfx:doi", "dc:identifier"):
        for value in meta.xmp.get(field, []):
            if doi := find_doi(value):
                return doi
    doi_keys = [k for k in meta.info if "doi" in k.lower()]
    for text in [meta.info[k] for k in doi_keys] + [_info(meta, "Subject")]:
        if doi := find_doi(text):
            return doi
    for text in ("\n".join(meta.front.margins), running_text(pages)):
        if doi := find_doi(text):
            return doi
    for text in (front_matter(pages, raw=True), pages[0].text if pages else ""):
        if match := _LABELLED_DOI.search(text):
            return _trim_doi(match.group(1))
    return None


def find_paper_year(meta: PdfMeta, pages: list[Page]) -> str | None:
    """XMP cover/publication date, else the year of the journal line (page 1's margins, the Info
    Subject, running heads, front matter), else a published/posted date, accepted, received,
    copyright year, arXiv stamp (its id's year) or date line there; else an arXiv stamp, a copyright
    notice, a publisher's code line, a conference line or a note of where the paper appeared (or is to
    appear) anywhere on page 1, such as the permission block at the foot of the first column (after the
    introduction's start) or a footnote, or in a text box laid on it. The notice comes first, and a note
    about another version ("A preliminary version appeared in ...") is read past: its years are not this
    version's."""
    for field in ("prism:coverDate", "prism:publicationDate", "prism:coverDisplayDate"):
        for value in meta.xmp.get(field, []):
            if match := re.search(rf"\b{_YEAR}\b", value):
                return match.group(0)
    front = _OTHER_VERSION.sub(" ", front_matter(pages, raw=True))
    year = find_year("\n".join(meta.front.margins), _info(meta, "Subject"), running_text(pages), front)
    if year or not pages:
        return year
    # a stamp or note may be anywhere on page 1, or in a text box laid on it
    first = _OTHER_VERSION.sub(" ", "\n".join([*meta.notes, pages[0].text]))
    if arxiv := _ARXIV.search(first):
        return _arxiv_year(arxiv)
    late = (_NOTICE.search(first) or _CODE_LINE.search(first) or _CONFERENCE_LINE.search(first)
            or _APPEARED.search(first))
    if late:
        return next(filter(None, late.groups()))
    alone = _YEAR_LINE.search(front[:front_matter_end(first) or None])  # before any abstract
    return alone.group(1) if alone else None


def front_matter(pages: list[Page], raw: bool = False) -> str:
    """First-page text up to the introduction (title block, abstract, footnotes), clean or as extracted."""
    if not pages:
        return ""
    text = pages[0].text if raw else pages[0].clean
    end = _FRONT_END.search(text)
    return text[: end.start()] if end else text[:3000]


def front_matter_end(first_page_clean: str) -> int:
    """Where the title block and first-page footnotes end: at the abstract or keywords, if marked."""
    match = re.search(r"\n(?:Abstract|ABSTRACT|Keywords|KEYWORDS)\b|\b(?:Abstract|Keywords)\s*[:.—-]", first_page_clean)
    return match.start() if match else 0


def running_text(pages: list[Page]) -> str:
    """Running heads, feet and margin stamps of pages 2-6 as extracted: lines among a page's first and
    last that recur on another of these pages (a short paper's reference list does not)."""
    edges = []
    for page in pages[1:6]:
        lines = [line for line in page.text.split("\n") if line.strip()]
        edges.append(lines[:_RUNNING_LINES] + lines[-_RUNNING_LINES:])
    counts = Counter(shape for lines in edges for shape in {line_shape(line) for line in lines})
    return "\n".join(dict.fromkeys(line for lines in edges for line in lines if counts[line_shape(line)] >= 2))


def _info(meta: PdfMeta, key: str) -> str:
    return " ".join(html.unescape(meta.info.get(key, "")).split())


def _first(fields: dict[str, list[str]], key: str) -> str:
    values = fields.get(key, [])
    return values[0] if values else ""


def _norm(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", folded).split())


def _printed(title: str, page_text: str) -> bool:
    """Whether page 1 prints (nearly) all words of a metadata title: a file name, job number or
    another paper's title in the metadata is not printed there."""
    words = [w for w in _norm(title).split() if len(w) > 2]
    page = _norm(page_text)
    present = set(page.split()) | set(page.replace(" ", "").split())
    joined = page.replace(" ", "")
    return bool(words) and sum(w in present or w in joined for w in words) >= 0.85 * len(words)


def _shortened(title: str, printed: str) -> bool:
    """Is ``title`` the ``printed`` one with its first words left out? (Words left out only at its end
    may be a subtitle or a label the metadata rightly omits: "... Logic (Thesis format: Monograph)".)"""
    short, whole = _norm(title), _norm(printed)
    return short != whole and f" {short} " in f" {whole} " and not whole.startswith(short)


def _join_title(lines: list[str]) -> str:
    """Title lines joined; a line-end hyphen is kept and joined without a space ("Restriction-Modification")."""
    out = ""
    for line in lines:
        out = f"{out}{line}" if out.endswith("-") else f"{out} {line}"
    return " ".join(out.split()).strip(" .")


def _title_like(block: TitleBlock, pages: list[Page]) -> bool:
    """Mostly letters, not a stamp and not a paragraph's continuation (its first word in lower case);
    with names printed under it (a title's byline), else with 3+ words (of two letters or more) and not a
    banner that recurs in later pages' running heads (a journal name)."""
    text = _join_title(block.lines)
    letters = sum(c.isalpha() for c in text) / max(sum(c.isalnum() for c in text), 1)  # "(1956-1959)" may follow
    if not (3 < len(text) < 400 and letters > 0.6) or _STAMP.search(text) or re.match(r"[a-z]+\b", text):
        return False
    if byline_names(block.below):
        return True
    words = [w for w in text.split() if sum(c.isalpha() for c in w) > 1]  # not a formula's "A &B"
    return len(words) >= 3 and _norm(text) not in _norm(running_text(pages))


def _with_subtitle(block: TitleBlock, blocks: list[TitleBlock]) -> TitleBlock:
    """A title goes on in the line under it, its subtitle (often in another font), when it ends in a colon,
    or when that line is set alone in a smaller type, is no name, and the names follow it ("Composable and
    Compilable Macros" over "You Want it When?" over "Matthew Flatt"); the second kind is joined with a colon."""
    if not block.below:
        return block
    lines, subtitle = block.lines, block.below[0]
    if not _join_title(lines).endswith(":"):
        alone = any(b.lines == [subtitle] and b.size < block.size for b in blocks)
        if not (alone and _subtitle_like(subtitle) and byline_names(block.below[1:])):
            return block
        lines = [*lines[:-1], lines[-1] if lines[-1][-1:] in "?!.:" else f"{lines[-1]}:"]
    return TitleBlock(lines=[*lines, subtitle], size=block.size, below=block.below[1:])


def _subtitle_like(line: str) -> bool:
    """Words that are no names, no label of the paper's kind ("Extended Abstract"), no report number and no
    affiliation."""
    return (len(line.split()) >= 2 and not _names_in_line(line) and not _KIND_LABEL.match(line)
            and not re.search(r"\d|@", line) and not _AFFILIATION.search(line))


def _matching_block(title: str, blocks: list[TitleBlock]) -> TitleBlock | None:
    from rapidfuzz import fuzz

    scored = [(fuzz.ratio(_norm(title), _norm(_join_title(b.lines))), b) for b in blocks]
    best = max(scored, key=lambda pair: pair[0], default=(0, None))
    return best[1] if best[0] >= 80 else None


def byline_names(lines: list[str]) -> list[str]:
    """Author names from the lines under a title (nearest first): one author a line with its affiliation
    (``_name_per_line``), else the first line that is a list of names and the lines continuing it. Degrees,
    marks, affiliation lines and a label of the paper's kind are left out."""
    if one_a_line := _name_per_line(lines):
        return one_a_line
    names: list[str] = []
    listed = False  # names came from a list of names: a "Name, Affiliation" line after it is an affiliation
    for line in lines:
        if not names and _KIND_LABEL.match(line):  # "Position Paper" between the title and the names
            continue
        if names and not listed and not _AFFILIATION.search(line):
            # after "John Hughes, Institutionen för Datavetenskap," its address goes on ("Chalmers Tekniska Högskola,")
            break
        # layout marks wide gaps " ; " (names set apart); OCR'd text can space a name's own words as widely
        found = _names_in_line(line, listed) or _names_in_line(line.replace(" ; ", " "), listed)
        if found:
            names += found
            listed = listed or not _AFFILIATION.search(line)
        elif names or re.search(r"[a-z]{3}", line) and not re.search(r":|\d", line):
            break
    return names


def _name_per_line(lines: list[str]) -> list[str]:
    """One author a line, each with an affiliation after a comma ("Marc Shapiro, INRIA & LIP6, Paris, France" /
    "Nuno Preguiça, CITI, Universidade Nova de Lisboa, Portugal"): the names of two or more such lines in a row
    under the title; [] otherwise."""
    names = []
    for line in lines:
        head, comma, _ = line.partition(",")
        name = _clean_name(head) if comma and not _AFFILIATION.search(head) else ""
        if not name or not _name_like(name) or not names and _names_in_line(line):  # the first line no list of names
            break
        names.append(name)
    return names if len(names) >= 2 else []


def _names_in_line(line: str, listed: bool = False) -> list[str]:
    """The names a byline line holds; after a list of names (``listed``), an affiliation line holds none
    ("Biomedical Sciences Research Complex, School of Biology, ..." is no "Name, Affiliation")."""
    if ":" in line or "@" in line:
        return []
    if _AFFILIATION.search(line):
        return [] if listed else _name_before_affiliation(line)
    if inverted := _inverted_names(line):
        return inverted
    pieces = [_clean_name(p) for p in _NAME_SPLIT.split(re.sub(r"[*†‡§¶#$✉Ϯ∗]+", " ", line))]
    pieces = [p for p in pieces if p]
    names = [p for p in pieces if _name_like(p)]
    return names if names and len(names) >= 0.6 * len(pieces) else []


def _name_before_affiliation(line: str) -> list[str]:
    """The names of a "Name, Affiliation" byline ("Joey J. Lee, Teachers College Columbia University, NY",
    "Daniel Price and Andrew Tucker – Sun Microsystems, Inc.")."""
    head, *rest = re.split(r",|\s[–—-]\s", line, maxsplit=1)
    if re.match(r"by\s", line, re.I) and (affiliation := _AFFILIATION.search(line)):
        # "by Herbert Stoyan University of Erlangen-Nürnberg ...": after "by", names until the affiliation
        head, rest = line[:affiliation.start()].strip(" ,–—-"), [line[affiliation.start():]]
    names = [_clean_name(p) for p in _NAME_SPLIT.split(head)]
    return names if rest and all(map(_name_like, names)) and not _AFFILIATION.search(head) else []


def _inverted_names(line: str) -> list[str]:
    """The names of a list in "Surname, Given" form parted by semicolons, as repository cover pages and
    catalogues print them ("Bonnichsen, Lars Frydendal; Karlsson, Sven ; Probst, Christian W.")."""
    parts = [p.strip() for p in line.split(";")]
    pairs = [_INVERTED.fullmatch(p) for p in parts]
    if len(parts) < 2 or not all(pairs):
        return []
    return [_turned_round(m) for m in pairs]


def _turned_round(name: re.Match) -> str:
    """"Karlsson, Sven" as "Sven Karlsson"."""
    return f"{name['g'].strip()} {name['s']}"


def _clean_name(piece: str) -> str:
    """A name without degrees after it or "By" before it, and in title case if set in capitals."""
    tokens = piece.split()
    if tokens[:1] and tokens[0].lower() == "by":
        tokens.pop(0)
    if len(tokens) > 2 and re.fullmatch(r"[a-z]", tokens[-1]):  # a footnote mark OCR'd as a letter ("Peleg t" for †)
        tokens.pop()
    while tokens and _DEGREE.fullmatch(tokens[-1]):
        tokens.pop()
    name = " ".join(tokens).strip(" .,")
    if name.isupper() and len(name) > 3:
        name = " ".join(t if len(t.rstrip(".")) == 1 else "-".join(p.capitalize() for p in t.split("-"))
                        for t in name.split())  # MARTIN-LÖF: Martin-Löf
    return name


def _name_like(piece: str) -> bool:
    """2-5 words, mostly capitalised, no digits and none of the words of a title set in capitals
    ("OF THE LOGICAL LAWS")."""
    tokens = piece.split()
    capitals = sum(t[:1].isupper() for t in tokens)
    return (2 <= len(tokens) <= 5 and capitals >= 2 and len(tokens) - capitals <= 1 and not re.search(r"[\d?!]", piece)
            and tokens[-1][:1].isalpha() and len(tokens[-1]) > 1 and not _TITLE_WORDS & {t.lower() for t in tokens})


def find_doi(text: str) -> str | None:
    match = DOI_RE.search(text)
    return _trim_doi(match.group(1)) if match else None


def _trim_doi(doi: str) -> str:
    return doi.rstrip(".,;)]}")


def find_year(*texts: str) -> str | None:
    """Publication year from texts ranked best first: a journal line's year in any of them, then the paper's own
    citation ("Reference Format:"), a published/posted date, an accepted, a received date, a copyright year, an
    arXiv stamp, a line that is a date (a report's or draft's), a report number's or a venue's month and year, a
    meeting's, a date in numbers."""
    for pattern in [*_JOURNAL_LINE, _REFERENCE_FORMAT, _PUBLISHED, _ACCEPTED, _RECEIVED, _COPYRIGHT]:
        for text in texts:
            if match := pattern.search(text):
                return match.group(1)
    for text in texts:
        if arxiv := _ARXIV.search(text):
            return _arxiv_year(arxiv)
    for pattern in (_DATE_LINE, _REPORT_DATE, _VENUE_MONTH, _EVENT_DATE, _MEETING, _NUMERIC_DATE):
        for text in texts:
            if match := pattern.search(text):
                return match.group(1)
    return None


def _arxiv_year(match: re.Match) -> str:
    """The year of the stamp's date, else of the id's two-digit year (ids began in 1991)."""
    return match.group(3) or f"{'19' if match.group(1) >= '91' else '20'}{match.group(1)}"


def find_venue(front: str) -> str | None:
    for pattern in (_PROCEEDINGS, _JOURNAL):
        match = pattern.search(front)
        if match:
            return " ".join(match.group(1).split()).strip(" *,")
    return None


def find_paper_venue(meta: PdfMeta, pages: list[Page]) -> str | None:
    """XMP publication name, else a proceedings or journal name in the Info Subject or the front
    matter, else the arXiv id stamped on page 1."""
    venue = _first(meta.xmp, "prism:publicationName") or find_venue(
        f"{_info(meta, 'Subject')}\n{front_matter(pages, raw=True)}")
    arxiv = _ARXIV_ID.search(pages[0].text) if pages and not venue else None
    return f"arXiv preprint arXiv:{arxiv.group(1)}" if arxiv else venue


def split_authors(value: str) -> list[str]:
    """Names from a metadata or by-line string; usernames, headings and affiliations are dropped. "et al" ends
    the list; one name inverted ("Shapiro, Marc et al") is turned round."""
    value = re.sub(r"[,;]?\s*\bet\.?\s*al\b\.?.*$", "", value or "").strip(" ,;")
    if not value:
        return []
    if (one := _INVERTED.fullmatch(value)) and " " not in one["s"]:  # "John Smith, Jane Doe" is two people
        return [_turned_round(one)]
    parts = [p.strip() for p in re.split(r"\s*(?:;|,|\band\b|&)\s*", value)]
    return [p for p in parts if len(p) > 2 and " " in p and not p.isupper() and not re.search(r"\d", p)
            and not _AFFILIATION.search(p)]


def guess_title(front: str) -> str:
    """Without metadata or layout: the first front-matter line that is not boilerplate."""
    for line in front.split("\n"):
        for part in re.split(r"(?<=[.:])\s+", line):
            if 10 < len(part) < 250 and not re.search(r"doi|isbn|copyright|licen|proceedings|©|http", part, re.I):
                return part.strip(" .")
    return ""


def guess_authors(raw_first_page: str, title: str) -> list[str]:
    """Without metadata: name-like lines right after the title, before any affiliation line."""
    lines = [" ".join(line.split()) for line in raw_first_page.split("\n") if line.strip()]
    title_words = set(title.lower().split())
    names: list[str] = []
    for line in lines[:15]:
        if title_words and set(line.lower().split()) <= title_words or _KIND_LABEL.match(line):
            continue
        if _AFFILIATION.search(line) or re.match(r"abstract", line, re.I):
            break
        cleaned = re.sub(r"[^\w\s.,;&'’-]+|\d+", " ", line)
        found = [n for n in split_authors(cleaned) if re.fullmatch(r"(?:[A-Z][\w.'-]*\s+){1,3}[A-Z][\w'-]+", n)]
        if found:
            names += found
        elif names:
            break
    return names
