"""Explain tab: which tokens made the prediction, by SHAP, gradients and attention, side by side.

Lesson: lessons/12_interpretability.en.md.  Code: ``lmlab.explain.shap_values``,
``lmlab.explain.classifier``.  Words: ``lmlab.ui.explain_words``.  Run alone: ``python -m lmlab.ui.explain``.
"""

from __future__ import annotations

from functools import lru_cache

import gradio as gr
import numpy as np
import plotly.graph_objects as go

from lmlab.cache import load_once
from lmlab.explain.shap_values import MAX_EVALS, Explanation, explain_classifier, explain_gpt
from lmlab.ui import common, server
from lmlab.ui.explain_words import EVALS_MAX, WORDS  # noqa: F401  (WORDS: gathered by lmlab.ui.i18n)
from lmlab.ui.html import document, iframe
from lmlab.ui.i18n import label, lang_code, t
from lmlab.ui.shap_plot import genre_name, target_text, text_plot_html

MAX_TEXT_CHARS = common.MAX_CHARS  # longer texts are refused; shorter ones cut to the model's tokens
# SHAP model evaluations a request may ask for (the slider's range): 2,000 took 51 s on the
# classroom's CPU, 200 about 2-3 s; past the cap one student's click held a core for a minute
EVALS_RANGE = (20, EVALS_MAX)
MODELS = {"Genre classifier (MiniLM, fine-tuned)": "classifier",  # English names the API accepts
          "Shakespeare GPT (next token)": "gpt"}
PREDICTED = "the predicted genre"
EXAMPLE = ("Once more unto the breach, dear friends, once more,\n"  # Henry V: a held-out play
           "Or close the wall up with our English dead.\n"
           "In peace there's nothing so becomes a man\nAs modest stillness and humility;")
POSITIVE, NEGATIVE = "#ff0051", "#008bfb"  # shap's own red and blue


def classifier():
    """The shipped genre classifier, loaded once and shared read-only."""
    from lmlab.models import load_classifier

    return load_classifier()


@lru_cache(maxsize=1)
def classifier_report() -> dict:
    """The classifier's figures on the held-out plays: computed on first request, then kept."""
    from lmlab.explain.classifier import evaluate_classifier

    return evaluate_classifier(model=classifier())


# ----------------------------------------------------------------------------- words


def kind(model_name) -> str:
    """"classifier" or "gpt": the radio's value, or one of the English names the API took."""
    return model_name if model_name in MODELS.values() else MODELS.get(model_name, "classifier")


# ----------------------------------------------------------------------------- figures


def _labels(tokens: list[str]) -> list[str]:
    """Unique, visible, escaped labels: "3: the" (plotly reads a little HTML in labels)."""
    return [common.escape(f"{i}: {common.token_label(t.strip(' ') or t)}")
            for i, t in enumerate(tokens)]


