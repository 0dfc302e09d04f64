"""Unit tests of the answerer's rules: quote checks, abstention signals, question shapes."""

from __future__ import annotations

from assistant.answer import (Query, _acronyms, _definition_pattern, _entities_present, _new_numbers, normalise,
                              quote_on_page)
from assistant.records import Page
from assistant.retrieve import papers_compared, terms


def test_normalise_and_quote_on_page():
    page = Page(index=0, label="83", text="The number of migrants had\nreached 272 million, or 3.5% of the world's.")
    assert normalise("The  Number, of  migrants!") == "number of migrants"
    assert quote_on_page("had reached 272 million", page)
    assert not quote_on_page("reached 300 million", page)
    assert not quote_on_page("", page)


def test_a_how_many_answer_needs_a_number_the_question_did_not_give():
    q = "How many migrants died in 2022?"
    assert _new_numbers(q, "More than 1,200 migrants died in 2022.")
    assert not _new_numbers(q, "Migrants died in 2022 [13].")  # a citation marker is not a number stated
    assert not _new_numbers(q, "3.2. Deaths at sea in 2022")  # nor is a section number


def test_definition_pattern():
    pattern = _definition_pattern("What is TIMP?")
    assert pattern.search("TIMP is an R package for fitting models.")
    assert pattern.search("We present TIMP, an R package for spectroscopy.")
    assert not pattern.search("TIMP uses a finite difference approximation.")
    assert _definition_pattern("How does TIMP fit models?") is None


def _query(text: str, ignore: set[str] = frozenset()) -> Query:
    return Query(text, text, set(ignore))


def test_named_entities_and_years_must_be_in_the_evidence():
    evidence = "According to the Missing Migrants Project of the International Organization for Migration, 43,258 died."
    have = set(terms(evidence))
    assert _entities_present(_query("How many deaths did IOM's Missing Migrants Project record?"), have, evidence)
    assert not _entities_present(_query("How many deaths did the project record in 2023?"), have, evidence)
    assert not _entities_present(_query("What did UNHCR record about Mars?"), have, evidence)
    misspelt = "researchers A. Ceyhan and A. Tsukalalar divided them into four axes"
    assert _entities_present(_query("Which axes did Ceyhan and Tsoukala use?"), set(terms(misspelt)), misspelt)
    assert _entities_present(_query("What does Madaminova say?", {"madaminova"}), set(), "")  # a paper's name


def test_acronyms_of_capitalised_runs():
    assert {"UN", "IOM", "US"} <= _acronyms("the United Nations and the International Organization for Migration "
                                            "in the United States".split())


def test_questions_comparing_papers():
    assert papers_compared("How do the two papers treat terrorism?") == 2
    assert papers_compared("What does each paper say about health?") == 3
    assert papers_compared("What is securitization?") == 0


def test_a_papers_own_year_names_the_paper_and_is_not_required():
    evidence = "Migration cannot be fully assessed as a security threat."
    question = "In her 2023 paper, does Madaminova see migration as a security threat?"
    assert _entities_present(_query(question, {"madaminova", "2023"}), set(terms(evidence)), evidence)


def test_a_year_names_a_paper_only_next_to_its_author_or_the_word_paper():
    from assistant.records import Paper
    from assistant.retrieve import years_naming_papers

    papers = {"m": Paper(id="m", file_name="m.pdf", sha256="0", authors=["Durdona I. Madaminova"], year="2023")}
    assert years_naming_papers("In her 2023 paper, what is securitization?", papers) == {"2023"}
    assert years_naming_papers("What does Madaminova (2023) conclude?", papers) == {"2023"}
    assert years_naming_papers("How many migrants died in 2023?", papers) == set()


def test_labels_are_not_numbers_stated():
    assert not _new_numbers("How many requirements are compared?", "Table 3 AHP Priority Matrix (see Fig. 2).")
    assert _new_numbers("How many requirements are compared?", "Four requirements are compared in Table 3.")
