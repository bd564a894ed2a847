"""Generate tab: tokens stream out one at a time, each with the candidates it beat.

Lesson: lessons/07_generation.en.md.  Code: ``lmlab.generate``.  Run alone:
``python -m lmlab.ui.generate``.
"""

from __future__ import annotations

import time

import gradio as gr
import numpy as np
import plotly.graph_objects as go

from lmlab.generate import SamplingConfig, candidates, generate_stream
from lmlab.ui import common, server

MAX_NEW_TOKENS = 400  # cap per request, stated on screen
TIME_LIMIT_S = 60.0  # a request stops generating after this long (a big hub model, a busy day)
TOP_SHOWN = 12  # candidates drawn per step
T_MAX, T_STEP = 2.0, 0.05  # the temperature slider
TEMPERATURES = np.round(np.arange(0, T_MAX + T_STEP / 2, T_STEP), 2)  # its positions
MODELS = {  # picker label -> lmlab.ui.common.gpt name
    "Shakespeare GPT (shipped, 2.2M parameters)": "shakespeare",
    "Shakespeare GPT, int8 weights (the shipped model quantized)": "shakespeare-int8",
    "Shakespeare GPT, distilled (2 layers, 0.7M parameters)": "shakespeare-distilled",
}


# ----------------------------------------------------------------------------- figures


