"""A lesson as a page: its title, its quiz, its text with each code block's recorded output, and
the app tabs it opens with its example settings (``LINKS``).

Tool: the Lessons tab (``lmlab.ui.lessons``) and its tests.  Lessons: every ``lessons/NN_topic.{en,zh}.md``.
Pure text in, text and small dataclasses out; nothing here runs lesson code (``lmlab.lessons``
records the outputs once, at build time).

A quiz is a section ``## Quiz`` (``## 小测验``) of numbered items, one paragraph each:

    1. Question? — **Answer:** the answer. *Why:* one line.

(in Chinese ``**答案：**`` and ``*原因：*``).

>>> md = "# 1. T\\n\\nText.\\n\\n## Quiz\\n\\n1. Two plus two? — **Answer:** 4. *Why:* counting.\\n"
>>> page = parse(md)
>>> page.title, page.quiz[0].question, page.quiz[0].answer, page.quiz[0].why
('1. T', 'Two plus two?', '4.', 'counting.')
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lmlab.lessons import FENCE, extract_blocks

QUIZ_HEADINGS = ("quiz", "小测验", "测验")  # a level-2 heading that opens the quiz (case-insensitive)
DASH = r"\s+(?:—|--|——)\s+"  # between the question and its answer
ANSWER = r"\*\*\s*(?:Answer|答案)\s*[:：]?\s*\*\*\s*[:：]?\s*"
WHY = r"\*\s*(?:Why|原因|为什么|理由)\s*[:：]?\s*\*\s*[:：]?\s*"
ITEM = re.compile(rf"^\s*(\d+)[.)]\s+(?P<q>.+?){DASH}{ANSWER}(?P<a>.+?)\s*{WHY}(?P<w>.+?)\s*$", re.S)
MAX_OUTPUT_LINES = 40  # a longer output is cut, saying how many lines were left out
LOCAL_LINK = re.compile(r"\[([^\]]+)\]\((?![a-z]+:)[^)]*\)")  # [text](02_ngrams.en.md): no target in the app


@dataclass(frozen=True)
class QuizItem:
    """One question of a lesson's quiz."""

    question: str  # markdown
    answer: str  # markdown
    why: str  # markdown, one line


@dataclass(frozen=True)
class Page:
    """A lesson split for the Lessons tab."""

    title: str  # the first level-1 heading, without "# "
    body: str  # the markdown before the quiz
    quiz: tuple[QuizItem, ...]  # parsed items of the quiz section (empty: none)


# ----------------------------------------------------------------------------- the tabs a lesson opens


@dataclass(frozen=True)
class TabLink:
    """One "open in tab" button of a lesson: the app tab it uses and the example it puts there.

    An input is named by the catalogue key of its label (``"generate.prompt"``, the key in that
    tab's ``WORDS``) and a button by the key of its text, so this table needs no handle on the
    tab's code; tests/test_lessons_links.py builds the app and checks that each key names one
    component of its tab and each value is one that component accepts.
    """

    tab: str  # the app's tab id: the tab module's name ("generate")
    settings: tuple[tuple[str, object], ...] = ()  # (label key of an input, the value to put in)
    run: str = ""  # text key of the tab's button to press once the settings are in ("": none)


def _link(tab: str, settings: dict | None = None, run: str = "") -> TabLink:
    return TabLink(tab, tuple((settings or {}).items()), run)


