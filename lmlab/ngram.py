"""N-gram language models: count what followed each context, then smooth the counts.

Lesson: lessons/02_ngrams.en.md.  Tab: lmlab/ui/ngram.py.  Command: ``lmlab ngram``.

Before neural networks, a language model was a table of counts.  An n-gram model predicts a
token from the ``n - 1`` tokens before it (its *context*):

    p(w | h) = count(h w) / count(h)                      maximum likelihood ("mle")

That gives 0 to anything the training text never showed, and one 0 makes the held-out
perplexity infinite.  Smoothing moves a little probability onto unseen events:

- ``"laplace"`` / ``"lidstone"``: pretend every token was seen ``gamma`` more times after every
  context (Laplace: gamma = 1):  ``(count(h w) + gamma) / (count(h) + gamma * V)``.
- ``"kneser_ney"``: *interpolated modified Kneser-Ney* (Chen & Goodman 1998): subtract a
  discount D1, D2 or D3+ from every count of 1, 2 or 3+ (the three discounts are estimated
  from the count-of-counts of each order), and hand the subtracted mass to the next shorter
  context.  Lower orders count *continuations* (in how many different contexts a token
  appears, not how often), and the unigram is interpolated with the uniform distribution, so
  every token gets some probability.  ``discount=0.75`` gives classic one-discount KN.

>>> lm = NGramLM(order=2, smoothing="mle").fit([[0, 1, 0, 2]])
>>> lm.prob(1, context=[0])  # 0 was followed once by 1 and once by 2
0.5

Conventions (the GPT's, so the two perplexities are comparable): each sequence is scored
from its second token on; a token's context is the up-to ``order - 1`` tokens before it in its
own sequence (shorter at the start, no padding); n-grams never cross sequences.  For KN the
start of a sequence counts as one extra left context, as ``<s>`` does in KenLM.

Counting lives in ``lmlab.ngram_counts``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lmlab.ngram_counts import Level, check_range, context_keys, count_levels, find, flatten, level

SMOOTHINGS = ("kneser_ney", "laplace", "lidstone", "mle")
MAX_ORDER = 5


@dataclass(frozen=True)
class NGramConfig:
    """Everything that decides an n-gram model except the counts."""

    order: int = 3  # n: predict a token from the n - 1 tokens before it (1..5)
    smoothing: str = "kneser_ney"  # one of SMOOTHINGS
    gamma: float = 0.1  # Lidstone's pseudo-count per token (Laplace always uses 1)
    vocab_size: int | None = None  # V; None: the largest id seen by fit, plus one
    discount: float | None = None  # KN: None = three discounts from the counts; else one D

    def __post_init__(self):
        if not isinstance(self.order, (int, np.integer)) or not 1 <= self.order <= MAX_ORDER:
            raise ValueError(f"order must be an integer from 1 to {MAX_ORDER}, got {self.order!r}")
        if self.smoothing not in SMOOTHINGS:
            raise ValueError(f"smoothing must be one of {SMOOTHINGS}, got {self.smoothing!r}")
        if self.smoothing == "lidstone" and not self.gamma > 0:
            raise ValueError(f"lidstone needs gamma > 0, got {self.gamma!r}")
        if self.discount is not None and not 0 < self.discount <= 1:
            raise ValueError(f"discount must be in (0, 1], got {self.discount!r}")
        if self.vocab_size is not None and self.vocab_size < 1:
            raise ValueError(f"vocab_size must be positive, got {self.vocab_size!r}")


@dataclass(frozen=True)
class Backoff:
    """Which counts answered a prediction, for the UI's "why this distribution?" panel."""

    order: int  # n of the n-gram table that decided (1 = unigram)
    context: tuple[int, ...]  # the n - 1 context tokens that table was asked about
    context_count: int  # times that context was followed by a token in training
    n_followers: int  # distinct tokens seen after that context
    backoff_mass: float  # probability not set by this context's own counts (see explain)


