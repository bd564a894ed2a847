"""In a real browser, offline: bertviz draws its lines for both models, and nothing leaves the app.

Starts ``python app.py`` on a free port, opens it in Debian's headless chromium (driven by
playwright) with every request to a host other than 127.0.0.1 aborted, and checks, on the
Attention tab: the head view and the model view of the GPT, then of MiniLM, contain SVG lines;
the three vendored libraries were served by the app; ``<script>`` typed into the sentence shows
as text and runs nothing; no request went outside.  Then the Positional tab draws its plots.

Skipped (with the reason) when /usr/bin/chromium or playwright is missing; ``.ci/run``
installs chromium.  Set LMLAB_SCREENSHOTS=assets/screenshots to save attention.png and
positional.png there.  About a minute on 2 cores (marked slow).

Run:  python -m pytest tests/test_browser_attention.py -q
"""

import time
from pathlib import Path

import pytest
from browser_kit import MARKS, app_page, screenshot_if_asked

from lmlab.bench.endpoints import free_port, start_app, stop_app

ROOT = Path(__file__).resolve().parents[1]
EVIL = "<script>alert('boo')</script> Romeo"
COUNT = """() => [document.querySelectorAll('svg line').length,
                  document.querySelectorAll('svg text').length, document.title,
                  Array.from(document.querySelectorAll('svg text')).map(t => t.textContent)]"""

pytestmark = MARKS
playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    """The real app, started as a user starts it (``lmlab.bench.endpoints.start_app``, its log in a
    file), on a free port; stopped afterwards."""
    log = tmp_path_factory.mktemp("app") / "app.log"
    port = free_port()
    proc, _ = start_app(port, log, timeout=240)
    yield f"http://127.0.0.1:{port}/"
    stop_app(proc)


@pytest.fixture(scope="module")
def browser_page(app_url):
    """A chromium page on the app: (page, log); every outside request aborted and recorded."""
    with app_page(app_url, "Attention") as page_log:
        yield page_log


def bertviz_frames(page, token: str, heads: int, timeout: float = 90) -> dict:
    """{title: (lines, texts, labels)} of the bertviz iframes once they show the new sentence:
    the head view lists ``token``, the model view has ``heads`` head columns."""
    deadline, seen = time.time() + timeout, {}
    while time.time() < deadline:
        seen = {}
        for i in range(page.locator("iframe:visible").count()):  # as a reader scrolls down to them:
            page.locator("iframe:visible").nth(i).scroll_into_view_if_needed()  # off-screen ones wait
        for frame in page.frames:
            if frame != page.main_frame:
                try:
                    lines, texts, title, tokens = frame.evaluate(COUNT)
                except Exception:  # a frame being replaced
                    continue
                if title in ("head view", "model view"):
                    seen[title] = (lines, texts, tokens)
        if (len(seen) == 2 and all(v[0] > 0 for v in seen.values())
                and token in seen["head view"][2] and str(heads - 1) in seen["model view"][2]
                and str(heads) not in seen["model view"][2]):
            return seen
        time.sleep(0.5)
    raise AssertionError(f"bertviz did not draw {token!r} and {heads} heads: {seen}")


def test_bertviz_draws_lines_for_both_models_offline(browser_page):
    page, log = browser_page
    page.get_by_role("tab", name="Attention").click()
    gpt = bertviz_frames(page, "·But", heads=4)
    assert gpt["head view"][0] > 0 and gpt["model view"][0] > 0
    page.get_by_label("Model").click()
    page.get_by_role("option", name="MiniLM", exact=False).click()
    minilm = bertviz_frames(page, "[CLS]", heads=12)
    assert minilm["head view"][0] > 0 and minilm["model view"][0] > 0
    screenshot_if_asked(page, "attention.png", max_height=6000)  # MiniLM: a real model's heads
    print(f"\nSVG lines: GPT head view {gpt['head view'][0]}, model view "
          f"{gpt['model view'][0]}; MiniLM head view {minilm['head view'][0]}, model view "
          f"{minilm['model view'][0]}")
    served = {name for name, status in log["vendor"] if status in (200, 304)}
    assert {"require.js", "d3.min.js", "jquery.min.js"} <= served, log["vendor"]
    assert log["outside"] == []


def test_script_in_the_sentence_shows_as_text_and_runs_nothing(browser_page):
    page, log = browser_page
    page.get_by_role("tab", name="Attention").click()
    page.get_by_label("Sentence").first.fill(EVIL)
    page.get_by_role("button", name="Show attention").click()
    views = bertviz_frames(page, "script", heads=12)  # MiniLM is still picked
    assert any("<" in t for t in views["head view"][2])  # the token "<" is drawn as text
    page.wait_for_timeout(1000)
    assert log["dialogs"] == []  # no alert() ran, in the page or in an iframe
    assert page.get_by_text("script", exact=True).count() >= 1  # the token chips
    assert log["outside"] == []


def test_positional_tab_draws_its_plots_offline(browser_page):
    page, log = browser_page
    page.get_by_role("tab", name="Positional").click()
    page.wait_for_timeout(2000)
    plots = page.locator(".js-plotly-plot:visible")
    assert plots.count() >= 7  # 4 tables, similarity, RoPE pair, encoded scores
    screenshot_if_asked(page, "positional.png")
    assert log["outside"] == []
