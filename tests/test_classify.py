"""Genre classifier: split by whole plays (no leakage), balanced held-out set, metrics equal to
scikit-learn's, the shipped delta is small and beats the majority baseline on held-out plays.

Run: python -m pytest tests/test_classify.py   (the held-out evaluation is marked slow)
"""

import numpy as np
import pytest
import torch
from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support

from lmlab.data import load_works
from lmlab.evaluate import classification_metrics
from lmlab.explain.classifier import (
    SHIPPED_CLASSIFIER,
    ClassifierConfig,
    evaluate_classifier,
    finetune,
    load_minilm,
)
from lmlab.explain.passages import (
    DEV_PLAYS,
    LABELS,
    evaluation_set,
    plays,
    spoken_lines,
    training_set,
)
from lmlab.models import load_classifier


def test_spoken_lines_drop_cast_headings_speakers_and_directions():
    play = ("HAMLET\n\nPERSONS REPRESENTED.\nClaudius, King.\n\nACT I.\n\nScene I. Elsinore.\n\n"
            "[Enter Bernardo\nand Francisco.]\n\nBer.\nWho's there? [Aside.]\n\nFRANCISCO.\n"
            "Nay, answer me: stand,\nand unfold yourself.\n\nMRS. PAGE.\nLong live the king!")
    assert spoken_lines(play) == ["Who's there?", "Nay, answer me: stand,",
                                  "and unfold yourself.", "Long live the king!"]


@pytest.mark.parametrize("dev", [False, True])
def test_no_play_is_in_both_train_and_eval(dev):
    train, held = set(plays("train", dev)), set(plays("eval", dev))
    assert train and held and not train & held
    assert {p.slug for p in training_set(8, 300, dev)} <= train
    assert {p.slug for p in evaluation_set(8, 20, dev)} == held


def test_eval_plays_are_the_six_held_out_plays_and_no_poetry():
    works = {w.slug: w for w in load_works()}
    want = {s for s, w in works.items() if w.split in ("val", "test") and w.genre != "poetry"}
    assert set(plays("eval")) == want and len(want) == 6
    assert not set(DEV_PLAYS) & want
    assert all(works[s].genre in LABELS for s in plays("train") + plays("eval"))


def test_evaluation_set_is_balanced_and_deterministic():
    cfg = ClassifierConfig()
    a = evaluation_set(cfg.n_lines, cfg.eval_per_play)
    assert a == evaluation_set(cfg.n_lines, cfg.eval_per_play)
    counts = {g: sum(p.genre == g for p in a) for g in LABELS}
    assert len(set(counts.values())) == 1 and counts["comedy"] == 2 * cfg.eval_per_play
    assert all(len(p.text.split("\n")) == cfg.n_lines for p in a)


def test_training_set_is_balanced():
    passages = training_set(8, 200)
    assert [sum(p.genre == g for p in passages) for g in LABELS] == [200, 200, 200]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_metrics_equal_sklearn(seed):
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, 3, 200)
    y_pred = np.where(rng.random(200) < 0.5, y_true, rng.integers(0, 2, 200))  # 2 is rare
    ours = classification_metrics(y_true, y_pred, 3)
    p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, average="macro",
                                                 labels=[0, 1, 2], zero_division=0)
    assert ours["accuracy"] == pytest.approx(accuracy_score(y_true, y_pred), abs=1e-12)
    assert (ours["macro_precision"], ours["macro_recall"], ours["macro_f1"]) == \
        pytest.approx((p, r, f), abs=1e-12)
    assert ours["confusion_matrix"] == confusion_matrix(y_true, y_pred, labels=[0, 1, 2]).tolist()


def test_metrics_when_a_class_is_never_predicted():
    ours = classification_metrics([0, 1, 2, 2], [0, 0, 0, 0], 3)
    p, r, f, _ = precision_recall_fscore_support([0, 1, 2, 2], [0, 0, 0, 0], average="macro",
                                                 labels=[0, 1, 2], zero_division=0)
    assert (ours["macro_precision"], ours["macro_recall"], ours["macro_f1"]) == \
        pytest.approx((p, r, f))
    assert ours["majority_accuracy"] == 0.5


def test_shipped_classifier_is_a_small_delta_over_minilm():
    from safetensors.torch import load_file

    path = SHIPPED_CLASSIFIER / "model.safetensors"
    assert path.stat().st_size <= 20 * 2**20
    delta = load_file(str(path))
    assert any(k.startswith("head.") for k in delta)
    base, model = load_minilm().state_dict(), load_classifier()
    ours = model.state_dict()
    for name, t in base.items():  # everything outside the delta is MiniLM's own weight
        if "encoder." + name not in delta:
            assert torch.equal(ours["encoder." + name], t), name
    for name, t in delta.items():
        assert torch.equal(ours[name], t), name


@pytest.mark.slow
def test_finetune_is_deterministic():
    cfg = ClassifierConfig(train_per_class=8, tuned_layers=1, epochs=1, batch_size=8)
    a, facts = finetune(cfg)
    b, _ = finetune(cfg)
    assert facts["train_passages"] == 24
    for (name, x), y in zip(a.state_dict().items(), b.state_dict().values(), strict=False):
        assert torch.equal(x, y), name


@pytest.fixture(scope="module")
def held_out():
    return evaluate_classifier(predictions=True)


@pytest.mark.slow
def test_shipped_classifier_beats_majority_baseline_on_held_out_plays(held_out):
    r = held_out
    assert r["plays"] == plays("eval") and r["n_passages"] == 600
    assert r["majority_accuracy"] == pytest.approx(1 / 3, abs=1e-4)
    assert r["accuracy"] > r["majority_accuracy"] + 0.15
    assert r["macro_f1"] > 0.5
    assert np.array(r["confusion_matrix"]).sum() == r["n_passages"]


@pytest.mark.slow
def test_reported_metrics_equal_sklearn_on_the_predictions(held_out):
    y_true, y_pred = held_out["y_true"], held_out["y_pred"]
    p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, average="macro",
                                                 zero_division=0)
    assert held_out["accuracy"] == pytest.approx(accuracy_score(y_true, y_pred), abs=1e-4)
    assert (held_out["macro_precision"], held_out["macro_recall"], held_out["macro_f1"]) == \
        pytest.approx((p, r, f), abs=1e-4)
    assert held_out["confusion_matrix"] == confusion_matrix(y_true, y_pred).tolist()


def test_cli_finetune_refuses_bad_settings(capsys):
    from lmlab.cli import main
    from lmlab.explain.classifier import SHIPPED_CLASSIFIER

    assert main(["finetune", "--dev", "--out", str(SHIPPED_CLASSIFIER), "--overwrite-shipped"]) == 2
    assert "--dev models" in capsys.readouterr().err
    assert main(["finetune", "--dev", "--out", str(SHIPPED_CLASSIFIER)]) == 2
    assert "under assets/" in capsys.readouterr().err
    assert main(["finetune", "--out", "runs/x", "--tuned-layers", "9"]) == 2
    assert "--tuned-layers" in capsys.readouterr().err
