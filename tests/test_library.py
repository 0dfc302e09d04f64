"""The Python API end to end on the shared corpus: real model, real embedded Chroma."""

from __future__ import annotations

import pytest

from assistant.answer import quote_on_page
from assistant.api import Library, LibraryBusy, LibraryError, UnknownPaper
from assistant.render import answer_text, record_sentence, surname

from . import pdfgen
from .conftest import MADAMINOVA, WEI

pytestmark = pytest.mark.slow


def _pages(library, citation):
    return {p.label: p for p in library.pages(citation.paper_id)}


def test_migrants_in_2019_cites_wei_page_1(corpus_library):
    answer = corpus_library.ask("How many international migrants were there in 2019?")
    assert not answer.abstained
    assert "272 million" in answer_text(answer)
    hits = [c for c in answer.citations if c.file_name == WEI.name and c.page == "1" and "272 million" in c.quote]
    assert hits, answer.citations
    assert "(Wei, n.d., p. 1)" in answer_text(answer)


def test_madaminova_answer_cites_printed_pages_and_year(corpus_library):
    answer = corpus_library.ask("Which components of human security did the UNDP Human Development Report 1994 list?")
    assert not answer.abstained
    cited = [c for c in answer.citations if c.file_name == MADAMINOVA.name]
    assert cited and all(80 <= int(c.page) <= 86 for c in cited)
    assert "(Madaminova, 2023, p. 84)" in answer_text(answer)
    paper = corpus_library.paper(MADAMINOVA.name)
    assert paper.doi == "10.5220/0012672300003882" and paper.year == "2023"


def test_a_question_about_the_paper_itself_is_answered_from_its_record(corpus_library):
    """The record leads (authors, year, title, venue, DOI), cited to the first-page quote it was read from."""
    answer = corpus_library.ask("In which proceedings did Madaminova's paper appear, and what is its DOI?")
    assert not answer.abstained
    paper = corpus_library.paper(MADAMINOVA.name)
    lead = answer.sentences[0]
    assert lead.text == record_sentence(paper) and "10.5220/0012672300003882" in lead.text
    citation = answer.citations[lead.citations[0]]
    assert citation.paper_id == paper.id and citation.page == "80"
    assert quote_on_page(citation.quote, _pages(corpus_library, citation)["80"])
    assert "10.5220/0012672300003882" in citation.quote or "PAMIR" in citation.quote


def test_who_wrote_it_is_answered_from_the_record_of_the_paper_named_or_in_play(corpus_library):
    """Asked by the author's name, or as a follow-up on the paper the last answer cited, the record is
    the whole answer, cited to the first page where the first author's name is printed."""
    madaminova = corpus_library.paper(MADAMINOVA.name)
    wei = next(p for p in corpus_library.papers() if p.id != madaminova.id)
    named = corpus_library.ask("Who are the authors of the Madaminova paper?")
    history = [{"role": "user", "content": "How many migrants were there in 2019?"},
               {"role": "assistant", "content": "272 million (Wei, n.d., p. 1)", "paper_ids": [wei.id]}]
    follow_up = corpus_library.ask("Who wrote it?", history=history)
    for answer, paper in ((named, madaminova), (follow_up, wei)):
        assert [s.text for s in answer.sentences] == [record_sentence(paper)]
        citation = answer.citations[0]
        assert citation.paper_id == paper.id and citation.page == paper.page_labels[0]
        assert surname(paper.authors[0]) in citation.quote
        assert quote_on_page(citation.quote, _pages(corpus_library, citation)[citation.page])


def test_a_question_about_content_is_not_answered_with_a_record(corpus_library):
    answer = corpus_library.ask("How many international migrants were there in 2019?")
    assert all(s.text != record_sentence(p) for s in answer.sentences for p in corpus_library.papers())


