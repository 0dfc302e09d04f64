"""The optional LLM backend, against a FAKE OpenAI-compatible server (no real LLM runs in the tests).

What matters: an LLM's sentence is shown only with a quote that is verbatim on the page it
cites; invented quotes are dropped and the answer abstains; a failing endpoint falls back to
the extractive answer.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from assistant.answer import Query
from assistant.chat import condense
from assistant.llm import LLMAnswerer, LLMError, OpenAICompatible, find_quote, select_answerer
from assistant.pdf import clean_pages
from assistant.prompts import PromptError, load_prompt, load_prompts
from assistant.records import Answer, Chunk, Evidence, Page, Paper
from assistant.render import ABSTENTION, answer_text
from assistant.settings import AnswerSettings, LLMSettings, get_settings

from .conftest import WEI


class FakeOpenAIServer:
    """A FAKE OpenAI-compatible endpoint on 127.0.0.1 that replies from a script.

    Each scripted reply is the assistant message's content (a string), a function of the
    prompt returning that content, or ``(status, body)`` for a raw HTTP response. Every
    request is recorded as ``(path, headers, json)``.
    """

    def __init__(self):
        self.replies: list = []
        self.requests: list[tuple[str, dict, dict]] = []
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}/v1"

    def script(self, *replies) -> None:
        self.replies, self.requests = list(replies), []

    def _respond(self, path: str, headers: dict, body: dict) -> tuple[int, str]:
        self.requests.append((path, headers, body))
        reply = self.replies.pop(0) if self.replies else (500, "no scripted reply")
        if isinstance(reply, tuple):
            return reply
        content = reply(body["messages"][-1]["content"]) if callable(reply) else reply
        return 200, json.dumps({"id": "fake", "object": "chat.completion", "model": body.get("model"),
                                "choices": [{"index": 0, "finish_reason": "stop",
                                             "message": {"role": "assistant", "content": content}}]})

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                status, text = server._respond(self.path, dict(self.headers), body)
                data = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        return Handler

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def fake():
    with FakeOpenAIServer() as server:
        yield server


@pytest.fixture
def dead_url() -> str:
    """An address where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def reply(answerable: bool = True, *sentences: tuple[str, int, str]) -> str:
    return json.dumps({"answerable": answerable,
                       "sentences": [{"text": t, "passage": n, "quote": q} for t, n, q in sentences]})


def passages(prompt: str) -> dict[int, str]:
    """The numbered passages of an answer prompt."""
    parts = re.split(r"^\[(\d+)\] .*$\n", prompt.split("Passages:\n", 1)[1], flags=re.M)
    return {int(n): text.strip() for n, text in zip(parts[1::2], parts[2::2])}


# prompts ------------------------------------------------------------------------------------------
def test_bundled_prompts_load():
    assert set(load_prompts()) == {"condense", "answer"}


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
    llm = LLMSettings(base_url=fake.url, model="fake-model", api_key="secret")
    assert condense("How many were there in 2019?", history, llm=llm) == rewrite
    path, headers, body = fake.requests[0]
    assert path == "/v1/chat/completions" and headers["Authorization"] == "Bearer secret"
    assert body["model"] == "fake-model" and body["temperature"] == 0
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
    fake.script((404, "no such model"), (200, "not json"))
    with pytest.raises(LLMError, match="HTTP 404: no such model"):
        client.complete("hi")
    with pytest.raises(LLMError, match="no chat completion"):
        client.complete("hi")
    assert "Authorization" not in fake.requests[0][1]
    with pytest.raises(LLMError, match="ConnectError"):
        OpenAICompatible(LLMSettings(base_url=dead_url, timeout_s=2)).complete("hi")


# the answerer on one made-up page -------------------------------------------------------------------
RAW = ("Security and Migration\nThe number of international mi-\ngrants reached 272 million in 2019,\n"
       "or 3.5% of the world population.\n83")


class StubExtractive:
    """Stands in for the extractive answerer, to see whether the LLM answerer fell back to it."""

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


def ask_one_page(fake, one_page, *replies) -> Answer:
    fake.script(*replies)
    evidence, pages, papers = one_page
    answerer = LLMAnswerer(OpenAICompatible(LLMSettings(base_url=fake.url)), StubExtractive(), AnswerSettings())
    return answerer.answer(Query("How many migrants?", "How many migrants?", set()), evidence, pages, papers, [])


def test_quote_across_a_hyphenated_line_break_is_cited_verbatim(fake, one_page):
    answer = ask_one_page(fake, one_page, reply(True, ("There were 272 million migrants in 2019.", 1,
                                                       "international migrants reached 272 million in 2019")))
    assert answer_text(answer) == "There were 272 million migrants in 2019. (Madaminova, 2023, p. 83)"
    assert answer.citations[0].quote == "international mi- grants reached 272 million in 2019"
    assert answer.citations[0].chunk_id == "c1"


