"""Numbers from a script, not a slider: -1, 0, 1e-45, 1e9, NaN and infinities in Generate's
fields end in a result or a plain sentence, never a bare "Error"; labels plotly draws are
escaped (plotly reads some HTML in them).

Run: python -m pytest tests/test_ui_numbers.py -q
"""

import math
import types

import gradio as gr
import numpy as np
import pytest

from lmlab.ui import common, explain
from lmlab.ui import generate as tab

ODD = [-1, 0, 1e-45, 1e9, math.nan, math.inf, -math.inf]


def final(**kw):
    args = dict(prompt="ROMEO.\n", model_choice=next(iter(tab.MODELS)), hub_id="",
                temperature=0.8, top_k=40, top_p=1.0, max_new=4, seed=0) | kw
    return list(tab.run(**args))[-1]


@pytest.mark.parametrize("field", ["temperature", "top_k", "top_p", "max_new", "seed"])
def test_odd_numbers_in_every_generate_field_give_a_result_or_a_sentence(field):
    for v in ODD:
        try:
            final(**{field: v})
        except gr.Error as exc:
            assert len(exc.message) > 20 and exc.message[0].isupper(), (field, v, exc.message)


def test_a_tiny_temperature_says_use_zero_for_greedy():
    with pytest.raises(gr.Error, match="too small to divide by; use 0 for greedy"):
        final(temperature=1e-45)
    with pytest.raises(gr.Error, match="Temperature must be between 0 and 100, not nan"):
        final(temperature=math.nan)


def test_inspecting_a_step_with_odd_numbers_is_a_sentence():
    steps = final()[5]  # (text, bars, entropy, pick, stats, steps)
    for index in ODD:
        for t in ODD:
            try:
                tab.inspect(steps, index, t)
            except gr.Error as exc:
                assert exc.message[0].isupper()


def test_number_checks_range_and_finiteness():
    assert common.number("3", "x", 0, 5, whole=True) == 3
    for bad in (None, "a", math.nan, math.inf, -1, 6):
        with pytest.raises(gr.Error, match="x must be"):
            common.number(bad, "x", 0, 5)


def test_generate_bar_labels_are_escaped():
    from lmlab.generate import candidates

    logits = __import__("torch").tensor([3.0, 2.0, 1.0])
    step = {"candidates": candidates(logits, 3, tab.TEMPERATURES), "temperature": 1.0,
            "token_id": 0, "kept": [True, True, True], "index": 0,
            "strings": ["<b>bold</b>", "<a href=x>link</a>", "ok"]}
    labels = list(tab.candidates_figure(step).data[0].y)
    assert "&lt;b&gt;bold&lt;/b&gt;" in labels and not any("<" in s for s in labels)
    fig = tab.entropy_figure([{"entropy": 1.0, "token": "<i>x</i>"}])
    assert "<" not in fig.data[0].text[0]


def test_explain_axis_title_is_escaped():
    e = types.SimpleNamespace(values=np.array([0.5, -0.2]), tokens=["a", "b"], model="classifier",
                              target='"<b>x</b>"')  # the title reads P("<b>x</b>")
    title = explain.shap_figure(e).layout.xaxis.title.text
    assert "<b>" not in title and "&lt;b&gt;" in title
