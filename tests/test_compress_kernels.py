"""Integer kernels: the int8 (fbgemm) and int4 (tinygemm CPU) linears compute what the
simulated quantized model computes, within stated tolerances, on the GPT's transposed weights.

Run: python -m pytest tests/test_compress_kernels.py
Tolerances (measured on the shipped GPT, 2 x 64 held-out tokens): int8 kernels differ from
simulated int8 only by rounding the activations to 7 bits: mean |Δ logit| 0.06, max 0.5 (logits
span about ±20); int4 kernels by bfloat16 activations and scales: mean 0.01, max 0.12.
"""

import pytest
import torch

from lmlab.compress.kernels import Int4Linear, Int8Linear, integer_model, kernel_bytes
from lmlab.compress.quantize import quantize_model, quantize_tensor, weight_bytes
from lmlab.gpt import GPT, GPTConfig


@pytest.fixture(scope="module")
def shipped():
    from lmlab import SHIPPED_GPT

    return GPT.from_pretrained(SHIPPED_GPT)


@pytest.fixture(scope="module")
def heldout():
    from lmlab.tokenizer import token_stream

    return torch.as_tensor(token_stream("val")[:128]).long().view(2, 64)


def _linear_in_gpt_layout(n_in=192, n_out=96, seed=0):
    torch.manual_seed(seed)
    lin = torch.nn.Linear(n_in, n_out)
    lin.weight = torch.nn.Parameter(lin.weight.detach().t().contiguous().t())  # as lmlab.gpt
    assert not lin.weight.is_contiguous()
    return lin


def test_int8_linear_equals_its_dequantized_weights_up_to_activation_rounding():
    lin = _linear_in_gpt_layout()
    x = torch.randn(3, 5, 192)
    w = quantize_tensor(lin.weight, 8).dequantize()
    want = torch.nn.functional.linear(x, w, lin.bias)
    got = Int8Linear(lin)(x)
    assert got.shape == want.shape
    step = x.abs().max() / 127  # one activation step, 7-bit unsigned range covers 2 * max
    assert (got - want).abs().max() < 192 * step * w.abs().max()  # a loose worst case
    assert (got - want).abs().mean() < 0.01 * want.abs().mean() + 0.01


@pytest.mark.parametrize("n_out", [96, 50])  # 50: not a multiple of 16 (GPT-2's 50,257 rows)
def test_int4_linear_equals_its_dequantized_group_weights_in_bfloat16(n_out):
    lin = _linear_in_gpt_layout(n_out=n_out)
    x = torch.randn(4, 192)
    w = quantize_tensor(lin.weight, 4, symmetric=False, group_size=64).dequantize()
    want = torch.nn.functional.linear(x, w, lin.bias)
    assert torch.allclose(Int4Linear(lin, 64)(x), want, atol=0.03, rtol=0.02)


@pytest.mark.parametrize("bits, mean_tol, max_tol", [(8, 0.1, 1.0), (4, 0.03, 0.3)])
def test_integer_gpt_logits_agree_with_the_simulated_quantized_gpt(shipped, heldout, bits,
                                                                    mean_tol, max_tol):
    sim = quantize_model(shipped, 8) if bits == 8 else quantize_model(
        shipped, 4, symmetric=False, group_size=64)
    ker = integer_model(shipped, bits)
    with torch.no_grad():
        a, b = sim(heldout).logits, ker(heldout).logits
    diff = (a - b).abs()
    assert diff.mean() < mean_tol and diff.max() < max_tol, (diff.mean(), diff.max())
    assert (a.argmax(-1) == b.argmax(-1)).float().mean() > 0.9


def test_integer_gpt_generates_with_the_kv_cache(shipped):
    from lmlab.generate import generate

    ker = integer_model(shipped, 8)
    out = generate(ker, [1, 2, 3], 20, temperature=0)
    assert out.shape == (1, 23)
    assert ker.transformer.wte.weight is not shipped.transformer.wte.weight  # a copy


def test_integer_weights_are_smaller_and_match_the_storage_count(shipped):
    ker8 = integer_model(shipped, 8)
    assert kernel_bytes(ker8) < weight_bytes(shipped) / 2  # float embeddings kept for lookup
    assert weight_bytes(shipped) / weight_bytes(shipped, 8) > 3.3


def test_bad_kernel_settings_are_refused():
    tiny = GPT(GPTConfig(vocab_size=64, block_size=8, n_layer=1, n_head=2, n_embd=64))
    with pytest.raises(ValueError, match="8 and 4 bits"):
        integer_model(tiny, bits=2)
    with pytest.raises(ValueError, match="32, 64, 128 or 256"):
        Int4Linear(torch.nn.Linear(64, 8), group_size=16)
