"""Ground-truth question sets: the JSONL format of shared/evals/SCHEMA.md and its loader.

Question sets are written by other people, so the loader accepts every file in that format
and rejects anything else with one error listing each bad line (file, line, field, reason).
Every field of the schema is required except ``history``, which the schema calls "empty
otherwise" and defaults to ``[]``. Unknown extra fields are ignored.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from .metrics import PageLabel, tokens

QuestionType = Literal[
    "factoid",
    "numeric",
    "definition",
    "list",
    "cross-paper",
    "reference",
    "unanswerable",
    "follow-up",
]

NonEmpty = Annotated[str, Field(min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)


class Evidence(_Strict):
    paper: NonEmpty  # the PDF's file name as added
    page: Annotated[PageLabel, Field(min_length=1)]  # the printed page label; ints become str
    quote: NonEmpty

    @field_validator("quote")
    @classmethod
    def _quote_has_words(cls, quote: str) -> str:
        """Quotes are matched on normalised tokens; one without any could never match."""
        if not tokens(quote):
            raise ValueError("the quote has no words after normalisation")
        return quote


class Turn(_Strict):
    role: Literal["user", "assistant"]
    content: str


class Question(_Strict):
    id: NonEmpty
    question: NonEmpty
    answerable: bool
    answer: str
    key_facts: list[NonEmpty]
    evidence: list[Evidence]
    type: QuestionType
    history: list[Turn] = Field(default_factory=list)
    distractors: list[NonEmpty] = Field(default_factory=list)  # wrong options, for the multiple-choice mode
    near_papers: list[NonEmpty] = Field(default_factory=list)  # an unanswerable question: the papers it sounds like
    paraphrase_of: str | None = None  # the id of the question this one rewords

    @property
    def papers(self) -> set[str]:
        """The papers the question is about: its evidence's, else those it is near."""
        return {item.paper for item in self.evidence} or set(self.near_papers)

    @field_validator("key_facts")
    @classmethod
    def _facts_have_words(cls, facts: list[str]) -> list[str]:
        for i, fact in enumerate(facts):
            if not tokens(fact):
                raise ValueError(f"key_facts[{i}] {fact!r} has no words after normalisation")
        return facts

    @field_validator("evidence")
    @classmethod
    def _answerable_needs_evidence(cls, evidence: list[Evidence], info: ValidationInfo):
        if info.data.get("answerable") and not evidence:
            raise ValueError("an answerable question needs at least one evidence item")
        return evidence

    @field_validator("type")
    @classmethod
    def _unanswerable_type(cls, qtype: str, info: ValidationInfo) -> str:
        if qtype == "unanswerable" and info.data.get("answerable"):
            raise ValueError('type "unanswerable" contradicts "answerable": true')
        return qtype


class QuestionSetError(ValueError):
    """A question file that is not in the SCHEMA.md format; ``problems`` holds one
    ``(line, field, message)`` per fault, and the message lists them all."""

    def __init__(self, path: Path, problems: list[tuple[int, str, str]]):
        self.path = path
        self.problems = problems
        lines = [f"{path}:{line}: {field}: {message}" for line, field, message in problems]
        super().__init__(f"invalid question set {path}:\n" + "\n".join(lines))


def load_questions(path: str | Path) -> list[Question]:
    """Read a JSONL question set; raise QuestionSetError naming every bad line."""
    path = Path(path)
    questions: list[Question] = []
    problems: list[tuple[int, str, str]] = []
    first_line: dict[str, int] = {}
    with path.open(encoding="utf-8-sig") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            question, errors = _parse_line(line)
            problems += [(number, field, message) for field, message in errors]
            if question is None:
                continue
            if question.id in first_line:
                problems.append(
                    (number, "id", f"duplicate id {question.id!r} (first on line {first_line[question.id]})")
                )
                continue
            first_line[question.id] = number
            questions.append(question)
    if not questions and not problems:
        problems.append((0, "-", "the file holds no questions"))
    if problems:
        raise QuestionSetError(path, problems)
    return questions


def _parse_line(line: str) -> tuple[Question | None, list[tuple[str, str]]]:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        return None, [("-", f"invalid JSON: {exc.msg} (column {exc.pos + 1})")]
    if not isinstance(data, dict):
        return None, [("-", f"expected a JSON object, got {type(data).__name__}")]
    try:
        return Question.model_validate(data), []
    except ValidationError as exc:
        return None, [(_field_path(err["loc"]), _message(err)) for err in exc.errors()]


def _field_path(loc: tuple[str | int, ...]) -> str:
    """("evidence", 0, "page") -> "evidence[0].page"."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path.lstrip(".") or "-"


def _message(err: dict[str, Any]) -> str:
    message = err["msg"].removeprefix("Value error, ")
    if err["type"] == "missing":
        return "missing field"
    if "input" in err and err["type"] != "value_error":
        return f"{message} (got {err['input']!r:.60})"
    return message


def split_of(question: Question, splits: dict[str, list[str]]) -> str:
    """The split (e.g. "development", "validation") holding every paper of the question;
    "mixed" when its papers lie in several, "unassigned" when none is listed."""
    found = {name for name, papers in splits.items() if isinstance(papers, list) and question.papers & set(papers)}
    if len(found) > 1:
        return "mixed"
    return found.pop() if found else "unassigned"


def load_splits(path: str | Path) -> dict[str, list[str]]:
    """A splits file: {"<split name>": [paper file names], ...}; other keys (e.g. "rule") are notes."""
    data = json.loads(Path(path).read_text())
    return {name: papers for name, papers in data.items() if isinstance(papers, list)}
