"""lmlab.ngram: n-gram language models checked against NLTK and a slow textbook Kneser-Ney.

Run: ``python -m pytest tests/test_ngram.py -q`` (a few seconds, no network).

- Every smoothed distribution sums to 1 over the vocabulary, after seen and unseen contexts.
- MLE, Laplace and Lidstone equal ``nltk.lm``'s probabilities and perplexity to 1e-9.  How the
  two are made to define the same model: NLTK gets the same n-grams, unpadded (``everygrams``
  of each sequence), ids as strings, and a ``Vocabulary`` of ids 0..V-2; NLTK adds ``<UNK>``,
  so its size is V, and lmlab gets ``vocab_size=V`` with id V-1 (never seen) as ``<UNK>``.
  Contexts longer than ``order - 1`` are cut by us, as NLTK's ``Lidstone`` does not.
- Interpolated modified Kneser-Ney equals a dictionary-and-loops version written from Chen &
  Goodman's formulas.  (``nltk.lm.KneserNeyInterpolated`` is another model: it interpolates
  down to a uniform distribution, with no unigram level, and takes one discount.)
- KN beats Laplace on held-out Shakespeare; perplexity is exp(mean -log p) of ``logprob``.
"""

import math
from collections import Counter, defaultdict

import numpy as np
import pytest
from nltk.lm import MLE, Laplace, Lidstone, Vocabulary
from nltk.util import everygrams

from lmlab.ngram import CountTables, NGramLM

V = 12  # ids 0..10 appear in the data; 11 plays NLTK's <UNK>
ORDERS = (1, 2, 3, 4, 5)
SMOOTHINGS = ("kneser_ney", "laplace", "lidstone", "mle")


@pytest.fixture(scope="module")
def data():
    """Zipf-like ids in sequences of different lengths, and a held-out set."""
    rng = np.random.default_rng(0)
    p = 1 / np.arange(1, V)
    p /= p.sum()

    def seqs(lengths):
        return [list(rng.choice(V - 1, size=n, p=p)) for n in lengths]

    return seqs([400, 250, 3, 1, 120, 2]), seqs([60, 40, 2])


@pytest.fixture(scope="module")
def corpus():
    """Real tokens: train on the validation works, score the start of the test works."""
    from lmlab.tokenizer import token_stream

    return token_stream("val"), token_stream("test")[:20_000]


def contexts(train, n_random=40, seed=1):
    """Contexts seen in training (every length 0..4) and random, mostly unseen, ones."""
    rng = np.random.default_rng(seed)
    seen = {tuple(s[i - k:i]) for s in train for i in range(len(s)) for k in range(5) if k <= i}
    unseen = [tuple(rng.integers(0, V, size=rng.integers(1, 7))) for _ in range(n_random)]
    return sorted(seen, key=lambda c: (len(c), c))[::7] + unseen


def nltk_model(smoothing, order, train, gamma=0.1):
    vocab = Vocabulary([str(i) for i in range(V - 1)], unk_cutoff=1)
    assert len(vocab) == V  # ids 0..10 and <UNK>
    lm = {"mle": MLE, "laplace": Laplace}.get(smoothing)
    lm = lm(order, vocabulary=vocab) if lm else Lidstone(gamma, order, vocabulary=vocab)
    lm.fit([everygrams([str(t) for t in s], max_len=order) for s in train])
    return lm


def nltk_word(i):
    return "<UNK>" if i == V - 1 else str(i)


# ----------------------------------------------------------------------------- distributions


@pytest.mark.parametrize("smoothing", SMOOTHINGS)
@pytest.mark.parametrize("order", ORDERS)
def test_distribution_sums_to_one_after_seen_and_unseen_contexts(data, smoothing, order):
    train, _ = data
    lm = NGramLM(order, smoothing, vocab_size=V).fit(train)
    for ctx in contexts(train) + [(), (V - 1,) * 6]:
        p = lm.next_token_distribution(ctx)
        assert p.shape == (V,)
        assert abs(p.sum() - 1) < 1e-9, (ctx, p.sum())
        assert (p >= 0).all() and (smoothing == "mle" or (p > 0).all())


