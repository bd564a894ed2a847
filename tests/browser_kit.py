"""What the browser tests share: Debian's chromium, pages that cannot reach another host, waiting
for a tab to be drawn, and README-sized screenshots.

Not a test module (no ``test_`` prefix): the ``tests/test_browser*.py`` files import it (pytest
puts ``tests/`` on ``sys.path``).  Playwright drives ``/usr/bin/chromium`` (``apt-get install
chromium``; ``.ci/run`` does): playwright's own browser download is never used.
"""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]
LOCAL = {"127.0.0.1", "localhost"}
MARKS = [  # every browser test: slow, and skipped with the reason where chromium is missing
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium: apt-get install "
                       "chromium (.ci/run does)"),
]
# In the open tab (the last visible panel): gradio 6's status trackers still showing (it has no
# .pending class) and outputs still streaming.
BUSY = """() => { const ps = Array.from(document.querySelectorAll('[role=tabpanel]'))
  .filter(e => e.offsetParent); const p = ps[ps.length - 1];
  return p ? p.querySelectorAll('.wrap.default:not(.hide), .wrap.center:not(.hide), .generating')
    .length : 1; }"""


def launch(playwright):
    """Headless chromium from Debian, with the flags a sandboxed CI machine needs."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)


def block_outside(context, outside: list) -> None:
    """Abort every request of ``context`` (a page's or a browser context) to a host other than
    this machine; each aborted URL is appended to ``outside``."""

    def route(r):
        url = r.request.url
        if urlparse(url).hostname in LOCAL or url.startswith(("data:", "blob:", "about:")):
            return r.continue_()
        outside.append(url)
        return r.abort()

    context.route("**/*", route)


def wait_idle(page, timeout_s: float = 240, quiet_s: float = 1.0) -> None:
    """Until nothing in the open tab is pending or streaming for ``quiet_s`` in a row (its first
    view is drawn, an action answered)."""
    t0, since = time.time(), None
    while time.time() - t0 < timeout_s:
        if page.evaluate(BUSY) == 0:
            since = since or time.time()
            if time.time() - since > quiet_s:
                return
        else:
            since = None
        time.sleep(0.1)
    raise AssertionError(f"the tab was still busy after {timeout_s:.0f} s")


def save_png(page, path: Path, width: int = 1280, height: int | None = None,
             max_height: int = 2400, restore: tuple[int, int] = (1280, 900)) -> Path:
    """The page from the top at ``width`` px (``height``, or the page's own height up to
    ``max_height``: a tall viewport paints lazy iframes too) as a 256-colour PNG, small enough
    for README; the viewport goes back to ``restore``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if height is None:
        height = min(page.evaluate("() => document.documentElement.scrollHeight"), max_height)
    page.set_viewport_size({"width": width, "height": height})
    page.evaluate("() => window.scrollTo(0, 0)")
    time.sleep(1)
    page.screenshot(path=str(path))
    page.set_viewport_size({"width": restore[0], "height": restore[1]})
    try:
        from PIL import Image

        Image.open(path).convert("RGB").quantize(256).save(path, optimize=True)
    except ImportError:  # pillow comes with the dev extras; without it the PNG stays as taken
        pass
    return path


@contextmanager
def app_page(url: str, tab: str, width: int = 1400, height: int = 1000):
    """(page, log): a chromium page on the app at ``url`` with ``tab`` shown; requests to another
    host aborted into ``log["outside"]``, dialogs (an injected ``alert``) dismissed into
    ``log["dialogs"]``, and the vendored scripts served as (file, status) in ``log["vendor"]``."""
    from playwright.sync_api import sync_playwright

    log = {"outside": [], "dialogs": [], "vendor": []}
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": width, "height": height})
        block_outside(page.context, log["outside"])
        page.on("dialog", lambda d: (log["dialogs"].append(d.message), d.dismiss()))
        page.on("response", lambda r: "assets/vendor/" in r.url and log["vendor"].append(
            (r.url.rsplit("/", 1)[-1], r.status)))
        page.goto(url, wait_until="load", timeout=120_000)  # (a queue stream stays open)
        page.get_by_role("tab", name=tab).wait_for(timeout=60_000)
        yield page, log
        browser.close()


def screenshot_if_asked(page, name: str, max_height: int = 7000) -> None:
    """The whole page at 1400 px (iframes painted) into $LMLAB_SCREENSHOTS/``name``, when set."""
    folder = os.environ.get("LMLAB_SCREENSHOTS")
    if folder:
        folder = Path(folder) if Path(folder).is_absolute() else Path(__file__).parents[1] / folder
        save_png(page, folder / name, width=1400, max_height=max_height, restore=(1400, 1000))
