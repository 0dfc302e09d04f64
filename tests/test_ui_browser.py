"""The chat UI in a real browser: Playwright drives Debian's headless Chromium against the real app.

One library and one app server for the module; the tests run in file order as one user's
session (upload, ask, follow up, inspect, clear, remove). Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from assistant.api import Library
from assistant.render import answer_text

from . import pdfgen
from .conftest import MADAMINOVA, REPO, WEI

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = REPO / "test-artifacts"
WAIT_MS = 60_000  # the first question loads the embedding model
WEI_TITLE = "International Migration Challenges"
MADAMINOVA_TITLE = "Analysing the Relationship Between Security and Migration"
BOT = '[data-testid="bot"]'


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> Library:
    return Library(tmp_path_factory.mktemp("ui-library"))


@pytest.fixture(scope="module")
def page(library):
    from assistant.ui import build_app, serve

    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing; install Debian's Chromium with: make browser")
    demo = build_app(library)
    _, url, _ = serve(demo, port=None, block=False)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1600, "height": 1000},
                                          permissions=["clipboard-read", "clipboard-write"])
            tab = context.new_page()
            tab.set_default_timeout(20_000)
            tab.goto(url)
            yield tab
            browser.close()
    finally:
        demo.close()


def settle(page) -> None:
    """Wait until no component shows gradio's pending state (chained events included)."""
    expect(page.locator('[data-testid="status-tracker"]:not(.hide)')).to_have_count(0, timeout=WAIT_MS)


def screenshot(page, name: str) -> None:
    settle(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"ui-{name}.png"), full_page=True)


def upload(page, files) -> None:
    page.locator("#upload input[type=file]").set_input_files(files)


def ask(page, question: str):
    """Send a question and return the locator of its answer once it has arrived."""
    answers = page.locator(BOT)
    before = answers.count()
    box = page.locator("#chat-input textarea")
    box.fill(question)
    box.press("Enter")
    expect(answers).to_have_count(before + 1, timeout=WAIT_MS)
    expect(box).to_be_editable(timeout=WAIT_MS)
    return answers.nth(before)


def rows(page, table: str):
    """The data rows of a gr.Dataframe (a virtualised grid; its <table> only measures)."""
    return page.locator(f"#{table} [role=row][data-index]")


def library_state(library: Library) -> tuple:
    files = sorted(p.name for p in (library.dir / "files").glob("*"))
    return [p.model_dump() for p in library.papers()], files


def test_upload_of_two_papers_lists_them_with_a_result_each(page, library):
    upload(page, [str(WEI), str(MADAMINOVA)])
    results = page.locator("#upload-results tbody tr")
    expect(results).to_have_count(2, timeout=WAIT_MS)
    for row, pdf in zip(results.all(), (WEI, MADAMINOVA)):
        expect(row).to_contain_text(pdf.name)
        expect(row).to_contain_text("added")
    expect(page.locator("#papers")).to_contain_text(WEI_TITLE)
    expect(page.locator("#papers")).to_contain_text(MADAMINOVA_TITLE)
    assert sorted(p.file_name for p in library.papers()) == sorted([WEI.name, MADAMINOVA.name])
    screenshot(page, "1-uploaded")


def test_corrupt_upload_with_a_hostile_name_shows_why_and_changes_nothing(page, library, tmp_path):
    before = library_state(library)
    broken = pdfgen.truncated_pdf(tmp_path / "broken.pdf", WEI).read_bytes()
    upload(page, [{"name": "../../evil-upload name?.pdf", "mimeType": "application/pdf", "buffer": broken}])
    result = page.locator("#upload-results tbody tr")
    expect(result).to_have_count(1)
    expect(result).to_contain_text("failed")
    expect(result).to_contain_text("unreadable PDF")
    assert "/" not in result.locator("td").first.inner_text()
    assert library_state(library) == before
    # where "../../" would lead from gradio's upload cache, the staging folder or the library
    above = {Path(tempfile.gettempdir()), library.dir.parent, REPO, Path.cwd()}
    assert not [p for folder in above for p in folder.glob("*evil-upload*")]
    assert not list(library.dir.rglob("*evil-upload*"))
    expect(page.locator("#papers")).to_contain_text(MADAMINOVA_TITLE)
    screenshot(page, "2-corrupt-upload")


