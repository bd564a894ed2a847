"""Membership inference (``lmlab.privacy.membership``): our ROC and AUC against scikit-learn's,
passages from the right works, and the attack on the shipped GPT.

Checks: ``roc_curve`` equals ``sklearn.metrics.roc_curve(drop_intermediate=False)`` and ``auc``
equals ``roc_auc_score`` to 1e-12 on random scores with many ties; perfect and reversed
attacks give 1 and 0; member passages come from the training works, non-members from the
held-out ones, none crossing a work boundary; on the shipped GPT members have the lower loss
and the attack beats a coin.  About 20 s on 2 cores.

Run:  python -m pytest tests/test_privacy_membership.py -q
"""

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score
from sklearn.metrics import roc_curve as sk_roc_curve

from lmlab.privacy.membership import auc, membership, passages, roc_curve, tpr_at_fpr


@pytest.mark.parametrize("seed", range(5))
def test_roc_and_auc_equal_scikit_learns_with_ties(seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 300)
    scores = np.round(rng.normal(size=300) + 0.7 * y, 1)  # rounded: many ties
    fpr, tpr, thr = roc_curve(scores, y)
    sk_fpr, sk_tpr, sk_thr = sk_roc_curve(y, scores, drop_intermediate=False)
    np.testing.assert_allclose(fpr, sk_fpr, atol=1e-12)
    np.testing.assert_allclose(tpr, sk_tpr, atol=1e-12)
    np.testing.assert_allclose(thr[1:], sk_thr[1:])
    assert auc(scores, y) == pytest.approx(roc_auc_score(y, scores), abs=1e-12)


def test_perfect_reversed_and_useless_attacks():
    y = np.r_[np.ones(50), np.zeros(50)]
    assert auc(np.r_[np.ones(50), np.zeros(50)], y) == 1.0
    assert auc(np.r_[np.zeros(50), np.ones(50)], y) == 0.0
    assert auc(np.zeros(100), y) == 0.5
    assert tpr_at_fpr(np.r_[np.ones(50), np.zeros(50)], y, 0.0) == 1.0
    with pytest.raises(ValueError, match="both members and non-members"):
        roc_curve([0.1, 0.2], [1, 1])


def test_passages_come_from_their_own_works_and_never_cross_one():
    from lmlab.data import split_texts
    from lmlab.tokenizer import load_tokenizer

    tok = load_tokenizer()
    texts = {side: [t for split in splits for t in split_texts(split)]
             for side, splits in (("train", ("train",)), ("heldout", ("val", "test")))}
    for side in ("train", "heldout"):
        rows = passages(side, n=20, length=32, seed=3)
        assert rows.shape == (20, 32) and not (rows == tok.eot_id).any()
        for row in rows:  # each passage is a stretch of one work of its own side
            assert any(tok.decode(row.tolist()) in t for t in texts[side])
    assert (passages("train", n=5, seed=1) == passages("train", n=5, seed=1)).all()
    with pytest.raises(ValueError):
        passages("val")


def test_the_attack_on_the_shipped_gpt_beats_a_coin():
    from lmlab.models import load_gpt

    r = membership(load_gpt("shakespeare"), load_gpt("shakespeare-distilled"), "student", n=60, length=48)
    assert r.members == r.nonmembers == 60
    assert r.member_loss < r.nonmember_loss
    assert 0.5 < r.auc <= 1 and 0 <= r.calibrated_auc <= 1
    assert r.fpr[0] == r.tpr[0] == 0 and r.fpr[-1] == r.tpr[-1] == 1
    assert set(r.to_json()) >= {"auc", "calibrated_auc", "members", "nonmembers"}
