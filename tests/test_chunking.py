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
