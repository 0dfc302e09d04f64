"""Stage 3: chunks fit the encoder, lie on one page, and point at their exact text."""

from __future__ import annotations

import pytest

from assistant.chunking import make_splitter, page_documents, references_start, sentence_spans, SpanTagger
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
    refs_page, _ = references_start(pages)
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
