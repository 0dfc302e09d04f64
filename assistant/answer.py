"""Stage 6: an extractive Answer with validated Citations, or an abstention.

No LLM: the answer is made of sentences from the retrieved passages, each cited with its
paper, printed page and verbatim quote. Candidates are the sentences of the retrieved
passages, the first-page front matter of the papers they come from, and, for questions about
cited works, the reference-list entries. A sentence that opens a list (ends with ":") or leans
on its neighbour ("This document …") is kept with that neighbour.

Every candidate is described by general features (``FEATURES``: similarity, idf-weighted
coverage of the question, the passage's retrieval score, numbers, position; a paper's own
abbreviations, "thiabendazole (TBZ)", make its two forms one term) and scored by weights
fitted on the development questions (``assistant fit``: a ranker of each question's candidates,
scaled to probabilities). Whether the evidence answers the question at all is a logistic model
over question-level features (``SUPPORT_FEATURES``: how good the best candidate is, and how much
of the question — its rarest terms above all — the top passages lack). The weights and the
abstention threshold live in ``answer_model.json``, fitted on development questions; so do the
shares of the best probability a further sentence needs, which each fit carries over (chosen by
the fit, they cost precision on validation; see evals/README.md).
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from .abbreviations import Abbreviations
from .about import asked_field, printed_span, record_paper, record_words
from .chunking import sentence_spans
from .papers import front_matter_end
from .pdf import is_table_row, raw_span
from .records import Answer, AnswerSentence, Citation, Evidence, Page, Paper, Reference
from .render import record_sentence
from .retrieve import about_references, terms
from .settings import AnswerSettings
from .textnorm import contains, normalize

BUNDLED_MODEL = Path(__file__).with_name("answer_model.json")
FEATURES = (
    "semantic",  # cosine of question and candidate, by MiniLM's word-piece embeddings (Encoder.word_piece_vectors)
    "passage_score",  # the fused retrieval score of its passage, relative to the best passage
    "passage_prior",  # 1 / (1 + rank of its passage)
    "coverage",  # share of the question's terms in the candidate, each by its idf and its rarity in the paper
    "context_coverage",  # ... in the candidate and its passage
    "phrase",  # the question's word pairs found verbatim, weighted by rarity
    "rarest",  # share of the question's two rarest terms the candidate holds
    "quantity",  # a "how many/much" question and a number the question did not give
    "has_number",
    "length",  # words, capped at 60, / 60
    "table_row",
    "paper_share",  # share of the retrieval score held by the candidate's paper
    "front_matter",  # from the first page's title block
    "bibliographic",  # a question about authors/venue/DOI and a front-matter candidate
    "entry",  # a reference-list entry
    "defines",  # "X is a …" for a "what is X" question
    "opens_list",  # ends with ":" or announces "the following" / "three main …"
    "position",  # where in its paper it is printed, 0 (the start) to 1 (the end)
)

SUPPORT_FEATURES = (
    "best",  # the best candidate's probability
    "best_coverage",  # its idf-weighted coverage of the question
    "missing_rarest",  # idf (relative) of the rarest question term the library has but no top passage holds
    "missing_share",  # idf-weighted share of the question's terms found in none of the top passages (_top_passages)
    "missing_unknown",  # share of the question's terms found nowhere in the library (paraphrase, or off-topic)
    "best_semantic",  # the best candidate's similarity to the question
    "best_rarest",  # the share of the question's two rarest terms the best candidate holds
    "best_meaning",  # the best cosine of the question with the likeliest candidates, by the encoder's sentence vectors
)
_MEANING_CANDIDATES = 5  # likeliest candidates the encoder reads for "best_meaning" (~47 ms a warm ask, benchmarks/)

_NUMBER = re.compile(r"\d[\d,.]*\d|\d")
_QUANTITY_Q = re.compile(r"\b(how (many|much|large|big|long|often|high)|what (number|percentage|share|proportion|"
                         r"fraction|ratio)|per ?cent(age)?)\b", re.I)
_BIBLIOGRAPHIC_Q = re.compile(r"\b(wrote|authors?|authored|affiliat\w*|doi|licen[cs]e|published|publisher|journal|"
                              r"venue|proceedings)\b", re.I)
_DEFINITION_Q = re.compile(r"^\s*(?:what|who)\s+(?:is|are|was|were)\s+(?:an?\s+|the\s+)?(.{2,60}?)\s*\??$", re.I)
_LEANS_BACK = re.compile(r"^(this|these|that|those|such|it|its|they|their|he|his|she|her|according to (him|her|them)|"
                         r"in (his|her|their) (opinion|view)|here|([\w'’-]+,?\s+){1,3}(this|these|such) (concept|category|term|"
                         r"approach|process|theory|definition|notion|view|idea|model|method)s?|as a result|consequently|"
                         r"thus|hence|for example|for instance|in particular)\b", re.I)
_ENUMERATOR = re.compile(r"^(\(?\d{1,2}[.)]|\(?[a-h][.)]\s|(the )?(first|second|third|fourth|fifth|sixth|seventh|last)(ly)?\b|"
                        r"finally\b|lastly\b|next\b|in addition\b|moreover\b|furthermore\b|also\b)", re.I)
_OPENS_LIST = re.compile(r":\s*$|:\s*\(?1[.)]|\b(following|as follows|(two|three|four|five|six|seven|eight|several|"
                         r"\d) (main |key |major |important )?\w+s)\b", re.I)
_ENDS = re.compile(r"[.?!:;)\"”’']\s*$")


def quote_on_page(quote: str, page: Page) -> bool:
    """True when the quote occurs, normalised as SCHEMA.md says, in the raw text of the page."""
    return contains(page.text, quote)


def entry_quote(entry: str, page: Page) -> str | None:
    """A reference-list entry's verbatim quote: the raw text behind the entry's place in the clean
    text (an entry is read from the clean text, where "Spatio-\ntemporal" became one word that the
    raw text does not have), else the entry itself if it is on the page as it is; None if neither."""
    found = re.search(r"\s*".join(map(re.escape, entry.split())), page.clean)
    if found:
        return raw_span(page, *found.span())
    return " ".join(entry.split()) if quote_on_page(entry, page) else None


@dataclass
class Candidate:
    """A citable unit: one sentence (or a few that belong together), or one reference entry."""

    paper_id: str
    page: Page
    text: str  # what the answer shows
    quote: str  # verbatim raw text of the page
    rank: int  # rank of the passage it came from
    chunk_id: str | None = None
    span: tuple[int, int] | None = None  # offsets in page.clean; None for a reference entry
    context: set[str] = field(default_factory=set)  # terms of the surrounding passage
    terms: set[str] = field(default_factory=set)
    passage_score: float = 0.0
    front: bool = False

    @property
    def answers(self) -> set[str]:
        """The question terms it can answer: a sentence's own; an entry's, its citing sentence's and the words
        for the fields every entry prints ("journal", "year", "published")."""
        return self.terms if self.span is not None else self.terms | self.context | record_words()


@dataclass
class _PaperWords:
    """What the answerer reads from a whole paper once (``ExtractiveAnswerer._paper``)."""

    counts: Counter  # sentences holding each term
    sentences: int
    abbreviations: Abbreviations  # the short and long forms the paper defines


@dataclass
class Query:
    """The question as the answerer reads it."""

    text: str  # standalone question (retrieval query)
    focus: str  # what the user typed
    ignore: set[str]  # terms that name papers in the library: authors' surnames, years ("Madaminova", "2023")

    @property
    def wanted(self) -> set[str]:
        return set(terms(self.text)) - self.ignore


@dataclass
class AnswerModel:
    """The fitted scorer: logistic weights over FEATURES (candidates) and SUPPORT_FEATURES (the
    question), the abstention threshold on the support probability, and the shares of the best
    probability a further unit needs."""

    weights: dict[str, float]
    bias: float
    threshold: float  # on the support probability
    keep: float  # share of the best probability a further unit on the best one's page needs
    keep_other: float = 1.0  # ... and one on another page
    complement: float = 1.0  # coverage of the question a unit of another paper must add to join (1: never)
    support_weights: dict[str, float] = field(default_factory=dict)
    support_bias: float = 0.0
    fitted_on: dict = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path | None = None) -> AnswerModel:
        return cls(**json.loads(Path(path or BUNDLED_MODEL).read_text()))

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.__dict__, indent=1) + "\n")

    def probability(self, x: np.ndarray) -> np.ndarray:
        """Each candidate's probability of being (part of) the answer."""
        return _logistic(x, FEATURES, self.weights, self.bias)

    def support(self, q: np.ndarray) -> float:
        """The probability that the evidence answers the question at all."""
        return float(_logistic(q, SUPPORT_FEATURES, self.support_weights, self.support_bias))


