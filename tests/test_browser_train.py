"""The Train tab in a real browser, offline: a run started with Play draws its held-out loss
below the unigram line within a minute, Pause stops it, Step takes one step, and a second
student (another browser context) is told the lab is busy while the cap (1 here) is taken.

Starts ``python app.py`` with ``LMLAB_MAX_TRAIN_RUNS=1`` on a free port, in Debian's headless
chromium (playwright), every request to a host other than 127.0.0.1 aborted.  Skipped when
/usr/bin/chromium or playwright is missing.  A few minutes on 2 busy cores (marked slow).

Run:  python -m pytest tests/test_browser_train.py -q
"""

import re
import time

import pytest
from browser_kit import MARKS, block_outside, launch

from lmlab.bench.endpoints import free_port, start_app, stop_app

STEP = re.compile(r"(?:Step|step) (\d+)")

pytestmark = MARKS
playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


@pytest.fixture(scope="module")
def app_url(tmp_path_factory, monkeypatch_module):
    monkeypatch_module.setenv("LMLAB_MAX_TRAIN_RUNS", "1")
    port = free_port()
    proc, _ = start_app(port, tmp_path_factory.mktemp("app") / "app.log", timeout=240)
    yield f"http://127.0.0.1:{port}/"
    stop_app(proc)


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


def open_train_tab(browser, url, outside):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    block_outside(context, outside)
    page = context.new_page()
    page.goto(url, wait_until="load", timeout=120_000)
    page.get_by_role("tab", name="Train", exact=True).click()
    wait_status(page, lambda s: "unigram" in s, 240)  # the tab opens filled (baselines computed)
    return page


def status(page) -> str:
    return page.locator("#train-status").inner_text()


def wait_status(page, ok, timeout: float) -> str:
    deadline, text = time.time() + timeout, ""
    while time.time() < deadline:
        text = status(page)
        if ok(text):
            return text
        time.sleep(0.3)
    raise AssertionError(f"status after {timeout:.0f} s: {text!r}")


def test_play_beats_unigram_pause_step_and_a_second_student_is_told_busy(app_url):
    from playwright.sync_api import sync_playwright

    outside = []
    with sync_playwright() as p:
        browser = launch(p)
        first = open_train_tab(browser, app_url, outside)
        first.locator("#train-play").click()
        t0 = time.time()
        wait_status(first, lambda s: "below the unigram line" in s, 60)
        print(f"\nbelow the unigram line after {time.time() - t0:.1f} s: {status(first)[:80]}")
        assert first.locator("#train-loss .js-plotly-plot svg path").count() > 0

        second = open_train_tab(browser, app_url, outside)
        second.locator("#train-play").click()
        busy = wait_status(second, lambda s: "busy" in s, 60)
        assert "1 runs ahead of you" in busy

        first.locator("#train-pause").click()
        wait_status(first, lambda s: s.startswith("Paused"), 30)
        time.sleep(3)  # a slice already in flight finishes (and says paused at its step)
        paused = status(first)
        step = int(STEP.search(paused).group(1))
        time.sleep(3)
        assert status(first) == paused and paused.startswith("Paused")  # nothing moves
        first.locator("#train-step").click()
        stepped = wait_status(first, lambda s: f"Step {step + 1} of" in s, 60)
        assert "Step" in stepped
        browser.close()
    assert outside == []