class CountTables:
    """The counts of every order 1..5 of one corpus, once, for models of any order and smoothing.

    A model of order n uses the tables of orders 1..n: raw counts for MLE and Laplace/Lidstone;
    for Kneser-Ney, continuation counts below n and raw counts at n.  Both kinds share their
    n-gram keys and counts, so 20 (order, smoothing) models cost two sets of context sums.

    >>> t = CountTables([[1, 2, 3, 1, 2, 4]], vocab_size=5)
    >>> t.model(2, "mle").prob(3, context=[2])
    0.5
    """

    def __init__(self, sequences, vocab_size: int, max_order: int = MAX_ORDER):
        tokens, pos = flatten(sequences)
        if len(tokens) == 0:
            raise ValueError("counting needs at least one token")
        check_range(tokens, vocab_size)
        self.vocab_size, self.max_order = vocab_size, max_order
        self.continuation = count_levels(tokens, pos, max_order, vocab_size)
        self.raw = [level(lv.keys, lv.counts, lv.counts, vocab_size, None)
                    for lv in self.continuation[:-1]] + [self.continuation[-1]]

    def model(self, order: int, smoothing: str = "kneser_ney", gamma: float = 0.1) -> NGramLM:
        """A fitted ``NGramLM`` whose tables are these (nothing is copied)."""
        lm = NGramLM(order, smoothing, gamma, self.vocab_size)
        if order > self.max_order:
            raise ValueError(f"these tables go up to order {self.max_order}, not {order}")
        if smoothing == "kneser_ney":
            lm.levels = self.continuation[:order - 1] + [self.raw[order - 1]]
        else:
            lm.levels = self.raw[:order]
        return lm


# ----------------------------------------------------------------------------- the model


