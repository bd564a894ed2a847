"""Positional encodings checked against their papers' formulas and their defining properties.

Checks: sinusoidal values equal the formula of "Attention Is All You Need" (an explicit loop);
RoPE keeps norms, makes q·k depend only on the offset m - n, and equals an independent
complex-number implementation with the rotate-half pairing; ALiBi slopes equal the reference
algorithm (powers of two and not) and the bias is -slope x distance; ``scores_with_encoding``
on a tiny random GPT (no network).  Runs in a few seconds.

Run:  python -m pytest tests/test_positional.py -q
"""

import doctest
import math

import pytest
import torch

import lmlab.positional
from lmlab.gpt import GPT, GPTConfig
from lmlab.positional import (
    KINDS,
    alibi_bias,
    alibi_slopes,
    learned,
    rope,
    rope_angles,
    rope_rotation_2d,
    scores_with_encoding,
    similarity_vs_distance,
    sinusoidal,
)

F64 = torch.float64


@pytest.fixture(autouse=True)
def seeded():
    torch.manual_seed(0)  # every test sees the same random numbers, run alone or together


# ----------------------------------------------------------------------------- sinusoidal


@pytest.mark.parametrize("n, d", [(50, 16), (128, 192), (7, 5)])
def test_sinusoidal_equals_the_papers_formula(n, d):
    pe = sinusoidal(n, d)
    assert pe.shape == (n, d) and pe.dtype == torch.float32
    for pos in range(n):
        for col in range(d):
            i = col // 2  # columns 2i and 2i+1 share the frequency 1 / 10000^(2i/d)
            angle = pos / 10000 ** (2 * i / d)
            expected = math.sin(angle) if col % 2 == 0 else math.cos(angle)
            assert abs(pe[pos, col].item() - expected) < 1e-6, (pos, col)


def test_sinusoidal_similarity_depends_only_on_distance():
    pe = sinusoidal(64, 32)
    from_0 = similarity_vs_distance(pe, anchors=[0])
    from_10 = similarity_vs_distance(pe, anchors=[10])
    torch.testing.assert_close(from_0[:54], from_10[:54], atol=1e-5, rtol=0)
    assert from_10[54:].isnan().all()  # no position 10 + d for d >= 54
    freqs = 10000 ** (-torch.arange(0, 32, 2, dtype=F64) / 32)
    closed_form = torch.cos(torch.arange(64, dtype=F64)[:, None] * freqs).sum(-1)
    torch.testing.assert_close(from_0, closed_form, atol=1e-5, rtol=0)


def test_cosine_similarity_is_one_at_distance_zero():
    pe = torch.randn(10, 8)
    sims = similarity_vs_distance(pe, anchors=range(10), cosine=True)
    assert sims[0].item() == pytest.approx(1.0) and (sims.abs() <= 1 + 1e-9).all()


def test_learned_reads_the_gpts_wpe():
    model = tiny_gpt()
    wpe = learned(model)
    assert wpe.shape == (16, 32) and not wpe.requires_grad
    assert torch.equal(wpe, model.transformer.wpe.weight)


# ----------------------------------------------------------------------------- RoPE


