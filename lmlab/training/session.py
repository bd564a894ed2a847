"""A training run in slices: what the Train tab's play / pause / step / reset drive.

Lesson: lessons/09_training.en.md.  Tab: Train (``lmlab.ui.train``).

``LabRun`` holds one student's model, optimizer, batch generator and history; ``advance`` runs
optimizer steps until a time budget (about half a second) is spent, so a server can interleave
many students' requests between slices.  The step is ``lmlab.training.train_step``, the one
``lmlab train`` takes.  A run ends with a code, never a sentence: ``"done"`` (its steps ran),
``"diverged"`` (the loss became inf/nan or exploded; ``diverged_at`` says at which step).

``RunLimiter`` caps how many runs compute at once (2 on 2 cores): a run holds a slot while it
plays, and a slot whose holder has not touched it for ``lease_s`` seconds (its tab closed) is
freed.

>>> lim = RunLimiter(cap=1)
>>> lim.acquire("a"), lim.acquire("b")
(0, 1)
>>> lim.release("a"); lim.acquire("b")
0
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from dataclasses import dataclass, field

import torch

from lmlab.gpt import GPT
from lmlab.training.config import TrainConfig
from lmlab.training.loop import heldout_loss, next_batch, train_step
from lmlab.training.optimizers import make_optimizer
from lmlab.training.schedules import lr_at

EXPLODED = 4.0  # a loss above this many times ln(vocab) (a uniform guess) counts as diverged


@dataclass
class Point:
    """One step of the history."""

    step: int
    train_loss: float
    lr: float
    val_loss: float | None = None  # measured every ``eval_every`` steps


@dataclass
class LabRun:
    """One student's training run: model, optimizer, batches, history (lives in gr.State)."""

    cfg: TrainConfig
    eval_every: int = 10  # steps between held-out measurements
    eval_windows: int = 8  # held-out windows per measurement
    key: str = field(default_factory=lambda: uuid.uuid4().hex)  # its slot in a RunLimiter
    step: int = 0
    history: list[Point] = field(default_factory=list)
    diverged_at: int | None = None  # the step whose loss was not finite (or exploded)
    started: float = field(default_factory=time.monotonic)
    computed_s: float = 0.0  # seconds of training so far
    playing: bool = False  # set by play, cleared by pause / step (a slice in flight checks it)

    def __post_init__(self) -> None:
        torch.manual_seed(self.cfg.seed)
        self.model = GPT(self.cfg.model)
        self.model.train()
        self.opt = make_optimizer(self.model, self.cfg)
        self.gen = torch.Generator().manual_seed(self.cfg.seed)

    @property
    def finished(self) -> str | None:
        """``"diverged"``, ``"done"`` or None (still running)."""
        if self.diverged_at is not None:
            return "diverged"
        return "done" if self.step >= self.cfg.max_steps else None

    def advance(self, train_data: torch.Tensor, val_data: torch.Tensor,
                budget_s: float = 0.5, max_steps: int | None = None) -> int:
        """Train until ``budget_s`` seconds pass (at least one step) or ``max_steps`` ran; returns
        the steps taken.  Stops at the first diverged step; the slice's last step always gets
        a held-out loss, which also catches an update that left the weights inf/nan."""
        t0, taken = time.perf_counter(), 0
        limit = math.log(self.cfg.model.vocab_size) * EXPLODED
        while self.finished is None and (max_steps is None or taken < max_steps):
            x, y = next_batch(self.cfg, train_data, self.gen)
            loss = train_step(self.model, self.opt, x, y, self.cfg, self.step).item()
            point = Point(self.step + 1, loss, lr_at(self.step, self.cfg))
            self.step += 1
            taken += 1
            if not math.isfinite(loss) or loss > limit:
                self.diverged_at = self.step
            elif self.step % self.eval_every == 0 or self.step == 1 or self.finished:
                point.val_loss = heldout_loss(self.model, val_data, self.eval_windows)
            self.history.append(point)
            if time.perf_counter() - t0 >= budget_s:
                break
        last = self.history[-1] if taken else None
        if last is not None and self.diverged_at is None and last.val_loss is None:
            last.val_loss = heldout_loss(self.model, val_data, self.eval_windows)  # after the update
        if last is not None and self.diverged_at is None and not (last.val_loss <= limit):
            self.diverged_at = self.step  # the last update blew the weights up (inf/nan)
        self.computed_s += time.perf_counter() - t0
        return taken

    @torch.no_grad()
    def attention(self, ids: list[int], layer: int = 0, head: int = 0) -> torch.Tensor:
        """(T, T) attention weights of one head on ``ids`` (cropped to the context)."""
        x = torch.tensor(ids[:self.cfg.model.block_size])[None]
        self.model.eval()
        weights = self.model(x, output_attentions=True).attentions[layer][0, head]
        self.model.train()
        return weights.float()


# ----------------------------------------------------------------------------- the limiter


class RunLimiter:
    """At most ``cap`` runs compute at once; the others are told how many are ahead of them.

    Thread-safe; one per app (created by the tab's build(), not at import).
    """

    def __init__(self, cap: int = 2, lease_s: float = 20.0):
        self.cap, self.lease_s = cap, lease_s
        self._held: dict[str, float] = {}  # key -> last touch (time.monotonic)
        self._lock = threading.Lock()

    def _expire(self, now: float) -> None:
        for key, seen in list(self._held.items()):
            if now - seen > self.lease_s:
                del self._held[key]

    def acquire(self, key: str) -> int:
        """0 if ``key`` holds (or now takes) a slot; else how many runs hold the slots now."""
        now = time.monotonic()
        with self._lock:
            self._expire(now)
            if key in self._held or len(self._held) < self.cap:
                self._held[key] = now
                return 0
            return len(self._held)

    def release(self, key: str) -> None:
        with self._lock:
            self._held.pop(key, None)

    def active(self) -> int:
        """Runs holding a slot now."""
        with self._lock:
            self._expire(time.monotonic())
            return len(self._held)
