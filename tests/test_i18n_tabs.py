"""Handler-built text in the student's language: Explain, Tokens, Train, Inside, Compress,
Privacy and the shared checks of ``lmlab.ui.common``.

Each handler is called with ``lang="zh"``: its titles, axis titles, legends, hover labels,
captions and ``gr.Error`` messages carry Chinese and no English word (names such as SHAP, GPT,
MiniLM, KL aside; model output and quoted corpus text are marked ``translate="no"`` and left
out, as the i18n browser walk leaves them out); with ``lang="en"`` the same text has no Chinese.
About a minute on 2 cores.

Run:  python -m pytest tests/test_i18n_tabs.py -q
"""

import html
import re

import gradio as gr
import pytest
from words_kit import figure_texts

from lmlab.ui import common, compress, compress_views, inside, privacy, tokens, train_views
from lmlab.ui import explain as ex
from lmlab.ui.train_settings import PRESETS, choice_names, choices, make_config

NAMES = {  # the same in both languages (tests/test_browser_i18n.py ALLOWED, and authors cited)
    "SHAP", "GPT", "MiniLM", "BPE", "log", "logit", "softmax", "logits", "top-k", "Kneser-Ney", "Olsson",
    "Carlini", "Abadi", "MNIST", "DP-SGD", "Adam", "AdamW", "SGD", "Transformer",
}
HAN = re.compile(r"[\u4e00-\u9fff]")
GPT_TEXT = "To be, or not to be"


def foreign(text: str) -> list[str]:
    """English words a Chinese reader would see in ``text`` (HTML or plain)."""
    text = re.sub(r'<(\w+) translate="no">.*?</\1>', " ", text, flags=re.S)  # model output, corpus
    text = re.sub(r"`[^`]*`|%\{[^}]*\}|<[^>]+>|（[^（）]*）", " ", text)  # code, plotly fields, tags, glosses
    return [w for w in re.findall(r"[A-Za-z][A-Za-z'\-]{2,}", text)
            if w not in NAMES and w.strip("'-") not in NAMES and not w.isupper() and "_" not in w]


def chinese(texts: list[str]) -> None:
    """Every text reads Chinese: no stray English word; at least one text has Han characters."""
    assert any(HAN.search(s) for s in texts), texts
    stray = {s: foreign(s) for s in texts if foreign(s)}
    assert not stray, stray


def english(texts: list[str]) -> None:
    assert texts and not [s for s in texts if HAN.search(s)], [s for s in texts if HAN.search(s)]


def error_of(call) -> str:
    with pytest.raises(gr.Error) as info:
        call()
    return info.value.message


# ----------------------------------------------------------------------------- Explain


def test_explain_speaks_the_students_language_in_every_panel():
    plot, bars, compare, status = ex.run(GPT_TEXT, "gpt", ex.PREDICTED, "", 40, "zh",
                                         progress=lambda *a, **k: None)
    e = ex.explanation("gpt", GPT_TEXT, None, 40)
    token = repr(e.target)  # the explained token: model output, never translated
    chinese([status] + [s.replace(token, "") for s in figure_texts(bars) + figure_texts(compare)])
    assert "可加性成立 ✓" in status and "斯皮尔曼" in status and '<span translate="no">' in status
    assert list(compare.data[0].y) == ["SHAP", "梯度 × 输入", "注意力"]
    assert "基准值" in html.unescape(plot) and ">base value<" not in html.unescape(plot)
    assert 'title="SHAP 文本图"' in plot
    plot, bars, compare, status = ex.run(GPT_TEXT, "gpt", ex.PREDICTED, "", 40, "en",
                                         progress=lambda *a, **k: None)
    english([status, plot] + figure_texts(bars) + figure_texts(compare))
    assert "Additivity holds ✓" in status and ">base value<" in html.unescape(plot)


