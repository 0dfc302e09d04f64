"""BibTeX export of library papers and cited works: bibtexparser v2 entries, written by bibtexparser.

* Entry type from what is known: ``inproceedings`` when the venue is a proceedings, conference
  or workshop; ``article`` when it is a journal (a journal-like name, or a volume/issue given);
  ``misc`` otherwise (the venue, e.g. a publisher or a web site, then goes in ``howpublished``).
* Keys: ascii first-author surname + year ("madaminova2023"; a reference keeps the key its
  parser gave it, "who2018"), with a letter added when a key is taken.
* Names: "Surname, Given and …". Paper authors are display names ("Durdona I. Madaminova")
  and are inverted by bibtexparser's own name splitter (so "Jan van der Berg" becomes
  "van der Berg, Jan"); reference authors are already inverted, and one without a comma is a
  corporate author, braced so BibTeX does not take "World Health Organization" apart.
* Values are LaTeX-encoded with pylatexenc (what bibtexparser's LatexEncodingMiddleware does,
  which cannot be used here because it would escape the braces above and mangle DOIs): "&",
  "%", "_" or a stray brace in a parsed title cannot break the file, and letters become ASCII
  macros ("W{\\ae}ver") that every BibTeX sorts right. DOIs and URLs are verbatim fields and
  stay as they are. Title words with two or more capitals (WHO, COVID-19) are braced so styles
  that lower-case titles keep them. Read a file back with bibtexparser's LatexDecodingMiddleware.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import chain, count

import bibtexparser
from bibtexparser.middlewares import default_unparse_stack
from bibtexparser.middlewares.names import parse_single_name_into_parts
from bibtexparser.model import Entry, Field
from pylatexenc.latexencode import UnicodeToLatexEncoder

from .records import Paper, Reference
from .references import ascii_fold

_PROCEEDINGS = re.compile(r"\b(?:proc|proceedings|conference|workshop|symposium|congress)\b", re.I)
_JOURNAL = re.compile(r"\b(?:journal|review|letters|transactions|quarterly|bulletin|annals|magazine)\b", re.I)
_VENUE_FIELD = {"article": "journal", "inproceedings": "booktitle", "misc": "howpublished"}


@dataclass
class Export:
    text: str  # the BibTeX file
    papers: int  # entries for library papers
    works: int  # entries for cited works that are not in the library


def export(papers: list[Paper], works: list[Reference]) -> Export:
    """BibTeX for library papers, then for cited works; every entry with a key of its own."""
    entries = _Entries()
    library = bibtexparser.Library([entries.paper(p) for p in papers] + [entries.work(r) for r in works])
    text = bibtexparser.write_string(library, unparse_stack=default_unparse_stack(allow_inplace_modification=True))
    return Export(text, len(papers), len(works))


def entry_type(venue: str | None, numbered: bool = False) -> str:
    """article / inproceedings / misc from the venue's name and whether a volume or issue is given."""
    if not venue:
        return "misc"
    if _PROCEEDINGS.search(venue):
        return "inproceedings"
    return "article" if numbered or _JOURNAL.search(venue) else "misc"


class _Entries:
    """Builds the entries of one export: LaTeX-encodes values and hands out keys not used before."""

    def __init__(self) -> None:
        self._encoder = UnicodeToLatexEncoder(replacement_latex_protection="braces", unknown_char_policy="keep",
                                              unknown_char_warning=False)
        self._keys: set[str] = set()

    def paper(self, paper: Paper) -> Entry:
        names = [_inverted(name) for name in paper.authors]
        base = re.sub(r"[^a-z]", "", ascii_fold(names[0].split(",")[0])) if names else "anon"
        return self._entry(f"{base}{_year(paper.year) or 'nd'}", entry_type(paper.venue),
                           author=[self._encode(name) for name in names], title=paper.title, year=paper.year,
                           venue=paper.venue, doi=paper.doi)

    def work(self, ref: Reference) -> Entry:
        return self._entry(ref.key, entry_type(ref.venue, bool(ref.volume or ref.issue)),
                           author=[self._encode(n) if "," in n else f"{{{self._encode(n)}}}" for n in ref.authors],
                           title=ref.title, year=ref.year, venue=ref.venue, volume=ref.volume, number=ref.issue,
                           pages=ref.pages, doi=ref.doi, url=ref.url)

    def _entry(self, key: str, kind: str, author: list[str], title: str | None, year: str | None,
               venue: str | None, doi: str | None, volume: str | None = None, number: str | None = None,
               pages: str | None = None, url: str | None = None) -> Entry:
        """The entry with the fields that are known; ``author`` holds names already encoded."""
        values = {
            "author": " and ".join(author),
            "title": self._title(title or ""),
            "year": _year(year),
            _VENUE_FIELD[kind]: self._encode(venue or ""),
            "volume": self._encode(volume or ""),
            "number": self._encode(number or ""),
            "pages": re.sub(r"\s*[-‐‑–—]+\s*", "--", self._encode(pages or "")),
            "doi": doi,
            "url": url,
        }
        return Entry(kind, self._key(key), [Field(name, value) for name, value in values.items() if value])

    def _title(self, title: str) -> str:
        return " ".join(f"{{{word}}}" if sum(c.isupper() for c in word) >= 2 else word
                        for word in self._encode(title).split())

    def _encode(self, text: str) -> str:
        return self._encoder.unicode_to_latex(" ".join(text.split()))

    def _key(self, base: str) -> str:
        """``base`` if it is free, else base + a, b, …, z, then base + 2, 3, …"""
        letters = (f"{base}{chr(c)}" for c in range(ord("a"), ord("z") + 1))
        key = next(k for k in chain([base], letters, (f"{base}{n}" for n in count(2))) if k not in self._keys)
        self._keys.add(key)
        return key


def _inverted(name: str) -> str:
    """'Durdona I. Madaminova' → 'Madaminova, Durdona I.'; a name with a comma is inverted already."""
    return name if "," in name else parse_single_name_into_parts(name, strict=False).merge_last_name_first


def _year(year: str | None) -> str | None:
    """The four-digit year ('1998' of '1998a'); None for 'n.d.' or nothing."""
    match = re.match(r"\d{4}", year or "")
    return match[0] if match else None
