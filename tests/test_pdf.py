"""Stage 1: parsing, page labels, header/footer stripping, and every kind of bad input."""

from __future__ import annotations

import pytest

from assistant.pdf import PdfError, clean_pages, is_table_row, raw_span, read_pages
from assistant.records import Page
from assistant.settings import ParseSettings

from . import pdfgen
from .conftest import MADAMINOVA, WEI


def test_page_labels_are_the_printed_numbers():
    pages = read_pages(MADAMINOVA)
    assert [p.label for p in pages] == [str(n) for n in range(80, 87)]
    assert [p.label for p in read_pages(WEI)] == ["1", "2", "3"]


def test_bare_page_numbers_are_stripped_but_offsets_lead_back_to_raw_text():
    page = read_pages(MADAMINOVA)[3]
    assert page.text.lstrip().startswith("83")
    assert not page.clean.startswith("83")
    start = page.clean.index("migration security")
    end = start + len("migration security")
    assert raw_span(page, start, end) == "migration security"


def test_running_headers_and_hyphenation():
    bodies = ["Tides rise twice a day.", "Harbours silt up slowly.", "Ships wait for the flood.", "Maps need updates."]
    texts = [f"Journal of Tests, Vol. 3\n{body} This page discusses secu-\nrity and ﬁnance.\n{body[::-1]}\n{n}"
             for n, body in enumerate(bodies, 1)]
    pages = [Page(index=i, label=str(i + 1), text=t) for i, t in enumerate(texts)]
    clean_pages(pages)
    for page in pages:
        assert "Journal of Tests" not in page.clean
        assert "security and finance." in page.clean
        assert not page.clean.rstrip().endswith(page.label)
        start = page.clean.index("security")
        assert raw_span(page, start, start + len("security")) == "secu- rity"


def test_headings_are_set_apart_from_the_next_sentence():
    page = read_pages(WEI)[0]
    assert "\n1. Introduction\n" in page.clean


@pytest.mark.parametrize("maker, reason", [
    (lambda p, src: pdfgen.corrupt_pdf(p), "unreadable PDF"),
    (lambda p, src: pdfgen.truncated_pdf(p, src), "unreadable PDF"),
    (lambda p, src: pdfgen.encrypted_pdf(p, src), "encrypted"),
    (lambda p, src: pdfgen.image_only_pdf(p), "no extractable text"),
    (lambda p, src: pdfgen.empty_file(p), "empty file"),
    (lambda p, src: pdfgen.not_a_pdf(p), "not a PDF"),
])
def test_bad_inputs_fail_with_a_reason_naming_the_file(tmp_path, maker, reason):
    path = maker(tmp_path / "bad input.pdf", WEI)
    with pytest.raises(PdfError) as err:
        read_pages(path)
    assert "bad input.pdf" in str(err.value)
    assert reason in str(err.value)


def test_huge_inputs_are_refused_by_the_configured_limits():
    with pytest.raises(PdfError, match="MiB limit"):
        read_pages(WEI, ParseSettings(max_file_mb=0.001))
    with pytest.raises(PdfError, match="page limit"):
        read_pages(MADAMINOVA, ParseSettings(max_pages=3))


def test_missing_file(tmp_path):
    with pytest.raises(PdfError, match="no such file"):
        read_pages(tmp_path / "nope.pdf")


def test_table_rows_stand_apart_from_sentences():
    text = ("Table 1. Results of the runs\nRun Recall Precision F-measure\nrun-a (EN) 0.62 0.37 0.46\n"
            "run-b (EN) 0.71 0.44 N/A\nIn the table, both runs improve.")
    [page] = [Page(index=0, label="1", text=text)]
    clean_pages([page])
    assert "\nrun-a (EN) 0.62 0.37 0.46\n" in page.clean
    assert is_table_row("run-b (EN) 0.71 0.44 N/A") and not is_table_row("In 2019 there were 272 million.")
