"""lmlab.lens on the shipped GPT, each measure against a plain reference.

Checks: the logit lens's last row is the model's own log-softmax (1e-5) and each row is the
recorded residual stream through a LayerNorm recomputed for that row; the GPT's hooks change
nothing when they return what they get; the patching map is 1 at the last layer's last position,
0 before the prompts differ, and each cell equals one unbatched patched run; induction scores are
attention weights read at the right offsets (a loop), in [0, 1], and a head with uniform
attention scores the uniform baseline; zero-ablating a head in the batch equals zeroing its
columns of W^O.  A few seconds on 2 cores.

Run:  python -m pytest tests/test_lens.py -q
"""

import copy

import pytest
import torch
import torch.nn.functional as F

from lmlab import lens
from lmlab.models import load_gpt
from lmlab.tokenizer import load_tokenizer

CLEAN = "Farewell, Brutus. Exit Brutus. Enter"
CORRUPT = "Farewell, Henry. Exit Henry. Enter"


@pytest.fixture(scope="module")
def model():
    torch.set_num_threads(1)
    return load_gpt("shakespeare")


@pytest.fixture(scope="module")
def tok():
    return load_tokenizer()


def test_logit_lens_last_row_is_the_models_output(model, tok):
    ids = tok.encode("What says the King of France? The King of")
    rows = lens.logit_lens(model, ids)
    assert rows.shape == (model.config.n_layer + 1, len(ids), model.config.vocab_size)
    with torch.no_grad():
        out = F.log_softmax(model(torch.tensor([ids])).logits[0], -1)
    torch.testing.assert_close(rows[-1], out, atol=1e-5, rtol=0)


def test_logit_lens_recomputes_the_final_layernorm_for_each_row(model, tok):
    ids = torch.tensor([tok.encode("To be, or not to be")])
    with torch.no_grad():
        hidden = model(ids, output_hidden_states=True).hidden_states  # inputs of the blocks
    rows = lens.logit_lens(model, ids)
    ln = model.transformer.ln_f
    for i in range(model.config.n_layer):
        x = hidden[i][0]
        mu, var = x.mean(-1, keepdim=True), x.var(-1, unbiased=False, keepdim=True)
        normed = (x - mu) / torch.sqrt(var + ln.eps) * ln.weight + ln.bias  # this row's scale
        ref = F.log_softmax(normed @ model.transformer.wte.weight.T, -1)
        torch.testing.assert_close(rows[i], ref, atol=1e-4, rtol=0)


def test_identity_hooks_leave_the_logits_unchanged(model, tok):
    ids = torch.tensor([tok.encode(CLEAN)])
    with torch.no_grad():
        plain = model(ids).logits
        hooked = model(ids, residual_hook=lambda i, x: x, head_hook=lambda i, y: y).logits
    torch.testing.assert_close(hooked, plain, atol=1e-6, rtol=0)


def test_patching_map_is_one_at_the_end_and_zero_before_the_prompts_differ(model, tok):
    clean, corrupt = tok.encode(CLEAN), tok.encode(CORRUPT)
    answer, wrong = tok.encode(" Brutus")[0], tok.encode(" Henry")[0]
    p = lens.patching(model, clean, corrupt, answer, wrong)
    L1, T = p.share.shape
    assert (L1, T) == (model.config.n_layer + 1, len(clean))
    assert p.share[-1, -1] == pytest.approx(1.0, abs=1e-4)
    assert p.first_difference == next(i for i, (a, b) in enumerate(zip(clean, corrupt, strict=True)) if a != b)
    assert p.share[:, :p.first_difference].abs().max() < 1e-4
    assert p.share[-1, :-1].abs().max() < 1e-4  # after the last block only the last position counts
    assert p.clean_diff - p.corrupt_diff > 3  # the preset really depends on the name


