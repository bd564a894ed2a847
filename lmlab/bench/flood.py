"""One client floods the heaviest event while the class works: what the other students get.

Command: ``lmlab bench app --json`` (its "flood" rows), or against an app that already runs:
``python -m lmlab.bench.flood URL [CLIENTS [SECONDS]]``.

The flooder is a script, not a student: ``FLOOD_SESSIONS`` sessions from one address, each
sending the heaviest request the page allows (every slider at its maximum, the longest text)
again the moment the last one ends, and again 0.2 s after a refusal.  The heaviest event is
found by timing each endpoint once at those settings; nothing here names a tab.  Meanwhile
``lmlab.bench.app.run_load`` runs the usual class; its rows are what the others got.
"""

from __future__ import annotations

import threading
import time

from lmlab.bench.app import PROMPTS, run_load
from lmlab.bench.endpoints import Endpoint, client_for, endpoints

FLOOD_SESSIONS = 8  # sessions the script opens, all from one address
FLOOD_ADDRESS = "10.66.66.66"  # the flooder's machine
RETRY_S = 0.2  # the script's pause after a refusal


def heavy_args(ep: Endpoint) -> list:
    """The heaviest request the page allows: sliders at their maximum, the longest text."""
    args = []
    for p in ep.params:
        v = p.default
        if p.component == "Slider" and p.maximum is not None and not p.dynamic:
            v = p.maximum
        elif p.kind == "text" and isinstance(v, str) and v.strip():
            v = " ".join(PROMPTS) * 3
        args.append(v)
    return args


def heaviest(url: str, eps: list[Endpoint], timeout: float = 300) -> tuple[Endpoint, float]:
    """(the endpoint whose heaviest request takes longest, its seconds), each timed once
    after one untimed call (models load, caches fill)."""
    client, best = client_for(url, "10.99.0.1"), (None, -1.0)
    for ep in eps:
        try:
            client.submit(*heavy_args(ep), api_name=ep.api_name).result(timeout=timeout)
            t0 = time.perf_counter()
            client.submit(*heavy_args(ep), api_name=ep.api_name).result(timeout=timeout)
        except Exception:  # noqa: BLE001  an endpoint that refuses its maximum is not heaviest
            continue
        seconds = time.perf_counter() - t0
        if seconds > best[1]:
            best = (ep, seconds)
    if best[0] is None:
        raise RuntimeError("no endpoint answered its heaviest request")
    return best


def flood(url: str, ep: Endpoint, stop: threading.Event, counts: dict, lock) -> None:
    """One of the script's sessions: send, wait, send again; after a refusal wait RETRY_S."""
    client = client_for(url, FLOOD_ADDRESS)
    args = heavy_args(ep)
    while not stop.is_set():
        try:
            client.submit(*args, api_name=ep.api_name).result(timeout=600)
            key = "answered"
        except Exception:  # noqa: BLE001  refused by the per-client limit (HTTP 400), mostly
            key = "refused"
        with lock:
            counts[key] += 1
        if key == "refused":
            stop.wait(RETRY_S)


def run_flood(url: str, clients: int = 30, duration_s: float = 60, seed: int = 1,
              pid: int | None = None) -> dict:
    """``run_load`` (no first-use phase) while one client floods the heaviest endpoint.

    Returns ``run_load``'s result plus ``flood``: the endpoint, its seconds alone, and how many
    of the script's requests were answered and refused.
    """
    eps = endpoints(client_for(url))
    ep, alone_s = heaviest(url, eps)
    stop, lock, counts = threading.Event(), threading.Lock(), {"answered": 0, "refused": 0}
    threads = [threading.Thread(target=flood, args=(url, ep, stop, counts, lock), daemon=True)
               for _ in range(FLOOD_SESSIONS)]
    for t in threads:
        t.start()
    try:
        result = run_load(url, clients, duration_s, seed, pid=pid, first_sessions=0)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=60)
    result["flood"] = {"endpoint": ep.api_name, "alone_s": round(alone_s, 2),
                       "sessions": FLOOD_SESSIONS} | counts
    return result


def flood_rows(result: dict) -> list[dict]:
    """``lmlab.bench.app.rows`` of the flood phase, each metric prefixed with the flood; the
    first-use row is left out (there was none)."""
    from lmlab.bench.app import rows

    f = result["flood"]
    out = []
    for r in rows(result):
        if r["metric"].startswith("first use"):
            continue
        r = r | {"metric": f"while one client floods {f['endpoint']}: {r['metric']}"}
        if r["metric"].endswith(")") and "requests without error" in r["metric"]:
            r["flooder"] = f
        out.append(r)
    return out


if __name__ == "__main__":  # python -m lmlab.bench.flood URL [CLIENTS [SECONDS]]
    import json
    import sys

    if len(sys.argv) < 2:
        sys.exit("usage: python -m lmlab.bench.flood URL [CLIENTS [SECONDS]]")
    url, clients, seconds = (sys.argv[1:] + ["30", "60"][len(sys.argv) - 2:])[:3]
    print(json.dumps(flood_rows(run_flood(url, int(clients), float(seconds))), indent=1))
