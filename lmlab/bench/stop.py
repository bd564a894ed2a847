"""Stop in the Generate tab: how soon a 400-token run ends after the student presses Stop.

Command: ``lmlab bench stop --json`` (starts ``python app.py`` itself, about a minute), and a
part of ``lmlab bench app`` (after the classroom load, on the same server, then idle).

As the browser does: start ``/generate`` (400 new tokens), let it stream for ``after_s``, then
cancel it (gradio's ``/cancel``, which returns once the run's task is cancelled and its
generator closed) and call ``/generate_stopped`` (the figures of what was written).  Measured:
seconds from the cancel to the run's end, seconds for the figures, tokens written by then, and
tokens written after it (none, or Stop did not stop).  The peer is the budget of the
student-ready issue: the run ends within half a second of Stop.

The browser's own share (a click on a page busy drawing a stream) is not in these numbers:
``tests/test_browser_student.py::test_02`` prints the click-to-answer time it saw.
"""

from __future__ import annotations

import re
import statistics
import tempfile
import time
from pathlib import Path

from lmlab.bench.common import row
from lmlab.bench.endpoints import client_for, free_port, start_app, stop_app

STOP_BUDGET_S = 0.5  # the run ends within about half a second of Stop (issue #13)
FIGURES_BUDGET_S = 1.0  # and the page answers (figures of the stopped run) within a second
PROMPT = "To be, or not to be, that is the question. " * 20


def _stopped_after(client) -> tuple[int | None, float]:
    """``/generate_stopped`` as the Stop button's follow-up calls it: (tokens it says were
    written, seconds it took)."""
    t0 = time.perf_counter()
    out = client.predict("", api_name="/generate_stopped")  # its input: the stats line shown
    seconds = time.perf_counter() - t0
    said = " ".join(x for x in (out if isinstance(out, (list, tuple)) else [out]) if isinstance(x, str))
    n = re.search(r"(\d+)", said)
    return (int(n.group(1)) if n else None), seconds


def one_stop(url: str, after_s: float = 1.0, settle_s: float = 1.0) -> dict:
    """Start a 400-token run, cancel it after ``after_s``; what happened (see the module doc)."""
    from lmlab.ui.generate import MODELS

    client = client_for(url)
    job = client.submit(PROMPT, next(iter(MODELS)), "", 0.8, 40, 1.0, 400, 0, api_name="/generate")
    t_start = time.perf_counter()
    while not job.outputs() and time.perf_counter() - t_start < 60:
        time.sleep(0.02)  # the first streamed text: the run is under way
    time.sleep(after_s)
    t0 = time.perf_counter()
    job.cancel()
    stop_s = time.perf_counter() - t0
    at_stop, figures_s = _stopped_after(client)
    time.sleep(settle_s)
    later, _ = _stopped_after(client)
    client.close()
    return {"stop_s": stop_s, "figures_s": figures_s, "tokens_at_stop": at_stop,
            "tokens_after_stop": (later or 0) - (at_stop or 0)}


def stop_rows(url: str, tries: int = 5) -> list[dict]:
    """``tries`` Stops one after another on an idle server: the worst of each as bench rows."""
    runs = [one_stop(url) for _ in range(tries)]
    stop = [r["stop_s"] for r in runs]
    figs = [r["figures_s"] for r in runs]
    extra = {"tries": tries, "tokens_at_stop": [r["tokens_at_stop"] for r in runs],
             "tokens_after_stop": [r["tokens_after_stop"] for r in runs]}
    return [row("stop", f"Stop: run ended s after the cancel (worst of {tries}; median "
                f"{statistics.median(stop):.3f})", max(stop), STOP_BUDGET_S, "budget", False,
                **extra),
            row("stop", f"Stop: figures of the stopped run s (worst of {tries}; median "
                f"{statistics.median(figs):.3f})", max(figs), FIGURES_BUDGET_S, "budget", False),
            row("stop", "Stop: tokens written after the cancel (all tries)",
                sum(r["tokens_after_stop"] for r in runs), 0, "budget", False)]


def stop_scenario(url, clients, duration_s, seed, pid) -> list[dict]:
    """For ``lmlab.bench.app.bench_app(scenarios=...)``: Stop on the server after the load."""
    return stop_rows(url)


def bench_stop(tries: int = 5) -> list[dict]:
    """Start ``python app.py``, measure ``tries`` Stops, stop it."""
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        proc, _ = start_app(port, Path(tmp) / "app.log")
        try:
            return stop_rows(f"http://127.0.0.1:{port}/", tries)
        finally:
            stop_app(proc)
