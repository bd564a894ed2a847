"""Compression benchmarks: quantized, pruned and distilled GPTs against the float32 model.

Command: ``lmlab bench quantize --json``, ``lmlab bench prune --json``, ``lmlab bench distill
--json``.  Rows as every benchmark's (``lmlab.bench.common.row``): ``ours`` is the compressed
variant named in ``metric``, ``peer`` the float32 model, ``ratio`` > 1 means the variant is
better (fewer bytes, less time per token, lower perplexity: ratio = fp32 ppl / variant ppl).
Latency: greedy generation, batch 1, the same prompt, repetitions interleaved, median, one
torch thread (on a shared 2-core machine a second thread mostly waits for the first).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import torch

from lmlab.bench.common import row
from lmlab.compress.tradeoff import build_variants, interleaved, ms_per_token

HELD_OUT = 2048  # val tokens scored for perplexity (the shipped model); 128 for GPT-2 small


def one_thread(fn):
    """Run the benchmark with one torch thread, then restore the count."""
    import functools

    @functools.wraps(fn)
    def run(*args, **kwargs):
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return fn(*args, **kwargs)
        finally:
            torch.set_num_threads(threads)

    return run


def _gpt2_small():
    """GPT-2 small's shape (12 layers, 768 wide, 50,257 tokens), random weights, as
    ``lmlab bench generate`` makes it (through a GPT-2 checkpoint, so the layout is lmlab's)."""
    from transformers import GPT2Config, GPT2LMHeadModel

    from lmlab.gpt import GPT

    with tempfile.TemporaryDirectory() as tmp:
        torch.manual_seed(0)
        GPT2LMHeadModel(GPT2Config(bos_token_id=0, eos_token_id=0)).save_pretrained(tmp)
        return GPT.from_pretrained(tmp)


def _rows(bench: str, label: str, variants: dict, names: list[str], ids, new_tokens: int,
          repeats: int, peer: str = "fp32", cache: bool = True) -> list[dict]:
    """Bytes, ms per token and perplexity rows of each variant in ``names`` against ``peer``."""
    from lmlab.compress.tradeoff import family
    from lmlab.evaluate import perplexity

    prompt = torch.as_tensor(list(ids[:8]), dtype=torch.long)[None]
    order = [peer, *names]
    timers = [ms_per_token(variants[n][0], prompt, new_tokens, cache and family(n)[1])
              for n in order]
    for t in timers:
        t()  # warm-up
    ms = dict(zip(order, interleaved(timers, repeats), strict=True))
    ppl = {n: perplexity(variants[n][0], ids).perplexity for n in order}
    how = "KV cache" if cache else "no KV cache"
    out = []
    for n in names:
        out.append(row(bench, f"weight bytes, {n}, {label}", variants[n][1], variants[peer][1],
                       f"{peer} weights", higher_is_better=False))
        out.append(row(bench, f"ms per generated token (batch 1, {how}, {new_tokens} tokens), "
                       f"{n}, {label}", ms[n], ms[peer], f"{peer}, same prompt",
                       higher_is_better=False))
        out.append(row(bench, f"held-out perplexity ({len(ids):,} val tokens), {n}, {label}",
                       ppl[n], ppl[peer], peer, higher_is_better=False))
    return out


@one_thread
def bench_quantize(repeats: int = 3) -> list[dict]:
    """int8 and int4 (simulated and on integer kernels) and ONNX Runtime against float32, on
    the shipped GPT and on a GPT-2-small-sized random model."""
    from lmlab.models import load_gpt
    from lmlab.tokenizer import token_stream

    ids = token_stream("val")
    quant = ["int8-simulated", "int8-kernels", "int4-simulated", "int4-kernels"]
    shipped = load_gpt("shakespeare")
    with tempfile.TemporaryDirectory() as tmp:
        v = build_variants(shipped, onnx_dir=tmp, names=["fp32", *quant, "onnx", "onnx-int8"])
        rows = _rows("quantize", "shipped GPT", v, quant, ids[:HELD_OUT], 32, repeats)
        # ONNX Runtime runs the graph without a KV cache: compared with lmlab without one
        rows += _rows("quantize", "shipped GPT, ONNX Runtime vs lmlab", v, ["onnx", "onnx-int8"],
                      ids[:HELD_OUT], 32, repeats, cache=False)
        del v
    big = _gpt2_small()  # random weights: its perplexity rows check fidelity, not quality
    v = build_variants(big, names=["fp32", "int8-kernels", "int4-simulated", "int4-kernels"])
    rows += _rows("quantize", "GPT-2-small-sized random model", v,
                  ["int8-kernels", "int4-simulated", "int4-kernels"], ids[:128], 24, repeats)
    return rows


@one_thread
def bench_prune(repeats: int = 3) -> list[dict]:
    """Unstructured zeros (same shapes) against MLP neurons really deleted, at 50%."""
    from lmlab.models import load_gpt
    from lmlab.tokenizer import token_stream

    ids = token_stream("val")
    names = ["pruned-50", "neurons-deleted-50"]
    shipped = build_variants(load_gpt("shakespeare"), sparsities=(0.5,), names=["fp32", *names])
    rows = _rows("prune", "shipped GPT", shipped, names, ids[:HELD_OUT], 32, repeats)
    del shipped
    big = build_variants(_gpt2_small(), sparsities=(0.5,), names=["fp32", *names])
    rows += _rows("prune", "GPT-2-small-sized random model", big, names, ids[:128], 24, repeats)
    return rows


def _tokens_per_s(model, prompt, new_tokens: int = 64) -> float:
    return 1000 / ms_per_token(model, prompt, new_tokens)()


def _matched_pair(steps: int, teacher_dir, shape) -> tuple:
    """Two students of ``shape`` trained now for ``steps`` steps, same seed and batches: one on
    the teacher's soft targets and the text (KD, alpha 0.5, T 2), one on the text alone."""
    from lmlab.training import TrainConfig, train

    out = []
    for teacher in (str(teacher_dir), None):
        cfg = TrainConfig(model=shape, max_steps=steps, warmup_steps=max(steps // 10, 1),
                          eval_interval=steps, eval_windows=8, teacher=teacher)
        with tempfile.TemporaryDirectory() as tmp:
            out.append(train(cfg, Path(tmp) / "student", progress=False))
    return tuple(out)


@one_thread
def bench_distill(steps: int = 300, val_tokens: int | None = None) -> list[dict]:
    """The shipped KD student against its teacher (size, speed, held-out perplexity), and a
    matched pair trained now for ``steps`` steps each: KD against the text alone.  Perplexity
    on all val tokens, or on the first ``val_tokens``."""
    from dataclasses import replace

    from lmlab import SHIPPED_GPT
    from lmlab.compress.quantize import weight_bytes
    from lmlab.evaluate import perplexity
    from lmlab.models import load_gpt
    from lmlab.tokenizer import token_stream

    val = token_stream("val")[:val_tokens]
    what = f"{len(val):,} val tokens" if val_tokens else f"all {len(val):,} val tokens"
    teacher, student = load_gpt("shakespeare"), load_gpt("shakespeare-distilled")
    prompt = torch.as_tensor(list(val[:8]), dtype=torch.long)[None]
    rate = dict(zip(("student", "teacher"), interleaved(
        [lambda: _tokens_per_s(student, prompt), lambda: _tokens_per_s(teacher, prompt)], 3),
        strict=True))
    ppl = {n: perplexity(m, val).perplexity for n, m in (("student", student), ("teacher", teacher))}
    peer = "teacher (shipped GPT)"
    rows = [row("distill", "parameters, shipped KD student", student.num_parameters(),
                teacher.num_parameters(), peer, higher_is_better=False),
            row("distill", "weight bytes, shipped KD student", weight_bytes(student),
                weight_bytes(teacher), peer, higher_is_better=False),
            row("distill", "greedy tokens/s (batch 1, KV cache), shipped KD student",
                rate["student"], rate["teacher"], peer),
            row("distill", f"held-out perplexity ({what}), shipped KD student", ppl["student"],
                ppl["teacher"], peer, higher_is_better=False)]
    shape = replace(student.config, dropout=0.1)
    kd, text_only = _matched_pair(steps, SHIPPED_GPT, shape)
    rows.append(row("distill", f"held-out perplexity ({what}), student trained now "
                    f"with KD, {steps} steps x 32 x {shape.block_size} tokens, seed 1337",
                    perplexity(kd, val).perplexity, perplexity(text_only, val).perplexity,
                    "the same student, steps, seed and batches on the text alone",
                    higher_is_better=False))
    return rows
