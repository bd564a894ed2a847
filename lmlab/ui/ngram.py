"""N-gram vs neural tab: a table of counts beside the GPT, on the same prompt and the same tokens.

Lesson: lessons/02_ngrams.en.md.  Code: ``lmlab.compare`` (over ``lmlab.ngram``).  Run alone:
``python -m lmlab.ui.ngram``.
"""

from __future__ import annotations

import gradio as gr
import numpy as np

from lmlab import compare
from lmlab.cache import load_once
from lmlab.data import read_work, works_in
from lmlab.ngram import MAX_ORDER, SMOOTHINGS
from lmlab.ui import common
from lmlab.ui.i18n import label, t
from lmlab.ui.ngram_views import (
    bars_figure,
    fmt_perplexity,
    model_name,
    novel_html,
    perplexity_figure,
    sparsity_figure,
    surprisal_html,
    why_html,
)
from lmlab.ui.ngram_words import SAMPLE_TOKENS, WORDS  # noqa: F401  (gathered by lmlab.ui.i18n)

TOP_K = 10  # bars per model
HELDOUT_TOKENS = compare.TOKENS_PER_WORK  # held-out slice: tokens from each val work
DEFAULT_PASSAGE = ("hamlet", "To be, or not to be")  # (work, a phrase its first line holds)


# ----------------------------------------------------------------------------- checks


def _controls(order, smoothing, lang="en") -> tuple[int, str]:
    """Validate n and the smoothing."""
    try:
        x = float(order)
    except (TypeError, ValueError, OverflowError):
        raise gr.Error(t("ngram.bad_order", lang, top=MAX_ORDER)) from None
    n = int(x) if x.is_integer() else 0
    if not 1 <= n <= MAX_ORDER:
        raise gr.Error(t("ngram.order_range", lang, top=MAX_ORDER, value=order))
    if smoothing not in SMOOTHINGS:
        raise gr.Error(t("ngram.bad_smoothing", lang, name=common.escape(repr(smoothing)[:40]),
                         names=", ".join(SMOOTHINGS)))
    return n, smoothing


def _ids(text, what: str, lang="en") -> tuple[str, list[int]]:
    """A prompt or passage and its token ids.  Text with characters the models never saw is
    accepted, as everywhere in LM Lab, with a caveat (``_notes``)."""
    text = common.clean_input(text, what, lang=lang)
    return text, common.tokenizer().encode(text)


def _notes(text: str, lang="en") -> list[str]:
    unseen = common.unseen_note(text, lang)
    return [unseen] if unseen else []


def _seed(seed, lang="en") -> int:
    try:
        seed = int(seed or 0)
    except (TypeError, ValueError, OverflowError):
        raise gr.Error(t("ngram.bad_seed", lang)) from None
    if not 0 <= seed < 2**32:
        raise gr.Error(t("ngram.seed_range", lang))
    return seed


# ----------------------------------------------------------------------------- handlers
# Each panel group has a ``*_data`` (checks, then ``lmlab.compare``: no words) and a ``*_view``
# (the data worded in ``lang``).  The app keeps the data shown in a gr.State, so that the language
# switch re-words the panels without computing them again (``reword``).


def predict_data(prompt, order, smoothing, seed, lang="en") -> dict:
    n, smoothing = _controls(order, smoothing, lang)
    text, ids = _ids(prompt, t("common.prompt", lang), lang)
    seed, model = _seed(seed, lang), common.gpt()
    return dict(text=text, n_ids=len(ids), next=compare.next_tokens(model, ids, n, smoothing, TOP_K),
                samples=compare.samples(model, ids, n, smoothing, SAMPLE_TOKENS, seed))


def predict_view(data: dict, lang="en") -> tuple:
    nt, smp = data["next"], data["samples"]
    x_max = max(c.prob for c in nt.ngram + nt.gpt)
    return (why_html(nt, data["n_ids"], _notes(data["text"], lang), lang),
            bars_figure(nt.ngram, model_name(nt.order, nt.smoothing, lang), x_max, "#4e79a7", lang),
            bars_figure(nt.gpt, "GPT", x_max, "#f28e2b", lang), smp.ngram_text, smp.gpt_text)


def predict(prompt, order, smoothing, seed, lang="en"):
    """Top-k bars from both models, which n-gram table answered, and a sample from each."""
    return predict_view(predict_data(prompt, order, smoothing, seed, lang), lang)


