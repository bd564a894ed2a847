"""Memorisation: give the model the start of a line; does it finish the line word for word?

Lesson: lessons/13_privacy.en.md.  Command: ``lmlab privacy``.  Tab: Privacy (memorisation probe).

Take lines from the training works (the model saw them) and from the held-out works (it never
did), the same number of each, each cut to the same number of tokens.  Give the model the first
k tokens and let it continue greedily (always the likeliest token) for m more.  A line is
*continued verbatim* when those m tokens are exactly the line's own.  If the share is higher on
training lines than on held-out ones, the gap is memorisation (Carlini et al. 2022 measure the
same on GPT-Neo: it grows with model size, repetition and prefix length).

>>> tok = __import__("lmlab.tokenizer", fromlist=["x"]).load_tokenizer()
>>> len(corpus_lines("train", 10, tok, n=5, seed=0))
5
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch

PREFIX_TOKENS = 8  # k: tokens of the line the model is given
CONTINUATION_TOKENS = 4  # m: tokens it must produce
BY_PREFIX = (2, 4, 6, 8)  # k values compared (same lines, same m)
N_LINES = 250  # lines from each side
MAX_PROBE_TOKENS = 64  # longest line start the probe accepts
PROBE_TOKENS = 8  # tokens the probe writes
SPLITS = {"train": ("train",), "heldout": ("val", "test")}


class BadPrefix(ValueError):
    """A line start that is empty, too long or not in the corpus."""


@dataclass(frozen=True)
class Share:
    lines: int  # lines tried
    verbatim: float  # share continued exactly, in [0, 1]


@dataclass(frozen=True)
class Memorization:
    """Verbatim continuation on training vs held-out lines, at k tokens of prefix and by k."""

    prefix_tokens: int
    continuation_tokens: int
    train: Share
    heldout: Share
    by_prefix: tuple[dict, ...]  # {"prefix_tokens", "train", "heldout"} per k in BY_PREFIX

    def to_json(self) -> dict:
        return {"prefix_tokens": self.prefix_tokens, "continuation_tokens": self.continuation_tokens,
                "train": vars(self.train), "heldout": vars(self.heldout),
                "by_prefix": list(self.by_prefix)}


# ----------------------------------------------------------------------------- lines


@lru_cache(maxsize=4)
def _lines(side: str) -> tuple[tuple[str, int, str], ...]:
    """(slug, line number (1-based), text) of every non-blank line of one side's works."""
    from lmlab.data import read_work, works_in

    out = []
    for split in SPLITS[side]:
        for w in works_in(split):
            out += [(w.slug, i + 1, line) for i, line in enumerate(read_work(w.slug).split("\n"))
                    if line.strip()]
    return tuple(out)


def corpus_lines(side: str, n_tokens: int, tok, n: int = N_LINES, seed: int = 0) -> np.ndarray:
    """(n, n_tokens) ids: ``n`` random lines of at least ``n_tokens`` tokens, cut to that."""
    rng = np.random.default_rng(seed)
    lines = _lines(side)
    rows = []
    for i in rng.permutation(len(lines)):
        ids = tok.encode(lines[i][2])
        if len(ids) >= n_tokens:
            rows.append(ids[:n_tokens])
            if len(rows) == n:
                break
    return np.array(rows, dtype=np.int64)


# ----------------------------------------------------------------------------- greedy decoding


@torch.no_grad()
def greedy(model, ids: np.ndarray, m: int, newline_id: int) -> np.ndarray:
    """(B, m) greedy continuation of each row of ``ids`` (B, k), each row read after a newline.

    The line starts are read once; each new token is one step through the KV cache.
    """
    model.eval()
    x = torch.from_numpy(np.asarray(ids, dtype=np.int64))
    x = torch.cat([torch.full((len(x), 1), newline_id), x], dim=1)[:, -(model.config.block_size - m):]
    B = len(x)
    out = model(x, use_cache=True, positions=torch.full((B,), x.size(1) - 1))
    got = []
    for _ in range(m):
        nxt = out.logits[:, -1].argmax(-1, keepdim=True)  # (B, 1)
        got.append(nxt)
        out = model(nxt, past_key_values=out.past_key_values, use_cache=True)
    return torch.cat(got, dim=1).numpy()


def verbatim_share(model, lines: np.ndarray, k: int, m: int, newline_id: int) -> float:
    """Share of rows whose tokens k..k+m-1 the model produced exactly from tokens 0..k-1."""
    got = greedy(model, lines[:, :k], m, newline_id)
    return float(np.mean(np.all(got == lines[:, k:k + m], axis=1)))


def memorization(model, tok, k: int = PREFIX_TOKENS, m: int = CONTINUATION_TOKENS,
                 n: int = N_LINES, by_prefix=BY_PREFIX, seed: int = 0) -> Memorization:
    """The experiment above: ``n`` training and ``n`` held-out lines of ``max(k, by_prefix) + m``
    tokens each."""
    n_tokens = max([k, *by_prefix]) + m
    nl = tok.encode("\n")[0]
    sides = {s: corpus_lines(s, n_tokens, tok, n, seed) for s in SPLITS}
    if min(len(v) for v in sides.values()) < n:
        raise ValueError(f"fewer than {n} lines of {n_tokens} tokens on one side")
    share = {s: {kk: verbatim_share(model, v, kk, m, nl) for kk in sorted({k, *by_prefix})}
             for s, v in sides.items()}
    rows = tuple({"prefix_tokens": kk, "train": share["train"][kk],
                  "heldout": share["heldout"][kk]} for kk in by_prefix)
    return Memorization(k, m, Share(n, share["train"][k]), Share(n, share["heldout"][k]), rows)


# ----------------------------------------------------------------------------- the probe


@dataclass(frozen=True)
class Probe:
    """One line start, its greedy continuation, and where the result occurs in the corpus."""

    prefix: str  # the line start given
    continuation: str  # what the model wrote (m tokens)
    found_in: str | None  # "train", "heldout" or None: the side whose works hold the line start
    where: tuple[str, int] | None  # (work slug, line) of the first line starting so, if any
    true_continuation: str | None  # what that line really says next (m tokens), if found
    verbatim_train: tuple[str, int] | None  # (slug, line) of a training line = prefix + continuation


def find_line(text: str, side: str) -> tuple[str, int, str] | None:
    """The first line of ``side``'s works that starts with ``text`` (stripped of the line break)."""
    return next((row for row in _lines(side) if row[2].startswith(text)), None)


def probe(model, tok, prefix: str, m: int = PROBE_TOKENS) -> Probe:
    """Continue ``prefix`` greedily; look the line start and the result up in the corpus."""
    text = (prefix or "").strip("\n")
    ids = tok.encode(text)
    if not text.strip():
        raise BadPrefix("the line start is empty; type the first words of a line")
    if len(ids) > MAX_PROBE_TOKENS:
        raise BadPrefix(f"the line start is {len(ids)} tokens; the limit is {MAX_PROBE_TOKENS}")
    got = greedy(model, np.array([ids]), m, tok.encode("\n")[0])[0].tolist()
    cont = tok.decode(got)
    side, row = next(((s, r) for s in SPLITS if (r := find_line(text, s))), (None, None))
    true = None
    if row is not None:
        line_ids = tok.encode(row[2])
        true = tok.decode(line_ids[len(ids):len(ids) + m]) if line_ids[:len(ids)] == ids else None
    full = find_line(text + cont.split("\n")[0], "train") if cont.split("\n")[0] else None
    return Probe(text, cont, side, (row[0], row[1]) if row else None, true,
                 (full[0], full[1]) if full else None)
