"""Train tab: TensorFlow Playground for a GPT.  Play / pause / step / reset a small GPT and
watch its loss fall past the n-gram lines, its schedule, its samples and one head's attention.

Lesson: lessons/09_training.en.md.  Code: ``lmlab.training.session`` (``LabRun``,
``RunLimiter``), ``lmlab.training.baselines``.  Run alone: ``python -m lmlab.ui.train``.

Each student's run (model, optimizer, history) lives in a ``gr.State`` with a time to live.  A
``gr.Timer`` ticks while the run plays; each tick trains for about half a second, so other
students' requests interleave.  ``RunLimiter`` (made in ``build``) lets ``LMLAB_MAX_TRAIN_RUNS``
(default 2) runs compute at once; a closed tab stops ticking and frees its slot.
"""

from __future__ import annotations

import os

import gradio as gr

from lmlab.training.baselines import lab_data, ngram_baselines
from lmlab.training.session import LabRun, RunLimiter
from lmlab.ui import common
from lmlab.ui.i18n import label, t
from lmlab.ui.train_settings import BLOCK, MAX_BATCH, MAX_STEPS, PRESETS, apply_preset, choices, make_config
from lmlab.ui.train_views import attention_figure, loss_figure, lr_figure

TIME_LIMIT_S = 300  # seconds of training per run
SLICE_S = 0.5  # training per tick: other students' requests run between slices
SAMPLE_EVERY = 25  # steps between samples
WIDTHS = [32, 48, 64, 96, 128]
PROMPT = "ROMEO.\n"
WATCHED = "ROMEO.\nBut soft, what light through yonder window breaks?"  # the head's input
WORDS = {
    "train.intro": ("Train a small GPT on Shakespeare and watch it learn. **Play** trains, "
                    "**Pause** stops, **Step** takes one slice, **Reset** starts again with "
                    "the settings below. The dashed lines are n-gram models that only count: "
                    "when the blue curve goes below them, the network beats counting. "
                    f"At most {MAX_STEPS} steps and {TIME_LIMIT_S // 60} minutes per run.",
                    "在莎士比亚文本上训练一个小 GPT，看它如何学习。**播放**开始训练，**暂停**停止，"
                    "**单步**走一步优化，**重置**用下面的设置重新开始。虚线是只会数数的 n 元模型："
                    "蓝色曲线低于它们时，神经网络就胜过了计数。"
                    f"每次运行最多 {MAX_STEPS} 步、{TIME_LIMIT_S // 60} 分钟。"),
    "train.play": ("Play", "播放"), "train.pause": ("Pause", "暂停"),
    "train.step": ("Step", "单步"), "train.reset": ("Reset", "重置"),
    "train.preset": ("Preset", "预设"),
    "train.preset_info": ("Each preset teaches one thing; pick one, then Reset and Play.",
                          "每个预设讲一件事：选一个，然后重置并播放。"),
    "train.preset.fast": ("Adam, learns fast", "Adam，学得快"),
    "train.preset.too_high": ("Too high a learning rate (diverges)", "学习率过高（发散）"),
    "train.preset.sgd": ("SGD with momentum (compare with Adam)", "带动量的 SGD（与 Adam 对比）"),
    "train.preset.no_warmup": ("High learning rate, no warmup", "高学习率，无预热"),
    "train.preset.warmup": ("High learning rate with warmup", "高学习率，有预热"),
    "train.optimizer": ("Optimizer", "优化器"),
    "train.optimizer_info": ("SGD: one step size for all weights; Adam: each weight's step scaled "
                             "by its gradient's size; AdamW: Adam plus weight decay.",
                             "SGD：所有权重同一步长；Adam：按每个权重梯度的大小调整步长；"
                             "AdamW：Adam 加权重衰减。"),
    "train.schedule": ("Schedule", "学习率调度"),
    "train.schedule_info": ("How the learning rate changes after warmup: constant, step (x0.1 at "
                            "1/2 and 3/4 of the run), cosine (smoothly down to a tenth).",
                            "预热之后学习率如何变化：常数、阶梯（在 1/2 和 3/4 处乘 0.1）、"
                            "余弦（平滑降到十分之一）。"),
    "train.lr": ("Learning rate", "学习率"),
    "train.lr_info": ("How far each step moves the weights. Adam: about 1e-3 to 3e-2; SGD: 0.1 to 1.",
                      "每一步权重移动多远。Adam 约 1e-3 到 3e-2；SGD 约 0.1 到 1。"),
    "train.batch": ("Batch size", "批大小"),
    "train.batch_info": (f"Windows of {BLOCK} tokens per step (1-{MAX_BATCH}): bigger is less "
                         "noisy but slower per step.",
                         f"每步使用多少个 {BLOCK} 词元的窗口（1-{MAX_BATCH}）：越大越稳，但每步越慢。"),
    "train.width": ("Width", "宽度"),
    "train.width_info": ("Numbers per token inside the model (n_embd); must divide by heads.",
                         "模型中每个词元的向量长度（n_embd）；必须能被头数整除。"),
    "train.layers": ("Layers", "层数"),
    "train.layers_info": ("Transformer blocks stacked (1-4).", "堆叠的 Transformer 块数（1-4）。"),
    "train.heads": ("Heads", "注意力头数"),
    "train.heads_info": ("Attention heads per layer; each looks at the context its own way.",
                         "每层的注意力头数；每个头用自己的方式看上下文。"),
    "train.warmup": ("Warmup steps", "预热步数"),
    "train.warmup_info": ("Steps over which the learning rate rises from 0 (0: no warmup).",
                          "学习率从 0 升上来所用的步数（0 表示不预热）。"),
    "train.steps": ("Steps", "步数"),
    "train.steps_info": (f"Optimizer steps in the run (at most {MAX_STEPS}).",
                         f"本次运行的优化步数（最多 {MAX_STEPS}）。"),
    "train.precision": ("Precision", "精度"),
    "train.precision_info": ("fp32, or bf16 autocast: faster only on hardware with bf16 math.",
                             "fp32，或 bf16 自动混合精度：只有硬件支持 bf16 运算时才更快。"),
    "train.objective": ("Objective", "训练目标"),
    "train.objective_info": ("causal: predict the next token (GPT); masked: fill in hidden "
                             "tokens, seeing both sides (BERT).",
                             "因果：预测下一个词元（GPT）；掩码：看两边，填出被遮住的词元（BERT）。"),
    "train.seed": ("Seed", "随机种子"),
    "train.seed_info": ("Same seed and settings, same run.", "种子和设置相同，运行就相同。"),
    "train.sample": ("Sample from the model", "模型的样本"),
    "train.status": ("Status", "状态"),
    "train.ready": ("Ready: press Play. Dashed lines: unigram {u:.2f}, bigram {b:.2f}, best "
                    "Kneser-Ney {k:.2f} nats.", "准备好了：按播放。虚线：一元 {u:.2f}，二元 {b:.2f}，"
                    "最好的 Kneser-Ney {k:.2f} 奈特。"),
    "train.running": ("Step {step} of {total}: train loss {loss:.3f}, held-out {val:.3f}, "
                      "learning rate {lr:.2g}, {rate:.1f} steps/s.",
                      "第 {step}/{total} 步：训练损失 {loss:.3f}，留出集 {val:.3f}，"
                      "学习率 {lr:.2g}，每秒 {rate:.1f} 步。"),
    "train.paused": ("Paused at step {step}. Play continues, Step takes one step.",
                     "已在第 {step} 步暂停。播放继续，单步走一步。"),
    "train.started": ("Training from step {step}...", "从第 {step} 步开始训练……"),
    "train.done": ("Done: {step} steps. Reset to train again.", "完成：{step} 步。重置可再训练。"),
    "train.beaten": (" The held-out loss is below the unigram line: the model beats counting "
                     "single tokens.", " 留出集损失已低于一元模型线：模型胜过了单纯数词元。"),
    "train.diverged": ("Diverged at step {step}: the loss became infinite or not a number. "
                       "With learning rate {lr:g} each step overshoots so far that the weights "
                       "blow up. The run stopped; lower the learning rate (try 1e-2) and Reset.",
                       "在第 {step} 步发散：损失变成了无穷大或非数。学习率 {lr:g} 太大，每一步都冲过头，"
                       "权重爆炸。运行已停止；请降低学习率（试试 1e-2）并重置。"),
    "train.lr_zero": (" Learning rate 0: the weights never change, so nothing moves: the loss "
                      "stays near ln(2048) = 7.6, a uniform guess.",
                      " 学习率为 0：权重永不改变，什么都不会动，损失停在 ln(2048) = 7.6 附近，即均匀猜测。"),
    "train.time_up": ("Stopped: the run used its {s} s of training time.",
                      "已停止：本次运行用完了 {s} 秒的训练时间。"),
    "train.busy": ("The lab is busy: {n} runs ahead of you (at most {cap} train at once). "
                   "Press Play again in a minute.", "训练室正忙：你前面有 {n} 个运行（最多同时 {cap} 个）。"
                   "请一分钟后再按播放。"),
    "train.masked_note": ("Masked: the blue curve is the loss on hidden tokens, seen from both "
                          "sides; the n-gram lines predict from the left only, so they are not "
                          "the same test.", "掩码：蓝色曲线是被遮住词元的损失（从两边看）；n 元线只从左边"
                          "预测，二者不是同一个考试。"),
}


