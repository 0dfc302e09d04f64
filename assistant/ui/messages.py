"""An answer as a chat message: citations as links that open their evidence, quotes folded.

The links are ``#cite-N`` (1-based), which the page's script turns into "open citation N of this
answer" (see ``assets.py``); copied as Markdown they stay readable. The quotes are folded under
a toggle because an extractive answer already reads them out.
"""

from __future__ import annotations

from ..records import Answer
from ..render import ABSTENTION, answer_text, author_label, quote_list, reference_entry

EMPTY_LIBRARY = ("The library is empty. Add PDFs with **Add PDFs** in the Library panel on the left, "
                 "then ask again.")


def answer_message(answer: Answer) -> str:
    if answer.abstained:
        return ABSTENTION
    text = answer_text(answer, link=lambda i, label: f"[{label}](#cite-{i + 1})")
    quotes = "\n".join(quote_list(answer))
    references = "\n".join(f"- {reference_entry(p)}"
                           for p in sorted(answer.papers.values(), key=lambda p: author_label(p.authors)))
    return (f"{text}\n\n<details><summary>Quotes ({len(answer.citations)})</summary>\n\n{quotes}\n\n</details>\n\n"
            f"**References**\n\n{references}")
