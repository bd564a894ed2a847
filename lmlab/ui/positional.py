"""Positional tab: four ways to tell a Transformer where each token sits, side by side.

Lesson: lessons/05_attention.en.md (positions).  Code: ``lmlab.positional``.  Run alone:
``python -m lmlab.ui.positional``.

Attention alone is blind to order.  This tab draws each encoding as a table (sinusoidal, the
shipped GPT's learned ``wpe``, RoPE's rotation angles, ALiBi's distance penalty), how alike two
positions look as they move apart, one RoPE pair turning as the position grows, and what each
encoding would do to the scores of the shipped GPT's first layer on your sentence.
"""

from __future__ import annotations

import math

import gradio as gr
import numpy as np
import torch

from lmlab.attention import causal_mask
from lmlab.cache import load_once
from lmlab.positional import (
    KINDS,
    alibi_bias,
    alibi_slopes,
    learned,
    rope,
    rope_angles,
    rope_rotation_2d,
    scores_with_encoding,
    similarity_vs_distance,
    sinusoidal,
)
from lmlab.ui import common, plots
from lmlab.ui.i18n import label

DEFAULT_TEXT = "To be, or not to be, that is the question."
BASE = 10000.0  # the base of sinusoidal and RoPE frequencies, as in both papers
KIND_NAMES = {  # KINDS -> what the picture is
    "learned": "learned (what the GPT was trained with)", "none": "no position at all",
    "sinusoidal": "sinusoidal (added)", "rope": "RoPE (q, k rotated)",
    "alibi": "ALiBi (distance penalty)",
}
COLORS = {"sinusoidal": "#4e79a7", "learned": "#f28e2b", "rope": "#59a14f", "alibi": "#e15759"}
WORDS = {
    "positional.intro": (
        "Attention by itself cannot tell *where* a token is. Here are four answers, "
        "each computed by `lmlab.positional` (hover for the numbers). Rows are positions "
        "0, 1, 2, ...; columns the dimensions of the vector added to (or rotating) each "
        "token's embedding; colours: red positive, blue negative, white 0.",
        "注意力本身分辨不出词元*在哪里*。这里给出四种答案，每一种都由 `lmlab.positional` 计算（鼠标悬停可看"
        "数值）。行是位置 0, 1, 2, ...；列是加到（或用来旋转）每个词元嵌入向量上的那个向量的各个维度；"
        "颜色：红色为正，蓝色为负，白色为 0。"),
    "positional.positions": ("Positions", "位置数"),
    "positional.rope_intro": (
        "### RoPE: one pair of a query turning as the position grows\n"
        "Early pairs turn fast, late pairs slowly. A query at position m turns by "
        "m·θ, a key at n by n·θ: the angle between them, and so their dot product, "
        "depends only on m − n.",
        "### RoPE：查询向量中的一对维度随位置增大而旋转\n"
        "靠前的维度对转得快，靠后的转得慢。位置 m 上的查询旋转 m·θ，位置 n 上的键旋转 n·θ："
        "两者之间的夹角，也就是它们的点积，只取决于 m − n。"),
    "positional.pair": ("Pair i", "维度对 i"),
    "positional.gpt_intro": (
        "### What each encoding does to the shipped GPT's first layer\n"
        "Only **learned** is what the model was trained with; the others are "
        "counterfactuals on the same weights (see `scores_with_encoding`). Labels are "
        "`position:token`; `·` is a space, `<e5 ba>` the bytes of part of a character.",
        "### 每种位置编码对自带 GPT 第一层的影响\n"
        "只有**可学习**编码是模型训练时真正使用的；其余都是在同一组权重上做的反事实实验"
        "（见 `scores_with_encoding`）。标签是 `位置:词元`；`·` 是空格，`<e5 ba>` 是某个字符的一部分字节。"),
    "positional.sentence": ("Sentence", "句子"),
    "positional.head": ("Head", "注意力头"),
    "positional.show": ("Show", "显示"),
    "positional.show_info": ("weights: after softmax (rows sum to 1); scores: q·k/√d before it",
                             "权重：softmax 之后（每行之和为 1）；分数：softmax 之前的 q·k/√d"),
    "positional.weights": ("weights", "权重"),
    "positional.scores": ("scores", "分数"),
}


# ----------------------------------------------------------------------------- the tables


def _positions(n) -> int:
    block = common.gpt().config.block_size
    try:
        n = int(n)
    except (TypeError, ValueError, OverflowError):
        raise gr.Error("The number of positions must be a whole number.") from None
    if not 2 <= n <= block:
        raise gr.Error(f"Positions must be between 2 and {block} (the GPT's context).")
    return n


