"""The N-gram vs neural tab's handlers: clear errors on bad input, escaped HTML, no "inf" shown.

Run: ``python -m pytest tests/test_ui_ngram.py -q`` (about 10 s; the handlers are called as
plain functions, and the tab is built inside a Blocks without launching a server).
"""

import math

import gradio as gr
import pytest

from lmlab.ui import ngram as tab


@pytest.fixture(autouse=True)
def small_slice(monkeypatch):
    monkeypatch.setattr(tab, "HELDOUT_TOKENS", 400)  # keep the held-out figures quick


@pytest.mark.parametrize("prompt, order, smoothing, match", [
    ("", 3, "kneser_ney", "empty"),
    ("   \n ", 3, "kneser_ney", "empty"),
    ("ROMEO.", 0, "kneser_ney", "from 1 to 5"),
    ("ROMEO.", 6, "kneser_ney", "from 1 to 5"),
    ("ROMEO.", 2.5, "kneser_ney", "from 1 to 5"),
    ("ROMEO.", None, "kneser_ney", "from 1 to 5"),
    ("ROMEO.", 3, "witten_bell", "Unknown smoothing"),
])
def test_predict_rejects_bad_input_with_a_sentence(prompt, order, smoothing, match):
    with pytest.raises(gr.Error, match=match):
        tab.predict(prompt, order, smoothing, 0)


def test_other_handlers_reject_bad_input():
    with pytest.raises(gr.Error, match="from 1 to 5"):
        tab.heldout(9, "kneser_ney")
    with pytest.raises(gr.Error, match="at least two tokens"):
        tab.color_passage("A", 2, "mle")
    with pytest.raises(gr.Error, match="held-out works"):
        tab.pick_passage("lear", 0)


def test_prompt_shorter_than_the_order_uses_a_shorter_context():
    why, ngram_bars, gpt_bars, ngram_sample, gpt_sample = tab.predict("A", 5, "kneser_ney", 1)
    assert "fewer than the 4" in why
    assert ngram_bars is not None and gpt_bars is not None
    assert ngram_sample and gpt_sample


def test_script_tags_are_shown_escaped():
    text = "<script>alert('x')</script> ROMEO."
    html, _ = tab.color_passage(text, 3, "laplace")
    assert "<script" not in html and "</script" not in html and "&lt;" in html
    from lmlab.ui.ngram_views import _span

    assert _span("<script>", 3.0).count("&lt;script&gt;") == 2  # the text and its tooltip
    why = tab.predict("To <script>", 3, "kneser_ney", 0)[0]
    assert "<script" not in why and "&lt;" in why


def test_infinite_perplexity_is_never_shown_as_a_number():
    assert tab.fmt_perplexity(math.inf) == "∞ (a token had probability 0)"
    assert tab.fmt_perplexity(43.21) == "43.2"
    html, summary = tab.color_passage("Zounds qqq xyzzy zounds", 2, "mle")
    assert "∞ (a token had probability 0)" in summary + html
    assert "inf" not in summary.replace("∞", "")
    curve = tab.compare.PerplexityCurve((1, 2, 3), (400.0, math.inf, math.inf), 300.0, "mle",
                                        100)
    figure = tab.perplexity_figure(curve)
    assert list(figure.data[0].y) == [400.0]  # the infinite points are not drawn...
    assert [a.text for a in figure.layout.annotations].count("∞") == 2  # ...but marked ∞


def test_heldout_figures_and_novel_phrase():
    ppl, sparsity, novel, note = tab.heldout(3, "kneser_ney")
    assert len(ppl.data[0].y) == 5 and ppl.layout.shapes  # five orders and the GPT's line
    assert list(sparsity.data[0].x) == [1, 2, 3, 4, 5]
    assert "never occurs in the training works" in novel
    assert "Pick n ≥ 2" in tab.heldout(1, "kneser_ney")[2]
    assert "lmlab eval" in note


def test_tab_builds_with_an_api_name_on_every_event():
    with gr.Blocks() as demo:
        tab.build()
    names = {fn.api_name for fn in demo.fns.values()}
    assert {"ngram_predict", "ngram_surprisal", "ngram_heldout", "ngram_passage"} <= names
    assert all(fn.api_name for fn in demo.fns.values())


def test_text_the_models_never_saw_is_accepted_with_the_caveat():
    why, ngram_bars, gpt_bars, *_ = tab.predict("床前明月光 🤖", 3, "kneser_ney", 0)
    assert "trained on English Shakespeare" in why and "100%" in why
    labels = list(ngram_bars.data[0].y) + list(gpt_bars.data[0].y)
    assert not any("\ufffd" in label for label in labels)  # byte tokens as <e5 ba>
    html, summary = tab.color_passage("ROMEO. 你好", 2, "kneser_ney")
    assert "25%" in summary  # 2 of the 8 characters that are not spaces


def test_build_computes_nothing_and_the_default_view_fills_every_panel(monkeypatch):
    calls = []
    for name in ("predict_data", "passage_data", "heldout_data"):
        monkeypatch.setattr(tab, name, lambda *a: calls.append(a))
    with gr.Blocks():
        tab.build()
    assert calls == []
    monkeypatch.undo()
    monkeypatch.setattr(tab, "HELDOUT_TOKENS", 400)
    tab.default_view.cache_clear()
    view = tab.default_view()
    assert len(view) == 14 and all(v is not None for v in view)  # 11 panels, then their data
