"""The Attention tab's handlers, called directly (no browser), and the offline bertviz HTML.

Checks: the default sentence gives nine step heatmaps and a per-head grid for both models;
bad input (empty, one token, past the context, emoji, Chinese) gives a clear gr.Error or a
correct view with a note; ``<script>`` in the text is escaped in every HTML output and cannot
close bertviz's script; the bertviz iframes name no outside URL and point at vendored files
that exist; the 64-token bertviz cap is applied and said; with lang="zh" every title, axis,
hover text, caption, note and error reads in Chinese (no English word left but names), in English
none is Chinese, and the language switch re-words the default view.  The browser check (lines really
drawn, offline) is tests/test_browser_attention.py.  About 20 s on 2 cores.

Run:  python -m pytest tests/test_ui_attention.py -q
"""

import doctest
import html as std_html
import json
import re
from pathlib import Path

import gradio as gr
import plotly.graph_objects as go
import pytest
import torch
from words_kit import figure_texts

import lmlab.ui.html
from lmlab.ui import attention, html

GPT, MINILM = list(attention.MODELS)
EVIL = 'Hello <script>alert("x")</script> & </script><img src=x onerror=alert(1)> world'


def srcdoc(iframe_html: str) -> str:
    """The document inside ``<iframe srcdoc="...">`` (the tab wraps it in a ``translate="no"``
    div: model output), unescaped."""
    match = re.fullmatch(r'(?:<div translate="no">)?<iframe [^>]*srcdoc="([^"]*)"></iframe>(?:</div>)?',
                         iframe_html)
    assert match, iframe_html[:200]
    return std_html.unescape(match.group(1))


def bertviz_params(doc: str) -> dict:
    """The JSON that bertviz's script receives."""
    start = doc.index(html.PARAMS) + len(html.PARAMS)
    return json.JSONDecoder().raw_decode(doc, start)[0]


def outputs(text, model=GPT, layer=0, head=0) -> dict:
    out = attention.analyze(text, model, layer, head)
    names = ["tokens", "reading", *[f"step{i}" for i in range(1, 10)], "heads", "head_view",
             "model_view", "layer", "head"]
    assert len(out) == len(names)
    return dict(zip(names, out, strict=False))


# ----------------------------------------------------------------------------- normal use


@pytest.mark.parametrize("model", [GPT, MINILM])
def test_default_sentence_gives_step_heatmaps_and_a_head_grid(model):
    out = outputs(attention.DEFAULT_TEXT, model, layer=1, head=2)
    for i in range(1, 10):
        assert isinstance(out[f"step{i}"], go.Figure)
    n_head = 4 if model == GPT else 12
    assert len(out["heads"].data) == n_head
    weights = out["step7"].data[0].z
    assert abs(weights.sum(axis=1) - 1).max() < 1e-5  # softmax rows sum to 1
    assert "Layer 1, head 2." in out["reading"]
    assert out["layer"]["value"] == 1 and out["head"]["value"] == 2


def test_gpt_trace_is_causal_and_minilm_is_not():
    gpt_masked = outputs(attention.DEFAULT_TEXT, GPT)["step6"].data[0].z
    mini_masked = outputs(attention.DEFAULT_TEXT, MINILM)["step6"].data[0].z
    assert (gpt_masked != gpt_masked)[0, 1:].all()  # NaN (blank) above the diagonal
    assert not (mini_masked != mini_masked).any()


def test_switching_models_clamps_layer_and_head_into_range():
    out = outputs(attention.DEFAULT_TEXT, GPT, layer=5, head=11)  # MiniLM's last head
    assert out["layer"] == {"__type__": "update", "maximum": 3, "value": 3}
    assert out["head"]["maximum"] == 3 and out["head"]["value"] == 3


def test_inspect_rejects_a_head_the_model_does_not_have():
    with pytest.raises(gr.Error, match="between 0 and 3"):
        attention.inspect(attention.DEFAULT_TEXT, GPT, 0, 4)


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("text", ["", "   \n ", None])
def test_empty_text_is_a_clear_error(text):
    with pytest.raises(gr.Error, match="empty"):
        attention.analyze(text, GPT, 0, 0)


def test_an_unknown_model_is_a_clear_error():
    with pytest.raises(gr.Error, match="Unknown model"):
        attention.analyze(attention.DEFAULT_TEXT, "GPT-5", 0, 0)


