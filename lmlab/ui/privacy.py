"""Privacy tab: a planted secret's exposure, a memorisation probe, membership inference, DP's price.

Lesson: lessons/13_privacy.en.md.  Code: ``lmlab.privacy``.  Run alone: ``python -m lmlab.ui.privacy``.

Four panels, each filled the first time the tab is opened (computed then, cached for every
user: the shipped models are read-only and the figures depend on nothing a user typed).
"""

from __future__ import annotations

from functools import lru_cache

import gradio as gr
import numpy as np

from lmlab.privacy import canary as cn
from lmlab.privacy.memorization import MAX_PROBE_TOKENS, BadPrefix
from lmlab.ui import common, plots
from lmlab.ui.i18n import label, t
from lmlab.ui.privacy_words import WORDS  # noqa: F401  (gathered by lmlab.ui.i18n)

INSERTIONS = (0, 1, 4, 16)
DP_SIGMA = 1.0  # the DP runs of the insertion curve
PAIRS = {  # a training-work line start and a held-out one
    "Julius Caesar / Hamlet": ("Friends, Romans, countrymen", "To be, or not to be"),
    "Richard III / Macbeth": ("Now is the winter of our", "Is this a dagger which I see"),
    "Romeo and Juliet / Twelfth Night": ("But soft! what light through yonder",
                                         "If music be the food of love"),
}
COLORS = {"plain": "#e15759", "dp": "#4e79a7", "train": "#f28e2b", "heldout": "#59a14f"}


# ----------------------------------------------------------------------------- cached results


@lru_cache(maxsize=16)
def _run(insertions: int, sigma: float):
    """A shipped canary model's scores for all 10,000 codes and its recorded facts."""
    from lmlab.tokenizer import load_tokenizer

    model, facts = cn.load_run(cn.RunSpec(insertions, sigma))
    scores = cn.code_logprobs(model, load_tokenizer())
    scores.setflags(write=False)
    return scores, facts


@lru_cache(maxsize=1)
def _recorded() -> dict:
    """{(insertions, sigma): facts} of every shipped run, from config.json (no model run)."""
    import json

    out = {}
    for spec in cn.RUNS:
        path = cn.run_dir(spec) / "config.json"
        if path.exists():
            out[(spec.insertions, spec.noise_multiplier)] = json.loads(path.read_text())["lmlab_canary"]
    return out


@lru_cache(maxsize=1)
def _memorization():
    from lmlab.privacy.memorization import memorization

    return memorization(common.gpt(), common.tokenizer())


@lru_cache(maxsize=1)
def _membership():
    from lmlab.privacy.membership import membership

    return membership(common.gpt(), common.gpt("shakespeare-distilled"), "shakespeare-distilled")


# ----------------------------------------------------------------------------- 1. canary


def _insertions(value, lang) -> int:
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise gr.Error(t("privacy.bad_insertions", lang)) from None
    if n not in INSERTIONS:
        raise gr.Error(t("privacy.bad_insertions", lang))
    return n


def canary_panel(insertions, dp, code, lang="en"):
    """Rank of ``code`` among all 10,000 under the chosen run; its histogram; the exposure curve."""
    n = _insertions(insertions, lang)
    try:
        code = cn.check_code(code if code is not None else "")
    except cn.BadSecret:
        raise gr.Error(t("privacy.bad_code", lang, text=common.escape(str(code or "")[:20]))) from None
    if dp and n == 0:
        raise gr.Error(t("privacy.no_dp_zero", lang))
    scores, facts = _run(n, DP_SIGMA if dp else 0.0)
    rank = cn.rank_of(scores, int(code))
    bits = cn.exposure(rank)
    verdict = t("privacy.leaked" if rank <= 10 else "privacy.partly" if bits > 3 else "privacy.kept", lang)
    dp_text = t("privacy.dp_suffix", lang, eps=facts["epsilon"]) if dp else ""
    text = t("privacy.rank_result", lang, code=code, rank=rank, n=n, dp=dp_text, bits=bits,
             verdict=verdict)
    if code != cn.SECRET:
        text += " " + t("privacy.not_secret", lang, code=code)
    top = np.argsort(-scores, kind="stable")[:10]
    rows = " · ".join(f"{'**' if i == int(code) else ''}{i:04d}{'**' if i == int(code) else ''}"
                      f" ({scores[i]:.1f})" for i in top)
    text += f"\n\n{t('privacy.top', lang)}: {rows}"
    return text, _histogram(scores, int(code), lang), curve_figure(lang)