def test_explain_names_the_genre_in_chinese_and_keeps_the_api_names():
    e = ex.explanation("gpt", GPT_TEXT, None, 40)
    assert ex.kind("Shakespeare GPT (next token)") == ex.kind("gpt") == "gpt"
    assert ex.kind("Genre classifier (MiniLM, fine-tuned)") == ex.kind("classifier") == "classifier"
    from lmlab.ui.shap_plot import genre_name, target_text

    assert [genre_name(g, "zh") for g in ("comedy", "tragedy", "history")] == ["喜剧", "悲剧", "历史剧"]
    assert genre_name("comedy", "en") == "comedy"
    assert target_text(e, "zh") == f"log p({e.target!r})"  # the token as the model wrote it


@pytest.mark.parametrize("call, zh, en", [
    (lambda lang: ex.run("", "gpt", ex.PREDICTED, "", 40, lang), "文本为空", "text is empty"),
    (lambda lang: ex.run("To be", "gpt", ex.PREDICTED, "", 5, lang), "模型评估次数必须在 20 到 200 之间",
     "Model evaluations must be between 20 and 200"),
    (lambda lang: ex.run("To be", "gpt", ex.PREDICTED, " Juliet's nurse", 40, lang), "必须是单个词元",
     "must be one token"),
    (lambda lang: ex.run("To be", "classifier", "romance", "", 40, lang), "请从列表中选一种体裁",
     "Pick a genre"),
    (lambda lang: ex.run("\u200b", "classifier", ex.PREDICTED, "", 40, lang), "没有这个模型能读的词元",
     "no tokens this model can read"),
])
def test_explain_errors_are_in_the_students_language(call, zh, en):
    message = error_of(lambda: call("zh"))
    assert zh in message and not foreign(message.replace(repr(" Juliet's nurse"), "")), message
    assert en in error_of(lambda: call("en"))


REPORT = {"accuracy": 0.6, "macro_precision": 0.61, "macro_recall": 0.6, "macro_f1": 0.6,
          "majority_accuracy": 1 / 3, "per_class_f1": [0.5, 0.6, 0.7],
          "confusion_matrix": [[120, 40, 40], [50, 130, 20], [30, 30, 140]],
          "labels": ["comedy", "tragedy", "history"], "n_passages": 600, "n_lines": 8,
          "plays": ["hamlet", "henry_v"], "seconds": 30.0}


def test_the_classifier_report_reads_in_chinese(monkeypatch):
    monkeypatch.setattr(ex, "classifier_report", lambda: REPORT)
    fig, md = ex.evaluate("zh", progress=lambda *a, **k: None)
    chinese([md] + figure_texts(fig))
    assert "| 准确率 | 0.600 |" in md and "喜剧 0.500" in md and "600 段" in md
    assert list(fig.data[0].x) == ["喜剧", "悲剧", "历史剧"]
    fig, md = ex.evaluate("en", progress=lambda *a, **k: None)
    english([md] + figure_texts(fig))
    assert "| accuracy | 0.600 |" in md and list(fig.data[0].x) == ["comedy", "tragedy", "history"]


def test_explain_first_views_take_the_language_and_the_choices_are_labels():
    with gr.Blocks() as demo:
        lang = gr.State("zh")
        ex.build(lang=lang)
    firsts = {fn.api_name: fn for fn in demo.fns.values()
              if fn.api_name in ("explain_default", "classifier_report_default")}
    assert len(firsts) == 2 and all(lang in fn.inputs for fn in firsts.values())
    radio = next(b for b in demo.blocks.values() if isinstance(b, gr.Radio))
    assert [c[1] for c in radio.choices] == ["classifier", "gpt"] and radio.value == "classifier"


# ----------------------------------------------------------------------------- Tokens


def test_tokens_words_its_panels_and_marks_the_tokens():
    bpe_html, wp_html, stats, _, _, replay_md = tokens.tokenize("What says the King?", "zh")
    assert bpe_html.startswith("<div translate='no'") and wp_html.startswith("<div translate='no'")
    assert "title='编号 " in bpe_html and "字节" in bpe_html
    fig, md = tokens.embedding_map(" King", "zh")
    curve, trained, _ = tokens.train_bpe(tokens._plays()[0][1], "", 300, "the King", "zh")
    chinese([stats, replay_md, md, trained] + figure_texts(fig) + figure_texts(curve)
            + figure_texts(tokens.positions_figure("zh")) + figure_texts(tokens.sentences("a b\nc d", "zh")))
    assert fig.data[-1].name == "◆ 所选词元及其近邻" and fig.data[0].name == "空格 + 大写字母"
    fig, md = tokens.embedding_map(" King", "en")
    english([md] + figure_texts(fig) + figure_texts(tokens.positions_figure("en")))
    assert fig.data[0].name == "space + capital"


