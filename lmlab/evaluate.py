"""Evaluation: perplexity, classification metrics, calibration, BLEU and ROUGE.

Lessons: lessons/01_language_models.en.md (perplexity), lessons/10_evaluation.en.md (all of it),
lessons/09_training.en.md.  Command: ``lmlab eval``.

    perplexity = exp(mean over tokens of -log p(token | the tokens before it))

A perplexity of 40 means the model was, on average, as unsure as if it picked uniformly among
40 tokens.  A GPT sees at most ``block_size`` tokens, so long texts are scored with sliding
windows: each window moves by ``stride`` tokens and scores only the tokens the previous window
did not, so every token after the first window has at least ``block_size - stride`` tokens of
context.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class Perplexity:
    """Result of scoring a token sequence."""

    n_tokens: int  # tokens predicted (all but the first)
    loss: float  # mean negative log-likelihood, nats per token
    perplexity: float  # exp(loss)


@torch.no_grad()
def token_nll(model, ids: np.ndarray | list[int], stride: int | None = None,
              batch_size: int = 32) -> np.ndarray:
    """-log p(ids[i] | ids[:i]) for i = 1..N-1, as a float64 array of length N - 1."""
    ids = torch.as_tensor(np.asarray(ids, dtype=np.int64))
    T = model.config.block_size
    stride = stride or T // 2
    n = len(ids)
    if n < 2:
        raise ValueError("need at least two tokens to score a prediction")
    nll = torch.full((n - 1,), float("nan"), dtype=torch.float64)
    starts = list(range(0, max(n - 1 - T, 0) + stride, stride))  # last window reaches the end
    model.eval()
    for i in range(0, len(starts), batch_size):
        chunk = starts[i:i + batch_size]
        windows = [F.pad(ids[s:s + T + 1], (0, T + 1 - len(ids[s:s + T + 1]))) for s in chunk]
        batch = torch.stack(windows)  # (b, T + 1), zero-padded at the end of the text
        logp = torch.log_softmax(model(batch[:, :-1]).logits.double(), dim=-1)
        picked = -logp.gather(-1, batch[:, 1:, None])[..., 0]  # (b, T)
        for s, row in zip(chunk, picked, strict=False):
            first = 0 if s == 0 else T - stride  # the previous window scored these
            end = min(T, n - 1 - s)  # real targets in this window
            nll[s + first:s + end] = row[first:end]
    return nll.numpy()


def perplexity(model, ids, stride: int | None = None) -> Perplexity:
    """Perplexity of ``model`` (an ``lmlab.gpt.GPT``) on a token sequence."""
    nll = token_nll(model, ids, stride)
    loss = float(nll.mean())
    return Perplexity(len(nll), loss, math.exp(loss))


def heldout_report(model, splits=("val", "test")) -> dict:
    """Held-out perplexity of a GPT on each split's tokens."""
    from lmlab.tokenizer import token_stream

    report = {}
    for split in splits:
        ppl = perplexity(model, token_stream(split))
        report[split] = {"tokens": ppl.n_tokens, "loss": round(ppl.loss, 4),
                         "perplexity": round(ppl.perplexity, 3)}
    return report


