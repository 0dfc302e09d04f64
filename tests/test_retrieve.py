"""How a question names the papers it is about (retrieve.PaperNames)."""

from __future__ import annotations

from assistant.records import Paper
from assistant.retrieve import PaperNames

PAPERS = {
    "a": Paper(id="a", file_name="a.pdf", sha256="a", authors=["Kymberly D. Young", "Masaya Misaki"]),
    "b": Paper(id="b", file_name="b.pdf", sha256="b", authors=["Malcolm F. White", "Kile Green"]),
    "c": Paper(id="c", file_name="c.pdf", sha256="c", authors=["Durdona I. Madaminova"], year="2023"),
}
NAMES = PaperNames(PAPERS)


def test_a_capitalised_surname_names_its_paper():
    assert NAMES.papers("What did Misaki and Young find about neurofeedback?") == ["a"]
    assert NAMES.papers("Which effector did White et al. characterise?") == ["b"]
    assert NAMES.without("What did Misaki report about training?") == "What did report about training?"


def test_a_surname_that_is_also_a_word_names_nothing_in_lower_case():
    """'green fluorescent protein', 'white matter', 'young mice' are words, not the papers of Green, White, Young."""
    question = "Did the young mice show green fluorescence in the white matter?"
    assert NAMES.papers(question) is None
    assert NAMES.terms_in(question) == set()
    assert NAMES.without(question) == question


def test_a_question_typed_all_in_lower_case_still_names_papers():
    assert NAMES.papers("what does madaminova say about identity?") == ["c"]


def test_a_year_names_a_paper_beside_its_author_or_as_its_paper():
    assert NAMES.years_in("What did Madaminova (2023) argue?") == {"2023"}
    assert NAMES.years_in("In her 2023 paper, which threats are named?") == {"2023"}
    assert NAMES.years_in("How many migrants arrived in 2023?") == set()
