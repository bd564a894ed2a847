""""Predict, then reveal": a quiz question that asks for a number reveals it computed now by lmlab.

Checks ``lmlab.lesson_numbers`` (each live question is the one its lesson asks, in both
languages, and lmlab computes the number the answer states; computed once, then cached; a
prediction counts within 2%) and the Lessons tab's side (``lmlab.ui.lessons.reveal`` shows the
computed number, not the recorded text, and checks the student's prediction against it; the
question says it is live and its button reads Reveal; other questions keep their immediate
feedback).  Offline: the session's audit hook (tests/conftest.py) fails any outside lookup.

Run: ``python -m pytest tests/test_lessons_live.py -q`` (a few seconds: one shipped-GPT load).
"""

from __future__ import annotations

import math
import re

import pytest

from lmlab import lesson_numbers
from lmlab.lesson_pages import parse
from lmlab.lessons import LESSONS_DIR

LIVE = sorted(lesson_numbers.REVEALS)


def quiz_item(number: str, question: int, lang: str):
    path = next(LESSONS_DIR.glob(f"{number}_*.{lang}.md"))
    return parse(path.read_text(encoding="utf-8")).quiz[question - 1]


@pytest.mark.parametrize("key", LIVE, ids=[f"{n}-q{q}" for n, q in LIVE])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_lmlab_computes_the_number_the_lessons_answer_states(key, lang):
    shown = lesson_numbers.reveal(*key)
    stated = lesson_numbers.predicted(quiz_item(*key, lang).answer)
    assert shown.values and shown.source.startswith("lmlab.")
    for what, value in shown.values:
        assert any(lesson_numbers.is_close(s, value) for s in stated), (
            f"lesson {key[0]} question {key[1]} ({lang}): {what} = {value}, the answer says {stated}")


def test_the_numbers_are_what_the_lessons_say():
    values = {k: [v for _, v in lesson_numbers.reveal(*k).values] for k in LIVE}
    assert values[("01", 1)] == [pytest.approx(2048, rel=1e-9)]  # the shipped GPT's vocabulary
    assert values[("02", 1)] == [math.inf] and values[("05", 2)] == [pytest.approx(1.0, abs=1e-6)]
    assert values[("07", 2)] == [2] and values[("09", 3)] == [16]
    assert values[("10", 1)] == [0.9, pytest.approx(0.9 / 1.9)]  # F1 of the negatives 0.947, positives 0
    assert values[("13", 1)] == [pytest.approx(math.log2(100))]


def test_a_reveal_is_computed_once_then_served_from_the_cache():
    lesson_numbers.reveal("05", 2)
    before = lesson_numbers._computed.cache_info()
    again = lesson_numbers.reveal("05_attention", 2)
    after = lesson_numbers._computed.cache_info()
    assert after.misses == before.misses and after.hits == before.hits + 1
    assert again is lesson_numbers.reveal("05", 2)
    assert lesson_numbers.reveal("05", 1) is None and not lesson_numbers.is_live("05", 1)


def test_a_prediction_counts_within_two_percent_and_infinity_only_as_itself():
    shown = lesson_numbers.reveal("02", 1)
    assert lesson_numbers.matches("infinite", shown) and lesson_numbers.matches("∞", shown)
    assert lesson_numbers.matches("无穷大", shown) and not lesson_numbers.matches("1e9", shown)
    both = lesson_numbers.reveal("10", 1)
    assert lesson_numbers.matches("F1 0.47, accuracy 90%... I mean 0.9", both)
    assert not lesson_numbers.matches("0.9", both) and not lesson_numbers.matches("", both)
    assert lesson_numbers.predicted("2,048.") == [2048.0]


# ----------------------------------------------------------------------------- the tab


def test_the_tab_reveals_the_number_computed_now_and_checks_the_prediction():
    from lmlab.ui import lessons

    right = lessons.reveal("01_language_models", "en", "2048", 1)
    assert "**Computed now** by `lmlab.evaluate.perplexity`" in right and "perplexity **2,048**" in right
    assert "✓ Your prediction matches" in right and "**Answer:** 2,048." in right
    assert "✗ Not the number computed now." in lessons.reveal("01_language_models", "en", "1000", 1)
    assert "✓" not in lessons.reveal("01_language_models", "en", "", 1)  # nothing predicted: no verdict
    both = lessons.reveal("10_evaluation", "en", "0.9 and 0.47", 1)
    assert "accuracy **0.9**; macro-F1 **0.474**" in both and "✓" in both
    assert "perplexity **∞**" in lessons.reveal("02_ngrams", "en", "inf", 1)


def test_the_reveal_shows_the_live_value_not_the_recorded_text(monkeypatch):
    from lmlab.ui import lessons

    fake = lesson_numbers.Reveal((("perplexity", 1234.0),), "lmlab.test")
    monkeypatch.setattr(lesson_numbers, "reveal", lambda lesson, q: fake)
    shown = lessons.reveal("01_language_models", "en", "2048", 1)
    assert "perplexity **1,234**" in shown and "✗" in shown  # judged against the live number


def test_the_chinese_reveal_is_worded_in_chinese():
    from lmlab.ui import lessons

    shown = lessons.reveal("13_privacy", "zh", "6.6", 1)
    first = shown.split("\n\n")[1]  # after "你写的是：6.6"
    assert first.startswith("**现场计算**（`lmlab.privacy.canary.exposure`）：暴露度（比特） **6.64**。")
    assert "✓ 你的预测与现场计算的结果一致。" in shown and "**答案：**" in shown
    words = set(re.findall(r"[A-Za-z]{3,}", re.sub(r"`[^`]*`", "", shown)))
    assert words <= {"log"}, words  # no English left outside code and log2
    assert "每个进程（rank）的窗口数 **16**" in lessons.reveal("09_training", "zh", "", 3)


def test_a_live_question_says_so_and_its_button_reads_reveal():
    from lmlab.ui import lessons

    out = lessons.show("05_attention", "en", ())
    quiz = out[2 + lessons.MAX_TABS:]
    slot = [quiz[5 * i:5 * i + 5] for i in range(lessons.MAX_QUESTIONS)]
    assert slot[1][4] == "Reveal" and "lmlab computes it now" in slot[1][1]
    assert slot[0][4] == "Check" and "computes" not in slot[0][1]
    zh = lessons.show("05_attention", "zh", ())[2 + lessons.MAX_TABS:]
    assert zh[5 + 4] == "揭晓" and "现场计算" in zh[5 + 1]


def test_other_questions_keep_their_immediate_feedback():
    from lmlab.ui import lessons

    shown = lessons.reveal("05_attention", "en", "no", 3)
    assert "Computed now" not in shown and shown.startswith("You wrote: no") and "**Answer:** No." in shown