def _logistic(x: np.ndarray, names: tuple[str, ...], weights: dict[str, float], bias: float) -> np.ndarray:
    w = np.array([weights.get(name, 0.0) for name in names])
    return 1.0 / (1.0 + np.exp(-(x @ w + bias)))


class ExtractiveAnswerer:
    """Finds, describes and scores the candidates; picks the answer or abstains."""

    def __init__(self, settings: AnswerSettings, encode, word_vectors, idf: dict[str, float], default_idf: float):
        self.settings = settings
        self.model = AnswerModel.load(settings.model_path)
        self.encode = encode  # list[str] -> list[vector] (normalised): the encoder, for an LLM's claims
        self.word_vectors = word_vectors  # list[str] -> array of unit vectors: cheap, for every candidate
        self.idf = idf
        self.default_idf = default_idf
        self._papers: dict[str, _PaperWords] = {}  # per paper, read once from all its pages

    def answer(self, query: Query, evidence: list[Evidence], pages: dict[tuple[str, int], Page],
               papers: dict[str, Paper], references: list[tuple[str, Reference]]) -> Answer:
        record = self._from_record(query, evidence, pages, papers)
        if record is not None:
            return record
        candidates, x = self.described(query, evidence, pages, references)
        p = self.model.probability(x)
        supported = bool(candidates) and self.model.support(self.support_features(query, candidates, x, p)) \
            >= self.model.threshold
        chosen = select(candidates, p, self.model, self.settings.max_sentences, self.coverage_of(query)) \
            if supported else []
        if chosen and about_references(query.text) and all(c.span is not None for c in chosen):
            chosen += _best_entry(candidates, p)
        if not chosen:
            return Answer(question=query.focus, standalone_question=query.text, evidence=evidence, abstained=True)
        units = _merge([unit for c in chosen for unit in self._complete(c, pages)])
        return self._compose(query, units, evidence, papers)

    def _from_record(self, query: Query, evidence: list[Evidence], pages, papers: dict[str, Paper]) -> Answer | None:
        """A question about a paper itself (``about``) answered by the paper's record, cited to the
        sentence of its first page that prints the value asked for."""
        retrieved = [papers[pid] for pid in dict.fromkeys(e.chunk.paper_id for e in evidence)]
        paper = record_paper(query.focus, retrieved, query.ignore)
        page = pages.get((paper.id, 0)) if paper else None
        span = printed_span(page, paper, asked_field(query.focus) or "title") if page else None
        if span is None:
            return None
        around = next(((a, b) for a, b in self._page_sentences(page) if a <= span[0] < b), span)
        unit = _respan(Candidate(paper.id, page, "", "", 0, front=True), page, *around)
        return self._compose(query, [unit], evidence, papers, record=True)

    def described(self, query: Query, evidence: list[Evidence], pages, references) -> tuple[list[Candidate], np.ndarray]:
        """The candidates and their feature matrix (rows in candidate order, columns in FEATURES order)."""
        candidates = self._candidates(query, evidence, pages, references)
        return candidates, self._features(query, candidates, evidence, pages)

    # candidates ---------------------------------------------------------------------------
    def _candidates(self, query: Query, evidence: list[Evidence], pages, references) -> list[Candidate]:
        passages = evidence[: self.settings.max_passages]
        top = max((e.score for e in passages), default=0.0) or 1.0
        refs_ok = about_references(query.text)
        out: list[Candidate] = []
        for rank, ev in enumerate(passages):
            if ev.chunk.kind == "references":
                continue  # the list is quoted by whole entries (_reference_units), never by sentence fragments
            page = pages[(ev.chunk.paper_id, ev.chunk.page_index)]
            lo = ev.chunk.start if page.index else max(ev.chunk.start, front_matter_end(page.clean))
            out += self._sentence_units(page, ev.chunk.paper_id, lo, ev.chunk.end, rank, ev.chunk.id, ev.chunk.text,
                                        ev.score / top)
        out += self._front_matter(passages, pages)
        if refs_ok:
            out += self._reference_units(passages, pages, references, self._known(query.wanted))
        return [self._with_definitions(cand, pages) for cand in _dedupe(out)]

    def _with_definitions(self, cand: Candidate, pages) -> Candidate:
        """The candidate's words and its passage's with the other form of each abbreviation its paper defines."""
        abbreviations = self._paper(cand.paper_id, pages).abbreviations
        return replace(cand, terms=abbreviations.expand(cand.terms), context=abbreviations.expand(cand.context))

    def _sentence_units(self, page: Page, paper_id: str, lo: int, hi: int, rank: int, chunk_id: str | None,
                        context_text: str, passage_score: float, front: bool = False) -> list[Candidate]:
        if hi <= lo:
            return []
        units = []
        context = set(terms(context_text))
        for start, end in self._page_sentences(page):
            if min(end, hi) - max(start, lo) < 0.6 * (end - start):
                continue
            text = page.clean[start:end].strip()
            if len(text.split()) < 3 or (not _ENDS.search(text) and len(text.split()) < 20 and not is_table_row(text)):
                continue  # fragments and headings are not answers; a table row is
            units.append(_respan(Candidate(paper_id, page, text, "", rank, chunk_id, None, context,
                                           passage_score=passage_score, front=front), page, start, end))
        return units

    def _front_matter(self, passages: list[Evidence], pages) -> list[Candidate]:
        """The first-page title block and footnote of the papers the passages come from."""
        out: list[Candidate] = []
        for pid in dict.fromkeys(e.chunk.paper_id for e in passages):
            page = pages.get((pid, 0))
            if page is not None:
                out += self._sentence_units(page, pid, 0, front_matter_end(page.clean), len(passages), None, "",
                                            0.0, front=True)
        return out

    def _reference_units(self, passages: list[Evidence], pages, references, wanted: set[str]) -> list[Candidate]:
        """Reference-list entries of the papers in play, each quoted from the page it is printed on;
        its context is the sentence citing it that, with the entry, covers most of the question (one
        sentence: the words of all of them, for a work cited on many pages, would cover any question)."""
        in_play = {e.chunk.paper_id for e in passages}
        by_label = {(pid, p.label): p for (pid, _), p in pages.items() if pid in in_play}
        out = []
        for pid, ref in references:
            page = by_label.get((pid, ref.page))
            quote = entry_quote(ref.raw, page) if page is not None else None
            if quote:
                entry = set(terms(ref.raw))
                cited_as = max((set(terms(c.sentence)) for c in ref.contexts), default=set(),
                               key=lambda context: self._coverage(wanted, entry | context))
                out.append(Candidate(pid, page, ref.raw, quote, len(passages), None, None, cited_as, entry))
        return out

    @staticmethod
    def _page_sentences(page: Page) -> list[tuple[int, int]]:
        """The page's sentence spans: stored with it, or (pages stored before they were) split now."""
        return page.sentences or sentence_spans(page.clean)

    # features -----------------------------------------------------------------------------
    def _features(self, query: Query, candidates: list[Candidate], evidence: list[Evidence], pages) -> np.ndarray:
        if not candidates:
            return np.zeros((0, len(FEATURES)))
        wanted = self._known(query.wanted)
        rarest = set(sorted(wanted, key=lambda t: (-self._idf(t), t))[:2])  # ties by name: the same in every process
        vectors = self.word_vectors([query.text] + [c.text for c in candidates])
        sims = vectors[1:] @ vectors[0]
        quantity = bool(_QUANTITY_Q.search(query.focus))
        bibliographic = bool(_BIBLIOGRAPHIC_Q.search(query.focus))
        defines = _definition_pattern(query.focus)
        phrases = _bigrams(terms(query.text))
        share = _paper_shares(evidence[: self.settings.max_passages])
        n_pages = Counter(pid for pid, _ in pages)
        rows = []
        for cand, sim in zip(candidates, sims):
            words = cand.answers
            rows.append([
                float(sim), cand.passage_score, 1.0 / (1.0 + cand.rank),
                self._coverage(wanted, words, self._rarity_in(cand.paper_id, pages)),
                self._coverage(wanted, words | cand.context), self._phrase(phrases & _bigrams(terms(cand.text))),
                len(rarest & words) / len(rarest) if rarest else 0.0,
                float(quantity and _new_numbers(query.focus, cand.text)), float(bool(_NUMBER.search(cand.text))),
                min(len(cand.text.split()), 60) / 60, float(is_table_row(cand.text)), share.get(cand.paper_id, 0.0),
                float(cand.front), float(cand.front and bibliographic), float(cand.span is None),
                float(bool(defines and defines.search(cand.text))), float(bool(_OPENS_LIST.search(cand.text))),
                _position(cand, n_pages[cand.paper_id]),
            ])
        return np.asarray(rows, dtype=float)

    def support_features(self, query: Query, candidates: list[Candidate], x: np.ndarray, p: np.ndarray) -> np.ndarray:
        """SUPPORT_FEATURES of a question, from its candidates (``x``) and their probabilities (``p``)."""
        best = int(np.argmax(p))
        top = set().union(*(c.context | c.answers for c in _top_passages(candidates)))
        known = self._known(query.wanted)
        missing = {t for t in known if t not in top}
        rarest = max((self._idf(t) for t in missing), default=0.0) / self.default_idf
        unknown = 1 - len(known) / len(query.wanted) if query.wanted else 0.0
        return np.array([p[best], x[best, FEATURES.index("coverage")], rarest, self._coverage(known, missing),
                         unknown, x[best, FEATURES.index("semantic")],
                         x[best, FEATURES.index("rarest")], self._best_meaning(query, candidates, p)])

    def _best_meaning(self, query: Query, candidates: list[Candidate], p: np.ndarray) -> float:
        """How near in meaning the likeliest candidates come to the question, by the encoder itself (not the
        word pieces): a question on a subject the library does not hold finds words, not meaning (mean .30 on
        such development questions, .67 on answerable ones, .62 on their paraphrases)."""
        likeliest = np.argsort(-p, kind="stable")[:_MEANING_CANDIDATES]
        vectors = np.asarray(self.encode([query.text] + [candidates[i].text for i in likeliest]))
        return float(np.max(vectors[1:] @ vectors[0]))

    def coverage_of(self, query: Query) -> Callable[[set[str]], float]:
        """A function: a set of terms -> the idf-weighted share of the question's (known) terms it holds."""
        known = self._known(query.wanted)
        return lambda have: self._coverage(known, have)

    def _phrase(self, matched: set[tuple[str, str]]) -> float:
        """The question's word pairs found verbatim, by the rarity of the pair's words (at most 1)."""
        rarity = sorted((min(self._idf(a), self._idf(b)) / self.default_idf for a, b in matched), reverse=True)
        return min(sum(rarity[:2]), 2.0) / 2

    def _coverage(self, wanted: set[str], have: set[str], rarity: Callable[[str], float] | None = None) -> float:
        weight = {t: self._idf(t) * (rarity(t) if rarity else 1.0) for t in wanted}
        total = sum(weight.values())
        return sum(w for t, w in weight.items() if t in have) / total if total else 0.0

    def _rarity_in(self, paper_id: str, pages) -> Callable[[str], float]:
        """A term's rarity among the paper's sentences, from 0 (in all of them) to 1 (in none): the question's
        words for the paper's topic ("neurofeedback", in a neurofeedback study) single out none of its sentences,
        its other words do."""
        words = self._paper(paper_id, pages)
        n = words.sentences
        return lambda t: math.log((n + 1) / (words.counts.get(t, 0) + 1)) / math.log(n + 1) if n else 1.0

    def _paper(self, paper_id: str, pages) -> _PaperWords:
        """What the answerer reads from a whole paper (all its pages are in ``pages``), once per paper."""
        if paper_id not in self._papers:
            if len(self._papers) >= 256:
                self._papers.clear()
            own = [pages[key] for key in sorted(key for key in pages if key[0] == paper_id)]
            counts: Counter = Counter()
            n = 0
            for page in own:
                for a, b in self._page_sentences(page):
                    counts.update(set(terms(page.clean[a:b])))
                    n += 1
            self._papers[paper_id] = _PaperWords(counts, n, Abbreviations((p.clean for p in own), terms))
        return self._papers[paper_id]

    def _known(self, wanted: set[str]) -> set[str]:
        """The terms the library uses somewhere: a word no page has can be matched by no candidate,
        so it weighs in only as ``missing_unknown``, never as coverage the evidence lacks."""
        return {t for t in wanted if t in self.idf}

    def _idf(self, term: str) -> float:
        return self.idf.get(term, self.default_idf)

    # completing the chosen units ----------------------------------------------------------
    def _complete(self, cand: Candidate, pages) -> list[Candidate]:
        """The unit with what it needs to be read: a list's items (also over a page break), the
        sentence it leans on, the header of a table row (after the row: the answer leads)."""
        whole = self._extend(cand)
        return [whole] + self._next_page_items(whole, pages) + self._table_header(whole)

    def _extend(self, cand: Candidate) -> Candidate:
        """Keep a list's opening with its items, and a sentence that leans back with the one before."""
        if cand.span is None:
            return cand
        spans = self._page_sentences(cand.page)
        i = next((n for n, s in enumerate(spans) if s[0] >= cand.span[0]), None)
        if i is None:
            return cand
        clean = cand.page.clean
        start, end, j = cand.span[0], cand.span[1], i
        if _OPENS_LIST.search(clean[start:end]):
            j = _last_item(clean, spans, i)
            if j == i and clean[start:end].rstrip().endswith(":") and j + 1 < len(spans):
                j += 1
        elif j + 1 < len(spans) and _LEANS_BACK.match(clean[spans[j + 1][0]:]):
            j += 1
        end = max(end, spans[j][1])
        if _LEANS_BACK.match(clean[start:end]) and i > 0:
            start = spans[i - 1][0]
        return cand if (start, end) == cand.span else _respan(cand, cand.page, start, end)

    def _table_header(self, cand: Candidate) -> list[Candidate]:
        """A table row is cited with the line above its block of rows (the caption or column header)."""
        if cand.span is None or not is_table_row(cand.text):
            return []
        spans = self._page_sentences(cand.page)
        before = [s for s in spans if s[1] <= cand.span[0]]
        clean = cand.page.clean
        while before and is_table_row(clean[before[-1][0]:before[-1][1]]):
            before.pop()
        if not before:
            return []
        return [_respan(cand, cand.page, *before[-1])]

    def _next_page_items(self, cand: Candidate, pages) -> list[Candidate]:
        """A list that runs to the end of its page continues with the enumerated items on the next."""
        spans = self._page_sentences(cand.page)
        nxt = pages.get((cand.paper_id, cand.page.index + 1))
        if cand.span is None or nxt is None or not spans or cand.span[1] < spans[-1][1]:
            return []
        if not (_OPENS_LIST.search(cand.text) or _ENUMERATOR.match(cand.page.clean[spans[-1][0]:])):
            return []
        items = []
        for start, end in self._page_sentences(nxt)[:7]:
            if not _ENUMERATOR.match(nxt.clean[start:]):
                break
            items.append(_respan(cand, nxt, start, end, chunk_id=None, context=set()))
        return items

    # composition --------------------------------------------------------------------------
    def _compose(self, query: Query, chosen: list[Candidate], evidence: list[Evidence],
                 papers: dict[str, Paper], record: bool = False) -> Answer:
        """The answer's sentences with their citations. With ``record``, the paper's record alone,
        cited to the (one) chosen unit. When the question is about the paper itself (authors,
        venue, DOI) and the model chose a sentence of its front matter, the paper's record leads,
        cited to that front-matter quote: the page the record was read from."""
        citations: list[Citation] = []
        sentences: list[AnswerSentence] = []
        front: int | None = None  # the citation of the first front-matter unit
        for cand in chosen:
            if not quote_on_page(cand.quote, cand.page):
                continue  # never show a citation that does not check out
            paper = papers[cand.paper_id]
            citations.append(Citation(paper_id=paper.id, file_name=paper.file_name, page=cand.page.label,
                                      quote=cand.quote, shown=cand.text, chunk_id=cand.chunk_id,
                                      authors=paper.authors, year=paper.year))
            sentences.append(AnswerSentence(text=cand.text, citations=[len(citations) - 1]))
            if front is None and cand.front:
                front = len(citations) - 1
        if not sentences:
            return Answer(question=query.focus, standalone_question=query.text, evidence=evidence, abstained=True)
        if record:
            sentences = [AnswerSentence(text=record_sentence(papers[citations[0].paper_id]), citations=[0])]
        elif front is not None and _BIBLIOGRAPHIC_Q.search(query.focus):
            entry = record_sentence(papers[citations[front].paper_id])
            sentences.insert(0, AnswerSentence(text=entry, citations=[front]))
        cited = {c.paper_id: papers[c.paper_id] for c in citations}
        return Answer(question=query.focus, standalone_question=query.text, sentences=sentences,
                      citations=citations, evidence=evidence, papers=cited)


