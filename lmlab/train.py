"""Training a GPT on the corpus: AdamW, warmup + cosine, clipping, held-out loss, resume.

Lesson: lessons/06_training.en.md.  Command: ``lmlab train``.

One step: take ``batch_size`` random windows of ``block_size + 1`` tokens from the training
works, predict every next token, average the cross-entropy, backpropagate, clip the gradient
norm, let AdamW move the weights by a learning rate that first rises (warmup) and then falls
along a cosine.  Every ``eval_interval`` steps the loss on held-out works is measured and a
checkpoint is written (safetensors, atomically: a crash mid-save leaves the previous one).

Same seed, same data, same steps -> the same weights, resumed or not (tests/test_train.py).
"""

from __future__ import annotations

import json
import math
import sys
import time
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from tqdm import tqdm

from lmlab.data import split_texts, works_in
from lmlab.distill import kd_loss
from lmlab.evaluate import perplexity
from lmlab.gpt import GPT, GPTConfig, atomic_write
from lmlab.tokenizer import load_tokenizer


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
    teacher: str | None = None  # a GPT checkpoint folder: distil it (lmlab.distill.kd_loss)
    kd_alpha: float = 0.5  # weight of the teacher's soft targets (1 - alpha: the text's)
    kd_temperature: float = 2.0  # softens both distributions before they are compared


def lr_at(step: int, cfg: TrainConfig) -> float:
    """Linear warmup to ``lr``, then cosine decay to ``min_lr`` at ``max_steps``.

    >>> cfg = TrainConfig(max_steps=100, warmup_steps=10, lr=1.0, min_lr=0.0)
    >>> [round(lr_at(s, cfg), 2) for s in (0, 9, 55, 100)]
    [0.1, 1.0, 0.5, 0.0]
    """
    if step < cfg.warmup_steps:
        return cfg.lr * (step + 1) / cfg.warmup_steps
    progress = min(1.0, (step - cfg.warmup_steps) / max(1, cfg.max_steps - cfg.warmup_steps))
    return cfg.min_lr + 0.5 * (1 + math.cos(math.pi * progress)) * (cfg.lr - cfg.min_lr)


# ----------------------------------------------------------------------------- data


@lru_cache(maxsize=3)
def token_stream(split: str) -> np.ndarray:
    """All works of a split as one read-only uint16 array, works separated by <|endoftext|>."""
    tok = load_tokenizer()
    ids: list[int] = []
    for text in split_texts(split):
        ids += tok.encode(text) + [tok.eot_id]
    arr = np.array(ids, dtype=np.uint16)
    arr.setflags(write=False)
    return arr


