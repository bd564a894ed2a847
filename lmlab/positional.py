"""Positional encodings: how a Transformer knows where each token sits.

Lesson: lessons/04_positional.en.md.  Tab: Positional.

Attention by itself is blind to order: shuffle the tokens and each one gets the same output,
shuffled.  Four ways to tell the model about position, each a small pure function here:

- ``sinusoidal``  add fixed waves to the embeddings ("Attention Is All You Need", 2017)
- ``learned``     add a trained vector per position (GPT-2's ``wpe``, what our GPT uses)
- ``rope``        rotate queries and keys by an angle that grows with position (RoFormer, 2021)
- ``alibi``       subtract a penalty proportional to distance from the scores (ALiBi, 2022)

``scores_with_encoding`` puts each of them into the first layer of a GPT so a student can see
how the attention scores change.  Only "learned" is what the model was trained with.

>>> sinusoidal(3, 4, dtype=torch.float64)[1].round(decimals=2).tolist()   # sin, cos, sin, cos
[0.84, 0.54, 0.01, 1.0]
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from lmlab.attention import causal_mask, split_heads

KINDS = ("learned", "none", "sinusoidal", "rope", "alibi")

# ----------------------------------------------------------------------------- sinusoidal, learned


def sinusoidal(n_positions: int, dim: int, base: float = 10000.0,
               dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """The fixed (n_positions, dim) table of "Attention Is All You Need".

        PE[pos, 2i]   = sin(pos / base^(2i / dim))
        PE[pos, 2i+1] = cos(pos / base^(2i / dim))

    Early columns wiggle fast, late columns slowly, like the hands of a clock.  Computed in
    float64 (large positions lose digits in float32) and returned as ``dtype``.

    >>> sinusoidal(2, 2, dtype=torch.float64).round(decimals=4).tolist()  # sin, cos of 0 and 1
    [[0.0, 1.0], [0.8415, 0.5403]]
    """
    pos = torch.arange(n_positions, dtype=torch.float64)[:, None]  # (N, 1)
    two_i = torch.arange(0, dim, 2, dtype=torch.float64)  # (ceil(dim/2),)
    angle = pos / base ** (two_i / dim)  # (N, ceil(dim/2))
    pe = torch.zeros(n_positions, dim, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(angle)
    pe[:, 1::2] = torch.cos(angle)[:, : dim // 2]
    return pe.to(dtype)


def learned(model) -> torch.Tensor:
    """The learned (block_size, n_embd) position table of a GPT (its ``wpe``), detached."""
    return model.transformer.wpe.weight.detach().clone()


def similarity_vs_distance(pe: torch.Tensor, anchors=(0,), cosine: bool = False) -> torch.Tensor:
    """How alike two positions' encodings are, as a function of their distance.

    ``pe`` is (N, dim).  Returns (N,) float64 where entry d is ``pe[a] · pe[a + d]`` averaged
    over the ``anchors`` a with ``a + d < N`` (NaN where no anchor fits).  For sinusoidal
    encodings it depends only on d, whichever anchor you pick; ``cosine=True`` divides by the
    norms.

    >>> similarity_vs_distance(sinusoidal(4, 2)).round(decimals=2).tolist()   # cos(d)
    [1.0, 0.54, -0.42, -0.99]
    """
    pe = F.normalize(pe.double(), dim=-1) if cosine else pe.double()
    N = pe.size(0)
    out = torch.full((N,), float("nan"), dtype=torch.float64)
    for d in range(N):
        a = torch.tensor([a for a in anchors if a + d < N], dtype=torch.long)
        if len(a):
            out[d] = (pe[a] * pe[a + d]).sum(dim=-1).mean()
    return out


# ----------------------------------------------------------------------------- RoPE


def rope_angles(positions: torch.Tensor, dim: int, base: float = 10000.0) -> torch.Tensor:
    """(T, dim/2) rotation angles ``m * theta_i`` with ``theta_i = base^(-2i/dim)``, in float64.

    >>> rope_angles(torch.tensor([0, 1, 2]), 2).tolist()   # theta_0 = 1: one radian per step
    [[0.0], [1.0], [2.0]]
    """
    if dim % 2:
        raise ValueError(f"RoPE needs an even dimension, got {dim}")
    theta = base ** (-torch.arange(0, dim, 2, dtype=torch.float64) / dim)  # (dim/2,)
    return positions.to(torch.float64)[:, None] * theta[None, :]  # (T, dim/2)


def rotate_half(x: torch.Tensor) -> torch.Tensor:
    """(x1, x2) -> (-x2, x1) on the two halves of the last dimension (GPT-NeoX / LLaMA)."""
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat([-x2, x1], dim=-1)


def rope(x: torch.Tensor, positions: torch.Tensor | None = None,
         base: float = 10000.0) -> torch.Tensor:
    """Rotary position embedding: rotate each pair of x (..., T, D) by its position's angle.

    Dimension i is paired with i + D/2 (the "rotate-half" layout of GPT-NeoX and LLaMA) and
    the pair turns by ``m * theta_i`` at position m.  A rotation keeps lengths, and the dot
    product of a query at m with a key at n then depends only on m - n.  ``positions`` (T,)
    defaults to 0..T-1.

    >>> x = torch.tensor([[1.0, 0.0]], dtype=torch.float64)     # T=1, D=2
    >>> rope(x, torch.tensor([1])).round(decimals=3).tolist()  # turned by 1 radian
    [[0.54, 0.841]]
    """
    T, D = x.shape[-2:]
    positions = torch.arange(T, device=x.device) if positions is None else positions
    angles = rope_angles(positions, D, base).to(x.device)  # (T, D/2)
    angles = torch.cat([angles, angles], dim=-1)  # (T, D): dim i and i + D/2 share an angle
    return x * angles.cos().to(x.dtype) + rotate_half(x) * angles.sin().to(x.dtype)


def rope_rotation_2d(pair, positions, theta: float) -> torch.Tensor:
    """Track one 2-D pair (x, y) as the position grows: (T, 2) points on a circle.

    Point m is (x, y) turned by ``m * theta`` radians, the path that one pair of a query or key
    follows under RoPE (``theta = base^(-2i/D)`` for pair i).

    >>> rope_rotation_2d([1.0, 0.0], [0, 1, 2], math.pi / 2).round().tolist()
    [[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]]
    """
    p = torch.as_tensor(pair, dtype=torch.float64)
    a = torch.as_tensor(positions, dtype=torch.float64) * theta  # (T,)
    c, s = a.cos(), a.sin()
    return torch.stack([p[0] * c - p[1] * s, p[0] * s + p[1] * c], dim=-1)  # (T, 2)


# ----------------------------------------------------------------------------- ALiBi


def alibi_slopes(n_heads: int) -> torch.Tensor:
    """One slope per head, the ALiBi paper's geometric sequence.

    For n heads a power of two the slopes are ``2^(-8/n), 2^(-16/n), ..., 2^(-8)``.  Otherwise
    take the closest smaller power of two p, its p slopes, then every other slope of 2p heads
    for the rest (as the reference implementation does).

    >>> alibi_slopes(4).tolist()
    [0.25, 0.0625, 0.015625, 0.00390625]
    """
    if n_heads < 1:
        raise ValueError(f"n_heads must be positive, got {n_heads}")
    p = 2 ** math.floor(math.log2(n_heads))
    slopes = [2.0 ** (-8.0 * k / p) for k in range(1, p + 1)]
    extra = [2.0 ** (-8.0 * k / (2 * p)) for k in range(1, 2 * p + 1, 2)]  # odd k of 2p heads
    return torch.tensor(slopes + extra[: n_heads - p], dtype=torch.float32)


def alibi_bias(n_heads: int, length: int) -> torch.Tensor:
    """(H, T, T) score bias ``-slope_h * |i - j|`` for query i and key j.

    Nearby keys are barely penalised, far ones a lot, and each head has its own slope (steep
    heads look locally, gentle heads far).  Future keys (j > i) get the same formula; a causal
    mask removes them anyway.  (The reference code adds ``slope * j`` instead: per row that
    differs only by a constant, which softmax ignores.)

    >>> (alibi_bias(1, 3)[0] * 256).tolist()             # one head: slope 1/256
    [[0.0, -1.0, -2.0], [-1.0, 0.0, -1.0], [-2.0, -1.0, 0.0]]
    """
    pos = torch.arange(length)
    minus_distance = (-(pos[:, None] - pos[None, :]).abs()).float()  # (T, T), 0 on the diagonal
    return alibi_slopes(n_heads)[:, None, None] * minus_distance  # (H, T, T)


# ----------------------------------------------------------------------------- in a real GPT


@dataclass
class EncodedScores:
    """Attention scores of a GPT's first layer under one positional encoding."""

    kind: str  # one of KINDS
    trained: bool  # True only for "learned": the others are counterfactual illustrations
    scores: torch.Tensor  # (H, T, T) q·k / √hs (+ ALiBi bias), before the causal mask
    weights: torch.Tensor  # (H, T, T) causal softmax of the scores


