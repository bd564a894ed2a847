"""Heatmaps with token labels, shared by the Attention and Positional tabs.

Tool: the UI layer.  Tabs: Attention, Positional.

A matrix from ``lmlab`` becomes a plotly heatmap: rows and columns named by their tokens,
the number itself on hover, query 0 at the top (as in the papers' figures).

Token labels are HTML-escaped: plotly draws a small subset of HTML in labels (``<b>``, ``<a>``),
so a token ``<b>`` must reach it as ``&lt;b&gt;`` to show as the text it is.  Labels carry their
position (``3:·the``) so a repeated token keeps its own row.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import torch

from lmlab.ui import common

DIVERGING = "RdBu_r"  # scores, vectors: red positive, blue negative, white 0
WEIGHTS = "Blues"  # probabilities in [0, 1]




def figure(data: list[dict], layout: dict) -> go.Figure:
    """A figure built in one call from plain dicts (5-10x faster than update after update).

    The same layout as ``common.style``, without a figure to update first.
    """
    return go.Figure({"data": data, "layout": common.LAYOUT | layout})


def token_axis(tokens: list[str]) -> list[str]:
    """Unique, escaped axis labels: ``["0:ROM", "1:EO", "2:·the"]``."""
    return [f"{i}:{common.token_html(t)}" for i, t in enumerate(tokens)]


def as_array(z) -> np.ndarray:
    """A float64 numpy copy; -inf (masked scores) becomes NaN, which plotly leaves blank."""
    z = z.detach().double().cpu().numpy() if isinstance(z, torch.Tensor) else np.asarray(z, float)
    return np.where(np.isneginf(z), np.nan, z)


def heatmap(z, rows: list[str], cols: list[str] | None = None, title: str = "", *,
            diverging: bool = True, zmin=None, zmax=None, x_title: str = "key",
            y_title: str = "query", height: int = 320, fmt: str = ".3f") -> go.Figure:
    """One matrix as a heatmap.  ``rows``/``cols`` are axis labels (see ``token_axis``).

    ``cols=None`` numbers the columns (vector dimensions 0..D-1).  ``diverging`` centres the
    colours on 0; otherwise they run from ``zmin`` to ``zmax`` (weights: 0 to 1).
    """
    z = as_array(z)
    x = cols if cols is not None else list(range(z.shape[1]))
    trace = dict(type="heatmap", z=z, x=x, y=rows, hoverongaps=False,
                 colorbar=dict(thickness=10), **_colors(z, diverging, zmin, zmax),
                 hovertemplate=f"{y_title} %{{y}}<br>{x_title} %{{x}}<br>%{{z:{fmt}}}"
                               "<extra></extra>")
    return figure([trace], dict(
        height=height, title=dict(text=title, font_size=13),
        yaxis=dict(autorange="reversed", type="category", title=y_title),
        xaxis=dict(type="category" if cols is not None else "linear", title=x_title)))


def _colors(z: np.ndarray, diverging: bool, zmin=None, zmax=None, prefix: str = "z") -> dict:
    """Diverging: centred on 0, symmetric.  Otherwise a light-to-dark scale ``zmin..zmax``."""
    if not diverging:
        return {"colorscale": WEIGHTS, f"{prefix}min": zmin, f"{prefix}max": zmax}
    limit = float(np.nanmax(np.abs(z))) if np.isfinite(z).any() else 1.0
    return {"colorscale": DIVERGING, f"{prefix}mid": 0, f"{prefix}min": -limit,
            f"{prefix}max": limit}


def heatmap_grid(mats, titles: list[str], labels: list[str], title: str = "", cols: int = 4,
                 zmin=0.0, zmax=1.0, diverging: bool = False, height_per_row: int = 260,
                 x_title: str = "key", y_title: str = "query"):
    """Several matrices (one per head) in a grid of ``cols`` columns, one shared colour scale
    (``x_title``/``y_title``: the axes' names in the hover text, as in ``heatmap``).

    Axes are laid out by hand (``make_subplots`` does the same, ten times slower).
    """
    mats = [as_array(m) for m in mats]
    n, cols = len(mats), min(cols, len(mats))
    rows = -(-n // cols)
    gap_x, gap_y = 0.03, 0.1 / rows
    w, h = (1 - gap_x * (cols - 1)) / cols, (1 - gap_y * (rows - 1)) / rows
    data, layout, notes = [], {}, []
    for i, m in enumerate(mats):
        r, c, k = i // cols, i % cols, "" if i == 0 else str(i + 1)
        x0, y1 = c * (w + gap_x), 1 - r * (h + gap_y)
        data.append(dict(type="heatmap", z=m, x=labels, y=labels, coloraxis="coloraxis",
                         xaxis=f"x{k}", yaxis=f"y{k}", hoverongaps=False,
                         hovertemplate=f"{titles[i]}<br>{y_title} %{{y}}<br>{x_title} %{{x}}"
                                       "<br>%{z:.3f}<extra></extra>"))
        layout[f"xaxis{k}"] = dict(domain=[x0, x0 + w], anchor=f"y{k}", type="category",
                                   showticklabels=False)
        layout[f"yaxis{k}"] = dict(domain=[y1 - h, y1], anchor=f"x{k}", type="category",
                                   autorange="reversed",
                                   showticklabels=c == 0 and len(labels) <= 24)
        notes.append(dict(text=titles[i], x=x0 + w / 2, y=y1, xref="paper", yref="paper",
                          xanchor="center", yanchor="bottom", showarrow=False, font_size=11))
    scale = _colors(np.stack(mats), diverging, zmin, zmax, prefix="c")
    return figure(data, layout | dict(
        height=60 + rows * height_per_row, annotations=notes, title=dict(text=title, font_size=13),
        coloraxis=dict(**scale, colorbar=dict(thickness=10))))
