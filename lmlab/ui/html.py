"""Scripted HTML (bertviz) made safe and offline: a sandboxed iframe, vendored JS, escaped text.

Used by the Attention tab; any tab that shows a library's scripted HTML can use ``iframe``.

Three problems and the fix for each:

1. ``gr.HTML`` runs no scripts.  We put the whole document in ``<iframe sandbox="allow-scripts"
   srcdoc="...">``: the scripts run, but in an opaque origin that cannot touch the app's page,
   cookies or storage.
2. bertviz loads require.js, d3 and jQuery from cdnjs, so offline its views come up empty
   ("Layer:" and nothing else).  We rewrite those URLs to the copies in ``assets/vendor/``
   (npm registry, pinned, licences kept) which the app serves itself (``serve_vendor``).  The
   URLs are relative (``gradio_api/file=...``): a srcdoc page resolves them against the app's
   own address, so they work behind a proxy or a sub-path too.
3. bertviz writes the tokens into a ``<script>`` as JSON, and ``json.dumps`` leaves ``<`` alone:
   a token ``</script>`` would end the script early and the rest would run as HTML.  We
   re-serialise that JSON with ``<``, ``>``, ``&`` and ``/`` escaped (``\\u003c``...), so
   nothing inside a string can close the script; d3 then draws the tokens with ``.text()``.

And one limit: every attention weight becomes an SVG line, so the head view draws at most
``MAX_TOKENS`` tokens and the model view at most ``model_view_cap`` (the caller says so).

>>> safe_json({"t": "</script>"})
'{"t": "\\\\u003c\\\\/script\\\\u003e"}'
"""

from __future__ import annotations

import html
import json
import math
import re
from pathlib import Path

import gradio as gr

from lmlab import ASSETS_DIR

VENDOR_DIR = ASSETS_DIR / "vendor"
VENDOR = {  # library -> file under assets/vendor/ (see its README.md for versions and sha256)
    "require": "requirejs-2.3.6/require.js",
    "d3": "d3-5.7.0/d3.min.js",
    "jquery": "jquery-2.2.4/jquery.min.js",
}
CDN = re.compile(r"https://cdnjs\.cloudflare\.com/ajax/libs/(require\.js|d3|jquery)/[^'\"]+")
URL = re.compile(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}[/'\"]", re.IGNORECASE)
PARAMS = "const params = "  # where bertviz's JS receives its JSON (head_view.js, model_view.js)
HACK = "; // HACK: "  # what follows that JSON on the same line, in both files
MAX_TOKENS = 64  # bertviz draws every line as an SVG element: more tokens freeze the browser
MAX_LINES = 64 * 64 * 16  # the model view's lines at most (MiniLM at 64 tokens: 295k, 15 s)
DECIMALS = 3  # weights are rounded in the page; lines are drawn with these as opacities

# ----------------------------------------------------------------------------- serving the JS


def serve_vendor() -> None:
    """Let the running app serve ``assets/vendor/`` (call before or inside ``gr.Blocks``).

    ``gr.set_static_paths`` adds to one list for the whole process (a folder added twice is
    harmless).  Only that folder is exposed: other files answer 403.
    """
    gr.set_static_paths([VENDOR_DIR])


def vendor_url(name: str, extension: bool = True) -> str:
    """The app-relative URL of a vendored file: ``gradio_api/file=assets/vendor/.../d3.min.js``.

    The path is relative to the server's working folder (``app.py`` moves to its own), so no
    page shows where the server keeps its files; gradio resolves it the same way.  Started from
    another folder, the absolute path is the only one gradio can find.
    ``extension=False`` drops ``.js``: require.js paths name modules, and it adds ``.js``.
    """
    path = (VENDOR_DIR / VENDOR[name]).resolve()
    try:
        path = path.relative_to(Path.cwd().resolve())
    except ValueError:
        pass
    url = f"gradio_api/file={path.as_posix()}"
    return url if extension else url.removesuffix(".js")


# ----------------------------------------------------------------------------- making it safe


def script_safe(json_text: str) -> str:
    """Escape ``<``, ``>``, ``&``, ``/`` (and U+2028/9) in JSON text so it can sit in ``<script>``.

    Outside its strings, JSON never contains these characters, so replacing them everywhere
    only touches strings, where ``\\u003c`` and ``\\/`` are valid escapes that JavaScript
    reads back as the same characters.
    """
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("/", "\\/"),
                    ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        json_text = json_text.replace(ch, esc)
    return json_text


def safe_json(obj) -> str:
    """``json.dumps`` that can sit inside ``<script>`` (see ``script_safe``)."""
    return script_safe(json.dumps(obj, ensure_ascii=False))


def offline(doc: str) -> str:
    """bertviz's HTML made safe and offline.

    bertviz fills in ``const params = PYTHON_PARAMS; // HACK: PYTHON_PARAMS is a template
    marker ...`` with ``str.replace``, which fills *both* markers: its JSON (the weights and the
    tokens) appears twice on that line, the second time inside a ``//`` comment, where a
    ``</script>`` would still end the script.  We keep one copy, made ``script_safe``, drop the
    comment, and give the code around it local URLs (``_local_urls``, which refuses any other
    outside URL).  The JSON stays out of that URL search: a token may be a URL, as text.
    """
    start = doc.find(PARAMS)
    if start < 0:
        raise RuntimeError("bertviz's HTML no longer has the 'const params = ...' we expect")
    start += len(PARAMS)
    end = doc.find("\n", start)  # json.dumps escapes newlines: the line ends after the JSON
    end = len(doc) if end < 0 else end
    return (_local_urls(doc[:start]) + script_safe(_params_json(doc[start:end])) + ";"
            + _local_urls(doc[end:]))


def _params_json(line: str) -> str:
    """The JSON text J from bertviz's line ``J; // HACK: J is a template marker ...``.

    Both copies are the same string, so the line's length says where the first one ends.
    """
    tail = " is a template marker that is replaced by actual params."
    rest = len(line) - len(HACK) - len(tail)
    n = rest // 2
    if line.endswith(tail) and rest % 2 == 0 and line[n:n + len(HACK)] == HACK \
            and line[n + len(HACK):n + len(HACK) + n] == line[:n]:
        return line[:n]
    raise RuntimeError("bertviz's params line changed; update lmlab.ui.html.offline")


def _local_urls(code: str) -> str:
    """Point bertviz's three CDN URLs at our copies; drop the scheme of URLs left in comments.

    Raises if any other outside URL remains: a new bertviz that loads something new must get a
    vendored copy, not a silent request to the internet.
    """
    names = {"require.js": "require", "d3": "d3", "jquery": "jquery"}

    def local(match: re.Match) -> str:
        name = names[match.group(1)]
        return vendor_url(name, extension=name == "require")  # the <script src> keeps .js

    code = CDN.sub(local, code)
    code = re.sub(r"^(\s*\*.*?)https?://", r"\1", code, flags=re.MULTILINE)  # /** comments */
    if leftover := URL.search(code):
        raise RuntimeError(f"bertviz's HTML still names an outside URL near {leftover.group()!r}")
    return code


def document(body: str, title: str = "view") -> str:
    """A whole HTML page around ``body`` (white, so it reads the same under a dark theme)."""
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title></head>"
            "<body style='margin:8px;background:#fff;color:#000'>" + body + "</body></html>")


