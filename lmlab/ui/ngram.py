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
from lmlab.ui.i18n import label
from lmlab.ui.ngram_views import (
    SMOOTHING_LABELS,
    _model_name,
    bars_figure,
    fmt_perplexity,
    novel_html,
    perplexity_figure,
    sparsity_figure,
    surprisal_html,
)

TOP_K = 10  # bars per model
SAMPLE_TOKENS = 60  # new tokens per sample
HELDOUT_TOKENS = compare.TOKENS_PER_WORK  # held-out slice: tokens from each val work
DEFAULT_PASSAGE = ("hamlet", "To be, or not to be")  # (work, a phrase its first line holds)
WORDS = {
    "ngram.intro": (
        "Before neural networks, a language model was a **table of counts**: an "
        "*n-gram model* predicts the next token from the n − 1 tokens before it "
        "(`lmlab/ngram.py`). Here it faces the GPT on the same tokens "
        "(`lmlab/compare.py`). **Compare** fills every panel below. Bars are labelled "
        "`token id:token` (`·` is a space, `⏎` a line break, `<e5 ba>` the bytes of part "
        "of a character); p is a probability.",
        "在神经网络出现之前，语言模型就是一张**计数表**：*n 元模型*根据前面的 n − 1 个词元预测下一个词元"
        "（`lmlab/ngram.py`）。这里让它和 GPT 在同样的词元上比一比（`lmlab/compare.py`）。点击**比较**会填满"
        "下面所有面板。柱子的标签是 `词元 id:词元`（`·` 是空格，`⏎` 是换行，`<e5 ba>` 是某个字符的一部分"
        "字节）；p 表示概率。"),
    "ngram.prompt": ("Prompt", "提示词"),
    "ngram.compare": ("Compare", "比较"),
    "ngram.order": ("Order n (the perplexity plot shows which n does best)",
                    "阶数 n（困惑度图显示哪个 n 效果最好）"),
    "ngram.order_info": ("the n-gram model reads the n − 1 tokens before the next one",
                         "n 元模型读取下一个词元之前的 n − 1 个词元"),
    "ngram.smoothing": ("Smoothing", "平滑方法"),
    "ngram.smoothing.kneser_ney": (SMOOTHING_LABELS["kneser_ney"], "Kneser-Ney 平滑（修正、插值）"),
    "ngram.smoothing.laplace": (SMOOTHING_LABELS["laplace"], "拉普拉斯平滑（加一）"),
    "ngram.smoothing.lidstone": (SMOOTHING_LABELS["lidstone"], "Lidstone 平滑（加 γ = 0.1）"),
    "ngram.smoothing.mle": (SMOOTHING_LABELS["mle"], "最大似然估计（原始计数，不做平滑）"),
    "ngram.seed": ("Seed for the samples", "采样的随机种子"),
    "ngram.why": ("Which n-gram table answered", "是哪一张 n 元计数表给出的回答"),
    "ngram.ngram_bars": ("n-gram: next token", "n 元模型：下一个词元"),
    "ngram.gpt_bars": ("GPT: next token", "GPT：下一个词元"),
    "ngram.ngram_sample": (f"n-gram sample ({SAMPLE_TOKENS} tokens, temperature 1)",
                           f"n 元模型的采样（{SAMPLE_TOKENS} 个词元，温度 1）"),
    "ngram.gpt_sample": (f"GPT sample ({SAMPLE_TOKENS} tokens, temperature 1)",
                         f"GPT 的采样（{SAMPLE_TOKENS} 个词元，温度 1）"),
    "ngram.passage_intro": (
        "### A held-out passage, coloured by surprisal\nHow surprised each model is "
        "by each token of text neither ever trained on: −log₂ p, in **bits** (1 bit = "
        "as surprised as by a fair coin's side; p = 1/1024 is 10 bits).",
        "### 一段留出文本，按意外度着色\n两个模型都没有训练过这段文本，看看每个词元让各个模型有多意外："
        "−log₂ p，单位是**比特**（1 比特 = 猜中抛硬币哪一面时的意外程度；p = 1/1024 就是 10 比特）。"),
    "ngram.work": ("Held-out work", "留出作品"),
    "ngram.line": ("From line", "起始行"),
    "ngram.pick": ("Pick passage", "选取段落"),
    "ngram.passage": ("Passage (edit it or paste your own)", "段落（可编辑，或粘贴你自己的文本）"),
    "ngram.figures_intro": (
        "### Held-out figures\n**Perplexity** = 2^(mean bits per token): lower is "
        "better. **Sparsity**: the share of held-out n-grams never seen in training, "
        "the reason counts fail as n grows.",
        "### 留出集上的图表\n**困惑度** = 2^(每个词元的平均比特数)：越低越好。**稀疏性**：留出集中"
        "训练时从未见过的 n 元组所占的比例，这正是 n 增大时计数方法失效的原因。"),
    "ngram.ppl_plot": ("Perplexity against n", "困惑度随 n 的变化"),
    "ngram.sparse_plot": ("Sparsity", "稀疏性"),
    "ngram.novel_intro": ("### A novel phrase: where counts fail and the network generalises",
                          "### 一个新短语：计数失效之处，正是神经网络泛化之时"),
}


