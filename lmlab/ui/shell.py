"""The app shell: header, tab titles and the 中文 / English switch that re-words every tab in place.

Tool: the UI layer (``app.py`` assembles the tabs through it).  Lesson: lessons/README.md.

``gr.I18n`` shows static text in the browser's locale, and only when the page loads.  The switch
changes the language on the open page: ``Registry`` lists, once the app is built, every
component whose label, info, placeholder, choice names or static text is a ``label(key)``, and ``set_language``
answers with one ``gr.update`` per component in the chosen language.  Inputs are untouched (a
textbox keeps what the student typed), and a component that an event writes to keeps its value
(only its label changes).  The language also goes to ``lang``, the ``gr.State`` every handler
receives to word its own sentences (``lmlab.ui.i18n.t``).  On page load the language is the one
the browser asks for (Accept-Language).
"""

from __future__ import annotations

import inspect
import json
from dataclasses import dataclass, field

import gradio as gr
from gradio.i18n import I18nData

from lmlab.ui.i18n import catalogue, label, lang_from_request, t

FIELDS = ("label", "info", "placeholder")  # component settings a label(key) may fill
TEXT_VALUES = (gr.Markdown, gr.Button, gr.HTML)  # components whose value is static text
SWITCH = [("中文", "zh"), ("English", "en")]  # each language named in itself

WORDS = {
    "app.header": (
        "# LM Lab\nLook inside real, working language models. Every number on screen is computed by "
        "the `lmlab` package (each tab names its module). Default model: a GPT-2-shaped **Shakespeare "
        "GPT** (small: its size is on the Generate tab) trained from scratch on a CPU. Everything runs "
        "offline.",
        "# LM Lab\n走进真实、能运行的语言模型内部。屏幕上的每个数字都由 `lmlab` 包计算得出（每个标签页都注明了"
        "对应的模块）。默认模型是一个 GPT-2 结构的**莎士比亚 GPT**（规模很小，参数量见“生成”标签页），"
        "在 CPU 上从零训练而成。"
        "全部离线运行。"),
    "app.switch": ("Language · 语言", "语言 · Language"),
    "tab.lessons": ("Lessons", "课程"),
    "tab.ngram": ("N-gram vs neural", "n 元模型与神经网络"),
    "tab.generate": ("Generate", "生成"),
    "tab.attention": ("Attention", "注意力"),
    "tab.positional": ("Positional", "位置编码"),
    "tab.explain": ("Explain", "解释"),
    "tab.train": ("Train", "训练"),
    "tab.compress": ("Compress", "压缩"),
    "tab.inside": ("Inside", "模型内部"),
    "tab.tokens": ("Tokens", "词元"),
    "tab.privacy": ("Privacy", "隐私"),
}


# ----------------------------------------------------------------------------- tabs


def tab_id(module) -> str:
    """A tab's id: its module's name (``lmlab.ui.generate`` -> ``"generate"``)."""
    return module.__name__.rsplit(".", 1)[-1]


def tab_title(module, fallback: str):
    """The tab's title as a ``label`` when the catalogue has ``tab.<id>``, else ``fallback``."""
    key = f"tab.{tab_id(module)}"
    return label(key) if key in catalogue() else fallback


def build_tab(module, **context) -> None:
    """``module.build(...)`` with the parts of ``context`` (``lang``, ``tabs``, ``tab_ids``,
    ``followers``, ``finish``) that its signature takes: a tab written before the switch existed
    still builds."""
    params = inspect.signature(module.build).parameters
    module.build(**{k: v for k, v in context.items() if k in params})


def tab_components(demo: gr.Blocks, tab_ids) -> dict[str, dict[str, list]]:
    """Tab id -> {catalogue key -> the components inside that tab worded by it (its label, or a
    button's text)}: how one tab finds another's inputs by name (the Lessons tab's "open in
    tab" buttons) without the other tab's code handing them over."""
    found: dict[str, dict[str, list]] = {}
    for tab in [b for b in demo.blocks.values() if isinstance(b, gr.Tab) and b.id in tab_ids]:
        keys = found.setdefault(tab.id, {})
        todo = list(tab.children)
        while todo:
            block = todo.pop(0)
            todo += getattr(block, "children", [])
            key = _key(getattr(block, "label", None)) or (
                _key(block.value) if isinstance(block, gr.Button) else None)
            if key:
                keys.setdefault(key, []).append(block)
    return found


