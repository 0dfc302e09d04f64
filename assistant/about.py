"""Questions about a paper itself — who wrote it, where and when it appeared, its DOI, its title —
answered from the paper's record, cited to the first page where the record's value is printed.

A question is about the record when it asks for a field of it (a word of ``FIELD_WORDS``) and each
of its other words names the paper: a word of its title, an author, its venue, its year, or a word
for the document itself ("study", "et al."). "In which journal was the LIM kinase PDZ
autoregulation study published?" is one; "What did the authors of the LIM kinase study find?" is
not ("find" names no part of the record) and is answered from the passages.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .records import Page, Paper
from .render import surname
from .retrieve import terms

# the words that ask for a field of the record, and the field whose printed value the answer quotes
FIELD_WORDS = {"wrote": "authors", "written": "authors", "authored": "authors", "authors": "authors",
               "author": "authors", "coauthors": "authors", "published": "venue", "publication": "venue",
               "journal": "venue", "venue": "venue", "proceedings": "venue", "appeared": "venue", "doi": "doi",
               "year": "year", "title": "title", "titled": "title"}
_DOCUMENT_WORDS = "paper article study work report manuscript preprint publication et al"
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


@lru_cache(maxsize=1)
def record_words() -> frozenset[str]:
    """Index terms of the field words and of the words for the document itself ("journal", "year",
    "paper"): what a question asks of a record, or a reference entry, not what it is about."""
    return frozenset(terms(" ".join(FIELD_WORDS) + " " + _DOCUMENT_WORDS))


def asked_field(question: str) -> str | None:
    """The record field the question asks for (its first field word), if any."""
    return next((FIELD_WORDS[w] for w in _WORD.findall(question.lower()) if w in FIELD_WORDS), None)


def _record_terms(paper: Paper) -> set[str]:
    return set(terms(" ".join([paper.title, *paper.authors, paper.venue or "", paper.year or "", paper.doi or ""])))


def record_paper(question: str, candidates: list[Paper], names: set[str]) -> Paper | None:
    """The paper (of the retrieved ones, best first) whose record the question asks about: every content
    word of the question, beyond field words and the terms that named a paper (``names``), is a word of
    its record, and the record holds the value asked for (a year the record lacks may still be printed
    in the text)."""
    field = asked_field(question)
    if field is None:
        return None
    content = set(terms(question)) - record_words() - names
    return next((p for p in candidates if content <= _record_terms(p) and _value(p, field)), None)


def _value(paper: Paper, field: str) -> str:
    """The record's value for a field as the page prints it (the first author by surname)."""
    if field == "authors":
        return surname(paper.authors[0]) if paper.authors else ""
    return getattr(paper, field) or ""


def printed_span(page: Page, paper: Paper, field: str) -> tuple[int, int] | None:
    """Where on the page (clean-text offsets) the record's value for ``field`` is printed; the
    title, then the first author, when that value is not."""
    for value in (_value(paper, field), paper.title, _value(paper, "authors")):
        words = r"\W+".join(map(re.escape, _WORD.findall(value)[:8]))
        match = re.search(rf"\b{words}\b", page.clean, re.I) if words else None
        if match:
            return match.span()
    return None
