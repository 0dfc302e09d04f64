"""Unit tests of the answerer: quote checks, question signals, the fitted model, selection and merging."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from assistant.answer import (FEATURES, AnswerModel, Candidate, _definition_pattern, _merge, _new_numbers,
                              _paper_shares, _top_passages, quote_on_page, select)
from assistant.records import Chunk, Evidence, Page
from assistant.textnorm import normalize

PAGE = Page(index=1, label="83", text="The number of migrants had\nreached 272 million, or 3.5% of the world's. "
                                      "Most live in Europe. Others moved to Asia.")
PAGE.clean, PAGE.clean_runs = PAGE.text, [(0, 0)]


def test_one_normaliser_serves_the_quote_check_and_the_metrics():
    from assistant.evaluate import normalize as metrics_normalize

    assert metrics_normalize is normalize
    assert normalize("The  Number, of  non-traditional migrants!") == "number of nontraditional migrants"
    assert quote_on_page("had reached 272 million", PAGE)
    assert not quote_on_page("reached 300 million", PAGE)
    assert not quote_on_page("72 million", PAGE)  # whole tokens only
    assert not quote_on_page("", PAGE)


def test_a_how_many_answer_needs_a_number_the_question_did_not_give():
    q = "How many migrants died in 2022?"
    assert _new_numbers(q, "More than 1,200 migrants died in 2022.")
    assert not _new_numbers(q, "Migrants died in 2022 [13].")  # a citation marker is not a number stated
    assert not _new_numbers(q, "3.2. Deaths at sea in 2022")  # nor is a section number
    assert not _new_numbers("How many requirements are compared?", "Table 3 AHP Priority Matrix (see Fig. 2).")


def test_definition_pattern():
    pattern = _definition_pattern("What is TIMP?")
    assert pattern.search("TIMP is an R package for fitting models.")
    assert pattern.search("We present TIMP, an R package for spectroscopy.")
    assert not pattern.search("TIMP uses a finite difference approximation.")
    assert _definition_pattern("How does TIMP fit models?") is None


def _cand(text: str, start: int, end: int, paper: str = "p") -> Candidate:
    return Candidate(paper, PAGE, text, text, 0, span=(start, end), terms=set(text.lower().split()))


def test_model_probability_is_logistic_over_named_features(tmp_path):
    model = AnswerModel(weights={"semantic": 2.0, "coverage": 1.0}, bias=-1.0, threshold=0.5, keep=0.8)
    x = np.zeros((2, len(FEATURES)))
    x[1, FEATURES.index("semantic")] = 1.0
    p = model.probability(x)
    assert p[0] == 1 / (1 + np.exp(1.0)) and p[1] == 1 / (1 + np.exp(-1.0))
    model.save(tmp_path / "m.json")
    assert AnswerModel.load(tmp_path / "m.json") == model


def test_select_keeps_close_distinct_units_with_a_higher_bar_off_the_best_page():
    a = _cand("reached 272 million", 27, 46)
    b = _cand("Most live in Europe.", 72, 92)
    c = _cand("Others moved to Asia.", 93, 114)
    model = AnswerModel(weights={}, bias=0.0, threshold=0.5, keep=0.8, keep_other=0.95)
    assert select([a, b, c], np.array([0.6, 0.9, 0.75]), model, 4) == [b, c]  # best first; a is under 0.8 x 0.9
    assert select([a, b, c], np.array([0.6, 0.9, 0.85]), model, 1) == [b]
    elsewhere = replace(c, page=Page(index=2, label="84", text=PAGE.text, clean=PAGE.clean, clean_runs=PAGE.clean_runs))
    assert select([b, elsewhere], np.array([0.9, 0.8]), model, 4) == [b]  # another page needs 0.95 x 0.9
    assert select([b, elsewhere], np.array([0.9, 0.86]), model, 4) == [b, elsewhere]
    twin = _cand("reached 272 million people", 27, 53)
    assert select([a, twin], np.array([0.9, 0.9]), model, 4) == [a]  # overlapping spans are one unit


def test_a_second_paper_joins_when_it_covers_what_the_first_leaves_open():
    """A question about two papers ("how did each of the two studies...") gets the likeliest unit of
    the next paper when it adds ``complement`` of the question's coverage, and only then."""
    first = _cand("yeast biosensor detects fentanyl", 0, 30, paper="a")
    near = _cand("yeast biosensor detects morphine", 31, 60, paper="b")
    other = _cand("kinase autoregulation by pdz domain", 0, 30, paper="c")
    question = {"yeast", "biosensor", "kinase", "pdz"}

    def coverage(have: set[str]) -> float:
        return len(question & have) / len(question)

    model = AnswerModel(weights={}, bias=0.0, threshold=0.5, keep=0.8, keep_other=0.95, complement=0.3)
    p = np.array([0.9, 0.5, 0.4])
    assert select([first, near, other], p, model, 4) == [first]  # no coverage given: one paper
    assert select([first, near, other], p, model, 4, coverage) == [first]  # paper b, next in line, adds nothing
    assert select([first, other], p[[0, 2]], model, 4, coverage) == [first, other]  # c adds kinase, pdz: 0.5
    model.complement = 0.6
    assert select([first, other], p[[0, 2]], model, 4, coverage) == [first]
    model.complement = 1.0  # the default: never
    assert select([first, other], p[[0, 2]], model, 4, coverage) == [first]


