"""`assistant eval`: score a ground-truth question set and write a report."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import click

from .common import fail, index_option, user_errors

DEFAULT_OUT = Path("evals/reports/latest")


@click.command(name="eval")
@click.argument("questions", type=click.Path(exists=True, dir_okay=False))
@index_option
@click.option("--corpus", type=click.Path(exists=True, file_okay=False), default=None,
              help="Folder of PDFs to index first (reused while its files are unchanged).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=str(DEFAULT_OUT), show_default=True,
              help="Where report.json, report.md and metrics.png go.")
@click.option("--baselines", is_flag=True,
              help="Also score dense-only, BM25-only and the stock llama-index pipeline, side by side.")
@user_errors
def evaluate(questions: str, index_dir: str | None, corpus: str | None, out_dir: str, baselines: bool) -> None:
    """Score QUESTIONS (JSON Lines, see ../shared/evals/SCHEMA.md) against the library.

    Every question goes through the same path as `assistant ask` (follow-ups with their
    history). Reports every SCHEMA metric with its 95% bootstrap interval, per question
    type, and the failing questions with what was cited against the gold evidence.

    \b
    Examples:
      assistant eval evals/corpus.jsonl --corpus ../shared/corpus
      assistant eval theirs.jsonl --index ~/lib --out /tmp/report --baselines
    """
    from ..api import Library
    from ..evaluate import QuestionSetError, load_questions, run_eval, summary_table, write_report
    from ..evaluate.baselines import retriever_only, stock_llama_index
    from ..render import answer_json

    try:
        items = load_questions(questions)
    except QuestionSetError as exc:
        fail(str(exc), 2)
    library = Library(index_dir or (_corpus_index(Path(corpus)) if corpus else None))
    if corpus:
        _index_corpus(library, Path(corpus))
    papers = library.papers()
    if not papers:
        fail(f"the library in {library.dir} is empty; pass --corpus DIR or add papers first", 1)
    configs = {}
    if baselines:
        configs = {"dense-only": retriever_only(library, "dense"), "bm25-only": retriever_only(library, "sparse"),
                   "stock-llama-index": stock_llama_index(library)}
    result = run_eval(items, lambda q, h: answer_json(library.ask(q, history=h)), library.page_text,
                      {p.file_name: p.page_labels for p in papers}, configs=configs or None)
    result.meta.update({"questions_file": str(questions), "index": str(library.dir),
                        "settings_hash": library.settings.hash()})
    paths = write_report(result, Path(out_dir))
    click.echo(summary_table(result))
    click.echo(f"\nreport: {paths['md']}  ·  {paths['json']}")
    if result.errors:
        click.echo(f"{result.errors} questions raised errors (see the report)", err=True)
        sys.exit(1)


def _corpus_index(corpus: Path) -> Path:
    """A library folder named after the corpus contents, so an unchanged corpus reuses its index."""
    from ..papers import file_sha256
    from ..settings import get_settings

    digest = hashlib.sha256()
    for pdf in sorted(p for p in corpus.rglob("*") if p.suffix.lower() == ".pdf"):
        digest.update(f"{pdf.name}:{file_sha256(pdf)}".encode())
    settings = get_settings()
    return Path(settings.index_dir) / f"eval-{digest.hexdigest()[:12]}-{settings.vector_fingerprint()}"


def _index_corpus(library, corpus: Path) -> None:
    results = library.add([corpus])
    for r in results:
        if r.status == "failed":
            click.echo(f"not indexed: {r.path}: {r.message}", err=True)