def test_only_checked_sentences_survive(fake, one_page):
    answer = ask_one_page(fake, one_page, "```json\n" + reply(
        True,
        ("Migrants were 3.5% of the world.", 1, "or 3.5% of world population"),
        ("Most migrants were refugees.", 1, "most international migrants were refugees"),  # not in the passage
        ("Wrong passage.", 2, "reached 272 million in 2019"),  # there is no passage 2
        ("Too short to check.", 1, "272 million"),
    ) + "\n```")
    assert [s.text for s in answer.sentences] == ["Migrants were 3.5% of the world."]
    assert [c.quote for c in answer.citations] == ["or 3.5% of the world population"]


@pytest.mark.parametrize("content", [reply(True, ("Invented.", 1, "migrants walked to the moon")),
                                     reply(False, ("272 million.", 1, "reached 272 million in 2019")),
                                     reply(True)])
def test_unsupported_llm_answers_abstain(fake, one_page, content):
    answer = ask_one_page(fake, one_page, content)
    assert answer.abstained and not answer.citations and answer_text(answer) == ABSTENTION


@pytest.mark.parametrize("content", ["I think about 272 million.", '{"sentences": "none"}', (500, "boom")])
def test_unusable_llm_replies_fall_back(fake, one_page, content, caplog):
    with caplog.at_level(logging.WARNING, logger="assistant.llm"):
        assert ask_one_page(fake, one_page, content).question == "extractive fallback"
    assert "answering extractively" in caplog.text


def test_find_quote_compares_normalised_words_inside_the_passage():
    text = "The Copenhagen School, led by Buzan, defined securitization. A second sentence here."
    assert find_quote("copenhagen school led by buzan", text, 0, len(text)) == (4, 35)
    assert find_quote("defined securitization a second", text, 0, 60) is None  # runs past the passage
    assert find_quote("the a an", text, 0, len(text)) is None


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
def llm_library(corpus_library, base_url: str):
    from assistant.api import Library

    return Library(corpus_library.dir, settings={"answer": {"backend": "llm"},
                                                 "llm": {"base_url": base_url, "model": "fake-model"}})


@pytest.fixture(scope="module")
def library(corpus_library, fake):
    return llm_library(corpus_library, fake.url)


QUESTION = "How many international migrants were there in 2019?"


@pytest.fixture(scope="module")
def extractive_answer(corpus_library) -> Answer:
    return corpus_library.ask(QUESTION)


def quote_272(prompt: str) -> str:
    """What a faithful LLM would reply: a sentence backed by words copied from the passage with the figure."""
    n, text = next((n, t) for n, t in passages(prompt).items() if "272 million" in t)
    words = text.split()
    i = next(i for i, w in enumerate(words) if w.startswith("272"))
    return reply(True, ("About 272 million people were international migrants in 2019.", n,
                        " ".join(words[max(0, i - 6): i + 4])))


@pytest.mark.slow
def test_llm_answer_is_cited_with_a_verbatim_quote(library, corpus_library, fake):
    fake.script(quote_272)
    answer = library.ask(QUESTION)
    assert not answer.abstained and len(answer.citations) == 1
    citation = answer.citations[0]
    assert (citation.file_name, citation.page) == (WEI.name, "1") and "272 million" in citation.quote
    assert citation.quote in " ".join(corpus_library.page_text(WEI.name, "1").split())
    assert answer_text(answer) == "About 272 million people were international migrants in 2019. (Wei, n.d., p. 1)"
    assert fake.requests[0][2]["response_format"] == {"type": "json_object"}


@pytest.mark.slow
def test_llm_condenses_follow_ups_in_the_library(library, fake):
    history = [{"role": "user", "content": "What does Wei write about international migrants?"},
               {"role": "assistant", "content": "Migration is a non-traditional security issue."}]
    fake.script(QUESTION, quote_272)
    answer = library.ask("And how many were there in 2019?", history=history)
    assert answer.standalone_question == QUESTION and answer.citations[0].page == "1"
    assert "Conversation:" in fake.requests[0][2]["messages"][0]["content"]


@pytest.mark.slow
def test_invented_quote_abstains_in_the_library(library, fake):
    fake.script(reply(True, ("Migration peaked in 1850.", 1, "migration peaked in the year 1850 worldwide")))
    answer = library.ask(QUESTION)
    assert answer.abstained and not answer.citations and answer_text(answer) == ABSTENTION


@pytest.mark.slow
@pytest.mark.parametrize("script", [(500, "boom"), "The answer is 272 million."])
def test_failing_llm_falls_back_to_the_extractive_answer(library, extractive_answer, fake, script):
    fake.script(script)
    answer = library.ask(QUESTION)
    assert not answer.abstained and answer.citations
    assert answer_text(answer) == answer_text(extractive_answer)
    assert [c.quote for c in answer.citations] == [c.quote for c in extractive_answer.citations]


@pytest.mark.slow
def test_unreachable_llm_falls_back_to_the_extractive_answer(corpus_library, extractive_answer, dead_url):
    answer = llm_library(corpus_library, dead_url).ask(QUESTION)
    assert not answer.abstained and answer.citations
    assert answer_text(answer) == answer_text(extractive_answer)
