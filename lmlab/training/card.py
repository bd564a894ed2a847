"""Model cards: how a trained GPT was made and what it scores, written by code.

Lesson: lessons/09_training.en.md.  Command: ``lmlab train`` (writes README.md beside the model).
"""

from __future__ import annotations

from pathlib import Path

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
