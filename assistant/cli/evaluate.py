"""`assistant eval`: score a ground-truth question set and write a report."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import click

from .common import fail, index_option, user_errors

DEFAULT_OUT = Path("evals/reports/latest")


@click.command(name="eval")
@click.argument("questions", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@index_option
@click.option("--corpus", type=click.Path(exists=True, file_okay=False), multiple=True,
              help="Folder of PDFs to index first (repeatable; reused while its files are unchanged).")
@click.option("--splits", type=click.Path(dir_okay=False), default="evals/splits.json", show_default=True,
              help="Which papers are development and which validation: metrics are reported per split "
                   "(ignored when the file does not exist).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=str(DEFAULT_OUT), show_default=True,
              help="Where report.json, report.md and metrics.png go.")
@click.option("--baselines", is_flag=True,
              help="Also score dense-only, BM25-only and the stock llama-index pipeline, side by side.")
@click.option("--compare", default=None, metavar="BACKENDS",
              help="Score these answer backends side by side instead, e.g. extractive,llm (llm needs "
                   "ASSISTANT_LLM__BASE_URL).")
@click.option("--choice", is_flag=True,
              help="LitQA2-style multiple choice on the questions with distractors (needs an LLM): accuracy "
                   "and precision, written to choice.md/choice.json.")
@user_errors
def evaluate(questions: tuple[str, ...], index_dir: str | None, corpus: tuple[str, ...], splits: str, out_dir: str,
             baselines: bool, compare: str | None, choice: bool) -> None:
    """Score QUESTIONS (JSON Lines files, see ../shared/evals/SCHEMA.md) against the library.

    Every question goes through the same path as `assistant ask` (follow-ups with their
    history). Reports every SCHEMA metric with its 95% bootstrap interval, per question
    type and per split (development / validation / paraphrases), and the failing questions
    with what was cited against the gold evidence.

    \b
    Examples:
      assistant eval evals/corpus.jsonl --corpus ../shared/corpus
      assistant eval evals/corpus.jsonl evals/real.jsonl --corpus ../shared/corpus --corpus ../shared/corpus-litqa
      assistant eval theirs.jsonl --index ~/lib --out /tmp/report --baselines
      assistant eval evals/corpus.jsonl --corpus ../shared/corpus --compare extractive,llm
      assistant eval ../shared/evals/litqa-dev.jsonl --corpus ../shared/corpus-litqa --choice
    """
    from ..evaluate import run_eval, summary_table, write_report
    from ..evaluate.questions import load_splits
    from ..evaluate.backends import BackendError, compare_configs
    from ..evaluate.baselines import retriever_only, stock_llama_index
    from ..render import answer_json

    items = _load_all(questions)
    library = _eval_library(index_dir, corpus)
    papers = library.papers()
    if choice:
        _choice_eval(library, items, Path(out_dir), ", ".join(questions))
        return
    try:
        configs = compare_configs(library, [n.strip() for n in compare.split(",")]) if compare else {}
    except BackendError as exc:
        fail(f"--compare: {exc}", 2)
    if baselines:
        configs |= {"dense-only": retriever_only(library, "dense"), "bm25-only": retriever_only(library, "sparse"),
                   "stock-llama-index": stock_llama_index(library)}
    primary = None if compare else (lambda q, h: answer_json(library.ask(q, history=h)))
    split_map = load_splits(splits) if Path(splits).is_file() else {}
    result = run_eval(items, primary, library.page_text, {p.file_name: p.page_labels for p in papers},
                      configs=configs or None, split=lambda q: _split_name(q, split_map))
    result.meta.update({"questions_file": ", ".join(questions), "index": str(library.dir),
                        "settings_hash": library.settings.hash()})
    paths = write_report(result, Path(out_dir))
    click.echo(summary_table(result))
    click.echo(f"\nreport: {paths['md']}  ·  {paths['json']}")
    if result.errors:
        click.echo(f"{result.errors} questions raised errors (see the report)", err=True)
        sys.exit(1)


def _choice_eval(library, items, out_dir: Path, questions: str) -> None:
    from ..evaluate.backends import BackendError, library_chooser
    from ..evaluate.choice import run_choice, summary, write_choice_report

    try:
        choose = library_chooser(library)
    except BackendError as exc:
        fail(f"--choice: {exc}", 2)
    if not any(q.distractors for q in items):
        fail(f"--choice: no question in {questions} has distractors", 2)
    result = run_choice(items, choose)
    meta = {"questions_file": str(questions), "index": str(library.dir), "model": library.settings.llm.model,
            "settings_hash": library.settings.hash()}
    paths = write_choice_report(result, out_dir, meta)
    click.echo(summary(result))
    click.echo(f"\nreport: {paths['md']}  ·  {paths['json']}")


def _split_name(question, split_map: dict) -> str | None:
    """A question's split for the report: its papers' split; a paraphrase is reported on its own."""
    from ..evaluate.questions import split_of

    if not split_map:
        return None
    name = split_of(question, split_map)
    return f"{name} (paraphrased)" if question.paraphrase_of else name


def _load_all(paths: tuple[str, ...]) -> list:
    """The questions of every file, in order; ids must stay unique across the files."""
    from ..evaluate import QuestionSetError, load_questions

    items = []
    for path in paths:
        try:
            items += load_questions(path)
        except QuestionSetError as exc:
            fail(str(exc), 2)
    ids = [q.id for q in items]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        fail(f"question ids repeated across the files: {', '.join(twice[:5])}", 2)
    return items


def _eval_library(index_dir: str | None, corpora: tuple[str, ...]):
    """The library to evaluate: --index, or one named after the corpora's contents, indexed first."""
    from ..api import Library

    library = Library(index_dir or (_corpus_index([Path(c) for c in corpora]) if corpora else None))
    if corpora:
        _index_corpus(library, corpora)
    if not library.papers():
        fail(f"the library in {library.dir} is empty; pass --corpus DIR or add papers first", 1)
    return library


