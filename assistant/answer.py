"""Stage 6: an extractive Answer with validated Citations, or an abstention.

No LLM: the answer is made of sentences from the retrieved passages, each cited with its
paper, printed page and verbatim quote. Abstention is decided on the answer, not on
similarity (BASELINES.md #2): the chosen sentences and their passage must contain what the
question asks about (its rare terms, its numbers and years).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from .chunking import sentence_spans
from .pdf import raw_span
from .records import Answer, AnswerSentence, Citation, Evidence, Page, Paper
from .retrieve import about_references, terms
from .settings import AnswerSettings

_NUMBER = re.compile(r"\b\d[\d,.]*\b")
_NUMERIC_Q = re.compile(r"\b(how (many|much|often|long|large)|what (number|percentage|share|proportion|year|date)|"
                        r"when|in which year|per ?cent|percentage|rate)\b", re.I)
_WHO_Q = re.compile(r"\b(who|whom|whose|which (scholar|researcher|author|organi[sz]ation|school|agency))\b", re.I)
_MULTI_Q = re.compile(r"\b(both|each|compare|comparison|differ|two papers|papers|all the|list|which .* and)\b", re.I)
_PUNCT = re.compile(r"[^\w\s]")
_ARTICLES = re.compile(r"\b(a|an|the)\b")


def normalise(text: str) -> str:
    """SCHEMA.md normalisation: lower case, punctuation and articles dropped, whitespace collapsed."""
    text = _PUNCT.sub(" ", text.lower())
    return " ".join(_ARTICLES.sub(" ", text).split())


def quote_on_page(quote: str, page: Page) -> bool:
    """True when the quote occurs, normalised, in the raw text of the page."""
    q = normalise(quote)
    return bool(q) and q in normalise(page.text)


@dataclass
class Candidate:
    evidence: Evidence
    page: Page
    start: int  # offsets into page.clean
    end: int
    rank: int
    text: str = ""
    score: float = 0.0
    lexical: float = 0.0
    semantic: float = 0.0
    terms: set[str] = field(default_factory=set)


class ExtractiveAnswerer:
    """Picks, scores and cites sentences from the evidence; decides whether to abstain."""

    def __init__(self, settings: AnswerSettings, encode, idf: dict[str, float], default_idf: float):
        self.settings = settings
        self.encode = encode  # list[str] -> list[vector] (normalised)
        self.idf = idf
        self.default_idf = default_idf
        self._sentences: dict[tuple[str, int], list[tuple[int, int]]] = {}

    def answer(self, question: str, focus: str, evidence: list[Evidence], pages: dict[tuple[str, int], Page],
               papers: dict[str, Paper]) -> Answer:
        """``question`` is the standalone question used for retrieval; ``focus`` is what the user typed."""
        candidates = self._candidates(question, evidence, pages)
        if not candidates:
            return Answer(question=focus, standalone_question=question, evidence=evidence, abstained=True)
        self._score(question, focus, candidates)
        chosen = self._select(focus, candidates)
        if not self._supported(focus, chosen):
            return Answer(question=focus, standalone_question=question, evidence=evidence, abstained=True)
        return self._compose(focus, question, chosen, evidence, papers)

    # candidates ---------------------------------------------------------------------------
    def _candidates(self, question: str, evidence: list[Evidence], pages) -> list[Candidate]:
        refs_ok = about_references(question)
        seen: set[str] = set()
        out: list[Candidate] = []
        for rank, ev in enumerate(evidence[: self.settings.max_passages]):
            chunk = ev.chunk
            if chunk.kind == "references" and not refs_ok:
                continue
            key = (chunk.paper_id, chunk.page_index)
            page = pages[key]
            if key not in self._sentences:
                self._sentences[key] = sentence_spans(page.clean)
            for start, end in self._sentences[key]:
                if end <= chunk.start or start >= chunk.end or not _inside(start, end, chunk.start, chunk.end):
                    continue
                text = page.clean[start:end].strip()
                norm = normalise(text)
                if len(norm.split()) < 4 or norm in seen:
                    continue
                seen.add(norm)
                out.append(Candidate(ev, page, start, end, rank, text=text, terms=set(terms(text))))
        return out

    # scoring ------------------------------------------------------------------------------
    def _score(self, question: str, focus: str, candidates: list[Candidate]) -> None:
        q_terms = set(terms(question))
        f_terms = set(terms(focus))
        vectors = np.asarray(self.encode([question] + [c.text for c in candidates]))
        sims = vectors[1:] @ vectors[0]
        numeric = bool(_NUMERIC_Q.search(focus))
        for cand, sim in zip(candidates, sims):
            cand.semantic = float(sim)
            cand.lexical = 0.7 * self._coverage(f_terms, cand.terms) + 0.3 * self._coverage(q_terms, cand.terms)
            prior = 1.0 / (1.0 + 0.15 * cand.rank)
            bonus = 0.1 if numeric and _NUMBER.search(cand.text) else 0.0
            cand.score = 0.45 * cand.semantic + 0.4 * cand.lexical + 0.15 * prior + bonus

    def _coverage(self, wanted: set[str], have: set[str]) -> float:
        total = sum(self._idf(t) for t in wanted)
        return sum(self._idf(t) for t in wanted if t in have) / total if total else 0.0

    def _idf(self, term: str) -> float:
        return self.idf.get(term, self.default_idf)

    # selection ----------------------------------------------------------------------------
    def _select(self, focus: str, candidates: list[Candidate]) -> list[Candidate]:
        ranked = sorted(candidates, key=lambda c: -c.score)
        best = ranked[0]
        floor = best.score * self.settings.keep_ratio
        multi = bool(_MULTI_Q.search(focus))
        chosen = [best]
        for cand in ranked[1:]:
            if len(chosen) >= self.settings.max_sentences:
                break
            new_paper = cand.evidence.chunk.paper_id not in {c.evidence.chunk.paper_id for c in chosen}
            good = cand.score >= floor or (multi and new_paper and cand.score >= best.score * 0.6)
            if good and not any(_redundant(cand, c) for c in chosen):
                chosen.append(cand)
        return chosen

    # abstention ---------------------------------------------------------------------------
    def _supported(self, focus: str, chosen: list[Candidate]) -> bool:
        """Does the chosen evidence contain what the question asks for?"""
        have = set().union(*(c.terms for c in chosen)) | set(terms(chosen[0].evidence.chunk.text))
        wanted = set(terms(focus))
        for number in _NUMBER.findall(focus):
            if terms(number) and terms(number)[0] not in have:
                return False
        coverage = self._coverage(wanted, have)
        best = chosen[0]
        return coverage >= self.settings.min_support or (best.semantic >= self.settings.min_semantic
                                                          and coverage >= self.settings.min_support / 2)

    # composition --------------------------------------------------------------------------
    def _compose(self, focus: str, question: str, chosen: list[Candidate], evidence: list[Evidence],
                 papers: dict[str, Paper]) -> Answer:
        citations: list[Citation] = []
        sentences: list[AnswerSentence] = []
        for cand in chosen:
            chunk = cand.evidence.chunk
            quote = raw_span(cand.page, cand.start, cand.end)
            if not quote_on_page(quote, cand.page):
                continue  # never show a citation that does not check out
            paper = papers[chunk.paper_id]
            citations.append(Citation(paper_id=paper.id, file_name=paper.file_name, page=cand.page.label,
                                      quote=quote, chunk_id=chunk.id, authors=paper.authors, year=paper.year))
            sentences.append(AnswerSentence(text=cand.text, citations=[len(citations) - 1]))
        if not sentences:
            return Answer(question=focus, standalone_question=question, evidence=evidence, abstained=True)
        cited = {c.paper_id: papers[c.paper_id] for c in citations}
        return Answer(question=focus, standalone_question=question, sentences=sentences, citations=citations,
                      evidence=evidence, papers=cited)


def _inside(start: int, end: int, lo: int, hi: int) -> bool:
    """Most of the sentence lies within the chunk span."""
    overlap = min(end, hi) - max(start, lo)
    return overlap >= 0.6 * (end - start)


def _redundant(a: Candidate, b: Candidate) -> bool:
    if not a.terms or not b.terms:
        return False
    return len(a.terms & b.terms) / min(len(a.terms), len(b.terms)) > 0.7


def idf_table(chunk_terms: list[set[str]]) -> tuple[dict[str, float], float]:
    """Inverse document frequency of every term over the chunks, and the value for unseen terms."""
    n = len(chunk_terms) or 1
    df: dict[str, int] = {}
    for ts in chunk_terms:
        for t in ts:
            df[t] = df.get(t, 0) + 1
    idf = {t: math.log(1 + n / d) for t, d in df.items()}
    return idf, math.log(1 + n)
