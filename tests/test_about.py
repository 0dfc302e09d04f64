"""Questions about a paper itself: which field is asked, which paper, and where its value is printed."""

from assistant.about import asked_field, printed_span, record_paper
from assistant.records import Page, Paper
from assistant.retrieve import terms

LIMK = Paper(id="doi:10.1038/x", file_name="limk.pdf", sha256="0",
             title="Autoregulation of the LIM kinases by their PDZ domain",
             authors=["Gabriela Casanova-Sepúlveda", "Titus J. Boggon"], year="2023", doi="10.1038/x",
             venue="Nature Communications")
YEAST = Paper(id="sha256:1", file_name="yeast.pdf", sha256="1",
              title="Opioid receptors in yeast engineered to make sterols", authors=["Björn D. M. Bean"], year="2022")


def test_the_field_asked_is_the_first_field_word():
    assert asked_field("Who wrote the LIM kinase paper?") == "authors"
    assert asked_field("In which journal was it published?") == "venue"
    assert asked_field("What is the DOI of the Csx23 paper?") == "doi"
    assert asked_field("How many kinases were tested?") is None


def test_a_record_question_has_no_word_beyond_fields_and_the_papers_record():
    papers = [YEAST, LIMK]  # as retrieved, best first
    journal = "In which journal was the LIM kinase PDZ autoregulation study published?"
    assert record_paper(journal, papers, set()) is LIMK
    assert record_paper("Who wrote this article?", papers, set()) is YEAST  # names nothing: the first retrieved
    names = set(terms("Bean"))  # the surname that named the paper (Query.ignore)
    assert record_paper("When was the paper by Bean et al. published?", [LIMK, YEAST], names) is LIMK  # no content
    # a content word ("find") or a word of no record ("Collinson") sends the question to the passages
    assert record_paper("What did the authors of the LIM kinase study find?", papers, set()) is None
    assert record_paper("In which journal was Collinson's book published?", papers, set()) is None
    assert record_paper("Which kinases does the PDZ domain regulate?", papers, set()) is None  # asks no field
    assert record_paper("In which journal did Bean et al. publish?", [YEAST], names) is None  # a venue it lacks


def test_the_quote_is_where_the_value_asked_for_is_printed():
    clean = ("ARTICLE Nature Communications 14, 1 (2023) doi 10.1038/x\nAutoregulation of the LIM kinases by their "
             "PDZ domain\nGabriela Casanova-Sepúlveda & Titus J. Boggon")
    page = Page(index=0, label="1", text=clean, clean=clean, clean_runs=[(0, 0)])
    assert clean[slice(*printed_span(page, LIMK, "venue"))] == "Nature Communications"
    assert clean[slice(*printed_span(page, LIMK, "doi"))] == "10.1038/x"
    assert clean[slice(*printed_span(page, LIMK, "authors"))] == "Casanova-Sepúlveda"
    assert "Autoregulation of the LIM kinases" in clean[slice(*printed_span(page, LIMK, "title"))]
    # a value the page does not print: the title instead
    abbreviated = LIMK.model_copy(update={"venue": "Nat. Commun."})
    assert printed_span(page, abbreviated, "venue") == printed_span(page, LIMK, "title")
    assert printed_span(page, YEAST, "authors") is None
