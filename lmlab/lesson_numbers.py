"""The numbers a quiz asks the student to predict, computed now by lmlab ("predict, then reveal").

Tool: the Lessons tab (``lmlab.ui.lessons``) shows them when the student reveals the answer;
tests/test_lessons_live.py checks each against the number its lesson's answer states, in both
languages.  Lessons: the quizzes of 01, 02, 05, 07, 09, 10 and 13.

Each reveal runs the package's own function on the case the question describes (the shipped
GPT where the question is about a model), offline, in well under a second, once per process
(cached: every student after the first gets the stored numbers).  Numbers come back as codes
and values; the tab words them.

>>> r = reveal("07", 2)
>>> r.values, r.source
((('kept', 2.0),), 'lmlab.generate.filter_logits')
>>> reveal("07", 1) is None  # a question that asks why, not how much
True
"""

from __future__ import annotations

import copy
import math
import re
from dataclasses import dataclass

from lmlab.cache import load_once


@dataclass(frozen=True)
class Reveal:
    """A quiz question's number(s), as lmlab computes them now."""

    values: tuple[tuple[str, float], ...]  # (what, value), in the order the answer gives them
    source: str  # the lmlab function that computed them


# ----------------------------------------------------------------------------- the questions


def _heldout_ids(n_chars: int = 2000) -> list[int]:
    """The first ``n_chars`` characters of the first held-out work, as the GPT's tokens."""
    from lmlab.data import read_work, works_in
    from lmlab.tokenizer import load_tokenizer

    return load_tokenizer().encode(read_work(works_in("val")[0].slug)[:n_chars])


def uniform_perplexity() -> Reveal:
    """01, question 1: the shipped GPT with its token embeddings set to zero gives every token
    the logit 0 (the output layer is the same matrix), a uniform guess; its perplexity."""
    from lmlab.evaluate import perplexity
    from lmlab.models import load_gpt

    model = copy.deepcopy(load_gpt("shakespeare"))  # the shared model stays as it is
    model.transformer.wte.weight.data.zero_()  # tied: lm_head is zero too, every logit is 0
    return Reveal((("perplexity", perplexity(model, _heldout_ids()).perplexity),),
                  "lmlab.evaluate.perplexity")


def mle_bigram_perplexity() -> Reveal:
    """02, question 1: an unsmoothed (MLE) bigram of one training work, scored on held-out text."""
    from lmlab.data import read_work, works_in
    from lmlab.ngram import NGramLM
    from lmlab.tokenizer import load_tokenizer

    train = load_tokenizer().encode(read_work(works_in("train")[0].slug))
    lm = NGramLM(order=2, smoothing="mle").fit([train])
    return Reveal((("perplexity", lm.perplexity([_heldout_ids()])),), "lmlab.ngram.NGramLM.perplexity")


def first_position_weight() -> Reveal:
    """05, question 2: the weight position 0 gives itself, in every head of the shipped GPT
    (the smallest of them; all are equal when the mask does its job)."""
    import torch

    from lmlab.models import load_gpt

    model = load_gpt("shakespeare")
    with torch.no_grad():
        attentions = model(torch.tensor([_heldout_ids(200)]), output_attentions=True).attentions
    weight = min(a[0, :, 0, 0].min().item() for a in attentions)  # (B, H, T, T) per layer
    return Reveal((("weight", weight),), "lmlab.gpt.GPT (output_attentions=True)")


def top_p_kept() -> Reveal:
    """07, question 2: how many of the logits [3, 2, 1, 0.5, -1] top-p = 0.8 keeps."""
    import torch

    from lmlab.generate import SamplingConfig, filter_logits

    kept = filter_logits(torch.tensor([3.0, 2.0, 1.0, 0.5, -1.0]), SamplingConfig(top_p=0.8))
    return Reveal((("kept", float(torch.isfinite(kept).sum())),), "lmlab.generate.filter_logits")


def windows_per_rank() -> Reveal:
    """09, question 3: each rank's share of a global batch of 32 on 2 ranks."""
    from lmlab.training.distributed import local_batch_size

    return Reveal((("windows", float(local_batch_size(32, 2))),),
                  "lmlab.training.distributed.local_batch_size")


def always_negative() -> Reveal:
    """10, question 1: accuracy and macro-F1 of "always negative" on 90 negatives, 10 positives."""
    from lmlab.evaluate import classification_metrics

    m = classification_metrics([0] * 90 + [1] * 10, [0] * 100, n_labels=2)
    return Reveal((("accuracy", m["accuracy"]), ("macro_f1", m["macro_f1"])),
                  "lmlab.evaluate.classification_metrics")


def exposure_at_rank_100() -> Reveal:
    """13, question 1: the exposure of a code ranked 100th of the 10,000 candidates."""
    from lmlab.privacy.canary import exposure

    return Reveal((("exposure", exposure(100)),), "lmlab.privacy.canary.exposure")


REVEALS = {  # (lesson number, question number from 1) -> what computes its number
    ("01", 1): uniform_perplexity, ("02", 1): mle_bigram_perplexity, ("05", 2): first_position_weight,
    ("07", 2): top_p_kept, ("09", 3): windows_per_rank, ("10", 1): always_negative,
    ("13", 1): exposure_at_rank_100,
}


# ----------------------------------------------------------------------------- asking


def is_live(lesson: str, question: int) -> bool:
    """Does question ``question`` of lesson ``lesson`` ("05" or "05_attention") ask for a number
    that ``reveal`` computes?  (Cheap: nothing is computed.)"""
    return (str(lesson)[:2], question) in REVEALS


@load_once(maxsize=len(REVEALS))
def _computed(key: tuple[str, int]) -> Reveal:
    return REVEALS[key]()


def reveal(lesson: str, question: int) -> Reveal | None:
    """The question's number(s), computed now (once per process), or None when it asks none."""
    key = (str(lesson)[:2], question)
    return _computed(key) if key in REVEALS else None


def is_close(guess: float, value: float, rel: float = 0.02) -> bool:
    """A predicted number counts as right within ``rel`` (2%) of the value; infinity only as itself.

    >>> is_close(2000, 2048), is_close(2040, 2048), is_close(math.inf, math.inf)
    (False, True, True)
    """
    if math.isinf(value) or math.isinf(guess):
        return value == guess
    return abs(guess - value) <= rel * max(abs(value), 1e-9)


GUESS = re.compile(r"-?\d+(?:,\d{3})*(?:\.\d+)?|∞|无穷|\binf(?:inite|inity)?\b", re.I)


def predicted(guess: str) -> list[float]:
    """Every number a student wrote, in order (``∞``, ``inf``, ``infinite``, ``无穷``: infinity).

    >>> predicted("about 2,048, or ∞")
    [2048.0, inf]
    """
    return [float(m.replace(",", "")) if m[-1].isdigit() else math.inf for m in GUESS.findall(guess or "")]


def matches(guess: str, shown: Reveal) -> bool:
    """Does the prediction hold every computed number (each close to one of the numbers written)?

    >>> matches("accuracy 0.9, F1 0.47", always_negative()), matches("0.9", always_negative())
    (True, False)
    """
    mine = predicted(guess)
    return bool(mine) and all(any(is_close(g, v) for g in mine) for _, v in shown.values)
