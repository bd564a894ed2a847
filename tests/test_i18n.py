"""The UI's words in two languages: the catalogue is complete, and the switch re-words in place.

Checks ``lmlab.ui.i18n`` (every key has an English and a Chinese text; the Chinese is not the
English left untranslated, except allow-listed names; both have the same ``{placeholders}``),
``lang_from_request``, and ``lmlab.ui.shell``: the registry finds every ``label(key)`` of a
built app, the switch's updates carry the chosen language, a component that an event writes
keeps its value, and the app puts the Lessons tab first with the 中文 / English switch on top.

Run: ``python -m pytest tests/test_i18n.py -q`` (a few seconds; the app build about 20 s).
"""

import string
import types

import gradio as gr
import pytest

from lmlab.ui.i18n import LANGS, catalogue, label, lang_from_request, t

SAME_IN_BOTH = {  # values that are names, identical in both languages
    "GPT", "MiniLM", "BPE", "SHAP", "RoPE", "ALiBi", "ONNX", "BLEU", "ROUGE", "top-k", "top-p",
    "LM Lab", "int8", "int4", "KV", "MLP", "LayerNorm", "softmax", "logits", "F1", "ECE", "AUC", "DP-SGD",
}
HAN = set(range(0x4E00, 0xA000))


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


# ----------------------------------------------------------------------------- the catalogue


def test_every_key_has_an_english_and_a_chinese_text():
    words = catalogue()
    assert len(words) > 20
    missing = [k for k, v in words.items()
               if not (isinstance(v, tuple) and len(v) == len(LANGS) and all(s and s.strip() for s in v))]
    assert not missing, f"keys without both texts: {missing}"


def test_no_chinese_text_is_the_english_left_untranslated():
    same = [k for k, (en, zh) in catalogue().items() if en == zh and en.strip() not in SAME_IN_BOTH]
    assert not same, f"Chinese equals English (translate, or allow-list a name): {same}"


def test_chinese_texts_are_written_in_chinese():
    latin_only = [k for k, (en, zh) in catalogue().items()
                  if zh.strip() not in SAME_IN_BOTH and not any(ord(c) in HAN for c in zh)]
    assert not latin_only, f"Chinese texts with no Chinese character: {latin_only}"


def test_both_languages_fill_in_the_same_numbers():
    differ = {k: (placeholders(en), placeholders(zh)) for k, (en, zh) in catalogue().items()
              if placeholders(en) != placeholders(zh)}
    assert not differ, f"placeholders differ between en and zh: {differ}"


def test_t_picks_the_language_and_falls_back_to_english():
    assert t("lessons.check", "zh") == "核对"
    assert t("lessons.check", "en") == t("lessons.check", "fr") == t("lessons.check", None) == "Check"
    assert t("lessons.no_question", "zh", n=7) == "这节课没有第 7 题。"


@pytest.mark.parametrize("header, lang", [("zh-CN,zh;q=0.9,en;q=0.8", "zh"), ("zh-TW", "zh"),
                                          ("en-US,en;q=0.9,zh;q=0.5", "en"), ("", "en"), ("fr", "en")])
def test_the_browser_language_comes_from_accept_language(header, lang):
    request = types.SimpleNamespace(headers={"accept-language": header})
    assert lang_from_request(request) == lang
    assert lang_from_request(None) == "en"


# ----------------------------------------------------------------------------- the switch


def test_the_switch_rewords_registered_components_and_keeps_written_values():
    from lmlab.ui import shell

    with gr.Blocks() as demo:
        lang = gr.State("en")
        switch = shell.language_switch()
        box = gr.Textbox(label=label("lessons.guess"), info=label("lessons.guess_info"))
        note = gr.Markdown(label("lessons.intro"))  # static text
        answer = gr.Markdown(label("lessons.no_quiz"))  # an event writes it
        button = gr.Button(label("lessons.check"))
        radio = gr.Radio([(label("lessons.lang_en"), "en"), ("plain", "p")], value="p")
        with gr.Tabs():
            with gr.Tab(label("tab.lessons"), id="lessons") as tab:
                gr.Markdown("plain text, not in the catalogue")
        button.click(lambda: "written", None, answer)
        registry = shell.wire(demo, switch, lang)
    found = {id(b): keys for b, keys in registry.entries}
    assert found[id(box)] == {"label": "lessons.guess", "info": "lessons.guess_info"}
    assert found[id(note)] == {"value": "lessons.intro"}
    assert found[id(button)] == {"value": "lessons.check"}
    assert found[id(tab)] == {"label": "tab.lessons"}
    assert id(answer) not in found  # its value belongs to the event that writes it
    updates = dict(zip(map(id, registry.components), registry.updates("zh"), strict=True))
    assert updates[id(box)]["label"] == "你的答案" and updates[id(tab)]["label"] == "课程"
    assert "value" not in updates[id(box)]  # what the student typed stays
    english = dict(zip(map(id, registry.components), registry.updates("en"), strict=True))
    assert english[id(button)]["value"] == "Check"
    assert updates[id(radio)]["choices"] == [("英文", "en"), ("plain", "p")] and "value" not in updates[id(radio)]
    names = {fn.api_name for fn in demo.fns.values()}
    assert {"set_language", "browser_language"} <= names


@pytest.mark.slow
def test_the_app_starts_with_the_lessons_tab_and_the_language_switch():
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("lmlab_app", Path(__file__).resolve().parents[1] / "app.py")
    app = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(app)
    assert app.TABS[0][1].__name__ == "lmlab.ui.lessons"
    demo = app.build_app()
    tabs = [b for b in demo.blocks.values() if isinstance(b, gr.Tab)]
    assert tabs[0].id == "lessons"
    top = [tb.id for tb in tabs if tb.id in {m.__name__.rsplit(".", 1)[-1] for _, m in app.TABS}]
    assert top == [m.__name__.rsplit(".", 1)[-1] for _, m in app.TABS]
    radios = [b for b in demo.blocks.values() if isinstance(b, gr.Radio) and b.elem_id == "lang-switch"]
    assert len(radios) == 1 and [c[1] for c in radios[0].choices] == ["zh", "en"]
