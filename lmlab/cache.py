"""``load_once``: cache what is loaded (models, fitted n-grams) and load it on one thread only.

Thirty students opening the same tab at once would otherwise load the same model thirty times
at once, and some libraries' lazy imports (transformers') are not safe to run in parallel.

>>> @load_once()
... def square(x):
...     return x * x
>>> square(3), square(3)
(9, 9)
"""

from __future__ import annotations

import functools
import threading


def load_once(maxsize: int = 4):
    """``functools.lru_cache`` whose misses and hits go through one lock."""

    def decorate(fn):
        cached = functools.lru_cache(maxsize)(fn)
        lock = threading.Lock()

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with lock:
                return cached(*args, **kwargs)

        wrapper.cache_clear = cached.cache_clear
        wrapper.cache_info = cached.cache_info
        return wrapper

    return decorate
