"""Optional generative backends behind an OpenAI-compatible endpoint (Ollama, vLLM, llama.cpp server, OpenAI).

Nothing needs them: with no ``llm.base_url`` configured the assistant stays extractive and
offline. The LLM never has the last word on a citation. It writes plain sentences, each ending
with the number of the passage behind it (``[2]``); its reply is streamed as it is written and
then checked sentence by sentence (``LLMAnswerer.check``):

- markers that name no passage are dropped, and so is anything that looks like a citation the
  LLM wrote itself (``(Smith, 2099)``): citations are made here, from library pages only;
- the quote is cut from the page: the sentence of the named passage that the LLM's sentence
  restates (``Support``: shared terms, similar meaning, every number in it), traced back to the
  verbatim raw text and checked against the page;
- a sentence its passage does not support is re-cited to another passage that does, or removed;
  with none left the answer abstains.

When the endpoint is down, slow (``llm.timeout_s``) or sends nothing usable, the extractive
answerer answers instead and the stream says so.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from typing import Callable, Protocol

import numpy as np

from .answer import ExtractiveAnswerer, Query, quote_on_page
from .chunking import sentence_spans
from .pdf import raw_span
from .prompts import load_prompts
from .records import Answer, AnswerEvent, AnswerSentence, Citation, Evidence, Page, Paper, Reference
from .retrieve import terms
from .settings import AnswerSettings, LLMSettings, Settings

log = logging.getLogger(__name__)

_HISTORY_TURNS = 6
_TURN_CHARS = 600  # earlier answers are long; their opening is enough to resolve "they" or "it"
_MIN_WORDS = 3  # shorter "sentences" ("[1]", "Yes.") state nothing to check
_MIN_TERMS = 3  # nor do fewer content words ("In addition, according to [2].")
# "[2]", "[1, 3]", "[Passage 2]": where the LLM says which passage backs a sentence
_MARKER = re.compile(r"\[\s*(?:passages?\s*)?(\d+(?:\s*(?:,|;|and|&|-|–)\s*\d+)*)\s*\]", re.I)
_BRACKETS = re.compile(r"\[[^\]]*\]")
# a citation the LLM wrote itself: "(Smith, 2099)", "(Hanna Bradby et al., 2015, p. 4)", "(2099)", "(Wei 2020;
# Li 2019)": a parenthesis ending in a year (and page) that names someone, or holds the year alone
_SELF_CITED = re.compile(r"\((?:[^()]{0,80}?[A-Z][^()]{0,80}?[,\s])?\d{4}[a-z]?"
                         r"(?:,\s*pp?\.\s*[\dxvi]+(?:\s*[–-]\s*\d+)?)?\s*\)")
_MARKERS_AFTER_STOP = re.compile(r"([.!?])((?:[ \t]*\[[^\]]*\])+)")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


class LLMError(Exception):
    """The endpoint could not be reached, was too slow, or gave no usable reply."""


class Answerer(Protocol):
    def answer(self, query: Query, evidence: list[Evidence], pages: dict[tuple[str, int], Page],
               papers: dict[str, Paper], references: list[tuple[str, Reference]]) -> Answer: ...


class OpenAICompatible:
    """A client for ``POST {base_url}/chat/completions``, deterministic (temperature 0), streamed."""

    def __init__(self, settings: LLMSettings, prompts: dict[str, str] | None = None):
        if not settings.base_url:
            raise LLMError("no LLM endpoint configured: set llm.base_url (ASSISTANT_LLM__BASE_URL)")
        self.settings = settings
        self.prompts = prompts or load_prompts()

    @property
    def url(self) -> str:
        return f"{self.settings.base_url.rstrip('/')}/chat/completions"

    def stream(self, prompt: str, max_tokens: int | None = None) -> Iterator[str]:
        """The reply to one user message, in pieces as the server writes them (server-sent events).

        Closing the iterator closes the HTTP response, which is how a client tells an
        OpenAI-compatible server to stop generating. Raises LLMError when the endpoint cannot
        be reached, answers with an error, sends nothing usable, sends nothing for
        ``timeout_s``, or has not finished within ``timeout_s`` (checked as pieces arrive).
        """
        import httpx

        timeout = self.settings.timeout_s
        body = {"model": self.settings.model, "messages": [{"role": "user", "content": prompt}], "temperature": 0,
                "stream": True, "max_tokens": max_tokens or self.settings.max_tokens}
        headers = {"Authorization": f"Bearer {self.settings.api_key}"} if self.settings.api_key else {}
        deadline = time.monotonic() + timeout
        sent = False
        try:
            with httpx.Client(timeout=timeout) as http, http.stream("POST", self.url, json=body,
                                                                    headers=headers) as response:
                if response.is_error:
                    response.read()
                    raise LLMError(f"LLM endpoint {self.url} answered HTTP {response.status_code}: "
                                   f"{response.text[:200]}")
                for piece in filter(None, self._pieces(response)):  # a role-only first chunk has no content
                    if time.monotonic() > deadline:
                        raise LLMError(f"LLM endpoint {self.url} did not finish its reply within {timeout:g} s "
                                       "(llm.timeout_s)")
                    sent = sent or bool(piece.strip())
                    yield piece
        except httpx.TimeoutException as exc:
            raise LLMError(f"LLM endpoint {self.url} sent nothing for {timeout:g} s (llm.timeout_s): "
                           f"{type(exc).__name__}") from exc
        except httpx.HTTPError as exc:
            raise LLMError(f"LLM endpoint {self.url} failed: {type(exc).__name__}: {exc}") from exc
        if not sent:
            raise LLMError(f"LLM endpoint {self.url} sent an empty reply")

    def _pieces(self, response) -> Iterator[str]:
        """The content pieces of an event stream; a server that ignores ``stream`` sends one completion."""
        if not response.headers.get("content-type", "").startswith("text/event-stream"):
            response.read()
            yield _content(response.text, "message", self.url)
            return
        for line in response.iter_lines():
            data = line.removeprefix("data:").strip() if line.startswith("data:") else None
            if data == "[DONE]":
                return
            if data:
                yield _content(data, "delta", self.url)

    def complete(self, prompt: str, max_tokens: int | None = None) -> str:
        """The whole reply to one user message."""
        return "".join(self.stream(prompt, max_tokens))

    def choose(self, question: str, options: list[str], passages: list[Evidence]) -> str:
        """The reply to a multiple-choice question (lettered ``options``) about the passages."""
        prompt = self.prompts["choice"].format(question=question, options="\n".join(options),
                                               passages=numbered_passages(passages))
        return self.complete(prompt, max_tokens=16)

    def condense(self, question: str, history: list[dict[str, str]]) -> str:
        """The follow-up rewritten as a question that stands alone."""
        prompt = self.prompts["condense"].format(history=_transcript(history), question=question)
        lines = self.complete(prompt).strip().splitlines()
        rewrite = lines[0].strip().strip("\"“”") if lines else ""
        if not rewrite:
            raise LLMError("the LLM returned an empty rewrite")
        return rewrite


def _content(data: str, field: str, url: str) -> str:
    """``choices[0][field].content`` of one JSON chunk (``delta`` when streamed, ``message`` when not)."""
    try:
        chunk = json.loads(data)
    except ValueError:
        chunk = None
    if isinstance(chunk, dict) and "error" in chunk:
        raise LLMError(f"LLM endpoint {url} reported an error: {str(chunk['error'])[:200]}")
    try:
        content = chunk["choices"][0][field].get("content") if chunk["choices"] else ""
    except (LookupError, TypeError, AttributeError):
        raise LLMError(f"LLM endpoint {url} sent no chat completion: {data[:200]}") from None
    return content if isinstance(content, str) else ""


def _transcript(history: list[dict[str, str]]) -> str:
    turns = history[-_HISTORY_TURNS:]
    return "\n".join(f"{t.get('role', 'user').capitalize()}: {t.get('content', '')[:_TURN_CHARS]}" for t in turns)


def numbered_passages(passages: list[Evidence]) -> str:
    """The passages as the prompts show them: ``[n] file, p. label`` and the text."""
    return "\n\n".join(f"[{n}] {e.chunk.file_name}, p. {e.chunk.page_label}\n{e.chunk.text}"
                       for n, e in enumerate(passages, 1))


# reading the draft ------------------------------------------------------------------------------
@dataclass
class Claim:
    """One sentence of the LLM's draft: its text without markers, and the passages its markers name."""

    text: str
    passages: list[int]  # 1-based passage numbers that exist


