"""The metrics of shared/evals/SCHEMA.md: one scored row per question, then aggregation.

``score_question`` turns a question and the system's output (the ``assistant ask --json``
contract, see ``SystemOutput``) into a row of flags, ranks and counts; ``aggregate`` turns any
list of rows (a whole run, or the questions of one type) into metrics with bootstrap CIs.

Decisions the schema leaves open, made here once:

- Normalisation is SQuAD's: lower case, punctuation dropped (ASCII and every Unicode P*
  character, removed without a space, so "non-traditional" -> "nontraditional"), the
  articles a/an/the dropped, whitespace collapsed. Nothing else (no NFKC, no stemming).
- "Contains" (a key fact in an answer, a quote on a page) means the normalised needle occurs
  as a run of whole normalised tokens: "35" (from "3.5%") does not match inside "1350".
- Every metric over questions is the mean of per-question values (macro average: a question
  with four citations weighs as much as one with one); citation_validity alone is pooled over
  all citations. A question with no citations has citation precision 0; one with no key facts
  (or no evidence) has no key-fact (or citation/evidence recall) value and is left out of that
  mean. citation_f1 is the mean of the per-question harmonic means (0 when either is 0).
- nDCG@10 is ranx's "ndcg@10" with binary gains: DCG = sum over covering passages in the top
  10 of 1/log2(rank+1); the ideal DCG puts all R covering passages first, where R counts the
  covering passages in the whole returned list (the system's returned passages are the
  judged pool), capped at 10. No covering passage: 0.
- hit@500w counts words as whitespace-separated words of the passage text.
- A cited page range ("83-84", "83–84") is numeric when both ends are integers, otherwise
  it runs over the paper's page labels by position; a quote cited with a range must occur in
  the pages' texts joined in order. A range that cannot be resolved makes the citation invalid.
- An answer abstains when ``abstained`` is true and it cites nothing (the schema's rule).
- A rate that is undefined (no question in its population, or a zero denominator such as no
  citations at all) is None, with CI None.
- CIs are percentile bootstraps over questions (1000 resamples, fixed seed); a resample on
  which the rate is undefined is left out.
"""

from __future__ import annotations

import math
import re
import warnings
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import PurePath
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict

from ..textnorm import contains, normalize, tokens

if TYPE_CHECKING:
    from .questions import Evidence, Question

COVER_THRESHOLD = 0.5
WORD_BUDGET = 500
TOP_K = 10

# ---------------------------------------------------------------- normalisation


def token_f1(prediction: str, reference: str) -> float:
    """SQuAD token F1 (bag of normalised tokens); 1.0 when both are empty."""
    pred, ref = tokens(prediction), tokens(reference)
    if not pred or not ref:
        return float(pred == ref)
    same = sum((Counter(pred) & Counter(ref)).values())
    if same == 0:
        return 0.0
    precision, recall = same / len(pred), same / len(ref)
    return 2 * precision * recall / (precision + recall)


# ---------------------------------------------------------------- passages and evidence


def same_paper(a: str, b: str) -> bool:
    """Papers are named by PDF file name; a path in front of it does not matter."""
    return PurePath(a).name == PurePath(b).name


def run_share(passage_tokens: Sequence[str], quote_tokens: Sequence[str]) -> float:
    """Longest run of consecutive quote tokens found in the passage / quote length."""
    if not quote_tokens:
        return 0.0
    # autojunk would treat frequent tokens ("of") as junk and miss runs through them.
    matcher = SequenceMatcher(None, passage_tokens, quote_tokens, autojunk=False)
    match = matcher.find_longest_match(0, len(passage_tokens), 0, len(quote_tokens))
    return match.size / len(quote_tokens)


def covers(passage_text: str, passage_paper: str, evidence: Evidence) -> bool:
    """SCHEMA "covers": same paper and >= half the quote as one contiguous token run."""
    return _covers(tokens(passage_text), passage_paper, evidence, tokens(evidence.quote))