def test_every_citation_is_on_the_page_it_names(corpus_library):
    questions = ["What is securitization?", "What did the Department of Homeland Security issue in 2017?",
                 "How many migrants died in the Mediterranean Sea in 2022?", "What is non-traditional security?"]
    for question in questions:
        answer = corpus_library.ask(question)
        for citation in answer.citations:
            assert quote_on_page(citation.quote, _pages(corpus_library, citation)[citation.page])


@pytest.mark.parametrize("question", [
    pytest.param("What is the population of Mars colonies?", marks=pytest.mark.xfail(
        strict=True, reason="known weakness of the fitted support model: in a 2-paper library the words the library "
                            "never uses ('Mars', 'colonies') are read like a paraphrase's, and the one known word is "
                            "covered; see the closing note of issue 10")),
    # abstains since the best-sentence step of retrieval (stop 32); an expected failure before
    "How many migrants crossed the Pacific by boat in 1850?"])
def test_unanswerable_questions_abstain_without_citations(corpus_library, question):
    answer = corpus_library.ask(question)
    assert answer.abstained and not answer.citations
    assert answer_text(answer) == "The indexed papers do not answer this."


def test_follow_up_is_read_with_the_conversation(corpus_library):
    history = [{"role": "user", "content": "What does the Missing Migrants Project report?"},
               {"role": "assistant", "content": "43,258 migrants died or went missing between 2014 and 2022."}]
    answer = corpus_library.ask("How many of them died in the Mediterranean?", history=history)
    assert not answer.abstained
    assert "1,200" in answer_text(answer) or "25,000" in answer_text(answer)


def test_readding_is_a_no_op(corpus_library):
    before = corpus_library.vectors.count()
    [result] = corpus_library.add([WEI])
    assert result.status == "exists"
    assert corpus_library.vectors.count() == before


def test_remove_leaves_no_chunk_and_the_library_survives_a_restart(tmp_path):
    library = Library(tmp_path / "lib")
    results = library.add([WEI, MADAMINOVA])
    assert [r.status for r in results] == ["added", "added"]
    wei = library.paper(WEI.name)
    assert library.vectors.count(wei.id) == wei.n_chunks > 0

    library.remove(WEI.name)
    assert library.vectors.count(wei.id) == 0
    assert library.catalogue.chunks(wei.id) == [] and library.pages(wei.id) == []
    assert not library.pdf_path(wei).exists()
    with pytest.raises(UnknownPaper):
        library.paper(WEI.name)

    reopened = Library(tmp_path / "lib")
    assert [p.file_name for p in reopened.papers()] == [MADAMINOVA.name]
    answer = reopened.ask("What are the seven components of human security?")
    assert answer.citations and all(c.file_name == MADAMINOVA.name for c in answer.citations)


def test_corrupt_pdf_in_a_batch_fails_alone(tmp_path):
    bad = pdfgen.corrupt_pdf(tmp_path / "broken.pdf")
    library = Library(tmp_path / "lib")
    results = library.add([bad, WEI])
    assert [r.status for r in results] == ["failed", "added"]
    assert "broken.pdf" in results[0].message
    assert [p.file_name for p in library.papers()] == [WEI.name]


def test_a_second_writer_gets_library_busy(tmp_path):
    from filelock import FileLock

    library = Library(tmp_path / "lib", lock_timeout_s=0.5)
    with FileLock(str(library.dir / ".write.lock")):
        [result] = library.add([WEI])  # each file gets its result: the batch is not abandoned
        assert result.status == "failed" and result.message.startswith("library busy")
        with pytest.raises(LibraryBusy, match="library busy"):
            library.check(repair=True)  # a repair needs the lock too
    assert library.papers() == []


def test_empty_library_and_empty_question(tmp_path):
    library = Library(tmp_path / "empty")
    with pytest.raises(LibraryError, match="empty"):
        library.ask("Anything?")


def test_which_works_a_paper_cites_is_answered_from_the_bibliography(corpus_library):
    answer = corpus_library.ask("Which works does Madaminova cite on securitization?")
    assert any(c.page == "85" and c.quote.startswith("Bergh, H. (2020)") for c in answer.citations)


