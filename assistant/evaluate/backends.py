"""The library answered by each answer backend, for ``assistant eval --compare extractive,llm``,
and the LLM's pick among lettered options, for the multiple-choice mode (``choice.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .choice import ChooseFn
from .runner import AnswerFn

if TYPE_CHECKING:
    from ..api import Library


class BackendError(ValueError):
    """A backend name that does not exist, or the LLM backend without an endpoint."""


def backend_library(library: Library, backend: str) -> Library:
    """The same library answering with ``backend``. "extractive" is the offline pipeline with no
    LLM at all (no LLM rewrite of follow-ups either), so a comparison shows what the LLM adds."""
    from ..api import Library
    from ..settings import LLMSettings

    settings = library.settings
    answer = settings.answer.model_copy(update={"backend": backend})
    llm = settings.llm if backend != "extractive" else LLMSettings()
    return Library(settings=settings.model_copy(update={"answer": answer, "llm": llm}))


def compare_configs(library: Library, names: list[str]) -> dict[str, AnswerFn]:
    """One answer function per backend name, in the order given."""
    from ..llm import ANSWERERS
    from ..render import answer_json

    unknown = [n for n in names if n not in ANSWERERS]
    if unknown or not names:
        raise BackendError(f"unknown answer backend(s) {', '.join(unknown) or '(none)'}; "
                           f"choose from {', '.join(ANSWERERS)}")
    if len(set(names)) != len(names):
        raise BackendError(f"a backend is named twice in {','.join(names)}")
    if "llm" in names:
        require_llm(library)
    libraries = {name: backend_library(library, name) for name in names}
    return {name: (lambda q, h, lib=lib: answer_json(lib.ask(q, history=h))) for name, lib in libraries.items()}


def require_llm(library: Library) -> None:
    if not library.settings.llm.base_url:
        raise BackendError("the LLM backend needs an endpoint: set ASSISTANT_LLM__BASE_URL (and ASSISTANT_LLM__MODEL)")


def library_chooser(library: Library) -> ChooseFn:
    """The LLM picks an option after reading the passages the library retrieves for the question."""
    from ..llm import OpenAICompatible

    require_llm(library)
    retrieval = backend_library(library, "extractive")
    client = OpenAICompatible(library.settings.llm)
    top = library.settings.answer.max_passages

    def choose(question: str, options: list[str]) -> str:
        return client.choose(question, options, retrieval.ask(question).evidence[:top])

    return choose
