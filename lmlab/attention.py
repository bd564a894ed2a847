"""Scaled dot-product attention, the one formula every Transformer is built on.

Lesson: lessons/05_attention.en.md.  Tab: Attention.

    Attention(Q, K, V) = softmax(Q Kᵀ / √d_k + mask) V

Each query row asks "which keys look like me?"; the softmax turns the scores into weights that
sum to 1; the output is the weighted mean of the value rows.  ``lmlab.gpt`` calls
``scaled_dot_product`` whenever you ask it for attention weights, so what the tab draws is what
the model computed.

Built on it, in this order: ``multi_head_attention`` (the whole layer as one pure function of
its weights), ``trace_head`` / ``trace_gpt`` (every intermediate of one head of a real GPT
layer, for heatmaps) and ``describe_head`` (which pattern a head follows, and how strongly).

>>> q = k = v = torch.eye(2, dtype=torch.float64).view(1, 1, 2, 2)   # (B=1, H=1, T=2, D=2)
>>> out, w = scaled_dot_product(q, k, v)
>>> w[0, 0].round(decimals=3).tolist()                 # each row sums to 1
[[0.67, 0.33], [0.33, 0.67]]
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F


def causal_mask(t_query: int, t_key: int | None = None, device=None) -> torch.Tensor:
    """Boolean (T_q, T_k) mask, True where a query may attend to a key.

    With a cache of ``t_key - t_query`` earlier positions, query i sits at position
    ``t_key - t_query + i`` and may see every key up to and including itself.

    >>> causal_mask(3).int().tolist()
    [[1, 0, 0], [1, 1, 0], [1, 1, 1]]
    """
    t_key = t_query if t_key is None else t_key
    ones = torch.ones(t_query, t_key, dtype=torch.bool, device=device)
    return ones.tril(diagonal=t_key - t_query)


def scaled_dot_product(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Attention output and weights for (B, H, T, D) queries, keys and values.

    ``mask`` broadcasts to (B, H, T_q, T_k).  Boolean: True means "may attend" (torch's
    convention).  Float: added to the scores, -inf meaning "may not attend" (as in
    ``F.scaled_dot_product_attention``).  Returns ``(output, weights)``, (B, H, T_q, D) and
    (B, H, T_q, T_k).  A query whose every key is masked gets all-zero weights, not NaN.
    """
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))  # (B, H, T_q, T_k)
    if mask is not None and mask.dtype == torch.bool:
        scores = scores.masked_fill(~mask, float("-inf"))
    elif mask is not None:  # a float mask is a bias added to the scores (ALiBi, padding)
        scores = scores + mask
    weights = torch.softmax(scores, dim=-1)
    if mask is not None:
        weights = weights.nan_to_num(0.0)  # rows with no allowed key
    return weights @ v, weights


# ----------------------------------------------------------------------------- many heads