def test_one_token_is_a_clear_error():
    with pytest.raises(gr.Error, match="single token"):
        attention.analyze("Romeo", GPT, 0, 0)


def test_text_past_the_context_is_cut_and_says_so():
    out = outputs("Romeo " * 300, GPT)
    assert "read only the first 128 (its context)" in out["tokens"]
    assert len(out["step7"].data[0].z) == 128


@pytest.mark.parametrize("model, model_cap", [(GPT, 64), (MINILM, 30)])
def test_bertviz_is_capped_at_64_tokens_and_says_so(model, model_cap):
    out = outputs("the cat sat on the mat " * 20, model)
    if model == GPT:
        assert "bertviz draws only the first 64 of the 128 tokens" in out["tokens"]
    else:
        assert ("bertviz draws in the head view only the first 64 and in the model view only "
                "the first 30") in out["tokens"]
    for view, cap in (("head_view", html.MAX_TOKENS), ("model_view", model_cap)):
        params = bertviz_params(srcdoc(out[view]))
        assert len(params["attention"][0]["left_text"]) == cap


def test_model_view_cap_keeps_the_line_count_bounded():
    assert html.model_view_cap(4, 4) == 64  # the GPT: the full 64
    assert 6 * 12 * html.model_view_cap(6, 12) ** 2 <= html.MAX_LINES
    with pytest.raises(ValueError, match="capped at 30"):
        html.model_view([torch.zeros(1, 12, 31, 31)] * 6, ["x"] * 31)


@pytest.mark.parametrize("model", [GPT, MINILM])
@pytest.mark.parametrize("text", ["I love you 😀🎭", "生存还是毁灭，这是一个问题",
                                  "مرحبا world"])
def test_emoji_chinese_and_arabic_give_correct_views(model, text):
    out = outputs(text, model)
    assert isinstance(out["step7"], go.Figure)
    assert "<iframe" in out["head_view"]


def test_emoji_notes_name_what_happened():
    assert "[UNK]" in outputs("I love you 😀", MINILM)["tokens"]
    assert "part of a character" in outputs("I love you 😀", GPT)["tokens"]


# ----------------------------------------------------------------------------- safety


@pytest.mark.parametrize("model", [GPT, MINILM])
def test_script_in_the_text_is_escaped_everywhere(model):
    out = outputs(EVIL, model)
    for name in ("tokens", "reading", "head_view", "model_view"):
        assert "<script" not in out[name].lower(), name  # iframes: all inside srcdoc
        assert "<img" not in out[name]
    assert "&lt;" in out["tokens"]
    for view in ("head_view", "model_view"):
        doc = srcdoc(out[view])
        assert doc.count("<script") == 2 and doc.count("</script>") == 2  # require.js + bertviz
        params = bertviz_params(doc)  # the tokens still arrive intact, as data
        joined = "".join(params["attention"][0]["left_text"])
        assert "script" in joined and "<" in joined


def test_plot_labels_are_escaped():
    out = outputs(EVIL, GPT)
    labels = list(out["step7"].data[0].y)
    assert not any("<" in label for label in labels)
    assert any("&lt;" in label for label in labels)


@pytest.mark.parametrize("model", [GPT, MINILM])
def test_bertviz_iframes_name_no_outside_url_and_use_vendored_files(model):
    out = outputs(attention.DEFAULT_TEXT, model)
    for view in ("head_view", "model_view"):
        assert out[view].startswith('<div translate="no"><iframe sandbox="allow-scripts" ')
        doc = srcdoc(out[view])
        assert not re.search(r"https?:", doc), re.search(r".{40}https?:.{40}", doc)
        assert "cdnjs" not in doc
        urls = re.findall(r"gradio_api/file=([^'\"]+)", doc)
        assert len(urls) == 3
        for url in urls:
            path = Path(url if url.endswith(".js") else url + ".js")
            assert not path.is_absolute(), url  # no page shows where the server keeps files
            assert html.VENDOR_DIR.resolve() in path.resolve().parents and path.read_text()[:100]


@pytest.mark.parametrize("view", [html.head_view, html.model_view])
def test_a_token_holding_a_whole_closing_tag_cannot_end_the_script(view):
    """Tokenizers split ``</script>``; a caller's own token list need not."""
    tokens = ["</script><script>alert(1)</script>", "<!--", "x"]
    doc = srcdoc(view([torch.full((1, 2, 3, 3), 1 / 3)] * 2, tokens))
    assert doc.count("</script>") == 2 and doc.count("<!--") == 0
    params = bertviz_params(doc)
    assert params["attention"][0]["left_text"] == tokens
    assert doc.count('"left_text"') == 1  # bertviz's second copy of the JSON (a comment) is gone


