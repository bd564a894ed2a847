"""Generate tab: tokens stream out one at a time, each with the candidates it beat.

Lesson: lessons/07_generation.en.md.  Code: ``lmlab.generate``.  Run alone:
``python -m lmlab.ui.generate``.
"""

from __future__ import annotations

import codecs
import time

import gradio as gr
import numpy as np
import plotly.graph_objects as go

from lmlab.cache import load_once
from lmlab.generate import MIN_TEMPERATURE, SamplingConfig, candidates, generate_stream
from lmlab.hub import is_hub_id
from lmlab.ui import common, server
from lmlab.ui.generate_words import WORDS as _WORDS
from lmlab.ui.i18n import label, t

MAX_NEW_TOKENS = 400  # cap per request, stated on screen
TIME_LIMIT_S = 60.0  # a request stops generating after this long (a big hub model, a busy day)
TOP_SHOWN = 12  # candidates drawn per step (and the chosen token, when it is not among them)
T_MAX, T_STEP = 2.0, 0.05  # the temperature slider
TEMPERATURES = np.round(np.arange(0, T_MAX + T_STEP / 2, T_STEP), 2)  # its positions
# The text is sent at most this often; the figures once, at the end.  Every streamed message
# costs the page a walk over every component that has shown a loading status (gradio 6's
# update_loading_stati_state): after a student has opened every tab, 0.1 s kept a busy 2-core
# machine's page drawing all the time and a Stop click waited behind it (issue #13).
STREAM_EVERY_S = 0.25
MODELS = {  # picker label -> lmlab.models name; the labels' figures are read from each checkpoint
    "Shakespeare GPT (shipped)": "shakespeare",
    "Shakespeare GPT, int8 weights (the shipped model quantized)": "shakespeare-int8",
    "Shakespeare GPT, distilled": "shakespeare-distilled",
}
HUB_CHOICE = "A GPT-2-family model from the Hugging Face hub (type its id below)"
# the labels above are the picker's values; its names, in each language: WORDS "generate.m.<name>"
WORDS = _WORDS | {"generate.header": tuple(  # the intro and the limits, filled in once (static text)
    f"{intro} {limits.format(n=MAX_NEW_TOKENS, s=TIME_LIMIT_S)}"
    for intro, limits in zip(_WORDS["generate.intro"], _WORDS["generate.limits"], strict=True))}


def model_label(label: str, lang: str | None = "en") -> str:
    """A picker label in ``lang`` with the model's size read from its checkpoint (never typed in)."""
    name = MODELS.get(label)
    if name is None:
        return t("generate.m.hub", lang) if label == HUB_CHOICE else label
    f = common.gpt_facts(name)
    return t("generate.size", lang, name=t(f"generate.m.{name}", lang), m=f["params"] / 1e6,
             layers=f["n_layer"], heads=f["n_head"])


def model_choices(lang: str | None = "en") -> list[tuple[str, str]]:
    """The picker's (name in ``lang``, value) pairs; the hub entry only where hub models are on."""
    keys = [*MODELS, *([HUB_CHOICE] if common.hub_enabled() else [])]  # LMLAB_HUB=1 only
    return [(model_label(k, lang), k) for k in keys]


# ----------------------------------------------------------------------------- figures