@pytest.mark.parametrize("order", ORDERS)
def test_distribution_sums_to_one_on_the_real_vocabulary(order, corpus):
    train, held_out = corpus
    lm = NGramLM(order, "kneser_ney", vocab_size=2048).fit([train])
    for i in range(order, 2000, 97):
        assert abs(lm.next_token_distribution(held_out[i - order:i]).sum() - 1) < 1e-9


def test_distribution_agrees_with_prob_and_top_k(data):
    train, _ = data
    lm = NGramLM(3, "kneser_ney", vocab_size=V).fit(train)
    p = lm.next_token_distribution([1, 0])
    assert all(abs(lm.prob(w, [5, 1, 0]) - p[w]) < 1e-15 for w in range(V))
    top = lm.top_k([1, 0], k=4)
    assert [t for t, _ in top] == list(np.argsort(-p, kind="stable")[:4])
    assert [q for _, q in top] == sorted(p, reverse=True)[:4]


# ----------------------------------------------------------------------------- against NLTK


@pytest.mark.parametrize("smoothing", ["mle", "laplace", "lidstone"])
@pytest.mark.parametrize("order", ORDERS)
def test_probabilities_equal_nltk(data, smoothing, order):
    train, _ = data
    ours = NGramLM(order, smoothing, gamma=0.1, vocab_size=V).fit(train)
    ref = nltk_model(smoothing, order, train)
    for ctx in contexts(train):
        ctx = ctx[max(0, len(ctx) - (order - 1)):] if order > 1 else ()
        theirs = [ref.score(nltk_word(w), [str(t) for t in ctx] or None) for w in range(V)]
        if smoothing == "mle" and sum(theirs) == 0:  # unseen context: NLTK gives 0 to all,
            assert ours.explain(ctx).order < len(ctx) + 1  # we back off to a shorter one
            continue
        np.testing.assert_allclose(ours.next_token_distribution(ctx), theirs, rtol=0, atol=1e-9)


@pytest.mark.parametrize("smoothing", ["laplace", "lidstone"])
@pytest.mark.parametrize("order", ORDERS)
def test_held_out_perplexity_equals_nltk(data, smoothing, order):
    train, held_out = data
    ours = NGramLM(order, smoothing, gamma=0.1, vocab_size=V).fit(train).perplexity(held_out)
    grams = [tuple(str(t) for t in s[max(0, i - order + 1):i + 1])
             for s in held_out for i in range(1, len(s))]
    theirs = nltk_model(smoothing, order, train).perplexity(grams)
    assert abs(ours - theirs) <= 1e-9 * theirs


# ----------------------------------------------------------------------------- Kneser-Ney


def slow_kneser_ney(train, order, vocab_size):
    """p(w | ctx) by Chen & Goodman's recursion over Python dicts, one query at a time."""
    raw, starts, left = Counter(), set(), defaultdict(set)
    for s in train:
        for n in range(1, order + 1):
            for i in range(len(s) - n + 1):
                g = tuple(s[i:i + n])
                raw[g] += 1
                starts.add(g) if i == 0 else left[g].add(s[i - 1])
    kn = {g: c if len(g) == order else len(left[g]) + (g in starts) for g, c in raw.items()}
    discount = {}
    for n in range(1, order + 1):
        nk = Counter(c for g, c in kn.items() if len(g) == n)
        discount[n] = [0, 0.75, 0.75, 0.75]  # too few counts to estimate three
        if all(nk[k] for k in (1, 2, 3, 4)):
            y = nk[1] / (nk[1] + 2 * nk[2])
            d = [0] + [k - (k + 1) * y * nk[k + 1] / nk[k] for k in (1, 2, 3)]
            discount[n] = d if all(0 < d[k] <= k for k in (1, 2, 3)) else discount[n]
    followers = defaultdict(dict)
    for g, c in kn.items():
        followers[g[:-1]][g[-1]] = c

    def prob(w, ctx):
        lower = prob(w, ctx[1:]) if ctx else 1 / vocab_size
        seen, d = followers.get(tuple(ctx), {}), discount[len(ctx) + 1]
        if not seen:
            return lower
        total = sum(seen.values())
        gamma = sum(d[min(c, 3)] for c in seen.values()) / total
        c = seen.get(w, 0)
        return (c - d[min(c, 3)]) / total + gamma * lower

    return lambda w, ctx: prob(w, tuple(ctx)[max(0, len(ctx) - (order - 1)):] if order > 1 else ())


