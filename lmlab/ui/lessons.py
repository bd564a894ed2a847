"""Lessons tab (the first tab): read a lesson with its code's outputs, jump to its tab, take its quiz.

Lesson: every lesson (lessons/README.md).  Code: ``lmlab.lessons`` (the outputs that
``python -m lmlab.lessons render`` recorded; this tab never runs lesson code per request) and
``lmlab.lesson_pages`` (title, quiz, page, the tabs it opens with their settings) and
``lmlab.lesson_numbers`` (the numbers "predict, then reveal" questions compute live).
Run alone: ``python -m lmlab.ui.lessons``.  The lesson shown follows the UI language (``lang``):
``.zh.md`` in Chinese, ``.en.md`` otherwise.

An "open in tab" button puts the lesson's example (``lmlab.lesson_pages.LINKS``) into the target
tab's inputs, which it finds by their label keys once every tab is built (``finish``), selects
the tab, and, where the lesson names one, presses the tab's own button as a student would
(in the browser, once the tab is idle: its queue limits and its Stop button apply as usual).
"""

from __future__ import annotations

import json
import math
import re
from functools import lru_cache

import gradio as gr

from lmlab import lesson_numbers
from lmlab.lesson_pages import LINKS, Page, TabLink, lesson_links, parse, with_outputs
from lmlab.lessons import LESSONS_DIR, all_lessons, load_outputs
from lmlab.ui.common import escape
from lmlab.ui.i18n import catalogue, label, t

MAX_QUESTIONS = 5  # quiz slots (a lesson has 3-5 questions)
MAX_TABS = 3  # "open the ... tab" buttons

WORDS = {
    "lessons.tab": ("Lessons", "课程"),
    "lessons.pick": ("Lesson", "课程"),
    "lessons.pick_info": ("In teaching order. Every number on the page was printed by the code above it.",
                          "按教学顺序排列。页面上的每个数字都由它上方的代码打印出来。"),
    "lessons.intro": ("Read a lesson with the outputs of its code, open the tab it uses, then take its quiz.",
                      "阅读课程及其代码的运行结果，打开它用到的标签页，最后做一做小测验。"),
    "lessons.output": ("Output", "输出"),
    "lessons.no_output": ("Output not recorded yet (`python -m lmlab.lessons render`).",
                          "尚未记录输出（请运行 `python -m lmlab.lessons render`）。"),
    "lessons.open": ("Open the {tab} tab", "打开「{tab}」标签页"),
    "lessons.quiz": ("## Quiz\nPredict first, then check: the answer and why appear below each question.",
                     "## 小测验\n先想一想，再核对：每道题下方会显示答案和原因。"),
    "lessons.guess": ("Your answer", "你的答案"),
    "lessons.guess_info": ("Optional: write your prediction before you check.", "可选：核对之前先写下你的预测。"),
    "lessons.check": ("Check", "核对"),
    "lessons.reveal": ("Reveal", "揭晓"),
    "lessons.predict": ("Predict the number first, then reveal it: lmlab computes it now.",
                        "先预测这个数，再揭晓：由 lmlab 现场计算。"),
    "lessons.live": ("**Computed now** by `{source}`{how}: {numbers}.", "**现场计算**（`{source}`{how}）：{numbers}。"),
    "lessons.live_match": ("✓ Your prediction matches the number computed now.", "✓ 你的预测与现场计算的结果一致。"),
    "lessons.live_no_match": ("✗ Not the number computed now.", "✗ 与现场计算的结果不一致。"),
    "lessons.how.01": (", the shipped GPT with its token embeddings set to zero (every logit is 0), on held-out text",
                       "；把随包 GPT 的词元嵌入全部置零（每个 logit 都是 0），在留出文本上计算"),
    "lessons.how.02": (", an unsmoothed bigram of one training work, on held-out text",
                       "；用一部训练作品拟合、不加平滑的二元模型，在留出文本上计算"),
    "lessons.how.05": (", the smallest such weight over every head of the shipped GPT",
                       "；随包 GPT 所有注意力头里这个权重的最小值"),
    "lessons.v.perplexity": ("perplexity", "困惑度"), "lessons.v.weight": ("weight", "权重"),
    "lessons.v.kept": ("tokens kept", "保留的词元数"),
    "lessons.v.windows": ("windows per rank", "每个进程（rank）的窗口数"),
    "lessons.v.accuracy": ("accuracy", "准确率"), "lessons.v.macro_f1": ("macro-F1", "宏平均 F1"),
    "lessons.v.exposure": ("exposure in bits", "暴露度（比特）"),
    "lessons.answer": ("Answer:", "答案："),
    "lessons.why": ("Why:", "原因："),
    "lessons.yours": ("You wrote:", "你写的是："),
    "lessons.match": ("✓ Your number matches the answer's.", "✓ 你的数字与答案一致。"),
    "lessons.no_match": ("✗ Not the answer's number ({answer}).", "✗ 与答案中的数字（{answer}）不一致。"),
    "lessons.no_quiz": ("This lesson has no quiz yet.", "这节课还没有小测验。"),
    "lessons.other_lang": ("This lesson is not written in this language yet; here is the {other} version.",
                           "这节课还没有本语言版本，下面是{other}版。"),
    "lessons.lang_en": ("English", "英文"),
    "lessons.lang_zh": ("Chinese", "中文"),
    "lessons.unknown": ("There is no lesson {name!r}. Pick one from the list.",
                        "没有名为 {name!r} 的课程，请从列表中选择。"),
    "lessons.no_question": ("There is no question {n} in this lesson.", "这节课没有第 {n} 题。"),
}


