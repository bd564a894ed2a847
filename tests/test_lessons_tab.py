"""The Lessons tab: lessons parse into pages and quizzes, recorded outputs are current, handlers answer.

Checks ``lmlab.lesson_pages`` (the quiz format in English and Chinese, outputs placed after
their block, long outputs cut, links to lesson files kept as text), ``lmlab.lessons``'
recorded outputs (``python -m lmlab.lessons render``: for the lessons this tab's author owns,
every block of both languages has an output recorded from its current code; other lessons are
reported until their authors render them), every lesson's quiz (3-5 items, the same number in
both languages), and the tab's handlers (``lmlab.ui.lessons``).

Run: ``python -m pytest tests/test_lessons_tab.py -q`` (a few seconds: nothing here runs a lesson).
"""

import gradio as gr
import pytest

from lmlab.lesson_pages import MAX_OUTPUT_LINES, parse, with_outputs
from lmlab.lessons import LESSONS_DIR, all_lessons, load_outputs, outputs_path, render, stale_outputs

OWNED = ("01_language_models", "02_ngrams", "04_positional", "05_attention", "07_generation",
         "10_evaluation")  # lessons whose outputs must be current here (the others: reported)
STEMS = sorted({p.name.split(".")[0] for p in all_lessons()})


# ----------------------------------------------------------------------------- pages


def test_a_quiz_parses_in_english_and_in_chinese():
    en = parse("# 3. T\n\nBody.\n\n## Quiz\n\n1. Why? — **Answer:** Because. *Why:* one line.\n"
               "2. Two lines? — **Answer:** Yes,\n   it continues. *Why:* a paragraph.\n\n## After\n\nMore.\n")
    assert en.title == "3. T" and [q.question for q in en.quiz] == ["Why?", "Two lines?"]
    assert en.quiz[1].answer == "Yes, it continues." and en.quiz[1].why == "a paragraph."
    assert "## Quiz" not in en.body and "More." in en.body
    zh = parse("# 标题\n\n## 小测验\n\n1. 为什么？ — **答案：** 因为。 *原因：* 一句话。\n")
    assert (zh.quiz[0].question, zh.quiz[0].answer, zh.quiz[0].why) == ("为什么？", "因为。", "一句话。")


def test_outputs_follow_their_blocks_and_long_ones_are_cut():
    md = "Intro, see [lesson 2](02_ngrams.en.md).\n\n```python\nprint(1)\n```\n\nMid.\n\n```python\nx = 2\n```\n"
    long = "\n".join(str(i) for i in range(MAX_OUTPUT_LINES + 5)) + "\n"
    page = with_outputs(md, {1: long}, "Output", "missing")
    first, second = page.index("Output"), page.index("*missing*")
    assert page.index("print(1)") < first < page.index("Mid.") < page.index("x = 2") < second
    assert "... (+5)" in page and str(MAX_OUTPUT_LINES) not in page.split("Output")[1].split("Mid.")[0]
    assert "see lesson 2." in page and "(02_ngrams.en.md)" not in page


def test_an_output_with_backticks_gets_a_longer_fence():
    page = with_outputs("```python\nprint('```')\n```\n", {1: "```\n"}, "Output")
    assert "````text\n```\n````" in page


# ----------------------------------------------------------------------------- recorded outputs


@pytest.mark.parametrize("stem", OWNED)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_recorded_outputs_of_the_lesson_are_current(stem, lang):
    path = LESSONS_DIR / f"{stem}.{lang}.md"
    assert outputs_path(path).exists(), f"run: python -m lmlab.lessons render {path.relative_to(LESSONS_DIR.parent)}"
    stale = stale_outputs(path)
    assert not stale, (f"{path.name}: blocks {stale} changed since their outputs were recorded; "
                       f"run: python -m lmlab.lessons render {path.relative_to(LESSONS_DIR.parent)}")
    assert any(load_outputs(path).values()), "no block printed anything"


