"""In a real browser, offline: the Compress tab fills itself on first view and every panel works.

Opens the whole app (the session's ``app_server``) in Debian's headless chromium (playwright)
with every request to a host other than 127.0.0.1 aborted, opens the Compress tab and checks:
the trade-off scatter and its table appear (measured on that first view), the histogram and the
soft targets are drawn, "Generate both" writes two continuations, "distil live" shows its
curves and stops when asked; no request went outside and no dialog opened.

Skipped (with the reason) when /usr/bin/chromium or playwright is missing.  Set
LMLAB_SCREENSHOTS=assets/screenshots to save compress.png there.  A few minutes on 2 busy
cores (marked slow).

Run:  python -m pytest tests/test_browser_compress.py -q
"""

import tempfile
import time
from pathlib import Path

import pytest
from browser_kit import MARKS, app_page, screenshot_if_asked

ROOT = Path(__file__).resolve().parents[1]
PLOTS = "(n) => document.querySelectorAll('.js-plotly-plot').length >= n"

pytestmark = MARKS
playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


@pytest.fixture(scope="module")
def page_and_log(app_server):
    """The whole app (the session's ``app_server``) and a chromium page on it: (page, log)."""
    with app_page(app_server.url, "Compress") as page_log:
        yield page_log


def test_compress_tab_fills_itself_and_every_panel_works_offline(page_and_log):
    page, log = page_and_log
    page.get_by_role("tab", name="Compress").click()
    # the scatter is measured on this first view: every variant's point, then the table
    try:
        page.get_by_text("variants on 1,024 held-out tokens").wait_for(timeout=240_000)
        page.wait_for_function(PLOTS, arg=3, timeout=60_000)  # scatter, histogram, soft targets
    except Exception:
        page.screenshot(path=str(Path(tempfile.gettempdir()) / "compress-failure.png"), full_page=True)
        raise
    assert page.get_by_text("distinct values after").count() == 1
    assert page.get_by_text("of the probability").count() == 1

    page.get_by_role("button", name="Generate both").click()
    page.get_by_text("differences come from the variant").wait_for(timeout=120_000)
    outputs = page.locator("textarea").evaluate_all("(els) => els.map(e => e.value)")
    assert sum(v.startswith("ROMEO.") and len(v) > 20 for v in outputs) >= 2

    page.get_by_role("button", name="Start (60 steps)").click()
    page.get_by_text("held-out loss with KD").wait_for(timeout=120_000)
    page.get_by_role("button", name="Stop", exact=True).click()
    page.get_by_text("Stopped at step").wait_for(timeout=60_000)
    time.sleep(1)
    screenshot_if_asked(page, "compress.png")
    assert log["outside"] == [] and log["dialogs"] == []
