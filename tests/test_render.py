"""Citations are data until render.py formats them."""

from __future__ import annotations

from assistant.records import Citation, Paper
from assistant.render import author_label, citation_text, record_sentence, reference_entry


def _citation(authors, year, page="83"):
    return Citation(paper_id="p", file_name="f.pdf", page=page, quote="q", authors=authors, year=year)


def test_author_year_page_styles():
    assert citation_text(_citation(["Durdona I. Madaminova"], "2023")) == "(Madaminova, 2023, p. 83)"
    assert citation_text(_citation(["Baige Wei"], None, "1")) == "(Wei, n.d., p. 1)"
    assert author_label(["Ann Lee", "Bo Chan"]) == "Lee & Chan"
    assert author_label(["Buzan, B.", "Wæver, O.", "de Wilde, J."]) == "Buzan et al."
    assert author_label([]) == "Anon."
    # an organisation is named whole, not by its last word ("Energy (2018)")
    assert citation_text(_citation(["Department of Energy"], "2018")) == "(Department of Energy, 2018, p. 83)"
    assert author_label(["R Core Team"]) == "R Core Team"


def test_reference_entry_has_doi_link():
    paper = Paper(id="doi:10.1/x", file_name="f.pdf", sha256="0", title="T", authors=["A B"], year="2020",
                  doi="10.1/x", venue="V")
    assert reference_entry(paper) == "A B (2020). T. V. https://doi.org/10.1/x"
    assert record_sentence(paper) == "A B (2020). T. V. DOI: 10.1/x."  # in an answer: the DOI as a DOI
    assert record_sentence(paper.model_copy(update={"doi": None})) == "A B (2020). T. V."
