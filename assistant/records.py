"""Typed records that flow through the pipeline.

pdf → Paper (metadata, pages, references) → Chunk (page spans) → index → Evidence
→ Answer with Citations. These are data only; the logic lives in the stage modules
and formatting lives in ``render.py``.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator


class Caption(BaseModel):
    """A figure or table caption: its span of ``Page.clean`` and its label ("Figure 3", "Supplementary Table 2")."""

    start: int
    end: int
    label: str


class Page(BaseModel):
    """One PDF page: its printed label, the raw extracted text and the cleaned text.

    ``text`` is what pypdf extracted (quotes are checked against it); ``clean`` is the
    text with running headers/footers removed and line-break hyphens joined. ``clean_runs``
    traces every character of ``clean`` back to ``text``, so a span of the clean text can
    always be traced back to a verbatim span of the page: each ``(clean offset, raw offset)``
    starts a run of characters that follow one another in both. A page has ~50 runs against
    ~5,000 characters, which is what keeps a large library's pages small in memory.
    """

    index: int  # 0-based position in the PDF
    label: str  # printed page label ("83"), else the 1-based page number
    text: str
    clean: str = ""
    clean_runs: list[tuple[int, int]] = Field(default_factory=list)
    # (start, end) of each sentence of ``clean``, found when the page is read so that answering a
    # question need not load the sentence splitter; empty for pages stored before it was kept
    sentences: list[tuple[int, int]] = Field(default_factory=list)
    # figure and table captions on the page (``captions.py``); empty for pages stored before captions were kept
    captions: list[Caption] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _runs_from_map(cls, data: Any) -> Any:
        """Pages stored before runs held one raw offset per clean character (``clean_map``)."""
        if isinstance(data, dict) and "clean_map" in data:
            data = {k: v for k, v in data.items() if k != "clean_map"} | {"clean_runs": runs(data["clean_map"])}
        return data

    def raw_offset(self, i: int) -> int:
        """The offset in ``text`` of ``clean[i]``."""
        start, raw = self.clean_runs[bisect_right(self.clean_runs, (i, float("inf"))) - 1]
        return raw + i - start

    def raw_ranges(self) -> list[range]:
        """The stretches of ``text`` that ``clean`` keeps."""
        ends = [start for start, _ in self.clean_runs[1:]] + [len(self.clean)]
        return [range(raw, raw + end - start) for (start, raw), end in zip(self.clean_runs, ends)]


def runs(offsets: list[int]) -> list[tuple[int, int]]:
    """``(i, offsets[i])`` wherever ``offsets`` stops counting up by one: a per-character map, compacted."""
    return [(i, o) for i, o in enumerate(offsets) if i == 0 or o != offsets[i - 1] + 1]


class TitleBlock(BaseModel):
    """A block of page-1 lines in one font, and the lines printed under it (an author block, for a title)."""

    lines: list[str]
    size: float = 0.0
    below: list[str] = Field(default_factory=list)


class FrontPage(BaseModel):
    """Page 1 read by layout: text blocks, most prominent first, and the lines in its top and bottom margins."""

    blocks: list[TitleBlock] = Field(default_factory=list)
    margins: list[str] = Field(default_factory=list)


class PdfMeta(BaseModel):
    """What a PDF says about itself: its Info dictionary, its XMP fields and its first page's layout."""

    info: dict[str, str] = Field(default_factory=dict)
    xmp: dict[str, list[str]] = Field(default_factory=dict)  # "prism:doi" → values, "dc:creator" → names in order
    front: FrontPage = Field(default_factory=FrontPage)
    notes: list[str] = Field(default_factory=list)  # page 1's text boxes (FreeText): "To appear in OSDI 2006"


