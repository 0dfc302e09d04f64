"""A paper's own abbreviations: "thiabendazole (TBZ)" makes "TBZ" and "thiabendazole" one term in that paper.

Papers define a short form once and use it for the rest of the text, while a question names the long form
(or the other way round): without the paper's definitions, the sentence that answers ("The FDA approved TBZ
in 1967") holds none of the question's words for it. Definitions are found as Schwartz and Hearst do ("A
simple algorithm for identifying abbreviation definitions in biomedical text", PSB 2003): a short form in
parentheses after its long form (or a long form in parentheses after its short form), the long form being
the fewest words before it whose letters hold the short form's letters in order, its first letter opening a
word; a number closing the short form ("cA 4", a subscript pypdf sets apart) may be missing from the long form
("cyclic tetra-adenylate"). Only what a paper defines counts, for that paper: "HDR" is not the same in every library.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from .spacing import SUBSCRIPT

_PARENTHESIS = re.compile(r"\(([^()]{1,80})\)")
_SHORT = re.compile(r"(?=.*[A-Z])[^\W_][\w./+-]{0,8}", re.UNICODE)  # 2-10 characters, a capital among them
_WORD = re.compile(r"\S+")


def definitions(text: str) -> list[tuple[str, str]]:
    """(short form, long form) pairs the text defines, in order of appearance."""
    found = []
    for match in _PARENTHESIS.finditer(text):
        inside = re.split(r"[;,]", match.group(1))[0].strip()
        subscripted = SUBSCRIPT.fullmatch(inside)  # "(cA 4 )": the short form is "cA4"
        inside = subscripted[1] + subscripted[2] if subscripted else inside
        before = text[max(0, match.start() - 300):match.start()]
        before = re.split(r"[.;:!?()\[\]]\s", before)[-1]  # within the sentence, after any earlier parenthesis
        if len(inside.split()) <= 2 and _SHORT.fullmatch(inside):
            words = _WORD.findall(before)
            limit = min(len(inside) + 5, 2 * len(inside))
            candidate = " ".join(words[-limit:])
            # a number closing the short form may be spelt out or absent in the long one ("tetra-adenylate (cA4)");
            # its letters alone must be two at least (one letter matches any word it opens)
            letters = inside.rstrip("0123456789")
            long_form = _long_form(inside, candidate) or (_long_form(letters, candidate) if len(letters) > 1 else None)
            pair = (inside, long_form)
        else:  # "TBZ (thiabendazole)": the short form before, the long form inside
            short = _WORD.findall(before)[-1:] or [""]
            pair = (short[0], _long_form(short[0], inside) if _SHORT.fullmatch(short[0]) else None)
        if pair[1] and len(pair[1]) > len(pair[0]) and pair[0].lower() not in pair[1].lower():
            found.append(pair)
    return found


def _long_form(short: str, candidate: str) -> str | None:
    """The shortest end of ``candidate`` whose characters hold the short form's letters and digits in
    order, the first of them opening a word (Schwartz and Hearst's match, read from the right)."""
    s, c = len(short) - 1, len(candidate) - 1
    while s >= 0:
        char = short[s].lower()
        if not char.isalnum():
            s -= 1
            continue
        while c >= 0 and (candidate[c].lower() != char or (s == 0 and c > 0 and candidate[c - 1].isalnum())):
            c -= 1
        if c < 0:
            return None
        c -= 1
        s -= 1
    start = candidate.rfind(" ", 0, c + 1) + 1
    return candidate[start:].strip(" -") or None


class Abbreviations:
    """A paper's definitions as term sets: its short form's term and its long form's terms."""

    def __init__(self, texts: Iterable[str], terms: Callable[[str], list[str]]):
        self.pairs: list[tuple[str, frozenset[str]]] = []
        for short, long_form in dict.fromkeys(p for text in texts for p in definitions(text)):
            short_terms, long_terms = terms(short), frozenset(terms(long_form))
            if len(short_terms) == 1 and long_terms and short_terms[0] not in long_terms:
                self.pairs.append((short_terms[0], long_terms))

    def expand(self, have: set[str]) -> set[str]:
        """The terms with, for each definition, the long form's terms where the short form is among them and
        the short form where all of the long form's are."""
        extra: set[str] = set()
        for short, long_terms in self.pairs:
            if short in have:
                extra |= long_terms
            elif long_terms <= have:
                extra.add(short)
        return have | extra if extra else have
