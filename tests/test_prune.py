"""Pruning: magnitude masks drop exactly the smallest weights (equal to torch.nn.utils.prune's,
per layer and global), a pruned neuron equals a deleted one, a pruned head adds nothing, and the
shipped model degrades gracefully, then sharply.

Run: python -m pytest tests/test_prune.py
"""

import copy

import pytest
import torch
import torch.nn.functional as F
from torch.nn.utils import prune as torch_prune

from lmlab.compress.prune import (
    head_scores,
    magnitude_mask,
    neuron_scores,
    prune_heads,
    prune_model,
    prune_neurons,
    shrink_mlp,
    sparsity,
)
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


def _torch_pruned(model, fraction, scope):
    """The same model pruned by torch.nn.utils.prune (the reference), masks made permanent."""
    ref = copy.deepcopy(model)
    blocks = [m for m in ref.modules() if isinstance(m, torch.nn.Linear) and m is not ref.lm_head]
    targets = [(m, "weight") for m in blocks]
    targets += [(ref.transformer.wte, "weight"), (ref.transformer.wpe, "weight")]
    for m, name in targets:  # torch's pruning views each weight flat: it needs contiguous ones
        setattr(m, name, torch.nn.Parameter(getattr(m, name).detach().contiguous()))
    if scope == "global":
        torch_prune.global_unstructured(targets, torch_prune.L1Unstructured, amount=fraction)
    else:
        for m, name in targets:
            torch_prune.l1_unstructured(m, name, amount=fraction)
    return {id_: m.weight.detach() for id_, (m, _) in enumerate(targets)}, targets


@pytest.mark.parametrize("scope", ["layer", "global"])
def test_pruning_masks_equal_torch_nn_utils_prune(model, scope):
    fraction = 0.5  # every matrix of the tiny model has an even count: the same k either way
    ref, targets = _torch_pruned(model, fraction, scope)
    ours = prune_model(model, fraction, scope=scope)
    ours_mats = [m for m in ours.modules() if isinstance(m, torch.nn.Linear) and m is not ours.lm_head]
    ours_mats += [ours.transformer.wte, ours.transformer.wpe]
    for i, m in enumerate(ours_mats):
        assert torch.equal(m.weight.detach(), ref[i]), i
    assert ours.lm_head.weight is ours.transformer.wte.weight  # still tied
    assert ours.transformer.h[0].mlp.c_fc.weight.stride() == model.transformer.h[0].mlp.c_fc.weight.stride()


def test_global_pruning_takes_more_from_small_weight_layers(model):
    g = prune_model(model, 0.5, scope="global")
    fc = g.transformer.h[0].mlp.c_fc.weight  # init std 0.02
    proj = g.transformer.h[0].mlp.c_proj.weight  # init std 0.02 / sqrt(2 * n_layer): smaller
    assert (proj == 0).float().mean() > (fc == 0).float().mean()
    assert sparsity(g) == pytest.approx(0.5, abs=1e-3)


def test_a_pruned_head_adds_nothing(model):
    pruned = prune_heads(model, 0.5)  # one head of two per block
    block, kept = model.transformer.h[0], pruned.transformer.h[0]
    h = int(head_scores(model)[0].argmin())
    x = torch.randn(2, 12, 16)
    C, hs = 16, 8
    with torch.no_grad():
        y, weights = block.attn(x, output_attentions=True)
        v = block.attn.c_attn(x)[..., 2 * C + h * hs: 2 * C + (h + 1) * hs]  # (B, T, hs)
        head_out = (weights[:, h] @ v) @ block.attn.c_proj.weight[:, h * hs:(h + 1) * hs].t()
        assert torch.allclose(kept.attn(x)[0], y - head_out, atol=1e-6)


def test_deleted_neurons_compute_what_zeroed_ones_do_with_smaller_matrices(model):
    zeroed, smaller = prune_neurons(model, 0.5), shrink_mlp(model, 0.5)
    assert smaller.transformer.h[0].mlp.c_fc.weight.shape == (32, 16)  # 64 neurons -> 32
    idx = torch.randint(50, (2, 12), generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        assert torch.allclose(zeroed(idx).logits, smaller(idx).logits, atol=1e-5)


@pytest.mark.parametrize("fn", [magnitude_mask, prune_model, prune_neurons, prune_heads, shrink_mlp])
def test_bad_fractions_are_refused(fn, model):
    arg = torch.zeros(2, 2) if fn is magnitude_mask else model
    with pytest.raises(ValueError, match="fraction"):
        fn(arg, 1.0)
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        fn(arg, -0.1)
