"""lmlab.compare: the n-gram vs neural figures, each checked against the models' own APIs.

Run: ``python -m pytest tests/test_compare.py -q`` (about 15 s: it fits the n-gram models of the
training works and scores a small held-out slice with the shipped GPT; no network).

- Surprisal is -log2 p, where p comes from ``NGramLM.prob`` and from the GPT's own softmax.
- The perplexity curve is each model's perplexity on the same held-out tokens.
- Sparsity lies in [0, 1], never falls as n grows, and agrees with a plain ``np.isin`` count.
- The novel-phrase example really is a held-out n-gram absent from training (searched for in
  the raw token stream), and its GPT probability is the GPT's.
"""

import math

import numpy as np
import pytest
import torch

from lmlab import SHIPPED_GPT, compare
from lmlab.gpt import GPT
from lmlab.tokenizer import load_tokenizer, token_stream

SLICE = 400  # held-out tokens per work: small, so the GPT scores it in a moment


@pytest.fixture(scope="module")
def gpt():
    return GPT.from_pretrained(SHIPPED_GPT).eval()


@pytest.fixture(scope="module")
def ids():
    """A held-out line of Hamlet, as token ids (shorter than the GPT's context)."""
    text = compare.passage("hamlet", 1000, n_lines=3)
    return np.array(load_tokenizer().encode(text))


@torch.no_grad()
def gpt_prob(model, before, token) -> float:
    """p(token | before) straight from a GPT forward pass (no sliding windows, no caching)."""
    logits = model(torch.tensor([list(before)])).logits[0, -1].double()
    return float(torch.softmax(logits, -1)[token])


def occurrences(stream: np.ndarray, gram) -> int:
    """How many times the id sequence ``gram`` occurs in ``stream`` (plain numpy, no keys)."""
    n, hit = len(gram), np.ones(len(stream) - len(gram) + 1, bool)
    for j, t in enumerate(gram):
        hit &= stream[j:len(stream) - n + 1 + j] == t
    return int(hit.sum())


def test_ngram_keys_are_distinct_per_ngram():
    ids = np.array([3, 1, 4, 1, 5, 9, 2, 6])
    keys = compare.ngram_keys(ids, 3, 10)
    assert keys.tolist() == [314, 141, 415, 159, 592, 926]
    assert len(compare.ngram_keys(ids[:2], 3, 10)) == 0


@pytest.mark.parametrize("smoothing", ["kneser_ney", "mle"])
def test_surprisal_is_minus_log2_prob_under_each_model(gpt, ids, smoothing):
    s = compare.surprisal(gpt, ids, order=3, smoothing=smoothing)
    lm = compare.ngram_model(3, smoothing)
    assert len(s.ngram_bits) == len(s.gpt_bits) == len(ids) - 1
    assert "".join(s.tokens) == load_tokenizer().decode(ids.tolist())
    for i in range(1, len(ids)):
        p = lm.prob(int(ids[i]), ids[:i])
        expected = -math.log2(p) if p > 0 else math.inf
        assert s.ngram_bits[i - 1] == pytest.approx(expected, rel=1e-9)
        assert s.gpt_bits[i - 1] == pytest.approx(-math.log2(gpt_prob(gpt, ids[:i], ids[i])),
                                                  abs=1e-4)
    assert s.gpt_perplexity == pytest.approx(2 ** s.gpt_bits.mean())


def test_surprisal_under_mle_is_infinite_for_an_unseen_continuation(gpt):
    ids = np.array(load_tokenizer().encode("Zounds zounds zounds qqq xyzzy"))
    s = compare.surprisal(gpt, ids, order=2, smoothing="mle")
    assert np.isinf(s.ngram_bits).any() and math.isinf(s.ngram_perplexity)
    assert np.isfinite(s.gpt_bits).all() and math.isfinite(s.gpt_perplexity)


def test_next_tokens_are_each_models_top_k(gpt, ids):
    nt = compare.next_tokens(gpt, ids[:12], order=4, k=5)
    lm = compare.ngram_model(4)
    assert [(c.token_id, c.prob) for c in nt.ngram] == lm.top_k(ids[:12], 5)
    assert nt.explanation == lm.explain(ids[:12])
    probs = [c.prob for c in nt.gpt]
    assert probs == sorted(probs, reverse=True)
    for c in nt.gpt:
        assert c.prob == pytest.approx(gpt_prob(gpt, ids[:12], c.token_id), abs=1e-6)
    assert nt.gpt_context == 12