def iframe(doc: str, height: int, title: str) -> str:
    """``doc`` in a sandboxed iframe: scripts run, but cannot reach the app (no same-origin).

    The whole page goes in ``srcdoc``, HTML-escaped (``"`` -> ``&quot;``, ``<`` -> ``&lt;``).
    """
    return (f'<iframe sandbox="allow-scripts" title="{html.escape(title)}" '
            f'style="width:100%;height:{int(height)}px;border:1px solid #8884;border-radius:6px;'
            f'background:#fff" srcdoc="{html.escape(doc, quote=True)}"></iframe>')


# ----------------------------------------------------------------------------- bertviz


def _rounded(attentions) -> list:
    """Per layer (1, H, T, T) float64, rounded: ``0.123`` not ``0.12300000339746475`` in JSON."""
    return [a.detach().double().round(decimals=DECIMALS) for a in attentions]


def model_view_cap(n_layer: int, n_head: int) -> int:
    """Tokens the model view may draw: it draws n_layer x n_head x T² lines at once.

    >>> model_view_cap(4, 4), model_view_cap(6, 12)        # our GPT, MiniLM
    (64, 30)
    """
    return min(MAX_TOKENS, math.isqrt(MAX_LINES // (n_layer * n_head)))


def _prepare(attentions, tokens: list[str], cap: int) -> list:
    """The attentions rounded for the page, after checking the token cap."""
    if len(tokens) > cap:
        raise ValueError(f"{len(tokens)} tokens; this bertviz view is capped at {cap}")
    return _rounded(attentions)


def head_view(attentions, tokens: list[str]) -> str:
    """bertviz's head view (one layer at a time, heads overlaid) as an offline iframe.

    ``attentions``: per layer (1, H, T, T); ``tokens``: T strings (any text: it is escaped).
    T must be at most ``MAX_TOKENS``.
    """
    from bertviz import head_view as bertviz_head_view

    attn, T = _prepare(attentions, tokens, MAX_TOKENS), len(tokens)
    doc = bertviz_head_view(attn, [str(t) for t in tokens], html_action="return").data
    height = T * 22.5 + 30 + 60  # bertviz: tokens x BOXHEIGHT + TEXT_TOP, + the pickers
    return iframe(document(offline(doc), "head view"), min(height, 900), "bertviz head view")


def model_view(attentions, tokens: list[str]) -> str:
    """bertviz's model view (every layer and head as a thumbnail) as an offline iframe.

    T must be at most ``model_view_cap(n_layer, n_head)``.
    """
    from bertviz import model_view as bertviz_model_view

    n_layer, n_head = len(attentions), attentions[0].shape[1]
    attn, T = _prepare(attentions, tokens, model_view_cap(n_layer, n_head)), len(tokens)
    doc = bertviz_model_view(attn, [str(t) for t in tokens], html_action="return",
                             display_mode="light").data
    thumb = T * 7 * 12 / n_head + 10  # bertviz's thumbnail height per layer
    height = max(n_layer * thumb + 38, T * 18 + 55) + 40
    return iframe(document(offline(doc), "model view"), min(height, 900), "bertviz model view")
