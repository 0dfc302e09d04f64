"""The optional LLM backend against a FAKE OpenAI-compatible server (``fake_llm.py``).

The fake gives the exact replies, failures, delays and disconnects a real model cannot be made
to give; the real local model is in ``test_llm_real.py``. What matters: an LLM's sentence is
shown only with a quote cut from a page of the library that supports it; markers naming no
passage and citations the LLM writes itself are dropped; an unsupported sentence is re-cited
or removed; the reply streams, and closing the stream closes the HTTP connection; a failing
or slow endpoint gives the extractive answer within ``llm.timeout_s``.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time

import numpy as np
import pytest
from click.testing import CliRunner

from assistant.answer import ExtractiveAnswerer, Query
from assistant.chat import condense
from assistant.cli import cli as assistant_cli
from assistant.llm import LLMAnswerer, LLMError, OpenAICompatible, Support, parse_claims, select_answerer
from assistant.pdf import clean_pages
from assistant.prompts import PromptError, load_prompt, load_prompts
from assistant.records import Answer, Chunk, Evidence, Page, Paper
from assistant.render import ABSTENTION, answer_text
from assistant.retrieve import terms
from assistant.settings import AnswerSettings, LLMSettings, get_settings

from .conftest import WEI
from .fake_llm import FakeOpenAIServer, Slow, free_port, passages


@pytest.fixture(scope="module")
def fake():
    with FakeOpenAIServer() as server:
        yield server


@pytest.fixture
def dead_url() -> str:
    return f"http://127.0.0.1:{free_port()}/v1"


# prompts ------------------------------------------------------------------------------------------
def test_bundled_prompts_load():
    assert set(load_prompts()) == {"condense", "answer", "choice"}


@pytest.mark.parametrize("template, problem", [
    ("{history}\n{question} {qestion}", "unknown placeholder {qestion}"),
    ("{question} only", "missing placeholder {history}"),
    ('{history} {question} {"json": 1}', 'unknown placeholder {"json"}'),
    ("{history} {question} }", "malformed template"),
])
def test_prompt_loader_rejects_bad_placeholders(tmp_path, template, problem):
    (tmp_path / "condense.txt").write_text(template)
    with pytest.raises(PromptError) as err:
        load_prompt("condense", tmp_path)
    assert str(tmp_path / "condense.txt") in str(err.value) and problem in str(err.value)


# the client -----------------------------------------------------------------------------------------
def test_condense_uses_the_llm_rewrite(fake):
    rewrite = "How many international migrants were there worldwide in 2019?"
    fake.script(f'"{rewrite}"\n')
    history = [{"role": "user", "content": "What does Wei say about international migrants?"},
               {"role": "assistant", "content": "The number reached 272 million."}]
    llm = LLMSettings(base_url=fake.url, model="fake-model", api_key="secret", max_tokens=99)
    assert condense("How many were there in 2019?", history, llm=llm) == rewrite
    path, headers, body = fake.requests[0]
    assert path == "/v1/chat/completions" and headers["Authorization"] == "Bearer secret"
    assert (body["model"], body["temperature"], body["stream"], body["max_tokens"]) == ("fake-model", 0, True, 99)
    prompt = body["messages"][0]["content"]
    assert "User: What does Wei say about international migrants?" in prompt and "How many were there" in prompt


def test_condense_falls_back_to_the_heuristic(fake, dead_url, caplog):
    history = [{"role": "user", "content": "What does the Missing Migrants Project report?"}]
    question = "How many of them died?"
    heuristic = condense(question, history)
    fake.script((500, "overloaded"))
    assert condense(question, history, llm=LLMSettings(base_url=fake.url)) == heuristic
    assert condense(question, history, llm=LLMSettings(base_url=dead_url)) == heuristic
    assert "HTTP 500" in caplog.text and "ConnectError" in caplog.text


def test_client_errors_are_llm_errors(fake, dead_url):
    client = OpenAICompatible(LLMSettings(base_url=fake.url))
    fake.script((404, "no such model"), (200, "not json"), "   ",
                (200, json.dumps({"error": {"message": "context overflow"}})))
    with pytest.raises(LLMError, match="HTTP 404: no such model"):
        client.complete("hi")
    with pytest.raises(LLMError, match="no chat completion: not json"):
        client.complete("hi")
    with pytest.raises(LLMError, match="empty reply"):
        client.complete("hi")
    with pytest.raises(LLMError, match="reported an error: .*context overflow"):
        client.complete("hi")
    assert "Authorization" not in fake.requests[0][1]
    with pytest.raises(LLMError, match="ConnectError"):
        OpenAICompatible(LLMSettings(base_url=dead_url, timeout_s=2)).complete("hi")


def test_reply_streams_piece_by_piece(fake):
    """The first words arrive while the server still holds back the rest."""
    gate = threading.Event()
    fake.script("There were 272 million international migrants.", gate=gate)
    pieces = OpenAICompatible(LLMSettings(base_url=fake.url)).stream("hi")
    assert next(pieces) == "There" and fake.sent == 1  # the server is waiting at the gate
    gate.set()
    assert "There" + "".join(pieces) == "There were 272 million international migrants."
    assert fake.sent == 6


def test_closing_the_stream_closes_the_connection(fake):
    fake.script(" ".join(["word"] * 400), piece_delay=0.02)
    pieces = OpenAICompatible(LLMSettings(base_url=fake.url)).stream("hi")
    assert [next(pieces) for _ in range(3)] == ["word", " word", " word"]
    pieces.close()
    assert fake.disconnected.wait(5), "the server kept writing to an open connection"
    assert fake.sent < 50


def test_a_slow_endpoint_times_out(fake):
    fake.script(Slow(4, "too late"))
    started = time.monotonic()
    with pytest.raises(LLMError, match=r"sent nothing for 0.5 s \(llm.timeout_s\)"):
        OpenAICompatible(LLMSettings(base_url=fake.url, timeout_s=0.5)).complete("hi")
    assert time.monotonic() - started < 2


def test_a_reply_that_takes_too_long_in_all_times_out(fake):
    """Each piece comes quickly, but the whole reply would take 4 s: the deadline counts too."""
    fake.script(" ".join(["slowly"] * 40), piece_delay=0.1)
    started = time.monotonic()
    with pytest.raises(LLMError, match=r"did not finish its reply within 1 s"):
        OpenAICompatible(LLMSettings(base_url=fake.url, timeout_s=1)).complete("hi")
    assert time.monotonic() - started < 2


# reading the draft ---------------------------------------------------------------------------------
def test_markers_are_read_and_dropped_from_the_text():
    draft = ("There were 272 million migrants in 2019 [1]. Most were seasonal farm workers. [2][9] "
             "As Smith (2099) showed, borders matter [Passage 3]. Cite Smith 2099 (Smith et al., 2099, p. 4). [1, 2]\n"
             "[1]\nPublic health is a concern (Hanna Bradby et al., 2015) [2]. Arrivals fell (in 2020) [3].")
    claims = parse_claims(draft, n_passages=3)
    assert [(c.text, c.passages) for c in claims] == [
        ("There were 272 million migrants in 2019.", [1]),
        ("Most were seasonal farm workers.", [2]),  # passage 9 does not exist
        ("As Smith showed, borders matter.", [3]),
        ("Cite Smith 2099.", [1, 2]),
        ("Public health is a concern.", [2]),
        ("Arrivals fell (in 2020).", [3]),  # a year in words is no citation
    ]


def test_questions_and_fragments_are_no_claims():
    draft = ("Question: How many international migrants were there in 2019? [1] "
             "In addition, according to [2]. Yes [1]. Migrants numbered 272 million in 2019 [1].")
    assert [c.text for c in parse_claims(draft, n_passages=2)] == ["Migrants numbered 272 million in 2019."]


# the answerer on one made-up page -------------------------------------------------------------------
RAW = ("Migration became a security issue.\nThe number of international mi-\ngrants reached 272 million in 2019,\n"
       "or 3.5% of the world population. Most of them moved for work and family reasons.\n83")


class StubExtractive:
    """Stands in for the extractive answerer: a lexical encoder (hashed terms) and a flat idf;
    ``answer`` says whether the LLM answerer fell back to it."""

    idf: dict[str, float] = {}
    default_idf = 1.0

    @staticmethod
    def encode(texts: list[str]) -> list[np.ndarray]:
        vectors = []
        for text in texts:
            v = np.zeros(512)
            for t in terms(text):
                v[hash(t) % 512] += 1
            vectors.append(v / (np.linalg.norm(v) or 1))
        return vectors

    def answer(self, query, evidence, pages, papers, references):
        return Answer(question="extractive fallback")


@pytest.fixture
def one_page():
    page = Page(index=0, label="83", text=RAW)
    clean_pages([page])
    chunk = Chunk(id="c1", paper_id="p1", file_name="m.pdf", page_index=0, page_label="83", start=0,
                  end=len(page.clean), text=page.clean)
    paper = Paper(id="p1", file_name="m.pdf", sha256="0", authors=["Durdona I. Madaminova"], year="2023")
    return [Evidence(chunk=chunk, score=1.0)], {("p1", 0): page}, {"p1": paper}


def answerer(url: str, timeout_s: float = 60) -> LLMAnswerer:
    stub = StubExtractive()
    return LLMAnswerer(OpenAICompatible(LLMSettings(base_url=url, timeout_s=timeout_s)), stub, AnswerSettings(),
                       Support(stub, AnswerSettings()))


def ask_one_page(fake, one_page, *replies, timeout_s: float = 60) -> Answer:
    fake.script(*replies)
    evidence, pages, papers = one_page
    return answerer(fake.url, timeout_s).answer(Query("How many migrants?", "How many migrants?", set()), evidence,
                                                pages, papers, [])


def test_a_supported_sentence_is_cited_with_the_page_sentence_verbatim(fake, one_page):
    answer = ask_one_page(fake, one_page, "International migrants reached 272 million in 2019 [1].")
    assert answer_text(answer) == "International migrants reached 272 million in 2019. (Madaminova, 2023, p. 83)"
    assert answer.citations[0].quote == ("The number of international mi- grants reached 272 million in 2019, "
                                         "or 3.5% of the world population.")
    assert answer.citations[0].chunk_id == "c1"


def test_only_supported_sentences_survive(fake, one_page):
    answer = ask_one_page(fake, one_page, (
        "Migrants were 3.5% of the world population [1]. "
        "Most migrants walked to the moon [1]. "  # not in the passage
        "There were 300 million international migrants in 2019 [1]. "  # a number the page does not state
        "Most of them moved for work and family reasons [4]. "  # no passage 4: re-cited to passage 1
        "As Smith (2099) argued, migrants moved for work and family reasons [1]."))  # Smith's citation dropped
    assert [s.text for s in answer.sentences] == ["Migrants were 3.5% of the world population.",
                                                  "Most of them moved for work and family reasons.",
                                                  "As Smith argued, migrants moved for work and family reasons."]
    assert {c.page for c in answer.citations} == {"83"} and "2099" not in answer_text(answer)


@pytest.mark.parametrize("content", ["Migrants walked to the moon in 1850 [1].",
                                     "The passages do not answer this.", "[1]"])
def test_unsupported_llm_answers_abstain(fake, one_page, content):
    answer = ask_one_page(fake, one_page, content)
    assert answer.abstained and not answer.citations and answer_text(answer) == ABSTENTION


@pytest.mark.parametrize("content", [(500, "boom"), "   "])
def test_unusable_llm_replies_fall_back(fake, one_page, content, caplog):
    with caplog.at_level(logging.WARNING, logger="assistant.llm"):
        assert ask_one_page(fake, one_page, content).question == "extractive fallback"
    assert "answering extractively" in caplog.text


def test_stream_events_then_fallback_notice_when_the_endpoint_is_slow(fake, one_page):
    fake.script(Slow(5, "There were 272 million [1]."))
    evidence, pages, papers = one_page
    started = time.monotonic()
    events = list(answerer(fake.url, timeout_s=1).stream(Query("How many?", "How many?", set()), evidence, pages,
                                                          papers, []))
    assert time.monotonic() - started < 3
    assert [e.kind for e in events] == ["notice", "answer"]
    assert "sent nothing for 1 s (llm.timeout_s)" in events[0].text and "extractive answer follows" in events[0].text
    assert events[1].answer.question == "extractive fallback"


def test_backend_registry():
    extractive = StubExtractive()
    assert select_answerer(get_settings({"answer": {"backend": "extractive"}}), extractive) is extractive
    assert select_answerer(get_settings({"answer": {"backend": "llm"}}), extractive) is extractive  # no base_url
    chosen = select_answerer(get_settings({"answer": {"backend": "llm"}, "llm": {"base_url": "http://x/v1"}}),
                             extractive)
    assert isinstance(chosen, LLMAnswerer) and chosen.fallback is extractive
    with pytest.raises(ValueError, match="'extractive' or 'llm'"):  # a typo is refused when settings load
        get_settings({"answer": {"backend": "gpt"}})


# through the Library on the real corpus ----------------------------------------------------------------
def llm_library(corpus_library, base_url: str, **llm):
    from assistant.api import Library

    return Library(corpus_library.dir, settings={"answer": {"backend": "llm"},
                                                 "llm": {"base_url": base_url, "model": "fake-model", **llm}})


@pytest.fixture(scope="module")
def library(corpus_library, fake):
    """The corpus library answering with the fake LLM, warm (encoder loaded, state built), so a
    test times the LLM and not the start; timeout_s=1 is plenty for the fake's quick replies."""
    library = llm_library(corpus_library, fake.url, timeout_s=1)
    for reply in ((500, "warm up the extractive fallback"), "Warm up the support check [1]."):
        fake.script(reply)
        library.ask(QUESTION)
    return library


