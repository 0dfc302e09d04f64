"""Fitting the answer model: labels from gold evidence, weights that follow the data, a threshold
chosen under the false-abstention cap (synthetic questions; the last test runs `assistant fit` on the
corpus library)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.answer import FEATURES, AnswerModel, Candidate, ExtractiveAnswerer, Query
from assistant.evaluate.fit import Described, fit, label, rank_weights
from assistant.evaluate.questions import Question
from assistant.records import Page
from assistant.settings import AnswerSettings

PAGE = Page(index=0, label="7", text="x")


def _question(qid: str, answerable: bool = True) -> Question:
    evidence = [{"paper": "a.pdf", "page": "7", "quote": "the receptor binds fentanyl with high affinity"}]
    return Question.model_validate({"id": qid, "question": "What does the receptor bind?", "answerable": answerable,
                                    "answer": "", "key_facts": [], "evidence": evidence if answerable else [],
                                    "type": "factoid" if answerable else "unanswerable"})


def _cand(text: str) -> Candidate:
    return Candidate("a", PAGE, text, text, 0, span=(0, 1), terms=set(text.split()), context=set(text.split()))


def test_a_candidate_is_right_when_it_is_half_of_a_gold_quote_on_its_page():
    q = _question("q")
    assert label(_cand("In cells the receptor binds fentanyl with high affinity."), "a.pdf", q) == 1
    assert label(_cand("The receptor binds fentanyl."), "a.pdf", q) == 1  # half of it is the quote
    assert label(_cand("The receptor binds fentanyl."), "b.pdf", q) == 0  # another paper
    assert label(_cand("Affinity was measured at 4 degrees in every sample."), "a.pdf", q) == 0


def _bag_of_words(texts: list[str]) -> np.ndarray:
    """Unit vectors of word counts (hashed): a stand-in for the encoder in these synthetic questions."""
    out = np.zeros((len(texts), 64))
    for row, text in zip(out, texts):
        for word in text.lower().split():
            row[sum(map(ord, word)) % 64] += 1
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


def _described() -> list[Described]:
    """40 synthetic questions, one in four unanswerable: the right sentence is the one that covers the question."""
    rng = np.random.default_rng(0)
    coverage = FEATURES.index("coverage")
    described = []
    for n in range(40):
        answerable = n % 4 != 0
        x = rng.uniform(0, 0.3, size=(6, len(FEATURES)))
        labels = np.zeros(6, dtype=int)
        if answerable:
            x[0, coverage], labels[0] = 0.9, 1  # the right sentence covers the question
        cands = [_cand(f"receptor binds fentanyl {i}" if answerable else f"unrelated words {i}") for i in range(6)]
        described.append(Described(_question(f"q{n}", answerable), Query("receptor binds fentanyl", "q", set()),
                                   cands, {"a": "a.pdf"}, x, labels))
    return described


def _answerer() -> ExtractiveAnswerer:
    return ExtractiveAnswerer(AnswerSettings(), encode=_bag_of_words, word_vectors=None,
                              idf={"receptor": 2.0, "bind": 2.0, "fentanyl": 3.0}, default_idf=3.0)


def _base() -> AnswerModel:
    """The model a fit starts from: its keep shares are kept."""
    return AnswerModel(weights={}, bias=0.0, threshold=0.0, keep=0.6, keep_other=0.8, complement=0.3,
                       fitted_on={"questions": 1})


def test_fit_learns_the_informative_feature_and_respects_the_false_abstention_cap():
    described, answerer = _described(), _answerer()
    model = fit(described, answerer, max_units=2, base=_base(), max_false_abstention=0.10)
    assert model.weights["coverage"] > 1.0
    assert all(abs(model.weights[name]) < model.weights["coverage"] for name in FEATURES if name != "coverage")
    supports = [model.support(answerer.support_features(d.query, d.candidates, d.x, model.probability(d.x)))
                for d in described if d.question.answerable]
    assert np.mean([s < model.threshold for s in supports]) <= 0.10
    assert model.fitted_on["withheld_negatives"] == 0 and model.fitted_on["unanswerable"] == 10
    assert (model.keep, model.keep_other, model.complement) == (0.6, 0.8, 0.3)  # carried over, not fitted


def test_a_support_only_fit_keeps_the_answers_and_refits_when_to_abstain():
    """The candidate weights and keep shares of the given model stay; the support model learns that an off-topic
    question's likeliest candidates do not mean what it asks (best_meaning)."""
    described, answerer = _described(), _answerer()
    base = fit(described, answerer, max_units=2, base=_base(), max_false_abstention=0.10)
    base.support_weights, base.keep_other = {}, 0.9
    refit = fit(described, answerer, max_units=2, base=base, max_false_abstention=0.10, support_only=True)
    assert (refit.weights, refit.bias, refit.keep, refit.keep_other) == (base.weights, base.bias, base.keep, 0.9)
    assert refit.support_weights["best_meaning"] > 0
    assert refit.fitted_on["support_only"] and refit.fitted_on["base"]["questions"] == base.fitted_on["questions"]
    assert "base" not in refit.fitted_on["base"]  # the base's provenance one level deep, not a growing chain


def test_the_ranker_weighs_what_sets_a_question_s_right_candidates_apart_not_what_sets_questions_apart():
    """A feature constant within each question (here: high where a question has two right candidates) says
    nothing about which candidate to pick and gets no weight; the one that sets the right candidates apart
    within their question puts them first."""
    rng = np.random.default_rng(1)
    coverage, paper_share = FEATURES.index("coverage"), FEATURES.index("paper_share")
    described = []
    for n in range(30):
        x = rng.uniform(0, 0.3, size=(8, len(FEATURES)))
        labels = np.zeros(8, dtype=int)
        right = [0, 1] if n % 2 else [0]
        labels[right] = 1
        x[right, coverage] += 0.5
        x[:, paper_share] = float(len(right) == 2)
        described.append(Described(_question(f"q{n}"), Query("q", "q", set()), [_cand("c")] * 8, {"a": "a.pdf"},
                                   x, labels))
    w = rank_weights(described)
    assert abs(w[paper_share]) < 1e-6 < w[coverage]
    assert all(d.labels[np.argmax(d.x @ w)] == 1 for d in described)


@pytest.mark.slow
def test_the_fit_command_refits_from_the_library_s_own_answers(corpus_library, tmp_path):
    """`assistant fit` end to end on a real library: each development question asked through the library,
    the model written where asked, the keep shares carried over from the bundled model, every support feature
    weighed, and the base's provenance kept one level deep."""
    from click.testing import CliRunner

    from assistant.answer import SUPPORT_FEATURES
    from assistant.cli import cli

    out = tmp_path / "model.json"
    evals = Path(__file__).resolve().parents[1] / "evals"
    result = CliRunner().invoke(cli, ["fit", str(evals / "corpus.jsonl"), "--index", str(corpus_library.dir),
                                      "--splits", str(evals / "splits.json"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    model, bundled = AnswerModel.load(out), AnswerModel.load(None)
    assert model.fitted_on["questions"] == 71 and model.fitted_on["unanswerable"] == 11
    assert set(model.support_weights) == set(SUPPORT_FEATURES) and model.weights["coverage"] > 0
    assert (model.keep, model.keep_other, model.complement) == (bundled.keep, bundled.keep_other, bundled.complement)
    assert "base" not in model.fitted_on["base"] and 0 <= model.threshold <= 1
