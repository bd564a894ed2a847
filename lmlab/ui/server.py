"""How the app serves a classroom: offline, a fair queue, bounded state, no unused surface.

Tool: the UI layer; ``app.py`` calls ``launch_settings()`` and ``ClientLimit().install(demo)``.

- ``NoOutsideFiles``: gradio answers ``/gradio_api/file=https://host/x`` by fetching that URL
  itself (``route_utils.secure_url_stream_response``: it resolves the host first); this app
  shows no outside files, so such a request is refused before gradio sees it.
- ``ClientLimit``: each client address holds at most ``most`` heavy jobs and generations
  (queued or running),
  counted from the queue itself when a job joins, so one script cannot fill the queue.  The
  address is the TCP peer, or behind a proxy we trust (``LMLAB_PROXY_HOPS``, 1 on a Hugging
  Face Space) the address that proxy saw: a script can send any X-Forwarded-For it likes, so
  only the hops our proxies appended (the rightmost) are believed.  (uvicorn already replaces
  the peer by the X-Forwarded-For address when the peer is 127.0.0.1, a proxy on the machine.)
- ``FiniteNumbers``: a call whose JSON holds NaN or Infinity is refused with a sentence (a
  script can send them; gradio's number box crashes rounding them).
- ``launch_settings()``: no uploads, no run history, no monitoring endpoint, bounded sessions,
  a password when ``LMLAB_AUTH=user:password``
  (each ``gr.State`` also has ``time_to_live=lmlab.ui.common.STATE_TTL_S``).

>>> client_address({"x-forwarded-for": "6.6.6.6, 10.0.0.7"}, "10.1.1.1", hops=1)
'10.0.0.7'
>>> client_address({"x-forwarded-for": "6.6.6.6"}, "10.1.1.1", hops=0)
'10.1.1.1'
"""

from __future__ import annotations

import json
import os
import re

HEAVY = "heavy"  # the concurrency_id every heavy event shares
GENERATE = "generate"  # generation's own pool (streams up to a minute); limited per client too
HEAVY_LIMIT = 2  # heavy jobs running at once, all heavy events together (the cores)
JOBS_PER_CLIENT = 2  # heavy jobs + generations one address may have waiting or running
# (LMLAB_JOBS_PER_CLIENT)
SESSION_CAPACITY = 2000  # sessions kept: about 0.8 MiB each at most, 1.6 GiB on a 16 GB Space
CACHE_CLEANUP = (3600, 3600)  # every hour, delete gradio's temporary files older than an hour
_REMOTE = re.compile(r"/(?:file|proxy)=\s*(?:[a-z][a-z0-9+.-]*:|//|\\\\)", re.IGNORECASE)


def launch_settings() -> dict:
    """``demo.launch`` keyword arguments for a classroom server (gradio 6.31's names)."""
    from starlette.middleware import Middleware

    user, _, password = os.environ.get("LMLAB_AUTH", "").partition(":")
    auth = {"auth": (user, password)} if user and password else {}  # optional, one for all
    return auth | dict(
        max_file_size="1kb",  # the app takes no uploads
        run_history=False,  # no /gradio_api/runs, nothing recorded, no bucket to link
        enable_monitoring=False,  # no /monitoring
        state_session_capacity=SESSION_CAPACITY, mcp_server=False, pwa=False,
        app_kwargs={"middleware": [Middleware(NoOutsideFiles), Middleware(FiniteNumbers)]})


# ----------------------------------------------------------------------------- no outside files


def is_remote_file(path: str) -> bool:
    """True for ``.../file=<URL>`` and ``.../proxy=<URL>`` paths (any scheme, any case).

    >>> is_remote_file("/gradio_api/file=https://example.com/x.js"), is_remote_file("/file=/tmp/a")
    (True, False)
    """
    return bool(_REMOTE.search(path))


