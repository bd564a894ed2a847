"""lmlab's n-gram models against ``nltk.lm``: same tokens, same model, how long to fit and score.

Run: ``python -m lmlab.bench.ngram`` (one JSON object per line; 15-30 s, nearly all of it NLTK).
Command: ``lmlab bench ngram --json``.

Both sides count the same n-grams of a slice of the training works and score the same slice
of held-out works: every token after the first, its context the up-to ``order - 1`` tokens
before it, no padding.  NLTK gets the n-grams from its own ``nltk.util.everygrams`` and works on
strings, as its documentation shows; ids become strings before the clock starts.

Making the two define the same model: ``nltk.lm.Vocabulary`` adds an ``<UNK>`` entry, so its
size, which Laplace and Lidstone divide by, is 2,048 ids + 1.  lmlab gets ``vocab_size=2049``:
id 2048 is never seen and plays ``<UNK>``.  The perplexities must then agree to 1e-9
(relative), and the bench refuses to report a speed if they do not.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from lmlab.ngram import NGramLM


def _ours(train: np.ndarray, held_out: np.ndarray, order: int, smoothing: str,
          vocab_size: int, gamma: float) -> float:
    lm = NGramLM(order, smoothing, gamma=gamma, vocab_size=vocab_size).fit([train])
    return lm.perplexity([held_out])


def _nltk(train: list[str], held_out: list[str], order: int, smoothing: str,
          vocab, gamma: float) -> float:
    from nltk.lm import MLE, Laplace, Lidstone
    from nltk.util import everygrams

    lm = {"mle": lambda: MLE(order, vocabulary=vocab),
          "laplace": lambda: Laplace(order, vocabulary=vocab),
          "lidstone": lambda: Lidstone(gamma, order, vocabulary=vocab)}[smoothing]()
    lm.fit([everygrams(train, max_len=order)])
    grams = [tuple(held_out[max(0, i - order + 1):i + 1]) for i in range(1, len(held_out))]
    return lm.perplexity(grams)


def _timed(fn, *args) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t0, out


def _agree(a: float, b: float) -> bool:
    return a == b or abs(a - b) <= 1e-9 * max(abs(a), abs(b))  # inf == inf under MLE


def _rows(what: str, n_tokens: int, ours_t: list[float], peer_t: list[float],
          ours_pp: float, peer_pp: float, peer_name: str) -> list[dict]:
    """The two rows of one comparison: speed (higher is better), perplexity (lower is)."""
    from lmlab.bench.common import row

    ours, peer = n_tokens / statistics.median(ours_t), n_tokens / statistics.median(peer_t)
    return [row("ngram", f"fit+perplexity tokens/s {what}", ours, peer, peer_name),
            row("ngram", f"held-out perplexity {what}", ours_pp, peer_pp, peer_name,
                higher_is_better=False)]


def bench_ngram(order: int = 3, n_train_tokens: int = 200_000, n_eval_tokens: int = 50_000,
                repeats: int = 3, smoothings: tuple[str, ...] = ("laplace",),
                gamma: float = 0.1) -> list[dict]:
    """Fit + held-out perplexity, lmlab vs nltk.lm, interleaved repeats, median time.

    Returns per smoothing two rows: throughput (tokens counted + tokens scored, per second)
    and the two held-out perplexities (which must agree; ratio = peer / ours, 1.0 here).
    """
    import nltk
    from nltk.lm import Vocabulary

    from lmlab.tokenizer import load_tokenizer, token_stream

    train = token_stream("train")[:n_train_tokens]
    held_out = token_stream("val")[:n_eval_tokens]
    V = load_tokenizer().vocab_size + 1  # the shipped tokenizer's ids, plus NLTK's <UNK>
    vocab = Vocabulary([str(i) for i in range(V - 1)], unk_cutoff=1)
    train_s, held_out_s = [str(t) for t in train], [str(t) for t in held_out]
    rows = []
    for smoothing in smoothings:
        ours_t, peer_t = [], []
        for _ in range(repeats):  # interleaved, so a busy moment hits both sides
            t, ours_pp = _timed(_ours, train, held_out, order, smoothing, V, gamma)
            ours_t.append(t)
            t, peer_pp = _timed(_nltk, train_s, held_out_s, order, smoothing, vocab, gamma)
            peer_t.append(t)
        if not _agree(ours_pp, peer_pp):
            raise RuntimeError(f"{smoothing}: perplexity {ours_pp!r} (lmlab) != {peer_pp!r} (nltk)")
        rows += _rows(f"(order {order}, {smoothing})", len(train) + len(held_out), ours_t,
                      peer_t, ours_pp, peer_pp, f"nltk.lm {nltk.__version__}")
    return rows


if __name__ == "__main__":
    import json

    for row in bench_ngram():
        print(json.dumps(row))
