"""Masked language modelling (BERT's objective) on the same GPT code, attention bidirectional.

Lesson: lessons/08_objectives.en.md.  Command: ``lmlab train --objective masked``.  Tab: Train.

A causal LM predicts every next token from the tokens before it.  A masked LM sees the whole
window, both sides, but some tokens are hidden; it predicts only those.  BERT's recipe
(Devlin et al. 2019, section 3.1): choose 15% of the positions; of the chosen, replace 80% by a
``[MASK]`` token, 10% by a random token and leave 10% unchanged (so the model cannot learn that
only ``[MASK]`` positions matter); the loss is the cross-entropy on the chosen positions only.

The mask token: the shipped tokenizer has only ``<|endoftext|>``, so a masked model gets one more
row in its embedding: ``vocab_size`` of the model = the tokenizer's + 1, and the mask token's
id is the tokenizer's vocabulary size (2048 with the shipped tokenizer).  No text encodes to it.

>>> x = torch.arange(20).view(2, 10)
>>> inputs, targets = mask_tokens(x, torch.Generator().manual_seed(0), mask_id=99, vocab_size=20)
>>> bool(((targets == -1) | (targets == x)).all())     # targets: the original token, or -1
True
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

IGNORE = -1  # target of a position the loss skips (lmlab.gpt.GPT's ignore_index)
MASK_SHARE, RANDOM_SHARE = 0.8, 0.1  # of the chosen tokens (the remaining 10% stay as they are)


def mask_token_id(tokenizer_vocab_size: int) -> int:
    """The mask token's id: one past the tokenizer's last id (the model has one more row)."""
    return tokenizer_vocab_size


def mask_tokens(x: torch.Tensor, gen: torch.Generator, mask_id: int, vocab_size: int,
                mask_prob: float = 0.15) -> tuple[torch.Tensor, torch.Tensor]:
    """BERT's masking of a (B, T) batch: (inputs, targets), targets -1 where not chosen.

    ``vocab_size`` is the tokenizer's (random replacements are real tokens, never the mask).
    At least one position per batch is chosen, so the loss is always defined.
    """
    chosen = torch.rand(x.shape, generator=gen) < mask_prob
    if not chosen.any():
        chosen.view(-1)[torch.randint(x.numel(), (1,), generator=gen)] = True
    how = torch.rand(x.shape, generator=gen)  # < 0.8 mask, < 0.9 random, else keep
    random_ids = torch.randint(vocab_size, x.shape, generator=gen)
    inputs = torch.where(chosen & (how < MASK_SHARE), torch.full_like(x, mask_id), x)
    inputs = torch.where(chosen & (how >= MASK_SHARE) & (how < MASK_SHARE + RANDOM_SHARE),
                         random_ids, inputs)
    targets = torch.where(chosen, x, torch.full_like(x, IGNORE))
    return inputs, targets


def masked_windows(data: torch.Tensor, batch_size: int, block_size: int, gen: torch.Generator,
                   mask_id: int, vocab_size: int, mask_prob: float = 0.15):
    """Random windows of ``block_size`` tokens, masked: (inputs, targets), each (B, T)."""
    starts = torch.randint(len(data) - block_size, (batch_size,), generator=gen)
    x = torch.stack([data[s:s + block_size] for s in starts.tolist()]).long()
    return mask_tokens(x, gen, mask_id, vocab_size, mask_prob)


# ----------------------------------------------------------------------------- fill in the blank


@dataclass(frozen=True)
class Blank:
    """The model's guesses for one blank: token ids and probabilities, likeliest first."""

    position: int
    ids: tuple[int, ...]
    probs: tuple[float, ...]


@torch.no_grad()
def fill_in(model, ids: list[int], positions: list[int], mask_id: int, k: int = 5) -> list[Blank]:
    """Hide ``ids[p]`` for every p in ``positions`` behind the mask token; the model's top ``k``.

    The model must be a masked one (``config.causal`` False): it reads both sides of a blank.
    """
    x = torch.tensor(ids, dtype=torch.long)[None].clone()
    x[0, positions] = mask_id
    was_training = model.training
    model.eval()
    logits = model(x).logits[0].float()  # (T, V)
    model.train(was_training)
    logits[:, mask_id] = float("-inf")  # the mask is never an answer
    blanks = []
    for p in positions:
        top = torch.softmax(logits[p], -1).topk(k)
        blanks.append(Blank(p, tuple(top.indices.tolist()), tuple(top.values.tolist())))
    return blanks