def test_tokens_errors_are_in_chinese():
    assert "粘贴的文本为空" in error_of(lambda: tokens.train_bpe("__pasted__", " ", 300, "abc", "zh"))
    assert "没有这部剧" in error_of(lambda: tokens.train_bpe("nope", "", 300, "abc", "zh"))
    assert "句子为空" in error_of(lambda: tokens.sentences("", "zh"))


# ----------------------------------------------------------------------------- Train


def test_train_choices_show_chinese_names_and_keep_their_values():
    from lmlab.ui.i18n import t
    from lmlab.ui.shell import _key

    schedule = choices("schedule")
    assert [v for _, v in schedule] == ["constant", "step", "cosine"]
    assert [t(_key(n), "zh") for n, _ in schedule] == ["常数", "阶梯", "余弦"]
    assert [t(_key(n), "zh") for n, _ in choices("objective")] == ["因果", "掩码"]
    assert [n for n, _ in choices("optimizer")] == ["SGD", "Adam", "AdamW"]
    assert choice_names("schedule", "en") == "constant, step, cosine"
    opt, sched, lr, batch, width, layers, heads, warmup, steps = PRESETS["fast"]
    message = error_of(lambda: make_config("rmsprop", sched, lr, batch, width, layers, heads, warmup,
                                           steps, "fp32", "causal", 0, lang="zh"))
    assert message == "优化器必须是 SGD（sgd）、Adam（adam）、AdamW（adamw） 之一。"


def test_train_figures_word_their_axes():
    import torch

    fig = train_views.attention_figure(torch.full((3, 3), 1 / 3), ["a", "b", "c"], 5, "zh")
    assert (fig.layout.xaxis.title.text, fig.layout.yaxis.title.text) == ("键", "查询")
    fig = train_views.attention_figure(torch.full((3, 3), 1 / 3), ["a", "b", "c"], 5, "en")
    assert (fig.layout.xaxis.title.text, fig.layout.yaxis.title.text) == ("key", "query")


def test_train_opens_worded_when_first_seen_not_on_page_load():
    from lmlab.ui import train

    with gr.Blocks() as demo:
        lang = gr.State("zh")
        with gr.Tabs():
            with gr.Tab("Lessons"):
                gr.Markdown("first")
            with gr.Tab("Train") as tab:
                train.build(lang=lang)
    fn = next(f for f in demo.fns.values() if f.api_name == "train_overview")
    assert lang in fn.inputs and fn.targets == [(tab._id, "select")]  # lang is set by then
    status = fn.fn(False, *[v for v in PRESETS["fast"]], "fp32", "causal", 0, "zh")[0]
    assert status.startswith("准备好了") and not foreign(status)


# ----------------------------------------------------------------------------- Inside


def test_inside_words_its_panels_and_marks_the_tokens():
    abl, abl_md = inside.ablation_view(inside.DEFAULT_PROMPT, "mean", "zh")
    patch, patch_md = inside.patching_view(*inside.PRESETS["Exit Brutus / Henry"], "zh")
    ind_md, ind, prev, pattern = inside.induction_view(0, 0, "zh")
    lens, _ = inside.logit_lens_view(inside.DEFAULT_PROMPT, "zh")
    texts = [abl_md, patch_md, ind_md] + [s for f in (abl, patch, ind, prev, pattern) for s in figure_texts(f)]
    chinese(texts + [lens.layout.title.text])
    assert abl.layout.xaxis.title.text == "头" and pattern.layout.xaxis.title.text == "键"
    assert '<span translate="no">·Brutus</span>' in patch_md
    abl, abl_md = inside.ablation_view(inside.DEFAULT_PROMPT, "zero", "en")
    english([abl_md] + figure_texts(abl))


