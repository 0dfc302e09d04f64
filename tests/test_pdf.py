"""Stage 1: parsing, page labels, header/footer stripping, and every kind of bad input."""

from __future__ import annotations

import re

import pytest

from assistant.pdf import PdfError, clean_pages, is_table_row, raw_span, read_pages
from assistant.records import Page
from assistant.settings import ParseSettings

from . import pdfgen
from .conftest import CORPUS, MADAMINOVA, WEI

LITQA = CORPUS.parent / "corpus-litqa"


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


def test_clean_runs_trace_every_clean_character_to_the_same_raw_character_as_a_full_map():
    """The compact runs give the raw offset a per-character map gives (ligatures, joined hyphens
    and collapsed spaces included), and a page stored with such a map is read into runs."""
    from assistant.pdf import _join, _lines_with_offsets

    page = read_pages(MADAMINOVA)[3]
    clean, offsets = _join(_lines_with_offsets(page.text + "\nthe ﬁnal secu-\nrity   check"))
    assert len(page.clean_runs) * 20 < len(page.clean)  # compact
    legacy = Page.model_validate({"index": 0, "label": "1", "text": page.text, "clean": clean, "clean_map": offsets})
    assert [legacy.raw_offset(i) for i in range(len(clean))] == offsets
    assert {o for r in legacy.raw_ranges() for o in r} == set(offsets)


def test_sentences_are_found_when_a_page_is_read():
    """Answering then needs no sentence splitter (its import was a third of a cold ask)."""
    from assistant.sentences import sentence_spans

    pages = read_pages(WEI)
    assert all(p.sentences == sentence_spans(p.clean) for p in pages)
    assert sum(len(p.sentences) for p in pages) > 30
    assert Page.model_validate_json(pages[1].model_dump_json()).sentences == pages[1].sentences


def test_headings_are_set_apart_from_the_next_sentence():
    page = read_pages(WEI)[0]
    assert "\n1. Introduction\n" in page.clean


@pytest.mark.parametrize("maker, reason", [
    (lambda p, src: pdfgen.corrupt_pdf(p), "unreadable PDF"),
    (lambda p, src: pdfgen.truncated_pdf(p, src), "unreadable PDF"),
    (lambda p, src: pdfgen.encrypted_pdf(p, src), "encrypted"),
    (lambda p, src: pdfgen.image_only_pdf(p), "no extractable text"),
    (lambda p, src: pdfgen.glyph_code_pdf(p), "text is not words"),
    (lambda p, src: pdfgen.empty_file(p), "empty file"),
    (lambda p, src: pdfgen.not_a_pdf(p), "not a PDF"),
])
def test_bad_inputs_fail_with_a_reason_naming_the_file(tmp_path, maker, reason):
    path = maker(tmp_path / "bad input.pdf", WEI)
    with pytest.raises(PdfError) as err:
        read_pages(path)
    assert "bad input.pdf" in str(err.value)
    assert reason in str(err.value)


def test_formula_laden_and_tabular_pages_are_words_enough():
    """Only text that is mostly not words is refused: maths, tables and gene names pass."""
    from assistant.pdf import _unreadable

    maths = " ".join(["Let", "f(x)", "=", "Σ_i", "a_i", "x^i,", "then", "‖f‖₂", "≤", "C", "for", "all", "x", "∈", "R^n."] * 4)
    table = " ".join(["Run", "Recall", "P@10", "run-a", "0.62", "0.37", "BRCA1", "TP53", "(n", "=", "12)"] * 5)
    prose = "The number of international migrants in the world had reached 272 million in 2019. " * 4
    other_scripts = ("Die Größe der Migration (2019) wächst. Число международных мигрантов достигло 272 млн. "
                     "国际移民人数已达到2.72亿，占世界人口的3.5%。 随着 DNA 测序的发展， ") * 3
    assert not _unreadable([maths, table, prose])
    assert not _unreadable([other_scripts] * 3)
    codes = "uJN/O2u62 cJJ?D2b68eaao2u& 6EqW3xw :wWwkW " * 10
    assert _unreadable([codes, codes, prose])  # most pages decide
    assert not _unreadable([codes, prose, prose])
    assert not _unreadable(["", "short page"])  # pages too short to judge leave the paper to other checks
    # glyph codes that come out as letters set apart (an ICFP paper's fonts: "A B C D E F G D H I J K")
    letters = "\x00 \x01 \x02 ! \" # A B C D E F G D H I J K L M N O P Q R S O T U V W T P Q R X W Y O R Z " * 4
    assert _unreadable([letters, letters, prose])
    spaced = "Dispatc hing generalizes previous metho d dispatc h mec hanisms b y p ermitting arbitrary predicates " * 4
    assert not _unreadable([spaced, maths, spaced])  # a Type 3 font's letter spacing is still words


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


