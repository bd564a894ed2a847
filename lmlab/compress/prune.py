"""Pruning: remove the weights, whole attention heads or MLP neurons that matter least.

Lesson: lessons/11_compression.en.md.  Tab: Compress.  Command: ``lmlab bench prune``.

*Unstructured* magnitude pruning sets the smallest |w| of each matrix to zero.  The matrices
keep their shapes, so nothing gets faster without sparse kernels; it shows how many weights the
model can lose.  *Structured* pruning removes whole units: an MLP neuron i is row i of ``c_fc``
(with its bias) and column i of ``c_proj``.  Zeroing both is exactly the same as deleting the
neuron, and deleting (``shrink_mlp``) makes the matrices genuinely smaller (tests/test_prune.py
checks that the two agree).  A head h is its slices of ``c_attn`` (query, key, value rows) and
its columns of ``c_proj``: zeroing them removes exactly that head's contribution.

*Per layer* prunes the same fraction of every matrix; *global* ranks every weight of every
matrix together (one threshold), so layers with many small weights lose more.  The masks come
from ``torch.nn.utils.prune.L1Unstructured``; they are applied in place, which keeps the
GPT's weight layout and its tied embedding (``prune.remove`` would make new parameters).

>>> w = torch.tensor([[0.1, -2.0], [0.5, 0.02]])
>>> magnitude_mask(w, 0.5).tolist()   # the two smallest of four go
[[False, True], [True, False]]
"""

from __future__ import annotations

import copy

import torch
import torch.nn as nn
from torch.nn.utils import prune as torch_prune

from lmlab.gpt import GPT


def _check(fraction: float) -> None:
    if not 0 <= fraction < 1:
        raise ValueError(f"the fraction pruned must be in [0, 1), not {fraction}")


def magnitude_mask(w: torch.Tensor, fraction: float) -> torch.Tensor:
    """True where a weight is kept: all but the ``fraction`` of ``w`` smallest in |w|."""
    _check(fraction)
    k = int(w.numel() * fraction)
    if k == 0:
        return torch.ones_like(w, dtype=torch.bool)
    threshold = w.detach().abs().flatten().kthvalue(k).values
    return w.detach().abs() > threshold


def _matrices(model: GPT, embeddings: bool) -> list[nn.Parameter]:
    skip = set() if embeddings else {id(model.transformer.wte.weight),
                                     id(model.transformer.wpe.weight)}
    return [p for p in model.parameters() if p.dim() == 2 and id(p) not in skip]  # tied: once


def prune_model(model: GPT, fraction: float, embeddings: bool = True,
                scope: str = "layer") -> GPT:
    """A copy of ``model`` with the smallest ``fraction`` of its matrix weights set to zero:
    of each matrix (``scope="layer"``) or of all matrices ranked together (``"global"``).
    ``embeddings=False`` leaves ``wte`` and ``wpe`` whole."""
    _check(fraction)
    if scope not in ("layer", "global"):
        raise ValueError(f"the pruning scope is 'layer' or 'global', not {scope!r}")
    model = copy.deepcopy(model)
    mats = _matrices(model, embeddings)
    with torch.no_grad():
        if scope == "layer":
            masks = [magnitude_mask(p, fraction) for p in mats]
        else:  # one ranking over every weight: L1Unstructured on them all, split back
            flat = torch.cat([p.detach().flatten() for p in mats])
            keep = torch_prune.L1Unstructured(fraction).compute_mask(flat, torch.ones_like(flat))
            masks = [m.view_as(p).bool() for m, p in
                     zip(keep.split([p.numel() for p in mats]), mats, strict=True)]
        for p, mask in zip(mats, masks, strict=True):
            p.mul_(mask)
    return model


def neuron_scores(model: GPT) -> list[torch.Tensor]:
    """Per block, (4C,) how much each MLP neuron can move the residual stream: the norm of its
    ``c_fc`` row times the norm of its ``c_proj`` column."""
    return [b.mlp.c_fc.weight.detach().norm(dim=1) * b.mlp.c_proj.weight.detach().norm(dim=0)
            for b in model.transformer.h]


