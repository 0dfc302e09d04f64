"""Run a question set through one or more answer functions and score each side by side.

An answer function is what ``assistant ask --json`` does: ``answer_fn(question, history)``
returns the JSON contract of ``metrics.SystemOutput``. The runner knows nothing of the
pipeline, so the project's assistant and the baselines (dense-only, BM25-only, stock
llama-index) are scored by the same code against the same indexed page texts.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .metrics import PageLabels, Pages, PageText, SystemOutput, aggregate, by_type, score_question
from .questions import Question

AnswerFn = Callable[[str, list[dict[str, str]]], Mapping[str, Any]]
PRIMARY = "assistant"  # the name ``answer_fn`` is reported under


@dataclass
class ConfigResult:
    """One configuration's scored rows, its metrics and its per-type breakdown."""

    name: str
    rows: list[dict[str, Any]]
    metrics: dict[str, Any]
    by_type: dict[str, dict[str, Any]]
    by_split: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def from_rows(cls, name: str, rows: list[dict[str, Any]], seed: int = 0, resamples: int = 1000):
        return cls(name, rows, aggregate(rows, seed, resamples), by_type(rows, seed, resamples),
                   by_type(rows, seed, resamples, key="split"))

    @property
    def failing(self) -> list[dict[str, Any]]:
        return [row for row in self.rows if row["failures"]]


@dataclass
class EvalResult:
    """The configurations in the order given (the first is the one under test) and run facts."""

    configs: list[ConfigResult]
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def primary(self) -> ConfigResult:
        return self.configs[0]

    @property
    def errors(self) -> int:
        """Questions whose answer function raised, over all configurations."""
        return sum(config.metrics["counts"]["errors"] for config in self.configs)

    def __getitem__(self, name: str) -> ConfigResult:
        return next(config for config in self.configs if config.name == name)


def run_eval(
    questions: Sequence[Question],
    answer_fn: AnswerFn | None,
    page_text: PageText,
    page_labels: PageLabels,
    configs: Mapping[str, AnswerFn] | None = None,
    progress: bool = True,
    *,
    warmup: bool = True,
    seed: int = 0,
    resamples: int = 1000,
    split: Callable[[Question], str | None] | None = None,
) -> EvalResult:
    """Ask every question of every configuration, time each answer, and score it.

    ``answer_fn`` is reported as "assistant" and comes first; ``configs`` adds named answer
    functions scored beside it (either may be empty, not both). ``page_text(paper, label)``
    and ``page_labels`` (a callable or mapping: paper file name -> its labels in order) are
    the indexed pages citations are checked against. With ``warmup``, each configuration
    answers the first question once, untimed, so latencies are those of a warm index.
    An exception from an answer function is recorded in that question's row (``error``),
    scored as an empty answer, and counted in ``EvalResult.errors``. ``split(question)`` names
    the question's split (development, validation, ...): each configuration's metrics are then
    also reported per split.
    """
    named = _named(answer_fn, configs)
    pages = Pages(page_text, page_labels)
    started = datetime.now(UTC).isoformat(timespec="seconds")
    results = []
    for name, fn in named.items():
        if warmup and questions:
            with contextlib.suppress(Exception):
                fn(questions[0].question, _history(questions[0]))
        rows = [_score(fn, q, pages) | {"split": split(q) if split else None}
                for q in _progress(questions, name, progress)]
        results.append(ConfigResult.from_rows(name, rows, seed, resamples))
    meta = {"started_at": started, "questions": len(questions), "configs": list(named), "seed": seed}
    return EvalResult(results, meta | {"resamples": resamples})


def _named(answer_fn: AnswerFn | None, configs: Mapping[str, AnswerFn] | None) -> dict[str, AnswerFn]:
    named = {PRIMARY: answer_fn} if answer_fn is not None else {}
    for name, fn in (configs or {}).items():
        if name in named:
            raise ValueError(f"configuration {name!r} given twice")
        named[name] = fn
    if not named:
        raise ValueError("run_eval needs answer_fn or at least one entry in configs")
    return named


def _history(question: Question) -> list[dict[str, str]]:
    return [turn.model_dump() for turn in question.history]


def _score(fn: AnswerFn, question: Question, pages: Pages) -> dict[str, Any]:
    """Answer one question, timing only the answer function, and score the output."""
    start = time.perf_counter()
    try:
        raw = fn(question.question, _history(question))
        latency = (time.perf_counter() - start) * 1000
        output, error = SystemOutput.model_validate(raw), None
    except Exception as exc:  # one broken question must not lose the run; its row says why
        latency = (time.perf_counter() - start) * 1000
        output, error = SystemOutput(), f"{type(exc).__name__}: {exc}"
    return score_question(question, output, pages, latency, error)


def _progress(questions: Sequence[Question], name: str, enabled: bool):
    from tqdm import tqdm

    return tqdm(questions, desc=f"eval {name}", unit="q", disable=not enabled)
