"""Positional tab: four ways to tell a Transformer where each token sits, side by side.

Lesson: lessons/04_positional.en.md.  Code: ``lmlab.positional``.  Run alone:
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
from lmlab.ui.i18n import label, t
from lmlab.ui.positional_words import WORDS  # noqa: F401  (gathered by lmlab.ui.i18n)

DEFAULT_TEXT = "To be, or not to be, that is the question."
BASE = 10000.0  # the base of sinusoidal and RoPE frequencies, as in both papers
COLORS = {"sinusoidal": "#4e79a7", "learned": "#f28e2b", "rope": "#59a14f", "alibi": "#e15759"}


# ----------------------------------------------------------------------------- checks


def _whole(value, lo: int, hi: int, bad: str, out_of_range: str, lang: str, **numbers) -> int:
    """``value`` as a whole number in [lo, hi], else a gr.Error worded in ``lang``."""
    try:
        x = int(value)
    except (TypeError, ValueError, OverflowError):
        raise gr.Error(t(bad, lang)) from None
    if not lo <= x <= hi:
        raise gr.Error(t(out_of_range, lang, **numbers))
    return x


def _positions(n, lang="en") -> int:
    block = common.gpt().config.block_size
    return _whole(n, 2, block, "positional.bad_positions", "positional.positions_range", lang,
                  block=block)


def _grid_hover(fig, titles: list[str], lang: str):
    """``plots.heatmap_grid``'s hover text (query, key) worded in ``lang``."""
    q, k = t("positional.query", lang), t("positional.key", lang)
    for trace, title in zip(fig.data, titles, strict=True):
        trace.hovertemplate = f"{title}<br>{q} %{{y}}<br>{k} %{{x}}<br>%{{z:.3f}}<extra></extra>"
    return fig


# ----------------------------------------------------------------------------- the tables


def tables(n_positions, lang="en"):
    """Heatmaps of the four encodings for ``n_positions`` positions, and similarity vs distance."""
    n = _positions(n_positions, lang)
    model = common.gpt()
    C, H = model.config.n_embd, model.config.n_head
    hs = C // H
    pos = [str(i) for i in range(n)]
    vec = dict(x_title=t("positional.dimension", lang), y_title=t("positional.position", lang),
               height=340)
    sin_fig = plots.heatmap(sinusoidal(n, C), pos, None,
                            t("positional.sin_title", lang, n=n, dim=C), **vec)
    wpe_fig = plots.heatmap(learned(model)[:n], pos, None,
                            t("positional.wpe_title", lang, n=n, dim=C), **vec)
    angles = rope_angles(torch.arange(n), hs, BASE)  # (n, hs/2)
    rope_fig = plots.heatmap(angles.cos(), pos, None, t("positional.rope_title", lang, hs=hs),
                             **(vec | dict(x_title=t("positional.pair_axis", lang))))
    slopes = alibi_slopes(H).tolist()
    heads = [t("positional.alibi_head", lang, h=h, s=s) for h, s in enumerate(slopes)]
    alibi_fig = plots.heatmap_grid(list(alibi_bias(H, n)), heads, pos,
                                   t("positional.alibi_title", lang, H=H), diverging=True)
    return sin_fig, wpe_fig, rope_fig, _grid_hover(alibi_fig, heads, lang), similarity_figure(n, lang)


def similarity_figure(n: int, lang: str = "en"):
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
    names = {k: t(f"positional.line.{k}", lang) for k in lines}
    data = [dict(type="scatter", y=v.tolist(), name=names[k], mode="lines",
                 line=dict(color=COLORS[k]),
                 hovertemplate=t("positional.sim_hover", lang, name=names[k]))
            for k, v in lines.items()]
    d = np.arange(n)
    for h, s in enumerate(alibi_slopes(H).tolist()):
        data.append(dict(type="scatter", x=d.tolist(), y=(-s * d).tolist(), yaxis="y2",
                         name=t("positional.alibi_line", lang, h=h), mode="lines",
                         line=dict(color=COLORS["alibi"], dash="dot", width=1 + h),
                         hovertemplate=t("positional.alibi_hover", lang, h=h)))
    return plots.figure(data, dict(
        height=340, title=dict(text=t("positional.sim_title", lang), font_size=13),
        xaxis=dict(title=t("positional.distance", lang)),
        yaxis=dict(title=t("positional.cosine", lang), range=[-1.05, 1.05]),
        yaxis2=dict(title=t("positional.alibi_bias", lang), overlaying="y", side="right",
                    showgrid=False),
        legend=dict(orientation="h", y=-0.25)))