def test_abstention_is_the_support_model_under_its_threshold():
    from assistant.answer import SUPPORT_FEATURES

    model = AnswerModel(weights={}, bias=0.0, threshold=0.5, keep=1.0,
                        support_weights={"missing_rarest": -4.0}, support_bias=1.0)
    q = np.zeros(len(SUPPORT_FEATURES))
    assert model.support(q) > 0.5
    q[SUPPORT_FEATURES.index("missing_rarest")] = 1.0  # the question's rarest term is in no top passage
    assert model.support(q) < 0.5


def test_merge_joins_overlapping_units_of_a_page():
    merged = _merge([_cand("x", 27, 60), _cand("y", 50, 92), _cand("z", 93, 114)])
    assert [m.span for m in merged] == [(27, 92), (93, 114)]
    assert merged[0].text == PAGE.clean[27:92].strip()


def test_paper_shares_sum_the_retrieval_scores_per_paper():
    def ev(paper: str, score: float) -> Evidence:
        chunk = Chunk(id=f"{paper}{score}", paper_id=paper, file_name=f"{paper}.pdf", page_index=0, page_label="1",
                      start=0, end=1, text="t")
        return Evidence(chunk=chunk, score=score)

    shares = _paper_shares([ev("a", 3.0), ev("b", 1.0), ev("a", 0.0)])
    assert shares == {"a": 0.75, "b": 0.25}


def test_the_bundled_model_is_fitted_and_names_only_known_features():
    model = AnswerModel.load()
    assert set(model.weights) <= set(FEATURES)
    assert model.fitted_on.get("questions", 0) > 0 and 0 < model.keep <= 1


def test_an_entry_read_from_the_clean_text_is_quoted_from_the_raw_text_behind_it():
    """The entry has "Spatiotemporal" (the line-end hyphen joined), the page "Spatio-\\ntemporal":
    the entry is not on the page as it is, but the raw text behind its place is."""
    from assistant.answer import entry_quote, quote_on_page
    from assistant.pdf import clean_pages

    text = ("References\n[7] S. Lakshminarasimhan, \u201cISABELA: In-situ Reduction of Spatio-\ntemporal Data,\u201d "
            "in Euro-Par, 2011.\n[8] Fusion Cluster.")
    page = Page(index=9, label="10", text=text)
    clean_pages([page])
    entry = page.clean[page.clean.index("[7]"):page.clean.index(" [8]")]
    assert "Spatiotemporal" in entry and not quote_on_page(entry, page)
    quote = entry_quote(entry, page)
    assert quote_on_page(quote, page) and quote.startswith("[7] S. Lakshminarasimhan") and "Spatio- temporal" in quote
    assert entry_quote("[9] A work this page does not list.", page) is None


def test_an_entry_takes_as_context_the_one_citing_sentence_that_covers_the_question_best():
    """A work cited on many pages would otherwise carry the words of all its citing sentences."""
    from assistant.answer import ExtractiveAnswerer
    from assistant.pdf import clean_pages
    from assistant.records import Reference, ReferenceContext
    from assistant.settings import AnswerSettings

    page = Page(index=9, label="10", text="References\n[4] Lustre File System.\n[7] ISABELA: In-situ reduction.")
    clean_pages([page])
    lustre = Reference(paper_id="p", raw="[4] Lustre File System.", page="10", contexts=[
        ReferenceContext(page="1", sentence="Data are stored in parallel file systems [4]."),
        ReferenceContext(page="3", sentence="The kurtosis of the snapshots varies [4]."),
        ReferenceContext(page="6", sentence="Compression ratios were measured on Lustre [4].")])
    answerer = ExtractiveAnswerer(AnswerSettings(), encode=None, word_vectors=None, idf={}, default_idf=1.0)
    passage = Evidence(chunk=Chunk(id="c", paper_id="p", file_name="p.pdf", page_index=9, page_label="10", start=0,
                                   end=len(page.clean), text=page.clean, kind="references"), score=1.0)
    [entry] = answerer._reference_units([passage], {("p", 9): page}, [("p", lustre)], {"kurtosi", "snapshot"})
    assert entry.context == {"kurtosi", "snapshot", "vari", "4"} and entry.quote == "[4] Lustre File System."


