"""The Inside tab's handlers, called directly (no browser).

Checks: the logit-lens table is ``lmlab.lens.logit_lens``'s top tokens and probabilities, cut
to the last positions with a note; the patching heatmap is ``lmlab.lens.patching_map`` with the
differing tokens named, every preset tokenizes to equal lengths with one-token answers; bad input
(different lengths, several-token answers, same prompts, empty) is a clear gr.Error; the
induction panel names the best head and the uniform baseline; the ablation grid is
``lens.ablate_heads``' KL; building the tab computes nothing; every word in both languages.
About 10 s on 2 cores.

Run:  python -m pytest tests/test_ui_inside.py -q
"""

import re

import gradio as gr
import numpy as np
import pytest

from lmlab import lens
from lmlab.models import load_gpt
from lmlab.tokenizer import load_tokenizer
from lmlab.ui import inside


def test_logit_lens_table_is_the_lens_top_token_and_probability():
    fig, note = inside.logit_lens_view(inside.DEFAULT_PROMPT)
    ids = load_tokenizer().encode(inside.DEFAULT_PROMPT)
    probs = lens.logit_lens(load_gpt("shakespeare"), ids).exp()
    np.testing.assert_allclose(np.array(fig.data[0].z), probs.max(-1).values.numpy(), atol=1e-6)
    assert note == "" and len(fig.data[0].x) == len(ids)
    assert fig.data[0].text[0][5] == "·France"  # row 0, the embeddings: tied, they predict themselves
    long_fig, long_note = inside.logit_lens_view("To be, or not to be, " * 10)
    assert len(long_fig.data[0].x) == inside.SHOWN and "the last 16" in long_note
    _, past = inside.logit_lens_view("To be, or not to be, " * 40)
    assert "is 360 tokens" in past and "only the last 128" in past


def test_patching_heatmap_is_the_patching_map():
    clean, corrupt, answer, wrong = inside.PRESETS["Farewell, Brutus / Henry"]
    fig, md = inside.patching_view(clean, corrupt, answer, wrong)
    tok = load_tokenizer()
    ref = lens.patching_map(load_gpt("shakespeare"), tok.encode(clean), tok.encode(corrupt),
                            tok.encode(answer)[0], tok.encode(wrong)[0])
    np.testing.assert_allclose(np.array(fig.data[0].z), ref.numpy(), atol=1e-6)
    assert any("·Brutus/·Henry" in x for x in fig.data[0].x)
    assert "clean **5.83**" in md and "read them loosely" not in md


def test_every_preset_has_equal_lengths_and_one_token_answers():
    tok = load_tokenizer()
    for name, (clean, corrupt, answer, wrong) in inside.PRESETS.items():
        assert len(tok.encode(clean)) == len(tok.encode(corrupt)), name
        assert len(tok.encode(answer)) == 1 and len(tok.encode(wrong)) == 1, name
        fig, md = inside.patching_view(clean, corrupt, answer, wrong)
        assert np.array(fig.data[0].z)[-1, -1] == pytest.approx(1.0, abs=1e-4)


def test_bad_pairs_are_refused_with_a_sentence():
    clean = "What says the King of France? The King of"
    with pytest.raises(gr.Error, match=r"' Burgundy' is 5 tokens; the patching map compares single "
                                       r"tokens: try ' France'"):
        inside.patching_view(clean, clean.replace("France", "England"), " Burgundy", " England")
    with pytest.raises(gr.Error, match="is 10 tokens and the corrupted one 14"):
        inside.patching_view(clean, clean.replace("France", "Burgundy"), " France", " England")
    with pytest.raises(gr.Error, match="same tokens"):
        inside.patching_view(clean, clean, " France", " England")
    with pytest.raises(gr.Error, match="empty"):
        inside.patching_view("  ", "  ", " France", " England")
    with pytest.raises(gr.Error, match="词元数必须相同|词元数相同"):
        inside.patching_view(clean, clean.replace("France", "Burgundy"), " France", " England", "zh")


def test_a_word_without_its_space_finds_the_token():
    clean, corrupt, _, _ = inside.PRESETS["Exit Brutus / Henry"]
    fig, md = inside.patching_view(clean, corrupt, "Brutus", "Henry")
    assert '<span translate="no">·Brutus</span>' in md  # a token: never translated
    assert "logit[·Brutus] − logit[·Henry]" in re.sub(r"<[^>]+>", "", md)


def test_induction_panel_names_the_best_head_and_the_baseline():
    md, ind, prev, pattern = inside.induction_view(1, 2)
    scores = lens.induction_scores(load_gpt("shakespeare"), inside.SEQ_LEN)
    np.testing.assert_allclose(np.array(ind.data[0].z), scores.numpy(), atol=1e-6)
    assert f"{lens.uniform_baseline(inside.SEQ_LEN):.3f}" in md
    assert np.array(pattern.data[0].z).shape == (2 * inside.SEQ_LEN + 1,) * 2


def test_ablation_grid_is_the_kl_of_each_head():
    fig, md = inside.ablation_view(inside.DEFAULT_PROMPT, "zero")
    ids = load_tokenizer().encode(inside.DEFAULT_PROMPT)
    ref = lens.ablate_heads(load_gpt("shakespeare"), ids, "zero").kl
    np.testing.assert_allclose(np.array(fig.data[0].z), ref.numpy(), atol=1e-6)
    assert "Without layer" in md
    fig_mean, _ = inside.ablation_view(inside.DEFAULT_PROMPT, "mean")
    assert not np.allclose(np.array(fig_mean.data[0].z), ref.numpy())


def test_building_the_tab_computes_nothing(monkeypatch):
    def boom(*a):
        raise AssertionError("computed at build time")

    monkeypatch.setattr(inside, "first_view", boom)
    with gr.Blocks() as demo:
        with gr.Tab("Inside"):
            inside.build()
    assert "inside_first_view" in {fn.api_name for fn in demo.fns.values()}


def test_every_word_exists_in_both_languages():
    for key, (en, zh) in inside.WORDS.items():
        assert en.strip() and zh.strip() and en != zh, key
