"""Stage 6: an extractive Answer with validated Citations, or an abstention.

No LLM: the answer is made of sentences from the retrieved passages, each cited with its
paper, printed page and verbatim quote. Candidates are the sentences of the retrieved
passages, plus the front matter of the papers for questions about a paper itself, plus the
reference-list entries for questions about cited works. A sentence that introduces a list
(ends with ":") or leans on its neighbour ("This document …") is kept with that neighbour.

Abstention is decided on the answer, not on similarity (BASELINES.md #2): the chosen
evidence must contain what the question asks about — its rare terms, its numbers and named
entities — and a "how many" question needs a number the question did not already give.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace

import numpy as np

from .chunking import sentence_spans
from .papers import front_matter_end
from .pdf import is_table_row, raw_span
from .records import Answer, AnswerSentence, Citation, Evidence, Page, Paper, Reference
from .references import ascii_fold
from .retrieve import about_references, terms
from .settings import AnswerSettings

_NUMBER = re.compile(r"\d[\d,.]*\d|\d")
_NUMERIC_Q = re.compile(r"\b(how (many|much|large|big|often)|what (number|percentage|share|proportion|fraction)|"
                        r"how high|per ?cent(age)?)\b", re.I)
_META_Q = re.compile(r"\b(who (wrote|is the author|authored)|author(s|ship)?\b|affiliat|institution|where is .* based|"
                     r"doi|licen[cs]e|publish(ed|er)?|proceedings|conference|journal|venue|appear(ed)?)\b", re.I)
_MULTI_Q = re.compile(r"\b(both|each|two papers|the papers|compare|comparison|differ\w*|respectively)\b", re.I)
_DEFINITION_Q = re.compile(r"^\s*(?:what|who)\s+(?:is|are|was|were)\s+(?:an?\s+|the\s+)?(.{2,60}?)\s*\??$", re.I)
_WORKS_Q = re.compile(r"\b(which|what) (other )?(works?|sources?|references?|studies|papers|articles|books|publications|"
                      r"literature|authors)\b.*\b(cite[sd]?|citing|reference[sd]?|draws? on|relies on|uses?)\b", re.I)
_LIST_Q = re.compile(r"\b(what are|which are|list|name the|stages|steps|components|elements|types|kinds|forms|"
                     r"groups|axes|factors|dimensions|shortcomings|weaknesses|conclusions|ways)\b", re.I)
_LEANS_BACK = re.compile(r"^(this|these|that|those|such|it|its|they|their|he|his|she|her|according to (him|her|them)|"
                         r"in (his|her|their) (opinion|view)|here|([\w'’-]+,?\s+){1,3}(this|these|such) (concept|category|term|"
                         r"approach|process|theory|definition|notion|view|idea|model|method)s?|as a result|consequently|"
                         r"thus|hence|for example|for instance|in particular)\b", re.I)
_ENUMERATOR = re.compile(r"^(\(?\d{1,2}[.)]|\(?[a-h][.)]\s|(the )?(first|second|third|fourth|fifth|sixth|seventh|last)(ly)?\b|"
                        r"finally\b|lastly\b|next\b|in addition\b|moreover\b|furthermore\b|also\b)", re.I)
_OPENS_LIST = re.compile(r":\s*$|:\s*\(?1[.)]|\b(following|as follows|(two|three|four|five|six|seven|eight|several|"
                         r"\d) (main |key |major |important )?\w+s)\b", re.I)
_ENDS = re.compile(r"[.?!:;)\"”’']\s*$")
_ENTITY = re.compile(r"(?<![.?!]\s)(?<!^)\b([A-Z][\w'’-]*[a-z][\w'’-]*|[A-Z]{2,})\b")
# Words that frame a question rather than name its content ("how many", "in which journal did it appear").
_GENERIC = {"paper", "articl", "author", "studi", "work", "text", "write", "wrote", "say", "claim", "draw", "cite",
            "mention", "describ", "discuss", "accord", "present", "character", "account", "view", "think", "argu",
            "point", "give", "note", "explain", "propos", "suggest", "identifi", "refer", "main", "kind", "mani",
            "much", "name", "month", "year", "date", "time", "list", "contain", "appear", "sens", "attribut", "along",
            "sort", "treat", "start", "question", "record", "report", "releas", "mean", "defin", "regard", "way", "base"}
_CONNECTIVES = {"of", "for", "and", "the", "on", "in", "de", "du", "des", "der", "&"}
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
    """A citable unit: one sentence (or two that belong together), or one reference entry."""

    paper_id: str
    page: Page
    text: str  # what the answer shows
    quote: str  # verbatim raw text of the page
    rank: int  # rank of the passage it came from
    chunk_id: str | None = None
    span: tuple[int, int] | None = None  # offsets in page.clean, for sentence units
    context: set[str] = field(default_factory=set)  # terms of the surrounding passage
    context_text: str = ""  # the surrounding passage
    terms: set[str] = field(default_factory=set)
    score: float = 0.0
    semantic: float = 0.0


@dataclass
class Query:
    """The question as the answerer reads it."""

    text: str  # standalone question (retrieval query)
    focus: str  # what the user typed
    ignore: set[str]  # terms that name papers in the library: authors' surnames, years ("Madaminova", "2023")

    @property
    def wanted(self) -> set[str]:
        return set(terms(self.focus)) - self.ignore - _GENERIC

    @property
    def wanted_all(self) -> set[str]:
        return set(terms(self.text)) - self.ignore - _GENERIC


class ExtractiveAnswerer:
    """Picks, scores and cites sentences from the evidence; decides whether to abstain."""

    def __init__(self, settings: AnswerSettings, encode, idf: dict[str, float], default_idf: float):
        self.settings = settings
        self.encode = encode  # list[str] -> list[vector] (normalised)
        self.idf = idf
        self.default_idf = default_idf
        self._sentences: dict[tuple[str, int], list[tuple[int, int]]] = {}
        self._vectors: dict[str, np.ndarray] = {}  # sentence text → vector; the library's text does not change

    def answer(self, query: Query, evidence: list[Evidence], pages: dict[tuple[str, int], Page],
               papers: dict[str, Paper], references: list[tuple[str, Reference]]) -> Answer:
        candidates = self._candidates(query, evidence, pages, references)
        chosen = self._choose(query, candidates, pages) if candidates else []
        if not chosen:
            return Answer(question=query.focus, standalone_question=query.text, evidence=evidence, abstained=True)
        return self._compose(query, chosen, evidence, papers)

    def _choose(self, query: Query, candidates: list[Candidate], pages) -> list[Candidate]:
        self._score(query, candidates)
        chosen = [self._extend(c) for c in self._select(query, candidates)]
        chosen += [nxt for c in chosen for nxt in self._next_page_items(c, pages)]
        chosen = [unit for c in chosen for unit in self._table_header(c) + [c]]
        return chosen if self._supported(query, chosen) else []

    # candidates ---------------------------------------------------------------------------
    def _candidates(self, query: Query, evidence: list[Evidence], pages, references) -> list[Candidate]:
        refs_ok = about_references(query.text)
        meta = bool(_META_Q.search(query.focus))
        out: list[Candidate] = []
        for rank, ev in enumerate(evidence[: self.settings.max_passages]):
            if ev.chunk.kind == "references" and not refs_ok:
                continue
            page = pages[(ev.chunk.paper_id, ev.chunk.page_index)]
            lo = ev.chunk.start if page.index or meta else max(ev.chunk.start, front_matter_end(page.clean))
            out += self._sentence_units(page, ev.chunk.paper_id, lo, ev.chunk.end, rank, ev.chunk.id, ev.chunk.text)
        if meta:
            out += self._front_matter(evidence, pages)
        if refs_ok:
            out += self._reference_units(query, evidence, pages, references)
        return _dedupe(out)

    def _sentence_units(self, page: Page, paper_id: str, lo: int, hi: int, rank: int, chunk_id: str | None,
                        context_text: str) -> list[Candidate]:
        if hi <= lo:
            return []
        units = []
        context = set(terms(context_text))
        for start, end in self._page_sentences(page, paper_id):
            if min(end, hi) - max(start, lo) < 0.6 * (end - start):
                continue
            text = page.clean[start:end].strip()
            if len(text.split()) < 3 or (not _ENDS.search(text) and len(text.split()) < 20 and not is_table_row(text)):
                continue  # fragments and headings are not answers; a table row is
            units.append(_respan(Candidate(paper_id, page, text, "", rank, chunk_id, None, context, context_text),
                                 page, start, end))
        return units

    def _front_matter(self, evidence: list[Evidence], pages) -> list[Candidate]:
        """The first-page sentences (title block, footnote) of the papers the evidence is from."""
        out: list[Candidate] = []
        for pid in dict.fromkeys(e.chunk.paper_id for e in evidence):
            page = pages.get((pid, 0))
            if page is not None:
                out += self._sentence_units(page, pid, 0, front_matter_end(page.clean), 0, None, "")
        return out

    def _reference_units(self, query: Query, evidence: list[Evidence], pages, references) -> list[Candidate]:
        """Reference-list entries of the papers in play, each quoted from the page it is printed on."""
        in_play = {e.chunk.paper_id for e in evidence}
        by_label = {(pid, p.label): p for (pid, _), p in pages.items() if pid in in_play}
        out = []
        for pid, ref in references:
            page = by_label.get((pid, ref.page))
            if page is not None and quote_on_page(ref.raw, page):
                cited_as = " ".join(c.sentence for c in ref.contexts)
                out.append(Candidate(pid, page, ref.raw, " ".join(ref.raw.split()), 0, None, None,
                                     set(terms(cited_as)), cited_as, set(terms(ref.raw))))
        return out

    def _page_sentences(self, page: Page, paper_id: str) -> list[tuple[int, int]]:
        key = (paper_id, page.index)
        if key not in self._sentences:
            self._sentences[key] = sentence_spans(page.clean)
        return self._sentences[key]

    # scoring ------------------------------------------------------------------------------
    def _score(self, query: Query, candidates: list[Candidate]) -> None:
        wanted, wanted_all = query.wanted, query.wanted_all
        sims = self._vectors_of([c.text for c in candidates]) @ np.asarray(self.encode([query.text])[0])
        numeric = bool(_NUMERIC_Q.search(query.focus))
        defines = _definition_pattern(query.focus)
        listing = bool(_LIST_Q.search(query.focus))
        phrases = _bigrams(terms(query.focus)) - {(a, b) for a in query.ignore for b in query.ignore}
        for cand, sim in zip(candidates, sims):
            cand.semantic = float(sim)
            own = 0.7 if query.text == query.focus else 0.5
            words = cand.terms | cand.context if cand.span is None else cand.terms  # an entry and where it is cited
            lexical = own * self._coverage(wanted, words) + (1 - own) * self._coverage(wanted_all, words)
            prior = 1.0 / (1.0 + 0.15 * cand.rank)
            bonus = 0.1 if numeric and _new_numbers(query.focus, cand.text) else 0.0
            bonus += 0.25 if is_table_row(cand.text) and self._names_rare_term(wanted, cand.terms) else 0.0
            bonus += 0.15 if defines and defines.search(cand.text) else 0.0
            bonus += 0.1 if listing and _OPENS_LIST.search(cand.text) else 0.0
            bonus += self._phrase_bonus(phrases & _bigrams(terms(cand.text)))
            cand.score = 0.45 * cand.semantic + 0.4 * lexical + 0.15 * prior + bonus

    def _vectors_of(self, texts: list[str]) -> np.ndarray:
        """Sentence vectors, encoding only those not seen before (bounded cache)."""
        missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        if len(self._vectors) + len(missing) > 50_000:
            self._vectors.clear()
        self._vectors.update(zip(missing, np.asarray(self.encode(missing)) if missing else []))
        return np.asarray([self._vectors[t] for t in texts])

    def _phrase_bonus(self, matched: set[tuple[str, str]]) -> float:
        """Credit for the question's word pairs found verbatim, by the rarity of the pair's words,
        so a paper's topic phrase (in every passage) counts for little."""
        rarity = sorted((min(self._idf(a), self._idf(b)) / self.default_idf for a, b in matched), reverse=True)
        return 0.1 * sum(rarity[:2])

    def _names_rare_term(self, wanted: set[str], have: set[str]) -> bool:
        """The unit holds one of the question's rarest terms (a run name, a dataset, a variable)."""
        return any(self._idf(t) >= 0.8 * self.default_idf for t in wanted & have)

    def _coverage(self, wanted: set[str], have: set[str]) -> float:
        total = sum(self._idf(t) for t in wanted)
        return sum(self._idf(t) for t in wanted if t in have) / total if total else 0.0

    def _idf(self, term: str) -> float:
        return self.idf.get(term, self.default_idf)

    # selection ----------------------------------------------------------------------------
    def _select(self, query: Query, candidates: list[Candidate]) -> list[Candidate]:
        ranked = sorted(candidates, key=lambda c: -c.score)
        if _WORKS_Q.search(query.focus) and any(c.span is None for c in ranked):
            ranked = [c for c in ranked if c.span is None]  # "which works does X cite": the entries themselves
        best = ranked[0]
        multi = bool(_MULTI_Q.search(query.focus))
        keep = self.settings.keep_ratio * (0.9 if _LIST_Q.search(query.focus) or _WORKS_Q.search(query.focus) else 1.0)
        chosen = [best]
        covered = best.terms & query.wanted_all
        for cand in ranked[1:]:
            if len(chosen) >= self.settings.max_sentences:
                break
            papers = {c.paper_id for c in chosen}
            new_paper = cand.paper_id not in papers
            adds = bool((cand.terms & query.wanted_all) - covered) or _same_page(cand, best)
            fits = (not new_paper and adds) or (multi and new_paper)
            good = cand.score >= best.score * keep or (multi and new_paper and cand.score >= best.score * 0.6)
            if fits and good and not any(_redundant(cand, c) for c in chosen):
                chosen.append(cand)
                covered |= cand.terms & query.wanted_all
        return chosen + self._cited_entry(query, ranked, chosen)

    def _cited_entry(self, query: Query, ranked: list[Candidate], chosen: list[Candidate]) -> list[Candidate]:
        """For a question about cited works, the best reference entry naming what the question names."""
        if not about_references(query.text) or any(c.span is None for c in chosen):
            return []
        names = {t for m in _ENTITY.finditer(query.focus) for t in terms(m.group(1))} - query.ignore
        entries = [c for c in ranked if c.span is None and set(terms(c.text.split(",")[0])) & names]
        return entries[:1]

    def _extend(self, cand: Candidate) -> Candidate:
        """Keep a list's opening with its items, and a sentence that leans back with the one before."""
        if cand.span is None:
            return cand
        spans = self._page_sentences(cand.page, cand.paper_id)
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
        spans = self._page_sentences(cand.page, cand.paper_id)
        before = [s for s in spans if s[1] <= cand.span[0]]
        clean = cand.page.clean
        while before and is_table_row(clean[before[-1][0]:before[-1][1]]):
            before.pop()
        if not before:
            return []
        return [_respan(cand, cand.page, *before[-1])]

    def _next_page_items(self, cand: Candidate, pages) -> list[Candidate]:
        """A list that runs to the end of its page continues with the enumerated items on the next."""
        spans = self._page_sentences(cand.page, cand.paper_id)
        nxt = pages.get((cand.paper_id, cand.page.index + 1))
        if cand.span is None or nxt is None or not spans or cand.span[1] < spans[-1][1]:
            return []
        if not (_OPENS_LIST.search(cand.text) or _ENUMERATOR.match(cand.page.clean[spans[-1][0]:])):
            return []
        items = []
        for start, end in self._page_sentences(nxt, cand.paper_id)[:7]:
            if not _ENUMERATOR.match(nxt.clean[start:]):
                break
            items.append(_respan(cand, nxt, start, end, chunk_id=None, context=set(), context_text=""))
        return items

    # abstention ---------------------------------------------------------------------------
    def _supported(self, query: Query, chosen: list[Candidate]) -> bool:
        """Does the chosen evidence contain what the question asks for?"""
        said = set().union(*(c.terms for c in chosen))
        have = said | chosen[0].context
        if not _entities_present(query, have, " ".join(c.text for c in chosen) + " " + chosen[0].context_text):
            return False
        if _NUMERIC_Q.search(query.focus) and not any(_new_numbers(query.focus, c.text) for c in chosen):
            return False
        coverage = max(self._coverage(query.wanted, have), self._coverage(query.wanted_all, have))
        best = chosen[0]
        return coverage >= self.settings.min_support or (best.semantic >= self.settings.min_semantic
                                                          and coverage >= self.settings.min_support / 2)

    # composition --------------------------------------------------------------------------
    def _compose(self, query: Query, chosen: list[Candidate], evidence: list[Evidence],
                 papers: dict[str, Paper]) -> Answer:
        citations: list[Citation] = []
        sentences: list[AnswerSentence] = []
        for cand in chosen:
            if not quote_on_page(cand.quote, cand.page):
                continue  # never show a citation that does not check out
            paper = papers[cand.paper_id]
            citations.append(Citation(paper_id=paper.id, file_name=paper.file_name, page=cand.page.label,
                                      quote=cand.quote, chunk_id=cand.chunk_id, authors=paper.authors,
                                      year=paper.year))
            sentences.append(AnswerSentence(text=cand.text, citations=[len(citations) - 1]))
        if not sentences:
            return Answer(question=query.focus, standalone_question=query.text, evidence=evidence, abstained=True)
        cited = {c.paper_id: papers[c.paper_id] for c in citations}
        return Answer(question=query.focus, standalone_question=query.text, sentences=sentences,
                      citations=citations, evidence=evidence, papers=cited)


