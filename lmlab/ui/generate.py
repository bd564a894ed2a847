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
from lmlab.generate import SamplingConfig, candidates, generate_stream
from lmlab.ui import common, server
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
WORDS = {
    "generate.intro": (
        "Type a prompt; the model writes one token at a time. In the text, each new token is "
        "shaded by how unlikely it was (**darker = less likely**; hover for its probability p). "
        "Each bar chart shows the candidates for one step: **orange** is the token chosen, "
        "**blue** the ones it could have chosen, **grey** the ones top-k / top-p cut off. "
        "*Entropy* measures how unsure the model was, in **nats** (natural-log units: 0 = "
        "certain, ln 2 ≈ 0.69 = a fair coin, ln 2048 ≈ 7.6 = any token alike). "
        "`·` is a space, `⏎` a line break, `<e5 ba>` the bytes of part of a character.",
        "输入提示词，模型一次写出一个词元。文本中每个新词元的底色表示它有多意外（**越深越不可能**；"
        "鼠标悬停可看概率 p）。每个柱状图是某一步的候选词元：**橙色**是选中的词元，**蓝色**是本可"
        "选的，**灰色**是被 top-k / top-p 截掉的。*熵*表示模型有多不确定，单位是**奈特**（自然对数"
        "单位：0 = 完全确定，ln 2 ≈ 0.69 = 抛硬币，ln 2048 ≈ 7.6 = 每个词元都一样）。`·` 是空格，"
        "`⏎` 是换行，`<e5 ba>` 是某个字符的一部分字节。"),
    "generate.limits": ("At most {n} new tokens and {s:.0f} s per request.",
                        "每次请求最多 {n} 个新词元、{s:.0f} 秒。"),
    "generate.stats": ("{n} tokens, {rate:.1f} tokens/s.", "{n} 个词元，每秒 {rate:.1f} 个。"),
    "generate.model": ("Model: {params:,} parameters, {layers} layers.",
                       "模型：{params:,} 个参数，{layers} 层。"),
    "generate.cut": ("The prompt was cut to its last {n} tokens (the model's context).",
                     "提示词被截为最后 {n} 个词元（模型的上下文长度）。"),
    "generate.time": ("Stopped after {s:.0f} s, the time limit of one request.",
                      "已在 {s:.0f} 秒后停止，这是单次请求的时间上限。"),
    "generate.stopped": ("Stopped by you after {n} tokens.", "你在生成 {n} 个词元后停止了。"),
    "generate.no_hub": ("Type a hub model id (e.g. distilgpt2) or pick a shipped model.",
                        "请输入一个 hub 模型 id（例如 distilgpt2），或选择一个自带的模型。"),
    "generate.bars_title": ("Candidates, step {step}, temperature {t:g}",
                            "候选词元：第 {step} 步，温度 {t:g}"),
    "generate.outside": ("(chosen, outside the top {k})", "（选中，不在前 {k} 名）"),
    "generate.prompt": ("Prompt", "提示词"),
    "generate.model_pick": ("Model", "模型"),
    "generate.hub_id": ("Hub model id (used only when the hub model is picked above; downloaded from the Hugging "
                        "Face hub, so it needs the internet)",
                        "Hub 模型 id（仅在上面选择了 hub 模型时使用；需从 Hugging Face hub 下载，因此要联网）"),
    "generate.hub_eg": ("e.g. distilgpt2", "例如 distilgpt2"),
    "generate.go": ("Generate", "生成"),
    "generate.stop": ("Stop", "停止"),
    "generate.temperature": ("Temperature (0 = greedy)", "温度（0 = 贪心解码）"),
    "generate.temperature_info": ("logits ÷ T before softmax: < 1 sharper, > 1 flatter",
                                  "softmax 之前把 logits 除以 T：小于 1 分布更尖锐，大于 1 更平坦"),
    "generate.top_k": ("Top-k (0 = off)", "Top-k（0 = 关闭）"),
    "generate.top_k_info": ("draw only from the k likeliest tokens", "只从概率最高的 k 个词元中采样"),
    "generate.top_p": ("Top-p (1 = off)", "Top-p（1 = 关闭）"),
    "generate.top_p_info": ("draw from the fewest likeliest tokens whose p adds up to p",
                            "从累计概率达到 p 的最少几个高概率词元中采样"),
    "generate.max_new": ("Max new tokens", "最多新词元数"),
    "generate.seed": ("Seed (same seed, same text)", "随机种子（种子相同，文本相同）"),
    "generate.text": ("Text", "文本"),
    "generate.candidates": ("Candidates", "候选词元"),
    "generate.entropy": ("Entropy per step", "每一步的熵"),
    "generate.inspect": ("Inspect step", "查看第几步"),
    "generate.inspect_info": ("the step whose candidates the bar chart shows", "柱状图显示哪一步的候选词元"),
}
WORDS["generate.header"] = tuple(  # the intro and the limits, filled in once (static text)
    f"{intro} {limits.format(n=MAX_NEW_TOKENS, s=TIME_LIMIT_S)}"
    for intro, limits in zip(WORDS["generate.intro"], WORDS["generate.limits"], strict=True))


