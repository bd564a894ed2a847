"""Training the canary models: tiny GPTs on a few works with a secret planted 0-16 times.

Lesson: lessons/13_privacy.en.md.  Command: ``lmlab privacy train-canaries``.

Every run shares everything but two knobs (``lmlab.privacy.canary.RUNS``): the same works, the
same initial weights, the same batches in the same order, the same number of steps.  Only the
number of copies of the canary line differs, and whether the step is ordinary AdamW or DP-SGD
(``lmlab.privacy.dp``: per-example clipping + Gaussian noise, then the same AdamW).  So a
difference in exposure is the insertions' doing, or DP's.

The training text is cut into N windows of ``block_size + 1`` tokens; a copy of the canary
replaces tokens at a random place inside a random window (so it is always seen whole), and
each step draws B different windows at random (sampling rate q = B / N, what the accountant
uses).  One thread, fixed seeds: the same command writes the same bytes.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from lmlab.gpt import GPT, GPTConfig
from lmlab.privacy.canary import CANARY_DIR, RUNS, SECRET, RunSpec, canary_text, guesses, run_dir
from lmlab.privacy.dp import DPConfig, dp_gradients, epsilon

WORKS = ("comedy_of_errors", "midsummer_nights_dream", "tempest", "two_gentlemen_of_verona")


@dataclass(frozen=True)
class CanaryTrainConfig:
    """One fixed budget for every canary model."""

    n_layer: int = 2  # transformer blocks
    n_head: int = 2  # attention heads
    n_embd: int = 64  # width
    block_size: int = 64  # tokens per training window
    steps: int = 250  # optimizer steps (the same for every run)
    batch_size: int = 32  # windows per step
    lr: float = 3e-3  # AdamW learning rate after a linear warmup
    warmup: int = 20  # warmup steps
    clip: float = 1.0  # DP-SGD: per-example clip norm (ordinary runs: clip of the batch norm)
    delta: float = 1e-5  # δ at which ε is reported
    heldout_tokens: int = 16_384  # tokens of the validation works scored for perplexity
    seed: int = 1234  # initial weights, batch order, canary places, DP noise

    def model_config(self) -> GPTConfig:
        return GPTConfig(n_layer=self.n_layer, n_head=self.n_head, n_embd=self.n_embd,
                         block_size=self.block_size, dropout=0.0)


# ----------------------------------------------------------------------------- data


@lru_cache(maxsize=1)
def base_stream() -> np.ndarray:
    """The training text of every canary model: ``WORKS`` as token ids, <|endoftext|> between."""
    from lmlab.data import read_work
    from lmlab.tokenizer import load_tokenizer

    tok, ids = load_tokenizer(), []
    for slug in WORKS:
        ids += tok.encode(read_work(slug)) + [tok.eot_id]
    return np.array(ids, dtype=np.int64)


def windows_with_canary(cfg: CanaryTrainConfig, insertions: int, secret: str = SECRET
                        ) -> tuple[torch.Tensor, list[int]]:
    """(N, block_size + 1) windows of the text with ``insertions`` copies of the canary line,
    and the windows that got one.  The places are nested: 4 copies include the 1 copy's place."""
    from lmlab.tokenizer import load_tokenizer

    stream, T1 = base_stream().copy(), cfg.block_size + 1
    n = len(stream) // T1
    win = stream[:n * T1].reshape(n, T1).copy()
    canary = load_tokenizer().encode("\n" + canary_text(secret) + "\n")
    rng = np.random.default_rng(cfg.seed)
    where = rng.permutation(n)[:insertions].tolist()
    offsets = rng.integers(0, T1 - len(canary) + 1, size=max(insertions, 1))
    for w, off in zip(where, offsets, strict=False):
        win[w, off:off + len(canary)] = canary
    return torch.from_numpy(win), where


def heldout_windows(cfg: CanaryTrainConfig) -> torch.Tensor:
    """The first ``heldout_tokens`` tokens of the validation works, as windows."""
    from lmlab.tokenizer import token_stream

    T1 = cfg.block_size + 1
    ids = token_stream("val")[:cfg.heldout_tokens // T1 * T1].astype(np.int64)
    return torch.from_numpy(ids.reshape(-1, T1))


@torch.no_grad()
def heldout_perplexity(model, cfg: CanaryTrainConfig) -> float:
    w = heldout_windows(cfg)
    return math.exp(float(model.eval()(w[:, :-1], targets=w[:, 1:]).loss))


# ----------------------------------------------------------------------------- training


def train_run(spec: RunSpec, cfg: CanaryTrainConfig = CanaryTrainConfig(), progress=None):
    """Train one canary model; returns (model in eval mode, facts for its card)."""
    torch.manual_seed(cfg.seed)
    model = GPT(cfg.model_config()).eval()  # dropout is 0: eval and train are the same pass
    data, where = windows_with_canary(cfg, spec.insertions)
    batches = torch.Generator().manual_seed(cfg.seed)
    noise = torch.Generator().manual_seed(cfg.seed + 1)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=0.0)
    dp = DPConfig(spec.noise_multiplier, cfg.clip, cfg.delta) if spec.dp else None
    for step in range(cfg.steps):
        for group in opt.param_groups:
            group["lr"] = cfg.lr * min(1.0, (step + 1) / cfg.warmup)
        rows = torch.randperm(len(data), generator=batches)[:cfg.batch_size]
        x, y = data[rows, :-1], data[rows, 1:]
        opt.zero_grad(set_to_none=True)
        if dp is not None:
            loss, _ = dp_gradients(model, x, y, dp, noise)
        else:
            out = model(x, targets=y)
            out.loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.clip)
            loss = out.loss.item()
        opt.step()
        if progress and (step + 1) % 50 == 0:
            progress(f"{spec.name}: step {step + 1}/{cfg.steps}, loss {loss:.3f}")
    q = cfg.batch_size / len(data)
    facts = {"insertions": spec.insertions, "dp": spec.dp, "noise_multiplier": spec.noise_multiplier,
             "clip": cfg.clip, "steps": cfg.steps, "batch_size": cfg.batch_size,
             "windows": len(data), "sample_rate": round(q, 6), "canary_windows": where,
             "final_loss": round(loss, 4),
             "heldout_perplexity": round(heldout_perplexity(model, cfg), 3),
             "epsilon": round(epsilon(spec.noise_multiplier, q, cfg.steps, cfg.delta), 4)
             if spec.dp else None, "delta": cfg.delta if spec.dp else None}
    return model.eval(), facts


