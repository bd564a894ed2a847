"""The Generate tab's handlers, called directly: tokens stream, seeds repeat, bad input is a
gr.Error with a plain sentence, nothing the user types comes back as live HTML; with lang="zh"
the stats, figures, picker names and errors read in Chinese (no English word left but names), and
the language switch re-draws the figures from the steps.

Run: python -m pytest tests/test_ui_generate.py
"""

import re

import gradio as gr
import pytest
from words_kit import figure_texts

from lmlab.ui import generate as tab

MODEL = next(iter(tab.MODELS))


def final(prompt="ROMEO.\n", hub="", temperature=0.8, top_k=40, top_p=1.0, max_new=12, seed=0,
          model=None):
    out = None
    model = model or (tab.HUB_CHOICE if hub else MODEL)
    for step in tab.run(prompt, model, hub, temperature, top_k, top_p, max_new, seed):
        out = step
    return out


@pytest.fixture
def hub_enabled(monkeypatch):
    """Hub loading on (LMLAB_HUB=1) for a test: no test reaches the network anyway."""
    monkeypatch.setenv("LMLAB_HUB", "1")


def test_stream_sends_text_often_and_figures_once_at_the_end(monkeypatch):
    monkeypatch.setattr(tab, "STREAM_EVERY_S", 0.0)  # every token
    outs = list(tab.run("JULIET.\n", MODEL, "", 0.8, 40, 1.0, 9, 1))
    assert len(outs) == 9
    assert all(o[1] == gr.skip() and o[2] == gr.skip() and o[4] == gr.skip()
               for o in outs[:-1])  # no figure (nor stats) streamed: Stop's cannot be overwritten
    assert outs[-1][1] is not None and outs[-1][2] is not None
    assert len({len(o[0]) for o in outs}) == 9  # the text grows every time
    steps = outs[-1][5]
    assert len(steps) == 9 and all(0 < s["prob"] <= 1 for s in steps)
    assert "9 tokens" in outs[-1][4]


def test_stop_draws_the_figures_of_what_was_generated():
    steps = final(max_new=5)[5][:3]
    bars, entropy, pick, stats = tab.stopped(steps, "3 tokens.")
    assert list(entropy.data[0].x) == [1, 2, 3]  # steps counted from 1, like the slider
    assert pick["maximum"] == 3 and "Stopped by you after 3 tokens" in stats
    assert tab.stopped([], "")[:3] == (gr.skip(),) * 3 and "after 0 tokens" in tab.stopped([], "")[3]


def test_candidates_chart_shows_the_chosen_token_value_labels_and_fits_the_axis():
    steps = final(max_new=30, temperature=2.0, top_k=0, seed=3)[5]
    outside = [s for s in steps if s["token_id"] not in s["candidates"].ids[:tab.TOP_SHOWN]]
    assert outside, "at temperature 2 some pick comes from outside the top 12"
    fig = tab.candidates_figure(outside[0])
    bar = fig.data[0]
    assert len(bar.y) == tab.TOP_SHOWN + 1 and "outside the top" in bar.y[-1]
    assert bar.marker.color[-1] == "#f28e2b" and len(bar.text) == len(bar.x)
    assert fig.layout.xaxis.range[1] < 1 and fig.layout.xaxis.range[1] >= max(bar.x)


def test_a_typed_hub_id_never_overrides_the_picked_model(hub_enabled):
    out = final(hub="distilgpt2", model=MODEL)  # no download attempted: the picker wins
    assert "12 tokens" in out[4]


def test_chinese_prompt_is_accepted_with_the_caveat_and_no_replacement_character():
    out = final(prompt="床前明月光，疑是地上霜。\n")
    assert "trained on English Shakespeare" in out[4] and "100%" in out[4]
    assert "\ufffd" not in out[0]