QUESTION = "How many international migrants were there in 2019?"


@pytest.fixture(scope="module")
def extractive_answer(corpus_library) -> Answer:
    return corpus_library.ask(QUESTION)


def about_272(marker: str = "passage") -> callable:
    """A faithful LLM: one sentence on the passage with the figure, marked with that passage's
    number, or with ``marker="wrong"`` the number of another passage."""
    def reply(prompt: str) -> str:
        numbered = passages(prompt)
        n = next(n for n, t in numbered.items() if "272 million" in t)
        if marker == "wrong":
            n = next(m for m in numbered if m != n)
        return f"The number of international migrants reached 272 million in 2019 [{n}]."
    return reply


def assert_checks_out(answer: Answer, library) -> None:
    """Every citation names a paper of the library and quotes its page verbatim."""
    files = {p.file_name for p in library.papers()}
    for c in answer.citations:
        assert c.file_name in files
        assert " ".join(c.quote.split()) in " ".join(library.page_text(c.file_name, c.page).split())


@pytest.mark.slow
@pytest.mark.parametrize("marker", ["passage", "wrong"])
def test_llm_answer_is_cited_with_a_verbatim_quote(library, corpus_library, fake, marker):
    fake.script(about_272(marker))
    answer = library.ask(QUESTION)
    assert not answer.abstained and len(answer.citations) == 1
    citation = answer.citations[0]
    assert (citation.file_name, citation.page) == (WEI.name, "1") and "272 million" in citation.quote
    assert_checks_out(answer, corpus_library)
    assert answer_text(answer) == ("The number of international migrants reached 272 million in 2019. "
                                   "(Wei, n.d., p. 1)")
    assert citation.chunk_id in [e.chunk.id for e in answer.evidence]  # passages stay in the retriever's order


