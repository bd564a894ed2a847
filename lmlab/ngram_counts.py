"""N-gram counting: every n-gram of a corpus as one int64 key, counted with numpy.

Used by ``lmlab.ngram`` (the models).  Lesson: lessons/02_ngrams.en.md.

How it is fast: an n-gram of ids ``(t0, ..., t_{n-1})`` over a vocabulary of V is stored as one
int64, ``t0 * V**(n-1) + ... + t_{n-1}`` (V = 2048, n = 5 fits: 2**55).  Counting is one
``np.unique``; looking up is one ``np.searchsorted``; a whole text is scored at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Level:
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


def flatten(sequences) -> tuple[np.ndarray, np.ndarray]:
    """All sequences end to end, and each token's position inside its own sequence.

    >>> flatten([[5, 6, 7], [8, 9]])
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


def context_keys(tokens: np.ndarray, n_max: int, V: int) -> list[np.ndarray]:
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


def check_range(ids, V: int) -> None:
    ids = np.asarray(ids)
    if ids.size and (ids.min() < 0 or ids.max() >= V):
        raise ValueError(f"token ids must be in 0..{V - 1}, got {ids.min()}..{ids.max()}")


def find(keys: np.ndarray, query) -> tuple[np.ndarray, np.ndarray]:
    """Index of each query in sorted ``keys`` and whether it is there."""
    if len(keys) == 0:
        return np.zeros(np.shape(query), np.int64), np.zeros(np.shape(query), bool)
    i = np.minimum(np.searchsorted(keys, query), len(keys) - 1)
    return i, keys[i] == query


# ----------------------------------------------------------------------------- counting


def discounts(kn_counts: np.ndarray, fixed: float | None) -> np.ndarray:
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


def runs(sorted_keys: np.ndarray) -> np.ndarray:
    """Where each run of equal values starts: ``runs([3, 3, 5, 7, 7])`` -> ``[0, 2, 3]``."""
    if len(sorted_keys) == 0:
        return np.zeros(0, np.int64)
    return np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])


def sum_runs(x: np.ndarray, first: np.ndarray) -> np.ndarray:
    return np.add.reduceat(x, first) if len(x) else np.zeros(0, x.dtype)


def shorter(keys, counts, ends, V: int) -> tuple[np.ndarray, np.ndarray]:
    """Order-n counts from order-(n+1) counts, without sorting again.

    Every n-gram occurrence is the prefix of an (n+1)-gram, except the last n tokens of each
    sequence (``ends``): sum the counts over each prefix, then merge the ends in.
    """
    prefix = keys // V  # sorted, because keys are
    first = runs(prefix)
    short, total = prefix[first], sum_runs(counts, first)
    ends, n_ends = np.unique(ends, return_counts=True)
    at = np.searchsorted(short, ends)
    hit = at < len(short)
    hit[hit] = short[at[hit]] == ends[hit]
    total[at[hit]] += n_ends[hit]
    return np.insert(short, at[~hit], ends[~hit]), np.insert(total, at[~hit], n_ends[~hit])


def level(keys, counts, kn_counts, V: int, discount: float | None) -> Level:
    """Per-context sums of one order's counts (contexts are contiguous: keys are sorted)."""
    first = runs(keys // V)
    d = discounts(kn_counts, discount)
    ctx_kn = sum_runs(kn_counts, first)
    ctx_gamma = sum_runs(d[np.minimum(kn_counts, 3)], first) / np.maximum(ctx_kn, 1)
    return Level(keys, counts, kn_counts, d, keys[first] // V, sum_runs(counts, first),
                  ctx_kn, np.diff(np.append(first, len(keys))), ctx_gamma)


def count_levels(tokens, pos, order: int, V: int, discount: float | None = None,
                 continuation: bool = True) -> list[Level]:
    """Count every n-gram of order 1..``order`` inside each sequence (see ``flatten``).

    With ``continuation``, KN's count of a lower-order n-gram g is the number of distinct
    tokens seen just before it, plus one if g starts a sequence: ``[0, 1, 0, 1, 0]`` gives the
    unigram 0 a KN count of 2 (it starts the sequence, and it follows 1); its raw count is 3.
    """
    if V ** order > np.iinfo(np.int64).max:
        raise ValueError(f"vocab_size {V} ** order {order} does not fit an int64 n-gram key; "
                         "use a lower order")
    ctx = context_keys(tokens, order - 1, V)
    last = np.append(pos[1:] == 0, True)

    def grams(n, where):  # keys of the n-grams ending at the positions in `where`
        i = np.flatnonzero(where & (pos >= n - 1))
        return ctx[n - 1][i] * V + tokens[i]

    raw = {order: np.unique(grams(order, True), return_counts=True)}
    for n in range(order - 1, 0, -1):
        raw[n] = shorter(*raw[n + 1], grams(n, last), V)
    levels = []
    for n in range(1, order + 1):
        keys, counts = raw[n]
        kn = counts
        if continuation and n < order:  # same keys: each starts a sequence or has a left token
            left = np.concatenate([raw[n + 1][0] % V ** n, np.unique(grams(n, pos == n - 1))])
            kn = np.unique(left, return_counts=True)[1]
        levels.append(level(keys, counts, kn, V, discount))
    return levels
