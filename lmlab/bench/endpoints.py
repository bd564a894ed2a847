"""The running app's endpoints as data, read from its own API description; and the app started
as a user starts it.

Used by ``lmlab.bench.app`` (the classroom load) and ``tests/test_app_hostile.py`` (the hostile
walk): neither names a tab, so a tab added tomorrow is covered without new code.

``endpoints(client)`` joins two things gradio publishes: the API description
(``gradio_client.Client.view_api``: names, parameters, defaults, outputs) and the config (each
component's bounds, step and choices; which events stream).

>>> uncaught("Traceback (most recent call last):\\n  File x\\nValueError: bad\\n")
['ValueError: bad']
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lmlab import ASSETS_DIR

APP_PY = ASSETS_DIR.parent / "app.py"
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
    dynamic: bool = False  # an output of some event too: its range may change per session

    @property
    def kind(self) -> str:
        """One of: text (typed), choice (picked from a list), number, other."""
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
    outputs = {i for d in config["dependencies"] for i in d.get("outputs", [])}
    out = []
    for name, ep in info["named_endpoints"].items():
        dep = deps.get(name.lstrip("/"), {})
        ids = [i for i in dep.get("inputs", []) if comps[i].get("type") != "state"]
        if len(ids) != len(ep["parameters"]):
            ids = [None for _ in ep["parameters"]]
        props = [comps[i].get("props", {}) if i is not None else {} for i in ids]
        params = []
        for p, pr, cid in zip(ep["parameters"], props, ids, strict=False):
            choices = [c[1] if isinstance(c, (list, tuple)) else c for c in pr.get("choices") or []]
            choices = choices or p["type"].get("enum", [])
            lo, hi = pr.get("minimum"), pr.get("maximum")
            if lo is None and (m := re.search(r"between (\S+) and (\S+)",
                                              p["type"].get("description", ""))):
                lo, hi = float(m.group(1)), float(m.group(2))
            params.append(Param(p["parameter_name"], p["component"], p.get("parameter_default"),
                                lo, hi, pr.get("step"), pr.get("precision"), choices,
                                cid in outputs))
        out.append(Endpoint(name, params, [r["component"] for r in ep["returns"]],
                            bool(dep.get("types", {}).get("generator"))))
    return out


def client_for(url: str, address: str | None = None):
    """A quiet ``gradio_client.Client`` (no analytics, no file downloads).

    ``address``: the machine this client stands for, sent as X-Forwarded-For (uvicorn takes it
    as the client's address from a peer on 127.0.0.1), so simulated students are not one
    client to the app's per-address limit (``lmlab.ui.server.ClientLimit``).
    """
    from gradio_client import Client

    headers = {"X-Forwarded-For": address} if address else None
    return Client(url, verbose=False, download_files=False, analytics_enabled=False,
                  headers=headers,
                  httpx_kwargs={"timeout": 300})  # a browser waits too: no 20 s cut-off


def uncaught(log: str) -> list[str]:
    """The final exception line of each traceback in a server log that is not a ``gr.Error``.

    Gradio prints a traceback for a ``gr.Error`` too (a handled, plain-sentence error); any
    other exception at the end of a chain is a crash the user only sees as "Error".
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


# ----------------------------------------------------------------------------- the app


def start_app(port: int, log_path: Path, timeout: float = 300, script: Path | None = None,
              env: dict | None = None) -> tuple[subprocess.Popen, float]:
    """``python app.py`` on ``port`` as a user starts it; (process, seconds to HTTP 200 on /).

    ``script``: run this instead of app.py (a wrapper that runs it); ``env``: changes to the
    environment (a value None removes the variable).  app.py itself turns the hub off.
    """
    if not APP_PY.exists():
        raise RuntimeError(f"{APP_PY} not found: the app benchmark needs the repository checkout")
    changes = {"GRADIO_SERVER_NAME": "127.0.0.1", "GRADIO_SERVER_PORT": str(port),
               "GRADIO_ANALYTICS_ENABLED": "False"} | (env or {})
    env = {k: v for k, v in (os.environ | changes).items() if v is not None}
    url, t0 = f"http://127.0.0.1:{port}/", time.perf_counter()
    with open(log_path, "w") as log:  # the child keeps its own copy of the file
        proc = subprocess.Popen([sys.executable, str(script or APP_PY)], cwd=APP_PY.parent,
                                env=env, stdout=log, stderr=subprocess.STDOUT)
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


def stop_app(proc: subprocess.Popen, timeout: float = 30) -> None:
    """End an app ``start_app`` started: terminate, and kill it if it lingers."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call_timed(client, ep: Endpoint, args: list, timeout: float) -> tuple[float, float | None]:
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


def refusal(error: str) -> bool:
    """True for an answer the app gave on purpose: a ``gr.Error`` with a sentence (a simulated
    student typed prose into a four-digit code box, a sentence into a one-token box).  A
    failure is anything else: a timeout, a lost connection, gradio's bare "Error" for a crash."""
    head, _, said = error.partition(": ")
    return head == "AppError" and said.strip() not in ("", "Error", "None")


def address(i: int, group: int = 0) -> str:
    """Student ``i``'s made-up machine address (each student is its own client)."""
    return f"10.{group}.{i // 250}.{i % 250 + 1}"
