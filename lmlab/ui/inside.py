"""Inside tab: what each layer predicts, where an answer lives, which heads copy, what a head does.

Lesson: lessons/12_interpretability.en.md (the logit lens also in lessons/06_gpt.en.md).
Code: ``lmlab.lens`` on the shipped GPT's own forward pass.  Run alone: ``python -m lmlab.ui.inside``.

Four panels: the logit lens (layer x position, top token, probabilities on hover), activation
patching for a clean/corrupted pair, induction-head scores with the attention pattern behind
them, and head ablation.  The tab fills itself the first time it is shown (cached).
"""

from __future__ import annotations

from functools import lru_cache

import gradio as gr
import torch

from lmlab import lens
from lmlab.ui import common, plots
from lmlab.ui.i18n import label, t
from lmlab.ui.inside_words import WORDS  # noqa: F401  (gathered by lmlab.ui.i18n)

PRESETS = {  # name -> (clean, corrupt, answer, wrong)
    "Farewell, Brutus / Henry": ("Farewell, Brutus. Exit Brutus. Enter", "Farewell, Henry. Exit Henry. Enter",
                                 " Brutus", " Henry"),
    "Exit Brutus / Henry": ("Exit Brutus. Enter", "Exit Henry. Enter", " Brutus", " Henry"),
    "King of France / England": ("What says the King of France? The King of",
                                 "What says the King of England? The King of", " France", " England"),
}
DEFAULT_PROMPT = "What says the King of France? The King of"
SHOWN = 16  # positions in the logit-lens table
PATCH_TOKENS = 48  # longest prompts patched ((n_layer + 1) x T rows in one batch)
SEQ_LEN = 30  # the repeated sequence's length (the pattern is 1 + 2 x SEQ_LEN tokens)


def _ids(text: str, what: str, lang: str) -> list[int]:
    ids = common.tokenizer().encode(common.clean_input(text, what, lang=lang))
    if not ids:
        raise gr.Error(t("common.empty", lang, what=what))
    return ids


def _labels(ids: list[int]) -> list[str]:
    from lmlab.ui.tokens import shipped

    return [shipped().token_text(i) for i in ids]


def _rows(n_layer: int, lang: str = "en") -> list[str]:
    return [t("inside.row_emb", lang)] + [t("inside.row_block", lang, i=i) for i in range(n_layer)]


def _grid_axes(model, lang: str) -> tuple[list[str], list[str]]:
    return ([t("inside.row_layer", lang, i=i) for i in range(model.config.n_layer)],
            [t("inside.row_head", lang, i=j) for j in range(model.config.n_head)])


# ----------------------------------------------------------------------------- logit lens


def logit_lens_view(prompt, lang="en"):
    """The logit lens table of the last ``SHOWN`` positions, and a note when it is cut."""
    model = common.gpt()
    ids = _ids(prompt, t("common.prompt", lang), lang)
    n, ids = len(ids), ids[-model.config.block_size:]  # past the context: the last 128 tokens
    note = t("inside.cut", lang, n=n, shown=SHOWN) if n > SHOWN else ""
    if n > len(ids):
        note += t("inside.context", lang, ctx=len(ids))
    probs = lens.logit_lens(model, ids)[:, -SHOWN:].exp()  # (L + 1, T', V)
    top = probs.topk(5, dim=-1)
    labels = _labels(ids)[-SHOWN:]
    word = [[common.token_html(s) for s in _labels(row.tolist())] for row in top.indices[..., 0]]
    hover = [["<br>".join(f"{common.token_html(s)} {p:.1%}" for s, p in
                          zip(_labels(top.indices[r, c].tolist()), top.values[r, c].tolist(), strict=True))
              for c in range(len(labels))] for r in range(probs.shape[0])]
    x = plots.token_axis(labels)
    trace = dict(type="heatmap", z=top.values[..., 0].tolist(), x=x, y=_rows(model.config.n_layer, lang), text=word,
                 customdata=hover, texttemplate="%{text}", colorscale=plots.WEIGHTS, zmin=0, zmax=1,
                 hovertemplate="%{y} · %{x}<br>%{customdata}<extra></extra>", colorbar=dict(thickness=10))
    fig = plots.figure([trace], dict(height=300, title=dict(text=t("inside.lens_title", lang), font_size=13),
                                     yaxis=dict(autorange="reversed", type="category"),
                                     xaxis=dict(type="category", tickangle=-45)))
    return fig, note


# ----------------------------------------------------------------------------- patching


def _one(word: str, hint_ids: list[int], lang: str) -> int:
    tok = common.tokenizer()
    word = (word or "")[:50]
    if not word.strip():
        raise gr.Error(t("common.empty", lang, what=t("inside.answer_what", lang)))
    for w in ((word,) if word.startswith(" ") else (" " + word, word)):
        if len(tok.encode(w)) == 1:
            return tok.encode(w)[0]
    hint = _labels(hint_ids)[0] if hint_ids else " France"
    raise gr.Error(t("inside.multi", lang, word=word, n=len(tok.encode(word)), hint=hint))


