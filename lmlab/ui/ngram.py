"""N-gram vs neural tab: a table of counts beside the GPT, on the same prompt and the same tokens.

Lesson: lessons/02_ngrams.en.md.  Code: ``lmlab.compare`` (over ``lmlab.ngram``).  Run alone:
``python -m lmlab.ui.ngram``.
"""

from __future__ import annotations

import math

import gradio as gr
import numpy as np
import plotly.graph_objects as go

from lmlab import compare
from lmlab.data import read_work, works_in
from lmlab.ngram import MAX_ORDER, SMOOTHINGS
from lmlab.textcheck import unseen_characters
from lmlab.ui import common

TOP_K = 10  # bars per model
SAMPLE_TOKENS = 60  # new tokens per sample
MAX_BITS = 16.0  # surprisal at which the colour saturates
SMOOTHING_LABELS = {"kneser_ney": "Kneser-Ney (modified, interpolated)",
                    "laplace": "Laplace (add one)", "lidstone": "Lidstone (add γ = 0.1)",
                    "mle": "MLE (raw counts, no smoothing)"}
HELDOUT_TOKENS = compare.TOKENS_PER_WORK  # held-out slice: tokens from each val work
INFINITE = "∞ (a token had probability 0)"
DEFAULT_PASSAGE = ("hamlet", "To be, or not to be")  # (work, a phrase its first line holds)


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
    labels = [f"{c.token_id}:{common.token_html(c.token)}" for c in cands]
    fig = go.Figure(go.Bar(x=[c.prob for c in cands], y=labels, orientation="h",
                           marker_color=color, text=[fmt_prob(c.prob) for c in cands],
                           textposition="outside", cliponaxis=False,
                           hovertemplate="%{y}: p = %{x:.4f}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(title="probability", range=[0, x_max * 1.2])
    return common.style(fig.update_layout(title=title), height=360)


def perplexity_figure(curve):
    """Perplexity against n, the GPT as a horizontal line; infinite points marked, not drawn."""
    finite = [(n, p) for n, p in zip(curve.orders, curve.ngram) if math.isfinite(p)]
    fig = go.Figure(go.Scatter(x=[n for n, _ in finite], y=[p for _, p in finite],
                               mode="lines+markers+text", name="n-gram",
                               text=[f"{p:,.1f}" for _, p in finite], textposition="top center",
                               hovertemplate="n = %{x}: perplexity %{y:,.1f}<extra></extra>"))
    best = curve.ngram[curve.best_order - 1]
    if math.isfinite(best):
        fig.add_trace(go.Scatter(x=[curve.best_order], y=[best], mode="markers", name="best n",
                                 marker=dict(symbol="star", size=16, color="#59a14f"),
                                 hovertemplate="best n = %{x}<extra></extra>"))
    for n, p in zip(curve.orders, curve.ngram):
        if not math.isfinite(p):
            fig.add_annotation(x=n, y=0.95, yref="paper", text="∞", showarrow=False,
                               font_size=20, hovertext=INFINITE)
    fig.add_hline(y=curve.gpt, line_dash="dash", line_color="#f28e2b")
    fig.add_annotation(x=1, xref="paper", xanchor="right", y=math.log10(curve.gpt),
                       yanchor="bottom", text=f"GPT {curve.gpt:,.1f}", showarrow=False,
                       font_color="#f28e2b")  # a log axis takes log10(y)
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
        spans = [_span(s.tokens[0], None)] + [_span(t, b) for t, b in zip(s.tokens[1:], bits)]
        rows.append(f"<p><b>{common.escape(name)}</b>: perplexity on this passage "
                    f"{common.escape(fmt_perplexity(ppl))}</p><div style='white-space:pre-wrap;"
                    f"font-family:monospace;line-height:1.7'>{''.join(spans)}</div>")
    legend = (f"<p style='opacity:0.8'>Colour: surprisal −log₂ p, white 0 bits → red "
              f"{MAX_BITS:g}+ bits; purple: probability 0 (∞). Hover a token for its p.</p>")
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


# ----------------------------------------------------------------------------- handlers


def _controls(order, smoothing) -> tuple[int, str]:
    """Validate n and the smoothing."""
    try:
        x = float(order)
    except (TypeError, ValueError):
        raise gr.Error(f"The order n must be a whole number from 1 to {MAX_ORDER}.") from None
    n = int(x) if x.is_integer() else 0
    if not 1 <= n <= MAX_ORDER:
        raise gr.Error(f"The order n must be a whole number from 1 to {MAX_ORDER}, not {order}.")
    if smoothing not in SMOOTHINGS:
        raise gr.Error(f"Unknown smoothing {smoothing!r}; pick one of {', '.join(SMOOTHINGS)}.")
    return n, smoothing


def _ids(text, what: str) -> tuple[list[int], list[str]]:
    """Token ids of a prompt or passage, and notes; errors if nothing in it was ever seen."""
    text = common.clean_input(text, what)
    unseen = unseen_characters(text)
    if unseen and not any(c not in unseen for c in text if not c.isspace()):
        raise gr.Error(f"None of the characters in the {what} occur in the training works "
                       f"(for example {unseen[0]!r}), so neither model has anything to go on. "
                       "Please type some English.")
    notes = [f"Characters never seen in training: {' '.join(unseen[:10])}; both models will "
             "be guessing there."] if unseen else []
    return common.tokenizer().encode(text), notes


def predict(prompt, order, smoothing, seed):
    """Top-k bars from both models, which n-gram table answered, and a sample from each."""
    n, smoothing = _controls(order, smoothing)
    ids, notes = _ids(prompt, "prompt")
    try:
        seed = int(seed or 0)
    except (TypeError, ValueError):
        raise gr.Error("The seed must be a whole number.") from None
    if not 0 <= seed < 2**32:
        raise gr.Error("The seed must be a whole number from 0 to 4,294,967,295.")
    model = common.gpt()
    nt = compare.next_tokens(model, ids, n, smoothing, TOP_K)
    smp = compare.samples(model, ids, n, smoothing, SAMPLE_TOKENS, seed)
    x_max = max(c.prob for c in nt.ngram + nt.gpt)
    return (why_html(nt, len(ids), notes),
            bars_figure(nt.ngram, _model_name(n, smoothing), x_max, "#4e79a7"),
            bars_figure(nt.gpt, "GPT", x_max, "#f28e2b"), smp.ngram_text, smp.gpt_text)


def why_html(nt, n_ids: int, notes: list[str]) -> str:
    """Which n-gram table answered (from ``NGramLM.explain``) and what the GPT read."""
    e, n = nt.explanation, nt.order
    ctx = "".join("<code style='border:1px solid #999;padding:0 3px;margin:0 1px'>"
                  f"{common.token_html(s)}</code>"
                  for s in common.tokenizer().token_strings(list(e.context)))
    lines = []
    if n_ids < n - 1:
        lines.append(f"The prompt has {n_ids} token(s), fewer than the {n - 1} an order-{n} "
                     f"model conditions on, so it used all {n_ids}: a shorter context.")
    if nt.smoothing in ("kneser_ney", "mle") and e.order < min(n, n_ids + 1):
        lines.append(f"The full context never occurred in training, so the model backed off "
                     f"to the order-{e.order} table.")
    what = (f"the context {ctx} ({len(e.context)} token(s))" if e.context
            else "no context (the unigram table: plain token frequencies)")
    verb = ("was asked (add-γ smoothing always asks the full context, no backoff)"
            if nt.smoothing in ("laplace", "lidstone") else "answered")
    lines.append(f"The order-{e.order} table {verb}, for {what}: seen {e.context_count:,} "
                 f"times in training, followed by {e.n_followers:,} different tokens.")
    mass = {"kneser_ney": "probability handed down to shorter contexts (Kneser-Ney's backoff "
                          "weight)",
            "laplace": "probability from the add-one pseudo-counts",
            "lidstone": "probability from the add-γ pseudo-counts",
            "mle": "backoff mass (MLE never moves probability)"}[nt.smoothing]
    lines.append(f"{e.backoff_mass:.1%} of the {mass}.")
    lines.append(f"The GPT read the last {nt.gpt_context} token(s) of the prompt.")
    lines += [common.escape(x) for x in notes]
    return "<ul>" + "".join(f"<li>{x}</li>" for x in lines) + "</ul>"


def pick_passage(work, line):
    """Eight lines of a held-out work, from line ``line``."""
    if work not in {w.slug for w in works_in("val")}:
        raise gr.Error(f"{work!r} is not one of the held-out works.")
    try:
        return compare.passage(work, int(line or 0))
    except (TypeError, ValueError):
        raise gr.Error("The line must be a whole number.") from None


def color_passage(passage, order, smoothing):
    """The passage coloured by per-token surprisal under each model."""
    n, smoothing = _controls(order, smoothing)
    ids, notes = _ids(passage, "passage")
    if len(ids) < 2:
        raise gr.Error("The passage needs at least two tokens: the first is only context.")
    s = compare.surprisal(common.gpt(), ids, n, smoothing)
    less = int(np.sum(s.gpt_bits < s.ngram_bits))
    summary = (f"{len(ids) - 1} tokens scored. Perplexity of this passage: "
               f"{_model_name(n, smoothing)} {fmt_perplexity(s.ngram_perplexity)}, GPT "
               f"{fmt_perplexity(s.gpt_perplexity)}. The GPT was less surprised on {less} of "
               f"{len(ids) - 1} tokens. " + " ".join(notes))
    return surprisal_html(s), summary


def heldout(order, smoothing):
    """Perplexity against n, the sparsity curve and the novel-phrase example."""
    n, smoothing = _controls(order, smoothing)
    model = common.gpt()
    curve = compare.perplexity_curve(model, smoothing, tokens_per_work=HELDOUT_TOKENS)
    sp = compare.sparsity()
    note = (f"Perplexities on {curve.n_tokens:,} held-out tokens "
            f"(up to {HELDOUT_TOKENS:,} from the middle of each of the "
            f"{len(works_in('val'))} validation works), the same tokens for every model; "
            f"`lmlab eval` scores all held-out tokens. Best n here: {curve.best_order}. "
            f"Sparsity counts all {sp.n_positions:,} positions of the validation works.")
    nv = compare.novel_phrase(model, n, smoothing, tokens_per_work=HELDOUT_TOKENS)
    return perplexity_figure(curve), sparsity_figure(sp), novel_html(nv, n), note


# ----------------------------------------------------------------------------- layout


def _default_line(slug: str, phrase: str) -> int:
    return next((i for i, line in enumerate(read_work(slug).split("\n")) if phrase in line), 0)


def build() -> None:
    """Lay out the N-gram vs neural tab inside the current Blocks context."""
    gr.Markdown("Before neural networks, a language model was a **table of counts**: an "
                "*n-gram model* predicts the next token from the n − 1 tokens before it "
                "(`lmlab/ngram.py`). Here it faces the GPT on the same tokens "
                "(`lmlab/compare.py`). **Compare** fills every panel below.")
    val = works_in("val")
    slug, phrase = DEFAULT_PASSAGE
    with gr.Row():
        with gr.Column(scale=2):
            prompt = gr.Textbox("ROMEO.\nBut soft, what light through yonder", label="Prompt",
                                lines=3, max_length=common.MAX_CHARS)
            go_btn = gr.Button("Compare", variant="primary")
        with gr.Column(scale=1):
            order = gr.Slider(1, MAX_ORDER, value=3, step=1,
                              label="Order n (the perplexity plot shows which n does best)")
            smoothing = gr.Dropdown([(v, k) for k, v in SMOOTHING_LABELS.items()],
                                    value="kneser_ney", label="Smoothing")
            seed = gr.Number(0, label="Seed for the samples", precision=0)
    why = gr.HTML(label="Which n-gram table answered")
    with gr.Row():
        ngram_bars = gr.Plot(label="n-gram: next token")
        gpt_bars = gr.Plot(label="GPT: next token")
    with gr.Row():
        ngram_sample = gr.Textbox(label=f"n-gram sample ({SAMPLE_TOKENS} tokens, temperature 1)",
                                  lines=6, interactive=False)
        gpt_sample = gr.Textbox(label=f"GPT sample ({SAMPLE_TOKENS} tokens, temperature 1)",
                                lines=6, interactive=False)
    gr.Markdown("### A held-out passage, coloured by surprisal\nHow surprised each model is "
                "by each token of text neither ever trained on (−log₂ p, in bits).")
    with gr.Row():
        work = gr.Dropdown([(w.title, w.slug) for w in val], value=slug, label="Held-out work")
        line = gr.Number(_default_line(slug, phrase), label="From line", precision=0)
        pick_btn = gr.Button("Pick passage")
    passage = gr.Textbox(compare.passage(slug, _default_line(slug, phrase)),
                         label="Passage (edit it or paste your own)", lines=6,
                         max_length=common.MAX_CHARS)
    colored = gr.HTML()
    summary = gr.Markdown()
    gr.Markdown("### Held-out figures")
    note = gr.Markdown()
    with gr.Row():
        ppl_plot = gr.Plot(label="Perplexity against n")
        sparse_plot = gr.Plot(label="Sparsity")
    gr.Markdown("### A novel phrase: where counts fail and the network generalises")
    novel = gr.HTML()
    (go_btn.click(predict, [prompt, order, smoothing, seed],
                  [why, ngram_bars, gpt_bars, ngram_sample, gpt_sample], api_name="ngram_predict")
     .then(color_passage, [passage, order, smoothing], [colored, summary],
           api_name="ngram_surprisal")
     .then(heldout, [order, smoothing], [ppl_plot, sparse_plot, novel, note],
           api_name="ngram_heldout", concurrency_limit=1))
    pick_btn.click(pick_passage, [work, line], passage, api_name="ngram_passage").then(
        color_passage, [passage, order, smoothing], [colored, summary],
        api_name="ngram_surprisal_picked")


if __name__ == "__main__":
    with gr.Blocks(title="LM Lab: N-gram vs neural", analytics_enabled=False) as demo:
        build()
    demo.queue().launch()