def tables(n_positions):
    """Heatmaps of the four encodings for ``n_positions`` positions, and similarity vs distance."""
    n = _positions(n_positions)
    model = common.gpt()
    C, H = model.config.n_embd, model.config.n_head
    hs = C // H
    pos = [str(i) for i in range(n)]
    vec = dict(x_title="dimension", y_title="position", height=340)
    sin_fig = plots.heatmap(sinusoidal(n, C), pos, None,
                            f"Sinusoidal: sin on even, cos on odd dimensions ({n} x {C})", **vec)
    wpe_fig = plots.heatmap(learned(model)[:n], pos, None,
                            f"Learned: the shipped GPT's wpe ({n} x {C})", **vec)
    angles = rope_angles(torch.arange(n), hs, BASE)  # (n, hs/2)
    rope_fig = plots.heatmap(angles.cos(), pos, None,
                             f"RoPE: cos(m·θ_i) per position m and pair i (head size {hs})",
                             **(vec | dict(x_title="pair i")))
    slopes = alibi_slopes(H).tolist()
    alibi_fig = plots.heatmap_grid(
        list(alibi_bias(H, n)), [f"head {h}: slope {s:.4g}" for h, s in enumerate(slopes)],
        pos, f"ALiBi: bias −slope × |i − j| added to the scores ({H} heads)", diverging=True)
    return sin_fig, wpe_fig, rope_fig, alibi_fig, similarity_figure(n)