# ----------------------------------------------------------------------------- what is shown


def status_text(run: LabRun, lang: str, rate: float | None = None) -> str:
    """The status line: progress, or why the run stopped, and what the numbers mean."""
    cfg, base = run.cfg, ngram_baselines()
    if run.finished == "diverged":
        return t("train.diverged", lang, step=run.diverged_at, lr=cfg.lr)
    last = run.history[-1]
    val = next((p.val_loss for p in reversed(run.history) if p.val_loss is not None), last.train_loss)
    text = t("train.running", lang, step=run.step, total=cfg.max_steps, loss=last.train_loss,
             val=val, lr=last.lr, rate=rate or 0.0)
    if run.finished == "done":
        text = t("train.done", lang, step=run.step) + " " + text
    if cfg.lr == 0:
        text += t("train.lr_zero", lang)
    if cfg.objective == "masked":
        text += " " + t("train.masked_note", lang)
    elif val < base.unigram:
        text += t("train.beaten", lang)
    return text


def sample_text(run: LabRun) -> str:
    """A sample of the run's model: continued text (causal) or filled blanks (masked)."""
    from lmlab.generate import generate
    from lmlab.training.masked import fill_in

    tok = common.tokenizer()
    if run.cfg.objective == "masked":
        ids = tok.encode(WATCHED)[:BLOCK]
        blanks = list(range(2, len(ids), 4))
        guesses = {b.position: b.ids[0] for b in fill_in(run.model, ids, blanks, 2048, k=1)}
        return "".join(f"[{tok.decode([guesses[i]])}]" if i in guesses else tok.decode([x])
                       for i, x in enumerate(ids))
    ids = generate(run.model, tok.encode(PROMPT), 60, temperature=0.8, top_k=40, seed=0)
    run.model.train()
    return tok.decode(ids[0].tolist())


