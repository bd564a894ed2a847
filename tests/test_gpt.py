"""lmlab's GPT against transformers' GPT2LMHeadModel: same weights, same logits (1e-5),
attentions, hidden states and KV cache; our checkpoints open in transformers.

Run: python -m pytest tests/test_gpt.py
"""

import json

import pytest
import torch
from transformers import GPT2Config, GPT2LMHeadModel

from lmlab.gpt import GPT, GPTConfig

SIZES = [  # (vocab, context, width, layers, heads): odd shapes on purpose
    (301, 48, 36, 3, 3),
    (97, 19, 20, 1, 5),
    (1013, 64, 56, 2, 7),
    (50, 9, 8, 4, 1),
]


def hf_pair(tmp_path, vocab, ctx, width, layers, heads, seed=0):
    torch.manual_seed(seed)
    cfg = GPT2Config(vocab_size=vocab, n_positions=ctx, n_embd=width, n_layer=layers,
                     n_head=heads, bos_token_id=0, eos_token_id=0,
                     attn_implementation="eager")
    hf = GPT2LMHeadModel(cfg).eval()
    with torch.no_grad():  # non-trivial LayerNorm and bias values, so a swap would show
        for name, p in hf.named_parameters():
            if "ln" in name or name.endswith("bias"):
                p.normal_(mean=float("weight" in name), std=0.1)
    hf.save_pretrained(tmp_path)
    return hf, GPT.from_pretrained(tmp_path)


@pytest.mark.parametrize("sizes", SIZES)
def test_logits_equal_hf_gpt2_with_the_same_weights(tmp_path, sizes):
    hf, ours = hf_pair(tmp_path, *sizes)
    idx = torch.randint(sizes[0], (2, sizes[1]))
    with torch.no_grad():
        want = hf(idx).logits
        got_fused = ours(idx).logits
        got_explicit = ours(idx, output_attentions=True).logits
    assert torch.allclose(got_fused, want, atol=1e-5, rtol=0)
    assert torch.allclose(got_explicit, want, atol=1e-5, rtol=0)


def test_attentions_and_hidden_states_equal_hf(tmp_path):
    hf, ours = hf_pair(tmp_path, *SIZES[0])
    idx = torch.randint(301, (1, 30))
    with torch.no_grad():
        want = hf(idx, output_attentions=True, output_hidden_states=True)
        got = ours(idx, output_attentions=True, output_hidden_states=True)
    assert len(got.attentions) == 3 and got.attentions[0].shape == (1, 3, 30, 30)
    for a, b in zip(got.attentions, want.attentions, strict=False):
        assert torch.allclose(a, b, atol=1e-6)
    for a, b in zip(got.hidden_states, want.hidden_states, strict=True):
        assert torch.allclose(a, b, atol=1e-5)


def test_attention_weights_are_causal_and_sum_to_one():
    model = GPT(GPTConfig(vocab_size=50, block_size=16, n_layer=2, n_head=2, n_embd=8)).eval()
    weights = model(torch.randint(50, (2, 16)), output_attentions=True).attentions
    for w in weights:
        assert torch.allclose(w.sum(-1), torch.ones(2, 2, 16), atol=1e-6)
        assert torch.all(w.triu(diagonal=1) == 0)


def test_kv_cache_gives_the_same_logits_as_a_full_pass():
    torch.manual_seed(1)
    model = GPT(GPTConfig(vocab_size=60, block_size=20, n_layer=2, n_head=2, n_embd=16)).eval()
    idx = torch.randint(60, (1, 20))
    with torch.no_grad():
        full = model(idx).logits
        out = model(idx[:, :12], use_cache=True)
        steps = [out.logits]
        past = out.past_key_values
        for t in range(12, 20, 4):  # several tokens at a time after the first call
            out = model(idx[:, t:t + 4], past_key_values=past, use_cache=True)
            steps.append(out.logits)
            past = out.past_key_values
    assert torch.allclose(torch.cat(steps, dim=1), full, atol=1e-5)


