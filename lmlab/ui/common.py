"""What every tab shares: core errors worded for the student, input checks, plot styling.

Tool: the UI layer (``lmlab.ui``).  Models come from ``lmlab.models`` (loaded once, shared
read-only); anything that belongs to one user lives in ``gr.State``.
"""

from __future__ import annotations

import ctypes
import functools
import html
import logging
import math
import unicodedata

import gradio as gr

MAX_CHARS = 2000  # longest text any tab accepts
STATE_TTL_S = 1800  # every gr.State: dropped 30 min after its last change (lmlab.ui.server)
LOG = logging.getLogger("lmlab.ui")
WORDS = {  # sentences several tabs share (lmlab.ui.i18n gathers them)
    "common.unseen": (
        "The models were trained on English Shakespeare only: {share:.0%} of this text's "
        "characters never occur there ({chars}). They are read as raw bytes the models never "
        "learned, so the probabilities, perplexities and explanations around them are close to "
        "noise.",
        "这些模型只用英文的莎士比亚作品训练过：这段文字有 {share:.0%} 的字符在训练文本中从未出现"
        "（{chars}）。模型只能把它们当作从未学过的原始字节来读，所以与之相关的概率、困惑度和解释"
        "基本上是噪声。"),
    "common.failed": ("⚠️ The last run failed (the message at the top right says why). The "
                      "panels below still show the previous input's results.",
                      "⚠️ 上一次运行失败了（右上角的消息说明了原因）。下面的面板仍然是上一次输入的"
                      "结果。"),
    "common.not_number": ("{what} must be a number between {lo:g} and {hi:g}.",
                          "{what}必须是 {lo:g} 到 {hi:g} 之间的数。"),
    "common.out_of_range": ("{what} must be between {lo:g} and {hi:g}, not {x:g}.",
                            "{what}必须在 {lo:g} 到 {hi:g} 之间，而不是 {x:g}。"),
}


def user_error(exc: Exception) -> gr.Error:
    """The one place a core error becomes what the student reads (a ``gr.Error``).

    Core errors carry their own sentence (``ValueError`` and its subclasses: ``CheckpointError``,
    ``UnknownModel``, ...); its first letter is capitalised, the rest kept as written, and it
    ends with a full stop.
    """
    text = str(exc).strip() or type(exc).__name__
    text = text[:1].upper() + text[1:]
    return gr.Error(text if text.endswith((".", "?", "!")) else text + ".")


def quiet_user_errors() -> None:
    """Make every ``gr.Error`` stay on screen until the student closes it (the reason stays
    readable) and log one line for it instead of a traceback (an input error is not a crash).

    gradio's defaults are a 10 s toast and a full traceback per error; this sets other defaults
    on ``gr.Error`` for the whole process (an explicit argument still wins).  Called when this
    module is imported, so every tab and ``app.py`` get it.
    """
    init = gr.Error.__init__
    if getattr(init, "lmlab_quiet", False):
        return

    def __init__(self, message: str = "Error raised.", duration: float | None = None,  # noqa: N807
                 visible: bool = True, title: str = "Error", print_exception: bool = False):
        init(self, message, duration=duration, visible=visible, title=title,
             print_exception=print_exception)
        if not print_exception:
            LOG.warning("input error shown to a student: %s", str(message)[:300])

    __init__.lmlab_quiet = True
    gr.Error.__init__ = __init__


quiet_user_errors()


def unseen_note(text: str, lang: str | None = "en") -> str | None:
    """The caveat for text with characters the models never saw (None when there are none)."""
    from lmlab.textcheck import unseen_characters, unseen_share

    unseen = unseen_characters(text)
    if not unseen:
        return None
    from lmlab.ui.i18n import t

    chars = " ".join(unseen[:8]) + (" …" if len(unseen) > 8 else "")
    return t("common.unseen", lang, share=unseen_share(text), chars=chars)


def on_first_view(fn, outputs: list, api_name: str, inputs: list = ()) -> None:
    """Fill ``outputs`` with ``fn(*inputs)`` the first time a student sees the tab being built
    (``inputs``: usually ``[lang]``, so the tab opens worded in the student's language).

    Nothing runs at start-up: the tab shown when the page opens fills on page load, any other
    tab when it is first selected (later selections keep what the student made).  ``fn``
    should be cached (``lmlab.cache.load_once``), so only the first student pays for it.
    """
    from gradio.context import Context

    seen = gr.State(False)

    def first(already, *args):
        if already:
            return (*[gr.skip()] * len(outputs), True)
        return (*fn(*args), True)

    block, trigger = Context.block, None
    while isinstance(block, gr.Tab):  # the first tab of a row is seen when its parent is
        siblings = [c for c in block.parent.children if isinstance(c, gr.Tab)]
        if siblings and siblings[0] is not block:
            trigger = block.select
            break
        block = block.parent
    trigger = trigger or Context.root_block.load
    trigger(first, [seen, *inputs], [*outputs, seen], api_name=api_name, show_progress="minimal")


