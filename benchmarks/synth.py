#!/usr/bin/env python
"""Synthetic libraries of 1k-100k chunks, written straight into a library's catalogue and vectors.

    python benchmarks/synth.py OUT_DIR --chunks 10000 [--pdfs ../shared/corpus-litqa --pool-papers 4] [--embed]

No PDF is made or parsed per synthetic paper: the scale test is about retrieval and answering
over many chunks, and embedding 100k chunks would take hours on 2 cores. What is synthetic:

- **Text.** A pool of real sentences is read once from a few real PDFs (``read_pdf`` and the
  project's sentence splitter). Each chunk is 5-9 pool sentences in which ~6% of the words are
  replaced by rare terms drawn from a Zipf law over 300k made-up words (gene- and
  acronym-like), so the vocabulary grows with the library as it does with real papers (the
  BM25 index and posting lists grow with it). ~100 chunks a paper, 8 a page (the 82-paper
  library had 8,415 chunks), 40 reference entries a paper.
- **Vectors.** Each pool sentence is embedded for real (the library's encoder); a chunk's vector
  is the normalised mean of its sentences' vectors plus small Gaussian noise, so a chunk stays
  near its content in the real model's space (anisotropic, clustered), without encoding the
  chunk. ``--embed`` encodes every chunk for real instead (fine at 1k).
- **Pages.** A page's clean and raw text are its chunks joined (identity offset map), so
  citations validate against them exactly as on real pages.

Questions for the scale benchmark come from ``questions()``: word spans of random chunks, with
the rare term kept, i.e. questions a passage answers.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from pathlib import Path
from typing import Any, Iterator

from common import REPO  # noqa: F401  (puts the repo on sys.path)

import numpy as np

CHUNKS_PER_PAGE = 8
PAGES_PER_PAPER = 12
REFS_PER_PAPER = 40
RARE_SHARE = 0.06
RARE_VOCAB = 300_000
SURNAMES = ["Smith", "Nguyen", "Garcia", "Müller", "Kowalski", "Tanaka", "Okafor", "Haddad", "Larsen", "Rossi",
            "Chen", "Ivanova", "Silva", "Kim", "Dubois", "Novak", "Patel", "Andersson", "Moreau", "Yilmaz"]
SYLLABLES = ["ka", "ri", "to", "mel", "zan", "dor", "phi", "qua", "lex", "ost", "yn", "ber", "gam", "tur", "vo", "sil"]


def sentence_pool(pdfs: list[Path], limit: int) -> list[str]:
    """Real sentences (25-300 characters) from the body pages of a few real papers."""
    from assistant.pdf import read_pdf
    from assistant.sentences import sentence_spans

    pool: list[str] = []
    for pdf in pdfs:
        pages, _ = read_pdf(pdf)
        for page in pages:
            pool += [page.clean[a:b] for a, b in sentence_spans(page.clean) if 25 <= b - a <= 300]
    random.Random(0).shuffle(pool)
    return pool[:limit]


def rare_term(rank: int) -> str:
    """A made-up word for a Zipf rank: syllables, sometimes with a digit (like gene names)."""
    rng = random.Random(rank)
    word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
    return word + (str(rng.randint(1, 99)) if rng.random() < 0.3 else "")


class Writer:
    """Makes papers from the pool and stores them through the library's own catalogue and vector store."""

    def __init__(self, library: Any, pool: list[str], pool_vectors: np.ndarray, embed: bool, seed: int = 0):
        self.library = library
        self.store = library.vectors.vector_store  # one handle: the library reopens it when the version moves
        self.pool = pool
        self.pool_vectors = pool_vectors
        self.embed = embed
        self.rng = np.random.default_rng(seed)
        self.zipf_cache: list[int] = []

    def _rare(self) -> str:
        if not self.zipf_cache:
            self.zipf_cache = [int(r) for r in self.rng.zipf(1.15, 50_000) if r < RARE_VOCAB]
        return rare_term(self.zipf_cache.pop())

    def _chunk_text(self) -> tuple[str, list[int]]:
        picks = [int(i) for i in self.rng.integers(0, len(self.pool), int(self.rng.integers(5, 10)))]
        words = " ".join(self.pool[i] for i in picks).split()
        hits = self.rng.random(len(words)) < RARE_SHARE
        return " ".join(self._rare() if hit else w for w, hit in zip(words, hits)), picks

    def paper(self, n: int) -> tuple[Any, list[Any], list[Any], list[Any], np.ndarray]:
        from assistant.records import Chunk, Page, Paper, Reference
        from assistant.sentences import sentence_spans

        rng = random.Random(n)
        pid = f"synth:{n:06d}"
        authors = [f"{rng.choice('ABCDEFGHJKLMNPRST')}. {rng.choice(SURNAMES)}" for _ in range(rng.randint(1, 5))]
        year = str(rng.randint(1990, 2025))
        pages, chunks, vectors = [], [], []
        for p in range(PAGES_PER_PAPER):
            texts, spans, offset = [], [], 0
            for _ in range(CHUNKS_PER_PAGE):
                text, picks = self._chunk_text()
                texts.append(text)
                spans.append((offset, offset + len(text)))
                offset += len(text) + 1
                mean = self.pool_vectors[picks].mean(axis=0) + self.rng.normal(0, 0.01, self.pool_vectors.shape[1])
                vectors.append(mean / np.linalg.norm(mean))
            clean = " ".join(texts)
            pages.append(Page(index=p, label=str(p + 1), text=clean, clean=clean, clean_runs=[(0, 0)],
                              sentences=sentence_spans(clean)))
            chunks += [Chunk(id=f"{pid}#p{p}-c{c}", paper_id=pid, file_name=f"synth_{n:06d}.pdf", page_index=p,
                             page_label=str(p + 1), start=a, end=b, text=t, raw=t,
                             kind="references" if p == PAGES_PER_PAPER - 1 and c >= CHUNKS_PER_PAGE // 2 else "body")
                       for c, ((a, b), t) in enumerate(zip(spans, texts))]
        title = self.pool[int(self.rng.integers(len(self.pool)))][:120]
        paper = Paper(id=pid, file_name=f"synth_{n:06d}.pdf", sha256=hashlib.sha256(pid.encode()).hexdigest(),
                      title=title, authors=authors, year=year, venue="Synthetic Journal",
                      page_labels=[str(p + 1) for p in range(PAGES_PER_PAPER)], n_chunks=len(chunks),
                      added_at=f"2026-01-01T00:00:{n % 60:02d}")
        refs = [Reference(index=i, raw=f"{rng.choice(SURNAMES)}, {rng.choice('ABCDE')}. ({rng.randint(1950, 2025)}). "
                                      f"{self._chunk_text()[0][:90]}. Journal of {self._rare().title()}, {i + 1}.",
                          authors=[f"{rng.choice(SURNAMES)}, {rng.choice('ABCDE')}."], year=str(rng.randint(1950, 2025)),
                          page=str(PAGES_PER_PAPER)) for i in range(REFS_PER_PAPER)]
        return paper, pages, chunks, refs, np.asarray(vectors, dtype=np.float32)

    def write(self, n: int) -> int:
        """Store paper ``n``: vectors first, then the catalogue row (as add does); its chunk count."""
        from llama_index.core.schema import TextNode

        from assistant.chunking import METADATA_KEYS

        paper, pages, chunks, refs, vectors = self.paper(n)
        if self.embed:
            vectors = np.asarray(self.library.encoder.encode([c.text for c in chunks]), dtype=np.float32)
        nodes = [TextNode(id_=c.id, text=c.text, embedding=v.tolist(), metadata=c.model_dump(include=set(METADATA_KEYS)),
                          excluded_embed_metadata_keys=METADATA_KEYS, excluded_llm_metadata_keys=METADATA_KEYS)
                 for c, v in zip(chunks, vectors)]
        self.store.add(nodes)
        self.library.catalogue.put(paper, pages, chunks, refs)
        return len(chunks)


def pool_vectors(library: Any, pool: list[str]) -> np.ndarray:
    return np.asarray(library.encoder.encode(pool), dtype=np.float32)


def generate(out: Path, n_chunks: int, pdfs: list[Path], pool_size: int, embed: bool) -> dict[str, Any]:
    from assistant.api import Library

    started = time.perf_counter()
    pool = sentence_pool(pdfs, pool_size)
    library = Library(out)
    vectors = pool_vectors(library, pool)
    pool_s = time.perf_counter() - started
    (out / "synth_pool.json").write_text(json.dumps(pool))
    writer = Writer(library, pool, vectors, embed)
    per_paper = CHUNKS_PER_PAGE * PAGES_PER_PAPER
    written = 0
    for n in range((n_chunks + per_paper - 1) // per_paper):
        written += writer.write(n)
        if n % 50 == 0:
            print(f"  {written} chunks", file=sys.stderr)
    info = {"chunks": written, "papers": (n_chunks + per_paper - 1) // per_paper, "pool_sentences": len(pool),
            "pool_s": round(pool_s, 1), "write_s": round(time.perf_counter() - started - pool_s, 1),
            "vectors": "encoded" if embed else "mean of real sentence vectors + noise"}
    (out / "synth.json").write_text(json.dumps(info))
    return info


def questions(library_dir: Path, n: int, seed: int = 1) -> Iterator[str]:
    """Questions a stored chunk answers: 6-10 words of a random chunk, one of them a rare term when it has one."""
    import sqlite3

    rng = random.Random(seed)
    db = sqlite3.connect(library_dir / "library.db")
    total = db.execute("SELECT max(rowid) FROM chunks").fetchone()[0]
    for _ in range(n):
        row = db.execute("SELECT record FROM chunks WHERE rowid >= ? LIMIT 1", (rng.randint(1, total),)).fetchone()
        words = json.loads(row[0])["text"].split()
        start = rng.randrange(max(1, len(words) - 10))
        yield "What is known about " + " ".join(words[start : start + rng.randint(6, 10)]).strip(".,;:") + "?"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="library folder to create (must not hold a library yet)")
    parser.add_argument("--chunks", type=int, default=1000)
    parser.add_argument("--pdfs", type=Path, default=REPO.parent / "shared" / "corpus-litqa",
                        help="real PDFs for the sentence pool (default %(default)s)")
    parser.add_argument("--pool-papers", type=int, default=4, help="how many of them to read (default %(default)s)")
    parser.add_argument("--pool-size", type=int, default=2000, help="sentences kept (default %(default)s)")
    parser.add_argument("--embed", action="store_true", help="encode every chunk for real (slow beyond ~5k)")
    args = parser.parse_args(argv)
    if (args.out / "library.db").exists():
        print(f"{args.out} already holds a library", file=sys.stderr)
        return 2
    pdfs = sorted(args.pdfs.glob("*.pdf"))[: args.pool_papers]
    print(json.dumps(generate(args.out, args.chunks, pdfs, args.pool_size, args.embed)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
