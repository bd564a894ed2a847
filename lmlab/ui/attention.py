"""Attention tab: one sentence through every step of attention, in two real models.

Lesson: lessons/05_attention.en.md.  Code: ``lmlab.attention`` (the math and the trace), ``lmlab.encoder``
(MiniLM), ``lmlab.ui.html`` (bertviz offline).  Run alone: ``python -m lmlab.ui.attention``.

Pick a model, a layer and a head.  The nine heatmaps are the nine steps of

    head = softmax(Q Kᵀ / √d_k + mask) V,   output = Concat(head_1, ..., head_h) W^O

computed by ``lmlab.attention.trace_head`` on the model's own weights and its own hidden state,
so the weights drawn are the weights the model used.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import gradio as gr
import torch

from lmlab import encoder
from lmlab.attention import AttentionTrace, describe_head, trace_gpt
from lmlab.cache import load_once
from lmlab.ui import common, html, plots
from lmlab.ui.i18n import label, t

MODELS = {  # picker label -> key; the layers x heads in each label are read from its config
    "Shakespeare GPT (shipped; causal)": "gpt",
    "MiniLM encoder (pretrained; bidirectional)": "minilm",
}
DEFAULT_MODEL = next(iter(MODELS))
MAX_DRAWN = 128  # tokens in the heatmaps: the GPT's whole context
WORDS = {
    "attention.intro": (
        "Type a sentence and pick a model, a layer and a head. Each heatmap is one step of **softmax(QKᵀ/√d_k + mask) "
        f"V**, computed on the model's own weights; hover for the numbers. Heatmaps draw up to {MAX_DRAWN} tokens; "
        f"bertviz's head view at most {html.MAX_TOKENS}, its model view fewer for big models (it draws every head at "
        "once). Axis labels are `position:token`; `·` is a space, `⏎` a line break, `<e5 ba>` the bytes of part of a "
        "character. Q, K, V: queries, keys, values; d_k: the head size.",
        "输入一个句子，选择模型、层和注意力头。每张热力图是 **softmax(QKᵀ/√d_k + mask) V** 的一步，"
        f"用模型自己的权重计算；把鼠标悬停在图上可看数值。热力图最多画 {MAX_DRAWN} 个词元；bertviz 的"
        f"头视图最多 {html.MAX_TOKENS} 个，大模型的模型视图更少（它一次画出所有注意力头）。坐标轴标签"
        "格式是 `位置:词元`；`·` 是空格，`⏎` 是换行，`<e5 ba>` 是某个字符的一部分字节。Q、K、V："
        "查询、键、值；d_k：每个头的维度。"),
    "attention.text": ("Sentence", "句子"), "attention.model": ("Model", "模型"),
    "attention.layer": ("Layer", "层"), "attention.layer_info": ("0 = the first block", "0 = 第一个块"),
    "attention.head": ("Head", "注意力头"), "attention.head_info": ("one of the layer's heads", "该层的某一个头"),
    "attention.steps": ("### Step by step, one head", "### 一步一步看：一个注意力头"),
    "attention.heads": ("### Every head of the layer", "### 这一层的所有注意力头"),
    "attention.head_view": ("### bertviz: head view (lines = attention; click a token or a head's colour)",
                            "### bertviz：头视图（连线 = 注意力；点击词元或某个头的颜色）"),
    "attention.model_view": ("### bertviz: model view (every layer and head at once; click one to enlarge)",
                             "### bertviz：模型视图（一次显示所有层和头；点击其中一个放大）"),
    "attention.previous": ("the previous token", "前一个词元"), "attention.self": ("the token itself", "词元自己"),
    "attention.next": ("the next token", "后一个词元"), "attention.first": ("the first token", "第一个词元"),
    "attention.show": ("Show attention", "显示注意力"), "attention.last": ("the last token", "最后一个词元"),
    "attention.same": ("other occurrences of the same token", "同一个词元的其他出现"),
    "attention.mostly": ("Mostly looks at {target} ({share:.0%} of its attention).",
                         "主要看{target}（占注意力的 {share:.0%}）。"),
    "attention.spread": ("Spreads its attention (on average {d:.1f} tokens away); its strongest "
                         "pattern, {target}, gets only {share:.0%}.",
                         "注意力分散（平均相距 {d:.1f} 个词元）；最强的模式“{target}”也只占 "
                         "{share:.0%}。"),
    "attention.one": ("Only one token: it can only look at itself.", "只有一个词元：它只能看自己。"),
    "attention.bytes": ("Some GPT tokens hold only part of a character (an emoji, a Chinese one): "
                        "they show as their bytes, like <e5 ba>, and are compared by id.",
                        "有些 GPT 词元只是一个字符（表情符号、汉字）的一部分：它们显示为字节，"
                        "例如 <e5 ba>，比较时用 id。"),
}


def model_label(label: str) -> str:
    """A picker label with the layers x heads read from the model's config (never typed in)."""
    n_layer, n_head = model_shape(MODELS[label])
    return f"{label}: {n_layer} layers x {n_head} heads"


