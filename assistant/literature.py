"""The registry of cited works: which references resolve to papers in the library.

``references.py`` parses reference lists; this module links them to library papers (both
ways: a new paper is linked to the references citing it, and its own references to papers
already there) and answers the registry's questions: cited by whom, what is missing, what a
BibTeX export of some papers and their cited works holds.

Two entries denote the same work when ``reference_matches`` would link one to a paper
described like the other (equal DOIs, else fuzzy normalised title with year and first-author
surname) — the test that links references to papers also groups the works no paper matches.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from rapidfuzz import fuzz, process
from rapidfuzz.utils import default_process

from .records import Paper, Reference
from .references import LINK_THRESHOLD, LinkCandidates, reference_matches
from .render import author_label

T = TypeVar("T")

CANDIDATE_RATIO = 80
"""rapidfuzz ratio (0..100) of two entries' title forms from which ``same_work`` is asked.

``reference_matches`` costs ~30 µs, and grouping would ask it of every entry against every work
found so far — minutes for a library of a few thousand entries. A C-speed ratio over the title
forms picks the few candidates first: a pair that links has a title ratio of 0.89 or more, so
80 leaves a margin for the small differences between this normalisation and the parser's."""

_CONTRACT_FIELDS = ("key", "authors", "year", "title", "venue", "volume", "issue", "pages", "doi", "url")
_DESCRIPTIVE_FIELDS = ("authors", "year", "title", "venue", "volume", "issue", "pages", "doi", "url")


@dataclass
class MissingWork:
    """A cited work that is not in the library, with every library paper that cites it."""

    reference: Reference  # the fullest of the entries that cite it
    citations: list[tuple[Paper, Reference]]  # each citing paper with its own entry for the work

    @property
    def citing(self) -> list[Paper]:
        return list({paper.id: paper for paper, _ in self.citations}.values())

    @property
    def mentions(self) -> int:
        """In-text citations of the work across the citing papers."""
        return sum(len(ref.contexts) for _, ref in self.citations)


def paper_label(paper: Paper) -> str:
    """'Madaminova 2023' — how a paper is named in messages."""
    return f"{author_label(paper.authors)} {paper.year or 'n.d.'}"


def best_match(ref: Reference, papers: dict[str, Paper], citing_id: str) -> str | None:
    """The id of the library paper this reference denotes, if one matches well enough."""
    scored = [(reference_matches(ref, p), pid) for pid, p in papers.items() if pid != citing_id]
    score, pid = max(scored, default=(0.0, None))
    return pid if score >= LINK_THRESHOLD else None


def link_all(citing: list[tuple[str, Reference]], papers: dict[str, Paper]
             ) -> tuple[list[tuple[str, Reference]], list[tuple[str, str]]]:
    """Re-resolve every reference; return the changed references and the new (citing, cited) links.

    Each reference is scored against its candidates only (``LinkCandidates``): the same links as
    scoring every paper, since no other paper can reach the threshold."""
    candidates = LinkCandidates(papers)
    updates: list[tuple[str, Reference]] = []
    links: list[tuple[str, str]] = []
    for pid, ref in citing:
        target = best_match(ref, candidates.of(ref), pid)
        if target != ref.linked_paper:
            updates.append((pid, ref.model_copy(update={"linked_paper": target})))
            if target:
                links.append((pid, target))
    return updates, links


def cited_by(paper_id: str, citing: list[tuple[str, Reference]], papers: dict[str, Paper]
             ) -> list[tuple[Paper, Reference]]:
    """The library papers whose reference lists link to ``paper_id``, each with the entry that does."""
    return [(papers[pid], ref) for pid, ref in citing if ref.linked_paper == paper_id and pid in papers]


def missing(citing: list[tuple[str, Reference]], papers: dict[str, Paper]) -> list[MissingWork]:
    """Every cited work not in the library, once, most-cited first (then most mentioned in the text)."""
    unlinked = [(papers[pid], ref) for pid, ref in citing if pid in papers and ref.linked_paper not in papers]
    works = [MissingWork(fullest([ref for _, ref in group]), group) for group in group_works(unlinked)]
    return sorted(works, key=lambda w: (-len(w.citing), -w.mentions, w.reference.key))


