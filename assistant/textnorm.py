"""The one text normalisation of shared/evals/SCHEMA.md, used by the answerer's quote check and the metrics.

Lower case, punctuation dropped (ASCII and every Unicode P* character, removed without a space,
so "non-traditional" -> "nontraditional"), the articles a/an/the dropped, whitespace collapsed.
"Contains" means the normalised needle occurs as a run of whole normalised tokens: "35" (from
"3.5%") does not match inside "1350".
"""

from __future__ import annotations

import re
import string
import unicodedata


class _DropPunctuation(dict):
    """A ``str.translate`` table deleting ASCII and Unicode punctuation, filled on demand."""

    def __missing__(self, code: int) -> int | None:
        char = chr(code)
        drop = char in string.punctuation or unicodedata.category(char).startswith("P")
        self[code] = None if drop else code
        return self[code]


_PUNCTUATION = _DropPunctuation()
_ARTICLES = re.compile(r"\b(a|an|the)\b")


def normalize(text: str) -> str:
    """SCHEMA normalisation: lower case, punctuation and articles dropped, whitespace collapsed."""
    return " ".join(_ARTICLES.sub(" ", text.lower().translate(_PUNCTUATION)).split())


def tokens(text: str) -> list[str]:
    return normalize(text).split()


def contains(text: str, part: str) -> bool:
    """Whether ``part`` occurs in ``text`` as whole tokens, both compared normalised."""
    needle = normalize(part)
    return bool(needle) and f" {needle} " in f" {normalize(text)} "