# ----------------------------------------------------------------------------- lessons (read-only files)


def _lang(lang: str | None) -> str:
    return "zh" if (lang or "").startswith("zh") else "en"


@lru_cache(maxsize=1)
def stems() -> tuple[str, ...]:
    """``01_language_models``, ``02_ngrams``, ...: every lesson in either language, in order."""
    return tuple(sorted({p.name.split(".")[0] for p in all_lessons()}))


def lesson_path(stem: str, lang: str):
    """The file of lesson ``stem`` in ``lang``, or in the other language when it has none yet."""
    if stem not in stems():
        raise gr.Error(t("lessons.unknown", lang, name=str(stem)[:80]))
    for code in (_lang(lang), "zh" if _lang(lang) == "en" else "en"):
        path = LESSONS_DIR / f"{stem}.{code}.md"
        if path.exists():
            return path, code


@lru_cache(maxsize=64)
def page(stem: str, lang: str) -> tuple[Page, str, str]:
    """(parsed page, the markdown with outputs, the language it is written in), cached: the
    files only change with a new release of the app."""
    path, code = lesson_path(stem, lang)
    parsed = parse(path.read_text(encoding="utf-8"))
    text = with_outputs(parsed.body, load_outputs(path), t("lessons.output", code),
                        t("lessons.no_output", code))
    return parsed, text, code


def choices(lang: str) -> list[tuple[str, str]]:
    """(title in ``lang``, stem) for the picker."""
    return [(page(s, lang)[0].title or s, s) for s in stems()]


def tab_title(tab_id: str, lang: str) -> str:
    key = f"tab.{tab_id}"
    return t(key, lang) if key in catalogue() else tab_id


# ----------------------------------------------------------------------------- handlers