def select(candidates: list[Candidate], probability: np.ndarray, model: AnswerModel, max_units: int,
           coverage: Callable[[set[str]], float] | None = None) -> list[Candidate]:
    """The answer's units, most probable first: a further unit when it says something new and
    reaches ``keep`` of the best probability on the best unit's page, ``keep_other`` elsewhere;
    then, when the units come from one paper, the likeliest unit of another paper that covers
    ``model.complement`` more of the question (a question about two papers)."""
    order = [int(i) for i in np.argsort(-probability, kind="stable")]
    if not order:
        return []
    best = probability[order[0]]
    lead = candidates[order[0]]
    chosen = [lead]
    for i in order[1:]:
        if len(chosen) >= max_units:
            break
        cand = candidates[i]
        same_page = cand.paper_id == lead.paper_id and cand.page.index == lead.page.index
        if probability[i] >= (model.keep if same_page else model.keep_other) * best and \
                not any(_redundant(cand, c) for c in chosen):
            chosen.append(cand)
    if coverage is not None and model.complement < 1 and len({c.paper_id for c in chosen}) == 1:
        chosen += _complement(chosen, (candidates[i] for i in order), coverage, model.complement)
    return chosen


def _complement(chosen: list[Candidate], likeliest: Iterable[Candidate], coverage: Callable[[set[str]], float],
                gain: float) -> list[Candidate]:
    """The likeliest unit of the next paper (``likeliest``: the candidates, most probable first), when it
    covers at least ``gain`` more of the question than the chosen units of the first paper do: the other
    half of a question about two papers."""
    other = next((c for c in likeliest if c.paper_id != chosen[0].paper_id), None)
    have = set().union(*(c.terms for c in chosen))
    return [other] if other is not None and coverage(have | other.terms) - coverage(have) >= gain else []