class Reference(BaseModel):
    """One entry of a paper's reference list (a cited work)."""

    key: str = ""  # citation key, e.g. "weiner1992"
    index: int = 0  # position in the reference list, 0-based
    label: str | None = None  # "[4]" or "4" for numbered styles
    raw: str
    authors: list[str] = Field(default_factory=list)  # "Surname, Initials" as printed
    year: str | None = None
    title: str | None = None
    venue: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    doi: str | None = None
    arxiv: str | None = None  # arXiv identifier, e.g. "2103.12345" or "hep-th/9901001"
    url: str | None = None
    no_title: bool = False  # the entry prints no title ("Phys. Rev. Lett. 116, 061102 (2016)"), or a note ("in press")
    page: str | None = None  # page label where the entry is printed
    linked_paper: str | None = None  # id of the library paper this entry resolves to
    contexts: list[ReferenceContext] = Field(default_factory=list)

    @property
    def first_author_surname(self) -> str | None:
        if not self.authors:
            return None
        return self.authors[0].split(",")[0].strip()


class ReferenceContext(BaseModel):
    """A sentence in the citing paper's body that cites (or names) a reference."""

    page: str
    sentence: str


class Paper(BaseModel):
    """A paper in the library: identity, bibliographic description and where it came from."""

    id: str  # "doi:10.5220/..." or "sha256:<hex>"
    file_name: str  # the PDF's file name as added
    sha256: str
    title: str = ""
    authors: list[str] = Field(default_factory=list)  # display names, e.g. "Durdona I. Madaminova"
    year: str | None = None
    doi: str | None = None
    venue: str | None = None
    page_labels: list[str] = Field(default_factory=list)
    n_chunks: int = 0
    added_at: str = ""

    @property
    def n_pages(self) -> int:
        return len(self.page_labels)


class Chunk(BaseModel):
    """A retrievable passage: a sentence-aligned piece of one page's clean text."""

    id: str
    paper_id: str
    file_name: str
    page_index: int
    page_label: str
    start: int  # offsets into Page.clean
    end: int
    text: str  # clean text: what is embedded and searched
    raw: str = ""  # the verbatim page text behind it (as pypdf extracts it), whitespace collapsed
    kind: str = "body"  # "body", "references" or "caption"
    label: str = ""  # a caption's label ("Figure 3"), kept with each chunk of a caption split in several


class Evidence(BaseModel):
    """A chunk retrieved for a question, with its fused score and per-retriever ranks."""

    chunk: Chunk
    score: float
    dense_rank: int | None = None
    sparse_rank: int | None = None
    cosine: float | None = None  # dense similarity to the question, when the dense retriever found it


class Citation(BaseModel):
    """A pointer a scholar can check: paper, printed page, and a verbatim quote from that page."""

    paper_id: str
    file_name: str
    page: str  # printed page label
    quote: str  # verbatim (whitespace-collapsed) span of the raw page text: what validation checks
    shown: str = ""  # the same span as a reader sees it: line-break hyphens joined, ligatures expanded, lost
    # spaces put back (the clean text); "" = the quote itself
    chunk_id: str | None = None
    authors: list[str] = Field(default_factory=list)
    year: str | None = None


class AnswerSentence(BaseModel):
    """One sentence of an answer and the citations that support it."""

    text: str
    citations: list[int] = Field(default_factory=list)  # indexes into Answer.citations


class Answer(BaseModel):
    """The reply to a question: sentences with citations, or an explicit abstention."""

    question: str
    standalone_question: str = ""  # the question rewritten with the conversation
    sentences: list[AnswerSentence] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)
    abstained: bool = False
    papers: dict[str, Paper] = Field(default_factory=dict)  # cited papers by id
    settings_hash: str = ""
    latency_ms: float = 0.0


class AnswerEvent(BaseModel):
    """One step of a streamed answer (``Library.ask_stream``): a piece of the LLM's draft as it is
    written ("token"), a message for the user ("notice", e.g. the endpoint failed), and last the
    checked Answer ("answer"), which replaces the draft."""

    kind: Literal["token", "notice", "answer"]
    text: str = ""
    answer: Answer | None = None


Reference.model_rebuild()
