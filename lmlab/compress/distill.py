"""Knowledge distillation: a small student learns from a big teacher's whole distribution.

Lesson: lessons/11_compression.en.md.  Command: ``lmlab distill``, ``lmlab bench distill``.
Tabs: Compress (soft targets, "distil live"), Generate (the "distilled" model).

Training on text alone tells the student one right answer per position.  The teacher knows
more: after "ROMEO." it gives some probability to "O", some to "I", a little to "What"...
Distillation (Hinton, Vinyals and Dean, 2015) trains the student to match those soft targets:

    loss = alpha * T² * KL(softmax(teacher / T) || softmax(student / T))
         + (1 - alpha) * cross_entropy(student, targets)

A temperature T > 1 flattens both distributions, so the small probabilities (the "dark
knowledge") weigh more; the T² keeps the gradient's size independent of T.  ``lmlab.training``
runs the loop: with ``TrainConfig.teacher`` set, each batch goes through the teacher (no
gradient) and the student's loss is ``kd_loss``.  ``LiveDistil`` is a short run of two tiny
students side by side, one step at a time (the Compress tab's "distil live"): one learns with
``kd_loss``, the other, from the same initial weights on the same batches, from the text alone.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F


def kd_loss(student_logits: torch.Tensor, teacher_logits: torch.Tensor,
            targets: torch.Tensor | None, temperature: float = 2.0,
            alpha: float = 0.5) -> torch.Tensor:
    """Distillation loss, averaged over positions.  Logits (..., V); targets (...) or None.

    ``alpha`` = 1 uses the teacher only; 0 is plain cross-entropy on ``targets``.

    >>> s = torch.tensor([[2.0, 0.0, -1.0]])
    >>> float(kd_loss(s, s, None, temperature=3.0, alpha=1.0))  # nothing left to learn
    0.0
    """
    if temperature <= 0:
        raise ValueError(f"the distillation temperature must be positive, not {temperature}")
    if not 0 <= alpha <= 1:
        raise ValueError(f"alpha must be between 0 and 1, not {alpha}")
    if targets is None and alpha < 1:
        raise ValueError("without targets only the teacher can be followed: use alpha=1")
    V = student_logits.size(-1)
    s = student_logits.reshape(-1, V)
    log_p_student = F.log_softmax(s / temperature, dim=-1)
    log_p_teacher = F.log_softmax(teacher_logits.reshape(-1, V).detach() / temperature, dim=-1)
    soft = F.kl_div(log_p_student, log_p_teacher, log_target=True, reduction="batchmean")
    loss = alpha * temperature ** 2 * soft
    if alpha < 1:
        loss = loss + (1 - alpha) * F.cross_entropy(s, targets.reshape(-1))
    return loss


def soft_targets(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """The teacher's distribution softened by ``temperature``: softmax(logits / T).

    >>> soft_targets(torch.tensor([2.0, 0.0]), 1e9).tolist()  # very hot: uniform
    [0.5, 0.5]
    """
    if temperature <= 0:
        raise ValueError(f"the distillation temperature must be positive, not {temperature}")
    return torch.softmax(logits.float() / temperature, dim=-1)


# ----------------------------------------------------------------------------- distil live


@dataclass(frozen=True)
class LiveConfig:
    """A distillation small enough to watch: two tiny students, a few dozen steps."""

    steps: int = 60  # optimizer steps of each student
    batch_size: int = 8  # windows per step
    block_size: int = 64  # tokens per window
    n_layer: int = 1  # the students' shape
    n_head: int = 2
    n_embd: int = 64
    lr: float = 3e-3  # AdamW, constant
    temperature: float = 2.0  # kd_loss's T
    alpha: float = 0.5  # kd_loss's weight of the teacher
    eval_every: int = 5  # steps between held-out losses
    seed: int = 0  # decides the shared initial weights and the batches


class LiveDistil:
    """Two students of one shape, one initial state, the same batches: KD against text alone.

    ``step()`` advances both by one optimizer step; ``curves`` holds their held-out
    cross-entropy (nats, the same fixed windows for both) every ``eval_every`` steps.
    """

    def __init__(self, teacher, train_ids, val_ids, cfg: LiveConfig = LiveConfig()):
        from lmlab.gpt import GPT, GPTConfig

        if not 1 <= cfg.steps <= 500:
            raise ValueError(f"a live run takes 1 to 500 steps, not {cfg.steps}")
        shape = GPTConfig(vocab_size=teacher.config.vocab_size, block_size=cfg.block_size,
                          n_layer=cfg.n_layer, n_head=cfg.n_head, n_embd=cfg.n_embd, dropout=0.0)
        torch.manual_seed(cfg.seed)
        self.students = {"kd": GPT(shape), "text": None}
        self.students["text"] = copy.deepcopy(self.students["kd"])  # the same start
        self.opts = {k: torch.optim.AdamW(m.parameters(), lr=cfg.lr) for k, m in self.students.items()}
        self.teacher, self.cfg, self.step_count = teacher, cfg, 0
        self.gen = torch.Generator().manual_seed(cfg.seed)
        self.train = torch.from_numpy(np.asarray(train_ids, dtype=np.int64))
        val = torch.from_numpy(np.asarray(val_ids, dtype=np.int64))
        starts = np.linspace(0, len(val) - cfg.block_size - 1, 8).astype(int)
        self.val = torch.stack([val[s:s + cfg.block_size + 1] for s in starts])  # (8, T + 1)
        self.curves: dict[str, list[tuple[int, float]]] = {"kd": [], "text": []}
        self._evaluate()

    @property
    def done(self) -> bool:
        return self.step_count >= self.cfg.steps

    def _evaluate(self) -> None:
        with torch.no_grad():
            for name, m in self.students.items():
                m.eval()
                loss = m(self.val[:, :-1], targets=self.val[:, 1:]).loss.item()
                self.curves[name].append((self.step_count, round(loss, 4)))

    def step(self) -> None:
        """One optimizer step of each student on the same batch."""
        c = self.cfg
        starts = torch.randint(len(self.train) - c.block_size - 1, (c.batch_size,), generator=self.gen)
        batch = torch.stack([self.train[s:s + c.block_size + 1] for s in starts.tolist()])
        x, y = batch[:, :-1], batch[:, 1:]
        with torch.no_grad():
            teacher_logits = self.teacher(x).logits
        for name, m in self.students.items():
            m.train()
            logits = m(x).logits
            loss = (kd_loss(logits, teacher_logits, y, c.temperature, c.alpha) if name == "kd"
                    else F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1)))
            self.opts[name].zero_grad(set_to_none=True)
            loss.backward()
            self.opts[name].step()
        self.step_count += 1
        if self.step_count % c.eval_every == 0 or self.done:
            self._evaluate()