# ----------------------------------------------------------------------------- the switch


def _key(value) -> str | None:
    """The catalogue key of a ``label(key)`` (gradio keeps some as objects, some as strings)."""
    if isinstance(value, I18nData):
        return value.key
    if isinstance(value, str) and value.startswith("__i18n__"):
        try:
            return json.loads(value[len("__i18n__"):]).get("key")
        except ValueError:
            return None
    return None


@dataclass
class Registry:
    """Components worded by the catalogue: (component, {setting: key}), found after the build."""

    entries: list[tuple[gr.blocks.Block, dict[str, str]]] = field(default_factory=list)

    @classmethod
    def of(cls, demo: gr.Blocks) -> Registry:
        written = {id(b) for fn in demo.fns.values() for b in fn.outputs}  # values events set
        words, entries = catalogue(), []
        for block in demo.blocks.values():
            keys = {f: _key(getattr(block, f, None)) for f in FIELDS}
            if isinstance(block, TEXT_VALUES) and id(block) not in written:
                keys["value"] = _key(getattr(block, "value", None))
            keys = {f: k for f, k in keys.items() if k in words}
            choices = getattr(block, "choices", None)
            if isinstance(choices, list) and any(_key(c[0]) in words for c in choices if isinstance(c, tuple)):
                keys["choices"] = [(c[0], c[1]) if isinstance(c, tuple) else (c, c) for c in choices]
            if keys:
                entries.append((block, keys))
        return cls(entries)

    @property
    def components(self) -> list:
        return [block for block, _ in self.entries]

    def updates(self, lang: str) -> list:
        """One ``gr.update`` per component, every registered setting in ``lang`` (choices keep
        their values, so a choice made stays made)."""
        return [gr.update(**{f: _choices(k, lang) if f == "choices" else t(k, lang) for f, k in keys.items()})
                for _, keys in self.entries]


def _choices(pairs: list[tuple], lang: str) -> list[tuple]:
    words = catalogue()
    return [(t(_key(name), lang) if _key(name) in words else name, value) for name, value in pairs]


def language_switch() -> gr.Radio:
    """The visible 中文 / English switch (place it at the top of the page)."""
    return gr.Radio(SWITCH, value="en", label=label("app.switch"), show_label=False, container=False,
                    elem_id="lang-switch", scale=0, min_width=180)


@dataclass
class Follower:
    """A tab's handler to run once the language changed (page load or switch): it re-words what
    the catalogue cannot (a lesson's page, a picker's choices).  A tab appends one to the
    ``followers`` list its ``build`` receives."""

    fn: object  # called with ``inputs``' values, returns ``outputs``' values
    inputs: list  # components; include ``lang``
    outputs: list
    name: str  # api name stem


def wire(demo: gr.Blocks, switch: gr.Radio, lang: gr.State, followers: list[Follower] = (),
         finish: list = ()) -> Registry:
    """Connect the switch and page load to ``lang``, every registered component and the
    tabs' ``followers``.  Call it last inside ``demo``'s context, once every tab exists: it
    first calls each of ``finish`` with ``demo`` (a tab's events that need other tabs'
    components, appended to the ``finish`` list its ``build`` received)."""
    for fn in finish:
        fn(demo)
    registry = Registry.of(demo)
    registry.entries = [e for e in registry.entries if e[0] is not switch]  # named in both languages

    def set_language(choice):
        code = "zh" if choice == "zh" else "en"
        return [code, *registry.updates(code)]

    def on_load(request: gr.Request):
        code = lang_from_request(request)
        return [code, code, *registry.updates(code)]

    switched = switch.input(set_language, switch, [lang, *registry.components], api_name="set_language",
                            queue=False, show_progress="hidden")
    loaded = demo.load(on_load, None, [lang, switch, *registry.components], api_name="browser_language",
                       queue=False, show_progress="hidden")
    for f in followers:  # the state's own change event does not fire after an unqueued event
        for event, when in ((switched, "switch"), (loaded, "load")):
            event.then(f.fn, f.inputs, f.outputs, api_name=f"{f.name}_after_{when}", queue=False,
                       show_progress="hidden")
    return registry
