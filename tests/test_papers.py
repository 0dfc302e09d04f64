"""Stage 2: identity and description from metadata and front matter."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest

from assistant.papers import (byline_names, describe, display_name, find_doi, find_title, find_venue, find_year,
                              labelled_authors, paper_id, split_authors)
from assistant.pdf import _unreadable, read_pdf
from assistant.records import Page, PdfMeta

from . import pdfgen
from .conftest import CORPUS, GOLD_EXTRA, MADAMINOVA, WEI


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


# --- metadata from every source, on real papers ------------------------------------------------------

GOLD = Path(__file__).parent / "data" / "metadata_gold.json"
FIELDS = ("title", "surname", "year", "doi")


def _fold(text: str | None) -> str:
    return unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode().lower().strip()


def _words(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", _fold(text)).split())


def _has_surname(name: str, surname: str) -> bool:
    """Whether an author name ("Given Family" or "Family, Given") has this family name, which may be
    several words ("Pérez y Pérez")."""
    family = _fold(name.split(",")[0] if "," in name else name).split()
    wanted = _fold(surname).split()
    return bool(wanted) and family[-len(wanted):] == wanted


def metadata_right(paper, row: dict) -> dict[str, bool]:
    """Which of title (fuzzy ratio >= 90 after normalising), first-author surname (ascii-folded), year
    and DOI (lower-case) a Paper record has right against a gold row."""
    from rapidfuzz import fuzz

    doi = (paper.doi or "").lower()
    return {"title": fuzz.ratio(_words(paper.title), _words(row["title"])) >= 90,
            "surname": bool(paper.authors) and _has_surname(paper.authors[0], row["surname"]),
            "year": paper.year == row["year"],
            # a DOI not printed on page 1 nor in running heads may be missing, but never another one
            "doi": doi == (row["doi"] or "") or (not row["doi_on_front"] and doi in ("", row["doi"]))}


def score_metadata(papers: dict, rows: list[dict]) -> tuple[dict[str, float], list[tuple]]:
    """Share of rows right per field, and the misses (file, field, what was read)."""
    right = dict.fromkeys(FIELDS, 0)
    misses = []
    for row in rows:
        paper = papers[Path(row["file"]).name]
        for field, good in metadata_right(paper, row).items():
            right[field] += good
            if not good:
                misses.append((row["file"], field, paper.title[:60], paper.authors[:1], paper.year, paper.doi))
    return {field: n / len(rows) for field, n in right.items()}, misses


@pytest.mark.slow
def test_metadata_matches_the_gold_table_of_34_real_papers(real_library):
    """Title, first-author surname, year and DOI each right for at least 95% of the papers whose first
    pages were read by hand, as ``assistant add`` stored them."""
    gold = json.loads(GOLD.read_text())["papers"]
    assert len(gold) == 34
    accuracy, misses = score_metadata({paper.file_name: paper for paper in real_library.papers()}, gold)
    print(accuracy, *misses, sep="\n")
    assert min(accuracy.values()) >= 0.95, (accuracy, misses)


def _extra_papers(extra_reads: dict, rows: list[dict]) -> dict:
    """The rows' PDFs as read and described: a PDF whose text is glyph codes is refused with its reason,
    not described; every other PDF is read."""
    for row in rows:
        refusal = extra_reads[row["file"]].refusal
        assert bool(refusal) == bool(row.get("unreadable")) and (not refusal or "text is not words" in refusal), refusal
    return {row["file"]: extra_reads[row["file"]].paper for row in rows if not row.get("unreadable")}


# Gates at the levels measured (right / rows). 2026-12-02: development rows were looked at while fixing
# the extractor (before: title 10/16, surname 9/16, year 4/16, DOI 16/16), held-out rows only measured
# (before: 13/17, 13/17, 9/17, 17/17; after the dev fixes 16/17, 15/17, 11/17, 17/17, and one held-out
# regression, an OCR'd byline split at its wide word gaps, was then fixed). 2026-12-03: 17 new development
# rows (33 in all) took dev to 31/33, 29/33, 27/33, 33/33; fixes for the kinds of layout they missed (tight
# title lines, a byline above the title, an authors label on a cover page, Type 3 font sizes, a copyright
# holder before the year, "Published in" notes, arXiv stamps' dates, a venue's month and year) took dev to
# 33/33 on all four and held-out (only measured) from 17/17, 16/17, 11/17, 17/17 to 17/17, 16/17, 13/17,
# 17/17. The 95% target is met on held-out titles and DOIs, not on surnames and years. 2026-12-03, second batch:
# 31 new development rows (64 in all) took dev to 63/64, 62/64, 56/64, 64/64 (the new rows 30/31, 29/31, 23/31,
# 31/31); fixes for their kinds of layout (a copyright notice or a proceedings note anywhere on page 1, a report
# number's month, ACM's "4,4 (Oct. 1993), 2-27", a raised mark between a name and "and", a "Position Paper" label,
# a typewritten title in the body's type) took dev to 64/64, 64/64, 62/64, 64/64; held-out (only measured) stayed at
# 17/17, 16/17, 13/17, 17/17. Three more shapes seen on unlabelled papers-we-love PDFs (an ACM conference line
# "SOSP'15, October 4–7, 2015" in the permission block, LaTeX's "Copyright c© 2008", CACM's "Volume 8 / Number 9 /
# September, 1965") changed no gold row. Left on dev: a report cover whose date is only in later pages' running
# feet (gold null: page 1 prints no year) and a year only in a licence note ("the author and CIDR 2007").
# 2026-12-04: one development PDF whose text is glyph codes (fonts without a map to Unicode) is now refused by
# `add` with its reason; its record had come from the file name and the PDF's dates alone. 63 rows are scored.
# 2026-12-04, third batch: 22 development rows drawn at random from the unused papers-we-love PDFs (two of them glyph
# codes, refused) read 18/20, 15/20, 18/20, 20/20 (dev 81/83, 78/83, 79/83, 83/83). Fixes for their kinds of layout: a
# subtitle set alone in smaller type between the title and the names ("You Want it When?", a title in capitals over
# its subtitle), an oblique italic no longer taken for a turned stamp, names side by side under a title read left to
# right whatever their descenders, glyphs without a Unicode map (footnote marks) parting names instead of gluing them,
# "A and B – Company" bylines, "Surname, Given; ..." lists of cover pages, a meeting's days in a footer ("November
# 14-19, 2004"), a year alone on a title page. Dev 83/83, 83/83, 81/83, 83/83; held-out (only measured) unchanged.
# Fourth batch, 19 rows drawn the same way (one glyph-name PDF, refused): 16/18, 15/18, 14/18, 18/18 (dev 99/101,
# 98/101, 95/101, 101/101). Fixes: glyph names printed for want of a map ("/68/97/116/97") are no words (that PDF is
# refused), a spacing accent above a name breaks neither line nor name, names 0.9 em apart are set apart (0.96 em in
# the one seen; an em before), an ISSN's month, an ordinal date line, a meeting named with its year in a running head.
# Dev 99/101, 100/101, 98/101, 101/101; then title lines in large type kept in one block whatever weights PDFium gives
# them (385 and 595 for one bold font): 100/101. Held-out unchanged. Left: a report whose page 1 pypdf reads as glyph
# names only (its title, names and date). 2026-12-04, fifth batch: 19 rows drawn at random (seed 26), split by the
# file name's sha256 parity like the external question set (12 dev, two of them glyph codes; 7 held-out, only
# measured). First read: dev 10/10, 10/10, 6/10, 10/10; held-out 7/7, 5/7, 7/7, 7/7. Fixes for the dev misses: the
# paper's own citation ("PVLDB Reference Format: ... 14(3): 268 - 280, 2021."), a date in numbers in a footer
# ("2008/6/16"), a note about other versions ("Preliminary versions of this paper appear in ..., 1998, and as IBM
# Research Report ..., May 1997.") no longer dates this one. Dev 110/111, 110/111, 107/111, 111/111; held-out 24/24,
# 21/24, 20/24, 24/24 (the earlier 17 rows unchanged). Left on dev: a year set in a font's private-use digits.
# 2026-12-04 (stop 26), sixth batch: 19 rows drawn the same way (seeds 27, 28), 11 dev, 8 held-out. First read: dev
# 9/11, 8/11, 9/11, 11/11; held-out 6/8, 6/8, 8/8, 8/8. Fixes for the dev misses: a text box laid on page 1 (a FreeText
# annotation, "To appear in OSDI 2006"), an OCR'd code line ("$01.OO CQ 1990 IEEE"), "by Name Affiliation" with no
# comma, a dagger OCR'd as "t", a repository cover naming some authors (the byline on page 2), a saved web page's
# Info title missing the printed title's first words. Dev 121/122, 121/122, 118/122, 122/122; held-out 30/32,
# 27/32, 28/32, 32/32 (its misses: an Info title that is a DOI or a URL printed on page 1, the uploader as Author).
# Seventh batch (seed 29), 6 dev, 6 held-out. First read: dev 5/5 on all four, but a PDF whose glyph codes come out
# as letters set apart ("A B C D E F G") was added, not refused; held-out 6/6, 5/6, 5/6, 6/6. Fix: a PDF whose median
# page is mostly one-letter tokens is refused as glyph codes. Dev 126/127, 126/127, 123/127, 127/127; held-out
# 36/38, 32/38, 33/38, 38/38. 2026-12-05 (stop 33), eighth batch: the last nine papers-we-love PDFs the snapshot
# stores whole, less a 250-page book (too slow for the suite): 4 dev (one glyph codes, refused), 4 held-out (one
# glyph codes, refused). First read, nothing changed: dev 3/3 on all four; held-out 3/3, 2/3, 2/3, 3/3 (the miss: a
# CACM 1965 scan whose OCR reads the byline "E. W. DIJXSTRA" and whose footer line PDFium splits before its year).
# Dev 129/130, 129/130, 126/130, 130/130; held-out 39/41, 34/41, 35/41, 41/41. 2026-12-05 (stop 34), ninth batch: 14
# rows from other repositories that keep their paper as paper.pdf (course and master's reports, preprints, an ACS
# article), 7 dev, 7 held-out. First read, nothing changed: dev 7/7 on all four; held-out 6/7, 7/7, 7/7, 7/7 (the miss:
# a pandoc title whose subtitle line is left off, as the PDF's Info title leaves it off). Dev 136/137, 136/137,
# 133/137, 137/137; held-out 45/48, 41/48, 42/48, 48/48.
EXTRA_FLOORS = {"dev": {"title": 136 / 137, "surname": 136 / 137, "year": 133 / 137, "doi": 137 / 137},
                "heldout": {"title": 45 / 48, "surname": 41 / 48, "year": 42 / 48, "doi": 48 / 48}}


@pytest.mark.slow
@pytest.mark.parametrize("split", ["dev", "heldout"])
def test_metadata_matches_the_gold_table_of_other_fields(split, extra_reads):
    """The same scores on real PDFs of other fields and layouts (arXiv, maths, physics, economics,
    philosophy, reports with cover pages, scanned-then-OCRed journals), per split."""
    rows = [row for row in json.loads(GOLD_EXTRA.read_text())["papers"] if row["split"] == split]
    papers = _extra_papers(extra_reads, rows)
    accuracy, misses = score_metadata(papers, [row for row in rows if row["file"] in papers])
    print(split, accuracy, *misses, sep="\n")
    assert all(accuracy[field] >= floor for field, floor in EXTRA_FLOORS[split].items()), (accuracy, misses)


# --- each source on its own, with generated PDFs -----------------------------------------------------


def _layout_pdf(path: Path, pages: list[list[tuple[float, float, float, str]]], title: str = "") -> Path:
    """A PDF with each text drawn at (x, y) in the given font size: [(x, y, size, text), ...] per page.
    A text starting with "^" is a superscript: set small and raised after the previous text."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    c.setTitle(title)
    for items in pages:
        for x, y, size, text in items:
            c.setFont("Helvetica", size)
            c.drawString(x, y, text)
        c.showPage()
    c.save()
    return path