def _histogram(scores: np.ndarray, code: int, lang: str):
    data = [dict(type="histogram", x=scores.tolist(), nbinsx=60, marker=dict(color="#bab0ac"),
                 hovertemplate=t("privacy.hist_hover", lang), showlegend=False)]
    line = dict(type="line", x0=float(scores[code]), x1=float(scores[code]), y0=0, y1=1,
                yref="paper", line=dict(color=COLORS["plain"], width=2))
    return plots.figure(data, dict(height=300, shapes=[line], title=dict(
        text=t("privacy.hist_title", lang, code=f"{code:04d}"), font_size=13),
        xaxis=dict(title=t("privacy.hist_x", lang)), yaxis=dict(title=t("privacy.count", lang))))


def curve_figure(lang: str = "en"):
    """Exposure of the secret against insertions, ordinary and DP-SGD (recorded by the build)."""
    rec = _recorded()
    data = []
    for key, sigma in (("plain", 0.0), ("dp", DP_SIGMA)):
        xs = [n for n in INSERTIONS if (n, sigma) in rec]
        ys = [rec[(n, sigma)]["exposure"] for n in xs]
        data.append(dict(type="scatter", x=xs, y=ys, mode="lines+markers",
                         name=t("privacy.plain" if key == "plain" else "privacy.with_dp", lang),
                         line=dict(color=COLORS[key]),
                         hovertemplate=t("privacy.curve_hover", lang)))
    data.append(dict(type="scatter", x=[0, 16], y=[1.0, 1.0], mode="lines", hoverinfo="skip",
                     name=t("privacy.chance", lang), line=dict(color="#bab0ac", dash="dot")))
    return plots.figure(data, dict(height=300, title=dict(text=t("privacy.curve_title", lang),
                                                          font_size=13),
                                   xaxis=dict(title=t("privacy.curve_x", lang), tickvals=list(INSERTIONS)),
                                   yaxis=dict(title=t("privacy.curve_y", lang), range=[0, 14]),
                                   legend=dict(orientation="h", y=-0.3)))


# ----------------------------------------------------------------------------- 2. memorisation


def _probe_text(prefix, which: str, lang: str) -> str:
    from lmlab.data import load_works
    from lmlab.privacy.memorization import probe

    text = (prefix or "")[:common.MAX_CHARS]
    try:
        p = probe(common.gpt(), common.tokenizer(), text)
    except BadPrefix:
        if not text.strip():
            raise gr.Error(t("privacy.empty_prefix", lang)) from None
        n = len(common.tokenizer().encode(text.strip("\n")))
        raise gr.Error(t("privacy.long_prefix", lang, n=n, limit=MAX_PROBE_TOKENS)) from None
    def esc(s: str) -> str:  # corpus text and model output: never translated
        return f'<span translate="no">{common.escape(s)}</span>'

    out = [t("privacy.probe_head", lang, which=which, prefix=esc(p.prefix),
             cont=esc(p.continuation.replace("\n", " ⏎ ").strip()))]
    if p.where is None:
        out.append(t("privacy.not_found", lang))
    else:
        titles = {w.slug: w.title.title() for w in load_works()}
        ok = p.true_continuation is not None and p.continuation == p.true_continuation
        out.append(t("privacy.found", lang, work=esc(titles.get(p.where[0], p.where[0])),
                     side=t(f"privacy.side_{p.found_in}", lang), line=p.where[1],
                     true=esc((p.true_continuation or "").replace("\n", " ⏎ ").strip()),
                     verdict=t("privacy.verbatim" if ok else "privacy.not_verbatim", lang)))
    if p.verbatim_train is not None:
        out.append(t("privacy.in_train", lang, work=esc(p.verbatim_train[0]), line=p.verbatim_train[1]))
    return "\n\n".join(out)


def probe_panel(train_prefix, heldout_prefix, lang="en"):
    """Both line starts continued and looked up."""
    return (_probe_text(train_prefix, t("privacy.train_line", lang), lang),
            _probe_text(heldout_prefix, t("privacy.heldout_line", lang), lang))