def views(run: LabRun, lang: str) -> tuple:
    """(loss figure, learning-rate figure, sample, attention figure) of a run.

    A diverged model (weights inf/nan) keeps its last sample and attention picture.
    """
    loss = loss_figure(run.history, ngram_baselines(), lang, run.diverged_at)
    lr = lr_figure(run.cfg, run.step, lang)
    if run.diverged_at is not None:
        return loss, lr, run.__dict__.get("sample", ""), gr.update()
    if "sample_step" not in run.__dict__ or run.step - run.sample_step >= SAMPLE_EVERY or run.finished:
        run.sample_step, run.sample = run.step, sample_text(run) if run.step else ""
    tok = common.tokenizer()
    ids = tok.encode(WATCHED)[:BLOCK]
    attn = attention_figure(run.attention(ids), [tok.decode([i]) for i in ids], run.step, lang)
    return loss, lr, run.sample, attn


# ----------------------------------------------------------------------------- handlers


def _idle(run, lang, text):
    return run, gr.Timer(active=False), text


def new_run(settings, lang) -> LabRun:
    return LabRun(make_config(*settings, lang=lang))


def handlers(limiter: RunLimiter):
    """The tab's handlers, sharing one limiter (made by ``build``, never a module global)."""
    cap = limiter.cap

    def play(run, *args):
        *settings, lang = args
        run = run if run is not None else new_run(settings, lang)
        if run.finished or run.computed_s > TIME_LIMIT_S:
            return _idle(run, lang, t("train.done", lang, step=run.step))
        ahead = limiter.acquire(run.key)
        if ahead:
            return _idle(run, lang, t("train.busy", lang, n=ahead, cap=cap))
        run.playing = True
        return run, gr.Timer(active=True), t("train.started", lang, step=run.step)

    def advance(run, lang, max_steps=None):
        ahead = limiter.acquire(run.key)
        if ahead:
            return (*_idle(run, lang, t("train.busy", lang, n=ahead, cap=cap)),
                    *[gr.update()] * 4)
        train_data, val_data = lab_data()
        before, seconds = run.step, run.computed_s
        run.advance(train_data, val_data, SLICE_S, max_steps)
        rate = (run.step - before) / max(run.computed_s - seconds, 1e-9)
        time_up = run.computed_s > TIME_LIMIT_S
        stop = bool(run.finished or time_up or max_steps or not run.playing)
        if stop:
            limiter.release(run.key)
        text = status_text(run, lang, rate)
        if not run.playing and not max_steps and not run.finished:  # paused during this slice
            text = t("train.paused", lang, step=run.step)
        if time_up and not run.finished:
            text = t("train.time_up", lang, s=TIME_LIMIT_S) + " " + text
        return (run, gr.Timer(active=not stop), text, *views(run, lang))

    def tick(run, lang):
        if run is None or run.finished or run.computed_s > TIME_LIMIT_S or not run.playing:
            return (run, gr.Timer(active=False), gr.update(), *[gr.update()] * 4)
        return advance(run, lang)

    def step(run, *args):
        *settings, lang = args
        run = run if run is not None else new_run(settings, lang)
        if run.finished:
            return (*_idle(run, lang, status_text(run, lang)), *[gr.update()] * 4)
        run.playing = False
        return advance(run, lang, max_steps=1)

    def pause(run, lang):
        if run is not None:
            run.playing = False
            limiter.release(run.key)
        return gr.Timer(active=False), t("train.paused", lang, step=run.step if run else 0)

    def reset(run, *args):
        *settings, lang = args
        if run is not None:
            limiter.release(run.key)
        run = new_run(settings, lang)
        return (run, gr.Timer(active=False), ready(lang), loss_figure([], ngram_baselines(), lang),
                lr_figure(run.cfg, 0, lang), "", None)

    def overview(*args):
        *settings, lang = args
        cfg = make_config(*settings, lang=lang)
        return ready(lang), loss_figure([], ngram_baselines(), lang), lr_figure(cfg, 0, lang)

    return play, tick, step, pause, reset, overview


