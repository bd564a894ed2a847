"""Hostile input, every endpoint: each call ends in a result or a gr.Error, never a crash, and
nothing typed comes back as live HTML.

Walks the running app's API description (``lmlab.bench.endpoints.endpoints``, from
``gradio_client``'s ``view_api`` and the config), so a new tab is covered without new code.
For every parameter in turn, the others keep their defaults:

- text: empty, whitespace, 100k characters, NUL and control characters, right-to-left and
  zero-width characters, emoji, Chinese, ``<script>alert(1)</script>``,
  ``<img src=x onerror=alert(1)>``, path-like strings, and all of them in one string;
- choices (dropdown, radio): None, and a few of those strings (not in the list);
- numbers: min, max, one step below and above, -1, 0, 1e-45, 1e9, NaN and Infinity (sent as
  raw JSON, as a script can; gradio_client refuses to encode them), off-step, and None for a
  number box (what the browser sends when it is cleared).

Each call must end in a result or a ``gr.Error`` whose message is readable: gradio_client's
generic "has not enabled verbose error reporting" means an uncaught exception, and so does a
traceback in the server's stderr that does not end in ``gradio.exceptions.Error``.  Every HTML,
Markdown and plot output is searched for ``<script>alert`` / ``onerror=alert`` outside a
sandboxed ``<iframe srcdoc>`` and, unescaped once, inside it.

Endpoints whose default call takes over ``HEAVY_S`` (SHAP, generation) are sampled: fewer
values (100k, control characters, the all-in-one string, empty, whitespace; bounds for
numbers), taken round-robin over the parameters, at most ``HEAVY_CASES`` calls or
``HEAVY_BUDGET_S`` seconds; what was left out is printed.  About 2-4 minutes on 2 cores
(marked slow).

Run:  python -m pytest tests/test_app_hostile.py -q -s
"""

from __future__ import annotations

import itertools
import json
import math
import time
from html.parser import HTMLParser

import pytest

from lmlab.bench.endpoints import GENERIC, client_for, endpoints, uncaught

pytestmark = pytest.mark.slow

HEAVY_S = 1.5  # a default call slower than this: sample the values
HEAVY_CASES = 30  # calls at most per heavy endpoint
HEAVY_BUDGET_S = 45  # seconds at most per heavy endpoint (the call running at the limit ends)
TIMEOUT_S = 120  # one call
TEXT = {
    "empty": "",
    "whitespace": " \t\n \u3000 \n",
    "100k characters": ("To be, or not to be, that is the question. " * 2400)[:100_000],
    "NUL and control characters": "ROMEO\x00.\x01\x07\x1b[31m red\x7f\r\n\x0b\x0c\x1f end\x00",
    "right-to-left and zero-width": ("\u202eevil\u202c \u05e9\u05dc\u05d5\u05dd \u0645\u0631"
                                     "\u062d\u0628\u0627 zero\u200bwidth\u200c\u200d\u2060\ufeff"),
    "emoji": "😀🎭 👩‍👩‍👧‍👦 🏳️‍🌈 to be 🇬🇧",
    "Chinese": "生存还是毁灭，这是一个值得考虑的问题。",
    "<script>": "<script>alert(1)</script>",
    "<img onerror>": "<img src=x onerror=alert(1)>",
    "../../etc/passwd": "../../etc/passwd",
    "/etc/passwd": "/etc/passwd",
    "C:\\Windows": "C:\\Windows\\System32\\drivers\\etc\\hosts",
}
TEXT["all in one"] = "ROMEO. " + " ".join(v for k, v in TEXT.items()
                                          if k not in ("empty", "whitespace", "100k characters"))
HEAVY_TEXT = ["100k characters", "NUL and control characters", "all in one", "empty",
              "whitespace"]  # in order of priority
CHOICE = ["<script>", "empty", "../../etc/passwd", "100k characters"]
HTML_OUTPUTS = ("Html", "HTML", "Markdown", "Plot", "HighlightedText", "Chatbot")


# ----------------------------------------------------------------------------- the values


def number_values(p, heavy: bool) -> list[tuple[str, object]]:
    """(label, value) pairs for a number parameter, bounds first."""
    step = p.step or (1 if p.precision == 0 or p.component == "Number" else 0.01)
    vals = []
    if p.minimum is not None:
        vals += [("below min", p.minimum - step)]
    if p.maximum is not None:
        vals += [("above max", p.maximum + step)]
    if p.maximum is not None:
        vals += [("max", p.maximum)]  # the heaviest request the page allows
    if p.minimum is not None:
        vals += [("min", p.minimum)]
    if p.minimum is None and p.maximum is None:
        vals += [("0", 0), ("negative", -1), ("huge", 10**20)]
    vals += [("NaN", float("nan")), ("tiny", 1e-45), ("1e9", 1e9),  # a script's JSON: NaN too
             ("Infinity", float("inf"))]
    vals += [("0", 0), ("negative", -1)]
    if not heavy:
        if p.minimum is not None and p.maximum is not None and p.maximum > p.minimum:
            vals.append(("off-step", p.minimum + step / 2))
        elif p.minimum is None:
            vals.append(("fraction", 0.5))
    if p.component == "Number":
        vals.append(("None (cleared box)", None))
    seen, out = set(), []
    for label, v in vals:
        key = None if v is None else repr(v) if v != v else round(float(v), 9) or repr(v)
        if key not in seen:
            seen.add(key)
            out.append((f"{label} ({v})", v))
    return out


