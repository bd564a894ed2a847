"""A classroom at once: 30 students clicking through the running app, timed per action.

Command: ``lmlab bench app --json`` (starts ``python app.py`` itself; about 7-10 minutes with
the first-use phase and the flood scenario of ``lmlab.bench.flood``), or against an app that
already runs: ``python -m lmlab.bench.app URL [CLIENTS [SECONDS]]``.

Nothing here names a tab: the endpoints come from the app's own API description
(``lmlab.bench.endpoints``), so a tab added tomorrow is in the mix without new code.

Each simulated student is one ``gradio_client`` session that repeats: think for a few seconds,
pick an action (weighted: generating and comparing are what students do most), fill in plausible
values (a short line of verse, a slider somewhere in its range, small ``max_new`` tokens), and
wait for the whole answer.  Latency is click to last output, queue wait included.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from lmlab.bench.endpoints import (
    Endpoint,
    address,
    client_for,
    endpoints,
    free_port,
    refusal,
    start_app,
    stop_app,
    uncaught,
)
from lmlab.bench.endpoints import call_timed as _call
from lmlab.bench.first_use import first_use

WEIGHTS = (  # api_name substring -> how often a student does it (first match wins; else 1)
    ("train_", 0),  # the Train tab: driven by the training students of run_training_load
    ("generate", 4), ("predict", 3), ("attention_head", 2), ("attention", 3),
    ("inspect", 2), ("surprisal", 2), ("encoding", 2), ("rotation", 2), ("tables", 1),
    ("heldout", 1), ("passage", 1),
)
SMALL = {"max_new": (8, 32), "max_tokens": (8, 32)}  # param name substring -> (lo, hi) ints
PROMPTS = ["ROMEO.\nBut soft, what light through yonder window breaks?",
           "To be, or not to be, that is the question.",
           "JULIET.\nO Romeo, Romeo, wherefore art thou Romeo?",
           "Now is the winter of our discontent",
           "All the world's a stage, and all the men and women merely players.",
           "Friends, Romans, countrymen, lend me your ears;"]
BUDGET_S = {"generate": 5.0}  # p95 goal per action (api_name substring); others DEFAULT_BUDGET_S
LONG_STREAMS = ("compress_live",)  # runs that stream for tens of seconds by design: their
# budget is on the first output (the student sees it start), not on the end of the run
DEFAULT_BUDGET_S = 3.0  # a click answered within 3 s, p95, with 30 students on 2 cores
COLD_START_BUDGET_S = 30.0  # python app.py to the first page
RSS_GROWTH_BUDGET_PCT = 110.0  # server memory after the load, as % of before (issue 7: <= 10%)

# ----------------------------------------------------------------------------- one student


def weight(api_name: str) -> int:
    return next((w for key, w in WEIGHTS if key in api_name), 1)


def plausible_args(ep: Endpoint, rng: random.Random) -> list:
    """What a student might send: defaults, varied within what the page allows.

    A slider that some event re-ranges (``Param.dynamic``: the step picker after generating,
    the layer picker after switching models) keeps its default: its range is per session.
    """
    args = []
    for p in ep.params:
        v = p.default
        small = next((r for key, r in SMALL.items() if key in p.name), None)
        if small:
            v = rng.randint(*small)
        elif p.kind == "text" and isinstance(v, str) and v.strip() and rng.random() < 0.5:
            v = rng.choice(PROMPTS)
        elif p.kind == "choice" and p.choices:
            v = rng.choice(p.choices)
        elif p.component == "Slider" and p.minimum is not None and not p.dynamic:
            step = p.step or 1
            v = p.minimum + step * rng.randint(0, int((p.maximum - p.minimum) / step))
            v = round(v, 6)
        elif p.component == "Number" and "seed" in p.name:
            v = rng.randint(0, 1000)
        args.append(v)
    return args


def rss_mb(pid: int) -> float:
    """Resident memory of a process, MB (from /proc; psutil where there is no /proc)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import psutil

    return psutil.Process(pid).memory_info().rss / 2**20


def _student(url: str, eps: list[Endpoint], deadline: float, rng: random.Random,
             think_s: tuple[float, float], timeout: float, record, i: int = 0) -> None:
    try:
        client = client_for(url, address(i))
    except Exception as exc:  # noqa: BLE001 - a session that cannot start is an error
        record("(connect)", None, None, f"{type(exc).__name__}: {exc}")
        return
    weights = [weight(ep.api_name) for ep in eps]
    time.sleep(rng.uniform(0, think_s[1]))  # students do not all click in the same second
    while time.time() < deadline:
        ep = rng.choices(eps, weights)[0]
        try:
            total, first = _call(client, ep, plausible_args(ep, rng), timeout)
            record(ep.api_name, total, first, None)
        except Exception as exc:  # noqa: BLE001 - every failure is counted, with its message
            record(ep.api_name, None, None, f"{type(exc).__name__}: {exc}"[:300])
        time.sleep(rng.uniform(*think_s))


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, round(q * (len(xs) - 1))))]


