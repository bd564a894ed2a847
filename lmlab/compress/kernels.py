"""Real integer execution: int8 and int4 matrix multiplies, not rounded floats.

Lesson: lessons/11_compression.en.md.  Tab: Compress ("int8 kernels", "int4 kernels").
Command: ``lmlab bench quantize``.

``quantize_model`` (``lmlab.compress.quantize``) *simulates* quantization: the weights take the
values int8 can hold but stay float32, so the model is no smaller in memory and no faster.  Here
the same integer codes are handed to kernels that multiply in integers:

- ``Int8Linear``: torch's dynamic int8 linear (fbgemm on x86).  The weights are packed once as
  int8 (our per-row symmetric codes, unchanged); at each call the activations are rounded to
  8-bit integers on the fly (*dynamic*: one scale per call, from their range), the product is
  summed in int32 and scaled back to float.  Only the activations' rounding differs from the
  simulated model (tests/test_compress_kernels.py states the tolerance).
- ``Int4Linear``: torch's int4 weight-only CPU kernel (``_weight_int4pack_mm_for_cpu``, the
  "tinygemm" layout): two codes per byte, one scale and zero point per group of a row,
  activations in bfloat16.

torchao 0.18 imports and runs on CPU with torch 2.13, but in eager mode its int8 weight-only
linear was 3x slower than float32 on these machines (it needs ``torch.compile``), and its
dynamic int8 8x slower; torch's own fbgemm kernels are what is fast here, so they are used.

>>> lin = torch.nn.Linear(64, 32)
>>> x = torch.randn(2, 3, 64)
>>> bool((Int8Linear(lin)(x) - lin(x)).abs().max() < 0.05)
True
"""

from __future__ import annotations

import copy
import warnings

import torch
import torch.nn as nn

from lmlab.compress.quantize import QuantizeError, quantize_tensor

INT4_GROUP_SIZES = (32, 64, 128, 256)  # what the int4 CPU kernel accepts


class Int8Linear(nn.Module):
    """An ``nn.Linear`` computed by an int8 x int8 -> int32 kernel (weights per row, symmetric)."""

    def __init__(self, linear: nn.Linear):
        super().__init__()
        q = quantize_tensor(linear.weight, 8, per_channel=True, symmetric=True)
        rows = q.q.size(0)
        bias = None if linear.bias is None else linear.bias.detach().float().clone()
        with warnings.catch_warnings():  # torch marks its quantized tensors as deprecated
            warnings.simplefilter("ignore")
            codes = torch._make_per_channel_quantized_tensor(  # int8 codes + per-row scales
                q.q.contiguous(), q.scale[:, 0].double(), torch.zeros(rows, dtype=torch.long), 0)
            self.packed = torch.ops.quantized.linear_prepack(codes, bias)  # fbgemm's layout
        self.in_features, self.out_features = linear.in_features, linear.out_features
        self.weight_bytes = q.nbytes()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # the activations are quantized here, per call, to 7-bit unsigned (reduce_range keeps
        # fbgemm's 16-bit intermediate sums from overflowing)
        return torch.ops.quantized.linear_dynamic(x, self.packed, reduce_range=True)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, int8"


class Int4Linear(nn.Module):
    """An ``nn.Linear`` with int4 weights (asymmetric, per group) and bfloat16 activations."""

    def __init__(self, linear: nn.Linear, group_size: int = 64):
        super().__init__()
        if group_size not in INT4_GROUP_SIZES:
            raise QuantizeError(f"the int4 kernel takes a group size of 32, 64, 128 or 256, "
                                f"not {group_size}")
        weight = linear.weight.detach()
        pad = -weight.size(0) % 16  # the kernel packs rows 16 at a time: pad with zero rows
        weight = torch.cat([weight, weight.new_zeros(pad, weight.size(1))]) if pad else weight
        q = quantize_tensor(weight, 4, symmetric=False, group_size=group_size)
        # the kernel reads w = (u - 8) * scale + zero with unsigned codes u = q + 8 in [0, 15];
        # ours is w = (q - z) * scale, so zero = -z * scale
        self.packed = torch._convert_weight_to_int4pack_for_cpu((q.q.int() + 8).contiguous(), 1)
        zero = -q.zero_point * q.scale
        self.scales_zeros = torch.stack([q.scale.t(), zero.t()], dim=-1).to(torch.bfloat16)
        self.bias = None if linear.bias is None else linear.bias.detach().float().clone()
        self.group_size = group_size
        self.in_features, self.out_features = linear.in_features, linear.out_features
        self.weight_bytes = q.nbytes()  # the padding rows included: what is in memory

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        rows = x.reshape(-1, self.in_features).to(torch.bfloat16)  # (B*T, in)
        y = torch._weight_int4pack_mm_for_cpu(rows, self.packed, self.group_size,
                                              self.scales_zeros)[:, :self.out_features].float()
        if self.bias is not None:
            y = y + self.bias
        return y.view(*x.shape[:-1], self.out_features)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"int4, group_size={self.group_size}")


def integer_model(model: nn.Module, bits: int = 8, group_size: int = 64) -> nn.Module:
    """A copy of a GPT whose every ``nn.Linear`` (``lm_head`` included) runs on integer kernels.

    The embeddings (a lookup, not a multiply) keep their quantized-then-dequantized float values,
    so apart from the kernels' own rounding the copy computes what ``quantize_model`` simulates.
    The copy is for inference only (no gradients through packed weights).
    """
    if bits not in (4, 8):
        raise QuantizeError(f"integer kernels exist for 8 and 4 bits, not {bits}")
    model = copy.deepcopy(model)
    emb = dict(symmetric=True) if bits == 8 else dict(symmetric=False, group_size=group_size)
    with torch.no_grad():
        for e in (model.transformer.wte, model.transformer.wpe):
            e.weight = nn.Parameter(quantize_tensor(e.weight, bits, **emb).dequantize(),
                                    requires_grad=False)
    make = Int8Linear if bits == 8 else (lambda lin: Int4Linear(lin, group_size))
    for module in list(model.modules()):
        for name, child in list(module.named_children()):
            if isinstance(child, nn.Linear):
                setattr(module, name, make(child))
    return model.eval()


def kernel_bytes(model: nn.Module) -> int:
    """Bytes of an ``integer_model``'s packed matrices plus its float embeddings, biases, norms."""
    packed = sum(m.weight_bytes for m in model.modules() if isinstance(m, (Int8Linear, Int4Linear)))
    return packed + sum(4 * p.numel() for p in model.parameters())
