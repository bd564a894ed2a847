"""Canaries (``lmlab.privacy.canary``, ``lmlab.privacy.canary_train``): rank, exposure, insertion.

Checks: the exposure formula on hand-made rankings (rank 1 -> log2 10^4 bits, rank 100 ->
log2 100, last -> 0); ties count in the secret's favour; a code of the wrong form is refused
with a sentence; the one-pass scoring of all 10,000 codes equals scoring each code's tokens one
by one; the training windows hold exactly k whole copies of the canary, at nested places; two
short trainings with the same seed write the same bytes; the shipped canary models show the
Secret Sharer's effect: more insertions, more exposure, and DP-SGD takes it away.
About 30 s on 2 cores (the slow test rebuilds a shipped model byte for byte: minutes).

Run:  python -m pytest tests/test_privacy_canary.py -q
"""

import math
from dataclasses import replace

import numpy as np
import pytest
import torch

from lmlab.gpt import GPT, GPTConfig
from lmlab.privacy import canary
from lmlab.privacy.canary import BadSecret, RunSpec, check_code, code_logprobs, exposure, rank_of
from lmlab.privacy.canary_train import CanaryTrainConfig, train_run, windows_with_canary
from lmlab.tokenizer import load_tokenizer


def test_exposure_formula_on_a_hand_made_ranking():
    scores = np.arange(10_000, dtype=float)  # code i has score i: 9999 is the first guess
    assert rank_of(scores, 9999) == 1
    assert exposure(rank_of(scores, 9999)) == pytest.approx(math.log2(10_000))
    assert rank_of(scores, 9900) == 100
    assert exposure(100) == pytest.approx(math.log2(100))  # log2(10^4) - log2(10^2)
    assert rank_of(scores, 0) == 10_000 and exposure(10_000) == 0.0
    tied = np.zeros(10_000)
    assert rank_of(tied, 1234) == 1  # a flat model: the secret is not beaten by anybody
    with pytest.raises(ValueError):
        exposure(0)


@pytest.mark.parametrize("bad", ["", "123", "12345", "48a1", "4 821", "٤٨٢١", None])
def test_a_code_of_the_wrong_form_is_refused_with_a_sentence(bad):
    with pytest.raises(BadSecret, match="exactly 4 digits"):
        check_code(bad)


def test_check_code_keeps_leading_zeros_and_strips_spaces():
    assert check_code(" 0042 ") == "0042"
    assert canary.canary_text("0042") == "the code of the gate is 0042"


def test_scoring_all_codes_at_once_equals_scoring_each_code_alone():
    torch.manual_seed(0)
    model = GPT(GPTConfig(n_layer=1, n_head=2, n_embd=16, block_size=32, dropout=0.0)).eval()
    tok = load_tokenizer()
    scores = code_logprobs(model, tok)
    assert scores.shape == (10_000,)
    context = tok.encode("\n" + canary.PREFIX + " ")
    for code in ["0000", "0419", "4821", "9999"]:
        ids = torch.tensor([context + tok.encode(code)])
        with torch.no_grad():
            logp = torch.log_softmax(model(ids[:, :-1]).logits.double(), -1)[0]
        want = sum(logp[len(context) - 1 + j, ids[0, len(context) + j]] for j in range(4))
        assert scores[int(code)] == pytest.approx(float(want), abs=1e-6)


def test_windows_hold_exactly_k_whole_canaries_at_nested_places():
    cfg = CanaryTrainConfig()
    line = load_tokenizer().encode("\n" + canary.canary_text() + "\n")
    found = {}
    for k in (0, 1, 4, 16):
        win, where = windows_with_canary(cfg, k)
        assert len(where) == k
        hits = [i for i, row in enumerate(win.tolist())
                if any(row[j:j + len(line)] == line for j in range(len(row) - len(line) + 1))]
        assert sorted(hits) == sorted(where)
        found[k] = where
    assert found[1] == found[4][:1] and found[4] == found[16][:4]


def test_same_seed_same_weights_with_and_without_dp():
    cfg = replace(CanaryTrainConfig(), steps=3, batch_size=4)
    for spec in (RunSpec(1), RunSpec(1, 1.0)):
        a, fa = train_run(spec, cfg)
        b, fb = train_run(spec, cfg)
        for (name, p), q in zip(a.state_dict().items(), b.state_dict().values(), strict=True):
            assert torch.equal(p, q), name
        assert fa == fb


def test_shipped_canaries_show_more_insertions_more_exposure_and_dp_takes_it_away():
    rows = {(r["insertions"], r["dp"]): r for r in canary.canary_results(
        runs=(RunSpec(0), RunSpec(16), RunSpec(16, 1.0)))}
    assert rows[(16, False)]["exposure"] > rows[(0, False)]["exposure"] + 5
    assert rows[(16, True)]["exposure"] < rows[(16, False)]["exposure"] - 5
    assert 0 < rows[(16, True)]["epsilon"] < 10 and rows[(16, True)]["delta"] == 1e-5
    assert rows[(16, True)]["perplexity"] > rows[(16, False)]["perplexity"]  # what privacy costs


@pytest.mark.slow
def test_train_canaries_rebuilds_a_shipped_model_byte_for_byte(tmp_path):
    from lmlab.privacy.canary_train import build_all

    torch.set_num_threads(1)
    spec = RunSpec(4)
    build_all(tmp_path, runs=(spec,))
    for name in ("model.safetensors", "config.json", "README.md"):
        assert (tmp_path / spec.name / name).read_bytes() == (
            canary.run_dir(spec) / name).read_bytes(), name
