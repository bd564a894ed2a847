"""Two students train in the Train tab while 28 others use the app: does everyone keep their budget?

Command: ``lmlab bench app --json`` (runs it after the classroom load, on the same server).

The trainers drive the tab as a browser does: reset, play, then the timer's ticks (each one
slice of about half a second of training) until the run ends, then again.  The other students
are ``lmlab.bench.app.run_load``'s, their first-use phase short (the caches are warm by then).
Rows: the classroom's, named "while 2 train", and the trainers' own tick latency.
"""

from __future__ import annotations

import statistics
import threading
import time

from lmlab.bench.app import DEFAULT_BUDGET_S, _pct, _row, rows, run_load
from lmlab.bench.endpoints import client_for


def _text(out) -> str:
    """The words among an event's outputs (the status line)."""
    out = out if isinstance(out, (list, tuple)) else [out]
    return " ".join(x for x in out if isinstance(x, str))


def _trainer(url: str, deadline: float, record, ticks: list) -> None:
    """One student in the Train tab: reset, play, then the timer's ticks until the run ends
    (then again) or the deadline.  ``ticks``: (seconds, status) per tick."""
    try:
        client = client_for(url)
        while time.time() < deadline:
            client.predict(api_name="/train_reset")
            if "busy" in _text(client.predict(api_name="/train_play")):
                time.sleep(2)  # a student waits and presses Play again
                continue
            while time.time() < deadline:
                t0 = time.perf_counter()
                status = _text(client.predict(api_name="/train_tick"))
                ticks.append((time.perf_counter() - t0, status))
                if not status.startswith("Step") or "Done" in status:
                    break  # finished, diverged, out of time or paused: start again
    except Exception as exc:  # noqa: BLE001 - a failing trainer is an error row
        record("(train)", None, None, f"{type(exc).__name__}: {exc}"[:300])


def run_training_load(url: str, trainers: int = 2, clients: int = 28, duration_s: float = 120,
                      seed: int = 1, pid: int | None = None) -> tuple[dict, list]:
    """``trainers`` students train in the Train tab while ``clients`` others use the app as in
    ``run_load`` (its first-use phase shortened: the caches are warm).  Returns (run_load's
    result, the trainers' ticks)."""
    ticks, errors = [], []
    deadline = time.time() + duration_s + 60  # trainers outlast the classroom's first use
    threads = [threading.Thread(target=_trainer, daemon=True, args=(
        url, deadline, lambda *a: errors.append(a[-1]), ticks)) for _ in range(trainers)]
    for t in threads:
        t.start()
    result = run_load(url, clients, duration_s, seed, pid=pid, first_sessions=1, first_s=5.0)
    for t in threads:
        t.join(timeout=120)
    result["train_errors"] = errors
    return result, ticks


def training_rows(result: dict, ticks: list, trainers: int = 2) -> list[dict]:
    """The classroom's rows, named "while N train", then the trainers' own tick latency."""
    out = []
    for r in rows(result):
        out.append(r | {"metric": r["metric"].replace(" clients", f" clients while {trainers} train")})
    lat = [s for s, _ in ticks]
    if lat:
        out.append(_row(f"p95 latency s (train_tick, {trainers} students training, one slice of "
                        "about 0.5 s each)", _pct(lat, 0.95), DEFAULT_BUDGET_S, False,
                        n=len(lat), p50_s=round(statistics.median(lat), 3),
                        errors=len(result["train_errors"]), messages=result["train_errors"][:3],
                        last_status=[str(s)[:120] for _, s in ticks[-2:]]))
    return out




def training_scenario(url: str, clients: int, duration_s: float, seed: int, pid: int) -> list[dict]:
    """``lmlab.bench.app.bench_app``'s scenario: 2 train, ``clients - 2`` click."""
    return training_rows(*run_training_load(url, 2, clients - 2, duration_s, seed, pid))
