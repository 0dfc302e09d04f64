"""Follow-up questions are rewritten with the conversation."""

from __future__ import annotations

from assistant.chat import condense, needs_context


def test_dependent_follow_up_inherits_the_earlier_subject():
    history = [{"role": "user", "content": "What does the Missing Migrants Project report?"},
               {"role": "assistant", "content": "43,258 migrants died or went missing."}]
    q = condense("How many of them died in the Mediterranean?", history)
    assert q.startswith("How many of them died in the Mediterranean?")
    assert "Missing" in q and "Migrants" in q


def test_standalone_question_is_left_alone():
    history = [{"role": "user", "content": "What is securitization?"}]
    q = "How many international migrants were there worldwide in 2019?"
    assert not needs_context(q)
    assert condense(q, history) == q
    assert condense("And who coined it?", []) == "And who coined it?"
