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

WORDS = {
    "inside.intro": ("Look inside the shipped GPT (4 blocks x 4 heads): every number comes from its own "
                     "forward pass (`lmlab.lens`).", "看看内置 GPT（4 个块 × 4 个头）的内部：每个数字都来自它自己的"
                     "前向计算（`lmlab.lens`）。"),
    "inside.row_emb": ("embeddings", "嵌入"),
    "inside.row_block": ("after block {i}", "块 {i} 之后"),
    "inside.row_layer": ("layer {i}", "第 {i} 层"),
    "inside.row_head": ("head {i}", "头 {i}"),
    "inside.lens": ("### Logit lens: what the model would predict if it stopped after each block",
                    "### 对数几率透镜（logit lens）：如果模型在每个块之后就停下，它会预测什么"),
    "inside.prompt": ("Prompt", "提示词"),
    "inside.prompt_info": ("Up to 128 tokens (the model's context); the table shows the last 16 positions.",
                           "最多 128 个词元（模型的上下文）；表格显示最后 16 个位置。"),
    "inside.go": ("Look inside", "查看内部"),
    "inside.lens_title": ("Top next token after each block (colour: its probability; hover: top 5)",
                          "每个块之后概率最高的下一个词元（颜色为概率；悬停显示前 5 个）"),
    "inside.cut": ("The prompt is {n} tokens; the table shows the last {shown}.", 
                          "提示词有 {n} 个词元；表格显示最后 {shown} 个。"),
    "inside.context": (" The model reads only the last {ctx} (its context).", "模型只读最后 {ctx} 个（它的上下文）。"),
    "inside.patch": ("### Activation patching: paste the clean run into the corrupted one, one cell at a time",
                     "### 激活修补：把干净运行的残差流逐格粘贴进被破坏的运行"),
    "inside.preset": ("Preset", "预设"),
    "inside.preset_info": ("Pairs that differ in one name and work on the shipped GPT.", 
                          "只差一个名字、在内置 GPT 上有效的提示词对。"),
    "inside.clean": ("Clean prompt", "干净提示词"),
    "inside.corrupt": ("Corrupted prompt", "被破坏的提示词"),
    "inside.pair_info": ("Both must be the same number of tokens.", "两者的词元数必须相同。"),
    "inside.answer": ("Answer (clean)", "答案（干净）"),
    "inside.wrong": ("Wrong answer (corrupted)", "错误答案（被破坏）"),
    "inside.answer_info": ("One token; a leading space is added if the word has none.", 
                          "一个词元；若没有前导空格会自动加上。"),
    "inside.patch_go": ("Patch", "修补"),
    "inside.patch_title": ("Share of logit[answer] − logit[wrong] restored (1 = all of it)",
                           "恢复的 logit[答案] − logit[错误] 的比例（1 表示全部恢复）"),
    "inside.lengths": ("The clean prompt is {a} tokens and the corrupted one {b}; patching needs the same "
                       "number. Change a word so both have the same count (e.g. swap one name for another).",
                       "干净提示词有 {a} 个词元，被破坏的有 {b} 个；修补要求词元数相同。请换一个词使两者相同"
                       "（例如把一个名字换成另一个）。"),
    "inside.same": ("The two prompts are the same tokens: change one word of the corrupted prompt.",
                    "两个提示词的词元完全相同：请修改被破坏提示词中的一个词。"),
    "inside.multi": ("{word!r} is {n} tokens; the patching map compares single tokens: try {hint!r}.",
                     "{word!r} 是 {n} 个词元；修补图只比较单个词元：试试 {hint!r}。"),
    "inside.too_long": ("The prompts are {n} tokens; patching reads at most {limit} (it runs the model "
                        "{rows} times at once). Please shorten them.",
                        "提示词有 {n} 个词元；修补最多读 {limit} 个（它一次要运行模型 {rows} 次）。请缩短。"),
    "inside.patch_md": ("logit[{a}] − logit[{w}]: clean **{clean:.2f}**, corrupted **{corrupt:.2f}**. "
                        "The prompts first differ at position {first}. The biggest share before the last "
                        "position: **{best:.0%}** at {where}; at the last position after block {block}: "
                        "**{last:.0%}**.", "logit[{a}] − logit[{w}]：干净 **{clean:.2f}**，被破坏 "
                        "**{corrupt:.2f}**。两个提示词从位置 {first} 开始不同。最后一个位置之前最大的比例："
                        "**{best:.0%}**，在 {where}；块 {block} 之后最后一个位置：**{last:.0%}**。"),
    "inside.small": (" The two prompts change the difference by only {d:.2f}: the shares are ratios of small "
                     "numbers, so read them loosely.", " 两个提示词只让差值变化了 {d:.2f}：比例是小数之比，"
                     "请宽松地理解。"),
    "inside.induction": ("### Induction heads: a random sequence, repeated", "### 归纳头：重复一遍的随机序列"),
    "inside.ind_md": ("Score = attention from a token in the second copy to the token after its first "
                      "occurrence (Olsson et al. 2022). Even attention would score {base:.3f}; the best head "
                      "here is layer {l}, head {h}: **{best:.3f}**. Loss on the first copy {first:.2f} nats, on "
                      "the second {second:.2f}: {verdict}",
                      "得分 = 第二遍中的词元对它第一次出现时后面那个词元的注意力（Olsson 等，2022）。均匀注意力"
                      "的得分是 {base:.3f}；这里最好的头是第 {l} 层第 {h} 个头：**{best:.3f}**。第一遍的损失 "
                      "{first:.2f} 奈特，第二遍 {second:.2f}：{verdict}"),
    "inside.ind_yes": ("the model predicts the repeat better, the mark of induction heads.",
                       "模型对重复部分预测得更好，这是归纳头的标志。"),
    "inside.ind_no": ("no better: this small model has no induction heads (none scores above even attention).",
                      "并没有更好：这个小模型没有归纳头（没有一个头高于均匀注意力）。"),
    "inside.ind_title": ("Induction score per head", "每个头的归纳得分"),
    "inside.prev_title": ("Previous-token score per head", "每个头的前一词元得分"),
    "inside.layer": ("Layer", "层"),
    "inside.head": ("Head", "头"),
    "inside.pattern_info": ("The head whose attention on the repeated sequence is drawn.", 
                          "画出该头在重复序列上的注意力。"),
    "inside.pattern_title": ("Layer {l}, head {h} on the repeated sequence: an induction head lights the "
                             "stripe {L} − 1 left of the diagonal", "第 {l} 层第 {h} 个头在重复序列上：归纳头会点亮"
                             "对角线左侧第 {L} − 1 条斜线"),
    "inside.ablate": ("### Head ablation: switch one head off, see what the next token loses",
                      "### 注意力头消融：关掉一个头，看下一个词元的分布损失多少"),
    "inside.mode": ("Ablation", "消融方式"),
    "inside.mode_info": ("zero: the head outputs 0; mean: its output averaged over the prompt's positions.",
                         "zero：该头输出 0；mean：输出替换为它在各位置上的平均。"),
    "inside.ablate_title": ("KL(original ‖ ablated) of the next token after the prompt, nats",
                            "提示词之后下一个词元分布的 KL(原始 ‖ 消融)，单位奈特"),
    "inside.ablate_md": ("Next token after the prompt: {base}. Without layer {l}, head {h} (the biggest loss, "
                         "KL {kl:.3f} nats): {ablated}.", "提示词之后的下一个词元：{base}。去掉第 {l} 层第 {h} 个头"
                         "（损失最大，KL {kl:.3f} 奈特）后：{ablated}。"),
}
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
    ids = common.tokenizer().encode(common.clean_input(text, what))
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
        raise gr.Error(t("common.empty", lang, what="answer"))
    for w in ((word,) if word.startswith(" ") else (" " + word, word)):
        if len(tok.encode(w)) == 1:
            return tok.encode(w)[0]
    hint = _labels(hint_ids)[0] if hint_ids else " France"
    raise gr.Error(t("inside.multi", lang, word=word, n=len(tok.encode(word)), hint=hint))