def _best_entry(candidates: list[Candidate], probability: np.ndarray) -> list[Candidate]:
    """A question about cited works is answered with a work: the most probable reference-list
    entry joins the answer when none was chosen (entries are candidates only for such questions)."""
    entries = [i for i, c in enumerate(candidates) if c.span is None]
    return [candidates[max(entries, key=lambda i: probability[i])]] if entries else []


def _top_passages(candidates: list[Candidate], ranks: int = 3, papers_within: int = 5) -> list[Candidate]:
    """The candidates whose words count as "what the top passages hold": those of the first ``ranks``
    passages, of each paper's first passage within the first ``papers_within`` (a question about two
    papers finds its terms split between them, so the second paper's best passage counts too, even
    below the top three), and reference entries."""
    first: dict[str, int] = {}
    for c in candidates:
        first[c.paper_id] = min(first.get(c.paper_id, c.rank), c.rank)
    return [c for c in candidates
            if c.rank < ranks or c.span is None or (c.rank < papers_within and c.rank == first[c.paper_id])]


def _position(cand: Candidate, pages: int) -> float:
    """Where the unit is printed in its paper, from 0 (its first line) to 1 (its last)."""
    within = cand.span[0] / max(len(cand.page.clean), 1) if cand.span else 0.5
    return min((cand.page.index + within) / max(pages, 1), 1.0)


