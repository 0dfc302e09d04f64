"""LitQA2-style multiple choice, scored as PaperQA2 scores it (needs an LLM).

Each question with ``distractors`` becomes a lettered list: its reference ``answer``, the
distractors and an "insufficient information" option, shuffled with a fixed seed (per question
id, so adding a question does not reorder the others). The LLM reads the passages the library
retrieves for the question and picks a letter. Reported: **accuracy** = correct / all questions
and **precision** = correct / answered, where choosing "insufficient information" (or no letter
at all) is not answering — an assistant that knows when it does not know keeps precision high.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .metrics import Metric, estimate
from .questions import Question

INSUFFICIENT = "Insufficient information to answer this question"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
ChooseFn = Callable[[str, list[str]], str]  # (question, options as "A) …" lines) -> the LLM's reply

ACCURACY = Metric("accuracy", "all", ("correct",))
PRECISION = Metric("precision", "all", ("correct", "answered"), lambda c, a: c.sum(axis=-1) / a.sum(axis=-1))


@dataclass
class ChoiceResult:
    rows: list[dict[str, Any]]
    metrics: dict[str, Any]


def shuffled_options(question: Question, seed: int = 0) -> list[str]:
    """The answer, the distractors and INSUFFICIENT in a fixed pseudo-random order."""
    options = [question.answer, *question.distractors, INSUFFICIENT]
    random.Random(f"{seed}:{question.id}").shuffle(options)
    return options


def lettered(options: Sequence[str]) -> list[str]:
    return [f"{LETTERS[i]}) {option}" for i, option in enumerate(options)]


def picked_letter(reply: str, n_options: int) -> int | None:
    """The option the reply picks: its first standalone capital letter among the options' letters."""
    found = re.search(rf"(?<![A-Za-z])([A-{LETTERS[n_options - 1]}])(?![a-z])", reply)
    return LETTERS.index(found.group(1)) if found else None


def run_choice(questions: Sequence[Question], choose: ChooseFn, seed: int = 0,
               resamples: int = 1000) -> ChoiceResult:
    """Ask every question that has distractors; score accuracy and precision with 95% bootstrap CIs."""
    rows = [_row(q, choose, seed) for q in questions if q.distractors]
    metrics: dict[str, Any] = {"n": len(rows), "answered": int(sum(r["scores"]["answered"] for r in rows)),
                               "correct": int(sum(r["scores"]["correct"] for r in rows))}
    for metric in (ACCURACY, PRECISION):
        value, interval = estimate(metric, rows, seed, resamples)
        metrics |= {metric.name: value, f"{metric.name}_ci": interval}
    return ChoiceResult(rows, metrics)


def _row(question: Question, choose: ChooseFn, seed: int) -> dict[str, Any]:
    options = shuffled_options(question, seed)
    try:
        reply, error = choose(question.question, lettered(options)), None
    except Exception as exc:  # one failing question must not lose the run; its row says why
        reply, error = "", f"{type(exc).__name__}: {exc}"
    pick = picked_letter(reply, len(options))
    answered = pick is not None and options[pick] != INSUFFICIENT
    correct = pick is not None and options[pick] == question.answer
    return {"id": question.id, "question": question.question, "options": lettered(options),
            "answer": LETTERS[options.index(question.answer)], "reply": reply, "error": error,
            "picked": None if pick is None else LETTERS[pick],
            "scores": {"correct": float(correct), "answered": float(answered)}}


def summary(result: ChoiceResult) -> str:
    m = result.metrics
    return "\n".join([
        f"multiple choice: {m['n']} questions, {m['answered']} answered, {m['correct']} correct",
        f"accuracy  (correct/all)      {_value(m['accuracy'], m['accuracy_ci'])}",
        f"precision (correct/answered) {_value(m['precision'], m['precision_ci'])}",
    ])


def _value(value: float | None, interval: list[float] | None) -> str:
    if value is None or np.isnan(value):
        return "n/a"
    return f"{value:.2f}" + (f" [{interval[0]:.2f}, {interval[1]:.2f}]" if interval else "")


def write_choice_report(result: ChoiceResult, out_dir: str | Path, meta: dict[str, Any]) -> dict[str, Path]:
    """``choice.json`` (metrics, meta and every row) and ``choice.md`` (the summary and each pick)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "choice.json", "md": out / "choice.md"}
    paths["json"].write_text(json.dumps({"meta": meta, "metrics": result.metrics, "rows": result.rows}, indent=2,
                                        ensure_ascii=False))
    lines = ["# Multiple-choice eval (LitQA2 style)", "", "```", summary(result), "```", "",
             "| id | gold | picked | reply |", "| --- | --- | --- | --- |"]
    lines += [f"| {r['id']} | {r['answer']} | {r['picked'] or '-'} | {_cell(r['error'] or r['reply'])} |"
              for r in result.rows]
    paths["md"].write_text("\n".join(lines) + "\n")
    return paths


def _cell(text: str) -> str:
    return " ".join(text.split())[:80].replace("|", "\\|")