def test_each_patching_cell_equals_one_unbatched_patched_run(model, tok):
    clean, corrupt = tok.encode(CLEAN), tok.encode(CORRUPT)
    answer, wrong = tok.encode(" Brutus")[0], tok.encode(" Henry")[0]
    p = lens.patching(model, clean, corrupt, answer, wrong)
    stream, _ = lens.residual_stream(model, clean)
    for layer, pos in [(0, 2), (1, 2), (3, len(clean) - 1), (2, 5)]:
        def paste(i, x, layer=layer, pos=pos):
            if i == layer:
                x = x.clone()
                x[0, pos] = stream[i, pos]
            return x
        with torch.no_grad():
            logits = model(torch.tensor([corrupt]), residual_hook=paste).logits[0, -1]
        d = float(logits[answer] - logits[wrong])
        expected = (d - p.corrupt_diff) / (p.clean_diff - p.corrupt_diff)
        assert float(p.share[layer, pos]) == pytest.approx(expected, abs=1e-4)


def test_patching_refuses_prompts_of_different_lengths(model, tok):
    with pytest.raises(lens.LensInputError, match="same number of tokens"):
        lens.patching_map(model, tok.encode("The King of France"), tok.encode("The King of Burgundy"),
                          1, 2)
    with pytest.raises(lens.LensInputError, match="same tokens"):
        lens.patching_map(model, [5, 6], [5, 6], 1, 2)


def test_induction_scores_read_the_token_after_the_first_occurrence(model):
    seq_len = 10
    scores = lens.induction_scores(model, seq_len=seq_len, n_seqs=2, seed=3)
    assert scores.shape == (model.config.n_layer, model.config.n_head)
    assert ((scores >= 0) & (scores <= 1)).all()
    idx = lens.repeated_tokens(model.config.vocab_size, seq_len, 2, 3)
    assert torch.equal(idx[:, 1:seq_len + 1], idx[:, seq_len + 1:])
    with torch.no_grad():
        att = model(idx, output_attentions=True).attentions
    layer, head = 1, 2
    total = [att[layer][b, head, q, q - seq_len + 1] for b in range(2)
             for q in range(seq_len + 1, 2 * seq_len + 1)]
    assert float(scores[layer, head]) == pytest.approx(float(sum(total) / len(total)), abs=1e-6)


def test_a_head_with_uniform_attention_scores_the_uniform_baseline(model):
    flat = copy.deepcopy(model)
    C = flat.config.n_embd
    with torch.no_grad():
        for block in flat.transformer.h:  # queries and keys zero: every score equal
            block.attn.c_attn.weight[:2 * C] = 0
            block.attn.c_attn.bias[:2 * C] = 0
    scores = lens.induction_scores(flat, seq_len=12, n_seqs=2)
    torch.testing.assert_close(scores, torch.full_like(scores, lens.uniform_baseline(12)),
                               atol=1e-5, rtol=0)


def test_zero_ablation_equals_zeroing_the_heads_columns_of_the_output_projection(model, tok):
    ids = tok.encode(CLEAN)
    ab = lens.ablate_heads(model, ids, "zero")
    layer, head = 2, 1
    hs = model.config.n_embd // model.config.n_head
    cut = copy.deepcopy(model)
    with torch.no_grad():
        cut.transformer.h[layer].attn.c_proj.weight[:, head * hs:(head + 1) * hs] = 0
        ref = F.log_softmax(cut(torch.tensor([ids])).logits[0, -1], -1)
    torch.testing.assert_close(ab.ablated[layer, head], ref, atol=1e-5, rtol=0)
    kl = float((ab.base.exp() * (ab.base - ref)).sum())
    assert float(ab.kl[layer, head]) == pytest.approx(kl, abs=1e-5)
    mean = lens.ablate_heads(model, ids, "mean")
    assert mean.kl.shape == (4, 4) and (mean.kl >= 0).all()


def test_copy_losses_and_errors(model):
    first, second = lens.copy_losses(model, seq_len=10, n_seqs=2)
    assert first > 0 and second > 0
    with pytest.raises(lens.LensInputError):
        lens.logit_lens(model, [])
    with pytest.raises(lens.LensInputError, match="at most"):
        lens.logit_lens(model, [5] * (model.config.block_size + 1))