def _paper_shares(passages: list[Evidence]) -> dict[str, float]:
    """Each paper's share of the passages' summed retrieval scores: how much the retrieval
    as a whole, not one passage, points at the paper."""
    total = sum(max(e.score, 0.0) for e in passages) or 1.0
    shares: dict[str, float] = {}
    for e in passages:
        shares[e.chunk.paper_id] = shares.get(e.chunk.paper_id, 0.0) + max(e.score, 0.0) / total
    return shares


def _respan(cand: Candidate, page: Page, start: int, end: int, **changes) -> Candidate:
    """``cand`` moved to ``page.clean[start:end]``: its text, verbatim quote and terms follow."""
    text = page.clean[start:end].strip()
    return replace(cand, page=page, text=text, quote=raw_span(page, start, end), span=(start, end),
                   terms=set(terms(text)), **changes)


def _dedupe(candidates: list[Candidate]) -> list[Candidate]:
    seen: set[str] = set()
    out = []
    for cand in candidates:
        key = normalize(cand.text)
        if key not in seen:
            seen.add(key)
            out.append(cand)
    return out


def _merge(units: list[Candidate]) -> list[Candidate]:
    """Units in order, with a unit that overlaps an earlier one on the same page merged into it."""
    out: list[Candidate] = []
    for unit in units:
        same = next((i for i, o in enumerate(out) if o.span and unit.span and o.page is unit.page
                     and o.span[0] < unit.span[1] and unit.span[0] < o.span[1]), None)
        if same is None:
            if normalize(unit.text) not in {normalize(o.text) for o in out}:
                out.append(unit)
            continue
        kept = out[same]
        span = (min(kept.span[0], unit.span[0]), max(kept.span[1], unit.span[1]))
        out[same] = _respan(kept, kept.page, *span)
    return out