def _layout_line(text: str, size: float, weight: int, box: tuple[float, float, float, float]):
    """A printed line as the layout reader gives it (its names text the same); box: left, right, bottom, top."""
    from assistant.layout import LayoutLine

    left, right, bottom, top = box
    return LayoutLine(text=text, names=text, size=size, weight=weight, left=left, right=right, bottom=bottom, top=top)


def _byline(y: float) -> list[tuple[float, float, float, str]]:
    """'Jane Q. Doe¹, Ravi Kumar²* and Li Wei¹' with the marks set as superscripts."""
    items, x = [], 60.0
    for name, mark in (("Jane Q. Doe", "1,2"), (", Ravi Kumar", "2*"), (" and Li Wei", "1")):
        items.append((x, y, 11, name))
        x += len(name) * 5.6
        items.append((x, y + 4, 6, mark))
        x += len(mark) * 3.4 + 2
    return items


def test_title_byline_year_and_doi_come_from_layout_margins_and_not_the_references(tmp_path):
    banner = (60, 800, 22, "Letters on Tides and Harbours")  # a journal banner larger than the title, on every page
    body = [(60, 500 - 14 * i, 10, f"Sentence {i} of the body says what the gauges showed in the harbour.")
            for i in range(8)]
    first = [banner, (60, 740, 18, "Gauge Records of Spring Tides in"), (60, 718, 18, "Small Northern Harbours"),
             *_byline(690), (60, 670, 9, "1 Department of Oceanography, University of Nowhere"),
             (60, 600, 9, "Received: 3 March 2019; Accepted: 2 June 2020. © 2020 the authors."),
             (60, 580, 10, "Abstract"), *body,
             (60, 30, 8, "Tidal Letters 12, 101-115, 2021   https://doi.org/10.5555/tl.2021.7")]
    second = [banner, *body, (60, 300, 10, "References"),
              (60, 286, 9, "1. Smith, A. Tides. Tidal Letters 3, 1-9 (1999). doi:10.9999/other.1999.3")]
    path = _layout_pdf(tmp_path / "anything.pdf", [first, second, second], title="JOB-4412 1..14")
    paper = describe(path, *read_pdf(path))
    assert paper.title == "Gauge Records of Spring Tides in Small Northern Harbours"  # not the job number
    assert paper.authors == ["Jane Q. Doe", "Ravi Kumar", "Li Wei"]  # no affiliation marks
    assert paper.year == "2021"  # the journal line, not the received/accepted/copyright years
    assert paper.doi == "10.5555/tl.2021.7" and paper.id == "doi:10.5555/tl.2021.7"