def _corpus_index(corpora: list[Path]) -> Path:
    """A library folder named after the corpora's contents, so unchanged corpora reuse their index."""
    from ..papers import file_sha256
    from ..settings import get_settings

    digest = hashlib.sha256()
    for pdf in sorted(p for corpus in corpora for p in corpus.rglob("*") if p.suffix.lower() == ".pdf"):
        digest.update(f"{pdf.name}:{file_sha256(pdf)}".encode())
    settings = get_settings()
    return Path(settings.index_dir) / f"eval-{digest.hexdigest()[:12]}-{settings.vector_fingerprint()}"


def _index_corpus(library, corpora: tuple[str, ...]) -> None:
    results = library.add(list(corpora))
    for r in results:
        if r.status == "failed":
            click.echo(f"not indexed: {r.path}: {r.message}", err=True)


@click.command(name="fit")
@click.argument("questions", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@index_option
@click.option("--corpus", type=click.Path(exists=True, file_okay=False), multiple=True,
              help="Folder of PDFs to index first (repeatable; reused while its files are unchanged).")
@click.option("--splits", type=click.Path(exists=True, dir_okay=False), default="evals/splits.json",
              show_default=True, help="Which papers are development and which validation.")
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="Where the fitted model goes (default: the bundled assistant/answer_model.json).")
@click.option("--max-false-abstention", type=float, default=0.10, show_default=True,
              help="The abstention threshold is chosen with at most this share of answerable questions refused.")
@click.option("--support-only", is_flag=True,
              help="Keep the current model's candidate weights too; refit only when to abstain.")
@user_errors
def fit_model(questions: tuple[str, ...], index_dir: str | None, corpus: tuple[str, ...], splits: str,
              out: str | None, max_false_abstention: float, support_only: bool) -> None:
    """Fit the answerer's scoring model on the development questions of QUESTIONS.

    Only questions whose papers are all in the "development" split of --splits are used
    (paraphrases never): the validation questions stay unseen, to judge the fit. The candidate
    weights, the support model and the abstention threshold are fitted; the keep shares (how near
    the best sentence a further one must come) stay those of the current model.
    --support-only refits the abstention part alone (the support model and its threshold), e.g.
    after adding unanswerable questions of a new kind, leaving every answer's sentences as they are.

    \b
    Examples:
      assistant fit evals/corpus.jsonl evals/real.jsonl ../shared/evals/litqa-dev.jsonl \\
          --corpus ../shared/corpus --corpus ../shared/corpus-litqa
    """
    from ..answer import BUNDLED_MODEL
    from ..evaluate.fit import describe_questions, fit
    from ..evaluate.questions import load_splits, split_of

    split_map = load_splits(splits)
    chosen = [q for q in _load_all(questions) if split_of(q, split_map) == "development" and not q.paraphrase_of]
    library = _eval_library(index_dir, corpus)
    answerer, described = describe_questions(library, chosen)
    model = fit(described, answerer, library.settings.answer.max_sentences, answerer.model, max_false_abstention,
                support_only=support_only)
    model.save(out or BUNDLED_MODEL)
    click.echo(f"fitted on {len(chosen)} development questions ({model.fitted_on['candidates']} candidates, "
               f"{model.fitted_on['positives']} right); threshold {model.threshold}, keep {model.keep}")
    for name, weight in sorted(model.weights.items(), key=lambda kv: -abs(kv[1])):
        click.echo(f"  {name:18s} {weight:+.3f}")
    click.echo(f"written: {out or BUNDLED_MODEL}")
