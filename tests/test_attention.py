"""Attention math against PyTorch's own, and the step-by-step trace against our GPT's layer.

Checks: ``scaled_dot_product`` equals ``F.scaled_dot_product_attention`` (no mask, causal,
padding, additive float mask); ``multi_head_attention`` equals ``nn.MultiheadAttention`` loaded
with the same weights; ``trace_head`` reproduces a real GPT block; ``describe_head`` reads
hand-made patterns.  All on small random tensors and a tiny random GPT, no network, < 5 s.

Run:  python -m pytest tests/test_attention.py -q
"""

import doctest

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

import lmlab.attention
from lmlab.attention import (
    causal_mask,
    describe_head,
    multi_head_attention,
    pattern_shares,
    scaled_dot_product,
    trace_gpt,
    trace_head,
)
from lmlab.gpt import GPT, GPTConfig

F64 = torch.float64


@pytest.fixture(autouse=True)
def seeded():
    torch.manual_seed(0)  # every test sees the same random numbers, run alone or together


def random_qkv(seed, dtype=F64):
    g = torch.Generator().manual_seed(seed)
    B, H = torch.randint(1, 4, (2,), generator=g).tolist()
    T, D = torch.randint(2, 12, (2,), generator=g).tolist()
    return (torch.randn(B, H, T, D, generator=g, dtype=dtype) for _ in range(3))


def tiny_gpt(seed=0, n_head=4, n_embd=32):
    torch.manual_seed(seed)
    cfg = GPTConfig(vocab_size=50, block_size=16, n_layer=2, n_head=n_head, n_embd=n_embd)
    model = GPT(cfg).eval()
    with torch.no_grad():  # GPT-2's init leaves biases at 0 and c_proj tiny: make them matter
        for p in model.parameters():
            p.add_(0.05 * torch.randn_like(p))
    return model


# ----------------------------------------------------------------------------- scaled_dot_product


@pytest.mark.parametrize("seed", range(5))
def test_matches_torch_without_mask(seed):
    q, k, v = random_qkv(seed)
    out, _ = scaled_dot_product(q, k, v)
    torch.testing.assert_close(out, F.scaled_dot_product_attention(q, k, v), atol=1e-6, rtol=0)


@pytest.mark.parametrize("seed", range(5))
def test_matches_torch_with_causal_mask(seed):
    q, k, v = random_qkv(seed)
    out, _ = scaled_dot_product(q, k, v, causal_mask(q.size(2)))
    ref = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    torch.testing.assert_close(out, ref, atol=1e-6, rtol=0)


@pytest.mark.parametrize("seed", range(5))
def test_matches_torch_with_padding_mask(seed):
    q, k, v = random_qkv(seed)
    B, T = q.size(0), q.size(2)
    lengths = torch.randint(1, T + 1, (B,), generator=torch.Generator().manual_seed(seed))
    pad = (torch.arange(T)[None, :] < lengths[:, None])[:, None, None, :]  # (B, 1, 1, T)
    out, w = scaled_dot_product(q, k, v, pad)
    torch.testing.assert_close(out, F.scaled_dot_product_attention(q, k, v, attn_mask=pad),
                               atol=1e-6, rtol=0)
    assert (w.masked_select(~pad.expand_as(w)) == 0).all()  # padded keys get no attention


def test_float_mask_is_added_to_scores_as_in_torch():
    q, k, v = random_qkv(7)
    bias = torch.randn(q.size(2), k.size(2), dtype=F64)
    out, _ = scaled_dot_product(q, k, v, bias)
    torch.testing.assert_close(out, F.scaled_dot_product_attention(q, k, v, attn_mask=bias),
                               atol=1e-6, rtol=0)


def test_float32_matches_torch_at_float32_tolerance():
    q, k, v = random_qkv(3, dtype=torch.float32)
    out, _ = scaled_dot_product(q, k, v, causal_mask(q.size(2)))
    ref = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    torch.testing.assert_close(out, ref, atol=1e-5, rtol=0)


