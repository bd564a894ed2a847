"""The held-out table of ``lmlab eval``: every n-gram order and smoothing, and the best of them.

Lesson: lessons/02_ngrams.en.md.  Command: ``lmlab eval``.  Tab: N-gram vs neural.

Every model is scored on the same held-out tokens (the GPT's BPE ids), and every n-gram shares
one set of counts (``lmlab.compare.ngram_model``), so the table is a fair comparison.
"""

from __future__ import annotations

from lmlab.compare import ngram_model
from lmlab.tokenizer import token_stream


def ngram_report(splits=("val", "test"), orders=range(1, 6)) -> dict:
    """Held-out perplexity of every n-gram order and smoothing, on the GPT's tokens."""
    from lmlab.ngram import SMOOTHINGS

    report = {}
    for smoothing in SMOOTHINGS:
        for n in orders:
            lm = ngram_model(n, smoothing)
            report[f"{smoothing}/{n}"] = {
                split: finite(lm.perplexity([token_stream(split)])) for split in splits}
    return report


def finite(x: float) -> float | str:
    """JSON has no infinity: an infinite perplexity is reported as the string "inf"."""
    return round(x, 3) if x != float("inf") else "inf"


def finite_or_inf(x: float) -> float | str:
    """JSON has no infinity: an infinite perplexity is reported as the string \"inf\"."""
    return round(x, 3) if x != float("inf") else "inf"


def best_ngram(report: dict) -> str:
    """The name (``"smoothing/order"``) of the n-gram with the lowest finite val perplexity."""
    finite = {k: v["val"] for k, v in report.items() if v["val"] != "inf"}
    return min(finite, key=finite.get)