def _respan(cand: Candidate, page: Page, start: int, end: int, **changes) -> Candidate:
    """``cand`` moved to ``page.clean[start:end]``: its text, verbatim quote and terms follow."""
    text = page.clean[start:end].strip()
    return replace(cand, page=page, text=text, quote=raw_span(page, start, end), span=(start, end),
                   terms=set(terms(text)), **changes)


def _dedupe(candidates: list[Candidate]) -> list[Candidate]:
    seen: set[str] = set()
    out = []
    for cand in candidates:
        key = normalise(cand.text)
        if key not in seen:
            seen.add(key)
            out.append(cand)
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


def _same_page(a: Candidate, b: Candidate) -> bool:
    return a.paper_id == b.paper_id and a.page.index == b.page.index


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


def _entities_present(query: Query, have: set[str], text: str) -> bool:
    """Years and named entities of the question (other than paper names) occur in the evidence.

    Years must match exactly. A name may be spelled otherwise ("Tsoukala" / "Tsukalalar",
    "Buzan" / "Buzen": papers misspell names) and an acronym may be spelled out ("IOM" /
    "International Organization for Migration").
    """
    years = [y for y in re.findall(r"\b(?:1[89]|20)\d\d\b", query.focus) if y not in query.ignore]
    if any(y not in text for y in years):
        return False
    words = re.findall(r"[^\W\d_][\w'’-]*", text)
    capitals = {_fold(w) for w in words if w[0].isupper()}
    acronyms = _acronyms(words)
    for match in _ENTITY.finditer(query.focus):
        name = re.sub(r"['’]s$", "", match.group(1))
        stem = terms(name)
        if not stem or stem[0] in query.ignore or stem[0] in _GENERIC or stem[0] in have:
            continue
        if not (name.isupper() and name in acronyms) and not _fuzzy_in(_fold(name), capitals):
            return False
    return True


