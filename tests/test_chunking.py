"""Stage 3: chunks fit the encoder, lie on one page, and point at their exact text."""

from __future__ import annotations

import pytest

from assistant.chunking import make_splitter, page_documents, reference_bounds, sentence_spans, SpanTagger
from assistant.embedding import Encoder
from assistant.papers import describe
from assistant.pdf import read_pdf
from assistant.settings import Settings

from .conftest import MADAMINOVA, WEI


def test_sentences_survive_abbreviations_and_initials():
    text = "Princeton scholar D. A. Baldwin links them. Buzan et al. in 1998 said so (Fig. 2). Done."
    assert [text[a:b] for a, b in sentence_spans(text)] == [
        "Princeton scholar D. A. Baldwin links them.", "Buzan et al. in 1998 said so (Fig. 2).", "Done."]


@pytest.mark.slow
@pytest.mark.parametrize("pdf", [WEI, MADAMINOVA])
def test_chunks_fit_the_encoder_and_map_to_their_page(pdf):
    settings = Settings()
    encoder = Encoder(settings.embed)
    pages, meta = read_pdf(pdf)
    paper = describe(pdf, pages, meta)
    nodes = SpanTagger()(make_splitter(settings.chunk, encoder.count_tokens)(page_documents(paper, pages)))
    assert nodes
    limit = settings.embed.max_tokens - 2  # [CLS] and [SEP]
    for node in nodes:
        assert len(encoder.count_tokens(node.get_content())) <= limit
        page = pages[node.metadata["page_index"]]
        assert page.clean[node.metadata["start"]:node.metadata["end"]] == node.get_content()
        assert node.metadata["page_label"] == page.label
    refs_page = min(reference_bounds(pages))
    kinds = {n.metadata["kind"] for n in nodes if n.metadata["page_index"] > refs_page}
    assert kinds <= {"references"}


LONG_CAPTION = "Figure 3. Growth of the strains in the heat. " + " ".join(
    f"({chr(65 + i)}) Colonies of strain {i + 1} after {i + 2} days at 37 degrees on rich medium, counted by eye "
    f"on three plates and shown as the mean with its standard deviation." for i in range(12))


@pytest.mark.slow
def test_a_caption_is_chunked_on_its_own_and_every_piece_carries_its_label(tmp_path):
    from assistant.chunking import embedding_text, node_to_chunk

    from . import pdfgen

    body = ("Yeast cells respond to heat by changing the expression of many genes, and we measured these "
            "changes in three strains grown in rich medium over a full day. ")
    pdf = pdfgen.blocks_pdf(tmp_path / "long-caption.pdf", [[(body * 3, 10, 0), (LONG_CAPTION, 8, 100),
                                                              (body * 2, 10, 20)]])
    settings = Settings()
    encoder = Encoder(settings.embed)
    pages, meta = read_pdf(pdf)
    (caption,) = pages[0].captions
    nodes = SpanTagger()(make_splitter(settings.chunk, encoder.count_tokens)(
        page_documents(describe(pdf, pages, meta), pages)))
    chunks = [node_to_chunk(n, pages) for n in nodes]
    captions = [c for c in chunks if c.kind == "caption"]
    assert len(captions) >= 2 and {c.label for c in captions} == {"Figure 3"}
    assert (captions[0].start, captions[-1].end) == (caption.start, caption.end)
    assert " ".join(c.text for c in captions) == pages[0].clean[caption.start:caption.end]
    for c in captions:
        text = embedding_text(c.text, c.label)
        assert text.startswith(("Figure 3. Growth", "Figure 3: ("))
        assert len(encoder.count_tokens(text)) <= settings.embed.max_tokens - 2
    body_chunks = [c for c in chunks if c.kind == "body"]
    assert len(body_chunks) == 2 and all("Colonies" not in c.text and "Figure 3" not in c.text for c in body_chunks)
    assert all(pages[0].clean[c.start:c.end] == c.text for c in chunks) and len({c.id for c in chunks}) == len(chunks)


def test_chunks_and_pages_stored_before_captions_still_load():
    from assistant.records import Chunk, Page

    chunk = Chunk.model_validate_json('{"id": "p#p0-c0", "paper_id": "p", "file_name": "a.pdf", "page_index": 0, '
                                      '"page_label": "1", "start": 0, "end": 4, "text": "Text", "kind": "body"}')
    page = Page.model_validate_json('{"index": 0, "label": "1", "text": "Text", "clean": "Text"}')
    assert (chunk.label, page.captions) == ("", [])


def test_text_after_the_reference_list_is_body_again():
    """An appendix (or acknowledgements, supplementary figures) printed after the bibliography is not part
    of it: its chunks are body chunks, which questions about the paper's content may rank and quote."""
    from assistant.pdf import clean_pages
    from assistant.records import Page, Paper

    body = "We smooth the series with a moving average and keep its kurtosis high in every window.\n"
    texts = [body * 3,
             body + "References\n[1] L. T. DeCarlo. On the meaning and use of kurtosis. Psychological methods, 1997.\n"
             "[2] A. Author. Another title. Journal of Things, 2001.\n",
             "[3] B. Writer. A third work. Some Venue, 2005.\nAPPENDIX\nA. CASE STUDY\n"
             "In this section we walk through a concrete example of smoothing a real-world series.\n"]
    pages = [Page(index=i, label=str(i + 1), text=t) for i, t in enumerate(texts)]
    clean_pages(pages)
    bounds = reference_bounds(pages)
    assert sorted(bounds) == [1, 2]
    assert pages[1].clean[bounds[1][0]:].startswith("References") and bounds[1][1] == len(pages[1].clean)
    assert bounds[2][0] == 0 and pages[2].clean[bounds[2][1]:].startswith("APPENDIX")
    nodes = SpanTagger()(make_splitter(Settings().chunk, str.split)(page_documents(Paper(id="p", file_name="p.pdf", sha256="0"),
                                                                                  pages)))
    kinds = {(n.metadata["page_index"], " ".join(n.get_content().split())[:10]): n.metadata["kind"] for n in nodes}
    assert kinds == {(0, "We smooth "): "body", (1, "We smooth "): "body", (1, "References"): "references",
                     (2, "[3] B. Wri"): "references", (2, "APPENDIX A"): "body"}
