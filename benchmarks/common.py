"""What both benchmark scripts record next to their figures: where the repo is, and which code
and settings were measured (the machine and the work tree are shared, so a run says what it ran)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from contextlib import contextmanager, redirect_stdout
from functools import wraps
from pathlib import Path
from typing import Any, Callable, Iterator

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

DEFAULT_CORPUS = REPO.parent / "shared" / "corpus"


def code_state() -> dict[str, Any]:
    """Which code was measured: HEAD plus the files edited on top of it (the tree is shared)."""
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    return {"head": git("rev-parse", "--short", "HEAD"),
            "modified": [line[3:] for line in git("status", "--porcelain", "--untracked-files=no").splitlines()]}


def settings_state(settings: Any) -> dict[str, Any]:
    return {"chunk": settings.chunk.model_dump(), "embed": settings.embed.model_dump(exclude={"model_path"}),
            "settings_hash": settings.hash()}


def write_results(out: Path, report: dict[str, Any], print_table: Callable[[dict[str, Any]], None]) -> None:
    """The figures as JSON, and the printed table beside it as .txt (and on the terminal)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    table = io.StringIO()
    with redirect_stdout(table):
        print_table(report)
    out.with_suffix(".txt").write_text(table.getvalue().lstrip("\n"))
    print(table.getvalue())
    print(f"wrote {out} and {out.with_suffix('.txt').name}")


@contextmanager
def hooked(target: Any, attr: str, make: Callable[[Any, Any], Any]) -> Iterator[None]:
    """Replace ``target.attr`` by ``make(original, raw)`` for the duration, then restore it.

    ``raw`` is the attribute as stored on the target itself (a cached_property, say), or the
    original when it is inherited. A hook whose target no longer exists (the code moved on) is
    skipped with a note: that stage's time then shows in its caller.
    """
    if not hasattr(target, attr):
        print(f"note: no {getattr(target, '__name__', type(target).__name__)}.{attr} to time; skipped",
              file=sys.stderr)
        yield
        return
    own = attr in getattr(target, "__dict__", {})
    original = getattr(target, attr)
    raw = target.__dict__[attr] if own else original
    setattr(target, attr, make(original, raw))
    try:
        yield
    finally:
        if own:
            setattr(target, attr, raw)
        else:
            delattr(target, attr)


def timed(fn: Callable, record: Callable[[float], None]) -> Callable:
    """``fn`` that hands the seconds of every call to ``record``, even when it raises."""
    @wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            record(time.perf_counter() - start)

    return call
