"""The eval metrics of shared/evals/SCHEMA.md on hand-made cases, the question loader, the
runner and the report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.evaluate import (
    METRICS,
    Pages,
    Question,
    QuestionSetError,
    aggregate,
    covers,
    load_questions,
    normalize,
    run_eval,
    score_question,
    summary_table,
    write_report,
)
from assistant.evaluate.metrics import contains, token_f1

SCHEMA_METRICS = [
    "hit@1", "hit@5", "hit@10", "mrr@10", "hit@500w", "ndcg@10", "evidence_recall@10",
    "citation_validity", "citation_precision", "citation_recall", "citation_f1",
    "key_fact_recall", "token_f1", "abstention_accuracy", "false_abstention_rate",
    "latency_p50_ms", "latency_p95_ms",
]  # fmt: skip

QUOTE = "the number of international migrants in the world had reached 272 million"
PAGE_TEXT = {
    ("wei.pdf", "1"): "By 2019, the number of International Migrants in the\n"
    "world had reached 272 million, 3.5% of the population.",
    ("wei.pdf", "2"): "Migration governance needs cooperation between states. Borders are",
    ("wei.pdf", "3"): "porous; security is non-traditional.",
    ("mad.pdf", "iv"): "Securitisation theory was developed by the Copenhagen School.",
    ("mad.pdf", "v"): "Migration categories include refugees and labour migrants.",
    ("mad.pdf", "vi"): "References.",
}
LABELS = {"wei.pdf": ["1", "2", "3"], "mad.pdf": ["iv", "v", "vi"]}


def pages() -> Pages:
    return Pages(lambda paper, label: PAGE_TEXT.get((paper, label)), LABELS)


BASE = {
    "id": "q1",
    "question": "How many international migrants were there in 2019?",
    "answerable": True,
    "answer": "About 272 million, 3.5% of the world's population.",
    "key_facts": ["272 million", "3.5%"],
    "evidence": [{"paper": "wei.pdf", "page": "1", "quote": QUOTE}],
    "type": "numeric",
    "history": [],
}


def question(**fields) -> Question:
    return Question.model_validate(BASE | fields)


UNANSWERABLE = {"answerable": False, "key_facts": [], "evidence": [], "type": "unanswerable", "answer": ""}


def cite(paper="wei.pdf", page="1", quote="had reached 272 million") -> dict:
    return {"paper": paper, "paper_id": "x", "page": page, "quote": quote, "text": "(Wei, n.d., p. 1)"}


def passage(text: str, paper="wei.pdf", page="1") -> dict:
    return {"paper": paper, "page": page, "text": text, "score": 0.5}


def output(answer="", citations=(), passages=(), abstained=False) -> dict:
    return {
        "question": "",
        "answer": answer,
        "abstained": abstained,
        "citations": list(citations),
        "passages": list(passages),
    }


def score(q: Question, out: dict, latency_ms: float = 10.0) -> dict:
    return score_question(q, out, pages(), latency_ms)


FILLER = "unrelated words about something else entirely"
PERFECT = output(
    BASE["answer"],
    [cite()],
    [passage(PAGE_TEXT["wei.pdf", "1"])],
)

# ---------------------------------------------------------------- normalisation and matching


def test_normalize_drops_case_punctuation_articles_and_extra_space():
    assert (
        normalize("  The Quick, brown-fox\n ate AN apple! “A” — the end.") == "quick brownfox ate apple end"
    )
    assert normalize("3.5%") == "35"
    assert normalize("theory anthem") == "theory anthem"  # articles only as whole words


def test_contains_matches_whole_tokens_only():
    assert contains("About 272 Million migrants", "272 million")
    assert contains("3.5% of all", "3.5%")
    assert not contains("1350 people", "3.5")
    assert not contains("anything", "")


def test_token_f1_squad_style():
    assert token_f1("272 million", "272 million") == 1.0
    assert token_f1("", "") == 1.0
    assert token_f1("", "272 million") == 0.0
    assert token_f1("about 272 million migrants", "272 million") == pytest.approx(2 * 0.5 * 1 / 1.5)


def test_covers_needs_half_the_quote_as_one_contiguous_run():
    words = normalize(QUOTE).split()  # 10 tokens
    half = " ".join(words[:5])
    assert covers(f"{FILLER} {QUOTE} {FILLER}", "wei.pdf", question().evidence[0])
    assert covers(f"{FILLER} {half} {FILLER}", "wei.pdf", question().evidence[0])
    assert not covers(f"{FILLER} {' '.join(words[:4])} {FILLER}", "wei.pdf", question().evidence[0])


def test_covers_gives_no_credit_for_scattered_words_or_another_paper():
    scattered = " filler ".join(reversed(normalize(QUOTE).split()))
    assert not covers(scattered, "wei.pdf", question().evidence[0])
    assert not covers(QUOTE, "mad.pdf", question().evidence[0])
    assert covers(QUOTE, "/library/papers/wei.pdf", question().evidence[0])


# ---------------------------------------------------------------- one question


def test_perfect_answer_scores_one_everywhere():
    row = score(question(), PERFECT)
    metrics = aggregate([row])
    for name in SCHEMA_METRICS[:-4]:  # the rates over answerable questions and validity
        assert metrics[name] == 1.0, name
    assert metrics["false_abstention_rate"] == 0.0
    assert metrics["abstention_accuracy"] is None  # no unanswerable question
    assert row["failures"] == []
    assert row["first_rank"] == 1 and row["citations"][0]["correct"]


def test_empty_output_scores_zero_and_leaves_citation_validity_undefined():
    metrics = aggregate([score(question(), output())])
    zero = ["hit@1", "hit@10", "mrr@10", "hit@500w", "ndcg@10", "evidence_recall@10", "citation_recall",
            "citation_precision", "citation_f1", "key_fact_recall", "token_f1", "false_abstention_rate"]  # fmt: skip
    for name in zero:
        assert metrics[name] == 0.0, name  # SCHEMA: a question with no citations has precision 0
    assert metrics["citation_validity"] is None and metrics["citation_validity_ci"] is None
    assert metrics["citation_validity_n"] == 1


def test_partial_overlap():
    evidence = [
        {"paper": "wei.pdf", "page": "1", "quote": QUOTE},
        {
            "paper": "mad.pdf",
            "page": "v",
            "quote": "Migration categories include refugees and labour migrants",
        },
    ]
    out = output(
        "Some 272 million people.",
        [cite(), cite("wei.pdf", "2", "Migration governance needs cooperation")],
        [passage(FILLER), passage(FILLER), passage(QUOTE), passage(FILLER)] + [passage(FILLER)] * 10,
    )
    row = score(question(evidence=evidence), out)
    s = row["scores"]
    assert (s["hit@1"], s["hit@5"], s["hit@10"]) == (0, 1, 1)
    assert s["mrr@10"] == pytest.approx(1 / 3)
    assert s["ndcg@10"] == pytest.approx(0.5)  # 1/log2(4), one relevant passage
    assert row["ranks"] == [3]
    metrics = aggregate([row])
    assert metrics["evidence_recall@10"] == 0.5
    assert metrics["citation_precision"] == 0.5
    assert metrics["citation_recall"] == 0.5
    assert metrics["citation_f1"] == 0.5
    assert metrics["key_fact_recall"] == 0.5
    assert metrics["citation_validity"] == 1.0
    assert "key facts missing: 3.5%" in row["failures"]
    assert "gold evidence not cited: mad.pdf p. v" in row["failures"]


def test_ndcg_with_several_relevant_passages():
    passages = [passage(QUOTE), passage(FILLER), passage(QUOTE)]
    s = score(question(), output(passages=passages))["scores"]
    ideal = 1 + 1 / 1.5849625007211562  # two relevant: ranks 1 and 2
    assert s["ndcg@10"] == pytest.approx((1 + 0.5) / ideal)


def test_hit_within_500_words_cuts_the_last_passage():
    words = normalize(QUOTE).split()
    padding = passage(" ".join(["pad"] * 495))
    just_in = score(question(), output(passages=[padding, passage(" ".join(words[:5] + ["pad"] * 100))]))
    too_late = score(question(), output(passages=[padding, passage(" ".join(["pad"] * 6 + words))]))
    assert just_in["scores"]["hit@500w"] == 1
    assert too_late["scores"]["hit@500w"] == 0
    assert too_late["scores"]["hit@5"] == 1


@pytest.mark.parametrize(
    ("paper", "page", "quote", "evidence_page", "valid", "correct"),
    [
        ("wei.pdf", "1-2", "had reached 272 million", "2", True, True),
        ("wei.pdf", "1–2", "had reached 272 million", "1", True, True),
        ("wei.pdf", "2-3", "Borders are porous", "3", True, True),  # quote over the page break
        ("wei.pdf", "2", "Borders are porous", "2", False, False),
        ("wei.pdf", "3-2", "", "2", False, False),  # a reversed range names no page
        ("wei.pdf", "2-4", "", "2", False, False),  # no page 4
        ("mad.pdf", "iv–v", "labour migrants", "v", True, True),  # labels resolved by position
        ("mad.pdf", "iv-vi", "", "v", True, True),
        ("mad.pdf", "v-iv", "", "v", False, False),
        ("wei.pdf", "1-2", "had reached 272 million", "3", True, False),
    ],
)
def test_page_ranges(paper, page, quote, evidence_page, valid, correct):
    q = question(evidence=[{"paper": paper, "page": evidence_page, "quote": "something to cite here"}])
    [citation] = score(q, output("x", [cite(paper, page, quote)]))["citations"]
    assert (citation["valid"], citation["correct"]) == (valid, correct)


def test_invalid_citations_name_their_problem():
    out = output(
        "272 million",
        [cite(), cite(quote="had reached 300 million"), cite(paper="nope.pdf"), cite(page="9")],
    )
    row = score(question(), out)
    assert [c["problem"] for c in row["citations"]] == [
        None,
        "quote not on the cited page",
        "paper not indexed",
        "no page 9 in this paper",
    ]
    metrics = aggregate([row])
    assert metrics["citation_validity"] == 0.25
    assert metrics["citation_precision"] == 0.25  # an invalid citation is never correct
    assert any(reason.startswith("invalid citation wei.pdf p. 9") for reason in row["failures"])


def test_quote_compared_normalised_and_page_given_as_int():
    out = output("x", [{"paper": "wei.pdf", "page": 1, "quote": "The  world had reached 272 MILLION"}])
    assert score(question(), out)["citations"][0]["correct"]


def test_abstention_right_and_wrong():
    q = question(**UNANSWERABLE)
    right = score(q, output("The papers do not say.", abstained=True))
    wrong = score(q, output("Mars has a GDP of 3 trillion.", [cite()]))
    cited_anyway = score(q, output("Not in the papers.", [cite()], abstained=True))
    assert right["abstained"] and not cited_anyway["abstained"]
    metrics = aggregate([right, wrong, cited_anyway])
    assert metrics["abstention_accuracy"] == pytest.approx(1 / 3)
    assert metrics["abstention_accuracy_n"] == 3
    assert metrics["citation_validity"] == 1.0 and metrics["citation_validity_n"] == 3
    assert metrics["hit@5"] is None and metrics["false_abstention_rate"] is None
    assert wrong["failures"] == ["answered instead of abstaining"]


def test_false_abstention():
    abstained = score(question(id="a"), output("The papers do not say.", abstained=True))
    answered = score(question(id="b"), PERFECT)
    metrics = aggregate([abstained, answered])
    assert metrics["false_abstention_rate"] == 0.5
    assert abstained["failures"][0] == "abstained on an answerable question"


def test_citation_rates_are_macro_over_questions_and_validity_is_pooled():
    one_right = score(question(id="a"), output("x", [cite()]))
    three_wrong = score(question(id="b"), output("x", [cite(page="2", quote="")] * 3))
    metrics = aggregate([one_right, three_wrong])
    assert metrics["citation_precision"] == 0.5  # (1/1 + 0/3) / 2, not 1/4
    assert metrics["citation_validity"] == 1.0


def test_questions_without_key_facts_are_left_out_of_key_fact_recall():
    no_facts = score(question(id="a", key_facts=[]), output("nothing"))
    found = score(question(id="b"), PERFECT)
    assert aggregate([no_facts, found])["key_fact_recall"] == 1.0


# ---------------------------------------------------------------- aggregation


def test_aggregate_reports_every_schema_metric_with_ci_and_n():
    metrics = aggregate([score(question(), PERFECT), score(question(**UNANSWERABLE), output(abstained=True))])
    assert [m.name for m in METRICS] == SCHEMA_METRICS
    for name in SCHEMA_METRICS:
        assert {name, f"{name}_ci", f"{name}_n"} <= metrics.keys()
    assert metrics["n"] == 2
    assert metrics["counts"] == {
        "questions": 2, "answerable": 1, "unanswerable": 1,
        "citations": 1, "evidence": 1, "key_facts": 2, "errors": 0,
    }  # fmt: skip


def test_bootstrap_ci_contains_the_point_estimate_and_is_reproducible():
    rows = [
        score(question(id=str(i)), PERFECT if i % 3 else output(), latency_ms=float(i)) for i in range(30)
    ]
    first, second = aggregate(rows, seed=1), aggregate(rows, seed=1)
    assert first == second
    for name in SCHEMA_METRICS:
        if first[name] is not None:
            low, high = first[f"{name}_ci"]
            assert low <= first[name] <= high, name
    low, high = first["hit@1_ci"]
    assert low < first["hit@1"] < high
    assert first["latency_p50_ms"] == pytest.approx(14.5)


# ---------------------------------------------------------------- loading question sets


def write_lines(tmp_path, *records) -> Path:
    path = tmp_path / "questions.jsonl"
    lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def good(**fields) -> dict:
    """A question record as a file holds it, possibly invalid."""
    return BASE | fields


def test_loader_accepts_a_valid_file_with_blank_lines_and_int_pages(tmp_path):
    follow_up = good(id="f", type="follow-up", history=[{"role": "user", "content": "hi"}])
    as_int = good(id="n") | {"evidence": [{"paper": "wei.pdf", "page": 1, "quote": QUOTE}]}
    no_history = {k: v for k, v in good(id="h").items() if k != "history"}
    path = write_lines(
        tmp_path, good(), "", "   ", follow_up, as_int, no_history, good(id="u", **UNANSWERABLE)
    )
    questions = load_questions(path)
    assert [q.id for q in questions] == ["q1", "f", "n", "h", "u"]
    assert questions[2].evidence[0].page == "1"
    assert questions[1].history[0].role == "user"


@pytest.mark.parametrize(
    ("record", "field", "message"),
    [
        ('{"id": "x", "question": ', "-", "invalid JSON"),
        ("[1, 2]", "-", "expected a JSON object"),
        ({k: v for k, v in good().items() if k != "answer"}, "answer", "missing field"),
        (good(answerable="yes"), "answerable", "valid boolean"),
        (good(key_facts="272 million"), "key_facts", "valid list"),
        (good(type="trivia"), "type", "'factoid'"),
        (good(evidence=[]), "evidence", "needs at least one evidence item"),
        (good(evidence=[{"paper": "wei.pdf", "page": "1"}]), "evidence[0].quote", "missing field"),
        (good(evidence=[{"paper": "wei.pdf", "page": "", "quote": QUOTE}]), "evidence[0].page", "at least 1"),
        (
            good(evidence=[{"paper": "wei.pdf", "page": "1", "quote": "the, a!"}]),
            "evidence[0].quote",
            "no words",
        ),
        (good(history=[{"role": "system", "content": "x"}]), "history[0].role", "'user' or 'assistant'"),
        (good(type="unanswerable"), "type", "contradicts"),
    ],
)
def test_loader_rejects_with_file_line_and_field(tmp_path, record, field, message):
    path = write_lines(tmp_path, good(id="ok"), "", record)
    with pytest.raises(QuestionSetError) as caught:
        load_questions(path)
    [(line, got_field, got_message)] = caught.value.problems
    assert (line, got_field) == (3, field)
    assert message in got_message
    assert f"{path}:3: {field}: " in str(caught.value)


def test_loader_reports_duplicate_ids_and_every_bad_line(tmp_path):
    path = write_lines(tmp_path, good(id="a"), good(id="b"), good(id="a"), "{", good(id="b"))
    with pytest.raises(QuestionSetError) as caught:
        load_questions(path)
    assert [(line, field) for line, field, _ in caught.value.problems] == [(3, "id"), (4, "-"), (5, "id")]
    assert "duplicate id 'a' (first on line 1)" in str(caught.value)


def test_loader_rejects_an_empty_file(tmp_path):
    with pytest.raises(QuestionSetError, match="no questions"):
        load_questions(write_lines(tmp_path, ""))


# ---------------------------------------------------------------- runner and report


def fake_assistant(question: str, history: list[dict]) -> dict:
    if "Mars" in question:
        return output("The papers do not say.", abstained=True)
    assert history == [] or history[0]["role"] == "user"
    return PERFECT


def broken(question: str, history: list[dict]) -> dict:
    raise RuntimeError("index missing")


def run(questions, **configs):
    return run_eval(
        questions,
        fake_assistant,
        lambda paper, label: PAGE_TEXT.get((paper, label)),
        LABELS.get,
        configs,
        progress=False,
    )


QUESTIONS = [
    question(),
    question(id="f", type="follow-up", history=[{"role": "user", "content": "Tell me about migration."}]),
    question(id="u", question="What is the GDP of Mars?", **UNANSWERABLE),
]


def test_run_eval_scores_configs_side_by_side_and_records_errors():
    result = run(QUESTIONS, broken=broken)
    assert [c.name for c in result.configs] == ["assistant", "broken"]
    assistant, failing = result["assistant"], result["broken"]
    assert assistant.metrics["citation_validity"] == 1.0
    assert assistant.metrics["abstention_accuracy"] == 1.0
    assert set(assistant.by_type) == {"numeric", "follow-up", "unanswerable"}
    assert assistant.by_type["follow-up"]["n"] == 1
    assert all(row["latency_ms"] >= 0 for row in assistant.rows)
    assert failing.rows[0]["error"] == "RuntimeError: index missing"
    assert result.errors == 3 and failing.metrics["hit@5"] == 0.0


def test_run_eval_needs_an_answer_function():
    with pytest.raises(ValueError, match="needs answer_fn"):
        run_eval(QUESTIONS, None, lambda paper, label: None, {}, progress=False)


def test_report_files_and_summary_table(tmp_path):
    result = run(QUESTIONS, broken=broken)
    paths = write_report(result, tmp_path / "out")
    report = json.loads(paths["json"].read_text())
    for name in SCHEMA_METRICS:
        assert {name, f"{name}_ci", f"{name}_n"} <= report.keys()
        assert name in report["by_config"]["broken"]
    assert report["configs"] == ["assistant", "broken"]
    assert report["by_type"]["numeric"]["hit@5"] == 1.0
    row = report["questions"][0]
    assert {"id", "type", "answer", "abstained", "citations", "ranks", "latency_ms"} <= row.keys()
    assert row["citations"][0]["correct"] and row["citations"][0]["valid"]

    markdown = paths["md"].read_text()
    assert "| metric | n | assistant | broken |" in markdown
    assert "| citation_validity | 3 | 1.00 [1.00, 1.00] | — |" in markdown
    assert "![metrics with 95% confidence intervals](metrics.png)" in markdown
    assert "## Failing questions: broken (3 of 3)" in markdown
    assert "error: RuntimeError: index missing" in markdown
    assert paths["png"].read_bytes().startswith(b"\x89PNG")

    table = summary_table(result).splitlines()
    assert table[0].split() == ["metric", "n", "assistant", "broken"]
    assert len(table) == 1 + len(SCHEMA_METRICS)