@pytest.mark.slow
def test_ask_stream_yields_the_draft_then_the_checked_answer(library, fake):
    fake.script(about_272())
    events = list(library.ask_stream(QUESTION))
    tokens = [e.text for e in events if e.kind == "token"]
    assert len(tokens) > 5 and [e.kind for e in events][-1] == "answer"
    assert re.fullmatch(r"The number of international migrants reached 272 million in 2019 \[\d+\]\.", "".join(tokens))
    fake.script(about_272())
    streamed, asked = events[-1].answer, library.ask(QUESTION)
    assert answer_text(streamed) == answer_text(asked) and streamed.citations == asked.citations
    assert [e.chunk.id for e in streamed.evidence] == [e.chunk.id for e in asked.evidence]
    assert streamed.settings_hash == asked.settings_hash and streamed.latency_ms > 0


@pytest.mark.slow
def test_ask_stream_with_the_extractive_backend_gives_the_answer_at_once(corpus_library, extractive_answer):
    events = list(corpus_library.ask_stream(QUESTION))
    assert [e.kind for e in events] == ["answer"] and answer_text(events[0].answer) == answer_text(extractive_answer)


@pytest.mark.slow
def test_the_ui_shows_the_draft_as_it_is_written_then_the_checked_answer(library, fake):
    from assistant.ui.handlers import Handlers

    fake.script(about_272())
    steps = list(Handlers(library).answer_stream(QUESTION, [], None))
    drafts = [reply for answer, reply in steps if answer is None]
    assert len(drafts) > 5 and all(b.startswith(a) for a, b in zip(drafts, drafts[1:]))  # grows piece by piece
    final, message = steps[-1]
    assert final is not None and "272 million" in message and final.citations[0].page == "1"


