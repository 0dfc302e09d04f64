"""Follow-up questions: rewrite a question with the conversation so far into one that stands alone.

Without an LLM, a question that leans on the conversation (pronouns, "and …", "what about …",
or too few content words of its own) inherits the content terms of the earlier user turns,
most recent first. With an OpenAI-compatible LLM configured, the LLM rewrites it
(``prompts/condense.txt``) and the heuristic is the fallback.
"""

from __future__ import annotations

import logging
import re

from .retrieve import terms
from .settings import LLMSettings

log = logging.getLogger(__name__)

_DEPENDENT = re.compile(
    r"\b(they|them|their|theirs|it|its|this|that|these|those|he|him|his|she|her|hers|"
    r"the (?:same|other|former|latter|first|second|paper|author|study|report|concept|figure|number))\b|"
    r"^\s*(and|also|what about|how about|but|so|why|how come)\b",
    re.I,
)
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def needs_context(question: str) -> bool:
    return bool(_DEPENDENT.search(question)) or len(terms(question)) < 3


def condense(question: str, history: list[dict[str, str]], max_turns: int = 2, *,
             llm: LLMSettings | None = None) -> str:
    """The question plus the words of recent user turns it depends on (retrieval query).

    With an endpoint in ``llm.base_url``, the LLM's rewrite instead, unless the LLM fails.
    """
    if history and llm is not None and llm.base_url:
        rewrite = _llm_rewrite(question, history, llm)
        if rewrite:
            return rewrite
    if not history or not needs_context(question):
        return question
    own = set(terms(question))
    extra: list[str] = []
    for turn in [t for t in history if t.get("role") == "user"][-max_turns:][::-1]:
        for word in _WORD.findall(turn.get("content", "")):
            stemmed = terms(word)
            if stemmed and stemmed[0] not in own:
                own.add(stemmed[0])
                extra.append(word)
    return f"{question} ({' '.join(extra)})" if extra else question


def _llm_rewrite(question: str, history: list[dict[str, str]], llm: LLMSettings) -> str | None:
    from .llm import LLMError, OpenAICompatible

    try:
        return OpenAICompatible(llm).condense(question, history)
    except LLMError as exc:
        log.warning("LLM rewrite failed (%s); using the heuristic one", exc)
        return None