def _bigrams(words: list[str]) -> set[tuple[str, str]]:
    return set(zip(words, words[1:]))


def _last_item(clean: str, spans: list[tuple[int, int]], opener: int) -> int:
    """The last enumerated item ("2.", "Secondly, …") after a list's opening sentence.

    Items may be a sentence or two apart (an item can run over several sentences), but the
    list ends at the first gap of more than two sentences or after eight sentences.
    """
    last = opener
    for k in range(opener + 1, min(opener + 9, len(spans))):
        if k - last > 2:
            break
        if _ENUMERATOR.match(clean[spans[k][0]:]):
            last = k
    return last


def _redundant(a: Candidate, b: Candidate) -> bool:
    if a.span and b.span and a.page is b.page and a.span[0] < b.span[1] and b.span[0] < a.span[1]:
        return True
    if not a.terms or not b.terms:
        return False
    return len(a.terms & b.terms) / min(len(a.terms), len(b.terms)) > 0.7


def _definition_pattern(question: str) -> re.Pattern | None:
    """For "What is X?", a pattern for sentences that define X ("X is a …", "X (…) is", "X refers to")."""
    match = _DEFINITION_Q.match(question)
    if not match:
        return None
    subject = re.escape(match.group(1).strip(" \"'“”"))
    return re.compile(rf"\b{subject}\b(?:\s*\([^)]*\))?,?\s+(?:is|are|was|refers to|denotes|means|"
                      rf"can be defined as|is defined as)\b|\b{subject}(?:,|:)\s+(?:an?|the)\s+\w+|"
                      rf"\b(?:called|termed|known as)\s+[\"“]?{subject}", re.I)


