"""Reference lists: section finding, entry parsing, citation contexts and library matching (issue 6)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.records import Page, Paper, Reference
from assistant.references import (
    LINK_THRESHOLD,
    _join,
    extract_references,
    find_contexts,
    parse_reference,
    reference_matches,
)

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
STRINGS = Path(__file__).parent / "data" / "reference_strings.jsonl"
WEI = "wei_international_migration_nontraditional_security.pdf"
MADAMINOVA = "madaminova_2023_security_migration_categories.pdf"


def _load(name: str) -> list[Reference]:
    path = CORPUS / name
    if not path.is_file():
        pytest.skip(f"corpus PDF {path} not available")
    from assistant.pdf import read_pages

    pages = read_pages(path)
    refs = extract_references(pages)
    find_contexts(pages, refs)
    return refs


@pytest.fixture(scope="module")
def wei() -> list[Reference]:
    return _load(WEI)


@pytest.fixture(scope="module")
def madaminova() -> list[Reference]:
    return _load(MADAMINOVA)


def _by_key(refs: list[Reference], key: str) -> Reference:
    return next(r for r in refs if r.key == key)


def _sentences(ref: Reference, page: str | None = None) -> list[str]:
    return [c.sentence for c in ref.contexts if page is None or c.page == page]


# --- the corpus ------------------------------------------------------------------------------


def test_wei_entries(wei):
    assert [r.label for r in wei] == [f"[{n}]" for n in range(1, 9)]
    assert [(r.first_author_surname, r.year) for r in wei] == [
        ("Ban", "2019"), (None, "2019"), (None, "2020"), ("Schmid", "2016"),
        ("UNODC", "2018"), ("Collinson", "1993"), ("Bradby", "2015"), ("WHO", "2018"),
    ]
    assert wei[3].authors == ["Schmid, A. P."]
    assert wei[3].title == "Links between Terrorism and Migration: An Exploration"
    assert wei[5].title == "Europe and International Migration"
    assert wei[6].title == "Public health aspects of migrant health"
    assert wei[0].title == "Security and dignity: Dealing with large flows of refugees and migrants"
    assert wei[0].url == "https://undocs.org/zh/A/70/59"
    assert {r.page for r in wei} == {"3"}


def test_wei_contexts(wei):
    schmid = _sentences(wei[3], page="2")
    assert schmid and all("Schmid" in s for s in schmid)
    assert any("(WHO, 2018)" in s for s in _sentences(wei[7]))
    assert any("(Sarah Collinson, 1993)" in s for s in _sentences(wei[5]))
    assert any("(World Migration Report, 2020)" in s for s in _sentences(wei[2]))
    assert any("(UNODC, 2018)" in s for s in _sentences(wei[4]))


MADAMINOVA_ENTRIES = [
    ("Ahmed", "2017"), ("Baldwin", "1997"), ("Bergh", "2020"), ("Buzan", "2008"), ("Buzan", "1998"),
    ("Huntington", "1997"), ("Sunderland", None), ("Theiler", "2003"), ("Wæver", "1993"), ("Weiner", "1992"),
    ("Dyadyun", "2012"), ("Lagutkin", "2010"), ("Lagutkin", "2011"), ("Lebedeva", "2015"), ("Lelikov", "2016"),
    ("Troitskaya", "2012"),
]


def test_madaminova_entries(madaminova):
    assert [(r.first_author_surname, r.year) for r in madaminova] == MADAMINOVA_ENTRIES
    assert [r.page for r in madaminova] == ["85"] * 13 + ["86"] * 3
    assert madaminova[4].authors == ["Buzan, B.", "Wæver, O.", "Wæver, O.", "De Wilde, J."]
    assert _by_key(madaminova, "waever1993").authors == ["Wæver, O."]
    titles = {
        "baldwin1997": "The concept of security",
        "buzan1998": "Security: A new framework for analysis",
        "waever1993": "Societal Security: The Concept",
        "huntington1997": "The clash of civilizations and the remaking of world order",
        "sunderlandnd": "Endless Tragedies in the Mediterranean Sea",
        "troitskaya2012": "Migration management and security: The experience of developed countries",
    }
    assert {k: _by_key(madaminova, k).title for k in titles} == titles
    assert "hrw.org" in _by_key(madaminova, "sunderlandnd").url


def test_madaminova_matches_the_json_contract(madaminova):
    weiner = _by_key(madaminova, "weiner1992").model_dump(include={
        "authors", "year", "title", "venue", "volume", "issue", "pages", "doi", "url"})
    assert weiner == {
        "authors": ["Weiner, M."], "year": "1992", "title": "Security, stability, and international migration",
        "venue": "International Security", "volume": "17", "issue": "3", "pages": "91-126", "doi": None, "url": None,
    }


def test_page_break_does_not_glue_the_page_number(madaminova):
    assert madaminova[12].raw.endswith("249-253.")
    assert madaminova[13].raw.startswith("Lebedeva, I. V.")


def test_madaminova_prose_mentions(madaminova):
    baldwin = _by_key(madaminova, "baldwin1997")
    assert any("Princeton scholar D. A. Baldwin" in s for s in _sentences(baldwin, page="80"))
    buzan = _sentences(_by_key(madaminova, "buzan2008")) + _sentences(_by_key(madaminova, "buzan1998"))
    assert any("B. Buzen" in s for s in buzan)
    assert any("B. Buzan in his monograph" in s for s in buzan)
    waever = _sentences(_by_key(madaminova, "waever1993"))
    assert any("Ole Weber" in s for s in waever)
    assert any("Ole Wever" in s for s in waever)
    assert _sentences(_by_key(madaminova, "weiner1992"), page="81")


def test_common_words_are_not_taken_for_surnames(madaminova):
    """"Their" is close to "Theiler" but opens a sentence; it must not link."""
    assert not _by_key(madaminova, "theiler2003").contexts
    assert all("REFERENCES" not in c.sentence for r in madaminova for c in r.contexts)


def test_raw_pages_parse_like_cleaned_pages(madaminova):
    from pypdf import PdfReader

    reader = PdfReader(CORPUS / MADAMINOVA)
    pages = [Page(index=i, label=reader.page_labels[i], text=p.extract_text()) for i, p in enumerate(reader.pages)]
    assert [r.model_dump() for r in extract_references(pages)] == [
        r.model_dump(exclude={"contexts"}) | {"contexts": []} for r in madaminova
    ]


# --- regression set of reference strings in many styles ----------------------------------------

STRING_CASES = [json.loads(line) for line in STRINGS.read_text(encoding="utf-8").splitlines() if line.strip()]
OPTIONAL_FIELDS = ("doi", "url", "venue", "volume", "issue", "pages")


@pytest.mark.parametrize("case", STRING_CASES, ids=[c["raw"][:40] for c in STRING_CASES])
def test_reference_strings(case):
    ref = parse_reference(case["raw"])
    assert (ref.first_author_surname, ref.year, ref.title) == (case["surname"], case["year"], case["title"])
    for field in OPTIONAL_FIELDS:
        if field in case:
            assert getattr(ref, field) == case[field], field


def test_regression_set_is_broad():
    assert len(STRING_CASES) >= 30
    assert any(c["title"] is None for c in STRING_CASES)
    assert any(c["year"] is None for c in STRING_CASES)


@pytest.mark.parametrize(("raw", "year"), [
    ("Smith, J. Deep nets. arXiv:2103.12345.", None),
    ('J. Smith, "Deep nets," J. Mach. Learn., vol. 3, pp. 1999–2005, 2010.', "2010"),
    ("Doe, A. (2016b). Second paper. Journal, 1, 1-2.", "2016b"),
    ("Doe, A. (n.d.). Undated page. Site.", "n.d."),
    ("Doe, A. Report, p. 1987.", None),
])
def test_year_is_never_an_id_or_page(raw, year):
    assert parse_reference(raw).year == year


@pytest.mark.parametrize(("raw", "authors"), [
    ("Alex P. Schmid, \"Links,\" ICCT Research Paper, May 2016.", ["Schmid, A. P."]),
    ("Ban Ki-moon. Security and dignity. Website, 2019.", ["Ban, K.-m."]),
    ("Jacob Devlin, Ming-Wei Chang, and Jaap de Wilde. 2019. Title. Venue.",
     ["Devlin, J.", "Chang, M.-W.", "de Wilde, J."]),
    ("Castles, S., de Haas, H., & Miller, M.J. (2014). Title. Publisher.",
     ["Castles, S.", "de Haas, H.", "Miller, M. J."]),
    ("Zhu N, van der Berg JA, et al. Title. Journal. 2020;1:1-2.", ["Zhu, N.", "van der Berg, J. A."]),
    ("World Health Organization. (2018). Report. WHO.", ["World Health Organization"]),
    ("EPA 2002. Thiabendazole and salts R.E.D Factsheet. United States EPA.", ["EPA"]),
])
def test_author_names(raw, authors):
    assert parse_reference(raw).authors == authors


def test_keys_and_links():
    assert parse_reference("Wæver, O. (1993). Societal security. Pinter.").key == "waever1993"
    assert parse_reference("World Health Organization. (2018). Report. WHO.").key == "who2018"
    ref = parse_reference("Doe, A. (2020). Title. Journal, 1(2), 3-4. https://doi.org/10.1000/XYZ.123).")
    assert (ref.doi, ref.url) == ("10.1000/XYZ.123", None)
    ref = parse_reference("Doe, A. (2020). Title. Site. <https://example.org/a_b?c=1>.")
    assert ref.url == "https://example.org/a_b?c=1"
    # a URL the line broke after a dot is joined whole ("Retrieved from https://arxiv." / "org/pdf/2301.10972.")
    ref = parse_reference(_join(["[5] Rombach, R. (2023). Title. Retrieved from https://arxiv.", "org/pdf/2301.10972."]))
    assert ref.url == "https://arxiv.org/pdf/2301.10972"


# --- finding and splitting the section --------------------------------------------------------


def _pages(*texts: str, first_label: int = 1) -> list[Page]:
    return [Page(index=i, label=str(first_label + i), text=t) for i, t in enumerate(texts)]


def test_numbered_list_across_pages_with_page_numbers_and_appendix():
    pages = _pages(
        "Contents\nReferences\nThis page lists nothing.\nBody text cites [1] and [2, 3] and [2-3].",
        "REFERENCES\n[1] A. Author, \"First title,\" J. One, vol. 1, pp. 1–2, 2001.\n[2] B. Writer,\n\"Second",
        "3\ntitle,\" J. Two, 2002.\n[3] C. Third, Book Title. London: Pub, 2003.\nAppendix A: Proofs\nLemma 1 holds.",
    )
    refs = extract_references(pages)
    assert [(r.label, r.first_author_surname, r.year, r.page) for r in refs] == [
        ("[1]", "Author", "2001", "2"), ("[2]", "Writer", "2002", "2"), ("[3]", "Third", "2003", "3"),
    ]
    assert refs[1].title == "Second title"
    assert "Lemma" not in refs[2].raw
    find_contexts(pages, refs)
    assert [len(r.contexts) for r in refs] == [1, 1, 1]
    assert refs[0].contexts[0].page == "1"


def test_numbered_heading_and_dot_labels_do_not_split_on_numbers():
    pages = _pages(
        "Intro.\n7 REFERENCES\n1. Zhu N, Li X. A novel coronavirus. N Engl J Med.\n2020;382(8):727-33.",
        "12\n2. Smith AB. Sleep and exercise. BMJ. 2019;365:l1234.",
        first_label=11,
    )
    refs = extract_references(pages)
    assert [(r.label, r.first_author_surname, r.year, r.volume, r.page) for r in refs] == [
        ("1", "Zhu", "2020", "382", "11"), ("2", "Smith", "2019", "365", "12"),
    ]


def test_author_year_list_splitting():
    pages = _pages(
        "Body.\nBibliography\n"
        "Wæver, O. (1993). Societal security: The concept. In\n"
        "Buzan, Wæver, Kelstrup, and Lemaitre, Identity, Migration (pp. 17-40). Pinter.\n"
        "Theiler, T. (2003). Societal security and social psychology.\n"
        "Review of International Studies, 29(2), 249-268.\n"
        "World Health Organization. (2019). A report on\n"
        "migration. WHO.\n"
        "de Wilde, J. Untitled notes without a year.\n"
        "Acknowledgements\nWe thank everyone."
    )
    refs = extract_references(pages)
    assert [(r.first_author_surname, r.year) for r in refs] == [
        ("Wæver", "1993"), ("Theiler", "2003"), ("World Health Organization", "2019"), ("de Wilde", None),
    ]
    assert refs[1].volume == "29"
    assert "thank" not in refs[-1].raw


def test_natbib_plain_entries_are_told_apart_by_their_names_and_title():
    """natbib's plain style has no labels and puts the year last: an entry starts where a line opens with names
    ending in a full stop and a title follows, once the entry before is finished."""
    pages = _pages(
        "Body.\nReferences\n"
        "Lennart Augustsson. Compiling pattern matching. In Conference on\n"
        "Functional Programming Languages and Computer Architecture, 1985.\n"
        "Fabrice Le Fessant and Luc Maranget. Optimizing pattern matching. In In-\n"
        "ternational Conference on Functional Programming. ACM Press, 2001.\n"
        "Robin Milner, Mads Tofte, and Robert Harper. The Definition of Standard\n"
        "ML. MIT Press, Cambridge, MA, 1990.\n"
    )
    refs = extract_references(pages)
    assert [(r.first_author_surname, r.year, r.title) for r in refs] == [
        ("Augustsson", "1985", "Compiling pattern matching"), ("Le Fessant", "2001", "Optimizing pattern matching"),
        ("Milner", "1990", "The Definition of Standard ML")]


def test_given_name_lists_that_wrap_before_the_year():
    pages = _pages(
        "Body.\nReferences\n"
        "Jacob Devlin, Ming-Wei Chang, Kenton Lee, and\n"
        "Kristina Toutanova. 2019. BERT: Pre-training of\n"
        "deep bidirectional transformers. In Proceedings\n"
        "of NAACL, pages 4171–4186.\n"
        "Yoav Goldberg. 2017. Neural Network Methods for\n"
        "Natural Language Processing. Morgan & Claypool.\n"
        "Tomas Mikolov, Kai Chen, Greg Corrado, and Jeffrey\n"
        "Dean. 2013. Efficient estimation of word representations. arXiv preprint\n"
        "arXiv:1301.3781.\n"
        "Wendt, A. (1995). Constructing international politics.\n"
        "In M. E. Brown (Ed.), The perils of anarchy, 2019 edition\n"
        "(pp. 1–20). MIT Press."
    )
    refs = extract_references(pages)
    assert [(r.key, len(r.authors), r.title) for r in refs] == [
        ("devlin2019", 4, "BERT: Pre-training of deep bidirectional transformers"),
        ("goldberg2017", 1, "Neural Network Methods for Natural Language Processing"),
        ("mikolov2013", 4, "Efficient estimation of word representations"),
        ("wendt1995", 1, "Constructing international politics"),
    ]
    assert refs[3].pages == "1-20"


def test_no_reference_section():
    assert extract_references(_pages("Just a body.\nNo list here.")) == []


def test_duplicate_keys_get_suffixes():
    pages = _pages("References\nDoe, A. (2020). One. J.\nDoe, A. (2020). Two. J.\nRoe, B. (2020). Three. J.")
    assert [r.key for r in extract_references(pages)] == ["doe2020a", "doe2020b", "roe2020"]


# --- citation contexts ----------------------------------------------------------------------


def test_author_year_and_mention_contexts():
    pages = _pages(
        "Securitisation spread (Buzan et al., 1998; Weiner, 1992). Weiner (1992) disagrees.\n"
        "Health matters (World Health Organization, 2018). Later, Buzen argued otherwise.\n"
        "Their view differs. Weber is cited, not Wæver. Who knows.\n"
        "References\n"
        "Buzan, B., & Wæver, O. (1998). Security. Rienner.\n"
        "Weiner, M. (1992). Security, stability. International Security, 17(3), 91-126.\n"
        "World Health Organization. (2018). Report. WHO.\n"
        "Weber, M. (1919). Politics as a vocation. Duncker.\n"
        "Wæver, O. (1995). Securitization. Columbia.\n"
        "Theiler, T. (2003). Societal security. RIS."
    )
    refs = extract_references(pages)
    find_contexts(pages, refs)
    found = {r.key: [c.sentence for c in r.contexts] for r in refs}
    assert found["buzan1998"] == [
        "Securitisation spread (Buzan et al., 1998; Weiner, 1992).", "Later, Buzen argued otherwise."]
    assert found["weiner1992"] == [
        "Securitisation spread (Buzan et al., 1998; Weiner, 1992).", "Weiner (1992) disagrees."]
    assert found["who2018"] == ["Health matters (World Health Organization, 2018)."]
    assert found["weber1919"] == ["Weber is cited, not Wæver."]
    assert found["waever1995"] == ["Weber is cited, not Wæver."]
    assert found["theiler2003"] == []


# --- matching a library paper to a reference -------------------------------------------------

WEINER = parse_reference("Weiner, M. (1992). Security, stability, and international migration. "
                         "International Security, 17(3), 91-126. https://doi.org/10.2307/2539131")


def _paper(**fields) -> Paper:
    return Paper(id="sha256:x", file_name="x.pdf", sha256="x", **fields)


def test_doi_decides():
    assert reference_matches(WEINER, _paper(doi="https://doi.org/10.2307/2539131")) == 1.0


@pytest.mark.parametrize("paper", [
    _paper(title="Security, Stability, and International Migration", authors=["Myron Weiner"], year="1992"),
    _paper(title="Security, stability and international migration", authors=["Weiner, Myron"], year="1992"),
    _paper(title="Security, stability, and international migration"),
    _paper(title="Security, stability, and international migration", authors=["Myron Weiner"], year="1993"),
])
def test_same_work_links(paper):
    assert reference_matches(WEINER, paper) >= LINK_THRESHOLD


@pytest.mark.parametrize("paper", [
    _paper(title="Security and international migration policy", authors=["Myron Weiner"], year="1992"),
    _paper(title="Security, stability, and international migration", authors=["Jane Roe"], year="2004"),
    _paper(title="The global migration crisis", authors=["Myron Weiner"], year="1995"),
])
def test_other_works_do_not_link(paper):
    assert reference_matches(WEINER, paper) < LINK_THRESHOLD


def test_untitled_reference_links_only_by_doi():
    ref = parse_reference("B. P. Abbott et al., Phys. Rev. Lett. 116, 061102 (2016).")
    assert ref.title is None
    assert reference_matches(ref, _paper(title="Observation of gravitational waves", year="2016")) == 0.0


# --- gold bibliographies: 18 real reference lists, scored per style (data/reference_gold/README.md) ---

from .reference_scoring import GOLD_DIR, load_gold, ours, pooled, score  # noqa: E402

_ALL_GOLD = load_gold()
GOLD = [g for g in _ALL_GOLD if not g.extra]  # the LitQA papers' lists (../shared/corpus-litqa/)
GOLD_OTHER = [g for g in _ALL_GOLD if g.extra]  # other fields' lists, PDFs in $ASSISTANT_EXTRA_PDFS
HELD_OUT_TARGET = {"found": 0.95, "surname": 0.95, "year": 0.95, "title": 0.90}  # issue 11, styles never tuned on
# Measured levels (found, surname, year, title), truncated to 2 decimals: a drop fails the test. Where a
# held-out style is below HELD_OUT_TARGET this is the honest level reached (see the README's table).
# The held-out lists are the second set, fixed on 2026-12-02 before the parser changes of that day; the
# first held-out set was moved to dev then (its failures were inspected from then on).
FLOORS = {
    "10.1021_acschembio.3c00138": (1.00, 1.00, 1.00, 1.00),
    "10.1038_s41467-023-44148-4": (1.00, 1.00, 1.00, 1.00),
    "10.1038_s44319-023-00030-4": (1.00, 1.00, 1.00, 1.00),
    "10.1073_pnas.2220578120": (1.00, 1.00, 1.00, 1.00),
    "10.1091_mbc.e23-03-0084": (1.00, 1.00, 1.00, 1.00),
    "10.1093_g3journal_jkad293": (0.96, 0.96, 0.96, 0.96),
    "10.1093_genetics_iyab101": (0.93, 0.93, 0.93, 0.90),
    "10.1093_nar_gkae069": (1.00, 1.00, 1.00, 0.96),
    "10.1101_2023.11.15.567300": (1.00, 0.96, 1.00, 0.96),
    "10.1101_2024.02.01.578450": (1.00, 1.00, 1.00, 0.96),  # title 0.93 -> 0.97 at stop 31 (a change made on SIAM)
    "10.1101_2024.05.01.592108": (1.00, 0.96, 0.93, 0.93),
    "10.1101_2024.05.07.593022": (1.00, 1.00, 1.00, 0.96),
    "10.1126_sciadv.add4623": (1.00, 1.00, 1.00, 1.00),
    "10.1126_science.add1250": (1.00, 1.00, 1.00, 1.00),
    "10.1186_s12915-024-01918-w": (1.00, 1.00, 1.00, 1.00),
    "10.1261_rna.034181.112": (0.97, 0.97, 0.97, 0.97),
    "10.3390_ijms25031660": (1.00, 1.00, 1.00, 1.00),
    "10.7150_ijbs.86869": (1.00, 0.96, 0.96, 0.83),
}


@pytest.fixture(scope="module")
def gold_scores(real_library):
    """Each gold list scored on the pages ``assistant add`` stored for its PDF (the session's real library)."""
    stored = {paper.file_name: paper.id for paper in real_library.papers()}
    missing = [g.pdf.name for g in GOLD if g.pdf.name not in stored]
    assert not missing, f"gold PDFs not in the library: {missing[:2]}"
    return {g.stem: score(g, ours(real_library.pages(stored[g.pdf.name]))) for g in GOLD}


def test_gold_set_is_broad_and_split_before_tuning():
    assert len(GOLD) >= 18 and sum(len(g.entries) for g in GOLD) >= 585
    held_out = [g for g in GOLD if g.split == "held_out"]
    assert len({g.style for g in held_out}) >= 5 and sum(len(g.entries) for g in held_out) >= 150
    assert all(g.split in ("dev", "held_out") and g.total >= len(g.entries) for g in GOLD)
    assert (GOLD_DIR / "README.md").is_file()


@pytest.mark.parametrize("gold", GOLD, ids=[g.stem for g in GOLD])
def test_gold_bibliography(gold, gold_scores):
    got = gold_scores[gold.stem]
    values = (got.found, got.surname, got.year, got.title)
    floor = FLOORS[gold.stem]
    assert all(v >= f for v, f in zip(values, floor)), (gold.style, values, floor)
    assert abs(got.listed - gold.total) <= max(2, 0.1 * gold.total), (got.listed, gold.total)  # the whole list


def test_held_out_styles_overall(gold_scores):
    """All held-out entries pooled: found and surname/year/title rates (targets: 0.95/0.95/0.95/0.90)."""
    rates = pooled(list(gold_scores.values()), "held_out")
    measured = {"found": 1.00, "surname": 0.98, "year": 0.98, "title": 0.95}  # 150 entries, truncated (stop 31: 0.93
    # -> 0.95, an EndNote title with a comma before a lower-case word, by a change made on the SIAM list)
    assert all(round(rates[f], 3) >= measured[f] >= HELD_OUT_TARGET[f] for f in HELD_OUT_TARGET), rates


def test_a_work_printed_without_its_authors_names_is_an_entry_with_the_names_before():
    """SIAM and AMS print an author's next works with the year (or a rule) where the names stood; a wrapped list of
    names that goes on with its year ("…, Hybl, M., et al. / (2019). Title") stays one entry."""
    pages = _pages(
        "Body.\nREFERENCES\n"
        "P. Benioff (1980), The computer as a physical system, J. Statist. Phys., 22, pp. 563–591.\n"
        "(1982a), Quantum mechanical Hamiltonian models of Turing machines, J. Statist. Phys., 29, pp. 515–546.\n"
        "C. H. Bennett (1973), Logical reversibility of computation, IBM J. Res. Develop., 17, pp. 525–532.\n"
        "Sackville, A., Tafesse, E. G., Lachagari, V. B. R., McPhee, K., Hybl, M., et al.\n"
        "(2019). Genome-wide association mapping for seed quality traits of field pea. Front. Plant Sci. 10, 1538.\n"
    )
    refs = extract_references(pages)
    assert [(r.first_author_surname, r.year, r.title) for r in refs] == [
        ("Benioff", "1980", "The computer as a physical system"),
        ("Benioff", "1982a", "Quantum mechanical Hamiltonian models of Turing machines"),
        ("Bennett", "1973", "Logical reversibility of computation"),
        ("Sackville", "2019", "Genome-wide association mapping for seed quality traits of field pea"),
    ]


@pytest.mark.parametrize("raw, surname, title", [
    # after a comma, a lower-case word goes on with the title; a capitalised one, or "in", opens the venue
    ("I. L. Chuang, R. Laflamme, P. W. Shor, and W. H. Zurek (1995), Quantum computers, factoring and decoherence, "
     "Science, 270, pp. 1635–1637.", "Chuang", "Quantum computers, factoring and decoherence"),
    ("E. Bernstein and U. V azirani (1993), Quantum complexity theory, in Proceedings of the 25th Annual ACM Symposium "
     "on Theory of Computing, ACM, New York, pp. 11–20.", "Bernstein", "Quantum complexity theory"),
    ("Smith, J. (2001), Learning from data, arXiv preprint.", "Smith", "Learning from data"),
])
def test_a_comma_then_lower_case_goes_on_with_the_title(raw, surname, title):
    ref = parse_reference(raw)
    assert (ref.first_author_surname, ref.title) == (surname, title)


@pytest.mark.parametrize("raw, title", [
    # an edition statement after a comma ends a book's title; "edition" inside a title does not
    ("11. Knuth, D.E. Fundamental Algorithms, second edition, The Art of Computer Programming 1, Addison-Wesley, "
     "Reading, Mass., 1973.", "Fundamental Algorithms"),
    ("Smith, J. (2001). Statistics, 2nd ed., Wiley.", "Statistics"),
    ("Doe, J. (2004). A new edition of old texts, second series. Journal of Texts 3, 1-9.",
     "A new edition of old texts, second series"),
])
def test_an_edition_statement_ends_a_books_title(raw, title):
    assert parse_reference(raw).title == title


def test_a_kerned_capital_in_a_name_before_its_year():
    ref = parse_reference("C. H. Bennett, E. Bernstein, G. Brassard, and U. V azirani (1994), Strengths and weaknesses "
                          "of quantum computing, preprint.")
    assert (ref.year, ref.title) == ("1994", "Strengths and weaknesses of quantum computing")
    assert ref.authors[-1].startswith("Vazirani")


def test_entries_running_together_on_one_line():
    pages = _pages(
        "Body (1).\nREFERENCES\n"
        "(1) Spencer, D. M.; Wandless, T. J. Controlling signal transduction. Science 1993, 262, 1019-1024. "
        "(2) Trost, M.; Lehner, C. F. Regulated protein depletion. Fly 2016, 10, 35-46. (3) Hill, Z. B.\n"
        "Human antibody-based dimerizers. Nat. Chem. Biol. 2018, 14, 112-117.\n"
    )
    refs = extract_references(pages)
    assert [(r.label, r.first_author_surname, r.year, r.volume, r.pages) for r in refs] == [
        ("1", "Spencer", "1993", "262", "1019-1024"), ("2", "Trost", "2016", "10", "35-46"),
        ("3", "Hill", "2018", "14", "112-117"),
    ]
    assert refs[2].title == "Human antibody-based dimerizers"


def test_headingless_numbered_list_and_line_numbers():
    body = "\n".join(f"Body line {i} of the paper text. {600 + i}" for i in range(10))
    pages = _pages(
        body + "\n1. F. H. Yu, W. A. Catterall, Overview of the sodium channel family. Genome Biol. 4, 207 (2003). "
        "610\n"
        "2. K. L. Schaller, J. H. Caldwell, A novel, abundant sodium channel expressed in neurons and glia. 611\n"
        "J. Neurosci. 15, 3231–3242 (1995). 612"
    )
    refs = extract_references(pages)
    assert [(r.first_author_surname, r.year, r.title) for r in refs] == [
        ("Yu", "2003", "Overview of the sodium channel family"),
        ("Schaller", "1995", "A novel, abundant sodium channel expressed in neurons and glia"),
    ]
    assert "612" not in refs[1].raw


def test_letter_spaced_entries_and_loose_accents():
    pages = _pages(
        "References\n9. Ohashi, K. et al. Rho-associated kinase ROCK activates LIM-kinase 1. J. Biol. Chem. 275, "
        "3577 (2000).\n"
        "1 0 . E d w a r d s ,D .C .&G i l l ,G .N .S t r u c t u r a lf e a t u r e so fL I Mk i n a s e.\n"
        "J. Biol. Chem. 274, 11352–11361 (1999).\n"
        "11. Me ´ ndez-Lucio, O. Binding of benzimidazoles. J. Mol. Graph. 41, 12 (2013)."
    )
    refs = extract_references(pages)
    assert [(r.label, r.first_author_surname, r.year) for r in refs] == [
        ("9", "Ohashi", "2000"), ("10", "Edwards", "1999"), ("11", "Mendez-Lucio", "2013")]


@pytest.mark.parametrize(("raw", "arxiv", "no_title"), [
    ("Smith, J. Deep nets. arXiv:2103.12345v2.", "2103.12345v2", False),
    ("Tomas Mikolov, Kai Chen, and Jeffrey Dean. 2013. Efficient estimation. arXiv preprint arXiv:1301.3781.",
     "1301.3781", False),
    ("Doe, A. (2020). Title. https://arxiv.org/abs/hep-th/9901001", "hep-th/9901001", False),
    ("B. P. Abbott et al., Phys. Rev. Lett. 116, 061102 (2016).", None, True),
    ("S. Makin, Four technologies. Nature 10.1038/d41586-019-01107-8(2019).", None, False),
])
def test_arxiv_ids_and_no_title_flag(raw, arxiv, no_title):
    ref = parse_reference(raw)
    assert (ref.arxiv, ref.no_title, ref.title is None) == (arxiv, no_title, no_title)


def test_list_ends_at_supplementary_material():
    pages = _pages(
        "References\n1. Beck, A. Biosimilar antibodies. MAbs 3, 107–110 (2011).\n"
        "2. Liu, P. et al. An omalizumab biobetter. Front Immunol 11, 596908 (2020).\n",
        "Supplementary Table 1 : Primers used for mutagenesis of the nanobody\n3. R52D TTGCAGCAATTG\n4. S107D GGTAGCG",
    )
    refs = extract_references(pages)
    assert [r.label for r in refs] == ["1", "2"]
    assert "Primers" not in refs[-1].raw


def test_table_printed_between_numbered_entries_is_left_out():
    pages = _pages(
        "REFERENCES\n1. Chen, M., and H. Yang. 2020. Examination of cancer cells. Beilstein J. 11:568–582.\n"
        "TABLE 1 Viscoelastic properties of cancerous cells\nTissue Cell state\n4 current study Brain U87 789 5 197\n"
        "2. Kashani, A. S., and M. Packirisamy. 2020. Cancer cells optimize elasticity. R. Soc. Open Sci. 7, 200747."
    )
    refs = extract_references(pages)
    assert [(r.label, r.first_author_surname) for r in refs] == [("1", "Chen"), ("2", "Kashani")]
    assert "Viscoelastic" not in refs[0].raw and "U87" not in refs[0].raw


def test_superscript_labels():
    """A superscript label comes out of pypdf glued to the first author: "2Lieber MR. …"."""
    pages = _pages(
        "Body text.1,2\nReferences\n"
        "1Ceccaldi R, D'Andrea AD. Repair pathway choices. Trends Cell Biol. 2016;26(1):52–64.\n"
        "2Lieber MR. The mechanism of double-strand\nDNA break repair. Annu Rev Biochem. 2010;79:181–211."
    )
    refs = extract_references(pages)
    assert [(r.label, r.first_author_surname, r.year, r.title) for r in refs] == [
        ("1", "Ceccaldi", "2016", "Repair pathway choices"),
        ("2", "Lieber", "2010", "The mechanism of double-strand DNA break repair"),
    ]


def test_author_list_wrapped_mid_name_stays_one_entry():
    """A Vancouver author list may wrap between a surname and its initials ("…, Marcotte" / "EM, …
    (2014)."): the entry goes on until it has its year; "Ben Amor B" after a page number starts one."""
    pages = _pages(
        "References\n"
        "Blum M, De Robertis EM (2015). Morpholinos: antisense and sensibility. Dev Cell 35, 145–149.\n"
        "Chung M-I, Kwon T, Tu F, Brooks ER, Gupta R, Meyer M, Baker JC, Marcotte\n"
        "EM, Wallingford JB (2014). Coordinated genomic control of ciliogenesis by RFX2. eLife 3, e01439.\n"
        "Fang J, Zhang F, Wang H, Wang W, Zhao F, Li Z, Sun C, Chen F, Xu F, Chang S\n"
        "et al (2019) Ef-cd locus shortens rice maturity duration. Proc Natl Acad Sci USA 116:18717–18722\n"
        "Ben Amor B, Wirth S, Merchan F, Laporte P, d ’Aubenton-Carafa Y, Hirsch J, Maizel A, Mallory A\n"
        "(2009) Novel long non-protein coding RNAs in Arabidopsis. Genome Res 19:57–69"
    )
    refs = extract_references(pages)
    assert [(r.first_author_surname, r.year) for r in refs] == [
        ("Blum", "2015"), ("Chung", "2014"), ("Fang", "2019"), ("Ben Amor", "2009")]
    assert refs[1].title == "Coordinated genomic control of ciliogenesis by RFX2"
    assert refs[3].title == "Novel long non-protein coding RNAs in Arabidopsis"


def test_misprinted_label_still_starts_the_next_entry():
    pages = _pages(
        "References\n15. Ma M, Xi JJ. Efficient generation of mice. Cell Res. 2017;27(4):578–81.\n"
        "16 Savic N, Ringnalda FC, Hall J, et al. Covalent linkage of the DNA repair template. Elife. 2018;7:e33761.\n"
        "17. Shi Y, Beese LS. Interplay of catalysis. Proc Natl Acad Sci U S A. 2017;114(23):6010–5."
    )
    refs = extract_references(pages)
    assert [(r.label, r.first_author_surname, r.year) for r in refs] == [
        ("15", "Ma", "2017"), ("16", "Savic", "2018"), ("17", "Shi", "2017")]


@pytest.mark.parametrize(("raw", "surname", "year", "title"), [
    # a capital letter ends the title when a journal with its year or volume follows
    ("Cao Y, Girke T. 2008. ChemmineR: a compound mining framework for R. Bioinformatics. 24: 1733–1734.",
     "Cao", "2008", "ChemmineR: a compound mining framework for R"),
    ("Shi Y, Beese LS. Reactions of human exonuclease I. Proc Natl Acad Sci U S A. 2017;114(23):6010–5.",
     "Shi", "2017", "Reactions of human exonuclease I"),
    ("Smith J. Vitamin D and E. coli growth. J Bact. 2001;3:1-2.", "Smith", "2001", "Vitamin D and E. coli growth"),
    # pypdf lost the space before the journal; a year glued to its journal; an article number is no year
    ("Adhikari, S.; Narberhaus, F. Epigenetic regulation in bacteria.FEMS Microbiol. Rev. 2016, 40, 575–591.",
     "Adhikari", "2016", "Epigenetic regulation in bacteria"),
    ("(22) Morsut, L.; et al. Engineering Cell Sensing.Cell2016,164, 780−791.", "Morsut", "2016",
     "Engineering Cell Sensing"),
    ("Li, S.; Cai, J.; et al. N4-Cytosine DNA Methylation. Front. Microbiol. 2019, 10, 1905.", "Li", "2019",
     "N4-Cytosine DNA Methylation"),
    # a sentence does not go on in lower case; a date in parentheses gives the year, not the title
    ("Cheng, J., and Dong, S. (2020). Gene flow of Tetraena mongolica Maxim. revealed by sequencing. BMC Plant Biol. "
     "20, 391.", "Cheng", "2020", "Gene flow of Tetraena mongolica Maxim. revealed by sequencing"),
    ("RetNet – Retinal Information Network (14 February 2022).", None, "2022",
     "RetNet – Retinal Information Network"),
    # pypdf's gaps in surnames: decomposed umlaut, accented letter, kerned capital
    ("(11)Ku\u0308gler,J.;etal.High affinity peptides. J. Biol. Chem. 2012, 287,39224−39232.", "Kügler", "2012",
     "High affinity peptides"),
    ("Grochalová M, Koneč ná H, Potě šil D. 2017. Deep coverage of the beer proteome. J Proteomics. 162:119.",
     "Grochalová", "2017", "Deep coverage of the beer proteome"),
    ("Klimasauskas, S.; Butkien è, D.; Janulaitis, A. Sequence motifs. Nucleic Acids Res. 1989, 17, 9823–9832.",
     "Klimasauskas", "1989", "Sequence motifs"),
    ("23. V idakovic, A.T. , Harreman, M. and Svejstrup,J.Q. (2019) Analysis of RNA polymerase II. Methods , 159.",
     "Vidakovic", "2019", "Analysis of RNA polymerase II"),
    # later Vancouver names may carry five initials or an accented initial pypdf split off ("E´ ML")
    ("Furtado LFV, Bello ACPDP, Rabelo E´ ML. 2014. First identification of the F200Y SNP. Vet Parasitol. 206:313.",
     "Furtado", "2014", "First identification of the F200Y SNP"),
    # a particle glued to the surname, right after a "(37)" label inside the line
    ("(37)deWispelaere,M.;Du,G. Targeting a protease. J. Am. Chem. Soc. 2015, 137,15996.", "deWispelaere", "2015",
     "Targeting a protease"),
    # initials-first lists with a name that lost its initials' form, and a group author after ";"
    ("18. F.P.Polack,S.J.Thomas,D.Cooper,FrenckRWJr,L.L.Hammitt,W.C.Gruber;C4591001 ClinicalTrialGroup, "
     "SafetyandefficacyoftheBNT162b2mRNACOVID-19vaccine. N.Engl.J.Med. 383, 2603–2615(2020).",
     "Polack", "2020", "SafetyandefficacyoftheBNT162b2mRNACOVID-19vaccine"),
    ("19. L.R.Baden,H.M.elSahly,J.Miller,T.Zaks;COVEStudyGroup, Efficacyand safetyofthemRNA-1273vaccine.N.Engl.J.Med. "
     "384, 403–416(2021).", "Baden", "2021", "Efficacyand safetyofthemRNA-1273vaccine"),
])
def test_pypdf_artefacts_and_title_ends(raw, surname, year, title):
    ref = parse_reference(raw)
    assert (ref.first_author_surname, ref.year, ref.title) == (surname, year, title)


@pytest.mark.parametrize("raw,year", [
    ("[7] H. Shacham, “The geometry of innocent flesh on the bone: return-into-libc without function calls,” in CCS’07.",
     "2007"),
    ("[11] R. Roemer and S. Savage, “Return-oriented programming: Systems, languages, and applications,” "
     "ACM Trans. Inf. Sys. Sec. ’12.", "2012"),
    ("[3] M. Castro and B. Liskov. Practical Byzantine fault tolerance. In SOSP '99, pages 173-186.", "1999"),
    ("[4] J. Smith. Music of the ’90s. In Proc. of X.", None),  # a decade, not a year
])
def test_a_year_shortened_after_the_venue_is_the_entrys_year(raw, year):
    """Computer-science lists often print only "CCS’07": the entry's year is 2007, not missing."""
    assert parse_reference(raw).year == year


@pytest.mark.parametrize(("raw", "authors", "title"), [
    # small capitals (ACM/USENIX LaTeX styles): pypdf sets the first letter apart and keeps the capitals
    ("[4] C HANDRA , T. D., G RIESEMER , R., AND REDSTONE , J. Paxos made live: an engineering perspective. "
     "In Proc. PODC (2007), ACM, pp. 398–407.",
     ["Chandra, T. D.", "Griesemer, R.", "Redstone, J."], "Paxos made live: an engineering perspective"),
    ("[29] O USTERHOUT , J., R UM -BLE , S. M., AND STUTSMAN , R. The case for ramcloud. Commun. ACM 54 (July 2011).",
     ["Ousterhout, J.", "Rumble, S. M.", "Stutsman, R."], "The case for ramcloud"),
    ("[36] VAN RENESSE , R. Paxos made moderately complex. Tech. rep., Cornell University, 2012.",
     ["Van Renesse, R."], "Paxos made moderately complex"),
    # a title opened by a single quote and closed by a double one; a name pypdf split at its hyphen
    ("Demange, Gabrielle and Gale, David. ‘The Strategy Structure of Two-sided Matching Markets.” Econometrica, "
     "July 1985, 53(4), pp. 873–888.", ["Demange, G.", "Gale, D."],
     "The Strategy Structure of Two-sided Matching Markets"),
    ("Patterson, E. S., & Watts -Perotti, J. C. (1998). Patterns in cooperative cognition. In COOP '98.",
     ["Patterson, E. S.", "Watts-Perotti, J. C."], "Patterns in cooperative cognition"),
])
def test_small_capitals_quotes_and_split_names(raw, authors, title):
    ref = parse_reference(raw)
    assert (ref.authors, ref.title) == (authors, title)


def test_capitals_that_are_not_names_stay_as_printed():
    """Only a run of capitals that reads as small-capital names is recased: "WHO" (three letters, none set
    apart) and a title in capitals are left as printed."""
    assert "Who" not in " ".join(parse_reference("[2] WHO, A. Report on health. Geneva, 2019.").authors)
    ref = parse_reference("[9] IEEE Standard for floating-point arithmetic. IEEE Std 754-2008, 2008.")
    assert ref.first_author_surname is None and ref.title.startswith("IEEE Standard")


def test_editors_initials_at_a_line_end_do_not_end_the_entry():
    """"In P. J." ends a line: the editors' surnames open the next one, which is no new entry."""
    pages = _pages(
        "Body.\nReferences\n"
        "Clancey, W. J. (1997). The conceptual nature of knowledge. In P. J.\n"
        "Feltovich, K. M. Ford & R. R. Hoffman (Eds.), Expertise in context (pp. 248-291). AAAI Press.\n"
        "Clark, H. (1996). Using language. Cambridge University Press.\n"
    )
    refs = extract_references(pages)
    assert [(r.first_author_surname, r.year) for r in refs] == [("Clancey", "1997"), ("Clark", "1996")]


def test_alphanumeric_keys_split_the_list_and_link_their_citations():
    """Alpha styles (amsalpha, alpha, LNCS): "[Lei1]", "[ABTZ13]", "[Aho 85]" open entries and are cited by key."""
    pages = _pages(
        "Body cites [Lei1] and [AC09, Aho 85] for this.\nReferences\n"
        "[AC09] Nir Ailon and Bernard Chazelle. The Fast Johnson–Lindenstrauss Transform and approximate\n"
        "nearest neighbors. SIAM J. Comput., 39(1):302–322, 2009.\n"
        "[Aho 85] A. V. Aho, R. Sethi, J. D. Ullman: Compilers, Addison-Wesley 1985.\n"
        "[Lei1] Tom Leinster, A general theory of self-similarity I, e-print math.DS/0411344.\n"
    )
    refs = extract_references(pages)
    find_contexts(pages, refs)
    assert [(r.label, r.first_author_surname, r.year) for r in refs] == [
        ("[AC09]", "Ailon", "2009"), ("[Aho 85]", "Aho", "1985"), ("[Lei1]", "Leinster", None)]
    assert refs[0].title == "The Fast Johnson–Lindenstrauss Transform and approximate nearest neighbors"
    assert all(r.contexts for r in refs)


@pytest.mark.parametrize(("raw", "surname", "title", "url"), [
    # a web resource: its name is the title, not an author ("CloudWatch, A."); pypdf spaced the scheme
    ("[1] Amazon CloudWatch. https://aws.amazon.com/cloudwatch/.", None, "Amazon CloudWatch",
     "https://aws.amazon.com/cloudwatch/"),
    ("[7] Microsoft Azure Monitor. https: //docs.microsoft.com/azure/monitoring .", None, "Microsoft Azure Monitor",
     "https://docs.microsoft.com/azure/monitoring"),
    # the last initial without its period; a kerned capital after initials
    ("4. Breed, L.M and Lathwell, R.H. The implementation of APL/360. In Interactive Systems, 1968.", "Breed",
     "The implementation of APL/360", None),
    ("[24] L. G. V aliant, “A scheme for fast parallel communication,” SIAM J. Comput., vol. 11, 1982.", "Valiant",
     "A scheme for fast parallel communication", None),
    # a particle carries an initials-first surname on
    ("[26] M. C. Ferreira de Oliveira and H. Levkowitz. From visual data exploration to visual data mining: A survey. "
     "TVCG, 2003.", "Ferreira de Oliveira", "From visual data exploration to visual data mining: A survey", None),
    # a web site's name, its link and year: no person ("Hash Cash" is no Mr Cash)
    ("20. Hash Cash, http://www.cypherspace.org/~adam/hashcash/ (2000).", None, "Hash Cash",
     "http://www.cypherspace.org/~adam/hashcash/"),
    # a court case: "v." does not end the title
    ("11. Church of Spiritual Technology (Scientology) v. Dataweb et al., Cause No. 96/1048, District Court of the "
     "Hague, The Netherlands (1999).", None, "Church of Spiritual Technology (Scientology) v. Dataweb et al", None),
    # "& et al." with pypdf's space lost is no title
    ("Hudak, P., Peyton Jones, S. L., &et al. (1998). Haskell 98, A Non-Strict, Purely Functionnal Language. "
     "http://www.haskell.org/onlinereport/.", "Hudak", "Haskell 98, A Non-Strict, Purely Functionnal Language",
     "http://www.haskell.org/onlinereport/"),
])
def test_web_resources_and_particle_surnames(raw, surname, title, url):
    ref = parse_reference(raw)
    assert (ref.first_author_surname, ref.title, ref.url) == (surname, title, url)


# --- gold bibliographies of other fields (computer science, statistics, machine learning), PDFs not in git ---
# Written by hand from pypdf's text on 2026-12-04 after that day's parser changes; held out: only measured, the
# parser at the start of that day (82e6ef9) scored the same on them; one development list (Raft, small capitals)
# that the day's changes were made on. Levels as measured (found, surname, year, title).
OTHER_FLOORS = {
    "dynamo-amazons-highly-available-key-value-store": (1.00, 1.00, 1.00, 1.00),
    # dev: 1.00/0.11/1.00/0.17 before; title 0.97 -> 1.00 on 2026-12-04 ("Personal communications, May 17" no title)
    "in-search-of-an-understandable-consensus-algorithm": (1.00, 1.00, 1.00, 1.00),
    "ntru-prime": (1.00, 1.00, 1.00, 0.96),
    "stronger-semantics-for-low-latency-geo-replicated-storage": (1.00, 0.92, 1.00, 0.92),
    "tidy_data": (1.00, 1.00, 1.00, 0.89),
    # held out until stop 31, then development (after two new held-out lists were measured, below): 1.00 / 0.96 / 0.96 /
    # 0.43 before; a bare year before the title ("Glinsky M 2011 A new perspective … , arXiv:1106.4369."), a comma ending
    # the title after it, and arXiv ids or "In Proc." never in a title: 1.00 / 1.00 / 1.00 / 0.87 (left: titles that run
    # into their journal with no mark between, "… scattering moments Annals of Stats.", and a title with a comma)
    "Understanding-Deep-Convolutional-Networks": (1.00, 1.00, 1.00, 0.87),
    # 2026-12-04, four development lists drawn from the metadata table's third batch, written from pypdf's text with
    # the parser's output as a draft, every field checked: before that day's fixes JFP titles read 0.89 ("&et al." as a
    # title), LNCS surnames 0.94 and titles 0.91 (web sites' names read as persons, a court case cut at "v.")
    "warnings-for-pattern-matching": (1.00, 1.00, 1.00, 1.00),
    "ironFleet-proving-practical-distributed-systems-correct": (1.00, 1.00, 1.00, 1.00),
    "freenet-a-distributed-anonymous-information-and-retrieval-system": (1.00, 1.00, 1.00, 1.00),
    "bigtable-a-distributed-storage-system-for-structured-data": (1.00, 0.93, 1.00, 0.93),  # "KX.COM. … Product page."
    # 2026-12-04, the ACM Reference Format list of a fifth-batch development PDF (Elle, whole list): first read 1.00 /
    # 0.90 / 0.90 / 0.84 (software's year ranges "2013-2019.", "Dgraph Labs", "James C Corbett" without his initial's
    # period); left: "PingCAP. 2019. TiDB." (a rule for such names cost a held-out entry)
    "elle-inferring-isolation-anomalies-from-experimental-observations": (1.00, 0.97, 1.00, 0.97),
    # ... and the natbib plain list of another (Maranget, the whole list): first read one entry found of 19 (no labels,
    # the year last); then names spaced apart by pypdf ("I. V . Ramakrishnan", "Jérôme V ouillon") closed; left: two
    # entries merged into the one before (a one-word author "Coq.", and Leroy's list), which take that entry's year
    "compiling-pattern-matching-to-good-decision-trees": (0.89, 0.89, 0.78, 0.89),
    # stop 26: the BibTeX alpha list of a sixth-batch development PDF (Out of the Tar Pit, the whole list): first read
    # 0.97 / 0.90 / 0.90 / 0.83 (a key with an apostrophe "[O’K90]" not a label, "Brooks, Jr." and "et al., editors"
    # read as titles, a question mark ending a title that goes on in lower case, the last of several years taken);
    # left: a one-word author ("[Dij97] Dijkstra."), "Simon Peyton Jones" read as surname Jones, two titles' ends.
    # 2026-12-04 (stop 29): a name alone read as the author when the alpha key is made of it: surname and title 0.97
    "out-of-the-tar-pit": (1.00, 0.96, 1.00, 0.96),
    # stop 26, two held-out lists from sixth-batch held-out PDFs, written before the parser ran on them and only
    # measured: ACM SIG proceedings (GFS, 12) and Elsevier numbered (Level Ancestor, 5)
    "the-google-file-system": (1.00, 0.91, 1.00, 0.83),
    "level-ancestor-simplified": (1.00, 1.00, 1.00, 1.00),
    # stop 31, four held-out lists of styles not in the set, written from pypdf's text before the parser ran on them:
    # IEEE and SIAM (first read 1.00 / 1.00 / 1.00 / 1.00 and 0.80 / 0.77 / 0.77 / 0.63), then splncs with a colon
    # after the names and CACM of the 1970s (first read 1.00 on all four, and 0.95 / 0.90 / 0.95 / 0.80). SIAM then
    # moved to development: a work printed without its authors' names ("(1982a), Title, …") is an entry of its own with
    # the names of the entry before, a lower-case word after a comma goes on with the title ("Quantum computers,
    # factoring and decoherence, Science, 270"), "U. V azirani (1994)" is one name; left: two wrapped author lists
    # with names pypdf split ("N. Margo lus", "J. A. Smol in")
    "zab-high-performance-broadcast-for-primary-backup-systems": (1.00, 1.00, 1.00, 1.00),
    "shors_algorithm": (0.93, 0.93, 0.93, 0.93),
    "byzantine-chain-replication": (1.00, 1.00, 1.00, 1.00),
    "communicating-sequential-processes-paper": (0.95, 0.90, 0.95, 0.80),
    # stop 31, after the SIAM changes: AMS alpha (14, the whole list), first read 0.93 / 0.93 / 0.93 / 0.86. Its two
    # misses were seen (an author's next work whose rule pypdf drops, "[BJ03] , Title, …", and a title with a comma
    # before a capital) and left alone, so that the list stays held out
    "from-dominoes-to-hexagons": (0.92, 0.92, 0.92, 0.85),
    # stop 32, four held-out lists of styles not in the set (the last papers-we-love PDFs with a bibliography of a style
    # not yet taken), written from pypdf's text before the parser ran on them; first read as here
    "distributed-snapshots-determining-global-states-of-distributed-systems": (1.00, 1.00, 1.00, 1.00),  # ACM TOCS
    "online-ad-auctions": (1.00, 1.00, 1.00, 1.00),  # AER
    "gamification-in-education-what-how-why-bother": (1.00, 0.95, 1.00, 0.86),  # APA 6th
    # CACM 1975 (Aho-Corasick), the weakest, then moved to development: an edition statement ends a book's title
    # ("Fundamental Algorithms, second edition, The Art of …"), titles 0.82 -> 0.88; left: an OCR'd initial without its
    # period ("Booth, T.U Sequential Machines …") and a book's series and publisher after commas ("Sorting and
    # Searching, The Art of Computer Programming 3, Addison-Wesley, …")
    "aho-corasick-string-matching": (1.00, 0.94, 1.00, 0.88),
    # stop 33, three lists of the metadata table's eighth batch, written from pypdf's text before the parser ran on
    # them; first read: Google report 1.00 / 1.00 / 1.00 / 0.94, OSDI preprint 1.00 / 1.00 / 0.94 / 1.00 (both held out
    # as read), ISMIR 2003 1.00 / 1.00 / 0.70 / 0.40, the weakest, then moved to development and fixed on: names set
    # off by commas before a quoted title ('Jaap Haitsma, Antonius Kalker, “A Highly Robust …”'), "III." after a name,
    # a patent cited by its number has no title, a date in a labelled note ("(Priority 31 July 2000)") is not the year;
    # left: an entry that is a URL alone, whose only name is the URL
    "dapper-a-large-scale-distributed-tracing-infrastructure": (1.00, 1.00, 1.00, 0.93),
    "mapreduce-simplified-data-processing-on-large-clusters": (1.00, 1.00, 0.94, 1.00),
    "shazam-audio-search-algorithm": (1.00, 1.00, 1.00, 0.90),
    # stop 34, three lists of the metadata table's ninth batch, written from pypdf's text before the parser ran on
    # them; first read: Springer Nature preprint 1.00 on all four, two-column report 1.00 / 1.00 / 1.00 / 0.79 (both
    # held out as read), LaTeX report 1.00 / 0.91 / 1.00 / 0.36, the weakest, then moved to development and fixed on:
    # a run of full names set off by bare commas and closed by the list's full stop are all authors ("Jacob Devlin,
    # Ming-Wei Chang, Kenton Lee, Kristina Toutanova. BERT: …"), "arXiv preprint" after a full stop that lost its space
    # ends a title; left: "Guoping Hu. CharBERT: …" read as a name with a middle initial "Hu.", and a corporate author
    # "PubMED, Courtesy of …" read as none
    "Enhancing-LS-POD-Estimation-Using-Models": (1.00, 1.00, 1.00, 1.00),
    "MS_Paper": (1.00, 1.00, 1.00, 0.78),
    "charbert": (1.00, 0.90, 1.00, 0.90),
}


@pytest.fixture(scope="module")
def other_scores(extra_reads):
    """Each other-field gold list scored on its PDF's pages (read once per session, with the metadata table's)."""
    return {g.stem: score(g, ours(extra_reads[g.pdf.name].pages)) for g in GOLD_OTHER}


@pytest.mark.parametrize("raw, surname, year, title", [
    # ACM Reference Format: a software's years, a company, initials typed without their periods
    ("[23] Kyle Kingsbury. 2013-2019. Knossos. https://github.com/jepsen-io/knossos.", "Kingsbury", "2013-2019",
     "Knossos"),
    ("[17] Dgraph Labs. 2020. Dgraph. https://dgraph.io.", "Dgraph Labs", "2020", "Dgraph"),
    ("[20] Gecode Team. 2005. Gecode: Generic Constraint Development Environment. https://www.gecode.org/.",
     "Gecode Team", "2005", "Gecode: Generic Constraint Development Environment"),
    ("[14] James C Corbett, Jeffrey Dean, Michael Epstein, JJ Furman, Sanjay Ghemawat, et al . 2012. Spanner: "
     "Google’s globally-distributed database (OSDI).", "Corbett", "2012",
     "Spanner: Google’s globally-distributed database (OSDI)"),
])
def test_acm_reference_format_years_companies_and_bare_initials(raw, surname, year, title):
    ref = parse_reference(raw)
    assert (ref.first_author_surname, ref.year, ref.title) == (surname, year, title)


@pytest.mark.parametrize("raw, surname, year, title", [
    # the year bare before the title, a comma after it (Royal Society, IOP): the year is no part of the title
    ("[15] Glinsky M 2011 A new perspective on renormalization: the scattering transformation , arXiv:1106.4369. 16",
     "Glinsky", "2011", "A new perspective on renormalization: the scattering transformation"),
    ("[21] Le Cun Y, Bengio Y, Hinton G. 2015 Deep learning, Nature, 521. 1, 2, 7, 8, 15", "Le Cun", "2015",
     "Deep learning"),
    ("[6] Bruna J, Mallat S. 2013Invariant scattering convolution networks, IEEE Trans. PAMI, 35. 1", "Bruna", "2013",
     "Invariant scattering convolution networks"),  # pypdf lost the space after the year
    # an arXiv id or "In Proc." after a title with no mark between them
    ("[18] Hirn M, Poilvert N, Mallat S. 2015 Quantum energy regression using scattering transforms arXiv:1502.02077. 14",
     "Hirn", "2015", "Quantum energy regression using scattering transforms"),
    ("Smith, J. (2019). Learning to rank passages In Proceedings of the Workshop, 1-9.", "Smith", "2019",
     "Learning to rank passages"),
    # ...and a year in a title stays there
    ("[3] Doe J, Roe R. 2020 Lessons from the 2016 election, J. Polit. 12, 1-9.", "Doe", "2020",
     "Lessons from the 2016 election"),
    # names set off by commas, full given names first, before a quoted title
    ("[4] Jaap Haitsma, Antonius Kalker, “A Highly Robust Audio Fingerprinting System”, International Symposium on "
     "Music Information Retrieval (ISMIR) 2002, pp. 107-115.", "Haitsma", "2002",
     "A Highly Robust Audio Fingerprinting System"),
    ('[2] A. Author, Ben Second and Carla Third, "On Things," in Proc. of the Workshop, 2001.', "Author", "2001",
     "On Things"),
    # a patent cited by its number: no title; the priority date in its note is not the year
    ("[1] Avery Li-Chun Wang and Julius O. Smith, III., WIPO publication WO 02/11123A2, 7 February 2002, (Priority "
     "31 July 2000).", "Wang", "2002", None),
    ("[6] Sean Ward and Isaac Richards, WIPO publication WO 02/073520A1, 19 September 2002, (Priority 13 March 2001)",
     "Ward", "2002", None),
    # a patent in NLM's form: the inventors' and assignee's roles are no title
    ("4. Pagedas AC, inventor; Ancel Surgical R&D Inc., assignee. Flexible endoscopic grasping and cutting device. "
     "United States patent US 20020103498. 2002 Aug 8.", "Pagedas", "2002",
     "Flexible endoscopic grasping and cutting device"),
    ("12. Smith, J. U.S. Patent 6,123,456, 2001.", "Smith", "2001", None),
    # an access date in a note is not the year either; a publisher in parentheses with the year still gives it
    ("[9] Jane Doe. Sorting at scale. http://example.org/sort.html, 2012 (accessed March 3, 2021).", "Doe", "2012",
     "Sorting at scale"),
    ("[3] J. J. Sakurai, Modern Quantum Mechanics (Addison-Wesley, Reading, 1994).", "Sakurai", "1994",
     "Modern Quantum Mechanics"),
    # "arXiv preprint" after a full stop that lost its space is the venue, not the title's end
    ("[10] Tomas Mikolov, Ilya Sutskever, Kai Chen. Distributed Representations of Words.arXiv preprint "
     "arXiv:1310.4546, 2013.", "Mikolov", "2013", "Distributed Representations of Words"),
])
def test_years_titles_and_the_marks_around_them(raw, surname, year, title):
    """A bare year before the title, venue marks after it; quoted titles after full names, patents, dated notes."""
    ref = parse_reference(raw)
    assert (ref.first_author_surname, ref.year, ref.title) == (surname, year, title)


@pytest.mark.parametrize("raw, surname, year, title", [
    # a note where a title would stand (a work nobody can look up): no title
    ("[31] R EED , B. Personal communications, May 17, 2013.", "Reed", "2013", None),
    ("Smith J (2019) unpublished data.", "Smith", "2019", None),
    ("Jones, A. B. (2020). In preparation.", "Jones", "2020", None),
    # ...but a title that merely opens with such words stays a title
    ("Doe, J. 2020. In press times of war. Journal of Wars 3, 1-9.", "Doe", "2020", "In press times of war"),
])
def test_personal_communications_and_unpublished_work_have_no_title(raw, surname, year, title):
    ref = parse_reference(raw)
    assert (ref.first_author_surname, ref.year, ref.title, ref.no_title) == (surname, year, title, title is None)


@pytest.mark.parametrize("raw, label, surname, year, title", [
    # BibTeX alpha: the key's two digits pick the entry's year among several; a key may hold an apostrophe
    ("[Bro86] Frederick P. Brooks, Jr. No silver bullet: Essence and accidents of software engineering. Information "
     "Processing 1986, Proceedings of the Tenth World Computing Conference. Reprinted in IEEE Computer, 20(4):10-19, "
     "April 1987, and in Brooks, The Mythical Man-Month, Addison-Wesley, 1995.", "[Bro86]", "Brooks", "1986",
     "No silver bullet: Essence and accidents of software engineering"),
    ("[O’K90] Richard A. O’Keefe. The Craft of Prolog . The MIT Press, Cambridge, 1990.", "[O’K90]", "O’Keefe",
     "1990", "The Craft of Prolog"),
    ("[M+10] Simon Marlow et al., editors. Haskell 2010 Language Report. Online, April 2010.", "[M+10]", "Marlow",
     "2010", "Haskell 2010 Language Report"),
    ("[Bac78] John W. Backus. Can programming be liberated from the von Neumann style? a functional style and its "
     "algebra of programs. Commun. ACM , 21(8):613–641, 1978.", "[Bac78]", "Backus", "1978",
     "Can programming be liberated from the von Neumann style? a functional style and its algebra of programs"),
    ("[7] A. Author. Is it safe? In Proc. of the Workshop, 2001.", "[7]", "Author", "2001", "Is it safe?"),
    # a name printed alone, vouched for by the key made of it; without such a key the word reads as a title
    ("[Dij97] Dijkstra. The tide, not the waves. In Peter J. Denning, editor, Beyond Calculation, Copernicus, 1997.",
     "[Dij97]", "Dijkstra", "1997", "The tide, not the waves"),
    ("[Tod85] Hoare. Communicating sequential processes. Prentice Hall, 1985.", "[Tod85]", None, "1985", "Hoare"),
])
def test_alpha_keys_name_suffixes_editors_and_questions(raw, label, surname, year, title):
    ref = parse_reference(raw)
    assert (ref.label, ref.first_author_surname, ref.year, ref.title) == (label, surname, year, title)


@pytest.mark.parametrize("gold", GOLD_OTHER, ids=[g.stem for g in GOLD_OTHER])
def test_gold_bibliography_of_other_fields(gold, other_scores):
    got = other_scores[gold.stem]
    values = (got.found, got.surname, got.year, got.title)
    assert all(v >= f for v, f in zip(values, OTHER_FLOORS[gold.stem])), (gold.style, values)
    assert abs(got.listed - gold.total) <= max(2, 0.1 * gold.total), (got.listed, gold.total)


def test_other_fields_held_out_overall(other_scores):
    """Pooled over the other fields' held-out lists (never tuned on; two lists that were, Royal Society and SIAM,
    moved to development at stop 31): issue 11's targets met. Pooled over every held-out list as first read, before
    any fix: 0.98 / 0.96 / 0.97 / 0.85 (440 entries, stop 34; see the gold README)."""
    assert len(GOLD_OTHER) >= 5 and len({g.style for g in GOLD_OTHER}) >= 5
    rates = pooled(list(other_scores.values()), "held_out (other fields)")
    measured = {"found": 0.99, "surname": 0.97, "year": 0.99, "title": 0.93}  # 340 entries (stop 34), truncated
    assert all(measured[f] >= HELD_OUT_TARGET[f] for f in HELD_OUT_TARGET)
    assert all(round(rates[f], 3) >= measured[f] for f in measured), rates


def test_full_names_before_a_quoted_title_are_all_authors():
    """A bare comma before "Given Surname" may open a title ("J. Smith, Deep Learning, …"), but not when a quoted
    title follows the names."""
    ref = parse_reference("[8] Erling Wold, Thom Blum, Douglas Keislar, James Wheaton, “Content-Based Classification, "
                          "Search, and Retrieval of Audio”, in IEEE Multimedia, Vol. 3, No. 3: FALL 1996, pp. 27-36")
    assert ref.authors == ["Wold, E.", "Blum, T.", "Keislar, D.", "Wheaton, J."]
    assert parse_reference("J. Smith, Deep Learning, MIT Press, 2016.").authors == ["Smith, J."]


def test_full_names_closed_by_the_lists_full_stop_are_all_authors():
    """Two or more "Given Surname" pieces after bare commas, closed by a full stop, are the rest of the names: a
    title is no such run."""
    ref = parse_reference("[2] Jacob Devlin, Ming-Wei Chang, Kenton Lee, Kristina Toutanova. BERT: Pre-training of "
                          "Deep Bidirectional Transformers for Language Understanding. arXiv preprint "
                          "arXiv:1810.04805, 2019.")
    assert ref.authors == ["Devlin, J.", "Chang, M.-W.", "Lee, K.", "Toutanova, K."]
    assert ref.title == "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding"
