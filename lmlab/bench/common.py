"""Benchmark rows and interleaving, shared by every benchmark: lmlab against its peer library.

Command: ``lmlab bench NAME --json``.  Each comparison prints one JSON row:

    {"bench": ..., "metric": ..., "ours": x, "peer": y, "peer_name": ..., "ratio": r,
     "higher_is_better": true}

``ratio`` > 1 means lmlab is ahead.  Ours and the peer get the same inputs; repetitions are
interleaved (ours, peer, ours, peer, ...) so a noisy neighbour slows both, and the median is
reported.  Timing goals live here, never in tests.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable


def row(bench: str, metric: str, ours: float, peer: float, peer_name: str,
        higher_is_better: bool = True, **extra) -> dict:
    """One result row; ``ratio`` > 1 always means lmlab is ahead."""
    if ours == peer:  # includes inf == inf (two models that both give a zero probability)
        ratio = 1.0
    elif higher_is_better:
        ratio = ours / peer if peer else float("inf")
    else:
        ratio = peer / ours if ours else float("inf")
    return {"bench": bench, "metric": metric, "ours": round(ours, 4), "peer": round(peer, 4),
            "peer_name": peer_name, "ratio": round(ratio, 3),
            "higher_is_better": higher_is_better, **extra}


def interleaved(fns: list[Callable[[], float]], repeats: int) -> list[float]:
    """Run each function ``repeats`` times, alternating; the median of each one's results."""
    results: list[list[float]] = [[] for _ in fns]
    for _ in range(repeats):
        for i, fn in enumerate(fns):
            results[i].append(fn())
    return [statistics.median(r) for r in results]
