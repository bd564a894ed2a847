"""Training a GPT: the loop, schedules, optimizers, checkpoints and model cards.

Lesson: lessons/09_training.en.md.  Command: ``lmlab train``.  Tab: Train.

- ``lmlab.training.config``       ``TrainConfig``: every choice of a run
- ``lmlab.training.schedules``    learning-rate schedules, optimizers
- ``lmlab.training.loop``         batches, held-out loss, ``train``
- ``lmlab.training.checkpoints``  exact resume: weights, optimizer, RNG states
- ``lmlab.training.card``         the model card written after a run
"""

from lmlab.training.checkpoints import load_checkpoint, save_checkpoint
from lmlab.training.config import TrainConfig
from lmlab.training.loop import get_batch, heldout_loss, load_teacher, train
from lmlab.training.schedules import lr_at, make_optimizer

__all__ = ["TrainConfig", "get_batch", "heldout_loss", "load_checkpoint", "load_teacher",
           "lr_at", "make_optimizer", "save_checkpoint", "train"]
