"""Reference lists: section finding, entry parsing, citation contexts and library matching (issue 6)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.records import Page, Paper, Reference
from assistant.references import (
    LINK_THRESHOLD,
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
