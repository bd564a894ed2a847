"""Generation: turn next-token probabilities into text, one token at a time.

Lesson: lessons/07_generation.en.md.  Tab: Generate.  Command: ``lmlab generate``.

Each step the model gives logits for the next token.  Then:

1. divide by the temperature (below 1 sharpens the distribution, above 1 flattens it;
   temperature 0 means "always take the most likely token": greedy decoding),
2. top-k keeps only the k most likely tokens,
3. top-p (nucleus) keeps the smallest set of tokens whose probabilities add up to p,
4. renormalise and draw one token (with a seeded generator: same seed, same text).

The KV cache keeps every layer's keys and values, so each new step feeds the model one token
instead of the whole text (tests/test_generate.py checks both give the same tokens).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import torch

MIN_TEMPERATURE = 1e-3  # the smallest positive temperature (below it: use 0, greedy)


@dataclass(frozen=True)
class SamplingConfig:
    """How the next token is picked from the model's logits."""

    temperature: float = 1.0  # 0 = greedy; else at least MIN_TEMPERATURE
    top_k: int | None = None  # keep the k most likely tokens (None = all)
    top_p: float | None = None  # keep the smallest set with this much mass, in (0, 1]

    def __post_init__(self) -> None:
        if not (self.temperature >= 0 and math.isfinite(self.temperature)):
            raise ValueError(f"temperature must be 0 (greedy) or positive, not {self.temperature}")
        if 0 < self.temperature < MIN_TEMPERATURE:  # logits / 1e-45 overflow to inf, then NaN
            raise ValueError(f"temperature {self.temperature:g} is too small to divide by; use 0 "
                             f"for greedy, or at least {MIN_TEMPERATURE:g}")
        if self.top_k is not None and self.top_k < 1:
            raise ValueError(f"top-k must be at least 1, not {self.top_k}")
        if self.top_p is not None and not 0 < self.top_p <= 1:
            raise ValueError(f"top-p must be in (0, 1], not {self.top_p}")


@dataclass(frozen=True)
class Step:
    """One generation step, with what the UI needs to show why this token was picked.

    Only ``token_id`` and ``logits`` are stored; the rest is computed when first read, so
    plain generation pays for none of it.
    """

    token_id: int  # the token chosen
    logits: torch.Tensor  # (V,) raw logits, for re-scaling by another temperature
    config: SamplingConfig  # how it was picked

    @cached_property
    def filtered(self) -> torch.Tensor:
        """(V,) logits after temperature, top-k and top-p (-inf where removed)."""
        return filter_logits(self.logits, self.config)

    @cached_property
    def probs(self) -> torch.Tensor:
        """(V,) the distribution the token was drawn from."""
        return self.filtered.softmax(-1)

    @cached_property
    def kept(self) -> torch.Tensor:
        """(V,) bool, tokens that survived top-k / top-p."""
        return torch.isfinite(self.filtered)

    @property
    def prob(self) -> float:
        """The chosen token's probability in the distribution it was drawn from."""
        return float(self.probs[self.token_id])

    @cached_property
    def entropy(self) -> float:
        """Entropy of the temperature-scaled distribution, in nats."""
        t = self.config.temperature
        return entropy(self.logits / t if t > 0 else self.logits)


# ----------------------------------------------------------------------------- one step


def filter_logits(logits: torch.Tensor, cfg: SamplingConfig) -> torch.Tensor:
    """Logits after temperature, top-k and top-p; removed tokens get -inf.  (..., V) -> (..., V).

    >>> filter_logits(torch.tensor([2.0, 1.0, 0.0]), SamplingConfig(top_k=2)).tolist()
    [2.0, 1.0, -inf]
    """
    if cfg.temperature == 0:  # greedy: only the argmax survives
        keep = torch.zeros_like(logits, dtype=torch.bool)
        keep.scatter_(-1, logits.argmax(-1, keepdim=True), True)
        return logits.masked_fill(~keep, float("-inf"))
    logits = logits / cfg.temperature
    if cfg.top_k is not None and cfg.top_k < logits.size(-1):
        kth = torch.topk(logits, cfg.top_k, dim=-1).values[..., -1:]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    if cfg.top_p is not None and cfg.top_p < 1:
        sorted_logits, order = torch.sort(logits, descending=True, dim=-1)
        cum = sorted_logits.softmax(-1).cumsum(-1)
        drop_sorted = cum - sorted_logits.softmax(-1) >= cfg.top_p  # mass before it already >= p
        drop = drop_sorted.scatter(-1, order, drop_sorted)
        logits = logits.masked_fill(drop, float("-inf"))
    return logits


