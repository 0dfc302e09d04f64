"""Stage 3: cut each page's clean text into sentence-aligned chunks sized for the encoder.

One llama-index Document per page, so every chunk lies on exactly one page and carries its
printed page label. Chunk size is counted in the encoder's own word pieces: all-MiniLM-L6-v2
reads 256 of them and silently drops the rest, so a chunk must stay under that.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any, Callable

from .pdf import raw_span
from .records import Chunk, Page, Paper
from .references import section_heading
from .sentences import sentence_spans, split_sentences  # noqa: F401  (sentence_spans: part of this stage's API)
from .settings import ChunkSettings

if TYPE_CHECKING:
    from llama_index.core.schema import BaseNode, Document

METADATA_KEYS = ["paper_id", "file_name", "page_index", "page_label", "start", "end", "kind"]


def references_start(pages: list[Page]) -> tuple[int, int] | None:
    """(page index, clean offset) where the reference list begins, if the paper has one."""
    found = section_heading(pages)
    if found is None:
        return None
    label, heading = found
    page = next(p for p in pages if p.label == label)
    return page.index, max(page.clean.rfind(" ".join(heading.split())), 0)


def page_documents(paper: Paper, pages: list[Page]) -> list[Document]:
    """One Document per non-empty page, with flat metadata that is never embedded."""
    from llama_index.core.schema import Document

    refs = references_start(pages)
    docs = []
    for page in pages:
        if not page.clean.strip():
            continue
        doc = Document(
            id_=f"{paper.id}#p{page.index}",
            text=page.clean,
            metadata={"paper_id": paper.id, "file_name": paper.file_name, "page_index": page.index,
                      "page_label": page.label, "refs_from": _refs_offset(refs, page.index)},
            excluded_embed_metadata_keys=METADATA_KEYS + ["refs_from"],
            excluded_llm_metadata_keys=METADATA_KEYS + ["refs_from"],
        )
        docs.append(doc)
    return docs


def _refs_offset(refs: tuple[int, int] | None, page_index: int) -> int:
    """Offset on this page where the reference list begins (-1: none on this page or before)."""
    if refs is None or page_index < refs[0]:
        return -1
    return refs[1] if page_index == refs[0] else 0


def make_splitter(settings: ChunkSettings, count_tokens: Callable[[str], list]) -> Any:
    from llama_index.core.node_parser import SentenceSplitter

    return SentenceSplitter(
        chunk_size=settings.chunk_tokens,
        chunk_overlap=settings.overlap_tokens,
        tokenizer=count_tokens,
        paragraph_separator="\n",
        chunking_tokenizer_fn=split_sentences,
        include_prev_next_rel=False,
        id_func=lambda i, doc: f"{doc.id_}-c{i}",
    )


def tag_spans(nodes: list[BaseNode]) -> list[BaseNode]:
    """Copies each node's page-relative char span into flat metadata and marks its kind.

    llama-index sets ``start_char_idx`` by searching the page from the previous chunk, so a
    passage that a page repeats word for word still gets its own position.
    """
    for node in nodes:
        start = node.start_char_idx or 0
        refs_from = node.metadata.pop("refs_from", -1)
        node.metadata.update({"start": start, "end": node.end_char_idx or start + len(node.get_content()),
                              "kind": "references" if 0 <= refs_from <= start else "body"})
    return nodes


@lru_cache(maxsize=1)
def _span_tagger_class() -> type:
    """``tag_spans`` as a llama-index pipeline step, made on first use: importing this module
    (the answerer does, for ``sentence_spans``) must not import llama-index."""
    from llama_index.core.schema import TransformComponent

    class SpanTagger(TransformComponent):
        __doc__ = tag_spans.__doc__

        def __call__(self, nodes: list[BaseNode], **kwargs: Any) -> list[BaseNode]:
            return tag_spans(nodes)

    return SpanTagger


def __getattr__(name: str) -> Any:
    """``chunking.SpanTagger`` (PEP 562), built on first access."""
    if name == "SpanTagger":
        return _span_tagger_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def node_to_chunk(node: BaseNode, pages: list[Page]) -> Chunk:
    meta = node.metadata
    return Chunk(
        id=node.node_id, paper_id=meta["paper_id"], file_name=meta["file_name"], page_index=meta["page_index"],
        page_label=str(meta["page_label"]), start=meta["start"], end=meta["end"], text=node.get_content(),
        raw=raw_span(pages[meta["page_index"]], meta["start"], meta["end"]), kind=meta.get("kind", "body"),
    )
