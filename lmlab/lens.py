"""Inside the GPT: what each layer predicts, where an answer lives, which heads copy.

Lesson: lessons/12_interpretability.en.md (and the logit lens in lessons/06_gpt.en.md).
Tab: Inside.

Everything here runs the model's own forward pass (``lmlab.gpt``) with its two hooks:
``residual_hook`` reads or replaces the residual stream between blocks, ``head_hook`` changes one
head's output.  Nothing re-implements a block.

- **Logit lens** (nostalgebraist 2020): the residual stream after the embeddings and after each
  block, each put through the final LayerNorm and the output layer, as if the model stopped
  there.  The LayerNorm is recomputed for every row (its scale belongs to the row's own vector;
  reusing the last layer's cached scale was TransformerLens issue #1076).
- **Activation patching** (Meng et al. 2022; Heimersheim & Nanda 2024): run a corrupted prompt,
  paste the clean run's residual stream at one (layer, position), and see how much of the clean
  answer comes back.
- **Induction heads** (Olsson et al. 2022): on a random sequence repeated twice, a head that
  looks from a token in the second copy to the token *after* its first occurrence can copy it.
- **Head ablation**: zero one head (or replace it by its mean over positions), see what the
  next-token distribution loses (KL divergence, in nats).

>>> from lmlab.models import load_gpt
>>> model = load_gpt("shakespeare")
>>> logit_lens(model, [464, 1003]).shape   # (n_layer + 1, T, vocab)
torch.Size([5, 2, 2048])
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F


class LensInputError(ValueError):
    """Prompts the lens cannot read (empty, too long, of different lengths, ...)."""


def _ids(model, idx) -> torch.Tensor:
    """Token ids as a (1, T) long tensor, checked against the context."""
    idx = torch.as_tensor(idx, dtype=torch.long).reshape(1, -1)
    if idx.numel() == 0:
        raise LensInputError("the prompt has no tokens")
    if idx.shape[1] > model.config.block_size:
        raise LensInputError(f"the prompt is {idx.shape[1]} tokens; the model reads at most "
                             f"{model.config.block_size}")
    return idx


@torch.no_grad()
def residual_stream(model, idx) -> tuple[torch.Tensor, torch.Tensor]:
    """``(stream (n_layer + 1, T, C), logits (T, vocab))``: row 0 the embeddings, row i the
    stream after block i (before ``ln_f``), recorded by ``residual_hook``."""
    rows = []
    out = model(_ids(model, idx), residual_hook=lambda i, x: rows.append(x[0]) or x)
    return torch.stack(rows), out.logits[0]


def logit_lens(model, idx) -> torch.Tensor:
    """(n_layer + 1, T, vocab) log-probabilities: each row of the residual stream through
    ``ln_f`` (recomputed per row) and the output layer.  The last row is the model's output."""
    stream, _ = residual_stream(model, idx)
    with torch.no_grad():
        return F.log_softmax(model.lm_head(model.transformer.ln_f(stream)), dim=-1)


# ----------------------------------------------------------------------------- patching


@dataclass
class Patching:
    """A patching map and the numbers it is a share of."""

    share: torch.Tensor  # (n_layer + 1, T): (patched - corrupt) / (clean - corrupt)
    clean_diff: float  # logit[answer] - logit[wrong] at the last position, clean prompt
    corrupt_diff: float  # the same, corrupted prompt
    first_difference: int  # the first position where the prompts differ


def patching(model, clean, corrupt, answer: int, wrong: int) -> Patching:
    """Activation patching of the residual stream at every (layer, position), in one batch.

    Row b of the batch is the corrupted prompt with the clean stream pasted at layer b // T,
    position b % T.  Positions before the prompts first differ carry the same stream in both
    runs, so their share is 0; the last layer's last position carries the whole answer: 1.
    """
    clean, corrupt = _ids(model, clean), _ids(model, corrupt)
    T = clean.shape[1]
    if corrupt.shape[1] != T:
        raise LensInputError(f"the clean prompt is {T} tokens and the corrupted one "
                             f"{corrupt.shape[1]}; patching needs the same number of tokens")
    differ = (clean != corrupt)[0].nonzero()
    if len(differ) == 0:
        raise LensInputError("the two prompts are the same tokens")
    V = model.config.vocab_size
    if not (0 <= answer < V and 0 <= wrong < V) or answer == wrong:
        raise LensInputError("answer and wrong must be two different token ids")
    stream, clean_logits = residual_stream(model, clean)  # (L + 1, T, C)
    L1 = stream.shape[0]
    rows = torch.arange(L1 * T)

    def paste(i, x):  # x (L1 * T, T, C): row b gets the clean stream at layer b // T only
        hit = rows // T == i
        x = x.clone()
        x[hit, rows[hit] % T] = stream[i, rows[hit] % T]
        return x

    with torch.no_grad():
        corrupt_logits = model(corrupt).logits[0, -1]
        patched = model(corrupt.expand(L1 * T, T), residual_hook=paste,
                        positions=torch.full((L1 * T,), T - 1)).logits[:, 0]  # (L1 * T, V)
    clean_d = float(clean_logits[-1, answer] - clean_logits[-1, wrong])
    corrupt_d = float(corrupt_logits[answer] - corrupt_logits[wrong])
    if abs(clean_d - corrupt_d) < 1e-6:
        raise LensInputError("the clean and corrupted prompts give the same logit difference: "
                             "there is nothing to restore")
    share = ((patched[:, answer] - patched[:, wrong]) - corrupt_d) / (clean_d - corrupt_d)
    return Patching(share.reshape(L1, T), clean_d, corrupt_d, int(differ[0]))


