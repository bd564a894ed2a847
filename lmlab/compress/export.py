"""Deployment: the GPT as an ONNX graph, run by ONNX Runtime without torch or lmlab.

Lesson: lessons/11_compression.en.md.  Command: ``lmlab export --format onnx``.  Tab: Compress
(the "ONNX Runtime" point).

ONNX is a file format for a model's computation graph: operators (MatMul, Softmax, ...) and
their weights.  ``torch.onnx.export`` runs the model once on an example input and records what
it computes; ONNX Runtime (or a phone, a browser, another language) then runs the file.  The
graph here takes ``input_ids`` (int64, batch x sequence, both axes dynamic) and gives ``logits``
(batch x sequence x vocabulary); tests/test_export.py checks that ONNX Runtime's logits equal
lmlab's to 1e-4.  The graph has no KV cache: each new token reruns the whole prefix.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import torch
import torch.nn as nn

INPUT, OUTPUT = "input_ids", "logits"  # the graph's input and output names


class _LogitsOnly(nn.Module):
    """The GPT with one tensor in and one out, as an exporter wants it."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        # the explicit attention path: the fused kernel's is_causal flag cannot be traced
        return self.model(input_ids, output_attentions=True).logits


def export_onnx(model: nn.Module, out: str | Path, opset: int = 17) -> Path:
    """Write ``model`` (an ``lmlab.gpt.GPT``, eval mode) to ``out`` as ONNX; returns the path.

    Uses the TorchScript exporter (``dynamo=False``): it records the traced graph with the two
    dynamic axes named ``batch`` and ``sequence``.
    """
    out = Path(out)
    if out.suffix != ".onnx":
        raise ValueError(f"the ONNX file should end in .onnx, not {out.name!r}")
    out.parent.mkdir(parents=True, exist_ok=True)
    example = torch.zeros(1, 8, dtype=torch.long)
    wrapper = _LogitsOnly(model).eval()  # the exporter restores the mode it found: eval
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # tracer notes on Python ints taken from shapes
        torch.onnx.export(wrapper, (example,), str(out), input_names=[INPUT],
                          output_names=[OUTPUT], opset_version=opset, dynamo=False,
                          dynamic_axes={INPUT: {0: "batch", 1: "sequence"},
                                        OUTPUT: {0: "batch", 1: "sequence"}})
    return out


def onnx_session(path: str | Path, threads: int = 1):
    """An ``onnxruntime.InferenceSession`` on the CPU for the file at ``path``."""
    try:
        import onnxruntime as ort
    except ImportError:
        raise ValueError("ONNX Runtime is not installed: pip install 'lmlab[onnx]'") from None
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def onnx_logits(session, ids) -> torch.Tensor:
    """Logits (B, T, V) that ONNX Runtime computes for ``ids`` (B, T) int64."""
    ids = torch.as_tensor(ids, dtype=torch.long)
    return torch.from_numpy(session.run([OUTPUT], {INPUT: ids.numpy()})[0])


def onnx_generate(session, ids, max_new_tokens: int, block_size: int) -> torch.Tensor:
    """Greedy generation through ONNX Runtime (the whole prefix each step: no cache)."""
    ids = torch.as_tensor(ids, dtype=torch.long)
    for _ in range(max_new_tokens):
        logits = onnx_logits(session, ids[:, -block_size:])
        ids = torch.cat([ids, logits[:, -1].argmax(-1, keepdim=True)], dim=1)
    return ids


def quantize_onnx(src: str | Path, out: str | Path) -> Path:
    """ONNX Runtime's own dynamic int8 quantization of an exported graph (per-channel weights).

    torch's exporter cannot write lmlab's int8 kernels, so the int8 ONNX file is made by
    ONNX Runtime from the float one: its MatMuls become int8 weights times activations
    quantized on the fly, as ``lmlab.compress.kernels.Int8Linear`` does.
    """
    import logging

    try:
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError:
        raise ValueError("ONNX Runtime is not installed: pip install 'lmlab[onnx]'") from None
    # ONNX Runtime writes a note suggesting pre-processing on the root logger: drop its notes
    # for this call only (a root-level change would silence every logger of the process)
    root, quiet = logging.getLogger(), _OnnxruntimeNotes()
    root.addFilter(quiet)
    try:
        quantize_dynamic(str(src), str(out), weight_type=QuantType.QInt8, per_channel=True)
    finally:
        root.removeFilter(quiet)
    return Path(out)


class _OnnxruntimeNotes:
    """A logging filter that drops ONNX Runtime's own warnings (below ERROR) and keeps the rest."""

    def filter(self, record) -> bool:
        return record.levelno >= 40 or "onnxruntime" not in record.pathname


class OnnxModel:
    """An ONNX Runtime session that answers like a GPT: ``model(idx).logits`` and ``.config``,
    so ``lmlab.evaluate.perplexity`` scores the ONNX file with the same code as the GPT."""

    def __init__(self, path: str | Path, config, threads: int = 1):
        self.session, self.config, self.path = onnx_session(path, threads), config, Path(path)

    def eval(self) -> OnnxModel:
        return self

    def __call__(self, idx: torch.Tensor):
        from lmlab.gpt import GPTOutput

        return GPTOutput(onnx_logits(self.session, idx))
