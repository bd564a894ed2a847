"""Lessons tab (the first tab): read a lesson with its code's outputs, jump to its tab, take its quiz.

Lesson: every lesson (lessons/README.md).  Code: ``lmlab.lessons`` (the outputs that
``python -m lmlab.lessons render`` recorded; this tab never runs lesson code per request) and
``lmlab.lesson_pages`` (title, quiz, page).  Run alone: ``python -m lmlab.ui.lessons``.
The lesson shown follows the UI language (``lang``): ``.zh.md`` in Chinese, ``.en.md`` otherwise.
"""

from __future__ import annotations

import re
from functools import lru_cache

import gradio as gr

from lmlab.lesson_pages import Page, parse, with_outputs
from lmlab.lessons import LESSONS_DIR, all_lessons, load_outputs
from lmlab.ui.common import escape
from lmlab.ui.i18n import catalogue, label, t

MAX_QUESTIONS = 5  # quiz slots (a lesson has 3-5 questions)
MAX_TABS = 3  # "open the ... tab" buttons
LESSON_TABS = {  # lesson number -> ids of the app tabs it uses (app.py's tab ids), in order
    "01": ("generate",), "02": ("ngram",), "03": ("tokens", "inside"), "04": ("positional",),
    "05": ("attention",), "06": ("inside", "attention"), "07": ("generate",), "08": ("train", "explain"),
    "09": ("train",), "10": ("ngram", "explain"), "11": ("compress", "generate"),
    "12": ("explain", "inside", "attention"), "13": ("privacy",),
}

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
    """The page, its open-tab buttons, the targets and the quiz slots for lesson ``stem``
    (``keep_guesses``: the student's answers stay, as when only the language changed)."""
    lang = _lang(lang)
    parsed, text, code = page(stem, lang)
    if code != lang:
        other = t(f"lessons.lang_{code}", lang)
        text = f"> {t('lessons.other_lang', lang, other=other)}\n\n" + text
    targets = [i for i in LESSON_TABS.get(stem[:2], ()) if i in tab_ids][:MAX_TABS]
    buttons = [gr.update(visible=i < len(targets),
                         value=t("lessons.open", lang, tab=tab_title(targets[i], lang)) if i < len(targets) else "")
               for i in range(MAX_TABS)]
    quiz = []
    for i in range(MAX_QUESTIONS):
        item = parsed.quiz[i] if i < len(parsed.quiz) else None
        quiz += [gr.update(visible=item is not None),
                 f"**{i + 1}.** {item.question}" if item else "",
                 gr.update() if keep_guesses else gr.update(value=""), ""]
    none = "" if parsed.quiz else t("lessons.no_quiz", lang)
    return [text, *buttons, targets, none, *quiz]


def reveal(stem: str, lang: str, guess: str, n: int) -> str:
    """Answer and why of question ``n`` (1-based), with the student's own answer beside them."""
    parsed, _, code = page(stem, _lang(lang))
    if not 1 <= n <= len(parsed.quiz):
        raise gr.Error(t("lessons.no_question", lang, n=n))
    item = parsed.quiz[n - 1]
    guess = (guess or "").strip()[:500]
    mine = f"{t('lessons.yours', lang)} {escape(guess)}\n\n" if guess else ""
    verdict = number_verdict(guess, item.answer)
    if verdict is not None:
        mine += (t("lessons.match", lang) if verdict[0] else t("lessons.no_match", lang, answer=verdict[1])) + "\n\n"
    return (f"{mine}**{t('lessons.answer', code)}** {item.answer}\n\n"
            f"*{t('lessons.why', code)}* {item.why}")


NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


def number_verdict(guess: str, answer: str) -> tuple[bool, str] | None:
    """(does the guess's first number match the answer's within 2%?, the answer's number) when
    the answer is a number (it starts with one) and the guess has one; else None."""
    g, a = NUMBER.search(guess or ""), NUMBER.match(answer.strip())
    if not (g and a):
        return None
    x, y = float(g.group().replace(",", "")), float(a.group().replace(",", ""))
    return abs(x - y) <= 0.02 * max(abs(y), 1e-9), a.group()


def open_tab(targets, i: int, tab_ids: tuple[str, ...]):
    """Select the ``i``-th tab this lesson uses (nothing changes for a target the app lacks)."""
    target = targets[i] if isinstance(targets, list) and i < len(targets) else None
    return gr.Tabs(selected=target) if target in tab_ids else gr.Tabs()


def relabel(stem: str, lang: str):
    """The picker's titles in ``lang`` (the chosen lesson kept)."""
    return gr.update(choices=choices(_lang(lang)), value=stem if stem in stems() else stems()[0])


# ----------------------------------------------------------------------------- layout


def build(lang=None, tabs: gr.Tabs | None = None, tab_ids: tuple[str, ...] = (),
          followers: list | None = None) -> None:
    """Lay out the Lessons tab; ``tabs`` (the app's ``gr.Tabs``) and ``tab_ids`` make the
    "open the ... tab" buttons (hidden when the tab runs alone); ``followers`` (the shell's)
    gets the handlers that re-word the page when the language changes."""
    lang = lang if lang is not None else gr.State("en")
    tab_ids = tuple(tab_ids)
    first = stems()[0]
    gr.Markdown(label("lessons.intro"))
    pick = gr.Dropdown(choices=choices("en"), value=first, label=label("lessons.pick"),
                       info=label("lessons.pick_info"))
    with gr.Row():
        opens = [gr.Button(visible=False, size="sm", variant="secondary") for _ in range(MAX_TABS)]
    targets = gr.State([])
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
        slots.append((group, question, guess, answer))
        gr.on([check.click, guess.submit], lambda s, g, lg, n=i + 1: reveal(s, lg, g, n),
              [pick, guess, lang], answer, api_name=f"lessons_check_{i + 1}", queue=False)
    outputs = [text, *opens, targets, none, *(c for slot in slots for c in slot)]
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
    if tabs is not None:
        for i, button in enumerate(opens):
            button.click(lambda ts, i=i: open_tab(ts, i, tab_ids), targets, tabs,
                         api_name=f"lessons_open_{i + 1}", queue=False)


if __name__ == "__main__":
    with gr.Blocks(title="LM Lab: Lessons", analytics_enabled=False) as demo:
        build()
    demo.queue().launch()
