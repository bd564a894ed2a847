"""Learning-rate schedules and optimizers: how far each step moves the weights.

Lesson: lessons/09_training.en.md.  Command: ``lmlab train``.
"""

from __future__ import annotations

import math

import torch

from lmlab.gpt import GPT
from lmlab.training.config import TrainConfig


def lr_at(step: int, cfg: TrainConfig) -> float:
    """Linear warmup to ``lr``, then cosine decay to ``min_lr`` at ``max_steps``.

    >>> cfg = TrainConfig(max_steps=100, warmup_steps=10, lr=1.0, min_lr=0.0)
    >>> [round(lr_at(s, cfg), 2) for s in (0, 9, 55, 100)]
    [0.1, 1.0, 0.5, 0.0]
    """
    if step < cfg.warmup_steps:
        return cfg.lr * (step + 1) / cfg.warmup_steps
    progress = min(1.0, (step - cfg.warmup_steps) / max(1, cfg.max_steps - cfg.warmup_steps))
    return cfg.min_lr + 0.5 * (1 + math.cos(math.pi * progress)) * (cfg.lr - cfg.min_lr)


def make_optimizer(model: GPT, cfg: TrainConfig) -> torch.optim.AdamW:
    """AdamW with weight decay on 2-D weights only (nanoGPT's and GPT-2's practice)."""
    params = [p for p in model.parameters() if p.requires_grad]
    groups = [{"params": [p for p in params if p.dim() >= 2], "weight_decay": cfg.weight_decay},
              {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=cfg.lr, betas=(0.9, 0.95))