def pick_passage(work, line, lang="en"):
    """Eight lines of a held-out work, from line ``line``."""
    if work not in {w.slug for w in works_in("val")}:
        raise gr.Error(t("ngram.bad_work", lang, work=common.escape(repr(work)[:40])))
    try:
        return compare.passage(work, int(line or 0))
    except (TypeError, ValueError, OverflowError):
        raise gr.Error(t("ngram.bad_line", lang)) from None


def passage_data(passage, order, smoothing, lang="en") -> dict:
    n, smoothing = _controls(order, smoothing, lang)
    text, ids = _ids(passage, t("ngram.what_passage", lang), lang)
    if len(ids) < 2:
        raise gr.Error(t("ngram.short_passage", lang))
    return dict(text=text, surprisal=compare.surprisal(common.gpt(), ids, n, smoothing))


def passage_view(data: dict, lang="en") -> tuple:
    s = data["surprisal"]
    summary = t("ngram.passage_summary", lang, k=len(s.ids) - 1,
                name=model_name(s.order, s.smoothing, lang),
                ngram=fmt_perplexity(s.ngram_perplexity, lang),
                gpt=fmt_perplexity(s.gpt_perplexity, lang),
                less=int(np.sum(s.gpt_bits < s.ngram_bits)))
    return surprisal_html(s, lang), " ".join([summary, *_notes(data["text"], lang)])


def color_passage(passage, order, smoothing, lang="en"):
    """The passage coloured by per-token surprisal under each model."""
    return passage_view(passage_data(passage, order, smoothing, lang), lang)


def heldout_data(order, smoothing, lang="en") -> dict:
    n, smoothing = _controls(order, smoothing, lang)
    model, per = common.gpt(), HELDOUT_TOKENS
    return dict(order=n, per=per, sparsity=compare.unseen_ngrams(),
                curve=compare.perplexity_curve(model, smoothing, tokens_per_work=per),
                novel=compare.novel_phrase(model, n, smoothing, tokens_per_work=per))


def heldout_view(data: dict, lang="en") -> tuple:
    curve, sp = data["curve"], data["sparsity"]
    note = t("ngram.heldout_note", lang, tokens=curve.n_tokens, per=data["per"],
             works=len(works_in("val")), best=curve.best_order, positions=sp.n_positions)
    return (perplexity_figure(curve, lang), sparsity_figure(sp, lang),
            novel_html(data["novel"], data["order"], lang), note)


def heldout(order, smoothing, lang="en"):
    """Perplexity against n, the sparsity curve and the novel-phrase example."""
    return heldout_view(heldout_data(order, smoothing, lang), lang)


def _keeping(data_fn, view_fn):
    """An event's handler: ``view_fn``'s panels for the inputs, then the data they show (for the
    gr.State that ``reword`` reads).  The last input is ``lang``."""
    def run(*args):
        data = data_fn(*args)
        return (*view_fn(data, args[-1]), data)
    return run


def _view(shown: tuple, lang: str) -> tuple:
    """The panels of each group's data in ``shown`` (None: not shown yet, skipped) in ``lang``."""
    parts = ((predict_view, 5), (passage_view, 2), (heldout_view, 4))
    return tuple(x for data, (fn, k) in zip(shown, parts, strict=True)
                 for x in ((gr.skip(),) * k if data is None else fn(data, lang)))


def reword(predicted, passaged, held, lang="en") -> tuple:
    """Every panel already shown (the data kept in the tab's gr.States; the default view's from
    the cache), worded in ``lang``; a panel not shown yet is skipped."""
    shown = (predicted, passaged, held)
    if _default_data.cached_keys() and all(a is b for a, b in zip(shown, _default_data(), strict=True)):
        return default_view(lang)[:11]
    return _view(shown, lang)


# ----------------------------------------------------------------------------- layout


def _default_line(slug: str, phrase: str) -> int:
    return next((i for i, line in enumerate(read_work(slug).split("\n")) if phrase in line), 0)


DEFAULTS = dict(prompt="ROMEO.\nBut soft, what light through yonder", order=3,
                smoothing="kneser_ney", seed=0)


@load_once(maxsize=1)
def _default_data() -> tuple[dict, dict, dict]:
    """The data of every panel for the default prompt and passage (no words)."""
    d, (slug, phrase) = DEFAULTS, DEFAULT_PASSAGE
    passage = compare.passage(slug, _default_line(slug, phrase))
    return (predict_data(d["prompt"], d["order"], d["smoothing"], d["seed"]),
            passage_data(passage, d["order"], d["smoothing"]),
            heldout_data(d["order"], d["smoothing"]))