def card(spec: RunSpec, cfg: CanaryTrainConfig, facts: dict, result) -> str:
    """The README.md of one canary model (deterministic: no times, no paths)."""
    how = (f"DP-SGD (noise multiplier {spec.noise_multiplier:g}, clip {cfg.clip:g}; "
           f"ε = {facts['epsilon']} at δ = {cfg.delta:g})" if spec.dp else "ordinary AdamW")
    return (f"# Canary model `{spec.name}` (lmlab privacy lab)\n\n"
            f"A {cfg.n_layer}-layer, width-{cfg.n_embd} GPT trained by `lmlab privacy "
            f"train-canaries` on {', '.join(WORKS)} (training works), with the line "
            f"\"{canary_text()}\" written into the text {spec.insertions} time(s), by {how}.\n\n"
            f"- steps: {cfg.steps} x {cfg.batch_size} windows of {cfg.block_size} tokens "
            f"(sampling rate {facts['sample_rate']}), seed {cfg.seed}, one thread\n"
            f"- held-out perplexity (first {cfg.heldout_tokens:,} tokens of the validation "
            f"works): {facts['heldout_perplexity']}\n"
            f"- rank of the true code among 10,000: {result.rank}; exposure "
            f"{result.exposure:.2f} bits\n\n"
            "For teaching only: it shows what a model keeps of a secret it saw a few times "
            "(Carlini et al. 2019), not a model to generate text with.\n")


def build_all(root: Path = CANARY_DIR, cfg: CanaryTrainConfig = CanaryTrainConfig(),
              runs=RUNS, progress=None) -> list[dict]:
    """Train and save every run into ``root/<name>/``; returns each run's facts and exposure."""
    from lmlab.tokenizer import load_tokenizer

    torch.set_num_threads(1)  # the same bytes on every machine with the same torch
    out = []
    for spec in runs:
        model, facts = train_run(spec, cfg, progress)
        result = guesses(model, load_tokenizer())
        facts |= {"rank": result.rank, "exposure": round(result.exposure, 4)}
        folder = run_dir(spec, root)
        model.save_pretrained(folder, {"lmlab_canary": facts, "lmlab_canary_train": asdict(cfg)})
        (folder / "README.md").write_text(card(spec, cfg, facts, result), encoding="utf-8")
        out.append(facts)
        if progress:
            progress(json.dumps(facts))
    write_index(root, cfg)
    return out


def write_index(root: Path = CANARY_DIR, cfg: CanaryTrainConfig = CanaryTrainConfig()) -> str:
    """``root/README.md``: the card of the whole set, one row per shipped run (from config.json)."""
    rows = []
    for spec in RUNS:
        path = run_dir(spec, root) / "config.json"
        if path.exists():
            f = json.loads(path.read_text(encoding="utf-8"))["lmlab_canary"]
            eps = f"{f['epsilon']}" if f["dp"] else "-"
            rows.append(f"| `{spec.name}` | {spec.insertions} | {spec.noise_multiplier:g} | {eps} | "
                        f"{f['rank']} | {f['exposure']:.2f} | {f['heldout_perplexity']} |")
    text = ("# Canary models of the privacy lab (lmlab)\n\n"
            f"Tiny GPTs ({cfg.n_layer} layers, width {cfg.n_embd}, context {cfg.block_size}, the shipped "
            f"2,048-token BPE) trained by `lmlab privacy train-canaries` for {cfg.steps} steps of "
            f"{cfg.batch_size} windows on {', '.join(WORKS)}, with \"{canary_text()}\" written into "
            "the text 0-16 times, by AdamW or by DP-SGD (`lmlab.privacy.dp`; clip "
            f"{cfg.clip:g}, ε at δ = {cfg.delta:g} by opacus's RDP accountant). Same seed "
            f"({cfg.seed}), same batches, one thread: the command rewrites these bytes exactly.\n\n"
            "Exposure = log2(10,000) - log2(rank of 4821 among all 10,000 codes); about 1 bit is "
            "chance, 13.29 the first guess (Carlini et al. 2019). Perplexity: the first "
            f"{cfg.heldout_tokens:,} tokens of the validation works.\n\n"
            "| run | insertions | σ | ε | rank | exposure (bits) | held-out perplexity |\n"
            "|---|---|---|---|---|---|---|\n" + "\n".join(rows) + "\n\n"
            "For teaching only (lessons/13_privacy.en.md, the Privacy tab); not models to "
            "generate text with.\n")
    (Path(root) / "README.md").write_text(text, encoding="utf-8")
    return text