class NoOutsideFiles:
    """ASGI middleware: 403 for ``file=<URL>``; nothing else changes."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and is_remote_file(scope.get("path", "")):
            from starlette.responses import PlainTextResponse

            response = PlainTextResponse("This server fetches no files from other hosts.",
                                         status_code=403)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


# ----------------------------------------------------------------------------- finite numbers


class NotFinite(ValueError):
    pass


def _refuse(constant: str):
    raise NotFinite(constant)


def finite_json(body: bytes) -> bool:
    """False when a JSON body holds NaN or Infinity (Python's json reads them; a browser never
    sends them).  Not JSON at all: True, gradio answers that itself.

    >>> finite_json(b'{"data": [1.5, null]}'), finite_json(b'{"data": [NaN]}')
    (True, False)
    """
    try:
        json.loads(body, parse_constant=_refuse)
    except NotFinite:
        return False
    except ValueError:
        return True
    return True


class FiniteNumbers:
    """ASGI middleware: a call whose JSON holds NaN or Infinity is refused (400) before gradio
    reads it; gradio's own number box would otherwise crash rounding it (a bare "Error")."""

    PATHS = re.compile(r"/(?:queue/join|call/[^/]+|run/[^/]+|api/[^/]+)/?$")
    message = "Numbers must be finite: NaN and Infinity are not values a control can hold."

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if (scope["type"] != "http" or scope.get("method") != "POST"
                or not self.PATHS.search(scope.get("path", ""))):
            await self.app(scope, receive, send)
            return
        chunks, message = [], {"more_body": True}
        while message.get("more_body"):
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunks.append(message.get("body", b""))
        body = b"".join(chunks)
        if not finite_json(body):
            from starlette.responses import JSONResponse

            await JSONResponse({"detail": self.message}, status_code=400)(scope, receive, send)
            return
        replayed = False

        async def replay():
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


# ----------------------------------------------------------------------------- a fair queue


def proxy_hops() -> int:
    """Proxies in front of the app whose X-Forwarded-For we believe: ``LMLAB_PROXY_HOPS``, else
    1 on a Hugging Face Space (``SPACE_ID`` set), else 0."""
    try:
        return max(0, int(os.environ["LMLAB_PROXY_HOPS"]))
    except (KeyError, ValueError):
        return 1 if os.environ.get("SPACE_ID") else 0


def client_address(headers, peer: str | None, hops: int | None = None) -> str:
    """The client's address: ``peer`` (the TCP connection), or the address our ``hops``-th
    proxy saw (X-Forwarded-For, counted from the right)."""
    hops = proxy_hops() if hops is None else hops
    forwarded = [a.strip() for a in (headers.get("x-forwarded-for") or "").split(",") if a.strip()]
    if hops and forwarded:
        return forwarded[-min(hops, len(forwarded))]
    return peer or "unknown"


def request_address(request) -> str:
    """``client_address`` of a starlette/fastapi request."""
    return client_address(request.headers, request.client.host if request.client else None)


class ClientLimit:
    """At most ``most`` jobs of the ``concurrency_ids`` events per client address, queued or
    running, all those events together; past that, joining the queue answers ``message``
    (HTTP 400, shown as an error).  The flood scenario found generation the heaviest request
    (400 tokens), so it counts as well as the "heavy" pool.

    Counted from gradio's own list of live events (``Queue.event_ids_to_events``: queued and
    running; a job leaves it when it ends), so nothing is kept per client and nothing leaks.
    """

    message = "You already have {n} requests waiting; wait for them to finish."

    def __init__(self, most: int | None = None, concurrency_ids: tuple = (HEAVY, GENERATE)):
        if most is None:
            try:
                most = int(os.environ.get("LMLAB_JOBS_PER_CLIENT", JOBS_PER_CLIENT))
            except ValueError:
                most = JOBS_PER_CLIENT
        self.most, self.concurrency_ids = max(1, most), tuple(concurrency_ids)

    def waiting(self, queue, address: str) -> int:
        return sum(1 for e in list(queue.event_ids_to_events.values())
                   if e.concurrency_id in self.concurrency_ids
                   and request_address(e.request) == address)

    def install(self, demo) -> None:
        """Wrap ``demo``'s queue (after ``demo.queue()``): a job over the limit never joins."""
        from gradio import route_utils

        queue, push = demo._queue, demo._queue.push

        async def push_limited(body, request, username):
            try:
                fn = route_utils.get_fn(demo, None, body)
            except Exception:  # noqa: BLE001  gradio answers a bad body itself
                fn = None
            if fn is not None and fn.concurrency_id in self.concurrency_ids:
                n = self.waiting(queue, request_address(request))
                if n >= self.most:
                    return False, self.message.format(n=n), "error"
            return await push(body=body, request=request, username=username)

        queue.push = push_limited
