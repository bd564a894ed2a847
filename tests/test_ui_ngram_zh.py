"""The N-gram vs neural tab in both languages: handlers called with lang="zh" word every figure
title, axis, legend, hover text, caption and error in Chinese (no English word but names such as
GPT and Kneser-Ney), with lang="en" in English (no Chinese); model output stays untranslated
(inside translate="no"); the language switch re-words the panels from the data kept in the tab's
gr.States, without computing them again.

Run: ``python -m pytest tests/test_ui_ngram_zh.py -q`` (about 20 s on 2 cores).
"""

import re
from html import unescape

import gradio as gr
import pytest
from words_kit import WORD, figure_texts

from lmlab.ui import ngram as tab

NAMES = {"GPT", "Kneser-Ney", "Laplace", "Lidstone", "log"}  # the same in both languages
MODEL_OUTPUT = re.compile(r"<(\w+)\b[^>]*translate='no'[^>]*>.*?</\1>", re.S)  # tokens, quotes
CODE = re.compile(r"<code\b.*?</code>|`[^`]*`", re.S)
TAG_OR_PLACEHOLDER = re.compile(r"<[^>]+>|%\{[^}]*\}")
HAN = re.compile(r"[\u4e00-\u9fff]")
GLOSS = re.compile(r"（[^（）]*）")  # a term glossed after its Chinese name, as the walk skips it
QUOTED = re.compile(r"'[^']*'")  # what the student typed, quoted in an error


def english_words(text: str) -> list[str]:
    """The English words a student reads in ``text`` (HTML or markdown): model output, code and
    plotly placeholders left out, as the i18n browser walk leaves them out."""
    text = TAG_OR_PLACEHOLDER.sub(" ", CODE.sub(" ", MODEL_OUTPUT.sub(" ", text)))
    return [w for w in WORD.findall(text) if w not in NAMES and not w.isupper()]


def assert_chinese(*texts):
    for text in texts:
        assert HAN.search(text), text
        assert english_words(text) == [], text


def assert_english(*texts):
    for text in texts:
        assert not HAN.search(text), text


@pytest.fixture(autouse=True)
def small_slice(monkeypatch):
    monkeypatch.setattr(tab, "HELDOUT_TOKENS", 400)  # keep the held-out figures quick


def test_the_word_check_finds_english_and_skips_model_output():
    assert english_words("困惑度 perplexity <code>lmlab</code> <b translate='no'>Romeo</b>") == [
        "perplexity"]
    assert english_words("GPT 与 Kneser-Ney：%{y:,.1f}<extra></extra>") == []


@pytest.mark.parametrize("prompt, order, smoothing", [
    ("ROMEO.\nBut soft, what light", 3, "kneser_ney"),  # a context seen in training
    ("A", 5, "kneser_ney"),  # a prompt shorter than the order: a shorter context
    ("Zounds qqq xyzzy", 4, "mle"),  # backed off
    ("ROMEO.", 2, "laplace"),  # add-one: asked, no backoff
    ("ROMEO.", 1, "lidstone"),  # the unigram table
])
def test_compare_panels_read_in_chinese_and_in_english(prompt, order, smoothing):
    why, ngram_bars, gpt_bars, ngram_sample, gpt_sample = tab.predict(prompt, order, smoothing, 0,
                                                                      lang="zh")
    assert_chinese(why, ngram_bars.layout.title.text, ngram_bars.layout.xaxis.title.text)
    assert english_words(" ".join(figure_texts(gpt_bars))) == []
    assert "概率" == gpt_bars.layout.xaxis.title.text
    en = tab.predict(prompt, order, smoothing, 0)
    assert_english(en[0], *figure_texts(en[1]), *figure_texts(en[2]))
    assert en[3:] == (ngram_sample, gpt_sample)  # the samples are model output: never translated


def test_which_table_answered_names_the_backoff_in_chinese():
    why = tab.predict("Zounds qqq xyzzy", 4, "mle", 0, lang="zh")[0]
    assert "回退到了" in why and "回退质量为" in why
    assert "少于 4 阶模型要依据的 3 个" in tab.predict("A", 4, "kneser_ney", 0, lang="zh")[0]


def test_the_coloured_passage_reads_in_chinese_and_quotes_the_text_untranslated():
    html, summary = tab.color_passage("ROMEO. But soft, what light 你好", 3, "kneser_ney", lang="zh")
    assert_chinese(html, summary)
    assert "的字符在训练文本中从未出现" in summary  # the caveat, in Chinese
    assert html.count("translate='no'") == 2  # the passage under each model
    assert " light" in html  # ...quoted as it is
    html, summary = tab.color_passage("ROMEO. But soft, what light", 3, "kneser_ney")
    assert_english(html, summary)
    assert "tokens scored" in summary