def test_a_doi_printed_only_in_the_reference_list_is_not_the_papers(tmp_path):
    path = pdfgen.text_pdf(tmp_path / "10.1234_fake.pdf", [
        "Harbour Silt and Its Causes\nJane Q. Doe\nAbstract\nSilt grows.\nIntroduction\nWe measured silt.",
        "References\n1. Smith, A. (1999). Tides. Tidal Letters, 3, 1-9. https://doi.org/10.9999/other.1999.3"],
        heading_size=18)
    paper = describe(path, *read_pdf(path))
    assert paper.doi is None and paper.id.startswith("sha256:")  # nor the DOI-like file name
    assert paper.year is None and paper.title == "Harbour Silt and Its Causes"


def test_journal_lines_and_dates_give_the_year():
    assert find_year("Cell 187, 1-15, 2024") == "2024"
    assert find_year("Nucleic Acids Research, 2024, 52, 4395-4412") == "2024"
    assert find_year("Biophysical Journal 123, 1098–1105, May 7, 2024") == "2024"
    assert find_year("Nature Communications | (2023) 14:8441") == "2023"
    assert find_year("Reynolds et al., Science 371, 364 (2021) 22 January 2021") == "2021"
    assert find_year("EMBO reports Volume 25 | February 2024 | 796 – 812") == "2024"
    assert find_year("bioRxiv preprint doi: https://doi.org/10.1101/x; this version posted May 16, 2024.") == "2024"
    assert find_year("Received: March 13, 2023. Revised: January 16, 2024. Accepted: January 23, 2024") == "2024"
    # a journal line in the first text outranks a copyright year anywhere; citations are no journal lines
    assert find_year("© 2022 The Authors", "Int. J. Mol. Sci. 2024, 25, 1660.") == "2024"
    assert find_year("as shown before (Palazzo and Koonin, 2020; Rinn 2019, 2020; Li et al. 2021)") is None


def test_bylines_drop_degrees_marks_and_capitals():
    assert byline_names(["Masaya Misaki Ph.D. , Kymberly D. Young Ph.D. , and Salvador M. Guinjoan M.D. Ph.D."]) \
        == ["Masaya Misaki", "Kymberly D. Young", "Salvador M. Guinjoan"]
    assert byline_names(["NIKOLAS MATHIOUDAKIS, ANDRES PALENCIA, and STEPHEN CUSACK"])[0] == "Nikolas Mathioudakis"
    assert byline_names(["Received: 15 March 2023", "Md. Hassan uz-Zaman , Simon D’Alton ,", "Jeffrey E. Barrick",
                         "Department of Molecular Biosciences,"]) == ["Md. Hassan uz-Zaman", "Simon D’Alton",
                                                                      "Jeffrey E. Barrick"]
    assert byline_names(["in Escherichia coli"]) == []
    # a laboratory's name set under the names like another name ("Stanford InfoLab", "Bell Labs") is no author
    assert byline_names(["Kexin Rong, Peter Bailis", "Stanford InfoLab", "ABSTRACT"]) == ["Kexin Rong", "Peter Bailis"]
    assert byline_names(["Jane Kalab and Tom Smith", "Bell Labs"]) == ["Jane Kalab", "Tom Smith"]
    # one author a line, each with the affiliation after a comma (a research report's title page)
    assert byline_names(["Marc Shapiro, INRIA & LIP6, Paris, France",
                         "Nuno Preguiça, CITI, Universidade Nova de Lisboa, Portugal",
                         "Carlos Baquero, Universidade do Minho, Portugal", "N° 7506"]) == [
        "Marc Shapiro", "Nuno Preguiça", "Carlos Baquero"]
    assert byline_names(["Alice Smith, Bob Jones", "Carol King, Dan Brown"]) == [
        "Alice Smith", "Bob Jones", "Carol King", "Dan Brown"]


