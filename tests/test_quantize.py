"""Quantization: codes equal torch's own per-channel quantizer, the error is at most half a step,
and the int8 Shakespeare GPT predicts almost what the float one does.

Run: python -m pytest tests/test_quantize.py
"""

import pytest
import torch

from lmlab.compress.quantize import quantize_model, quantize_tensor


def test_symmetric_per_channel_codes_equal_torch_quantize_per_channel():
    torch.manual_seed(0)
    w = torch.randn(16, 40)
    ours = quantize_tensor(w, bits=8, per_channel=True, symmetric=True)
    scale = ours.scale[:, 0].double()
    ref = torch.quantize_per_channel(w, scale, torch.zeros(16, dtype=torch.long), 0, torch.qint8)
    assert torch.equal(ref.int_repr(), ours.q)
    assert torch.allclose(ref.dequantize(), ours.dequantize(), atol=1e-7)


@pytest.mark.parametrize("bits", [2, 4, 8, 12])
@pytest.mark.parametrize("symmetric", [True, False])
def test_error_is_at_most_half_a_step(bits, symmetric):
    torch.manual_seed(bits)
    w = torch.randn(8, 33) * torch.linspace(0.1, 3, 8)[:, None] + (0 if symmetric else 0.5)
    q = quantize_tensor(w, bits=bits, per_channel=True, symmetric=symmetric)
    err = (q.dequantize() - w).abs()
    assert torch.all(err <= q.scale / 2 + 1e-6)
    assert q.q.min() >= -(2 ** (bits - 1)) and q.q.max() <= 2 ** (bits - 1) - 1


def test_per_channel_beats_per_tensor_when_rows_differ_in_size():
    torch.manual_seed(1)
    w = torch.randn(8, 64) * torch.logspace(-2, 0, 8)[:, None]
    per_row = (quantize_tensor(w, 4, per_channel=True).dequantize() - w).pow(2).mean()
    whole = (quantize_tensor(w, 4, per_channel=False).dequantize() - w).pow(2).mean()
    assert per_row < whole / 2  # measured: 3.5x smaller


def test_asymmetric_uses_a_zero_point_and_keeps_zero_exact():
    w = torch.tensor([[0.0, 0.1, 0.9, 0.45]])
    q = quantize_tensor(w, bits=8, symmetric=False)
    assert q.zero_point.item() != 0
    assert q.dequantize()[0, 0].item() == 0.0


def test_int8_shipped_gpt_stays_close_to_float():
    from lmlab import SHIPPED_GPT
    from lmlab.gpt import GPT

    model = GPT.from_pretrained(SHIPPED_GPT)
    q8 = quantize_model(model, 8)
    assert q8.transformer.wte.weight is q8.lm_head.weight  # still tied
    idx = torch.randint(2048, (2, 64), generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        p, r = model(idx).logits.softmax(-1), q8(idx).logits.softmax(-1)
    kl = (p * (p.log() - r.log())).sum(-1).mean()
    assert kl < 1e-3  # nats
    assert (p.argmax(-1) == r.argmax(-1)).float().mean() > 0.97


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="bits"):
        quantize_tensor(torch.ones(2, 2), bits=1)
    with pytest.raises(ValueError, match="2-D"):
        quantize_tensor(torch.ones(2, 2, 2), per_channel=True)
