"""Spaces pypdf loses: "andtheextentofrepressioncouldbecontrolled" → "and the extent of repression could be controlled";
and spaces it adds inside words: "in flammation", "act ivity" → "inflammation", "activity".

Some publishers' PDFs (ACS, Science Advances, NAR front matter) place words without space
glyphs, and pypdf then runs them together; BM25 finds no term in such a run, the encoder reads
word-piece noise, and a quote shown to the user is unreadable. A letter run that is no English
word (Google's unigram table, via ``wordsegment``) is segmented, and a space is put only where
segmentation is confident, and only in a document that has lost its spaces (``glued``: many runs that
split wholly into common words, where any paper has a few names that happen to, like "Gunawardane"):
the words split off the run's two ends must be common (among the
table's top ``_COMMON`` words; one- and two-letter pieces among its ``_SHORT`` most frequent).
What is left in the middle stays whole, so a drug name, a gene or a DNA sequence is never cut
into syllables ("concentrationofgrazoprevir" → "concentration of grazoprevir").

A space inside a word (where a ligature or a kerned glyph stood) is taken out of any document: see
``split_word_gaps``. Spaces are inserted into, and taken out of, the clean text only; an inserted one
maps to the raw offset of the character after it, so quotes are still cut from, and checked against,
the raw text.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from itertools import accumulate

_LONGEST = 24  # letters: longer words are unknown terms, kept whole by the middle rule
_RUN = re.compile(r"[A-Za-z]{8,}")  # shorter runs are mostly words, or too short to segment with confidence
_COMMON = 50_000
_SHORT = 100
_GLUED_SHARE = 0.02  # wholly-common glued runs per distinct word: 4-15% in the 3 of 34 real papers where
# pypdf lost the spaces, at most 0.4% in the others (names and terms that happen to split into common words)
_GLUED_RUNS = 5  # ... and at least this many (121-302 in those 3): a short text with two such names is no evidence


@lru_cache(maxsize=1)
def _model() -> tuple[dict[str, float], dict[str, int], float]:
    """Each word's cost (-log10 of its unigram probability), its frequency rank, and the log10 of the
    table's total count; read from wordsegment's unigram file (Norvig's count_1w: 333k words, ~0.3 s, once)."""
    from wordsegment import Segmenter

    total = Segmenter.TOTAL
    ranked = sorted(Segmenter.parse(Segmenter.UNIGRAMS_FILENAME).items(), key=lambda kv: -kv[1])
    cost = {word: math.log10(total / count) for word, count in ranked}
    return cost, {word: rank for rank, (word, _) in enumerate(ranked)}, math.log10(total)


@lru_cache(maxsize=1 << 14)
def segment(run: str) -> list[str]:
    """The most probable words of a lower-case letter run, by unigram costs; an unknown word costs what
    wordsegment charges it (one more power of ten a letter), so a long unknown term stays whole.
    Dynamic programming over word ends: microseconds a run, where wordsegment's recursion takes ms."""
    cost, _, log_total = _model()
    best = [0.0] + [math.inf] * len(run)
    back = [0] * (len(run) + 1)
    for end in range(1, len(run) + 1):
        for start in range(max(0, end - _LONGEST), end):
            word = run[start:end]
            c = best[start] + cost.get(word, log_total - 1 + len(word))
            if c < best[end]:
                best[end], back[end] = c, start
    words, end = [], len(run)
    while end:
        words.append(run[back[end]:end])
        end = back[end]
    return words[::-1]


def _common(piece: str, rank: dict[str, int]) -> bool:
    limit = _SHORT if len(piece) <= 2 else _COMMON
    return rank.get(piece, limit) < limit


def glued(texts: list[str]) -> bool:
    """Whether the document has lost its spaces: enough distinct letter runs that segment wholly into
    three or more common words ("andtheextentof"), absolutely and as a share of its distinct words."""
    rank = _model()[1]
    words = {w for text in texts for w in re.findall(r"[A-Za-z]+", text)}
    runs = {w.lower() for w in words if _RUN.fullmatch(w) and w.lower() not in rank}
    whole = sum(1 for run in runs if _all_common(segment(run), rank))
    return whole >= _GLUED_RUNS and whole / len(words) >= _GLUED_SHARE


def _all_common(pieces: list[str], rank: dict[str, int]) -> bool:
    return len(pieces) >= 3 and all(_common(p, rank) for p in pieces)


def split_points(run: str) -> list[int]:
    """Offsets inside ``run`` where a space belongs (empty for a word, or a run nothing certain splits)."""
    rank = _model()[1]
    lower = run.lower()
    if lower in rank:
        return []
    pieces = segment(lower)
    if len(pieces) < 2:
        return []
    head = 0
    while head < len(pieces) and _common(pieces[head], rank):
        head += 1
    tail = len(pieces)
    while tail > head and _common(pieces[tail - 1], rank):
        tail -= 1
    middle = ["".join(pieces[head:tail])] if tail > head else []
    words = pieces[:head] + middle + pieces[tail:]
    return list(accumulate(len(word) for word in words[:-1]))


_WORD = re.compile(r"[A-Za-z]+")
_LIGATURE = re.compile("[\ufb00-\ufb06]")


def split_word_gaps(text: str, after_ligature: list[bool]) -> list[int]:
    """Offsets of the spaces pypdf put inside a word: a space between two letter runs that together
    are a word the table rates more probable than the two apart, where the second run is no common
    word (not among the table's top ``_COMMON``: "act ivity", "A fter", "in flammation") or starts
    at a ligature glyph of the page ("modi fied" from "modi ﬁed": pypdf often puts a space before
    one). Two real words stay apart: the second is common ("per se", "et al"), or together they are
    no likelier ("de novo", "in vivo"). A word split twice is joined piece by piece ("phos phor
    ylation"). ``after_ligature[i]``: whether text[i] was a ligature glyph."""
    cost, rank, log_total = _model()

    def price(word: str) -> float:
        return cost.get(word, log_total - 1 + len(word))  # an unknown word, as ``segment`` prices it

    gaps: list[int] = []
    head_start, head_end = -1, -1
    for match in _WORD.finditer(text):
        word = match.group()
        head = text[head_start:head_end].replace(" ", "").lower()
        joined = head + word
        if head_end >= 0 and text[head_end:match.start()] == " " and word.islower() and \
                (rank.get(word, _COMMON) >= _COMMON or after_ligature[match.start()]) and joined in cost and \
                cost[joined] < price(head) + price(word):
            gaps.append(head_end)
        else:
            head_start = match.start()
        head_end = match.end()
    return gaps


def join_split_words(text: str, offsets: list[int], raw: str) -> tuple[str, list[int]]:
    """``text`` without the spaces ``split_word_gaps`` finds, and its per-character offsets into ``raw``."""
    gaps = set(split_word_gaps(text, [_LIGATURE.match(raw, o) is not None for o in offsets]))
    if not gaps:
        return text, offsets
    keep = [i for i in range(len(text)) if i not in gaps]
    return "".join(text[i] for i in keep), [offsets[i] for i in keep]


def restore_spaces(text: str, offsets: list[int]) -> tuple[str, list[int]]:
    """``text`` with spaces put into its glued letter runs, and its per-character raw offsets to match."""
    out: list[str] = []
    out_offsets: list[int] = []
    done = 0
    for match in _RUN.finditer(text):
        points = split_points(match.group())
        if not points:
            continue
        for point in points:
            at = match.start() + point
            out.append(text[done:at] + " ")
            out_offsets += offsets[done:at] + [offsets[at]]
            done = at
    out.append(text[done:])
    out_offsets += offsets[done:]
    return "".join(out), out_offsets
