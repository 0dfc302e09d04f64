"""Quotes as a reader sees them (clean text) beside the raw quotes validation checks (issue 11)."""

from __future__ import annotations

import pytest

from assistant.answer import quote_on_page
from assistant.api import Library
from assistant.render import answer_json, answer_markdown

from . import pdfgen

pytestmark = pytest.mark.slow

TEXT = ("The glacier survey ran for nine seasons on the northern ice field.\n"
        "To keep the instruments calibrated we re-\n"
        "peated every reading of the ablation stakes twice, and the final ablation rate was 4.2 metres a year.\n"
        "The stakes were replaced after each storm.")


def test_a_quote_is_shown_clean_and_checked_raw(tmp_path):
    pdf = pdfgen.text_pdf(tmp_path / "glacier.pdf", [TEXT, TEXT.replace("nine", "ten")])
    library = Library(tmp_path / "lib")
    assert library.add([pdf])[0].status == "added"
    answer = library.ask("How often was every reading of the ablation stakes repeated?")
    assert not answer.abstained
    citation = next(c for c in answer.citations if "twice" in c.quote)
    page = {p.label: p for p in library.pages(citation.paper_id)}[citation.page]
    assert quote_on_page(citation.quote, page)
    assert "re- peated" in citation.quote  # raw, as pypdf extracts it
    assert "we repeated every reading of the ablation stakes twice" in citation.shown
    assert citation.shown in answer_markdown(answer) and citation.quote not in answer_markdown(answer)
    shown = answer_json(answer)["citations"][answer.citations.index(citation)]
    assert shown["quote"] == citation.quote and shown["shown"] == citation.shown
