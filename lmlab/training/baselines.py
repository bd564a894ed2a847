"""The n-gram losses a live training run is drawn against: when does the network beat counting?

Lesson: lessons/09_training.en.md.  Tab: Train.

The same tokens as ``lmlab.compare``: n-gram models fitted on the training works
(``lmlab.compare.ngram_model``), scored on its held-out slice (5,000 tokens from the middle of
each validation work).  A loss is the mean -ln p per token (nats), the number a GPT's loss is:
ln(perplexity).  Computed once per process, then read-only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from lmlab.cache import load_once
from lmlab.compare import ORDERS, heldout_slice, ngram_model
from lmlab.tokenizer import token_stream


@dataclass(frozen=True)
class Baselines:
    """Held-out next-token losses (nats per token) of counting models."""

    unigram: float  # token frequencies alone
    bigram: float  # the previous token (Kneser-Ney smoothed)
    best_kn: float  # the best Kneser-Ney n-gram, n = 1..5
    best_order: int  # its n


@load_once(maxsize=1)
def ngram_baselines() -> Baselines:
    """Unigram, bigram and best Kneser-Ney losses on the held-out slice (a few seconds, once)."""
    chunks = heldout_slice()
    losses = [math.log(ngram_model(n, "kneser_ney").perplexity(chunks)) for n in ORDERS]
    best = int(np.argmin(losses))
    return Baselines(losses[0], losses[1], losses[best], ORDERS[best])


@load_once(maxsize=1)
def lab_data() -> tuple[torch.Tensor, torch.Tensor]:
    """(training stream, held-out slice as one stream) as int64 tensors, shared read-only."""
    train = torch.from_numpy(token_stream("train").astype(np.int64))
    val = torch.from_numpy(np.concatenate(heldout_slice()).astype(np.int64))
    return train, val