def candidates_figure(step: dict, temperature: float | None = None):
    """Bars of the top candidates at one step: chosen in orange, cut by top-k/top-p in grey.

    With ``temperature``, the bars are the same logits re-scaled by that temperature.
    """
    cands = step["candidates"]
    probs, t = cands.probs(step["temperature"] if temperature is None else temperature)
    labels = [common.token_html(s) for s in step["strings"]]  # plotly reads some HTML: escaped
    colors = ["#f28e2b" if i == step["token_id"] else "#4e79a7" if kept else "#bab0ac"
              for i, kept in zip(cands.ids, step["kept"], strict=True)]
    fig = go.Figure(go.Bar(x=probs, y=labels, orientation="h", marker_color=colors,
                           hovertemplate="%{y}: p = %{x:.4f}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(title="probability", range=[0, 1])
    title = f"step {step['index'] + 1}: candidates at temperature {t:g}"
    return common.style(fig.update_layout(title=title), height=360)


def entropy_figure(steps: list[dict]):
    """Entropy of the next-token distribution at each step (nats)."""
    fig = go.Figure(go.Scatter(y=[s["entropy"] for s in steps], mode="lines+markers",
                               text=[common.token_html(s["token"]) for s in steps],
                               hovertemplate="step %{x}: %{y:.2f} nats, chose %{text}"
                                             "<extra></extra>"))
    fig.update_xaxes(title="step")
    fig.update_yaxes(title="entropy (nats)", rangemode="tozero")
    return common.style(fig.update_layout(title="How unsure the model was"), height=260)


def text_html(prompt: str, steps: list[dict]) -> str:
    """The prompt, then each new token shaded by its probability (all text escaped)."""
    spans = [f'<span style="opacity:0.65">{common.escape(prompt)}</span>']
    for s in steps:
        alpha = 0.15 + 0.6 * (1 - s["prob"])  # unlikely picks stand out
        spans.append(f'<span title="p={s["prob"]:.3f}" style="background:rgba(242,142,43,'
                     f'{alpha:.2f});border-radius:3px">{common.escape(s["token"])}</span>')
    return ('<div style="white-space:pre-wrap;font-family:monospace;line-height:1.6">'
            + "".join(spans) + "</div>")


# ----------------------------------------------------------------------------- handlers


def _settings(temperature, top_k, top_p, max_new, seed) -> tuple:
    """Validate the controls; returns (SamplingConfig, max_new, seed)."""
    temperature = common.number(temperature, "Temperature", 0, 100)  # NaN, inf: a sentence
    top_k = common.number(top_k or 0, "Top-k", 0, 10**6, whole=True)
    top_p = common.number(1 if top_p is None else top_p, "Top-p", 0, 1)
    try:
        cfg = SamplingConfig(temperature, top_k or None, top_p if top_p < 1 else None)
    except (TypeError, ValueError) as exc:
        raise gr.Error(str(exc)[:1].upper() + str(exc)[1:] + ".") from None
    max_new = common.number(max_new, "Max new tokens", 1, MAX_NEW_TOKENS, whole=True)
    try:
        seed = None if seed is None or seed == "" else common.number(seed, "", 0, 2**62, True)
    except gr.Error:
        raise gr.Error("The seed must be a whole number from 0 up.") from None
    return cfg, max_new, seed


def run(prompt, model_choice, hub_id, temperature, top_k, top_p, max_new, seed):
    """Stream tokens: yields (text HTML, candidates plot, entropy plot, stats, steps state)."""
    prompt = common.clean_input(prompt, "prompt")
    cfg, max_new, seed = _settings(temperature, top_k, top_p, max_new, seed)
    name = common.hub_model_name(hub_id) or MODELS.get(model_choice, "shakespeare")
    model, tok = common.gpt(name), common.tokenizer(name)
    ids = tok.encode(prompt)
    notes = [f"Model: {model.num_parameters():,} parameters, {model.config.n_layer} layers."]
    if len(ids) > model.config.block_size:
        ids = ids[-model.config.block_size:]
        notes.append(f"The prompt was cut to its last {model.config.block_size} tokens "
                     "(the model's context).")
    steps, t0 = [], time.perf_counter()
    stream = generate_stream(model, ids, max_new, cfg.temperature, cfg.top_k, cfg.top_p, seed)
    for i, step in enumerate(stream):  # per step: a few numbers, not the vocabulary's logits
        cands = candidates(step.logits, TOP_SHOWN, TEMPERATURES)
        steps.append({"index": i, "token_id": step.token_id, "prob": step.prob,
                      "token": tok.decode([step.token_id]), "entropy": step.entropy,
                      "temperature": cfg.temperature, "candidates": cands,
                      "kept": step.kept[cands.ids].tolist(),
                      "strings": tok.token_strings(cands.ids.tolist())})
        over_time = time.perf_counter() - t0 > TIME_LIMIT_S and i < max_new - 1
        if over_time:
            notes.append(f"Stopped after {TIME_LIMIT_S:.0f} s, the time limit of one request.")
        if i % 4 == 0 or i == max_new - 1 or over_time:
            rate = (i + 1) / (time.perf_counter() - t0)
            stats = f"{i + 1} tokens, {rate:.1f} tokens/s. " + " ".join(notes)
            yield (text_html(prompt, steps), candidates_figure(steps[-1]), entropy_figure(steps),
                   stats, steps, gr.update(maximum=max(len(steps), 2), value=len(steps)))
        if over_time:
            return


def inspect(steps, index, temperature):
    """Re-draw one step's candidates, re-scaled by the temperature slider's current value."""
    if not steps:
        return None
    index = common.number(index or 1, "Inspect step", 1, MAX_NEW_TOKENS, whole=True)
    temperature = common.number(temperature, "Temperature", 0, 100)
    step = steps[min(max(index, 1), len(steps)) - 1]
    return candidates_figure(step, temperature)


# ----------------------------------------------------------------------------- layout


def build() -> None:
    """Lay out the Generate tab inside the current Blocks context."""
    gr.Markdown("Type a prompt; the model writes one token at a time. Each bar chart shows the "
                "candidates for one step: **orange** is the token chosen, **blue** the ones it "
                "could have chosen, **grey** the ones top-k / top-p cut off. "
                f"At most {MAX_NEW_TOKENS} new tokens and {TIME_LIMIT_S:.0f} s per request.")
    steps = gr.State([], time_to_live=common.STATE_TTL_S)
    with gr.Row():
        with gr.Column(scale=2):
            prompt = gr.Textbox("ROMEO.\n", label="Prompt", lines=3, max_length=common.MAX_CHARS)
            model = gr.Dropdown(list(MODELS), value=next(iter(MODELS)), label="Model")
            hub_id = gr.Textbox(label="Or a GPT-2-family hub id, online only (e.g. distilgpt2)",
                                max_length=100, placeholder="leave empty for the shipped model",
                                visible=common.hub_enabled())  # LMLAB_HUB=1 only
            with gr.Row():
                go_btn = gr.Button("Generate", variant="primary")
                stop_btn = gr.Button("Stop")
        with gr.Column(scale=1):
            temperature = gr.Slider(0, T_MAX, value=0.8, step=T_STEP,
                                    label="Temperature (0 = greedy)")
            top_k = gr.Slider(0, 200, value=40, step=1, label="Top-k (0 = off)")
            top_p = gr.Slider(0.05, 1, value=1.0, step=0.05, label="Top-p (1 = off)")
            max_new = gr.Slider(1, MAX_NEW_TOKENS, value=120, step=1, label="Max new tokens")
            seed = gr.Number(0, label="Seed (same seed, same text)", precision=0)
    out = gr.HTML(label="Text")
    stats = gr.Markdown()
    with gr.Row():
        bars = gr.Plot(label="Candidates")
        with gr.Column():
            entropy = gr.Plot(label="Entropy per step")
            pick = gr.Slider(1, MAX_NEW_TOKENS, value=1, step=1, label="Inspect step")
    event = go_btn.click(run, [prompt, model, hub_id, temperature, top_k, top_p, max_new, seed],
                         [out, bars, entropy, stats, steps, pick], api_name="generate",
                         concurrency_limit=4, concurrency_id=server.GENERATE)
    stop_btn.click(None, cancels=[event])
    gr.on([pick.release, temperature.change], inspect, [steps, pick, temperature], bars,
          api_name="inspect_step", show_progress="hidden", trigger_mode="always_last")


if __name__ == "__main__":
    with gr.Blocks(title="LM Lab: Generate", analytics_enabled=False) as demo:
        build()
    demo.queue().launch()
