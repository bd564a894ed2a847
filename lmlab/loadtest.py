"""A classroom at once: 30 students clicking through the running app, timed per action.

Command: ``lmlab bench app --json`` (starts ``python app.py`` itself), or against an app that
already runs::

    python -c "from lmlab.loadtest import run_load; print(run_load('http://127.0.0.1:7860/'))"

Nothing here names a tab.  The endpoints come from the app's own API description
(``gradio_client.Client.view_api``) and its config (slider bounds, dropdown choices), so a tab
added tomorrow is in the mix, and in ``tests/test_app_hostile.py``'s walk, without new code.

Each simulated student is one ``gradio_client`` session that repeats: think for a few seconds,
pick an action (weighted: generating and comparing are what students do most), fill in plausible
values (a short line of verse, a slider somewhere in its range, small ``max_new`` tokens), and
wait for the whole answer.  Latency is click to last output, queue wait included.
"""

from __future__ import annotations

import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lmlab import ASSETS_DIR

APP_PY = ASSETS_DIR.parent / "app.py"
WEIGHTS = (  # api_name substring -> how often a student does it (first match wins; else 1)
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
DEFAULT_BUDGET_S = 3.0  # a click answered within 3 s, p95, with 30 students on 2 cores
COLD_START_BUDGET_S = 30.0  # python app.py to the first page
RSS_GROWTH_BUDGET_PCT = 110.0  # server memory after the load, as % of before (issue 7: <= 10%)
GENERIC = "has not enabled verbose error reporting"  # gradio_client's text for a crash

# ----------------------------------------------------------------------------- the API


@dataclass
class Param:
    """One input of an endpoint, as the API description and the component's props say."""

    name: str  # parameter_name in the API description
    component: str  # "Textbox", "Slider", "Number", "Dropdown", "Radio", ...
    default: Any  # parameter_default (what the page starts with)
    minimum: float | None = None  # Slider / Number bounds from the component props
    maximum: float | None = None
    step: float | None = None
    precision: int | None = None
    choices: list = field(default_factory=list)  # values a Dropdown / Radio accepts

    @property
    def kind(self) -> str:
        """"text" (typed), "choice" (picked), "number", or "other"."""
        if self.component in ("Textbox", "TextArea", "Code"):
            return "text"
        if self.choices or self.component in ("Dropdown", "Radio"):
            return "choice"
        if self.component in ("Slider", "Number"):
            return "number"
        return "other"


@dataclass
class Endpoint:
    api_name: str  # "/generate"
    params: list[Param]
    returns: list[str]  # output component names, in order ("Html", "Plot", ...)
    generator: bool  # streams partial results

    def defaults(self) -> list:
        return [p.default for p in self.params]


def endpoints(client) -> list[Endpoint]:
    """Every named, public endpoint of the app behind ``client`` (a ``gradio_client.Client``).

    The API description gives names, defaults and outputs; the config gives each component's
    bounds and choices (gr.State inputs are not API parameters and are skipped, as the API does).
    """
    info = client.view_api(return_format="dict", print_info=False)
    config = client.config
    comps = {c["id"]: c for c in config["components"]}
    deps = {d.get("api_name"): d for d in config["dependencies"] if d.get("api_name")}
    out = []
    for name, ep in info["named_endpoints"].items():
        dep = deps.get(name.lstrip("/"), {})
        props = [comps[i].get("props", {}) for i in dep.get("inputs", [])
                 if comps[i].get("type") != "state"]
        if len(props) != len(ep["parameters"]):
            props = [{} for _ in ep["parameters"]]
        params = []
        for p, pr in zip(ep["parameters"], props):
            choices = [c[1] if isinstance(c, (list, tuple)) else c for c in pr.get("choices") or []]
            choices = choices or p["type"].get("enum", [])
            lo, hi = pr.get("minimum"), pr.get("maximum")
            if lo is None and (m := re.search(r"between (\S+) and (\S+)",
                                              p["type"].get("description", ""))):
                lo, hi = float(m.group(1)), float(m.group(2))
            params.append(Param(p["parameter_name"], p["component"], p.get("parameter_default"),
                                lo, hi, pr.get("step"), pr.get("precision"), choices))
        out.append(Endpoint(name, params, [r["component"] for r in ep["returns"]],
                            bool(dep.get("types", {}).get("generator"))))
    return out


def client_for(url: str):
    """A quiet ``gradio_client.Client`` (no analytics, no file downloads)."""
    from gradio_client import Client

    return Client(url, verbose=False, download_files=False, analytics_enabled=False)


def uncaught(log: str) -> list[str]:
    """The final exception line of each traceback in a server log that is not a ``gr.Error``.

    Gradio prints a traceback for a ``gr.Error`` too (a handled, plain-sentence error); any
    other exception at the end of a chain is a crash the user only sees as "Error".

    >>> uncaught("Traceback (most recent call last):\\n  File x\\nValueError: bad\\n")
    ['ValueError: bad']
    """
    found, chunks = [], log.split("Traceback (most recent call last):")[1:]
    for i, chunk in enumerate(chunks):
        lines = [ln for ln in chunk.splitlines() if ln and not ln[0].isspace()]
        last = lines[0] if lines else "?"
        chained = ("The above exception was the direct cause" in chunk
                   or "During handling of the above exception" in chunk)
        if chained and i + 1 < len(chunks):
            continue  # the next traceback in the chain decides
        if not last.startswith("gradio.exceptions.Error"):
            found.append(last[:300])
    return found


# ----------------------------------------------------------------------------- one student


def weight(api_name: str) -> int:
    return next((w for key, w in WEIGHTS if key in api_name), 1)


def plausible_args(ep: Endpoint, rng: random.Random) -> list:
    """What a student might send: defaults, varied within what the page allows."""
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
        elif p.component == "Slider" and p.minimum is not None and p.maximum is not None:
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


def _call(client, ep: Endpoint, args: list, timeout: float) -> tuple[float, float | None]:
    """(seconds to the whole answer, seconds to the first streamed output or None)."""
    t0, first = time.perf_counter(), None
    job = client.submit(*args, api_name=ep.api_name)
    if ep.generator:
        while not job.done():
            if first is None and job.outputs():
                first = time.perf_counter() - t0
            time.sleep(0.05)
            if time.perf_counter() - t0 > timeout:
                break
    job.result(timeout=timeout)
    return time.perf_counter() - t0, first


def _student(url: str, eps: list[Endpoint], deadline: float, rng: random.Random,
             think_s: tuple[float, float], timeout: float, record) -> None:
    try:
        client = client_for(url)
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


# ----------------------------------------------------------------------------- the classroom


def warmup_args(ep: Endpoint) -> list[list]:
    """Defaults, then each choice and each value of a slider with few steps, one at a time: the
    first student to pick a setting pays for loading it (cached models), not the measurement."""
    calls = [ep.defaults()]
    for i, p in enumerate(ep.params):
        vals = list(p.choices)
        if p.component == "Slider" and p.minimum is not None and p.maximum is not None:
            n = round((p.maximum - p.minimum) / (p.step or 1))
            vals = [p.minimum + k * (p.step or 1) for k in range(n + 1)] if n < 6 else []
        for v in vals:
            if v != p.default:
                calls.append(ep.defaults()[:i] + [v] + ep.defaults()[i + 1:])
    return calls


def run_load(url: str, clients: int = 30, duration_s: float = 120, seed: int = 0,
             pid: int | None = None, think_s: tuple[float, float] = (3.0, 12.0),
             timeout: float = 120.0) -> dict:
    """``clients`` concurrent sessions for ``duration_s`` seconds against the app at ``url``.

    ``pid``: the server's process id, for its memory (None: this process, when the app was
    launched in it).  Each student waits ``think_s`` seconds (uniform) between actions.  A
    warm-up first calls every endpoint with each discrete setting (``warmup_args``), and memory
    "before" is taken after it.  Returns per-endpoint p50/p95 latency, errors, memory, load.
    """
    pid = os.getpid() if pid is None else pid
    rss_cold, t_warm = rss_mb(pid), time.time()
    warm = client_for(url)
    eps = endpoints(warm)
    warmup_errors = {}
    for ep in eps:
        for args in warmup_args(ep):
            try:
                _call(warm, ep, args, timeout)
            except Exception as exc:  # noqa: BLE001
                warmup_errors[f"{ep.api_name} {args}"[:200]] = f"{type(exc).__name__}: {exc}"[:300]
    rss_before, load_before, t_warm = rss_mb(pid), os.getloadavg(), time.time() - t_warm
    stats = {ep.api_name: {"lat": [], "first": [], "errors": 0, "messages": []} for ep in eps}
    stats["(connect)"] = {"lat": [], "first": [], "errors": 0, "messages": []}
    lock = threading.Lock()
    rss_series = []

    def record(name, total, first, error):
        with lock:
            s = stats[name]
            if error is None:
                s["lat"].append(total)
                if first is not None:
                    s["first"].append(first)
            else:
                s["errors"] += 1
                if len(s["messages"]) < 3:
                    s["messages"].append(error)

    t0 = time.time()
    deadline = t0 + duration_s
    threads = [threading.Thread(target=_student, daemon=True, args=(
        url, eps, deadline, random.Random(seed * 1000 + i), think_s, timeout, record))
        for i in range(clients)]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads) and time.time() < deadline + timeout + 60:
        rss_series.append(round(rss_mb(pid), 1))
        time.sleep(5)
    wall = time.time() - t0
    per = {}
    for name, s in stats.items():
        n = len(s["lat"])
        if n + s["errors"] == 0:
            continue
        per[name] = {"n": n, "errors": s["errors"], "messages": s["messages"],
                     "p50_s": round(statistics.median(s["lat"]), 3) if n else None,
                     "p95_s": round(_pct(s["lat"], 0.95), 3) if n else None,
                     "max_s": round(max(s["lat"]), 3) if n else None}
        if s["first"]:
            per[name]["first_output_p50_s"] = round(statistics.median(s["first"]), 3)
            per[name]["first_output_p95_s"] = round(_pct(s["first"], 0.95), 3)
    requests = sum(v["n"] + v["errors"] for v in per.values())
    errors = sum(v["errors"] for v in per.values())
    rss_after = rss_mb(pid)
    return {"url": url, "clients": clients, "duration_s": round(wall, 1), "think_s": think_s,
            "requests": requests, "errors": errors, "requests_per_s": round(requests / wall, 2),
            "endpoints": per, "warmup_s": round(t_warm, 1), "warmup_errors": warmup_errors,
            "rss_mb_cold": round(rss_cold, 1), "rss_mb_before": round(rss_before, 1),
            "rss_mb_every_5s": rss_series,
            "rss_mb_after": round(rss_after, 1),
            "rss_after_pct_of_before": round(100 * rss_after / rss_before, 1),
            "loadavg_before": [round(x, 2) for x in load_before],
            "loadavg_after": [round(x, 2) for x in os.getloadavg()],
            "cpus": os.cpu_count()}


