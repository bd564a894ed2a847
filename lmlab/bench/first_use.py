"""The first minutes of a class, for ``lmlab bench app``: several students at once open every
setting of every endpoint (models load, caches fill, loaders race).

Command: part of ``lmlab bench app --json`` (``lmlab.bench.app.run_load`` runs it first).
"""

from __future__ import annotations

import itertools
import threading
import time

from lmlab.bench.endpoints import Endpoint, address, client_for, refusal
from lmlab.bench.endpoints import call_timed as _call


def warmup_args(ep: Endpoint, most: int = 24) -> list[list]:
    """Every combination of the discrete settings (choices, sliders of a few steps), or each
    one alone when there are more than ``most``: the first student to pick a setting pays for
    loading it (cached models), not the measurement."""
    discrete = []
    for p in ep.params:
        vals = list(p.choices)
        if p.component == "Slider" and p.minimum is not None and not p.dynamic:
            n = round((p.maximum - p.minimum) / (p.step or 1))
            vals = [p.minimum + k * (p.step or 1) for k in range(n + 1)] if n < 6 else []
        discrete.append(vals or [p.default])
    combos = list(itertools.islice(itertools.product(*discrete), most + 1))
    if len(combos) <= most:
        return [list(c) for c in combos]
    calls = [ep.defaults()]
    for i, vals in enumerate(discrete):
        calls += [calls[0][:i] + [v] + calls[0][i + 1:] for v in vals if v != calls[0][i]]
    return calls


def first_use(url: str, eps: list[Endpoint], sessions: int, timeout: float,
              budget_s: float) -> dict[str, list[str]]:
    """The first minutes of a class: ``sessions`` students at once go through every endpoint
    with each discrete setting (``warmup_args``, at most ``budget_s`` seconds per endpoint).

    Two students opening a lazily loaded model at the same moment is where loaders race, so
    this is a test as much as a warm-up.  Returns {"calls": [...], "errors": ["api args: msg"],
    "refused": [...]} (``refusal``: the app answered bad input with a sentence).
    """
    calls, errors, refused, lock = [], [], [], threading.Lock()

    def student(i):
        try:
            client = client_for(url, address(i, group=1))
        except Exception as exc:  # noqa: BLE001 - a session that cannot start is an error
            with lock:
                errors.append(f"(connect): {type(exc).__name__}: {exc}"[:300])
            return
        for ep in eps:
            t_ep = time.time()
            for args in warmup_args(ep):
                if time.time() - t_ep > budget_s:
                    break
                try:
                    _call(client, ep, args, timeout)
                    error = None
                except Exception as exc:  # noqa: BLE001 - every failure is counted
                    shown = [v if not isinstance(v, str) or len(v) < 24 else v[:20] + "..."
                             for v in args]
                    error = f"{ep.api_name} {shown}: {type(exc).__name__}: {exc}"[:300]
                with lock:
                    calls.append(ep.api_name)
                    if error and refusal(error.split(": ", 1)[1]):
                        refused.append(error)
                    elif error:
                        errors.append(error)

    threads = [threading.Thread(target=student, args=(i,), daemon=True) for i in range(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"calls": calls, "errors": errors, "refused": refused}
