"""`assistant eval --compare extractive,llm` and the LitQA2-style multiple-choice mode, with the
FAKE OpenAI-compatible server of ``fake_llm.py`` standing in for the LLM."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from assistant.cli import cli
from assistant.evaluate.backends import BackendError, compare_configs
from assistant.evaluate.choice import INSUFFICIENT, lettered, picked_letter, run_choice, shuffled_options
from assistant.evaluate.questions import Question

from .conftest import WEI
from .fake_llm import FakeOpenAIServer, passages
from .test_llm import QUESTION


@pytest.fixture(scope="module")
def fake():
    with FakeOpenAIServer() as server:
        yield server


def question(qid: str, answer: str, distractors: list[str], text: str = "Q?") -> Question:
    return Question(id=qid, question=text, answerable=True, answer=answer, key_facts=[],
                    evidence=[{"paper": "x.pdf", "page": "1", "quote": "some words"}], type="factoid",
                    distractors=distractors)


# multiple choice ----------------------------------------------------------------------------------
def test_options_are_shuffled_with_a_fixed_seed():
    q = question("litqa-1", "Asn326", ["Leu288", "Phe302", "Trp324"])
    options = shuffled_options(q, seed=0)
    assert sorted(options) == sorted(["Asn326", "Leu288", "Phe302", "Trp324", INSUFFICIENT])
    assert shuffled_options(q, seed=0) == options  # the same letters every run
    orders = {tuple(shuffled_options(question(f"litqa-{i}", "Asn326", ["Leu288", "Phe302", "Trp324"])))
              for i in range(20)}
    assert len(orders) > 5  # but the answer is not always in the same place
    assert lettered(options)[0].startswith("A) ") and lettered(options)[4].startswith("E) ")


@pytest.mark.parametrize("reply, n, letter", [("B", 4, 1), ("The answer is (C).", 4, 2), ("I think A", 4, 0),
                                              ("none of them", 4, None), ("E", 4, None)])
def test_the_picked_letter_is_read_from_the_reply(reply, n, letter):
    assert picked_letter(reply, n) == letter


def test_accuracy_counts_all_questions_and_precision_only_the_answered():
    questions = [question("right", "yes", ["no"]), question("wrong", "yes", ["no"]),
                 question("unsure", "yes", ["no"]), question("garbled", "yes", ["no"]),
                 question("no-distractors", "yes", [])]

    def choose(text, options):
        wanted = {"right": "yes", "wrong": "no", "unsure": INSUFFICIENT}.get(text)
        return next((o[0] for o in options if o[3:] == wanted), "hmm")

    result = run_choice([q.model_copy(update={"question": q.id}) for q in questions], choose)
    assert [r["id"] for r in result.rows] == ["right", "wrong", "unsure", "garbled"]
    m = result.metrics
    assert (m["n"], m["answered"], m["correct"]) == (4, 2, 1)
    assert m["accuracy"] == pytest.approx(1 / 4) and m["precision"] == pytest.approx(1 / 2)
    assert m["accuracy_ci"][0] <= m["accuracy"] <= m["accuracy_ci"][1]


def faithful_choice(prompt: str) -> str:
    """A faithful LLM: the option whose text is in the passages, else "insufficient information"."""
    text = " ".join(passages(prompt).values())
    options = re.findall(r"^([A-Z])\) (.+)$", prompt.split("Options:\n", 1)[1], flags=re.M)
    found = [letter for letter, option in options if option in text]
    return found[0] if found else next(letter for letter, option in options if option == INSUFFICIENT)


def write_jsonl(path, rows: list[dict]) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


GOLD = {"paper": WEI.name, "page": "1",
        "quote": "the number of international migrants in the world had reached 272 million"}


@pytest.mark.slow
def test_cli_choice_mode_scores_the_llm_picks(corpus_library, fake, tmp_path):
    questions = write_jsonl(tmp_path / "mc.jsonl", [
        {"id": "mc-1", "question": QUESTION, "answerable": True, "answer": "272 million", "key_facts": [],
         "evidence": [GOLD], "type": "numeric", "distractors": ["154 million", "1.1 billion"]},
        {"id": "mc-2", "question": "How many migrants settled on Mars in 2019?", "answerable": True,
         "answer": "41 thousand", "key_facts": [], "evidence": [GOLD], "type": "numeric",
         "distractors": ["17 thousand", "88 thousand"]},
        {"id": "plain", "question": QUESTION, "answerable": True, "answer": "272 million", "key_facts": [],
         "evidence": [GOLD], "type": "numeric"},
    ])
    fake.script(faithful_choice, faithful_choice)
    result = CliRunner().invoke(cli, ["eval", questions, "--index", str(corpus_library.dir), "--choice",
                                      "--out", str(tmp_path / "out")], env={"ASSISTANT_LLM__BASE_URL": fake.url})
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "out" / "choice.json").read_text())
    assert [r["id"] for r in report["rows"]] == ["mc-1", "mc-2"]
    assert report["metrics"]["accuracy"] == 0.5 and report["metrics"]["precision"] == 1.0
    assert "accuracy  (correct/all)      0.50" in result.output
    prompt = fake.requests[0][2]["messages"][0]["content"]
    assert "272 million" in " ".join(passages(prompt).values()) and f") {INSUFFICIENT}" in prompt


def test_llm_modes_refuse_to_run_without_an_endpoint(tmp_path):
    from assistant.api import Library
    from assistant.evaluate.backends import library_chooser

    library = Library(tmp_path / "lib")
    with pytest.raises(BackendError, match="needs an endpoint: set ASSISTANT_LLM__BASE_URL"):
        compare_configs(library, ["extractive", "llm"])
    with pytest.raises(BackendError, match="needs an endpoint"):
        library_chooser(library)
    with pytest.raises(BackendError, match="unknown answer backend.*gpt"):
        compare_configs(library, ["extractive", "gpt"])


# --compare ----------------------------------------------------------------------------------------------
def faithful_answer(prompt: str) -> str:
    """A faithful LLM: the passage with the figure, cited, or "no answer" for a question about Mars."""
    found = [n for n, text in passages(prompt).items() if "272 million" in text]
    if not found or "Question: How many migrants settled on Mars" in prompt:
        return "The passages do not answer this."
    return f"In 2019 there were 272 million international migrants, 3.5% of the world's population [{found[0]}]."


@pytest.mark.slow
def test_cli_compare_scores_both_backends_in_one_report(corpus_library, fake, tmp_path):
    questions = write_jsonl(tmp_path / "qs.jsonl", [
        {"id": "wei-272", "question": QUESTION, "answerable": True, "answer": "272 million",
         "key_facts": ["272 million"], "evidence": [GOLD], "type": "numeric"},
        {"id": "mars", "question": "How many migrants settled on Mars in 2019?", "answerable": False, "answer": "",
         "key_facts": [], "evidence": [], "type": "unanswerable"},
    ])
    fake.script(*[faithful_answer] * 4)  # the warm-up answer, then one per question
    result = CliRunner().invoke(cli, ["eval", questions, "--index", str(corpus_library.dir), "--compare",
                                      "extractive,llm", "--out", str(tmp_path / "out")],
                                env={"ASSISTANT_LLM__BASE_URL": fake.url})
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["configs"] == ["extractive", "llm"]
    llm = report["by_config"]["llm"]
    assert llm["citation_validity"] == 1.0 and llm["key_fact_recall"] == 1.0
    assert llm["abstention_accuracy"] == 1.0
    assert len(fake.requests) >= 3  # the llm configuration asked the LLM; the extractive one did not
    markdown = (tmp_path / "out" / "report.md").read_text()
    assert "extractive" in markdown and "llm" in markdown
