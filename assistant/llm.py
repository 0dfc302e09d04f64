"""Optional generative backends behind an OpenAI-compatible endpoint (Ollama, vLLM, llama.cpp server, OpenAI).

Nothing needs them: with no ``llm.base_url`` configured the assistant stays extractive and
offline. The LLM never has the last word on a citation. It must back each sentence with a
passage number and a quote copied from that passage; the quote is found again in the page's
clean text within that passage, traced back to the verbatim raw text (``raw_span``) and
checked against the page (``quote_on_page``). A sentence whose quote fails is dropped; with
none left, or when the LLM says the passages do not answer, the answer abstains. When the
endpoint fails or its reply cannot be parsed, the extractive answerer answers instead.
"""

from __future__ import annotations

import logging
import re
from typing import Callable, Protocol

from pydantic import BaseModel, ValidationError

from .answer import Query, quote_on_page
from .pdf import raw_span
from .prompts import load_prompts
from .records import Answer, AnswerSentence, Citation, Evidence, Page, Paper, Reference
from .settings import AnswerSettings, LLMSettings, Settings

log = logging.getLogger(__name__)

MIN_QUOTE_WORDS = 3  # shorter "quotes" ("the migrants") support nothing a reader could check
_HISTORY_TURNS = 6
_TURN_CHARS = 600  # earlier answers are long; their opening is enough to resolve "they" or "it"
_WORD = re.compile(r"\w+")
_ARTICLES = {"a", "an", "the"}  # dropped by normalise() as well


class LLMError(Exception):
    """The endpoint could not be reached or gave no usable reply."""


class Answerer(Protocol):
    def answer(self, query: Query, evidence: list[Evidence], pages: dict[tuple[str, int], Page],
               papers: dict[str, Paper], references: list[tuple[str, Reference]]) -> Answer: ...


class OpenAICompatible:
    """A client for ``POST {base_url}/chat/completions``, deterministic (temperature 0)."""

    def __init__(self, settings: LLMSettings, prompts: dict[str, str] | None = None):
        if not settings.base_url:
            raise LLMError("no LLM endpoint configured: set llm.base_url (ASSISTANT_LLM__BASE_URL)")
        self.settings = settings
        self.prompts = prompts or load_prompts()

    def complete(self, prompt: str, json_reply: bool = False) -> str:
        """The reply to one user message; ``json_reply`` asks the server for a JSON object."""
        import httpx

        url = f"{self.settings.base_url.rstrip('/')}/chat/completions"
        body = {"model": self.settings.model, "messages": [{"role": "user", "content": prompt}], "temperature": 0}
        if json_reply:
            body["response_format"] = {"type": "json_object"}
        headers = {"Authorization": f"Bearer {self.settings.api_key}"} if self.settings.api_key else {}
        try:
            response = httpx.post(url, json=body, headers=headers, timeout=self.settings.timeout_s)
        except httpx.HTTPError as exc:
            raise LLMError(f"LLM endpoint {url} failed: {type(exc).__name__}: {exc}") from exc
        if response.is_error:
            raise LLMError(f"LLM endpoint {url} answered HTTP {response.status_code}: {response.text[:200]}")
        try:
            content = response.json()["choices"][0]["message"]["content"]
        except (ValueError, LookupError, TypeError):
            content = None
        if not isinstance(content, str):
            raise LLMError(f"LLM endpoint {url} sent no chat completion: {response.text[:200]}")
        return content

    def condense(self, question: str, history: list[dict[str, str]]) -> str:
        """The follow-up rewritten as a question that stands alone."""
        prompt = self.prompts["condense"].format(history=_transcript(history), question=question)
        lines = self.complete(prompt).strip().splitlines()
        rewrite = lines[0].strip().strip("\"“”") if lines else ""
        if not rewrite:
            raise LLMError("the LLM returned an empty rewrite")
        return rewrite


def _transcript(history: list[dict[str, str]]) -> str:
    turns = history[-_HISTORY_TURNS:]
    return "\n".join(f"{t.get('role', 'user').capitalize()}: {t.get('content', '')[:_TURN_CHARS]}" for t in turns)


class _Claim(BaseModel):
    text: str
    passage: int
    quote: str


class _Reply(BaseModel):
    answerable: bool
    sentences: list[_Claim] = []