def test_inside_errors_and_ablation_choices_are_in_chinese():
    assert "答案为空" in error_of(lambda: inside.patching_view("Exit Brutus. Enter", "Exit Henry. Enter",
                                                             "", " Henry", "zh"))
    assert "干净提示词为空" in error_of(lambda: inside.patching_view("", "Exit", " a", " b", "zh"))
    with gr.Blocks() as demo:
        inside.build()
    radio = next(b for b in demo.blocks.values() if isinstance(b, gr.Radio))
    assert [c[1] for c in radio.choices] == ["zero", "mean"]


# ----------------------------------------------------------------------------- Compress


def test_compress_words_its_variants_and_histogram():
    fig, note = compress.histogram("transformer.h.0.mlp.c_fc.weight", "4", "row-sym", "zh")
    chinese(figure_texts(fig) + [note])
    assert fig.layout.title.text == "4 位，逐行，对称" and note.startswith("`transformer.h.0.mlp.c_fc.weight`：")
    names = [compress_views.variant_label(n, "zh") for n in compress.GEN_VARIANTS + ("onnx", "onnx-int8")]
    chinese(names)
    assert "INT8 整数运算" in names and "ONNX 运行时（INT8 量化）" in names
    fig, note = compress.histogram("transformer.h.0.mlp.c_fc.weight", "4", "row-sym", "en")
    english(figure_texts(fig) + [note])


def test_compress_boxes_have_labels_and_the_table_waits_for_its_headers():
    with gr.Blocks() as demo:
        compress.build()
    boxes = [b for b in demo.blocks.values() if isinstance(b, gr.Textbox) and b.lines == 8]
    assert len(boxes) == 2 and all(b.label and "Textbox" not in str(b.label) for b in boxes)
    table = next(b for b in demo.blocks.values() if isinstance(b, gr.Dataframe))
    assert table.visible is False  # no English headers before the measurement's own


# ----------------------------------------------------------------------------- Privacy


def test_privacy_marks_quoted_lines_and_words_its_figures():
    train_md, held_md = privacy.probe_panel("Friends, Romans, countrymen", "To be, or not to be", "zh")
    _, hist, curve = privacy.canary_panel(16, False, "4821", "zh")
    chinese([train_md, held_md] + figure_texts(hist) + figure_texts(curve))
    assert '<span translate="no">Friends, Romans, countrymen</span>' in train_md
    assert "请从这些中选一对" in error_of(lambda: privacy.pick_pair("nope", "zh"))
    train_md, _ = privacy.probe_panel("Friends, Romans, countrymen", "To be, or not to be", "en")
    _, hist, curve = privacy.canary_panel(16, False, "4821", "en")
    english([train_md] + figure_texts(hist) + figure_texts(curve))


# ----------------------------------------------------------------------------- common


def test_common_checks_and_banner_follow_the_language():
    assert error_of(lambda: common.number("x", "温度", 0, 2, lang="zh")) == "温度必须是 0 到 2 之间的数。"
    assert error_of(lambda: common.number(5, "温度", 0, 2, lang="zh")) == "温度必须在 0 到 2 之间，而不是 5。"
    assert error_of(lambda: common.number(5, "Temperature", 0, 2)) == "Temperature must be between 0 and 2, not 5."
    assert error_of(lambda: common.clean_input("  ", lang="zh")) == "文本为空，请输入一些文字。"
    assert "上限是 3" in error_of(lambda: common.clean_input("abcd", max_chars=3, lang="zh"))
    assert error_of(lambda: common.clean_input("")) == "The text is empty. Please type some text."
    assert common._failed("zh").startswith("⚠️ 上一次运行失败了") and "failed" in common._failed("en")


def test_the_stale_banner_is_worded_in_the_tabs_language():
    with gr.Blocks() as demo:
        lang, box, banner = gr.State("zh"), gr.Textbox(), gr.Markdown(visible=False)
        event = box.submit(lambda s: s, box, box)
        common.mark_stale(event, banner, lang)
    show = next(fn for fn in demo.fns.values() if fn.api_name and fn.api_name.endswith("_show"))
    assert show.inputs == [lang] and show.fn("zh")["value"].startswith("⚠️ 上一次运行失败了")
