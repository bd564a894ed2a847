"""The tabs a lesson names and opens: its "open in tab" buttons carry its settings, and every tab
it mentions is called by the app's title for that tab in the lesson's language.

Checks ``lmlab.lesson_pages.LINKS`` against the built app (each setting names exactly one input
of its tab, by label key, and is a value that input accepts; each button to press is one
button), the Lessons tab's wiring (``lmlab.ui.lessons.open_link`` / ``wire_links``: the buttons
write to those inputs and select the tab), and the lessons' text: a tab is written *Title* tab
in English and 「标题」标签页 in Chinese, with the titles of ``lmlab.ui.shell.WORDS`` (so a
renamed tab fails here until the lessons follow), and the "Tab(s):" line names exactly the tabs
the buttons open.

Run: ``python -m pytest tests/test_lessons_links.py -q`` (builds the app once: about 10 s).
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import gradio as gr
import pytest

from lmlab.lesson_pages import LINKS
from lmlab.lessons import LESSONS_DIR

ROOT = Path(__file__).resolve().parents[1]
LANGS = ("en", "zh")
LESSON_FILES = sorted(LESSONS_DIR.glob("[0-9][0-9]_*.md"))


def titles(lang: str) -> dict[str, str]:
    """The shell's tab titles in ``lang`` -> tab id."""
    from lmlab.ui.shell import WORDS

    i = LANGS.index(lang)
    return {words[i]: key.removeprefix("tab.") for key, words in WORDS.items() if key.startswith("tab.")}


