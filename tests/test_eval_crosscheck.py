"""Cross-check: on the same retrieval runs our hit@k, MRR@10 and nDCG@10 equal ranx's.

Relevance is binary and comes from ``covers`` (the SCHEMA rule); ranx's qrels hold, for each
question, the returned passages that cover an evidence item. That is the nDCG definition the
eval documents: ranx's "ndcg@10" (Järvelin-Kekäläinen, gain = relevance, which equals the
Burges 2^rel - 1 form on binary relevance), DCG over the top 10, ideal DCG from all R relevant
passages of the returned list sorted first, capped at 10; 0 when none is relevant.
"""

from __future__ import annotations

import os
import random

import pytest

from assistant.evaluate import Pages, Question, covers, score_question

# ranx's metrics are numba functions, compiled on first use: ~40 s on a fresh venv, for 80 questions that take
# milliseconds interpreted. Only ranx imports numba here, and the same Python code runs either way.
os.environ.setdefault("NUMBA_DISABLE_JIT", "1")
ranx = pytest.importorskip("ranx")

PAPERS = ("a.pdf", "b.pdf")
FILLER = [f"filler{i}" for i in range(200)]  # never in a quote, so relevance is only by design
METRICS = {
    "hit_rate@1": "hit@1",
    "hit_rate@5": "hit@5",
    "hit_rate@10": "hit@10",
    "mrr@10": "mrr@10",
    "ndcg@10": "ndcg@10",
}


def filler(rng: random.Random, n: int) -> list[str]:
    return rng.choices(FILLER, k=n)


def passage_text(rng: random.Random, quote: list[str]) -> str:
    """A passage with the quote whole, half of it, just under half, scattered, or absent."""
    kind = rng.choice(["whole", "half", "under_half", "scattered", "none", "none", "none"])
    half = (len(quote) + 1) // 2
    inner = {
        "whole": quote,
        "half": quote[:half],
        "under_half": quote[: half - 1],
        "scattered": [w for word in quote for w in (word, *filler(rng, 1))],
        "none": [],
    }[kind]
    return " ".join(filler(rng, rng.randint(0, 30)) + inner + filler(rng, rng.randint(0, 30)))


def synthetic_case(rng: random.Random, qid: str) -> tuple[Question, list[dict]]:
    words = [f"w{i}" for i in range(300)]
    evidence = [
        {"paper": rng.choice(PAPERS), "page": "1", "quote": " ".join(rng.sample(words, rng.randint(6, 14)))}
        for _ in range(rng.randint(1, 3))
    ]
    question = Question(
        id=qid, question="?", answerable=True, answer="", key_facts=[], evidence=evidence, type="factoid"
    )
    passages = []
    for _ in range(rng.randint(0, 25)):
        item = rng.choice(question.evidence)
        passages.append(
            {"paper": rng.choice(PAPERS), "page": "1", "text": passage_text(rng, item.quote.split())}
        )
    return question, passages


def test_retrieval_metrics_agree_with_ranx():
    rng = random.Random(20240601)
    pages = Pages(lambda paper, label: None, {})
    qrels, run, ours = {}, {}, {}
    for i in range(80):
        question, passages = synthetic_case(rng, f"q{i}")
        relevant = {
            f"p{rank}"
            for rank, p in enumerate(passages, start=1)
            if any(covers(p["text"], p["paper"], item) for item in question.evidence)
        }
        qrels[question.id] = dict.fromkeys(relevant, 1)
        run[question.id] = {f"p{rank}": 1 / rank for rank in range(1, len(passages) + 1)}
        ours[question.id] = score_question(question, {"passages": passages}, pages)["scores"]

    assert sum(bool(r) for r in qrels.values()) > 20, "too few questions with a relevant passage"
    assert sum(len(r) > 1 for r in qrels.values()) > 10, "too few with several relevant passages"
    assert any(not r for r in qrels.values()), "no question without a relevant passage"

    ranx_run = ranx.Run({qid: scores or {"none": 0.0} for qid, scores in run.items()})
    ranx.evaluate(
        ranx.Qrels({qid: rel or {"absent": 1} for qid, rel in qrels.items()}), ranx_run, list(METRICS)
    )
    for ranx_name, our_name in METRICS.items():
        for qid, theirs in ranx_run.scores[ranx_name].items():
            assert ours[qid][our_name] == pytest.approx(theirs), (ranx_name, qid)
