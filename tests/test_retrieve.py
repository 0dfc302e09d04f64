"""How a question names the papers it is about (retrieve.papers_named / name_terms)."""

from __future__ import annotations

from assistant.records import Paper
from assistant.retrieve import name_terms, papers_named, without_names

PAPERS = {
    "a": Paper(id="a", file_name="a.pdf", sha256="a", authors=["Kymberly D. Young", "Masaya Misaki"]),
    "b": Paper(id="b", file_name="b.pdf", sha256="b", authors=["Malcolm F. White", "Kile Green"]),
    "c": Paper(id="c", file_name="c.pdf", sha256="c", authors=["Durdona I. Madaminova"]),
}


def test_a_capitalised_surname_names_its_paper():
    assert papers_named("What did Misaki and Young find about neurofeedback?", PAPERS) == ["a"]
    assert papers_named("Which effector did White et al. characterise?", PAPERS) == ["b"]
    assert without_names("What did Misaki report about training?", PAPERS) == "What did report about training?"


def test_a_surname_that_is_also_a_word_names_nothing_in_lower_case():
    """'green fluorescent protein', 'white matter', 'young mice' are words, not the papers of Green, White, Young."""
    question = "Did the young mice show green fluorescence in the white matter?"
    assert papers_named(question, PAPERS) is None
    assert name_terms(question, PAPERS) == set()
    assert without_names(question, PAPERS) == question


def test_a_question_typed_all_in_lower_case_still_names_papers():
    assert papers_named("what does madaminova say about identity?", PAPERS) == ["c"]
