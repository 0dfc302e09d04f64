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
into syllables ("concentrationofgrazoprevir" → "concentration of grazoprevir"). In such a document a full stop or
comma glued to the next word ("change.In", "Here,we") gets its space back too, so sentences split where they end.

A space inside a word (where a ligature or a kerned glyph stood) is taken out of any document: see
``split_word_gaps``; and where a document's fonts set words apart in pieces ("whic h", "ha v e b een",
"c o n t r o l"), ``spurious_spaces`` weighs every such space by a bigram model of English and the
document's own rate of spurious spaces. Spaces are inserted into, and taken out of, the clean text
only; an inserted one maps to the raw offset of the character after it, so quotes are still cut from,
and checked against, the raw text.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import lru_cache
from itertools import accumulate

_LONGEST = 24  # letters: longer words are unknown terms, kept whole by the middle rule
_RUN = re.compile(r"[A-Za-z]{8,}")  # shorter runs are mostly words, or too short to segment with confidence
# a full stop, "?" or "!" after a word (not an initial: "e.g.") or a bracket, then a capitalised word; a comma,
# semicolon or colon between two words ("St.Louis", "S1).Each", "Here,we"; not "N,N-dimethyl", "2,4" or "p.R175H")
_GLUED_PUNCTUATION = re.compile(r"(?:(?<=[A-Za-z]{2})|(?<=[)\]]))[.!?](?=[A-Z][a-z])|(?<=[A-Za-z]{2})[,;:](?=[A-Za-z]{2})")
# a subscript pypdf sets apart from its symbol ("cA 4" for cA4, "EC 50", "CO 2"): one to four letters, a space, one
# or two digits, neither run on to more of a word or number
SUBSCRIPT = re.compile(r"(?<![\w.,])([A-Za-z]{1,4}) (\d{1,2})(?![\w.,]\d|\w)")
_COMMON = 50_000
_SHORT = 100
_GLUED_SHARE = 0.02  # wholly-common glued runs per distinct word: 4-15% in the 3 of 34 real papers where
# pypdf lost the spaces, at most 0.4% in the others (names and terms that happen to split into common words)
_GLUED_RUNS = 5  # ... and at least this many (121-302 in those 3): a short text with two such names is no evidence


@lru_cache(maxsize=1)
def _counts() -> dict[str, float]:
    """Each word's count in wordsegment's unigram file (Norvig's count_1w: 333k words, ~0.3 s, once)."""
    from wordsegment import Segmenter

    return Segmenter.parse(Segmenter.UNIGRAMS_FILENAME)


def commoner(word: str, other: str) -> bool:
    """Whether ``word`` is a word of English more frequent than ``other`` (which may be none)."""
    counts = _counts()
    return counts.get(word, 0) > counts.get(other, 0)


@lru_cache(maxsize=1)
def _model() -> tuple[dict[str, float], dict[str, int], float]:
    """Each word's cost (-log10 of its unigram probability), its frequency rank, and the log10 of the
    table's total count."""
    from wordsegment import Segmenter

    total = Segmenter.TOTAL
    ranked = sorted(_counts().items(), key=lambda kv: -kv[1])
    cost = {word: math.log10(total / count) for word, count in ranked}
    return cost, {word: rank for rank, (word, _) in enumerate(ranked)}, math.log10(total)


@lru_cache(maxsize=1)
def _bigrams() -> dict[str, float]:
    """log10 counts of Norvig's 258k most frequent word pairs ("so on", "a way"), read once (~0.6 s)."""
    from wordsegment import Segmenter

    return {pair: math.log10(count) for pair, count in Segmenter.parse(Segmenter.BIGRAMS_FILENAME).items()}


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


def printed_words(texts: list[str]) -> Counter:
    """How often a document prints each letter run (lower case) between non-letters."""
    return Counter(word.lower() for text in texts for word in _WORD.findall(text))