@load_once(maxsize=2)
def default_view(lang: str = "en") -> tuple:
    """Every panel for the default prompt and passage, worded in ``lang``, then the data they
    show (for the tab's gr.States).  Computed on first view (which also warms the n-gram tables
    that Compare uses), once per language, and shared read-only afterwards."""
    data = _default_data()
    return (*_view(data, lang), *data)


def build(lang=None, followers: list | None = None) -> None:
    """Lay out the N-gram vs neural tab inside the current Blocks context.  ``lang``: the app's
    language state (alone: English); ``followers``: the shell's list, to re-word the panels
    after the language switch."""
    if lang is None:
        lang = gr.State("en")
    gr.Markdown(label("ngram.intro"))
    val = works_in("val")
    slug, phrase = DEFAULT_PASSAGE
    with gr.Row():
        with gr.Column(scale=2):
            prompt = gr.Textbox(DEFAULTS["prompt"], label=label("ngram.prompt"),
                                lines=3, max_length=common.MAX_CHARS)
            go_btn = gr.Button(label("ngram.compare"), variant="primary")
        with gr.Column(scale=1):
            order = gr.Slider(1, MAX_ORDER, value=3, step=1,
                              label=label("ngram.order"),
                              info=label("ngram.order_info"))
            smoothing = gr.Dropdown([(label(f"ngram.smoothing.{k}"), k) for k in SMOOTHINGS],
                                    value="kneser_ney", label=label("ngram.smoothing"))
            seed = gr.Number(0, label=label("ngram.seed"), precision=0)
    stale = gr.Markdown(visible=False)
    why = gr.HTML(label=label("ngram.why"))
    with gr.Row():
        ngram_bars = gr.Plot(label=label("ngram.ngram_bars"))
        gpt_bars = gr.Plot(label=label("ngram.gpt_bars"))
    with gr.Row():
        ngram_sample, gpt_sample = (
            gr.Textbox(label=label(f"ngram.{who}_sample"), lines=6, interactive=False)
            for who in ("ngram", "gpt"))
    gr.Markdown(label("ngram.passage_intro"))
    with gr.Row():
        work = gr.Dropdown([(w.title, w.slug) for w in val], value=slug, label=label("ngram.work"))
        line = gr.Number(_default_line(slug, phrase), label=label("ngram.line"), precision=0)
        pick_btn = gr.Button(label("ngram.pick"))
    passage = gr.Textbox(compare.passage(slug, _default_line(slug, phrase)),
                         label=label("ngram.passage"), lines=6,
                         max_length=common.MAX_CHARS)
    colored = gr.HTML()
    summary = gr.Markdown()
    gr.Markdown(label("ngram.figures_intro"))
    note = gr.Markdown()
    with gr.Row():
        ppl_plot = gr.Plot(label=label("ngram.ppl_plot"))
        sparse_plot = gr.Plot(label=label("ngram.sparse_plot"))
    gr.Markdown(label("ngram.novel_intro"))
    novel = gr.HTML()
    predicted, passaged, held = (gr.State(None, time_to_live=common.STATE_TTL_S) for _ in range(3))
    predict_out = [why, ngram_bars, gpt_bars, ngram_sample, gpt_sample]
    panels = [*predict_out, colored, summary, ppl_plot, sparse_plot, novel, note]
    common.on_first_view(default_view, [*panels, predicted, passaged, held],
                         api_name="ngram_default", inputs=[lang])
    compare_event = go_btn.click(_keeping(predict_data, predict_view),
                                 [prompt, order, smoothing, seed, lang], [*predict_out, predicted],
                                 api_name="ngram_predict")
    common.mark_stale(compare_event, stale, lang)
    color = dict(fn=_keeping(passage_data, passage_view), inputs=[passage, order, smoothing, lang],
                 outputs=[colored, summary, passaged])
    (compare_event
     .then(**color, api_name="ngram_surprisal")
     .then(_keeping(heldout_data, heldout_view), [order, smoothing, lang],
           [ppl_plot, sparse_plot, novel, note, held], api_name="ngram_heldout",
           concurrency_limit=1))
    pick_btn.click(pick_passage, [work, line, lang], passage, api_name="ngram_passage").then(
        **color, api_name="ngram_surprisal_picked")
    if followers is not None:  # in the app: the switch re-words what is shown
        from lmlab.ui.shell import Follower

        followers.append(Follower(reword, [predicted, passaged, held, lang], panels, "ngram_panels"))


if __name__ == "__main__":
    from lmlab.ui.i18n import I18N

    with gr.Blocks(title="LM Lab: N-gram vs neural", analytics_enabled=False) as demo:
        build()
    demo.queue().launch(i18n=I18N())