def model_shape(key: str) -> tuple[int, int]:
    """(layers, heads) of the "gpt" or "minilm" model, from its config file."""
    if key == "gpt":
        f = common.gpt_facts("shakespeare")
        return f["n_layer"], f["n_head"]
    c = json.loads((encoder.model_dir() / "config.json").read_text())
    return c["num_hidden_layers"], c["num_attention_heads"]
DEFAULT_TEXT = "ROMEO. But soft, what light through yonder window breaks? It is the east."
STEPS = 9  # heatmaps in the step-by-step view


@dataclass
class Reading:
    """One sentence read by one model: its tokens and every layer's attention weights."""

    key: str  # "gpt" or "minilm"
    text: str  # the cleaned input
    tokens: list[str]  # T token strings, as the model cut the text
    ids: torch.Tensor  # (1, T) token ids
    attentions: list[torch.Tensor]  # per layer (1, H, T, T)
    notes: list[str] = field(default_factory=list)  # truncation and other things to say

    @property
    def n_layer(self) -> int:
        return len(self.attentions)

    @property
    def n_head(self) -> int:
        return self.attentions[0].shape[1]


# ----------------------------------------------------------------------------- reading


def read(text: str, key: str, lang: str | None = "en") -> Reading:
    """Tokenize and run the chosen model; gr.Error if nothing is left to attend over."""
    text = common.clean_input(text, "sentence")
    if key == "gpt":
        model, tok = common.gpt(), common.tokenizer()
        all_ids = tok.encode(text)
        n, ids = len(all_ids), torch.tensor([all_ids[:MAX_DRAWN]])
        _, attentions = encoder.gpt_attentions(model, tok, text, MAX_DRAWN)
        tokens = tok.token_display(all_ids[:MAX_DRAWN])  # part of a character: <e5 ba>, not �
        name, context = "the GPT", model.config.block_size
    elif key == "minilm":
        ids, n = encoder.encoder_ids(text, MAX_DRAWN)
        tokens, attentions = encoder.encoder_attentions(text, MAX_DRAWN)
        name, context = "MiniLM", encoder.MAX_TOKENS
        if len(tokens) <= 2:
            raise gr.Error("MiniLM found no words in this text (only [CLS] and [SEP]). Please type a sentence.")
    else:
        raise ValueError(f"unknown model key {key!r}")
    if len(tokens) < 2:
        raise gr.Error("This text is a single token: attention has nothing to choose between. "
                       "Please type at least two words.")
    notes = []
    if n > len(tokens):
        why = "its context" if len(tokens) >= context else "what these heatmaps draw"
        notes.append(f"The text has {n} tokens; {name} read only the first {len(tokens)} ({why}).")
    if key == "gpt" and any("\ufffd" in s for s in tok.token_strings(ids[0].tolist())):
        notes.append(t("attention.bytes", lang))
    unseen = common.unseen_note(text, lang)
    notes += [unseen] if unseen else []
    if key == "minilm" and "[UNK]" in tokens:
        notes.append("MiniLM's vocabulary has no token for some characters (e.g. emoji): "
                     "they became [UNK].")
    return Reading(key, text, tokens, ids, attentions, notes)


def trace(reading: Reading, layer: int, head: int) -> AttentionTrace:
    """Every step of one head, from the model's own weights and hidden state."""
    if reading.key == "gpt":
        return trace_gpt(common.gpt(), reading.ids, layer, head)
    return encoder.trace_encoder(reading.ids, layer, head)


def bertviz_input(reading: Reading, cap: int) -> tuple[list, list[str]]:
    """The attentions and token labels of the first ``cap`` tokens, for a bertviz view."""
    if len(reading.tokens) <= cap:
        attentions, tokens = reading.attentions, reading.tokens
    elif reading.key == "gpt":  # causal: the first tokens' attention ignores later tokens
        attentions, tokens = [a[..., :cap, :cap] for a in reading.attentions], reading.tokens[:cap]
    else:  # bidirectional: every token sees every other, so MiniLM re-reads the shorter text
        tokens, attentions = encoder.encoder_attentions(reading.text, cap)
    return attentions, [common.token_label(t) for t in tokens]


