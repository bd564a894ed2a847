"""The training configuration: every choice that decides a run, saved beside its checkpoint.

Lesson: lessons/09_training.en.md.  Command: ``lmlab train``.  Tab: Train.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lmlab.gpt import GPTConfig

OPTIMIZERS = ("sgd", "adam", "adamw")  # lmlab.training.optimizers
SCHEDULES = ("constant", "step", "cosine")  # lmlab.training.schedules
PRECISIONS = ("fp32", "bf16")  # lmlab.training.precision
OBJECTIVES = ("causal", "masked")  # next token (GPT) or fill the blanks (BERT): lmlab.training.masked
DEVICES = ("auto", "cpu", "cuda")  # auto: CUDA where present


@dataclass
class TrainConfig:
    """Everything that decides a training run (saved beside the checkpoint)."""

    model: GPTConfig = field(default_factory=GPTConfig)  # the shape of the GPT
    batch_size: int = 32  # windows per step, in all (under torchrun: split over the ranks)
    max_steps: int = 4000  # optimizer steps in all
    lr: float = 2e-3  # peak learning rate
    min_lr: float = 2e-4  # learning rate at the end of the cosine
    warmup_steps: int = 200  # linear warmup from 0 to lr (every schedule)
    weight_decay: float = 0.1  # decay on matrices only (not biases, LayerNorms); AdamW and SGD
    grad_clip: float = 1.0  # max global gradient norm
    eval_interval: int = 250  # steps between held-out evaluations and checkpoints
    eval_windows: int = 64  # held-out windows per periodic evaluation
    seed: int = 1337  # decides init, batches, masking and dropout
    teacher: str | None = None  # a GPT checkpoint folder: distil it (lmlab.compress.distill.kd_loss)
    kd_alpha: float = 0.5  # weight of the teacher's soft targets (1 - alpha: the text's)
    kd_temperature: float = 2.0  # softens both distributions before they are compared
    optimizer: str = "adamw"  # sgd (with momentum), adam, adamw
    momentum: float = 0.9  # SGD's momentum (Adam's betas are fixed at 0.9, 0.95)
    schedule: str = "cosine"  # constant, step (x0.1 at 1/2 and 3/4 of the run), cosine
    precision: str = "fp32"  # fp32, or bf16 autocast (weights stay fp32)
    objective: str = "causal"  # causal: next token; masked: BERT's fill-the-blanks
    mask_prob: float = 0.15  # masked LM: share of tokens chosen to predict
    device: str = "auto"  # auto, cpu, cuda

    def __post_init__(self) -> None:
        for name, allowed in (("optimizer", OPTIMIZERS), ("schedule", SCHEDULES),
                              ("precision", PRECISIONS), ("objective", OBJECTIVES),
                              ("device", DEVICES)):
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}, "
                                 f"not {getattr(self, name)!r}")
        if self.batch_size < 1:
            raise ValueError(f"the batch size must be at least 1, not {self.batch_size}")
        if self.max_steps < 1:
            raise ValueError(f"the number of steps must be at least 1, not {self.max_steps}")
        if not 0 < self.mask_prob < 1:
            raise ValueError(f"mask_prob must be between 0 and 1, not {self.mask_prob}")
        if self.objective == "masked" and self.teacher:
            raise ValueError("distillation trains a causal model; use objective causal")
        if (self.objective == "masked") == self.model.causal:
            raise ValueError("objective masked needs model.causal=False (bidirectional "
                             "attention), objective causal needs model.causal=True")
