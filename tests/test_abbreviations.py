"""A paper's own abbreviations: found as Schwartz and Hearst do, used where the question and the paper name a
thing in its two forms."""

from __future__ import annotations

from assistant.abbreviations import Abbreviations, definitions
from assistant.records import Page
from assistant.retrieve import Retriever, SparseIndex, terms
from assistant.settings import RetrieveSettings

from .test_retrieve import _chunk, _NoVectors


def test_a_short_form_after_its_long_form_and_the_other_way_round():
    text = ("Thiabendazole (TBZ) is an FDA-approved benzimidazole. We tagged the human mu opioid receptor with "
            "green fluorescent protein (GFP) in yeast, where homology-directed repair (HDR; see below) was rare. "
            "A dose of TBZ (thiabendazole) was given to the human receptor (HsMOR) mutants.")
    assert definitions(text) == [("TBZ", "Thiabendazole"), ("GFP", "green fluorescent protein"),
                                 ("HDR", "homology-directed repair"), ("TBZ", "thiabendazole")]
    # "HsMOR" is Homo sapiens' receptor: no "s" in the words before it, so no long form is made up


def test_a_short_form_with_a_subscript_is_defined_by_its_letters():
    """pypdf reads "(cA<sub>4</sub>)" as "(cA 4 )"; the number may be spelt out in the long form or not be in it."""
    text = "The domain binds cyclic tetra-adenylate (cA 4 ), and AlphaFold 2 (AF2) models it. Spores (S 2) grew."
    assert definitions(text) == [("cA4", "cyclic tetra-adenylate"), ("AF2", "AlphaFold 2")]
    paper = Abbreviations([text], terms)
    assert terms("cA4")[0] in paper.expand(set(terms("cyclic tetra-adenylate")))  # and "cA 4" gives "ca4" (terms)


def test_parentheses_that_define_nothing_are_not_abbreviations():
    text = ("Cells grew faster (Fig. 2) and larger (p < 0.05). The yield rose (see Methods) in 2019 (ref. 4). "
            "The method (ours) wins. Growth rose (XR) by weight.")
    assert definitions(text) == []  # "XR": no letter "x" in the words before it


def test_each_form_stands_for_the_other_in_the_paper_that_defines_it():
    paper = Abbreviations(["Vascular disrupting agents (VDAs) such as thiabendazole (TBZ) were tested."], terms)
    assert paper.expand(set(terms("TBZ was approved in 1967"))) >= set(terms("thiabendazole"))
    assert paper.expand(set(terms("vascular disrupting agents"))) >= set(terms("VDAs"))
    assert paper.expand(set(terms("vascular agents"))) == set(terms("vascular agents"))  # the whole long form, only
    other = Abbreviations(["Homology-directed repair (HDR) was rare."], terms)
    assert other.expand(set(terms("TBZ was approved"))) == set(terms("TBZ was approved"))


def test_the_leading_paper_is_searched_with_its_abbreviations():
    """The question names the long form; the passage that answers uses the paper's short form only."""
    paper = [
        _chunk("t", 0, "Thiabendazole (TBZ) is an antifungal and antihelminthic benzimidazole drug."),
        _chunk("t", 1, "The FDA approved TBZ in 1967."),
        _chunk("t", 2, "Thiabendazole was approved as a drug."),
        _chunk("t", 3, "Thiabendazole dissociates vascular endothelial cells."),
    ]
    question = "When was thiabendazole approved?"
    index = SparseIndex(paper)
    assert index.query(question, 4)[0][0] == "t2"
    assert index.query(question, 4, Abbreviations([c.text for c in paper], terms).expand)[0][0] == "t1"
    library = SparseIndex(paper + [_chunk("o", i, f"Other drugs were approved by the FDA in trial {i}.")
                                   for i in range(6)])

    def ranked(settings: RetrieveSettings) -> list[str]:
        return [e.chunk.id for e in Retriever(settings, _NoVectors(), library).retrieve(question)]

    within, alone = ranked(RetrieveSettings()), ranked(RetrieveSettings(within_paper_weight=0, sentence_weight=0))
    assert within.index("t1") < within.index("t3") and alone.index("t1") > alone.index("t3")


def test_a_candidate_holds_the_question_word_its_paper_abbreviates():
    from assistant.answer import ExtractiveAnswerer, Query
    from assistant.pdf import clean_pages
    from assistant.records import Chunk, Evidence
    from assistant.settings import AnswerSettings

    intro = Page(index=0, label="1", text="Thiabendazole (TBZ) is an antifungal drug. It is cheap.")
    result = Page(index=1, label="2", text="The FDA approved TBZ in 1967 for human use. Doses were small.")
    clean_pages([intro, result])
    pages = {("t", 0): intro, ("t", 1): result}
    chunk = Chunk(id="t1", paper_id="t", file_name="t.pdf", page_index=1, page_label="2", start=0,
                  end=len(result.clean), text=result.clean)
    answerer = ExtractiveAnswerer(AnswerSettings(), encode=None, word_vectors=None, idf={}, default_idf=1.0)
    question = "When was thiabendazole approved?"
    units = answerer._candidates(Query(question, question, set()), [Evidence(chunk=chunk, score=1.0)], pages, [])
    approved = next(u for u in units if u.text.startswith("The FDA approved TBZ"))
    assert set(terms("thiabendazole")) <= approved.terms
