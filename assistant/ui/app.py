"""The Gradio page: library (left), chat (centre), evidence and page viewer (right).

``build_app(library)`` lays the page out and wires its events to ``Handlers``; ``serve``
launches it with the page's CSS and script (Gradio 6 takes them at launch, not in ``Blocks``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr

from ..api import Library

from .assets import CSS, HEAD, SCROLL_TO_ACTIVE_CARD
from .evidence import evidence_html
from .handlers import CONVERSATION, Handlers
from .viewer import EMPTY
from .views import PAPER_HEADERS

UPLOAD_NOTE = '<p class="empty-note">Each uploaded file is listed here: added, already in the library, or why not.</p>'
INTRO = ("### Research assistant\nAnswers come only from the papers in the library, each sentence with a "
         "citation you can check against the page. Click a citation to open its passage and page; "
         "the copy icon on a message copies it as Markdown with its references.")
POLL_S = 3  # how often a page checks whether another tab or process changed the library
PRIVATE = {"api_visibility": "private"}


def build_app(library: Any) -> gr.Blocks:
    ui = Handlers(library)
    with gr.Blocks(title="Research assistant", analytics_enabled=False) as demo:
        gr.Markdown(INTRO)
        with gr.Row(equal_height=False):
            with gr.Column(scale=5, min_width=380):
                paper_filter, refresh = _library_panel(ui)
            with gr.Column(scale=5, min_width=420):
                chat = _chat_panel(ui, paper_filter)
            with gr.Column(scale=5, min_width=380):
                controls = _evidence_panel(ui, chat)
        _wire_chat(ui, chat, controls)
        _graph_panel(ui, chat)
        demo.load(**refresh)
        demo.load(ui.open_chat, [chat["chat_id"]], [chat[name] for name in CONVERSATION], **PRIVATE)
        _public_api(ui)
    return demo


def _library_panel(ui: Handlers) -> tuple[gr.Dropdown, dict]:
    """Papers table, upload with per-file progress and results, selection, details, references, removal.

    Returns the question filter (rendered later, above the chat) and the refresh event that
    fills the panel, for the page to run on load.
    """
    gr.Markdown("#### Library")
    table = gr.Dataframe(headers=PAPER_HEADERS, interactive=True, static_columns=[5], max_height=300, wrap=True,
                         column_widths=["30%", "16%", "9%", "17%", "18%", "10%"],
                         elem_id="papers", label="Papers (double-click a title, authors, year, DOI or venue to correct it)")
    upload = gr.File(label="Add PDFs", file_count="multiple", file_types=[".pdf"], elem_id="upload")
    results = gr.HTML(UPLOAD_NOTE, label="Last upload", min_height=90, elem_id="upload-results")
    choices = ui.choices()  # at build time too: API clients are checked against these
    picker = gr.Dropdown(label="Selected paper", choices=choices, value=None, elem_id="paper-picker")
    paper_filter = gr.Dropdown(label="Ask only these papers (empty: all)", choices=choices, multiselect=True,
                               elem_id="paper-filter", render=False)
    remove = gr.Button("Remove selected paper…", variant="secondary", size="sm", elem_id="remove")
    status = gr.Markdown(elem_id="library-status")  # the confirmation question, then what happened
    with gr.Row(visible=False) as confirm_row:
        confirm = gr.Button("Yes, remove it", variant="stop", size="sm", elem_id="confirm-remove")
        cancel = gr.Button("Cancel", size="sm", elem_id="cancel-remove")
    with gr.Accordion("Fix the selected paper's details", open=False, elem_id="details"):
        title = gr.Textbox(label="Title", elem_id="edit-title")
        authors = gr.Textbox(label="Authors (separate names with ;)", elem_id="edit-authors")
        with gr.Row():
            year = gr.Textbox(label="Year", elem_id="edit-year", min_width=80)
            doi = gr.Textbox(label="DOI", elem_id="edit-doi")
        venue = gr.Textbox(label="Venue", elem_id="edit-venue")
        save = gr.Button("Save details", size="sm", elem_id="save-details")
        saved = gr.Markdown(elem_id="details-status")
    with gr.Accordion("Import from Zotero or BibTeX", open=False, elem_id="import-panel"):
        bib = gr.File(label="BibTeX file", file_types=[".bib"], elem_id="import-bib")
        pdf_dir = gr.Textbox(label="Folder holding the BibTeX file's PDFs (on the server)", elem_id="import-pdf-dir")
        zotero = gr.Textbox(label="Zotero data directory (on the server, e.g. ~/Zotero)", elem_id="import-zotero")
        start_import = gr.Button("Import", size="sm", elem_id="import")
        imported = gr.HTML(elem_id="import-results")
    gr.Markdown("##### Works the selected paper cites")
    references = gr.HTML(label="References", max_height=480, elem_id="references")
    version = gr.State(None)

    # public API: upload, references, remove; the rest is the page's own wiring
    refresh = dict(fn=ui.refresh, inputs=[picker, paper_filter], outputs=[table, picker, paper_filter, references],
                   **PRIVATE)
    upload.upload(ui.upload, [upload], [results, upload, table], show_progress="hidden").then(**refresh)
    table.select(ui.pick_row, None, [picker], **PRIVATE)
    picker.change(ui.references, [picker], [references])
    details = dict(fn=ui.details, inputs=[picker], outputs=[title, authors, year, doi, venue, saved], **PRIVATE)
    picker.change(**details)
    save.click(lambda paper, *values: ui.save_details(paper, **dict(zip(Library.EDITABLE, values))),
               [picker, title, authors, year, doi, venue], [saved], **PRIVATE).then(**refresh)
    table.edit(ui.edit_cell, None, [status], **PRIVATE).then(**refresh).then(**details)
    remove.click(ui.ask_remove, [picker], [confirm_row, status], **PRIVATE,
                 js="(...args) => { document.querySelector('#library-status')?.scrollIntoView({block: 'center'});"
                    " return args; }")
    cancel.click(lambda: (gr.update(visible=False), ""), None, [confirm_row, status], **PRIVATE)
    confirm.click(ui.remove, [picker], [confirm_row, status]).then(**refresh)
    start_import.click(ui.import_library, [bib, pdf_dir, zotero], [imported], show_progress_on=[imported],
                       **PRIVATE).then(**refresh)
    gr.Timer(POLL_S).tick(ui.poll, [version, picker, paper_filter], [version, table, picker, paper_filter, references],
                          show_progress="hidden", **PRIVATE)
    return paper_filter, refresh


def _chat_panel(ui: Handlers, paper_filter: gr.Dropdown) -> dict[str, Any]:
    """Saved chats, the question filter, the conversation, the question box with Send and Stop."""
    with gr.Row(equal_height=False):
        chat_list = gr.Dropdown(label="Saved chats", choices=ui.chat_choices(), value=None, scale=4, min_width=220,
                                elem_id="chat-list")
        new = gr.Button("New chat", size="sm", scale=0, min_width=90, elem_id="new-chat")
        delete = gr.Button("Delete chat", size="sm", variant="stop", scale=0, min_width=90, elem_id="delete-chat")
    with gr.Row(equal_height=False):
        chat_title = gr.Textbox(label="Chat title", scale=4, min_width=220, elem_id="chat-title")
        rename = gr.Button("Rename", size="sm", scale=0, min_width=90, elem_id="rename-chat")
    paper_filter.render()
    chatbot = gr.Chatbot(height=600, buttons=["copy"], elem_id="chat", feedback_options=None,
                         placeholder="Ask a question about the papers in the library.")
    question = gr.Textbox(placeholder="Ask a question; follow-ups can refer to the conversation (Enter sends)",
                          show_label=False, elem_id="chat-input", lines=1, max_lines=6)
    with gr.Row():
        send = gr.Button("Send", variant="primary", elem_id="send")
        stop = gr.Button("Stop", variant="stop", elem_id="stop")
    note = gr.Markdown(elem_id="chat-note")
    parts = {"chat": chatbot, "answers": gr.State([]), "chat_id": gr.BrowserState(None, storage_key="assistant-chat"),
             "chat_list": chat_list, "chat_title": chat_title, "question": question}
    parts.update(new=new, delete=delete, rename=rename, send=send, stop=stop, note=note, filter=paper_filter)
    return parts


def _evidence_panel(ui: Handlers, chat: dict[str, Any]) -> list[gr.Button]:
    """Evidence cards of the shown answer, then the page viewer with its controls."""
    gr.Markdown("#### Evidence")
    chat["evidence"] = gr.HTML(evidence_html(None, ui.library), max_height=420, elem_id="evidence-html")
    with gr.Row():
        previous = gr.Button("◀ Page", size="sm", min_width=60, elem_id="page-previous")
        following = gr.Button("Page ▶", size="sm", min_width=60, elem_id="page-next")
        zoom_out = gr.Button("Zoom −", size="sm", min_width=60, elem_id="zoom-out")
        zoom_in = gr.Button("Zoom +", size="sm", min_width=60, elem_id="zoom-in")
    chat["download"] = gr.DownloadButton("Download PDF", visible=False, size="sm", elem_id="download-pdf")
    chat["viewer"] = gr.HTML(EMPTY, elem_id="page-viewer")
    chat["view"] = view = gr.State(None)
    target = gr.Textbox(visible="hidden", elem_id="cite-target")
    opener = gr.Button("open citation", visible="hidden", elem_id="cite-open")

    chat["target"], chat["opener"] = target, opener
    return [previous, following, zoom_out, zoom_in]


def _wire_chat(ui: Handlers, chat: dict[str, Any], controls: list[gr.Button]) -> None:
    """The conversation's events: a turn (Enter or Send; Stop cancels it), citations, the viewer, saved chats."""
    conversation = [chat[name] for name in CONVERSATION]
    pending = gr.State(None)

    def turn(trigger) -> list[Any]:
        """The two steps of a turn (show the question, answer it), both cancelled by Stop."""
        shown = trigger(ui.accept, [chat["question"], chat["chat"]],
                        [chat["question"], chat["chat"], pending, chat["note"]], **PRIVATE)
        answered = shown.then(ui.respond, [pending, chat["chat"], chat["filter"], chat["answers"], chat["chat_id"]],
                              conversation, **PRIVATE)
        return [shown, answered]

    chat["stop"].click(None, None, None, cancels=turn(chat["question"].submit) + turn(chat["send"].click),
                       **PRIVATE)

    view = chat["view"]
    shown = [chat["evidence"], chat["viewer"], view, chat["download"]]
    opener, target = chat["opener"], chat["target"]
    previous, following, zoom_out, zoom_in = controls
    opener.click(ui.open_citation, [target, chat["answers"]], shown, **PRIVATE).then(None, js=SCROLL_TO_ACTIVE_CARD)
    chat["chat"].select(ui.show_answer, [chat["chat"], chat["answers"]], shown, **PRIVATE)
    for button, step in ((previous, -1), (following, 1)):
        button.click(lambda v, s=step: ui.turn(v, s), [view], [chat["viewer"], view], **PRIVATE)
    for button, step in ((zoom_out, -1), (zoom_in, 1)):
        button.click(lambda v, s=step: ui.zoom(v, s), [view], [chat["viewer"], view], **PRIVATE)

    chat["new"].click(ui.new_chat, None, conversation, **PRIVATE)
    chat["chat"].clear(ui.new_chat, None, conversation, **PRIVATE)
    chat["delete"].click(ui.delete_chat, [chat["chat_id"]], conversation, **PRIVATE)
    chat["chat_list"].input(ui.open_chat, [chat["chat_list"]], conversation, **PRIVATE)
    chat["rename"].click(ui.rename_chat, [chat["chat_id"], chat["chat_title"]], [chat["chat_list"]], **PRIVATE)