def _summary(st: dict) -> dict:
    """One endpoint's latencies (s) and errors: n, p50, p95, max; first output for streams."""
    lat, n = st["lat"], len(st["lat"])
    out = {"n": n, "errors": st["errors"], "messages": st["messages"],
           "refused": st.get("refused", 0), "refusals": st.get("refusals", []),
           "p50_s": round(statistics.median(lat), 3) if n else None,
           "p95_s": round(_pct(lat, 0.95), 3) if n else None,
           "max_s": round(max(lat), 3) if n else None}
    if st["first"]:
        out["first_output_p50_s"] = round(statistics.median(st["first"]), 3)
        out["first_output_p95_s"] = round(_pct(st["first"], 0.95), 3)
    return out


# ----------------------------------------------------------------------------- the classroom


def run_load(url: str, clients: int = 30, duration_s: float = 120, seed: int = 0,
             pid: int | None = None, think_s: tuple[float, float] = (3.0, 12.0),
             timeout: float = 120.0, first_sessions: int = 3, first_s: float = 45.0) -> dict:
    """``clients`` concurrent sessions for ``duration_s`` seconds against the app at ``url``.

    ``pid``: the server's process id, for its memory (None: this process, when the app was
    launched in it).  Each student waits ``think_s`` seconds (uniform) between actions.  First,
    ``first_use`` with ``first_sessions`` students at once (models load, caches fill); memory
    "before" is taken after it.  Returns per-endpoint p50/p95 latency, errors, memory, load.
    """
    pid = os.getpid() if pid is None else pid
    rss_cold, t_warm = rss_mb(pid), time.time()
    eps = endpoints(client_for(url))
    first = first_use(url, eps, first_sessions, timeout, first_s)
    rss_before, load_before, t_warm = rss_mb(pid), os.getloadavg(), time.time() - t_warm
    stats = {name: {"lat": [], "first": [], "errors": 0, "messages": [], "refused": 0, "refusals": []}
             for name in [ep.api_name for ep in eps] + ["(connect)"]}
    lock = threading.Lock()
    rss_series = []

    def record(name, total, first, error):
        with lock:
            s = stats[name]
            if error is None:
                s["lat"].append(total)
                if first is not None:
                    s["first"].append(first)
            elif refusal(error):
                s["refused"] += 1
                if len(s["refusals"]) < 2:
                    s["refusals"].append(error)
            else:
                s["errors"] += 1
                if len(s["messages"]) < 3:
                    s["messages"].append(error)

    t0 = time.time()
    deadline = t0 + duration_s
    threads = [threading.Thread(target=_student, daemon=True, args=(
        url, eps, deadline, random.Random(seed * 1000 + i), think_s, timeout, record, i))
        for i in range(clients)]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads) and time.time() < deadline + timeout + 60:
        rss_series.append(round(rss_mb(pid), 1))
        time.sleep(5)
    wall = time.time() - t0
    per = {name: _summary(st) for name, st in stats.items() if st["lat"] or st["errors"] or st["refused"]}
    requests = sum(v["n"] + v["errors"] + v["refused"] for v in per.values())
    errors = sum(v["errors"] for v in per.values())
    refused = sum(v["refused"] for v in per.values())
    rss_after = rss_mb(pid)
    return {"url": url, "clients": clients, "duration_s": round(wall, 1), "think_s": think_s,
            "requests": requests, "errors": errors, "refused": refused,
            "requests_per_s": round(requests / wall, 2),
            "endpoints": per, "first_use_s": round(t_warm, 1),
            "first_use_calls": len(first["calls"]), "first_use_errors": first["errors"],
            "first_use_refused": first["refused"],
            "rss_mb_cold": round(rss_cold, 1), "rss_mb_before": round(rss_before, 1),
            "rss_mb_every_5s": rss_series, "rss_mb_after": round(rss_after, 1),
            "rss_after_pct_of_before": round(100 * rss_after / rss_before, 1),
            "loadavg_before": [round(x, 2) for x in load_before],
            "loadavg_after": [round(x, 2) for x in os.getloadavg()],
            "cpus": os.cpu_count()}


