"""The Train tab's settings: presets, and the controls checked into a ``TrainConfig``.

Tab: Train (``lmlab.ui.train``).  Lesson: lessons/09_training.en.md.
"""

from __future__ import annotations

import gradio as gr

from lmlab.gpt import GPTConfig
from lmlab.training import TrainConfig
from lmlab.ui.i18n import label, lang_code, t

MAX_STEPS = 2000  # steps per run, stated on screen
MAX_BATCH = 64  # windows per step
BLOCK = 32  # the lab model's context
PRESETS = {  # key -> (optimizer, schedule, lr, batch, width, layers, heads, warmup, steps)
    "fast": ("adam", "constant", 1e-2, 16, 64, 2, 4, 10, 300),
    "too_high": ("adam", "constant", 10.0, 16, 64, 2, 4, 0, 300),
    "sgd": ("sgd", "constant", 0.5, 16, 64, 2, 4, 10, 300),
    "no_warmup": ("adamw", "cosine", 3e-2, 16, 64, 2, 4, 0, 300),
    "warmup": ("adamw", "cosine", 3e-2, 16, 64, 2, 4, 50, 300),
}
WORDS = {
    "train.bad_number": ("{what} must be a number.", "{what}必须是数字。"),
    "train.bad_lr": ("The learning rate must be 0 or more and finite, not {v}.",
                     "学习率必须是不小于 0 的有限数，而不是 {v}。"),
    "train.bad_range": ("{what} must be a whole number from {lo} to {hi}, not {v}.",
                        "{what}必须是 {lo} 到 {hi} 之间的整数，而不是 {v}。"),
    "train.bad_heads": ("The width {w} does not divide by {h} heads: each head gets width / heads "
                        "numbers. Pick a width that is a multiple of {h}.",
                        "宽度 {w} 不能被 {h} 个头整除：每个头分到 宽度/头数 个数。请选 {h} 的倍数。"),
    "train.bad_choice": ("{what} must be one of {choices}.", "{what}必须是 {choices} 之一。"),
    # the choices' names (their values, the API's, stay as in CHOICES)
    "train.choice.constant": ("constant", "常数"), "train.choice.step": ("step", "阶梯"),
    "train.choice.cosine": ("cosine", "余弦"),
    "train.choice.causal": ("causal", "因果"), "train.choice.masked": ("masked", "掩码"),
}
CHOICES = {"optimizer": ("sgd", "adam", "adamw"), "schedule": ("constant", "step", "cosine"),
           "precision": ("fp32", "bf16"), "objective": ("causal", "masked")}
NAMES = {"sgd": "SGD", "adam": "Adam", "adamw": "AdamW", "fp32": "fp32", "bf16": "bf16"}  # names in both


def choices(key: str) -> list[tuple]:
    """A control's (shown name, value) pairs: a name (SGD, fp32) or a ``label`` in the browser's
    language (常数 / constant); the value is what the API and ``TrainConfig`` take."""
    return [(NAMES[c] if c in NAMES else label(f"train.choice.{c}"), c) for c in CHOICES[key]]


def choice_names(key: str, lang: str) -> str:
    """A control's choices for a sentence: the values the API takes (in Chinese each after its
    name, e.g. 余弦（cosine）)."""
    if lang_code(lang) != "zh":
        return ", ".join(CHOICES[key])
    return "、".join(f"{NAMES.get(c) or t(f'train.choice.{c}', lang)}（{c}）" for c in CHOICES[key])


# ----------------------------------------------------------------------------- settings


def _int(v, what: str, lo: int, hi: int, lang: str) -> int:
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise gr.Error(t("train.bad_number", lang, what=t(what, lang))) from None
    if not (f == f and lo <= f <= hi and f == int(f)):
        raise gr.Error(t("train.bad_range", lang, what=t(what, lang), lo=lo, hi=hi, v=v))
    return int(f)


def make_config(optimizer, schedule, lr, batch, width, layers, heads, warmup, steps, precision,
                objective, seed, lang="en") -> TrainConfig:
    """The controls as a ``TrainConfig``, or a ``gr.Error`` that says what to change."""
    for key, value in (("optimizer", optimizer), ("schedule", schedule),
                       ("precision", precision), ("objective", objective)):
        if value not in CHOICES[key]:
            raise gr.Error(t("train.bad_choice", lang, what=t(f"train.{key}", lang),
                             choices=choice_names(key, lang)))
    try:
        lr = float(lr)
    except (TypeError, ValueError):
        raise gr.Error(t("train.bad_number", lang, what=t("train.lr", lang))) from None
    if not (0 <= lr < float("inf")):
        raise gr.Error(t("train.bad_lr", lang, v=lr))
    batch = _int(batch, "train.batch", 1, MAX_BATCH, lang)
    width = _int(width, "train.width", 32, 128, lang)
    layers, heads = _int(layers, "train.layers", 1, 4, lang), _int(heads, "train.heads", 1, 8, lang)
    steps = _int(steps, "train.steps", 1, MAX_STEPS, lang)
    warmup, seed = _int(warmup, "train.warmup", 0, steps, lang), _int(seed, "train.seed", 0, 2**31, lang)
    if width % heads:
        raise gr.Error(t("train.bad_heads", lang, w=width, h=heads))
    masked = objective == "masked"
    model = GPTConfig(vocab_size=2048 + masked, block_size=BLOCK, n_layer=layers, n_head=heads,
                      n_embd=width, dropout=0.0, causal=not masked)
    return TrainConfig(model=model, batch_size=batch, max_steps=steps, lr=lr, min_lr=lr / 10,
                       warmup_steps=warmup, optimizer=optimizer, schedule=schedule,
                       precision=precision, objective=objective, seed=seed, device="cpu")


def apply_preset(name):
    """The controls of a preset (unknown names: the first preset)."""
    opt, sched, lr, batch, width, layers, heads, warmup, steps = PRESETS.get(name, PRESETS["fast"])
    return opt, sched, lr, batch, width, layers, heads, warmup, steps