def test_infinite_perplexity_is_worded_in_chinese():
    html, summary = tab.color_passage("Zounds qqq xyzzy zounds", 2, "mle", lang="zh")
    assert "∞（有词元的概率为 0）" in summary + html
    assert_chinese(summary)


def test_heldout_figures_note_and_novel_phrase_read_in_chinese():
    ppl, sparsity, novel, note = tab.heldout(3, "kneser_ney", lang="zh")
    assert_chinese(note, novel, ppl.layout.title.text, sparsity.layout.title.text,
                   ppl.layout.yaxis.title.text, sparsity.layout.yaxis.title.text,
                   ppl.data[0].hovertemplate, sparsity.data[0].hovertemplate)
    assert english_words(" ".join(figure_texts(ppl) + figure_texts(sparsity))) == []
    assert "从未出现" in novel and "translate='no'" in novel  # the quoted context: untranslated
    assert_chinese(tab.heldout(1, "kneser_ney", lang="zh")[2])  # no novel phrase with n = 1
    ppl, sparsity, novel, note = tab.heldout(3, "kneser_ney")
    assert_english(note, novel, *figure_texts(ppl), *figure_texts(sparsity))


@pytest.mark.parametrize("call", [
    lambda lang: tab.predict("", 3, "kneser_ney", 0, lang=lang),
    lambda lang: tab.predict("x" * 3000, 3, "kneser_ney", 0, lang=lang),
    lambda lang: tab.predict("ROMEO.", 7, "kneser_ney", 0, lang=lang),
    lambda lang: tab.predict("ROMEO.", "three", "kneser_ney", 0, lang=lang),
    lambda lang: tab.predict("ROMEO.", 3, "witten_bell", 0, lang=lang),
    lambda lang: tab.predict("ROMEO.", 3, "kneser_ney", -1, lang=lang),
    lambda lang: tab.predict("ROMEO.", 3, "kneser_ney", "x", lang=lang),
    lambda lang: tab.color_passage("A", 2, "mle", lang=lang),
    lambda lang: tab.color_passage("\x00\x01", 2, "mle", lang=lang),
    lambda lang: tab.heldout(0, "mle", lang=lang),
    lambda lang: tab.pick_passage("lear", 0, lang=lang),
    lambda lang: tab.pick_passage("hamlet", "ten", lang=lang),
])
def test_every_error_is_a_sentence_in_the_students_language(call):
    with pytest.raises(gr.Error) as zh:
        call("zh")
    message = unescape(zh.value.message)  # a gr.Error is HTML
    assert HAN.search(message) and message.endswith("。"), message
    assert english_words(GLOSS.sub(" ", QUOTED.sub(" ", message))) == [], message
    with pytest.raises(gr.Error) as en:
        call("en")
    assert not HAN.search(en.value.message) and en.value.message.endswith("."), en.value.message


def test_the_switch_rewords_the_panels_from_the_kept_data():
    tab._default_data.cache_clear()
    tab.default_view.cache_clear()
    misses = tab._default_data.cache_info().misses
    en, zh = tab.default_view("en"), tab.default_view("zh")
    assert len(en) == len(zh) == 14  # 11 panels, then the data they show (for the gr.States)
    assert all(a is b for a, b in zip(en[11:], zh[11:], strict=True))  # computed once, for both
    assert tab._default_data.cache_info().misses == misses + 1
    texts = [0, 5, 6, 9, 10]  # why, the coloured passage, its summary, the novel phrase, the note
    assert_chinese(*(zh[i] for i in texts))
    assert_english(*(en[i] for i in texts))
    again = tab.reword(*en[11:], "zh")  # the switch to 中文 after the English first view...
    assert all(a is b for a, b in zip(again, zh[:11], strict=True))  # ...the cached Chinese view
    data = tab.predict_data("ROMEO.", 2, "laplace", 1)  # a student's own Compare, in English
    why, *_ = tab.reword(data, None, None, "zh")
    assert why == tab.predict("ROMEO.", 2, "laplace", 1, lang="zh")[0] and "被查询的是" in why
    skipped = tab.reword(None, None, None, "zh")  # nothing shown yet: nothing sent
    assert skipped == (gr.skip(),) * 11


def test_in_the_app_the_tab_opens_in_the_students_language_and_follows_the_switch():
    followers = []
    with gr.Blocks() as demo:
        lang = gr.State("en")
        tab.build(lang=lang, followers=followers)
    (follower,) = followers
    assert follower.inputs[-1] is lang and len(follower.outputs) == 11
    first = next(fn for fn in demo.fns.values() if fn.api_name == "ngram_default")
    assert lang in first.inputs
    for name in ("ngram_predict", "ngram_surprisal", "ngram_heldout", "ngram_passage"):
        fn = next(fn for fn in demo.fns.values() if fn.api_name == name)
        assert fn.inputs[-1] is lang, name
