"""N-gram vs neural: the same tokens, a table of counts beside a GPT, measured side by side.

Lesson: lessons/02_ngrams.en.md.  Tab: "N-gram vs neural" (lmlab/ui/ngram.py).

Both models predict the next token of the same byte-level BPE ids.  The n-gram models are
``lmlab.ngram.NGramLM``s fitted on the training works (the very token stream the GPT trained on,
``lmlab.tokenizer.token_stream("train")``); the GPT is whatever ``lmlab.gpt.GPT`` you pass in.
Everything here is computed when asked; fitted n-grams (under a second each) and the GPT's
scores on the held-out slice are cached, read-only, for the life of the process.

The held-out slice: ``tokens_per_work`` tokens (default 5,000) from the middle of each of the
four validation works (Hamlet, Henry V, the Sonnets, Twelfth Night), scored as four separate
sequences by both models.  A slice keeps the tab fast; ``lmlab eval`` gives the full figures.

>>> import numpy as np
>>> ngram_keys(np.array([1, 2, 3, 4]), n=2, vocab_size=10)   # "12", "23", "34"
array([12, 23, 34])
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch

from lmlab.cache import load_once
from lmlab.data import read_work, works_in
from lmlab.evaluate import token_nll
from lmlab.ngram import MAX_ORDER, Backoff, CountTables, NGramLM
from lmlab.ngram_counts import find
from lmlab.tokenizer import load_tokenizer, token_stream

ORDERS = tuple(range(1, MAX_ORDER + 1))  # n = 1..5
TOKENS_PER_WORK = 5_000  # held-out slice: this many tokens from the middle of each val work
LN2 = math.log(2)


# ----------------------------------------------------------------------------- data and models


def vocab_size() -> int:
    return load_tokenizer().vocab_size


@load_once(maxsize=1)
def training_counts() -> CountTables:
    """Every n-gram count of the training works, orders 1..5, counted once per process."""
    return CountTables([token_stream("train")], vocab_size())


def ngram_model(order: int, smoothing: str = "kneser_ney", gamma: float = 0.1) -> NGramLM:
    """An n-gram model of the training works, read-only; all models share one set of counts."""
    return training_counts().model(order, smoothing, gamma)


@lru_cache(maxsize=1)
def heldout_works() -> tuple[tuple[str, np.ndarray], ...]:
    """``(slug, ids)`` for each validation work: the GPT's val stream cut at <|endoftext|>."""
    stream, eot = token_stream("val"), load_tokenizer().eot_id
    pieces = np.split(stream.astype(np.int64), np.flatnonzero(stream == eot) + 1)
    ids = [p[p != eot] for p in pieces if (p != eot).any()]
    return tuple(zip([w.slug for w in works_in("val")], ids, strict=True))


