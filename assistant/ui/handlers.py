"""What the page's events do: thin calls to the Library API, shaped for the components.

No retrieval or citation logic lives here: questions go to ``Library.ask`` with the
conversation as ``history`` (the API condenses follow-ups), answers are rendered by
``assistant.render``, and the evidence panel by ``ui.evidence``.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from html import escape
from pathlib import Path
from typing import Any

import gradio as gr

from ..api import LibraryError, safe_name
from ..records import Answer
from ..render import answer_markdown
from .evidence import evidence_html, page_images
from .views import find_row, paper_choice, paper_row, references_html, results_html


class Handlers:
    def __init__(self, library: Any):
        self.library = library

    # library panel ------------------------------------------------------------------------------
    def refresh(self, selected: str | None, filtered: list[str] | None) -> tuple:
        """Papers table, paper picker, question filter and references, from the library as it is now."""
        papers = self.library.papers()
        ids = {p.id for p in papers}
        choices = self.choices(papers)
        selected = selected if selected in ids else None
        return ([paper_row(p) for p in papers],
                gr.update(choices=choices, value=selected),
                gr.update(choices=choices, value=[i for i in filtered or [] if i in ids]),
                self.references(selected))

    def choices(self, papers: list | None = None) -> list[tuple[str, str]]:
        return [paper_choice(p) for p in (self.library.papers() if papers is None else papers)]

    def upload(self, files: list[str] | None, progress: gr.Progress = gr.Progress()) -> tuple:
        """Add the uploaded PDFs, one result row per file; the upload box is emptied for the next batch."""
        if not files:
            return gr.update(), None
        with tempfile.TemporaryDirectory(prefix="assistant-upload-") as folder:
            try:
                results = self.library.add(stage_uploads(files, Path(folder)), progress=_reporter(progress))
            except LibraryError as exc:
                raise gr.Error(str(exc)) from exc
        return results_html(results), None

    def pick_row(self, evt: gr.SelectData) -> Any:
        """Clicking a row of the papers table selects that paper."""
        paper = find_row(self.library.papers(), evt.row_value or [])
        return gr.update(value=paper.id) if paper else gr.update()

    def references(self, paper_id: str | None) -> str:
        papers = {p.id: p for p in self.library.papers()}
        paper = papers.get(paper_id or "")
        return references_html(paper, self.library.references(paper.id) if paper else [], papers)

    def ask_remove(self, paper_id: str | None) -> tuple:
        """First step of removing: show what would go and ask to confirm."""
        if not paper_id:
            return gr.update(visible=False), "Select a paper first."
        try:
            paper = self.library.paper(paper_id)
        except LibraryError as exc:
            return gr.update(visible=False), escape(str(exc))
        return (gr.update(visible=True),
                f"Remove **{escape(paper.title or paper.file_name)}** ({escape(paper.file_name)}), its chunks "
                "and its copy of the PDF from the library?")

    def remove(self, paper_id: str | None) -> tuple:
        try:
            removed = self.library.remove(paper_id or "")
        except LibraryError as exc:
            return gr.update(visible=False), escape(str(exc))
        return gr.update(visible=False), f"Removed {escape(removed.file_name)}."

    # chat -----------------------------------------------------------------------------------------
    def respond(self, message: str, history: list[dict], paper_ids: list[str] | None,
                answers: list[Answer | None]) -> tuple:
        """One chat turn: the answer as Markdown, the answers so far, and the evidence panel.

        ``answers[k]`` belongs to the k-th assistant message; after an undo or retry the list
        is cut back to the messages still in the conversation.
        """
        kept = answers[:sum(m["role"] == "assistant" for m in history)]
        try:
            answer = self.library.ask(message, history=plain_history(history), paper_ids=paper_ids or None)
        except LibraryError as exc:
            return f"**Error:** {escape(str(exc))}", kept + [None], evidence_html(None, self.library), []
        return (answer_markdown(answer), kept + [answer], evidence_html(answer, self.library),
                page_images(answer, self.library))

    def show_answer(self, history: list[dict], answers: list[Answer | None], evt: gr.SelectData) -> tuple:
        """Clicking a message shows the evidence of that answer (or of the answer to that question)."""
        index = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        k = sum(m["role"] == "assistant" for m in history[:index])
        answer = answers[k] if k < len(answers) else None
        return evidence_html(answer, self.library), page_images(answer, self.library)

    def clear(self) -> tuple:
        return [], evidence_html(None, self.library), []


def stage_uploads(files: list[str], folder: Path) -> list[Path]:
    """Copy each upload into its own sub-folder of ``folder`` under a sanitised name.

    Browsers choose upload names; only the last path component survives, reduced to
    ``[A-Za-z0-9._-]``, so a name like ``../../evil name?.pdf`` becomes ``evil_name_.pdf``
    inside ``folder``. The library then keeps its own copy named by paper id.
    """
    staged = []
    for n, file in enumerate(files):
        target = folder / str(n) / safe_name(re.split(r"[\\/]", str(file))[-1])
        target.parent.mkdir(parents=True)
        shutil.copyfile(file, target)
        staged.append(target)
    return staged


def plain_history(history: list[dict]) -> list[dict[str, str]]:
    """Chatbot messages (content as text parts) → [{"role", "content"}] as ``Library.ask`` takes them."""
    return [{"role": m["role"], "content": _text(m.get("content"))} for m in history]


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(part.get("text", "") for part in content if isinstance(part, dict))
    return ""


def _reporter(progress: gr.Progress):
    """Library.add's progress callback → gr.Progress: files, then chunk batches within a file."""
    def report(what: str, done: int, total: int) -> None:
        if what.startswith("embed "):
            progress((done, total), desc=f"embedding {what[6:]}", unit="chunks")
        else:
            progress((done, total), desc=f"adding {what.removeprefix('file ')}", unit="files")

    return report
