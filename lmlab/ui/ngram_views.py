"""The N-gram vs neural tab's figures and HTML: bars, perplexity against n, surprisal colours.

Tool: the UI layer.  Tab: N-gram vs neural (``lmlab.ui.ngram``).  Data from ``lmlab.compare``.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go

from lmlab.data import works_in
from lmlab.ui import common

MAX_BITS = 16.0  # surprisal at which the colour saturates
SMOOTHING_LABELS = {"kneser_ney": "Kneser-Ney (modified, interpolated)",
                    "laplace": "Laplace (add one)", "lidstone": "Lidstone (add γ = 0.1)",
                    "mle": "MLE (raw counts, no smoothing)"}
INFINITE = "∞ (a token had probability 0)"


# ----------------------------------------------------------------------------- formatting


def fmt_perplexity(x: float) -> str:
    """A perplexity for display; never prints inf as a number."""
    return INFINITE if not math.isfinite(x) else f"{x:,.1f}"


def fmt_prob(p: float) -> str:
    return "0" if p == 0 else f"{p:.3g}"


def _model_name(order: int, smoothing: str) -> str:
    return f"{order}-gram, {SMOOTHING_LABELS[smoothing]}"


# ----------------------------------------------------------------------------- figures


def bars_figure(cands, title: str, x_max: float, color: str):
    """Horizontal bars of one model's top-k next tokens."""
    shown = common.tokenizer().token_display([c.token_id for c in cands])  # <e5 ba>, never �
    labels = [f"{c.token_id}:{common.token_html(t)}" for c, t in zip(cands, shown, strict=True)]
    fig = go.Figure(go.Bar(x=[c.prob for c in cands], y=labels, orientation="h",
                           marker_color=color, text=[fmt_prob(c.prob) for c in cands],
                           textposition="outside", cliponaxis=False,
                           hovertemplate="%{y}: p = %{x:.4f}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(title="probability", range=[0, x_max * 1.2])
    return common.style(fig.update_layout(title=title), height=360)


def perplexity_figure(curve):
    """Perplexity against n, the GPT as a horizontal line; infinite points marked, not drawn."""
    finite = [(n, p) for n, p in zip(curve.orders, curve.ngram, strict=False) if math.isfinite(p)]
    fig = go.Figure(go.Scatter(x=[n for n, _ in finite], y=[p for _, p in finite],
                               mode="lines+markers+text", name="n-gram",
                               text=[f"{p:,.1f}" for _, p in finite], textposition="top center",
                               hovertemplate="n = %{x}: perplexity %{y:,.1f}<extra></extra>"))
    best = curve.ngram[curve.best_order - 1]
    if math.isfinite(best):
        fig.add_trace(go.Scatter(x=[curve.best_order], y=[best], mode="markers", name="best n",
                                 marker=dict(symbol="star", size=16, color="#59a14f"),
                                 hovertemplate="best n = %{x}<extra></extra>"))
    for n, p in zip(curve.orders, curve.ngram, strict=False):
        if not math.isfinite(p):
            fig.add_annotation(x=n, y=0.95, yref="paper", text="∞", showarrow=False,
                               font_size=20, hovertext=INFINITE)
    fig.add_hline(y=curve.gpt, line_dash="dash", line_color="#f28e2b")
    fig.add_annotation(x=0, xref="paper", xanchor="left", y=math.log10(curve.gpt),
                       yanchor="top", text=f"GPT {curve.gpt:,.1f}", showarrow=False,
                       font_color="#f28e2b")  # a log axis takes log10(y); below the line, left
    # (the n-gram labels sit above their points: at n = 1 far above the GPT's line)
    values = [p for _, p in finite] + [curve.gpt]
    lo, hi = min(values) / 1.6, max(values) * 1.6
    ticks = [t for t in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000) if lo <= t <= hi]
    fig.update_xaxes(title="n (order of the n-gram model)", tickvals=list(curve.orders),
                     range=[0.5, len(curve.orders) + 0.5])
    fig.update_yaxes(title="held-out perplexity (log scale)", type="log", tickvals=ticks,
                     range=[math.log10(lo), math.log10(hi)])
    title = f"Perplexity against n, {SMOOTHING_LABELS[curve.smoothing]} (lower is better)"
    return common.style(fig.update_layout(title=title, showlegend=False), height=360)


def sparsity_figure(sp):
    """Percent of held-out n-grams never seen in training, against n."""
    pct = [100 * f for f in sp.unseen_fraction]
    fig = go.Figure(go.Bar(x=list(sp.orders), y=pct, marker_color="#76b7b2",
                           text=[f"{p:.1f}%" for p in pct], textposition="outside",
                           cliponaxis=False,
                           hovertemplate="n = %{x}: %{y:.1f}% never seen<extra></extra>"))
    fig.update_xaxes(title="n", tickvals=list(sp.orders))
    fig.update_yaxes(title="% of held-out n-grams unseen in training", range=[0, 110])
    return common.style(fig.update_layout(title="Sparsity: new n-grams in held-out text"),
                        height=360)


def _span(token: str, bits: float | None) -> str:
    """One token, its background as red as it was surprising (grey: not scored)."""
    if bits is None:
        style, tip = "background:rgba(128,128,128,0.2)", "first token: context only"
    elif not math.isfinite(bits):
        style, tip = "background:#6a1b9a;color:white", "p = 0: ∞ bits"
    else:
        alpha = 0.05 + 0.8 * min(bits / MAX_BITS, 1.0)
        style, tip = f"background:rgba(214,39,40,{alpha:.2f})", (
            f"p = {fmt_prob(2.0 ** -bits)}, {max(bits, 0.0):.1f} bits")
    title = common.escape(f"{common.token_label(token)}  {tip}")
    return f'<span title="{title}" style="{style};border-radius:3px">{common.escape(token)}</span>'


def surprisal_html(s) -> str:
    """The passage twice, each token coloured by its surprisal under one model (all escaped)."""
    rows = []
    for name, bits, ppl in ((_model_name(s.order, s.smoothing), s.ngram_bits, s.ngram_perplexity),
                            ("GPT", s.gpt_bits, s.gpt_perplexity)):
        spans = [_span(s.tokens[0], None)] + [_span(t, b) for t, b in zip(s.tokens[1:], bits, strict=False)]
        rows.append(f"<p><b>{common.escape(name)}</b>: perplexity on this passage "
                    f"{common.escape(fmt_perplexity(ppl))}</p><div style='white-space:pre-wrap;"
                    f"font-family:monospace;line-height:1.7'>{''.join(spans)}</div>")
    legend = (f"<p style='opacity:0.8'>Colour: surprisal −log₂ p, white 0 bits → red "
              f"{MAX_BITS:g}+ bits; purple: probability 0 (∞); grey: the first token (context "
              "only). Hover a token for its p.</p>")
    return "<div>" + "<hr>".join(rows) + legend + "</div>"


def novel_html(nv, order: int) -> str:
    """The novel-phrase example: held-out context, the unseen n-gram, both models' p."""
    if nv is None:
        if order == 1:
            return ("<p>With n = 1 there is no context, and every held-out token occurs in the "
                    "training works: a unigram never meets an unseen n-gram. Pick n ≥ 2.</p>")
        return "<p>No held-out word in the slice has an unseen n-gram that the GPT predicted "\
               "better than the n-gram model.</p>"
    tok = common.tokenizer()
    strings = tok.token_strings(list(nv.before[-40:]))
    k = order - 1
    lead = "".join(common.escape(s) for s in strings[:len(strings) - k])
    ctx = "".join(common.escape(s) for s in strings[len(strings) - k:]) if k else ""
    target = common.escape(tok.decode([nv.target]))
    gram = common.escape(tok.decode(list(nv.before[len(nv.before) - k:]) + [nv.target]))
    title = {w.slug: w.title for w in works_in("val")}[nv.work]
    ratio = ("infinitely" if nv.ngram_prob == 0 else f"{nv.gpt_prob / nv.ngram_prob:,.1f} times")
    return (f"<p>From <i>{common.escape(title)}</i> (held out), token {nv.position:,}:</p>"
            "<div style='white-space:pre-wrap;font-family:monospace;line-height:1.7'>…"
            f"{lead}<span style='background:rgba(78,121,167,0.35)'>{ctx}</span>"
            f"<b style='outline:2px solid #f28e2b'>{target}</b></div><ul>"
            f"<li>The {order}-gram <code>{gram}</code> never occurs in the training works. "
            + (f"Its context (blue) occurs {nv.context_count:,} times there, followed by "
               f"{nv.n_followers:,} different tokens, never by <b>{target}</b>.</li>" if k else
               "</li>")
            + f"<li>{common.escape(_model_name(order, nv.smoothing))}: p = "
            f"{fmt_prob(nv.ngram_prob)}</li><li>GPT (reading the {len(nv.before)} tokens "
            f"before it): p = {fmt_prob(nv.gpt_prob)}, {ratio} more.</li></ul>"
            "<p style='opacity:0.8'>Found by code: of the held-out words whose n-gram is new, "
            "the one the GPT found likeliest.</p>")


