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

How it is fast: an n-gram of ids ``(t0, ..., t_{n-1})`` over a vocabulary of V is stored as one
int64, ``t0 * V**(n-1) + ... + t_{n-1}`` (V = 2048, n = 5 fits: 2**55).  Counting is one
``np.unique``; looking up is one ``np.searchsorted``; a whole text is scored at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

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
class Explanation:
    """Which counts answered a prediction, for the UI's "why this distribution?" panel."""

    order: int  # n of the n-gram table that decided (1 = unigram)
    context: tuple[int, ...]  # the n - 1 context tokens that table was asked about
    context_count: int  # times that context was followed by a token in training
    n_followers: int  # distinct tokens seen after that context
    backoff_mass: float  # probability not set by this context's own counts (see explain)


@dataclass(frozen=True)
class _Level:
    """The counts of one order n, as sorted keys with aligned arrays."""

    keys: np.ndarray  # (G,) sorted n-gram keys
    counts: np.ndarray  # (G,) times each n-gram occurred
    kn_counts: np.ndarray  # (G,) KN's counts: raw at the top order, continuations below
    discounts: np.ndarray  # (4,) KN discount for a kn count of 0, 1, 2, 3+ (first is 0)
    ctx_keys: np.ndarray  # (H,) sorted keys of the contexts (the first n - 1 tokens)
    ctx_counts: np.ndarray  # (H,) sum of counts over each context's followers
    ctx_kn: np.ndarray  # (H,) sum of kn_counts over each context's followers
    ctx_followers: np.ndarray  # (H,) distinct followers of each context
    ctx_gamma: np.ndarray  # (H,) KN: weight handed to the lower order, sum(D) / ctx_kn


# ----------------------------------------------------------------------------- keys


def _flatten(sequences) -> tuple[np.ndarray, np.ndarray]:
    """All sequences end to end, and each token's position inside its own sequence.

    >>> _flatten([[5, 6, 7], [8, 9]])
    (array([5, 6, 7, 8, 9]), array([0, 1, 2, 0, 1]))

    One bare sequence (a 1-D array or a list of ints) is taken as a list of one.
    """
    bare = isinstance(sequences, np.ndarray) and sequences.ndim == 1
    seqs = [sequences] if bare else list(sequences)
    if seqs and np.ndim(seqs[0]) == 0:
        seqs = [seqs]
    seqs = [np.asarray(s, dtype=np.int64).ravel() for s in seqs]
    if not seqs:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    lengths = np.array([len(s) for s in seqs])
    tokens = np.concatenate(seqs)
    return tokens, np.arange(len(tokens)) - np.repeat(np.cumsum(lengths) - lengths, lengths)


def _context_keys(tokens: np.ndarray, n_max: int, V: int) -> list[np.ndarray]:
    """``keys[k][i]``: key of the k tokens before position i, for k = 0..n_max.

    Only meaningful where position-in-sequence >= k.  The n-gram ending at i has key
    ``keys[n - 1][i] * V + tokens[i]``.
    """
    keys = [np.zeros(len(tokens), np.int64)]
    for k in range(1, n_max + 1):
        prev = np.zeros(len(tokens), np.int64)
        prev[k:] = tokens[:-k]
        keys.append(keys[-1] + prev * V ** (k - 1))
    return keys


def _check_range(ids, V: int) -> None:
    ids = np.asarray(ids)
    if ids.size and (ids.min() < 0 or ids.max() >= V):
        raise ValueError(f"token ids must be in 0..{V - 1}, got {ids.min()}..{ids.max()}")


def _find(keys: np.ndarray, query) -> tuple[np.ndarray, np.ndarray]:
    """Index of each query in sorted ``keys`` and whether it is there."""
    if len(keys) == 0:
        return np.zeros(np.shape(query), np.int64), np.zeros(np.shape(query), bool)
    i = np.minimum(np.searchsorted(keys, query), len(keys) - 1)
    return i, keys[i] == query


# ----------------------------------------------------------------------------- counting


def _discounts(kn_counts: np.ndarray, fixed: float | None) -> np.ndarray:
    """``[0, D1, D2, D3+]`` from count-of-counts (Chen & Goodman 1998, eq. 26), or ``[0, D, D, D]``.

    With n_k n-grams seen k times: Y = n1 / (n1 + 2 n2), D1 = 1 - 2Y n2/n1, D2 = 2 - 3Y n3/n2,
    D3+ = 3 - 4Y n4/n3.  Too little data for that (some n_k = 0, or a D outside (0, k]): 0.75.
    """
    if fixed is None:
        n1, n2, n3, n4 = np.bincount(kn_counts, minlength=5)[1:5].astype(float)
        if min(n1, n2, n3, n4) > 0:
            y = n1 / (n1 + 2 * n2)
            d = np.array([0.0, 1 - 2 * y * n2 / n1, 2 - 3 * y * n3 / n2, 3 - 4 * y * n4 / n3])
            if np.all(d[1:] > 0) and np.all(d[1:] <= [1, 2, 3]):
                return d
        fixed = 0.75
    return np.array([0.0, fixed, fixed, fixed])


def _runs(sorted_keys: np.ndarray) -> np.ndarray:
    """Where each run of equal values starts: ``_runs([3, 3, 5, 7, 7])`` -> ``[0, 2, 3]``."""
    if len(sorted_keys) == 0:
        return np.zeros(0, np.int64)
    return np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])