def test_same_seed_same_text_and_greedy_is_deterministic():
    assert final(seed=5)[0] == final(seed=5)[0]
    assert final(temperature=0, seed=1)[0] == final(temperature=0, seed=2)[0]


@pytest.mark.parametrize("label", list(tab.MODELS))
def test_every_listed_model_streams_and_says_how_fast(label):
    outs = list(tab.run("ROMEO.\n", label, "", 0, 40, 1.0, 5, 0))
    steps = outs[-1][5]
    assert len(steps) == 5 and all(s["prob"] == 1.0 for s in steps)  # greedy
    assert "5 tokens" in outs[-1][4] and "tokens/s" in outs[-1][4]


def test_int8_variant_rounds_the_weights_and_keeps_the_candidates():
    from lmlab.ui import common

    full, int8 = common.gpt("shakespeare"), common.gpt("shakespeare-int8")
    w, q = full.transformer.h[0].mlp.c_fc.weight, int8.transformer.h[0].mlp.c_fc.weight
    step = w.abs().amax(dim=1, keepdim=True) / 127  # one scale per row
    codes = q / step
    assert not (q == w).all() and (codes - codes.round()).abs().max() < 1e-3
    logits = []
    for label in list(tab.MODELS)[:2]:  # the first step's logits, float and int8
        *_, last = tab.run("ROMEO.\n", label, "", 0, 40, 1.0, 1, 0)
        logits.append(last[5][0]["candidates"].logits)
    assert 0 < abs(logits[0] - logits[1]).max() < 0.25  # they move a little (0.08 seen)


def test_user_html_is_escaped():
    html = final(prompt="<script>alert(1)</script><img src=x onerror=alert(2)>")[0]
    assert "<script>" not in html and "&lt;script&gt;" in html and "<img" not in html


@pytest.mark.parametrize("kwargs, message", [
    ({"prompt": ""}, "empty"),
    ({"prompt": "   \n\x00 "}, "empty"),
    ({"prompt": "x" * 100_000}, "limit"),
    ({"temperature": -1}, "Temperature"),
    ({"max_new": 0}, "Max new tokens"),
    ({"max_new": 10**6}, "Max new tokens"),
    ({"hub": "../../etc/passwd"}, "hub id"),
    ({"hub": "https://evil.example/x"}, "hub id"),
    ({"hub": "assets/shakespeare-gpt"}, "Hub models are off on this server"),
    ({"hub": "distilgpt2"}, "Hub models are off on this server"),  # no LMLAB_HUB=1
])
def test_bad_input_is_a_plain_gr_error(kwargs, message):
    with pytest.raises(gr.Error, match=message):
        final(**kwargs)


