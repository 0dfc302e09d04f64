"""How a question names the papers it is about (retrieve.PaperNames), and the within-paper search."""

from __future__ import annotations

from assistant.records import Chunk, Paper
from assistant.retrieve import PaperNames, PaperSearch, Retriever, SparseIndex, about_references, stem, terms
from assistant.settings import RetrieveSettings

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


def test_a_paper_is_named_by_its_first_author_before_a_paper_that_lists_the_same_names_further_down():
    papers = {"sz": Paper(id="sz", file_name="sz.pdf", sha256="1", authors=["Sheng Di", "Franck Cappello"]),
              "sz14": Paper(id="sz14", file_name="sz14.pdf", sha256="2",
                            authors=["Dingwen Tao", "Sheng Di", "Zizhong Chen", "Franck Cappello"]),
              "other": Paper(id="other", file_name="o.pdf", sha256="3", authors=["Kile Green"])}
    names = PaperNames(papers)
    assert names.papers("What did Di and Cappello's paper find?") == ["sz"]
    assert names.papers("Which hardware did Tao et al. use?") == ["sz14"]
    assert names.papers("What does Cappello's work say about ratios?") == ["sz", "sz14"]  # no first author named


def test_et_al_after_a_named_author_is_part_of_the_name_not_of_what_the_answer_must_hold():
    question = "Which effector did White et al. characterise?"
    assert NAMES.naming(question) == {"white", "et", "al"}
    assert NAMES.naming("What did Madaminova (2023) argue?") == {"madaminova", "2023"}
    assert NAMES.naming("Is the et al. convention used?") == set()  # names no paper: stays a question word


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


class _NoVectors:
    """A dense index that finds nothing, so the test sees BM25 and the within-paper step alone."""

    def query(self, question, n, paper_ids):
        return []


def _chunk(paper: str, n: int, text: str) -> Chunk:
    return Chunk(id=f"{paper}{n}", paper_id=paper, file_name=f"{paper}.pdf", page_index=n, page_label=str(n + 1),
                 start=0, end=len(text), text=text)


# paper "k" is about a kinase: the word is in every chunk of it and in no other paper, so it weighs
# much across the library and nothing within the paper; "resolution" is common elsewhere
KINASE_LIBRARY = [
    _chunk("k", 0, "The kinase domain binds the kinase substrate; kinase kinase activity and kinase inhibitors."),
    _chunk("k", 1, "The kinase has a resolution of 2.1 nm."),
    _chunk("k", 2, "Mutations of the kinase change its activity in cells."),
    _chunk("k", 3, "The kinase is expressed in brain tissue."),
] + [_chunk("m", i, f"Microscope images of resolution {i} were taken with a lens of high resolution.") for i in range(6)]


def test_the_leading_paper_is_searched_again_with_its_own_word_weights():
    question = "What is the resolution of the kinase?"
    sparse = SparseIndex(KINASE_LIBRARY)
    alone = RetrieveSettings(within_paper_weight=0.0, sentence_weight=0.0)
    library_wide = Retriever(alone, _NoVectors(), sparse).retrieve(question)
    within = Retriever(RetrieveSettings(), _NoVectors(), sparse).retrieve(question)
    assert library_wide[0].chunk.id == "k0"  # the topic word, four times, outweighs the question's own words
    assert within[0].chunk.id == "k1"
    assert within[0].score > library_wide[0].score  # added to the fused score, not instead of it


def test_a_passage_whose_one_sentence_holds_the_question_words_gains_within_its_paper():
    paper = [
        _chunk("p", 0, "The kinase was purified from brain. Its crystal structure was solved. The resolution of the "
                       "detector was improved."),
        _chunk("p", 1, "The kinase was purified. The crystal structure of the kinase was solved at a resolution of "
                       "2.1 nm."),
        _chunk("p", 2, "Mutations of the kinase change its activity in cells."),
    ]
    search = PaperSearch(paper)
    best = search.best_sentences("At what resolution was the crystal structure of the kinase solved?")
    assert best["p1"] == 1.0 and best["p0"] < best["p1"] and best["p2"] < best["p0"]
    assert search.best_sentences("Which words are absent?") == {}
    question = "At what resolution was the crystal structure solved?"
    library = SparseIndex(paper + [_chunk("m", i, f"Microscope images of resolution {i} were taken.") for i in range(6)])
    with_sentences = Retriever(RetrieveSettings(), _NoVectors(), library).retrieve(question)
    without = Retriever(RetrieveSettings(sentence_weight=0.0), _NoVectors(), library).retrieve(question)
    assert with_sentences[0].chunk.id == "p1"
    assert with_sentences[0].score > next(e.score for e in without if e.chunk.id == "p1")


def test_a_number_glued_to_its_unit_matches_the_two_apart():
    assert {"38", "mm"} <= set(terms("a 38mm screen")) and {"38", "mm"} <= set(terms("a 38 mm screen"))
    assert terms("the 23S rRNA in 3D") == [terms("23S")[0], terms("rRNA")[0], "3d"]


def test_a_subscript_pypdf_sets_apart_matches_the_symbol_typed_as_one_word():
    """pypdf reads "cA<sub>4</sub>" as "cA 4": the question's "cA4" or "EC50" still finds it; a word before a
    number is no symbol ("Figure 4", "in 2 cases"), nor is a decimal ("CO 2.5")."""
    assert terms("cA4")[0] in terms("a molecule of cA 4 bound to Csx23")
    assert terms("EC50")[0] in terms("a lower EC 50 (62 nM)") and "co2" in terms("CO 2 levels")
    for text in ["Figure 4 shows", "In 2 cases", "at 5 mM", "CO 2.5 units", "the fa 4 value"]:
        assert terms(text) == [t for word in text.split() for t in terms(word)], text


def test_a_reference_that_qualifies_a_noun_is_not_a_question_about_cited_works():
    assert not about_references("In the SoK, what does a reference monitor do?")
    assert not about_references("Which reference genome were the reads aligned to?")
    for question in ["Which reference is given for this claim?", "What is reference 12?",
                     "How many works does the reference list contain?", "Which article does Wei cite?"]:
        assert about_references(question), question


def test_british_and_american_spellings_are_one_term():
    """"synthesise" finds "synthesize", "licence" finds "license"; a word in -ise whose -ize form is not the commoner
    word of English keeps its spelling ("rise" is not "rize", "advise" not "advize")."""
    for british, american in [("synthesised", "synthesized"), ("characterise", "characterize"), ("organising", "organizing"),
                              ("neutralisers", "neutralizers"), ("licence", "license"), ("colour", "color"),
                              ("analyse", "analyze"), ("programme", "program")]:
        assert terms(british) == terms(american), british
    for word in ("rise", "advise", "noise", "precise", "surprise", "exercise", "merchandise"):
        assert terms(word) == [stem(word)], word
