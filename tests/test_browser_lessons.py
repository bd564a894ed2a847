"""The Lessons tab in a real browser, offline: an "open in tab" button lands on the lesson's tab
with the lesson's settings in its inputs (and the tab run with them), and a "predict, then
reveal" question shows the number lmlab computes now.

Opens the app (the session's ``app_server``) in Debian's headless chromium, driven by
playwright, every request to a host other than 127.0.0.1 / localhost aborted.  The tests share
one page and run in file order.  Skipped, with the reason, when /usr/bin/chromium or playwright
is missing (``.ci/run`` installs chromium).  About a minute on 2 cores (marked slow).

Run:  python -m pytest tests/test_browser_lessons.py -q -s
"""

from __future__ import annotations

import re

import pytest
from browser_kit import MARKS, block_outside, launch

TIMEOUT_MS = 240_000  # a tab's first view or run, on a busy 2-core machine
SENTENCE = "To be, or not to be, that is the question."  # lesson 5's sentence (lmlab.lesson_pages.LINKS)

pytestmark = MARKS
pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install "
                    "-e '.[dev]')")

PANEL = "[role=tabpanel]:visible"


@pytest.fixture(scope="module")
def page(app_server):
    """A chromium page on the app (English); outside requests aborted and listed in ``page.outside``."""
    from playwright.sync_api import sync_playwright

    outside = []
    with sync_playwright() as p:
        chromium = launch(p)
        context = chromium.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
        pg = context.new_page()
        block_outside(context, outside)
        pg.goto(app_server.url, wait_until="load", timeout=120_000)
        pg.locator("#lesson-page h1").first.wait_for(timeout=60_000)
        pg.outside = outside
        yield pg
        chromium.close()
    assert not outside, f"requests outside the app: {outside[:5]}"


def pick_lesson(page, number: int) -> None:
    page.get_by_label("Lesson", exact=True).click()
    page.get_by_role("option", name=re.compile(rf"^{number}\. ")).click()
    page.locator("#lesson-page h1", has_text=re.compile(rf"^{number}\. ")).wait_for(timeout=30_000)


def slider_value(panel, label: str) -> str:
    block = panel.locator(f"div.block:has(input[aria-label='range slider for {label}'])")
    return block.locator("input[data-testid=number-input]").first.input_value()


# ----------------------------------------------------------------------------- the tests


def test_open_in_tab_lands_on_the_tab_with_the_lessons_settings(page):
    pick_lesson(page, 5)
    page.get_by_role("button", name="Open the Attention tab").click()
    selected = page.locator("[role=tab][aria-selected=true]")
    selected.filter(has_text="Attention").wait_for(timeout=30_000)
    panel = page.locator(PANEL).last
    sentence = panel.get_by_label("Sentence", exact=True)
    sentence.wait_for(timeout=60_000)
    assert sentence.input_value() == SENTENCE
    # once the tab's own first view (head 0 of another sentence; it resets the sliders) is done,
    # the lesson puts its settings in again and presses "Show attention": head 1 of its sentence
    try:
        panel.get_by_text("Layer 0, head 1.").first.wait_for(timeout=TIMEOUT_MS)
    except Exception:
        raise AssertionError(f"the tab did not run head 1: {panel.inner_text()[:1500]!r}") from None
    assert "15 tokens: To·be,·or·not·to·be,·that·is·the·question." in panel.inner_text()
    assert (slider_value(panel, "Layer"), slider_value(panel, "Head")) == ("0", "1")
    assert sentence.input_value() == SENTENCE


def test_the_reveal_shows_the_number_computed_now(page):
    page.get_by_role("tab", name="Lessons", exact=True).click()
    panel = page.locator(PANEL).last
    panel.get_by_text("lmlab computes it now").first.wait_for(timeout=30_000)
    guesses = panel.get_by_label("Your answer")
    guesses.nth(1).fill("1")
    panel.get_by_role("button", name="Reveal").first.click()
    shown = panel.get_by_text(re.compile("Computed now by"))
    shown.first.wait_for(timeout=60_000)
    text = shown.first.inner_text()
    assert re.search(r"weight\s+1\b", text), text  # 1.000 from the shipped GPT's heads
    assert "lmlab.gpt.GPT" in text
    assert panel.get_by_text("✓ Your prediction matches the number computed now.").count() == 1