def shap_figure(e: Explanation, lang: str = "en"):
    """Bars of SHAP values, one per token in reading order: red pushes up, blue pushes down."""
    labels = _labels(e.tokens)
    fig = go.Figure(go.Bar(x=e.values, y=labels, orientation="h",
                           marker_color=[POSITIVE if v > 0 else NEGATIVE for v in e.values],
                           hovertemplate="%{y}: %{x:.4f}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(title=t("explain.bars_x", lang, target=common.escape(target_text(e, lang))))
    return common.style(fig.update_layout(title=t("explain.bars_title", lang)),
                        height=max(300, 18 * len(labels) + 80))


def comparison_figure(e: Explanation, lang: str = "en"):
    """SHAP, gradient x input and attention for the same tokens, each scaled to its largest."""
    rows = {"SHAP": e.values, t("explain.row_grad", lang): e.grad_x_input,
            t("explain.row_attention", lang): e.attention}
    z = [np.asarray(v, float) / (np.abs(v).max() or 1.0) for v in rows.values()]
    fig = go.Figure(go.Heatmap(z=z, x=_labels(e.tokens), y=list(rows), zmid=0, zmin=-1, zmax=1,
                               colorscale=[[0, NEGATIVE], [0.5, "#ffffff"], [1, POSITIVE]],
                               customdata=np.array(list(rows.values())),
                               hovertemplate="%{y}, %{x}: %{customdata:.4g}<extra></extra>"))
    fig.update_xaxes(type="category", tickangle=-60)
    fig.update_yaxes(autorange="reversed")  # SHAP on top
    return common.style(fig.update_layout(title=t("explain.compare_title", lang)), height=330)


def status_markdown(e: Explanation, notes: list[str], lang: str = "en") -> str:
    """The additivity check, the rank agreement, timing and any notes, in plain words."""
    total = e.base_value + sum(e.values)
    ok = t("explain.holds" if e.additivity_error < 1e-3 else "explain.fails", lang)
    rho = {k: t("explain.undefined", lang) if v is None else f"{v:+.2f}"
           for k, v in e.spearman.items()}
    model = t("explain.kind.classifier", lang) if e.model == "classifier" else "GPT"
    lines = [t("explain.explained", lang, target=target_text(e, lang, html=True), output=e.output,
               model=model, n=len(e.tokens)),
             t("explain.additivity", lang, ok=ok, base=e.base_value, sum=sum(e.values), total=total,
               output=e.output, err=e.additivity_error),
             t("explain.agreement", lang, att=rho["attention"], gxi=rho["grad_x_input"]),
             t("explain.timing", lang, s=e.seconds, n=e.max_evals)]
    return "\n\n".join(lines + [f"⚠️ {common.escape(n)}" for n in notes]
                       + [t("explain.units", lang)])


def confusion_figure(report: dict, lang: str = "en"):
    """Confusion matrix of the held-out passages: rows true genre, columns predicted."""
    cm = np.array(report["confusion_matrix"])
    labels = [genre_name(g, lang) for g in report["labels"]]
    fig = go.Figure(go.Heatmap(z=cm, x=labels, y=labels, colorscale="Blues", text=cm,
                               texttemplate="%{text}", showscale=False,
                               hovertemplate=t("explain.cm_hover", lang)))
    fig.update_yaxes(autorange="reversed", title=t("explain.true", lang))
    fig.update_xaxes(title=t("explain.pred", lang), side="top")
    return common.style(fig.update_layout(title=""), height=360)


def report_markdown(r: dict, lang: str = "en") -> str:
    """The held-out metrics as a table, in the student's language (play names never translated)."""
    sep = "、" if lang_code(lang) == "zh" else ", "
    f1 = sep.join(f"{genre_name(g, lang)} {v:.3f}"
                  for g, v in zip(r["labels"], r["per_class_f1"], strict=False))
    plays = f'<span translate="no">{common.escape(", ".join(r["plays"]))}</span>'
    return t("explain.report", lang, n=r["n_passages"], lines=r["n_lines"], plays=plays,
             acc=r["accuracy"], prec=r["macro_precision"], rec=r["macro_recall"], f1=r["macro_f1"],
             major=r["majority_accuracy"], per_genre=f1, s=r["seconds"])


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
    text = common.clean_input(text, t("common.text", lang), max_chars=MAX_TEXT_CHARS, lang=lang)
    if model == "classifier":
        from lmlab.explain.classifier import load_wordpiece

        if not load_wordpiece().tokenize(text):  # e.g. only zero-width characters
            raise gr.Error(t("explain.no_tokens", lang))
    unseen = common.unseen_note(text, lang)
    return text, [unseen] if unseen else []


def _target(model: str, genre, token, lang="en") -> str | None:
    """The genre or next token to explain (None: the model's own choice), checked here so the
    student reads why in their language."""
    from lmlab.explain.classifier import LABELS

    if model == "classifier":
        if genre in (None, "", PREDICTED):
            return None
        if genre not in LABELS:
            zh = lang_code(lang) == "zh"  # the names, each with the value the API takes
            names = [f"{genre_name(g, lang)}（{g}）" if zh else g for g in LABELS]
            raise gr.Error(t("explain.bad_genre", lang, genres=("、" if zh else ", ").join(names)))
        return genre
    if not token:
        return None
    ids = common.tokenizer().encode(token[:100])
    if len(ids) != 1 or len(token) > 100:
        pieces = " + ".join(repr(s) for s in common.tokenizer().token_strings(ids[:4]))
        raise gr.Error(t("explain.not_one", lang, token=repr(token[:20]), n=len(ids),
                         pieces=pieces + (" + ..." if len(ids) > 4 else "")))
    return token


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
    model = kind(model_name)
    text, notes = _check(text, model, lang)
    max_evals = common.number(max_evals, t("explain.evals_what", lang), *EVALS_RANGE, whole=True,
                              lang=lang)
    target = _target(model, genre, token, lang)
    progress(0, desc=t("explain.progress", lang))
    try:
        e = explanation(model, text, target, int(max_evals))
    except ValueError as exc:
        raise common.user_error(exc) from None
    notes = _notes(e, lang) + notes
    title = t("explain.frame_title", lang)
    plot = iframe(document(text_plot_html(e, lang), title), 240, title)
    return (plot, shap_figure(e, lang), comparison_figure(e, lang),
            status_markdown(e, notes, lang))


def switch_model(model_name):
    """Show the genre picker for the classifier, the token box for the GPT; its default budget."""
    model = kind(model_name)
    return (gr.update(visible=model == "classifier"), gr.update(visible=model == "gpt"),
            gr.update(value=MAX_EVALS[model]))


def evaluate(lang="en", progress=gr.Progress()):
    """The classifier's confusion matrix and metrics on the held-out plays."""
    progress(0, desc=t("explain.progress_report", lang))
    r = classifier_report()
    return confusion_figure(r, lang), report_markdown(r, lang)


def default_view(lang: str = "en") -> tuple:
    """The default passage explained in ``lang``, computed on first view (which also compiles
    shap's helpers and loads the classifier) and shared read-only afterwards."""
    return _default_view(lang_code(lang))


@load_once(maxsize=2)
def _default_view(lang: str) -> tuple:
    return run(EXAMPLE, "classifier", PREDICTED, "", MAX_EVALS["classifier"], lang,
               progress=lambda *a, **k: None)


def default_report(lang: str = "en") -> tuple:
    """The held-out sub-tab's figures in ``lang``, computed when it is first opened."""
    return _default_report(lang_code(lang))


@load_once(maxsize=2)
def _default_report(lang: str) -> tuple:
    return evaluate(lang, progress=lambda *a, **k: None)


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
                model = gr.Radio([(label(f"explain.m.{k}"), k) for k in MODELS.values()], value="classifier",
                                 label=label("explain.model"))
                genre = gr.Dropdown([(label("explain.predicted"), PREDICTED),
                                     *[(label(f"explain.pick.{g}"), g) for g in LABELS]],
                                    value=PREDICTED, label=label("explain.genre"))
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
        common.on_first_view(default_view, outputs, api_name="explain_default", inputs=[lang])
        event = gr.on([go_btn.click, text.submit], run, [text, model, genre, token, max_evals,
                                                         lang],
                      outputs, api_name="explain",
                      concurrency_id=server.HEAVY, concurrency_limit=server.HEAVY_LIMIT)
        common.mark_stale(event, stale, lang)
    with gr.Tab(label("explain.tab_heldout")):
        gr.Markdown(label("explain.heldout_intro"))
        eval_btn = gr.Button(label("explain.evaluate"), variant="primary")
        with gr.Row():
            cm = gr.Plot(label=label("explain.confusion"))
            metrics = gr.Markdown()
        eval_btn.click(evaluate, lang, [cm, metrics], api_name="classifier_report",
                       concurrency_id=server.HEAVY, concurrency_limit=server.HEAVY_LIMIT)
        common.on_first_view(default_report, [cm, metrics], api_name="classifier_report_default",
                             inputs=[lang])


if __name__ == "__main__":
    from lmlab.ui.i18n import I18N

    with gr.Blocks(title="LM Lab: Explain", analytics_enabled=False) as demo:
        build()
    demo.queue().launch(i18n=I18N())