def values(p, heavy: bool) -> list[tuple[str, object]]:
    """(label, value) pairs for one parameter, most telling first."""
    if p.kind == "text":
        return [(k, TEXT[k]) for k in (HEAVY_TEXT if heavy else TEXT)]
    if p.kind == "choice":
        return [(k, TEXT[k]) for k in CHOICE[:2 if heavy else None]] + [("None", None)]
    if p.kind == "number":
        return number_values(p, heavy)
    if p.component == "Checkbox":
        return [("True", True), ("False", False)]
    return []


# ----------------------------------------------------------------------------- the checks


class _Live(HTMLParser):
    """Finds what a browser would run: a ``<script>`` whose code is ``alert(...)``, an ``on...=``
    attribute calling ``alert``, an ``<iframe>`` without a sandbox, and each ``srcdoc``."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems, self.srcdocs, self._in_script = [], [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name, value in attrs.items():
            if name.startswith("on") and "alert" in (value or ""):
                self.problems.append(f"a live <{tag} {name}={value!r}>")
        if tag == "iframe":
            sandbox = attrs.get("sandbox")
            if sandbox is None or "allow-same-origin" in sandbox:
                self.problems.append(f"an iframe not sandboxed away from the app: {attrs}"[:200])
            if attrs.get("srcdoc"):
                self.srcdocs.append(attrs["srcdoc"])
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip().startswith("alert("):
            self.problems.append(f"a live <script>{data.strip()[:40]}</script>")


def injected(text: str, where: str = "the page") -> list[str]:
    """What in one output would run injected script, in the page or in an iframe's srcdoc
    (its document, unescaped once, is checked the same way).  [] when all is escaped."""
    parser = _Live()
    parser.feed(text)
    parser.close()
    problems = [f"{p} in {where}" for p in parser.problems]
    for doc in parser.srcdocs:  # the parser already unescaped the attribute
        problems += injected(doc, "an iframe's srcdoc")
    return problems


def check_outputs(ep, result) -> list[str]:
    outputs = result if isinstance(result, (tuple, list)) and len(ep.returns) > 1 else [result]
    problems = []
    for component, value in zip(ep.returns, outputs, strict=False):
        if component in HTML_OUTPUTS and value is not None:
            text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            problems += [f"{component} output: {p}" for p in injected(text)]
    return problems


class RawError(Exception):
    """An ``event: error`` from gradio's plain HTTP API (its message, or empty for a crash)."""