def _fold(word: str) -> str:
    """A name compared as letters only: ascii-folded, lower case, without a possessive 's."""
    return ascii_fold(word).replace("’", "'").removesuffix("'s")


def _fuzzy_in(name: str, capitals: set[str]) -> bool:
    from rapidfuzz import fuzz

    return any(c[:1] == name[:1] and fuzz.ratio(name, c) >= 72 for c in capitals)


def _acronyms(words: list[str]) -> set[str]:
    """Initials of every run of capitalised words ("United Nations" → "UN"), connectives skipped."""
    out: set[str] = set()
    run: list[str] = []
    for word in words + ["."]:
        if word[0].isupper():
            run.append(word[0])
        elif word.lower() not in _CONNECTIVES:
            for i in range(len(run)):
                for j in range(i + 2, len(run) + 1):
                    out.add("".join(run[i:j]))
            run = []
    return out


def idf_table(chunk_terms: list[set[str]]) -> tuple[dict[str, float], float]:
    """Inverse document frequency of every term over the chunks, and the value for unseen terms."""
    n = len(chunk_terms) or 1
    df: dict[str, int] = {}
    for ts in chunk_terms:
        for t in ts:
            df[t] = df.get(t, 0) + 1
    idf = {t: math.log(1 + n / d) for t, d in df.items()}
    return idf, math.log(1 + n)
