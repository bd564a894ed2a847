"""Compress tab: quantized, pruned, distilled and ONNX variants of the shipped GPT, measured.

Lesson: lessons/11_compression.en.md.  Code: ``lmlab.compress`` (``tradeoff``, ``quantize``,
``distill``).  Figures: ``lmlab.ui.compress_views``.  Run alone: ``python -m lmlab.ui.compress``.

The trade-off scatter is measured on first use (about 20 s, cached for everyone); histograms,
side-by-side generation and soft targets are computed per request; "distil live" is one short
run per user (in ``gr.State``), with a cap on runs at once held by a ``RunLimiter`` made in build().
"""

from __future__ import annotations

import gradio as gr
import torch

from lmlab.cache import load_once
from lmlab.training.session import RunLimiter
from lmlab.ui import common
from lmlab.ui import compress_live as live
from lmlab.ui import compress_views as views
from lmlab.ui.i18n import label, t

LIVE_CAP = 2  # live runs at once, for the whole server

WORDS = {
    "compress.intro": ("Smaller models, measured. Each point below is a variant of the shipped "
                       "GPT built by `lmlab.compress` and measured now: bytes of its weights, "
                       "milliseconds per generated token, perplexity on held-out text.",
                       "更小的模型，实测数据。下面每个点都是 `lmlab.compress` 从原模型做出的一个变体，"
                       "现场测量：权重的字节数、每生成一个词元的毫秒数、在留出文本上的困惑度。"),
    "compress.measure": ("Measure the variants", "测量各个变体"),
    "compress.measuring": ("Measuring every variant (about 20 s, once for everyone)...",
                           "正在测量所有变体（约 20 秒，只算一次，所有人共用）……"),
    "compress.measured": ("{n} variants on {tokens:,} held-out tokens; latency: greedy, batch 1, "
                          "{new} tokens, median of interleaved runs. Unstructured zeros are "
                          "stored like any weight (same bytes, no speed-up); deleted neurons "
                          "make the matrices smaller. ONNX Runtime runs without a KV cache.",
                          "{n} 个变体，{tokens:,} 个留出词元；延迟：贪心解码、批大小 1、{new} 个词元、"
                          "交替重复取中位数。非结构化剪枝的零照样占存储（字节数不变，也不加速）；"
                          "删掉神经元才让矩阵真正变小。ONNX 运行时不带 KV 缓存。"),
    "compress.tradeoff_title": ("Size and speed against perplexity (lower left is better)",
                                "大小、速度与困惑度（越靠左下越好）"),
    "compress.size_axis": ("weights (MB)", "权重（MB）"),
    "compress.speed_axis": ("ms per generated token", "每个生成词元的毫秒数"),
    "compress.ppl_axis": ("held-out perplexity (log)", "留出集困惑度（对数）"),
    "compress.ppl": ("perplexity", "困惑度"),
    "compress.table_head": ("variant|MB|ms/token|perplexity|KV cache", "变体|MB|毫秒/词元|困惑度|KV 缓存"),
    "compress.yes": ("yes", "有"), "compress.no": ("no", "无"),
    "compress.family.baseline": ("float32", "FP32 原模型"), "compress.family.quantize": ("quantized", "量化"),
    "compress.family.prune": ("pruned", "剪枝"), "compress.family.distill": ("distilled", "知识蒸馏"),
    "compress.family.onnx": ("ONNX Runtime", "ONNX 运行时部署"),
    "compress.v.fp32": ("float32 (shipped)", "FP32（原模型）"),
    "compress.v.int8-simulated": ("int8 simulated", "INT8 模拟"),
    "compress.v.int8-kernels": ("int8 kernels", "INT8 整数运算"),
    "compress.v.int4-simulated": ("int4 simulated", "INT4 模拟"),
    "compress.v.int4-kernels": ("int4 kernels", "INT4 整数运算"),
    "compress.v.pruned": ("pruned {pct}% (zeros)", "剪枝 {pct}%（置零）"),
    "compress.v.pruned-50": ("pruned 50% (zeros)", "剪枝 50%（置零）"),
    "compress.v.neurons-deleted-50": ("50% MLP neurons deleted", "删去 50% MLP 神经元"),
    "compress.v.distilled": ("distilled student", "蒸馏学生模型"),
    "compress.v.onnx": ("ONNX Runtime float32", "ONNX 运行时（FP32 浮点）"),
    "compress.v.onnx-int8": ("ONNX Runtime int8", "ONNX 运行时（INT8 量化）"),
    "compress.hist_head": ("### Weights before and after quantization", "### 量化前后的权重"),
    "compress.matrix": ("Matrix", "矩阵"),
    "compress.matrix_info": ("a weight matrix of the shipped GPT", "原模型中的一个权重矩阵"),
    "compress.bits": ("Bits", "位数"),
    "compress.bits_info": ("code width: 2^bits levels", "编码宽度：共 2^位数 个取值"),
    "compress.scheme": ("Scheme", "方案"),
    "compress.scheme_info": ("who shares a scale (and a zero point)", "哪些权重共用一个缩放系数（和零点）"),
    "compress.s.row-sym": ("per row, symmetric", "逐行，对称"),
    "compress.s.tensor-sym": ("per tensor, symmetric", "整个张量，对称"),
    "compress.s.row-asym": ("per row, zero point", "逐行，带零点"),
    "compress.s.group-asym": ("groups of 64, zero point", "每 64 个一组，带零点"),
    "compress.before": ("before (float32)", "量化前（FP32）"),
    "compress.after": ("after (dequantized)", "量化后（反量化）"),
    "compress.weight_value": ("weight value", "权重值"), "compress.count": ("count (log)", "个数（对数）"),
    "compress.hist_title": ("{bits} bits, {scheme}", "{bits} 位，{scheme}"),
    "compress.hist_note": ("`{matrix}`: {levels:,} distinct values after; largest error {err:.2e} (at most "
                           "half a step: {half:.2e}); RMS error {rms:.2e}.",
                           "`{matrix}`：量化后共 {levels:,} 个不同取值；最大误差 {err:.2e}"
                           "（不超过半个步长 {half:.2e}）；均方根误差 {rms:.2e}。"),
    "compress.gen_head": ("### The same prompt, two variants", "### 同一个提示词，两个变体"),
    "compress.left": ("Left", "左边"), "compress.right": ("Right", "右边"),
    "compress.variant_info": ("a variant of the shipped GPT", "原模型的一个变体"),
    "compress.prompt_info": ("both continue it: 60 tokens, temperature 0.8, top-k 40, seed 0",
                             "两边都接着写：60 个词元，温度 0.8，top-k 40，随机种子 0"),
    "compress.generate": ("Generate both", "两边一起生成"),
    "compress.gen_note": ("Same prompt, seed and sampling: differences come from the variant. "
                          "{left}: {lms:.1f} ms/token; {right}: {rms:.1f} ms/token.",
                          "提示词、随机种子和采样方式都相同：差别来自变体本身。"
                          "{left}：每词元 {lms:.1f} 毫秒；{right}：每词元 {rms:.1f} 毫秒。"),
    "compress.dark_head": ("### Dark knowledge: the teacher's soft targets", "### 暗知识：教师模型的软目标"),
    "compress.temperature": ("Temperature T", "温度 T"),
    "compress.temperature_info": ("softmax(logits / T): higher T shows the small probabilities",
                                  "softmax(logits / T)：T 越高，小概率越显眼"),
    "compress.probability": ("probability", "概率"),
    "compress.dark_title": ("Teacher's next token at T = {T:g} (top {k})",
                            "教师模型预测的下一个词元，T = {T:g}（前 {k} 个）"),
    "compress.dark_note": ("At T = {T:g} the top {k} tokens hold {mass:.0%} of the probability; "
                           "entropy {H:.2f} nats. The student learns from all of them, not just "
                           "the one right answer.",
                           "T = {T:g} 时，前 {k} 个词元占了 {mass:.0%} 的概率；熵为 {H:.2f} 奈特。"
                           "学生模型从所有这些概率中学习，而不只是那一个正确答案。"),
    "compress.live_head": ("### Distil live: a tiny student with and without the teacher",
                           "### 现场蒸馏：有教师和没有教师的小学生模型"),
    "compress.live_start": ("Start (60 steps)", "开始（60 步）"), "compress.live_stop": ("Stop", "停止"),
    "compress.live.kd": ("with the teacher (KD)", "跟教师学（知识蒸馏）"),
    "compress.live.text": ("text alone", "只学文本"),
    "compress.live.title": ("Held-out loss of two students from the same start, same batches",
                            "同样初始化、同样批次的两个学生模型的留出集损失"),
    "compress.live.step": ("step", "步数"), "compress.live.loss": ("held-out loss (nats)", "留出集损失（奈特）"),
    "compress.live_status": ("Step {step} of {steps}: held-out loss with KD {kd:.3f}, text alone {text:.3f}.",
                             "第 {step}/{steps} 步：知识蒸馏的留出集损失 {kd:.3f}，只学文本 {text:.3f}。"),
    "compress.live_busy": ("{n} live runs are going (the most at once); please try again in a minute.",
                           "已有 {n} 个现场蒸馏在运行（同时最多这么多），请一分钟后再试。"),
    "compress.live_twice": ("Your live run is still going: stop it first, or wait for it to end.",
                            "你的现场蒸馏还在运行：请先停止，或等它结束。"),
    "compress.live_stopped": ("Stopped at step {step}.", "已在第 {step} 步停止。"),
    "compress.live_info": (f"Two students of 1 layer, width 64, batches of 8 x 64 tokens, 60 steps; "
                           f"at most {LIVE_CAP} runs at once on this server, one per user.",
                           f"两个学生模型：1 层、宽 64、每批 8 × 64 个词元、60 步；"
                           f"本服务器同时最多 {LIVE_CAP} 个运行，每人一个。"),
    "compress.left_out": ("Left variant's text", "左边变体写出的文本"),
    "compress.right_out": ("Right variant's text", "右边变体写出的文本"),
    "compress.bad_choice": ("Please choose one of the listed options.", "请从列出的选项中选择一个。"),
    "compress.bad_temperature": ("The temperature must be a number between {lo} and {hi}.",
                                 "温度必须是 {lo} 到 {hi} 之间的数。"),
}

