"""The trade-off points and the compression benchmarks' rows, on a tiny GPT (fast).

Checks: every variant gets a point with bytes, a latency and a finite perplexity; the sizes are
the storage counts (int8 under a third of float32, pruned zeros stored like any weight, deleted
neurons smaller); ONNX Runtime's perplexity equals the GPT's; the bench rows follow DESIGN's
schema with ratio > 1 meaning the variant is better; the live distillation starts both
students from the same weights and moves them apart only by what they learn from.

Run:  python -m pytest tests/test_compress_tradeoff.py -q
"""

import math

import pytest
import torch

from lmlab.bench.compress import _rows
from lmlab.compress.distill import LiveConfig, LiveDistil
from lmlab.compress.quantize import weight_bytes
from lmlab.compress.tradeoff import VARIANTS, build_variants, family, tradeoff_points
from lmlab.gpt import GPT, GPTConfig

SHAPE = GPTConfig(vocab_size=256, block_size=32, n_layer=2, n_head=2, n_embd=64, dropout=0.0)
SCHEMA = {"bench", "metric", "ours", "peer", "peer_name", "ratio", "higher_is_better"}


@pytest.fixture(scope="module")
def tiny():
    torch.manual_seed(0)
    return GPT(SHAPE).eval()


@pytest.fixture(scope="module")
def ids():
    return torch.randint(256, (200,), generator=torch.Generator().manual_seed(1)).tolist()


def test_every_variant_gets_a_measured_point(tiny, ids):
    pytest.importorskip("onnxruntime")
    student = GPT(GPTConfig(**{**SHAPE.__dict__, "n_layer": 1})).eval()
    points = {p.name: p for p in tradeoff_points(tiny, ids, student, sparsities=(0.5,),
                                                 new_tokens=4, repeats=1)}
    assert set(points) == {"fp32", "int8-simulated", "int8-kernels", "int4-simulated",
                           "int4-kernels", "pruned-50", "neurons-deleted-50", "distilled",
                           "onnx", "onnx-int8"}
    for p in points.values():
        assert p.ms_per_token > 0 and math.isfinite(p.perplexity) and p.weight_bytes > 0
        assert (p.family, p.kv_cache) == family(p.name)
    fp32 = points["fp32"]
    assert points["int8-kernels"].weight_bytes < fp32.weight_bytes / 3
    assert points["pruned-50"].weight_bytes == fp32.weight_bytes  # zeros cost the same bytes
    assert points["neurons-deleted-50"].weight_bytes < fp32.weight_bytes
    assert points["onnx"].perplexity == pytest.approx(fp32.perplexity, rel=1e-4)
    assert not points["onnx"].kv_cache


def test_variant_names_map_to_their_family():
    assert family("pruned-30") == VARIANTS["pruned"]
    assert family("int8-kernels") == ("quantize", True)
    assert family("onnx-int8") == ("onnx", False)


def test_bench_rows_follow_the_schema_and_ratio_means_the_variant_is_better(tiny, ids):
    v = build_variants(tiny, names=["fp32", "int8-kernels"])
    rows = _rows("quantize", "tiny", v, ["int8-kernels"], ids, 4, 1)
    assert len(rows) == 3 and all(set(r) >= SCHEMA for r in rows)
    size = rows[0]
    assert size["ours"] == weight_bytes(tiny, 8) and size["peer"] == weight_bytes(tiny)
    assert size["ratio"] > 3 and size["higher_is_better"] is False
    ppl = rows[2]
    assert ppl["ratio"] == pytest.approx(ppl["peer"] / ppl["ours"], rel=1e-3)


def test_live_distillation_starts_both_students_alike_and_records_their_curves(tiny):
    data = torch.randint(256, (5000,), generator=torch.Generator().manual_seed(2)).tolist()
    cfg = LiveConfig(steps=6, batch_size=4, block_size=16, n_embd=32, eval_every=3)
    run = LiveDistil(tiny, data, data[:1000], cfg)
    kd, text = run.students["kd"], run.students["text"]
    assert all(torch.equal(a, b) for a, b in zip(kd.parameters(), text.parameters(), strict=True))
    while not run.done:
        run.step()
    assert [s for s, _ in run.curves["kd"]] == [0, 3, 6] == [s for s, _ in run.curves["text"]]
    assert run.curves["kd"][0] == run.curves["text"][0]  # the same start
    assert any(not torch.equal(a, b) for a, b in zip(kd.parameters(), text.parameters(), strict=True))
    with pytest.raises(ValueError, match="1 to 500 steps"):
        LiveDistil(tiny, data, data, LiveConfig(steps=0))


def test_the_compression_benches_are_registered():
    from lmlab.bench.suite import BENCHES

    assert {"quantize", "prune", "distill"} <= set(BENCHES)
