"""Stage 3: cut each page's clean text into sentence-aligned chunks sized for the encoder.

One llama-index Document per page, or per stretch of a page when it has figure or table captions:
each caption is chunked on its own (kind "caption", with its label), so body chunks never mix
running text with figure descriptions. Every chunk lies on exactly one page and carries its
printed page label. Chunk size is counted in the encoder's own word pieces: all-MiniLM-L6-v2
reads 256 of them and silently drops the rest, so a chunk must stay under that.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any, Callable

from .pdf import raw_span
from .records import Chunk, Page, Paper
from .references import section_lines
from .sentences import sentence_spans, split_sentences  # noqa: F401  (sentence_spans: part of this stage's API)
from .settings import ChunkSettings

if TYPE_CHECKING:
    from llama_index.core.schema import BaseNode, Document

METADATA_KEYS = ["paper_id", "file_name", "page_index", "page_label", "start", "end", "kind", "label"]


def reference_bounds(pages: list[Page]) -> dict[int, tuple[int, int]]:
    """Per page index, the (start, end) clean offsets of the page's part of the reference list: from
    its heading to the heading that ends it (appendix, acknowledgements, supplementary material) or
    to the end of the paper. What follows the list is body text again."""
    found = section_lines(pages)
    if found is None:
        return {}
    heading, stop = found
    start = _line_position(pages, heading, None)
    end = _line_position(pages, stop, start) if stop else (len(pages), 0)
    return {page.index: (start[1] if page.index == start[0] else 0,
                         end[1] if page.index == end[0] else len(page.clean))
            for page in pages if start[0] <= page.index <= end[0]}


def _line_position(pages: list[Page], line: tuple[str, str], after: tuple[int, int] | None) -> tuple[int, int]:
    """(page index, clean offset) of a raw line: the heading's last occurrence on its page, or the first
    occurrence of a later line after ``after`` (the page's end when the cleaner dropped it)."""
    label, text = line
    text = " ".join(text.split())
    page = next(p for p in pages if p.label == label and (after is None or p.index >= after[0]))
    if after is None:
        return page.index, max(page.clean.rfind(text), 0)
    at = page.clean.find(text, after[1] if page.index == after[0] else 0)
    return page.index, at if at >= 0 else len(page.clean)


def page_documents(paper: Paper, pages: list[Page]) -> list[Document]:
    """Documents with flat metadata that is never embedded: per non-empty page, one for each of its
    figure and table captions and one for each stretch of text between them and the reference list's
    bounds. A caption's label is the one metadata field embedded, so the splitter leaves room for it
    (see ``embedding_text``)."""
    refs = reference_bounds(pages)
    docs = []
    for page in pages:
        if not page.clean.strip():
            continue
        lo, hi = refs.get(page.index, (-1, -1))
        meta = {"paper_id": paper.id, "file_name": paper.file_name, "page_index": page.index, "page_label": page.label,
                "refs_from": lo, "refs_to": hi}
        for k, (start, end, label) in enumerate(page_segments(page, cuts=(lo, hi))):
            docs.append(_document(f"{paper.id}#p{page.index}" + (f".{k}" if k else ""), page.clean[start:end],
                                  meta | {"offset": start, "label": label}))
    return docs


def _cut(segments: list[tuple[int, int, str]], at: tuple[int, ...]) -> list[tuple[int, int, str]]:
    """The segments, those of text (not captions) split at the given offsets."""
    for cut in at:
        segments = [piece for a, b, label in segments
                    for piece in ([(a, cut, label), (cut, b, label)] if not label and a < cut < b else [(a, b, label)])]
    return segments


def page_segments(page: Page, cuts: tuple[int, ...] = ()) -> list[tuple[int, int, str]]:
    """(start, end, label) of the page's captions and of the non-blank text around them (label ""),
    that text split at the ``cuts`` offsets."""
    segments, at = [], 0
    for caption in page.captions:
        segments += [(at, caption.start, ""), (caption.start, caption.end, caption.label)]
        at = caption.end
    segments.append((at, len(page.clean), ""))
    segments = _cut(segments, cuts)
    return [(a, b, label) for a, b, label in (_stripped(page.clean, *seg) for seg in segments) if b > a]


def _stripped(text: str, start: int, end: int, label: str) -> tuple[int, int, str]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end, label


def _document(doc_id: str, text: str, metadata: dict) -> Document:
    from llama_index.core.schema import Document

    hidden = METADATA_KEYS + ["refs_from", "refs_to", "offset"] + ([] if metadata["label"] else ["label"])
    return Document(id_=doc_id, text=text, metadata=metadata, excluded_embed_metadata_keys=hidden,
                    excluded_llm_metadata_keys=hidden, metadata_template="{value}")


def embedding_text(text: str, label: str) -> str:
    """What the encoder reads for a chunk: a caption's chunk begins with its label ("Figure 3: ..."),
    as the second piece of a long caption otherwise would not."""
    from .captions import label_of

    return f"{label}: {text}" if label and label_of(text) != label else text


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
        offset = node.metadata.pop("offset", 0)
        start = offset + (node.start_char_idx or 0)
        end = offset + node.end_char_idx if node.end_char_idx is not None else start + len(node.get_content())
        refs_from, refs_to = node.metadata.pop("refs_from", -1), node.metadata.pop("refs_to", -1)
        label = node.metadata.setdefault("label", "")
        kind = "caption" if label else "references" if 0 <= refs_from <= start < refs_to else "body"
        node.metadata.update({"start": start, "end": end, "kind": kind})
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
        label=meta.get("label", ""),
    )
