"""The API the chat page uses: through gradio_client against the real app on 127.0.0.1 (slow), and the
page's shaping of Library results into escaped HTML and staged uploads (fast)."""

from __future__ import annotations

import re
import time
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


def chat(client, question: str, paper_ids: list[str] | None = None) -> tuple[str, str, list]:
    return client.predict(question, paper_ids or [], api_name="/chat")


@pytest.mark.slow
def test_twenty_concurrent_questions_complete_without_errors(client):
    questions = [QUESTIONS[i % len(QUESTIONS)] for i in range(N_QUESTIONS)]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        replies = list(pool.map(lambda q: chat(client, q), questions))  # an error in any call raises here
    print(f"{N_QUESTIONS} questions, {WORKERS} at a time: {time.perf_counter() - started:.1f} s")
    for question, (response, evidence, pages) in zip(questions, replies):
        if response == ABSTENTION:
            assert not pages, question
            continue
        assert CITATION.search(response) and "**References**" in response, (question, response)
        assert "<mark>" in evidence and pages, question
    first = [reply[0] for q, reply in zip(questions, replies) if q == QUESTIONS[0]]
    assert all("272 million" in r and "(Wei, n.d., p. 1)" in r for r in first)
    assert all(reply[0] == ABSTENTION for q, reply in zip(questions, replies) if q == QUESTIONS[-1])


@pytest.mark.slow
def test_paper_filter_restricts_the_answer_to_the_chosen_papers(client, corpus_library):
    only = corpus_library.paper(MADAMINOVA.name).id
    response, _, _ = chat(client, QUESTIONS[0], [only])
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