def test_a_page_pypdf_cannot_read_is_skipped_with_a_warning(monkeypatch, caplog):
    from pypdf import PageObject
    from pypdf.errors import LimitReachedError

    real = PageObject.extract_text

    def flaky(self, *args, **kwargs):
        text = real(self, *args, **kwargs)
        if "Madaminova" not in text and "migration" in text.lower() and "83" in text[:10]:
            raise LimitReachedError("Maximum array length exceeded")
        return text

    monkeypatch.setattr(PageObject, "extract_text", flaky)
    with caplog.at_level("WARNING", logger="assistant.pdf"):
        pages = read_pages(MADAMINOVA)
    assert [p.label for p in pages] == [str(n) for n in range(80, 87)]  # the paper is read, page 83 too
    assert pages[3].text == "" and pages[3].clean == ""
    assert all(p.text for i, p in enumerate(pages) if i != 3)
    assert "page 4 skipped" in caplog.text and "LimitReachedError" in caplog.text


def test_aes256_encrypted_pdf_with_an_empty_user_password_is_read(tmp_path):
    from pypdf import PdfReader, PdfWriter

    from assistant.papers import describe
    from assistant.pdf import read_pdf

    writer = PdfWriter()
    for page in PdfReader(WEI).pages:
        writer.add_page(page)
    writer.encrypt("", algorithm="AES-256")
    path = tmp_path / "aes.pdf"
    with path.open("wb") as fh:
        writer.write(fh)
    assert PdfReader(path).is_encrypted
    pages, meta = read_pdf(path)
    assert [p.label for p in pages] == ["1", "2", "3"]
    assert pages[0].clean == read_pages(WEI)[0].clean
    assert describe(path, pages, meta).title.startswith("International Migration Challenges")


def test_running_heads_stamps_and_line_numbers_stay_out_of_the_clean_text():
    words = [("red", "north", "Ada"), ("blue", "south", "Ben"), ("green", "east", "Cai"), ("white", "west", "Dee"),
             ("black", "inner", "Eli"), ("grey", "outer", "Fay")]
    bodies, texts = [], []
    for n, (colour, place, name) in enumerate(words, 1):
        head = f"Journal of Tidal Studies, 2024, Vol. 12, No. 3 {100 + n}" if n % 2 else \
            f"{100 + n} Journal of Tidal Studies, 2024, Vol. 12, No. 3"  # page number left on even pages
        lines = [f"The {colour} buoy marks the {place} channel.", f"{name} read the {place} gauges by hand",
                 f"and logged them in {colour} SARS-", f"CoV-2 style tables; {name} then", f"walked to the {place}",
                 f"pier before the {colour} flag went up."]
        bodies.append(" ".join(lines).replace("SARS- ", "SARS-"))
        numbered = "\n".join(f"{line} {20 * n + i}" for i, line in enumerate(lines))  # manuscript line numbers
        stamp = "arXiv:2401.01234v2 [physics.ao-ph] 5 Jan 2024\n" if n == 1 else ""
        texts.append(f"{head}\n{stamp}{numbered}\nDownloaded from https://example.org/tides by guest on 1 May 2025\n"
                     f"bioRxiv preprint doi: https://doi.org/10.1101/2024.01.01.000001; this version posted May 1, "
                     f"2024.\n{100 + n}")
    pages = [Page(index=i, label=str(101 + i), text=t) for i, t in enumerate(texts)]
    clean_pages(pages)
    for page, body in zip(pages, bodies):
        assert page.clean == body
        start = page.clean.index("SARS")
        assert raw_span(page, start, start + len("SARS-CoV-2")).startswith("SARS-")  # the raw span keeps the break


@pytest.mark.parametrize("name, page, boilerplate", [
    ("10.1101_2024.05.13.593833.pdf", 3, ["bioRxiv preprint", "International license", "certified by peer review"]),
    ("10.1093_nar_gkae105.pdf", 5, ["Nucleic Acids Research", "Downloaded from"]),
])
def test_real_running_heads_stamps_and_line_numbers_are_dropped(name, page, boilerplate):
    pdf = LITQA / name
    pages = read_pages(pdf)
    raw, clean = pages[page].text, pages[page].clean
    for text in boilerplate:
        assert text in raw and text not in clean
    assert not re.search(r"\s\d{1,4}\s+\d{1,4}\s", clean[:400])  # no line numbers between the words
    assert len(clean) > 0.7 * len(re.sub(r"\s+", " ", raw)) - 600  # the body is all there


# --- figure and table captions ------------------------------------------------------------------
BODY = ("Yeast cells respond to heat by changing the expression of many genes, and we measured these changes "
        "in three strains grown in rich medium over a full day of growth at two temperatures. ")
FIGURE = ("Figure 1 | Heat shock changes gene expression. (A) Expression of HSP104 over time in wild-type cells. "
          "(B) The same in the mutant strain, with bars showing the mean of three replicates in each panel")
TABLE = ("Table 2. Strains used in this study, with their genotypes and the laboratories that gave them to us for "
         "the heat shock experiments")


def captioned_pdf(path):
    """Body text in 10 pt; a figure caption in 8 pt followed by body text with no space between (only
    the font tells where the caption ends: it ends with no full stop); a body sentence that begins a
    line with "Table 1."; a two-line table title over rows in its own font; a line opening "Figure 2 shows"."""
    return pdfgen.blocks_pdf(path, [[
        (BODY * 2, 10, 0), (FIGURE, 8, 120),
        ("The strains we used are listed in\nTable 1. They grow well in rich medium. " + BODY, 10, 0),
        (TABLE, 8, 30), ("Strain Genotype Source\nBY4741 MATa his3 lab\nBY4742 MATalpha his3 lab", 8, 0),
        ("Figure 2 shows the heat response of the mutant. " + BODY, 10, 20)]])


