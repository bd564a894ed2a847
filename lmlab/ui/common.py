"""What every tab shares: core errors worded for the student, input checks, plot styling.

Tool: the UI layer (``lmlab.ui``).  Models come from ``lmlab.models`` (loaded once, shared
read-only); anything that belongs to one user lives in ``gr.State``.
"""

from __future__ import annotations

import ctypes
import html
import math
import unicodedata

import gradio as gr

MAX_CHARS = 2000  # longest text any tab accepts
STATE_TTL_S = 1800  # every gr.State: dropped 30 min after its last change (lmlab.ui.server)


def user_error(exc: Exception) -> gr.Error:
    """The one place a core error becomes what the student reads (a ``gr.Error``).

    Core errors carry their own sentence (``ValueError`` and its subclasses: ``CheckpointError``,
    ``UnknownModel``, ...); its first letter is capitalised, the rest kept as written.
    """
    text = str(exc).strip() or type(exc).__name__
    return gr.Error(text[:1].upper() + text[1:])


def gpt(name: str = "shakespeare"):
    """``lmlab.models.load_gpt(name)``, its errors worded for the student."""
    from lmlab.models import load_gpt

    try:
        return load_gpt(name)
    except ValueError as exc:  # CheckpointError, UnknownModel
        raise user_error(exc) from None


def tokenizer(name: str = "shakespeare"):
    """``lmlab.models.load_gpt_tokenizer(name)``, its errors worded for the student."""
    from lmlab.models import load_gpt_tokenizer

    try:
        return load_gpt_tokenizer(name)
    except ValueError as exc:
        raise user_error(exc) from None


def hub_enabled() -> bool:
    """True where the server opted in to hub models (``LMLAB_HUB=1``, ``lmlab.hub``)."""
    from lmlab.hub import hub_enabled

    return hub_enabled()


def hub_model_name(hub_id: str | None) -> str | None:
    """``"hub:<id>"`` for a typed, validated hub id; None when the box is empty."""
    from lmlab.hub import HubDisabled, is_hub_id

    hub_id = (hub_id or "").strip()
    if not hub_id:
        return None
    if not is_hub_id(hub_id):
        raise gr.Error("A hub id looks like 'gpt2' or 'user/model-name' (letters, digits, . _ -); "
                       "local paths and URLs are not accepted.")
    if not hub_enabled():
        raise user_error(HubDisabled())
    return f"hub:{hub_id}"


def number(value, what: str, lo: float, hi: float, whole: bool = False) -> float | int:
    """A number from a control or the API, checked: finite and in [lo, hi] (rounded to a whole
    number if ``whole``); otherwise a ``gr.Error`` naming the control and its range."""
    try:
        x = float(value)
    except (TypeError, ValueError, OverflowError):
        raise gr.Error(f"{what} must be a number between {lo:g} and {hi:g}.") from None
    if not (math.isfinite(x) and lo <= x <= hi):
        raise gr.Error(f"{what} must be between {lo:g} and {hi:g}, not {x:g}.")
    return int(round(x)) if whole else x


def clean_input(text: str | None, what: str = "text", max_chars: int = MAX_CHARS) -> str:
    """The text without NUL/control characters (newlines and tabs kept); errors if empty or long.

    Zero-width and right-to-left characters are kept: they are text, and escaping makes them safe.
    """
    text = text or ""
    if len(text) > max_chars:
        raise gr.Error(f"The {what} is {len(text):,} characters; the limit is {max_chars:,}. "
                       "Please shorten it.")
    text = "".join(c for c in text if c in "\n\t" or unicodedata.category(c) != "Cc")
    if not text.strip():
        raise gr.Error(f"The {what} is empty. Please type some text.")
    return text


def escape(text: str) -> str:
    """HTML-escape text for display (``<script>`` shows as text, never runs)."""
    return html.escape(text, quote=True)


def token_html(s: str) -> str:
    """``token_label``, HTML-escaped (for HTML and for plotly labels, which read some HTML)."""
    return escape(token_label(s))


def token_label(s: str) -> str:
    """A visible label for a token: spaces as ·, newlines as ⏎."""
    return s.replace(" ", "·").replace("\n", "⏎").replace("\t", "⇥") or "∅"


LAYOUT = dict(margin=dict(l=10, r=10, t=40, b=10), paper_bgcolor="rgba(0,0,0,0)",
              plot_bgcolor="rgba(0,0,0,0)", font_color="#808080")


def style(fig, height: int = 320):
    """Common plotly layout: transparent background (dark and light themes), tight margins.

    The template is plotly's default already; setting it again deep-copies it (20-40 ms).
    """
    return fig.update_layout(height=height, **LAYOUT)


def configure_server(malloc_arenas: int = 2) -> None:
    """Process settings for serving a classroom; call once, before the server starts.

    One torch thread per request (requests run side by side on few cores), and at most
    ``malloc_arenas`` glibc malloc arenas: by default glibc gives each busy thread its own
    arena and keeps what it freed, so a server's memory grew 2.5 -> 3.8 GB in two minutes of
    30 students; with 2 arenas it grew 1.1 -> 1.7 GB (``lmlab bench app``).
    """
    import torch

    torch.set_num_threads(1)
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc (macOS, musl): its allocator, its defaults
        return
    M_ARENA_MAX = -8  # from glibc's malloc.h
    libc.mallopt(M_ARENA_MAX, malloc_arenas)