@pytest.mark.parametrize("seed", range(3))
def test_weights_rows_sum_to_one(seed):
    q, k, v = random_qkv(seed)
    for mask in (None, causal_mask(q.size(2))):
        _, w = scaled_dot_product(q, k, v, mask)
        torch.testing.assert_close(w.sum(-1), torch.ones_like(w.sum(-1)), atol=1e-12, rtol=0)
        assert (w >= 0).all()


def test_fully_masked_row_gets_zero_weights_not_nan():
    q, k, v = random_qkv(0)
    mask = torch.zeros(q.size(2), k.size(2), dtype=torch.bool)
    out, w = scaled_dot_product(q, k, v, mask)
    assert not out.isnan().any() and (w == 0).all()


# ----------------------------------------------------------------------------- multi-head


def torch_mha(w_qkv, b_qkv, w_o, b_o, n_head):
    E = w_o.size(0)
    mha = nn.MultiheadAttention(E, n_head, batch_first=True, dtype=F64).eval()
    with torch.no_grad():
        mha.in_proj_weight.copy_(w_qkv)  # (3E, E): q, k, v stacked, as ours
        mha.in_proj_bias.copy_(b_qkv)
        mha.out_proj.weight.copy_(w_o)
        mha.out_proj.bias.copy_(b_o)
    return mha


@pytest.mark.parametrize("n_head", [1, 2, 4])
def test_multi_head_matches_nn_multihead_attention(n_head):
    torch.manual_seed(n_head)
    B, T, E = 2, 7, 16
    x = torch.randn(B, T, E, dtype=F64)
    w = (torch.randn(3 * E, E, dtype=F64) / 4, torch.randn(3 * E, dtype=F64),
         torch.randn(E, E, dtype=F64) / 4, torch.randn(E, dtype=F64))
    mha = torch_mha(*w, n_head)
    causal = causal_mask(T)  # ours: True = may attend; torch's MHA: True = NOT allowed
    cases = [(None, {}), (causal, {"attn_mask": ~causal}),
             (causal.to(F64).log(), {"attn_mask": causal.to(F64).log()})]  # additive 0 / -inf
    for ours_mask, theirs in cases:
        out, weights = multi_head_attention(x, *w, n_head, mask=ours_mask)
        ref, ref_w = mha(x, x, x, need_weights=True, average_attn_weights=False, **theirs)
        torch.testing.assert_close(out, ref, atol=1e-6, rtol=0)
        torch.testing.assert_close(weights, ref_w, atol=1e-6, rtol=0)


def test_multi_head_padding_matches_key_padding_mask():
    torch.manual_seed(0)
    B, T, E, H = 3, 6, 12, 3
    x = torch.randn(B, T, E, dtype=F64)
    w = (torch.randn(3 * E, E, dtype=F64) / 3, torch.randn(3 * E, dtype=F64),
         torch.randn(E, E, dtype=F64) / 3, torch.randn(E, dtype=F64))
    keep = torch.arange(T)[None, :] < torch.tensor([6, 4, 1])[:, None]  # (B, T) real tokens
    out, _ = multi_head_attention(x, *w, H, mask=keep[:, None, None, :])
    ref, _ = torch_mha(*w, H)(x, x, x, key_padding_mask=~keep)
    torch.testing.assert_close(out, ref, atol=1e-6, rtol=0)


# ----------------------------------------------------------------------------- trace_head


@pytest.mark.parametrize("layer", [0, 1])
def test_trace_output_equals_the_gpt_layer_forward(layer):
    model = tiny_gpt()
    block = model.transformer.h[layer]
    x = torch.randn(9, 32)
    expected, _ = block.attn(block.ln_1(x[None]))  # the model's own (fused) path
    for head in range(4):
        t = trace_head(block, x, head)
        torch.testing.assert_close(t.output, expected[0], atol=1e-6, rtol=0)


def test_trace_steps_are_consistent():
    model = tiny_gpt()
    t = trace_head(model.transformer.h[0], torch.randn(6, 32), head=2)
    hs = 32 // 4
    assert t.q.shape == t.k.shape == t.v.shape == t.head_output.shape == (6, hs)
    torch.testing.assert_close(t.scaled, t.scores / hs ** 0.5)
    assert torch.isinf(t.masked[~t.mask]).all() and (t.weights[~t.mask] == 0).all()
    torch.testing.assert_close(t.weights.sum(-1), torch.ones(6))
    torch.testing.assert_close(t.heads[:, 2 * hs:3 * hs], t.head_output, atol=1e-6, rtol=0)
    per_head = [trace_head(model.transformer.h[0].attn, t.x, h).head_contribution
                for h in range(4)]  # t.x is after ln_1: pass the attention module itself
    bias = model.transformer.h[0].attn.c_proj.bias
    torch.testing.assert_close(sum(per_head) + bias, t.output, atol=1e-6, rtol=0)


