"""Fit the answer model on development questions (``assistant fit``).

Each development question is asked through the library's own path up to the answerer's
candidates and their features (``Library.prepare`` then ``ExtractiveAnswerer.described``).
A candidate is labelled right when it lies on a gold evidence page and shares at least half
of the gold quote, or half of itself, with it as one run of tokens (SCHEMA's "covers").
The candidate weights are fitted on the answerable questions as a ranker (``rank_weights``: which of
this question's candidates are right), then scaled to probabilities by one logistic regression on the
ranker's score (Platt scaling); a logistic regression fits the support model (does the evidence
answer the question at all?) on answerable against unanswerable questions, plus each answerable
question asked again with its gold papers withheld from retrieval (hard negatives: the same question,
evidence that cannot answer it — unanswerable questions are few); then the abstention threshold is
chosen on the same development questions by the metrics it drives (citation precision, key facts and
abstention, the answer targets; not citation recall, which rewards citing more pages at precision's
cost), with false abstention held to at most ``max_false_abstention``. The keep shares are carried
over from the model the library answers with (see ``fit``).
Validation questions never enter here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..answer import FEATURES, SUPPORT_FEATURES, AnswerModel, Candidate, ExtractiveAnswerer, Query, select
from ..textnorm import contains, tokens
from .metrics import run_share
from .questions import Question


# The ranker's L2 penalty, chosen on the development questions by cross-validation grouped by paper (10 splits
# 70/30; 0.01, 0.03, 0.1, 0.3 tried: 0.01 put a right candidate first most often).
RANK_L2 = 0.01


@dataclass
class Described:
    """One question's candidates, their features and labels."""

    question: Question
    query: Query
    candidates: list[Candidate]
    paper_files: dict[str, str]  # paper id -> PDF file name
    x: np.ndarray
    labels: np.ndarray
    withheld: bool = False  # asked with its gold papers withheld: a negative for the support model only


def describe_questions(library: Any, questions: list[Question],
                       negatives: bool = True) -> tuple[ExtractiveAnswerer, list[Described]]:
    """The library's extractive answerer, and each question's candidates, features and labels;
    with ``negatives``, each answerable question also with its gold papers withheld."""
    out, answerer = [], None
    papers = library.papers()
    for q in questions:
        answerer, described = _describe(library, q, None)
        out.append(described)
        others = [p.id for p in papers if p.file_name not in q.papers]
        if negatives and q.answerable and others:
            out.append(_describe(library, q, others)[1])
    return answerer, out


def _describe(library: Any, q: Question, paper_ids: list[str] | None) -> tuple[ExtractiveAnswerer, Described]:
    history = [t.model_dump() for t in q.history]
    state, query, evidence, pages = library.prepare(q.question, history, paper_ids, "hybrid")
    candidates, x = state.answerer.described(query, evidence, pages, state.references)
    paper_files = {pid: paper.file_name for pid, paper in state.papers.items()}
    labels = np.array([label(c, paper_files[c.paper_id], q) for c in candidates], dtype=int)
    return state.answerer, Described(q, query, candidates, paper_files, x, labels, withheld=paper_ids is not None)


def label(cand: Candidate, name: str, question: Question) -> int:
    """1 when the candidate (from paper file ``name``) is half of a gold quote on its gold page, or half of it is one."""
    have = tokens(cand.text)
    for item in question.evidence:
        if item.paper != name or item.page != cand.page.label:
            continue
        quote = tokens(item.quote)
        if run_share(have, quote) >= 0.5 or run_share(quote, have) >= 0.5:
            return 1
    return 0