def _covers(
    passage_tokens: list[str], passage_paper: str, evidence: Evidence, quote_tokens: list[str]
) -> bool:
    return (
        same_paper(passage_paper, evidence.paper)
        and run_share(passage_tokens, quote_tokens) >= COVER_THRESHOLD
    )


# ---------------------------------------------------------------- the system's output


def _label(value: Any) -> Any:
    """Page labels may arrive as JSON numbers; they are compared as strings."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


PageLabel = Annotated[str, BeforeValidator(_label)]


class _Output(BaseModel):
    model_config = ConfigDict(extra="ignore")


class OutputCitation(_Output):
    paper: str  # the PDF's file name
    page: PageLabel  # a label, or a range "83-84"
    quote: str = ""
    paper_id: str = ""
    text: str = ""  # the rendered citation, e.g. "(Madaminova, 2023, p. 83)"


class OutputPassage(_Output):
    paper: str
    page: PageLabel = ""
    text: str
    score: float | None = None


class SystemOutput(_Output):
    """What ``assistant ask --json`` prints for one question; passages are best first."""

    question: str = ""
    answer: str = ""
    abstained: bool = False
    citations: list[OutputCitation] = []
    passages: list[OutputPassage] = []


# ---------------------------------------------------------------- indexed pages and citations

PageText = Callable[[str, str], "str | None"]
PageLabels = Callable[[str], "Sequence[str] | None"] | Mapping[str, Sequence[str]]


class Pages:
    """The indexed page texts citations are checked against, normalised once per page.

    ``page_text(paper_file_name, label)`` returns the page's text or None when there is no
    such paper or page; ``page_labels`` maps (or is called with) a paper file name to its
    page labels in order, None (or absent) for a paper that is not indexed.
    """

    def __init__(self, page_text: PageText, page_labels: PageLabels):
        self._page_text = page_text
        self._page_labels = page_labels.get if isinstance(page_labels, Mapping) else page_labels
        self._labels: dict[str, list[str] | None] = {}
        self._texts: dict[tuple[str, str], str | None] = {}

    def labels(self, paper: str) -> list[str] | None:
        if paper not in self._labels:
            found = self._page_labels(paper)
            self._labels[paper] = None if found is None else [str(label) for label in found]
        return self._labels[paper]

    def text(self, paper: str, label: str) -> str | None:
        """The page's normalised text."""
        if (paper, label) not in self._texts:
            raw = self._page_text(paper, label)
            self._texts[paper, label] = None if raw is None else normalize(raw)
        return self._texts[paper, label]


_RANGE = re.compile(r"^(\S+?)\s*[-–—]\s*(\S+)$")


def cited_labels(page: str, labels: Sequence[str]) -> list[str]:
    """The page labels a citation names: its label, or every page of a range; [] if unresolvable."""
    page = page.strip()
    match = _RANGE.match(page)
    if page in labels or not match:
        return [page]
    first, last = match.groups()
    if first.isdigit() and last.isdigit():
        return [str(number) for number in range(int(first), int(last) + 1)]
    if first in labels and last in labels:
        return list(labels[labels.index(first) : labels.index(last) + 1])
    return []


def citation_problem(citation: OutputCitation, pages: Pages) -> str | None:
    """Why a citation is not valid (SCHEMA rule), or None when it is."""
    labels = pages.labels(citation.paper)
    if labels is None:
        return "paper not indexed"
    cited = cited_labels(citation.page, labels)
    if not cited:
        return f"page range {citation.page!r} cannot be resolved"
    texts = [pages.text(citation.paper, label) for label in cited]
    if None in texts:
        return f"no page {cited[texts.index(None)]} in this paper"
    quote = normalize(citation.quote)
    if quote and f" {quote} " not in f" {' '.join(texts)} ":
        return "quote not on the cited page"
    return None


def named_evidence(
    citation: OutputCitation, labels: Sequence[str], evidence: Sequence[Evidence]
) -> list[int]:
    """Indexes of the evidence items whose paper and page the citation names."""
    cited = cited_labels(citation.page, labels)
    return [
        i for i, item in enumerate(evidence) if same_paper(citation.paper, item.paper) and item.page in cited
    ]


