"""What the page's events do: thin calls to the Library API (and the chat store), shaped for the components.

No retrieval or citation logic lives here: questions go to ``Library.ask`` with the
conversation as ``history`` (the API condenses follow-ups), answers are rendered by
``ui.messages``, the evidence panel by ``ui.evidence`` and the page by ``ui.viewer``.
"""

from __future__ import annotations

import logging
import queue
import re
import shutil
import tempfile
import threading
from contextlib import closing
from html import escape
from pathlib import Path
from typing import Any, Iterator

import gradio as gr

from ..api import AddResult, LibraryBusy, LibraryError, UnknownPaper, safe_name
from ..chats import ChatStore, Turn
from ..records import Answer
from .evidence import evidence_html
from .messages import EMPTY_LIBRARY, answer_message
from .viewer import EMPTY, PageView, download_copy, turned, view_of, viewer_html, zoomed
from .views import (EDITABLE_COLUMNS, find_row, import_html, node_html, paper_choice, paper_row, references_html,
                    results_html)

log = logging.getLogger(__name__)

BUSY = "The library is busy with another upload or removal; try again in a moment."
GONE = "That paper is no longer in the library (another tab or process removed it)."
STAGES = {"read": "reading page {done}/{total}", "references": "finding the reference list",
          "embed": "embedding {done}/{total} chunks"}


