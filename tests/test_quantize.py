"""Quantization: codes equal torch's own quantizers (per channel, per tensor with a zero point),
every element's error is at most half a step (symmetric, asymmetric, per row, per tensor,
group-wise), and the int8 Shakespeare GPT predicts almost what the float one does.

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


@pytest.mark.parametrize("bits", [2, 4, 8])
@pytest.mark.parametrize("symmetric", [True, False])
@pytest.mark.parametrize("scheme", ["per_channel", "per_tensor", "group"])
def test_every_elements_error_is_at_most_half_a_step(bits, symmetric, scheme):
    torch.manual_seed(bits)
    w = torch.randn(8, 48) * torch.linspace(0.1, 3, 8)[:, None] + (0 if symmetric else 0.5)
    q = quantize_tensor(w, bits=bits, per_channel=scheme == "per_channel", symmetric=symmetric,
                        group_size=16 if scheme == "group" else None)
    err = (q.dequantize() - w).abs()
    assert q.step().shape == w.shape
    assert torch.all(err <= q.step() / 2 + 1e-6)  # every element, not the mean
    assert q.q.min() >= -(2 ** (bits - 1)) and q.q.max() <= 2 ** (bits - 1) - 1


def test_group_wise_int4_has_a_scale_per_group_and_beats_per_row():
    torch.manual_seed(2)
    w = torch.randn(6, 64) * torch.logspace(-2, 0, 64)  # columns of very different sizes
    g = quantize_tensor(w, 4, symmetric=False, group_size=16)
    assert g.scale.shape == g.zero_point.shape == (6, 4)
    rows = quantize_tensor(w, 4, symmetric=False)
    assert (g.dequantize() - w).pow(2).mean() < (rows.dequantize() - w).pow(2).mean() / 2
    assert g.nbytes() == 6 * 64 // 2 + 8 * 24  # half a byte per code + a scale and zero per group


def test_asymmetric_per_tensor_codes_equal_torch_quantize_per_tensor():
    torch.manual_seed(3)
    w = torch.rand(5, 7) * 2 - 0.3  # a lopsided range: [-0.3, 1.7]
    ours = quantize_tensor(w, bits=8, per_channel=False, symmetric=False)
    ref = torch.quantize_per_tensor(w, float(ours.scale), int(ours.zero_point) + 128, torch.quint8)
    assert torch.equal(ref.int_repr().int() - 128, ours.q.int())  # torch's uint8 = ours + 128
    assert torch.allclose(ref.dequantize(), ours.dequantize(), atol=1e-6)


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


@pytest.mark.parametrize("bits", [1, 3, 12, 16])
def test_bits_other_than_2_4_8_are_refused_with_a_sentence(bits):
    with pytest.raises(ValueError, match="bits must be 2, 4 or 8"):
        quantize_tensor(torch.ones(2, 2), bits=bits)


def test_a_group_size_that_does_not_divide_the_width_is_refused():
    with pytest.raises(ValueError, match="group size 5 does not divide the width 12"):
        quantize_tensor(torch.ones(3, 12), bits=4, group_size=5)
    with pytest.raises(ValueError, match="does not divide"):
        quantize_model(torch.nn.Linear(12, 3), bits=4, group_size=5)


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="2-D"):
        quantize_tensor(torch.ones(2, 2, 2), per_channel=True)


@pytest.mark.parametrize("args, message", [
    (["--bits", "3"], "--bits must be 2, 4 or 8"),
    (["--bits", "4", "--group-size", "100"], "group size 100 does not divide the width 192"),
])
def test_lmlab_quantize_refuses_bad_settings_in_one_line(args, message, capsys):
    from lmlab.cli import main

    assert main(["quantize", "--tokens", "200", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1
