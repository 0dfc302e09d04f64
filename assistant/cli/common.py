"""Shared CLI pieces: the --index option, opening a library, turning errors into exit codes."""

from __future__ import annotations

import functools
import sys
from typing import Any, Callable

import click

EPILOG = """\b
Exit codes: 0 ok; 1 failed in part or whole (e.g. one bad PDF in a batch,
empty library, `check` found problems); 2 usage error (bad option, unknown
paper, no library in --index, question not UTF-8 or too long, unreadable
--history or settings.json); 3 try again later (library busy, Chroma server
unreachable); 130 interrupted (Ctrl+C).
Environment: ASSISTANT_INDEX_DIR (default library folder), ASSISTANT_CHROMA_URL
(use a `chroma run` server), ASSISTANT_LLM__BASE_URL / ASSISTANT_LLM__MODEL
(optional OpenAI-compatible LLM), ASSISTANT_USER_CONFIG (your settings file,
default ~/.config/assistant/settings.json). Endpoints and keys come only from
the environment or that file, never from a library's settings.json."""

index_option = click.option(
    "--index", "index_dir", type=click.Path(file_okay=False), default=None,
    help="Library folder (default: ./index of the project, or $ASSISTANT_INDEX_DIR).",
)


def open_library(index_dir: str | None, create: bool = False) -> Any:
    """The library in ``index_dir``; only commands that write (``create``) may make a new one."""
    from ..api import Library

    return Library(index_dir, create=create)


def fail(message: str, code: int = 1) -> None:
    from ..settings import scrub

    click.echo(f"error: {scrub(message)}", err=True)
    sys.exit(code)


def user_errors(func: Callable) -> Callable:
    """Show a library error as one line and an exit code, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from ..errors import LibraryError, Unavailable, UsageError
        from ..settings import SettingsError

        try:
            return func(*args, **kwargs)
        except (UsageError, SettingsError) as exc:
            fail(str(exc), 2)
        except Unavailable as exc:
            fail(str(exc), 3)
        except LibraryError as exc:
            fail(str(exc), 1)

    return wrapper