HELD_OUT_TOKENS = 1024  # val tokens per point of the scatter (well under a minute in all)
SCHEMES = {"row-sym": dict(symmetric=True), "tensor-sym": dict(per_channel=False),
           "row-asym": dict(symmetric=False), "group-asym": dict(symmetric=False, group_size=64)}
GEN_VARIANTS = ("fp32", "int8-simulated", "int8-kernels", "int4-kernels", "pruned-50",
                "neurons-deleted-50", "distilled")
T_RANGE = (0.25, 8.0)  # the temperature slider
TOP_K = 20  # soft targets shown


# ----------------------------------------------------------------------------- shared, cached


@load_once(maxsize=1)
def measured_points() -> tuple:
    """Every variant's ``lmlab.compress.tradeoff.Point`` (measured once per process)."""
    from lmlab.compress.tradeoff import tradeoff_points
    from lmlab.tokenizer import token_stream

    return tuple(tradeoff_points(common.gpt(), token_stream("val")[:HELD_OUT_TOKENS],
                                 common.gpt("shakespeare-distilled")))


@load_once(maxsize=len(GEN_VARIANTS))
def variant(name: str):
    """One variant of the shipped GPT, built once and shared read-only."""
    from lmlab.compress.tradeoff import build_variants

    return build_variants(common.gpt(), common.gpt("shakespeare-distilled"), sparsities=(0.5,),
                          names=[name])[name][0]