def test_safe_json_round_trips_and_hides_every_tag():
    nasty = {"t": ["</script>", "<!--", "&amp;", "a/b", "\u2028", "😀", 'q"uote']}
    text = html.safe_json(nasty)
    assert json.loads(text) == nasty
    assert not set("<>&") & set(text) and "\u2028" not in text


def test_an_unknown_outside_url_is_refused_not_requested():
    with pytest.raises(RuntimeError, match="outside URL"):
        html._local_urls('<script src="https://example.com/lib.js"></script>')
    with pytest.raises(RuntimeError, match="no longer has"):
        html.offline("<p>not bertviz</p>")


def test_docstring_examples_run():
    assert doctest.testmod(lmlab.ui.html).failed == 0


# ----------------------------------------------------------------------------- student-ready


def test_chinese_byte_tokens_show_as_bytes_and_are_compared_by_id():
    text = "床前明月光，疑是地上霜。举头望明月，低头思故乡。"
    reading = attention.read(text, "gpt")
    assert not any("\ufffd" in tok for tok in reading.tokens)
    assert any(tok.startswith("<") and tok.endswith(">") for tok in reading.tokens)
    assert any("bytes" in n for n in reading.notes)
    assert any("English Shakespeare" in n and "100%" in n for n in reading.notes)
    from lmlab.attention import describe_head

    ids = reading.ids[0].tolist()
    for h in range(reading.n_head):  # a "same token" head needs equal ids, not equal prints
        by_id = describe_head(reading.attentions[0][0, h], ids)
        by_print = describe_head(reading.attentions[0][0, h], ["\ufffd"] * len(ids))
        assert by_id.shares.get("same", 0) <= by_print.shares.get("same", 0) + 1e-9


def test_head_description_is_worded_in_the_ui_in_both_languages():
    import torch

    from lmlab.attention import describe_head

    w = torch.tensor([[1.0, 0, 0], [0.8, 0.2, 0], [0.1, 0.8, 0.1]])
    d = describe_head(w)
    assert attention.describe(d, "en") == "Mostly looks at the previous token (80% of its attention)."
    assert attention.describe(d, "zh") == "主要看前一个词元（占注意力的 80%）。"


def test_model_labels_come_from_the_configs():
    labels = [attention.model_label(k) for k in attention.MODELS]
    assert "4 layers x 4 heads" in labels[0] and "6 layers x 12 heads" in labels[1]


def test_build_computes_nothing_and_the_default_view_is_cached(monkeypatch):
    import gradio as gr

    calls = []
    monkeypatch.setattr(attention, "analyze", lambda *a: calls.append(a) or ())
    with gr.Blocks():
        attention.build()
    assert calls == []  # nothing at start-up: the default is computed on first view


# ----------------------------------------------------------------------------- both languages


HAN = re.compile(r"[\u4e00-\u9fff]")
NAMES = {"GPT", "MiniLM", "softmax", "bertviz", "SVG", "UNK", "CLS", "SEP"}  # the same in both languages


def english_words(text: str) -> list[str]:
    """Words of three letters or more that read as English, as tests/test_browser_i18n.py counts
    them: tokens (``translate="no"``), code spans, tags and plotly's ``%{x}`` left out."""
    text = re.sub(r'<span translate="no">.*?</span></div>', " ", text, flags=re.S)
    text = re.sub(r"`[^`]*`|<[^>]+>|%\{[^}]*\}", " ", text)
    return [w for w in re.findall(r"[A-Za-z][A-Za-z'\-]{2,}", text) if w not in NAMES]


def texts_read(out: dict) -> list[str]:
    """What a student reads in a view, apart from the bertviz iframes (model output)."""
    texts = [out["tokens"], out["reading"]]
    for fig in [out[f"step{i}"] for i in range(1, 10)] + [out["heads"]]:
        texts += figure_texts(fig)
    return texts


