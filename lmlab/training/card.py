"""Model cards: how a trained GPT was made and what it scores, written by code.

Lesson: lessons/09_training.en.md.  Command: ``lmlab train`` (writes README.md beside the model).
"""

from __future__ import annotations

from pathlib import Path

import torch

from lmlab.data import works_in
from lmlab.evaluate import perplexity
from lmlab.gpt import GPT
from lmlab.tokenizer import load_tokenizer, token_stream
from lmlab.training.config import TrainConfig
from lmlab.training.loop import load_teacher


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


OPTIMIZER_NAMES = {"sgd": "SGD with momentum", "adam": "Adam", "adamw": "AdamW"}


def recipe(cfg: TrainConfig) -> str:
    """One card line: optimizer, schedule, precision, clipping, dropout."""
    lr = {"cosine": f"cosine to {cfg.min_lr}", "step": "x0.1 at 1/2 and 3/4 of the run",
          "constant": "constant"}[cfg.schedule]
    decay = "" if cfg.optimizer == "adam" else f", weight decay {cfg.weight_decay}"
    return (f"- optimizer: {OPTIMIZER_NAMES[cfg.optimizer]} (lr {cfg.lr}, warmup "
            f"{cfg.warmup_steps}, {lr}{decay}, clip {cfg.grad_clip}), {cfg.precision}, "
            f"dropout {cfg.model.dropout}")


def masked_card(model: GPT, cfg: TrainConfig, runs: list[dict], log: list[dict]) -> str:
    """The card of a masked LM: loss on masked positions (not a perplexity of next tokens)."""
    from lmlab.training.loop import heldout_loss

    rows = [f"| {split} | {heldout_loss(model, torch.from_numpy(token_stream(split).astype('int64')), 256):.4f} |"
            for split in ("val", "test")]
    m = cfg.model
    return "\n".join([
        "# Shakespeare masked LM (lmlab)", "",
        f"A bidirectional GPT-2-shaped model trained by `lmlab train --objective masked` on "
        f"{len(works_in('train'))} Shakespeare works: {cfg.mask_prob:.0%} of tokens chosen, of "
        "those 80% replaced by a mask token (id = the tokenizer's size, one extra embedding row), "
        "10% by a random token, 10% kept; loss on the chosen positions only.", "",
        *[f"- command: `{r['command']}`" for r in runs],
        f"- seed: {cfg.seed}; shape: {m.n_layer} layers, {m.n_head} heads, width {m.n_embd}, "
        f"context {m.block_size}, vocabulary {m.vocab_size}; parameters {model.num_parameters():,}",
        recipe(cfg), "",
        "Held-out loss on masked positions (256 fixed windows, fixed masking; nats). Not "
        "comparable with a causal model's next-token loss: each blank is predicted from both sides.", "",
        "| split | masked-position loss |", "|---|---|", *rows, "",
        "| step | train loss | held-out loss |", "|---|---|---|",
        *[f"| {r['step']} | {r['train_loss']} | {r['val_loss']} |" for r in log], "",
    ])


def model_card(model: GPT, cfg: TrainConfig, runs: list[dict], log: list[dict]) -> str:
    """A markdown card: the exact commands, seed, size, time and held-out figures."""
    if cfg.objective == "masked":
        return masked_card(model, cfg, runs, log)
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
            f"{1 - cfg.kd_alpha:g} x cross-entropy on the text (`lmlab.compress.distill.kd_loss`), on the "
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
        recipe(cfg),
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
