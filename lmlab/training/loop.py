"""Training a GPT on the corpus: AdamW, warmup + cosine, clipping, held-out loss, resume.

Lesson: lessons/09_training.en.md.  Command: ``lmlab train``.

One step: take ``batch_size`` random windows of ``block_size + 1`` tokens from the training
works, predict every next token, average the cross-entropy, backpropagate, clip the gradient
norm, let AdamW move the weights by a learning rate that first rises (warmup) and then falls
along a cosine.  Every ``eval_interval`` steps the loss on held-out works is measured and a
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
from lmlab.training.schedules import lr_at, make_optimizer


def get_batch(data: torch.Tensor, batch_size: int, block_size: int,
              gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Random windows: inputs (B, T) and the same windows shifted by one as targets."""
    starts = torch.randint(len(data) - block_size - 1, (batch_size,), generator=gen)
    x = torch.stack([data[s:s + block_size] for s in starts.tolist()])
    y = torch.stack([data[s + 1:s + 1 + block_size] for s in starts.tolist()])
    return x.long(), y.long()


@torch.no_grad()
def heldout_loss(model: GPT, data: torch.Tensor, n_windows: int) -> float:
    """Mean loss on ``n_windows`` evenly spaced, fixed held-out windows."""
    T = model.config.block_size
    starts = np.linspace(0, len(data) - T - 1, n_windows).astype(int)
    x = torch.stack([data[s:s + T] for s in starts]).long()
    y = torch.stack([data[s + 1:s + 1 + T] for s in starts]).long()
    was_training = model.training
    model.eval()
    loss = model(x, targets=y).loss.item()
    model.train(was_training)
    return loss


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

    Each invocation is recorded in the checkpoint's ``runs`` (its command and first step), so a
    model card can say exactly how the weights were made, resumptions included.
    """
    torch.manual_seed(cfg.seed)
    gen = torch.Generator().manual_seed(cfg.seed)
    train_data = torch.from_numpy(token_stream("train").astype(np.int64))
    val_data = torch.from_numpy(token_stream("val").astype(np.int64))
    model = GPT(cfg.model)
    teacher = load_teacher(cfg) if cfg.teacher else None
    opt = make_optimizer(model, cfg)
    state = {"step": 0, "log": [], "runs": []}
    out.mkdir(parents=True, exist_ok=True)
    if resume and (out / "train_state.json").exists():
        state = load_checkpoint(out, model, opt, gen)
    step, log, runs = state["step"], state["log"], state.get("runs", [])
    runs.append({"from_step": step, "max_steps": cfg.max_steps, "command": command})
    model.train()
    tokens_per_step = cfg.batch_size * cfg.model.block_size
    bar = tqdm(total=cfg.max_steps, initial=step, disable=not progress, file=sys.stderr)
    t0 = time.time() - (log[-1]["elapsed_s"] if log else 0.0)  # cumulative over resumptions
    t_last, s_last = time.time(), step
    while step < cfg.max_steps:
        for group in opt.param_groups:
            group["lr"] = lr_at(step, cfg)
        x, y = get_batch(train_data, cfg.batch_size, cfg.model.block_size, gen)
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
        step += 1
        if step % 10 == 0 or step == cfg.max_steps:
            now = time.time()
            tps = (step - s_last) * tokens_per_step / max(now - t_last, 1e-9)
            bar.set_postfix(loss=f"{loss.item():.3f}", tok_s=f"{tps:,.0f}")
            bar.update(step - bar.n)
            t_last, s_last = now, step
        if step % cfg.eval_interval == 0 or step == cfg.max_steps:
            val = heldout_loss(model, val_data, cfg.eval_windows)
            log.append({"step": step, "train_loss": round(loss.item(), 4),
                        "val_loss": round(val, 4), "elapsed_s": round(time.time() - t0, 1)})
            bar.write(f"step {step}: train loss {loss.item():.3f}, held-out loss {val:.3f}")
            save_checkpoint(out, model, opt, step, gen, cfg, log, runs)
    bar.close()
    return model.eval()