def test_trace_gpt_weights_equal_the_models_attentions():
    model = tiny_gpt()
    idx = torch.randint(0, 50, (1, 10))
    attentions = model(idx, output_attentions=True).attentions
    for layer, head in [(0, 0), (1, 3)]:
        t = trace_gpt(model, idx, layer, head)
        torch.testing.assert_close(t.weights, attentions[layer][0, head], atol=1e-6, rtol=0)


def test_trace_without_mask_lets_every_token_see_every_other():
    t = trace_head(tiny_gpt().transformer.h[0], torch.randn(5, 32), head=0, mask=None)
    assert t.mask is None and (t.weights > 0).all()


def test_trace_rejects_a_missing_head():
    with pytest.raises(ValueError, match="head 4"):
        trace_head(tiny_gpt().transformer.h[0], torch.randn(3, 32), head=4)


# ----------------------------------------------------------------------------- describe_head


def causal_rows(rows):
    """A (T, T) weight matrix from lists of each row's leading weights."""
    w = torch.zeros(len(rows), len(rows))
    for i, r in enumerate(rows):
        w[i, :len(r)] = torch.tensor(r)
    return w


def test_describes_a_previous_token_head():
    w = causal_rows([[1.0], [1.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0, 0.0],
                     [0.0, 0.0, 0.0, 1.0, 0.0]])  # row i puts everything on i - 1
    d = describe_head(w)
    assert d.pattern == "previous" and d.share == 1.0 and d.mean_distance == pytest.approx(0.8)
    assert d.best == "previous" and str(d) == "previous (previous 100%)"


def test_describes_a_first_token_head_and_names_the_token():
    w = causal_rows([[1.0], [0.9, 0.1], [0.7, 0.1, 0.2], [0.8, 0.0, 0.1, 0.1]])
    d = describe_head(w, [464, 3797, 3332, 13])
    assert d.pattern == "first" and d.share == pytest.approx(0.8)


def test_describes_a_self_head():
    d = describe_head(causal_rows([[1.0], [0.3, 0.7], [0.1, 0.2, 0.7]]))
    assert d.pattern == "self" and d.share == pytest.approx(0.7)


def test_describes_a_same_token_head():
    tokens = [7, 8, 7, 8, 7]  # token ids: compared by id, not by how they print
    w = causal_rows([[1.0], [0.5, 0.5], [0.9, 0.0, 0.1], [0.0, 0.9, 0.0, 0.1],
                     [0.45, 0.0, 0.45, 0.0, 0.1]])
    d = describe_head(w, tokens)
    assert d.pattern == "same" and d.share == pytest.approx(0.9)


def test_describes_a_next_token_head_in_a_bidirectional_model():
    w = torch.eye(4).roll(1, dims=1)  # row i looks at i + 1 (the last row wraps to 0)
    assert describe_head(w).pattern == "next"


def test_uniform_attention_has_no_dominant_pattern():
    w = causal_rows([[1.0 / (i + 1)] * (i + 1) for i in range(8)])
    d = describe_head(w, threshold=0.5)
    assert d.pattern is None and d.best in d.shares and str(d).startswith("spread")
    assert 0 < d.share < 0.5


def test_pattern_shares_skip_rows_where_the_pattern_means_nothing():
    shares = pattern_shares(torch.tensor([[1.0, 0.0], [0.0, 1.0]]))
    assert shares["self"] == 1.0 and shares["previous"] == 0.0 and "same" not in shares


def test_describe_rejects_mismatched_tokens():
    with pytest.raises(ValueError, match="tokens"):
        describe_head(torch.eye(3), [1, 2])


def test_docstring_examples_run():
    assert doctest.testmod(lmlab.attention).failed == 0