def pick_pair(name, lang="en"):
    pair = PAIRS.get(name)
    if pair is None:
        raise gr.Error(t("privacy.bad_pair", lang, pairs=", ".join(PAIRS)))
    return pair


def memorization_figure(lang="en"):
    m = _memorization()
    ks = [row["prefix_tokens"] for row in m.by_prefix]
    data = [dict(type="bar", x=ks, y=[row[side] for row in m.by_prefix], name=t(f"privacy.{side}", lang),
                 marker=dict(color=COLORS[side]), hovertemplate="k=%{x}: %{y:.1%}<extra></extra>")
            for side in ("train", "heldout")]
    return plots.figure(data, dict(height=280, barmode="group", title=dict(
        text=t("privacy.mem_title", lang), font_size=13), xaxis=dict(title=t("privacy.mem_x", lang),
                                                                      tickvals=ks),
        yaxis=dict(title=t("privacy.mem_y", lang), tickformat=".1%", rangemode="tozero"),
        legend=dict(orientation="h", y=-0.3)))


# ----------------------------------------------------------------------------- 3-4. ROC, ε


def roc_panel(lang="en"):
    m = _membership()
    data = [dict(type="scatter", x=m.fpr.tolist(), y=m.tpr.tolist(), mode="lines",
                 name=t("privacy.loss_attack", lang, auc=m.auc), line=dict(color=COLORS["plain"])),
            dict(type="scatter", x=m.cal_fpr.tolist(), y=m.cal_tpr.tolist(), mode="lines",
                 name=t("privacy.cal_attack", lang, auc=m.calibrated_auc), line=dict(color=COLORS["dp"])),
            dict(type="scatter", x=[0, 1], y=[0, 1], mode="lines", name=t("privacy.coin", lang),
                 line=dict(color="#bab0ac", dash="dot"), hoverinfo="skip")]
    fig = plots.figure(data, dict(height=360, title=dict(text=t("privacy.roc_title", lang), font_size=13),
                                  xaxis=dict(title=t("privacy.fpr", lang), range=[0, 1]),
                                  yaxis=dict(title=t("privacy.tpr", lang), range=[0, 1]),
                                  legend=dict(orientation="h", y=-0.3)))
    verdict = t("privacy.cal_better" if m.calibrated_auc > m.auc else "privacy.cal_worse", lang)
    text = t("privacy.roc_result", lang, ml=m.member_loss, nl=m.nonmember_loss, auc=m.auc,
             cal=m.calibrated_auc, tpr=m.tpr_at_5, cal_verdict=verdict)
    return fig, text


def utility_figure(lang="en"):
    """ε against held-out perplexity of the 16-insertion runs (ordinary training drawn at the right)."""
    rec = {k: v for k, v in _recorded().items() if k[0] == 16}
    dp = sorted((k[1], v) for k, v in rec.items() if k[1] > 0)
    data = [dict(type="scatter", x=[v["epsilon"] for _, v in dp], y=[v["heldout_perplexity"] for _, v in dp],
                 mode="lines+markers+text", text=[f"σ={s:g}" for s, _ in dp], textposition="top center",
                 name="DP-SGD", line=dict(color=COLORS["dp"]),
                 hovertext=[t("privacy.point", lang, sigma=s, eps=v["epsilon"], bits=v["exposure"]) for s, v in dp],
                 hoverinfo="text")]
    if (16, 0.0) in rec:
        v = rec[(16, 0.0)]
        far = max([d["epsilon"] for _, d in dp] + [1.0]) * 3
        data.append(dict(type="scatter", x=[far], y=[v["heldout_perplexity"]], mode="markers+text",
                         text=[t("privacy.no_dp", lang)], textposition="top center", name=t("privacy.plain", lang),
                         marker=dict(color=COLORS["plain"], size=10), hoverinfo="text",
                         hovertext=[t("privacy.point_plain", lang, bits=v["exposure"])]))
    return plots.figure(data, dict(height=320, title=dict(text=t("privacy.util_title", lang), font_size=13),
                                   xaxis=dict(title=t("privacy.eps", lang), type="log"),
                                   yaxis=dict(title=t("privacy.ppl", lang), rangemode="tozero",
                                              range=[0, 1.2 * max([v["heldout_perplexity"] for _, v in dp] + [1])]),
                                   legend=dict(orientation="h", y=-0.3)))


