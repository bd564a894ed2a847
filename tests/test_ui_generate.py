"""The Generate tab's handlers, called directly: tokens stream, seeds repeat, bad input is a
gr.Error with a plain sentence, nothing the user types comes back as live HTML.

Run: python -m pytest tests/test_ui_generate.py
"""

import gradio as gr
import pytest

from lmlab.ui import generate as tab

MODEL = next(iter(tab.MODELS))


def final(prompt="ROMEO.\n", hub="", temperature=0.8, top_k=40, top_p=1.0, max_new=12, seed=0):
    out = None
    for out in tab.run(prompt, MODEL, hub, temperature, top_k, top_p, max_new, seed):
        pass
    return out


def test_stream_yields_growing_text_and_one_step_per_token():
    outs = list(tab.run("JULIET.\n", MODEL, "", 0.8, 40, 1.0, 9, 1))
    assert len(outs) == 3  # every 4th token and the last
    steps = outs[-1][4]
    assert len(steps) == 9 and all(0 < s["prob"] <= 1 for s in steps)
    assert "9 tokens" in outs[-1][3]


def test_same_seed_same_text_and_greedy_is_deterministic():
    assert final(seed=5)[0] == final(seed=5)[0]
    assert final(temperature=0, seed=1)[0] == final(temperature=0, seed=2)[0]


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
])
def test_bad_input_is_a_plain_gr_error(kwargs, message):
    with pytest.raises(gr.Error, match=message):
        final(**kwargs)


def test_offline_hub_id_says_no_network(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(gr.Error, match="no network"):
        final(hub="distilgpt2")


def test_long_prompt_is_cut_to_the_context_and_says_so():
    out = final(prompt="To be or not. " * 100)
    assert "cut to its last 128 tokens" in out[3]


def test_inspect_rescales_the_same_logits_by_temperature():
    steps = final(max_new=4)[4]
    cold, hot = tab.inspect(steps, 2, 0.2), tab.inspect(steps, 2, 2.0)
    assert max(cold.data[0].x) > max(hot.data[0].x)  # colder = more peaked
    assert tab.inspect([], 1, 1.0) is None
