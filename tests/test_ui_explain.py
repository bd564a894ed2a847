"""Explain tab handlers: a sandboxed, escaped shap plot, the additivity check on screen, the
comparison with attention and gradients, clear messages for bad input, and the report panel.

Run: python -m pytest tests/test_ui_explain.py
"""

import html

import gradio as gr
import pytest

from lmlab.ui import explain as tab

GPT = "Shakespeare GPT (next token)"
CLASSIFIER = "Genre classifier (MiniLM, fine-tuned)"


def run(text, model=GPT, genre=tab.PREDICTED, token="", max_evals=60):
    return tab.run(text, model, genre, token, max_evals, progress=lambda *a, **k: None)


def srcdoc(iframe_html: str) -> str:
    """The page inside ``<iframe srcdoc="...">``, unescaped once, as the browser reads it."""
    start = iframe_html.index('srcdoc="') + len('srcdoc="')
    return html.unescape(iframe_html[start:iframe_html.index('"', start)])


def test_models_are_the_ones_explain_knows():
    assert set(tab.MODELS.values()) == {"classifier", "gpt"}
    assert GPT in tab.MODELS and CLASSIFIER in tab.MODELS


def test_gpt_explanation_renders_a_sandboxed_plot_and_the_additivity_check():
    plot, bars, compare, status = run("To be, or not to be, that is the question:")
    assert plot.startswith('<iframe sandbox="allow-scripts"') and "allow-same-origin" not in plot
    assert "onmouseover=" in srcdoc(plot)  # shap's own handlers run inside the sandbox only
    assert "Additivity holds ✓" in status and "Spearman" in status
    assert len(bars.data[0].x) == len(compare.data[0].x)
    assert [t for t in compare.data[0].y] == ["SHAP", "gradient × input", "attention"]


def test_script_tags_in_the_text_show_as_text():
    plot, bars, compare, status = run("<script>alert('x')</script> my lord")
    page = srcdoc(plot)
    assert "<script>alert" not in page and "&lt;" in page
    assert "<script" not in status


@pytest.mark.parametrize("text", ["", "   ", None])
def test_empty_text_is_refused_with_a_message(text):
    with pytest.raises(gr.Error, match="empty"):
        run(text)


def test_one_word_and_emoji_get_a_plot_and_a_note():
    *_, status = run("Romeo,")
    assert "holds" in status
    *_, status = run("A")  # one token: its value is exact
    assert "One token" in status and "holds" in status
    *_, status = run("🎭 my lord")
    assert "trained on English Shakespeare" in status and "holds" in status


def test_a_text_longer_than_the_context_is_cut_and_the_reader_is_told():
    *_, status = run(" ".join(["word"] * 390))  # 1,949 characters, within MAX_TEXT_CHARS
    assert "only its last 127" in status


def test_too_long_text_and_bad_settings_are_refused():
    with pytest.raises(gr.Error, match="limit"):
        run("a" * (tab.MAX_TEXT_CHARS + 1))
    with pytest.raises(gr.Error, match="between"):
        run("To be", max_evals=5)
    with pytest.raises(gr.Error, match="one token"):
        run("To be", token=" Juliet's nurse")


def test_switch_model_shows_the_right_target_box_and_budget():
    genre, token, evals = tab.switch_model(GPT)
    assert genre["visible"] is False and token["visible"] is True and evals["value"] == 200
    genre, token, evals = tab.switch_model(CLASSIFIER)
    assert genre["visible"] is True and token["visible"] is False and evals["value"] == 100


def test_report_panel_formats_the_metrics(monkeypatch):
    fake = {"accuracy": 0.6, "macro_precision": 0.61, "macro_recall": 0.6, "macro_f1": 0.6,
            "majority_accuracy": 1 / 3, "per_class_f1": [0.5, 0.6, 0.7],
            "confusion_matrix": [[120, 40, 40], [50, 130, 20], [30, 30, 140]],
            "labels": ["comedy", "tragedy", "history"], "n_passages": 600, "n_lines": 8,
            "plays": ["hamlet", "henry_v"], "seconds": 30.0}
    monkeypatch.setattr(tab, "classifier_report", lambda: fake)
    fig, md = tab.evaluate(progress=lambda *a, **k: None)
    assert fig.data[0].z.tolist() == fake["confusion_matrix"]
    assert "0.600" in md and "0.333" in md and "600 passages" in md


def test_tab_builds_alone_with_named_api_endpoints():
    with gr.Blocks() as demo:
        tab.build()
    names = {d.api_name for d in demo.fns.values()}
    assert {"explain", "classifier_report", "explain_switch_model"} <= names


@pytest.mark.slow
def test_classifier_explanation_in_the_tab():
    plot, bars, compare, status = run("Now is the winter of our discontent", model=CLASSIFIER,
                                      max_evals=40)
    assert "holds" in status and "P(" in status
    *_, status = run("my lord", model=CLASSIFIER, genre="history", max_evals=20)
    assert "P(history)" in status


def test_a_repeated_explanation_is_kept_and_equals_a_fresh_one():
    from lmlab.explain.shap_values import explain_gpt
    from lmlab.ui import common

    text = "Now is the winter of our discontent"
    first = tab.explanation("gpt", text, None, 60)
    assert tab.explanation("gpt", text, None, 60) is first  # the second student waits for nothing
    fresh = explain_gpt(common.gpt(), common.tokenizer(), text, None, 60)  # deterministic
    assert fresh.tokens == first.tokens
    assert max(abs(a - b) for a, b in zip(fresh.values, first.values, strict=True)) < 1e-9


# ----------------------------------------------------------------------------- student-ready


def test_shap_text_plot_colours_are_valid_css_and_visible():
    import re

    from lmlab.ui.shap_plot import CSS_COLOR, text_plot_html

    e = tab.explanation("gpt", "To be, or not to be, that is the question", None, 60)
    doc = text_plot_html(e)
    colours = re.findall(r"rgba?\([^)]*\)", doc)
    assert colours and "np.float64" not in doc
    assert all(CSS_COLOR.fullmatch(c) for c in colours), [c for c in colours
                                                          if not CSS_COLOR.fullmatch(c)][:3]
    alphas = [float(c.rsplit(",", 1)[1].rstrip(")")) for c in colours if c.startswith("rgba")]
    assert max(alphas) > 0.3  # some token is visibly highlighted


def test_chinese_gpt_tokens_are_bytes_not_repeated_characters():
    e = tab.explanation("gpt", "床前明月光", None, 60)
    assert e.tokens[:3] == ["<e5>", "<ba>", "<8a>"]
    from lmlab.ui.shap_plot import text_plot_html

    assert "床床床" not in text_plot_html(e)


def test_no_spaces_is_not_one_word_and_unseen_text_gets_the_caveat():
    *_, status = run("床前明月光，疑是地上霜。", model=GPT, max_evals=40)
    assert "One token" not in status and "trained on English Shakespeare" in status


def test_a_cut_text_is_worded_in_the_ui():
    *_, status = run("word " * 400, model=GPT, max_evals=40)
    assert "only its last 127 (the GPT&#x27;s context) were explained" in status
