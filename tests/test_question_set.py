"""The project's own ground-truth question set (evals/corpus.jsonl) is well-formed and true to the PDFs.

Checks the format of ../shared/evals/SCHEMA.md field by field, the coverage the set promises (every
question type, minimum counts), and, against the real corpus PDFs, that every evidence quote occurs
on the page it names after the SCHEMA normalisation (lower case, punctuation and articles dropped,
whitespace collapsed).
"""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from functools import lru_cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
QUESTIONS = REPO / "evals" / "corpus.jsonl"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"

TYPES = {
    "factoid", "numeric", "definition", "list", "cross-paper", "reference", "unanswerable", "follow-up",
}
MIN_PER_TYPE = {t: 5 for t in TYPES} | {"unanswerable": 8}
MIN_TOTAL = 48
FIELDS = {"id", "question", "answerable", "answer", "key_facts", "evidence", "type", "history"}
ARTICLES = {"a", "an", "the"}


def normalise(text: str, *, punctuation_to_space: bool) -> str:
    """SCHEMA normalisation. Whether punctuation is deleted or becomes a space is not fixed by the
    schema, so quotes are checked under both readings."""
    text = unicodedata.normalize("NFKC", text).lower()
    out = []
    for ch in text:
        if unicodedata.category(ch)[0] in "PS":
            if punctuation_to_space:
                out.append(" ")
        else:
            out.append(ch)
    return " ".join(tok for tok in "".join(out).split() if tok not in ARTICLES)


def load_lines() -> list[tuple[int, dict]]:
    rows = []
    for lineno, line in enumerate(QUESTIONS.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:  # pragma: no cover - reported as a failure
            pytest.fail(f"{QUESTIONS.name}:{lineno}: not valid JSON ({exc})")
        rows.append((lineno, row))
    return rows


ROWS = load_lines()
QS = [row for _, row in ROWS]


@lru_cache(maxsize=None)
def pdf_pages(paper: str) -> dict[str, str]:
    """page label -> extracted text, read with pypdf as the eval does."""
    from pypdf import PdfReader

    reader = PdfReader(str(CORPUS / paper))
    labels = list(reader.page_labels)
    return {labels[i]: (page.extract_text() or "") for i, page in enumerate(reader.pages)}


def ids(rows=ROWS):
    return [row.get("id", f"line{lineno}") for lineno, row in rows]


# ------------------------------------------------------------------ format


def test_file_has_enough_questions():
    assert len(QS) >= MIN_TOTAL, f"{len(QS)} questions, want at least {MIN_TOTAL}"


@pytest.mark.parametrize("lineno,row", ROWS, ids=ids())
def test_fields(lineno, row):
    where = f"{QUESTIONS.name}:{lineno}"
    assert set(row) == FIELDS, f"{where}: fields {sorted(set(row) ^ FIELDS)} missing or unexpected"
    assert isinstance(row["id"], str) and row["id"].strip(), f"{where}: id"
    assert isinstance(row["question"], str) and row["question"].strip(), f"{where}: question"
    assert isinstance(row["answerable"], bool), f"{where}: answerable must be true/false"
    assert isinstance(row["answer"], str) and row["answer"].strip(), f"{where}: answer"
    assert row["type"] in TYPES, f"{where}: type {row['type']!r} not one of {sorted(TYPES)}"
    assert isinstance(row["key_facts"], list), f"{where}: key_facts must be a list"
    assert all(isinstance(k, str) and k.strip() for k in row["key_facts"]), f"{where}: key_facts"
    assert isinstance(row["evidence"], list), f"{where}: evidence must be a list"
    for i, ev in enumerate(row["evidence"]):
        assert isinstance(ev, dict) and set(ev) == {"paper", "page", "quote"}, f"{where}: evidence[{i}]"
        for key in ("paper", "page", "quote"):
            assert isinstance(ev[key], str) and ev[key].strip(), f"{where}: evidence[{i}].{key}"
    assert isinstance(row["history"], list), f"{where}: history must be a list"
    for i, turn in enumerate(row["history"]):
        assert isinstance(turn, dict) and set(turn) == {"role", "content"}, f"{where}: history[{i}]"
        assert turn["role"] in {"user", "assistant"}, f"{where}: history[{i}].role"
        assert isinstance(turn["content"], str) and turn["content"].strip(), f"{where}: history[{i}].content"


def test_ids_unique():
    counts = Counter(row["id"] for row in QS)
    assert not [i for i, n in counts.items() if n > 1], "duplicate ids"


def test_every_type_with_minimum_counts():
    counts = Counter(row["type"] for row in QS)
    short = {t: (counts.get(t, 0), n) for t, n in MIN_PER_TYPE.items() if counts.get(t, 0) < n}
    assert not short, f"types below their minimum (have, want): {short}"


def test_questions_are_not_repeated():
    counts = Counter(normalise(row["question"], punctuation_to_space=True) for row in QS)
    assert not [q for q, n in counts.items() if n > 1]


# ------------------------------------------------------------------ semantics per type


@pytest.mark.parametrize("lineno,row", ROWS, ids=ids())
def test_answerable_and_unanswerable(lineno, row):
    where = f"{QUESTIONS.name}:{lineno} ({row['id']})"
    if row["type"] == "unanswerable":
        assert row["answerable"] is False, f"{where}: unanswerable question marked answerable"
    if row["answerable"]:
        assert row["evidence"], f"{where}: answerable question without evidence"
        assert row["key_facts"], f"{where}: answerable question without key facts"
    else:
        assert row["evidence"] == [], f"{where}: unanswerable question must cite no evidence"
        assert row["key_facts"] == [], f"{where}: unanswerable question must have no key facts"


@pytest.mark.parametrize("lineno,row", ROWS, ids=ids())
def test_history_only_on_follow_ups(lineno, row):
    where = f"{QUESTIONS.name}:{lineno} ({row['id']})"
    if row["type"] == "follow-up":
        assert row["history"], f"{where}: follow-up without history"
        assert row["history"][0]["role"] == "user", f"{where}: history should start with the user"
        assert row["history"][-1]["role"] == "assistant", f"{where}: history should end with an answer"
    else:
        assert row["history"] == [], f"{where}: only follow-ups carry history"


@pytest.mark.parametrize("lineno,row", [r for r in ROWS if r[1]["type"] == "cross-paper"],
                         ids=ids([r for r in ROWS if r[1]["type"] == "cross-paper"]))
def test_cross_paper_has_evidence_from_two_papers(lineno, row):
    papers = {ev["paper"] for ev in row["evidence"]}
    assert len(papers) >= 2, f"{QUESTIONS.name}:{lineno} ({row['id']}): evidence from {papers}"


@pytest.mark.parametrize("lineno,row", ROWS, ids=ids())
def test_key_facts_are_in_reference_answer(lineno, row):
    """A reference answer must itself pass the key-fact check it sets for others."""
    for fact in row["key_facts"]:
        for p2s in (False, True):
            assert normalise(fact, punctuation_to_space=p2s) in normalise(row["answer"], punctuation_to_space=p2s), (
                f"{QUESTIONS.name}:{lineno} ({row['id']}): key fact {fact!r} not in the reference answer"
            )


@pytest.mark.parametrize("lineno,row", ROWS, ids=ids())
def test_quotes_are_short_spans(lineno, row):
    for ev in row["evidence"]:
        n = len(ev["quote"].split())
        assert 5 <= n <= 40, f"{QUESTIONS.name}:{lineno} ({row['id']}): quote of {n} words"


# ------------------------------------------------------------------ against the real PDFs

needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"corpus not found at {CORPUS}")