def model_label(label: str) -> str:
    """A picker label with the model's size read from its checkpoint (never typed in)."""
    name = MODELS.get(label)
    if name is None:
        return label
    f = common.gpt_facts(name)
    return f"{label}: {f['params'] / 1e6:.1f}M parameters, {f['n_layer']} layers x {f['n_head']} heads"


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
    fig.update_xaxes(title="probability p", range=[0, min(1.0, float(max(probs)) * 1.25) or 1])
    title = t("generate.bars_title", lang, step=step["index"] + 1, t=temp)
    return common.style(fig.update_layout(title=title), height=380)


def entropy_figure(steps: list[dict]):
    """Entropy of the next-token distribution at each step (nats), steps counted from 1."""
    fig = go.Figure(go.Scatter(x=list(range(1, len(steps) + 1)), y=[s["entropy"] for s in steps],
                               mode="lines+markers",
                               text=[common.token_html(s["token"]) for s in steps],
                               hovertemplate="step %{x}: %{y:.2f} nats, chose %{text}"
                                             "<extra></extra>"))
    fig.update_xaxes(title="step", rangemode="tozero")
    fig.update_yaxes(title="entropy (nats)", rangemode="tozero")
    return common.style(fig.update_layout(title="How unsure the model was"), height=260)


def text_html(prompt: str, steps: list[dict]) -> str:
    """The prompt, then each new token shaded by its probability (all text escaped).

    A token that completes a character shows it; one that holds only part of a character shows
    nothing until the character is complete (its bytes are in its tooltip).
    """
    spans = [f'<span style="opacity:0.65">{common.escape(prompt)}</span>']
    for s in steps:
        alpha = 0.15 + 0.6 * (1 - s["prob"])  # unlikely picks stand out
        tip = common.escape(f'p={s["prob"]:.3f} {s["token"]}')
        spans.append(f'<span title="{tip}" style="background:rgba(242,142,43,'
                     f'{alpha:.2f});border-radius:3px">{common.escape(s["text"])}</span>')
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
        raise common.user_error(exc) from None
    max_new = common.number(max_new, "Max new tokens", 1, MAX_NEW_TOKENS, whole=True)
    try:
        seed = None if seed is None or seed == "" else common.number(seed, "", 0, 2**62, True)
    except gr.Error:
        raise gr.Error("The seed must be a whole number from 0 up.") from None
    return cfg, max_new, seed


def _model_name(model_choice, hub_id, lang) -> str:
    """The model the student picked: a shipped one, or the hub id typed when the hub is picked
    (a typed id never overrides the picker)."""
    typed_while_off = bool((hub_id or "").strip()) and not common.hub_enabled()
    if model_choice == HUB_CHOICE or typed_while_off:  # hub_model_name refuses it where hub models are off
        name = common.hub_model_name(hub_id)
        if name is None:
            raise gr.Error(t("generate.no_hub", lang))
        return name
    return MODELS.get(model_choice, "shakespeare")


