"""DP-SGD (Abadi et al. 2016): clip each example's gradient, add Gaussian noise, then step.

Lesson: lessons/13_privacy.en.md.  Command: ``lmlab privacy train-canaries``.  Tab: Privacy.

Ordinary SGD averages one gradient over a batch; a single example (a secret written once) can
pull the weights as hard as it likes.  DP-SGD bounds that pull:

    g_i   = gradient of example i's loss                      (per example, not per batch)
    ĝ_i   = g_i · min(1, C / ||g_i||)                           (clip: no example weighs > C)
    g     = (Σ_i ĝ_i + N(0, σ² C² I)) / B                       (noise hides any one ĝ_i)

The privacy bought is an (ε, δ) pair: for any one example, the chance of any outcome changes
by at most a factor e^ε (except with probability δ) whether or not it was in the data.  ε comes
from an accountant (Rényi DP, Mironov 2017) given σ, the sampling rate q = B / N and the steps;
we use ``opacus.accountants.RDPAccountant`` (opacus 1.6).

Per-example gradients are ``torch.func.vmap(grad(loss))`` over the batch: exact for every
parameter of ``lmlab.gpt.GPT``, the tied embedding and ``wpe`` included.  (opacus 1.6's
``GradSampleModule`` runs with torch 2.13 and this GPT but gives ``wpe`` no per-example
gradient, because the GPT reads ``wpe.weight`` as a tensor instead of calling the module:
DP through it would leak through the position table.)

>>> import torch
>>> clipped = clip_per_example({"w": torch.tensor([[3.0, 4.0], [0.3, 0.4]])}, clip=1.0)
>>> clipped.norms.tolist(), clipped.grads["w"].tolist()
([5.0, 0.5], [[0.6000000238418579, 0.800000011920929], [0.30000001192092896, 0.4000000059604645]])
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch.func import functional_call, grad, vmap


@dataclass(frozen=True)
class DPConfig:
    """The two knobs of DP-SGD, and the δ at which ε is reported."""

    noise_multiplier: float = 1.0  # σ: noise std as a multiple of the clip norm
    clip: float = 1.0  # C: largest L2 norm any one example's gradient may have
    delta: float = 1e-5  # δ of the (ε, δ) guarantee (below 1 / number of examples)


@dataclass(frozen=True)
class Clipped:
    """Per-example gradients after clipping, with their norms before it."""

    grads: dict[str, torch.Tensor]  # name -> (B, *param.shape), each row's norm <= clip
    norms: torch.Tensor  # (B,) L2 norm of each example's whole gradient, before clipping


# ----------------------------------------------------------------------------- gradients


def per_example_grads(model, x: torch.Tensor, y: torch.Tensor) -> dict[str, torch.Tensor]:
    """name -> (B, *shape): the gradient of each row's mean token loss, row by row.

    ``x``, ``y``: (B, T) inputs and targets.  Equal to B separate backward passes.
    """
    params = {k: v.detach() for k, v in model.named_parameters() if v.requires_grad}

    def loss_of_one(p, xi, yi):  # the explicit attention path: vmap has no rule for the fused one
        return functional_call(model, p, (xi[None],), {"targets": yi[None],
                                                      "output_attentions": True}).loss

    return vmap(grad(loss_of_one), in_dims=(None, 0, 0))(params, x, y)


def clip_per_example(grads: dict[str, torch.Tensor], clip: float) -> Clipped:
    """Scale each example's gradient (all parameters together) to norm <= ``clip``."""
    flat = torch.cat([g.flatten(1) for g in grads.values()], dim=1)  # (B, P)
    norms = flat.norm(dim=1)
    scale = (clip / (norms + 1e-12)).clamp(max=1.0)  # (B,)
    out = {k: g * scale.view(-1, *([1] * (g.dim() - 1))) for k, g in grads.items()}
    return Clipped(out, norms)


def noisy_mean(clipped: Clipped, noise_multiplier: float, clip: float,
               gen: torch.Generator) -> dict[str, torch.Tensor]:
    """(Σ_i ĝ_i + N(0, σ²C²)) / B for every parameter: the gradient DP-SGD steps with."""
    B = clipped.norms.numel()
    out = {}
    for k, g in clipped.grads.items():
        noise = torch.randn(g.shape[1:], generator=gen) * (noise_multiplier * clip)
        out[k] = (g.sum(0) + noise) / B
    return out


def dp_gradients(model, x, y, cfg: DPConfig, gen: torch.Generator) -> tuple[float, torch.Tensor]:
    """Set ``p.grad`` of every trainable parameter to DP-SGD's noisy clipped mean.

    Returns (mean loss of the batch, per-example gradient norms before clipping (B,)).
    """
    with torch.no_grad():
        loss = float(model(x, targets=y).loss)
    clipped = clip_per_example(per_example_grads(model, x, y), cfg.clip)
    noisy = noisy_mean(clipped, cfg.noise_multiplier, cfg.clip, gen)
    for name, p in model.named_parameters():
        if p.requires_grad:
            p.grad = noisy[name].clone()
    return loss, clipped.norms


# ----------------------------------------------------------------------------- accounting


def epsilon(noise_multiplier: float, sample_rate: float, steps: int, delta: float = 1e-5) -> float:
    """ε of ``steps`` DP-SGD steps at sampling rate q and noise σ, by Rényi-DP accounting.

    >>> round(epsilon(1.0, 0.01, 1000), 2) < round(epsilon(0.7, 0.01, 1000), 2)
    True
    """
    from opacus.accountants import RDPAccountant

    if noise_multiplier <= 0:
        return float("inf")
    acc = RDPAccountant()
    acc.history = [(noise_multiplier, sample_rate, steps)]
    return float(acc.get_epsilon(delta=delta))
