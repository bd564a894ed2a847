"""The Positional tab's handlers, called directly (no browser).

Checks: the tables are the ``lmlab.positional`` functions' numbers (sinusoidal, the GPT's
``wpe``, RoPE's cos(m·θ), ALiBi's −slope·distance); the RoPE pair stays on the unit circle;
the encoded-scores grid has one panel per encoding, with the causal mask blank; bad input is a
clear gr.Error and long text is cut to the context with a note.  A few seconds on 2 cores.

Run:  python -m pytest tests/test_ui_positional.py -q
"""

import gradio as gr
import numpy as np
import plotly.graph_objects as go
import pytest
import torch

from lmlab.positional import KINDS, alibi_bias, learned, sinusoidal
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