def similarity_figure(n: int):
    """Cosine similarity of position a and a + d, averaged over a, for each encoding."""
    model = common.gpt()
    C, H = model.config.n_embd, model.config.n_head
    hs = C // H
    anchors = range(max(n // 2, 1))  # several anchors: does it depend on the distance only?
    unit = torch.ones(n, hs, dtype=torch.float64) / math.sqrt(hs)  # the same q (or k) everywhere
    lines = {
        "sinusoidal": similarity_vs_distance(sinusoidal(n, C), anchors, cosine=True),
        "learned": similarity_vs_distance(learned(model)[:n], anchors, cosine=True),
        "rope": similarity_vs_distance(rope(unit, base=BASE), anchors, cosine=True),
    }
    data = [dict(type="scatter", y=v.tolist(), name=k, mode="lines",
                 line=dict(color=COLORS[k]),
                 hovertemplate=f"{k}: distance %{{x}}, similarity %{{y:.3f}}<extra></extra>")
            for k, v in lines.items()]
    d = np.arange(n)
    for h, s in enumerate(alibi_slopes(H).tolist()):
        data.append(dict(type="scatter", x=d.tolist(), y=(-s * d).tolist(), yaxis="y2",
                         name=f"ALiBi head {h}", mode="lines",
                         line=dict(color=COLORS["alibi"], dash="dot", width=1 + h),
                         hovertemplate=f"ALiBi head {h}: distance %{{x}}, bias %{{y:.3f}}"
                                       "<extra></extra>"))
    return plots.figure(data, dict(
        height=340, title=dict(text="How alike are two positions d apart? (cosine, averaged "
                                    "over start positions; RoPE: the same vector rotated)",
                               font_size=13),
        xaxis=dict(title="distance d"), yaxis=dict(title="cosine similarity", range=[-1.05, 1.05]),
        yaxis2=dict(title="ALiBi bias", overlaying="y", side="right", showgrid=False),
        legend=dict(orientation="h", y=-0.25)))


# ----------------------------------------------------------------------------- RoPE, one pair


def rotation(pair_index, n_positions):
    """One RoPE pair (x, y) = (1, 0) turning by θ_i per position: points on a circle."""
    n = _positions(n_positions)
    hs = common.gpt().config.n_embd // common.gpt().config.n_head
    try:
        i = int(pair_index)
    except (TypeError, ValueError, OverflowError):
        raise gr.Error("The pair must be a whole number.") from None
    if not 0 <= i < hs // 2:
        raise gr.Error(f"The pair must be between 0 and {hs // 2 - 1} (head size {hs}).")
    theta = BASE ** (-2 * i / hs)
    pts = rope_rotation_2d([1.0, 0.0], torch.arange(n), theta).numpy()
    circle = np.linspace(0, 2 * math.pi, 121)
    data = [dict(type="scatter", x=np.cos(circle).tolist(), y=np.sin(circle).tolist(),
                 mode="lines", line=dict(color="#bab0ac", width=1), hoverinfo="skip",
                 showlegend=False),
            dict(type="scatter", x=pts[:, 0].tolist(), y=pts[:, 1].tolist(),
                 mode="lines+markers", showlegend=False, text=[str(m) for m in range(n)],
                 marker=dict(color=list(range(n)), colorscale="Viridis", size=7,
                             colorbar=dict(title="position", thickness=10)),
                 line=dict(color="#8884", width=1),
                 hovertemplate="position %{text}<br>(%{x:.3f}, %{y:.3f})<extra></extra>")]
    title = (f"Pair {i} of {hs // 2}: θ_{i} = {BASE:g}^(−2·{i}/{hs}) = {theta:.4g} rad "
             f"({math.degrees(theta):.3g}°) per position")
    return plots.figure(data, dict(
        height=420, title=dict(text=title, font_size=13),
        xaxis=dict(range=[-1.2, 1.2], title="x", zeroline=True),
        yaxis=dict(range=[-1.2, 1.2], title="y", scaleanchor="x", zeroline=True)))


# ----------------------------------------------------------------------------- in the GPT


def encoded_scores(text, head, show):
    """Block 0's scores (or weights) for one head under each encoding, on the user's text."""
    text = common.clean_input(text, "sentence")
    model, tok = common.gpt(), common.tokenizer()
    H, block = model.config.n_head, model.config.block_size
    try:
        head = int(head)
    except (TypeError, ValueError, OverflowError):
        raise gr.Error("The head must be a whole number.") from None
    if not 0 <= head < H:
        raise gr.Error(f"The head must be between 0 and {H - 1}.")
    ids = tok.encode(text)
    note = common.unseen_note(text) or ""
    if len(ids) > block:
        note += f" The text has {len(ids)} tokens; only the first {block} (the context) are used."
        ids = ids[:block]
    if len(ids) < 2:
        raise gr.Error("This text is a single token: there is no order to encode. "
                       "Please type at least two words.")
    idx = torch.tensor(ids)
    weights = show != "scores"
    mats, titles = [], []
    causal = causal_mask(len(ids))
    for kind in KINDS:
        enc = scores_with_encoding(model, idx, kind, BASE)
        m = enc.weights[head] if weights else enc.scores[head].masked_fill(~causal, -math.inf)
        mats.append(m)
        titles.append(KIND_NAMES[kind])
    what = "weights (softmax)" if weights else "scores q·k/√d (+ bias)"
    fig = plots.heatmap_grid(mats, titles, plots.token_axis(tok.token_display(ids)),
                             f"Layer 0, head {head}: {what} under each encoding",
                             cols=3, diverging=not weights, height_per_row=330)
    return fig, note


# ----------------------------------------------------------------------------- layout


N0, PAIR0 = 64, 6  # the defaults: pair 6 turns 0.1 rad a step, one turn in 64 positions


@load_once(maxsize=1)
def default_view() -> tuple:
    """Every figure for the defaults: computed on first view, then shared read-only."""
    return (*tables(N0), rotation(PAIR0, N0), *encoded_scores(DEFAULT_TEXT, 0, "weights"))


def build() -> None:
    """Lay out the Positional tab inside the current Blocks context (its figures are computed on
    first view, not here)."""
    f = common.gpt_facts()
    block, hs = f["block_size"], f["n_embd"] // f["n_head"]
    gr.Markdown(label("positional.intro"))
    n_pos = gr.Slider(2, block, value=N0, step=1, label=label("positional.positions"),
                      info=f"how many positions to draw (up to the GPT's context, {block})")
    with gr.Row():
        sin_p, wpe_p = gr.Plot(show_label=False), gr.Plot(show_label=False)
    with gr.Row():
        rope_p, alibi_p = gr.Plot(show_label=False), gr.Plot(show_label=False)
    sim_p = gr.Plot(show_label=False)
    gr.Markdown(label("positional.rope_intro"))
    pair = gr.Slider(0, hs // 2 - 1, value=PAIR0, step=1, label=label("positional.pair"),
                     info=f"which of the {hs // 2} (x, y) pairs of a head's {hs} dimensions")
    rot_p = gr.Plot(show_label=False)
    gr.Markdown(label("positional.gpt_intro"))
    with gr.Row():
        text = gr.Textbox(DEFAULT_TEXT, label=label("positional.sentence"), max_length=common.MAX_CHARS, scale=3)
        head = gr.Slider(0, f["n_head"] - 1, value=0, step=1, label=label("positional.head"))
        show = gr.Radio([(label(f"positional.{v}"), v) for v in ("weights", "scores")], value="weights",
                        label=label("positional.show"), info=label("positional.show_info"))
    stale = gr.Markdown(visible=False)
    scores_p = gr.Plot(show_label=False)
    note = gr.Markdown()
    tables_out = [sin_p, wpe_p, rope_p, alibi_p, sim_p]
    common.on_first_view(default_view, [*tables_out, rot_p, scores_p, note],
                         api_name="positional_default")
    gr.on([n_pos.release, n_pos.input], tables, n_pos, tables_out,
          api_name="positional_tables", trigger_mode="always_last")
    gr.on([pair.release, n_pos.release, pair.input, n_pos.input], rotation, [pair, n_pos], rot_p,
          api_name="rope_rotation", trigger_mode="always_last", show_progress="minimal")
    scores_event = gr.on([text.submit, head.release, head.input, show.change], encoded_scores,
                         [text, head, show], [scores_p, note], api_name="encoding_scores",
                         trigger_mode="always_last")
    common.mark_stale(scores_event, stale)


if __name__ == "__main__":
    with gr.Blocks(title="LM Lab: Positional", analytics_enabled=False) as demo:
        build()
    demo.queue().launch()