def test_offline_hub_id_says_no_network(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("LMLAB_HUB", "1")
    with pytest.raises(gr.Error, match="no network"):
        final(hub="distilgpt2")
    with pytest.raises(gr.Error, match="(?i)could not fetch"):  # a local folder is no hub id
        final(hub="assets/shakespeare-gpt")


def test_a_request_stops_at_the_time_limit_and_says_so(monkeypatch):
    monkeypatch.setattr(tab, "TIME_LIMIT_S", 0.0)
    out = final(max_new=50)
    assert len(out[5]) == 1 and "time limit" in out[4]


def test_long_prompt_is_cut_to_the_context_and_says_so():
    out = final(prompt="To be or not. " * 100)
    assert "cut to its last 128 tokens" in out[4]


def test_steps_keep_candidates_not_the_vocabulary_and_rescale_exactly():
    import torch

    from lmlab.generate import temperature_probs
    from lmlab.ui import common

    steps = final(max_new=3, temperature=0.7)[5]
    model, tok = common.gpt("shakespeare"), common.tokenizer("shakespeare")
    ids = tok.encode("ROMEO.\n") + [steps[0]["token_id"], steps[1]["token_id"]]
    with torch.no_grad():
        logits = model(torch.tensor([ids])).logits[0, -1]  # step 3's logits, recomputed
    cands = steps[2]["candidates"]
    assert cands.logits.size == tab.TOP_SHOWN  # 12 numbers kept, not 2,048
    for t in (0.05, 0.7, 1.3, 2.0):
        probs, shown = cands.probs(t)
        assert shown == t
        want = temperature_probs(logits.double(), t)[torch.from_numpy(cands.ids)].numpy()
        assert abs(probs - want).max() < 1e-5
    assert cands.probs(0.71)[1] == 0.7  # between slider positions: the nearest one


def test_inspect_rescales_the_same_logits_by_temperature():
    steps = final(max_new=4)[5]
    cold, hot = tab.inspect(steps, 2, 0.2), tab.inspect(steps, 2, 2.0)
    assert max(cold.data[0].x) > max(hot.data[0].x)  # colder = more peaked
    assert tab.inspect([], 1, 1.0) is None


# ----------------------------------------------------------------------------- both languages


HAN = re.compile(r"[\u4e00-\u9fff]")
NAMES = {"GPT", "top-k", "top-p", "hub", "Hugging", "Face"}  # the same in both languages


def english_words(text: str, names=NAMES) -> list[str]:
    """Words of three letters or more in ``text`` that read as English (tags, plotly's
    ``%{x}`` and allowed names left out), as tests/test_browser_i18n.py counts them."""
    text = re.sub(r"<[^>]+>|%\{[^}]*\}", " ", text)
    return [w for w in re.findall(r"[A-Za-z][A-Za-z'\-]{2,}", text) if w not in names]


def figure_words(fig) -> str:
    """Every text of a figure a student reads (``words_kit.figure_texts``), as one string."""
    return " ".join(figure_texts(fig))


def test_in_chinese_the_stats_figures_and_picker_read_in_chinese():
    text, bars, entropy, _, stats, steps = list(tab.run("ROMEO.\n", MODEL, "", 0.8, 40, 1.0, 6, 0, "zh"))[-1]
    assert stats.startswith("6 个词元，每秒") and "模型：2,197,632 个参数，4 层。" in stats
    assert bars.layout.title.text == "候选词元：第 6 步，温度 0.8" and bars.layout.xaxis.title.text == "概率 p"
    assert entropy.layout.title.text == "模型有多不确定" and entropy.layout.yaxis.title.text == "熵（奈特）"
    for words in (stats, figure_words(bars), figure_words(entropy)):
        assert HAN.search(words) and english_words(words) == [], words
    names = [name for name, _ in tab.model_choices("zh")]
    assert names[0] == "莎士比亚 GPT（自带）：参数量 2.2M，4 层 × 4 个头"
    assert all(HAN.search(n) and english_words(n) == [] for n in names), names
    assert [v for _, v in tab.model_choices("zh")] == list(tab.MODELS)  # the values stay
    assert text.startswith('<div translate="no"')  # the prompt and the model's text: never translated


def test_in_english_the_same_run_reads_in_english():
    _, bars, entropy, _, stats, _ = list(tab.run("ROMEO.\n", MODEL, "", 0.8, 40, 1.0, 6, 0))[-1]
    assert stats.startswith("6 tokens, ") and "Model: 2,197,632 parameters, 4 layers." in stats
    assert entropy.layout.title.text == "How unsure the model was" and bars.layout.xaxis.title.text == "probability p"
    assert not any(HAN.search(w) for w in (stats, figure_words(bars), figure_words(entropy)))
    assert tab.model_label(MODEL) == "Shakespeare GPT (shipped): 2.2M parameters, 4 layers x 4 heads"


@pytest.mark.parametrize("kwargs, chinese", [
    ({"prompt": ""}, "提示词为空"),
    ({"prompt": "x" * 100_000}, "上限是 2,000"),
    ({"temperature": -1}, "温度必须在 0 到 100 之间"),
    ({"temperature": 1e-45}, "太小"),
    ({"top_k": "many"}, "top-k 必须是"),
    ({"top_p": 0}, "top-p 必须大于 0"),
    ({"max_new": 0}, "最多新词元数必须在 1 到 400 之间"),
    ({"seed": -1}, "随机种子必须是"),
    ({"hub": "../../etc/passwd"}, "不接受本地路径"),
    ({"hub": "distilgpt2"}, "没有开启 hub 模型"),
])
def test_bad_input_in_chinese_is_a_chinese_gr_error(kwargs, chinese):
    model = tab.HUB_CHOICE if "hub" in kwargs else MODEL
    args = dict(prompt="ROMEO.\n", model_choice=model, hub_id=kwargs.pop("hub", ""), temperature=0.8,
                top_k=40, top_p=1.0, max_new=4, seed=0, lang="zh") | kwargs
    with pytest.raises(gr.Error) as err:
        list(tab.run(**args))
    ids = {"gpt", "user", "model-name'"}  # the shape of a hub id, quoted ('gpt2', 'user/model-name')
    assert chinese in err.value.message and english_words(err.value.message, NAMES | ids) == []


def test_inspect_in_chinese_words_its_errors_and_titles():
    steps = final(max_new=3)[5]
    assert tab.inspect(steps, 2, 1.0, "zh").layout.title.text == "候选词元：第 2 步，温度 1"
    with pytest.raises(gr.Error, match="温度必须在 0 到 100 之间"):
        tab.inspect(steps, 2, float("nan"), "zh")


def test_the_switch_redraws_the_figures_from_the_steps_and_renames_the_models():
    steps = final(max_new=5)[5]
    picker, bars, entropy, stats = tab.reword(steps, 3, 1.0, "zh")
    assert picker["choices"] == tab.model_choices("zh")
    assert bars.layout.title.text == "候选词元：第 3 步，温度 1" and list(entropy.data[0].x) == [1, 2, 3, 4, 5]
    assert stats == gr.skip()  # a student's own run: its stats line is re-worded at the next run
    assert tab.reword(steps, 3, 1.0, "en")[2].layout.title.text == "How unsure the model was"
    assert tab.reword([], 1, 1.0, "zh")[1:] == (gr.skip(),) * 3  # nothing shown yet: nothing drawn
    default = tab.default_view("en")[5]  # the tab's first view: its stats line follows too
    assert tab.reword(default, 120, 0.8, "zh")[3].startswith("120 个词元，每秒")


def test_the_first_view_is_worded_in_the_students_language_and_follows_the_switch(monkeypatch):
    calls = []
    monkeypatch.setattr(tab, "run", lambda *a: calls.append(a[-1]) or iter([("view", a[-1])]))
    tab._default_view.cache_clear()
    try:
        views = [tab.default_view(lg)[1] for lg in ("zh", "en", "zh", None)]
    finally:
        tab._default_view.cache_clear()  # no stand-in view left for other tests
    assert views == ["zh", "en", "zh", "en"] and calls == ["zh", "en"]  # one run per language
    followers = []
    with gr.Blocks() as demo:
        lang = gr.State("en")
        tab.build(lang=lang, followers=followers)
    first = next(fn for fn in demo.fns.values() if fn.api_name == "generate_default")
    assert lang in first.inputs  # the student's language reaches default_view
    assert [f.name for f in followers] == ["generate_reword"] and lang in followers[0].inputs


def test_a_failed_run_marks_the_panels_stale_in_the_students_language():
    with gr.Blocks() as demo:
        lang = gr.State("en")
        tab.build(lang=lang)
    show = next(fn for fn in demo.fns.values() if (fn.api_name or "").startswith("stale_") and
                fn.api_name.endswith("_show"))
    assert show.inputs == [lang]
    assert "上一次运行失败了" in show.fn("zh")["value"] and "The last run failed" in show.fn("en")["value"]
