"""Saved chats: one SQLite file per library, turns kept with their answers' evidence."""

from __future__ import annotations

from assistant.chats import TITLE_CHARS, ChatStore, Turn
from assistant.records import Answer, AnswerSentence, Chunk, Citation, Evidence


def _answer(question: str) -> Answer:
    chunk = Chunk(id="c1", paper_id="p", file_name="f.pdf", page_index=2, page_label="83", start=0, end=9,
                  text="the passage", raw="the passage")
    return Answer(question=question, sentences=[AnswerSentence(text="the passage", citations=[0])],
                  citations=[Citation(paper_id="p", file_name="f.pdf", page="83", quote="the passage", chunk_id="c1")],
                  evidence=[Evidence(chunk=chunk, score=0.7, dense_rank=1)])


def test_a_chat_keeps_its_turns_and_each_answers_evidence(tmp_path):
    store = ChatStore(tmp_path / "chats.db")
    chat = store.create("What is securitization?")
    store.append(chat, [Turn(role="user", content="What is securitization?"),
                        Turn(role="assistant", content="reply", answer=_answer("What is securitization?"))])
    store.append(chat, [Turn(role="user", content="And then?"), Turn(role="assistant", content="**Error:** x")])
    reopened = ChatStore(tmp_path / "chats.db").turns(chat)  # a new process reads the same file
    assert [t.role for t in reopened] == ["user", "assistant", "user", "assistant"]
    assert reopened[1].answer == _answer("What is securitization?")
    assert reopened[1].answer.evidence[0].chunk.page_label == "83" and reopened[3].answer is None


def test_chats_are_listed_latest_first_renamed_and_deleted(tmp_path):
    store = ChatStore(tmp_path / "chats.db")
    first, second = store.create("first question"), store.create("x" * 200)
    assert [c.id for c in store.chats()] == [second, first]
    assert len(store.chats()[0].title) == TITLE_CHARS and store.chats()[0].title.endswith("…")
    store.append(first, [Turn(role="user", content="q"), Turn(role="assistant", content="a")])
    assert [(c.id, c.turns) for c in store.chats()] == [(first, 2), (second, 0)]
    store.rename(first, "  Renamed   chat ")
    assert store.chats()[0].title == "Renamed chat"
    store.delete(first)
    assert [c.id for c in store.chats()] == [second] and not store.exists(first) and store.turns(first) == []
    assert not store.exists(None)


def test_an_answer_saved_in_an_older_shape_reopens_as_text_without_evidence(tmp_path):
    import sqlite3

    store = ChatStore(tmp_path / "chats.db")
    chat = store.create("q")
    store.append(chat, [Turn(role="user", content="q"), Turn(role="assistant", content="reply", answer=_answer("q"))])
    with sqlite3.connect(tmp_path / "chats.db") as db:
        db.execute("UPDATE turns SET answer = ? WHERE role = 'assistant'", ('{"question": 3, "citations": "?"}',))
    turns = store.turns(chat)
    assert turns[1].content == "reply" and turns[1].answer is None