def run(prompt, model_choice, hub_id, temperature, top_k, top_p, max_new, seed, lang="en"):
    """Stream tokens: yields (text HTML, candidates plot, entropy plot, inspect slider, stats,
    steps state).  While streaming only the text changes (sent at most every ``STREAM_EVERY_S``);
    the figures and the stats are written once, at the end (or by ``stopped`` after Stop)."""
    prompt = common.clean_input(prompt, "prompt")
    cfg, max_new, seed = _settings(temperature, top_k, top_p, max_new, seed)
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
    return (candidates_figure(steps[-1], lang=lang), entropy_figure(steps),
            gr.update(maximum=max(len(steps), 2), value=len(steps)))


def stopped(steps, stats, lang="en") -> tuple:
    """After Stop: the figures of what was generated, and the stats say it was stopped."""
    if not steps:
        return gr.skip(), gr.skip(), gr.skip(), t("generate.stopped", lang, n=0)
    return (*finish(steps, lang), t("generate.stopped", lang, n=len(steps)))


def inspect(steps, index, temperature, lang="en"):
    """Re-draw one step's candidates, re-scaled by the temperature slider's current value."""
    if not steps:
        return None
    index = common.number(index or 1, "Inspect step", 1, MAX_NEW_TOKENS, whole=True)
    temperature = common.number(temperature, "Temperature", 0, 100)
    step = steps[min(max(index, 1), len(steps)) - 1]
    return candidates_figure(step, temperature, lang)


# ----------------------------------------------------------------------------- layout


DEFAULTS = dict(prompt="ROMEO.\n", temperature=0.8, top_k=40, top_p=1.0, max_new=120, seed=0)


@load_once(maxsize=2)
def default_view(lang: str = "en") -> tuple:
    """The default prompt's run, computed on first view and kept: the tab opens filled."""
    d = DEFAULTS
    *_, last = run(d["prompt"], next(iter(MODELS)), "", d["temperature"], d["top_k"], d["top_p"],
                   d["max_new"], d["seed"], lang)
    return last


def build(lang=None) -> None:
    """Lay out the Generate tab inside the current Blocks context (its default run is computed
    on first view, not here)."""
    lang = gr.State("en") if lang is None else lang
    d = DEFAULTS
    gr.Markdown(label("generate.header"))
    steps = gr.State([], time_to_live=common.STATE_TTL_S)
    hub_on = common.hub_enabled()  # LMLAB_HUB=1 only (an online Space)
    choices = [(model_label(k), k) for k in MODELS] + ([(HUB_CHOICE, HUB_CHOICE)] if hub_on else [])
    with gr.Row():
        with gr.Column(scale=2):
            prompt = gr.Textbox(d["prompt"], label=label("generate.prompt"), lines=3, max_length=common.MAX_CHARS)
            model = gr.Dropdown(choices, value=next(iter(MODELS)), label=label("generate.model_pick"))
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
    common.on_first_view(lambda: default_view("en"), outputs, api_name="generate_default")
    event = go_btn.click(run, [prompt, model, hub_id, temperature, top_k, top_p, max_new, seed,
                               lang], outputs, api_name="generate", concurrency_limit=4,
                         concurrency_id=server.GENERATE)
    common.mark_stale(event, stale)
    stop_btn.click(None, cancels=[event]).then(stopped, [steps, stats, lang],
                                               [bars, entropy, pick, stats],
                                               api_name="generate_stopped",
                                               queue=False)  # cheap: answer at once
    gr.on([pick.release, pick.input, temperature.release, temperature.input], inspect,
          [steps, pick, temperature, lang], bars, api_name="inspect_step", show_progress="hidden",
          trigger_mode="always_last")


if __name__ == "__main__":
    with gr.Blocks(title="LM Lab: Generate", analytics_enabled=False) as demo:
        build()
    demo.queue().launch()