def classification_metrics(y_true, y_pred, n_labels: int) -> dict:
    """Accuracy, macro precision / recall / F1 and the confusion matrix (rows: true class).

    A class never predicted has precision 0 (as scikit-learn's ``zero_division=0``).

    >>> classification_metrics([0, 1, 2, 2], [0, 2, 2, 2], 3)["accuracy"]
    0.75
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    cm = np.zeros((n_labels, n_labels), dtype=int)
    np.add.at(cm, (y_true, y_pred), 1)
    tp = np.diag(cm).astype(float)
    precision = np.divide(tp, cm.sum(0), out=np.zeros(n_labels), where=cm.sum(0) > 0)
    recall = np.divide(tp, cm.sum(1), out=np.zeros(n_labels), where=cm.sum(1) > 0)
    f1 = np.divide(2 * precision * recall, precision + recall, out=np.zeros(n_labels),
                   where=precision + recall > 0)
    return {"accuracy": float(tp.sum() / max(len(y_true), 1)),
            "macro_precision": float(precision.mean()), "macro_recall": float(recall.mean()),
            "macro_f1": float(f1.mean()),
            "majority_accuracy": float(np.bincount(y_true, minlength=n_labels).max()
                                       / max(len(y_true), 1)),
            "per_class_f1": [float(v) for v in f1], "confusion_matrix": cm.tolist()}


# ----------------------------------------------------------------------------- calibration


@dataclass(frozen=True)
class Calibration:
    """How often predictions made with each confidence were right, in equal-width bins."""

    edges: tuple[float, ...]  # n_bins + 1 edges from 0 to 1
    confidence: tuple[float, ...]  # mean predicted probability in each bin (nan: empty bin)
    accuracy: tuple[float, ...]  # fraction of the bin's predictions that were right (nan: empty)
    count: tuple[int, ...]  # predictions in each bin
    ece: float  # expected calibration error: sum over bins of count / N * |accuracy - confidence|


def calibration(confidence, correct, n_bins: int = 10) -> Calibration:
    """Reliability of probabilities: bin by confidence, compare with the fraction correct.

    Perfect calibration means accuracy == confidence in every bin ("30%" is right 30% of the
    time), so ECE = 0 (Guo et al., *On Calibration of Modern Neural Networks*, 2017).

    >>> round(calibration([0.9, 0.9, 0.3, 0.3], [1, 1, 0, 1], n_bins=5).ece, 3)
    0.15
    """
    conf = np.asarray(confidence, dtype=np.float64)
    ok = np.asarray(correct, dtype=np.float64)
    if conf.shape != ok.shape or conf.size == 0:
        raise ValueError("confidence and correct must be non-empty and of the same length")
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    which = np.clip(np.digitize(conf, edges[1:-1], right=True), 0, n_bins - 1)
    count = np.bincount(which, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_conf = np.bincount(which, conf, n_bins) / count
        acc = np.bincount(which, ok, n_bins) / count
    gaps = np.where(count > 0, np.abs(acc - mean_conf), 0.0)
    return Calibration(tuple(round(e, 6) for e in edges.tolist()), tuple(mean_conf.tolist()), tuple(acc.tolist()),
                       tuple(count.tolist()), float((count * gaps).sum() / conf.size))


@torch.no_grad()
def next_token_logits(model, ids) -> tuple[torch.Tensor, torch.Tensor]:
    """(logits (N - 1, V), targets (N - 1,)) for every next token of ``ids``, in windows of the
    model's context laid end to end (a token early in its window has a short context)."""
    ids = torch.as_tensor(np.asarray(ids, dtype=np.int64))
    T = model.config.block_size
    model.eval()
    logits = [model(ids[s:s + T + 1][None, :-1]).logits[0] for s in range(0, len(ids) - 1, T)]
    return torch.cat(logits).float(), ids[1:]


# ----------------------------------------------------------------------------- overlap metrics


def bleu(hypotheses: list[str], references: list[str]) -> float:
    """Corpus BLEU of ``hypotheses`` against one reference each (sacrebleu's defaults: up to
    4-grams, brevity penalty, its 13a tokenizer), from 0 to 100 (Papineni et al., 2002)."""
    import sacrebleu

    return float(sacrebleu.corpus_bleu(list(hypotheses), [list(references)]).score)


def rouge(hypotheses: list[str], references: list[str],
          kinds: tuple[str, ...] = ("rouge1", "rouge2", "rougeL")) -> dict[str, float]:
    """Mean ROUGE F-measure of each kind (rouge-score, no stemming), from 0 to 1 (Lin, 2004):
    unigram and bigram overlap, and the longest common subsequence."""
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(list(kinds))
    scores = [scorer.score(ref, hyp) for hyp, ref in zip(hypotheses, references, strict=True)]
    return {k: float(np.mean([s[k].fmeasure for s in scores])) for k in kinds}
