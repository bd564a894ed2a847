"""The N-gram vs neural tab's figures and HTML: bars, perplexity against n, surprisal colours.

Tool: the UI layer.  Tab: N-gram vs neural (``lmlab.ui.ngram``).  Data from ``lmlab.compare``;
words from ``lmlab.ui.ngram_words`` in the student's language (``lang``: "en" or "zh").  Tokens
and quoted text are model output and corpus: they sit in elements marked ``translate="no"``.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go

from lmlab.data import works_in
from lmlab.ui import common
from lmlab.ui.i18n import t

MAX_BITS = 16.0  # surprisal at which the colour saturates
MONO = "white-space:pre-wrap;font-family:monospace;line-height:1.7"  # a quoted passage


# ----------------------------------------------------------------------------- formatting


def fmt_perplexity(x: float, lang: str = "en") -> str:
    """A perplexity for display; never prints inf as a number."""
    return t("ngram.infinite", lang) if not math.isfinite(x) else f"{x:,.1f}"


def fmt_prob(p: float) -> str:
    return "0" if p == 0 else f"{p:.3g}"


def model_name(order: int, smoothing: str, lang: str = "en") -> str:
    """``"3-gram, Kneser-Ney (modified, interpolated)"``: the n-gram model's name."""
    return t("ngram.model_name", lang, n=order, smoothing=t(f"ngram.smoothing.{smoothing}", lang))


def why_html(nt, n_ids: int, notes: list[str], lang: str = "en") -> str:
    """Which n-gram table answered (from ``NGramLM.explain``) and what the GPT read."""
    e, n = nt.explanation, nt.order
    ctx = "".join("<code translate='no' style='border:1px solid #999;padding:0 3px;margin:0 1px'>"
                  f"{common.token_html(s)}</code>"
                  for s in common.tokenizer().token_display(list(e.context)))
    lines = []
    if n_ids < n - 1:
        lines.append(t("ngram.why_short", lang, n_ids=n_ids, need=n - 1, n=n))
    if nt.smoothing in ("kneser_ney", "mle") and e.order < min(n, n_ids + 1):
        lines.append(t("ngram.why_backoff", lang, order=e.order))
    what = (t("ngram.why_context", lang, ctx=ctx, k=len(e.context)) if e.context
            else t("ngram.why_no_context", lang))
    key = "ngram.why_asked" if nt.smoothing in ("laplace", "lidstone") else "ngram.why_answered"
    lines.append(t(key, lang, order=e.order, what=what, count=e.context_count,
                   followers=e.n_followers))
    lines.append(t(f"ngram.mass.{nt.smoothing}", lang, mass=e.backoff_mass))
    lines.append(t("ngram.why_gpt", lang, k=nt.gpt_context))
    lines += [common.escape(x) for x in notes]
    return "<ul>" + "".join(f"<li>{x}</li>" for x in lines) + "</ul>"


# ----------------------------------------------------------------------------- figures