@torch.no_grad()
def scores_with_encoding(model, idx: torch.Tensor, kind: str = "learned",
                         base: float = 10000.0) -> EncodedScores:
    """How each positional encoding would change the attention scores of block 0.

    Only ``"learned"`` is what the model was trained with (wte[idx] + wpe[pos], exactly the
    model's own scores).  The others are counterfactual illustrations on the same weights,
    starting from the token embeddings alone, wte[idx]:

    - ``"none"``: no position at all (shuffle the tokens and the scores shuffle with them);
    - ``"sinusoidal"``: wte[idx] + the sinusoidal table, scaled to the token embeddings' RMS
      so neither drowns the other;
    - ``"rope"``: queries and keys of each head rotated by ``rope``;
    - ``"alibi"``: ``alibi_bias`` added to each head's scores.

    ``idx`` is (T,) or (1, T).  Returns per-head (H, T, T) scores and weights.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    idx = idx.reshape(-1)
    T = idx.numel()
    if T > model.config.block_size:
        raise ValueError(f"{T} tokens exceed the context of {model.config.block_size}")
    x = model.transformer.wte(idx)  # (T, C)
    if kind == "learned":
        x = x + model.transformer.wpe(torch.arange(T, device=idx.device))
    elif kind == "sinusoidal":
        pe = sinusoidal(T, x.size(-1)).to(x)
        x = x + pe * (x.pow(2).mean().sqrt() / pe.pow(2).mean().sqrt())
    block = model.transformer.h[0]
    qkv = block.attn.c_attn(block.ln_1(x))[None]  # (1, T, 3C)
    q, k, _ = (split_heads(t, block.attn.n_head)[0] for t in qkv.chunk(3, dim=-1))  # (H, T, hs)
    if kind == "rope":
        q, k = rope(q, base=base), rope(k, base=base)
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))  # (H, T, T)
    if kind == "alibi":
        scores = scores + alibi_bias(q.size(0), T).to(scores)
    weights = scores.masked_fill(~causal_mask(T, device=scores.device), float("-inf"))
    return EncodedScores(kind, kind == "learned", scores, weights.softmax(dim=-1))