def test_metadata_author_lists_cut_short_and_repository_ids_in_titles():
    """An Info Author "Shapiro, Marc et al" is one name turned round (the rest is not given); HAL's "[inria-…, v1]"
    before an Info title is no part of it."""
    assert split_authors("Shapiro, Marc et al") == ["Marc Shapiro"]
    assert split_authors("A. Author; B. Writer et al.") == ["A. Author", "B. Writer"]
    assert split_authors("John Smith, Jane Doe") == ["John Smith", "Jane Doe"]
    meta = PdfMeta(info={"Title": "[inria-00555588, v1] A comprehensive study of replicated data types"})
    page = Page(index=0, label="1", text="A comprehensive study of replicated data types\nMarc Shapiro\nAbstract")
    assert find_title(meta, [page])[0] == "A comprehensive study of replicated data types"


def test_an_arxiv_stamp_gives_year_and_id_and_stays_out_of_the_text(tmp_path):
    body = [(60, 600 - 14 * i, 10, f"Line {i} of the abstract explains how tokens are counted.") for i in range(6)]
    first = [(20, 420, 9, "arXiv:2106.01234v2 [cs.CL] 2 Jun 2021"), (60, 760, 17, "Counting Tokens Without Tears"),
             *_byline(730), (60, 640, 10, "Abstract"), *body]
    path = _layout_pdf(tmp_path / "paper.pdf", [first, body])
    pages, meta = read_pdf(path)
    paper = describe(path, pages, meta)
    assert (paper.title, paper.authors[0], paper.year) == ("Counting Tokens Without Tears", "Jane Q. Doe", "2021")
    assert paper.venue == "arXiv preprint arXiv:2106.01234v2" and paper.doi is None
    assert "arXiv:2106" in pages[0].text and "arXiv:2106" not in pages[0].clean


def test_reports_drafts_reprints_and_old_arxiv_ids_are_dated():
    assert find_year("Reprinted from The Bell System Technical Journal, Vol. 27, pp. 379–423, 623–656, July, "
                     "October, 1948.") == "1948"
    assert find_year("Lee, J. J. & Hammer, J. (2011). Gamification in Education: What, How, Why Bother? Academic "
                     "Exchange Quarterly, 15(2). 1") == "2011"
    assert find_year("Gary Klein\nKlein Associates Inc.\nJune 7, 2004\n") == "2004"
    assert find_year("(Draft of October 7, 2013)") == "2013"
    assert find_year("arXiv:math/0501170v3 [math.CO] 25 Jan 2005") == "2005"
    assert find_year("arXiv:quant-ph/9508027v2") == "1995"
    assert find_year("Draft: February 16, 2009", "arXiv:1004.4240v1 [cs.DS]") == "2010"  # the stamp dates the version
    assert find_year("Available from: R. Perez\nRetrieved on: 18 March 2016") is None  # a download date
    assert find_year("Institute in July, 2004.") is None  # a sentence, not a date line


def test_bylines_after_the_name_and_in_capitals():
    assert byline_names(["Joey J. Lee, Teachers College Columbia University, NY",
                         "Jessica Hammer, Teachers College Columbia University, NY",
                         "Lee, Ph.D., is an Assistant Professor of Technology and Education."]) == ["Joey J. Lee",
                                                                                                   "Jessica Hammer"]
    assert byline_names(["By C. E. SHANNON"]) == ["C. E. Shannon"]
    assert byline_names(["MICHAEL ; J. FISCHER"]) == ["Michael J. Fischer"]  # a gap inside a name, not between
    assert byline_names(["ON THE MEANINGS OF THE LOGICAL", "CONSTANTS AND THE JUSTIFICATIONS"]) == []


def test_an_affiliation_line_after_a_list_of_names_is_no_name():
    """After a list of names, "Unit Name, School, University" is an affiliation, however name-like its head."""
    assert byline_names(["Sabine Grüschow, Stuart McQuarrie, Bela E. Bode,", "Tracey M. Gloster ; * and Malcolm F. White ; *",
                         "Biomedical Sciences Research Complex, School of Biology, University of St Andrews, UK"]) == [
        "Sabine Grüschow", "Stuart McQuarrie", "Bela E. Bode", "Tracey M. Gloster", "Malcolm F. White"]