class LLMAnswerer:
    """Sentences written by the LLM, each kept only if its quote is verbatim on its passage's page."""

    def __init__(self, client: OpenAICompatible, fallback: Answerer, settings: AnswerSettings):
        self.client = client
        self.fallback = fallback
        self.settings = settings

    def answer(self, query: Query, evidence: list[Evidence], pages: dict[tuple[str, int], Page],
               papers: dict[str, Paper], references: list[tuple[str, Reference]]) -> Answer:
        passages = evidence[: self.settings.max_passages]
        try:
            reply = self._ask(query, passages)
        except LLMError as exc:
            log.warning("LLM answer failed (%s); answering extractively", exc)
            return self.fallback.answer(query, evidence, pages, papers, references)
        claims = reply.sentences[: self.settings.max_sentences] if reply.answerable else []
        return _compose(query, claims, passages, evidence, pages, papers)

    def _ask(self, query: Query, passages: list[Evidence]) -> _Reply:
        numbered = "\n\n".join(f"[{n}] {e.chunk.file_name}, p. {e.chunk.page_label}\n{e.chunk.text}"
                               for n, e in enumerate(passages, 1))
        prompt = self.client.prompts["answer"].format(question=query.text, passages=numbered,
                                                      max_sentences=self.settings.max_sentences)
        return parse_reply(self.client.complete(prompt, json_reply=True))


def parse_reply(content: str) -> _Reply:
    """The JSON object in the reply (models often wrap it in a code fence or a sentence)."""
    found = re.search(r"\{.*\}", content, re.S)
    try:
        return _Reply.model_validate_json(found.group() if found else content)
    except ValidationError as exc:
        raise LLMError(f"unparsable LLM answer ({exc.error_count()} errors): {content[:200]!r}") from None


def _compose(query: Query, claims: list[_Claim], passages: list[Evidence], evidence: list[Evidence],
             pages: dict[tuple[str, int], Page], papers: dict[str, Paper]) -> Answer:
    citations: list[Citation] = []
    sentences: list[AnswerSentence] = []
    for claim in claims:
        citation = _cite(claim, passages, pages, papers)
        if citation is None:
            log.info("dropped an LLM sentence: its quote is not in passage %s: %r", claim.passage, claim.quote[:80])
            continue
        if citation not in citations:
            citations.append(citation)
        sentences.append(AnswerSentence(text=claim.text.strip(), citations=[citations.index(citation)]))
    if not sentences:
        return Answer(question=query.focus, standalone_question=query.text, evidence=evidence, abstained=True)
    return Answer(question=query.focus, standalone_question=query.text, sentences=sentences, citations=citations,
                  evidence=evidence, papers={c.paper_id: papers[c.paper_id] for c in citations})


def _cite(claim: _Claim, passages: list[Evidence], pages: dict[tuple[str, int], Page],
          papers: dict[str, Paper]) -> Citation | None:
    """The claim's citation with the verbatim raw quote, or None when the quote does not check out."""
    if not 1 <= claim.passage <= len(passages):
        return None
    chunk = passages[claim.passage - 1].chunk
    page = pages.get((chunk.paper_id, chunk.page_index))
    span = find_quote(claim.quote, page.clean, chunk.start, chunk.end) if page else None
    if span is None:
        return None
    quote = raw_span(page, *span)
    if not quote_on_page(quote, page):
        return None
    paper = papers[chunk.paper_id]
    return Citation(paper_id=paper.id, file_name=paper.file_name, page=page.label, quote=quote, chunk_id=chunk.id,
                    authors=paper.authors, year=paper.year)


def find_quote(quote: str, text: str, start: int, end: int) -> tuple[int, int] | None:
    """Offsets of ``quote`` inside ``text[start:end]``, compared as normalise() compares them.

    Word by word (lower case, punctuation and articles ignored), so a found quote is always a
    normalised substring of the passage; a quote shorter than MIN_QUOTE_WORDS is never found.
    """
    wanted = [w for w, _, _ in _words(quote, 0, len(quote))]
    if len(wanted) < MIN_QUOTE_WORDS:
        return None
    words = _words(text, start, end)
    keys = [w for w, _, _ in words]
    n = len(wanted)
    hit = next((i for i in range(len(keys) - n + 1) if keys[i:i + n] == wanted), None)
    return None if hit is None else (words[hit][1], words[hit + n - 1][2])


def _words(text: str, start: int, end: int) -> list[tuple[str, int, int]]:
    found = ((m.group().lower(), m.start(), m.end()) for m in _WORD.finditer(text, start, end))
    return [w for w in found if w[0] not in _ARTICLES]


# backends -----------------------------------------------------------------------------------------
def _extractive(settings: Settings, extractive: Answerer) -> Answerer:
    return extractive


def _generative(settings: Settings, extractive: Answerer) -> Answerer:
    if not settings.llm.base_url:
        log.warning("answer.backend is 'llm' but llm.base_url is not set; answering extractively")
        return extractive
    return LLMAnswerer(OpenAICompatible(settings.llm), extractive, settings.answer)


ANSWERERS: dict[str, Callable[[Settings, Answerer], Answerer]] = {"extractive": _extractive, "llm": _generative}


def select_answerer(settings: Settings, extractive: Answerer) -> Answerer:
    """The answerer ``settings.answer.backend`` names, built around the extractive one (its fallback)."""
    return ANSWERERS[settings.answer.backend](settings, extractive)  # the settings admit only these names
