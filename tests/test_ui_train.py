"""The Train tab's handlers, called directly: a run plays in slices and learns, pause and step
work, the limiter answers "busy, N ahead", and bad settings are plain sentences.

Run: python -m pytest tests/test_ui_train.py
"""

import math

import gradio as gr
import pytest

from lmlab.training.session import RunLimiter
from lmlab.ui import train as tab
from lmlab.ui.train_settings import PRESETS, make_config


def settings(preset="fast", **changes):
    opt, sched, lr, batch, width, layers, heads, warmup, steps = PRESETS[preset]
    s = dict(optimizer=opt, schedule=sched, lr=lr, batch=batch, width=width, layers=layers,
             heads=heads, warmup=warmup, steps=steps, precision="fp32", objective="causal", seed=0)
    return list((s | changes).values())


def test_a_run_plays_in_slices_and_falls_below_the_unigram_line():
    play, tick, step, pause, reset, overview = tab.handlers(RunLimiter(cap=2))
    run, timer, text = play(None, *settings(), "en")
    assert timer.active is True
    for _ in range(60):
        run, timer, text, loss_fig, lr_fig, sample, attn = tick(run, "en")
        vals = [p.val_loss for p in run.history if p.val_loss is not None]
        if vals and vals[-1] < tab.ngram_baselines().unigram:
            break
    assert vals[-1] < tab.ngram_baselines().unigram, vals
    assert "below the unigram line" in text
    assert isinstance(sample, str) and len(sample) > len(tab.PROMPT)
    assert len(loss_fig.layout.shapes) == 3  # unigram, bigram, best Kneser-Ney
    timer, text = pause(run, "en")
    assert timer.active is False and f"step {run.step}" in text
    before = run.step
    run, timer, *_ = step(run, *settings(), "en")
    assert run.step == before + 1 and timer.active is False


def test_the_cap_answers_busy_with_the_runs_ahead_and_a_pause_frees_the_slot():
    limiter = RunLimiter(cap=1)
    play, tick, step, pause, reset, overview = tab.handlers(limiter)
    first, timer, _ = play(None, *settings(), "en")
    second, timer2, text = play(None, *settings(), "zh")
    assert timer2.active is False and "1" in text and "正忙" in text
    pause(first, "en")
    second, timer2, _ = play(second, *settings(), "en")
    assert timer2.active is True


def test_too_high_a_learning_rate_stops_at_the_step_it_diverged():
    play, tick, *_ = tab.handlers(RunLimiter(cap=2))
    run, *_ = play(None, *settings(lr=1e9), "en")
    run, timer, text, *_ = tick(run, "en")
    assert run.finished == "diverged" and timer.active is False
    assert f"Diverged at step {run.diverged_at}" in text
    last = run.history[-1]
    assert any(not math.isfinite(v) or v > 30 for v in (last.train_loss, last.val_loss or 0))


def test_learning_rate_zero_says_nothing_moves():
    play, tick, *_ = tab.handlers(RunLimiter(cap=2))
    run, *_ = play(None, *settings(lr=0), "en")
    run, timer, text, *_ = tick(run, "en")
    assert "nothing moves" in text
    vals = [p.val_loss for p in run.history if p.val_loss is not None]
    assert max(vals) - min(vals) < 1e-6  # the weights never changed


@pytest.mark.parametrize("change,words", [
    (dict(batch=0), "Batch size must be a whole number from 1 to 64"),
    (dict(steps=10**7), "Steps must be a whole number from 1 to 2000"),
    (dict(width=48, heads=5), "does not divide by 5 heads"),
    (dict(lr=float("nan")), "learning rate must be 0 or more"),
    (dict(lr="fast"), "Learning rate must be a number"),
    (dict(optimizer="lion"), "Optimizer must be one of sgd, adam, adamw"),
])
def test_bad_settings_are_plain_sentences(change, words):
    with pytest.raises(gr.Error, match=words):
        make_config(*settings(**change), lang="en")


def test_a_masked_run_fills_blanks_and_says_its_loss_is_another_test():
    play, tick, *_ = tab.handlers(RunLimiter(cap=2))
    run, *_ = play(None, *settings(objective="masked"), "en")
    run, timer, text, loss_fig, lr_fig, sample, attn = tick(run, "en")
    assert run.model.config.causal is False and "[" in sample
    assert "not the same test" in text


@pytest.mark.parametrize("position", range(12))
@pytest.mark.parametrize("value", [None, "<script>alert(1)</script>", 10**20, -1, 0.5, ""])
def test_any_hostile_setting_is_a_setting_or_a_sentence(position, value):
    args = settings()
    args[position] = value
    try:
        cfg = make_config(*args, lang="zh")
    except gr.Error as exc:
        assert str(exc.message).strip() and "Traceback" not in str(exc.message)
    else:
        assert 1 <= cfg.batch_size <= 64 and cfg.model.n_embd % cfg.model.n_head == 0


def test_an_unknown_preset_falls_back_to_the_first():
    assert tab.apply_preset("<script>") == tab.apply_preset("fast")