def raw_call(url: str, ep, args: list):
    """One call through gradio's plain HTTP API (``/gradio_api/call/<name>``) with the JSON
    written here: a script can send NaN, which gradio_client refuses to encode.  Returns the
    result; raises ``RawError`` like gradio_client's ``AppError``."""
    import re
    import urllib.error
    import urllib.request

    name, base = ep.api_name.lstrip("/"), url.rstrip("/")
    req = urllib.request.Request(f"{base}/gradio_api/call/{name}", json.dumps({"data": args})
                                 .encode(), {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            event_id = json.loads(r.read())["event_id"]
    except urllib.error.HTTPError as e:  # refused before it ran: a sentence, or a crash
        raise RawError(json.loads(e.read() or b"{}").get("detail") or "") from None
    with urllib.request.urlopen(f"{base}/gradio_api/call/{name}/{event_id}",
                                timeout=TIMEOUT_S) as r:
        events = re.findall(r"event: (\w+)\ndata: (.*)", r.read().decode())
    kind, data = events[-1]
    if kind == "complete":
        result = json.loads(data)
        return result[0] if len(result) == 1 else tuple(result)
    message = json.loads(data) if data.strip() not in ("", "null") else None
    if isinstance(message, dict):  # {"error": "Sentence." or None (a crash), "title": ...}
        message = message.get("error")
    raise RawError(message or "")


def call(client, ep, args, capfd, log_errors) -> tuple[str, list[str]]:
    """("result" | "gr.Error: msg" | "crash", problems) for one call."""
    n_log = len(log_errors)
    problems, outcome = [], "result"
    t0 = time.perf_counter()
    nan = any(isinstance(v, float) and not math.isfinite(v) for v in args)  # JSON can't say it
    try:
        if nan:
            result = raw_call(client.src, ep, args)
        else:
            result = client.submit(*args, api_name=ep.api_name).result(timeout=TIMEOUT_S)
        problems += check_outputs(ep, result)
    except Exception as exc:  # noqa: BLE001 - classified below
        msg = str(exc).strip()
        if type(exc).__name__ not in ("AppError", "RawError"):
            outcome = "crash"
            problems.append(f"{type(exc).__name__} after {time.perf_counter() - t0:.0f} s: "
                            f"{msg[:300]}")
        elif not msg or GENERIC in msg:
            outcome = "crash"
            problems.append("uncaught exception (the client got no message: "
                            f"{msg[:120]!r})")
        else:
            outcome = f"gr.Error: {msg[:200]}"
    time.sleep(0.05)  # the server prints before it answers; let the last line land
    err = capfd.readouterr().err
    problems += [f"server traceback: {line}" for line in uncaught(err)]
    problems += [f"server log: {r.getMessage()[:200]}" for r in log_errors[n_log:]]
    return outcome, problems


def short(v) -> str:
    r = repr(v)
    return r if len(r) <= 60 else f"{r[:40]}...({len(v):,} chars)"


# ----------------------------------------------------------------------------- the walk


def cases(ep, heavy: bool) -> tuple[list[tuple[int, str, object]], list[str]]:
    """(param index, label, value) for one endpoint, round-robin over its parameters (so a
    heavy endpoint cut short still tried each parameter's first values); and the parameters
    no value is made for."""
    per = [[(i, label, v) for label, v in values(p, heavy)] for i, p in enumerate(ep.params)]
    skipped = [f"{p.name} ({p.component})" for p, c in zip(ep.params, per, strict=False) if not c]
    mixed = [c for row in itertools.zip_longest(*per) for c in row if c is not None]
    return mixed, skipped


def test_every_endpoint_survives_hostile_input(app_server, capfd):
    client = client_for(app_server.url)
    eps = endpoints(client)
    assert eps, "the API description lists no named endpoints"
    failures, lines, t_start = [], [], time.perf_counter()
    for ep in eps:
        t0 = time.perf_counter()
        outcome, problems = call(client, ep, ep.defaults(), capfd, app_server.log_errors)
        failures += [(ep.api_name, "(defaults)", "", p) for p in problems]
        heavy = time.perf_counter() - t0 > HEAVY_S
        todo, skipped = cases(ep, heavy)
        n_calls, n_errors, left = 1, 0, []
        for k, (i, label, v) in enumerate(todo):
            if heavy and (n_calls >= HEAVY_CASES
                          or time.perf_counter() - t0 > HEAVY_BUDGET_S):
                left = [f"{ep.params[j].name}={lab}" for j, lab, _ in todo[k:]]
                break
            args = ep.defaults()
            args[i] = v
            outcome, problems = call(client, ep, args, capfd, app_server.log_errors)
            n_calls += 1
            n_errors += outcome.startswith("gr.Error")
            failures += [(ep.api_name, ep.params[i].name, f"{label}: {short(v)}", pr)
                         for pr in problems]
        lines.append(f"{ep.api_name}: {n_calls} calls, {n_errors} gr.Error, "
                     f"{time.perf_counter() - t0:.1f} s" + (" (heavy: sampled)" if heavy else "")
                     + (f"; not walked: {', '.join(skipped)}" if skipped else "")
                     + (f"; left out: {', '.join(left)}" if left else ""))
    with capfd.disabled():
        print(f"\nhostile walk, {time.perf_counter() - t_start:.0f} s:\n  " + "\n  ".join(lines))
    report = "\n".join(f"{ep} [{param}] {value} -> {problem}"
                       for ep, param, value, problem in failures)
    assert not failures, f"{len(failures)} failure(s):\n{report}"


def test_uncaught_tells_a_crash_from_a_gr_error():
    log = ("Traceback (most recent call last):\n  File \"x\"\ngradio.exceptions.Error: 'Empty.'\n"
           "Traceback (most recent call last):\n  File \"y\"\nValueError: bad\n\nThe above "
           "exception was the direct cause of the following exception:\n\nTraceback (most "
           "recent call last):\n  File \"z\"\ngradio.exceptions.Error: 'Plain.'\n"
           "Traceback (most recent call last):\n  File \"w\"\nKeyError: 'k'\n")
    assert uncaught(log) == ["KeyError: 'k'"]


def test_injected_finds_live_html_but_not_escaped_or_sandboxed():
    assert injected("<img src=x onerror=alert(1)>")
    assert injected("<p><script>alert(1)</script></p>")
    assert not injected("&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(1)&gt;")
    assert not injected('<span title="&lt;img src=x onerror=alert(1)&gt;">x</span>')
    assert not injected('<script>const params = {"t": "\\u003cscript\\u003ealert(1)"}</script>')
    ok = '<iframe sandbox="allow-scripts" srcdoc="&lt;b&gt;&amp;lt;script&amp;gt;alert"></iframe>'
    assert not injected(ok)
    live = "&lt;script&gt;alert(1)&lt;/script&gt;"  # escaped once: runs inside the iframe
    assert injected(f'<iframe sandbox="allow-scripts" srcdoc="{live}"></iframe>')
    assert injected('<iframe srcdoc="hi"></iframe>')
