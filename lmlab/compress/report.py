"""The size / perplexity report of quantization: what each code width costs, measured.

Lesson: lessons/11_compression.en.md.  Command: ``lmlab quantize``.  Tab: Compress.
"""

from __future__ import annotations

from dataclasses import dataclass

from lmlab.compress.quantize import matrix_bytes, quantize_model
from lmlab.evaluate import perplexity


@dataclass(frozen=True)
class QuantizeRow:
    """One code width of one model."""

    bits: int  # 32 for the float model itself
    matrix_bytes: int  # bytes of the weight matrices at this width
    max_weight_error: float  # largest |w - dequantized w| over all weights
    val_perplexity: float  # held-out perplexity on the given tokens


def quantize_rows(model, bits_list, ids, symmetric: bool = True,
                  group_size: int | None = None) -> list[QuantizeRow]:
    """The float model, then one row per code width, on the held-out token ids ``ids``
    (per row, or per ``group_size`` weights of a row; with a zero point unless ``symmetric``)."""
    rows = []
    for bits in [None, *bits_list]:  # None: the float32 model itself
        q = model if bits is None else quantize_model(model, bits, symmetric, group_size)
        err = max(float((a - b).detach().abs().max()) for a, b in
                  zip(model.parameters(), q.parameters(), strict=True))
        rows.append(QuantizeRow(bits or 32, matrix_bytes(model, bits, bits and group_size), round(err, 6),
                                round(perplexity(q, ids).perplexity, 3)))
    return rows