@needs_corpus
@pytest.mark.parametrize("lineno,row", [r for r in ROWS if r[1]["evidence"]],
                         ids=ids([r for r in ROWS if r[1]["evidence"]]))
def test_evidence_quotes_occur_on_their_page(lineno, row):
    for i, ev in enumerate(row["evidence"]):
        where = f"{QUESTIONS.name}:{lineno} ({row['id']}) evidence[{i}]"
        assert (CORPUS / ev["paper"]).is_file(), f"{where}: no paper {ev['paper']!r} in {CORPUS}"
        pages = pdf_pages(ev["paper"])
        assert ev["page"] in pages, f"{where}: page {ev['page']!r} not a label of {ev['paper']} ({list(pages)})"
        for p2s in (False, True):
            quote = normalise(ev["quote"], punctuation_to_space=p2s)
            assert quote in normalise(pages[ev["page"]], punctuation_to_space=p2s), (
                f"{where}: quote not found on page {ev['page']}: {ev['quote']!r}"
            )


@needs_corpus
def test_every_corpus_paper_is_covered_including_its_first_page():
    papers = sorted(p.name for p in CORPUS.glob("*.pdf"))
    assert papers
    for paper in papers:
        first = next(iter(pdf_pages(paper)))
        cited = [(row["id"], ev["page"]) for row in QS for ev in row["evidence"] if ev["paper"] == paper]
        assert len(cited) >= 10, f"{paper}: only {len(cited)} evidence items"
        assert any(page == first for _, page in cited), f"{paper}: no question about its first page"


# ------------------------------------------------------------------ the project's loader, when present


def test_project_loader_accepts_the_set():
    try:
        from assistant.evaluate.questions import load_questions
    except ImportError as exc:
        pytest.skip(f"project loader not importable yet: {exc}")
    loaded = load_questions(QUESTIONS)
    assert len(list(loaded)) == len(QS)


@needs_corpus
def test_quotes_match_under_the_project_normaliser():
    """Same check with the scorer's own tokeniser, as a contiguous token run (SCHEMA "covers")."""
    try:
        from assistant.evaluate.metrics import tokens
    except ImportError as exc:
        pytest.skip(f"project tokeniser not importable yet: {exc}")
    missing = []
    for row in QS:
        for ev in row["evidence"]:
            quote = list(tokens(ev["quote"]))
            page = list(tokens(pdf_pages(ev["paper"])[ev["page"]]))
            n = len(quote)
            if not any(page[i:i + n] == quote for i in range(len(page) - n + 1)):
                missing.append((row["id"], ev["page"], ev["quote"]))
    assert not missing, f"quotes not on their page as one token run: {missing}"