def bertviz_views(reading: Reading) -> tuple[str, str, str]:
    """Head view and model view iframes, and a note when either drew fewer tokens."""
    T = len(reading.tokens)
    head_cap, model_cap = html.MAX_TOKENS, html.model_view_cap(reading.n_layer, reading.n_head)
    if head_cap == model_cap and T > head_cap:
        note = f"bertviz draws only the first {head_cap} of the {T} tokens"
    else:
        cuts = [f"the {name} only the first {cap}" for name, cap in
                (("head view", head_cap), ("model view", model_cap)) if T > cap]
        note = (f"Of the {T} tokens, bertviz draws in " + " and in ".join(cuts)) if cuts else ""
    note += " (each attention is an SVG line; more would freeze the browser)." if note else ""
    if reading.key == "minilm" and T > model_cap:
        note += " MiniLM re-read the shorter text for those views."
    return (html.head_view(*bertviz_input(reading, head_cap)),
            html.model_view(*bertviz_input(reading, model_cap)), note)


# ----------------------------------------------------------------------------- figures


def step_figures(t: AttentionTrace, tokens: list[str], causal: bool) -> list:
    """The nine heatmaps, in the order the formula computes them."""
    lab, hs = plots.token_axis(tokens), t.q.shape[-1]
    vec = dict(x_title="dimension", y_title="token", height=300)
    mask_title = ("6. + causal mask: no looking ahead (blank = −∞)" if causal
                  else "6. no mask: an encoder sees both ways")
    return [
        plots.heatmap(t.q, lab, None, f"1. Q = X W_Q  ({len(lab)} x {hs})", **vec),
        plots.heatmap(t.k, lab, None, "2. K = X W_K", **vec),
        plots.heatmap(t.v, lab, None, "3. V = X W_V", **vec),
        plots.heatmap(t.scores, lab, lab, "4. Q Kᵀ: raw scores"),
        plots.heatmap(t.scaled, lab, lab, f"5. ÷ √d_k = √{hs}: scaled"),
        plots.heatmap(t.masked, lab, lab, mask_title),
        plots.heatmap(t.weights, lab, lab, "7. softmax: weights (rows sum to 1)", diverging=False, zmin=0, zmax=1),
        plots.heatmap(t.head_output, lab, None, "8. weights V: this head's output", **vec),
        plots.heatmap(t.output, lab, None, f"9. Concat(all {t.n_head} heads) W_O + b_O", **vec),
    ]


def describe(d, lang: str | None = "en") -> str:
    """``lmlab.attention.HeadDescription`` in words."""
    if len(d.shares) == 1 and d.mean_distance == 0:
        return t("attention.one", lang)
    target = t(f"attention.{d.best}", lang)
    if d.pattern is None:
        return t("attention.spread", lang, d=d.mean_distance, target=target, share=d.share)
    return t("attention.mostly", lang, target=target, share=d.share)


def heads_figure(reading: Reading, layer: int):
    """Every head of one layer, titled with what each mostly looks at."""
    weights = reading.attentions[layer][0]  # (H, T, T)
    titles, ids = [], reading.ids[0].tolist()
    for h in range(reading.n_head):
        d = describe_head(weights[h], ids)  # ids: byte tokens that print alike may differ
        best = d.pattern or f"spread (best: {d.best}"
        titles.append(f"head {h}: {best} {d.share:.0%}" + ("" if d.pattern else ")"))
    return plots.heatmap_grid(list(weights), titles, plots.token_axis(reading.tokens),
                              f"Layer {layer}: the weights of all {reading.n_head} heads")


def reading_markdown(reading: Reading, tr: AttentionTrace, layer: int, lang="en") -> str:
    """The plain-language reading of the chosen head, with the numbers behind it."""
    d = describe_head(tr.weights, reading.ids[0].tolist())
    shares = " · ".join(f"{name} {v:.0%}" for name, v in d.shares.items())
    return (f"**Layer {layer}, head {tr.head}.** {common.escape(describe(d, lang))}\n\n"
            f"Share of attention by pattern: {shares}. Average distance looked back or ahead: "
            f"{d.mean_distance:.1f} tokens. (Computed from the weights by "
            "`lmlab.attention.describe_head`.)")


def tokens_html(reading: Reading, notes: list[str]) -> str:
    """The tokens as chips (escaped), then the notes."""
    chips = "".join(f'<span style="display:inline-block;margin:2px;padding:1px 5px;border:1px '
                    f'solid #8886;border-radius:4px;font-family:monospace">'
                    f'{common.token_html(t)}</span>' for t in reading.tokens)
    notes_html = "".join(f"<li>{common.escape(n)}</li>" for n in notes)
    return (f"<div><b>{len(reading.tokens)} tokens:</b> {chips}</div>"
            + (f"<ul style='margin:6px 0'>{notes_html}</ul>" if notes else ""))


# ----------------------------------------------------------------------------- handlers


def _key(model_name: str) -> str:
    if model_name not in MODELS:
        raise gr.Error(f"Unknown model {model_name!r}; choose one of: {', '.join(MODELS)}.")
    return MODELS[model_name]