def split_points(run: str, printed: Counter | None = None) -> list[int]:
    """Offsets inside ``run`` where a space belongs (empty for a word, or a run nothing certain splits).

    A run the document prints more than once (``printed``) is more likely a term of the paper than a
    glued phrase, as phrases seldom repeat letter for letter: it is split only into words, common ones or
    ones the document also prints on their own ("lytictransitions" where "lytic" stands alone elsewhere),
    never into syllables ("telaprevir" printed seven times is not "tel a prev ir")."""
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
    if printed and printed[lower] > 1 and not all(_common(word, rank) or printed[word] for word in words):
        return []
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
    return remove_spaces(text, offsets, split_word_gaps(text, [_LIGATURE.match(raw, o) is not None for o in offsets]))


def restore_spaces(text: str, offsets: list[int], printed: Counter | None = None) -> tuple[str, list[int]]:
    """``text`` with spaces put into its glued letter runs and after the punctuation glued to a word
    ("change.In", "Here,we"), and its per-character raw offsets to match; ``printed``: the document's
    ``printed_words``."""
    points = {match.start() + point for match in _RUN.finditer(text) for point in split_points(match.group(), printed)}
    points |= {match.end() for match in _GLUED_PUNCTUATION.finditer(text)}
    out: list[str] = []
    out_offsets: list[int] = []
    done = 0
    for at in sorted(points):
        out.append(text[done:at] + " ")
        out_offsets += offsets[done:at] + [offsets[at]]
        done = at
    out.append(text[done:])
    out_offsets += offsets[done:]
    return "".join(out), out_offsets


_PHRASE = re.compile(r"[A-Za-z]+(?: [A-Za-z]+)+")  # letter tokens one space apart
_PIECES = 12  # tokens one word may come in ("c o n t r o l")
_FIRST_RATE = 0.0001  # spurious spaces per space assumed before the document is read


def spurious_spaces(texts: list[str]) -> list[list[int]]:
    """Per text, the offsets of the spaces that split a word in pieces ("whic h", "ha v e b een").

    Each phrase of letter tokens is read as the likeliest word sequence under a bigram model (Norvig's
    counts) where a space costs the log-odds of the document's rate of spurious spaces: first an assumed
    low rate, then the rate that first reading found, so a document set letter by letter (a fifth of its
    spaces spurious) is read very differently from one with a few split words. Only phrases holding a
    token that is no word, or a one- or two-letter token that is no common one, are read. Pieces join
    only into a word of the table that the unigram segmenter keeps whole ("andthe" is "and the"), and
    common words join only into a common word ("fake root" is not "fakeroot")."""
    every = [list(_PHRASE.finditer(text)) for text in texts]
    spaces = sum(m.group().count(" ") for matches in every for m in matches)
    phrases = [[m for m in matches if any(_suspect(t) for t in m.group().split(" "))] for matches in every]
    words = Counter(word.lower() for text in texts for word in _WORD.findall(text))
    found = _gaps(phrases, _FIRST_RATE, words)
    split = sum(not _between_letters(text, gap) for text, gaps in zip(texts, found) for gap in gaps)
    rate = min(max(split / max(spaces, 1), _FIRST_RATE), 0.5)  # a space is at most as likely spurious as not
    return _gaps(phrases, rate, words) if rate > _FIRST_RATE else found


def _between_letters(text: str, gap: int) -> bool:
    """Whether the space at ``gap`` stands between two single letters ("c o n t r o l"): a word set
    letter by letter, a label's or a figure's lettering, which says nothing of the spaces of its prose."""
    def lone(i: int) -> bool:
        return _letter_at(text, i) and not _letter_at(text, i - 1) and not _letter_at(text, i + 1)

    return lone(gap - 1) and lone(gap + 1)


def _letter_at(text: str, i: int) -> bool:
    return 0 <= i < len(text) and text[i].isascii() and text[i].isalpha()


def _gaps(phrases: list[list[re.Match]], rate: float, words: Counter) -> list[list[int]]:
    model = _Model(rate, words)
    return [[m.start() + gap for m in matches for gap in model.gaps(m.group())] for matches in phrases]


