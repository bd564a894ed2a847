"""The Positional tab's handlers, called directly (no browser).

Checks: the tables are the ``lmlab.positional`` functions' numbers (sinusoidal, the GPT's
``wpe``, RoPE's cos(m·θ), ALiBi's −slope·distance); the RoPE pair stays on the unit circle;
the encoded-scores grid has one panel per encoding, with the causal mask blank; bad input is a
clear gr.Error and long text is cut to the context with a note; with lang="zh" every figure,
note and error reads in Chinese, with lang="en" in English, and the language switch redraws what
is shown from the inputs kept in the tab's gr.States.  About 15 s on 2 cores.

Run:  python -m pytest tests/test_ui_positional.py -q
"""

import re

import gradio as gr
import numpy as np
import plotly.graph_objects as go
import pytest
import torch
from words_kit import WORD, figure_texts

from lmlab.positional import KINDS, alibi_bias, learned, rope_angles, sinusoidal
from lmlab.ui import common, positional


def test_tables_draw_the_encodings_own_numbers():
    sin_fig, wpe_fig, rope_fig, alibi_fig, sim_fig = positional.tables(16)
    C = common.gpt().config.n_embd
    np.testing.assert_allclose(sin_fig.data[0].z, sinusoidal(16, C).double(), atol=1e-6)
    np.testing.assert_allclose(wpe_fig.data[0].z, learned(common.gpt())[:16].double(), atol=1e-6)
    assert np.allclose(rope_fig.data[0].z[0], 1.0)  # position 0: no rotation, cos 0 = 1
    H = common.gpt().config.n_head
    assert len(alibi_fig.data) == H
    np.testing.assert_allclose(alibi_fig.data[1].z, alibi_bias(H, 16)[1].double(), atol=1e-7)
    sin_line = next(t for t in sim_fig.data if t.name == "sinusoidal")
    assert sin_line.y[0] == pytest.approx(1.0)  # a position is identical to itself


def test_rope_pair_stays_on_the_unit_circle():
    fig = positional.rotation(0, 32)
    points = fig.data[1]
    radius = np.hypot(np.array(points.x), np.array(points.y))
    np.testing.assert_allclose(radius, 1.0, atol=1e-9)
    assert points.x[1] == pytest.approx(np.cos(1.0))  # pair 0 turns one radian per step


def test_encoded_scores_show_one_panel_per_encoding_with_the_future_blank():
    fig, note = positional.encoded_scores(positional.DEFAULT_TEXT, 1, "scores")
    assert isinstance(fig, go.Figure) and len(fig.data) == len(KINDS) and note == ""
    z = np.array(fig.data[0].z)
    assert np.isnan(z[0, 1:]).all() and not np.isnan(np.tril(z)).any()
    weights, _ = positional.encoded_scores(positional.DEFAULT_TEXT, 1, "weights")
    np.testing.assert_allclose(np.nansum(weights.data[2].z, axis=1), 1.0, atol=1e-5)


def test_long_text_is_cut_to_the_context_with_a_note():
    fig, note = positional.encoded_scores("to be or not " * 100, 0, "weights")
    assert "only the first 128" in note
    assert len(fig.data[0].z) == 128


@pytest.mark.parametrize("text, message", [("", "empty"), ("Romeo", "single token")])
def test_bad_text_is_a_clear_error(text, message):
    with pytest.raises(gr.Error, match=message):
        positional.encoded_scores(text, 0, "weights")


@pytest.mark.parametrize("call", [lambda: positional.tables(1), lambda: positional.tables(999),
                                  lambda: positional.rotation(99, 16),
                                  lambda: positional.encoded_scores("a b c", 7, "weights")])
def test_out_of_range_controls_are_clear_errors(call):
    with pytest.raises(gr.Error, match="between"):
        call()


def test_emoji_and_chinese_are_encoded_not_refused():
    fig, _ = positional.encoded_scores("生存还是毁灭 😀", 0, "weights")
    assert torch.tensor(fig.data[0].z).shape[0] >= 2


def test_the_rope_pair_turns_by_the_cores_angle():
    hs = common.gpt().config.n_embd // common.gpt().config.n_head
    theta = rope_angles(torch.arange(2), hs)[1, positional.PAIR0].item()  # θ_i, from lmlab.positional
    fig = positional.rotation(positional.PAIR0, 16)
    assert fig.data[1].x[1] == pytest.approx(np.cos(theta)) and f"{theta:.4g}" in fig.layout.title.text