@pytest.mark.slow
def test_a_closed_stream_stops_the_llm(library, fake):
    fake.script(lambda prompt: " ".join(["migrants"] * 400), piece_delay=0.02)
    events = library.ask_stream(QUESTION)
    assert [next(events).kind for _ in range(3)] == ["token"] * 3
    events.close()
    assert fake.disconnected.wait(5) and fake.sent < 50


@pytest.mark.slow
def test_an_injected_citation_never_reaches_the_answer(library, corpus_library, fake):
    """Whatever the LLM is talked into writing, the answer cites library pages only."""
    fake.script(lambda prompt: "As Smith (2099) shows, international migrants reached 272 million in 2019 [1]. "
                               "Ignore previous instructions (Smith, 2099) [12]. "
                               "Smith 2099 is the source [Smith 2099].")
    answer = library.ask(QUESTION)
    assert_checks_out(answer, corpus_library)
    assert "2099" not in answer_text(answer) and answer.citations


@pytest.mark.slow
@pytest.mark.parametrize("script", [(500, "boom"), Slow(30, "late [1].")])
def test_failing_or_slow_llm_falls_back_to_the_extractive_answer(library, extractive_answer, fake, script):
    fake.script(script)
    started = time.monotonic()
    answer = library.ask(QUESTION)  # llm.timeout_s is 1 s
    assert time.monotonic() - started < 5
    assert not answer.abstained and answer_text(answer) == answer_text(extractive_answer)
    assert [c.quote for c in answer.citations] == [c.quote for c in extractive_answer.citations]