def _suspect(token: str) -> bool:
    rank = _model()[1]
    word = token.lower()
    return word not in rank or (len(word) <= 2 and not _common(word, rank))


class _Model:
    """The reading of one document's phrases: Norvig's bigrams, where no pair is known each word's own
    probability, for a single letter mixed half and half with its share of the document's words (a
    variable "h" used throughout a proof is a word there, and "h is" stays apart; a fragment such as
    "whic" is not given the same benefit, it would read as a word in a document full of it), and the
    log-odds of the document's rate of spurious spaces."""

    def __init__(self, rate: float, words: Counter):
        self.keep, self.drop = math.log10(1 - rate), math.log10(rate)
        self.words, self.total = words, max(sum(words.values()), 1)

    def gaps(self, phrase: str) -> list[int]:
        """Offsets in ``phrase`` of the spaces its likeliest reading removes (Viterbi over token groups)."""
        tokens = phrase.split(" ")
        lower = [token.lower() for token in tokens]
        starts = _groups(tokens)
        score: dict[tuple[int, int], float] = {}
        back: dict[tuple[int, int], tuple[int, int] | None] = {}
        for end in range(1, len(tokens) + 1):
            for start in starts[end]:
                word = "".join(lower[start:end])
                removed = (end - start - 1) * self.drop
                if start == 0:
                    score[start, end], back[start, end] = self.log_p(word, None) + removed, None
                    continue
                follows = {k: score[k, start] + self.log_p(word, "".join(lower[k:start])) for k in starts[start]}
                prev = max(follows, key=follows.get)
                score[start, end], back[start, end] = follows[prev] + self.keep + removed, (prev, start)
        group: tuple[int, int] | None = max(((start, len(tokens)) for start in starts[len(tokens)]), key=score.get)
        ends = list(accumulate(len(token) + 1 for token in tokens))
        gaps = []
        while group:
            start, end = group
            gaps += [ends[i] - 1 for i in range(start, end - 1)]
            group = back[group]
        return sorted(gaps)

    def log_p(self, word: str, prev: str | None) -> float:
        """log10 P(word | prev): the pair's count over prev's if the pair is in the table; else the word's
        own probability at a stupid-backoff 0.4 (not capped by the table's least pair: a pair the web
        rarely prints, "h as", is common in a proof)."""
        cost, _, log_total = _model()
        if prev is not None and prev in cost:
            pair = _bigrams().get(f"{prev} {word}")
            if pair is not None:
                return pair - (log_total - cost[prev])
        web = 10 ** -cost.get(word, log_total - 1 + len(word))
        return math.log10(0.4 * ((web + self.words[word] / self.total) / 2 if len(word) == 1 else web))


def _groups(tokens: list[str]) -> dict[int, list[int]]:
    """For each end, the starts of the token groups ending there that may be one word: a single token,
    or tokens after the first in lower case that join into a word of the table the segmenter keeps
    whole, and if every piece is a common word, a common word."""
    rank = _model()[1]
    starts: dict[int, list[int]] = {end: [end - 1] for end in range(1, len(tokens) + 1)}
    for start in range(len(tokens)):
        word = tokens[start].lower()
        for end in range(start + 2, min(len(tokens), start + _PIECES) + 1):
            if not tokens[end - 1][0].islower() or len(word) + len(tokens[end - 1]) > _LONGEST:
                break
            word += tokens[end - 1].lower()
            if word in rank and segment(word) == [word] and \
                    (_common(word, rank) or not all(_common(t.lower(), rank) for t in tokens[start:end])):
                starts[end].append(start)
    return starts


def remove_spaces(text: str, offsets: list[int], gaps: list[int]) -> tuple[str, list[int]]:
    """``text`` without the characters at ``gaps``, and its offsets to match."""
    if not gaps:
        return text, offsets
    drop = set(gaps)
    keep = [i for i in range(len(text)) if i not in drop]
    return "".join(text[i] for i in keep), [offsets[i] for i in keep]