@pytest.mark.parametrize("order", ORDERS)
def test_kneser_ney_equals_slow_textbook_version(data, order):
    train, held_out = data
    lm = NGramLM(order, "kneser_ney", vocab_size=V).fit(train)
    assert order == 1 or len(set(lm.discounts[1])) == 3  # D1, D2, D3+ estimated from counts
    slow = slow_kneser_ney(train, order, V)
    for ctx in contexts(train, n_random=10):
        theirs = [slow(w, ctx) for w in range(V)]
        np.testing.assert_allclose(lm.next_token_distribution(ctx), theirs, rtol=0, atol=1e-12)
    logp = [math.log(slow(s[i], s[max(0, i - order + 1):i]))
            for s in held_out for i in range(1, len(s))]
    assert abs(lm.perplexity(held_out) - math.exp(-np.mean(logp))) < 1e-9


def test_kneser_ney_beats_laplace_on_held_out_shakespeare(corpus):
    train, held_out = corpus
    ppl = {(s, n): NGramLM(n, s, vocab_size=2048).fit([train]).perplexity([held_out])
           for s in ("kneser_ney", "laplace") for n in (1, 3)}
    assert ppl["kneser_ney", 3] < ppl["laplace", 3]
    assert ppl["kneser_ney", 3] < ppl["kneser_ney", 1]  # context helps


def test_one_discount_is_classic_kneser_ney():
    lm = NGramLM(3, "kneser_ney", discount=0.5).fit([[1, 2, 3, 1, 2, 4]])
    assert lm.discounts == [(0.5, 0.5, 0.5)] * 3
    ex = lm.explain([1, 2])  # 1 2 -> 3 once, 1 2 -> 4 once: gamma = 0.5 * 2 / 2
    assert (ex.order, ex.context, ex.context_count, ex.n_followers) == (3, (1, 2), 2, 2)
    assert ex.backoff_mass == 0.5
    assert lm.explain([4, 4]).order == 1  # 4 was never followed by anything


# ----------------------------------------------------------------------------- perplexity


@pytest.mark.parametrize("smoothing", SMOOTHINGS)
def test_shared_count_tables_give_the_same_models_as_fitting_each(data, smoothing):
    train, held = data
    tables = CountTables(train, vocab_size=V)
    for order in ORDERS:
        shared, own = tables.model(order, smoothing, 0.3), NGramLM(order, smoothing, 0.3, V)
        own.fit(train)
        assert shared.discounts == own.discounts
        assert shared.perplexity(held) == own.perplexity(held)
        for ctx in contexts(train)[::5]:
            assert np.array_equal(shared.next_token_distribution(ctx),
                                  own.next_token_distribution(ctx))


@pytest.mark.parametrize("smoothing", ["kneser_ney", "lidstone"])
def test_perplexity_equals_exp_mean_negative_logprob(data, smoothing):
    train, held_out = data
    lm = NGramLM(4, smoothing, vocab_size=V).fit(train)
    nll = [-lm.logprob(s[i], s[:i]) for s in held_out for i in range(1, len(s))]
    assert abs(lm.perplexity(held_out) - math.exp(np.mean(nll))) < 1e-9 * lm.perplexity(held_out)
    assert np.allclose(lm.token_logprobs(held_out), [-x for x in nll], rtol=0, atol=1e-12)