@pytest.fixture(scope="module")
def app():
    """(the built demo, the app's tab ids, tab id -> {label key -> components})."""
    from lmlab.ui import shell

    spec = importlib.util.spec_from_file_location("lmlab_app_links", ROOT / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    demo = module.build_app()
    ids = tuple(shell.tab_id(m) for _, m in module.TABS)
    return demo, ids, shell.tab_components(demo, ids)


# ----------------------------------------------------------------------------- settings


def accepts(component, value) -> bool:
    """Would ``component`` take ``value`` as a student's input?"""
    if isinstance(component, gr.Slider):
        return isinstance(value, int | float) and component.minimum <= value <= component.maximum
    if isinstance(component, gr.Dropdown | gr.Radio):
        return value in [c[1] if isinstance(c, tuple) else c for c in component.choices]
    if isinstance(component, gr.Checkbox):
        return isinstance(value, bool)
    if isinstance(component, gr.Number):
        return isinstance(value, int | float) and not isinstance(value, bool)
    if isinstance(component, gr.Textbox):
        return isinstance(value, str) and 0 < len(value) <= (component.max_length or 10 ** 6)
    return False


def test_every_setting_names_one_input_of_its_tab_and_fits_it(app):
    _, ids, found = app
    checked = 0
    for number, links in LINKS.items():
        for link in links:
            assert link.tab in ids, f"lesson {number}: no tab {link.tab!r} in the app"
            for key, value in link.settings:
                hits = found[link.tab].get(key, [])
                assert len(hits) == 1, f"lesson {number}: {key!r} names {len(hits)} components of {link.tab}"
                assert accepts(hits[0], value), f"lesson {number}: {type(hits[0]).__name__} {key} refuses {value!r}"
                checked += 1
    assert checked >= 20


def test_every_button_to_press_is_one_button_with_an_id_for_the_page(app):
    _, _, found = app
    runs = [(n, link) for n, links in LINKS.items() for link in links if link.run]
    assert len(runs) >= 6
    for number, link in runs:
        hits = found[link.tab].get(link.run, [])
        assert len(hits) == 1 and isinstance(hits[0], gr.Button), f"lesson {number}: {link.run}"
        assert hits[0].elem_id, "wire_links gives the button an id the page can find"


def test_the_open_buttons_write_those_inputs_then_press_the_tabs_button(app):
    demo, _, found = app
    fns = {fn.api_name: fn for fn in demo.fns.values()}
    opening = fns["lessons_open_1"]
    written = {id(c) for c in opening.outputs}
    prompt = found["generate"]["generate.prompt"][0]
    assert id(prompt) in written and id(found["attention"]["attention.text"][0]) in written
    assert any(isinstance(c, gr.Tabs) for c in opening.outputs)
    presses = [fn for fn in demo.fns.values()
               if fn.fn is None and fn.js and "lesson-link-generate-go" in fn.js and "click()" in fn.js]
    assert presses, "no step presses the Generate button after the first open button"
    settings = fns["lessons_settings_1"]  # again once the tab's first view is done (it may reset inputs)
    assert [id(c) for c in settings.outputs] == [id(c) for c in opening.outputs[1:]]


def test_open_link_selects_the_tab_and_puts_the_lessons_settings_in(app):
    from lmlab.ui import lessons

    _, ids, _ = app
    slots = [("attention", "attention.text"), ("attention", "attention.head"), ("generate", "generate.prompt")]
    out = lessons.open_link("05_attention", 0, ids, slots)
    assert out[0].selected == "attention"
    assert out[1]["value"] == "To be, or not to be, that is the question." and out[2]["value"] == 1
    assert "value" not in out[3]  # another tab's input is left as the student left it
    out = lessons.open_link("07_generation", 0, ids, slots)
    assert out[0].selected == "generate" and out[3]["value"] == "ROMEO.\n"
    assert all("value" not in u for u in out[1:3])
    plain = lessons.open_link("10_evaluation", 1, ids, slots)  # a tab with no settings: only the switch
    assert plain[0].selected == "explain" and all("value" not in u for u in plain[1:])


# ----------------------------------------------------------------------------- the names in the text


def strip_parentheses(text: str) -> str:
    while True:
        shorter = re.sub(r"\([^()]*\)|（[^（）]*）", "", text)
        if shorter == text:
            return text
        text = shorter


HEADER = {"en": re.compile(r"\*\*Tabs?:\*\*(.*?)(?:\*\*|\n\n)", re.S),
          "zh": re.compile(r"\*\*标签页：\*\*(.*?)(?:\*\*|\n\n|\n?$)", re.S)}
NAME = {"en": re.compile(r"\*([^*\n]+)\*"), "zh": re.compile(r"「([^」\n]+)」")}
MENTION = {"en": re.compile(r"\*([^*\n]+)\*\s+tab(?:s|'s)?\b"), "zh": re.compile(r"「([^」\n]+)」\s*标签页")}


def header_tabs(text: str, lang: str) -> list[str] | None:
    """The titles the lesson's "Tab(s):" line names (its parenthesised notes left out), or None."""
    m = HEADER[lang].search(text)
    return None if m is None else NAME[lang].findall(strip_parentheses(m.group(1)))


def tab_problems(text: str, lang: str) -> list[str]:
    """Every way ``text`` names a tab other than by the app's title, written as the house does."""
    known = titles(lang)
    named = MENTION[lang].findall(text) + (header_tabs(text, lang) or [])
    bad = [f"{name!r} is not a tab title in {lang}" for name in named if name not in known]
    for title in known:  # a title used without the marks that make it a mention
        plain = (rf"(?<![*\w]){re.escape(title)}\s+tab(?:s|'s)?\b" if lang == "en"
                 else rf"(?<!「){re.escape(title)}\s*标签页")
        bad += [f"write {title!r} as a marked title" for _ in re.finditer(plain, text)]
    if lang == "zh":
        bad += [f"*{m}* 标签页: use 「」" for m in re.findall(r"\*([^*\n]+)\*\s*标签页", text)]
    return bad


@pytest.mark.parametrize("path", LESSON_FILES, ids=[p.name for p in LESSON_FILES])
def test_the_lesson_names_each_tab_by_its_title_in_its_language(path):
    lang = path.name.split(".")[-2]
    assert not tab_problems(path.read_text(encoding="utf-8"), lang)


@pytest.mark.parametrize("path", LESSON_FILES, ids=[p.name for p in LESSON_FILES])
def test_the_tab_line_names_the_tabs_the_buttons_open(path):
    lang = path.name.split(".")[-2]
    named = header_tabs(path.read_text(encoding="utf-8"), lang)
    assert named, f"{path.name} has no Tab(s) line naming its tabs"
    assert [titles(lang)[n] for n in named] == [link.tab for link in LINKS[path.name[:2]]]


def test_the_curriculum_table_names_each_lessons_tabs_in_both_languages():
    rows = re.findall(r"^\| (\d+) \|.*\| ([^|]+) \|$", (LESSONS_DIR / "README.md").read_text(encoding="utf-8"), re.M)
    assert len(rows) == len(LINKS)
    for number, cell in rows:
        pairs = [name.split(" · ") for name in cell.strip().split(", ")]
        assert [titles("en")[en] for en, _ in pairs] == [titles("zh")[zh] for _, zh in pairs] == [
            link.tab for link in LINKS[f"{int(number):02d}"]], f"lesson {number}: {cell}"


def test_a_wrong_or_unmarked_tab_name_is_caught():
    assert tab_problems("Open the *Sampling* tab.", "en") == ["'Sampling' is not a tab title in en"]
    assert tab_problems("In the Generate tab, then the *Generate* tab.", "en") == ["write 'Generate' as a marked title"]
    assert len(tab_problems("**标签页：** 「Generate」（模型）。在训练标签页里，*Inside* 标签页", "zh")) == 3
    assert tab_problems("**Tabs:** *Inside* (the *lens*), *Explain*.", "en") == []
    assert header_tabs("**Tabs:** *Inside* (the *lens*), *Explain*.\n\nText", "en") == ["Inside", "Explain"]