def show(stem: str, lang: str, tab_ids: tuple[str, ...] = (), keep_guesses: bool = False):
    """The page, its open-tab buttons, and the quiz slots (group, question, guess, answer,
    button: Reveal for a live question, Check otherwise) for lesson ``stem``
    (``keep_guesses``: the student's answers stay, as when only the language changed)."""
    lang = _lang(lang)
    parsed, text, code = page(stem, lang)
    if code != lang:
        other = t(f"lessons.lang_{code}", lang)
        text = f"> {t('lessons.other_lang', lang, other=other)}\n\n" + text
    targets = [link.tab for link in links_in_app(stem, tab_ids)]
    buttons = [gr.update(visible=i < len(targets),
                         value=t("lessons.open", lang, tab=tab_title(targets[i], lang)) if i < len(targets) else "")
               for i in range(MAX_TABS)]
    quiz = []
    for i in range(MAX_QUESTIONS):
        item = parsed.quiz[i] if i < len(parsed.quiz) else None
        live = item is not None and lesson_numbers.is_live(stem, i + 1)
        question = f"**{i + 1}.** {item.question}" if item else ""
        quiz += [gr.update(visible=item is not None),
                 question + (f"\n\n*{t('lessons.predict', lang)}*" if live else ""),
                 gr.update() if keep_guesses else gr.update(value=""), "",
                 t("lessons.reveal" if live else "lessons.check", lang)]
    none = "" if parsed.quiz else t("lessons.no_quiz", lang)
    return [text, *buttons, none, *quiz]


def links_in_app(stem: str, tab_ids: tuple[str, ...]) -> list[TabLink]:
    """The tabs lesson ``stem`` opens that this app has, at most ``MAX_TABS``, in order."""
    return [link for link in lesson_links(stem) if link.tab in tab_ids][:MAX_TABS]


def reveal(stem: str, lang: str, guess: str, n: int) -> str:
    """Answer and why of question ``n`` (1-based), with the student's own answer beside them."""
    parsed, _, code = page(stem, _lang(lang))
    if not 1 <= n <= len(parsed.quiz):
        raise gr.Error(t("lessons.no_question", lang, n=n))
    item = parsed.quiz[n - 1]
    guess = (guess or "").strip()[:500]
    mine = f"{t('lessons.yours', lang)} {escape(guess)}\n\n" if guess else ""
    live = lesson_numbers.reveal(stem, n)
    if live is not None:  # "predict, then reveal": the number computed now, and the guess against it
        mine += live_line(stem, live, lang) + "\n\n"
        if lesson_numbers.predicted(guess):
            right = lesson_numbers.matches(guess, live)
            mine += t("lessons.live_match" if right else "lessons.live_no_match", lang) + "\n\n"
    else:
        verdict = number_verdict(guess, item.answer)
        if verdict is not None:
            right, number = verdict
            mine += (t("lessons.match", lang) if right else t("lessons.no_match", lang, answer=number)) + "\n\n"
    return (f"{mine}**{t('lessons.answer', code)}** {item.answer}\n\n"
            f"*{t('lessons.why', code)}* {item.why}")


def live_line(stem: str, live: lesson_numbers.Reveal, lang: str) -> str:
    """"Computed now by `lmlab.x`: perplexity **2,048**." in ``lang``."""
    how = f"lessons.how.{stem[:2]}"
    numbers = ("；" if _lang(lang) == "zh" else "; ").join(
        f"{t(f'lessons.v.{what}', lang)} **{fmt(v)}**" for what, v in live.values)
    return t("lessons.live", lang, source=live.source, how=t(how, lang) if how in catalogue() else "",
             numbers=numbers)


def fmt(v: float) -> str:
    """A computed number as a student reads it: ``∞``, ``2,048``, ``0.474``."""
    if math.isinf(v):
        return "∞" if v > 0 else "−∞"
    return f"{round(v):,}" if abs(v - round(v)) < 1e-9 * max(1.0, abs(v)) else f"{v:.3g}"


NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


def number_verdict(guess: str, answer: str) -> tuple[bool, str] | None:
    """(does the guess's first number match the answer's within 2%?, the answer's number) when
    the answer is a number (it starts with one) and the guess has one; else None."""
    g, a = NUMBER.search(guess or ""), NUMBER.match(answer.strip())
    if not (g and a):
        return None
    x, y = float(g.group().replace(",", "")), float(a.group().replace(",", ""))
    return abs(x - y) <= 0.02 * max(abs(y), 1e-9), a.group()