def patching_view(clean, corrupt, answer, wrong, lang="en"):
    """The patching heatmap and its reading in words."""
    model = common.gpt()
    c, d = _ids(clean, t("inside.clean_what", lang), lang), _ids(corrupt, t("inside.corrupt_what", lang), lang)
    if len(c) != len(d):
        raise gr.Error(t("inside.lengths", lang, a=len(c), b=len(d)))
    if c == d:
        raise gr.Error(t("inside.same", lang))
    L1 = model.config.n_layer + 1
    if len(c) > PATCH_TOKENS:
        raise gr.Error(t("inside.too_long", lang, n=len(c), limit=PATCH_TOKENS, rows=L1 * len(c)))
    first = next(i for i, (a, b) in enumerate(zip(c, d, strict=True)) if a != b)
    a, w = _one(answer, [c[first]], lang), _one(wrong, [d[first]], lang)
    try:
        p = lens.patching(model, c, d, a, w)
    except lens.LensInputError as exc:
        raise common.user_error(exc) from None
    share = p.share.clone()
    cols = [f"{i}:{common.token_html(x)}" + ("" if x == y else f"/{common.token_html(y)}")
            for i, (x, y) in enumerate(zip(_labels(c), _labels(d), strict=True))]
    fig = plots.heatmap(share, _rows(model.config.n_layer, lang), cols, t("inside.patch_title", lang),
                        x_title=t("inside.position", lang), y_title=t("inside.layer_axis", lang), height=300,
                        fmt=".2f")
    inner = share[:, :-1]
    r, k = divmod(int(inner.abs().argmax()), inner.shape[1]) if inner.numel() else (0, 0)
    where = f"{_rows(model.config.n_layer, lang)[r]}, <span translate=\"no\">{cols[k]}</span>"
    block = int((share[1:, -1] >= 0.5).nonzero()[0]) if (share[1:, -1] >= 0.5).any() else L1 - 2
    md = t("inside.patch_md", lang, a=common.quoted(_labels([a])[0]), w=common.quoted(_labels([w])[0]),
           clean=p.clean_diff, corrupt=p.corrupt_diff, first=first,
           best=float(inner[r, k]) if inner.numel() else 0.0, where=where, block=block,
           last=float(share[block + 1, -1]))
    if abs(p.clean_diff - p.corrupt_diff) < 0.5:
        md += t("inside.small", lang, d=abs(p.clean_diff - p.corrupt_diff))
    return fig, md


def preset(name):
    return PRESETS.get(name, next(iter(PRESETS.values())))


# ----------------------------------------------------------------------------- induction, ablation


@lru_cache(maxsize=1)
def _induction():
    model = common.gpt()
    return (lens.induction_scores(model, SEQ_LEN), lens.previous_token_scores(model, SEQ_LEN),
            lens.copy_losses(model, SEQ_LEN))


def induction_view(layer, head, lang="en"):
    """Both score grids, the reading, and the chosen head's pattern on one repeated sequence."""
    model = common.gpt()
    L, H = model.config.n_layer, model.config.n_head
    layer, head = min(max(int(layer or 0), 0), L - 1), min(max(int(head or 0), 0), H - 1)
    scores, prev, (first, second) = _induction()
    best = int(scores.argmax())
    base = lens.uniform_baseline(SEQ_LEN)
    verdict = t("inside.ind_yes" if second < first - 0.5 else "inside.ind_no", lang)
    md = t("inside.ind_md", lang, base=base, l=best // H, h=best % H, best=float(scores.max()), first=first,
           second=second, verdict=verdict)
    rows, cols = _grid_axes(model, lang)
    axes = dict(x_title=t("inside.head_axis", lang), y_title=t("inside.layer_axis", lang), height=260)
    ind = plots.heatmap(scores, rows, cols, t("inside.ind_title", lang), diverging=False, zmin=0, zmax=1, **axes)
    pre = plots.heatmap(prev, rows, cols, t("inside.prev_title", lang), diverging=False, zmin=0, zmax=1, **axes)
    idx = lens.repeated_tokens(model.config.vocab_size, SEQ_LEN, 1)
    with torch.no_grad():
        att = model(idx, output_attentions=True).attentions[layer][0, head]
    axis = plots.token_axis(_labels(idx[0].tolist()))
    pattern = plots.heatmap(att, axis, axis, t("inside.pattern_title", lang, l=layer, h=head, L=SEQ_LEN),
                            diverging=False, zmin=0, zmax=float(att.max()), height=520,
                            x_title=t("inside.key", lang), y_title=t("inside.query", lang))
    return md, ind, pre, pattern


