"""Quantization: store weights as small integers plus a scale, and see what it costs.

Lesson: lessons/11_compression.en.md.  Tab: Generate (the "int8 weights" model).

Symmetric int8 quantization of a weight row w:

    scale = max|w| / 127          q = round(w / scale) in [-127, 127]          ŵ = q * scale

Per-channel means one scale per output row (each row gets its own range), which keeps the error
small when rows differ in size.  Asymmetric quantization adds a zero point so a range like
[-0.1, 0.9] uses all the codes.  The error of one weight is at most scale / 2.

>>> w = torch.tensor([[0.5, -1.0, 0.25]])
>>> q = quantize_tensor(w, bits=8)
>>> q.q.tolist(), round(q.scale.item(), 5)
([[64, -127, 32]], 0.00787)
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class QuantizedTensor:
    """Integer codes plus the scale and zero point that map them back to floats."""

    q: torch.Tensor  # integer codes (int8 when bits <= 8, else int16/int32)
    scale: torch.Tensor  # (rows, 1) per channel, or a scalar
    zero_point: torch.Tensor  # same shape as scale; 0 when symmetric
    bits: int  # code width

    def dequantize(self) -> torch.Tensor:
        """Back to floats: (q - zero_point) * scale."""
        return (self.q.float() - self.zero_point) * self.scale

    def nbytes(self) -> int:
        """Storage of the codes plus the float32 scales and zero points."""
        return code_bytes(self.q.numel(), self.scale.numel(), self.bits)


def code_bytes(n_weights: int, n_scales: int, bits: int) -> int:
    """Bytes of ``n_weights`` ``bits``-bit codes plus a float32 scale and zero point each."""
    return (n_weights * bits + 7) // 8 + 8 * n_scales


def _int_dtype(bits: int) -> torch.dtype:
    return torch.int8 if bits <= 8 else torch.int16 if bits <= 16 else torch.int32


def quantize_tensor(w: torch.Tensor, bits: int = 8, per_channel: bool = True,
                    symmetric: bool = True) -> QuantizedTensor:
    """Quantize ``w`` (2-D when ``per_channel``: one scale per row) to ``bits``-bit integers."""
    if not 2 <= bits <= 16:
        raise ValueError(f"bits must be between 2 and 16, not {bits}")
    if per_channel and w.dim() != 2:
        raise ValueError("per-channel quantization takes a 2-D weight (rows = output channels)")
    w = w.detach().float()
    dims = dict(dim=1, keepdim=True) if per_channel else {}
    if symmetric:
        qmax = 2 ** (bits - 1) - 1  # 127 for 8 bits; -128 is left unused so 0 stays exact
        scale = (w.abs().amax(**dims) / qmax).clamp_min(1e-12)
        zero = torch.zeros_like(scale)
        q = torch.clamp(torch.round(w / scale), -qmax, qmax)
    else:
        qmin, qmax = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
        lo = w.amin(**dims).clamp_max(0.0)  # the range always holds 0
        hi = w.amax(**dims).clamp_min(0.0)
        scale = ((hi - lo) / (qmax - qmin)).clamp_min(1e-12)
        zero = torch.round(qmin - lo / scale)
        q = torch.clamp(torch.round(w / scale) + zero, qmin, qmax)
    return QuantizedTensor(q.to(_int_dtype(bits)), scale, zero, bits)


def quantize_model(model: torch.nn.Module, bits: int = 8) -> torch.nn.Module:
    """A copy of ``model`` whose matrices (every 2-D parameter: Linear weights, embeddings; a
    tied matrix once) hold their quantized-then-dequantized values, per row, symmetric: the
    numbers an int8 model computes with.  Biases and LayerNorms stay float, as is usual."""
    model = copy.deepcopy(model)
    with torch.no_grad():
        for p in model.parameters():  # parameters() yields a tied matrix once
            if p.dim() == 2:
                p.copy_(quantize_tensor(p, bits).dequantize())
    return model


def matrix_bytes(model: torch.nn.Module, bits: int | None = None) -> int:
    """Bytes of the model's matrices (a tied one counted once): float32 when ``bits`` is None,
    else ``bits``-bit codes plus one float32 scale and zero point per row."""
    mats = [p for p in model.parameters() if p.dim() == 2]
    if bits is None:
        return sum(4 * p.numel() for p in mats)
    return sum(code_bytes(p.numel(), p.size(0), bits) for p in mats)