def ready(lang: str) -> str:
    b = ngram_baselines()
    return t("train.ready", lang, u=b.unigram, b=b.bigram, k=b.best_kn)


# ----------------------------------------------------------------------------- layout


def build(lang=None, limiter: RunLimiter | None = None) -> None:
    """Lay out the Train tab inside the current Blocks context (one limiter for its users)."""
    limiter = limiter or RunLimiter(int(os.environ.get("LMLAB_MAX_TRAIN_RUNS", "2")))
    lang = lang if lang is not None else gr.State("en")
    play, tick, step, pause, reset, overview = handlers(limiter)
    gr.Markdown(label("train.intro"))
    run = gr.State(None, time_to_live=TIME_LIMIT_S * 4,
                   delete_callback=lambda r: r is not None and limiter.release(r.key))
    timer = gr.Timer(SLICE_S, active=False)
    with gr.Row():
        play_btn = gr.Button(label("train.play"), variant="primary", elem_id="train-play")
        pause_btn = gr.Button(label("train.pause"), elem_id="train-pause")
        step_btn = gr.Button(label("train.step"), elem_id="train-step")
        reset_btn = gr.Button(label("train.reset"), elem_id="train-reset")
    status = gr.Markdown(elem_id="train-status")
    with gr.Row():
        with gr.Column(scale=1, min_width=280):
            preset = gr.Dropdown([(label(f"train.preset.{k}"), k) for k in PRESETS], value="fast",
                                 label=label("train.preset"), info=label("train.preset_info"))
            o, sc, lr0, b0, w0, l0, h0, wu0, st0 = PRESETS["fast"]
            settings = [
                gr.Radio(choices("optimizer"), value=o, label=label("train.optimizer"),
                         info=label("train.optimizer_info")),
                gr.Radio(choices("schedule"), value=sc, label=label("train.schedule"),
                         info=label("train.schedule_info")),
                gr.Number(lr0, label=label("train.lr"), info=label("train.lr_info")),
                gr.Slider(1, MAX_BATCH, value=b0, step=1, label=label("train.batch"),
                          info=label("train.batch_info")),
                gr.Dropdown(WIDTHS, value=w0, label=label("train.width"), info=label("train.width_info")),
                gr.Slider(1, 4, value=l0, step=1, label=label("train.layers"), info=label("train.layers_info")),
                gr.Slider(1, 8, value=h0, step=1, label=label("train.heads"), info=label("train.heads_info")),
                gr.Number(wu0, label=label("train.warmup"), info=label("train.warmup_info"), precision=0),
                gr.Number(st0, label=label("train.steps"), info=label("train.steps_info"), precision=0),
                gr.Radio(choices("precision"), value="fp32", label=label("train.precision"),
                         info=label("train.precision_info")),
                gr.Radio(choices("objective"), value="causal", label=label("train.objective"),
                         info=label("train.objective_info")),
                gr.Number(0, label=label("train.seed"), info=label("train.seed_info"), precision=0)]
        with gr.Column(scale=2):
            loss_plot = gr.Plot(elem_id="train-loss")
            lr_plot = gr.Plot()
            sample = gr.Textbox(label=label("train.sample"), lines=4, interactive=False)
            attn_plot = gr.Plot()
    shown = [status, loss_plot, lr_plot, sample, attn_plot]
    preset.change(apply_preset, preset, settings[:9], api_name="train_preset")
    play_btn.click(play, [run, *settings, lang], [run, timer, status], api_name="train_play")
    timer.tick(tick, [run, lang], [run, timer, *shown], api_name="train_tick",
               show_progress="hidden", trigger_mode="once", concurrency_id="train",
               concurrency_limit=limiter.cap)
    step_btn.click(step, [run, *settings, lang], [run, timer, *shown], api_name="train_step",
                   concurrency_id="train")
    pause_btn.click(pause, [run, lang], [timer, status], api_name="train_pause")
    reset_btn.click(reset, [run, *settings, lang], [run, timer, *shown], api_name="train_reset")
    # the tab opens filled (baselines, the schedule of the settings) when first seen: by then the
    # page's load has set ``lang`` (a page-load event of its own could race it and speak English)
    common.on_first_view(overview, [status, loss_plot, lr_plot], api_name="train_overview",
                         inputs=[*settings, lang])


if __name__ == "__main__":
    from lmlab.ui.i18n import I18N

    with gr.Blocks(title="LM Lab: Train", analytics_enabled=False) as demo:
        build()
    demo.queue().launch(i18n=I18N())
