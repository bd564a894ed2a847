"""The Compress tab's figures: the trade-off scatter, weight histograms, soft targets, live curves.

Tab: Compress (``lmlab.ui.compress`` lays it out and holds the words).  Figures only: every
number comes from ``lmlab.compress``; every word from ``lmlab.ui.i18n.t`` in the user's language.
"""

from __future__ import annotations

import numpy as np

from lmlab.ui import common, plots
from lmlab.ui.i18n import t

FAMILY_COLORS = {"baseline": "#4e79a7", "quantize": "#f28e2b", "prune": "#e15759",
                 "distill": "#59a14f", "onnx": "#b07aa1"}


def variant_label(name: str, lang: str) -> str:
    """``"pruned-50"`` -> "pruned 50% (zeros)" in the user's language."""
    if name.startswith("pruned-"):
        return t("compress.v.pruned", lang, pct=int(name.split("-")[1]))
    return t(f"compress.v.{name}", lang)


def tradeoff_figure(points, lang: str):
    """Two panels sharing the perplexity axis: size (MB) and latency (ms per token)."""
    data = []
    for fam, color in FAMILY_COLORS.items():
        pts = [p for p in points if p.family == fam]
        if not pts:
            continue
        names = [variant_label(p.name, lang) for p in pts]
        ppl = [p.perplexity for p in pts]
        hover = (f"%{{text}}<br>%{{x:.2f}} {{unit}}<br>{t('compress.ppl', lang)} %{{y:.2f}}"
                 "<extra></extra>")
        common_kw = dict(type="scatter", mode="markers+text", text=names, textposition="top center",
                         textfont=dict(size=10), marker=dict(color=color, size=11),
                         name=t(f"compress.family.{fam}", lang), legendgroup=fam)
        data.append(dict(common_kw, x=[p.weight_bytes / 1e6 for p in pts], y=ppl,
                         hovertemplate=hover.replace("{unit}", "MB")))
        data.append(dict(common_kw, x=[p.ms_per_token for p in pts], y=ppl, xaxis="x2",
                         mode="markers", showlegend=False,  # names on the left panel only
                         hovertemplate=hover.replace("{unit}", "ms")))
    return plots.figure(data, dict(
        height=460, title=dict(text=t("compress.tradeoff_title", lang), font_size=13),
        xaxis=dict(domain=[0, 0.47], title=t("compress.size_axis", lang)),
        xaxis2=dict(domain=[0.53, 1], title=t("compress.speed_axis", lang), anchor="y"),
        yaxis=dict(type="log", title=t("compress.ppl_axis", lang)),
        legend=dict(orientation="h", y=-0.2)))


def points_table(points, lang: str) -> list[list]:
    """Rows for a table: variant, MB, ms per token, perplexity, KV cache."""
    yes, no = t("compress.yes", lang), t("compress.no", lang)
    return [[variant_label(p.name, lang), round(p.weight_bytes / 1e6, 2), p.ms_per_token,
             p.perplexity, yes if p.kv_cache else no] for p in points]


def histogram_figure(before, after, title: str, lang: str, bins: int = 200):
    """The weights of one matrix before and after quantization, counted in the same ``bins``
    (counted here: the browser gets 2 x ``bins`` bars, not every weight)."""
    b = before.detach().flatten().double().numpy()
    a = after.detach().flatten().double().numpy()
    edges = np.linspace(min(b.min(), a.min()), max(b.max(), a.max()) + 1e-12, bins + 1)
    centres, width = ((edges[:-1] + edges[1:]) / 2).tolist(), float(edges[1] - edges[0])
    data = [dict(type="bar", x=centres, y=np.histogram(v, edges)[0].tolist(), width=width,
                 name=t(key, lang), marker_color=color, opacity=0.6,
                 hovertemplate="%{x:.4f}: %{y}<extra></extra>")
            for v, key, color in ((b, "compress.before", "#4e79a7"), (a, "compress.after", "#f28e2b"))]
    return plots.figure(data, dict(
        height=340, barmode="overlay", bargap=0, title=dict(text=title, font_size=13),
        xaxis=dict(title=t("compress.weight_value", lang)),
        yaxis=dict(title=t("compress.count", lang), type="log"),
        legend=dict(orientation="h", y=-0.25)))


def soft_targets_figure(probs, strings: list[str], title: str, lang: str):
    """Bars of the teacher's most likely next tokens at one temperature."""
    labels = [f"{i + 1}:{common.token_html(s)}" for i, s in enumerate(strings)]
    data = [dict(type="bar", x=np.asarray(probs).tolist(), y=labels, orientation="h",
                 marker_color="#59a14f", hovertemplate="%{y}: p = %{x:.4f}<extra></extra>")]
    return plots.figure(data, dict(
        height=420, title=dict(text=title, font_size=13),
        xaxis=dict(title=t("compress.probability", lang), rangemode="tozero"),
        yaxis=dict(autorange="reversed", type="category")))


def live_figure(curves: dict, lang: str, steps: int):
    """Held-out loss of the KD student and the text-only student, step by step."""
    colors = {"kd": "#59a14f", "text": "#4e79a7"}
    data = [dict(type="scatter", mode="lines+markers", name=t(f"compress.live.{k}", lang),
                 x=[s for s, _ in v], y=[loss for _, loss in v], line=dict(color=colors[k]),
                 hovertemplate="%{x}: %{y:.3f}<extra></extra>")
            for k, v in curves.items()]
    return plots.figure(data, dict(
        height=340, title=dict(text=t("compress.live.title", lang), font_size=13),
        xaxis=dict(title=t("compress.live.step", lang), range=[0, steps]),
        yaxis=dict(title=t("compress.live.loss", lang)), legend=dict(orientation="h", y=-0.25)))
