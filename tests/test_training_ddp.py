"""Data parallel: ``torchrun --nproc_per_node 2 ... lmlab train`` (gloo, 2 CPU processes on
half-batches) ends with the same weights as one process on the whole batch, to 1e-5; a batch
that does not divide among the ranks is refused.

Run: python -m pytest tests/test_training_ddp.py -k ddp   (about a minute: two processes start)
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from lmlab.checkpoint import from_hf_state_dict
from lmlab.gpt import GPTConfig
from lmlab.training import TrainConfig, train
from lmlab.training.distributed import local_batch_size

ROOT = Path(__file__).resolve().parents[1]
SHAPE = ["--block-size", "16", "--n-layer", "1", "--n-head", "2", "--n-embd", "16",
         "--dropout", "0", "--steps", "3", "--batch-size", "4", "--eval-interval", "3",
         "--lr", "3e-3", "--warmup", "2", "--seed", "7", "--device", "cpu"]


def torchrun(out: Path, *extra: str) -> subprocess.CompletedProcess:
    env = os.environ | {"PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
           "--no-python", sys.executable, "-m", "lmlab.cli", "train", "--out", str(out),
           "--quiet", "--no-card", *SHAPE, *extra]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600, cwd=ROOT)


@pytest.mark.slow
def test_ddp_two_ranks_on_half_batches_equal_one_process_on_the_whole_batch(tmp_path):
    run = torchrun(tmp_path / "ddp")
    assert run.returncode == 0, run.stderr[-3000:]
    cfg = TrainConfig(model=GPTConfig(vocab_size=2048, block_size=16, n_layer=1, n_head=2,
                                      n_embd=16, dropout=0.0),
                      batch_size=4, max_steps=3, lr=3e-3, min_lr=3e-4, warmup_steps=2,
                      eval_interval=3, seed=7, device="cpu")
    alone = train(cfg, tmp_path / "alone", progress=False).state_dict()
    ddp = from_hf_state_dict(load_file(str(tmp_path / "ddp" / "model.safetensors")))
    for k, v in ddp.items():
        assert torch.allclose(v, alone[k], atol=1e-5), k
    state = json.loads((tmp_path / "ddp" / "train_state.json").read_text())
    assert state["world_size"] == 2 and state["runs"][0]["world_size"] == 2
    assert sorted(p.name for p in (tmp_path / "ddp").iterdir()) == [
        "checkpoint.json", "config.json", "model.safetensors", "optimizer.safetensors", "train_state.json"]


def test_ddp_refuses_a_batch_that_does_not_divide_among_ranks():
    assert local_batch_size(6, 2) == 3
    with pytest.raises(ValueError, match="does not divide among 2 processes"):
        local_batch_size(5, 2)
