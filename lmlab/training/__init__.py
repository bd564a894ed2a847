"""Training a GPT: the loop, schedules, optimizers, precision, objectives, torchrun, the lab.

Lesson: lessons/09_training.en.md (lessons/08_objectives.en.md for masked LM).
Command: ``lmlab train``.  Tab: Train.

- ``lmlab.training.config``       ``TrainConfig``: every choice of a run
- ``lmlab.training.schedules``    learning-rate schedules: constant, step, cosine (with warmup)
- ``lmlab.training.optimizers``   SGD with momentum, Adam, AdamW
- ``lmlab.training.precision``    bf16 autocast (CPU and CUDA)
- ``lmlab.training.masked``       BERT's masking, loss on masked positions, fill in the blank
- ``lmlab.training.distributed``  torchrun: process group, DDP, each rank's slice of a batch
- ``lmlab.training.loop``         batches, the step, held-out loss, ``train``
- ``lmlab.training.checkpoints``  exact resume: weights, optimizer, RNG states
- ``lmlab.training.card``         the model card written after a run
- ``lmlab.training.session``      a run in slices (the Train tab's play / pause / step)
- ``lmlab.training.baselines``    the n-gram losses a live run is drawn against
"""

from lmlab.training.checkpoints import load_checkpoint, save_checkpoint
from lmlab.training.config import TrainConfig
from lmlab.training.loop import get_batch, heldout_loss, load_teacher, next_batch, train, train_step
from lmlab.training.optimizers import make_optimizer
from lmlab.training.schedules import lr_at

__all__ = ["TrainConfig", "get_batch", "heldout_loss", "load_checkpoint", "load_teacher",
           "lr_at", "make_optimizer", "next_batch", "save_checkpoint", "train", "train_step"]