def _new_numbers(question: str, text: str) -> bool:
    """The text states a number the question did not already give (the answer to "how many").

    Citation markers ("[13]"), section or list numbers ("3.2.", "1)") and labels ("Table 3") are
    not numbers stated.
    """
    text = re.sub(r"\[\d+(?:\s*[,–-]\s*\d+)*\]|(?:^|\s)\d+(?:\.\d+)*[.)](?=\s)|\b(?:Table|Fig\.?|Figure|Section|Sec\.|"
                  r"Eq\.?|Equation|Chapter|Appendix)\s*[\dIVX]+", " ", text)
    asked = {n.replace(",", "") for n in _NUMBER.findall(question)}
    return any(n.replace(",", "") not in asked for n in _NUMBER.findall(text)) or bool(
        re.search(r"\b(one|two|three|four|five|six|seven|eight|nine|ten|dozen|hundred|thousand|million|billion)\b",
                  text, re.I))


def idf_table(chunk_terms: list[list[str]]) -> tuple[dict[str, float], float]:
    """Inverse document frequency of every term over the chunks, and the value for unseen terms."""
    n = len(chunk_terms) or 1
    df: dict[str, int] = {}
    for ts in chunk_terms:
        for t in set(ts):
            df[t] = df.get(t, 0) + 1
    idf = {t: math.log(1 + n / d) for t, d in df.items()}
    return idf, math.log(1 + n)
