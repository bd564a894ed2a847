"""Explain tab: which tokens made the prediction, by SHAP, gradients and attention, side by side.

Lesson: lessons/11_compression.en.md.  Code: ``lmlab.explain.shap_values``, ``lmlab.explain.classifier``.  Run alone:
``python -m lmlab.ui.explain``.
"""

from __future__ import annotations

from functools import lru_cache

import gradio as gr
import numpy as np
import plotly.graph_objects as go

from lmlab.cache import load_once
from lmlab.explain.shap_values import MAX_EVALS, Explanation, explain_classifier, explain_gpt
from lmlab.ui import common, server
from lmlab.ui.html import document, iframe
from lmlab.ui.i18n import label, t
from lmlab.ui.shap_plot import text_plot_html

MAX_TEXT_CHARS = common.MAX_CHARS  # longer texts are refused; shorter ones cut to the model's tokens
# SHAP model evaluations a request may ask for (the slider's range): 2,000 took 51 s on the
# classroom's CPU, 200 about 2-3 s; past the cap one student's click held a core for a minute
EVALS_RANGE = (20, 200)
MODELS = {"Genre classifier (MiniLM, fine-tuned)": "classifier",
          "Shakespeare GPT (next token)": "gpt"}
PREDICTED = "the predicted genre"
EXAMPLE = ("Once more unto the breach, dear friends, once more,\n"  # Henry V: a held-out play
           "Or close the wall up with our English dead.\n"
           "In peace there's nothing so becomes a man\nAs modest stillness and humility;")
POSITIVE, NEGATIVE = "#ff0051", "#008bfb"  # shap's own red and blue
WORDS = {
    "explain.intro": (
        "Which words made the model say that? **SHAP** hides groups of tokens, runs the model on each masked copy and "
        "shares the change out, token by token (**red** pushes the output up, **blue** down). Beside it, two cheaper "
        "views of the same tokens: **gradient × input** and **attention** (last layer, mean over heads), and how well "
        "each agrees with SHAP. With few model evaluations SHAP stops splitting early: the tokens of a group it did "
        "not split share the group's value equally; more evaluations give finer detail.",
        "是哪些词让模型这样说的？**SHAP** 遮住若干组词元，让模型读每一份被遮住的副本，再把输出的变化"
        "逐个词元分摊下去（**红色**把输出往上推，**蓝色**往下推）。旁边是同样这些词元的两种更省算力的"
        "视图：**梯度 × 输入**和**注意力**（最后一层，对所有头取平均），以及它们各自与 SHAP 的一致程度。"
        "模型评估次数少时，SHAP 会较早停止细分：没有再拆开的一组词元平分这一组的值；评估次数越多，"
        "细节越精细。"),
    "explain.tab_explain": ("Explain a prediction", "解释一次预测"),
    "explain.tab_heldout": ("Classifier on held-out plays", "分类器在留出剧本上的表现"),
    "explain.text": ("Text", "文本"), "explain.go": ("Explain", "解释"), "explain.model": ("Model", "模型"),
    "explain.genre": ("Explain the probability of", "要解释的概率"),
    "explain.token": ("Next token to explain (empty: the GPT's choice)", "要解释的下一个词元（留空：用 GPT 选的）"),
    "explain.evals": ("SHAP model evaluations (more: finer, slower)", "SHAP 的模型评估次数（越多越精细，也越慢）"),
    "explain.evals_info": (f"At most {EVALS_RANGE[1]} evaluations and {MAX_TEXT_CHARS:,} characters per explanation, "
                           "so one takes a few seconds on this server.",
                           f"每次解释最多 {EVALS_RANGE[1]} 次评估、{MAX_TEXT_CHARS:,} 个字符，"
                           "所以在这台服务器上一次解释只需几秒。"),
    "explain.text_plot": ("shap's text plot", "shap 的文本图"), "explain.bars": ("SHAP values", "SHAP 值"),
    "explain.compare": ("SHAP, gradient × input, attention", "SHAP、梯度 × 输入、注意力"),
    "explain.heldout_intro": ("The genre classifier never saw these six plays in training. Rows are the true genre, "
                              "columns the predicted one.",
                              "体裁分类器在训练时从未见过这六部剧。行是真实体裁，列是预测体裁。"),
    "explain.evaluate": ("Evaluate now", "立即评估"), "explain.confusion": ("Confusion matrix", "混淆矩阵"),
    "explain.cut_gpt": ("The text was {n:,} tokens; only its last {k} (the GPT's context) were "
                        "explained.", "这段文字有 {n:,} 个词元；只解释了最后 {k} 个（GPT 的上下文）。"),
    "explain.cut_classifier": ("The text was {n:,} tokens; only its first {k} were explained "
                               "(the classifier read passages of at most {m}).",
                               "这段文字有 {n:,} 个词元；只解释了前 {k} 个（分类器读的段落最多 "
                               "{m} 个词元）。"),
    "explain.one_token": ("One token: SHAP has a single token to share the output among, so its "
                          "value is exact and the picture is simple. Try a line or two.",
                          "只有一个词元：SHAP 只能把输出全部分给它，所以它的值是精确的，图也很简单。"
                          "试试一两行文字。"),
    "explain.units": (
        "**How to read it.** The **base value** is the model's output with every token hidden; "
        "each token's SHAP value is how much it moves the output from there, and they add up "
        "to the output. For the classifier the output is a probability P(genre) from 0 to 1; "
        "for the GPT it is **log p**, the natural log of the next token's probability (0 = "
        "certain, −2.3 = p of 0.1). **Spearman ρ** compares rankings: +1 = the view ranks the "
        "tokens exactly as |SHAP| does, 0 = no relation, −1 = reversed. Labels are "
        "`position: token`; `·` is a space, `<e5 ba>` the bytes of part of a character.",
        "**怎么读。** **基准值**是所有词元都被遮住时模型的输出；每个词元的 SHAP 值表示它把输出从"
        "基准值推动了多少，全部加起来正好等于输出。分类器的输出是概率 P(体裁)，在 0 到 1 之间；"
        "GPT 的输出是 **log p**，即下一个词元概率的自然对数（0 = 完全确定，−2.3 = 概率 0.1）。"
        "**斯皮尔曼 ρ** 比较排名：+1 = 该视图给词元的排名与 |SHAP| 完全一致，0 = 无关，−1 = "
        "完全相反。标签格式是 `位置: 词元`；`·` 是空格，`<e5 ba>` 是某个字符的一部分字节。"),
}