def test_mle_zero_probability_gives_infinite_perplexity():
    lm = NGramLM(2, "mle", vocab_size=5).fit([[0, 1, 0, 1]])
    assert lm.prob(2, [0]) == 0 and lm.logprob(2, [0]) == -math.inf
    assert lm.perplexity([[0, 2]]) == math.inf
    assert lm.perplexity([[0, 1, 0]]) == 1.0


def test_ngrams_never_cross_sequence_boundaries():
    split = NGramLM(2, "mle", vocab_size=4).fit([[0, 1], [2, 3]])
    joined = NGramLM(2, "mle", vocab_size=4).fit([[0, 1, 2, 3]])
    assert joined.prob(2, [1]) == 1.0
    assert split.prob(2, [1]) == 0.25  # 1 never followed by anything: back off to unigrams
    assert split.perplexity([[0, 1], [2, 3]]) == joined.perplexity([[0, 1], [2, 3]])


def test_one_sequence_can_be_passed_bare(data):
    train, held_out = data
    lm = NGramLM(3, vocab_size=V).fit(train)
    assert lm.perplexity(held_out[0]) == lm.perplexity([held_out[0]])
    assert lm.perplexity(np.array(held_out[0])) == lm.perplexity([held_out[0]])


# ----------------------------------------------------------------------------- contexts, errors


def test_empty_and_unseen_contexts_work(data):
    train, _ = data
    lm = NGramLM(3, "kneser_ney", vocab_size=V).fit(train)
    unigram = lm.next_token_distribution(())
    assert np.allclose(lm.next_token_distribution([V - 1, V - 1]), unigram)  # never seen
    assert lm.explain([V - 1, V - 1]).order == 1 and lm.explain(()).context == ()
    assert np.allclose(lm.next_token_distribution([V - 1, 0]), lm.next_token_distribution([0]))
    lap = NGramLM(3, "laplace", vocab_size=V).fit(train)
    assert np.allclose(lap.next_token_distribution([V - 1, V - 1]), 1 / V)
    assert lap.explain([V - 1, V - 1]).backoff_mass == 1.0


@pytest.mark.parametrize("smoothing", SMOOTHINGS)
def test_orders_longer_than_every_training_sequence_work(smoothing):
    lm = NGramLM(5, smoothing, vocab_size=4).fit([[1, 2, 3], [0]])  # no 4- or 5-grams
    assert abs(lm.next_token_distribution([1, 2, 3, 1]).sum() - 1) < 1e-12
    assert 0 < lm.perplexity([[1, 2, 3, 1, 2, 3]]) < math.inf or smoothing == "mle"
    assert lm.explain([1, 2, 3, 1]).order == (5 if smoothing in ("laplace", "lidstone") else 2)


@pytest.mark.parametrize("order", [0, 6, -1, 2.5])
def test_order_outside_one_to_five_raises_value_error(order):
    with pytest.raises(ValueError, match="order must be an integer from 1 to 5"):
        NGramLM(order)


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="smoothing must be one of"):
        NGramLM(3, "good_turing")
    with pytest.raises(RuntimeError, match="fit"):
        NGramLM(3, vocab_size=10).prob(1, [2])
    lm = NGramLM(2, vocab_size=4).fit([[0, 1, 2]])
    with pytest.raises(ValueError, match="token ids must be in 0..3"):
        lm.prob(4, [0])
    with pytest.raises(ValueError, match="at least two tokens"):
        lm.perplexity([[1]])


def test_sample_is_reproducible_and_follows_the_counts():
    lm = NGramLM(2, "mle").fit([[0, 1, 2, 0, 1, 2, 0, 1, 2]])
    assert lm.sample([0], n=6, seed=3) == [1, 2, 0, 1, 2, 0]  # every step has one follower
    kn = NGramLM(3, vocab_size=50).fit([list(range(50)) * 3])
    assert kn.sample([5], 30, seed=7) == kn.sample([5], 30, seed=7)
