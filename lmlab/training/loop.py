"""Training a GPT on the corpus: the step, held-out loss, checkpoints, resume, torchrun.

Lesson: lessons/09_training.en.md.  Command: ``lmlab train``.  Tab: Train (``train_step``).

One step: take ``batch_size`` random windows of ``block_size + 1`` tokens from the training
works, predict every next token (or, masked, the hidden ones), average the cross-entropy,
backpropagate, clip the gradient norm, let the optimizer (SGD, Adam, AdamW) move the weights by
the schedule's learning rate (warmup, then constant, a staircase or a cosine), in fp32 or under
bf16 autocast.  Every ``eval_interval`` steps the loss on held-out works is measured and a
checkpoint is written (safetensors, atomically: a crash mid-save leaves the previous one).

Same seed, same data, same steps -> the same weights, resumed or not (tests/test_train.py).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from lmlab.compress.distill import kd_loss
from lmlab.gpt import GPT
from lmlab.tokenizer import token_stream
from lmlab.training.checkpoints import load_checkpoint, save_checkpoint
from lmlab.training.config import TrainConfig
from lmlab.training.distributed import local_batch_size, setup, shard, teardown, wrap
from lmlab.training.masked import mask_tokens, masked_windows
from lmlab.training.optimizers import make_optimizer
from lmlab.training.precision import autocast
from lmlab.training.schedules import lr_at


def get_batch(data: torch.Tensor, batch_size: int, block_size: int,
              gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Random windows: inputs (B, T) and the same windows shifted by one as targets."""
    starts = torch.randint(len(data) - block_size - 1, (batch_size,), generator=gen)
    x = torch.stack([data[s:s + block_size] for s in starts.tolist()])
    y = torch.stack([data[s + 1:s + 1 + block_size] for s in starts.tolist()])
    return x.long(), y.long()