def test_question_gets_a_cited_answer_with_quote_and_page_image(page):
    answer = ask(page, "How many international migrants were there in 2019?")
    expect(answer).to_contain_text("(Wei, n.d., p. 1)")
    expect(answer).to_contain_text("References")
    evidence = page.locator("#evidence-html")
    expect(evidence.locator("mark").first).to_contain_text("272 million")
    expect(evidence).to_contain_text("printed page 1")
    expect(page.locator("#evidence-pages img").first).to_be_visible()
    screenshot(page, "3-answer-and-evidence")


def test_follow_up_is_answered_from_the_conversation(page, library):
    first = ask(page, "What does Wei say about migrant smuggling?")
    expect(first).to_contain_text("(Wei, n.d., p. 2)")
    follow_up = "Who published the report on it?"
    answer = ask(page, follow_up)
    expect(answer).to_contain_text("UNODC")
    expect(answer).to_contain_text("(Wei, n.d., p. 2)")
    expect(page.locator("#evidence-html")).to_contain_text("searched as:")
    assert "UNODC" not in answer_text(library.ask(follow_up)), "without the history it finds another report"
    screenshot(page, "4-follow-up")


def test_clicking_an_earlier_answer_shows_its_evidence(page):
    page.locator(BOT).first.click()
    expect(page.locator("#evidence-html mark").first).to_contain_text("272 million")


def test_copy_an_answer_as_markdown_with_references(page):
    page.locator(BOT).last.hover()
    page.get_by_role("button", name="Copy message").last.click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "UNODC" in copied and "(Wei, n.d., p. 2)" in copied
    assert "**References**" in copied and "Baige Wei (n.d.)." in copied


def test_selected_paper_shows_its_references(page):
    rows(page, "papers").filter(has_text=WEI_TITLE).locator("[role=gridcell]").first.click()
    expect(page.locator("#paper-picker input")).to_have_value(re.compile("Wei"))
    references = page.locator("#references")
    expect(references).to_contain_text("in the library")
    expect(references).to_contain_text("missing")
    expect(references).to_contain_text("Global Study on Smuggling of Migrants")
    screenshot(page, "5-references")


def test_clear_chat_empties_conversation_and_evidence(page):
    page.locator('#chat button[aria-label="Clear"]').click()
    expect(page.locator(BOT)).to_have_count(0)
    expect(page.locator("#evidence-html")).to_contain_text("Ask a question")
    expect(page.locator("#evidence-pages img")).to_have_count(0)


def test_remove_asks_for_confirmation_then_removes(page, library):
    page.locator("#remove").click()
    expect(page.locator("#library-status")).to_contain_text(f"Remove {WEI_TITLE}")
    page.locator("#cancel-remove").click()
    expect(page.locator("#confirm-remove")).to_be_hidden()
    assert len(library.papers()) == 2

    page.locator("#remove").click()
    expect(page.locator("#confirm-remove")).to_be_visible()
    screenshot(page, "6-confirm-remove")
    page.locator("#confirm-remove").click()
    expect(page.locator("#library-status")).to_contain_text(f"Removed {WEI.name}")
    expect(page.locator("#papers")).not_to_contain_text(WEI_TITLE)
    expect(page.locator("#papers")).to_contain_text(MADAMINOVA_TITLE)
    assert [p.file_name for p in library.papers()] == [MADAMINOVA.name]
    assert len(list((library.dir / "files").glob("*.pdf"))) == 1
    screenshot(page, "7-removed")