def patching_view(clean, corrupt, answer, wrong, lang="en"):
    """The patching heatmap and its reading in words."""
    model = common.gpt()
    c, d = _ids(clean, "clean prompt", lang), _ids(corrupt, "corrupted prompt", lang)
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
                        x_title="position", y_title="layer", height=300, fmt=".2f")
    inner = share[:, :-1]
    r, k = divmod(int(inner.abs().argmax()), inner.shape[1]) if inner.numel() else (0, 0)
    where = f"{_rows(model.config.n_layer, lang)[r]}, {cols[k]}"
    block = int((share[1:, -1] >= 0.5).nonzero()[0]) if (share[1:, -1] >= 0.5).any() else L1 - 2
    md = t("inside.patch_md", lang, a=common.token_html(_labels([a])[0]), w=common.token_html(_labels([w])[0]),
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
    ind = plots.heatmap(scores, rows, cols, t("inside.ind_title", lang), diverging=False, zmin=0, zmax=1,
                        x_title="head", y_title="layer", height=260)
    pre = plots.heatmap(prev, rows, cols, t("inside.prev_title", lang), diverging=False, zmin=0, zmax=1,
                        x_title="head", y_title="layer", height=260)
    idx = lens.repeated_tokens(model.config.vocab_size, SEQ_LEN, 1)
    with torch.no_grad():
        att = model(idx, output_attentions=True).attentions[layer][0, head]
    axis = plots.token_axis(_labels(idx[0].tolist()))
    pattern = plots.heatmap(att, axis, axis, t("inside.pattern_title", lang, l=layer, h=head, L=SEQ_LEN),
                            diverging=False, zmin=0, zmax=float(att.max()), height=520)
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
        return ", ".join(f"'{common.token_html(s)}' {p:.1%}" for s, p in
                         zip(_labels(top.indices.tolist()), top.values.tolist(), strict=True))

    fig = plots.heatmap(ab.kl, *_grid_axes(model, lang), t("inside.ablate_title", lang), diverging=False,
                        zmin=0, x_title="head", y_title="layer", height=260)
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
    mode = gr.Radio(["zero", "mean"], value="zero", label=label("inside.mode"), info=label("inside.mode_info"))
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