def test_kv_cache_holds_each_layers_keys_and_refuses_to_overflow():
    torch.manual_seed(3)
    cfg = GPTConfig(vocab_size=40, block_size=10, n_layer=3, n_head=2, n_embd=12)
    model = GPT(cfg).eval()
    idx = torch.randint(40, (2, 10))
    with torch.no_grad():
        out = model(idx[:, :7], use_cache=True)
        cache = out.past_key_values
        assert len(cache) == 7
        assert [tuple(k.shape) for k, v in cache] == [(2, 2, 7, 6)] * 3
        # layer 0's keys are ln_1(x) @ W_k + b_k of the embeddings, split into heads
        block = model.transformer.h[0]
        x = model.transformer.wte(idx[:, :7]) + model.transformer.wpe.weight[:7]
        keys = block.attn.c_attn(block.ln_1(x))[..., 12:24].view(2, 7, 2, 6).transpose(1, 2)
        assert torch.allclose(cache[0][0], keys, atol=1e-6)
        model(idx[:, 7:], past_key_values=cache)  # the cache grows in place
        assert len(cache) == 10
        with pytest.raises(ValueError, match="exceed the context of 10"):
            model(idx[:, :1], past_key_values=cache)


def test_matrices_keep_linear_shapes_in_gpt2_memory_layout(tmp_path):
    model = GPT(GPTConfig(vocab_size=30, block_size=8, n_layer=1, n_head=2, n_embd=8))
    attn = model.transformer.h[0].attn
    assert attn.c_attn.weight.shape == (24, 8) and attn.c_attn.weight.t().is_contiguous()
    assert model.lm_head.weight is model.transformer.wte.weight  # still tied
    model.save_pretrained(tmp_path)
    loaded = GPT.from_pretrained(tmp_path)
    assert loaded.transformer.h[0].mlp.c_fc.weight.t().is_contiguous()
    assert torch.equal(loaded.transformer.h[0].mlp.c_fc.weight,
                       model.transformer.h[0].mlp.c_fc.weight)


def test_our_checkpoint_opens_in_transformers_with_the_same_logits(tmp_path):
    torch.manual_seed(2)
    ours = GPT(GPTConfig(vocab_size=70, block_size=12, n_layer=2, n_head=2, n_embd=10)).eval()
    ours.save_pretrained(tmp_path)
    hf = GPT2LMHeadModel.from_pretrained(tmp_path).eval()
    idx = torch.randint(70, (3, 12))
    with torch.no_grad():
        assert torch.allclose(ours(idx).logits, hf(idx).logits, atol=1e-5)
    assert GPT.from_pretrained(tmp_path).config == ours.config
    assert json.loads((tmp_path / "config.json").read_text())["model_type"] == "gpt2"


def test_too_long_input_is_refused_with_the_context_size():
    model = GPT(GPTConfig(vocab_size=10, block_size=4, n_layer=1, n_head=1, n_embd=4))
    with pytest.raises(ValueError, match="exceed the context of 4"):
        model(torch.zeros(1, 5, dtype=torch.long))


def test_loss_is_cross_entropy_of_the_logits():
    torch.manual_seed(3)
    model = GPT(GPTConfig(vocab_size=30, block_size=8, n_layer=1, n_head=2, n_embd=8)).eval()
    x, y = torch.randint(30, (2, 8)), torch.randint(30, (2, 8))
    out = model(x, targets=y)
    want = torch.nn.functional.cross_entropy(out.logits.reshape(-1, 30), y.reshape(-1))
    assert torch.allclose(out.loss, want, atol=1e-6)


def test_shipped_model_loads_and_is_gpt2_shaped():
    from lmlab import SHIPPED_GPT

    model = GPT.from_pretrained(SHIPPED_GPT)
    assert model.config.vocab_size == 2048
    assert 1_000_000 < model.num_parameters() < 5_000_000
    assert (SHIPPED_GPT / "model.safetensors").stat().st_size < 20 * 2**20
