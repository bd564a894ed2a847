"""Knowledge distillation: a small student learns from a big teacher's whole distribution.

Lesson: lessons/11_compression.en.md.  Command: ``lmlab distill``.  Tab: Generate
(the "distilled" model).

Training on text alone tells the student one right answer per position.  The teacher knows
more: after "ROMEO." it gives some probability to "O", some to "I", a little to "What"...
Distillation (Hinton, Vinyals and Dean, 2015) trains the student to match those soft targets:

    loss = alpha * T² * KL(softmax(teacher / T) || softmax(student / T))
         + (1 - alpha) * cross_entropy(student, targets)

A temperature T > 1 flattens both distributions, so the small probabilities (the "dark
knowledge") weigh more; the T² keeps the gradient's size independent of T.  ``lmlab.training``
runs the loop: with ``TrainConfig.teacher`` set, each batch goes through the teacher (no
gradient) and the student's loss is ``kd_loss``.
"""

from __future__ import annotations

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
