"""The lessons' code runs: every ```python block of every lessons/*.md, in order, per lesson.

Also checks ``lmlab.lessons`` itself (which block failed, and where) and that each Chinese
lesson has the same code as its English twin (comments and printed text may be translated).

Run: ``python -m pytest tests/test_lessons.py`` (the lesson runs are marked ``slow``; add
``-m "not slow"`` for the quick checks only).  One lesson by hand, with its output:
``python -m lmlab.lessons lessons/01_language_models.en.md``.
"""

import io
import tokenize
from pathlib import Path

import pytest

from lmlab.lessons import LessonError, extract_blocks, lesson_blocks, run_blocks, run_lesson

LESSONS_DIR = Path(__file__).resolve().parent.parent / "lessons"
LESSONS = sorted(p for p in LESSONS_DIR.glob("*.md") if lesson_blocks(p))
PAIRS = sorted({p.name.split(".")[0] for p in LESSONS_DIR.glob("[0-9][0-9]_*.md")})


# ----------------------------------------------------------------------------- the lessons


def test_the_curriculum_has_lessons_with_code():
    assert len(LESSONS) >= 2, f"no lessons with python blocks in {LESSONS_DIR}"


@pytest.mark.slow
@pytest.mark.parametrize("path", LESSONS, ids=[p.name for p in LESSONS])
def test_every_block_of_the_lesson_runs(path):
    try:
        results = run_lesson(path)
    except LessonError as exc:
        pytest.fail(str(exc), pytrace=False)
    assert len(results) == len(lesson_blocks(path))


TEXT = {tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING)}


def _code_shape(code: str) -> list[tuple[int, str]]:
    """The code's tokens without comments and blank lines, and with the text of string literals
    blanked: a translation may change comments and printed text, nothing else."""
    skip = (tokenize.COMMENT, tokenize.NL)
    shape: list[tuple[int, str]] = []
    for t in tokenize.generate_tokens(io.StringIO(code).readline):
        if t.type in skip:
            continue
        token = (tokenize.STRING, "<text>") if t.type in TEXT else (t.type, t.string)
        if token == (tokenize.STRING, "<text>") and shape and shape[-1] == token:
            continue  # "a" "b" (implicit concatenation) is one piece of text
        shape.append(token)
    return shape


@pytest.mark.parametrize("stem", PAIRS)
def test_english_and_chinese_lessons_have_the_same_code(stem):
    en, zh = LESSONS_DIR / f"{stem}.en.md", LESSONS_DIR / f"{stem}.zh.md"
    missing = [p.name for p in (en, zh) if not p.exists()]
    if missing:
        pytest.skip(f"{', '.join(missing)} not written yet")
    en_blocks, zh_blocks = lesson_blocks(en), lesson_blocks(zh)
    assert len(en_blocks) == len(zh_blocks), "different numbers of python blocks"
    for a, b in zip(en_blocks, zh_blocks, strict=False):
        assert _code_shape(a.code) == _code_shape(b.code), (
            f"block {a.index}: {en.name} line {a.line} and {zh.name} line {b.line} differ")


# ----------------------------------------------------------------------------- the checker


def test_only_python_fences_are_extracted_with_their_line_numbers():
    md = "# T\n\n```python\na = 1\n```\n\n```bash\nls\n```\n\n```python\nb = a + 1\n```\n"
    blocks = extract_blocks(md)
    assert [(b.index, b.line, b.code) for b in blocks] == [(1, 4, "a = 1\n"),
                                                           (2, 12, "b = a + 1\n")]


def test_a_longer_fence_can_quote_a_shorter_one():
    md = "````python\ns = '''\n```\n'''\n````\n"
    assert extract_blocks(md)[0].code == "s = '''\n```\n'''\n"


def test_an_unclosed_fence_is_an_error():
    with pytest.raises(ValueError, match="line 1"):
        extract_blocks("```python\nx = 1\n")


def test_blocks_share_one_namespace_and_their_output_is_captured():
    results = run_blocks(extract_blocks("```python\nx = 20\n```\n```python\nprint(x + 1)\n```\n"))
    assert [r.output for r in results] == ["", "21\n"]


def test_a_failing_block_is_named_with_its_markdown_line(tmp_path):
    lesson = tmp_path / "99_broken.en.md"
    lesson.write_text("Intro.\n\n```python\nok = 1\n```\n\nText.\n\n```python\nok = 2\n"
                      "1 / 0\n```\n", encoding="utf-8")
    with pytest.raises(LessonError) as info:
        run_lesson(lesson)
    err = info.value
    assert (err.block.index, err.block.line) == (2, 10)
    assert "block 2 (line 10)" in str(err) and "ZeroDivisionError" in str(err)
    assert f'File "{lesson}", line 11' in err.details  # the traceback points into the lesson


def test_a_lesson_leaves_torchs_rng_and_print_options_as_they_were():
    import torch

    before_rng, before_repr = torch.get_rng_state(), repr(torch.tensor([1 / 3]))
    run_blocks(extract_blocks("```python\nimport torch\ntorch.manual_seed(5)\n"
                              "torch.set_printoptions(precision=1)\nx = torch.rand(3)\n```\n"))
    assert torch.equal(torch.get_rng_state(), before_rng)
    assert repr(torch.tensor([1 / 3])) == before_repr
