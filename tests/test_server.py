"""The classroom server: offline whatever is typed or requested, no unused gradio surface, a
fair queue, bounded state.

The offline test runs ``python app.py`` exactly as the README says (no HF_HUB_OFFLINE, no
LMLAB_HUB in its environment) under a Python audit hook that logs every ``socket.getaddrinfo``
and ``socket.connect``; it types a hub id, asks for ``/gradio_api/file=https://...``, tries an
upload, the monitoring and run-history pages, and then reads the log: only the machine itself.

Run: python -m pytest tests/test_server.py -q
"""

import json
import textwrap
import threading
import time
import types
import urllib.error
import urllib.request

import gradio as gr
import pytest

from lmlab.bench.endpoints import APP_PY, client_for, endpoints, free_port, start_app
from lmlab.ui import server

LOCAL = {"localhost", "127.0.0.1", "::1", "0.0.0.0", "", "::"}
HOOK = textwrap.dedent('''
    """app.py under an audit hook that logs every name looked up and every address connected."""
    import os, runpy, socket, sys

    LOG, APP = os.environ["LMLAB_AUDIT_LOG"], os.environ["LMLAB_APP"]

    def hook(event, args):
        if event == "socket.getaddrinfo":
            host = args[0]
        elif event == "socket.connect" and isinstance(args[1], tuple):
            host = args[1][0]
        else:
            return
        host = host.decode() if isinstance(host, bytes) else str(host)
        with open(LOG, "a") as f:
            f.write(f"{event} {host}\\n")

    sys.addaudithook(hook)
    socket.getaddrinfo("localhost", 0)  # the log's first line: the hook works
    sys.argv = [APP]
    runpy.run_path(APP, run_name="__main__")
''')


def get(url: str, data: bytes | None = None, headers: dict | None = None) -> tuple[int, str]:
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """``python app.py`` as the README starts it, under the audit hook: (url, audit log path)."""
    tmp = tmp_path_factory.mktemp("served")
    wrapper, log, audit = tmp / "run_app.py", tmp / "app.log", tmp / "audit.log"
    wrapper.write_text(HOOK)
    port = free_port()
    proc, _ = start_app(port, log, script=wrapper, env={
        "LMLAB_AUDIT_LOG": str(audit), "LMLAB_APP": str(APP_PY), "LMLAB_HUB": None,
        "HF_HUB_OFFLINE": None, "TRANSFORMERS_OFFLINE": None})
    yield f"http://127.0.0.1:{port}", audit
    proc.terminate()
    proc.wait(timeout=30)


@pytest.mark.slow
def test_the_app_looks_up_no_outside_host_whatever_is_typed_or_requested(served):
    url, audit = served
    client = client_for(url + "/")
    gen = next(ep for ep in endpoints(client) if ep.api_name == "/generate")
    args = gen.defaults()
    args[[p.name for p in gen.params].index("hub_id")] = "openai-community/gpt2"
    with pytest.raises(Exception, match="Hub models are off on this server"):
        client.predict(*args, api_name="/generate")
    for path in ("/gradio_api/file=https://example.com/x.js", "/gradio_api/file=HTTP://example.org/a",
                 "/gradio_api/file=https%3A//example.net/b", "/gradio_api/proxy=https://example.edu/c"):
        status, _ = get(url + path)
        assert status in (403, 404), (path, status)
    time.sleep(1)
    lines = audit.read_text().splitlines()
    assert lines[0] == "socket.getaddrinfo localhost", lines[:3]
    outside = sorted({ln for ln in lines if ln.split(" ", 1)[1] not in LOCAL})
    assert not outside, f"the server looked up or connected to: {outside}"


@pytest.mark.slow
def test_the_hub_box_is_hidden_when_the_hub_is_off(served):
    url, _ = served
    config = json.loads(get(url + "/config")[1])
    boxes = [c["props"] for c in config["components"]  # the label is an i18n key in the config
             if "generate.hub_id" in str(c.get("props", {}).get("label", ""))
             or "hub model id" in str(c.get("props", {}).get("label", "")).lower()]
    assert boxes and all(b.get("visible") is False for b in boxes)


@pytest.mark.slow
def test_uploads_run_history_and_monitoring_are_off(served):
    url, _ = served
    body = (b"--x\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.txt\"\r\n"
            b"Content-Type: text/plain\r\n\r\n" + b"a" * 20_000 + b"\r\n--x--\r\n")
    status, text = get(url + "/gradio_api/upload", body,
                       {"Content-Type": "multipart/form-data; boundary=x"})
    assert status >= 400, (status, text[:200])
    assert get(url + "/monitoring/summary")[0] == 403
    assert get(url + "/monitoring")[0] == 403
    assert get(url + "/gradio_api/runs")[0] == 404


def test_states_expire_sessions_are_capped_and_heavy_events_are_limited_per_client():
    import importlib.util

    spec = importlib.util.spec_from_file_location("lmlab_app_states", APP_PY)
    app = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(app)
    demo = app.build_app()
    states = [b for b in demo.blocks.values() if isinstance(b, gr.State)]
    assert states and all(s.time_to_live for s in states), [s.time_to_live for s in states]
    limited = server.ClientLimit().concurrency_ids
    by_name = {f.api_name: f for f in demo.fns.values()}
    for name in ("explain", "classifier_report", "generate"):  # the flood found generate heaviest
        assert by_name[name].concurrency_id in limited, name
    assert by_name["explain"].concurrency_id == server.HEAVY
    settings = app.launch_settings()
    assert settings["state_session_capacity"] * 0.8 / 1024 < 4  # GiB of Generate state, at most
    assert settings["enable_monitoring"] is False and settings["run_history"] is False
    assert demo.delete_cache


