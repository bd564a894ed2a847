"""Extraction (Carlini et al. 2021): sample a lot, keep what the model is oddly sure of, check it.

Lesson: lessons/13_privacy.en.md.  Command: ``lmlab privacy``.  Tab: Privacy.

An attacker without the training data draws many samples from the model and ranks them by how
*confident* the model is: low perplexity.  Dull, repetitive text ("the the the") also has low
perplexity, so the second ranking divides the model's log-perplexity by the text's zlib
entropy (compressed size in bits): text the model finds easy but a compressor does not is
what the model may have learnt by heart.  Then look each sample up: does it contain a run of
``MATCH_TOKENS`` tokens that occurs word for word in the training works?  The precision of the
top ranks says how well each ranking finds memorised text (Carlini et al. 2021 confirmed 604 of
the 1,800 GPT-2 samples their rankings put on top as verbatim training text).

>>> zlib_bits("to be or not to be " * 10) < zlib_bits("the quick brown fox jumps over a lazy dog")* 2
True
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch

N_SAMPLES = 256  # samples drawn
SAMPLE_TOKENS = 48  # tokens per sample
MATCH_TOKENS = 12  # a sample is "verbatim" if it holds this many tokens in a row from training
TOP_K = (10, 25)  # precision reported at these ranks
_MUL = np.uint64(0x9E3779B97F4A7C15)  # a 64-bit odd multiplier for the rolling hash


def zlib_bits(text: str) -> int:
    """Bits of the text compressed by zlib (level 9): a model-free measure of its surprise."""
    return 8 * len(zlib.compress(text.encode("utf-8"), 9))


# ----------------------------------------------------------------------------- seen in training


def window_hashes(ids: np.ndarray, n: int) -> np.ndarray:
    """(len - n + 1,) uint64 hash of every run of ``n`` ids (wrapping arithmetic)."""
    ids = np.asarray(ids).astype(np.uint64) + np.uint64(1)
    h = np.zeros(max(len(ids) - n + 1, 0), np.uint64)
    with np.errstate(over="ignore"):
        for j in range(n):
            h = h * _MUL + ids[j:len(ids) - n + 1 + j]
    return h


@lru_cache(maxsize=2)
def training_hashes(n: int = MATCH_TOKENS) -> np.ndarray:
    """Sorted hashes of every run of ``n`` tokens of the training works (collisions: ~2^-40)."""
    from lmlab.tokenizer import token_stream

    return np.unique(window_hashes(token_stream("train"), n))


def verbatim_runs(ids, n: int = MATCH_TOKENS) -> np.ndarray:
    """(len - n + 1,) bool: whether each run of ``n`` tokens of ``ids`` occurs in training."""
    keys, h = training_hashes(n), window_hashes(ids, n)
    i = np.minimum(np.searchsorted(keys, h), len(keys) - 1)
    return keys[i] == h


# ----------------------------------------------------------------------------- sampling


@torch.no_grad()
def sample(model, start_id: int, n: int = N_SAMPLES, length: int = SAMPLE_TOKENS,
           top_k: int = 40, seed: int = 0) -> np.ndarray:
    """(n, length) ids sampled after ``start_id`` (temperature 1, top-k), all rows at once."""
    gen = torch.Generator().manual_seed(seed)
    model.eval()
    x = torch.full((n, 1), start_id)
    out = model(x, use_cache=True)
    rows = []
    for _ in range(length):
        logits = out.logits[:, -1]
        kth = torch.topk(logits, top_k, dim=-1).values[:, -1:]
        probs = torch.softmax(logits.masked_fill(logits < kth, float("-inf")), -1)
        nxt = torch.multinomial(probs, 1, generator=gen)
        rows.append(nxt)
        out = model(nxt, past_key_values=out.past_key_values, use_cache=True)
    return torch.cat(rows, 1).numpy()


@dataclass(frozen=True)
class Extraction:
    """Samples, their two rankings, and which of them hold training text verbatim."""

    texts: tuple[str, ...]  # decoded samples
    perplexity: np.ndarray  # (n,) under the model
    zlib_ratio: np.ndarray  # (n,) ln(perplexity) / zlib bits (lower: more suspicious)
    verbatim: np.ndarray  # (n,) bool: holds MATCH_TOKENS training tokens in a row
    longest: np.ndarray  # (n,) longest verbatim run found, in tokens (0 if < MATCH_TOKENS)
    precision: dict  # {"perplexity": {k: p}, "zlib": {k: p}, "random": share of all}
    sample_tokens: int = SAMPLE_TOKENS  # tokens per sample

    def to_json(self) -> dict:
        return {"samples": len(self.texts), "sample_tokens": self.sample_tokens,
                "match_tokens": MATCH_TOKENS, "verbatim_share": round(float(self.verbatim.mean()), 4),
                "longest_verbatim_tokens": int(self.longest.max(initial=0)),
                "precision": {m: {str(k): v for k, v in p.items()} if isinstance(p, dict) else p
                              for m, p in self.precision.items()}}


def longest_run(flags: np.ndarray, n: int) -> int:
    """Longest verbatim stretch in tokens from the per-window flags (0 if none)."""
    best = run = 0
    for f in flags:
        run = run + 1 if f else 0
        best = max(best, run)
    return best + n - 1 if best else 0


def extraction(model, tok, n: int = N_SAMPLES, length: int = SAMPLE_TOKENS,
               seed: int = 0) -> Extraction:
    """Sample ``n`` texts, rank them two ways, and check each against the training works."""
    from lmlab.privacy.membership import passage_losses

    ids = sample(model, tok.encode("\n")[0], n, length, seed=seed)
    texts = tuple(tok.decode(r.tolist()) for r in ids)
    loss = passage_losses(model, ids)  # nats per token (the first token is context only)
    ratio = loss / np.array([zlib_bits(t) for t in texts])
    flags = [verbatim_runs(r) for r in ids]
    verbatim = np.array([f.any() for f in flags])
    longest = np.array([longest_run(f, MATCH_TOKENS) for f in flags])
    precision = {"perplexity": {k: float(verbatim[np.argsort(loss)[:k]].mean()) for k in TOP_K},
                 "zlib": {k: float(verbatim[np.argsort(ratio)[:k]].mean()) for k in TOP_K},
                 "random": round(float(verbatim.mean()), 4)}
    return Extraction(texts, np.exp(loss), ratio, verbatim, longest, precision, length)