FAREWELL = ("Farewell, Brutus. Exit Brutus. Enter", "Farewell, Henry. Exit Henry. Enter")  # lessons 6, 12
LINKS = {  # lesson number -> its tabs, in the order its "Tab(s):" line names them
    "01": (_link("generate", {"generate.prompt": "ROMEO.", "generate.temperature": 0}, "generate.go"),),
    "02": (_link("ngram", {"ngram.prompt": "To be, or not to", "ngram.order": 3,
                           "ngram.smoothing": "kneser_ney"}, "ngram.compare"),),
    "03": (_link("tokens", {"tokens.text": "What says the King of France? 法国", "tokens.token": " King"},
                 "tokens.go"),),
    "04": (_link("positional", {"positional.sentence": "To be, or not to be, that is the question."}),),
    "05": (_link("attention", {"attention.text": "To be, or not to be, that is the question.",
                               "attention.layer": 0, "attention.head": 1}, "attention.show"),),
    "06": (_link("generate"), _link("attention"), _link("inside", {"inside.prompt": FAREWELL[0]}, "inside.go")),
    "07": (_link("generate", {"generate.prompt": "ROMEO.\n", "generate.temperature": 0.8,
                              "generate.top_k": 50, "generate.top_p": 1.0, "generate.seed": 1}, "generate.go"),),
    "08": (_link("train", {"train.objective": "masked"}), _link("explain")),
    "09": (_link("train", {"train.preset": "sgd"}),),
    "10": (_link("ngram"), _link("explain")),
    "11": (_link("compress"),
           _link("generate", {"generate.model_pick": "Shakespeare GPT, int8 weights (the shipped model quantized)",
                              "generate.prompt": "ROMEO.\n"}, "generate.go")),
    "12": (_link("inside", {"inside.preset": "Farewell, Brutus / Henry", "inside.clean": FAREWELL[0],
                            "inside.corrupt": FAREWELL[1], "inside.answer": " Brutus", "inside.wrong": " Henry"},
                 "inside.patch_go"),
           _link("explain"), _link("attention")),
    "13": (_link("privacy", {"privacy.insertions": 16, "privacy.dp": False}),),
}


def lesson_links(stem: str) -> tuple[TabLink, ...]:
    """The tabs lesson ``stem`` (``05_attention``) opens; none for a name that is no lesson."""
    return LINKS.get(str(stem)[:2], ())


# ----------------------------------------------------------------------------- parsing


def parse(markdown: str) -> Page:
    """Split a lesson into title, body and quiz (see the module's docstring for the format)."""
    lines = markdown.splitlines()
    title = next((ln[2:].strip() for ln in lines if ln.startswith("# ")), "")
    start = next((i for i, ln in enumerate(lines) if _is_quiz_heading(ln)), None)
    if start is None:
        return Page(title, markdown, ())
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    items = tuple(i for i in (_item(p) for p in _paragraphs(lines[start + 1:end])) if i)
    body = "\n".join(lines[:start] + lines[end:]).rstrip() + "\n"
    return Page(title, body, items)


def _is_quiz_heading(line: str) -> bool:
    return line.startswith("## ") and line[3:].strip().lower().rstrip(":：") in QUIZ_HEADINGS


def _paragraphs(lines: list[str]) -> list[str]:
    """Numbered items: a line starting ``N.`` opens one, following lines continue it."""
    items: list[str] = []
    for line in lines:
        if re.match(r"^\s*\d+[.)]\s", line):
            items.append(line.strip())
        elif line.strip() and items:
            items[-1] += " " + line.strip()
    return items


def _item(text: str) -> QuizItem | None:
    m = ITEM.match(text)
    return QuizItem(m["q"].strip(), m["a"].strip(), m["w"].strip()) if m else None


# ----------------------------------------------------------------------------- the page


def with_outputs(markdown: str, outputs: dict[int, str], heading: str, missing: str = "") -> str:
    """The markdown with each python block followed by its recorded output.

    ``outputs``: block index -> printed text (``lmlab.lessons.load_outputs``); ``heading`` is the
    line shown above an output ("Output"); a block without a recorded output gets ``missing``
    (nothing when empty); a block that printed nothing gets nothing.  Links to other lesson files
    keep their text only (the app has no page for them).
    """
    lines = markdown.splitlines()
    after: dict[int, str] = {}
    for block in extract_blocks(markdown):
        closing = block.line - 1 + block.code.count("\n")  # 0-based line of the closing fence
        if block.index in outputs:
            text = outputs[block.index]
            after[closing] = _output_block(text, heading) if text.strip() else ""
        elif missing:
            after[closing] = f"\n*{missing}*\n"
    out = []
    in_code = False
    for i, line in enumerate(lines):
        in_code = in_code != bool(FENCE.match(line))  # outside fences only, rewrite links
        out.append(line if in_code or FENCE.match(line) else LOCAL_LINK.sub(r"\1", line))
        if i in after and after[i]:
            out.append(after[i])
    return "\n".join(out) + "\n"


def _output_block(text: str, heading: str) -> str:
    rows = text.rstrip("\n").split("\n")
    if len(rows) > MAX_OUTPUT_LINES:
        rows = rows[:MAX_OUTPUT_LINES] + [f"... (+{len(rows) - MAX_OUTPUT_LINES})"]
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"\n**{heading}**\n\n{fence}text\n" + "\n".join(rows) + f"\n{fence}\n"
