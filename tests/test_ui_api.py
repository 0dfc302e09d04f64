"""The API the chat page uses: through gradio_client against the real app on 127.0.0.1 (slow), and the
page's shaping of Library results into escaped HTML and staged uploads (fast)."""

from __future__ import annotations

import re
import time
from pathlib import Path
from concurrent.futures import ThreadPoolExecutor

import pytest

from assistant.api import AddResult
from assistant.records import Answer, AnswerSentence, Chunk, Citation, Evidence, Paper, Reference
from assistant.render import ABSTENTION
from assistant.ui.evidence import evidence_html
from assistant.ui.handlers import stage_uploads
from assistant.ui.views import references_html, results_html

from .conftest import MADAMINOVA

CITATION = re.compile(r"\([^()]+, (?:\d{4}|n\.d\.), p\. [^()]+\)")
QUESTIONS = [
    "How many international migrants were there in 2019?",
    "What does Wei say about migrant smuggling?",
    "Which components of human security did the UNDP Human Development Report 1994 list?",
    "What is securitization of migration?",
    "What is the boiling point of tungsten in kelvin?",
]
N_QUESTIONS, WORKERS = 20, 5


@pytest.fixture(scope="module")
def client(corpus_library):
    from gradio_client import Client

    from assistant.ui import build_app, serve

    demo = build_app(corpus_library)
    _, url, _ = serve(demo, port=None, block=False)
    try:
        yield Client(url, verbose=False, download_files=False)
    finally:
        demo.close()


def chat(client, question: str, paper_ids: list[str] | None = None) -> tuple[str, str]:
    return client.predict(question, paper_ids or [], api_name="/chat")


@pytest.mark.slow
def test_twenty_concurrent_questions_complete_without_errors(client, corpus_library):
    from assistant.ui.messages import answer_message

    questions = [QUESTIONS[i % len(QUESTIONS)] for i in range(N_QUESTIONS)]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        replies = list(pool.map(lambda q: chat(client, q), questions))  # an error in any call raises here
    print(f"{N_QUESTIONS} questions, {WORKERS} at a time: {time.perf_counter() - started:.1f} s")
    for question, (response, evidence) in zip(questions, replies):
        if response == ABSTENTION:
            assert "<mark>" not in evidence, question
            continue
        assert CITATION.search(response) and "**References**" in response, (question, response)
        assert "<mark>" in evidence and 'class="card' in evidence, question
    first = [reply[0] for q, reply in zip(questions, replies) if q == QUESTIONS[0]]
    assert all("272 million" in r and "(Wei, n.d., p. 1)" in r for r in first)
    alone = {q: answer_message(corpus_library.ask(q)) for q in QUESTIONS}
    assert [reply[0] for reply in replies] == [alone[q] for q in questions], "20 at once answer as one at a time"


@pytest.mark.slow
def test_paper_filter_restricts_the_answer_to_the_chosen_papers(client, corpus_library):
    only = corpus_library.paper(MADAMINOVA.name).id
    response, _ = chat(client, QUESTIONS[0], [only])
    assert "Wei" not in response
    assert response == ABSTENTION or "Madaminova" in response


# the page's own shaping of API results: fast, no server --------------------------------------------
HOSTILE = '<script>alert("x")</script> & <b>'


class _NoPages:
    def pages(self, paper_id: str) -> list:
        return []


def test_evidence_escapes_paper_text_and_marks_the_quote():
    chunk = Chunk(id="c1", paper_id="p", file_name=f"{HOSTILE}.pdf", page_index=0, page_label="7", start=0, end=1,
                  text="clean", raw=f"Before {HOSTILE} the quote {HOSTILE} after.")
    citation = Citation(paper_id="p", file_name=f"{HOSTILE}.pdf", page="7", quote=f"the quote {HOSTILE}",
                        chunk_id="c1", authors=["Ann Author"], year="2020")
    answer = Answer(question=HOSTILE, sentences=[AnswerSentence(text="x", citations=[0])], citations=[citation],
                    evidence=[Evidence(chunk=chunk, score=1.0)],
                    papers={"p": Paper(id="p", file_name="f.pdf", sha256="0", title=HOSTILE)})
    html = evidence_html(answer, _NoPages())
    assert "<script>" not in html and "<b>" not in html
    assert "<mark>the quote &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;</mark>" in html
    assert "(Author, 2020, p. 7)" in html and "printed page 7" in html


def test_references_and_upload_results_escape_what_the_pdf_says():
    paper = Paper(id="p", file_name=f"{HOSTILE}.pdf", sha256="0", title=HOSTILE)
    refs = [Reference(raw=HOSTILE, title=HOSTILE, authors=[HOSTILE], year="<i>"), Reference(raw="x", linked_paper="p")]
    html = references_html(paper, refs, {"p": paper})
    assert "<script>" not in html and "<i>" not in html and "<b>" not in html
    assert "2 references, 1 in the library, 1 missing" in html
    assert "No reference list" in references_html(paper, [], {"p": paper})
    result = AddResult(path=f"/tmp/{HOSTILE}.pdf", status="failed", message=HOSTILE)
    assert "<script>" not in results_html([result]) and "failed" in results_html([result])


def test_uploads_are_staged_under_sanitised_names_inside_the_folder(tmp_path):
    hostile = tmp_path / "..\\..\\evil name?.pdf"  # a legal file name on Linux, a path on Windows
    hostile.write_bytes(b"%PDF-1.4")
    staging = tmp_path / "staging"
    staged = stage_uploads([str(hostile), str(hostile)], staging)
    assert [p.name for p in staged] == ["evil_name_.pdf", "evil_name_.pdf"]
    assert len(set(staged)) == 2 and all(p.resolve().is_relative_to(staging.resolve()) for p in staged)


