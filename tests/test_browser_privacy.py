"""In a real browser, offline: the Privacy tab fills itself on first view and refuses bad input.

Opens the whole app (the session's ``app_server``) in Debian's headless chromium (playwright)
with every request to a host other than 127.0.0.1 aborted, opens the Privacy tab, and checks:
the canary panel shows the true secret's rank and exposure, the exposure curve, the memorisation
probe (Julius Caesar found), the membership ROC with its AUC and the ε-perplexity plot are
drawn; a secret of the wrong form gives a readable error; ``<script>`` typed as a line start
shows as text and runs nothing; no request went outside. Then at 390 px width the tab still
shows its first panel without sideways scrolling.

Skipped (with the reason) when /usr/bin/chromium or playwright is missing.  About 2 minutes on
2 cores (the membership attack runs on first view; marked slow).

Run:  python -m pytest tests/test_browser_privacy.py -q
"""


import pytest
from browser_kit import MARKS, app_page

TIMEOUT_MS = 240_000  # first view on a busy 2-core machine: the ROC needs 500 passages scored

pytestmark = MARKS
playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


@pytest.fixture(scope="module")
def page_and_log(app_server):
    """The whole app (the session's ``app_server``) and a chromium page on it: (page, log)."""
    with app_page(app_server.url, "Privacy", width=1300) as page_log:
        yield page_log


def test_the_tab_fills_itself_on_first_view_offline(page_and_log):
    page, log = page_and_log
    page.get_by_role("tab", name="Privacy").click()
    page.get_by_text("ranks 1 of 10,000").first.wait_for(timeout=TIMEOUT_MS)
    page.get_by_text("13.29 bits").first.wait_for(timeout=TIMEOUT_MS)
    page.get_by_text("Julius Caesar").first.wait_for(timeout=TIMEOUT_MS)
    page.get_by_text("Mean loss: members").first.wait_for(timeout=TIMEOUT_MS)
    page.wait_for_function("""() => Array.from(document.querySelectorAll('.js-plotly-plot'))
        .filter(e => e.offsetParent && e.querySelectorAll('svg path').length > 0).length >= 5""",
                           timeout=TIMEOUT_MS)
    assert page.get_by_text("AUC").count() >= 1
    assert log["outside"] == [] and log["dialogs"] == []


def test_a_secret_of_the_wrong_form_is_a_readable_error(page_and_log):
    page, log = page_and_log
    page.get_by_role("tab", name="Privacy").click()
    box = page.get_by_label("Code to rank")
    box.fill("48x1")
    page.get_by_role("button", name="Rank the code").click()
    page.get_by_text("exactly four digits").first.wait_for(timeout=60_000)
    for close in page.locator(".toast-close:visible").all():
        close.click()
    box.fill("0042")
    page.get_by_role("button", name="Rank the code").click()
    page.get_by_text("is not the planted secret").first.wait_for(timeout=60_000)
    assert log["outside"] == []


def test_script_as_a_line_start_shows_as_text(page_and_log):
    page, log = page_and_log
    page.get_by_role("tab", name="Privacy").click()
    page.get_by_label("Line start from a training work").fill("<script>alert('boo')</script>")
    page.get_by_role("button", name="Continue both").click()
    page.get_by_text("not the start of any line of the corpus").first.wait_for(timeout=60_000)
    page.wait_for_timeout(1000)
    assert log["dialogs"] == [] and log["outside"] == []


def test_readable_at_390_px(page_and_log):
    page, _ = page_and_log
    page.set_viewport_size({"width": 390, "height": 900})
    page.get_by_role("tab", name="Privacy").click()
    page.get_by_role("button", name="Rank the code").wait_for(timeout=30_000)
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 2
    page.set_viewport_size({"width": 1300, "height": 1000})
