"""Pruning: remove the weights, or whole MLP neurons, that matter least, and see what it costs.

Lesson: lessons/11_compression.en.md.

*Unstructured* magnitude pruning sets the smallest |w| of each matrix to zero.  The matrices
keep their shapes, so nothing gets faster without sparse kernels; it shows how many weights the
model can lose.  *Structured* pruning removes whole units: an MLP neuron i is row i of ``c_fc``
(with its bias) and column i of ``c_proj``.  Zeroing both is exactly the same as deleting the
neuron, and deleting makes the matrices genuinely smaller (tests/test_prune.py checks that the
two agree).

>>> w = torch.tensor([[0.1, -2.0], [0.5, 0.02]])
>>> magnitude_mask(w, 0.5).tolist()   # the two smallest of four go
[[False, True], [True, False]]
"""

from __future__ import annotations

import copy

import torch

from lmlab.gpt import GPT


def magnitude_mask(w: torch.Tensor, fraction: float) -> torch.Tensor:
    """True where a weight is kept: all but the ``fraction`` of ``w`` smallest in |w|."""
    if not 0 <= fraction < 1:
        raise ValueError(f"the fraction pruned must be in [0, 1), not {fraction}")
    k = int(w.numel() * fraction)
    if k == 0:
        return torch.ones_like(w, dtype=torch.bool)
    threshold = w.detach().abs().flatten().kthvalue(k).values
    return w.detach().abs() > threshold


def prune_model(model: GPT, fraction: float, embeddings: bool = True) -> GPT:
    """A copy of ``model`` with the smallest ``fraction`` of every matrix set to zero, matrix by
    matrix (``embeddings=False`` leaves ``wte`` and ``wpe`` whole)."""
    model = copy.deepcopy(model)
    skip = set() if embeddings else {id(model.transformer.wte.weight),
                                     id(model.transformer.wpe.weight)}
    with torch.no_grad():
        for p in model.parameters():  # a tied matrix once
            if p.dim() == 2 and id(p) not in skip:
                p.mul_(magnitude_mask(p, fraction))
    return model


def neuron_scores(model: GPT) -> list[torch.Tensor]:
    """Per block, (4C,) how much each MLP neuron can move the residual stream: the norm of its
    ``c_fc`` row times the norm of its ``c_proj`` column."""
    return [b.mlp.c_fc.weight.detach().norm(dim=1) * b.mlp.c_proj.weight.detach().norm(dim=0)
            for b in model.transformer.h]


def prune_neurons(model: GPT, fraction: float) -> GPT:
    """A copy of ``model`` without the ``fraction`` of each block's MLP neurons that score lowest
    (``neuron_scores``): their ``c_fc`` row and bias and their ``c_proj`` column become zero."""
    if not 0 <= fraction < 1:
        raise ValueError(f"the fraction pruned must be in [0, 1), not {fraction}")
    model = copy.deepcopy(model)
    with torch.no_grad():
        for block, score in zip(model.transformer.h, neuron_scores(model), strict=True):
            gone = score.argsort()[:int(score.numel() * fraction)]
            block.mlp.c_fc.weight[gone] = 0
            block.mlp.c_fc.bias[gone] = 0
            block.mlp.c_proj.weight[:, gone] = 0
    return model


def sparsity(model: GPT) -> float:
    """The share of zeros among the model's matrix weights (a tied matrix once)."""
    mats = [p for p in model.parameters() if p.dim() == 2]
    return sum(int((p == 0).sum()) for p in mats) / sum(p.numel() for p in mats)