def _choice(value, allowed, lang):
    if value not in allowed:
        raise gr.Error(t("compress.bad_choice", lang))
    return value


# ----------------------------------------------------------------------------- handlers


def measure(lang="en"):
    """The trade-off scatter, its table and a note (measured on first use, then cached)."""
    points = measured_points()
    note = t("compress.measured", lang, n=len(points), tokens=HELD_OUT_TOKENS, new=16)
    table = gr.Dataframe(views.points_table(points, lang), visible=True,
                         headers=t("compress.table_head", lang).split("|"))  # headers in lang
    return views.tradeoff_figure(points, lang), table, note


def matrix_names() -> list[str]:
    return [n for n, p in common.gpt().named_parameters() if p.dim() == 2]


def histogram(matrix, bits, scheme, lang="en"):
    """One matrix before and after quantization, and its error against half a step."""
    from lmlab.compress.quantize import quantize_tensor

    matrix = _choice(matrix, matrix_names(), lang)
    scheme = _choice(scheme, list(SCHEMES), lang)
    bits = int(_choice(str(bits), ["2", "4", "8"], lang))
    w = dict(common.gpt().named_parameters())[matrix].detach()
    q = quantize_tensor(w, bits, **SCHEMES[scheme])
    after = q.dequantize()
    err = (after - w).abs()
    title = t("compress.hist_title", lang, bits=bits, scheme=t(f"compress.s.{scheme}", lang))
    note = t("compress.hist_note", lang, matrix=matrix, levels=int(after.unique().numel()), err=float(err.max()),
             half=float((q.step() / 2).max()), rms=float(err.pow(2).mean().sqrt()))
    return views.histogram_figure(w, after, title, lang), note


