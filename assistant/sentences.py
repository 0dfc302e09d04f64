"""Sentence boundaries (Punkt, with scholarly abbreviations), shared by the chunker and the answerer.

Apart from chunking.py so that answering a question does not import llama-index: the Punkt
model is read from the nltk data llama-index ships, located without importing llama-index.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path
from typing import Any

_ABBREVIATIONS = {
    "et al", "al", "e.g", "i.e", "fig", "figs", "eq", "eqs", "no", "nos", "vol", "vols", "pp", "p", "cf", "vs",
    "approx", "dr", "prof", "u.s", "u.k", "sec", "secs", "ch", "ed", "eds", "resp", "ref", "refs", "tab", "zh",
    "st", "mr", "mrs", "ms", "jr", "inc", "ltd", "co", "dept", "univ", "viz", "ca", "op", "cit", "ibid",
}


def nltk_cache() -> Path:
    """The nltk data llama-index ships (Punkt tables, stop words), found without importing llama-index."""
    spec = importlib.util.find_spec("llama_index.core")
    return Path(next(iter(spec.submodule_search_locations))) / "_static" / "nltk_cache"


@lru_cache(maxsize=1)
def nltk_data_dir() -> str:
    """:func:`nltk_cache`, added to nltk's search path."""
    from nltk.data import path as nltk_path

    folder = str(nltk_cache())
    if folder not in nltk_path:
        nltk_path.append(folder)
    return folder


@lru_cache(maxsize=1)
def _punkt() -> Any:
    from nltk.tokenize.punkt import PunktTokenizer

    nltk_data_dir()
    tokenizer = PunktTokenizer("english")
    tokenizer._params.abbrev_types.update(_ABBREVIATIONS)
    return tokenizer


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentence (start, end) offsets: newline-separated blocks (headings), then Punkt sentences."""
    spans: list[tuple[int, int]] = []
    offset = 0
    for block in text.split("\n"):
        spans += [(offset + start, offset + end) for start, end in _block_spans(block)]
        offset += len(block) + 1
    return spans


@lru_cache(maxsize=4096)
def _block_spans(block: str) -> tuple[tuple[int, int], ...]:
    """Cached: a page is split when it is read and its blocks again when it is chunked (Punkt
    takes ~50 ms a page); the cache holds the blocks of the pages of about two papers."""
    return tuple(_punkt().span_tokenize(block))


def split_sentences(text: str) -> list[str]:
    """Sentences with their trailing space, so they join back into ``text`` (SentenceSplitter needs that)."""
    starts = [0] + [start for start, _ in sentence_spans(text)[1:]]
    return [text[s:e] for s, e in zip(starts, starts[1:] + [len(text)])]