def test_a_turned_arxiv_stamp_names_set_apart_and_a_subtitle(tmp_path):
    """arXiv's stamp runs up the margin in large type: neither a title nor a byline. LaTeX sets authors
    apart without commas; a title ending in a colon goes on in its subtitle."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path = tmp_path / "p.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    c.saveState()
    c.translate(30, 200)
    c.rotate(90)
    c.setFont("Helvetica", 20)
    c.drawString(0, 0, "arXiv:math/0501170v3 [math.CO] 25 Jan 2005")
    c.restoreState()
    for x, y, size, text in [(250, 760, 17, "Tilings:"), (150, 738, 14, "Tiles in the Plane and Beyond"),
                             (150, 712, 11, "Federico Ardila"), (300, 712, 11, "Richard P. Stanley"),
                             (150, 690, 10, "Abstract"),
                             *[(150, 670 - 14 * i, 10, f"Sentence {i} of the abstract on tiles.") for i in range(5)]]:
        c.setFont("Helvetica", size)
        c.drawString(x, y, text)
    c.showPage()
    c.save()
    paper = describe(path, *read_pdf(path))
    assert paper.title == "Tilings: Tiles in the Plane and Beyond"
    assert paper.authors == ["Federico Ardila", "Richard P. Stanley"]
    assert paper.year == "2005"


def test_tight_title_lines_are_one_title_and_a_name_above_the_title_is_its_author(tmp_path):
    """Large type set tight (or an OCR layer's boxes) overlaps the line above: still one title. Older journals
    print the author over the title, with nothing name-like under it."""
    body = [(60, 560 - 14 * i, 10, f"Sentence {i} of the lecture says what a proposition is.") for i in range(6)]
    tight = _layout_pdf(tmp_path / "tight.pdf", [[(60, 700, 28, "Communicating"), (60, 676, 28, "Sequential Processes"),
                                                 (60, 650, 12, "C.A.R. Hoare"), (60, 636, 12, "The Queen's University"),
                                                 *body]])
    paper = describe(tight, *read_pdf(tight))
    assert (paper.title, paper.authors) == ("Communicating Sequential Processes", ["C.A.R. Hoare"])
    above = _layout_pdf(tmp_path / "above.pdf", [[(200, 760, 10, "PER MARTIN-LÖF"),
                                                 (120, 730, 10, "ON THE MEANINGS OF THE LOGICAL CONSTANTS"),
                                                 (120, 716, 10, "AND THE JUSTIFICATIONS OF THE LOGICAL LAWS"),
                                                 (200, 640, 10, "Preface"), *body]])
    paper = describe(above, *read_pdf(above))
    assert paper.title.startswith("ON THE MEANINGS") and paper.authors == ["Per Martin-Löf"]


def test_type3_fonts_are_sized_by_their_glyphs(tmp_path):
    """TeX's bitmap fonts (Type 3) report one tiny size for every font: sized by their glyph boxes, the title
    is larger than the names set apart under it."""
    body = [(60, 600 - 14 * i, 10, f"Sentence {i} of the report says how runs were scored.") for i in range(6)]
    path = pdfgen.type3_pdf(tmp_path / "t3.pdf", [(200, 760, 17, "Okapi at TREC-3"), (100, 735, 10, "S E Robertson"),
                                                 (220, 735, 10, "S Walker"), (100, 700, 10, "City University"),
                                                 *body])
    paper = describe(path, *read_pdf(path))
    assert (paper.title, paper.authors) == ("Okapi at TREC-3", ["S E Robertson", "S Walker"])


def test_authors_labelled_on_a_cover_page():
    cover = "ARTICLE in JOURNAL OF X · APRIL 2001\nCITATIONS\n73\n2 AUTHORS:\nRafael Pérez y Pérez\nA University\n"
    assert labelled_authors(cover) == ["Rafael Pérez y Pérez"]
    assert labelled_authors("Author(s): Dag Prawitz\nSource: Theoria, Vol. 3 (1990)") == ["Dag Prawitz"]
    assert labelled_authors("The authors thank the reviewers.") == []


def test_copyright_holders_venue_months_arxiv_versions_and_publication_notes_date_a_paper(tmp_path):
    assert find_year("c© Kaylen Wheeler 2013") == "2013"  # a thesis: the holder before the year
    assert find_year("BYTE Magazine, August 1981. Reproduced with permission.") == "1981"
    assert find_year("Submission to: 1st Workshop on Applied Software Reliability; June 2006 (Birman: Hand)") == "2006"
    assert find_year("ARTICLE in JOURNAL OF EXPERIMENTAL\n · APRIL 2001", "Retrieved on: 18 March 2016") == "2001"
    assert find_year("organized in Siena, 6–9 April 1983, by the School") is None  # a date in a sentence
    assert find_year("arXiv:1311.2542v3 [cs.DS] 19 Dec 2014") == "2014"  # the version's date, not the id's year
    page = ("End-to-End Arguments in System Design\nJ.H. Saltzer and D.D. Clark\nThis paper presents a principle.\n"
            "Introduction\nChoosing boundaries between functions is hard.\n"
            "Revised version of a paper from the Second International Conference, April 8-10, 1981.\n"
            "Published in ACM Transactions on Computer Systems 2, 4, November, 1984, pages 277-288.")
    path = pdfgen.text_pdf(tmp_path / "e2e.pdf", [page], heading_size=16)
    assert describe(path, *read_pdf(path)).year == "1984"


def test_xmp_metadata_is_read_even_when_its_xml_is_broken(tmp_path):
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, NameObject

    page = "Harbour Silt and Its Causes\nAbstract\nSilt grows. © 2020 the authors."
    path = pdfgen.text_pdf(tmp_path / "x.pdf", [page], heading_size=18)
    xmp = ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description prism:doi="10.5555/xmp.1">'
           '<dc:title><rdf:Alt><rdf:li xml:lang="x-default">Harbour Silt and Its Causes</rdf:li></rdf:Alt></dc:title>'
           '<dc:creator><rdf:Seq><rdf:li>Jane Q. Doe</rdf:li><rdf:li>Ravi Kumar</rdf:li></rdf:Seq></dc:creator>'
           '<prism:coverDate>2019-04-01</prism:coverDate><unclosed>')  # publishers' XMP is not always well-formed
    writer = PdfWriter(clone_from=path)
    stream = DecodedStreamObject()
    stream.set_data(xmp.encode())
    stream[NameObject("/Type")], stream[NameObject("/Subtype")] = NameObject("/Metadata"), NameObject("/XML")
    writer._root_object[NameObject("/Metadata")] = writer._add_object(stream)
    with path.open("wb") as fh:
        writer.write(fh)
    paper = describe(path, *read_pdf(path))
    assert (paper.title, paper.authors, paper.year, paper.doi) == \
        ("Harbour Silt and Its Causes", ["Jane Q. Doe", "Ravi Kumar"], "2019", "10.5555/xmp.1")


def _year_of_page(tmp_path: Path, name: str, notes: str) -> str | None:
    """The year describe reads from a one-page paper whose notes come after the introduction's start, out of
    the front matter and the page's margins, as a permission block or footnote at a column's foot is."""
    page = ("Keys Kept in Many Places\nJane Q. Doe\nAbstract\nWe keep keys in many places.\nIntroduction\n"
            f"Keys are kept.\n{notes}\nWe then replicate them.\n" + "The replicas agree.\n" * 12)
    path = pdfgen.text_pdf(tmp_path / f"{name}.pdf", [page], heading_size=16)
    return describe(path, *read_pdf(path)).year


def test_copyright_notices_and_proceedings_notes_anywhere_on_page_one_date_a_paper(tmp_path):
    assert _year_of_page(tmp_path, "acm", "Permission to make digital copies is granted.\n"
                                          "Copyright 2007 ACM 978-1-59593-591-5/07/0010 $5.00.") == "2007"
    # the notice dates the version; a note may tell of an earlier one
    assert _year_of_page(tmp_path, "prelim", "A preliminary version appeared in Proceedings of the 3rd Symposium, "
                                             "1984.\n© 1988 ACM 0004-5411/88/0400-0288") == "1988"
    assert _year_of_page(tmp_path, "act", "Sharing keys is lawful under the Copyright Act 1976 here.") is None
    # a proceedings note runs over lines and abbreviates
    assert _year_of_page(tmp_path, "sosp", "This is a preprint of a paper to appear in the Proceedings\nof the 14th "
                                           "Symposium on Operating Systems Principles,\nACM, December 1993.") == "1993"
    assert _year_of_page(tmp_path, "proc", "Appears in Proc. of the 18th IFIP/ACM International Conference on "
                                           "Distributed Systems (Middleware 2001). Heidelberg.") == "2001"
    assert _year_of_page(tmp_path, "vldb", "Proceedings of the 20th VLDB Conference\nSantiago, Chile, 1994") == "1994"
    assert _year_of_page(tmp_path, "sosp15", "Request permissions from permissions@acm.org.\n"
                                             "SOSP’15, October 4–7, 2015, Monterey, CA.") == "2015"
    assert _year_of_page(tmp_path, "podc", "At PODC 2000, Brewer made a conjecture about keys.") is None
    # an earlier report in a sentence over two lines is no proceedings note
    assert _year_of_page(tmp_path, "report", "The material in this paper appeared in a confidential report\n"
                                             "called A Theory of Keys dated Sept. 1, 1946.") is None


def test_report_numbers_acm_citation_and_conference_lines_give_the_year():
    assert find_year("A Note on Keys\nJim Q. Doe\nSMLI TR-94-29    November 1994\nAbstract:") == "1994"
    assert find_year("Xerox PARC CSL·89·1 January 1989 [P89·00001]") == "1989"
    # ACM's "volume, number (month year), pages" outranks the copyright years of the drafts
    assert find_year("ACM OOPS Messenger 4,4 (Oct. 1993), 2-27.", "Copyright © 1990,1991,1992 by Nimble") == "1993"
    assert find_year("Commun. ACM 21, 8 (Aug. 1978), 666-677") == "1978"
    assert find_year("PPoPP ’16 March 12–16, 2016, Barcelona, Spain") == "2016"
    assert find_year("Copyright c© 2008 ACM 978-1-59593-860-2/08/06") == "2008"  # LaTeX's sign, with its "c"
    assert find_year("Volume 8 / Number 9 / September, 1965") == "1965"


def test_a_label_of_the_papers_kind_is_no_author():
    assert byline_names(["Position Paper", "Pat Helland", "Amazon.Com"]) == ["Pat Helland"]
    assert byline_names(["Extended Abstract", "Jane Q. Doe and Li Wei"]) == ["Jane Q. Doe", "Li Wei"]


def test_a_raised_mark_parts_a_name_from_the_next_word(tmp_path):
    """"Luis Damas†and Robin Milner": the dagger is the only thing between the name and "and"."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    x = 60 + stringWidth("Luis Damas", "Helvetica", 12)
    body = [(60, 600 - 14 * i, 10, f"Sentence {i} of the paper says how types are inferred.") for i in range(6)]
    path = _layout_pdf(tmp_path / "damas.pdf", [[(60, 740, 18, "Principal Type Schemes for Programs"),
                                                (60, 710, 12, "Luis Damas"), (x, 715, 7, "†"),
                                                (x + stringWidth("†", "Helvetica", 7), 710, 12, "and Robin Milner"),
                                                *body]])
    assert describe(path, *read_pdf(path)).authors == ["Luis Damas", "Robin Milner"]


def test_a_typewritten_title_is_the_lines_over_its_names_not_a_banner(tmp_path):
    """All in one type, one line under the other: a session banner at the top, the title, one name a line, the
    abstract. The title is the block's lines before the names; a title line that only looks like names (after
    "in") does not cut it."""
    lines = [(380, 780, "Session 8 Formalisms for"), (380, 768, "Artificial Intelligence"),
             (220, 756, "A Universal Modular Formalism"), (220, 744, "for Typed Machines"),
             (250, 732, "Carl Hewitt"), (250, 720, "Peter Bishop"), (250, 708, "Abstract"),
             *[(60, 696 - 12 * i, f"Sentence {i} of the abstract says what an actor is and what it does.")
               for i in range(8)]]
    path = _layout_pdf(tmp_path / "typed.pdf", [[(x, y, 10, text) for x, y, text in lines]])
    paper = describe(path, *read_pdf(path))
    assert (paper.title, paper.authors) == ("A Universal Modular Formalism for Typed Machines",
                                            ["Carl Hewitt", "Peter Bishop"])
    lines[2:4] = [(220, 756, "Smoothing Series in"), (220, 744, "Streaming Time Series Visualization")]
    path = _layout_pdf(tmp_path / "typed2.pdf", [[(x, y, 10, text) for x, y, text in lines]])
    assert describe(path, *read_pdf(path)).title == "Smoothing Series in Streaming Time Series Visualization"


def test_a_subtitle_set_alone_under_the_title_joins_it_and_is_no_author(tmp_path):
    """"Composable and Compilable Macros" over "You Want it When?" (smaller, partly in an oblique italic) over
    the names: the subtitle joins the title with a colon; a title in capitals over its subtitle too. Two lines
    of one title block are no title and subtitle, nor a banner over them."""
    body = [(60, 560 - 14 * i, 10, f"Sentence {i} of the paper says how macros expand.") for i in range(6)]
    path = _layout_pdf(tmp_path / "sub.pdf", [[(150, 740, 16, "Composable and Compilable Macros"),
                                              (200, 715, 12.6, "You Want it When?"),
                                              (220, 690, 10.8, "Matthew Flatt"), (215, 676, 9, "University of Utah"),
                                              *body]])
    paper = describe(path, *read_pdf(path))
    assert (paper.title, paper.authors) == ("Composable and Compilable Macros: You Want it When?", ["Matthew Flatt"])
    caps = _layout_pdf(tmp_path / "caps.pdf", [[(150, 740, 14, "CONCATENATIVE PROGRAMMING"),
                                               (110, 718, 13, "An Overlooked Paradigm in Functional Programming"),
                                               (200, 696, 11, "Dominikus Herzberg"),
                                               (120, 682, 9, "Department of Software Engineering, Heilbronn University"),
                                               *body]])
    paper = describe(caps, *read_pdf(caps))
    assert paper.title == "CONCATENATIVE PROGRAMMING: An Overlooked Paradigm in Functional Programming"
    assert paper.authors == ["Dominikus Herzberg"]


def test_an_oblique_italic_is_upright_text(tmp_path):
    """A slanted font (a skewed text matrix) reads as a small angle; only text turned well off the page's
    direction (an arXiv stamp up the margin) is left out."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path = tmp_path / "oblique.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    c.setFont("Helvetica", 16)
    c.drawString(100, 740, "Macros That Work")
    text = c.beginText(100, 715)
    text.setFont("Helvetica", 12)
    text.setTextTransform(1, 0, 0.25, 1, 100, 715)  # skewed ~14 degrees, as a synthetic italic
    text.textOut("Together at Last")
    c.drawText(text)
    c.setFont("Helvetica", 10)
    c.drawString(100, 690, "Jane Q. Doe")
    c.showPage()
    c.save()
    blocks = read_pdf(path)[1].front.blocks
    assert any("Together at Last" in line for block in blocks for line in block.lines)


def test_names_side_by_side_read_left_to_right_whatever_their_descenders():
    """Two author blocks side by side under a title (PDFium gives each its own line): the left one first, though
    "Philipp" reaches lower than "Heather Miller" beside it; the affiliation lines under them come after."""
    from assistant.layout import _reading_order

    def line(text: str, left: float, bottom: float, top: float):
        return _layout_line(text, 12, 400, (left, left + 80, bottom, top))

    lines = [line("Heather Miller", 330, 705.0, 714.0), line("Philipp Haller", 100, 702.4, 714.0),
             line("EPFL", 330, 690.0, 697.0), line("Typesafe, Inc.", 100, 689.0, 697.0)]
    assert [ln.text for ln in _reading_order(lines)] == ["Philipp Haller", "Heather Miller", "Typesafe, Inc.", "EPFL"]


def test_company_bylines_and_inverted_name_lists():
    assert byline_names(["Daniel Price and Andrew Tucker – Sun Microsystems, Inc.", "ABSTRACT"]) == \
        ["Daniel Price", "Andrew Tucker"]
    assert byline_names(["Bonnichsen, Lars Frydendal; Karlsson, Sven ; Probst, Christian W.", "Published in:"]) == \
        ["Lars Frydendal Bonnichsen", "Sven Karlsson", "Christian W. Probst"]
    assert byline_names(["Algorithms, Design; Performance, Reliability; Experimentation"]) == []  # not all pairs


def test_a_meetings_days_and_a_year_alone_on_a_title_page_date_a_paper(tmp_path):
    assert find_year("2004 LISA XVIII – November 14-19, 2004 – Atlanta, GA 243") == "2004"
    thesis = ("A Practical Optional Type System for Clojure\nAmbrose Bonnaire-Sergeant\nThis report is submitted as "
              "partial fulfilment\nof the requirements for the Honours Programme of the\nSchool of Computer Science,\n"
              "The University of Western Australia,\n2012")
    path = pdfgen.text_pdf(tmp_path / "thesis.pdf", [thesis, "Introduction\nTypes help.\nIn 2010 types helped."],
                           heading_size=16)
    assert describe(path, *read_pdf(path)).year == "2012"
    path = pdfgen.text_pdf(tmp_path / "after.pdf", ["Keys Kept\nJane Q. Doe\nAbstract\nWe keep keys.\n2012\n"],
                           heading_size=16)
    assert describe(path, *read_pdf(path)).year is None  # after the abstract: a figure's label, not a date


def test_the_address_after_a_name_and_affiliation_line_is_no_author():
    """"John Hughes, Institutionen för Datavetenskap," over "Chalmers Tekniska Högskola,": the address goes on in
    a language the affiliation words do not cover; one name per line with its affiliation is still read."""
    assert byline_names(["John Hughes, Institutionen för Datavetenskap,", "Chalmers Tekniska Högskola,",
                         "41296 Göteborg,"]) == ["John Hughes"]
    assert byline_names(["Jane Q. Doe, University of Nowhere", "Ravi Kumar, Institute of Elsewhere"]) == \
        ["Jane Q. Doe", "Ravi Kumar"]


def test_report_covers_ordinal_dates_and_meetings_named_with_their_year():
    assert find_year("BRICS Report Series RS-96-37\nISSN 0909-0878 October 1996") == "1996"
    assert find_year("Sunny King\n(sunnyking9999@gmail.com )\nJuly 7 th , 2013\nAbstract") == "2013"
    assert find_year("USENIX Association  2013 USENIX Annual Technical Conference (USENIX ATC ’13) 49") == "2013"
    assert find_year("As the 2013 results show, the conference was large.") is None


def test_a_papers_own_citation_and_a_date_in_numbers_give_the_year():
    assert find_year("PVLDB Reference Format:\nJane Q. Doe and Li Wei. Keys Kept in Many Places. PVLDB, 14(3): 268 - "
                     "280, 2021.\ndoi:10.14778/3430915.3430918") == "2021"
    assert find_year("ACM Reference Format:\nJane Q. Doe. 2019. Keys Kept in Many Places. In SOSP '19. ACM.") == "2019"
    assert find_year("Submitted to ML’08 1 2008/6/16") == "2008"
    assert find_year("Draft of 2013-05-15, not for distribution") == "2013"
    assert find_year("Keys 2008/13/40 and 2008-6/16 are no dates") is None


def test_a_note_about_another_version_does_not_date_this_one(tmp_path):
    """"Preliminary versions of this paper appear in ..." tells where other versions are, in the front matter or
    in a footnote after the introduction's start; with no other date the year is unknown."""
    note = ("Preliminary versions of this paper appear in the Proceedings of the ACM-SIAM Symposium on Discrete\n"
            "Algorithms, 1998, and as IBM Research Report RJ 10076, May 1997.")
    assert _year_of_page(tmp_path, "footnote", note) is None
    front = ("Keys Kept in Many Places\nJane Q. Doe\nAbstract\nWe keep keys in many places.\n" + note +
             "\nIntroduction\nKeys are kept.\n" + "The replicas agree.\n" * 12)
    path = pdfgen.text_pdf(tmp_path / "front.pdf", [front], heading_size=16)
    assert describe(path, *read_pdf(path)).year is None
    assert _year_of_page(tmp_path, "dated", note + "\n© 1999 ACM 0004-5411/99/0900-0604") == "1999"


def test_glyph_names_printed_for_want_of_a_map_are_no_words():
    """pypdf prints a font's glyph names when it has no map to Unicode: "/68/97/116/97" is "Data" in character
    codes; such a page is no text to quote."""
    page = " ".join(["/68/97/116/97 /67/111/109/112/114/101/115/115/105/111/110 /73/110"] * 20)
    assert _unreadable([page] * 3)
    assert not _unreadable(["Data compression is the art of saying the same thing in fewer bits. " * 8] * 3)


def test_a_spacing_accent_above_a_name_breaks_neither_the_line_nor_the_name():
    """TeX sets "Babao\\u{g}lu" as the letters and a spacing breve placed above them, which PDFium may report out of
    order and on another baseline: the name stays one word on one line."""
    from assistant.layout import _Char, _lines

    def char(ch: str, left: float, bottom: float = 500.0, size: float = 14.0) -> _Char:
        return _Char(ch, size, 400, left, bottom, left + 7, bottom + 10)

    chars = [char(c, 100 + 7 * i) for i, c in enumerate("Babao")] + [char(" ", 135, size=1.0),
             char("˘", 40, bottom=512.0), char(" ", 40, bottom=505.0, size=1.0)] + \
        [char(c, 135.1 + 7 * i) for i, c in enumerate("glu")]
    assert [ln.names for ln in _lines(chars)] == ["Babaoglu"]


def test_title_lines_in_large_type_are_one_block_whatever_weight_pdfium_reports():
    """PDFium gave the two lines of one bold title weights 385 and 595: in type larger than the page's text
    they are still one block; at the text's size weight still parts a bold heading from the text under it."""
    from assistant.layout import _blocks

    def line(text: str, size: float, weight: int, bottom: float):
        return _layout_line(text, size, weight, (100, 480, bottom, bottom + size * 0.9))

    body = [line(f"Body line {i} of the paper.", 10, 400, 600 - 12 * i) for i in range(8)]
    title = [line("Kelips: Building an Efficient and Stable P2P DHT", 17.2, 385, 686),
             line("Through Increased Memory and Background Overhead", 17.2, 595, 664)]
    assert [len(b) for b in _blocks([*title, *body])][0] == 2
    heading = [line("Introduction", 10, 700, 612), line("Body text under the heading.", 10, 400, 600)]
    assert [len(b) for b in _blocks([*heading, *body[1:]])][0] == 1


def test_a_text_box_laid_on_page_one_and_a_scanned_code_line_date_a_paper(tmp_path):
    """An author's FreeText box ("To appear in OSDI 2006") is printed with the page but is not in its text; an
    OCR'd IEEE code line reads its sign as anything ("$01.OO CQ 1990 IEEE")."""
    from pypdf import PdfWriter
    from pypdf.annotations import FreeText

    path = pdfgen.text_pdf(tmp_path / "boxed.pdf", ["Keys Kept in Many Places\nJane Q. Doe\nAbstract\nWe keep keys."],
                           heading_size=16)
    assert describe(path, *read_pdf(path)).year is None
    writer = PdfWriter(clone_from=path)
    writer.add_annotation(0, FreeText(text="To appear in OSDI 2006", rect=(400, 780, 540, 800)))
    with path.open("wb") as fh:
        writer.write(fh)
    pages, meta = read_pdf(path)
    assert meta.notes == ["To appear in OSDI 2006"] and "OSDI" not in pages[0].text
    assert describe(path, pages, meta).year == "2006"
    assert _year_of_page(tmp_path, "scan", "CH2925-6/90/0000/05031 .OO CQ 1990 IEEE") == "1990"
    assert _year_of_page(tmp_path, "code", "0-7803-5555-1/97/$10.00 © 1997 IEEE") == "1997"
    assert _year_of_page(tmp_path, "prose", "Costs fell from 10.00 to 1990 IEEE members.") is None


def test_a_byline_after_by_ocr_marks_and_a_cover_page_give_the_names(tmp_path):
    """"by Name Affiliation" with no comma between; a dagger OCR'd as "t" after a name; a repository's cover page
    naming a few of the authors, the paper's own byline under its title on page 2."""
    assert byline_names(["by Herbert Stoyan University of Erlangen-Nürnberg Lehrstuhl für KI, D-91058",
                         "Erlangen Germany"]) == ["Herbert Stoyan"]
    assert byline_names(["Baruch Awerbuch * ; David Peleg t"]) == ["Baruch Awerbuch", "David Peleg"]
    cover = ("Listening to Keys\nConference Paper · November 2013\nCITATIONS\n58\n10 authors, including:\n"
             "Ravi Kumar\nUniversity of Nowhere\nAll content following this page was uploaded by Ravi Kumar.")
    paper = ("Listening to Keys\nJane Q. Doe, Ravi Kumar and Li Wei\nMusic Group, University of Nowhere\n"
             "Abstract\nWe listen to keys.")
    path = pdfgen.text_pdf(tmp_path / "cover.pdf", [cover, paper], heading_size=18)
    assert describe(path, *read_pdf(path)).authors[0] == "Jane Q. Doe"


def test_a_metadata_title_missing_the_printed_ones_first_words_and_a_formula_are_no_title(tmp_path):
    """A saved web page's Info title ("LISP History") is the printed title ("Early LISP History (1956-1959)")
    less its first words: the printed one is whole. Words the metadata leaves off at the end may be a label
    ("(Thesis format: Monograph)"), so that metadata title stands. A formula set alone ("AB A &B") is no title."""
    early = pdfgen.text_pdf(tmp_path / "early.pdf", ["Early LISP History (1956-1959)\nby Jane Q. Doe University of "
                                                    "Nowhere\nAbstract\nLISP grew."], title="LISP History",
                            heading_size=18)
    assert describe(early, *read_pdf(early)).title == "Early LISP History (1956-1959)"
    thesis = pdfgen.text_pdf(tmp_path / "thesis.pdf", ["Keys in Logic (Thesis format: Monograph)\nby\nJane Q. Doe\n"
                                                      "Abstract\nKeys."], title="Keys in Logic", heading_size=18)
    assert describe(thesis, *read_pdf(thesis)).title == "Keys in Logic"
    from assistant.papers import _title_like
    from assistant.records import Page, TitleBlock

    pages = [Page(index=0, label="1", text="ON KEYS\nJane Q. Doe\nAB\nA &B\nwhich is how we write it.")]
    assert not _title_like(TitleBlock(lines=["AB", "A &B"], size=10, below=["which is how we write it."]), pages)
    assert _title_like(TitleBlock(lines=["Keys Kept Apart"], size=10, below=["which is how we write it."]), pages)