# ----------------------------------------------------------------------------- RoPE, one pair


def rotation(pair_index, n_positions, lang="en"):
    """One RoPE pair (x, y) = (1, 0) turning by θ_i per position: points on a circle."""
    n = _positions(n_positions, lang)
    hs = common.gpt().config.n_embd // common.gpt().config.n_head
    i = _whole(pair_index, 0, hs // 2 - 1, "positional.bad_pair", "positional.pair_range", lang,
               last=hs // 2 - 1, hs=hs)
    theta = rope_angles(torch.ones(1), hs, BASE)[0, i].item()  # θ_i: the turn per position
    pts = rope_rotation_2d([1.0, 0.0], torch.arange(n), theta).numpy()
    circle = np.linspace(0, 2 * math.pi, 121)
    data = [dict(type="scatter", x=np.cos(circle).tolist(), y=np.sin(circle).tolist(),
                 mode="lines", line=dict(color="#bab0ac", width=1), hoverinfo="skip",
                 showlegend=False),
            dict(type="scatter", x=pts[:, 0].tolist(), y=pts[:, 1].tolist(),
                 mode="lines+markers", showlegend=False, text=[str(m) for m in range(n)],
                 marker=dict(color=list(range(n)), colorscale="Viridis", size=7,
                             colorbar=dict(title=t("positional.position", lang), thickness=10)),
                 line=dict(color="#8884", width=1), hovertemplate=t("positional.rot_hover", lang))]
    title = t("positional.rot_title", lang, i=i, pairs=hs // 2, base=BASE, hs=hs, theta=theta,
              deg=math.degrees(theta))
    return plots.figure(data, dict(
        height=420, title=dict(text=title, font_size=13),
        xaxis=dict(range=[-1.2, 1.2], title="x", zeroline=True),
        yaxis=dict(range=[-1.2, 1.2], title="y", scaleanchor="x", zeroline=True)))


# ----------------------------------------------------------------------------- in the GPT


def encoded_scores(text, head, show, lang="en"):
    """Block 0's scores (or weights) for one head under each encoding, on the user's text."""
    text = common.clean_input(text, t("positional.what_sentence", lang), lang=lang)
    model, tok = common.gpt(), common.tokenizer()
    H, block = model.config.n_head, model.config.block_size
    head = _whole(head, 0, H - 1, "positional.bad_head", "positional.head_range", lang, last=H - 1)
    ids = tok.encode(text)
    notes = [common.unseen_note(text, lang) or ""]
    if len(ids) > block:
        notes.append(t("positional.cut", lang, n=len(ids), block=block))
        ids = ids[:block]
    if len(ids) < 2:
        raise gr.Error(t("positional.single_token", lang))
    idx = torch.tensor(ids)
    weights = show != "scores"
    mats = []
    causal = causal_mask(len(ids))
    for kind in KINDS:
        enc = scores_with_encoding(model, idx, kind, BASE)
        mats.append(enc.weights[head] if weights else enc.scores[head].masked_fill(~causal, -math.inf))
    titles = [t(f"positional.kind.{kind}", lang) for kind in KINDS]
    what = t("positional.what_weights" if weights else "positional.what_scores", lang)
    fig = plots.heatmap_grid(mats, titles, plots.token_axis(tok.token_display(ids)),
                             t("positional.scores_title", lang, head=head, what=what),
                             cols=3, diverging=not weights, height_per_row=330)
    return _grid_hover(fig, titles, lang), " ".join(x for x in notes if x)


# ----------------------------------------------------------------------------- layout


N0, PAIR0 = 64, 6  # the defaults: pair 6 turns 0.1 rad a step, one turn in 64 positions
DEFAULT_INPUTS = ((N0,), (PAIR0, N0), (DEFAULT_TEXT, 0, "weights"))  # tables, rotation, scores


def _remembering(fn):
    """An event's handler: ``fn``'s outputs, then its inputs but ``lang`` (the last), for the
    gr.State that ``reword`` reads."""
    def run(*args):
        out = fn(*args)
        return (*(out if isinstance(out, tuple) else (out,)), args[:-1])
    return run


PARTS = ((tables, 5), (rotation, 1), (encoded_scores, 2))  # each figure group, its outputs


def _draw(shown: tuple, lang: str) -> tuple:
    """The figures of each part's inputs in ``shown`` (None: not shown yet, skipped) in ``lang``."""
    out = []
    for args, (fn, k) in zip(shown, PARTS, strict=True):
        figs = (gr.skip(),) * k if args is None else fn(*args, lang)
        out += figs if isinstance(figs, tuple) else (figs,)
    return tuple(out)


@load_once(maxsize=2)
def default_view(lang: str = "en") -> tuple:
    """Every figure for the defaults in ``lang``, then their inputs (for the tab's gr.States):
    computed on first view, once per language, then shared read-only."""
    return (*_draw(DEFAULT_INPUTS, lang), *DEFAULT_INPUTS)


def reword(tabled, rotated, scored, lang="en") -> tuple:
    """Every figure already shown, drawn again in ``lang`` from its inputs (kept in the tab's
    gr.States; the defaults' from the cache); a figure not shown yet is skipped."""
    shown = (tabled, rotated, scored)
    return default_view(lang)[:8] if shown == DEFAULT_INPUTS else _draw(shown, lang)


def build(lang=None, followers: list | None = None) -> None:
    """Lay out the Positional tab inside the current Blocks context (its figures are computed on
    first view, not here).  ``lang``: the app's language state (alone: English); ``followers``:
    the shell's list, to re-word the figures after the language switch."""
    if lang is None:
        lang = gr.State("en")
    f = common.gpt_facts()
    block, hs = f["block_size"], f["n_embd"] // f["n_head"]
    gr.Markdown(label("positional.intro"))
    n_pos = gr.Slider(2, block, value=N0, step=1, label=label("positional.positions"),
                      info=label("positional.positions_info"))
    with gr.Row():
        sin_p, wpe_p = gr.Plot(show_label=False), gr.Plot(show_label=False)
    with gr.Row():
        rope_p, alibi_p = gr.Plot(show_label=False), gr.Plot(show_label=False)
    sim_p = gr.Plot(show_label=False)
    gr.Markdown(label("positional.rope_intro"))
    pair = gr.Slider(0, hs // 2 - 1, value=PAIR0, step=1, label=label("positional.pair"),
                     info=label("positional.pair_info"))
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
    tabled, rotated, scored = (gr.State(None, time_to_live=common.STATE_TTL_S) for _ in range(3))
    tables_out = [sin_p, wpe_p, rope_p, alibi_p, sim_p]
    figures = [*tables_out, rot_p, scores_p, note]
    common.on_first_view(default_view, [*figures, tabled, rotated, scored],
                         api_name="positional_default", inputs=[lang])
    gr.on([n_pos.release, n_pos.input], _remembering(tables), [n_pos, lang], [*tables_out, tabled],
          api_name="positional_tables", trigger_mode="always_last")
    gr.on([pair.release, n_pos.release, pair.input, n_pos.input], _remembering(rotation),
          [pair, n_pos, lang], [rot_p, rotated], api_name="rope_rotation",
          trigger_mode="always_last", show_progress="minimal")
    scores_event = gr.on([text.submit, head.release, head.input, show.change],
                         _remembering(encoded_scores), [text, head, show, lang],
                         [scores_p, note, scored], api_name="encoding_scores",
                         trigger_mode="always_last")
    common.mark_stale(scores_event, stale, lang)
    if followers is not None:  # in the app: the switch re-words what is shown
        from lmlab.ui.shell import Follower

        followers.append(Follower(reword, [tabled, rotated, scored, lang], figures,
                                  "positional_figures"))


if __name__ == "__main__":
    from lmlab.ui.i18n import I18N

    with gr.Blocks(title="LM Lab: Positional", analytics_enabled=False) as demo:
        build()
    demo.queue().launch(i18n=I18N())