def parse_claims(draft: str, n_passages: int) -> list[Claim]:
    """The draft's sentences, each with the passage numbers its markers name (others dropped)."""
    draft = _MARKERS_AFTER_STOP.sub(r"\2\1", draft)  # "… 2019. [1]" belongs to the sentence before
    claims = []
    for start, end in sentence_spans(draft):
        sentence = draft[start:end]
        named = [int(n) for m in _MARKER.finditer(sentence) for n in re.findall(r"\d+", m.group(1))]
        text = " ".join(_SELF_CITED.sub(" ", _BRACKETS.sub(" ", sentence)).split())
        text = re.sub(r"\s+([.,;:!?])", r"\1", text).strip(" ,;")
        if len(set(terms(text))) >= _MIN_TERMS and not text.endswith("?"):  # a question (an echo) claims nothing
            claims.append(Claim(text, list(dict.fromkeys(n for n in named if 1 <= n <= n_passages))))
    return claims


# support ----------------------------------------------------------------------------------------
@dataclass
class _Unit:
    """A sentence of a passage: a quote that may back a claim."""

    passage: int  # 1-based
    page: Page
    start: int  # offsets in page.clean
    end: int
    terms: set[str]
    numbers: set[str]


class Support:
    """Which sentence of the passages backs a claim. A claim must restate its quote: the quote
    holds ``answer.min_support`` of the claim's terms (idf-weighted), is as close in meaning as
    ``answer.min_semantic`` (MiniLM cosine), and states every number the claim states."""

    def __init__(self, extractive: ExtractiveAnswerer, settings: AnswerSettings):
        self.encode = extractive.encode
        self.idf, self.default_idf = extractive.idf, extractive.default_idf
        self.settings = settings

    def units(self, passages: list[Evidence], pages: dict[tuple[str, int], Page]) -> list[_Unit]:
        """The sentences that lie (mostly) inside each passage."""
        out = []
        for n, ev in enumerate(passages, 1):
            page = pages.get((ev.chunk.paper_id, ev.chunk.page_index))
            for start, end in sentence_spans(page.clean) if page else []:
                inside = min(end, ev.chunk.end) - max(start, ev.chunk.start)
                text = page.clean[start:end]
                if inside >= 0.6 * (end - start) and len(text.split()) >= _MIN_WORDS:
                    out.append(_Unit(n, page, start, end, set(terms(text)), _numbers(text)))
        return out

    def backing(self, claims: list[Claim], units: list[_Unit]) -> list[_Unit | None]:
        """For each claim, the best supporting unit of a passage it names, else of any passage, else None."""
        if not claims or not units:
            return [None] * len(claims)
        vectors = np.asarray(self.encode([u.page.clean[u.start:u.end] for u in units]))
        sims = np.asarray(self.encode([c.text for c in claims])) @ vectors.T
        return [self._best(claim, units, row) for claim, row in zip(claims, sims)]

    def _best(self, claim: Claim, units: list[_Unit], sims: np.ndarray) -> _Unit | None:
        wanted, numbers = set(terms(claim.text)), _numbers(claim.text)
        supported = [(self._coverage(wanted, u.terms) + float(sim), u) for u, sim in zip(units, sims)
                     if numbers <= u.numbers and self._supports(self._coverage(wanted, u.terms), float(sim))]
        named = [s for s in supported if s[1].passage in claim.passages]
        pool = named or supported
        return max(pool, key=lambda s: s[0])[1] if pool else None

    def _supports(self, coverage: float, semantic: float) -> bool:
        return coverage >= self.settings.min_support and semantic >= self.settings.min_semantic

    def _coverage(self, wanted: set[str], have: set[str]) -> float:
        total = sum(self.idf.get(t, self.default_idf) for t in wanted)
        return sum(self.idf.get(t, self.default_idf) for t in wanted & have) / total if total else 0.0


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "").rstrip(".") for n in _NUMBER.findall(text)}


