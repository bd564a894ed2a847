"""Pruning: magnitude masks drop exactly the smallest weights, a pruned neuron equals a deleted
one, and the shipped model degrades gracefully, then sharply.

Run: python -m pytest tests/test_prune.py
"""

import pytest
import torch
import torch.nn.functional as F

from lmlab.compress.prune import magnitude_mask, neuron_scores, prune_model, prune_neurons, sparsity
from lmlab.gpt import GPT, GPTConfig


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return GPT(GPTConfig(vocab_size=50, block_size=12, n_layer=2, n_head=2, n_embd=16)).eval()


def test_mask_drops_exactly_the_smallest_magnitudes():
    w = torch.randn(30, 40, generator=torch.Generator().manual_seed(1))
    keep = magnitude_mask(w, 0.3)
    assert (~keep).sum() == int(0.3 * w.numel())
    assert w[~keep].abs().max() < w[keep].abs().min()
    assert magnitude_mask(w, 0.0).all()


def test_prune_model_zeroes_each_matrix_and_leaves_the_original(model):
    pruned = prune_model(model, 0.5)
    for (name, p), q in zip(model.named_parameters(), pruned.parameters(), strict=True):
        if p.dim() == 2:
            assert (q == 0).sum() == p.numel() // 2, name
            assert torch.equal(q[q != 0], p[q != 0])
        else:
            assert torch.equal(p, q), name
    assert sparsity(model) == 0 and sparsity(pruned) == pytest.approx(0.5, abs=1e-3)
    kept = prune_model(model, 0.5, embeddings=False)
    assert torch.equal(kept.transformer.wte.weight, model.transformer.wte.weight)


def test_a_pruned_neuron_is_the_same_as_a_deleted_one(model):
    pruned = prune_neurons(model, 0.25)
    x = torch.randn(3, 12, 16)
    for block, kept_block, score in zip(model.transformer.h, pruned.transformer.h,
                                        neuron_scores(model), strict=True):
        alive = score.argsort()[int(0.25 * score.numel()):].sort().values  # 48 of 64
        fc, proj = block.mlp.c_fc, block.mlp.c_proj
        h = F.gelu(F.linear(x, fc.weight[alive], fc.bias[alive]), approximate="tanh")
        smaller = F.linear(h, proj.weight[:, alive], proj.bias)  # a 48-neuron MLP
        with torch.no_grad():
            assert torch.allclose(kept_block.mlp(x), smaller, atol=1e-6)


def test_shipped_model_loses_little_at_30_percent_and_much_at_90():
    from lmlab import SHIPPED_GPT
    from lmlab.evaluate import perplexity
    from lmlab.tokenizer import token_stream

    shipped, ids = GPT.from_pretrained(SHIPPED_GPT), token_stream("val")[:3000]
    base = perplexity(shipped, ids).perplexity
    assert perplexity(prune_model(shipped, 0.3), ids).perplexity < 1.15 * base
    assert perplexity(prune_model(shipped, 0.9), ids).perplexity > 5 * base


@pytest.mark.parametrize("fn", [magnitude_mask, prune_model, prune_neurons])
def test_bad_fractions_are_refused(fn, model):
    arg = torch.zeros(2, 2) if fn is magnitude_mask else model
    with pytest.raises(ValueError, match="fraction"):
        fn(arg, 1.0)