def candidates_figure(step: dict, temperature: float | None = None, lang: str | None = "en"):
    """Bars of the top candidates at one step: chosen in orange, cut by top-k/top-p in grey;
    the chosen token is always shown (last, when it is outside the top ``TOP_SHOWN``).

    With ``temperature``, the bars are the same logits re-scaled by that temperature.  The axis
    fits the bars (at temperature 2 they are all small) and each bar carries its value.
    """
    cands = step["candidates"]
    probs, temp = cands.probs(step["temperature"] if temperature is None else temperature)
    labels = [f"{common.token_html(s)}" for s in step["strings"]]
    if len(labels) > TOP_SHOWN:  # the chosen token, from outside the top
        labels[-1] = f"{labels[-1]} {t('generate.outside', lang, k=TOP_SHOWN)}"
    colors = ["#f28e2b" if i == step["token_id"] else "#4e79a7" if kept else "#bab0ac"
              for i, kept in zip(cands.ids, step["kept"], strict=True)]
    fig = go.Figure(go.Bar(x=probs, y=labels, orientation="h", marker_color=colors,
                           text=[f"{p:.3f}" if p >= 0.0005 else f"{p:.1e}" for p in probs],
                           textposition="outside", cliponaxis=False,
                           hovertemplate="%{y}: p = %{x:.4f}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(title=t("generate.p_axis", lang), range=[0, min(1.0, float(max(probs)) * 1.25) or 1])
    title = t("generate.bars_title", lang, step=step["index"] + 1, t=temp)
    return common.style(fig.update_layout(title=title), height=380)


def entropy_figure(steps: list[dict], lang: str | None = "en"):
    """Entropy of the next-token distribution at each step (nats), steps counted from 1."""
    fig = go.Figure(go.Scatter(x=list(range(1, len(steps) + 1)), y=[s["entropy"] for s in steps],
                               mode="lines+markers",
                               text=[common.token_html(s["token"]) for s in steps],
                               hovertemplate=t("generate.entropy_hover", lang) + "<extra></extra>"))
    fig.update_xaxes(title=t("generate.step_axis", lang), rangemode="tozero")
    fig.update_yaxes(title=t("generate.entropy_axis", lang), rangemode="tozero")
    return common.style(fig.update_layout(title=t("generate.entropy_title", lang)), height=260)


def text_html(prompt: str, steps: list[dict]) -> str:
    """The prompt, then each new token shaded by its probability (all text escaped).

    A token that completes a character shows it; one that holds only part of a character shows
    nothing until the character is complete (its bytes are in its tooltip).  The text is the
    prompt and model output: marked ``translate="no"`` (never translated).
    """
    spans = [f'<span style="opacity:0.65">{common.escape(prompt)}</span>']
    for s in steps:
        alpha = 0.15 + 0.6 * (1 - s["prob"])  # unlikely picks stand out
        tip = common.escape(f'p={s["prob"]:.3f} {s["token"]}')
        spans.append(f'<span title="{tip}" style="background:rgba(242,142,43,'
                     f'{alpha:.2f});border-radius:3px">{common.escape(s["text"])}</span>')
    return ('<div translate="no" style="white-space:pre-wrap;font-family:monospace;line-height:1.6">'
            + "".join(spans) + "</div>")


# ----------------------------------------------------------------------------- handlers


def _number(value, what: str, lo: float, hi: float, lang, whole: bool = False) -> float | int:
    """``common.number`` for the control named ``what`` (its key in WORDS), worded in ``lang``."""
    return common.number(value, t(what, lang), lo, hi, whole, lang)


def _settings(temperature, top_k, top_p, max_new, seed, lang="en") -> tuple:
    """Validate the controls; returns (SamplingConfig, max_new, seed)."""
    temperature = _number(temperature, "generate.w.temperature", 0, 100, lang)  # NaN, inf: a sentence
    if 0 < temperature < MIN_TEMPERATURE:  # logits / 1e-45 overflow
        raise gr.Error(t("generate.tiny_t", lang, t=temperature, min=MIN_TEMPERATURE))
    top_k = _number(top_k or 0, "generate.w.top_k", 0, 10**6, lang, whole=True)
    top_p = _number(1 if top_p is None else top_p, "generate.w.top_p", 0, 1, lang)
    if top_p == 0:
        raise gr.Error(t("generate.top_p_zero", lang))
    try:
        cfg = SamplingConfig(temperature, top_k or None, top_p if top_p < 1 else None)
    except (TypeError, ValueError) as exc:  # checked above; the core's sentence as a last resort
        raise common.user_error(exc) from None
    max_new = _number(max_new, "generate.w.max_new", 1, MAX_NEW_TOKENS, lang, whole=True)
    try:
        seed = None if seed is None or seed == "" else _number(seed, "generate.w.seed", 0, 2**62, lang, True)
    except gr.Error:
        raise gr.Error(t("generate.bad_seed", lang)) from None
    return cfg, max_new, seed


def _model_name(model_choice, hub_id, lang) -> str:
    """The model the student picked: a shipped one, or the hub id typed when the hub is picked
    (a typed id never overrides the picker)."""
    hub_id = (hub_id or "").strip()
    typed_while_off = bool(hub_id) and not common.hub_enabled()
    if model_choice == HUB_CHOICE or typed_while_off:  # refused below where hub models are off
        if not hub_id:
            raise gr.Error(t("generate.no_hub", lang))
        if not is_hub_id(hub_id):  # no local path, no URL
            raise gr.Error(t("generate.bad_hub_id", lang))
        if not common.hub_enabled():
            raise gr.Error(t("generate.hub_off", lang))
        return f"hub:{hub_id}"
    return MODELS.get(model_choice, "shakespeare")


def run(prompt, model_choice, hub_id, temperature, top_k, top_p, max_new, seed, lang="en"):
    """Stream tokens: yields (text HTML, candidates plot, entropy plot, inspect slider, stats,
    steps state).  While streaming only the text changes (sent at most every ``STREAM_EVERY_S``);
    the figures and the stats are written once, at the end (or by ``stopped`` after Stop)."""
    prompt = common.clean_input(prompt, t("common.prompt", lang), lang=lang)
    cfg, max_new, seed = _settings(temperature, top_k, top_p, max_new, seed, lang)
    name = _model_name(model_choice, hub_id, lang)
    model, tok = common.gpt(name), common.tokenizer(name)
    ids = tok.encode(prompt)
    notes = [t("generate.model", lang, params=model.num_parameters(), layers=model.config.n_layer)]
    unseen = common.unseen_note(prompt, lang)
    notes += [unseen] if unseen else []
    if len(ids) > model.config.block_size:
        ids = ids[-model.config.block_size:]
        notes.append(t("generate.cut", lang, n=model.config.block_size))
    steps, t0, sent = [], time.perf_counter(), 0.0
    chars = codecs.getincrementaldecoder("utf-8")(errors="replace")  # whole characters only
    stream = generate_stream(model, ids, max_new, cfg.temperature, cfg.top_k, cfg.top_p, seed)
    for i, step in enumerate(stream):  # per step: a few numbers, not the vocabulary's logits
        cands = candidates(step.logits, TOP_SHOWN, TEMPERATURES, include=step.token_id)
        steps.append({"index": i, "token_id": step.token_id, "prob": step.prob,
                      "token": tok.token_display([step.token_id])[0],
                      "text": chars.decode(tok.token_bytes(step.token_id)),
                      "entropy": step.entropy, "temperature": cfg.temperature,
                      "candidates": cands, "kept": step.kept[cands.ids].tolist(),
                      "strings": tok.token_display(cands.ids.tolist())})
        now = time.perf_counter()
        over_time = now - t0 > TIME_LIMIT_S and i < max_new - 1
        if over_time:
            notes.append(t("generate.time", lang, s=TIME_LIMIT_S))
        last = i == max_new - 1 or over_time
        if last:
            yield (text_html(prompt, steps), *finish(steps, lang),
                   _stats(steps, now - t0, notes, lang), steps)
            return
        if now - sent >= STREAM_EVERY_S:  # cheap: the text only; the stats and figures are
            sent = now  # written at the end or by Stop (so a late stream cannot overwrite them)
            yield (text_html(prompt, steps), gr.skip(), gr.skip(), gr.skip(), gr.skip(), steps)


def _stats(steps: list[dict], seconds: float, notes: list[str], lang) -> str:
    rate = len(steps) / max(seconds, 1e-9)
    return " ".join([t("generate.stats", lang, n=len(steps), rate=rate), *notes])


def finish(steps, lang="en") -> tuple:
    """The figures of a finished (or stopped) run: candidates of the last step, entropy per
    step, the inspect slider's range."""
    if not steps:
        return gr.skip(), gr.skip(), gr.skip()
    return (candidates_figure(steps[-1], lang=lang), entropy_figure(steps, lang),
            gr.update(maximum=max(len(steps), 2), value=len(steps)))


def stopped(steps, stats, lang="en") -> tuple:
    """After Stop: the figures of what was generated, and the stats say it was stopped."""
    if not steps:
        return gr.skip(), gr.skip(), gr.skip(), t("generate.stopped", lang, n=0)
    return (*finish(steps, lang), t("generate.stopped", lang, n=len(steps)))


def reword(steps, index, temperature, lang="en") -> tuple:
    """After the language changed: the picker's names and the figures of the run shown, in
    ``lang``, re-drawn from ``steps``.  The stats line too when the run shown is the default
    one (its view is cached per language); a student's own stats follow at the next run."""
    picker = gr.update(choices=model_choices(lang))
    if not steps:
        return picker, gr.skip(), gr.skip(), gr.skip()
    default = default_view(lang)
    same = [s["token_id"] for s in default[5]] == [s["token_id"] for s in steps]
    return (picker, inspect(steps, index, temperature, lang), entropy_figure(steps, lang),
            default[4] if same else gr.skip())


def inspect(steps, index, temperature, lang="en"):
    """Re-draw one step's candidates, re-scaled by the temperature slider's current value."""
    if not steps:
        return None
    index = _number(index or 1, "generate.w.inspect", 1, MAX_NEW_TOKENS, lang, whole=True)
    temperature = _number(temperature, "generate.w.temperature", 0, 100, lang)
    step = steps[min(max(index, 1), len(steps)) - 1]
    return candidates_figure(step, temperature, lang)


# ----------------------------------------------------------------------------- layout


DEFAULTS = dict(prompt="ROMEO.\n", temperature=0.8, top_k=40, top_p=1.0, max_new=120, seed=0)


def default_view(lang: str | None = "en") -> tuple:
    """The default prompt's run in ``lang``, computed on first view and kept: the tab opens filled."""
    return _default_view("zh" if lang == "zh" else "en")


@load_once(maxsize=2)
def _default_view(lang: str) -> tuple:
    d = DEFAULTS
    *_, last = run(d["prompt"], next(iter(MODELS)), "", d["temperature"], d["top_k"], d["top_p"],
                   d["max_new"], d["seed"], lang)
    return last


def build(lang=None, followers: list | None = None) -> None:
    """Lay out the Generate tab inside the current Blocks context (its default run is computed
    on first view, not here); ``followers`` (the shell's) gets the handler that re-words it
    when the language changes."""
    lang = gr.State("en") if lang is None else lang
    d = DEFAULTS
    gr.Markdown(label("generate.header"))
    steps = gr.State([], time_to_live=common.STATE_TTL_S)
    hub_on = common.hub_enabled()  # LMLAB_HUB=1 only (an online Space)
    with gr.Row():
        with gr.Column(scale=2):
            prompt = gr.Textbox(d["prompt"], label=label("generate.prompt"), lines=3, max_length=common.MAX_CHARS)
            model = gr.Dropdown(model_choices("en"), value=next(iter(MODELS)), label=label("generate.model_pick"))
            hub_id = gr.Textbox(label=label("generate.hub_id"),
                                max_length=100, placeholder=label("generate.hub_eg"), visible=hub_on)
            with gr.Row():
                go_btn = gr.Button(label("generate.go"), variant="primary")
                stop_btn = gr.Button(label("generate.stop"))
        with gr.Column(scale=1):
            temperature = gr.Slider(0, T_MAX, value=d["temperature"], step=T_STEP,
                                    label=label("generate.temperature"),
                                    info=label("generate.temperature_info"))
            top_k = gr.Slider(0, 200, value=d["top_k"], step=1, label=label("generate.top_k"),
                              info=label("generate.top_k_info"))
            top_p = gr.Slider(0.05, 1, value=d["top_p"], step=0.05, label=label("generate.top_p"),
                              info=label("generate.top_p_info"))
            max_new = gr.Slider(1, MAX_NEW_TOKENS, value=d["max_new"], step=1,
                                label=label("generate.max_new"))
            seed = gr.Number(d["seed"], label=label("generate.seed"), precision=0)
    stale = gr.Markdown(visible=False)
    out = gr.HTML(label=label("generate.text"))
    stats = gr.Markdown()
    with gr.Row():
        bars = gr.Plot(label=label("generate.candidates"))
        with gr.Column():
            entropy = gr.Plot(label=label("generate.entropy"))
            pick = gr.Slider(1, MAX_NEW_TOKENS, value=1, step=1, label=label("generate.inspect"),
                             info=label("generate.inspect_info"))
    outputs = [out, bars, entropy, pick, stats, steps]
    common.on_first_view(default_view, outputs, api_name="generate_default", inputs=[lang])
    event = go_btn.click(run, [prompt, model, hub_id, temperature, top_k, top_p, max_new, seed,
                               lang], outputs, api_name="generate", concurrency_limit=4,
                         concurrency_id=server.GENERATE)
    common.mark_stale(event, stale, lang)
    stop_btn.click(None, cancels=[event]).then(stopped, [steps, stats, lang],
                                               [bars, entropy, pick, stats],
                                               api_name="generate_stopped",
                                               queue=False)  # cheap: answer at once
    gr.on([pick.release, pick.input, temperature.release, temperature.input], inspect,
          [steps, pick, temperature, lang], bars, api_name="inspect_step", show_progress="hidden",
          trigger_mode="always_last")
    if followers is not None:  # in the app: after page load and after the switch
        from lmlab.ui.shell import Follower

        followers.append(Follower(reword, [steps, pick, temperature, lang], [model, bars, entropy, stats],
                                  "generate_reword"))


if __name__ == "__main__":
    with gr.Blocks(title="LM Lab: Generate", analytics_enabled=False) as demo:
        build()
    demo.queue().launch()