def fit(described: list[Described], answerer: ExtractiveAnswerer, max_units: int, base: AnswerModel,
        max_false_abstention: float = 0.10, c: float = 1.0, support_only: bool = False) -> AnswerModel:
    """Candidate weights, support weights, then the abstention threshold that scores best.

    The keep shares (how near the best unit a further one must come, and what a second paper's unit must add)
    are ``base``'s, not fitted: chosen on development by the same objective they cost precision on validation
    and on the external set each time (keep_other 0.6 at stop 25; 0.9 with complement 0.2 at stop 36).
    With ``support_only``, ``base``'s candidate weights are kept too and only the support model and its
    threshold are fitted: for new kinds of unanswerable question, without moving the answers."""
    from sklearn.linear_model import LogisticRegression

    usable = [d for d in described if len(d.candidates)]
    train = [d for d in usable if d.question.answerable and not d.withheld]
    y = np.concatenate([d.labels for d in train])
    model = AnswerModel(**{**base.__dict__, "fitted_on": {}})
    if not support_only:
        w = rank_weights(train)
        platt = LogisticRegression(C=1e6, max_iter=5000, class_weight="balanced").fit(
            np.concatenate([d.x @ w for d in train])[:, None], y)
        model.weights = _named_weights(FEATURES, platt.coef_[0][0] * w)
        model.bias = round(float(platt.intercept_[0]), 5)
    probabilities = [model.probability(d.x) for d in usable]
    q = np.vstack([answerer.support_features(d.query, d.candidates, d.x, p) for d, p in zip(usable, probabilities)])
    answerable = np.array([d.question.answerable and not d.withheld for d in usable], dtype=int)
    support = LogisticRegression(C=c, max_iter=5000, class_weight="balanced").fit(q, answerable)
    model.support_weights = _named_weights(SUPPORT_FEATURES, support.coef_[0])
    model.support_bias = round(float(support.intercept_[0]), 5)
    real = [i for i, d in enumerate(usable) if not d.withheld]  # the threshold is chosen on the real questions
    usable, probabilities, q = [usable[i] for i in real], [probabilities[i] for i in real], q[real]
    supports = [model.support(row) for row in q]
    coverages = [answerer.coverage_of(d.query) for d in usable]
    best: tuple[float, float] | None = None
    for threshold in [0.0, *np.unique(np.quantile(supports, np.linspace(0, 1, 41)))]:
        model.threshold = threshold
        score, false_abstention = objective(usable, probabilities, supports, model, max_units, coverages)
        if false_abstention <= max_false_abstention and (best is None or score > best[0]):
            best = (score, threshold)
    model.threshold = round(float(best[1] if best else 0.0), 5)
    model.fitted_on = {"questions": len(usable), "answerable": len(train), "unanswerable": len(usable) - len(train),
                       "withheld_negatives": sum(d.withheld for d in described), "candidates": int(len(y)),
                       "positives": int(y.sum()), "C": c, "max_false_abstention": max_false_abstention,
                       "support_only": support_only,
                       "base": {k: v for k, v in base.fitted_on.items() if k != "base"}}  # one level, not a chain
    return model


def rank_weights(train: list[Described], l2: float = RANK_L2) -> np.ndarray:
    """Candidate weights fitted as a conditional logit: for each question, a softmax over its own candidates
    should put its probability on the right ones. The answerer only ever compares one question's candidates
    with each other (the likeliest leads, those near it join), which is what this objective fits; a logistic
    regression pooled over all questions' candidates also spends its weights on telling one question's
    candidates from another's (on development, grouped cross-validation: a right candidate first for 0.51 of
    the questions against 0.44)."""
    from scipy.optimize import minimize

    groups = [(d.x, d.labels == 1) for d in train if d.labels.any()]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = l2 * float(w @ w) / 2, l2 * w
        for x, right in groups:
            scores = x @ w
            e = np.exp(scores - scores.max())
            total -= float(np.log(e[right].sum() / e.sum()))
            grad = grad - x[right].T @ e[right] / e[right].sum() + x.T @ e / e.sum()
        return total, grad

    return minimize(loss, np.zeros(groups[0][0].shape[1]), jac=True, method="L-BFGS-B").x


def _named_weights(names: tuple[str, ...], values: np.ndarray) -> dict[str, float]:
    return {n: round(float(w), 5) for n, w in zip(names, values)}


def objective(described: list[Described], probabilities: list[np.ndarray], supports: list[float],
              model: AnswerModel, max_units: int, coverages: list[Callable[[set[str]], float]]) -> tuple[float, float]:
    """(mean answer score on answerable + abstention accuracy on unanswerable, false-abstention rate).

    The answer score of a question is the mean of its citation precision and key-fact recall, as
    the eval report computes them, from the units ``select`` picks.
    """
    answered, abstained_right, false_abstentions = [], [], 0
    for d, p, support, coverage in zip(described, probabilities, supports, coverages):
        chosen = select(d.candidates, p, model, max_units, coverage) if support >= model.threshold else []
        if not d.question.answerable:
            abstained_right.append(float(not chosen))
            continue
        if not chosen:
            false_abstentions += 1
            answered.append(0.0)
            continue
        answered.append(_answer_score(d.question, [(d.paper_files[c.paper_id], c) for c in chosen]))
    answerable = max(len(answered), 1)
    score = float(np.mean(answered or [0.0])) + float(np.mean(abstained_right or [1.0]))
    return score, false_abstentions / answerable


def _answer_score(question: Question, chosen: list[tuple[str, Candidate]]) -> float:
    """Mean of citation precision and key-fact recall (precision alone for a question without key facts)."""
    gold = {(item.paper, item.page) for item in question.evidence}
    cited = [(name, c.page.label) for name, c in chosen]
    parts = [sum(page in gold for page in cited) / len(cited)]
    if question.key_facts:
        text = " ".join(c.text for _, c in chosen)
        parts.append(sum(contains(text, fact) for fact in question.key_facts) / len(question.key_facts))
    return float(np.mean(parts))