# the answerer -----------------------------------------------------------------------------------
class LLMAnswerer:
    """Sentences written by the LLM, streamed, then each kept only with a quote cut from its page."""

    def __init__(self, client: OpenAICompatible, fallback: Answerer, settings: AnswerSettings, support: Support):
        self.client = client
        self.fallback = fallback
        self.settings = settings
        self.support = support

    def answer(self, query: Query, evidence: list[Evidence], pages: dict[tuple[str, int], Page],
               papers: dict[str, Paper], references: list[tuple[str, Reference]]) -> Answer:
        with closing(self.stream(query, evidence, pages, papers, references)) as events:
            return next(e.answer for e in events if e.answer is not None)

    def stream(self, query: Query, evidence: list[Evidence], pages: dict[tuple[str, int], Page],
               papers: dict[str, Paper], references: list[tuple[str, Reference]]) -> Iterator[AnswerEvent]:
        """The draft's pieces as the LLM writes them ("token"), then the checked Answer.

        Closing this iterator closes the HTTP stream, so the server stops generating.
        """
        passages = evidence[: self.settings.max_passages]
        prompt = self.client.prompts["answer"].format(question=query.text, passages=numbered_passages(passages),
                                                      max_sentences=self.settings.max_sentences)
        draft: list[str] = []
        try:
            with closing(self.client.stream(prompt)) as pieces:
                for piece in pieces:
                    draft.append(piece)
                    yield AnswerEvent(kind="token", text=piece)
        except LLMError as exc:
            log.warning("LLM answer failed (%s); answering extractively", exc)
            yield AnswerEvent(kind="notice", text=f"No answer from the LLM ({exc}). The extractive answer follows.")
            yield AnswerEvent(kind="answer", answer=self.fallback.answer(query, evidence, pages, papers, references))
            return
        yield AnswerEvent(kind="answer", answer=self.check("".join(draft), query, passages, evidence, pages, papers))

    def check(self, draft: str, query: Query, passages: list[Evidence], evidence: list[Evidence],
              pages: dict[tuple[str, int], Page], papers: dict[str, Paper]) -> Answer:
        """The draft's sentences that a passage supports, each cited with a quote verbatim on its page."""
        claims = parse_claims(draft, len(passages))
        citations: list[Citation] = []
        sentences: list[AnswerSentence] = []
        for claim, unit in zip(claims, self.support.backing(claims, self.support.units(passages, pages))):
            citation = _citation(unit, passages, papers) if unit else None
            if citation is None:
                log.info("dropped an LLM sentence no passage supports: %r", claim.text[:80])
                continue
            if len(sentences) == self.settings.max_sentences:
                break
            if unit.passage not in claim.passages:
                log.info("re-cited an LLM sentence from passage(s) %s to %d: %r", claim.passages, unit.passage,
                         claim.text[:80])
            if citation not in citations:
                citations.append(citation)
            sentences.append(AnswerSentence(text=claim.text, citations=[citations.index(citation)]))
        if not sentences:
            return Answer(question=query.focus, standalone_question=query.text, evidence=evidence, abstained=True)
        return Answer(question=query.focus, standalone_question=query.text, sentences=sentences, citations=citations,
                      evidence=evidence, papers={c.paper_id: papers[c.paper_id] for c in citations})


