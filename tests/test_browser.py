"""Every tab in a real browser, offline: its main action runs and draws, nothing leaves the app.

Opens the app (the session's ``app_server``) in Debian's headless chromium, driven by
playwright, with every request to a host other than 127.0.0.1 / localhost aborted and recorded.
Then, for each tab found by ``role=tab`` (a new tab is covered without new code; tabs inside a
tab once it is open): click it, click its primary button if it has one, wait until the app is
idle, and check what shows:

- every plotly plot in the tab is drawn (``.js-plotly-plot`` with SVG paths), and a tab
  with plots has at least one;
- a streaming action (the outputs show gradio's "generating" state) grows its text while it
  streams: tokens arrive one batch at a time, not all at the end;
- every iframe in the tab has content; a bertviz iframe has its attention lines (``svg line``);
- no error toast, no ``alert()`` dialog, no console error, no request outside the app.

Screenshots: set LMLAB_SCREENSHOTS=assets/screenshots to save ``<tab>.png`` per tab there
(256-colour PNGs, at most 1280 x 2400); otherwise they go to pytest's temp folder.
Skipped, with the reason, when /usr/bin/chromium or playwright is missing (``.ci/run``
installs chromium).  About 1-2 minutes on 2 cores (marked slow).

Run:  python -m pytest tests/test_browser.py -q -s
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
from browser_kit import MARKS, block_outside, launch, save_png

ROOT = Path(__file__).resolve().parents[1]
ACTION_TIMEOUT_S = 180  # one tab's main action, queue included, on a busy 2-core machine

pytestmark = MARKS
pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install "
                    "-e '.[dev]')")

PANEL = "[role=tabpanel]:visible"
STATE = """() => {
  const p = Array.from(document.querySelectorAll('[role=tabpanel]')).filter(e => e.offsetParent)
    .pop();
  return p ? {busy: p.querySelectorAll('.wrap.default:not(.hide), .wrap.center:not(.hide), .generating').length,
              generating: p.querySelectorAll('.generating').length, text: p.innerText.length}
           : null;
}"""
PLOTS = """(p) => Array.from(p.querySelectorAll('.js-plotly-plot'))
  .filter(e => e.offsetParent).map(e => e.querySelectorAll('svg path').length)"""
FRAME = """() => ({title: document.title, lines: document.querySelectorAll('svg line').length,
                  svg: document.querySelectorAll('svg *').length,
                  text: (document.body && document.body.innerText.length) || 0})"""


@pytest.fixture(scope="module")
def browser(app_server):
    """(page, log): a chromium page on the app; outside requests aborted and listed in log."""
    from playwright.sync_api import sync_playwright

    log = {"outside": [], "console": [], "dialogs": []}
    with sync_playwright() as p:
        chromium = launch(p)
        page = chromium.new_page(viewport={"width": 1280, "height": 900})
        block_outside(page.context, log["outside"])
        page.on("console", lambda m: m.type == "error" and log["console"].append(
            f"{m.text} ({m.location.get('url', '')})"))
        page.on("pageerror", lambda e: log["console"].append(f"page error: {e}"))
        page.on("dialog", lambda d: (log["dialogs"].append(d.message), d.dismiss()))
        page.goto(app_server.url, wait_until="load", timeout=120_000)
        page.get_by_role("tab").first.wait_for(timeout=60_000)
        yield page, log
        chromium.close()


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "tab"


def wait_idle(page, timeout: float = ACTION_TIMEOUT_S) -> list[dict]:
    """Poll the visible tab until nothing in it is pending or streaming for 1.5 s in a row;
    returns the snapshots taken (busy, generating, text length)."""
    snaps, t0, idle_since = [], time.time(), None
    while time.time() - t0 < timeout:
        s = page.evaluate(STATE)
        if s:
            snaps.append(s)
        if s and not s["busy"]:
            idle_since = idle_since or time.time()
            if time.time() - idle_since > 1.5:
                return snaps
        else:
            idle_since = None
        time.sleep(0.15)
    raise AssertionError(f"the tab was still busy after {timeout:.0f} s")


def iframes_drawn(page, panel, timeout: float = 90) -> list[dict]:
    """Each iframe of the tab, scrolled into view (they load lazily), once it has content."""
    frames = panel.locator("iframe")
    out = []
    for i in range(frames.count()):
        el = frames.nth(i)
        if not el.is_visible():
            continue
        el.scroll_into_view_if_needed()
        title, deadline, seen = el.get_attribute("title") or "", time.time() + timeout, {}
        while time.time() < deadline:
            frame = el.element_handle().content_frame()
            try:
                seen = frame.evaluate(FRAME) if frame else {}
            except Exception:  # noqa: BLE001 - a frame being replaced by a newer answer
                seen = {}
            if seen and (seen["lines"] if "bertviz" in title.lower()
                         else seen["text"] or seen["svg"]):
                break
            time.sleep(0.5)
        out.append({"iframe": title, **seen})
    return out


def screenshot(page, name: str, folder: Path) -> Path:
    """The page (at most 1280 x 2400), saved as a 256-colour PNG: small enough for README."""
    return save_png(page, folder / f"{slug(name)}.png")  # a tall viewport paints lazy iframes


# ----------------------------------------------------------------------------- the tour


def test_every_tab_runs_its_main_action_offline(browser, app_server, tmp_path):
    from lmlab.bench.endpoints import client_for, endpoints

    page, log = browser
    folder = Path(os.environ.get("LMLAB_SCREENSHOTS") or tmp_path)
    folder = folder if folder.is_absolute() else ROOT / folder
    streams = any(ep.generator for ep in endpoints(client_for(app_server.url)))
    problems, report, streamed, visited = [], [], [], []
    while True:  # every visible tab not yet visited: nested tabs show once their parent is open
        tabs = page.get_by_role("tab")
        names = [t.inner_text().strip() for t in tabs.all() if t.is_visible()]
        todo = [n for n in names if n not in visited]
        if not todo:
            break
        name = todo[0]
        visited.append(name)
        page.get_by_role("tab", name=name, exact=True).click()
        page.wait_for_timeout(500)
        shown = [t.inner_text().strip() for t in page.get_by_role("tab").all() if t.is_visible()]
        if set(shown) - set(names):  # a tab of tabs: its inner tabs are visited next
            continue
        panel = page.locator(PANEL).last
        buttons = panel.locator("button.primary:visible")
        action = buttons.first.inner_text().strip() if buttons.count() else None
        t0 = time.time()
        if action:
            buttons.first.click()
            page.wait_for_timeout(300)
        snaps = wait_idle(page)
        seconds = time.time() - t0
        grew = sorted({s["text"] for s in snaps if s["generating"]})
        generating = [s for s in snaps if s["generating"]]
        if generating:
            streamed.append(name)
            # two or more looks while it streamed must show the text growing; a run so quick that
            # it was seen streaming once proves nothing either way (tests/test_ui_generate.py
            # checks that every token is sent)
            if len(generating) >= 2 and len(grew) < 2:
                problems.append(f"{name}: streamed, but its text did not grow ({grew})")
        plots = panel.evaluate(PLOTS)
        if plots and min(plots) == 0 or (not plots and panel.locator(".js-plotly-plot").count()):
            problems.append(f"{name}: a plot is not drawn (SVG paths per plot: {plots})")
        frames = iframes_drawn(page, panel)
        for f in frames:
            empty = not f.get("lines") if "bertviz" in f["iframe"].lower() else not (
                f.get("text") or f.get("svg"))
            if empty:
                problems.append(f"{name}: iframe {f['iframe']!r} drew nothing: {f}")
        toasts = page.locator(".toast-body:visible")
        if toasts.count():
            problems.append(f"{name}: error shown: {toasts.first.inner_text()[:300]!r}")
            for close in page.locator(".toast-close:visible").all():
                close.click()
        shot = screenshot(page, name, folder)
        report.append(f"{name}: {action or '(no button)'} {seconds:.1f} s, plots {len(plots)}, "
                      f"iframes {[(f['iframe'], f.get('lines')) for f in frames]}, "
                      f"streamed text lengths {grew[:3]}...{grew[-1:]}, {shot.name} "
                      f"{shot.stat().st_size // 1024} KB")
    assert visited, "no role=tab in the page"
    print("\n" + "\n".join(report))
    if streams and not streamed:
        problems.append("the app has a streaming endpoint, but no tab's main action streamed")
    problems += [f"request outside the app was blocked: {u}" for u in log["outside"]]
    problems += [f"console: {m}" for m in log["console"]]
    problems += [f"dialog (injected script ran?): {m}" for m in log["dialogs"]]
    assert not problems, "\n".join(problems)
