"""The UI's words in English and 简体中文: one catalogue, gathered from every tab module.

Tool: the UI layer.  Every tab module defines ``WORDS = {key: (english, chinese)}`` (a constant);
``catalogue()`` gathers them (keys are prefixed by nothing: choose keys like ``"train.play"``).

- Static text (labels, buttons, markdown): ``label(key)``, a ``gr.I18n`` key that the browser
  shows in its locale; ``app.py`` passes ``I18N()`` to ``launch(i18n=...)``.
- Handler text (errors, captions built from numbers): ``t(key, lang, **numbers)``, where ``lang``
  is the value of the language control (``"en"`` or ``"zh"``) passed to the handler as an input.
- Model output (generated text, tokens) is never translated.

>>> t("common.empty", "zh", what=t("common.text", "zh"))
'文本为空，请输入一些文字。'
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

import gradio as gr

LANGS = ("en", "zh")
WORDS = {  # words every tab shares
    "common.text": ("text", "文本"),
    "common.prompt": ("prompt", "提示词"),
    "common.empty": ("The {what} is empty. Please type some text.", "{what}为空，请输入一些文字。"),
    "common.too_long": ("The {what} is {n:,} characters; the limit is {limit:,}. Please shorten it.",
                        "{what}有 {n:,} 个字符，上限是 {limit:,}，请缩短。"),
    "common.stale": ("Out of date: this panel shows the previous input. Fix the input above and "
                     "run again.", "已过期：此面板仍显示上一次的输入。请修改上面的输入后重新运行。"),
    "common.language": ("Language", "语言"),
}


@lru_cache(maxsize=1)
def catalogue() -> dict[str, tuple[str, str]]:
    """Every ``WORDS`` of ``lmlab.ui`` and its modules, read once (read-only afterwards)."""
    import lmlab.ui

    words = dict(WORDS)
    for m in pkgutil.iter_modules(lmlab.ui.__path__, "lmlab.ui."):
        if m.name != __name__:
            words.update(getattr(importlib.import_module(m.name), "WORDS", {}))
    return words


def lang_code(lang: str | None) -> str:
    """ "zh" or "en" for any value of the language control (anything but Chinese: English)."""
    return "zh" if isinstance(lang, str) and lang.startswith("zh") else "en"


def t(key: str, lang: str | None = "en", **numbers) -> str:
    """The sentence ``key`` in ``lang`` ("en" or "zh"; anything else: English), filled in."""
    en, zh = catalogue()[key]
    text = zh if lang_code(lang) == "zh" else en
    return text.format(**numbers) if numbers else text


@lru_cache(maxsize=1)
def I18N() -> gr.I18n:  # noqa: N802  (named like the class it returns)
    """The ``gr.I18n`` for ``launch(i18n=...)``: every key in both languages."""
    words = catalogue()
    return gr.I18n(en={k: v[0] for k, v in words.items()}, zh={k: v[1] for k, v in words.items()})


def label(key: str):
    """A static text in the browser's language (``gr.I18n`` data for a label, button, markdown)."""
    return I18N()(key)


def lang_from_request(request: gr.Request | None) -> str:
    """"zh" if the browser asks for Chinese first (Accept-Language), else "en"."""
    header = (request.headers.get("accept-language", "") if request is not None else "") or ""
    first = header.split(",")[0].strip().lower()
    return "zh" if first.startswith("zh") else "en"