def bars_figure(cands, title: str, x_max: float, color: str, lang: str = "en"):
    """Horizontal bars of one model's top-k next tokens."""
    shown = common.tokenizer().token_display([c.token_id for c in cands])  # <e5 ba>, never �
    labels = [f"{c.token_id}:{common.token_html(s)}" for c, s in zip(cands, shown, strict=True)]
    fig = go.Figure(go.Bar(x=[c.prob for c in cands], y=labels, orientation="h",
                           marker_color=color, text=[fmt_prob(c.prob) for c in cands],
                           textposition="outside", cliponaxis=False,
                           hovertemplate="%{y}: p = %{x:.4f}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(title=t("ngram.probability", lang), range=[0, x_max * 1.2])
    return common.style(fig.update_layout(title=title), height=360)


def perplexity_figure(curve, lang: str = "en"):
    """Perplexity against n, the GPT as a horizontal line; infinite points marked, not drawn."""
    finite = [(n, p) for n, p in zip(curve.orders, curve.ngram, strict=False) if math.isfinite(p)]
    fig = go.Figure(go.Scatter(x=[n for n, _ in finite], y=[p for _, p in finite],
                               mode="lines+markers+text", name=t("ngram.ngram_trace", lang),
                               text=[f"{p:,.1f}" for _, p in finite], textposition="top center",
                               hovertemplate=t("ngram.ppl_hover", lang)))
    best = curve.ngram[curve.best_order - 1]
    if math.isfinite(best):
        fig.add_trace(go.Scatter(x=[curve.best_order], y=[best], mode="markers",
                                 name=t("ngram.best_n", lang),
                                 marker=dict(symbol="star", size=16, color="#59a14f"),
                                 hovertemplate=t("ngram.best_hover", lang)))
    for n, p in zip(curve.orders, curve.ngram, strict=False):
        if not math.isfinite(p):
            fig.add_annotation(x=n, y=0.95, yref="paper", text="∞", showarrow=False,
                               font_size=20, hovertext=t("ngram.infinite", lang))
    fig.add_hline(y=curve.gpt, line_dash="dash", line_color="#f28e2b")
    fig.add_annotation(x=0, xref="paper", xanchor="left", y=math.log10(curve.gpt),
                       yanchor="top", text=f"GPT {curve.gpt:,.1f}", showarrow=False,
                       font_color="#f28e2b")  # a log axis takes log10(y); below the line, left
    # (the n-gram labels sit above their points: at n = 1 far above the GPT's line)
    values = [p for _, p in finite] + [curve.gpt]
    lo, hi = min(values) / 1.6, max(values) * 1.6
    ticks = [v for v in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000) if lo <= v <= hi]
    fig.update_xaxes(title=t("ngram.ppl_x", lang), tickvals=list(curve.orders),
                     range=[0.5, len(curve.orders) + 0.5])
    fig.update_yaxes(title=t("ngram.ppl_y", lang), type="log", tickvals=ticks,
                     range=[math.log10(lo), math.log10(hi)])
    title = t("ngram.ppl_title", lang, smoothing=t(f"ngram.smoothing.{curve.smoothing}", lang))
    return common.style(fig.update_layout(title=title, showlegend=False), height=360)


def sparsity_figure(sp, lang: str = "en"):
    """Percent of held-out n-grams never seen in training, against n."""
    pct = [100 * f for f in sp.unseen_fraction]
    fig = go.Figure(go.Bar(x=list(sp.orders), y=pct, marker_color="#76b7b2",
                           text=[f"{p:.1f}%" for p in pct], textposition="outside",
                           cliponaxis=False, hovertemplate=t("ngram.sparse_hover", lang)))
    fig.update_xaxes(title="n", tickvals=list(sp.orders))
    fig.update_yaxes(title=t("ngram.sparse_y", lang), range=[0, 110])
    return common.style(fig.update_layout(title=t("ngram.sparse_title", lang)), height=360)


def _span(token: str, bits: float | None, lang: str = "en") -> str:
    """One token, its background as red as it was surprising (grey: not scored)."""
    if bits is None:
        style, tip = "background:rgba(128,128,128,0.2)", t("ngram.tip_first", lang)
    elif not math.isfinite(bits):
        style, tip = "background:#6a1b9a;color:white", t("ngram.tip_zero", lang)
    else:
        alpha = 0.05 + 0.8 * min(bits / MAX_BITS, 1.0)
        style = f"background:rgba(214,39,40,{alpha:.2f})"
        tip = t("ngram.tip_bits", lang, p=fmt_prob(2.0 ** -bits), bits=max(bits, 0.0))
    title = common.escape(f"{common.token_label(token)}  {tip}")
    return f'<span title="{title}" style="{style};border-radius:3px">{common.escape(token)}</span>'


def surprisal_html(s, lang: str = "en") -> str:
    """The passage twice, each token coloured by its surprisal under one model (all escaped)."""
    rows = []
    for name, bits, ppl in ((model_name(s.order, s.smoothing, lang), s.ngram_bits, s.ngram_perplexity),
                            ("GPT", s.gpt_bits, s.gpt_perplexity)):
        spans = [_span(s.tokens[0], None, lang)] + [
            _span(tok, b, lang) for tok, b in zip(s.tokens[1:], bits, strict=False)]
        head = t("ngram.passage_ppl", lang, name=common.escape(name),
                 ppl=common.escape(fmt_perplexity(ppl, lang)))
        rows.append(f"<p>{head}</p><div translate='no' style='{MONO}'>{''.join(spans)}</div>")
    legend = f"<p style='opacity:0.8'>{t('ngram.colour_legend', lang, top=MAX_BITS)}</p>"
    return "<div>" + "<hr>".join(rows) + legend + "</div>"


def novel_html(nv, order: int, lang: str = "en") -> str:
    """The novel-phrase example: held-out context, the unseen n-gram, both models' p."""
    if nv is None:
        return f"<p>{t('ngram.novel_unigram' if order == 1 else 'ngram.novel_none', lang)}</p>"
    tok = common.tokenizer()
    strings = tok.token_strings(list(nv.before[-40:]))
    k = order - 1
    lead = "".join(common.escape(s) for s in strings[:len(strings) - k])
    ctx = "".join(common.escape(s) for s in strings[len(strings) - k:]) if k else ""
    target = common.escape(tok.decode([nv.target]))
    gram = common.escape(tok.decode(list(nv.before[len(nv.before) - k:]) + [nv.target]))
    title = common.escape({w.slug: w.title for w in works_in("val")}[nv.work])
    gpt = t("ngram.novel_gpt_inf", lang, k=len(nv.before), p=fmt_prob(nv.gpt_prob)) \
        if nv.ngram_prob == 0 else t("ngram.novel_gpt", lang, k=len(nv.before),
                                     p=fmt_prob(nv.gpt_prob), ratio=nv.gpt_prob / nv.ngram_prob)
    items = [t("ngram.novel_gram", lang, order=order, gram=f"<code translate='no'>{gram}</code>")
             + (" " + t("ngram.novel_context", lang, count=nv.context_count,
                        followers=nv.n_followers, target=f"<b translate='no'>{target}</b>")
                if k else ""),
             t("ngram.novel_ngram_p", lang, name=common.escape(model_name(order, nv.smoothing, lang)),
               p=fmt_prob(nv.ngram_prob)),
             gpt]
    return ("<p>" + t("ngram.novel_from", lang, title=f"<i translate='no'>{title}</i>",
                      position=nv.position) + "</p>"
            f"<div translate='no' style='{MONO}'>…{lead}"
            f"<span style='background:rgba(78,121,167,0.35)'>{ctx}</span>"
            f"<b style='outline:2px solid #f28e2b'>{target}</b></div>"
            "<ul>" + "".join(f"<li>{x}</li>" for x in items) + "</ul>"
            f"<p style='opacity:0.8'>{t('ngram.novel_found', lang)}</p>")