def split_heads(t: torch.Tensor, n_head: int) -> torch.Tensor:
    """(B, T, C) -> (B, nh, T, hs): cut the width into ``n_head`` slices of ``hs = C // nh``."""
    B, T, C = t.shape
    return t.view(B, T, n_head, C // n_head).transpose(1, 2)


def merge_heads(t: torch.Tensor) -> torch.Tensor:
    """(B, nh, T, hs) -> (B, T, C): lay the heads' outputs side by side (the "Concat")."""
    B, nh, T, hs = t.shape
    return t.transpose(1, 2).contiguous().view(B, T, nh * hs)


def multi_head_attention(
    x: torch.Tensor,
    w_qkv: torch.Tensor,
    b_qkv: torch.Tensor | None,
    w_o: torch.Tensor,
    b_o: torch.Tensor | None,
    n_head: int,
    mask: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Multi-head self-attention as one pure function of its weights.

        MultiHead(X) = Concat(head_1, ..., head_h) W^O
        head_i       = Attention(X W_i^Q, X W_i^K, X W_i^V)

    ``x`` is (B, T, C).  ``w_qkv`` is (3C, C), the query, key and value projections stacked in
    that order (the layout of GPT's ``c_attn.weight`` and of ``nn.MultiheadAttention``'s
    ``in_proj_weight``); ``w_o`` is (C, C).  ``mask`` is as in ``scaled_dot_product`` (bool,
    True = may attend; or float, added to the scores).  Returns ``(output (B, T, C),
    weights (B, nh, T, T))``.

    >>> C, x = 4, torch.randn(1, 3, 4)
    >>> out, w = multi_head_attention(x, torch.randn(3 * C, C), None, torch.eye(C), None, 2)
    >>> out.shape, w.shape
    (torch.Size([1, 3, 4]), torch.Size([1, 2, 3, 3]))
    """
    qkv = F.linear(x, w_qkv, b_qkv)  # (B, T, 3C)
    q, k, v = (split_heads(t, n_head) for t in qkv.chunk(3, dim=-1))  # each (B, nh, T, hs)
    y, weights = scaled_dot_product(q, k, v, mask)  # (B, nh, T, hs), (B, nh, T, T)
    return F.linear(merge_heads(y), w_o, b_o), weights


# ----------------------------------------------------------------------------- one head, traced


@dataclass
class AttentionTrace:
    """Every intermediate value of one head of a real layer, for one sequence of T tokens.

    C is the width (n_embd), hs = C // n_head the head size.  Each field is a plain tensor a
    UI can draw as a heatmap; rows are query positions, columns key positions.
    """

    head: int  # which head was traced
    n_head: int  # heads in the layer
    x: torch.Tensor  # (T, C) the layer's input (after ln_1 when a Block was given)
    q: torch.Tensor  # (T, hs) this head's queries, X W^Q
    k: torch.Tensor  # (T, hs) this head's keys, X W^K
    v: torch.Tensor  # (T, hs) this head's values, X W^V
    scores: torch.Tensor  # (T, T) raw scores Q Kᵀ
    scaled: torch.Tensor  # (T, T) scores / √hs
    mask: torch.Tensor | None  # (T, T) bool, True = may attend; None = no mask
    masked: torch.Tensor  # (T, T) scaled scores with -inf where the mask forbids
    weights: torch.Tensor  # (T, T) softmax of each row; each row sums to 1
    head_output: torch.Tensor  # (T, hs) weights @ V, this head's answer
    heads: torch.Tensor  # (T, C) Concat(head_1, ..., head_h); ours is columns head*hs..
    w_o: torch.Tensor  # (C, C) the output projection W^O (Linear layout: out, in)
    head_contribution: torch.Tensor  # (T, C) what this head alone adds: head_output W^O slice
    output: torch.Tensor  # (T, C) Concat(...) W^O + b^O, the layer's output


def _resolve_mask(mask, T: int, device) -> torch.Tensor | None:
    if isinstance(mask, str):
        if mask != "causal":
            raise ValueError(f"mask must be 'causal', None or a bool tensor, not {mask!r}")
        return causal_mask(T, device=device)
    return mask


@torch.no_grad()
def trace_head(layer, x: torch.Tensor, head: int, mask="causal") -> AttentionTrace:
    """Follow one head of a GPT layer through every step of attention.

    ``layer`` is a ``lmlab.gpt.Block`` (then ``ln_1`` is applied to ``x`` first, as the model
    does) or its ``CausalSelfAttention`` (then ``x`` is used as is).  ``x`` is (T, C) or
    (1, T, C).  ``mask`` is ``"causal"`` (what GPT uses), ``None``, or a bool (T, T) tensor.
    ``trace.output`` equals the layer's own attention output (tests/test_attention.py).

    >>> from lmlab.gpt import GPT, GPTConfig
    >>> block = GPT(GPTConfig(n_embd=8, n_head=2, n_layer=1)).eval().transformer.h[0]
    >>> t = trace_head(block, torch.randn(5, 8), head=1)
    >>> t.q.shape, t.weights.shape, t.output.shape
    (torch.Size([5, 4]), torch.Size([5, 5]), torch.Size([5, 8]))
    """
    attn = layer.attn if hasattr(layer, "ln_1") else layer
    x = layer.ln_1(x) if hasattr(layer, "ln_1") else x
    if x.dim() == 3 and x.size(0) != 1:
        raise ValueError(f"trace one sequence at a time, got a batch of {x.size(0)}")
    x = x.reshape(-1, x.size(-1))  # (T, C)
    T, C = x.shape
    nh = attn.n_head
    if not 0 <= head < nh:
        raise ValueError(f"head {head} does not exist; the layer has heads 0..{nh - 1}")
    mask = _resolve_mask(mask, T, x.device)
    w_qkv, b_qkv = attn.c_attn.weight, attn.c_attn.bias
    w_o, b_o = attn.c_proj.weight, attn.c_proj.bias
    heads_out, _ = multi_head_attention(x[None], w_qkv, b_qkv, torch.eye(C).to(x),
                                        None, nh, mask)  # W^O = I: the Concat itself
    heads = heads_out[0]  # (T, C)
    hs = C // nh
    cols = slice(head * hs, (head + 1) * hs)
    rows = [slice(i * C + head * hs, i * C + (head + 1) * hs) for i in range(3)]  # q, k, v
    q, k, v = (F.linear(x, w_qkv[r], None if b_qkv is None else b_qkv[r]) for r in rows)
    scores = q @ k.T  # (T, T)
    scaled = scores / math.sqrt(hs)
    masked = scaled if mask is None else scaled.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(masked, dim=-1).nan_to_num(0.0)
    head_output = weights @ v  # (T, hs)
    return AttentionTrace(
        head=head, n_head=nh, x=x, q=q, k=k, v=v, scores=scores, scaled=scaled, mask=mask,
        masked=masked, weights=weights, head_output=head_output, heads=heads, w_o=w_o.detach(),
        head_contribution=head_output @ w_o[:, cols].T, output=F.linear(heads, w_o, b_o),
    )


@torch.no_grad()
def trace_gpt(model, idx: torch.Tensor, layer: int, head: int) -> AttentionTrace:
    """``trace_head`` for head ``head`` of block ``layer`` of a GPT reading ``idx`` (T,) or (1, T).

    The block's input is the residual stream the model itself computed (its hidden state).
    Call it on a model in eval mode, or dropout makes the trace differ from run to run.
    """
    idx = idx.reshape(1, -1)
    hidden = model(idx, output_hidden_states=True).hidden_states[layer]  # (1, T, C)
    return trace_head(model.transformer.h[layer], hidden[0], head)


# ----------------------------------------------------------------------------- reading a head

PATTERNS = ("previous", "self", "next", "first", "last", "same")  # what a head may rest on
# previous: the token before; self: the token itself; next: the token after; first / last: the
# first / last token of the text; same: other occurrences of the same token (compared by id)


@dataclass
class HeadDescription:
    """What one head mostly looks at, as a pattern code and the numbers behind it.

    The UI words it (``lmlab.ui.attention``); ``str()`` gives a terse form for a print.
    """

    pattern: str | None  # the dominant pattern of PATTERNS, or None when none dominates
    best: str  # the pattern with the largest share (== pattern when it dominates)
    share: float  # that pattern's share of the attention, in [0, 1]
    shares: dict[str, float]  # every pattern's mean share of attention, in [0, 1]
    mean_distance: float  # average |query - key| distance, weighted by attention

    def __str__(self) -> str:
        return f"{self.pattern or 'spread'} ({self.best} {self.share:.0%})"


def pattern_shares(weights: torch.Tensor, tokens: list | None = None) -> dict[str, float]:
    """For each pattern, the attention a query puts on its target, averaged over queries.

    ``weights`` is one head's (T, T) matrix; ``tokens`` the T token ids (compare ids, not
    strings: three byte tokens of one Chinese character print alike but differ).  Only queries
    where the pattern means something count: "previous", "self" and "first" skip query 0 (in a
    causal head it can only look at itself), "next" and "last" skip the last query, and "same"
    counts only queries whose token occurs elsewhere in ``tokens`` (earlier, for a causal head:
    nothing above the diagonal).

    >>> pattern_shares(torch.tensor([[1.0, 0.0], [1.0, 0.0]]))["previous"]
    1.0
    """
    T = weights.size(0)
    i = torch.arange(T)
    rows = {"previous": i[1:], "self": i[1:], "first": i[1:], "next": i[:-1], "last": i[:-1]}
    cols = {"previous": i[1:] - 1, "self": i[1:], "first": 0 * i[1:], "next": i[:-1] + 1,
            "last": 0 * i[:-1] + T - 1}
    shares = {name: weights[rows[name], cols[name]].mean().item() for name in rows}
    if tokens is not None:
        same = torch.tensor([[a == b for b in tokens] for a in tokens]) & ~torch.eye(T, dtype=bool)
        if (weights.triu(1) == 0).all():  # a causal head can only see earlier copies
            same &= causal_mask(T)
        has = same.any(dim=1)
        if has.any():
            shares["same"] = (weights * same)[has].sum(dim=1).mean().item()
    return {name: shares[name] for name in PATTERNS if name in shares}


def describe_head(weights, tokens: list | None = None,
                  threshold: float = 0.4) -> HeadDescription:
    """What a head looks at, from its (T, T) attention weights (and the T token ids).

    The pattern with the largest share wins if that share reaches ``threshold``; ties go to
    the pattern listed first in ``PATTERNS``.  Otherwise ``pattern`` is None: the head
    "spreads" its attention, and ``best`` names its strongest pattern.

    >>> w = torch.tensor([[1.0, 0, 0], [0.8, 0.2, 0], [0.1, 0.8, 0.1]])
    >>> d = describe_head(w)
    >>> d.pattern, round(d.share, 2), str(d)
    ('previous', 0.8, 'previous (previous 80%)')
    """
    w = torch.as_tensor(weights, dtype=torch.float64)
    if w.dim() != 2 or w.size(0) != w.size(1):
        raise ValueError(f"weights must be one head's (T, T) matrix, got shape {tuple(w.shape)}")
    T = w.size(0)
    if tokens is not None and len(tokens) != T:
        raise ValueError(f"{len(tokens)} tokens for a {T}x{T} weight matrix")
    dist = (torch.arange(T)[:, None] - torch.arange(T)[None, :]).abs()
    mean_distance = (w * dist).sum(dim=1).mean().item()
    if T < 2:
        return HeadDescription("self", "self", 1.0, {"self": 1.0}, 0.0)
    shares = pattern_shares(w, tokens)
    best = max(shares, key=lambda name: shares[name])  # first listed wins a tie
    share = shares[best]
    return HeadDescription(best if share >= threshold else None, best, share, shares,
                           mean_distance)