def get_batch(data: torch.Tensor, batch_size: int, block_size: int,
              gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Random windows: inputs (B, T) and the same windows shifted by one as targets."""
    starts = torch.randint(len(data) - block_size - 1, (batch_size,), generator=gen)
    x = torch.stack([data[s:s + block_size] for s in starts.tolist()])
    y = torch.stack([data[s + 1:s + 1 + block_size] for s in starts.tolist()])
    return x.long(), y.long()


def make_optimizer(model: GPT, cfg: TrainConfig) -> torch.optim.AdamW:
    """AdamW with weight decay on 2-D weights only (nanoGPT's and GPT-2's practice)."""
    params = [p for p in model.parameters() if p.requires_grad]
    groups = [{"params": [p for p in params if p.dim() >= 2], "weight_decay": cfg.weight_decay},
              {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=cfg.lr, betas=(0.9, 0.95))


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


# ----------------------------------------------------------------------------- checkpoints


def save_checkpoint(out: Path, model: GPT, opt: torch.optim.Optimizer, step: int,
                    gen: torch.Generator, cfg: TrainConfig, log: list[dict],
                    runs: list[dict]) -> None:
    """Model (GPT-2 layout), optimizer moments and RNG states, each file written atomically."""
    tensors = {"rng/batches": gen.get_state(), "rng/torch": torch.get_rng_state()}
    for i, (p, st) in enumerate(opt.state.items()):
        for k, v in st.items():
            v = v.detach().clone().reshape(-1) if v.dim() == 0 else v.contiguous()
            tensors[f"opt/{i}/{k}"] = v
    atomic_write(out / "optimizer.safetensors", lambda p: save_file(tensors, p))
    model.save_pretrained(out, {"lmlab_step": step})
    state = {"step": step, "config": asdict(cfg), "log": log, "runs": runs}
    atomic_write(out / "train_state.json", lambda p: Path(p).write_text(json.dumps(state)))


def load_checkpoint(out: Path, model: GPT, opt: torch.optim.Optimizer,
                    gen: torch.Generator) -> dict:
    """Restore what ``save_checkpoint`` wrote; returns the training state (step, log, runs)."""
    state = json.loads((out / "train_state.json").read_text())
    config = json.loads((out / "config.json").read_text())
    if config.get("lmlab_step") != state["step"]:
        raise ValueError(f"{out}: model and training state are from different steps")
    loaded = GPT.from_pretrained(out)
    model.load_state_dict(loaded.state_dict())
    tensors = load_file(str(out / "optimizer.safetensors"))
    params = [p for g in opt.param_groups for p in g["params"]]
    for i, p in enumerate(params):
        st = {k.split("/")[2]: v for k, v in tensors.items() if k.startswith(f"opt/{i}/")}
        if st:
            st["step"] = st["step"].reshape(())
            opt.state[p] = st
    gen.set_state(tensors["rng/batches"])
    torch.set_rng_state(tensors["rng/torch"])
    return state


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


def samples(model: GPT, prompts=("ROMEO.\n", "KING HENRY.\n"), n_tokens: int = 80) -> list[str]:
    """Seeded samples as indented markdown blocks, for the model card."""
    from lmlab.generate import generate

    tok, out = load_tokenizer(), []
    for seed, prompt in enumerate(prompts):
        ids = generate(model, tok.encode(prompt), n_tokens, temperature=0.8, top_k=40, seed=seed)
        text = tok.decode(ids[0].tolist())
        out += [f"seed {seed}:", "", *["    " + line for line in text.split("\n")], ""]
    return out


def shown_path(path: str) -> str:
    """A checkpoint path as a reader of the card can find it: relative to the repository."""
    from lmlab import ASSETS_DIR

    path = Path(path).resolve()
    root = ASSETS_DIR.resolve().parent
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


def model_card(model: GPT, cfg: TrainConfig, runs: list[dict], log: list[dict]) -> str:
    """A markdown card: the exact commands, seed, size, time and held-out figures."""
    rows = []
    teacher = load_teacher(cfg) if cfg.teacher else None
    for split in ("val", "test"):
        for name, lm in [("", model)] + ([(" (teacher)", teacher)] if teacher else []):
            ppl = perplexity(lm, token_stream(split))
            rows.append(f"| {split}{name} | {ppl.n_tokens:,} | {ppl.loss:.4f} | "
                        f"{ppl.perplexity:.2f} |")
    m = cfg.model
    if teacher:
        title, made = "# Shakespeare GPT, distilled (lmlab)", (
            f"A smaller GPT-2-architecture student distilled by `lmlab distill` from the teacher "
            f"`{shown_path(cfg.teacher)}` ({teacher.num_parameters():,} parameters): loss = "
            f"{cfg.kd_alpha} x T² x KL(teacher || student at T = {cfg.kd_temperature}) + "
            f"{1 - cfg.kd_alpha:g} x cross-entropy on the text (`lmlab.distill.kd_loss`), on the "
            f"{len(works_in('train'))} training works, on a 2-core CPU.")
    else:
        title, made = "# Shakespeare GPT (lmlab)", (
            f"A GPT-2-architecture model trained from scratch on {len(works_in('train'))} "
            "Shakespeare works (public domain) by `lmlab train` on a 2-core CPU.")
    return "\n".join([
        title, "", made, "",
        *[f"- command{' (resumed at step ' + str(r['from_step']) + ')' if r['from_step'] else ''}"
          f": `{r['command']}`" for r in runs],
        f"- seed: {cfg.seed}",
        f"- shape: {m.n_layer} layers, {m.n_head} heads, width {m.n_embd}, context "
        f"{m.block_size}, vocabulary {m.vocab_size} (byte-level BPE, assets/tokenizer.json)",
        f"- parameters: {model.num_parameters():,}",
        f"- steps: {cfg.max_steps} x {cfg.batch_size} windows of {m.block_size} tokens "
        f"({cfg.max_steps * cfg.batch_size * m.block_size:,} tokens)",
        f"- optimizer: AdamW (lr {cfg.lr}, warmup {cfg.warmup_steps}, cosine to {cfg.min_lr}, "
        f"weight decay {cfg.weight_decay}, clip {cfg.grad_clip}), dropout {m.dropout}",
        f"- training time: {log[-1]['elapsed_s'] / 60:.1f} minutes of wall clock (2-core CPU,"
        " shared with other work)", "",
        "Held-out works (never seen in training), every token scored with at least "
        f"{m.block_size // 2} tokens of context (`lmlab eval` recomputes these):", "",
        "| split | tokens | loss (nats) | perplexity |", "|---|---|---|---|", *rows, "",
        "val = Hamlet, Twelfth Night, Henry V, the Sonnets; test = Macbeth, Much Ado About "
        "Nothing, Richard II, A Lover's Complaint.", "",
        "Samples (temperature 0.8, top-k 40, written by the code that writes this card):", "",
        *samples(model), "",
        "Held-out loss during training:", "",
        f"| step | {'distillation' if teacher else 'train'} loss | held-out loss | minutes |",
        "|---|---|---|---|",
        *[f"| {r['step']} | {r['train_loss']} | {r['val_loss']} | {r['elapsed_s'] / 60:.1f} |"
          for r in log], "",
    ])
