"""Stage 5: hybrid retrieval — dense (Chroma) and BM25 (bm25s) ranked lists, fused into Evidence.

Fusion adds each list's scores scaled to [0, 1] (or, as a setting, reciprocal ranks with a small
``k``: llama-index's QueryFusionRetriever fixes k=60, which lets passages that are mediocre in both
lists outrank the one passage a retriever puts first). Then the papers the fused list points at are
searched again on their own (``within_paper_weight``): among dozens of papers the right paper is
usually found, and a word of its topic, rare in the library, is in every one of its chunks, so
within the paper it is the question's other words that pick the passage, read with the paper's own
abbreviations (``abbreviations.py``: "thiabendazole" finds "TBZ" where the paper defines it so), and
a passage gains where one of its sentences holds those words together (``sentence_weight``).
Reference-list chunks are kept out of answers to ordinary questions; they rank only when the
question is about cited works.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .abbreviations import Abbreviations
from .records import Chunk, Evidence, Paper
from .render import surname
from .settings import RetrieveSettings
from .spacing import SUBSCRIPT, commoner

if TYPE_CHECKING:
    from .index import VectorIndex

_TOKEN = re.compile(r"[^\W_]+(?:[.,]\d+)*", re.UNICODE)
_REFERENCE_QUESTION = re.compile(
    r"\b(cite[sd]?|citing|citation|references?|bibliograph\w*|reference list|sources?|works? (?:by|of)|"
    r"published (?:in|by)|which (?:book|article|journal|monograph)|publisher|journal)\b", re.I)


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    """nltk's English stop words, read from the file llama-index ships (importing nltk takes ~1 s)."""
    from .sentences import nltk_cache

    words = (nltk_cache() / "corpora" / "stopwords" / "english").read_text(encoding="utf-8").split()
    return frozenset(words) | {"according", "paper", "article", "author", "authors", "say", "says",
                               "does", "did", "mention", "mentioned", "describe", "discuss"}


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    """Porter's stemmer in C (PyStemmer): nltk's differs on ~1% of a library's words and costs ~1 s of imports."""
    import Stemmer

    return Stemmer.Stemmer("porter")


def stem(word: str) -> str:
    return _stemmer().stemWord(word)


_BRITISH = [(re.compile(r"isation"), "ization"), (re.compile(r"(?<=\w{3})our(s?)$"), r"or\1"),
            (re.compile(r"yse([ds]?)$"), r"yze\1"), (re.compile(r"^(licen|defen|offen|preten)c(e[ds]?)$"), r"\1s\2"),
            (re.compile(r"^(cent|theat|met|fib|lit)re(s?)$"), r"\1er\2"), (re.compile(r"^programme(s?)$"), r"program\1")]
_ISE = re.compile(r"(?<=\w{3})is(e[ds]?|ing|ers?)$")


def _american(word: str) -> str:
    """British spellings folded to American ones, so "licence" finds "license"; a verb in -ise ("synthesised")
    only where its -ize form is the commoner word of English (not "rise", "advise", "noise")."""
    for pattern, repl in _BRITISH:
        word = pattern.sub(repl, word)
    ise = _ISE.search(word)
    if ise:
        base = word[:ise.start()]
        if commoner(base + "ize", base + "ise"):
            word = f"{base}iz{ise.group(1)}"
    return word


@lru_cache(maxsize=1 << 17)
def _term(word: str) -> str:
    """A lower-cased word's index term. Cached because a library repeats its words: building
    BM25 over 10k chunks took 8.9 s of CPU in spelling folds and stemming, 1.0 s with the cache."""
    return stem(_american(word))


_NUMBER_UNIT = re.compile(r"(\d+(?:\.\d+)?)([a-z]{2,})")


