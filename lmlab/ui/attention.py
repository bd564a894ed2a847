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
from lmlab.ui.attention_words import INTRO
from lmlab.ui.attention_words import WORDS as _WORDS
from lmlab.ui.i18n import label, t

MODELS = {  # picker value (its English name) -> key; names: WORDS "attention.m.<key>"
    "Shakespeare GPT (shipped; causal)": "gpt",
    "MiniLM encoder (pretrained; bidirectional)": "minilm",
}
DEFAULT_MODEL = next(iter(MODELS))
MAX_DRAWN = 128  # tokens in the heatmaps: the GPT's whole context
WORDS = _WORDS | {"attention.intro": tuple(s.format(drawn=MAX_DRAWN, bertviz=html.MAX_TOKENS) for s in INTRO)}


def model_label(label: str, lang: str | None = "en") -> str:
    """A picker label in ``lang`` with the layers x heads read from the model's config (never typed in)."""
    key = MODELS[label]
    n_layer, n_head = model_shape(key)
    return t("attention.size", lang, name=t(f"attention.m.{key}", lang), layers=n_layer, heads=n_head)


def model_choices(lang: str | None = "en") -> list[tuple[str, str]]:
    """The picker's (name in ``lang``, value) pairs."""
    return [(model_label(k, lang), k) for k in MODELS]


def model_shape(key: str) -> tuple[int, int]:
    """(layers, heads) of the "gpt" or "minilm" model, from its config file."""
    if key == "gpt":
        f = common.gpt_facts("shakespeare")
        return f["n_layer"], f["n_head"]
    c = json.loads((encoder.model_dir() / "config.json").read_text())
    return c["num_hidden_layers"], c["num_attention_heads"]
DEFAULT_TEXT = "ROMEO. But soft, what light through yonder window breaks? It is the east."
DEFAULT_ARGS = (DEFAULT_TEXT, DEFAULT_MODEL, 0, 0)  # what the tab opens with
STEPS = 9  # heatmaps in the step-by-step view
VIEWS = STEPS + 7  # analyze's outputs: tokens, reading, the steps, heads, two bertviz views, two sliders


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
    text = common.clean_input(text, t("attention.sentence", lang), lang=lang)
    if key == "gpt":
        model, tok = common.gpt(), common.tokenizer()
        all_ids = tok.encode(text)
        n, ids = len(all_ids), torch.tensor([all_ids[:MAX_DRAWN]])
        _, attentions = encoder.gpt_attentions(model, tok, text, MAX_DRAWN)
        tokens = tok.token_display(all_ids[:MAX_DRAWN])  # part of a character: <e5 ba>, not �
        name, context = t("attention.the_gpt", lang), model.config.block_size
    elif key == "minilm":
        ids, n = encoder.encoder_ids(text, MAX_DRAWN)
        tokens, attentions = encoder.encoder_attentions(text, MAX_DRAWN)
        name, context = "MiniLM", encoder.MAX_TOKENS
        if len(tokens) <= 2:
            raise gr.Error(t("attention.no_words", lang))
    else:
        raise ValueError(f"unknown model key {key!r}")
    if len(tokens) < 2:
        raise gr.Error(t("attention.single", lang))
    notes = []
    if n > len(tokens):
        why = t("attention.why_context" if len(tokens) >= context else "attention.why_drawn", lang)
        notes.append(t("attention.cut", lang, n=n, name=name, k=len(tokens), why=why))
    if key == "gpt" and any("\ufffd" in s for s in tok.token_strings(ids[0].tolist())):
        notes.append(t("attention.bytes", lang))
    unseen = common.unseen_note(text, lang)
    notes += [unseen] if unseen else []
    if key == "minilm" and "[UNK]" in tokens:
        notes.append(t("attention.unk", lang))
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


def bertviz_note(reading: Reading, lang: str | None = "en") -> str:
    """What the bertviz views left out ("" when they draw every token)."""
    n = len(reading.tokens)
    head, model = html.MAX_TOKENS, html.model_view_cap(reading.n_layer, reading.n_head)
    if n <= min(head, model):
        return ""
    which = "same" if head == model else "both" if n > max(head, model) else "head" if n > head else "model"
    note = t(f"attention.bv_{which}", lang, n=n, cap=head, head=head, model=model) + t("attention.bv_why", lang)
    return note + (t("attention.bv_reread", lang) if reading.key == "minilm" and n > model else "")


def bertviz_views(reading: Reading) -> tuple[str, str]:
    """Head view and model view iframes (the tokens drawn are model output: ``translate="no"``)."""
    head_cap, model_cap = html.MAX_TOKENS, html.model_view_cap(reading.n_layer, reading.n_head)
    return (_untranslated(html.head_view(*bertviz_input(reading, head_cap))),
            _untranslated(html.model_view(*bertviz_input(reading, model_cap))))