@pytest.mark.parametrize("path, remote", [
    ("/gradio_api/file=https://example.com/x.js", True), ("/file=HTTP://a", True),
    ("/gradio_api/file=//example.com/x", True), ("/gradio_api/proxy=https://x.hf.space/", True),
    ("/gradio_api/file=ftp://a/b", True), ("/gradio_api/file=/tmp/gradio/abc/x.png", False),
    ("/gradio_api/file=assets/vendor/d3.min.js", False), ("/config", False),
])
def test_remote_file_paths_are_recognised(path, remote):
    assert server.is_remote_file(path) is remote


# ----------------------------------------------------------------------------- a fair queue


@pytest.fixture
def slow_app():
    """A two-event app: a heavy event that takes 2 s, a light one; the limit installed."""
    def heavy(x):
        time.sleep(2.0)
        return x

    with gr.Blocks(analytics_enabled=False) as demo:
        box = gr.Textbox()
        gr.Button("heavy").click(heavy, box, box, api_name="heavy",
                                 concurrency_id=server.HEAVY, concurrency_limit=server.HEAVY_LIMIT)
        gr.Button("light").click(lambda x: x, box, box, api_name="light")
    demo.queue(max_size=100)
    server.ClientLimit(most=2).install(demo)
    port = free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True,
                **server.launch_settings())
    yield types.SimpleNamespace(url=f"http://127.0.0.1:{port}/", demo=demo)
    demo.close()


@pytest.mark.slow
def test_one_client_holds_at_most_two_heavy_jobs_and_light_ones_still_pass(slow_app):
    flooder = [client_for(slow_app.url) for _ in range(4)]  # new sessions do not help
    jobs = [c.submit("x", api_name="/heavy") for c in flooder]
    results, refused = [], []
    for job in jobs:
        try:
            results.append(job.result(timeout=30))
        except Exception as exc:  # noqa: BLE001
            refused.append(str(exc))
    assert len(results) == 2 and len(refused) == 2, (results, refused)
    assert all("400" in r for r in refused), refused  # the browser shows the detail below
    assert client_for(slow_app.url).predict("hi", api_name="/light") == "hi"


@pytest.mark.slow
def test_a_refused_job_says_why(slow_app):
    config = json.loads(get(slow_app.url + "config")[1])
    fn = next(d["id"] for d in config["dependencies"] if d.get("api_name") == "heavy")
    held = [client_for(slow_app.url).submit("x", api_name="/heavy") for _ in range(2)]
    for _ in range(400):  # until both joined the queue (a loaded machine can take a while)
        if len(slow_app.demo._queue.event_ids_to_events) == 2:
            break
        time.sleep(0.01)
    body = json.dumps({"data": ["x"], "fn_index": fn, "session_hash": "s3", "event_data": None,
                       "trigger_id": None}).encode()
    status, text = get(slow_app.url + "gradio_api/queue/join", body,
                       {"Content-Type": "application/json"})
    for job in held:
        job.result(timeout=30)
    assert status == 400 and "You already have 2 requests waiting; wait for them to finish." \
        in json.loads(text)["detail"], (status, text)


def test_the_address_is_the_one_our_proxy_saw():
    h = {"x-forwarded-for": "1.2.3.4, 5.6.7.8"}
    assert server.client_address(h, "10.0.0.1", hops=0) == "10.0.0.1"
    assert server.client_address(h, "10.0.0.1", hops=1) == "5.6.7.8"
    assert server.client_address(h, "10.0.0.1", hops=5) == "1.2.3.4"
    assert server.client_address({}, "10.0.0.1", hops=1) == "10.0.0.1"


@pytest.mark.slow
def test_the_limit_counts_queued_and_running_jobs_only(slow_app):
    client = client_for(slow_app.url)
    first = [client.submit("x", api_name="/heavy") for _ in range(2)]
    for job in first:
        job.result(timeout=30)
    later = threading.Thread(target=lambda: client.predict("y", api_name="/heavy"))
    later.start()
    later.join(30)  # after the first two ended, a new one is accepted again
    assert not later.is_alive()


@pytest.mark.slow
def test_vendored_scripts_are_served_by_a_path_relative_to_the_app(served):
    from lmlab.ui import html

    url, _ = served
    for name in html.VENDOR:
        link = html.vendor_url(name)
        assert not link.split("file=", 1)[1].startswith("/"), link  # no server path on a page
        status, text = get(f"{url}/{link}")
        assert status == 200 and len(text) > 1000, (link, status)


def test_one_password_for_the_class_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv("LMLAB_AUTH", raising=False)
    assert "auth" not in server.launch_settings()
    monkeypatch.setenv("LMLAB_AUTH", "class:s3cret:x")
    assert server.launch_settings()["auth"] == ("class", "s3cret:x")


@pytest.mark.slow
def test_nan_and_infinity_from_a_script_are_refused_with_a_sentence(slow_app):
    for raw in (b'{"data": [NaN]}', b'{"data": [Infinity]}', b'{"data": [-Infinity]}'):
        status, text = get(slow_app.url + "gradio_api/call/heavy", raw,
                           {"Content-Type": "application/json"})
        assert status == 400 and "Numbers must be finite" in json.loads(text)["detail"], text
    status, text = get(slow_app.url + "gradio_api/call/light", b'{"data": ["NaN is a word"]}',
                       {"Content-Type": "application/json"})
    assert status == 200 and "event_id" in json.loads(text)