# ----------------------------------------------------------------------------- handlers


def _controls(order, smoothing) -> tuple[int, str]:
    """Validate n and the smoothing."""
    try:
        x = float(order)
    except (TypeError, ValueError, OverflowError):
        raise gr.Error(f"The order n must be a whole number from 1 to {MAX_ORDER}.") from None
    n = int(x) if x.is_integer() else 0
    if not 1 <= n <= MAX_ORDER:
        raise gr.Error(f"The order n must be a whole number from 1 to {MAX_ORDER}, not {order}.")
    if smoothing not in SMOOTHINGS:
        raise gr.Error(f"Unknown smoothing {smoothing!r}; pick one of {', '.join(SMOOTHINGS)}.")
    return n, smoothing


def _ids(text, what: str, lang="en") -> tuple[list[int], list[str]]:
    """Token ids of a prompt or passage, and notes (the caveat when the models never saw some
    of its characters: such text is accepted, as everywhere in LM Lab)."""
    text = common.clean_input(text, what)
    unseen = common.unseen_note(text, lang)
    return common.tokenizer().encode(text), [unseen] if unseen else []


def predict(prompt, order, smoothing, seed):
    """Top-k bars from both models, which n-gram table answered, and a sample from each."""
    n, smoothing = _controls(order, smoothing)
    ids, notes = _ids(prompt, "prompt")
    try:
        seed = int(seed or 0)
    except (TypeError, ValueError, OverflowError):
        raise gr.Error("The seed must be a whole number.") from None
    if not 0 <= seed < 2**32:
        raise gr.Error("The seed must be a whole number from 0 to 4,294,967,295.")
    model = common.gpt()
    nt = compare.next_tokens(model, ids, n, smoothing, TOP_K)
    smp = compare.samples(model, ids, n, smoothing, SAMPLE_TOKENS, seed)
    x_max = max(c.prob for c in nt.ngram + nt.gpt)
    return (why_html(nt, len(ids), notes),
            bars_figure(nt.ngram, _model_name(n, smoothing), x_max, "#4e79a7"),
            bars_figure(nt.gpt, "GPT", x_max, "#f28e2b"), smp.ngram_text, smp.gpt_text)


def why_html(nt, n_ids: int, notes: list[str]) -> str:
    """Which n-gram table answered (from ``NGramLM.explain``) and what the GPT read."""
    e, n = nt.explanation, nt.order
    ctx = "".join("<code style='border:1px solid #999;padding:0 3px;margin:0 1px'>"
                  f"{common.token_html(s)}</code>"
                  for s in common.tokenizer().token_display(list(e.context)))
    lines = []
    if n_ids < n - 1:
        lines.append(f"The prompt has {n_ids} token(s), fewer than the {n - 1} an order-{n} "
                     f"model conditions on, so it used all {n_ids}: a shorter context.")
    if nt.smoothing in ("kneser_ney", "mle") and e.order < min(n, n_ids + 1):
        lines.append(f"The full context never occurred in training, so the model backed off "
                     f"to the order-{e.order} table.")
    what = (f"the context {ctx} ({len(e.context)} token(s))" if e.context
            else "no context (the unigram table: plain token frequencies)")
    verb = ("was asked (add-γ smoothing always asks the full context, no backoff)"
            if nt.smoothing in ("laplace", "lidstone") else "answered")
    lines.append(f"The order-{e.order} table {verb}, for {what}: seen {e.context_count:,} "
                 f"times in training, followed by {e.n_followers:,} different tokens.")
    mass = {"kneser_ney": "probability handed down to shorter contexts (Kneser-Ney's backoff "
                          "weight)",
            "laplace": "probability from the add-one pseudo-counts",
            "lidstone": "probability from the add-γ pseudo-counts",
            "mle": "backoff mass (MLE never moves probability)"}[nt.smoothing]
    lines.append(f"{e.backoff_mass:.1%} of the {mass}.")
    lines.append(f"The GPT read the last {nt.gpt_context} token(s) of the prompt.")
    lines += [common.escape(x) for x in notes]
    return "<ul>" + "".join(f"<li>{x}</li>" for x in lines) + "</ul>"