# ---------------------------------------------------------------- one question


def score_question(
    question: Question,
    output: SystemOutput | Mapping[str, Any],
    pages: Pages,
    latency_ms: float = 0.0,
    error: str | None = None,
) -> dict[str, Any]:
    """The scored row of one question: what was answered and cited, flags, ranks, counts.

    ``row["scores"]`` holds the per-question numbers ``aggregate`` sums or averages; the
    retrieval and answer-quality entries exist only for answerable questions.
    """
    output = SystemOutput.model_validate(output)
    abstained = output.abstained and not output.citations
    citations, cited = _score_citations(question, output, pages)
    retrieval = _score_retrieval(question, output.passages)
    facts = [{"fact": fact, "found": contains(output.answer, fact)} for fact in question.key_facts]
    scores = {
        "citations": len(citations),
        "citations_valid": sum(c["valid"] for c in citations),
        "abstained": int(abstained),
        "latency_ms": latency_ms,
    }
    if question.answerable:
        correct = sum(c["correct"] for c in citations)
        precision = correct / len(citations) if citations else 0.0
        recall = _share(len(cited), len(question.evidence))
        scores |= retrieval["scores"] | {
            "citations_correct": correct,
            "evidence": len(question.evidence),
            "evidence_cited": len(cited),
            "key_facts": len(facts),
            "key_facts_found": sum(f["found"] for f in facts),
            "citation_precision": precision,
            "citation_recall": recall,
            "citation_f1": 2 * precision * recall / (precision + recall) if precision and recall else 0.0,
            "key_fact_recall": _share(sum(f["found"] for f in facts), len(facts)),
            "evidence_recall@10": _share(retrieval["scores"]["evidence_covered@10"], len(question.evidence)),
            "token_f1": token_f1(output.answer, question.answer),
        }
    row = {
        "id": question.id,
        "type": question.type,
        "answerable": question.answerable,
        "question": question.question,
        "reference_answer": question.answer,
        "answer": output.answer,
        "abstained": abstained,
        "citations": citations,
        "evidence": [
            item.model_dump() | {"cited": i in cited, "rank": retrieval["evidence_ranks"][i]}
            for i, item in enumerate(question.evidence)
        ],
        "key_facts": facts,
        "ranks": retrieval["ranks"],
        "first_rank": retrieval["ranks"][0] if retrieval["ranks"] else None,
        "n_passages": len(output.passages),
        "latency_ms": latency_ms,
        "error": error,
        "scores": scores,
    }
    row["failures"] = failures(row)
    return row


def _share(part: int, whole: int) -> float | None:
    """A per-question rate, None (left out of the mean) when there is nothing to count."""
    return part / whole if whole else None


def _score_citations(question: Question, output: SystemOutput, pages: Pages) -> tuple[list[dict], set[int]]:
    rows, cited = [], set()
    for citation in output.citations:
        problem = citation_problem(citation, pages)
        named = [] if problem else named_evidence(citation, pages.labels(citation.paper), question.evidence)
        cited.update(named)
        rows.append(
            citation.model_dump(include={"paper", "page", "quote", "text"})
            | {"valid": problem is None, "correct": bool(named), "problem": problem}
        )
    return rows, cited


def _score_retrieval(question: Question, passages: Sequence[OutputPassage]) -> dict[str, Any]:
    """Ranks (1-based) of the covering passages, each evidence item's first covering rank,
    and the per-question retrieval scores."""
    quotes = [tokens(item.quote) for item in question.evidence]
    ranks, evidence_ranks = [], [None] * len(quotes)
    for rank, passage in enumerate(passages, start=1):
        covered = _covered(passage.text, passage.paper, question.evidence, quotes)
        ranks += [rank] if covered else []
        for i in covered:
            evidence_ranks[i] = evidence_ranks[i] or rank
    first = ranks[0] if ranks else math.inf
    scores = {f"hit@{k}": int(first <= k) for k in (1, 5, 10)}
    scores |= {
        "mrr@10": 1 / first if first <= TOP_K else 0.0,
        "ndcg@10": ndcg(ranks, TOP_K),
        "hit@500w": int(_hit_within_words(question.evidence, quotes, passages, WORD_BUDGET)),
        "evidence_covered@10": sum(r is not None and r <= TOP_K for r in evidence_ranks),
    }
    return {"ranks": ranks, "evidence_ranks": evidence_ranks, "scores": scores}


