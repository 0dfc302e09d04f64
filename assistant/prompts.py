"""Prompt templates for the optional LLM backend, read from the repository's ``prompts/`` folder.

Each template is a ``str.format`` string; literal braces are doubled (``{{``). Loading checks
that a template uses exactly the placeholders its caller fills in, so a typo in a template
fails when the backend is set up, naming the file, not later as a KeyError mid-answer.
The extractive default needs no prompts.
"""

from __future__ import annotations

import string
from pathlib import Path

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"
PLACEHOLDERS = {
    "condense": {"history", "question"},
    "answer": {"question", "passages", "max_sentences"},
    "choice": {"question", "passages", "options"},
}


class PromptError(ValueError):
    """A template is missing, malformed, or its placeholders differ from the expected ones."""


def load_prompts(directory: Path = PROMPTS_DIR) -> dict[str, str]:
    """Every template the backend uses, by name, each checked."""
    return {name: load_prompt(name, directory) for name in PLACEHOLDERS}


def load_prompt(name: str, directory: Path = PROMPTS_DIR) -> str:
    path = Path(directory) / f"{name}.txt"
    try:
        text = path.read_text(encoding="utf-8")
        found = {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}
    except OSError as exc:
        raise PromptError(f"cannot read prompt template {path}: {exc}") from None
    except ValueError as exc:  # a lone "{" or "}"
        raise PromptError(f"{path}: malformed template ({exc}); write literal braces as {{{{ and }}}}") from None
    expected = PLACEHOLDERS[name]
    problems = [f"unknown placeholder {{{f}}}" for f in sorted(found - expected)]
    problems += [f"missing placeholder {{{f}}}" for f in sorted(expected - found)]
    if problems:
        raise PromptError(f"{path}: {', '.join(problems)}; expected {', '.join(sorted(expected))}")
    return text
