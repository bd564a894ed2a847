"""The Compress tab's handlers, called directly (no browser).

Checks: the histogram's "after" values are the quantizer's own (at most 2^bits levels per
tensor, error within half a step); two identical variants write the same text, and the
variants are shared, built once; the soft targets flatten as the temperature rises; the scatter
draws every point it is given, in the user's language; the live run stops when asked, refuses a
second run for the same user and any run past the server's cap; bad input is a clear gr.Error.

Run:  python -m pytest tests/test_ui_compress.py -q
"""

import gradio as gr
import numpy as np
import pytest

from lmlab.compress.tradeoff import Point
from lmlab.training.session import RunLimiter
from lmlab.ui import compress, compress_live, compress_views

FC = "transformer.h.0.mlp.c_fc.weight"


def test_histogram_after_has_at_most_2_to_the_bits_levels_within_half_a_step():
    fig, note = compress.histogram(FC, "4", "tensor-sym", "en")
    before, after = (np.array(trace.y) for trace in fig.data)
    assert before.sum() == after.sum() == 768 * 192  # every weight counted once
    assert 1 < np.count_nonzero(after) <= 15  # symmetric 4-bit: the levels -7..7, one bin each
    assert np.count_nonzero(before) > 100
    assert "half a step" in note
    _, zh = compress.histogram(FC, "8", "group-asym", "zh")
    assert "半个步长" in zh


def test_same_variant_on_both_sides_writes_the_same_text_and_is_built_once():
    left, right, note = compress.side_by_side("ROMEO.\n", "int8-kernels", "int8-kernels", "en")
    assert left == right and left.startswith("ROMEO.\n") and len(left) > len("ROMEO.\n")
    assert compress.variant("int8-kernels") is compress.variant("int8-kernels")
    assert "ms/token" in note


def test_soft_targets_flatten_as_the_temperature_rises():
    cold, cold_note = compress.dark_knowledge("KING.\nMy lord, the", 0.5, "en")
    hot, _ = compress.dark_knowledge("KING.\nMy lord, the", 4.0, "en")
    assert max(cold.data[0].x) > max(hot.data[0].x)
    assert sum(cold.data[0].x) <= 1 + 1e-6 and "entropy" in cold_note
    assert list(cold.data[0].x) == sorted(cold.data[0].x, reverse=True)


def test_scatter_and_table_show_every_point_in_the_users_language():
    points = [Point("fp32", "baseline", 8_000_000, 5.0, 45.0, True),
              Point("pruned-50", "prune", 8_000_000, 5.1, 60.0, True),
              Point("onnx", "onnx", 10_000_000, 7.0, 45.0, False)]
    fig = compress_views.tradeoff_figure(points, "zh")
    texts = [s for trace in fig.data for s in trace.text]
    assert "剪枝 50%（置零）" in texts and len(fig.data) == 2 * len(points)  # two panels
    rows = compress_views.points_table(points, "en")
    assert rows[0] == ["float32 (shipped)", 8.0, 5.0, 45.0, "yes"] and rows[2][-1] == "no"


@pytest.mark.parametrize("call, message", [
    (lambda: compress.histogram("transformer.h.9.nope", "8", "row-sym", "en"), "choose one"),
    (lambda: compress.histogram(FC, "3", "row-sym", "en"), "choose one"),
    (lambda: compress.side_by_side("", "fp32", "fp32", "en"), "empty"),
    (lambda: compress.side_by_side("Hi", "fp32", "gpt-5", "en"), "choose one"),
    (lambda: compress.dark_knowledge("Hi", 99, "en"), "between 0.25 and 8"),
    (lambda: compress.dark_knowledge("Hi", "warm", "zh"), "温度"),
])
def test_bad_input_is_a_clear_error(call, message):
    with pytest.raises(gr.Error, match=message):
        call()


def test_live_run_stops_when_asked_and_frees_its_place():
    limiter, slot = RunLimiter(1), compress_live.LiveSlot()
    runs = compress_live.live_run(slot, "en", limiter)
    fig, status, same = next(runs)
    assert same is slot and slot.busy and limiter.active() == 1
    assert "held-out loss with KD" in status and len(fig.data) == 2
    compress_live.live_stop(slot)
    *_, (fig, status, _) = list(runs)
    assert status.startswith("Stopped at step")
    assert not slot.busy and limiter.active() == 0


def test_live_run_refuses_a_second_run_and_runs_past_the_cap():
    limiter = RunLimiter(1)
    assert limiter.acquire("someone else") == 0  # someone else's run holds the only place
    with pytest.raises(gr.Error, match="1 live runs are going"):
        next(compress_live.live_run(compress_live.LiveSlot(), "en", limiter))
    limiter.release("someone else")
    busy = compress_live.LiveSlot()
    busy.busy = True
    with pytest.raises(gr.Error, match="still going"):
        next(compress_live.live_run(busy, "en", limiter))
    assert limiter.active() == 0


def test_measure_gives_the_scatter_a_table_with_headers_in_the_users_language(monkeypatch):
    points = (Point("fp32", "baseline", 8_000_000, 5.0, 45.0, True),
              Point("int8-kernels", "quantize", 2_000_000, 4.0, 45.2, True))
    monkeypatch.setattr(compress, "measured_points", lambda: points)
    fig, table, note = compress.measure("zh")
    assert table.headers == ["变体", "MB", "毫秒/词元", "困惑度", "KV 缓存"]
    assert len(fig.data) == 4 and "2 个变体" in note


def test_each_session_gets_its_own_place_in_the_limiter():
    """gr.State deep-copies its first LiveSlot for each session: the copies must not share a key
    (two users on one key would both get past the cap)."""
    import copy

    first = compress_live.LiveSlot()
    a, b = copy.deepcopy(first), copy.deepcopy(first)
    assert len({first.key, a.key, b.key}) == 3
    limiter = RunLimiter(1)
    assert limiter.acquire(a.key) == 0 and limiter.acquire(b.key) == 1