def _covered(text: str, paper: str, evidence: Sequence[Evidence], quotes: Sequence[list[str]]) -> list[int]:
    passage = tokens(text)
    return [i for i, item in enumerate(evidence) if _covers(passage, paper, item, quotes[i])]


def _hit_within_words(
    evidence: Sequence[Evidence], quotes: Sequence[list[str]], passages: Sequence[OutputPassage], budget: int
) -> bool:
    """Whether an evidence item is covered within the first ``budget`` words read in order."""
    for passage in passages:
        if budget <= 0:
            return False
        words = passage.text.split()
        if _covered(" ".join(words[:budget]), passage.paper, evidence, quotes):
            return True
        budget -= len(words)
    return False


def ndcg(relevant_ranks: Sequence[int], k: int) -> float:
    """Binary-gain nDCG@k; the ideal ranking puts all len(relevant_ranks) relevant items first."""
    dcg = sum(1 / math.log2(rank + 1) for rank in relevant_ranks if rank <= k)
    ideal = sum(1 / math.log2(rank + 1) for rank in range(1, min(len(relevant_ranks), k) + 1))
    return dcg / ideal if ideal else 0.0


def failures(row: Mapping[str, Any]) -> list[str]:
    """Why a scored question loses points, in words, for the report's list of failures."""
    reasons = [f"error: {row['error']}"] if row["error"] else []
    reasons += [
        f"invalid citation {c['paper']} p. {c['page']}: {c['problem']}"
        for c in row["citations"]
        if not c["valid"]
    ]
    if not row["answerable"]:
        return reasons + ([] if row["abstained"] else ["answered instead of abstaining"])
    reasons += ["abstained on an answerable question"] if row["abstained"] else _answer_failures(row)
    if not row["scores"]["hit@10"]:
        reasons.append("no gold evidence in the top 10 passages")
    return reasons


def _answer_failures(row: Mapping[str, Any]) -> list[str]:
    wrong = row["scores"]["citations_valid"] - row["scores"]["citations_correct"]
    reasons = [f"{wrong} valid citation(s) not on a gold page"] if wrong else []
    reasons += [
        f"gold evidence not cited: {e['paper']} p. {e['page']}" for e in row["evidence"] if not e["cited"]
    ]
    missing = [f["fact"] for f in row["key_facts"] if not f["found"]]
    return reasons + (["key facts missing: " + "; ".join(missing)] if missing else [])


# ---------------------------------------------------------------- aggregation


def _mean(values: np.ndarray) -> np.ndarray:
    """Mean over questions; a question without a value (None, read as NaN) is left out."""
    return np.nanmean(values, axis=-1)


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """Pooled ratio (citation_validity only): sums over questions, NaN when the denominator sums to 0."""
    return numerator.sum(axis=-1) / denominator.sum(axis=-1)


def _percentile(q: float) -> Callable[[np.ndarray], np.ndarray]:
    return lambda values: np.percentile(values, q, axis=-1)


POPULATIONS: dict[str, Callable[[Mapping[str, Any]], bool]] = {
    "answerable": lambda row: row["answerable"],
    "unanswerable": lambda row: not row["answerable"],
    "all": lambda row: True,
}


@dataclass(frozen=True)
class Metric:
    """A SCHEMA metric: the questions it is over, the row scores it reads, and the statistic
    computing it from those scores' arrays (the last axis runs over questions)."""

    name: str
    over: str
    keys: tuple[str, ...]
    statistic: Callable[..., np.ndarray] = _mean
    rate: bool = True  # a share in [0, 1]; the latencies are not