def rope_complex(x, positions, base=10000.0):
    """Independent reference: pair dim i with i + D/2 as the complex number x_i + j x_{i+D/2}
    and multiply by e^{j m theta_i}."""
    D = x.size(-1)
    z = torch.complex(x[..., : D // 2], x[..., D // 2:]).to(torch.complex128)
    theta = torch.tensor([base ** (-2 * i / D) for i in range(D // 2)], dtype=F64)
    z = z * torch.exp(1j * positions.to(F64)[:, None] * theta)  # e^{j m theta_i}, (T, D/2)
    return torch.cat([z.real, z.imag], dim=-1)


@pytest.mark.parametrize("D", [2, 8, 64])
def test_rope_matches_complex_reference(D):
    x = torch.randn(2, 3, 11, D, dtype=F64)
    positions = torch.randint(0, 500, (11,))
    torch.testing.assert_close(rope(x, positions), rope_complex(x, positions), atol=1e-10, rtol=0)
    torch.testing.assert_close(rope(x), rope_complex(x, torch.arange(11)), atol=1e-10, rtol=0)


def test_rope_keeps_norms():
    x = torch.randn(4, 20, 16)
    torch.testing.assert_close(rope(x).norm(dim=-1), x.norm(dim=-1), atol=1e-5, rtol=0)


@pytest.mark.parametrize("offset", [0, 1, 5, 17])
def test_rope_dot_product_depends_only_on_offset(offset):
    q, k = torch.randn(32), torch.randn(32)
    dots = []
    for n in [0, 3, 10, 50, 200]:  # key at n, query at m = n + offset
        m = n + offset
        rq = rope(q[None], torch.tensor([m]))[0]
        rk = rope(k[None], torch.tensor([n]))[0]
        dots.append((rq @ rk).item())
    assert max(dots) - min(dots) < 1e-5


def test_rope_angles_use_the_papers_frequencies():
    angles = rope_angles(torch.arange(4), 8)
    assert angles.shape == (4, 4)
    for i in range(4):
        assert angles[3, i].item() == pytest.approx(3 * 10000 ** (-2 * i / 8))
    with pytest.raises(ValueError, match="even"):
        rope_angles(torch.arange(4), 7)


def test_rope_rotation_2d_is_rope_on_one_pair():
    pair = torch.tensor([0.3, -1.2], dtype=F64)
    positions = torch.arange(9)
    path = rope_rotation_2d(pair, positions, theta=1.0)  # D = 2: theta_0 = 1
    torch.testing.assert_close(path, rope(pair.expand(9, 2), positions), atol=1e-12, rtol=0)
    torch.testing.assert_close(path.norm(dim=-1), pair.norm().expand(9), atol=1e-12, rtol=0)


# ----------------------------------------------------------------------------- ALiBi


def reference_alibi_slopes(n):
    """Transcribed from the ALiBi authors' code (ofirpress/attention_with_linear_biases)."""
    def get_slopes_power_of_2(n):
        start = 2 ** (-2 ** -(math.log2(n) - 3))
        ratio = start
        return [start * ratio ** i for i in range(n)]

    if math.log2(n).is_integer():
        return get_slopes_power_of_2(n)
    closest_power_of_2 = 2 ** math.floor(math.log2(n))
    return (get_slopes_power_of_2(closest_power_of_2)
            + reference_alibi_slopes(2 * closest_power_of_2)[0::2][: n - closest_power_of_2])


def test_alibi_slopes_for_8_heads_are_half_to_1_over_256():
    assert alibi_slopes(8).tolist() == [1 / 2 ** k for k in range(1, 9)]


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6, 7, 12, 16, 20, 24, 32])
def test_alibi_slopes_match_reference(n):
    torch.testing.assert_close(alibi_slopes(n), torch.tensor(reference_alibi_slopes(n)),
                               atol=1e-7, rtol=0)


def test_alibi_bias_is_minus_slope_times_distance():
    H, T = 6, 9
    bias, slopes = alibi_bias(H, T), alibi_slopes(H)
    assert bias.shape == (H, T, T)
    for h in range(H):
        for i in range(T):
            for j in range(T):
                assert bias[h, i, j].item() == pytest.approx(-slopes[h].item() * abs(i - j))


# ----------------------------------------------------------------------------- in a real GPT


def tiny_gpt(seed=0):
    torch.manual_seed(seed)
    return GPT(GPTConfig(vocab_size=50, block_size=16, n_layer=1, n_head=4, n_embd=32)).eval()


def test_learned_scores_are_the_models_own():
    model, idx = tiny_gpt(), torch.randint(0, 50, (10,))
    s = scores_with_encoding(model, idx, "learned")
    expected = model(idx[None], output_attentions=True).attentions[0][0]  # (H, T, T)
    assert s.trained and s.scores.shape == (4, 10, 10)
    torch.testing.assert_close(s.weights, expected, atol=1e-6, rtol=0)


def test_without_positions_scores_just_follow_the_tokens():
    model, idx = tiny_gpt(), torch.randint(0, 50, (8,))
    perm = torch.randperm(8)
    s, shuffled = (scores_with_encoding(model, i, "none").scores for i in (idx, idx[perm]))
    torch.testing.assert_close(shuffled, s[:, perm][:, :, perm], atol=1e-6, rtol=0)


def test_alibi_and_rope_change_scores_as_their_formulas_say():
    model, idx = tiny_gpt(), torch.randint(0, 50, (8,))
    none = scores_with_encoding(model, idx, "none").scores
    alibi = scores_with_encoding(model, idx, "alibi").scores
    torch.testing.assert_close(alibi - none, alibi_bias(4, 8), atol=1e-6, rtol=0)
    rot = scores_with_encoding(model, idx, "rope").scores  # same position: no net rotation
    torch.testing.assert_close(rot.diagonal(dim1=-2, dim2=-1), none.diagonal(dim1=-2, dim2=-1),
                               atol=1e-5, rtol=0)


@pytest.mark.parametrize("kind", KINDS)
def test_every_encoding_gives_causal_weights(kind):
    s = scores_with_encoding(tiny_gpt(), torch.randint(0, 50, (1, 7)), kind)
    assert s.kind == kind and s.trained == (kind == "learned")
    assert s.weights.shape == (4, 7, 7) and (s.weights.triu(1) == 0).all()
    torch.testing.assert_close(s.weights.sum(-1), torch.ones(4, 7))


def test_unknown_encoding_is_refused():
    with pytest.raises(ValueError, match="kind"):
        scores_with_encoding(tiny_gpt(), torch.tensor([1, 2]), "absolute")


def test_docstring_examples_run():
    assert doctest.testmod(lmlab.positional).failed == 0
