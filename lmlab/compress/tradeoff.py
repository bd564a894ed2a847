"""The trade-off: size, speed and perplexity of every compressed variant of a GPT, measured.

Lesson: lessons/11_compression.en.md.  Tab: Compress (the scatter).  Command: ``lmlab bench
quantize`` uses the same timer.

Each ``Point`` is one variant, computed now: its weight bytes (what a checkpoint would store),
its latency per generated token (greedy, batch 1, KV cache except where the runtime has none,
repetitions interleaved across variants, median) and its perplexity on held-out tokens.

>>> VARIANTS["int8-kernels"]
('quantize', True)
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch

from lmlab.compress import kernels, prune, quantize
from lmlab.evaluate import perplexity
from lmlab.generate import generate

VARIANTS = {  # name -> (family, uses the KV cache)
    "fp32": ("baseline", True), "int8-simulated": ("quantize", True),
    "int8-kernels": ("quantize", True), "int4-simulated": ("quantize", True),
    "int4-kernels": ("quantize", True), "pruned": ("prune", True),
    "neurons-deleted": ("prune", True), "distilled": ("distill", True),
    "onnx": ("onnx", False), "onnx-int8": ("onnx", False)}
INT4_GROUP = 64  # weights per int4 scale and zero point


@dataclass(frozen=True)
class Point:
    """One variant of the model, measured."""

    name: str  # a VARIANTS key, with the sparsity for pruned ones ("pruned-50")
    family: str  # baseline, quantize, prune, distill, onnx
    weight_bytes: int  # bytes of its weights as stored (an ONNX file: the file's size)
    ms_per_token: float  # median latency per generated token, batch 1
    perplexity: float  # on the held-out tokens given
    kv_cache: bool  # False: each token reruns the prefix (ONNX graph without cache)


def ms_per_token(model, prompt: torch.Tensor, new_tokens: int, kv_cache: bool = True
                 ) -> Callable[[], float]:
    """A closure: greedy generation of ``new_tokens`` after ``prompt`` (1, T), in ms per token.
    An ``lmlab.compress.export.OnnxModel`` runs through ONNX Runtime (no cache)."""
    from lmlab.compress.export import OnnxModel, onnx_generate

    def run() -> float:
        t0 = time.perf_counter()
        with torch.no_grad():
            if isinstance(model, OnnxModel):
                onnx_generate(model.session, prompt, new_tokens, model.config.block_size)
            else:
                generate(model, prompt, new_tokens, temperature=0, use_cache=kv_cache)
        return 1000 * (time.perf_counter() - t0) / new_tokens

    return run


def interleaved(fns: list[Callable[[], float]], repeats: int) -> list[float]:
    """Each function run ``repeats`` times in turn (a noisy neighbour slows all); the medians."""
    runs = [[fn() for fn in fns] for _ in range(repeats)]
    return [statistics.median(col) for col in zip(*runs, strict=True)]


def build_variants(model, student=None, sparsities=(0.3, 0.5, 0.7), onnx_dir=None,
                   names: list[str] | None = None) -> dict:
    """Name -> (model, weight bytes): every variant of ``model`` the trade-off compares (only
    ``names`` when given; ONNX ones only with a folder ``onnx_dir`` to write the files in)."""
    q, g = quantize, INT4_GROUP
    make = {"fp32": lambda: (model, q.weight_bytes(model)),
            "int8-simulated": lambda: (q.quantize_model(model, 8), q.weight_bytes(model, 8)),
            "int8-kernels": lambda: (kernels.integer_model(model, 8), q.weight_bytes(model, 8)),
            "int4-simulated": lambda: (q.quantize_model(model, 4, symmetric=False, group_size=g),
                                       q.weight_bytes(model, 4, g)),
            "int4-kernels": lambda: (kernels.integer_model(model, 4, g), q.weight_bytes(model, 4, g))}
    for s in sparsities:  # zeros are stored like any weight: the same bytes
        make[f"pruned-{round(100 * s)}"] = lambda s=s: (prune.prune_model(model, s),
                                                        q.weight_bytes(model))
    make["neurons-deleted-50"] = lambda: _sized(prune.shrink_mlp(model, 0.5))
    if student is not None:
        make["distilled"] = lambda: _sized(student)
    if onnx_dir is not None:
        make["onnx"] = lambda: _onnx(model, Path(onnx_dir), int8=False)
        make["onnx-int8"] = lambda: _onnx(model, Path(onnx_dir), int8=True)
    return {n: build() for n, build in make.items() if names is None or n in names}


def _sized(model) -> tuple:
    return model, quantize.weight_bytes(model)


def _onnx(model, folder: Path, int8: bool) -> tuple:
    """The exported graph (written once), or ONNX Runtime's int8 copy of it, as an OnnxModel."""
    from lmlab.compress.export import OnnxModel, export_onnx, quantize_onnx

    fp32 = folder / "model.onnx"
    if not fp32.exists():
        export_onnx(model, fp32)
    path = quantize_onnx(fp32, folder / "model-int8.onnx") if int8 else fp32
    return OnnxModel(path, model.config), path.stat().st_size


def family(name: str) -> tuple[str, bool]:
    """(family, uses the KV cache) of a variant name such as ``"pruned-50"``."""
    base = next(k for k in sorted(VARIANTS, key=len, reverse=True) if name.startswith(k))
    return VARIANTS[base]


def tradeoff_points(model, ids, student=None, sparsities=(0.3, 0.5, 0.7), new_tokens: int = 16,
                    repeats: int = 3, onnx: bool = True) -> list[Point]:
    """Every variant's ``Point``: perplexity on ``ids``, latency interleaved over ``repeats``."""
    with tempfile.TemporaryDirectory() as tmp:
        variants = build_variants(model, student, sparsities, tmp if onnx else None)
        prompt = torch.as_tensor(list(ids[:8]), dtype=torch.long)[None]
        timers, warm = [], []
        for n, (m, _) in variants.items():
            timers.append(ms_per_token(m, prompt, new_tokens, family(n)[1]))
            warm.append(ms_per_token(m, prompt, 2, family(n)[1]))
        for w in warm:
            w()  # warm-up: first calls allocate, load kernels
        latency = interleaved(timers, repeats)
        points = []
        for (name, (m, nbytes)), ms in zip(variants.items(), latency, strict=True):
            fam, cache = family(name)
            points.append(Point(name, fam, int(nbytes), round(ms, 3),
                                round(perplexity(m, ids).perplexity, 3), cache))
    return points