# ----------------------------------------------------------------------------- the app itself


def start_app(port: int, log_path: Path, timeout: float = 300) -> tuple[subprocess.Popen, float]:
    """``python app.py`` on ``port`` as a user starts it; (process, seconds to HTTP 200 on /)."""
    if not APP_PY.exists():
        raise RuntimeError(f"{APP_PY} not found: the app benchmark needs the repository checkout")
    env = os.environ | {"GRADIO_SERVER_NAME": "127.0.0.1", "GRADIO_SERVER_PORT": str(port),
                        "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1"}
    url, t0 = f"http://127.0.0.1:{port}/", time.perf_counter()
    with open(log_path, "w") as log:  # the child keeps its own copy of the file
        proc = subprocess.Popen([sys.executable, str(APP_PY)], cwd=APP_PY.parent, env=env,
                                stdout=log, stderr=subprocess.STDOUT)
    while time.perf_counter() - t0 < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"app.py exited: {log_path.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return proc, time.perf_counter() - t0
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"app.py did not answer on {url} within {timeout:.0f} s")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _row(metric: str, ours: float, peer: float, higher_is_better: bool, **extra) -> dict:
    """A row in ``lmlab.bench``'s format; the peer is our own goal ("budget")."""
    ratio = ours / peer if higher_is_better else (peer / ours if ours else float("inf"))
    return {"bench": "app", "metric": metric, "ours": round(ours, 4), "peer": round(peer, 4),
            "peer_name": "budget", "ratio": round(ratio, 3), "higher_is_better": higher_is_better,
            **extra}