def patching_map(model, clean, corrupt, answer: int, wrong: int) -> torch.Tensor:
    """(n_layer + 1, T): the share of the logit difference restored by each patch."""
    return patching(model, clean, corrupt, answer, wrong).share


# ----------------------------------------------------------------------------- induction heads


def repeated_tokens(vocab_size: int, seq_len: int = 40, n_seqs: int = 8, seed: int = 0,
                    first: int = 0) -> torch.Tensor:
    """(n_seqs, 1 + 2 seq_len): ``first`` (<|endoftext|>), then random distinct tokens, twice."""
    g = torch.Generator().manual_seed(seed)
    r = torch.stack([torch.randperm(vocab_size - 1, generator=g)[:seq_len] + 1
                     for _ in range(n_seqs)])
    return torch.cat([torch.full((n_seqs, 1), first), r, r], dim=1)


@torch.no_grad()
def induction_scores(model, seq_len: int = 40, n_seqs: int = 8, seed: int = 0) -> torch.Tensor:
    """(n_layer, n_head) in [0, 1]: mean attention from each second-copy token to the token
    after its first occurrence (position q attends to q - seq_len + 1)."""
    if not 2 <= seq_len <= (model.config.block_size - 1) // 2:
        raise LensInputError(f"seq_len must be 2..{(model.config.block_size - 1) // 2}")
    idx = repeated_tokens(model.config.vocab_size, seq_len, n_seqs, seed)
    att = torch.stack(model(idx, output_attentions=True).attentions)  # (L, B, H, T, T)
    q = torch.arange(seq_len + 1, 2 * seq_len + 1)
    return att[..., q, q - seq_len + 1].mean(dim=(1, 3)).clamp(0, 1)


@torch.no_grad()
def previous_token_scores(model, seq_len: int = 40, n_seqs: int = 8,
                          seed: int = 0) -> torch.Tensor:
    """(n_layer, n_head): mean attention to the previous token on the same sequences (the
    other half of an induction circuit: a previous-token head in an earlier layer)."""
    idx = repeated_tokens(model.config.vocab_size, seq_len, n_seqs, seed)
    att = torch.stack(model(idx, output_attentions=True).attentions)
    q = torch.arange(1, idx.shape[1])
    return att[..., q, q - 1].mean(dim=(1, 3))


def uniform_baseline(seq_len: int = 40) -> float:
    """The induction score of a head that spreads its attention evenly over what it can see."""
    q = torch.arange(seq_len + 1, 2 * seq_len + 1, dtype=torch.float64)
    return float((1 / (q + 1)).mean())


@torch.no_grad()
def copy_losses(model, seq_len: int = 40, n_seqs: int = 8, seed: int = 0) -> tuple[float, float]:
    """Mean next-token loss (nats) in the first and in the second copy of the repeated
    sequences.  A model with induction heads predicts the second copy far better."""
    idx = repeated_tokens(model.config.vocab_size, seq_len, n_seqs, seed)
    nll = F.cross_entropy(model(idx).logits[:, :-1].transpose(1, 2), idx[:, 1:],
                          reduction="none")  # (B, 2 seq_len): predicts positions 1..
    return float(nll[:, 1:seq_len].mean()), float(nll[:, seq_len + 1:].mean())


# ----------------------------------------------------------------------------- ablation


@dataclass
class Ablation:
    """What the next-token distribution loses when heads are ablated."""

    kl: torch.Tensor  # (n_layer, n_head): KL(original || ablated) at the last position, nats
    base: torch.Tensor  # (vocab,) log-probs of the next token, nothing ablated
    ablated: torch.Tensor  # (n_layer, n_head, vocab) log-probs with that one head ablated


@torch.no_grad()
def ablate_heads(model, idx, mode: str = "zero") -> Ablation:
    """Every head ablated on its own (one batch row per head): ``"zero"`` sets its output to 0,
    ``"mean"`` to its mean over the prompt's positions."""
    if mode not in ("zero", "mean"):
        raise LensInputError(f"mode must be 'zero' or 'mean', not {mode!r}")
    idx = _ids(model, idx)
    L, H, T = model.config.n_layer, model.config.n_head, idx.shape[1]
    rows = torch.arange(L * H)

    def hook(layer, y):  # y (L * H, H, T, hs): row b ablates head b % H of layer b // H
        hit = rows[rows // H == layer]
        y = y.clone()
        heads = hit % H
        y[hit, heads] = 0.0 if mode == "zero" else y[hit, heads].mean(dim=1, keepdim=True)
        return y

    base = F.log_softmax(model(idx, positions=torch.tensor([T - 1])).logits[0, 0], -1)
    out = model(idx.expand(L * H, T), head_hook=hook, positions=torch.full((L * H,), T - 1))
    ablated = F.log_softmax(out.logits[:, 0], -1)  # (L * H, V)
    kl = (base.exp() * (base - ablated)).sum(-1)
    return Ablation(kl.reshape(L, H).clamp(min=0), base, ablated.reshape(L, H, -1))