# ----------------------------------------------------------------------------- layout


def build(lang=None) -> None:
    """Lay out the Privacy tab; its panels fill the first time the tab is opened."""
    from gradio.context import Context

    if lang is None:
        lang = gr.State("en")
    gr.Markdown(label("privacy.intro"))
    gr.Markdown(label("privacy.canary_h"))
    gr.Markdown(label("privacy.canary_md"))
    with gr.Row():
        ins = gr.Radio(list(INSERTIONS), value=16, label=label("privacy.insertions"),
                       info=label("privacy.insertions_info"))
        dp = gr.Checkbox(False, label=label("privacy.dp"), info=label("privacy.dp_info"))
        code = gr.Textbox(cn.SECRET, label=label("privacy.code"), info=label("privacy.code_info"),
                          max_length=40)
    rank_btn = gr.Button(label("privacy.rank_btn"), variant="primary")
    rank_md = gr.Markdown()
    with gr.Row():
        hist, curve = gr.Plot(show_label=False), gr.Plot(show_label=False)
    gr.Markdown(label("privacy.mem_h"))
    gr.Markdown(label("privacy.mem_md"))
    with gr.Row():
        first = next(iter(PAIRS.values()))
        train_box = gr.Textbox(first[0], label=label("privacy.train_line"), info=label("privacy.line_info"),
                               max_length=400)
        held_box = gr.Textbox(first[1], label=label("privacy.heldout_line"), info=label("privacy.line_info"),
                              max_length=400)
        pair = gr.Dropdown(list(PAIRS), value=next(iter(PAIRS)), label=label("privacy.pick"),
                           info=label("privacy.pick_info"))
    probe_btn = gr.Button(label("privacy.probe_btn"))
    with gr.Row():
        train_md, held_md = gr.Markdown(), gr.Markdown()
    mem_plot = gr.Plot(show_label=False)
    gr.Markdown(label("privacy.roc_h"))
    gr.Markdown(label("privacy.roc_md"))
    roc_plot, roc_md = gr.Plot(show_label=False), gr.Markdown()
    gr.Markdown(label("privacy.util_h"))
    gr.Markdown(label("privacy.util_md"))
    util_plot = gr.Plot(show_label=False)
    gr.Markdown(label("privacy.real"))

    canary_io = dict(fn=canary_panel, inputs=[ins, dp, code, lang], outputs=[rank_md, hist, curve])
    probe_io = dict(fn=probe_panel, inputs=[train_box, held_box, lang], outputs=[train_md, held_md])
    rank_btn.click(**canary_io, api_name="privacy_canary", concurrency_limit=2)
    code.submit(**canary_io, api_name="privacy_canary_submit", concurrency_limit=2)
    probe_btn.click(**probe_io, api_name="privacy_probe", concurrency_limit=2)
    pair.change(pick_pair, [pair, lang], [train_box, held_box], api_name="privacy_pick").then(
        **probe_io, api_name="privacy_probe_picked")
    # Filled on first view: the tab's own select event (or the page's load, when run alone).
    tab = Context.block if hasattr(Context.block, "select") else Context.root_block
    opened = tab.select if hasattr(tab, "select") and tab is not Context.root_block else tab.load
    (opened(**canary_io, api_name="privacy_open_canary", concurrency_limit=2)
     .then(**probe_io, api_name="privacy_open_probe")
     .then(utility_figure, lang, util_plot, api_name="privacy_open_utility")
     .then(memorization_figure, lang, mem_plot, api_name="privacy_open_memorization",
           concurrency_id="privacy_heavy", concurrency_limit=1)
     .then(roc_panel, lang, [roc_plot, roc_md], api_name="privacy_open_roc",
           concurrency_id="privacy_heavy", concurrency_limit=1))


if __name__ == "__main__":
    from lmlab.ui.i18n import I18N

    with gr.Blocks(title="LM Lab: Privacy", analytics_enabled=False) as demo:
        build()
    demo.queue().launch(i18n=I18N())