# ----------------------------------------------------------------------------- two languages
# lang="zh": every title, axis, legend, hover text, note and error in Chinese (no English word
# but names such as RoPE, ALiBi, GPT, softmax, sin, cos, wpe); lang="en": no Chinese.

NAMES = {"GPT", "RoPE", "ALiBi", "softmax", "sin", "cos", "wpe"}
HAN = re.compile(r"[\u4e00-\u9fff]")


def english_words(text: str) -> list[str]:
    text = re.sub(r"<[^>]+>|%\{[^}]*\}", " ", text)  # HTML tags, plotly's placeholders
    return [w for w in WORD.findall(text) if w not in NAMES and not w.isupper()]


def every_figure(lang):
    return [*positional.tables(16, lang), positional.rotation(3, 16, lang),
            positional.encoded_scores(positional.DEFAULT_TEXT, 1, "scores", lang)[0],
            positional.encoded_scores(positional.DEFAULT_TEXT, 1, "weights", lang)[0]]


def test_every_figure_reads_in_chinese_or_in_english():
    for fig in every_figure("zh"):
        texts = figure_texts(fig)
        assert HAN.search(fig.layout.title.text), fig.layout.title.text
        assert [w for x in texts for w in english_words(x)] == [], texts
    for fig in every_figure("en"):
        assert not any(HAN.search(x) for x in figure_texts(fig)), figure_texts(fig)
    alibi, scores = positional.tables(16, "zh")[3], every_figure("zh")[-1]
    assert "查询 %{y}" in alibi.data[0].hovertemplate and "键 %{x}" in scores.data[0].hovertemplate
    assert [a.text for a in scores.layout.annotations][0] == "可学习（GPT 训练时所用）"


def test_the_notes_read_in_the_students_language():
    text = "to be or not " * 100
    _, note = positional.encoded_scores(text, 0, "weights", "zh")
    assert note == f"这段文本有 {len(common.tokenizer().encode(text))} 个词元，只用前 128 个（上下文长度）。"
    _, note = positional.encoded_scores("生存还是毁灭 😀", 0, "weights", "zh")
    assert HAN.search(note) and english_words(note) == []


@pytest.mark.parametrize("call", [
    lambda lang: positional.tables(1, lang), lambda lang: positional.tables("many", lang),
    lambda lang: positional.rotation(99, 16, lang), lambda lang: positional.rotation("a", 16, lang),
    lambda lang: positional.encoded_scores("", 0, "weights", lang),
    lambda lang: positional.encoded_scores("x" * 3000, 0, "weights", lang),
    lambda lang: positional.encoded_scores("Romeo", 0, "weights", lang),
    lambda lang: positional.encoded_scores("a b c", 7, "weights", lang),
    lambda lang: positional.encoded_scores("a b c", "x", "weights", lang),
])
def test_every_error_is_a_sentence_in_the_students_language(call):
    with pytest.raises(gr.Error) as zh:
        call("zh")
    assert HAN.search(zh.value.message) and zh.value.message.endswith("。"), zh.value.message
    assert english_words(zh.value.message) == [], zh.value.message
    with pytest.raises(gr.Error) as en:
        call("en")
    assert not HAN.search(en.value.message) and en.value.message.endswith("."), en.value.message


def test_first_view_per_language_and_the_switch_redraws_what_is_shown():
    positional.default_view.cache_clear()
    en, zh = positional.default_view("en"), positional.default_view("zh")
    assert len(zh) == 11 and zh[8:] == en[8:] == positional.DEFAULT_INPUTS  # 8 outputs, then inputs
    assert [f.layout.title.text for f in zh[:7]] != [f.layout.title.text for f in en[:7]]
    again = positional.reword(*en[8:], "zh")  # the switch to 中文 after the English first view...
    assert all(a is b for a, b in zip(again, zh[:8], strict=True))  # ...the cached Chinese view
    again = positional.reword((16,), None, None, "zh")  # a student's own 16 positions
    assert [f.layout.title.text for f in again[:5]] == [
        f.layout.title.text for f in positional.tables(16, "zh")] and again[5:] == (gr.skip(),) * 3
    assert positional.reword(None, None, None, "zh") == (gr.skip(),) * 8  # nothing shown yet
    followers = []
    with gr.Blocks() as demo:
        lang = gr.State("en")
        positional.build(lang=lang, followers=followers)
    (follower,) = followers
    assert follower.inputs[-1] is lang and len(follower.outputs) == 8
    for name in ("positional_default", "positional_tables", "rope_rotation", "encoding_scores"):
        fn = next(fn for fn in demo.fns.values() if fn.api_name == name)
        assert lang in fn.inputs, name