def _pick(value, n: int, what: str, clamp: bool = False) -> int:
    """``value`` as an index in 0..n-1: clamped into range, or a gr.Error when outside."""
    try:
        i = int(value)
    except (TypeError, ValueError, OverflowError):
        raise gr.Error(f"The {what} must be a whole number.") from None
    if clamp:
        return min(max(i, 0), n - 1)
    if not 0 <= i < n:
        raise gr.Error(f"The {what} must be between 0 and {n - 1} for this model.")
    return i


def _one_head(reading: Reading, layer: int, head: int, lang="en") -> tuple:
    tr = trace(reading, layer, head)
    return (reading_markdown(reading, tr, layer, lang),
            *step_figures(tr, reading.tokens, reading.key == "gpt"), heads_figure(reading, layer))


def inspect(text, model_name, layer, head, lang="en"):
    """One head's steps, the layer's heads and the reading (no bertviz: it stays as it is)."""
    reading = read(text, _key(model_name), lang)
    layer = _pick(layer, reading.n_layer, "layer")
    return _one_head(reading, layer, _pick(head, reading.n_head, "head"), lang)


def analyze(text, model_name, layer, head, lang="en"):
    """Everything: tokens and notes, the inspected head, both bertviz views, picker ranges.

    Layer and head are clamped into the model's range (switching from MiniLM's 12 heads to the
    GPT's 4 keeps working).
    """
    reading = read(text, _key(model_name), lang)
    layer = _pick(layer, reading.n_layer, "layer", clamp=True)
    head = _pick(head, reading.n_head, "head", clamp=True)
    head_view, model_view, note = bertviz_views(reading)
    notes = reading.notes + ([note] if note else [])
    return (tokens_html(reading, notes), *_one_head(reading, layer, head, lang), head_view, model_view,
            gr.update(maximum=reading.n_layer - 1, value=layer), gr.update(maximum=reading.n_head - 1, value=head))


# ----------------------------------------------------------------------------- layout


@load_once(maxsize=2)
def default_view(lang: str = "en") -> tuple:
    """The default sentence's views: computed on first view, then shared read-only."""
    return analyze(DEFAULT_TEXT, DEFAULT_MODEL, 0, 0, lang)


def build(lang=None) -> None:
    """Lay out the Attention tab inside the current Blocks context (the default sentence's
    views are computed on first view, not here)."""
    lang = gr.State("en") if lang is None else lang
    html.serve_vendor()
    n_layer, n_head = model_shape(MODELS[DEFAULT_MODEL])
    gr.Markdown(label("attention.intro"))
    with gr.Row():
        text = gr.Textbox(DEFAULT_TEXT, label=label("attention.text"), lines=2, max_length=common.MAX_CHARS, scale=3)
        with gr.Column(scale=2):
            model = gr.Dropdown([(model_label(k), k) for k in MODELS], value=DEFAULT_MODEL,
                                label=label("attention.model"))
            with gr.Row():
                layer = gr.Slider(0, n_layer - 1, value=0, step=1, label=label("attention.layer"),
                                  info=label("attention.layer_info"))
                head = gr.Slider(0, n_head - 1, value=0, step=1, label=label("attention.head"),
                                 info=label("attention.head_info"))
            go_btn = gr.Button(label("attention.show"), variant="primary")
    stale, tokens, reading = gr.Markdown(visible=False), gr.HTML(), gr.Markdown()  # created in this order
    gr.Markdown(label("attention.steps"))
    steps = []
    for _ in range(STEPS // 3):
        with gr.Row():
            steps += [gr.Plot(show_label=False) for _ in range(3)]
    gr.Markdown(label("attention.heads"))
    heads = gr.Plot(show_label=False)
    gr.Markdown(label("attention.head_view"))
    head_view = gr.HTML()
    gr.Markdown(label("attention.model_view"))
    model_view = gr.HTML()
    inputs = [text, model, layer, head, lang]
    everything = [tokens, reading, *steps, heads, head_view, model_view, layer, head]
    common.on_first_view(lambda: default_view("en"), everything, api_name="attention_default")
    event = gr.on([go_btn.click, text.submit, model.change], analyze, inputs, everything,
                  api_name="attention", trigger_mode="always_last", concurrency_limit=2)
    common.mark_stale(event, stale)
    one = gr.on([layer.release, head.release, layer.input, head.input], inspect, inputs, [reading, *steps, heads],
                api_name="attention_head", trigger_mode="always_last", show_progress="minimal")
    common.mark_stale(one, stale)


if __name__ == "__main__":
    with gr.Blocks(title="LM Lab: Attention", analytics_enabled=False) as demo:
        build()
    demo.queue().launch()