def side_by_side(prompt, left, right, lang="en"):
    """The same prompt continued by two variants (same seed and sampling)."""
    from lmlab.compress.tradeoff import ms_per_token
    from lmlab.generate import generate

    prompt = common.clean_input(prompt, t("common.prompt", lang))
    tok = common.tokenizer()
    ids = tok.encode(prompt)[-64:] or [tok.eot_id]
    texts, speed = [], []
    for name in (_choice(left, GEN_VARIANTS, lang), _choice(right, GEN_VARIANTS, lang)):
        model = variant(name)
        with torch.no_grad():
            out = generate(model, ids, 60, temperature=0.8, top_k=40, seed=0)
        texts.append(prompt + tok.decode(out[0, len(ids):].tolist()))
        speed.append(ms_per_token(model, torch.tensor([ids]), 16)())
    note = t("compress.gen_note", lang, left=views.variant_label(left, lang), lms=speed[0],
             right=views.variant_label(right, lang), rms=speed[1])
    return texts[0], texts[1], note


def dark_knowledge(prompt, temperature, lang="en"):
    """The teacher's next-token distribution at temperature T: the top tokens and their mass."""
    from lmlab.compress.distill import soft_targets

    prompt = common.clean_input(prompt, t("common.prompt", lang))
    try:
        T = float(temperature)
    except (TypeError, ValueError):
        T = float("nan")
    if not T_RANGE[0] <= T <= T_RANGE[1]:
        raise gr.Error(t("compress.bad_temperature", lang, lo=T_RANGE[0], hi=T_RANGE[1]))
    tok = common.tokenizer()
    ids = tok.encode(prompt)[-common.gpt().config.block_size:]
    with torch.no_grad():
        probs = soft_targets(common.gpt()(torch.tensor([ids])).logits[0, -1], T)
    top = probs.topk(TOP_K)
    entropy = float(-(probs * probs.clamp_min(1e-30).log()).sum())
    fig = views.soft_targets_figure(top.values, tok.token_strings(top.indices.tolist()),
                                    t("compress.dark_title", lang, T=T, k=TOP_K), lang)
    return fig, t("compress.dark_note", lang, T=T, k=TOP_K, mass=float(top.values.sum()), H=entropy)


# ----------------------------------------------------------------------------- layout


def _current_tab():
    """The ``gr.Tab`` this build() runs inside, if any (to measure when it is first opened)."""
    from gradio.context import Context

    block = Context.block
    return block if isinstance(block, gr.Tab) else None