def _untranslated(iframe: str) -> str:
    return f'<div translate="no">{iframe}</div>'


# ----------------------------------------------------------------------------- figures


def step_figures(tr: AttentionTrace, tokens: list[str], causal: bool, lang: str | None = "en") -> list:
    """The nine heatmaps, in the order the formula computes them, titled in ``lang``."""
    lab, hs = plots.token_axis(tokens), tr.q.shape[-1]
    vec = dict(x_title=t("attention.ax_dim", lang), y_title=t("attention.ax_token", lang), height=300)
    qk = dict(x_title=t("attention.ax_key", lang), y_title=t("attention.ax_query", lang))
    mask_title = t("attention.s6_causal" if causal else "attention.s6_none", lang)
    return [
        plots.heatmap(tr.q, lab, None, f"1. Q = X W_Q  ({len(lab)} x {hs})", **vec),
        plots.heatmap(tr.k, lab, None, "2. K = X W_K", **vec),
        plots.heatmap(tr.v, lab, None, "3. V = X W_V", **vec),
        plots.heatmap(tr.scores, lab, lab, t("attention.s4", lang), **qk),
        plots.heatmap(tr.scaled, lab, lab, t("attention.s5", lang, hs=hs), **qk),
        plots.heatmap(tr.masked, lab, lab, mask_title, **qk),
        plots.heatmap(tr.weights, lab, lab, t("attention.s7", lang), diverging=False, zmin=0, zmax=1, **qk),
        plots.heatmap(tr.head_output, lab, None, t("attention.s8", lang), **vec),
        plots.heatmap(tr.output, lab, None, t("attention.s9", lang, n=tr.n_head), **vec),
    ]


def describe(d, lang: str | None = "en") -> str:
    """``lmlab.attention.HeadDescription`` in words."""
    if len(d.shares) == 1 and d.mean_distance == 0:
        return t("attention.one", lang)
    target = t(f"attention.{d.best}", lang)
    if d.pattern is None:
        return t("attention.spread", lang, d=d.mean_distance, target=target, share=d.share)
    return t("attention.mostly", lang, target=target, share=d.share)


def heads_figure(reading: Reading, layer: int, lang: str | None = "en"):
    """Every head of one layer, titled (in ``lang``) with what each mostly looks at."""
    weights = reading.attentions[layer][0]  # (H, T, T)
    titles, ids = [], reading.ids[0].tolist()
    for h in range(reading.n_head):
        d = describe_head(weights[h], ids)  # ids: byte tokens that print alike may differ
        key = "attention.grid_head" if d.pattern else "attention.grid_spread"
        titles.append(t(key, lang, h=h, pattern=t(f"attention.p.{d.best}", lang), share=d.share))
    return plots.heatmap_grid(list(weights), titles, plots.token_axis(reading.tokens),
                              t("attention.grid_title", lang, layer=layer, n=reading.n_head),
                              x_title=t("attention.ax_key", lang), y_title=t("attention.ax_query", lang))


def reading_markdown(reading: Reading, tr: AttentionTrace, layer: int, lang="en") -> str:
    """The plain-language reading of the chosen head, with the numbers behind it."""
    d = describe_head(tr.weights, reading.ids[0].tolist())
    shares = " · ".join(f"{t(f'attention.p.{name}', lang)} {v:.0%}" for name, v in d.shares.items())
    return t("attention.reading", lang, layer=layer, head=tr.head, what=common.escape(describe(d, lang)),
             shares=shares, d=d.mean_distance)


def tokens_html(reading: Reading, notes: list[str], lang: str | None = "en") -> str:
    """The tokens as chips (escaped, ``translate="no"``: the model's cut of the text), then the notes."""
    chips = "".join(f'<span style="display:inline-block;margin:2px;padding:1px 5px;border:1px '
                    f'solid #8886;border-radius:4px;font-family:monospace">'
                    f'{common.token_html(tok)}</span>' for tok in reading.tokens)
    notes_html = "".join(f"<li>{common.escape(n)}</li>" for n in notes)
    count = t("attention.n_tokens", lang, n=len(reading.tokens))
    return (f'<div><b>{count}</b> <span translate="no">{chips}</span></div>'
            + (f"<ul style='margin:6px 0'>{notes_html}</ul>" if notes else ""))


# ----------------------------------------------------------------------------- handlers


def _key(model_name: str, lang="en") -> str:
    if model_name not in MODELS:
        raise gr.Error(t("attention.unknown", lang, name=repr(model_name), names=", ".join(MODELS)))
    return MODELS[model_name]


