"""Stage 2: identify and describe a paper (DOI else content hash; title, authors, year, venue).

Only the PDF's own information is used (its metadata and first-page front matter): no
network look-ups. The body and reference list are never searched for the year or DOI,
since they are full of other works' years and DOIs.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timezone
from pathlib import Path

from .records import Page, Paper

DOI_RE = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>]+)", re.I)
_YEAR = r"(?:19[5-9]\d|20[0-4]\d)"
_ARXIV = re.compile(r"arXiv:\s*(\d{2})(\d{2})\.\d{4,5}", re.I)
_VENUE_YEAR = re.compile(rf"\((?:[^()]*\s)?({_YEAR})\)")  # "(PAMIR-2 2023)"
_PUBLISHED = re.compile(rf"(?:published|accepted|received|presented)[^.\n]{{0,60}}?\b({_YEAR})\b", re.I)
_COPYRIGHT = re.compile(rf"(?:©|\(c\)|copyright)\s*(?:©\s*)?({_YEAR})", re.I)
_PROCEEDINGS = re.compile(r"(Proceedings of (?:the )?[^.*\n]{5,200}?(?:\([^)]{2,40}\))?)(?=[,.*]|\s+pages|\s+pp|$)", re.I)
_JOURNAL = re.compile(r"\b((?:Journal|Transactions|Annals|Review|Letters) of [A-Z][^,.\n]{3,80})")
_FRONT_END = re.compile(r"\n(?:\d{1,2}\.?\s+)?(?:Introduction|INTRODUCTION|Background|BACKGROUND)\b")
_AFFILIATION = re.compile(r"\b(Universit|Institut|Department|School|College|Laborator|Academy|Center|Centre|Faculty|Inc\b|Ltd|@)")
_BAD_META = re.compile(r"^(untitled|microsoft word|user|admin|author|unknown|anonymous|\s*$)|\.(docx?|pdf|tex)$|"
                       r"^[^\s]*_[^\s]*$|^[a-z0-9._-]+$", re.I)
_STAMP = re.compile(r"arXiv:|^\W*\d+\W*$|^(page|vol\.?|volume|issue)\b", re.I)


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


def describe(path: str | Path, pages: list[Page], metadata: dict[str, str]) -> Paper:
    """Build the Paper record from the PDF's metadata and first-page front matter."""
    path = Path(path)
    sha = file_sha256(path)
    front = front_matter(pages)
    meta_text = " ".join(metadata.get(k, "") for k in ("Subject", "Keywords", "doi", "DOI"))
    doi = find_doi(meta_text) or find_doi(front)
    title = _meta(metadata, "Title") or guess_title(metadata.get("LargestText", ""), front)
    return Paper(
        id=paper_id(doi, sha),
        file_name=display_name(path.name),
        sha256=sha,
        title=title,
        authors=split_authors(_meta(metadata, "Author")) or guess_authors(pages[0].text, title),
        year=find_year(f"{metadata.get('Subject', '')}\n{front}"),
        doi=doi,
        venue=find_venue(f"{metadata.get('Subject', '')}\n{front}"),
        page_labels=[p.label for p in pages],
        added_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )


def front_matter(pages: list[Page]) -> str:
    """First-page text up to the introduction (title block, abstract, footnotes)."""
    if not pages:
        return ""
    text = pages[0].clean
    end = _FRONT_END.search(text)
    return text[: end.start()] if end else text[:3000]


def front_matter_end(first_page_clean: str) -> int:
    """Where the title block and first-page footnotes end: at the abstract or keywords, if marked."""
    match = re.search(r"\n(?:Abstract|ABSTRACT|Keywords|KEYWORDS)\b|\b(?:Abstract|Keywords)\s*[:.—-]", first_page_clean)
    return match.start() if match else 0


def _meta(metadata: dict[str, str], key: str) -> str:
    value = " ".join(metadata.get(key, "").split())
    return "" if _BAD_META.search(value) else value


def find_doi(text: str) -> str | None:
    match = DOI_RE.search(text)
    return match.group(1).rstrip(".,;)]}") if match else None


def find_year(front: str) -> str | None:
    """Publication year: venue "(ACRONYM 2023)", then a published/received date, arXiv id, copyright."""
    for pattern in (_VENUE_YEAR, _PUBLISHED, _COPYRIGHT):
        match = pattern.search(front)
        if match:
            return match.group(1)
    arxiv = _ARXIV.search(front)
    return f"20{arxiv.group(1)}" if arxiv else None


def find_venue(front: str) -> str | None:
    for pattern in (_PROCEEDINGS, _JOURNAL):
        match = pattern.search(front)
        if match:
            return " ".join(match.group(1).split()).strip(" *,")
    if _ARXIV.search(front):
        return "arXiv"
    return None


def split_authors(value: str) -> list[str]:
    """Names from a metadata or by-line string; usernames, headings and affiliations are dropped."""
    if not value:
        return []
    parts = [p.strip() for p in re.split(r"\s*(?:;|,|\band\b|&)\s*", value)]
    return [p for p in parts if len(p) > 2 and " " in p and not p.isupper() and not re.search(r"\d", p)
            and not _AFFILIATION.search(p)]


def guess_title(largest: str, front: str) -> str:
    """Without metadata: the largest-font text of page 1 (not an arXiv stamp or a number),
    else the first line that is not boilerplate."""
    for text in largest.split("\n"):
        text = re.sub(r"\s+(References|Abstract)$", "", text, flags=re.I)
        letters = sum(c.isalpha() for c in text) / max(len(text), 1)
        if 10 < len(text) < 300 and len(text.split()) >= 3 and letters > 0.7 and not _STAMP.search(text):
            return text.strip(" .")
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
        if title_words and set(line.lower().split()) <= title_words:
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