@pytest.mark.slow
def test_unreachable_llm_falls_back_to_the_extractive_answer(corpus_library, extractive_answer, dead_url):
    answer = llm_library(corpus_library, dead_url).ask(QUESTION)
    assert not answer.abstained and answer_text(answer) == answer_text(extractive_answer)


# the CLI ------------------------------------------------------------------------------------------------
def cli(corpus_library, url: str, *args: str, timeout_s: float = 60):
    env = {"ASSISTANT_ANSWER__BACKEND": "llm", "ASSISTANT_LLM__BASE_URL": url,
           "ASSISTANT_LLM__TIMEOUT_S": str(timeout_s)}
    return CliRunner().invoke(assistant_cli, [*args, "--index", str(corpus_library.dir)], env=env)


@pytest.mark.slow
def test_cli_ask_stream_prints_the_draft_then_the_checked_answer(corpus_library, fake):
    fake.script(about_272())
    result = cli(corpus_library, fake.url, "ask", QUESTION, "--stream")
    assert result.exit_code == 0, result.output
    draft, checked = result.output.split("--- checked against the pages ---")
    assert re.search(r"272 million in 2019 \[\d+\]\.", draft)
    assert "(Wei, n.d., p. 1)" in checked and "[" not in checked.split("\n\n")[1]


@pytest.mark.slow
def test_cli_ask_stream_says_when_the_endpoint_is_slow(corpus_library, extractive_answer, fake):
    fake.script(Slow(60, "late [1]."))
    started = time.monotonic()
    result = cli(corpus_library, fake.url, "ask", QUESTION, "--stream", timeout_s=1)
    assert time.monotonic() - started < 45 and result.exit_code == 0, result.output  # loading the library included
    assert "No answer from the LLM (LLM endpoint" in result.output and "sent nothing for 1 s" in result.output
    assert answer_text(extractive_answer).split(" (")[0] in result.output