def prune_neurons(model: GPT, fraction: float) -> GPT:
    """A copy of ``model`` without the ``fraction`` of each block's MLP neurons that score lowest
    (``neuron_scores``): their ``c_fc`` row and bias and their ``c_proj`` column become zero."""
    _check(fraction)
    model = copy.deepcopy(model)
    with torch.no_grad():
        for block, score in zip(model.transformer.h, neuron_scores(model), strict=True):
            gone = score.argsort()[:int(score.numel() * fraction)]
            block.mlp.c_fc.weight[gone] = 0
            block.mlp.c_fc.bias[gone] = 0
            block.mlp.c_proj.weight[:, gone] = 0
    return model


def shrink_mlp(model: GPT, fraction: float) -> GPT:
    """A copy of ``model`` whose MLPs really lose the neurons ``prune_neurons`` zeroes: smaller
    ``c_fc`` and ``c_proj`` matrices, so every token costs fewer multiplies."""
    _check(fraction)
    model = copy.deepcopy(model)
    with torch.no_grad():
        for block, score in zip(model.transformer.h, neuron_scores(model), strict=True):
            keep = score.argsort()[int(score.numel() * fraction):].sort().values
            fc, proj = block.mlp.c_fc, block.mlp.c_proj
            block.mlp.c_fc = _linear(fc.weight[keep], fc.bias[keep])
            block.mlp.c_proj = _linear(proj.weight[:, keep], proj.bias)
    return model


def _linear(weight: torch.Tensor, bias: torch.Tensor | None) -> nn.Linear:
    """An ``nn.Linear`` holding ``weight`` (out, in) in the GPT's (in, out) memory layout."""
    out_f, in_f = weight.shape
    lin = nn.Linear(in_f, out_f, bias=bias is not None)
    lin.weight = nn.Parameter(weight.detach().t().contiguous().t(), requires_grad=False)
    if bias is not None:
        lin.bias = nn.Parameter(bias.detach().clone(), requires_grad=False)
    return lin


def head_scores(model: GPT) -> list[torch.Tensor]:
    """Per block, (n_head,) how much each head can move the residual stream: the norm of its
    value rows of ``c_attn`` times the norm of its columns of ``c_proj``."""
    scores = []
    for b in model.transformer.h:
        C, nh = b.attn.c_proj.weight.shape[0], b.attn.n_head
        v = b.attn.c_attn.weight.detach()[2 * C:].reshape(nh, -1)  # (nh, hs * C)
        o = b.attn.c_proj.weight.detach().t().reshape(nh, -1)  # (nh, hs * C)
        scores.append(v.norm(dim=1) * o.norm(dim=1))
    return scores


def prune_heads(model: GPT, fraction: float) -> GPT:
    """A copy of ``model`` without the ``fraction`` of each block's heads that score lowest
    (``head_scores``): their query, key and value rows (and biases) and ``c_proj`` columns
    become zero, so they add nothing to the residual stream."""
    _check(fraction)
    model = copy.deepcopy(model)
    with torch.no_grad():
        for block, score in zip(model.transformer.h, head_scores(model), strict=True):
            C, nh = block.attn.c_proj.weight.shape[0], block.attn.n_head
            hs = C // nh
            for h in score.argsort()[:int(nh * fraction)].tolist():
                for part in range(3):  # q, k, v rows of this head
                    rows = slice(part * C + h * hs, part * C + (h + 1) * hs)
                    block.attn.c_attn.weight[rows] = 0
                    block.attn.c_attn.bias[rows] = 0
                block.attn.c_proj.weight[:, h * hs:(h + 1) * hs] = 0
    return model


def sparsity(model: GPT) -> float:
    """The share of zeros among the model's matrix weights (a tied matrix once)."""
    mats = [p for p in model.parameters() if p.dim() == 2]
    return sum(int((p == 0).sum()) for p in mats) / sum(p.numel() for p in mats)
