"""The project's ground-truth question sets are well-formed and true to the PDFs.

Four sets (format: ../shared/evals/SCHEMA.md):
- evals/corpus.jsonl: 71 questions over the two papers in ../shared/corpus;
- evals/real.jsonl: questions over the 32 real papers in ../shared/corpus-litqa, split by paper into
  development and validation (evals/splits.json);
- evals/paraphrases.jsonl: reworded copies of questions of the sets above and of
  ../shared/evals/litqa-dev.jsonl, with the same evidence, key facts, answer and type;
- evals/external.jsonl: 48 questions over six LaTeX-built CS papers the project was never tuned on
  (evals/external_sources.json says where each PDF comes from); the PDFs are not in git but in
  $ASSISTANT_EXTRA_PDFS/qa, and the checks that read them skip when they are missing.

Checked: the format field by field, unique ids, the coverage each set promises (types, minimum
counts, papers, splits), the semantics of each type (unanswerable questions cite nothing and name
the paper they are near; follow-ups carry a conversation; cross-paper questions cite two papers of
one split), and, against the real PDFs, that every evidence quote occurs on the page it names after
the SCHEMA normalisation (lower case, punctuation and articles dropped, whitespace collapsed) and
that every key fact occurs in the evidence quotes.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CORPORA = (SHARED / "corpus", SHARED / "corpus-litqa")
SPLITS = REPO / "evals" / "splits.json"
LITQA_DEV = SHARED / "evals" / "litqa-dev.jsonl"
EXTERNAL_SOURCES = REPO / "evals" / "external_sources.json"
EXTERNAL_PDFS = Path(os.environ.get("ASSISTANT_EXTRA_PDFS", "/work/extra-pdfs")) / "qa"

TYPES = {
    "factoid", "numeric", "definition", "list", "cross-paper", "reference", "unanswerable", "follow-up",
}
FIELDS = {"id", "question", "answerable", "answer", "key_facts", "evidence", "type", "history"}
ARTICLES = {"a", "an", "the"}
# "(Surname, 2024, p. 5)", "(Surname, pp. 82-83)": the page citation a plausible earlier answer carries.
CITATION = re.compile(r"\([^()]+, (\d{4}, |n\.d\., )?pp?\. [^()]+\)")


@dataclass(frozen=True)
class QuestionSet:
    """A question file and the promises it makes."""

    path: Path
    min_per_type: dict[str, int]
    min_total: int
    extra_fields: frozenset[str] = frozenset()
    required_fields: frozenset[str] = frozenset()
    quote_words: tuple[int, int] | None = (5, 40)
    min_papers: int = 0
    key_facts_in_quotes: bool = True
    near_papers_required: bool = False
    id_pattern: str = r".+"
    questions: list[tuple[int, dict]] = field(default_factory=list, compare=False)


def load_lines(path: Path) -> list[tuple[int, dict]]:
    rows = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:  # pragma: no cover - reported as a failure
            pytest.fail(f"{path.name}:{lineno}: not valid JSON ({exc})")
        rows.append((lineno, row))
    return rows


def make_sets() -> dict[str, QuestionSet]:
    real_minimum = {"factoid": 20, "numeric": 15, "definition": 10, "list": 10, "cross-paper": 8,
                    "reference": 8, "unanswerable": 16, "follow-up": 10}
    sets = {
        "corpus": QuestionSet(REPO / "evals" / "corpus.jsonl", {t: 5 for t in TYPES} | {"unanswerable": 8}, 48,
                              extra_fields=frozenset({"near_papers"}), key_facts_in_quotes=False),
        "real": QuestionSet(REPO / "evals" / "real.jsonl", real_minimum, 95, extra_fields=frozenset({"near_papers"}),
                            quote_words=(8, 40), min_papers=24, near_papers_required=True,
                            id_pattern=r"real-\d{3}"),
        # Paraphrases keep their originals' evidence as it is (LitQA's quotes are whole passages): no length rule.
        "paraphrases": QuestionSet(REPO / "evals" / "paraphrases.jsonl", {}, 45,
                                   extra_fields=frozenset({"near_papers", "paraphrase_of"}),
                                   required_fields=frozenset({"paraphrase_of"}), quote_words=None,
                                   key_facts_in_quotes=False, id_pattern=r".+-para"),
        "external": QuestionSet(REPO / "evals" / "external.jsonl", {t: 1 for t in TYPES} | {"unanswerable": 6}, 48,
                                extra_fields=frozenset({"near_papers"}), quote_words=(8, 30),
                                near_papers_required=True, id_pattern=r"ext-\d{3}"),
    }
    for qs in sets.values():
        qs.questions.extend(load_lines(qs.path))
    return sets


SETS = make_sets()
ALL_ROWS = [(name, lineno, row) for name, qs in SETS.items() for lineno, row in qs.questions]


def row_id(item) -> str:
    name, lineno, row = item
    return f"{name}:{row.get('id', f'line{lineno}')}"


def rows_where(predicate) -> list:
    return [item for item in ALL_ROWS if predicate(*item)]


def each(predicate=lambda name, lineno, row: True):
    """Parametrize over (set name, line number, question) for the questions that match."""
    items = rows_where(predicate)
    return pytest.mark.parametrize("name,lineno,row", items, ids=[row_id(i) for i in items])


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


def contains(text: str, part: str) -> bool:
    """``part`` occurs in ``text`` after normalisation, under both readings of punctuation."""
    return all(
        normalise(part, punctuation_to_space=p2s) in normalise(text, punctuation_to_space=p2s)
        for p2s in (False, True)
    )


def occurs_as_run(page: list[str], quote: list[str]) -> bool:
    """The quote's tokens are one contiguous run of the page's tokens. A quote cut mid-word (as
    LitQA's key passages are) may begin with the end of a page token and end with the start of one."""
    n = len(quote)
    for i in range(len(page) - n + 1):
        if page[i + 1:i + n - 1] == quote[1:-1] and page[i].endswith(quote[0]) and page[i + n - 1].startswith(quote[-1]):
            return True
    return False


def where(name: str, lineno: int, row: dict) -> str:
    return f"{SETS[name].path.name}:{lineno} ({row.get('id')})"


def find_pdf(paper: str) -> Path | None:
    return next((d / paper for d in (*CORPORA, EXTERNAL_PDFS) if (d / paper).is_file()), None)


@functools.cache
def external_sources() -> list[dict]:
    return json.loads(EXTERNAL_SOURCES.read_text(encoding="utf-8"))["papers"]


@functools.cache
def split_of() -> dict[str, str]:
    splits = json.loads(SPLITS.read_text(encoding="utf-8"))
    parts = {paper: part for part in ("development", "validation") for paper in splits[part]}
    return parts | {source["file"]: source["split"] for source in external_sources()}


def missing_external_pdfs() -> list[str]:
    return [s["file"] for s in external_sources() if not (EXTERNAL_PDFS / s["file"]).is_file()]


def papers_of(row: dict) -> set[str]:
    return {ev["paper"] for ev in row["evidence"]} | set(row.get("near_papers", []))


def part_of(row: dict, splits: dict[str, str]) -> str | None:
    """The split a question belongs to (None for a question naming no paper)."""
    parts = {splits.get(paper) for paper in papers_of(row)}
    return parts.pop() if len(parts) == 1 else None


# ------------------------------------------------------------------ page texts, read once


class PageTexts:
    """The text pypdf extracts from a page, as the eval reads it, by (paper, printed page label).

    Each PDF is opened once per session and each page extracted at most once; extracted pages are
    also kept in pytest's cache under the PDF's SHA-256 and the pypdf version, so a rerun on the
    same files and the same pypdf reads nothing again, and any change to either reads afresh.
    """

    def __init__(self, cache):
        import pypdf

        self._cache = cache
        self._version = pypdf.__version__
        self._readers: dict[str, object] = {}
        self._entries: dict[str, dict] = {}

    def _entry(self, paper: str) -> dict:
        if paper not in self._entries:
            path = find_pdf(paper)
            assert path is not None, f"no PDF {paper!r} in {[str(d) for d in CORPORA]}"
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            key = f"question_set/pages/{digest}/{self._version}"
            entry = self._cache.get(key, None) if self._cache else None
            if entry is None:
                entry = {"key": key, "labels": list(self._reader(paper, path).page_labels), "pages": {}}
            self._entries[paper] = entry
        return self._entries[paper]

    def _reader(self, paper: str, path: Path):
        if paper not in self._readers:
            from pypdf import PdfReader

            self._readers[paper] = PdfReader(str(path))
        return self._readers[paper]

    def labels(self, paper: str) -> list[str]:
        return self._entry(paper)["labels"]

    def text(self, paper: str, label: str) -> str:
        entry = self._entry(paper)
        if label not in entry["pages"]:
            index = entry["labels"].index(label)
            entry["pages"][label] = self._reader(paper, find_pdf(paper)).pages[index].extract_text() or ""
            if self._cache:
                self._cache.set(entry["key"], entry)
        return entry["pages"][label]


@pytest.fixture(scope="module")
def page_texts(request) -> PageTexts:
    return PageTexts(getattr(request.config, "cache", None))


needs_pdfs = pytest.mark.skipif(not all(d.is_dir() for d in CORPORA), reason=f"PDFs not found in {CORPORA}")


# ------------------------------------------------------------------ format


@pytest.mark.parametrize("name", SETS)
def test_file_has_enough_questions(name):
    qs = SETS[name]
    assert len(qs.questions) >= qs.min_total, f"{qs.path.name}: {len(qs.questions)} questions, want {qs.min_total}"


@each()
def test_fields(name, lineno, row):
    qs, at = SETS[name], where(name, lineno, row)
    assert FIELDS | qs.required_fields <= set(row) <= FIELDS | qs.extra_fields, (
        f"{at}: fields {sorted(set(row) ^ FIELDS)} missing or unexpected"
    )
    assert isinstance(row["id"], str) and re.fullmatch(qs.id_pattern, row["id"]), f"{at}: id"
    assert isinstance(row["question"], str) and row["question"].strip(), f"{at}: question"
    assert isinstance(row["answerable"], bool), f"{at}: answerable must be true/false"
    assert isinstance(row["answer"], str) and row["answer"].strip(), f"{at}: answer"
    assert row["type"] in TYPES, f"{at}: type {row['type']!r} not one of {sorted(TYPES)}"
    assert isinstance(row["key_facts"], list), f"{at}: key_facts must be a list"
    assert all(isinstance(k, str) and k.strip() for k in row["key_facts"]), f"{at}: key_facts"
    assert isinstance(row["evidence"], list), f"{at}: evidence must be a list"
    for i, ev in enumerate(row["evidence"]):
        assert isinstance(ev, dict) and set(ev) == {"paper", "page", "quote"}, f"{at}: evidence[{i}]"
        for key in ("paper", "page", "quote"):
            assert isinstance(ev[key], str) and ev[key].strip(), f"{at}: evidence[{i}].{key}"
    assert isinstance(row["history"], list), f"{at}: history must be a list"
    for i, turn in enumerate(row["history"]):
        assert isinstance(turn, dict) and set(turn) == {"role", "content"}, f"{at}: history[{i}]"
        assert turn["role"] in {"user", "assistant"}, f"{at}: history[{i}].role"
        assert isinstance(turn["content"], str) and turn["content"].strip(), f"{at}: history[{i}].content"
    if "near_papers" in row:
        assert isinstance(row["near_papers"], list) and row["near_papers"], f"{at}: near_papers"
        assert all(isinstance(p, str) and p.endswith(".pdf") for p in row["near_papers"]), f"{at}: near_papers"


@pytest.mark.parametrize("name", SETS)
def test_ids_unique(name):
    counts = Counter(row["id"] for _, row in SETS[name].questions)
    assert not [i for i, n in counts.items() if n > 1], f"{SETS[name].path.name}: duplicate ids"


def test_ids_unique_across_sets():
    counts = Counter(row["id"] for _, _, row in ALL_ROWS)
    assert not [i for i, n in counts.items() if n > 1]


@pytest.mark.parametrize("name", SETS)
def test_every_type_with_minimum_counts(name):
    qs = SETS[name]
    counts = Counter(row["type"] for _, row in qs.questions)
    short = {t: (counts.get(t, 0), n) for t, n in qs.min_per_type.items() if counts.get(t, 0) < n}
    assert not short, f"{qs.path.name}: types below their minimum (have, want): {short}"


@pytest.mark.parametrize("name", SETS)
def test_questions_are_not_repeated(name):
    counts = Counter(normalise(row["question"], punctuation_to_space=True) for _, row in SETS[name].questions)
    assert not [q for q, n in counts.items() if n > 1]


# ------------------------------------------------------------------ semantics per type


@each()
def test_answerable_and_unanswerable(name, lineno, row):
    at = where(name, lineno, row)
    if row["type"] == "unanswerable":
        assert row["answerable"] is False, f"{at}: unanswerable question marked answerable"
    if row["answerable"]:
        assert row["evidence"], f"{at}: answerable question without evidence"
        assert row["key_facts"], f"{at}: answerable question without key facts"
        assert "near_papers" not in row, f"{at}: near_papers is for unanswerable questions"
    else:
        assert row["evidence"] == [], f"{at}: unanswerable question must cite no evidence"
        assert row["key_facts"] == [], f"{at}: unanswerable question must have no key facts"
        if SETS[name].near_papers_required:
            assert row.get("near_papers"), f"{at}: unanswerable question must name the paper it is near"


@each(lambda name, lineno, row: "near_papers" in row and name != "external")
def test_near_papers_exist(name, lineno, row):
    for paper in row["near_papers"]:
        assert find_pdf(paper) is not None, f"{where(name, lineno, row)}: no paper {paper!r}"


@each()
def test_history_only_on_follow_ups(name, lineno, row):
    at = where(name, lineno, row)
    if row["type"] == "follow-up":
        assert row["history"], f"{at}: follow-up without history"
        assert row["history"][0]["role"] == "user", f"{at}: history should start with the user"
        assert row["history"][-1]["role"] == "assistant", f"{at}: history should end with an answer"
    else:
        assert row["history"] == [], f"{at}: only follow-ups carry history"


@each(lambda name, lineno, row: name != "corpus" and row["type"] == "follow-up")
def test_follow_up_history_answers_with_a_citation(name, lineno, row):
    answers = [turn["content"] for turn in row["history"] if turn["role"] == "assistant"]
    assert all(CITATION.search(a) for a in answers), f"{where(name, lineno, row)}: {answers}"


def test_real_set_has_unanswerable_follow_ups():
    rows = [row for _, row in SETS["real"].questions if row["type"] == "follow-up"]
    assert 2 <= sum(not row["answerable"] for row in rows) < len(rows) / 2


@each(lambda name, lineno, row: row["type"] == "cross-paper")
def test_cross_paper_has_evidence_from_two_papers(name, lineno, row):
    papers = {ev["paper"] for ev in row["evidence"]}
    assert len(papers) >= 2, f"{where(name, lineno, row)}: evidence from {papers}"


@each(lambda name, lineno, row: name != "corpus")
def test_questions_stay_within_one_split(name, lineno, row):
    """Dev/validation discipline: no question, cross-paper ones included, mixes the two parts."""
    splits = split_of()
    parts = {splits.get(paper) for paper in papers_of(row)}
    assert len(parts) <= 1 and None not in parts, f"{where(name, lineno, row)}: papers in {parts}"


@each()
def test_key_facts_are_in_reference_answer(name, lineno, row):
    """A reference answer must itself pass the key-fact check it sets for others."""
    for fact in row["key_facts"]:
        assert contains(row["answer"], fact), f"{where(name, lineno, row)}: key fact {fact!r} not in the answer"


@each(lambda name, lineno, row: SETS[name].key_facts_in_quotes or row["id"].startswith("real-"))
def test_key_facts_are_in_the_evidence_quotes(name, lineno, row):
    """What a correct answer must contain is what the cited passages say."""
    for fact in row["key_facts"]:
        assert any(contains(ev["quote"], fact) for ev in row["evidence"]), (
            f"{where(name, lineno, row)}: key fact {fact!r} in no evidence quote"
        )


@each(lambda name, lineno, row: SETS[name].quote_words is not None)
def test_quotes_are_short_spans(name, lineno, row):
    low, high = SETS[name].quote_words
    for ev in row["evidence"]:
        n = len(ev["quote"].split())
        assert low <= n <= high, f"{where(name, lineno, row)}: quote of {n} words"


# ------------------------------------------------------------------ coverage of the real papers


@needs_pdfs
def test_real_set_spreads_over_papers_and_both_splits():
    qs, splits = SETS["real"], split_of()
    rows = [row for _, row in qs.questions]
    papers = set().union(*(papers_of(row) for row in rows))
    assert papers <= {p.name for p in CORPORA[1].glob("*.pdf")}, "real.jsonl is about the LitQA papers only"
    assert len(papers) >= qs.min_papers, f"{len(papers)} papers, want {qs.min_papers}"
    per_split = Counter(part_of(row, splits) for row in rows)
    assert min(per_split["development"], per_split["validation"]) >= 30, per_split
    for part in ("development", "validation"):
        types = {row["type"] for row in rows if part_of(row, splits) == part}
        assert types == TYPES, f"{part}: types {sorted(TYPES - types)} missing"


# ------------------------------------------------------------------ paraphrases


@functools.cache
def originals() -> dict[str, tuple[str, dict]]:
    """Every question a paraphrase may copy, by id, with the file it comes from."""
    found = {row["id"]: (name, row) for name in ("corpus", "real") for _, row in SETS[name].questions}
    if LITQA_DEV.is_file():
        found |= {row["id"]: ("litqa-dev", row) for _, row in load_lines(LITQA_DEV)}
    return found


@each(lambda name, lineno, row: name == "paraphrases")
def test_paraphrase_copies_its_original(name, lineno, row):
    at, source = where(name, lineno, row), originals()
    assert row["id"] == f"{row['paraphrase_of']}-para", f"{at}: id must be the original's id + '-para'"
    if row["paraphrase_of"].startswith("litqa-dev") and not LITQA_DEV.is_file():
        pytest.skip(f"{LITQA_DEV} not found")
    assert row["paraphrase_of"] in source, f"{at}: no original {row['paraphrase_of']!r}"
    _, original = source[row["paraphrase_of"]]
    for key in ("answerable", "answer", "key_facts", "evidence", "type", "history"):
        assert row[key] == original[key], f"{at}: {key} differs from the original"
    assert row.get("near_papers") == original.get("near_papers"), f"{at}: near_papers differs from the original"


@each(lambda name, lineno, row: name == "paraphrases")
def test_paraphrase_is_reworded(name, lineno, row):
    """Other words, not the original with a word swapped: at most 60% of the word set is shared."""
    source = originals()
    if row["paraphrase_of"] not in source:
        pytest.skip("original not available")
    words = [set(normalise(q, punctuation_to_space=True).split())
             for q in (row["question"], source[row["paraphrase_of"]][1]["question"])]
    overlap = len(words[0] & words[1]) / len(words[0] | words[1])
    assert overlap <= 0.6, f"{where(name, lineno, row)}: {overlap:.2f} of the words shared with the original"


def test_paraphrases_cover_every_source_and_both_splits():
    source, splits = originals(), split_of()
    rows = [row for _, row in SETS["paraphrases"].questions]
    per_source = Counter(source[row["paraphrase_of"]][0] for row in rows if row["paraphrase_of"] in source)
    wanted = {"corpus": 15, "real": 15} | ({"litqa-dev": 15} if LITQA_DEV.is_file() else {})
    assert all(per_source[s] >= n for s, n in wanted.items()), per_source
    per_split = Counter(part_of(row, splits) for row in rows)
    assert per_split["development"] >= 10 and per_split["validation"] >= 10, per_split


# ------------------------------------------------------------------ against the real PDFs


@needs_pdfs
@each(lambda name, lineno, row: bool(row["evidence"]) and name != "external")
def test_evidence_quotes_occur_on_their_page(name, lineno, row, page_texts):
    for i, ev in enumerate(row["evidence"]):
        at = f"{where(name, lineno, row)} evidence[{i}]"
        assert find_pdf(ev["paper"]) is not None, f"{at}: no paper {ev['paper']!r}"
        labels = page_texts.labels(ev["paper"])
        assert ev["page"] in labels, f"{at}: page {ev['page']!r} not a label of {ev['paper']} ({labels})"
        assert contains(page_texts.text(ev["paper"], ev["page"]), ev["quote"]), (
            f"{at}: quote not found on page {ev['page']}: {ev['quote']!r}"
        )


@needs_pdfs
def test_every_corpus_paper_is_covered_including_its_first_page(page_texts):
    rows = [row for _, row in SETS["corpus"].questions]
    papers = sorted(p.name for p in CORPORA[0].glob("*.pdf"))
    assert papers
    for paper in papers:
        first = page_texts.labels(paper)[0]
        cited = [(row["id"], ev["page"]) for row in rows for ev in row["evidence"] if ev["paper"] == paper]
        assert len(cited) >= 10, f"{paper}: only {len(cited)} evidence items"
        assert any(page == first for _, page in cited), f"{paper}: no question about its first page"


# ------------------------------------------------------------------ the project's loader and tokeniser


@pytest.mark.parametrize("name", SETS)
def test_project_loader_accepts_the_set(name):
    try:
        from assistant.evaluate.questions import load_questions
    except ImportError as exc:
        pytest.skip(f"project loader not importable yet: {exc}")
    loaded = load_questions(SETS[name].path)
    assert len(list(loaded)) == len(SETS[name].questions)


@needs_pdfs
def test_quotes_match_under_the_project_normaliser(page_texts):
    """Same check with the scorer's own tokeniser, as a contiguous token run (SCHEMA "covers")."""
    try:
        from assistant.evaluate.metrics import tokens
    except ImportError as exc:
        pytest.skip(f"project tokeniser not importable yet: {exc}")
    missing = []
    for name, _, row in ALL_ROWS:
        for ev in row["evidence"] if name != "external" else []:
            if not occurs_as_run(tokens(page_texts.text(ev["paper"], ev["page"])), tokens(ev["quote"])):
                missing.append((name, row["id"], ev["page"], ev["quote"]))
    assert not missing, f"quotes not on their page as one token run: {missing}"


@each(lambda name, lineno, row: row["id"].startswith(("real-", "ext-")))
def test_key_facts_match_under_the_project_normaliser(name, lineno, row):
    """The scorer's own check (whole normalised tokens) finds every key fact in the reference
    answer and in an evidence quote, so a verbatim answer scores full key-fact recall."""
    try:
        from assistant.textnorm import contains as project_contains
    except ImportError as exc:
        pytest.skip(f"project normaliser not importable yet: {exc}")
    for fact in row["key_facts"]:
        assert project_contains(row["answer"], fact), f"{where(name, lineno, row)}: {fact!r} not in the answer"
        assert any(project_contains(ev["quote"], fact) for ev in row["evidence"]), (
            f"{where(name, lineno, row)}: {fact!r} in no evidence quote"
        )


# ------------------------------------------------------------------ the external set's own PDFs


def test_external_sources_follow_the_split_rule():
    """Split fixed before the questions were written: sha256(file name) even -> development."""
    sources = external_sources()
    for source in sources:
        even = int(hashlib.sha256(source["file"].encode()).hexdigest(), 16) % 2 == 0
        assert source["split"] == ("development" if even else "validation"), source["file"]
    rows = [row for _, row in SETS["external"].questions]
    assert set().union(*(papers_of(row) for row in rows)) == {s["file"] for s in sources}
    per_paper = Counter(paper for row in rows for paper in papers_of(row))
    assert min(per_paper.values()) >= 8, per_paper


def test_external_questions_hold_on_their_pdfs(page_texts):
    """Every quote of external.jsonl is on its page (SCHEMA normalisation, both punctuation readings,
    and the scorer's tokeniser as one contiguous run), and each PDF is the one external_sources.json names."""
    missing = missing_external_pdfs()
    if missing:
        pytest.skip(f"external PDFs not in {EXTERNAL_PDFS} (set ASSISTANT_EXTRA_PDFS; fetch them as "
                    f"evals/external_sources.json says): {missing}")
    from assistant.evaluate.metrics import tokens

    for source in external_sources():
        digest = hashlib.sha256((EXTERNAL_PDFS / source["file"]).read_bytes()).hexdigest()
        assert digest == source["sha256"], f"{source['file']}: not the PDF of external_sources.json"
        assert len(page_texts.labels(source["file"])) == source["pages"], source["file"]
    for lineno, row in SETS["external"].questions:
        for paper in row.get("near_papers", []):
            assert find_pdf(paper) is not None, f"{where('external', lineno, row)}: no paper {paper!r}"
        for i, ev in enumerate(row["evidence"]):
            at = f"{where('external', lineno, row)} evidence[{i}]"
            assert ev["page"] in page_texts.labels(ev["paper"]), f"{at}: no page {ev['page']!r}"
            text = page_texts.text(ev["paper"], ev["page"])
            assert contains(text, ev["quote"]), f"{at}: quote not on page {ev['page']}: {ev['quote']!r}"
            assert occurs_as_run(tokens(text), tokens(ev["quote"])), f"{at}: not one token run: {ev['quote']!r}"
