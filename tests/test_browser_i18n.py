"""The whole UI in two languages, in a real browser: zh-CN reads Chinese, en-US reads English.

Opens the app (the session's ``app_server``) in Debian's headless chromium twice, with locale
zh-CN and en-US (each sends its Accept-Language), every request to a host other than
127.0.0.1 / localhost aborted.  In each locale it reads the visible text of the page (text
nodes and placeholders, outside code, ``pre`` and typed inputs: code and model output are never
translated: such text is marked ``translate="no"``, and plotly's tick and data labels are tokens
and numbers; plot titles, axis titles and legends are read) and looks for words of the other
language:

- the shell (header, tab titles, switch) and every tab, its inner tabs included, each read once
  its first view is drawn: strict, a stray word fails;
- the switch: in the Chinese page, "English" re-words the tab titles and the Lessons tab in
  place, and a typed answer survives the switch (no reload).

Screenshots: set LMLAB_SCREENSHOTS=assets/screenshots for every tab in Chinese
(``<tab id>-zh.png``) and the Lessons tab in both languages (``lessons-zh.png``,
``lessons-en.png``; without it those two go to pytest's cache folder).
Skipped when /usr/bin/chromium or playwright is missing.  About three minutes on 2 cores (slow).

Run:  python -m pytest tests/test_browser_i18n.py -q -s
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from browser_kit import MARKS, block_outside, launch, save_png, wait_idle

ROOT = Path(__file__).resolve().parents[1]
STRICT = range(100)  # tabs (by position) whose panel must read fully in the page's language: all
ALLOWED = {  # names, not words: the same in both languages
    "LM", "Lab", "lmlab", "GPT", "GPT-2", "MiniLM", "BPE", "SHAP", "ONNX", "RoPE", "ALiBi", "MLP",
    "LayerNorm", "PyTorch", "torch", "Gradio", "API", "English", "Kneser-Ney", "Laplace", "Lidstone",
    "BLEU", "ROUGE", "ROUGE-L", "F1", "KV", "UTF-8", "CPU", "GPU", "softmax", "top-k", "top-p",
    "Shakespeare", "Hamlet", "ROMEO", "JSON", "Hugging", "Face", "HF", "logit", "logits", "int8",
    "Transformer", "safetensors", "nats", "gelu", "Adam", "AdamW", "SGD", "DP-SGD", "LLaMA",
    "RoFormer", "sacrebleu", "rouge-score", "ECE", "TensorFlow", "Playground", "bertviz", "MiniLM-L6",
    "log", "exp", "PyPI", "argmax", "Carlini", "Abadi", "sin", "cos", "wpe",
}
GLOSS = re.compile(r"（[^（）]*）")  # an English term glossed in parentheses after its Chinese name
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]{2,}")  # an English word of three letters or more
HAN = re.compile(r"[\u4e00-\u9fff]")
TEXT = """(root) => {
  // model output and quoted corpus text are marked translate="no" (never translated); plotly's
  // tick labels (.xtick, .y4tick, ...) and data labels (points, heatmap cells) are tokens and numbers
  const skip = (el) => el.closest('code, pre, textarea, input, .cm-editor, #lang-switch, footer, '
                                  + '[translate=no], [class*=tick], .textpoint, .heatmap-label');
  const out = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const n = walker.currentNode, el = n.parentElement;
    const shown = el && (el.offsetParent || (el instanceof SVGElement && el.getClientRects().length));
    if (!el || !n.textContent.trim() || skip(el) || !shown) continue;  // plotly's SVG text too
    out.push(n.textContent.trim());
  }
  root.querySelectorAll('input[placeholder], textarea[placeholder]').forEach(e => {
    if (e.offsetParent && e.placeholder.trim()) out.push(e.placeholder.trim()); });
  return out;
}"""

pytestmark = MARKS
pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


def english_words(texts: list[str]) -> list[str]:
    """The words of ``texts`` that read as English (not an allowed name, not an identifier)."""
    found = []
    for text in texts:
        for w in LATIN_WORD.findall(GLOSS.sub("", text)):
            if w in ALLOWED or w.strip("-'") in ALLOWED or "_" in w or w.isupper():
                continue
            found.append(w)
    return found


def chinese_texts(texts: list[str]) -> list[str]:
    """Texts that read as Chinese: more than a third of their letters are Han characters (an
    English sentence may quote 你 as an example; the switch names each language in itself)."""
    def han_share(x):
        han, latin = len(HAN.findall(x)), len(re.findall(r"[A-Za-z]", x))
        return han / max(han + latin, 1)

    return [x for x in texts if han_share(x) > 1 / 3 and x not in ("中文",)]


@pytest.fixture(scope="module")
def playwright_browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        yield browser
        browser.close()


def open_page(browser, url: str, locale: str, outside: list[str]):
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
    block_outside(context, outside)
    page = context.new_page()
    page.goto(url, wait_until="load", timeout=120_000)
    page.get_by_role("tab").first.wait_for(timeout=60_000)
    code = "zh" if locale.startswith("zh") else "en"
    page.locator(f"#lang-switch input[value={code}]:checked").wait_for(state="attached", timeout=60_000)
    page.locator("#lesson-page h1").first.wait_for(timeout=60_000)
    return page


def panel_texts(page) -> list[str]:
    """The visible text of the open top-level tab (its open inner tab included)."""
    return page.evaluate(f"() => {{ const f = {TEXT}; const ps = Array.from("
                         "document.querySelectorAll('[role=tabpanel]')).filter(e => e.offsetParent"
                         " && !e.parentElement.closest('[role=tabpanel]'));"
                         " return ps.length ? f(ps[0]) : []; }")


def shell_texts(page) -> list[str]:
    """The header, the switch and the tab titles (everything outside the open tab's panel)."""
    return page.evaluate(f"""() => {{ const f = {TEXT}; const all = f(document.body);
      const ps = Array.from(document.querySelectorAll('[role=tabpanel]')).filter(e => e.offsetParent);
      const inner = new Set(ps.flatMap(p => f(p)));
      return all.filter(x => !inner.has(x)); }}""")


def shot(page, name: str) -> Path:
    folder = Path(os.environ.get("LMLAB_SCREENSHOTS") or ROOT / ".pytest_cache" / "i18n")
    folder = folder if folder.is_absolute() else ROOT / folder
    folder.mkdir(parents=True, exist_ok=True)
    return save_png(page, folder / name, height=1500)


def tour(page, foreign, lang: str | None = None) -> tuple[list[str], list[str]]:
    """Visit every top-level tab, each once its first view is drawn; (strict problems, report
    lines).  With LMLAB_SCREENSHOTS set and ``lang`` given, each tab's first view is saved as
    ``<tab id>-<lang>.png`` (for README)."""
    problems, report = [], []
    tabs = [t for t in page.get_by_role("tab").all() if t.is_visible()]
    names = [t.inner_text().strip() for t in tabs]
    ids = [t.get_attribute("data-tab-id") or f"tab{i}" for i, t in enumerate(tabs)]
    for i, name in enumerate(names):
        page.get_by_role("tab", name=name, exact=True).click()
        page.wait_for_timeout(500)
        wait_idle(page, quiet_s=2.0)  # its first view is drawn (not gradio's "processing")
        if lang and os.environ.get("LMLAB_SCREENSHOTS"):
            shot(page, f"{ids[i]}-{lang}.png")
        words = foreign(panel_texts(page))
        inner = [t.inner_text().strip() for t in page.locator("[role=tabpanel] [role=tab]").all()
                 if t.is_visible()]
        for sub in inner[1:]:  # the first inner tab is open already
            page.locator("[role=tabpanel] [role=tab]", has_text=sub).first.click()
            page.wait_for_timeout(500)
            wait_idle(page, quiet_s=2.0)
            words += foreign(panel_texts(page))
        strict = i in STRICT
        line = (f"{name}{' + ' + ', '.join(inner[1:]) if inner[1:] else ''} "
                f"({'strict' if strict else 'report'}): {len(words)} foreign: {sorted(set(words))[:25]}")
        report.append(line)
        if strict and words:
            problems.append(line)
    return problems, report


def test_the_chinese_ui_reads_in_chinese_and_switches_to_english_in_place(playwright_browser, app_server):
    outside: list[str] = []
    page = open_page(playwright_browser, app_server.url, "zh-CN", outside)
    shell = english_words(shell_texts(page))
    problems = [f"shell: English words {sorted(set(shell))}"] if shell else []
    tab_problems, report = tour(page, english_words, "zh")
    problems += tab_problems
    print("\nzh-CN:\n" + "\n".join(report))
    page.get_by_role("tab").first.click()
    page.wait_for_timeout(500)
    shot(page, "lessons-zh.png")
    guess = page.locator("[role=tabpanel]:visible textarea").first
    guess.fill("我猜 0.5")
    first_title = page.get_by_role("tab").first.inner_text().strip()
    page.locator("#lang-switch label", has_text="English").click()
    page.get_by_role("tab", name="Lessons", exact=True).wait_for(timeout=30_000)
    page.locator("#lesson-page h1", has_text=re.compile("[A-Za-z]")).first.wait_for(timeout=30_000)
    assert first_title == "课程"
    assert guess.input_value() == "我猜 0.5", "the switch lost what the student typed"
    wait_idle(page, quiet_s=2.0)  # gradio's own loading text follows the browser's locale, not the switch
    leftover = chinese_texts(panel_texts(page) + shell_texts(page))
    problems += [f"after the switch to English, Chinese remains: {leftover[:10]}"] if leftover else []
    problems += [f"request outside the app was blocked: {u}" for u in outside]
    page.context.close()
    assert not problems, "\n".join(problems)


def test_the_english_ui_reads_in_english(playwright_browser, app_server):
    outside: list[str] = []
    page = open_page(playwright_browser, app_server.url, "en-US", outside)
    problems = []
    shell = chinese_texts(shell_texts(page))
    problems += [f"shell: Chinese text {shell[:10]}"] if shell else []
    tab_problems, report = tour(page, chinese_texts)
    problems += tab_problems
    print("\nen-US:\n" + "\n".join(report))
    page.get_by_role("tab").first.click()
    page.wait_for_timeout(500)
    shot(page, "lessons-en.png")
    problems += [f"request outside the app was blocked: {u}" for u in outside]
    page.context.close()
    assert not problems, "\n".join(problems)
