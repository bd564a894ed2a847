"""Training: the loss falls, a seed fixes the weights, a resumed run equals an uninterrupted one,
checkpoints are safetensors written atomically, and perplexity windows score every token once.

Run: python -m pytest tests/test_train.py
"""

import json

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from lmlab.checkpoint import atomic_write
from lmlab.evaluate import perplexity, token_nll
from lmlab.gpt import GPT, GPTConfig
from lmlab.training import TrainConfig, lr_at, train

TINY = GPTConfig(vocab_size=2048, block_size=16, n_layer=1, n_head=2, n_embd=16, dropout=0.1)


def tiny_cfg(steps):
    return TrainConfig(model=TINY, batch_size=4, max_steps=steps, lr=3e-3, min_lr=3e-4,
                       warmup_steps=2, eval_interval=3, eval_windows=4, seed=7)


def weights(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


def test_same_seed_gives_the_same_weights(tmp_path):
    a = weights(train(tiny_cfg(4), tmp_path / "a", progress=False))
    b = weights(train(tiny_cfg(4), tmp_path / "b", progress=False))
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_resumed_run_equals_an_uninterrupted_one(tmp_path):
    whole = weights(train(tiny_cfg(6), tmp_path / "whole", progress=False))
    train(tiny_cfg(3), tmp_path / "split", progress=False)  # stops after a checkpoint at 3
    resumed = weights(train(tiny_cfg(6), tmp_path / "split", resume=True, progress=False))
    for k in whole:
        assert torch.allclose(whole[k], resumed[k], atol=1e-6), k


def test_loss_falls_on_the_corpus(tmp_path):
    cfg = tiny_cfg(60)
    cfg.lr, cfg.batch_size, cfg.eval_interval = 1e-2, 8, 20
    model = train(cfg, tmp_path, progress=False)
    log = json.loads((tmp_path / "train_state.json").read_text())["log"]
    assert log[-1]["val_loss"] < np.log(2048) - 1.0  # far below a uniform guess
    assert log[-1]["val_loss"] < log[0]["val_loss"] - 0.1  # and still falling
    assert model.training is False


def test_resume_refuses_step_6_weights_beside_step_3_optimizer_state(tmp_path):
    from lmlab.training.checkpoints import MixedCheckpoint

    train(tiny_cfg(3), tmp_path, progress=False)  # a checkpoint at step 3
    old = (tmp_path / "optimizer.safetensors").read_bytes()
    train(tiny_cfg(6), tmp_path, resume=True, progress=False)  # and at step 6
    (tmp_path / "optimizer.safetensors").write_bytes(old)  # a crash mid-save, simulated
    with pytest.raises(MixedCheckpoint, match="optimizer.safetensors is not the file saved at "
                                              "step 6.*without --resume"):
        train(tiny_cfg(9), tmp_path, resume=True, progress=False)
    (tmp_path / "checkpoint.json").unlink()
    with pytest.raises(MixedCheckpoint, match="no readable checkpoint.json"):
        train(tiny_cfg(9), tmp_path, resume=True, progress=False)


def test_checkpoint_files_are_safetensors_and_no_temp_files_remain(tmp_path):
    train(tiny_cfg(3), tmp_path, progress=False)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["checkpoint.json", "config.json", "model.safetensors",
                     "optimizer.safetensors", "train_state.json"]
    assert "transformer.wte.weight" in load_file(str(tmp_path / "model.safetensors"))


def test_a_crash_while_saving_leaves_the_previous_file(tmp_path):
    target = tmp_path / "model.safetensors"
    target.write_bytes(b"previous")

    def crash(path):
        open(path, "wb").write(b"half a fi")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(target, crash)
    assert target.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["model.safetensors"]


def test_learning_rate_warms_up_then_decays_along_a_cosine():
    cfg = TrainConfig(max_steps=100, warmup_steps=10, lr=1.0, min_lr=0.1)
    lrs = [lr_at(s, cfg) for s in range(101)]
    assert lrs[9] == pytest.approx(1.0) and lrs[100] == pytest.approx(0.1)
    assert all(a <= b for a, b in zip(lrs[:10], lrs[1:10], strict=False))
    assert all(a >= b for a, b in zip(lrs[10:], lrs[11:], strict=False))
    assert lrs[55] == pytest.approx(0.55)


@pytest.mark.parametrize("n", [2, 15, 16, 17, 40, 101])
def test_sliding_windows_score_every_token_once_with_enough_context(n):
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=40, block_size=16, n_layer=1, n_head=2, n_embd=8)).eval()
    ids = np.random.default_rng(n).integers(0, 40, n)
    nll = token_nll(model, ids, stride=8)
    assert nll.shape == (n - 1,) and np.isfinite(nll).all()
    with torch.no_grad():  # token i with exactly the context the windows give it
        for i in range(1, n):
            start = 0 if i <= 16 else ((i - 16 - 1) // 8 + 1) * 8
            logp = torch.log_softmax(model(torch.tensor(ids[start:i])[None]).logits[0, -1].double(), -1)
            assert nll[i - 1] == pytest.approx(-logp[ids[i]].item(), abs=1e-5)
    assert perplexity(model, ids, stride=8).perplexity == pytest.approx(np.exp(nll.mean()))