def test_what_a_paper_says_about_a_cited_author_is_answered_from_where_it_cites_him(corpus_library):
    schmid = corpus_library.ask("What does Wei say about Schmid?")
    assert schmid.citations and all(c.file_name == WEI.name and c.page == "2" for c in schmid.citations)
    assert any("Schmid" in c.quote for c in schmid.citations)


def test_a_library_refuses_other_chunk_settings(tmp_path):
    Library(tmp_path / "lib")
    with pytest.raises(LibraryError, match="other embedding/chunk settings"):
        Library(tmp_path / "lib", settings={"chunk": {"chunk_tokens": 100}})


def test_a_follow_up_about_the_other_paper_moves_to_it(corpus_library):
    """The papers in play come with the history as data (the cited paper ids), not from its text."""
    first = corpus_library.ask("What does Wei say about terrorism?")
    assert {c.file_name for c in first.citations} == {WEI.name}
    history = [{"role": "user", "content": "What does Wei say about terrorism?"},
               {"role": "assistant", "content": "(an answer)", "paper_ids": [c.paper_id for c in first.citations]}]
    same = corpus_library.ask("And what does it say about smuggling?", history=history)
    assert same.citations and all(c.file_name == WEI.name for c in same.citations)
    other = corpus_library.ask("And what does the other paper say about terrorism?", history=history)
    assert other.citations and all(c.file_name == MADAMINOVA.name for c in other.citations)


def test_a_follow_up_stays_with_the_paper_an_earlier_question_named(corpus_library):
    """A history of text alone (a question set's, or another client's): the author named in the earlier
    question keeps the follow-up on that author's paper, as the cited ids would."""
    history = [{"role": "user", "content": "What does Madaminova write about securitization?"},
               {"role": "assistant", "content": "(an answer without paper ids)"}]
    _, _, evidence, _ = corpus_library.prepare("And what does it say about terrorism?", history, None, "hybrid")
    assert evidence and {e.chunk.file_name for e in evidence} == {MADAMINOVA.name}
    cited = history[:1] + [{**history[1], "paper_ids": [corpus_library.paper(MADAMINOVA.name).id]}]
    other = corpus_library.ask("And what does the other paper say about terrorism?", history=cited)
    assert other.citations and all(c.file_name == WEI.name for c in other.citations)  # the cited ids come first


def test_re_adding_a_file_does_not_read_it_again(tmp_path, monkeypatch):
    """The file's hash finds it in the catalogue first: a folder of known PDFs is re-added in seconds."""
    from .fakes import fast_library, papers

    library = fast_library(tmp_path / "lib")
    files = papers(tmp_path / "pdfs", 2)
    assert [r.status for r in library.add(files)] == ["added", "added"]
    monkeypatch.setattr("assistant.api.read_pdf", lambda *a, **k: pytest.fail("a known file was read again"))
    again = library.add(files)
    assert [r.status for r in again] == ["exists", "exists"] and all("already in library" in r.message for r in again)


def test_pages_are_read_only_for_the_papers_an_answer_draws_on(tmp_path):
    from assistant.catalogue import PageCache

    from .fakes import fast_library, papers

    library = fast_library(tmp_path / "lib")
    library.add(papers(tmp_path / "pdfs", 3))
    answer = library.ask("What did researchers report about glaciers?")
    assert answer.citations
    state = library._current_state()
    assert set(state.pages._papers) == {e.chunk.paper_id for e in answer.evidence}  # not every page of the library
    first, second, third = (p.id for p in library.papers())
    cache = PageCache(library.catalogue, papers=2)
    assert {pid for pid, _ in cache.of_papers([first, second])} == {first, second}
    cache.of_papers([third])
    assert list(cache._papers) == [second, third]  # the least recently used paper made room
    library.remove(third)
    assert cache.of_papers([third])  # still cached for the old state's answers...
    assert not PageCache(library.catalogue).of_papers([third])  # ...but gone from the catalogue