def _sum_runs(x: np.ndarray, first: np.ndarray) -> np.ndarray:
    return np.add.reduceat(x, first) if len(x) else np.zeros(0, x.dtype)


def _shorter(keys, counts, ends, V: int) -> tuple[np.ndarray, np.ndarray]:
    """Order-n counts from order-(n+1) counts, without sorting again.

    Every n-gram occurrence is the prefix of an (n+1)-gram, except the last n tokens of each
    sequence (``ends``): sum the counts over each prefix, then merge the ends in.
    """
    prefix = keys // V  # sorted, because keys are
    first = _runs(prefix)
    short, total = prefix[first], _sum_runs(counts, first)
    ends, n_ends = np.unique(ends, return_counts=True)
    at = np.searchsorted(short, ends)
    hit = at < len(short)
    hit[hit] = short[at[hit]] == ends[hit]
    total[at[hit]] += n_ends[hit]
    return np.insert(short, at[~hit], ends[~hit]), np.insert(total, at[~hit], n_ends[~hit])


def _level(keys, counts, kn_counts, V: int, discount: float | None) -> _Level:
    """Per-context sums of one order's counts (contexts are contiguous: keys are sorted)."""
    first = _runs(keys // V)
    d = _discounts(kn_counts, discount)
    ctx_kn = _sum_runs(kn_counts, first)
    ctx_gamma = _sum_runs(d[np.minimum(kn_counts, 3)], first) / np.maximum(ctx_kn, 1)
    return _Level(keys, counts, kn_counts, d, keys[first] // V, _sum_runs(counts, first),
                  ctx_kn, np.diff(np.append(first, len(keys))), ctx_gamma)


def count_levels(tokens, pos, order: int, V: int, discount: float | None = None,
                 continuation: bool = True) -> list[_Level]:
    """Count every n-gram of order 1..``order`` inside each sequence (see ``_flatten``).

    With ``continuation``, KN's count of a lower-order n-gram g is the number of distinct
    tokens seen just before it, plus one if g starts a sequence: ``[0, 1, 0, 1, 0]`` gives the
    unigram 0 a KN count of 2 (it starts the sequence, and it follows 1); its raw count is 3.
    """
    ctx = _context_keys(tokens, order - 1, V)
    last = np.append(pos[1:] == 0, True)

    def grams(n, where):  # keys of the n-grams ending at the positions in `where`
        i = np.flatnonzero(where & (pos >= n - 1))
        return ctx[n - 1][i] * V + tokens[i]

    raw = {order: np.unique(grams(order, True), return_counts=True)}
    for n in range(order - 1, 0, -1):
        raw[n] = _shorter(*raw[n + 1], grams(n, last), V)
    levels = []
    for n in range(1, order + 1):
        keys, counts = raw[n]
        kn = counts
        if continuation and n < order:  # same keys: each starts a sequence or has a left token
            left = np.concatenate([raw[n + 1][0] % V ** n, np.unique(grams(n, pos == n - 1))])
            kn = np.unique(left, return_counts=True)[1]
        levels.append(_level(keys, counts, kn, V, discount))
    return levels


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
        tokens, pos = _flatten(sequences)
        if len(tokens) == 0:
            raise ValueError("counting needs at least one token")
        _check_range(tokens, vocab_size)
        self.vocab_size, self.max_order = vocab_size, max_order
        self.continuation = count_levels(tokens, pos, max_order, vocab_size)
        self.raw = [_level(lv.keys, lv.counts, lv.counts, vocab_size, None)
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
        self.levels: list[_Level] = []  # levels[n - 1]: the counts of order n

    def fit(self, sequences) -> NGramLM:
        """Count the n-grams of ``sequences`` (a list of id lists/arrays, or one of them)."""
        tokens, pos = _flatten(sequences)
        if len(tokens) == 0:
            raise ValueError("fit needs at least one token")
        V = int(self.config.vocab_size or tokens.max() + 1)
        if V ** self.config.order > np.iinfo(np.int64).max:
            raise ValueError(f"vocab_size {V} ** order {self.config.order} does not fit an "
                             "int64 n-gram key; use a lower order")
        _check_range(tokens, V)
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
        _check_range(ids, self.vocab_size)

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
            j, has_h = _find(lv.ctx_keys, h)
            i, has_hw = _find(lv.keys, h * V + words[rows])
            p[rows] = self._update(p[rows], lv, i, has_hw, j, has_h)
        return p

    def _update(self, p, lv: _Level, i, has_hw, j, has_h) -> np.ndarray:
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
        tokens, pos = _flatten(sequences)
        self._check_ids(tokens)
        N = self.config.order
        ctx = _context_keys(tokens, N - 1, self.vocab_size)
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

    def explain(self, context=()) -> Explanation:
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
            j, seen = _find(self.levels[n - 1].ctx_keys, keys[n - 1])
            found.append((n, int(j), bool(seen)))
        smoothed = kind in ("laplace", "lidstone")
        n, j, seen = found[-1] if smoothed else [f for f in found if f[2]][-1]
        lv = self.levels[n - 1]
        count = int(lv.ctx_counts[j]) if seen else 0
        g = 1.0 if kind == "laplace" else self.config.gamma
        mass = (g * V / (count + g * V) if smoothed
                else float(lv.ctx_gamma[j]) if kind == "kneser_ney" else 0.0)
        return Explanation(n, tail[len(tail) - (n - 1):], count,
                           int(lv.ctx_followers[j]) if seen else 0, mass)