def ablation_view(prompt, mode, lang="en"):
    """KL of every head's ablation, and the next-token top 5 before and after the worst one."""
    model = common.gpt()
    ids = _ids(prompt, t("common.prompt", lang), lang)[-model.config.block_size:]
    ab = lens.ablate_heads(model, ids, "mean" if mode == "mean" else "zero")
    H = model.config.n_head
    best = int(ab.kl.argmax())

    def top5(logp):
        top = logp.exp().topk(5)
        return ", ".join(f"'{common.quoted(s)}' {p:.1%}" for s, p in
                         zip(_labels(top.indices.tolist()), top.values.tolist(), strict=True))

    fig = plots.heatmap(ab.kl, *_grid_axes(model, lang), t("inside.ablate_title", lang), diverging=False,
                        zmin=0, x_title=t("inside.head_axis", lang), y_title=t("inside.layer_axis", lang), height=260)
    md = t("inside.ablate_md", lang, base=top5(ab.base), l=best // H, h=best % H, kl=float(ab.kl.max()),
           ablated=top5(ab.ablated[best // H, best % H]))
    return fig, md


def first_view(lang="en"):
    """Every panel for the defaults."""
    name = next(iter(PRESETS))
    return (*logit_lens_view(DEFAULT_PROMPT, lang), *patching_view(*PRESETS[name], lang),
            *induction_view(0, 0, lang), *ablation_view(DEFAULT_PROMPT, "zero", lang))


# ----------------------------------------------------------------------------- layout


def build(lang=None) -> None:
    """Lay out the Inside tab inside the current Blocks context (filled on first view)."""
    lang = lang if lang is not None else gr.State("en")
    gr.Markdown(label("inside.intro"))
    gr.Markdown(label("inside.lens"))
    with gr.Row():
        prompt = gr.Textbox(DEFAULT_PROMPT, label=label("inside.prompt"), info=label("inside.prompt_info"),
                            max_length=common.MAX_CHARS, scale=4)
        go = gr.Button(label("inside.go"), variant="primary", scale=1)
    lens_fig, lens_note = gr.Plot(show_label=False), gr.Markdown()
    gr.Markdown(label("inside.patch"))
    name = next(iter(PRESETS))
    choice = gr.Dropdown(list(PRESETS), value=name, label=label("inside.preset"), info=label("inside.preset_info"))
    with gr.Row():
        clean = gr.Textbox(PRESETS[name][0], label=label("inside.clean"), info=label("inside.pair_info"),
                           max_length=500, min_width=280)
        corrupt = gr.Textbox(PRESETS[name][1], label=label("inside.corrupt"), info=label("inside.pair_info"),
                             max_length=500, min_width=280)
    with gr.Row():
        answer = gr.Textbox(PRESETS[name][2], label=label("inside.answer"), info=label("inside.answer_info"))
        wrong = gr.Textbox(PRESETS[name][3], label=label("inside.wrong"), info=label("inside.answer_info"))
        patch_go = gr.Button(label("inside.patch_go"), variant="primary")
    patch_fig, patch_md = gr.Plot(show_label=False), gr.Markdown()
    gr.Markdown(label("inside.induction"))
    ind_md = gr.Markdown()
    with gr.Row():
        ind_fig, prev_fig = gr.Plot(show_label=False), gr.Plot(show_label=False)
    with gr.Row():
        layer = gr.Slider(0, 3, value=0, step=1, label=label("inside.layer"), info=label("inside.pattern_info"))
        head = gr.Slider(0, 3, value=0, step=1, label=label("inside.head"), info=label("inside.pattern_info"))
    pattern = gr.Plot(show_label=False)
    gr.Markdown(label("inside.ablate"))
    mode = gr.Radio([(label(f"inside.mode.{m}"), m) for m in ("zero", "mean")], value="zero",
                    label=label("inside.mode"), info=label("inside.mode_info"))
    abl_fig, abl_md = gr.Plot(show_label=False), gr.Markdown()
    lens_out, patch_out = [lens_fig, lens_note], [patch_fig, patch_md]
    ind_out, abl_out = [ind_md, ind_fig, prev_fig, pattern], [abl_fig, abl_md]
    gr.on([go.click, prompt.submit], logit_lens_view, [prompt, lang], lens_out, api_name="inside_lens",
          trigger_mode="always_last")
    gr.on([go.click, prompt.submit, mode.change], ablation_view, [prompt, mode, lang], abl_out,
          api_name="inside_ablation", trigger_mode="always_last")
    choice.change(preset, choice, [clean, corrupt, answer, wrong], api_name="inside_preset", queue=False)
    gr.on([patch_go.click, clean.submit, corrupt.submit], patching_view, [clean, corrupt, answer, wrong, lang],
          patch_out, api_name="inside_patching", trigger_mode="always_last", concurrency_limit=1)
    gr.on([layer.release, head.release], induction_view, [layer, head, lang], ind_out,
          api_name="inside_induction", trigger_mode="always_last", show_progress="minimal")
    common.on_first_view(first_view, [*lens_out, *patch_out, *ind_out, *abl_out], api_name="inside_first_view",
                         inputs=[lang])


if __name__ == "__main__":
    from lmlab.ui.i18n import I18N

    with gr.Blocks(title="LM Lab: Inside", analytics_enabled=False) as demo:
        build()
    demo.queue().launch(i18n=I18N())
