"""Score reference-list parsers against the hand-checked gold lists in tests/data/reference_gold/.

Per bibliography (one citation style each): entries found (recall of gold entries, one parsed
entry per gold entry, so merged entries count once), first-author surname, year and title
(rapidfuzz ratio >= 90) right, over all gold entries (an entry not found counts wrong).
Strings are compared after ``_norm``: ascii-folded, lower-case, letters and digits only — so
pypdf's lost or inserted spaces ("Cellad hesion", "P a r s o n s") do not decide a match.

Run ``.venv/bin/python tests/reference_scoring.py [ours|refextract]`` for a table.
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz

from assistant.references import ascii_fold

GOLD_DIR = Path(__file__).parent / "data" / "reference_gold"
SHARED = Path(__file__).resolve().parents[2] / "shared"
# PDFs of other fields, not in git: a gold source "extra:NAME" is $ASSISTANT_EXTRA_PDFS/NAME (see the README)
EXTRA_PDFS = Path(os.environ.get("ASSISTANT_EXTRA_PDFS", "/work/extra-pdfs"))
TITLE_RATIO = 90


@dataclass
class Parsed:
    """The fields a parser gives for one entry."""

    raw: str
    surname: str | None
    year: str | None
    title: str | None


@dataclass
class Gold:
    stem: str
    style: str
    split: str
    total: int
    pdf: Path
    entries: list[dict]
    extra: bool = False  # a PDF of another field, from $ASSISTANT_EXTRA_PDFS (not from ../shared/)


@dataclass
class Score:
    style: str
    split: str
    n: int
    found: float
    surname: float
    year: float
    title: float
    listed: int  # entries the parser returned for the whole list
    total: int  # true number of entries in the list


def _norm(text: str | None) -> str:
    return re.sub(r"[^a-z0-9]", "", ascii_fold(text or ""))


def load_gold() -> list[Gold]:
    out = []
    for path in sorted(GOLD_DIR.glob("*.jsonl")):
        meta, *entries = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        extra = meta["source"].startswith("extra:")
        pdf = EXTRA_PDFS / meta["source"][len("extra:"):] if extra else SHARED / meta["source"]
        out.append(Gold(path.stem, meta["style"], meta["split"], meta["total"], pdf, entries, extra))
    return out


def _matches(gold: dict, ref: Parsed) -> bool:
    """Does this parsed entry print the gold entry: its surname near the start (or, for a work printed without its
    authors' names, "(1982a), Title, …", the surname parsed from the entry before) and its title?"""
    raw = _norm(ref.raw)
    surname = _norm(gold["surname"])
    if surname and fuzz.partial_ratio(surname, raw[: len(surname) + 40]) < 90 and _norm(ref.surname) != surname:
        return False
    if gold["title"]:
        return fuzz.partial_ratio(_norm(gold["title"]), raw) >= TITLE_RATIO
    return bool(gold["year"]) and gold["year"][:4] in ref.raw


def _align(entries: list[dict], refs: list[Parsed]) -> list[Parsed | None]:
    """Each gold entry's parsed entry, in order, one to one (None when not found)."""
    out, used, start = [], set(), 0
    for gold in entries:
        hit = next((j for j in range(start, len(refs)) if j not in used and _matches(gold, refs[j])), None)
        if hit is None:
            hit = next((j for j in range(len(refs)) if j not in used and _matches(gold, refs[j])), None)
        if hit is not None:
            used.add(hit)
            start = hit + 1
        out.append(refs[hit] if hit is not None else None)
    return out


def score(gold: Gold, refs: list[Parsed]) -> Score:
    aligned = _align(gold.entries, refs)
    n = len(gold.entries)

    def rate(ok) -> float:
        return round(sum(bool(r) and ok(g, r) for g, r in zip(gold.entries, aligned)) / n, 3)

    return Score(
        style=gold.style, split=f"{gold.split} (other fields)" if gold.extra else gold.split, n=n,
        listed=len(refs), total=gold.total,
        found=rate(lambda g, r: True),
        surname=rate(lambda g, r: _norm(g["surname"]) == _norm(r.surname)),
        year=rate(lambda g, r: (g["year"] or "") == (r.year or "")),
        title=rate(lambda g, r: (not g["title"] and not r.title)
                   or bool(g["title"] and r.title and fuzz.ratio(_norm(g["title"]), _norm(r.title)) >= TITLE_RATIO)),
    )


def ours(pages) -> list[Parsed]:
    from assistant.references import extract_references

    return [Parsed(r.raw, r.first_author_surname, r.year, r.title) for r in extract_references(pages)]


def refextract(pages) -> list[Parsed]:
    """refextract (INSPIRE's pure-Python extractor) on the same page text."""
    from refextract import extract_references_from_string

    out = []
    for r in extract_references_from_string("\n".join(p.text for p in pages)):
        author = (r.get("author") or [""])[0]
        surname = re.split(r",|\s+(?=[A-Z]\.)", author)[0].strip() if "," in author else (author.split() or [None])[-1]
        out.append(Parsed(" ".join(r.get("raw_ref") or []), surname or None, (r.get("year") or [None])[0],
                          (r.get("title") or [None])[0]))
    return out


def table(parser_name: str) -> list[Score]:
    from assistant.pdf import read_pages

    parser = {"ours": ours, "refextract": refextract}[parser_name]
    return [score(g, parser(read_pages(g.pdf))) for g in load_gold() if g.pdf.is_file()]


FIELDS = ("found", "surname", "year", "title")


def pooled(scores: list[Score], split: str) -> dict[str, float]:
    """One split's rates over all its gold entries (each list weighted by its number of gold entries)."""
    chosen = [s for s in scores if s.split == split]
    if not chosen:
        return {}
    n = sum(s.n for s in chosen)
    return {f: sum(getattr(s, f) * s.n for s in chosen) / n for f in FIELDS}


def markdown(scores: list[Score]) -> str:
    rows = ["| split | style | gold | found | surname | year | title | listed / true total |", "|---" * 8 + "|"]
    for s in sorted(scores, key=lambda s: (s.split, s.style)):
        rows.append(f"| {s.split} | {s.style} | {s.n} | {s.found:.2f} | {s.surname:.2f} | {s.year:.2f} | {s.title:.2f} "
                    f"| {s.listed} / {s.total} |")
    for split in sorted({s.split for s in scores}):
        rates = pooled(scores, split)
        rows.append(f"\npooled {split} ({sum(s.n for s in scores if s.split == split)} entries): "
                    + " / ".join(f"{f} {rates[f]:.3f}" for f in FIELDS))
    return "\n".join(rows)


if __name__ == "__main__":
    print(markdown(table(sys.argv[1] if len(sys.argv) > 1 else "ours")))