class NGramLM:
    """An n-gram language model over integer token ids (orders 1 to 5).

    ``fit`` once, then ask about one token (``prob``, ``logprob``), one context
    (``next_token_distribution``, ``top_k``, ``explain``, ``sample``) or whole texts, scored
    all at once (``token_logprobs``, ``perplexity``).

    >>> lm = NGramLM(order=3, smoothing="kneser_ney").fit([[1, 2, 3, 1, 2, 4]])
    >>> round(float(lm.next_token_distribution([1, 2]).sum()), 12)
    1.0
    """

    def __init__(self, order: int = 3, smoothing: str = "kneser_ney", gamma: float = 0.1,
                 vocab_size: int | None = None, discount: float | None = None):
        self.config = NGramConfig(order, smoothing, gamma, vocab_size, discount)
        self.vocab_size = vocab_size
        self.levels: list[Level] = []  # levels[n - 1]: the counts of order n

    def fit(self, sequences) -> NGramLM:
        """Count the n-grams of ``sequences`` (a list of id lists/arrays, or one of them)."""
        tokens, pos = flatten(sequences)
        if len(tokens) == 0:
            raise ValueError("fit needs at least one token")
        V = int(self.config.vocab_size or tokens.max() + 1)
        check_range(tokens, V)
        self.vocab_size = V
        self.levels = count_levels(tokens, pos, self.config.order, V, self.config.discount,
                                   self.config.smoothing == "kneser_ney")
        return self

    @property
    def discounts(self) -> list[tuple[float, float, float]]:
        """KN's (D1, D2, D3+) for each order 1..n."""
        return [tuple(float(d) for d in lv.discounts[1:]) for lv in self.levels]

    def _check_ids(self, ids) -> None:
        if not self.levels:
            raise RuntimeError("call fit(sequences) before using the model")
        check_range(ids, self.vocab_size)

    # ------------------------------------------------------------------------- scoring

    def _probs(self, ctx: list, avail, words: np.ndarray) -> np.ndarray:
        """p(words | contexts) for many queries at once, shape of ``words`` (1-D).

        ``ctx[k]``: key of the last k context tokens (k = 0..order-1), ``avail``: how many
        context tokens each query has; both broadcast against ``words``.
        """
        V, lidstone = self.vocab_size, self.config.smoothing in ("laplace", "lidstone")
        avail = np.broadcast_to(avail, words.shape)
        p = np.full(words.shape, 1.0 / V)  # order 0: uniform
        for n, lv in enumerate(self.levels, start=1):  # Lidstone: only the full context counts
            if len(lv.keys) == 0:  # no sequence was n long: every count 0, p stays as it is
                continue
            rows = np.flatnonzero(avail == n - 1 if lidstone else avail >= n - 1)
            h = np.broadcast_to(ctx[n - 1], words.shape)[rows]
            j, has_h = find(lv.ctx_keys, h)
            i, has_hw = find(lv.keys, h * V + words[rows])
            p[rows] = self._update(p[rows], lv, i, has_hw, j, has_h)
        return p

    def _update(self, p, lv: Level, i, has_hw, j, has_h) -> np.ndarray:
        """One order's step: KN interpolates with p, MLE keeps p if the context is unseen."""
        kind, V = self.config.smoothing, self.vocab_size
        if kind == "kneser_ney":
            total = np.where(has_h, lv.ctx_kn[j], 0)
            c = np.where(has_hw, lv.kn_counts[i], 0)
            alpha = (c - lv.discounts[np.minimum(c, 3)]) / np.maximum(total, 1)
            return np.where(total > 0, alpha + lv.ctx_gamma[j] * p, p)
        total = np.where(has_h, lv.ctx_counts[j], 0)
        c = np.where(has_hw, lv.counts[i], 0)
        if kind == "mle":
            return np.where(total > 0, c / np.maximum(total, 1), p)
        g = 1.0 if kind == "laplace" else self.config.gamma
        return (c + g) / (total + g * V)

    def _query(self, context) -> tuple[list, int]:
        """Keys of one context, kept to its last ``order - 1`` tokens, and its length."""
        N = self.config.order
        ctx = [int(t) for t in context][-(N - 1):] if N > 1 else []
        self._check_ids(ctx)
        keys, key = [0], 0
        for k, t in enumerate(reversed(ctx), start=1):
            key += t * self.vocab_size ** (k - 1)
            keys.append(key)
        keys += [0] * (N - len(keys))
        return [np.int64(k) for k in keys], len(ctx)

    def prob(self, token: int, context=()) -> float:
        """p(token | the last order - 1 tokens of context)."""
        self._check_ids([token])
        ctx, avail = self._query(context)
        return float(self._probs(ctx, avail, np.array([token], np.int64))[0])

    def logprob(self, token: int, context=()) -> float:
        """Natural log of ``prob``; -inf where the probability is 0 (MLE only)."""
        p = self.prob(token, context)
        return math.log(p) if p > 0 else -math.inf

    def token_logprobs(self, sequences) -> np.ndarray:
        """ln p(token | up to order - 1 tokens before it), every token but each sequence's first."""
        tokens, pos = flatten(sequences)
        self._check_ids(tokens)
        N = self.config.order
        ctx = context_keys(tokens, N - 1, self.vocab_size)
        p = self._probs(ctx, np.minimum(pos, N - 1), tokens)[pos > 0]
        with np.errstate(divide="ignore"):
            return np.log(p)

    def perplexity(self, sequences) -> float:
        """exp(mean -ln p) over every token but each sequence's first; ``math.inf`` if a p is 0."""
        logp = self.token_logprobs(sequences)
        if len(logp) == 0:
            raise ValueError("need a sequence of at least two tokens to score a prediction")
        with np.errstate(over="ignore"):
            return float(np.exp(-logp.mean()))  # inf if some p is 0

    # ------------------------------------------------------------------------- inspecting

    def next_token_distribution(self, context=()) -> np.ndarray:
        """p(w | context) for every w in the vocabulary: a (V,) float64 vector summing to 1.

        (MLE after a context it never saw backs off to the longest seen end of that context,
        where ``nltk.lm.MLE`` would give 0 to everything.)
        """
        ctx, avail = self._query(context)
        return self._probs(ctx, avail, np.arange(self.vocab_size))

    def top_k(self, context=(), k: int = 10) -> list[tuple[int, float]]:
        """The k likeliest next tokens as ``(id, probability)``, likeliest first."""
        p = self.next_token_distribution(context)
        best = np.argsort(-p, kind="stable")[:k]
        return [(int(t), float(p[t])) for t in best]

    def sample(self, context=(), n: int = 20, seed: int | None = None) -> list[int]:
        """Draw ``n`` tokens one at a time, each from p(. | the tokens so far)."""
        rng = np.random.default_rng(seed)
        ids = [int(t) for t in context]
        for _ in range(n):
            cdf = np.cumsum(self.next_token_distribution(ids))
            ids.append(int(min(np.searchsorted(cdf, rng.random() * cdf[-1], side="right"),
                               self.vocab_size - 1)))
        return ids[len(ids) - n:]

    def explain(self, context=()) -> Backoff:
        """Which table answered after ``context``, and how much came from elsewhere.

        KN and MLE: the longest context seen in training answers; ``backoff_mass`` is KN's
        weight on the lower orders (0 for MLE).  Laplace/Lidstone always ask the full context;
        ``backoff_mass`` is the pseudo-counts' share, gamma V / (count + gamma V) (1 if unseen).
        """
        keys, avail = self._query(context)
        kind, V = self.config.smoothing, self.vocab_size
        tail = tuple(int(t) for t in context)[-avail:] if avail else ()
        found = []  # (n, index, seen) for each order the context is long enough for
        for n in range(1, avail + 2):
            j, seen = find(self.levels[n - 1].ctx_keys, keys[n - 1])
            found.append((n, int(j), bool(seen)))
        smoothed = kind in ("laplace", "lidstone")
        n, j, seen = found[-1] if smoothed else [f for f in found if f[2]][-1]
        lv = self.levels[n - 1]
        count = int(lv.ctx_counts[j]) if seen else 0
        g = 1.0 if kind == "laplace" else self.config.gamma
        mass = (g * V / (count + g * V) if smoothed
                else float(lv.ctx_gamma[j]) if kind == "kneser_ney" else 0.0)
        return Backoff(n, tail[len(tail) - (n - 1):], count,
                           int(lv.ctx_followers[j]) if seen else 0, mass)