def _row(metric: str, ours: float, peer: float, higher_is_better: bool, **extra) -> dict:
    """A row in ``lmlab.bench``'s format; the peer is our own goal ("budget")."""
    from lmlab.bench.common import row

    return row("app", metric, ours, peer, "budget", higher_is_better, **extra)


def rows(result: dict, cold_start_s: float | None = None) -> list[dict]:
    """``run_load``'s result as bench rows: p95 per action against its budget (a long stream:
    its first output), then the share of requests without error (a failure; an answer with a
    sentence to bad input is counted apart, as ``refused``), server memory growth, and the
    cold start."""
    out, c = [], result["clients"]
    for name, s in sorted(result["endpoints"].items()):
        if s["p95_s"] is None:
            continue
        budget = next((b for key, b in BUDGET_S.items() if key in name), DEFAULT_BUDGET_S)
        extra = {k: s[k] for k in ("n", "errors", "refused", "p50_s", "max_s", "first_output_p50_s",
                                   "first_output_p95_s", "messages", "refusals")
                 if k in s and s[k] not in ([], 0)}
        long = any(key in name for key in LONG_STREAMS) and "first_output_p95_s" in s
        what, ours = ("p95 first output s", s["first_output_p95_s"]) if long else ("p95 latency s", s["p95_s"])
        out.append(_row(f"{what} ({name.lstrip('/')}, {c} clients)", ours, budget, False, **extra))
    refused = result.get("refused", 0)
    ok = 100 * (1 - result["errors"] / max(result["requests"], 1))
    out.append(_row(f"requests without error % ({result['requests']} requests, {c} clients, "
                    f"{result['duration_s']:.0f} s; {refused} answered bad input with a sentence)",
                    ok, 100.0, True, errors=result["errors"], refused=refused,
                    loadavg_before=result["loadavg_before"],
                    loadavg_after=result["loadavg_after"],
                    server_tracebacks=result.get("server_tracebacks", [])[:5]))
    n, bad, said = result["first_use_calls"], result["first_use_errors"], result.get("first_use_refused", [])
    out.append(_row(f"first use: requests without error % ({n} requests, several students "
                    f"opening each setting at once; {len(said)} answered with a sentence)",
                    100 * (1 - len(bad) / max(n, 1)), 100.0, True, errors=len(bad),
                    messages=bad[:5], refused=len(said), refusals=said[:3],
                    seconds=result["first_use_s"]))
    out.append(_row("server RSS after load, % of before", result["rss_after_pct_of_before"],
                    RSS_GROWTH_BUDGET_PCT, False, rss_mb_cold=result["rss_mb_cold"],
                    rss_mb_before=result["rss_mb_before"], rss_mb_after=result["rss_mb_after"],
                    rss_mb_every_5s=result["rss_mb_every_5s"]))
    if cold_start_s is not None:
        out.append(_row("cold start s (python app.py to HTTP 200 on /)", cold_start_s,
                        COLD_START_BUDGET_S, False))
    return out


def bench_app(clients: int = 30, duration_s: float = 120, seed: int = 0,
              scenarios: tuple = ()) -> list[dict]:
    """Start ``python app.py``, time its cold start, run the classroom load, stop it: rows.

    ``scenarios``: more loads on the same server after it, each ``fn(url, clients, duration_s,
    seed, pid) -> rows`` (``lmlab.bench.flood``: one client floods the heaviest event;
    ``lmlab.bench.train_load``: two students train while the rest click).

    Tracebacks in the server's log that are not a ``gr.Error`` (warm-up included) are listed
    in the errors row; a crash during the load is already an error there (a generic message).
    """
    with tempfile.TemporaryDirectory() as tmp:
        log_path, port = Path(tmp) / "app.log", free_port()
        proc, cold = start_app(port, log_path)
        try:
            result = run_load(f"http://127.0.0.1:{port}/", clients, duration_s, seed,
                              pid=proc.pid)
            more = [r for fn in scenarios for r in fn(f"http://127.0.0.1:{port}/", clients,
                                                       duration_s, seed + 1, proc.pid)]
        finally:
            stop_app(proc)
        result["server_tracebacks"] = uncaught(log_path.read_text(errors="replace"))
    return rows(result, cold) + more


if __name__ == "__main__":  # python -m lmlab.bench.app [URL [CLIENTS [SECONDS]]]
    import json

    if len(sys.argv) < 2:
        sys.exit("usage: python -m lmlab.bench.app URL [CLIENTS [SECONDS]] (or: lmlab bench app)")
    url, clients, seconds = (sys.argv[1:] + ["30", "120"][len(sys.argv) - 2:])[:3]
    print(json.dumps(run_load(url, int(clients), float(seconds)), indent=1))
