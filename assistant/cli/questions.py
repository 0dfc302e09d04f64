"""`assistant ask` and `assistant chat`."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..settings import scrub
from .common import fail, index_option, open_library, user_errors


def _load_history(path: str | None) -> list[dict[str, str]]:
    if not path:
        return []
    try:
        history = json.loads(Path(path).read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        fail(f"--history {path}: not UTF-8 text; save the turns as UTF-8 JSON", 2)
    except (OSError, json.JSONDecodeError) as exc:
        fail(f"--history {path}: cannot read a JSON list of turns ({exc})", 2)
    ok = isinstance(history, list) and all(
        isinstance(t, dict) and t.get("role") in ("user", "assistant") and isinstance(t.get("content"), str)
        for t in history)
    if not ok:
        fail(f'--history {path}: expected [{{"role": "user"|"assistant", "content": "..."}}, ...]', 2)
    return history


@click.command()
@click.argument("question")
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print the answer in the JSON contract (see README).")
@click.option("-k", "top_k", type=click.IntRange(1, 100), default=None, help="Passages to retrieve (default 10).")
@click.option("--history", type=click.Path(dir_okay=False), default=None,
              help='Earlier turns as a JSON file: [{"role": "user"|"assistant", "content": "..."}].')
@click.option("--paper", "papers", multiple=True, help="Restrict to this paper (file name, DOI or id); repeatable.")
@click.option("--stream", is_flag=True,
              help="With the LLM backend, print the draft as it is written (to stderr with --json), then the "
                   "checked answer.")
@user_errors
def ask(question: str, index_dir: str | None, as_json: bool, top_k: int | None, history: str | None,
        papers: tuple[str, ...], stream: bool) -> None:
    """Answer QUESTION from the library, citing page and quote for every sentence.

    When the papers do not support an answer it says "The indexed papers do not answer
    this." and cites nothing.

    \b
    Examples:
      assistant ask "What are the seven components of human security?"
      assistant ask "How many of them died in the Mediterranean?" --history turns.json
      assistant ask "Who coined securitization?" --json | jq .citations
      ASSISTANT_ANSWER__BACKEND=llm assistant ask "What is human security?" --stream
    """
    from ..render import answer_json, answer_markdown

    turns = _load_history(history)
    library = open_library(index_dir)
    paper_ids = [library.paper(p).id for p in papers] or None
    if stream:
        answer = _streamed(library.ask_stream(question, history=turns, k=top_k, paper_ids=paper_ids), as_json)
    else:
        answer = library.ask(question, history=turns, k=top_k, paper_ids=paper_ids)
    click.echo(json.dumps(answer_json(answer), indent=2, ensure_ascii=False) if as_json else answer_markdown(answer))


def _streamed(events, to_stderr: bool):
    """Echo the draft's pieces as they come and any notice; return the checked answer.

    Ctrl-C closes the stream (and with it the HTTP connection) on the way out.
    """
    drafted = False
    for event in events:
        if event.kind == "token":
            click.echo(event.text, nl=False, err=to_stderr)
            drafted = True
        elif event.kind == "notice":
            click.echo(("\n" if drafted else "") + scrub(event.text), err=True)
            drafted = False
        else:
            if drafted:
                click.echo("\n\n--- checked against the pages ---\n", err=to_stderr)
            return event.answer
    raise RuntimeError("the answer stream ended without an answer")


@click.command()
@index_option
@user_errors
def chat(index_dir: str | None) -> None:
    """Multi-turn questions in the terminal; follow-ups are read with the conversation.

    \b
    Commands: /papers (list the library), /clear (forget the conversation), /quit.
    A question that cannot be asked (too long, not UTF-8 text) is reported and the chat goes on.
    """
    from ..errors import InvalidQuestion
    from ..render import answer_markdown, answer_text

    library = open_library(index_dir)
    history: list[dict[str, str]] = []
    click.echo(f"Library {library.dir}: {len(library.papers())} papers. Ask a question; /quit to leave.")
    while True:
        try:
            line = click.prompt("you", prompt_suffix="> ").strip()
        except (EOFError, click.Abort):
            click.echo()
            return
        except UnicodeDecodeError:
            fail("the input is not UTF-8 text; check the terminal's encoding", 2)
        if line in ("/quit", "/exit", "/q"):
            return
        if line == "/clear":
            history = []
            click.echo("(conversation cleared)")
        elif line == "/papers":
            for p in library.papers():
                click.echo(f"- {p.file_name}: {p.title} ({p.year or 'n.d.'})")
        elif line:
            try:
                answer = library.ask(line, history=history)
            except InvalidQuestion as exc:
                click.echo(f"error: {exc}", err=True)
                continue
            click.echo(answer_markdown(answer) + "\n")
            cited = list(dict.fromkeys(c.paper_id for c in answer.citations))  # a follow-up stays with them
            history += [{"role": "user", "content": line},
                        {"role": "assistant", "content": answer_text(answer), "paper_ids": cited}]
