"""``load_once``: cache what is loaded (models, fitted n-grams) and load each thing once.

Tool: shared by ``lmlab.models`` and the tabs' cached default figures.

Thirty students opening the same tab at once would otherwise load the same model thirty times
at once, and some libraries' lazy imports (transformers') are not safe to run in parallel.  The
rules that keep one slow load from stalling the class:

- a hit takes no lock (a dict lookup);
- a miss locks only its own key: a student's hub download never delays the shipped model;
- ``pinned`` keys are never evicted; ``solo`` keys (hub models) are kept one at a time.

>>> @load_once()
... def square(x):
...     return x * x
>>> square(3), square(3), square.cache_info().hits
(9, 9, 1)
"""

from __future__ import annotations

import functools
import itertools
import threading
from collections.abc import Callable
from typing import NamedTuple


class CacheInfo(NamedTuple):
    hits: int
    misses: int
    maxsize: int
    currsize: int


def load_once(maxsize: int = 4, pinned: Callable[..., bool] | None = None,
              solo: Callable[..., bool] | None = None):
    """Cache ``fn``'s results by arguments, at most ``maxsize`` of them, one lock per key.

    ``pinned(*args)`` True: never evicted.  ``solo(*args)`` True: loading it evicts every
    other solo result first (one hub model in memory at a time).
    """

    def decorate(fn):
        results: dict = {}
        used: dict = {}  # key -> last use (a counter), for least-recently-used eviction
        key_locks: dict = {}
        meta = threading.Lock()  # held only to create a key's lock or to insert/evict
        clock = itertools.count()
        stats = {"hits": 0, "misses": 0}

        def _key(args, kwargs):
            return args + tuple(sorted(kwargs.items())) if kwargs else args

        def _is(pred, key):
            return bool(pred and pred(*key))

        def _evict(new_key) -> None:  # with meta held
            if _is(solo, new_key):
                for k in [k for k in results if k != new_key and _is(solo, k)]:
                    results.pop(k)
            while len(results) > maxsize:
                free = [k for k in results if k != new_key and not _is(pinned, k)]
                if not free:
                    break
                results.pop(min(free, key=lambda k: used.get(k, -1)))

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            key = _key(args, kwargs)
            try:
                value = results[key]  # a hit: no lock
            except KeyError:
                pass
            else:
                used[key] = next(clock)
                stats["hits"] += 1
                return value
            with meta:
                lock = key_locks.setdefault(key, threading.Lock())
            with lock:  # only callers of this key wait
                if key in results:
                    stats["hits"] += 1
                    return results[key]
                stats["misses"] += 1
                value = fn(*args, **kwargs)
                with meta:
                    results[key] = value
                    used[key] = next(clock)
                    _evict(key)
                    key_locks.pop(key, None)  # later callers hit without it
            return value

        def cache_clear() -> None:
            with meta:
                results.clear()
                used.clear()

        def cache_info() -> CacheInfo:
            return CacheInfo(stats["hits"], stats["misses"], maxsize, len(results))

        wrapper.cache_clear = cache_clear
        wrapper.cache_info = cache_info
        wrapper.cached_keys = lambda: list(results)
        return wrapper

    return decorate