def open_link(stem: str, i: int, tab_ids: tuple[str, ...], slots: list[tuple[str, str]]) -> list:
    """The ``i``-th tab lesson ``stem`` uses, selected, and its example put into that tab's inputs:
    one update per (tab id, label key) of ``slots`` (the inputs the app wired), a value where
    this link sets one, unchanged elsewhere.  A lesson or button with no tab changes nothing."""
    links = links_in_app(stem, tab_ids) if stem in stems() else []
    if not (isinstance(i, int) and 0 <= i < len(links)):
        return [gr.Tabs(), *[gr.update() for _ in slots]]
    link = links[i]
    values = dict(link.settings)
    return [gr.Tabs(selected=link.tab),
            *[gr.update(value=values[key]) if tab == link.tab and key in values else gr.update()
              for tab, key in slots]]


WAIT = """(stem) => new Promise((done) => {  // until the tab shows and is idle: its first view done
  const id = (%s)[stem]; let tries = 0, quiet = 0;
  const poll = () => {
    const shown = !id || document.getElementById(id)?.offsetParent;
    const busy = Array.from(document.querySelectorAll('.wrap.default:not(.hide), .wrap.center:not(.hide)'))
      .some(e => e.offsetParent);  // a status tracker shows: the first view, a run
    quiet = shown && !busy ? quiet + 1 : 0;
    if (quiet >= 5 || tries++ > 3000) done([]); else setTimeout(poll, 100);  // 5 minutes at most
  };
  poll();
})"""
PRESS = """(stem) => { const b = document.getElementById((%s)[stem] || '-');
  if (b && b.offsetParent) b.click(); return []; }"""  # as a student would: queue limits, Stop


def wire_links(demo, opens: list, pick, tabs, tab_ids: tuple[str, ...]) -> None:
    """Once every tab exists: each "open in tab" button selects its tab and fills the inputs its
    lesson names (found by label key, ``lmlab.ui.shell.tab_components``; a key that names no
    single input is left out, and tests/test_lessons_links.py fails on it); once the tab shows
    and its first view is done (which may reset inputs), fills them again and presses the tab's
    button the lesson names.  The page finds them by ``elem_id`` (given one when they have none)."""
    from lmlab.ui.shell import tab_components

    found = tab_components(demo, tab_ids)

    def one(tab: str, key: str):
        hits = found.get(tab, {}).get(key, [])
        return hits[0] if len(hits) == 1 else None

    def element_id(component, key: str) -> str:
        component.elem_id = component.elem_id or f"lesson-link-{key.replace('.', '-')}"
        return component.elem_id

    slots = sorted({(link.tab, key) for links in LINKS.values() for link in links for key, _ in link.settings
                    if one(link.tab, key) is not None})
    inputs = [one(tab, key) for tab, key in slots]
    for i, button in enumerate(opens):
        marks, press = {}, {}  # lesson -> the element that shows its tab is up, the button to press
        for stem in stems():
            links = links_in_app(stem, tab_ids)
            link = links[i] if i < len(links) else None
            run = one(link.tab, link.run) if link and link.run else None
            if isinstance(run, gr.Button):
                press[stem] = marks[stem] = element_id(run, link.run)
            elif link and any(one(link.tab, key) for key, _ in link.settings):
                key = next(k for k, _ in link.settings if one(link.tab, k))
                marks[stem] = element_id(one(link.tab, key), key)
        button.click(lambda s, i=i: open_link(s, i, tab_ids, slots), pick, [tabs, *inputs],
                     api_name=f"lessons_open_{i + 1}", queue=False).then(
            None, pick, None, js=WAIT % json.dumps(marks), api_visibility="private").then(
            lambda s, i=i: open_link(s, i, tab_ids, slots)[1:], pick, inputs,
            api_name=f"lessons_settings_{i + 1}", queue=False).then(
            None, pick, None, js=PRESS % json.dumps(press), api_visibility="private")


