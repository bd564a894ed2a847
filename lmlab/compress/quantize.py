"""Quantization: store weights as small integers plus a scale, and see what it costs.

Lesson: lessons/11_compression.en.md.  Tabs: Compress, Generate (the "int8 weights" model).

Symmetric int8 quantization of a weight row w:

    scale = max|w| / 127          q = round(w / scale) in [-127, 127]          ŵ = q * scale

*Per-channel* means one scale per output row (each row gets its own range), which keeps the error
small when rows differ in size; *per-tensor* is one scale for the whole matrix.  *Asymmetric*
quantization adds a zero point z, ŵ = (q - z) * scale, so a range like [-0.1, 0.9] uses all the
codes.  *Group-wise* (the usual int4 weight-only scheme) gives every ``group_size`` consecutive
weights of a row their own scale and zero point.  Whatever the scheme, rounding moves each
weight by at most half a step: |w - ŵ| <= scale / 2 (tests/test_quantize.py checks every element).

>>> w = torch.tensor([[0.5, -1.0, 0.25]])
>>> q = quantize_tensor(w, bits=8)
>>> q.q.tolist(), round(q.scale.item(), 5)
([[64, -127, 32]], 0.00787)
>>> quantize_tensor(torch.ones(2, 6), bits=4, group_size=3).scale.shape  # 2 rows x 2 groups
torch.Size([2, 2])
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import torch

BITS = (2, 4, 8)  # the code widths offered (int2, int4, int8)


class QuantizeError(ValueError):
    """A quantization setting that cannot work; the message says which and why."""


@dataclass(frozen=True)
class QuantizedTensor:
    """Integer codes plus the scale and zero point that map them back to floats."""

    q: torch.Tensor  # int8 codes, the shape of the weight
    scale: torch.Tensor  # (rows, 1) per channel, (rows, groups) group-wise, or a scalar
    zero_point: torch.Tensor  # same shape as scale; 0 when symmetric
    bits: int  # code width: 2, 4 or 8
    group_size: int | None = None  # weights per scale along a row; None: a whole row or tensor

    def dequantize(self) -> torch.Tensor:
        """Back to floats: (q - zero_point) * scale, each weight with its own group's scale."""
        if self.group_size is None:
            return (self.q.float() - self.zero_point) * self.scale
        rows, cols = self.q.shape
        q = self.q.float().view(rows, cols // self.group_size, self.group_size)
        return ((q - self.zero_point[..., None]) * self.scale[..., None]).view(rows, cols)

    def step(self) -> torch.Tensor:
        """The scale of every element (the distance between two neighbouring codes), w's shape."""
        if self.group_size is None:
            return self.scale.expand(self.q.shape)
        return self.scale.repeat_interleave(self.group_size, dim=1)

    def nbytes(self) -> int:
        """Storage of the codes plus the float32 scales and zero points."""
        return code_bytes(self.q.numel(), self.scale.numel(), self.bits)


def code_bytes(n_weights: int, n_scales: int, bits: int) -> int:
    """Bytes of ``n_weights`` ``bits``-bit codes plus a float32 scale and zero point each."""
    return (n_weights * bits + 7) // 8 + 8 * n_scales


def check_settings(w_shape: tuple[int, ...], bits: int, per_channel: bool,
                   group_size: int | None) -> None:
    """Raise ``QuantizeError`` with a plain sentence if these settings cannot quantize ``w``."""
    if bits not in BITS:
        raise QuantizeError(f"bits must be 2, 4 or 8, not {bits}: those are the code widths "
                            "that pack whole bytes")
    if group_size is not None:
        if len(w_shape) != 2:
            raise QuantizeError("group-wise quantization takes a 2-D weight (rows = output "
                                "channels)")
        if group_size < 1 or w_shape[1] % group_size:
            raise QuantizeError(f"the group size {group_size} does not divide the width "
                                f"{w_shape[1]}: choose one of its divisors (e.g. 32 or 64)")
    elif per_channel and len(w_shape) != 2:
        raise QuantizeError("per-channel quantization takes a 2-D weight (rows = output channels)")


def quantize_tensor(w: torch.Tensor, bits: int = 8, per_channel: bool = True,
                    symmetric: bool = True, group_size: int | None = None) -> QuantizedTensor:
    """Quantize ``w`` to ``bits``-bit integers (2, 4 or 8).

    One scale per row when ``per_channel`` (``w`` 2-D), else one for the tensor; with
    ``group_size`` one per ``group_size`` weights of a row (it must divide the width).
    """
    check_settings(tuple(w.shape), bits, per_channel, group_size)
    w = w.detach().float()
    rows = w.shape[0] if w.dim() else 1
    x = w.reshape(rows, -1, group_size) if group_size else w  # (rows, groups, group_size)
    dims = dict(dim=-1, keepdim=True) if per_channel or group_size else {}
    if symmetric:
        qmax = 2 ** (bits - 1) - 1  # 127 for 8 bits; -128 is left unused so 0 stays exact
        scale = (x.abs().amax(**dims) / qmax).clamp_min(1e-12)
        zero = torch.zeros_like(scale)
        q = torch.clamp(torch.round(x / scale), -qmax, qmax)
    else:
        qmin, qmax = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
        lo = x.amin(**dims).clamp_max(0.0)  # the range always holds 0
        hi = x.amax(**dims).clamp_min(0.0)
        scale = ((hi - lo) / (qmax - qmin)).clamp_min(1e-12)
        zero = torch.round(qmin - lo / scale)
        q = torch.clamp(torch.round(x / scale) + zero, qmin, qmax)
    if group_size:
        return QuantizedTensor(q.reshape(w.shape).to(torch.int8).contiguous(), scale[..., 0],
                               zero[..., 0], bits, group_size)
    return QuantizedTensor(q.to(torch.int8).contiguous(), scale, zero, bits)


def quantize_model(model: torch.nn.Module, bits: int = 8, symmetric: bool = True,
                   group_size: int | None = None) -> torch.nn.Module:
    """A copy of ``model`` whose matrices (every 2-D parameter: Linear weights, embeddings; a
    tied matrix once) hold their quantized-then-dequantized values, per row (or per group): the
    numbers an int8 model computes with.  Biases and LayerNorms stay float, as is usual."""
    check_settings((1, 1 if group_size is None else group_size), bits, True, group_size)
    model = copy.deepcopy(model)
    with torch.no_grad():
        for p in model.parameters():  # parameters() yields a tied matrix once
            if p.dim() == 2:
                p.copy_(quantize_tensor(p, bits, symmetric=symmetric,
                                        group_size=group_size).dequantize())
    return model


def matrix_bytes(model: torch.nn.Module, bits: int | None = None,
                 group_size: int | None = None) -> int:
    """Bytes of the model's matrices (a tied one counted once): float32 when ``bits`` is None,
    else ``bits``-bit codes plus one float32 scale and zero point per row (or per group)."""
    mats = [p for p in model.parameters() if p.dim() == 2]
    if bits is None:
        return sum(4 * p.numel() for p in mats)
    return sum(code_bytes(p.numel(), p.numel() // group_size if group_size else p.size(0), bits)
               for p in mats)


def weight_bytes(model: torch.nn.Module, bits: int | None = None,
                 group_size: int | None = None) -> int:
    """Bytes of every weight as a checkpoint would store them: the matrices at ``bits`` (see
    ``matrix_bytes``) plus the biases and LayerNorms in float32."""
    rest = sum(4 * p.numel() for p in model.parameters() if p.dim() != 2)
    return matrix_bytes(model, bits, group_size) + rest
