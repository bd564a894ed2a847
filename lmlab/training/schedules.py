"""Learning-rate schedules: how far each step moves the weights, step by step.

Lesson: lessons/09_training.en.md.  Command: ``lmlab train --schedule``.  Tab: Train.

Every schedule starts with a linear warmup (``warmup_steps``, 0 for none), then:

- ``constant``: ``lr`` to the end;
- ``step``: ``lr``, times 0.1 after half of the remaining steps, times 0.01 after three quarters
  (the staircase of ResNet-era training);
- ``cosine``: half a cosine from ``lr`` down to ``min_lr`` at ``max_steps`` (GPT-2, nanoGPT).
"""

from __future__ import annotations

import math

from lmlab.training.config import TrainConfig

STEP_MILESTONES = (0.5, 0.75)  # step schedule: where the learning rate drops, as run fractions
STEP_GAMMA = 0.1  # step schedule: the factor of each drop


def lr_at(step: int, cfg: TrainConfig) -> float:
    """The learning rate of optimizer step ``step`` (0-based).

    >>> cfg = TrainConfig(max_steps=100, warmup_steps=10, lr=1.0, min_lr=0.0)
    >>> [round(lr_at(s, cfg), 2) for s in (0, 9, 55, 100)]
    [0.1, 1.0, 0.5, 0.0]
    >>> cfg.schedule = "step"
    >>> [round(lr_at(s, cfg), 3) for s in (9, 54, 55, 78, 99)]
    [1.0, 1.0, 0.1, 0.01, 0.01]
    """
    if step < cfg.warmup_steps:
        return cfg.lr * (step + 1) / cfg.warmup_steps
    progress = min(1.0, (step - cfg.warmup_steps) / max(1, cfg.max_steps - cfg.warmup_steps))
    if cfg.schedule == "constant":
        return cfg.lr
    if cfg.schedule == "step":
        return cfg.lr * STEP_GAMMA ** sum(progress >= m for m in STEP_MILESTONES)
    return cfg.min_lr + 0.5 * (1 + math.cos(math.pi * progress)) * (cfg.lr - cfg.min_lr)


def lr_curve(cfg: TrainConfig) -> list[float]:
    """``lr_at`` for every step of the run (what the Train tab plots)."""
    return [lr_at(s, cfg) for s in range(cfg.max_steps)]
