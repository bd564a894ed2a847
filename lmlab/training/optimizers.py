"""Optimizers: SGD with momentum, Adam, AdamW, all from ``torch.optim``.

Lesson: lessons/09_training.en.md.  Command: ``lmlab train --optimizer``.  Tab: Train.

- SGD with momentum: ``v = m v + g``, ``w -= lr v``.  One learning rate for every weight; a weight
  with tiny gradients barely moves.  Needs a larger learning rate than Adam (say 0.1-1 here).
- Adam: divides each weight's step by a running estimate of its gradient's size, so every weight
  moves at about ``lr`` per step, whatever its gradient's scale.  No weight decay here.
- AdamW: Adam plus weight decay applied to the weights directly ("decoupled"), not through the
  gradient; decay on matrices only, as GPT-2 and nanoGPT do.
"""

from __future__ import annotations

import torch

from lmlab.training.config import TrainConfig

ADAM_BETAS = (0.9, 0.95)  # nanoGPT's; the second moment forgets faster than PyTorch's 0.999


def param_groups(model: torch.nn.Module, weight_decay: float) -> list[dict]:
    """Decay on 2-D weights (matrices, embeddings) only, not on biases and LayerNorm gains."""
    params = [p for p in model.parameters() if p.requires_grad]
    return [{"params": [p for p in params if p.dim() >= 2], "weight_decay": weight_decay},
            {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}]


def make_optimizer(model: torch.nn.Module, cfg: TrainConfig) -> torch.optim.Optimizer:
    """The optimizer ``cfg.optimizer`` names, at ``cfg.lr`` (the schedule sets it every step).

    >>> from lmlab.gpt import GPT, GPTConfig
    >>> m = GPT(GPTConfig(vocab_size=10, block_size=4, n_layer=1, n_head=1, n_embd=4))
    >>> type(make_optimizer(m, TrainConfig(optimizer="sgd"))).__name__
    'SGD'
    """
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(param_groups(model, cfg.weight_decay), lr=cfg.lr,
                               momentum=cfg.momentum)
    if cfg.optimizer == "adam":
        return torch.optim.Adam(param_groups(model, 0.0), lr=cfg.lr, betas=ADAM_BETAS)
    return torch.optim.AdamW(param_groups(model, cfg.weight_decay), lr=cfg.lr, betas=ADAM_BETAS)