def terms(text: str) -> list[str]:
    """Lower-cased, stop-word-free, stemmed tokens (numbers kept whole: 3.5, 272, 43,258); a number
    glued to a unit of two letters or more also gives both apart ("38mm": 38mm, 38, mm), as "38 mm"
    does; "23S", "3D" stay whole (names more often than a number and its unit); a subscript set apart
    ("cA 4") also gives the symbol as one word ("ca4")."""
    stop = _stopwords()
    out = []
    for word in (w.lower().replace(",", "") for w in _TOKEN.findall(text)):
        if word not in stop:
            out.append(_term(word))
            glued = _NUMBER_UNIT.fullmatch(word)
            if glued:
                out += [glued[1], _term(glued[2])]
    # a symbol with its subscript set apart ("cA 4") also gives the symbol as typed ("ca4"): one with a capital,
    # not a stop word ("In 2 cases")
    return out + [_term(m[1].lower() + m[2]) for m in SUBSCRIPT.finditer(text)
                  if not m[1].islower() and m[1].lower() not in stop]


def about_references(question: str) -> bool:
    """Whether the question asks about cited works ("which article does she cite", "the reference list")."""
    return any(m.group(0).lower() != "reference" or _names_a_cited_work(question[m.end():])
               for m in _REFERENCE_QUESTION.finditer(question))


def _names_a_cited_work(after: str) -> bool:
    """A singular "reference" is a cited work unless it qualifies the noun after it: "a reference genome",
    "the reference monitor" are not about the reference list; "reference 12", "the reference for", "the
    reference list" are."""
    following = re.match(r"\s*([^\W\d_]+)", after)
    return not following or following.group(1).lower() in _stopwords() | {"list"}


def _may_name(word: str, question: str) -> bool:
    """Whether a word of the question can be an author's name: in a question typed in mixed case only a
    capitalised word can ("Green et al.", not "green fluorescent"; surnames are often words: Young, White,
    Round, Mu); in one typed all in lower case, any word."""
    return word.lstrip("([{\"'“‘")[:1].isupper() or question == question.lower()  # "(Madaminova" too


_ET_AL = re.compile(r"\bet\s+al\b\.?(?:['’]s)?", re.I)
_ET_AL_TERMS = frozenset({"et", "al"})


def _year_naming(paper: Paper) -> re.Pattern:
    """The paper's year as a question names the paper by it: beside a surname, or before "paper", "study"..."""
    names = "|".join(re.escape(surname(a)) for a in paper.authors) or "$^"
    return re.compile(rf"({names})\W{{0,3}}{paper.year}\b|\b{paper.year}\W{{0,2}}"
                      r"(paper|article|study|publication|work|report)\b", re.I)


class PaperNames:
    """How a question names the papers of the library: by an author's surname ("Wei's", "Madaminova")
    or a year beside one ("Madaminova (2023)", "her 2023 paper"). Built once per library state, as it
    reads every author of the library."""

    def __init__(self, papers: dict[str, Paper]):
        self.by_paper = {pid: {t for a in p.authors for t in terms(surname(a))} for pid, p in papers.items()}
        self.first = {pid: set(terms(surname(p.authors[0]))) if p.authors else set() for pid, p in papers.items()}
        self.all = set().union(*self.by_paper.values())
        self._years = [(p.year, _year_naming(p)) for p in papers.values() if p.year]

    def terms_in(self, question: str) -> set[str]:
        """The question's terms that name an author of the library."""
        return {t for w in question.split() if _may_name(w, question) for t in terms(w)} & self.all

    def years_in(self, question: str) -> set[str]:
        """Years the question uses to name a paper, not to ask about."""
        return {year for year, pattern in self._years if pattern.search(question)}

    def naming(self, question: str) -> set[str]:
        """The question's terms that name papers, not what it asks about: authors' surnames, with the "et al."
        after them, and years beside them."""
        names = self.terms_in(question)
        if names and _ET_AL.search(question):
            names |= _ET_AL_TERMS
        return names | self.years_in(question)

    def without(self, question: str) -> str:
        """The question without the author names that picked the paper."""
        names = self.terms_in(question)
        kept = [w for w in question.split() if not (_may_name(w, question) and set(terms(w)) & names)]
        return " ".join(kept) or question

    def papers(self, question: str) -> list[str] | None:
        """Ids of the papers whose author the question names, when it names some but not all; those whose
        first author it names when there are such, as a paper is called by its first author ("Di and
        Cappello's paper" is not the one by Tao, Di, Chen and Cappello)."""
        asked = self.terms_in(question)
        named = [pid for pid, names in self.by_paper.items() if names & asked]
        named = [pid for pid in named if self.first[pid] & asked] or named
        return named if named and len(named) < len(self.by_paper) else None