def pick_passage(work, line):
    """Eight lines of a held-out work, from line ``line``."""
    if work not in {w.slug for w in works_in("val")}:
        raise gr.Error(f"{work!r} is not one of the held-out works.")
    try:
        return compare.passage(work, int(line or 0))
    except (TypeError, ValueError, OverflowError):
        raise gr.Error("The line must be a whole number.") from None


def color_passage(passage, order, smoothing):
    """The passage coloured by per-token surprisal under each model."""
    n, smoothing = _controls(order, smoothing)
    ids, notes = _ids(passage, "passage")
    if len(ids) < 2:
        raise gr.Error("The passage needs at least two tokens: the first is only context.")
    s = compare.surprisal(common.gpt(), ids, n, smoothing)
    less = int(np.sum(s.gpt_bits < s.ngram_bits))
    summary = (f"{len(ids) - 1} tokens scored. Perplexity of this passage (2 to the mean "
               "surprisal in bits: as unsure as a fair pick among that many tokens): "
               f"{_model_name(n, smoothing)} {fmt_perplexity(s.ngram_perplexity)}, GPT "
               f"{fmt_perplexity(s.gpt_perplexity)}. The GPT was less surprised on {less} of "
               f"{len(ids) - 1} tokens. " + " ".join(notes))
    return surprisal_html(s), summary


def heldout(order, smoothing):
    """Perplexity against n, the sparsity curve and the novel-phrase example."""
    n, smoothing = _controls(order, smoothing)
    model = common.gpt()
    curve = compare.perplexity_curve(model, smoothing, tokens_per_work=HELDOUT_TOKENS)
    sp = compare.unseen_ngrams()
    note = (f"Perplexities on {curve.n_tokens:,} held-out tokens "
            f"(up to {HELDOUT_TOKENS:,} from the middle of each of the "
            f"{len(works_in('val'))} validation works), the same tokens for every model; "
            f"`lmlab eval` scores all held-out tokens. Best n here: {curve.best_order}. "
            f"Sparsity counts all {sp.n_positions:,} positions of the validation works.")
    nv = compare.novel_phrase(model, n, smoothing, tokens_per_work=HELDOUT_TOKENS)
    return perplexity_figure(curve), sparsity_figure(sp), novel_html(nv, n), note


# ----------------------------------------------------------------------------- layout


def _default_line(slug: str, phrase: str) -> int:
    return next((i for i, line in enumerate(read_work(slug).split("\n")) if phrase in line), 0)


DEFAULTS = dict(prompt="ROMEO.\nBut soft, what light through yonder", order=3,
                smoothing="kneser_ney", seed=0)


@load_once(maxsize=1)
def default_view() -> tuple:
    """Every panel for the default prompt and passage, computed on first view (which also warms
    the n-gram tables that Compare uses) and shared read-only afterwards."""
    d, (slug, phrase) = DEFAULTS, DEFAULT_PASSAGE
    passage = compare.passage(slug, _default_line(slug, phrase))
    return (*predict(d["prompt"], d["order"], d["smoothing"], d["seed"]),
            *color_passage(passage, d["order"], d["smoothing"]),
            *heldout(d["order"], d["smoothing"]))


def build() -> None:
    """Lay out the N-gram vs neural tab inside the current Blocks context."""
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
            smoothing = gr.Dropdown([(label(f"ngram.smoothing.{k}"), k) for k in SMOOTHING_LABELS],
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
    common.on_first_view(default_view, [why, ngram_bars, gpt_bars, ngram_sample, gpt_sample,
                                        colored, summary, ppl_plot, sparse_plot, novel, note],
                         api_name="ngram_default")
    compare_event = go_btn.click(predict, [prompt, order, smoothing, seed],
                                 [why, ngram_bars, gpt_bars, ngram_sample, gpt_sample],
                                 api_name="ngram_predict")
    common.mark_stale(compare_event, stale)
    (compare_event
     .then(color_passage, [passage, order, smoothing], [colored, summary],
           api_name="ngram_surprisal")
     .then(heldout, [order, smoothing], [ppl_plot, sparse_plot, novel, note],
           api_name="ngram_heldout", concurrency_limit=1))
    pick_btn.click(pick_passage, [work, line], passage, api_name="ngram_passage").then(
        color_passage, [passage, order, smoothing], [colored, summary],
        api_name="ngram_surprisal_picked")


if __name__ == "__main__":
    with gr.Blocks(title="LM Lab: N-gram vs neural", analytics_enabled=False) as demo:
        build()
    demo.queue().launch()