METRICS: tuple[Metric, ...] = (
    *(Metric(f"hit@{k}", "answerable", (f"hit@{k}",)) for k in (1, 5, 10)),
    Metric("mrr@10", "answerable", ("mrr@10",)),
    Metric("hit@500w", "answerable", ("hit@500w",)),
    Metric("ndcg@10", "answerable", ("ndcg@10",)),
    Metric("evidence_recall@10", "answerable", ("evidence_recall@10",)),
    Metric("citation_validity", "all", ("citations_valid", "citations"), _ratio),
    Metric("citation_precision", "answerable", ("citation_precision",)),
    Metric("citation_recall", "answerable", ("citation_recall",)),
    Metric("citation_f1", "answerable", ("citation_f1",)),
    Metric("key_fact_recall", "answerable", ("key_fact_recall",)),
    Metric("token_f1", "answerable", ("token_f1",)),
    Metric("abstention_accuracy", "unanswerable", ("abstained",)),
    Metric("false_abstention_rate", "answerable", ("abstained",)),
    Metric("latency_p50_ms", "all", ("latency_ms",), _percentile(50), rate=False),
    Metric("latency_p95_ms", "all", ("latency_ms",), _percentile(95), rate=False),
)


def aggregate(rows: Sequence[Mapping[str, Any]], seed: int = 0, resamples: int = 1000) -> dict[str, Any]:
    """Every metric over ``rows``: ``name``, ``name_ci`` ([low, high]) and ``name_n``
    (questions it is over), plus ``n`` and the totals behind the micro ratios in ``counts``."""
    result: dict[str, Any] = {"n": len(rows), "counts": counts(rows)}
    for metric in METRICS:
        population = [row for row in rows if POPULATIONS[metric.over](row)]
        value, interval = estimate(metric, population, seed, resamples)
        result |= {metric.name: value, f"{metric.name}_ci": interval, f"{metric.name}_n": len(population)}
    return result


def estimate(
    metric: Metric, rows: Sequence[Mapping[str, Any]], seed: int = 0, resamples: int = 1000
) -> tuple[float | None, list[float] | None]:
    """The metric's value and 95% percentile-bootstrap CI, resampling questions."""
    if not rows:
        return None, None
    columns = [np.array([_number(row["scores"][key]) for row in rows], dtype=float) for key in metric.keys]
    picks = np.random.default_rng(seed).integers(0, len(rows), size=(resamples, len(rows)))
    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # nanmean of a resample without values
        value = float(metric.statistic(*columns))
        boot = metric.statistic(*(column[picks] for column in columns))
    boot = boot[np.isfinite(boot)]
    if math.isnan(value):
        return None, None
    interval = [float(x) for x in np.percentile(boot, [2.5, 97.5])] if boot.size else None
    return value, interval


def _number(value: float | None) -> float:
    return math.nan if value is None else value


def by_type(
    rows: Sequence[Mapping[str, Any]], seed: int = 0, resamples: int = 1000, key: str = "type"
) -> dict[str, dict[str, Any]]:
    """``aggregate`` per value of ``row[key]`` (the question type by default), in order of first
    appearance; rows without a value are left out."""
    groups = dict.fromkeys(row.get(key) for row in rows if row.get(key) is not None)
    return {group: aggregate([row for row in rows if row.get(key) == group], seed, resamples) for group in groups}


def counts(rows: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    answerable = [row for row in rows if row["answerable"]]
    return {
        "questions": len(rows),
        "answerable": len(answerable),
        "unanswerable": len(rows) - len(answerable),
        "citations": sum(row["scores"]["citations"] for row in rows),
        "evidence": sum(row["scores"]["evidence"] for row in answerable),
        "key_facts": sum(row["scores"]["key_facts"] for row in answerable),
        "errors": sum(row["error"] is not None for row in rows),
    }