def _citation(unit: _Unit, passages: list[Evidence], papers: dict[str, Paper]) -> Citation | None:
    """The unit as a citation with its verbatim raw quote, or None when the quote does not check out."""
    chunk = passages[unit.passage - 1].chunk
    quote = raw_span(unit.page, unit.start, unit.end)
    paper = papers.get(chunk.paper_id)
    if paper is None or not quote_on_page(quote, unit.page):
        return None
    return Citation(paper_id=paper.id, file_name=paper.file_name, page=unit.page.label, quote=quote,
                    shown=unit.page.clean[unit.start:unit.end].strip(), chunk_id=chunk.id, authors=paper.authors,
                    year=paper.year)


# backends -----------------------------------------------------------------------------------------
def _extractive(settings: Settings, extractive: ExtractiveAnswerer) -> Answerer:
    return extractive


def _generative(settings: Settings, extractive: ExtractiveAnswerer) -> Answerer:
    if not settings.llm.base_url:
        log.warning("answer.backend is 'llm' but llm.base_url is not set; answering extractively")
        return extractive
    return LLMAnswerer(OpenAICompatible(settings.llm), extractive, settings.answer,
                       Support(extractive, settings.answer))


ANSWERERS: dict[str, Callable[[Settings, ExtractiveAnswerer], Answerer]] = {"extractive": _extractive,
                                                                           "llm": _generative}


def select_answerer(settings: Settings, extractive: ExtractiveAnswerer) -> Answerer:
    """The answerer ``settings.answer.backend`` names, built around the extractive one (its fallback)."""
    return ANSWERERS[settings.answer.backend](settings, extractive)  # the settings admit only these names