def relabel(stem: str, lang: str):
    """The picker's titles in ``lang`` (the chosen lesson kept)."""
    return gr.update(choices=choices(_lang(lang)), value=stem if stem in stems() else stems()[0])


# ----------------------------------------------------------------------------- layout


def build(lang=None, tabs: gr.Tabs | None = None, tab_ids: tuple[str, ...] = (),
          followers: list | None = None, finish: list | None = None) -> None:
    """Lay out the Lessons tab; ``tabs`` (the app's ``gr.Tabs``), ``tab_ids`` and ``finish``
    (the shell's list of wiring done once every tab exists) make the "open the ... tab" buttons
    (hidden when the tab runs alone); ``followers`` (the shell's) gets the handlers that re-word
    the page when the language changes."""
    lang = lang if lang is not None else gr.State("en")
    tab_ids = tuple(tab_ids)
    first = stems()[0]
    gr.Markdown(label("lessons.intro"))
    pick = gr.Dropdown(choices=choices("en"), value=first, label=label("lessons.pick"),
                       info=label("lessons.pick_info"))
    with gr.Row():
        opens = [gr.Button(visible=False, size="sm", variant="secondary") for _ in range(MAX_TABS)]
    text = gr.Markdown(latex_delimiters=[], elem_id="lesson-page")
    gr.Markdown(label("lessons.quiz"))
    none = gr.Markdown()
    slots = []
    for i in range(MAX_QUESTIONS):
        with gr.Group(visible=False) as group:
            question = gr.Markdown(latex_delimiters=[])
            with gr.Row(equal_height=True):
                guess = gr.Textbox(label=label("lessons.guess"), info=label("lessons.guess_info"),
                                   max_lines=3, scale=4)
                check = gr.Button(label("lessons.check"), scale=1)
            answer = gr.Markdown(latex_delimiters=[])
        slots.append((group, question, guess, answer, check))
        # queued (its own pool of 2): a live reveal may compute, once per process, for a second
        gr.on([check.click, guess.submit], lambda s, g, lg, n=i + 1: reveal(s, lg, g, n),
              [pick, guess, lang], answer, api_name=f"lessons_check_{i + 1}", show_progress="minimal")
    outputs = [text, *opens, none, *(c for slot in slots for c in slot)]
    # Reading a lesson is a cached file read: these events skip the queue, so a student is never
    # kept waiting behind another tab's heavy work.
    def page_for(s, lg):
        return show(s, lg, tab_ids)

    def same_page_for(s, lg):  # the language changed: same lesson, the student's answers kept
        return show(s, lg, tab_ids, keep_guesses=True)

    if followers is None:  # alone: on load, and whenever the lesson or the language changes
        gr.on(None, page_for, [pick, lang], outputs, api_name="lessons_show", queue=False)
        lang.change(relabel, [pick, lang], pick, api_name="lessons_titles", queue=False)
    else:  # in the app: the shell runs the followers after page load and after the switch
        from lmlab.ui.shell import Follower

        pick.change(page_for, [pick, lang], outputs, api_name="lessons_show", queue=False,
                    trigger_mode="always_last")
        followers += [Follower(same_page_for, [pick, lang], outputs, "lessons_page"),
                      Follower(relabel, [pick, lang], [pick], "lessons_titles")]
    if tabs is not None and finish is not None:
        finish.append(lambda demo: wire_links(demo, opens, pick, tabs, tab_ids))


if __name__ == "__main__":
    with gr.Blocks(title="LM Lab: Lessons", analytics_enabled=False) as demo:
        build()
    demo.queue().launch()