def test_an_entry_answers_the_words_for_the_fields_it_prints():
    """"In which journal and year did it appear?": every entry prints a journal and a year, so those words
    are covered by an entry candidate, never by a sentence that lacks them."""
    entry = Candidate("p", PAGE, "[24] L. T. DeCarlo. On kurtosis. Psychological methods, 1997.", "", 0,
                      terms={"decarlo", "kurtosi"}, context={"preserv"})
    sentence = replace(entry, span=(0, 10), text="The kurtosis is preserved.")
    assert {"journal", "year", "publish", "decarlo", "preserv"} <= entry.answers
    assert sentence.answers == {"decarlo", "kurtosi"}


def test_a_reference_list_is_quoted_by_whole_entries_never_by_its_sentence_fragments():
    from assistant.answer import ExtractiveAnswerer, Query
    from assistant.pdf import clean_pages
    from assistant.records import Reference
    from assistant.settings import AnswerSettings

    page = Page(index=9, label="10", text="References\n[4] Cai SX. 2007. Small molecule agents. Recent Pat. 2:79.\n"
                                          "[5] Cha HJ. 2012. Tubulin drugs. PLoS Biol. 10:e1001.")
    clean_pages([page])
    refs = [("p", Reference(paper_id="p", raw=raw, page="10")) for raw in
            ("[4] Cai SX. 2007. Small molecule agents. Recent Pat. 2:79.", "[5] Cha HJ. 2012. Tubulin drugs. PLoS Biol. 10:e1001.")]
    answerer = ExtractiveAnswerer(AnswerSettings(), encode=None, word_vectors=None, idf={}, default_idf=1.0)
    passage = Evidence(chunk=Chunk(id="c", paper_id="p", file_name="p.pdf", page_index=9, page_label="10", start=0,
                                   end=len(page.clean), text=page.clean, kind="references"), score=1.0)
    for question in ("Which paper on tubulin drugs is cited, and in which journal?", "What is said about tubulin drugs?"):
        units = answerer._candidates(Query(question, question, set()), [passage], {("p", 9): page}, refs)
        assert all(u.span is None for u in units)  # entries only (none at all when the question is not about them)
    cited = answerer._candidates(Query("Which paper is cited for tubulin?", "", set()), [passage], {("p", 9): page}, refs)
    assert {u.text for u in cited} == {r.raw for _, r in refs}


def test_coverage_weighs_the_question_terms_by_their_rarity_in_the_paper():
    """In a paper about neurofeedback every sentence says "neurofeedback": the question's other words decide
    which of its sentences answers."""
    from assistant.answer import ExtractiveAnswerer
    from assistant.pdf import clean_pages
    from assistant.settings import AnswerSettings

    page = Page(index=0, label="1", text="Neurofeedback helps. Neurofeedback trains the left amygdala region. "
                                         "Neurofeedback is popular. Neurofeedback is cheap.")
    clean_pages([page])
    answerer = ExtractiveAnswerer(AnswerSettings(), encode=None, word_vectors=None, idf={}, default_idf=1.0)
    rarity = answerer._rarity_in("p", {("p", 0): page})
    assert rarity("neurofeedback") == 0.0 and rarity("amygdala") > 0.5 and rarity("absent") == 1.0
    wanted = {"neurofeedback", "region"}
    assert answerer._coverage(wanted, {"neurofeedback"}, rarity) == 0.0
    assert answerer._coverage(wanted, {"region"}, rarity) == 1.0
    assert answerer._coverage(wanted, {"neurofeedback"}) == 0.5  # idf alone


def test_position_runs_from_the_papers_first_line_to_its_last():
    from assistant.answer import _position

    first = Candidate("p", PAGE.model_copy(update={"index": 0}), "x", "x", 0, span=(0, 5))
    middle = Candidate("p", PAGE.model_copy(update={"index": 4}), "x", "x", 0, span=(len(PAGE.clean) // 2, len(PAGE.clean)))
    entry = Candidate("p", PAGE.model_copy(update={"index": 9}), "x", "x", 0)  # a reference entry: its page's middle
    assert _position(first, 10) == 0.0 and 0.44 < _position(middle, 10) < 0.46 and _position(entry, 10) == 0.95


def test_the_top_passages_hold_each_papers_best_passage_near_the_top():
    """A question about two papers finds its terms split between them: the second paper's first
    passage counts among the top passages (for what the evidence lacks) though it ranks fourth;
    a paper first seen far down, and a paper's later passages below the top three, do not."""
    def unit(paper: str, rank: int) -> Candidate:
        return Candidate(paper, PAGE, f"{paper}{rank}", "", rank, span=(0, 5))

    candidates = [unit("a", 0), unit("a", 1), unit("a", 2), unit("b", 3), unit("a", 4), unit("c", 6), unit("b", 7)]
    entry = Candidate("d", PAGE, "[1] An entry.", "", 9)  # reference entries always count
    assert [c.text for c in _top_passages(candidates + [entry])] == ["a0", "a1", "a2", "b3", "[1] An entry."]