def _graph_panel(ui: Handlers, chat: dict[str, Any]) -> None:
    """The citation graph (Plotly; clicking a node picks it), a picker for its nodes, what a node cites and
    is cited by, and asking about it."""
    with gr.Accordion("Citation graph", open=False, elem_id="graph-panel"):
        draw = gr.Button("Draw the citation graph", size="sm", elem_id="draw-graph")
        plot = gr.Plot(elem_id="graph")
        with gr.Row(equal_height=False):
            node = gr.Dropdown(label="Paper or cited work", choices=[], scale=3, elem_id="graph-node")
            ask = gr.Button("Ask about this paper", size="sm", scale=1, elem_id="graph-ask")
        info = gr.HTML(elem_id="graph-node-info")
        target = gr.Textbox(visible="hidden", elem_id="graph-target")
        opener = gr.Button("open node", visible="hidden", elem_id="graph-open")
    draw.click(ui.draw_graph, None, [plot, node], **PRIVATE)
    opener.click(lambda value: gr.update(value=value.split("\n")[0]), [target], [node], **PRIVATE)
    node.change(ui.graph_node, [node], [info], **PRIVATE)
    ask.click(ui.ask_about, [node], [chat["filter"], chat["question"]], **PRIVATE)


def _public_api(ui: Handlers) -> None:
    """``/chat`` for API clients: one question (optionally only some papers) → the answer and its evidence."""

    def chat(question: str, paper_ids: list[str]) -> tuple[str, str]:
        answer, reply = ui.answer(question, [], paper_ids)
        return reply, evidence_html(answer, ui.library)

    gr.api(chat, api_name="chat")


def serve(demo: gr.Blocks, host: str = "127.0.0.1", port: int | None = 7860, auth: tuple[str, str] | None = None,
          block: bool = True, max_file_mb: float | None = None) -> Any:
    """Launch the page; ``port=None`` takes the first free one from 7860, ``block=False`` returns at once
    (tests) and ``demo.close()`` stops it."""
    return demo.launch(server_name=host, server_port=port, auth=auth, css=CSS, head=HEAD,
                       prevent_thread_lock=not block, quiet=True,
                       max_file_size=int(max_file_mb * 2**20) if max_file_mb else None)


def launch(index_dir: str | Path | None, host: str = "127.0.0.1", port: int = 7860,
           auth: tuple[str, str] | None = None) -> None:
    library = Library(index_dir)
    serve(build_app(library), host, port, auth, max_file_mb=library.settings.parse.max_file_mb)
