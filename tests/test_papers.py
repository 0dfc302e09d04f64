"""Stage 2: identity and description from metadata and front matter."""

from __future__ import annotations

from assistant.papers import describe, display_name, find_doi, find_venue, find_year, paper_id
from assistant.pdf import read_pdf

from . import pdfgen
from .conftest import MADAMINOVA, WEI


def test_madaminova_is_identified_by_doi_and_dated_by_its_conference():
    pages, meta = read_pdf(MADAMINOVA)
    paper = describe(MADAMINOVA, pages, meta)
    assert paper.id == "doi:10.5220/0012672300003882"
    assert paper.year == "2023"  # the conference year, not the 2024 copyright line
    assert paper.authors == ["Durdona I. Madaminova"]
    assert "Pamir Transboundary Conference" in paper.venue
    assert paper.page_labels[0] == "80"


def test_wei_has_no_doi_and_no_year():
    pages, meta = read_pdf(WEI)
    paper = describe(WEI, pages, meta)
    assert paper.id.startswith("sha256:") and paper.doi is None
    assert paper.year is None  # body years (2019, 2018) are not the paper's year
    assert paper.title.startswith("International Migration Challenges")


def test_front_matter_patterns():
    assert find_doi("see https://doi.org/10.1145/3292500.3330701.") == "10.1145/3292500.3330701"
    assert find_year("Published online: 12 March 2021. © 2022 The Authors") == "2021"
    assert find_year("arXiv:1905.01234v2 [cs.CL]") == "2019"
    assert find_year("Copyright © 2018 Elsevier") == "2018"
    assert find_year("no date here") is None
    assert find_venue("In Proceedings of the 58th Annual Meeting of the ACL, pages 1-10") == \
        "Proceedings of the 58th Annual Meeting of the ACL"
    assert paper_id("10.1/ABC", "f" * 64) == "doi:10.1/abc"


def test_display_name_strips_directories():
    assert display_name("../../etc/evil name.pdf") == "evil name.pdf"
    assert display_name("C:\\Users\\x\\paper.pdf") == "paper.pdf"


def test_without_metadata_title_comes_from_the_first_page(tmp_path):
    path = pdfgen.text_pdf(tmp_path / "x.pdf", ["A Study of Tidal Energy in Small Harbours\nJane Q. Doe\n"
                                                "University of Nowhere\nAbstract\nWe study tides."], heading_size=18)
    pages, meta = read_pdf(path)
    paper = describe(path, pages, meta)
    assert paper.title == "A Study of Tidal Energy in Small Harbours"
    assert paper.authors == ["Jane Q. Doe"]
