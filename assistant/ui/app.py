"""The Gradio page: library (left), chat (centre), evidence (right).

``build_app(library)`` lays the page out and wires its events to ``Handlers``; ``serve``
launches it with the page's CSS (Gradio 6 takes CSS at launch, not in ``Blocks``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr

from .evidence import evidence_html
from .handlers import Handlers
from .views import PAPER_HEADERS

CSS = """
.card {border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 10px; margin-bottom: 8px}
.card-head {font-weight: 600}
.card-source, .asked, .searched {font-size: .85em; color: var(--body-text-color-subdued)}
.card blockquote {margin: 6px 0 0; padding-left: 8px; border-left: 3px solid #f5c400; font-size: .92em;
                  line-height: 1.45}
mark {background: #ffe27a; color: inherit; padding: 0 1px}
#upload-results table, #references table {width: 100%; font-size: .85em; border-collapse: collapse; border: none}
#upload-results :is(tr, td, th), #references :is(tr, td, th) {border: none; vertical-align: top;
    padding: 3px 5px; text-align: left}
#upload-results tr, #references tr {border-bottom: 1px solid var(--border-color-primary)}
.status-added {color: #15803d; font-weight: 600} .status-exists {color: #1d4ed8; font-weight: 600}
.status-failed {color: #b91c1c; font-weight: 600}
.in-library {color: #15803d; font-weight: 600} .missing {color: #b45309}
.empty-note {color: var(--body-text-color-subdued); font-style: italic}
#papers .header-table, #papers .virtual-row {font-family: var(--font); font-size: var(--text-sm)}
"""
UPLOAD_NOTE = '<p class="empty-note">Each uploaded file is listed here: added, already in the library, or why not.</p>'
INTRO = ("### Research assistant\nAnswers come only from the papers in the library, each sentence with a "
         "citation you can check against the page. Click an answer to see its evidence; "
         "the copy icon on a message copies it as Markdown with its references.")


def build_app(library: Any) -> gr.Blocks:
    ui = Handlers(library)
    with gr.Blocks(title="Research assistant", analytics_enabled=False) as demo:
        answers = gr.State([])
        evidence = gr.HTML(evidence_html(None, library), label="Evidence", max_height=560, elem_id="evidence-html",
                           render=False)
        pages = gr.Gallery(label="Pages (quote highlighted)", columns=1, height="auto", object_fit="contain",
                           format="png", elem_id="evidence-pages", render=False)
        gr.Markdown(INTRO)
        with gr.Row(equal_height=False):
            with gr.Column(scale=4, min_width=340):
                paper_filter, refresh = _library_panel(ui)
            with gr.Column(scale=5, min_width=420):
                chat = _chat_panel(ui, paper_filter, answers, evidence, pages)
            with gr.Column(scale=4, min_width=340):
                gr.Markdown("#### Evidence")
                evidence.render()
                pages.render()
        chat.chatbot.select(ui.show_answer, [chat.chatbot, answers], [evidence, pages], api_visibility="private")
        chat.chatbot.clear(ui.clear, None, [answers, evidence, pages], api_visibility="private")
        demo.load(**refresh)
    return demo


def _library_panel(ui: Handlers) -> tuple[gr.Dropdown, dict]:
    """Papers table, upload with per-file results, selection, references and removal.

    Returns the question filter (rendered later, above the chat) and the refresh event that
    fills the panel, for the page to run on load.
    """
    gr.Markdown("#### Library")
    table = gr.Dataframe(headers=PAPER_HEADERS, interactive=False, max_height=300, wrap=True,
                         column_widths=["37%", "21%", "12%", "15%", "15%"],
                         elem_id="papers", label="Papers")
    upload = gr.File(label="Add PDFs", file_count="multiple", file_types=[".pdf"], elem_id="upload")
    results = gr.HTML(UPLOAD_NOTE, label="Last upload", min_height=90, elem_id="upload-results")
    choices = ui.choices()  # at build time too: API clients are checked against these
    picker = gr.Dropdown(label="Selected paper", choices=choices, value=None, elem_id="paper-picker")
    paper_filter = gr.Dropdown(label="Ask only these papers (empty: all)", choices=choices, multiselect=True,
                               elem_id="paper-filter", render=False)
    gr.Markdown("##### Works the selected paper cites")
    references = gr.HTML(label="References", max_height=480, elem_id="references")
    remove = gr.Button("Remove selected paper…", variant="secondary", size="sm", elem_id="remove")
    status = gr.Markdown(elem_id="library-status")  # the confirmation question, then what happened
    with gr.Row(visible=False) as confirm_row:
        confirm = gr.Button("Yes, remove it", variant="stop", size="sm", elem_id="confirm-remove")
        cancel = gr.Button("Cancel", size="sm", elem_id="cancel-remove")

    # public API: upload, references, remove (and /chat); the rest is the page's own wiring
    private = {"api_visibility": "private"}
    refresh = dict(fn=ui.refresh, inputs=[picker, paper_filter], outputs=[table, picker, paper_filter, references],
                   **private)
    upload.upload(ui.upload, [upload], [results, upload], show_progress_on=[results]).then(**refresh)
    table.select(ui.pick_row, None, [picker], **private)
    picker.change(ui.references, [picker], [references])
    remove.click(ui.ask_remove, [picker], [confirm_row, status], **private)
    cancel.click(lambda: (gr.update(visible=False), ""), None, [confirm_row, status], **private)
    confirm.click(ui.remove, [picker], [confirm_row, status]).then(**refresh)
    return paper_filter, refresh


def _chat_panel(ui: Handlers, paper_filter: gr.Dropdown, answers: gr.State, evidence: gr.HTML,
                pages: gr.Gallery) -> gr.ChatInterface:
    paper_filter.render()
    chatbot = gr.Chatbot(height=600, buttons=["copy"], elem_id="chat",
                         placeholder="Ask a question about the papers in the library.")
    textbox = gr.Textbox(placeholder="Ask a question; follow-ups can refer to the conversation (Enter sends)",
                         show_label=False, elem_id="chat-input")
    return gr.ChatInterface(ui.respond, chatbot=chatbot, textbox=textbox, additional_inputs=[paper_filter, answers],
                            additional_outputs=[answers, evidence, pages], api_name="chat",
                            analytics_enabled=False, autofocus=False, fill_height=False)


def serve(demo: gr.Blocks, host: str = "127.0.0.1", port: int | None = 7860, auth: tuple[str, str] | None = None,
          block: bool = True, max_file_mb: float | None = None) -> Any:
    """Launch the page; ``port=None`` takes the first free one from 7860, ``block=False`` returns at once
    (tests) and ``demo.close()`` stops it."""
    return demo.launch(server_name=host, server_port=port, auth=auth, css=CSS, prevent_thread_lock=not block,
                       max_file_size=int(max_file_mb * 2**20) if max_file_mb else None, quiet=True)


def launch(index_dir: str | Path | None, host: str = "127.0.0.1", port: int = 7860,
           auth: tuple[str, str] | None = None) -> None:
    from ..api import Library

    library = Library(index_dir)
    serve(build_app(library), host, port, auth, max_file_mb=library.settings.parse.max_file_mb)
