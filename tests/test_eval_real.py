"""CI gate on real papers: every question set through `assistant eval` over one library of the 32
LitQA papers and the two corpus papers, reported per split (development / validation / their
paraphrases), against the gates in evals/README.md ("CI gate on real papers").

The gates sit a little under the scores measured when the answer model was last fitted: a
regression fails the build. Validation questions were never tuned on, so their gates are the
honest level of the pipeline on papers it was not fitted to.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.cli import cli

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
QUESTIONS = [REPO / "evals" / "corpus.jsonl", SHARED / "evals" / "litqa-dev.jsonl", REPO / "evals" / "real.jsonl",
             REPO / "evals" / "paraphrases.jsonl"]
GATES = {  # split -> metric -> (gate, "min" or "max"); measured: evals/README.md, "CI gate on real papers"
    "development": {"hit@5": (0.81, "min"), "citation_precision": (0.65, "min"), "citation_recall": (0.66, "min"),
                    "key_fact_recall": (0.69, "min"), "abstention_accuracy": (0.40, "min"),
                    "false_abstention_rate": (0.10, "max")},
    "validation": {"hit@5": (0.79, "min"), "citation_precision": (0.61, "min"), "citation_recall": (0.70, "min"),
                   "key_fact_recall": (0.68, "min"), "abstention_accuracy": (0.40, "min"),
                   "false_abstention_rate": (0.10, "max")},
}


@pytest.fixture(scope="module")
def report(tmp_path_factory, real_library):
    """The eval CLI's report; its --corpus adds are no-ops on the session's library of the same papers."""
    out = tmp_path_factory.mktemp("real-report")
    args = ["eval", *map(str, QUESTIONS), "--index", str(real_library.dir), "--corpus", str(SHARED / "corpus-litqa"),
            "--corpus", str(SHARED / "corpus"), "--splits", str(REPO / "evals" / "splits.json"), "--out", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return json.loads((out / "report.json").read_text())


def test_every_citation_is_valid_in_every_split(report):
    for split, metrics in report["by_split"].items():
        assert metrics["citation_validity"] in (1.0, None), split


@pytest.mark.parametrize("split", sorted(GATES))
def test_split_meets_its_gates(report, split):
    metrics = report["by_split"][split]
    for name, (gate, kind) in GATES[split].items():
        value = metrics[name]
        assert (value >= gate) if kind == "min" else (value <= gate), f"{split} {name} {value:.3f} vs {kind} {gate}"


def test_every_split_and_paraphrase_is_reported(report):
    splits = set(report["by_split"])
    assert {"development", "validation", "development (paraphrased)", "validation (paraphrased)"} <= splits