def _citation(n: int, chunk: str, quote: str, page: str = "7") -> Citation:
    return Citation(paper_id="p", file_name="f.pdf", page=page, quote=quote, chunk_id=chunk, authors=["Ann Author"],
                    year="2020")


def test_citations_of_one_passage_share_one_card_with_every_quote_marked():
    raw = "First quote here. Middle text. Second quote here. Other."
    chunks = [Chunk(id=c, paper_id="p", file_name="f.pdf", page_index=0, page_label="7", start=0, end=1, text="t",
                    raw=raw if c == "c1" else "Another passage entirely.") for c in ("c1", "c2")]
    citations = [_citation(1, "c1", "First quote here."), _citation(2, "c2", "Another passage entirely."),
                 _citation(3, "c1", "Second quote here.")]
    answer = Answer(question="q", sentences=[AnswerSentence(text="x", citations=[0, 1, 2])], citations=citations,
                    evidence=[Evidence(chunk=c, score=1.0) for c in chunks],
                    papers={"p": Paper(id="p", file_name="f.pdf", sha256="0", title="T")})
    html = evidence_html(answer, _NoPages(), position=4, active=3)
    assert len(re.findall(r'<div class="card(?: active)?" id=', html)) == 2
    assert 'data-answer="4"' in html and 'id="card-1" data-cites="1 3"' in html
    assert '<div class="card active" id="card-1"' in html  # citation 3 lives on card 1
    assert "<mark>First quote here.</mark> Middle text. <mark>Second quote here.</mark>" in html
    assert 'href="#cite-2"' in html


def test_answer_message_links_each_citation_and_folds_the_quotes():
    from assistant.ui.messages import answer_message

    citation = _citation(1, "c1", "The quote.")
    answer = Answer(question="q", sentences=[AnswerSentence(text="The quote.", citations=[0])], citations=[citation],
                    papers={"p": Paper(id="p", file_name="f.pdf", sha256="0", title="T", authors=["Ann Author"],
                                       year="2020")})
    message = answer_message(answer)
    assert message.startswith("The quote. [(Author, 2020, p. 7)](#cite-1)")
    assert "<details><summary>Quotes (1)</summary>" in message and message.index("“The quote.”") > message.index(
        "<details>")
    assert "**References**" in message and "Ann Author (2020). T." in message


class _FakeLibrary:
    """Library.add's contract for the upload handler: progress per stage, one result per file, errors raised."""

    def __init__(self, folder):
        self.dir = folder
        self.added: list[str] = []

    def add(self, paths, progress=None):
        from assistant.api import LibraryError

        path = paths[0]
        if "bad" in path.name:
            raise LibraryError(f"{path.name}: unreadable PDF")
        for page in (1, 2):
            progress(f"read {path.name}", page, 2)
        progress(f"embed {path.name}", 16, 32)
        self.added.append(path.name)
        return [AddResult(str(path), "added", "2 pages")]

    def papers(self):
        return [Paper(id=name, file_name=name, sha256=name, title=name) for name in self.added]


def test_upload_reports_each_stage_and_adds_each_row_as_its_file_finishes(tmp_path):
    from assistant.ui.handlers import Handlers

    files = []
    for name in ("one.pdf", "bad.pdf", "three.pdf"):
        (tmp_path / name).write_bytes(b"%PDF-1.4")
        files.append(str(tmp_path / name))
    library = _FakeLibrary(tmp_path / "lib")
    updates = list(Handlers(library).upload(files))
    shown = [html for html, _, _ in updates if isinstance(html, str)]
    assert any("file 1 of 3, reading page 2/2" in h for h in shown)
    assert any("file 3 of 3, embedding 16/32 chunks" in h for h in shown)
    # the first file's row is shown while the third is still being read; the bad one did not stop the batch
    assert any("one.pdf" in h and "added" in h and "file 3 of 3, reading page 1/2" in h for h in shown)
    final = shown[-1]
    assert "working" not in final and final.count("<tr>") == 4  # header + 3 files
    assert "bad.pdf: unreadable PDF" in final and library.added == ["one.pdf", "three.pdf"]
    tables = [rows for _, _, rows in updates if isinstance(rows, list)]
    assert [len(t) for t in tables] == [1, 1, 2]  # the papers table grows as files finish
    assert updates[-1][1] is None  # the upload box is emptied for the next batch


@pytest.mark.slow
def test_the_ui_server_prints_no_debug_lines(corpus_library):
    import socket
    import subprocess
    import sys

    from gradio_client import Client

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = str(Path(sys.executable).with_name("assistant"))  # the installed console script
    server = subprocess.Popen([command, "ui", "--index", str(corpus_library.dir),
                               "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                client = Client(f"http://127.0.0.1:{port}", verbose=False)
                break
            except Exception:
                assert time.monotonic() < deadline and server.poll() is None, "the UI did not start"
                time.sleep(1)
        response, _ = chat(client, QUESTIONS[0])
        assert "272 million" in response
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    assert "DEBUG" not in output, output


def test_a_paper_gone_meanwhile_is_reported_without_server_paths_or_cli_hints(tmp_path):
    from assistant.api import Library
    from assistant.ui.handlers import Handlers

    ui = Handlers(Library(tmp_path / "lib"))
    for message in (ui.ask_remove("sha256:gone")[1], ui.remove("sha256:gone")[1],
                    ui.save_details("sha256:gone", year="2020")):
        assert "no longer in the library" in message
        assert str(tmp_path) not in message and "assistant " not in message
    answer, reply = ui.answer("How many migrants?", [], None)
    assert answer is None and "Add PDFs" in reply and str(tmp_path) not in reply and "assistant add" not in reply