@pytest.mark.parametrize("model", [GPT, MINILM])
@pytest.mark.parametrize("text", [attention.DEFAULT_TEXT, "the cat sat on the mat " * 30, "I love you 😀"])
def test_in_chinese_every_title_axis_caption_and_note_reads_in_chinese(model, text):
    out = dict(zip(["tokens", "reading", *[f"step{i}" for i in range(1, 10)], "heads"],
                   attention.analyze(text, model, 1, 2, "zh"), strict=False))
    left = {x: english_words(x) for x in texts_read(out) if english_words(x)}
    assert not left, left
    assert out["reading"].startswith("**第 1 层，第 2 个头。**") and "向前或向后看的平均距离" in out["reading"]
    assert out["step4"].layout.title.text == "4. Q Kᵀ：原始打分" and out["step4"].layout.yaxis.title.text == "查询"
    assert "查询 %{y}<br>键 %{x}" in out["heads"].data[0].hovertemplate
    assert re.search(r'<span translate="no">(<span [^>]*>[^<]*</span>)+</span>', out["tokens"])  # tokens: as cut


def test_in_chinese_the_notes_say_what_was_cut():
    en, zh = (attention.analyze("the cat sat on the mat " * 30, MINILM, 0, 0, lg)[0] for lg in ("en", "zh"))
    assert "read only the first 128 (what these heatmaps draw)" in en
    for said in ("MiniLM 只读了前 128 个（热力图最多画这么多）", "bertviz 的头视图只画前 64 个，模型视图只画前 30 个"):
        assert said in zh


@pytest.mark.parametrize("model", [GPT, MINILM])
def test_in_english_the_same_view_has_no_chinese(model):
    out = outputs(attention.DEFAULT_TEXT, model)
    assert not [x for x in texts_read(out) if HAN.search(x)]
    assert out["step9"].layout.title.text.startswith("9. Concat(all ")
    assert "query %{y}<br>key %{x}" in out["heads"].data[0].hovertemplate


@pytest.mark.parametrize("call, chinese", [
    (lambda: attention.analyze("", GPT, 0, 0, "zh"), "句子为空"),
    (lambda: attention.analyze("x" * 3000, GPT, 0, 0, "zh"), "上限是 2,000"),
    (lambda: attention.analyze("Romeo", GPT, 0, 0, "zh"), "只有一个词元"),
    (lambda: attention.analyze("\u200b", MINILM, 0, 0, "zh"), "没有找到任何词"),
    (lambda: attention.analyze(attention.DEFAULT_TEXT, "GPT-5", 0, 0, "zh"), "没有模型 'GPT-5'"),
    (lambda: attention.inspect(attention.DEFAULT_TEXT, GPT, 0, 4, "zh"), "注意力头必须在 0 到 3 之间"),
    (lambda: attention.inspect(attention.DEFAULT_TEXT, GPT, "two", 0, "zh"), "层必须是整数"),
])
def test_bad_input_in_chinese_is_a_chinese_gr_error(call, chinese):
    with pytest.raises(gr.Error, match=re.escape(chinese)):
        call()


def test_the_switch_renames_the_models_and_rewords_the_view_shown():
    picker, *views = attention.reword(list(attention.DEFAULT_ARGS), "zh")
    assert picker["choices"] == [("莎士比亚 GPT（自带；因果）：4 层 × 4 个头", GPT),
                                 ("MiniLM 编码器（预训练；双向）：6 层 × 12 个头", MINILM)]
    assert len(views) == attention.VIEWS and views[1] == attention.default_view("zh")[1]
    picker, *views = attention.reword(["Romeo, Romeo", MINILM, 5, 11], "zh")  # a student's own view
    assert views[1].startswith("**第 5 层，第 11 个头。**") and views[-1]["maximum"] == 11
    picker, *views = attention.reword(None, "zh")  # not viewed yet: nothing drawn
    assert views == [gr.skip()] * attention.VIEWS and picker["choices"] == attention.model_choices("zh")


def test_the_first_view_takes_the_language_and_the_tab_joins_the_switch():
    followers = []
    with gr.Blocks() as demo:
        lang = gr.State("en")
        attention.build(lang=lang, followers=followers)
    first = next(fn for fn in demo.fns.values() if fn.api_name == "attention_default")
    assert lang in first.inputs
    assert [f.name for f in followers] == ["attention_reword"] and lang in followers[0].inputs
    assert attention.default_view("zh")[1].startswith("**第 0 层")
    assert attention.default_view(None)[1].startswith("**Layer 0")