@lru_cache(maxsize=4)
def slice_spans(tokens_per_work: int = TOKENS_PER_WORK) -> tuple[tuple[str, int, np.ndarray], ...]:
    """``(slug, start, ids)``: ``tokens_per_work`` tokens from the middle of each val work."""
    spans = []
    for slug, ids in heldout_works():
        start = max(0, (len(ids) - tokens_per_work) // 2)
        chunk = ids[start:start + tokens_per_work].copy()
        chunk.setflags(write=False)
        spans.append((slug, start, chunk))
    return tuple(spans)


def heldout_slice(tokens_per_work: int = TOKENS_PER_WORK) -> tuple[np.ndarray, ...]:
    """The held-out slice as a tuple of read-only id arrays, one per validation work."""
    return tuple(chunk for _, _, chunk in slice_spans(tokens_per_work))


def passage(slug: str, line: int = 0, n_lines: int = 8) -> str:
    """``n_lines`` lines of a held-out work starting at line ``line`` (0-based), e.g. Hamlet's."""
    if slug not in {w.slug for w in works_in("val")}:
        raise ValueError(f"{slug!r} is not a held-out (val) work")
    lines = read_work(slug).split("\n")
    line = min(max(int(line), 0), max(len(lines) - n_lines, 0))
    return "\n".join(lines[line:line + n_lines])


def ngram_keys(ids: np.ndarray, n: int, vocab_size: int) -> np.ndarray:
    """One int64 per n-gram of ``ids`` (``ids[j:j+n]`` -> key j), as ``lmlab.ngram`` stores them."""
    ids = np.asarray(ids, dtype=np.int64)
    keys = np.zeros(max(len(ids) - n + 1, 0), np.int64)
    for j in range(n):
        keys = keys * vocab_size + ids[j:len(ids) - n + 1 + j]
    return keys


def seen_in_training(keys: np.ndarray, n: int) -> np.ndarray:
    """Whether each n-gram key occurs in the training stream.

    The training counts hold every n-gram of the training stream, n = 1..5, as sorted keys;
    one ``searchsorted`` looks them up.
    """
    return find(training_counts().raw[n - 1].keys, keys)[1]


# ----------------------------------------------------------------------------- the GPT's side


@torch.no_grad()
def gpt_distribution(model, ids) -> np.ndarray:
    """p(next token | the last ``block_size`` ids) under the GPT: a (V,) float64 vector."""
    ids = torch.from_numpy(np.array(ids, dtype=np.int64)[-model.config.block_size:])[None]
    model.eval()
    return torch.softmax(model(ids).logits[0, -1].double(), -1).numpy()


@lru_cache(maxsize=4)
def _gpt_slice_nll(model, tokens_per_work: int) -> tuple[np.ndarray, ...]:
    """The GPT's -ln p of every held-out slice token after each chunk's first (cached)."""
    return tuple(token_nll(model, np.array(chunk)) for chunk in heldout_slice(tokens_per_work))


# ----------------------------------------------------------------------------- next token


@dataclass(frozen=True)
class Candidate:
    """One possible next token."""

    token_id: int
    token: str  # the token's text
    prob: float


@dataclass(frozen=True)
class NextTokens:
    """Both models' top-k after the same prompt, and why the n-gram said what it said."""

    ngram: tuple[Candidate, ...]  # likeliest first
    gpt: tuple[Candidate, ...]
    order: int  # n of the n-gram model
    smoothing: str
    explanation: Backoff  # which order answered, its count, the backoff mass
    gpt_context: int  # prompt tokens the GPT saw (at most block_size)


def _candidates(p: np.ndarray, k: int) -> tuple[Candidate, ...]:
    best = np.argsort(-p, kind="stable")[:k]
    strings = load_tokenizer().token_strings(best.tolist())
    return tuple(Candidate(int(t), s, float(p[t])) for t, s in zip(best, strings, strict=False))


def next_tokens(model, ids, order: int, smoothing: str = "kneser_ney", k: int = 10,
                gamma: float = 0.1) -> NextTokens:
    """Top-``k`` next tokens after ``ids`` from the order-``order`` n-gram and from the GPT."""
    if len(ids) == 0:
        raise ValueError("the prompt has no tokens")
    lm = ngram_model(order, smoothing, gamma)
    return NextTokens(_candidates(lm.next_token_distribution(ids), k),
                      _candidates(gpt_distribution(model, ids), k), order, smoothing,
                      lm.explain(ids), min(len(ids), model.config.block_size))


# ----------------------------------------------------------------------------- surprisal


@dataclass(frozen=True)
class Surprisal:
    """Per-token surprisal, -log2 p, of a passage under both models (first token not scored)."""

    ids: tuple[int, ...]  # the passage's tokens
    tokens: tuple[str, ...]  # their texts (decode them in a row to get the passage back)
    ngram_bits: np.ndarray  # (N - 1,) for tokens 1..N-1; inf where the n-gram gave p = 0
    gpt_bits: np.ndarray  # (N - 1,)
    order: int
    smoothing: str

    @property
    def ngram_perplexity(self) -> float:
        return 2.0 ** float(self.ngram_bits.mean())  # inf if any token had p = 0

    @property
    def gpt_perplexity(self) -> float:
        return 2.0 ** float(self.gpt_bits.mean())


def surprisal(model, ids, order: int, smoothing: str = "kneser_ney",
              gamma: float = 0.1) -> Surprisal:
    """How surprised each model is by each token of ``ids``, given the tokens before it."""
    ids = np.array(ids, dtype=np.int64)  # a writable copy, for torch
    if len(ids) < 2:
        raise ValueError("need at least two tokens: the first one is only context")
    ngram = -ngram_model(order, smoothing, gamma).token_logprobs([ids]) / LN2
    gpt = token_nll(model, ids) / LN2
    return Surprisal(tuple(ids.tolist()), tuple(load_tokenizer().token_strings(ids.tolist())),
                     ngram, gpt, order, smoothing)


# ----------------------------------------------------------------------------- held-out figures


@dataclass(frozen=True)
class PerplexityCurve:
    """Held-out perplexity of the n-gram models for n = 1..5, and the GPT's, on the same tokens."""

    orders: tuple[int, ...]
    ngram: tuple[float, ...]  # math.inf where some token had p = 0 (MLE)
    gpt: float
    smoothing: str
    n_tokens: int  # tokens scored (each chunk's first is context only)

    @property
    def best_order(self) -> int:
        """The n with the lowest perplexity (the lowest such n on a tie, all-infinite included)."""
        return self.orders[int(np.argmin(self.ngram))]


@lru_cache(maxsize=8)
def _ngram_curve(smoothing: str, gamma: float, tokens_per_work: int) -> tuple[float, ...]:
    chunks = heldout_slice(tokens_per_work)
    return tuple(ngram_model(n, smoothing, gamma).perplexity(chunks) for n in ORDERS)


def perplexity_curve(model, smoothing: str = "kneser_ney", gamma: float = 0.1,
                     tokens_per_work: int = TOKENS_PER_WORK) -> PerplexityCurve:
    """Perplexity against n on the held-out slice, with the GPT's on the same tokens."""
    nll = np.concatenate(_gpt_slice_nll(model, tokens_per_work))
    return PerplexityCurve(ORDERS, _ngram_curve(smoothing, gamma, tokens_per_work),
                           float(np.exp(nll.mean())), smoothing, len(nll))


@dataclass(frozen=True)
class UnseenNGrams:
    """How many held-out n-grams the training works never contain, for n = 1..5."""

    orders: tuple[int, ...]
    unseen_fraction: tuple[float, ...]  # in [0, 1], never decreasing in n
    n_positions: int  # held-out positions counted, the same for every n


@lru_cache(maxsize=1)
def unseen_ngrams() -> UnseenNGrams:
    """Fraction of held-out n-grams never seen in training, over all validation works.

    Every n counts the n-gram *ending* at the same positions (those with 4 tokens before them
    in their work), so the curve can only rise: an n-gram that never occurred cannot occur
    inside a longer one.
    """
    unseen, total = np.zeros(MAX_ORDER), 0
    for _, ids in heldout_works():
        for n in ORDERS:
            keys = ngram_keys(ids, n, vocab_size())[MAX_ORDER - n:]  # end at ids[4:]
            unseen[n - 1] += np.count_nonzero(~seen_in_training(keys, n))
        total += max(len(ids) - MAX_ORDER + 1, 0)
    return UnseenNGrams(ORDERS, tuple(float(u / total) for u in unseen), total)


# ----------------------------------------------------------------------------- a novel phrase


@dataclass(frozen=True)
class NovelPhrase:
    """A held-out n-gram the training works never contain, yet the GPT expected its last token."""

    work: str  # slug of the held-out work
    position: int  # index of the target token in that work's ids
    before: tuple[int, ...]  # up to ``block_size`` ids before the target: what the GPT saw
    target: int  # the true next token
    order: int  # n: the last n - 1 ids of ``before`` + target never occur in training
    smoothing: str
    context_count: int  # times those n - 1 ids occurred in training (> 0: seen, as context)
    n_followers: int  # distinct tokens that followed them there (the target is not one)
    ngram_prob: float  # p(target | context) under the order-n n-gram
    gpt_prob: float  # p(target | before) under the GPT


@lru_cache(maxsize=1)
def word_starts() -> np.ndarray:
    """(V,) bool: tokens that begin a word (a space, then a letter), e.g. " love" but not "ove"."""
    strings = load_tokenizer().token_strings(list(range(vocab_size())))
    return np.array([s[:1] == " " and s[1:2].isalpha() for s in strings])


def novel_phrase(model, order: int, smoothing: str = "kneser_ney", gamma: float = 0.1,
                 tokens_per_work: int = TOKENS_PER_WORK) -> NovelPhrase | None:
    """The held-out slice's best example of a neural model generalising where counts fail.

    Candidates: held-out words (a token starting with a space and holding a letter) whose
    n-gram never occurs in training though its n - 1 context tokens do, and to which the GPT
    gave more probability than the n-gram model.  Picked: the one the GPT found likeliest.
    None if there is no candidate (n = 1 has none when every held-out token occurs in training).
    """
    lm, best = ngram_model(order, smoothing, gamma), None
    spans = slice_spans(tokens_per_work)
    for (slug, start, chunk), nll in zip(spans, _gpt_slice_nll(model, tokens_per_work), strict=False):
        i = np.arange(max(order - 1, 1), len(chunk))  # targets with a full n-gram context
        grams = ngram_keys(chunk, order, vocab_size())[i - order + 1]
        novel = ~seen_in_training(grams, order)
        if order > 1:
            novel &= seen_in_training(grams // vocab_size(), order - 1)
        beats = -nll[i - 1] > lm.token_logprobs([chunk])[i - 1]
        hits = i[novel & beats & word_starts()[chunk[i]]]
        if len(hits):
            j = int(hits[np.argmin(nll[hits - 1])])
            if best is None or nll[j - 1] < best[0]:
                best = (nll[j - 1], slug, start, chunk, j)
    if best is None:
        return None
    _, slug, start, chunk, j = best
    before = chunk[max(0, j - model.config.block_size):j]
    why = lm.explain(before)
    return NovelPhrase(slug, start + j, tuple(before.tolist()), int(chunk[j]), order, smoothing,
                       why.context_count, why.n_followers, lm.prob(int(chunk[j]), before),
                       float(gpt_distribution(model, before)[chunk[j]]))


# ----------------------------------------------------------------------------- samples


@dataclass(frozen=True)
class Samples:
    """A continuation of the same prompt drawn from each model (temperature 1, no cut-off)."""

    ngram: tuple[int, ...]  # new ids only
    gpt: tuple[int, ...]
    ngram_text: str
    gpt_text: str


def samples(model, ids, order: int, smoothing: str = "kneser_ney", n_tokens: int = 60,
            seed: int = 0, gamma: float = 0.1) -> Samples:
    """``n_tokens`` new tokens after ``ids`` from each model, both seeded with ``seed``."""
    from lmlab.generate import generate

    ng = ngram_model(order, smoothing, gamma).sample(ids, n_tokens, seed=seed)
    out = generate(model, list(ids), n_tokens, temperature=1.0, seed=seed)[0, len(ids):].tolist()
    tok = load_tokenizer()
    return Samples(tuple(ng), tuple(out), tok.decode(ng), tok.decode(out))
