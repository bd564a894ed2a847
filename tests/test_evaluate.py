"""lmlab.evaluate's lesson-10 measures against their references: calibration bins against
scikit-learn's ``calibration_curve``, next-token logits against the model's own forward pass,
BLEU and ROUGE at their known extremes and against sacrebleu / rouge-score called directly.

Run: ``python -m pytest tests/test_evaluate.py -q`` (a few seconds).
"""

import numpy as np
import pytest
import torch

from lmlab.evaluate import bleu, calibration, next_token_logits, rouge
from lmlab.gpt import GPT, GPTConfig


def test_calibration_bins_equal_scikit_learns_calibration_curve():
    sk = pytest.importorskip("sklearn.calibration")
    rng = np.random.default_rng(0)
    conf = rng.uniform(0, 1, 2000)
    correct = rng.uniform(0, 1, 2000) < conf ** 1.5  # overconfident on purpose
    cal = calibration(conf, correct, n_bins=10)
    frac, mean = sk.calibration_curve(correct, conf, n_bins=10, strategy="uniform")
    full = [i for i, n in enumerate(cal.count) if n]
    np.testing.assert_allclose(np.array(cal.accuracy)[full], frac, atol=1e-12)
    np.testing.assert_allclose(np.array(cal.confidence)[full], mean, atol=1e-12)
    gaps = np.abs(frac - mean) * np.array(cal.count)[full] / len(conf)
    assert cal.ece == pytest.approx(gaps.sum(), abs=1e-12) and cal.ece > 0.05


def test_a_calibrated_forecaster_has_a_small_ece_and_bad_inputs_are_refused():
    rng = np.random.default_rng(1)
    conf = rng.uniform(0, 1, 50_000)
    assert calibration(conf, rng.uniform(0, 1, 50_000) < conf).ece < 0.01
    with pytest.raises(ValueError):
        calibration([0.5], [1, 0])


def test_next_token_logits_are_the_models_own_over_windows_laid_end_to_end():
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=40, block_size=8, n_layer=1, n_head=2, n_embd=16)).eval()
    ids = torch.randint(40, (21,))
    logits, targets = next_token_logits(model, ids.tolist())
    assert logits.shape == (20, 40) and torch.equal(targets, ids[1:])
    with torch.no_grad():
        first = model(ids[None, :8]).logits[0]  # predicts ids[1..8]
        second = model(ids[None, 8:16]).logits[0]  # predicts ids[9..16]
    assert torch.allclose(logits[:8], first, atol=1e-6) and torch.allclose(logits[8:16], second, atol=1e-6)


def test_bleu_and_rouge_at_their_extremes_and_equal_to_the_libraries():
    import sacrebleu
    from rouge_score import rouge_scorer

    ref, hyp = "the king is dead and the queen weeps", "the king is not dead and the queen weeps"
    assert bleu([ref], [ref]) == pytest.approx(100.0)
    assert bleu(["xyz uvw rst"], [ref]) == 0.0
    assert rouge([ref], [ref]) == {"rouge1": 1.0, "rouge2": 1.0, "rougeL": 1.0}
    assert bleu([hyp], [ref]) == pytest.approx(sacrebleu.corpus_bleu([hyp], [[ref]]).score)
    expected = rouge_scorer.RougeScorer(["rougeL"]).score(ref, hyp)["rougeL"].fmeasure
    assert rouge([hyp], [ref], kinds=("rougeL",))["rougeL"] == pytest.approx(expected)
