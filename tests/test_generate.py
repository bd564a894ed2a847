"""Generation: greedy equals transformers' generate, the KV cache changes nothing, a seed fixes
the text, and top-k / top-p / temperature keep the tokens they promise.

Run: python -m pytest tests/test_generate.py
"""

import pytest
import torch

from lmlab.generate import SamplingConfig, entropy, filter_logits, generate, generate_stream
from lmlab.gpt import GPT


def test_greedy_tokens_equal_hf_generate(tiny_hf_gpt2):
    hf, path = tiny_hf_gpt2
    ours = GPT.from_pretrained(path)
    prompt = torch.randint(1, 301, (1, 6))
    want = hf.generate(prompt, attention_mask=torch.ones_like(prompt), max_new_tokens=40,
                       do_sample=False, eos_token_id=None, pad_token_id=0)
    assert torch.equal(generate(ours, prompt, 40, temperature=0), want)


def test_kv_cache_gives_the_same_tokens_as_no_cache(tiny_hf_gpt2):
    model = GPT.from_pretrained(tiny_hf_gpt2[1])
    prompt = [5, 6, 7]
    for kwargs in ({"temperature": 0}, {"temperature": 1.0, "seed": 4, "top_k": 20}):
        a = generate(model, prompt, 60, use_cache=True, **kwargs)  # runs past the context (48)
        b = generate(model, prompt, 60, use_cache=False, **kwargs)
        assert torch.equal(a, b)


def test_temperature_zero_determinism_and_same_seed_same_text(tiny_hf_gpt2):
    model = GPT.from_pretrained(tiny_hf_gpt2[1])
    assert torch.equal(generate(model, [1, 2], 20, temperature=0),
                       generate(model, [1, 2], 20, temperature=0))
    a = generate(model, [1, 2], 30, temperature=1.3, top_p=0.95, seed=11)
    b = generate(model, [1, 2], 30, temperature=1.3, top_p=0.95, seed=11)
    c = generate(model, [1, 2], 30, temperature=1.3, top_p=0.95, seed=12)
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_top_k_keeps_exactly_k_tokens():
    logits = torch.randn(1000)
    kept = torch.isfinite(filter_logits(logits, SamplingConfig(top_k=7)))
    assert kept.sum() == 7 and set(kept.nonzero()[:, 0].tolist()) == set(logits.topk(7)[1].tolist())


def test_top_p_keeps_the_smallest_set_with_that_mass():
    probs = torch.tensor([0.5, 0.25, 0.15, 0.07, 0.03])
    out = filter_logits(probs.log(), SamplingConfig(top_p=0.8))
    assert torch.isfinite(out).tolist() == [True, True, True, False, False]
    out = filter_logits(probs.log(), SamplingConfig(top_p=0.5))
    assert torch.isfinite(out).tolist() == [True, False, False, False, False]


def test_stream_steps_report_a_proper_distribution(tiny_hf_gpt2):
    model = GPT.from_pretrained(tiny_hf_gpt2[1])
    for step in generate_stream(model, [3, 4], 5, temperature=0.7, top_k=10, seed=0):
        assert abs(step.probs.sum().item() - 1) < 1e-5
        assert step.kept.sum() == 10 and step.kept[step.token_id]
        assert 0 <= step.entropy <= torch.log(torch.tensor(301.0)).item() + 1e-6


def test_entropy_of_uniform_is_log_v_and_of_certain_is_zero():
    assert entropy(torch.zeros(64)) == pytest.approx(torch.log(torch.tensor(64.0)).item())
    assert entropy(torch.tensor([0.0, -float("inf"), -float("inf")])) == pytest.approx(0.0)


@pytest.mark.parametrize("kwargs, message", [
    ({"temperature": -0.5}, "temperature"),
    ({"top_p": 0.0}, "top-p"),
    ({"top_p": 1.5}, "top-p"),
    ({"top_k": 0}, "top-k"),
])
def test_bad_sampling_settings_raise_clear_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SamplingConfig(**kwargs)


def test_empty_prompt_is_refused(tiny_hf_gpt2):
    model = GPT.from_pretrained(tiny_hf_gpt2[1])
    with pytest.raises(ValueError, match="empty"):
        generate(model, [], 5)
