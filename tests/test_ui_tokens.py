"""The Tokens tab's handlers, called directly (no browser).

Checks: the chips are the shipped tokenizer's tokens with their ids and bytes on hover, a
Chinese character's pieces show as bytes (never U+FFFD) and typed HTML shows as text; the counts
and characters per token; the replay starts at bytes and ends at the tokens; a trained BPE's
compression curve rises with the vocabulary; the embedding map marks the token and its
neighbours; bad input (several tokens, empty pasted text, one line) is a clear gr.Error; the tab
computes nothing while it is built (it fills on first view); every word exists in both languages.
About 15 s on 2 cores.

Run:  python -m pytest tests/test_ui_tokens.py -q
"""

import re

import gradio as gr
import numpy as np
import pytest

from lmlab.tokenizer import load_tokenizer
from lmlab.ui import tokens
from lmlab.ui.i18n import t


def test_chips_are_the_shipped_tokens_with_ids_and_bytes():
    text = "ROMEO. 庭 <b>bold</b>"
    bpe_html, wp_html, stats, step, replay_html, replay_md = tokens.tokenize(text)
    ids = load_tokenizer().encode(text)
    assert re.findall(r"title='id (\d+) ", bpe_html) == [str(i) for i in ids]
    assert "&lt;e5&gt;" in bpe_html and "\ufffd" not in bpe_html
    assert "<b>" not in bpe_html and "&lt;" in bpe_html
    assert f"| shipped BPE | {len(ids)} | {len(text) / len(ids):.2f} |" in stats
    assert "bytes e5 ba" not in bpe_html and "bytes e5'" in bpe_html  # one byte per piece here
    assert step["value"] == step["maximum"] and replay_html == bpe_html


def test_replay_starts_at_bytes_and_ends_at_the_tokens():
    text = "The King of France"
    html0, md0 = tokens.replay(text, 0)
    assert html0.count("<span") == len(text.encode()) and "Step 0" in md0
    _, steps = tokens.shipped().encode_steps(text)
    html, md = tokens.replay(text, len(steps))
    assert html.count("<span") == len(load_tokenizer().encode(text))
    assert f"Step {len(steps)} of {len(steps)}" in md
    _, md_zh = tokens.replay(text, 1, "zh")
    assert "第 1 步" in md_zh


def test_trained_bpe_compresses_more_as_the_vocabulary_grows():
    play = tokens._plays()[0][1]
    fig, md, html = tokens.train_bpe(play, "", 400, "To be, or not to be")
    x, y = list(fig.data[0].x), list(fig.data[0].y)
    assert x[0] == 256 and x[-1] == 400
    assert y[0] == pytest.approx(1.0, abs=0.05) and all(b >= a for a, b in zip(y, y[1:], strict=False))
    assert "Learned 144 merges" in md
    fig2, md2, _ = tokens.train_bpe("__pasted__", "abcabcabc abc abc " * 50, 260, "abc abc")
    assert "Learned 4 merges" in md2
    with pytest.raises(gr.Error, match="empty"):
        tokens.train_bpe("__pasted__", "   ", 300, "abc")
    with pytest.raises(gr.Error, match="Unknown play"):
        tokens.train_bpe("../../etc/passwd", "", 300, "abc")


def test_embedding_map_marks_the_token_and_its_neighbours():
    fig, md = tokens.embedding_map(" King")
    marked = fig.data[-1]
    assert list(marked.text)[:2] == ["·King", "·Duke"] and len(marked.x) == 11
    assert sum(len(tr.x) for tr in fig.data[:-1]) == 2048
    assert "·Duke" in md


def test_a_word_of_several_tokens_is_refused_with_a_hint():
    with pytest.raises(gr.Error, match=r"' Burgundy' is 5 tokens .*try ' King'"):
        tokens.embedding_map(" Burgundy")
    with pytest.raises(gr.Error, match="多个|个词元"):
        tokens.embedding_map(" Burgundy", "zh")


def test_sentence_similarities_and_line_count():
    fig = tokens.sentences(tokens.DEFAULT_LINES)
    z = np.array(fig.data[0].z)
    np.testing.assert_allclose(np.diag(z), 1.0, atol=1e-5)
    assert z[0, 1] > z[0, 2]  # the paraphrase is closer than the train timetable
    with pytest.raises(gr.Error, match="2 to 8"):
        tokens.sentences("only one line")


def test_building_the_tab_computes_nothing(monkeypatch):
    def boom(*a):
        raise AssertionError("computed at build time")

    monkeypatch.setattr(tokens, "first_view", boom)
    with gr.Blocks() as demo:
        with gr.Tab("Tokens"):
            tokens.build()
    assert "tokens_first_view" in {fn.api_name for fn in demo.fns.values()}


def test_every_word_exists_in_both_languages():
    for key, (en, zh) in tokens.WORDS.items():
        assert en.strip() and zh.strip() and en != zh, key
    assert t("tokens.go", "zh") == "切分词元"
