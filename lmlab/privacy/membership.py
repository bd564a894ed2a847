"""Membership inference: can anyone tell, from the model alone, whether a passage was trained on?

Lesson: lessons/13_privacy.en.md.  Command: ``lmlab privacy``.  Tab: Privacy (membership ROC).

The simplest attack (Yeom et al. 2018; Shokri et al. 2017 train shadow models for the same
question) guesses "member" when the model's loss on a passage is below a threshold: a model
tends to be less surprised by text it was trained on.  Sweep the threshold and plot the true
positive rate against the false positive rate: the ROC curve.  Its area (AUC) is the chance that
a random member scores as "more member-like" than a random non-member: 0.5 is a coin toss, 1.0
a perfect attack.

Some passages are easy for any model (a list of names, a repeated refrain).  The *calibrated*
attack subtracts a reference model's loss on the same passage (Carlini et al. 2021 compare a
large and a small model; Watson et al. 2022 call it difficulty calibration): what is left is
how much better the target does than a model that knows the language but memorised less.

>>> auc([0.9, 0.8, 0.3, 0.1], [1, 1, 0, 0]), auc([0.5, 0.5], [1, 0])
(1.0, 0.5)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PASSAGE_TOKENS = 64  # tokens per passage (the first is context only)
N_PASSAGES = 250  # members and non-members each


# ----------------------------------------------------------------------------- ROC and AUC


def roc_curve(scores, labels) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(false positive rates, true positive rates, thresholds): "member" when score >= threshold.

    Thresholds go from +inf (nobody is a member: (0, 0)) down through every distinct score
    (everybody: (1, 1)); tied scores move the curve diagonally, as scikit-learn's does.
    """
    s, y = np.asarray(scores, dtype=np.float64), np.asarray(labels).astype(bool)
    if y.all() or not y.any():
        raise ValueError("need both members and non-members to draw an ROC curve")
    order = np.argsort(-s, kind="mergesort")
    s, y = s[order], y[order]
    last_of_tie = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]  # end of each run of equal scores
    tp = np.cumsum(y)[last_of_tie]
    fp = (last_of_tie + 1) - tp
    tpr = np.r_[0.0, tp / y.sum()]
    fpr = np.r_[0.0, fp / (~y).sum()]
    return fpr, tpr, np.r_[np.inf, s[last_of_tie]]


def auc(scores, labels) -> float:
    """Area under the ROC curve (trapezoids), equal to sklearn.metrics.roc_auc_score."""
    fpr, tpr, _ = roc_curve(scores, labels)
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))


def tpr_at_fpr(scores, labels, fpr_max: float = 0.05) -> float:
    """The attack's true positive rate when it may wrongly accuse at most ``fpr_max`` of outsiders."""
    fpr, tpr, _ = roc_curve(scores, labels)
    return float(tpr[fpr <= fpr_max].max())


# ----------------------------------------------------------------------------- passages


SIDES = {"train": ("train",), "heldout": ("val", "test")}  # members; non-members


def passages(side: str, n: int = N_PASSAGES, length: int = PASSAGE_TOKENS,
             seed: int = 0) -> np.ndarray:
    """(n, length) ids: passages from random lines of the training works (``"train"``, members)
    or of the held-out works (``"heldout"``: val and test, non-members), never crossing works.

    Each passage starts at the beginning of a random line (works weighted by their length) and
    runs on for ``length`` tokens; only that stretch of text is tokenized, so drawing 250
    passages costs a fraction of a second rather than tokenizing every work.
    """
    from lmlab.data import read_work, works_in
    from lmlab.tokenizer import load_tokenizer

    if side not in SIDES:
        raise ValueError(f"side must be train or heldout, not {side!r}")
    tok, rng = load_tokenizer(), np.random.default_rng(seed + (side == "heldout"))
    works = [w for split in SIDES[side] for w in works_in(split)]
    weights = np.array([w.n_chars for w in works], dtype=float)
    rows = []
    while len(rows) < n:
        text = read_work(works[rng.choice(len(works), p=weights / weights.sum())].slug)
        start = text.find("\n", int(rng.integers(0, len(text)))) + 1
        ids = tok.encode(text[start:start + 8 * length])  # a BPE token is < 8 characters here
        if start > 0 and len(ids) > length:
            rows.append(ids[:length])
    return np.array(rows, dtype=np.int64)


def passage_losses(model, rows: np.ndarray, batch: int = 64) -> np.ndarray:
    """(n,) mean -ln p of tokens 1.. of each row under a GPT, each row read on its own."""
    import torch
    import torch.nn.functional as F

    out = []
    model.eval()
    with torch.no_grad():
        for i in range(0, len(rows), batch):
            x = torch.from_numpy(rows[i:i + batch])
            logits = model(x[:, :-1]).logits
            nll = F.cross_entropy(logits.transpose(1, 2), x[:, 1:], reduction="none")
            out.append(nll.mean(1).double().numpy())
    return np.concatenate(out)


def ngram_losses(rows: np.ndarray, order: int = 2) -> np.ndarray:
    """(n,) the same, under an n-gram model of the training works (``lmlab.compare``)."""
    from lmlab.compare import ngram_model

    logp = ngram_model(order).token_logprobs(list(rows))  # every token but each row's first
    return -logp.reshape(len(rows), -1).mean(1)


# ----------------------------------------------------------------------------- the attack


@dataclass(frozen=True)
class Membership:
    """The loss-threshold attack and its calibrated variant, on the same passages."""

    auc: float  # score = -loss of the target
    calibrated_auc: float  # score = reference loss - target loss
    members: int
    nonmembers: int
    reference: str  # the reference model's name
    fpr: np.ndarray  # ROC of the plain attack
    tpr: np.ndarray
    cal_fpr: np.ndarray  # ROC of the calibrated one
    cal_tpr: np.ndarray
    member_loss: float  # mean target loss on members, nats per token
    nonmember_loss: float  # on non-members
    tpr_at_5: float  # plain attack's TPR at 5% FPR

    def to_json(self) -> dict:
        return {"auc": round(self.auc, 4), "calibrated_auc": round(self.calibrated_auc, 4),
                "members": self.members, "nonmembers": self.nonmembers,
                "reference": self.reference, "member_loss": round(self.member_loss, 4),
                "nonmember_loss": round(self.nonmember_loss, 4),
                "tpr_at_5pct_fpr": round(self.tpr_at_5, 4)}


def membership(model, reference, reference_name: str, n: int = N_PASSAGES,
               length: int = PASSAGE_TOKENS, seed: int = 0) -> Membership:
    """Members: ``n`` training passages; non-members: ``n`` held-out ones; both attacks' ROC."""
    rows = np.concatenate([passages("train", n, length, seed), passages("heldout", n, length, seed)])
    labels = np.r_[np.ones(n, bool), np.zeros(n, bool)]
    loss = passage_losses(model, rows)
    ref = ngram_losses(rows) if reference is None else passage_losses(reference, rows)
    fpr, tpr, _ = roc_curve(-loss, labels)
    cfpr, ctpr, _ = roc_curve(ref - loss, labels)
    return Membership(auc(-loss, labels), auc(ref - loss, labels), n, n, reference_name,
                      fpr, tpr, cfpr, ctpr, float(loss[labels].mean()),
                      float(loss[~labels].mean()), tpr_at_fpr(-loss, labels))
