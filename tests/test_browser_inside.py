"""In a real browser, offline: the Tokens and Inside tabs open filled, answer, and send nothing out.

Opens the whole app (the session's ``app_server``) in Debian's headless chromium (playwright)
with every request to a host other than 127.0.0.1 aborted, and checks: the Tokens tab fills on
first view with token chips (ids and bytes on hover, a Chinese character's bytes as ``<e5>``,
never U+FFFD) and its plots; retyping text re-tokenizes; the Inside tab fills on first view with
its six plots (logit lens, patching, induction, previous-token, pattern, ablation); prompts of
different token lengths answer with the sentence that says so; no request went outside.

Skipped (with the reason) when /usr/bin/chromium or playwright is missing.  Set
LMLAB_SCREENSHOTS=assets/screenshots to save tokens.png and inside.png there.  About a minute
on 2 cores (marked slow).

Run:  python -m pytest tests/test_browser_inside.py -q
"""

import time
from pathlib import Path

import pytest
from browser_kit import MARKS, app_page, screenshot_if_asked

ROOT = Path(__file__).resolve().parents[1]
PANEL = "[role=tabpanel]:visible"  # for playwright locators
VISIBLE = ("const p = Array.from(document.querySelectorAll('[role=tabpanel]'))"
           ".find(e => e.offsetParent);")  # the same panel, in the page's JS

pytestmark = MARKS
playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


@pytest.fixture(scope="module")
def page_and_log(app_server):
    """The whole app (the session's ``app_server``) and a chromium page on it: (page, log)."""
    with app_page(app_server.url, "Tokens") as page_log:
        yield page_log


def wait_for(page, script: str, timeout: float = 120) -> object:
    """Poll ``script`` (a JS expression over the visible tab panel ``p``) until it is truthy."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = page.evaluate(f"() => {{ {VISIBLE} return p && ({script}); }}")
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {script}")


PLOTS = "p.querySelectorAll('.js-plotly-plot .main-svg').length"
CHIPS = "Array.from(p.querySelectorAll('span[title^=\"id \"]')).map(s => s.textContent + '|' + s.title)"


def test_tokens_tab_opens_filled_and_retokenizes(page_and_log):
    page, log = page_and_log
    page.get_by_role("tab", name="Tokens").click()
    chips = wait_for(page, f"{CHIPS}.length > 20 && {PLOTS} >= 4 && {CHIPS}")
    shown = [c.split("|")[0] for c in chips]
    assert "<e6>" in shown and "\ufffd" not in "".join(shown)  # 法 = e6 b3 95, as bytes
    assert any(c.startswith("What|id ") for c in chips)
    screenshot_if_asked(page, "tokens.png")
    box = page.locator(PANEL).get_by_label("Text").first
    box.fill("Exit Brutus")
    page.locator(PANEL).get_by_role("button", name="Tokenize").click()
    wait_for(page, f"{CHIPS}.some(c => c.startsWith('·Brutus|'))")
    assert log["outside"] == []


def test_inside_tab_opens_filled_and_says_when_lengths_differ(page_and_log):
    page, log = page_and_log
    page.get_by_role("tab", name="Inside").click()
    wait_for(page, f"{PLOTS} >= 6 && p.innerText.includes('Brutus')")
    panel = page.locator(PANEL)
    assert "after block 3" in panel.inner_text() or panel.locator("text=after block 3").count() >= 0
    screenshot_if_asked(page, "inside.png")
    panel.get_by_label("Corrupted prompt").fill("Farewell, Burgundy. Exit Burgundy. Enter")
    panel.get_by_role("button", name="Patch").click()
    page.get_by_text("patching needs the same number").first.wait_for(timeout=60_000)
    assert log["outside"] == []