def test_captions_are_found_with_their_label_and_end_where_their_font_does(tmp_path):
    page = read_pages(captioned_pdf(tmp_path / "captioned.pdf"))[0]
    assert [(c.label, page.clean[c.start:c.end]) for c in page.captions] == [("Figure 1", FIGURE), ("Table 2", TABLE)]
    assert not any(start < c.start < end or start < c.end < end for start, end in page.sentences
                   for c in page.captions)  # no sentence runs across a caption's edge
    assert Page.model_validate_json(page.model_dump_json()).captions == page.captions


def test_without_layout_a_caption_ends_with_its_paragraph(tmp_path):
    from assistant.captions import find_captions

    text = ("Cells were grown in rich medium and shifted to the heat for one\nhour, as described before.\n"
            "Figure 3. Heat shock in the mutant. Bars show the mean of\nthree replicates in each panel.\n"
            "We then asked whether the mutant recovers from the heat\nshock as fast as the wild type does.\n"
            "The strains are listed in\nFigure 4. No, it is not a caption, this sentence.")
    page = Page(index=0, label="1", text=text)
    clean_pages([page])
    find_captions(tmp_path / "no-such.pdf", [page])  # PDFium cannot open it: no layout
    assert [(c.label, page.clean[c.start:c.end]) for c in page.captions] == [
        ("Figure 3", "Figure 3. Heat shock in the mutant. Bars show the mean of three replicates in each panel.")]


@pytest.mark.parametrize("text, label", [
    ("Fig. 2 | Structure of the domain", "Figure 2"), ("FIGURE 5: Ift122 regulates", "Figure 5"),
    ("Extended Data Fig. 4 Cryo-EM maps", "Extended Data Figure 4"),
    ("Supplemental Table 1| Demographics", "Supplementary Table 1"), ("Table S2. Primers", "Table S2"),
    ("Fig.2.Invitrobinding", "Figure 2"), ("Figure 1 – Substrate stiffness", "Figure 1"),
    ("Figure 1 - Stiffness regulates", "Figure 1"), ("Figure 1-source data", None),
    ("Figure 4 shows t-maps", None), ("Figure S2 E).", None), ("Table 9). Overall", None), ("Figs. S1 to S156", None),
    ("Fig. 3, mean intensity", None), ("Supplementary Table S3.", None),
])
def test_caption_labels(text, label):
    from assistant.captions import label_of

    assert label_of(text) == label


def test_real_figure_caption_spans_two_columns_and_leaves_the_body_out():
    page = read_pages(LITQA / "10.1038_s41467-023-44148-4.pdf")[1]
    (caption,) = page.captions
    text = page.clean[caption.start:caption.end]
    assert caption.label == "Figure 1"
    assert text.startswith("Fig. 1 | LIMK domain architecture. a LIM domain kinase family architecture")
    assert text.endswith("are in bold and under a black arrow.")
    assert "PDZ domain was named" not in text and "PDZ domain was named" in page.clean


def test_glyph_names_of_old_tex_fonts_read_as_what_they_name():
    """dvips' Type 3 fonts name glyphs by code ("/#0B": "ff" in TeX's OT1 encoding) or by the sign they are ("/,"),
    and pypdf prints the names: in a document full of them the clean text reads them, the raw text keeps them."""
    text = ("The P ageRank Citation Ranking/: Bringing Order /#7B Jan uary /2/9/, /1/9/9/8/. It is very di/#0Beren t "
            "/#28see 1/3 of it/#29/. /#28/1/#29\n")
    others = ["Links are /#0Cne/, but they are many/; we coun t them/.\nThe graph has /1/5/0 million no des/.\n"
              "Ranks are de/\x0cned to re/\recting the links/, di/\x0berent from counts/.\n",  # codes 0x0C, 0x0D, 0x0B
              "Each page gets a rank/, and the ranks sum to one/.\nW e iterate un til they con v erge/.\n"]
    pages = [Page(index=i, label=str(i + 1), text=t) for i, t in enumerate([text, "".join(others)])]
    clean_pages(pages)
    assert pages[0].clean.startswith("The PageRank Citation Ranking: Bringing Order – January 29, 1998. It is very "
                                     "different (see 1/3 of it). (1)")  # "P ageRank", "differen t": words in pieces
    assert raw_span(pages[0], 0, 39) == "The P ageRank Citation Ranking/: Bringing"
    assert "Ranks are defined to reflecting the links, different from counts." in pages[1].clean  # not "de/ ned"
    plain = [Page(index=0, label="1", text="Read it at http://example.org/. Halves (1/2) are kept, and/or more. " * 4)]
    clean_pages(plain)
    assert plain[0].clean == " ".join(plain[0].text.split())  # a few "/." in an ordinary text are left alone