class SparseIndex:
    """BM25 over all chunk texts, rebuilt when the catalogue version changes."""

    def __init__(self, chunks: list[Chunk], chunk_terms: list[list[str]] | None = None):
        import bm25s

        self.chunks = chunks
        self.retriever = bm25s.BM25()
        if chunk_terms is None:
            chunk_terms = [terms(c.text) for c in chunks]
        corpus = [ts or ["_empty_"] for ts in chunk_terms]
        if chunks:
            self.retriever.index(corpus, show_progress=False)

    def query(self, text: str, top_k: int, expand: Callable[[set[str]], set[str]] | None = None
              ) -> list[tuple[str, float]]:
        """The best chunks for the text's terms, with the terms ``expand`` adds to them (once each)."""
        asked = terms(text)
        if expand is not None:
            asked += sorted(expand(set(asked)) - set(asked))
        query = [t for t in asked if t in self._vocab] if self.chunks else []
        if not query:
            return []
        scores = self.retriever.get_scores(query)
        order = sorted(range(len(scores)), key=lambda i: -scores[i])[:top_k]
        return [(self.chunks[i].id, float(scores[i])) for i in order if scores[i] > 0]

    @property
    def _vocab(self) -> dict[str, int]:
        return self.retriever.vocab_dict


_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+(?=[A-Z(])")


class PaperSearch:
    """One paper searched on its own: BM25 with its own document frequencies, the abbreviations it defines
    ("thiabendazole" finds "TBZ"), and its chunks' sentences as sets of terms."""

    def __init__(self, chunks: list[Chunk]):
        self.chunks = chunks
        # each chunk's terms read once, sentence by sentence (a split between sentences cuts no term): the BM25
        # index takes them joined
        read = [[terms(s) for s in _SENTENCE_BREAK.split(c.text)] for c in chunks]
        self.index = SparseIndex(chunks, [[t for sentence in sentences for t in sentence] for sentences in read])
        self.abbreviations = Abbreviations((c.text for c in chunks), terms)
        self.sentences = [[set(sentence) for sentence in sentences] for sentences in read]
        self.df: Counter = Counter(t for sentences in self.sentences for t in set().union(*sentences))

    def best_sentences(self, question: str) -> dict[str, float]:
        """Each chunk's best sentence: the share of the question's terms it holds, each by its idf in the paper.
        A passage whose one sentence holds the question's words together beats one that has them spread out."""
        asked = set(terms(question))
        n = len(self.chunks)
        asked |= self.abbreviations.expand(asked)
        idf = {t: math.log((n + 1) / (self.df[t] + 0.5)) for t in asked if self.df[t]}
        total = sum(idf.values())
        if not total:
            return {}
        return {chunk.id: max(sum(w for t, w in idf.items() if t in sentence) for sentence in sentences) / total
                for chunk, sentences in zip(self.chunks, self.sentences)}


def fuse(rankings: list[list[str]], weights: list[float], k: int) -> dict[str, float]:
    """Weighted reciprocal-rank fusion: sum of w / (k + rank), rank from 1."""
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights):
        for rank, chunk_id in enumerate(ranking, start=1):
            scores[chunk_id] = scores.get(chunk_id, 0.0) + weight / (k + rank)
    return scores


def fuse_scores(results: list[list[tuple[str, float]]], weights: list[float]) -> dict[str, float]:
    """Weighted sum of each list's scores scaled to [0, 1] by its best and worst candidate.

    Unlike rank fusion, a passage one retriever scores far above the rest keeps that lead.
    """
    scores: dict[str, float] = {}
    for hits, weight in zip(results, weights):
        if not hits:
            continue
        top, low = hits[0][1], hits[-1][1]
        for chunk_id, score in hits:
            scaled = (score - low) / (top - low) if top > low else 1.0
            scores[chunk_id] = scores.get(chunk_id, 0.0) + weight * scaled
    return scores