def test_render_records_outputs_and_a_changed_block_loses_its_own(tmp_path):
    lesson = tmp_path / "99_tiny.en.md"
    lesson.write_text("```python\nx = 6 * 7\nprint(x)\n```\n\n```python\nprint(x + 1)\n```\n", encoding="utf-8")
    out = render(lesson, tmp_path)
    assert out.name == "99_tiny.en.json"
    assert load_outputs(lesson, tmp_path) == {1: "42\n", 2: "43\n"}
    lesson.write_text(lesson.read_text(encoding="utf-8").replace("x + 1", "x + 2"), encoding="utf-8")
    assert load_outputs(lesson, tmp_path) == {1: "42\n"} and stale_outputs(lesson, tmp_path) == [2]


def test_other_lessons_outputs_are_reported():
    lines = []
    for path in all_lessons():
        if path.name.split(".")[0] not in OWNED:
            stale = stale_outputs(path)
            lines.append(f"{path.name}: {'current' if not stale else f'{len(stale)} blocks without output'}")
    print("\n".join(lines))


# ----------------------------------------------------------------------------- quizzes


@pytest.mark.parametrize("stem", STEMS)
def test_the_lesson_ends_with_a_quiz_of_three_to_five_questions(stem):
    counts = {}
    for lang in ("en", "zh"):
        path = LESSONS_DIR / f"{stem}.{lang}.md"
        if path.exists():
            counts[lang] = len(parse(path.read_text(encoding="utf-8")).quiz)
    if stem not in OWNED and not any(counts.values()):
        pytest.skip(f"{stem}: no quiz yet")
    assert all(3 <= n <= 5 for n in counts.values()), counts
    assert len(set(counts.values())) == 1, f"different numbers of questions: {counts}"


# ----------------------------------------------------------------------------- the tab's handlers


def test_show_fills_the_page_buttons_and_quiz_in_the_chosen_language():
    from lmlab.ui import lessons

    out = lessons.show("04_positional", "zh", ("positional", "attention"))
    text, buttons = out[0], out[1:1 + lessons.MAX_TABS]
    assert text.startswith("# 4. 位置编码") and "**输出**" in text
    assert buttons[0]["visible"] and not buttons[1]["visible"]
    assert buttons[0]["value"] == "打开「位置编码」标签页"
    quiz = out[2 + lessons.MAX_TABS:]
    assert len(quiz) == 5 * lessons.MAX_QUESTIONS  # group, question, guess, answer, button per slot
    assert quiz[0]["visible"] and quiz[1].startswith("**1.**") and quiz[4] == "核对"
    english = lessons.show("04_positional", "en", ())
    assert english[0].startswith("# 4. Positional") and not english[1]["visible"]  # no tab: no button


def test_reveal_gives_the_answer_and_why_beside_the_students_guess():
    from lmlab.ui import lessons

    shown = lessons.reveal("01_language_models", "en", "<b>2048</b>", 1)
    assert "**Answer:** 2,048." in shown and "*Why:*" in shown and "&lt;b&gt;2048" in shown
    assert "**答案：**" in lessons.reveal("01_language_models", "zh", "", 1)
    with pytest.raises(gr.Error):
        lessons.reveal("01_language_models", "en", "", 99)
    with pytest.raises(gr.Error):
        lessons.show("../../etc/passwd", "en", ())


def test_a_predicted_number_is_checked_against_the_answers():
    from lmlab.ui import lessons

    assert lessons.number_verdict("about 2048", "2,048.") == (True, "2,048")
    assert lessons.number_verdict("1000", "2,048.") == (False, "2,048")
    assert lessons.number_verdict("no idea", "2,048.") is None
    assert lessons.number_verdict("3", "Infinite.") is None
    assert lessons.number_verdict("0.25", "The first, with slope 2⁻² = 0.25.") is None  # not a number answer
    assert "✓" in lessons.reveal("01_language_models", "en", "2048", 1)
    assert "✗" in lessons.reveal("01_language_models", "zh", "1000", 1)


def test_open_link_selects_only_a_tab_the_app_has():
    from lmlab.ui import lessons

    assert lessons.open_link("04_positional", 0, ("positional",), [])[0].selected == "positional"
    assert lessons.open_link("04_positional", 0, ("generate",), [])[0].selected is None  # app lacks it
    assert lessons.open_link("04_positional", 1, ("positional",), [])[0].selected is None  # no 2nd tab
    assert lessons.open_link("../junk", 0, ("positional",), [])[0].selected is None