def classifier():
    """The shipped genre classifier, loaded once and shared read-only."""
    from lmlab.models import load_classifier

    return load_classifier()


@lru_cache(maxsize=1)
def classifier_report() -> dict:
    """The classifier's figures on the held-out plays: computed on first request, then kept."""
    from lmlab.explain.classifier import evaluate_classifier

    return evaluate_classifier(model=classifier())


# ----------------------------------------------------------------------------- figures


def _labels(tokens: list[str]) -> list[str]:
    """Unique, visible, escaped labels: "3: the" (plotly reads a little HTML in labels)."""
    return [common.escape(f"{i}: {common.token_label(t.strip(' ') or t)}")
            for i, t in enumerate(tokens)]


def shap_figure(e: Explanation):
    """Bars of SHAP values, one per token in reading order: red pushes up, blue pushes down."""
    labels = _labels(e.tokens)
    fig = go.Figure(go.Bar(x=e.values, y=labels, orientation="h",
                           marker_color=[POSITIVE if v > 0 else NEGATIVE for v in e.values],
                           hovertemplate="%{y}: %{x:.4f}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(title=f"SHAP value (change in {common.escape(e.target_label())})")
    return common.style(fig.update_layout(title="SHAP value per token"),
                        height=max(300, 18 * len(labels) + 80))


def comparison_figure(e: Explanation):
    """SHAP, gradient x input and attention for the same tokens, each scaled to its largest."""
    rows = {"SHAP": e.values, "gradient × input": e.grad_x_input, "attention": e.attention}
    z = [np.asarray(v, float) / (np.abs(v).max() or 1.0) for v in rows.values()]
    fig = go.Figure(go.Heatmap(z=z, x=_labels(e.tokens), y=list(rows), zmid=0, zmin=-1, zmax=1,
                               colorscale=[[0, NEGATIVE], [0.5, "#ffffff"], [1, POSITIVE]],
                               customdata=np.array(list(rows.values())),
                               hovertemplate="%{y}, %{x}: %{customdata:.4g}<extra></extra>"))
    fig.update_xaxes(type="category", tickangle=-60)
    fig.update_yaxes(autorange="reversed")  # SHAP on top
    return common.style(fig.update_layout(title="Three explanations, same tokens "
                                                "(each row scaled to its largest value)"),
                        height=330)


def status_markdown(e: Explanation, notes: list[str]) -> str:
    """The additivity check, the rank agreement, timing and any notes, in plain words."""
    total = e.base_value + sum(e.values)
    ok = "holds ✓" if e.additivity_error < 1e-3 else "fails ✗"
    rho = {k: "undefined (too few tokens)" if v is None else f"{v:+.2f}"
           for k, v in e.spearman.items()}
    lines = [f"**Explained:** {common.escape(e.target_label())} = **{e.output:.4f}** "
             f"({e.model}, {len(e.tokens)} tokens)",
             f"**Additivity {ok}:** base value {e.base_value:.4f} + sum of SHAP values "
             f"{sum(e.values):+.4f} = {total:.4f}; output {e.output:.4f} "
             f"(difference {e.additivity_error:.1e})",
             f"**Rank agreement with |SHAP| (Spearman):** attention {rho['attention']}, "
             f"gradient × input {rho['grad_x_input']}",
             f"SHAP took {e.seconds:.2f} s for at most {e.max_evals} model evaluations."]
    return "\n\n".join(lines + [f"⚠️ {common.escape(n)}" for n in notes]
                       + [t("explain.units", "en")])


def confusion_figure(report: dict):
    """Confusion matrix of the held-out passages: rows true genre, columns predicted."""
    cm, labels = np.array(report["confusion_matrix"]), report["labels"]
    fig = go.Figure(go.Heatmap(z=cm, x=labels, y=labels, colorscale="Blues", text=cm,
                               texttemplate="%{text}", showscale=False,
                               hovertemplate="true %{y}, predicted %{x}: %{z}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", title="true genre")
    fig.update_xaxes(title="predicted genre", side="top")
    return common.style(fig.update_layout(title=""), height=360)


def report_markdown(r: dict) -> str:
    f1 = ", ".join(f"{g} {v:.3f}" for g, v in zip(r["labels"], r["per_class_f1"], strict=False))
    return (f"**{r['n_passages']} passages** of {r['n_lines']} lines from the six held-out "
            f"plays ({', '.join(r['plays'])}), the same number from each play.\n\n"
            "| measure | value |\n|---|---|\n"  # one row per measure: reads at 390 px too
            f"| accuracy | {r['accuracy']:.3f} |\n"
            f"| macro precision | {r['macro_precision']:.3f} |\n"
            f"| macro recall | {r['macro_recall']:.3f} |\n"
            f"| macro-F1 | {r['macro_f1']:.3f} |\n"
            f"| always the most common genre | {r['majority_accuracy']:.3f} |\n\n"
            f"F1 per genre: {f1}. \"Macro\": the mean over the genres, each counting alike. "
            f"Computed in {r['seconds']:.0f} s.")


# ----------------------------------------------------------------------------- handlers


@lru_cache(maxsize=64)
def explanation(model: str, text: str, target: str | None, max_evals: int) -> Explanation:
    """SHAP and friends for one input, kept: a class explains the same lines again and again.

    The explanation is deterministic (shap's Partition explainer on fixed masks), so a repeat
    is answered from here; results are shared read-only, like the models.
    """
    if model == "classifier":
        return explain_classifier(classifier(), text, target, max_evals)
    return explain_gpt(common.gpt(), common.tokenizer(), text, target, max_evals)


def _check(text: str | None, model: str, lang="en") -> tuple[str, list[str]]:
    """Validate the text; returns it and notes for the reader (both models were trained on
    English Shakespeare: the caveat applies to each)."""
    text = common.clean_input(text, "text", max_chars=MAX_TEXT_CHARS)
    unseen = common.unseen_note(text, lang)
    return text, [unseen] if unseen else []


def _notes(e: Explanation, lang="en") -> list[str]:
    """What the reader should know about this explanation (counted in tokens, not words:
    Chinese has no spaces)."""
    notes = []
    if e.cut and e.model == "gpt":
        notes.append(t("explain.cut_gpt", lang, n=e.n_tokens_in, k=len(e.tokens)))
    elif e.cut:
        notes.append(t("explain.cut_classifier", lang, n=e.n_tokens_in, k=len(e.tokens),
                       m=len(e.tokens) + 2))
    if len(e.tokens) == 1:
        notes.append(t("explain.one_token", lang))
    return notes


def run(text, model_name, genre, token, max_evals, lang="en", progress=gr.Progress()):
    """Explain: returns (text plot iframe, SHAP bars, comparison heatmap, status markdown)."""
    model = MODELS.get(model_name, "classifier")
    text, notes = _check(text, model, lang)
    max_evals = common.number(max_evals, "Model evaluations", *EVALS_RANGE, whole=True)

    target = (None if genre in (None, "", PREDICTED) else genre) if model == "classifier" \
        else (token or None)
    progress(0, desc="SHAP: the model reads masked copies of the text")
    try:
        e = explanation(model, text, target, int(max_evals))
    except ValueError as exc:
        raise common.user_error(exc) from None
    notes = _notes(e, lang) + notes
    plot = iframe(document(text_plot_html(e), "shap text plot"), 240, "shap text plot")
    return (plot, shap_figure(e), comparison_figure(e),
            status_markdown(e, notes))


def switch_model(model_name):
    """Show the genre picker for the classifier, the token box for the GPT; its default budget."""
    model = MODELS.get(model_name, "classifier")
    return (gr.update(visible=model == "classifier"), gr.update(visible=model == "gpt"),
            gr.update(value=MAX_EVALS[model]))


def evaluate(progress=gr.Progress()):
    """The classifier's confusion matrix and metrics on the held-out plays."""
    progress(0, desc="classifying 600 held-out passages (about a minute the first time)")
    r = classifier_report()
    return confusion_figure(r), report_markdown(r)


@load_once(maxsize=1)
def default_view() -> tuple:
    """The default passage explained, computed on first view (which also compiles shap's
    helpers and loads the classifier) and shared read-only afterwards."""
    return run(EXAMPLE, next(iter(MODELS)), PREDICTED, "", MAX_EVALS["classifier"],
               progress=lambda *a, **k: None)


@load_once(maxsize=1)
def default_report() -> tuple:
    """The held-out sub-tab's figures, computed when it is first opened."""
    return evaluate(progress=lambda *a, **k: None)


# ----------------------------------------------------------------------------- layout


def build(lang=None) -> None:
    """Lay out the Explain tab inside the current Blocks context (nothing computed here: the
    default explanation on first view, the held-out figures when that sub-tab is opened)."""
    from lmlab.explain.classifier import LABELS

    lang = gr.State("en") if lang is None else lang

    gr.Markdown(label("explain.intro"))
    with gr.Tab(label("explain.tab_explain")):
        with gr.Row():
            with gr.Column(scale=2):
                text = gr.Textbox(EXAMPLE, label=label("explain.text"), lines=5, max_length=MAX_TEXT_CHARS)
                go_btn = gr.Button(label("explain.go"), variant="primary")
            with gr.Column(scale=1):
                model = gr.Radio(list(MODELS), value=next(iter(MODELS)), label=label("explain.model"))
                genre = gr.Dropdown([PREDICTED, *LABELS], value=PREDICTED,
                                    label=label("explain.genre"))
                token = gr.Textbox("", label=label("explain.token"),
                                   visible=False, max_length=40)
                max_evals = gr.Slider(*EVALS_RANGE, value=MAX_EVALS["classifier"], step=10,
                                      label=label("explain.evals"), info=label("explain.evals_info"))
        stale = gr.Markdown(visible=False)
        status = gr.Markdown()
        with gr.Row():
            plot_html = gr.HTML(label=label("explain.text_plot"))
            bars = gr.Plot(label=label("explain.bars"))
        compare = gr.Plot(label=label("explain.compare"))
        model.change(switch_model, model, [genre, token, max_evals],
                     api_name="explain_switch_model",
                     show_progress="hidden")
        outputs = [plot_html, bars, compare, status]
        common.on_first_view(default_view, outputs, api_name="explain_default")
        event = gr.on([go_btn.click, text.submit], run, [text, model, genre, token, max_evals,
                                                         lang],
                      outputs, api_name="explain",
                      concurrency_id=server.HEAVY, concurrency_limit=server.HEAVY_LIMIT)
        common.mark_stale(event, stale)
    with gr.Tab(label("explain.tab_heldout")):
        gr.Markdown(label("explain.heldout_intro"))
        eval_btn = gr.Button(label("explain.evaluate"), variant="primary")
        with gr.Row():
            cm = gr.Plot(label=label("explain.confusion"))
            metrics = gr.Markdown()
        eval_btn.click(evaluate, None, [cm, metrics], api_name="classifier_report",
                       concurrency_id=server.HEAVY, concurrency_limit=server.HEAVY_LIMIT)
        common.on_first_view(default_report, [cm, metrics], api_name="classifier_report_default")


if __name__ == "__main__":
    with gr.Blocks(title="LM Lab: Explain", analytics_enabled=False) as demo:
        build()
    demo.queue().launch()
