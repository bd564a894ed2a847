"""In a real browser, offline: the Compress tab fills itself on first view and every panel works.

Starts ``python app.py`` on a free port, opens it in Debian's headless chromium (playwright)
with every request to a host other than 127.0.0.1 aborted, opens the Compress tab and checks:
the trade-off scatter and its table appear (measured on that first view), the histogram and the
soft targets are drawn, "Generate both" writes two continuations, "distil live" shows its
curves and stops when asked; no request went outside and no dialog opened.

Skipped (with the reason) when /usr/bin/chromium or playwright is missing.  Set
LMLAB_SCREENSHOTS=assets/screenshots to save compress.png there.  A few minutes on 2 busy
cores (marked slow).

Run:  python -m pytest tests/test_browser_compress.py -q
"""

import os
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

from lmlab.bench.endpoints import free_port, start_app

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[1]
PLOTS = "(n) => document.querySelectorAll('.js-plotly-plot').length >= n"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="no /usr/bin/chromium (apt-get install chromium; .ci/run does)"),
]
playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


@pytest.fixture(scope="module")
def page_and_log(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    port = free_port()
    proc, _ = start_app(port, tmp_path_factory.mktemp("app") / "app.log", timeout=300)
    log = {"outside": [], "dialogs": []}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update"])
            page = browser.new_page(viewport={"width": 1400, "height": 1000})

            def route(r):
                url = r.request.url
                if urlparse(url).hostname in ("127.0.0.1", "localhost") or url.startswith(
                        ("about:", "data:", "blob:")):
                    return r.continue_()
                log["outside"].append(url)
                return r.abort()

            page.context.route("**/*", route)
            page.on("dialog", lambda d: (log["dialogs"].append(d.message), d.dismiss()))
            page.goto(f"http://127.0.0.1:{port}/", wait_until="load", timeout=120_000)
            page.get_by_role("tab", name="Compress").wait_for(timeout=60_000)
            yield page, log
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def screenshot(page, name: str) -> None:
    """The whole page as a 256-colour PNG, when LMLAB_SCREENSHOTS is set."""
    folder = os.environ.get("LMLAB_SCREENSHOTS")
    if folder:
        path = ROOT / folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), full_page=True)
        from PIL import Image

        Image.open(path).convert("RGB").quantize(256).save(path, optimize=True)


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
    screenshot(page, "compress.png")
    assert log["outside"] == [] and log["dialogs"] == []
