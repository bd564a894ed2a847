"""Figures of the Train tab: the loss curves against the n-gram lines, the schedule, one head.

Tab: Train (``lmlab.ui.train``).  Lesson: lessons/09_training.en.md.
"""

from __future__ import annotations

from lmlab.training.baselines import Baselines
from lmlab.training.schedules import lr_curve
from lmlab.ui import plots
from lmlab.ui.i18n import t

Y_TOP = 8.5  # loss axis top: ln(2048) = 7.6 is a uniform guess; a diverged run leaves the chart
BASELINE_COLORS = {"unigram": "#e15759", "bigram": "#f28e2b", "best_kn": "#59a14f"}
WORDS = {
    "train.fig.nats": ("nats", "奈特"), "train.fig.key": ("key", "键"), "train.fig.query": ("query", "查询"),
    "train.fig.loss": ("Loss (nats per token): lower is better", "损失（每个词元的奈特）：越低越好"),
    "train.fig.train": ("train loss (this batch)", "训练损失（当前批次）"),
    "train.fig.val": ("held-out loss", "留出集损失"),
    "train.fig.unigram": ("unigram (counting tokens)", "一元模型（数词元）"),
    "train.fig.bigram": ("bigram (Kneser-Ney)", "二元模型（Kneser-Ney）"),
    "train.fig.best_kn": ("best Kneser-Ney ({n}-gram)", "最好的 Kneser-Ney（{n} 元）"),
    "train.fig.step": ("step", "步数"),
    "train.fig.diverged": ("diverged at step {step}", "第 {step} 步发散"),
    "train.fig.lr": ("Learning-rate schedule", "学习率调度"),
    "train.fig.lr_axis": ("learning rate", "学习率"),
    "train.fig.now": ("now", "当前"),
    "train.fig.attention": ("Layer 1, head 1: who each token looks at (step {step})",
                            "第 1 层第 1 个头：每个词元关注谁（第 {step} 步）"),
}


def loss_figure(history, baselines: Baselines | None, lang: str = "en",
                diverged_at: int | None = None):
    """Train loss per step and held-out loss, with the n-gram losses as horizontal lines."""
    steps = [p.step for p in history]
    data = [dict(type="scatter", mode="lines", x=steps, y=[p.train_loss for p in history],
                 name=t("train.fig.train", lang), line=dict(width=1, color="#9ecae9")),
            dict(type="scatter", mode="lines+markers", name=t("train.fig.val", lang),
                 x=[p.step for p in history if p.val_loss is not None],
                 y=[p.val_loss for p in history if p.val_loss is not None],
                 line=dict(width=2.5, color="#1f77b4"))]
    shapes, notes = [], []
    if baselines is not None:
        for key, value in (("unigram", baselines.unigram), ("bigram", baselines.bigram),
                           ("best_kn", baselines.best_kn)):
            name = t(f"train.fig.{key}", lang, n=baselines.best_order)
            shapes.append(dict(type="line", xref="paper", x0=0, x1=1, y0=value, y1=value,
                               line=dict(dash="dash", width=1.5, color=BASELINE_COLORS[key])))
            notes.append(dict(xref="paper", x=1, y=value, xanchor="right", yanchor="bottom",
                              text=f"{name}: {value:.2f}", showarrow=False, font_size=11,
                              font_color=BASELINE_COLORS[key]))
    if diverged_at is not None:
        shapes.append(dict(type="line", yref="paper", x0=diverged_at, x1=diverged_at, y0=0, y1=1,
                           line=dict(color="#d62728", width=2)))
        notes.append(dict(x=diverged_at, yref="paper", y=1, text=t("train.fig.diverged", lang,
                          step=diverged_at), showarrow=False, font_color="#d62728"))
    return plots.figure(data, dict(
        height=340, title=dict(text=t("train.fig.loss", lang), font_size=13), shapes=shapes,
        annotations=notes, yaxis=dict(range=[2.5, Y_TOP], title=t("train.fig.nats", lang)),
        xaxis=dict(title=t("train.fig.step", lang), rangemode="tozero"),
        legend=dict(orientation="h", y=-0.25)))


def lr_figure(cfg, step: int = 0, lang: str = "en"):
    """The learning rate of every step of the run, and where the run is now."""
    curve = lr_curve(cfg)
    data = [dict(type="scatter", mode="lines", x=list(range(1, len(curve) + 1)), y=curve,
                 line=dict(color="#4e79a7"), name=t("train.fig.lr_axis", lang))]
    if step:
        data.append(dict(type="scatter", mode="markers", x=[step], y=[curve[step - 1]],
                         marker=dict(size=10, color="#f28e2b"), name=t("train.fig.now", lang)))
    return plots.figure(data, dict(
        height=220, title=dict(text=t("train.fig.lr", lang), font_size=13), showlegend=False,
        xaxis=dict(title=t("train.fig.step", lang)),
        yaxis=dict(title=t("train.fig.lr_axis", lang), rangemode="tozero", exponentformat="e")))


def attention_figure(weights, tokens: list[str], step: int, lang: str = "en"):
    """One head's (T, T) attention weights, tokens on both axes."""
    axis = plots.token_axis(tokens)
    return plots.heatmap(weights, axis, axis, t("train.fig.attention", lang, step=step),
                         diverging=False, zmin=0, zmax=1, height=360, x_title=t("train.fig.key", lang),
                         y_title=t("train.fig.query", lang))
