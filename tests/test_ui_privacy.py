"""The Privacy tab's handlers, called directly (no browser).

Checks: the canary panel ranks the true secret where ``lmlab.privacy.canary`` does and shows the
exposure formula's number; the exposure curve has an ordinary and a DP line drawn from the
shipped runs; a code of the wrong form, an unknown number of insertions and DP with no
insertion are refused with sentences, in English and in Chinese; the probe finds a training
line and a held-out line and says when a text is in no work; empty and over-long line starts are
refused; every WORDS entry has both languages and the same placeholders; building the tab
computes nothing (the panels fill on first view).  About 30 s on 2 cores.

Run:  python -m pytest tests/test_ui_privacy.py -q
"""

import re
import string

import gradio as gr
import pytest

from lmlab.privacy import canary as cn
from lmlab.tokenizer import load_tokenizer
from lmlab.ui import privacy as ui
from lmlab.ui.privacy_words import WORDS


def test_canary_panel_ranks_the_secret_as_the_core_does():
    model, _ = cn.load_run(cn.RunSpec(4))
    want = cn.guesses(model, load_tokenizer())
    text, hist, curve = ui.canary_panel(4, False, "4821", "en")
    assert f"ranks **{want.rank:,}** of 10,000" in text and f"{want.exposure:.2f} bits" in text
    assert want.top[0][0] in text
    names = [trace.name for trace in curve.data]
    assert names[:2] == ["ordinary training", "DP-SGD, σ = 1"]
    assert list(curve.data[0].x) == [0, 1, 4, 16] and 0 not in list(curve.data[1].x)
    assert hist.data[0].type == "histogram" and len(hist.data[0].x) == 10_000


def test_canary_panel_speaks_chinese_and_flags_a_code_that_is_not_the_secret():
    text, _, _ = ui.canary_panel(16, True, "0042", "zh")
    assert "暴露度" in text and "ε =" in text and "不是植入的秘密" in text


@pytest.mark.parametrize("args, words", [
    ((16, False, "48x1"), "exactly four digits"),
    ((16, False, ""), "exactly four digits"),
    ((16, False, "12345"), "exactly four digits"),
    ((3, False, "4821"), "Pick 0, 1, 4 or 16"),
    ((None, False, "4821"), "Pick 0, 1, 4 or 16"),
    ((0, True, "4821"), "no DP model with 0 insertions"),
])
def test_bad_canary_input_is_a_clear_sentence(args, words):
    with pytest.raises(gr.Error, match=words):
        ui.canary_panel(*args, "en")
    with pytest.raises(gr.Error):
        ui.canary_panel(*args, "zh")


def test_probe_panel_finds_both_lines_and_says_when_text_is_in_no_work():
    train, held = ui.probe_panel("Friends, Romans, countrymen", "To be, or not to be", "en")
    assert "Julius Caesar" in train and "a training work" in train and "lend" in train
    assert "Hamlet" in held and "a held-out work" in held
    nowhere, _ = ui.probe_panel("Zebra quantum laptop", "To be", "en")
    assert "not the start of any line of the corpus" in nowhere


@pytest.mark.parametrize("bad, words", [("", "empty"), ("  \n ", "empty"),
                                        ("word " * 90, "too long")])
def test_bad_line_starts_are_refused(bad, words):
    with pytest.raises(gr.Error, match=words):
        ui.probe_panel(bad, "To be", "en")


def test_script_in_a_line_start_comes_back_escaped():
    train, _ = ui.probe_panel("<script>alert(1)</script>", "To be", "en")
    assert "<script>" not in train and "&lt;script&gt;" in train


def test_every_word_has_both_languages_and_the_same_placeholders():
    fields = string.Formatter()
    for key, (en, zh) in WORDS.items():
        assert key.startswith("privacy.") and en and zh, key
        assert {f[1] for f in fields.parse(en) if f[1]} == {f[1] for f in fields.parse(zh) if f[1]}, key
        assert re.search(r"[\u4e00-\u9fff]", zh) or key in {"privacy.with_dp"}, key


def test_building_the_tab_computes_nothing(monkeypatch):
    def boom(*a, **k):
        raise AssertionError("computed at build time")

    for name in ("canary_panel", "probe_panel", "utility_figure", "memorization_figure", "roc_panel"):
        monkeypatch.setattr(ui, name, boom)
    with gr.Blocks():
        with gr.Tab("Privacy"):
            ui.build()


def test_utility_figure_puts_more_noise_at_smaller_epsilon():
    fig = ui.utility_figure("en")
    xs, ys = list(fig.data[0].x), list(fig.data[0].y)
    assert len(xs) >= 1 and all(x > 0 for x in xs) and len(ys) == len(xs)
    assert xs == sorted(xs, reverse=True)  # drawn by σ: more noise, smaller ε
