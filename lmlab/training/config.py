"""The training configuration: every choice that decides a run, saved beside its checkpoint.

Lesson: lessons/09_training.en.md.  Command: ``lmlab train``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lmlab.gpt import GPTConfig


@dataclass
class TrainConfig:
    """Everything that decides a training run (saved beside the checkpoint)."""

    model: GPTConfig = field(default_factory=GPTConfig)  # the shape of the GPT
    batch_size: int = 32  # windows per step
    max_steps: int = 4000  # optimizer steps in all
    lr: float = 2e-3  # peak learning rate
    min_lr: float = 2e-4  # learning rate at the end of the cosine
    warmup_steps: int = 200  # linear warmup from 0 to lr
    weight_decay: float = 0.1  # AdamW decay, on matrices only (not biases, LayerNorms)
    grad_clip: float = 1.0  # max global gradient norm
    eval_interval: int = 250  # steps between held-out evaluations and checkpoints
    eval_windows: int = 64  # held-out windows per periodic evaluation
    seed: int = 1337  # decides init, batches and dropout
    teacher: str | None = None  # a GPT checkpoint folder: distil it (lmlab.compress.distill.kd_loss)
    kd_alpha: float = 0.5  # weight of the teacher's soft targets (1 - alpha: the text's)
    kd_temperature: float = 2.0  # softens both distributions before they are compared