def mark_stale(event, banner, lang=None) -> None:
    """After ``event`` fails, show ``banner`` (a Markdown) saying the panels are out of date, in
    the student's language (``lang``: the tab's ``gr.State``; None: English); after it
    succeeds, hide it again."""
    name = f"stale_{banner._id}"  # private: not in the API, named all the same
    event.failure(lambda lg="en": gr.update(value=_failed(lg), visible=True),
                  None if lang is None else lang, banner,
                  api_name=f"{name}_show", api_visibility="private", queue=False)
    event.success(lambda: gr.update(visible=False), None, banner, api_name=f"{name}_hide",
                  api_visibility="private", queue=False)


def _failed(lang: str = "en") -> str:
    from lmlab.ui.i18n import t

    return t("common.failed", lang)


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


def number(value, what: str, lo: float, hi: float, whole: bool = False,
           lang: str | None = "en") -> float | int:
    """A number from a control or the API, checked: finite and in [lo, hi] (rounded to a whole
    number if ``whole``); otherwise a ``gr.Error`` naming the control (``what``, already in
    ``lang``) and its range, in ``lang``."""
    from lmlab.ui.i18n import t

    try:
        x = float(value)
    except (TypeError, ValueError, OverflowError):
        raise gr.Error(t("common.not_number", lang, what=what, lo=lo, hi=hi)) from None
    if not (math.isfinite(x) and lo <= x <= hi):
        raise gr.Error(t("common.out_of_range", lang, what=what, lo=lo, hi=hi, x=x))
    return int(round(x)) if whole else x


def clean_input(text: str | None, what: str | None = None, max_chars: int = MAX_CHARS,
                lang: str | None = "en") -> str:
    """The text without NUL/control characters (newlines and tabs kept); errors if empty or long,
    in ``lang`` (``what``: the input's name in ``lang``; None: "text" in ``lang``).

    Zero-width and right-to-left characters are kept: they are text, and escaping makes them safe.
    """
    from lmlab.ui.i18n import t

    what = t("common.text", lang) if what is None else what
    text = text or ""
    if len(text) > max_chars:
        raise gr.Error(t("common.too_long", lang, what=what, n=len(text), limit=max_chars))
    text = "".join(c for c in text if c in "\n\t" or unicodedata.category(c) != "Cc")
    if not text.strip():
        raise gr.Error(t("common.empty", lang, what=what))
    return text


def escape(text: str) -> str:
    """HTML-escape text for display (``<script>`` shows as text, never runs)."""
    return html.escape(text, quote=True)


def token_html(s: str) -> str:
    """``token_label``, HTML-escaped (for HTML and for plotly labels, which read some HTML)."""
    return escape(token_label(s))


def quoted(s: str) -> str:
    """A token inside a sentence: ``token_html``, marked ``translate="no"`` (model output is
    never translated)."""
    return f'<span translate="no">{token_html(s)}</span>'


def token_label(s: str) -> str:
    """A visible label for a token: spaces as ·, newlines as ⏎."""
    return s.replace(" ", "·").replace("\n", "⏎").replace("\t", "⇥") or "∅"


LAYOUT = dict(margin=dict(l=10, r=10, t=40, b=10), paper_bgcolor="rgba(0,0,0,0)",
              plot_bgcolor="rgba(0,0,0,0)", font_color="#808080",
              modebar_orientation="v")  # at the right edge, not over the title on a phone


def style(fig, height: int = 320):
    """Common plotly layout: transparent background (dark and light themes), tight margins.

    The template is plotly's default already; setting it again deep-copies it (20-40 ms).
    """
    return fig.update_layout(height=height, title_font_size=14, **LAYOUT)


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


def gpt_facts(name: str = "shakespeare") -> dict:
    """Size and shape of a shipped GPT, read from its checkpoint without loading the weights
    (the config and the safetensors header): ``params``, ``n_layer``, ``n_head``, ``n_embd``,
    ``block_size``.  Labels quote these, never typed-in figures."""
    return dict(_gpt_facts(name))


@functools.lru_cache(maxsize=8)
def _gpt_facts(name: str) -> tuple:
    import json

    from safetensors import safe_open

    from lmlab.checkpoint import from_hf_config
    from lmlab.models import SOURCES

    folder = SOURCES[name]
    config = from_hf_config(json.loads((folder / "config.json").read_text()))
    with safe_open(str(folder / "model.safetensors"), "pt") as f:
        params = sum(math.prod(f.get_slice(k).get_shape()) for k in f.keys())
    return tuple({"params": params, **{k: config[k] for k in ("n_layer", "n_head", "n_embd",
                                                              "block_size")}}.items())