def next_batch(cfg: TrainConfig, data: torch.Tensor,
               gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """The global batch of a step for the run's objective: (inputs, targets), each (B, T).

    Masked: the model's last id is the mask token (``lmlab.training.masked``).
    """
    m = cfg.model
    if cfg.objective == "masked":
        return masked_windows(data, cfg.batch_size, m.block_size, gen, m.vocab_size - 1,
                              m.vocab_size - 1, cfg.mask_prob)
    return get_batch(data, cfg.batch_size, m.block_size, gen)


@torch.no_grad()
def heldout_loss(model: GPT, data: torch.Tensor, n_windows: int) -> float:
    """Mean loss on ``n_windows`` evenly spaced, fixed held-out windows.

    A masked model (``config.causal`` False) is scored on the masked positions of the same
    windows, masked with a fixed seed: a different number from a next-token loss.
    """
    T = model.config.block_size
    starts = np.linspace(0, len(data) - T - 1, n_windows).astype(int)
    x = torch.stack([data[s:s + T] for s in starts]).long()
    y = torch.stack([data[s + 1:s + 1 + T] for s in starts]).long()
    if not model.config.causal:
        V = model.config.vocab_size
        x, y = mask_tokens(x, torch.Generator().manual_seed(0), V - 1, V - 1)
    device = model.transformer.wte.weight.device
    was_training = model.training
    model.eval()
    loss = model(x.to(device), targets=y.to(device)).loss.item()
    model.train(was_training)
    return loss


def train_step(model: torch.nn.Module, opt: torch.optim.Optimizer, x: torch.Tensor,
               y: torch.Tensor, cfg: TrainConfig, step: int,
               teacher: GPT | None = None) -> torch.Tensor:
    """One optimizer step on (x, y) at the schedule's learning rate; returns the loss (detached).

    ``model`` may be wrapped in DistributedDataParallel: its backward averages the ranks' gradients.
    """
    for group in opt.param_groups:
        group["lr"] = lr_at(step, cfg)
    device = next(model.parameters()).device
    x, y = x.to(device), y.to(device)
    with autocast(cfg.precision, device):
        if teacher is None:
            loss = model(x, targets=y).loss
        else:
            with torch.no_grad():
                teacher_logits = teacher(x).logits
            loss = kd_loss(model(x).logits, teacher_logits, y, cfg.kd_temperature, cfg.kd_alpha)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
    opt.step()
    return loss.detach().float()


# ----------------------------------------------------------------------------- the loop


def load_teacher(cfg: TrainConfig) -> GPT:
    """The frozen teacher of a distillation run; it must read the student's tokens."""
    teacher = GPT.from_pretrained(cfg.teacher)
    if teacher.config.vocab_size != cfg.model.vocab_size:
        raise ValueError(f"the teacher's vocabulary ({teacher.config.vocab_size}) is not the "
                         f"student's ({cfg.model.vocab_size})")
    if teacher.config.block_size < cfg.model.block_size:
        raise ValueError(f"the teacher reads {teacher.config.block_size} tokens, fewer than "
                         f"the student's {cfg.model.block_size}")
    for p in teacher.parameters():
        p.requires_grad_(False)
    return teacher


def train(cfg: TrainConfig, out: Path, resume: bool = False, progress: bool = True,
          command: str = "") -> GPT:
    """Train (or resume) a GPT into ``out``; returns the final model in eval mode.

    Each invocation is recorded in the checkpoint's ``runs`` (its command, first step and
    world size), so a model card can say exactly how the weights were made, resumptions included.
    Under torchrun every rank trains its slice of each batch; rank 0 alone writes.
    """
    world = setup(cfg.device)
    local_batch_size(cfg.batch_size, world.world_size)  # refuse before any work
    torch.manual_seed(cfg.seed)
    gen = torch.Generator().manual_seed(cfg.seed)  # the same batches on every rank
    train_data = torch.from_numpy(token_stream("train").astype(np.int64))
    val_data = torch.from_numpy(token_stream("val").astype(np.int64))
    model = GPT(cfg.model).to(world.device)
    if world.rank:  # every rank starts from the same weights; dropout differs per rank
        torch.manual_seed(cfg.seed + world.rank)
    teacher = load_teacher(cfg).to(world.device) if cfg.teacher else None
    opt = make_optimizer(model, cfg)
    state = {"step": 0, "log": [], "runs": []}
    if world.is_main:
        out.mkdir(parents=True, exist_ok=True)
    if resume and (out / "train_state.json").exists():
        state = load_checkpoint(out, model, opt, gen)
    step, log, runs = state["step"], state["log"], state.get("runs", [])
    runs.append({"from_step": step, "max_steps": cfg.max_steps, "command": command,
                 "world_size": world.world_size})
    ddp = wrap(model, world)
    model.train()
    tokens_per_step = cfg.batch_size * cfg.model.block_size
    bar = tqdm(total=cfg.max_steps, initial=step, disable=not (progress and world.is_main),
               file=sys.stderr)
    t0 = time.time() - (log[-1]["elapsed_s"] if log else 0.0)  # cumulative over resumptions
    t_last, s_last = time.time(), step
    while step < cfg.max_steps:
        x, y = next_batch(cfg, train_data, gen)
        x, y = shard(x, world), shard(y, world)
        loss = train_step(ddp, opt, x, y, cfg, step, teacher)
        step += 1
        if step % 10 == 0 or step == cfg.max_steps:
            now = time.time()
            tps = (step - s_last) * tokens_per_step / max(now - t_last, 1e-9)
            bar.set_postfix(loss=f"{loss.item():.3f}", tok_s=f"{tps:,.0f}")
            bar.update(step - bar.n)
            t_last, s_last = now, step
        if world.is_main and (step % cfg.eval_interval == 0 or step == cfg.max_steps):
            val = heldout_loss(model, val_data, cfg.eval_windows)
            log.append({"step": step, "train_loss": round(loss.item(), 4),
                        "val_loss": round(val, 4), "elapsed_s": round(time.time() - t0, 1)})
            bar.write(f"step {step}: train loss {loss.item():.3f}, held-out loss {val:.3f}")
            save_checkpoint(out, model, opt, step, gen, cfg, log, runs, world.world_size)
    bar.close()
    teardown(world)
    return model.cpu().eval()