class Retriever:
    """Dense + BM25 candidates → fused, filtered, ranked Evidence."""

    def __init__(self, settings: RetrieveSettings, vectors: VectorIndex, sparse: SparseIndex):
        self.settings = settings
        self.vectors = vectors
        self.sparse = sparse
        self.by_id = {c.id: c for c in sparse.chunks}
        self.of_paper: dict[str, list[Chunk]] = {}
        for chunk in sparse.chunks:
            self.of_paper.setdefault(chunk.paper_id, []).append(chunk)
        # what a paper is searched with on its own, for the last 64 papers searched (~35 ms to build for 170 chunks)
        self._paper_search = lru_cache(maxsize=64)(lambda paper_id: PaperSearch(self.of_paper[paper_id]))

    def retrieve(self, question: str, top_k: int | None = None, paper_ids: list[str] | None = None,
                 mode: str = "hybrid") -> list[Evidence]:
        top_k = top_k or self.settings.top_k
        n = self.settings.candidates
        dense = self.vectors.query(question, n, paper_ids) if mode in ("hybrid", "dense") else []
        sparse = self._sparse(question, n, paper_ids) if mode in ("hybrid", "sparse") else []
        dense_ids = [cid for cid, _ in dense if cid in self.by_id]
        sparse_ids = [cid for cid, _ in sparse]
        weights = [self.settings.dense_weight, self.settings.sparse_weight]
        if self.settings.fusion == "rrf":
            fused = fuse([dense_ids, sparse_ids], weights, self.settings.rrf_k)
        else:
            fused = fuse_scores([[(c, s) for c, s in dense if c in self.by_id], sparse], weights)
        if mode == "hybrid" and self.settings.within_paper_weight:
            self._within_papers(question, fused)
        refs_ok = about_references(question)
        ranked = sorted(fused, key=lambda cid: -fused[cid] * (1.0 if refs_ok or self.by_id[cid].kind != "references"
                                                              else 0.2))
        dense_rank = {cid: i + 1 for i, cid in enumerate(dense_ids)}
        sparse_rank = {cid: i + 1 for i, cid in enumerate(sparse_ids)}
        cosine = {cid: 1 + math.log(max(sim, 1e-9)) for cid, sim in dense}
        return [Evidence(chunk=self.by_id[cid], score=round(fused[cid], 6), dense_rank=dense_rank.get(cid),
                         sparse_rank=sparse_rank.get(cid), cosine=cosine.get(cid))
                for cid in ranked[:top_k]]

    def _within_papers(self, question: str, fused: dict[str, float]) -> None:
        """Add to ``fused`` each leading paper's own BM25 ranking of its chunks, scaled to [0, 1], and its chunks'
        best-sentence coverage of the question, both weighted by the paper's share of the fused scores
        (``within_papers`` papers)."""
        shares: dict[str, float] = {}
        total = sum(fused.values()) or 1.0
        for chunk_id, score in fused.items():
            paper_id = self.by_id[chunk_id].paper_id
            shares[paper_id] = shares.get(paper_id, 0.0) + score / total
        for paper_id in sorted(shares, key=lambda p: -shares[p])[: self.settings.within_papers]:
            paper = self._paper_search(paper_id)
            hits = paper.index.query(question, len(self.of_paper[paper_id]), paper.abbreviations.expand)
            weight = self.settings.within_paper_weight * shares[paper_id]
            for chunk_id, score in hits:
                fused[chunk_id] = fused.get(chunk_id, 0.0) + weight * score / hits[0][1]
            weight = self.settings.sentence_weight * shares[paper_id]
            for chunk_id, coverage in paper.best_sentences(question).items():
                fused[chunk_id] = fused.get(chunk_id, 0.0) + weight * coverage

    def _sparse(self, question: str, n: int, paper_ids: list[str] | None) -> list[tuple[str, float]]:
        hits = self.sparse.query(question, n * 3 if paper_ids else n)
        if paper_ids:
            hits = [(cid, s) for cid, s in hits if self.by_id[cid].paper_id in paper_ids][:n]
        return hits