def rows(result: dict, cold_start_s: float | None = None) -> list[dict]:
    """``run_load``'s result as bench rows: p95 per action against its budget, then the
    share of requests without error, server memory growth, and the cold start."""
    out, c = [], result["clients"]
    for name, s in sorted(result["endpoints"].items()):
        if s["p95_s"] is None:
            continue
        budget = next((b for key, b in BUDGET_S.items() if key in name), DEFAULT_BUDGET_S)
        extra = {k: s[k] for k in ("n", "errors", "p50_s", "max_s", "first_output_p50_s",
                                   "first_output_p95_s", "messages") if k in s and s[k] != []}
        out.append(_row(f"p95 latency s ({name.lstrip('/')}, {c} clients)", s["p95_s"], budget,
                        False, **extra))
    ok = 100 * (1 - result["errors"] / max(result["requests"], 1))
    out.append(_row(f"requests without error % ({result['requests']} requests, {c} clients, "
                    f"{result['duration_s']:.0f} s)", ok, 100.0, True, errors=result["errors"],
                    loadavg_before=result["loadavg_before"],
                    loadavg_after=result["loadavg_after"],
                    server_tracebacks=result.get("server_tracebacks", [])[:5]))
    out.append(_row("server RSS after load, % of before", result["rss_after_pct_of_before"],
                    RSS_GROWTH_BUDGET_PCT, False, rss_mb_cold=result["rss_mb_cold"],
                    rss_mb_before=result["rss_mb_before"], rss_mb_after=result["rss_mb_after"],
                    rss_mb_every_5s=result["rss_mb_every_5s"]))
    if cold_start_s is not None:
        out.append(_row("cold start s (python app.py to HTTP 200 on /)", cold_start_s,
                        COLD_START_BUDGET_S, False))
    return out


def bench_app(clients: int = 30, duration_s: float = 120, seed: int = 0) -> list[dict]:
    """Start ``python app.py``, time its cold start, run the classroom load, stop it: rows.

    A traceback in the server's log that is not a ``gr.Error`` counts as an error too.
    """
    with tempfile.TemporaryDirectory() as tmp:
        log_path, port = Path(tmp) / "app.log", free_port()
        proc, cold = start_app(port, log_path)
        try:
            result = run_load(f"http://127.0.0.1:{port}/", clients, duration_s, seed,
                              pid=proc.pid)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        crashes = uncaught(log_path.read_text(errors="replace"))
    result["errors"] += len(crashes)
    result["server_tracebacks"] = crashes
    return rows(result, cold)


if __name__ == "__main__":  # python -m lmlab.loadtest [URL [CLIENTS [SECONDS]]]
    import json

    if len(sys.argv) > 1:
        a = sys.argv[1:] + [30, 120][len(sys.argv) - 2:]
        print(json.dumps(run_load(a[0], int(a[1]), float(a[2])), indent=1))
    else:
        for r in bench_app():
            print(json.dumps(r, ensure_ascii=False))