def cited_works(selected: list[Paper], citing: list[tuple[str, Reference]], papers: dict[str, Paper]
                ) -> tuple[list[Paper], list[Reference]]:
    """What the selected papers cite: the other library papers, and the works not in the library (once each)."""
    chosen = {paper.id for paper in selected}
    entries = [(pid, ref) for pid, ref in citing if pid in chosen]
    linked = {ref.linked_paper: papers[ref.linked_paper] for _, ref in entries
              if ref.linked_paper in papers and ref.linked_paper not in chosen}
    unlinked = [(pid, ref) for pid, ref in entries if ref.linked_paper not in papers]
    return list(linked.values()), [fullest([ref for _, ref in group]) for group in group_works(unlinked)]


def same_work(a: Reference, b: Reference) -> bool:
    """Whether two reference entries denote one work (see the module docstring)."""
    return reference_matches(a, _as_paper(b)) >= LINK_THRESHOLD


def group_works(items: list[tuple[T, Reference]]) -> list[list[tuple[T, Reference]]]:
    """Group (owner, entry) pairs by the work the entry denotes, in order of first appearance."""
    works: _Works[T] = _Works()
    for item in items:
        works.add(item)
    return works.groups


def fullest(refs: list[Reference]) -> Reference:
    """The entry that says most about the work (the first of equals)."""
    return max(refs, key=lambda ref: sum(bool(getattr(ref, name)) for name in _DESCRIPTIVE_FIELDS))


def reference_json(ref: Reference) -> dict[str, Any]:
    """One entry of the ``refs --json`` contract (issue 6)."""
    return {name: getattr(ref, name) for name in _CONTRACT_FIELDS} | {
        "status": "in_library" if ref.linked_paper else "missing",
        "linked_paper": ref.linked_paper,
        "contexts": [context.model_dump() for context in ref.contexts],
    }


class _Works(Generic[T]):
    """Entries grouped by work as they come: each is compared with the first entry of each group.

    Only the groups sharing its DOI, or with a title form close to one of its own (``CANDIDATE_RATIO``),
    are asked ``same_work``.
    """

    def __init__(self) -> None:
        self.groups: list[list[tuple[T, Reference]]] = []
        self._forms: list[str] = []  # title forms of the groups' first entries
        self._form_group: list[int] = []  # the group of each form
        self._doi_group: dict[str, int] = {}

    def add(self, item: tuple[T, Reference]) -> None:
        ref = item[1]
        found = self._find(ref)
        if found is not None:
            self.groups[found].append(item)
            return
        self.groups.append([item])
        forms = _title_forms(ref)
        self._forms += forms
        self._form_group += [len(self.groups) - 1] * len(forms)
        if ref.doi:
            self._doi_group.setdefault(ref.doi.lower(), len(self.groups) - 1)

    def _find(self, ref: Reference) -> int | None:
        candidates = {self._form_group[i] for form in _title_forms(ref)
                      for _, _, i in process.extract(form, self._forms, scorer=fuzz.ratio, processor=None,
                                                     score_cutoff=CANDIDATE_RATIO, limit=None)}
        if ref.doi and ref.doi.lower() in self._doi_group:
            candidates.add(self._doi_group[ref.doi.lower()])
        return next((g for g in sorted(candidates) if same_work(self.groups[g][0][1], ref)), None)


def _title_forms(ref: Reference) -> list[str]:
    """The lower-cased, punctuation-free title, and its main title (before a colon) when that has 3+ words.

    These mirror the forms ``reference_matches`` compares, so candidates are not missed.
    """
    title = ref.title or ""
    main = title.split(":")[0]
    forms = [default_process(title)] + ([default_process(main)] if ":" in title and len(main.split()) >= 3 else [])
    return [form for form in forms if form]


def _as_paper(ref: Reference) -> Paper:
    """A reference entry described as a paper, so ``reference_matches`` can compare two entries."""
    return Paper(id="", file_name="", sha256="", title=ref.title or "", authors=ref.authors, year=ref.year,
                 doi=ref.doi)
