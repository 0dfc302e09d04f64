"""`assistant` command line: a thin shell over assistant.api.Library.

Exit codes: see EPILOG in common.py (shown by ``assistant --help``).
"""

from __future__ import annotations

import sys

import click

from .common import EPILOG
from .evaluate import evaluate, fit_model
from .graph import graph
from .importing import import_group
from .library import add, check, list_papers, remove
from .literature import cited_by, export, missing, refs
from .questions import ask, chat
from .ui import ui


@click.group(epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="assistant")
def cli() -> None:
    """A research assistant over a library of papers (PDFs).

    It answers from the indexed text only, and every answer sentence carries a citation a
    scholar can check: (Madaminova, 2023, p. 83) plus the verbatim quote from that page.
    When the papers do not support an answer, it says so.

    \b
    Quick start:
      assistant add ../shared/corpus           # add every PDF in a folder
      assistant list                           # what is in the library
      assistant ask "How many international migrants were there in 2019?"
      assistant chat                           # multi-turn, in the terminal
    """


for command in (add, list_papers, remove, check, ask, chat, evaluate, fit_model, ui, refs, cited_by, missing, export):
    cli.add_command(command)
cli.add_command(import_group)
cli.add_command(graph)


def main() -> None:
    import logging

    from ..settings import SecretFilter

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    for handler in logging.getLogger().handlers:  # bm25s sets its own logger to DEBUG when imported
        handler.setLevel(logging.WARNING)
    for handler in logging.getLogger().handlers:
        handler.addFilter(SecretFilter())  # a key or a password in a URL is never printed
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # repairs of broken files are not the user's business
    cli(prog_name="assistant")


if __name__ == "__main__":
    sys.exit(main())