def build(lang=None) -> None:
    """Lay out the Compress tab in the current Blocks context; nothing is computed here."""
    lang = gr.State("en") if lang is None else lang
    limiter = RunLimiter(LIVE_CAP)
    tab = _current_tab()
    gr.Markdown(label("compress.intro"))
    measure_btn = gr.Button(label("compress.measure"), variant="primary")
    scatter = gr.Plot(show_label=False)
    table = gr.Dataframe(interactive=False, visible=False)  # shown, headers in lang, once measured
    note = gr.Markdown()
    gr.Markdown(label("compress.hist_head"))
    with gr.Row():
        names = matrix_names()
        matrix = gr.Dropdown(names, value="transformer.h.0.mlp.c_fc.weight",
                             label=label("compress.matrix"), info=label("compress.matrix_info"))
        bits = gr.Radio(["2", "4", "8"], value="4", label=label("compress.bits"),
                        info=label("compress.bits_info"))
        scheme = gr.Dropdown([(label(f"compress.s.{k}"), k) for k in SCHEMES], value="tensor-sym",
                             label=label("compress.scheme"), info=label("compress.scheme_info"))
    hist = gr.Plot(show_label=False)
    hist_note = gr.Markdown()
    gr.Markdown(label("compress.gen_head"))
    choices = [(label(f"compress.v.{n}"), n) for n in GEN_VARIANTS]
    with gr.Row():
        prompt = gr.Textbox("ROMEO.\n", label=label("common.prompt"), info=label("compress.prompt_info"),
                            max_length=common.MAX_CHARS, scale=2)
        left = gr.Dropdown(choices, value="fp32", label=label("compress.left"),
                           info=label("compress.variant_info"))
        right = gr.Dropdown(choices, value="int4-kernels", label=label("compress.right"),
                            info=label("compress.variant_info"))
    gen_btn = gr.Button(label("compress.generate"))
    with gr.Row():
        left_out = gr.Textbox(lines=8, label=label("compress.left_out"), show_label=False)
        right_out = gr.Textbox(lines=8, label=label("compress.right_out"), show_label=False)
    gen_note = gr.Markdown()
    gr.Markdown(label("compress.dark_head"))
    with gr.Row():
        dk_prompt = gr.Textbox("KING.\nMy lord, the", label=label("common.prompt"), scale=2,
                               max_length=common.MAX_CHARS)
        temp = gr.Slider(*T_RANGE, value=2.0, step=0.25, label=label("compress.temperature"),
                         info=label("compress.temperature_info"))
    dk_plot, dk_note = gr.Plot(show_label=False), gr.Markdown()
    gr.Markdown(label("compress.live_head"))
    gr.Markdown(label("compress.live_info"))
    slot = gr.State(live.LiveSlot(), time_to_live=900)  # one user's run, dropped 15 min after they go
    with gr.Row():
        start, stop = gr.Button(label("compress.live_start"), variant="primary"), gr.Button(label("compress.live_stop"))
    live_plot, live_note = gr.Plot(show_label=False), gr.Markdown()

    heavy = dict(concurrency_id="compress_heavy", concurrency_limit=1)
    triggers = [measure_btn.click] + ([tab.select] if tab is not None else [])
    gr.on(triggers, measure, lang, [scatter, table, note], api_name="compress_measure", **heavy)
    gr.on(triggers + [matrix.change, bits.change, scheme.change], histogram,
          [matrix, bits, scheme, lang], [hist, hist_note], api_name="compress_histogram",
          trigger_mode="always_last")
    gr.on([gen_btn.click], side_by_side, [prompt, left, right, lang], [left_out, right_out, gen_note],
          api_name="compress_generate", **heavy)
    gr.on(triggers + [dk_prompt.submit, temp.release], dark_knowledge, [dk_prompt, temp, lang],
          [dk_plot, dk_note], api_name="compress_soft_targets", trigger_mode="always_last")
    start.click(lambda s, lg: (yield from live.live_run(s, lg, limiter)), [slot, lang],
                [live_plot, live_note, slot], api_name="compress_live",
                concurrency_id="compress_live", concurrency_limit=LIVE_CAP)
    stop.click(live.live_stop, slot, slot, api_name="compress_live_stop", concurrency_limit=None)


if __name__ == "__main__":
    with gr.Blocks(title="LM Lab: Compress", analytics_enabled=False) as demo:
        with gr.Tab("Compress"):
            build()
    demo.queue().launch()