def temperature_probs(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """softmax(logits / T): the distribution a temperature makes, before top-k / top-p.

    >>> [round(p, 2) for p in temperature_probs(torch.tensor([2.0, 0.0]), 1.0).tolist()]
    [0.88, 0.12]
    >>> temperature_probs(torch.tensor([2.0, 0.0]), 0).tolist()   # greedy: all on the argmax
    [1.0, 0.0]
    """
    if temperature == 0:
        return torch.nn.functional.one_hot(logits.argmax(-1), logits.size(-1)).to(logits.dtype)
    return torch.softmax(logits / temperature, dim=-1)


@dataclass(frozen=True)
class Candidates:
    """One step's likeliest tokens, small enough to keep for every step of a long text, and
    exactly re-scalable to each temperature of a fixed list (the UI's slider positions).

    softmax(l / T)[i] = exp(l_i / T - logsumexp(l / T)): keeping the k logits and one
    logsumexp per temperature is enough, instead of the whole vocabulary's logits.
    """

    ids: np.ndarray  # (k,) token ids, likeliest first
    logits: np.ndarray  # (k,) their raw logits
    temperatures: np.ndarray  # (n,) the temperatures the step can be re-scaled to
    log_normalizers: np.ndarray  # (n,) logsumexp(all logits / T), one per temperature

    def probs(self, temperature: float) -> tuple[np.ndarray, float]:
        """(probabilities of the k candidates, the listed temperature nearest the one asked)."""
        i = int(np.abs(self.temperatures - temperature).argmin())
        t = float(self.temperatures[i])
        if t == 0:  # greedy: everything on the likeliest
            return np.eye(len(self.ids))[0], t
        return np.exp(self.logits / t - self.log_normalizers[i]), t


def candidates(logits: torch.Tensor, k: int, temperatures,
               include: int | None = None) -> Candidates:
    """The top ``k`` of (V,) ``logits`` with the normalizers for ``temperatures``; the token
    ``include`` (the one chosen, say) is added last when it is not among them.

    >>> c = candidates(torch.tensor([2.0, 0.0, 1.0]), k=2, temperatures=[0.5, 1.0])
    >>> c.ids.tolist(), [round(float(p), 3) for p in c.probs(1.0)[0]]
    ([0, 2], [0.665, 0.245])
    >>> candidates(torch.tensor([2.0, 0.0, 1.0]), k=2, temperatures=[1.0], include=1).ids.tolist()
    [0, 2, 1]
    """
    temps = torch.as_tensor(temperatures, dtype=torch.float64)
    top = torch.argsort(logits, descending=True, stable=True)[:k]
    if include is not None and int(include) not in top.tolist():
        top = torch.cat([top, torch.tensor([int(include)])])
    lg = logits.double()
    scaled = lg / temps.clamp_min(1e-12)[:, None]  # (n, V); T = 0 (greedy) needs no normalizer
    norms = torch.logsumexp(scaled, -1).where(temps > 0, 0.0)
    return Candidates(top.numpy(), lg[top].numpy(), temps.numpy(), norms.numpy())


def entropy(logits: torch.Tensor) -> float:
    """Entropy of softmax(logits) in nats: 0 when one token is certain, ln V when uniform."""
    logp = torch.log_softmax(logits.double(), dim=-1)
    return float(-(logp.exp() * logp).nan_to_num(0.0).sum())


def pick(logits: torch.Tensor, cfg: SamplingConfig, gen: torch.Generator | None) -> Step:
    """Choose the next token from (V,) logits."""
    if cfg.temperature == 0:
        return Step(int(logits.argmax()), logits, cfg)
    probs = filter_logits(logits, cfg).softmax(-1)
    return Step(int(torch.multinomial(probs, 1, generator=gen)), logits, cfg)


# ----------------------------------------------------------------------------- the loop


def _as_batch(idx) -> torch.Tensor:
    idx = torch.as_tensor(idx, dtype=torch.long)
    idx = idx[None] if idx.dim() == 1 else idx
    if idx.size(0) != 1:
        raise ValueError(f"generation takes one prompt at a time, not a batch of {idx.size(0)}")
    if idx.size(1) == 0:
        raise ValueError("the prompt is empty: give at least one token")
    return idx


@torch.inference_mode()
def generate_stream(model, idx, max_new_tokens: int, temperature: float = 1.0,
                    top_k: int | None = None, top_p: float | None = None,
                    seed: int | None = None, use_cache: bool = True) -> Iterator[Step]:
    """Yield one ``Step`` per new token for a single prompt ``idx`` (T,) or (1, T)."""
    cfg = SamplingConfig(temperature, top_k, top_p)
    if max_new_tokens < 0:
        raise ValueError(f"max_new_tokens must be >= 0, not {max_new_tokens}")
    block = model.config.block_size
    tokens = _as_batch(idx)[0, -block:].tolist()
    gen = torch.Generator().manual_seed(seed) if seed is not None else None
    model.eval()
    cache, feed = None, tokens
    for _ in range(max_new_tokens):
        # a cache is made by the first pass, then filled in place; not once the window is full
        out = model(torch.tensor([feed]), past_key_values=cache,
                    use_cache=use_cache and len(feed) < block)
        cache = out.past_key_values
        step = pick(out.logits[0, -1], cfg, gen)
        yield step
        tokens.append(step.token_id)
        if use_cache and len(tokens) <= block:
            feed = tokens[-1:]
        else:  # no cache, or the context is full: slide the window and start afresh
            cache, feed = None, tokens[-block:]


def generate(model, idx, max_new_tokens: int, temperature: float = 1.0,
             top_k: int | None = None, top_p: float | None = None,
             seed: int | None = None, use_cache: bool = True) -> torch.Tensor:
    """The prompt followed by ``max_new_tokens`` new tokens, as a (1, T + new) tensor."""
    idx = _as_batch(idx)
    new = [s.token_id for s in generate_stream(model, idx, max_new_tokens, temperature,
                                                top_k, top_p, seed, use_cache)]
    return torch.cat([idx, torch.tensor([new], dtype=torch.long)], dim=1)