def _pick(value, n: int, what: str, clamp: bool = False, lang="en") -> int:
    """``value`` as an index in 0..n-1: clamped into range, or a gr.Error when outside."""
    try:
        i = int(value)
    except (TypeError, ValueError, OverflowError):
        raise gr.Error(t("attention.not_whole", lang, what=t(f"attention.w.{what}", lang))) from None
    if clamp:
        return min(max(i, 0), n - 1)
    if not 0 <= i < n:
        raise gr.Error(t("attention.outside", lang, what=t(f"attention.w.{what}", lang), hi=n - 1))
    return i


def _one_head(reading: Reading, layer: int, head: int, lang="en") -> tuple:
    tr = trace(reading, layer, head)
    return (reading_markdown(reading, tr, layer, lang),
            *step_figures(tr, reading.tokens, reading.key == "gpt", lang), heads_figure(reading, layer, lang))


def inspect(text, model_name, layer, head, lang="en"):
    """One head's steps, the layer's heads and the reading (no bertviz: it stays as it is)."""
    reading = read(text, _key(model_name, lang), lang)
    layer = _pick(layer, reading.n_layer, "layer", lang=lang)
    return _one_head(reading, layer, _pick(head, reading.n_head, "head", lang=lang), lang)


def analyze(text, model_name, layer, head, lang="en"):
    """Everything: tokens and notes, the inspected head, both bertviz views, picker ranges.

    Layer and head are clamped into the model's range (switching from MiniLM's 12 heads to the
    GPT's 4 keeps working).
    """
    reading = read(text, _key(model_name, lang), lang)
    layer = _pick(layer, reading.n_layer, "layer", clamp=True, lang=lang)
    head = _pick(head, reading.n_head, "head", clamp=True, lang=lang)
    note = bertviz_note(reading, lang)
    notes = reading.notes + ([note] if note else [])
    return (tokens_html(reading, notes, lang), *_one_head(reading, layer, head, lang), *bertviz_views(reading),
            gr.update(maximum=reading.n_layer - 1, value=layer), gr.update(maximum=reading.n_head - 1, value=head))


# ----------------------------------------------------------------------------- layout


def default_view(lang: str | None = "en") -> tuple:
    """The default sentence's views in ``lang``: computed on first view, then shared read-only."""
    return _default_view("zh" if lang == "zh" else "en")


@load_once(maxsize=2)
def _default_view(lang: str) -> tuple:
    return analyze(*DEFAULT_ARGS, lang)


def reword(shown, lang="en") -> tuple:
    """After the language changed: the picker's names in ``lang``, and the views shown, drawn
    again from their inputs (``shown``, kept in a gr.State; the default's from the cache)."""
    if shown is None:  # not viewed yet
        return gr.update(choices=model_choices(lang)), *[gr.skip()] * VIEWS
    views = default_view(lang) if tuple(shown) == DEFAULT_ARGS else analyze(*shown, lang)
    return gr.update(choices=model_choices(lang)), *views


def build(lang=None, followers: list | None = None) -> None:
    """Lay out the Attention tab inside the current Blocks context (the default sentence's
    views are computed on first view, not here); ``followers`` (the shell's) gets the handler
    that re-words it when the language changes."""
    lang = gr.State("en") if lang is None else lang
    html.serve_vendor()
    n_layer, n_head = model_shape(MODELS[DEFAULT_MODEL])
    gr.Markdown(label("attention.intro"))
    with gr.Row():
        text = gr.Textbox(DEFAULT_TEXT, label=label("attention.text"), lines=2, max_length=common.MAX_CHARS, scale=3)
        with gr.Column(scale=2):
            model = gr.Dropdown(model_choices("en"), value=DEFAULT_MODEL, label=label("attention.model"))
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
    shown = gr.State(None, time_to_live=common.STATE_TTL_S)  # the (text, model, layer, head) on screen
    common.on_first_view(lambda lg: (*default_view(lg), DEFAULT_ARGS), [*everything, shown],
                         api_name="attention_default", inputs=[lang])
    event = gr.on([go_btn.click, text.submit, model.change], analyze, inputs, everything,
                  api_name="attention", trigger_mode="always_last", concurrency_limit=2)
    common.mark_stale(event, stale, lang)
    one = gr.on([layer.release, head.release, layer.input, head.input], inspect, inputs, [reading, *steps, heads],
                api_name="attention_head", trigger_mode="always_last", show_progress="minimal")
    common.mark_stale(one, stale, lang)
    for i, ran in enumerate((event, one)):
        ran.success(lambda *args: list(args), inputs[:4], shown, api_name=f"attention_shown_{i}",
                    api_visibility="private", queue=False, show_progress="hidden")
    if followers is not None:  # in the app: after page load and after the switch
        from lmlab.ui.shell import Follower

        followers.append(Follower(reword, [shown, lang], [model, *everything], "attention_reword"))


if __name__ == "__main__":
    with gr.Blocks(title="LM Lab: Attention", analytics_enabled=False) as demo:
        build()
    demo.queue().launch()