def test_perplexity_curve_scores_every_model_on_the_same_tokens(gpt):
    curve = compare.perplexity_curve(gpt, "kneser_ney", tokens_per_work=SLICE)
    chunks = compare.heldout_slice(SLICE)
    assert curve.n_tokens == sum(len(c) - 1 for c in chunks)
    for n, ppl in zip(curve.orders, curve.ngram, strict=False):
        assert ppl == pytest.approx(compare.ngram_model(n).perplexity(chunks), rel=1e-12)
    bits = np.concatenate([compare.surprisal(gpt, c, 1).gpt_bits for c in chunks])
    assert curve.gpt == pytest.approx(2 ** bits.mean(), rel=1e-9)
    assert curve.ngram[curve.best_order - 1] == min(curve.ngram)


def test_heldout_slice_is_the_middle_of_each_validation_work():
    spans = compare.slice_spans(SLICE)
    works = dict(compare.heldout_works())
    assert [s for s, _, _ in spans] == ["hamlet", "henry_v", "sonnets", "twelfth_night"]
    for slug, start, chunk in spans:
        assert len(chunk) == SLICE and not chunk.flags.writeable
        assert start == (len(works[slug]) - SLICE) // 2
        assert np.array_equal(works[slug][start:start + SLICE], chunk)
    eot = load_tokenizer().eot_id
    assert sum(len(w) for w in works.values()) + len(works) == len(token_stream("val"))
    assert all(eot not in w for w in works.values())


def test_sparsity_rises_with_n_and_matches_a_direct_count():
    sp = compare.unseen_ngrams()
    f = np.array(sp.unseen_fraction)
    assert sp.orders == (1, 2, 3, 4, 5)
    assert np.all((0 <= f) & (f <= 1)) and np.all(np.diff(f) >= 0)
    assert f[-1] > f[0]  # long n-grams are rarer than single tokens
    train = np.unique(compare.ngram_keys(token_stream("train"), 2, compare.vocab_size()))
    unseen = sum(np.count_nonzero(~np.isin(compare.ngram_keys(ids, 2, 2048)[3:], train))
                 for _, ids in compare.heldout_works())
    assert f[1] == pytest.approx(unseen / sp.n_positions, rel=1e-12)


@pytest.mark.parametrize("order", [2, 3])
def test_novel_phrase_is_unseen_in_training_and_scored_by_the_gpt(gpt, order):
    nv = compare.novel_phrase(gpt, order, tokens_per_work=SLICE)
    assert nv is not None
    work = dict(compare.heldout_works())[nv.work]
    before = work[nv.position - len(nv.before):nv.position]
    assert np.array_equal(before, nv.before) and work[nv.position] == nv.target
    context = list(nv.before[len(nv.before) - order + 1:])
    train = token_stream("train")
    assert occurrences(train, context + [nv.target]) == 0  # the n-gram is new
    assert occurrences(train[:-1], context) == nv.context_count > 0  # its context is not
    assert nv.ngram_prob == compare.ngram_model(order).prob(nv.target, nv.before)
    assert nv.gpt_prob == pytest.approx(gpt_prob(gpt, nv.before, nv.target), abs=1e-6)
    assert load_tokenizer().decode([nv.target])[0] == " "


def test_no_novel_unigram_when_every_heldout_token_was_seen(gpt):
    if compare.unseen_ngrams().unseen_fraction[0] == 0:
        assert compare.novel_phrase(gpt, 1, tokens_per_work=SLICE) is None


def test_samples_are_reproducible_and_come_from_each_model(gpt, ids):
    a = compare.samples(gpt, ids[:5], 3, n_tokens=15, seed=7)
    assert a == compare.samples(gpt, ids[:5], 3, n_tokens=15, seed=7)
    assert list(a.ngram) == compare.ngram_model(3).sample(ids[:5], 15, seed=7)
    assert len(a.gpt) == 15 and a.gpt_text == load_tokenizer().decode(list(a.gpt))


def test_passage_only_from_heldout_works():
    assert "To be, or not to be" in "".join(
        compare.passage("hamlet", i) for i in range(0, 6000, 8))
    with pytest.raises(ValueError):
        compare.passage("lear")