class Handlers:
    def __init__(self, library: Any):
        self.library = library
        self.chats = ChatStore(Path(library.dir) / "chats.db")
        self._downloads = Path(tempfile.mkdtemp(prefix="assistant-pdfs-"))

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

    def poll(self, seen: int | None, selected: str | None, filtered: list[str] | None) -> tuple:
        """The refresh, only when the library changed since this page last saw it (any tab, any process)."""
        version = self.library.catalogue.version()
        if version == seen:
            return (gr.skip(),) * 5
        return (version, *self.refresh(selected, filtered))

    def choices(self, papers: list | None = None) -> list[tuple[str, str]]:
        return [paper_choice(p) for p in (self.library.papers() if papers is None else papers)]

    def upload(self, files: list[str] | None) -> Iterator[tuple]:
        """Add the uploaded PDFs one by one, showing the stage of the current file and each file's
        row as it finishes (a failed file does not stop the batch). Yields (results, upload box, table)."""
        if not files:
            yield gr.skip(), gr.skip(), gr.skip()
            return
        events: queue.Queue = queue.Queue()
        folder = Path(tempfile.mkdtemp(prefix="assistant-upload-"))
        staged = stage_uploads(files, folder)
        threading.Thread(target=self._add_each, args=(staged, folder, events), daemon=True).start()
        results: list[AddResult] = []
        while (event := events.get())[0] != "end":
            kind, value = event
            if kind == "result":
                result, table = value
                results.append(result)
                yield results_html(results), gr.skip(), table
            else:
                yield results_html(results, value), gr.skip(), gr.skip()
        yield results_html(results), None, gr.skip()

    def _add_each(self, staged: list[Path], folder: Path, events: queue.Queue) -> None:
        """Worker thread of ``upload``: each file added on its own, its stages and result put on ``events``."""
        try:
            for n, path in enumerate(staged, 1):
                def report(what: str, done: int, total: int, name: str = path.name, n: int = n) -> None:
                    stage = what.split(" ", 1)[0]
                    if stage in STAGES:
                        events.put(("stage", (name, f"file {n} of {len(staged)}, "
                                                    + STAGES[stage].format(done=done, total=total))))

                events.put(("stage", (path.name, f"file {n} of {len(staged)}, starting")))
                result = self._add_one(path, report)  # the table as it was right after this file
                events.put(("result", (result, [paper_row(p) for p in self.library.papers()])))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
            events.put(("end", None))

    def _add_one(self, path: Path, report) -> AddResult:
        try:
            return self.library.add([path], progress=report)[0]
        except LibraryBusy:
            return AddResult(str(path), "failed", BUSY)
        except LibraryError as exc:
            return AddResult(str(path), "failed", str(exc))
        except Exception as exc:  # one broken file must not end the batch
            return AddResult(str(path), "failed", f"unexpected error: {type(exc).__name__}: {exc}")

    def pick_row(self, evt: gr.SelectData) -> Any:
        """Clicking a row of the papers table selects that paper."""
        paper = find_row(self.library.papers(), evt.row_value or [])
        return gr.update(value=paper.id) if paper else gr.update()

    def references(self, paper_id: str | None) -> str:
        papers = {p.id: p for p in self.library.papers()}
        paper = papers.get(paper_id or "")
        return references_html(paper, self.library.references(paper.id) if paper else [], papers)

    def details(self, paper_id: str | None) -> tuple:
        """The selected paper's title, authors (; between names), year, DOI and venue for the form."""
        papers = {p.id: p for p in self.library.papers()}
        paper = papers.get(paper_id or "")
        if paper is None:
            return "", "", "", "", "", ""
        edited = self.library.catalogue.edited_fields(paper.id)
        note = f"Corrected by you: {', '.join(sorted(edited))}." if edited else ""
        return paper.title, "; ".join(paper.authors), paper.year or "", paper.doi or "", paper.venue or "", note

    def edit_cell(self, evt: gr.EditData) -> Any:
        """A title, authors (; between names), year, DOI or venue cell edited in the papers table.

        The table can send one edit twice (Enter, then leaving the cell): a cell that already holds
        the value is left alone."""
        row, column = evt.index
        papers = self.library.papers()
        field = EDITABLE_COLUMNS.get(column)
        if field is None or row >= len(papers):
            return "Only the title, authors, year, DOI and venue can be changed."
        paper = papers[row]
        current = str(paper_row(paper)[column])
        if current == str(evt.value):
            return gr.skip()
        if current != str(evt.previous_value):
            return "The library changed meanwhile; the table is refreshed, edit again."
        value = "" if field == "year" and str(evt.value).strip() == "n.d." else evt.value
        return self.save_details(paper.id, **{field: value})

    def save_details(self, paper_id: str | None, **fields: str) -> str:
        """Store corrected metadata (any of title, authors, year, doi, venue) as the user's edit."""
        if not paper_id:
            return "Select a paper first."
        try:
            paper = self.library.edit_paper(paper_id, **fields)
        except LibraryBusy:
            return BUSY
        except UnknownPaper:
            return GONE
        except LibraryError as exc:
            return escape(str(exc))
        edited = self.library.catalogue.edited_fields(paper.id)
        return (f"Saved. Citations and BibTeX now use your {', '.join(sorted(edited))}." if edited
                else "Nothing changed.")

    def ask_remove(self, paper_id: str | None) -> tuple:
        """First step of removing: show what would go and ask to confirm."""
        if not paper_id:
            return gr.update(visible=False), "Select a paper first."
        try:
            paper = self.library.paper(paper_id)
        except UnknownPaper:
            return gr.update(visible=False), GONE
        return (gr.update(visible=True),
                f"Remove **{escape(paper.title or paper.file_name)}** ({escape(paper.file_name)}), its chunks "
                "and its copy of the PDF from the library?")

    def remove(self, paper_id: str | None) -> tuple:
        try:
            removed = self.library.remove(paper_id or "")
        except LibraryBusy:
            return gr.update(visible=False), BUSY
        except UnknownPaper:
            return gr.update(visible=False), GONE
        except LibraryError as exc:
            return gr.update(visible=False), escape(str(exc))
        return gr.update(visible=False), f"Removed {escape(removed.file_name)}."

    # chat -----------------------------------------------------------------------------------------
    def accept(self, message: str, history: list[dict]) -> tuple:
        """First step of a turn: show the question at once, or refuse a blank one where it was typed.

        Returns (question box, chat, pending question, note); ``respond`` answers the pending question."""
        question = " ".join((message or "").split())
        if not question:
            return gr.update(value=""), gr.skip(), None, "Type a question first."
        return gr.update(value=""), history + [{"role": "user", "content": question}], question, ""

    def respond(self, question: str | None, history: list[dict], paper_ids: list[str] | None,
                answers: list[Answer | None], chat_id: str | None) -> Iterator[tuple]:
        """Answer the pending question, show it, then save the turn (a new chat takes the question as title).

        Saving comes after the answer is shown, as a second step of this generator: a turn stopped
        with Stop is neither shown nor saved. ``answers[k]`` belongs to the k-th assistant message
        (None for an error reply)."""
        if not question:
            yield (gr.skip(),) * len(CONVERSATION)
            return
        kept = answers[:sum(m["role"] == "assistant" for m in history)]
        asked = plain_history(history, kept)[:-1]  # the question itself is the last message
        saved = chat_id if self.chats.exists(chat_id) else None
        answer, reply = None, ""
        for answer, reply in self.answer_stream(question, asked, paper_ids):  # an LLM's draft as it is written
            yield self._conversation(saved, history + [{"role": "assistant", "content": reply}], kept + [answer])
        if saved is None:
            saved = self.chats.create(question)
        self.chats.append(saved, [Turn(role="user", content=question),
                                  Turn(role="assistant", content=reply, answer=answer)])
        title = next(c.title for c in self.chats.chats() if c.id == saved)
        yield (*(gr.skip(),) * (len(CONVERSATION) - 3), saved, gr.update(choices=self.chat_choices(), value=saved),
               title)

    def answer(self, question: str, history: list[dict], paper_ids: list[str] | None) -> tuple[Answer | None, str]:
        """The finished answer and its message (the API endpoint's call)."""
        result: tuple[Answer | None, str] = (None, "")
        for result in self.answer_stream(question, history, paper_ids):
            pass
        return result

    def answer_stream(self, question: str, history: list[dict],
                      paper_ids: list[str] | None) -> Iterator[tuple[Answer | None, str]]:
        """(None, draft so far) while an LLM backend writes, then (checked Answer, its message); the
        extractive backend yields the answer at once. Closing this generator (Stop) closes the
        library's stream, and with it the HTTP stream to the LLM."""
        if not self.library.papers():
            yield None, EMPTY_LIBRARY
            return
        draft = ""
        try:
            with closing(self.library.ask_stream(question, history=history, paper_ids=paper_ids or None)) as events:
                for event in events:
                    if event.answer is not None:
                        yield event.answer, answer_message(event.answer)
                        return
                    draft += event.text if event.kind == "token" else f"*{escape(event.text)}*\n\n"
                    yield None, draft
        except LibraryBusy:
            yield None, BUSY
        except LibraryError as exc:
            yield None, f"**Error:** {escape(str(exc))}"
        except Exception:  # the conversation must go on; the server log has the traceback
            log.exception("answering %r failed", question)
            yield None, "**Error:** answering failed unexpectedly; the server log has the details."

    def _conversation(self, chat_id: str | None, history: list[dict], answers: list[Answer | None]) -> tuple:
        """Every component of the conversation (see CONVERSATION), the last answer's evidence shown."""
        last = len(answers) - 1
        evidence = self._evidence(answers[last] if answers else None, last, 1)
        title = next((c.title for c in self.chats.chats() if c.id == chat_id), "")
        return (history, answers, *evidence, chat_id, gr.update(choices=self.chat_choices(), value=chat_id), title)

    def _evidence(self, answer: Answer | None, position: int, number: int) -> tuple:
        """(evidence panel, page viewer, view, download button) for citation ``number`` of an answer."""
        if answer is None or answer.abstained or not answer.citations:
            return evidence_html(answer, self.library, position), EMPTY, None, gr.update(value=None, visible=False)
        number = min(max(number, 1), len(answer.citations))
        view = view_of(answer.citations[number - 1], self.library)
        download = download_copy(view, self.library, self._downloads)
        return (evidence_html(answer, self.library, position, number), viewer_html(view, self.library), view,
                gr.update(value=download, visible=download is not None))

    def open_citation(self, target: str, answers: list[Answer | None]) -> tuple:
        """A citation link was clicked: ``target`` is "<answer position>:<citation number>[:nonce]"."""
        match = re.match(r"(\d+):(\d+)", target or "")
        if not match or int(match[1]) >= len(answers):
            return (gr.skip(),) * 4
        return self._evidence(answers[int(match[1])], int(match[1]), int(match[2]))

    def show_answer(self, history: list[dict], answers: list[Answer | None], evt: gr.SelectData) -> tuple:
        """Clicking a message shows the evidence of that answer (or of the answer to that question)."""
        index = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        k = sum(m["role"] == "assistant" for m in history[:index])
        if history[index]["role"] == "user":
            k = sum(m["role"] == "assistant" for m in history[:index + 1])
        return self._evidence(answers[k] if k < len(answers) else None, k, 1)

    def turn(self, view: PageView | None, step: int) -> tuple:
        view = turned(view, step, self.library)
        return viewer_html(view, self.library), view

    def zoom(self, view: PageView | None, step: int) -> tuple:
        view = zoomed(view, step)
        return viewer_html(view, self.library), view

    # citation graph -------------------------------------------------------------------------------
    def draw_graph(self) -> tuple:
        """The Plotly figure and the node picker (library papers first, then most-cited works)."""
        graph = self.library.citation_graph()
        nodes = sorted(graph.nodes, key=lambda n: (not n.in_library, -n.cited, n.label))
        choices = [(f"{n.label} — {n.title[:70]}", n.id) for n in nodes]
        return graph.figure(), gr.update(choices=choices, value=None)

    def graph_node(self, node_id: str | None) -> str:
        """Who cites the node (with their sentences); for a library paper also its reference list."""
        papers = {p.id: p for p in self.library.papers()}
        html = node_html(self.library.citation_graph(), node_id, papers)
        return html + (self.references(node_id) if node_id in papers else "")

    def import_library(self, bib_file: str | None, pdf_dir: str, zotero_dir: str,
                       progress: gr.Progress = gr.Progress()) -> str:
        """Import a BibTeX file (PDFs from its file fields or the folder given) and/or a Zotero data directory."""
        from ..importers import import_entries, read_bibtex, read_zotero

        if not bib_file and not zotero_dir.strip():
            return '<p class="empty-note">Choose a BibTeX file, or give the Zotero data directory.</p>'
        try:
            entries = read_bibtex(bib_file, pdf_dir.strip() or None) if bib_file else []
            entries += read_zotero(zotero_dir.strip()) if zotero_dir.strip() else []
            return import_html(import_entries(self.library, entries, _import_reporter(progress)))
        except LibraryBusy:
            return f"<p>{BUSY}</p>"
        except LibraryError as exc:
            return f'<p class="status-failed">{escape(str(exc))}</p>'

    def ask_about(self, node_id: str | None) -> tuple:
        """"Ask about this paper": a library paper becomes the question filter; a cited work is asked about."""
        node = self.library.citation_graph().node(node_id or "")
        if node is None:
            return gr.skip(), gr.skip()
        if node.in_library:
            return gr.update(value=[node.id]), gr.update(value="What is this paper's main argument?")
        return gr.skip(), gr.update(value=f"What do the papers say about {node.label}, {node.title}?")

    # saved chats ------------------------------------------------------------------------------------
    def chat_choices(self) -> list[tuple[str, str]]:
        return [(f"{c.title} · {c.updated[:10]}", c.id) for c in self.chats.chats()]

    def open_chat(self, chat_id: str | None) -> tuple:
        """Reopen a saved chat with each answer's evidence (an unknown id opens an empty chat)."""
        if not self.chats.exists(chat_id):
            return self._conversation(None, [], [])
        history, answers = [], []
        for turn in self.chats.turns(chat_id):
            history.append({"role": turn.role, "content": turn.content})
            if turn.role == "assistant":
                answers.append(turn.answer)
        return self._conversation(chat_id, history, answers)

    def new_chat(self) -> tuple:
        return self._conversation(None, [], [])

    def rename_chat(self, chat_id: str | None, title: str) -> tuple:
        if self.chats.exists(chat_id) and title.strip():
            self.chats.rename(chat_id, title)
        return gr.update(choices=self.chat_choices(), value=chat_id)

    def delete_chat(self, chat_id: str | None) -> tuple:
        if self.chats.exists(chat_id):
            self.chats.delete(chat_id)
        return self.new_chat()


CONVERSATION = ("chat", "answers", "evidence", "viewer", "view", "download", "chat_id", "chat_list", "chat_title")
"""The components every conversation-changing handler returns, in this order."""


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


def plain_history(history: list[dict], answers: list[Answer | None] = ()) -> list[dict[str, Any]]:
    """Chatbot messages (content as text parts) → [{"role", "content"}] as ``Library.ask`` takes them;
    an assistant turn also carries the ``paper_ids`` its answer cited."""
    turns, replies = [], iter(answers)
    for message in history:
        turn: dict[str, Any] = {"role": message["role"], "content": _text(message.get("content"))}
        if message["role"] == "assistant":
            answer = next(replies, None)
            turn["paper_ids"] = sorted({c.paper_id for c in answer.citations}) if answer else []
        turns.append(turn)
    return turns


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(part.get("text", "") for part in content if isinstance(part, dict))
    return ""


def _import_reporter(progress: gr.Progress):
    """import_entries' progress ("entry KEY", n, total) → the import panel's progress bar."""
    def report(what: str, done: int, total: int) -> None:
        progress((done, total), desc=f"importing {what.removeprefix('entry ')}", unit="entries")

    return report
