"""Training checkpoints: weights, optimizer moments and RNG states, so a run resumes exactly.

Lesson: lessons/09_training.en.md.  Command: ``lmlab train --resume``.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from lmlab.checkpoint import atomic_write
from lmlab.gpt import GPT
from lmlab.training.config import TrainConfig


def save_checkpoint(out: Path, model: GPT, opt: torch.optim.Optimizer, step: int,
                    gen: torch.Generator, cfg: TrainConfig, log: list[dict],
                    runs: list[dict], world_size: int = 1) -> None:
    """Model (GPT-2 layout), optimizer moments and RNG states, each file written atomically."""
    tensors = {"rng/batches": gen.get_state(), "rng/torch": torch.get_rng_state()}
    for i, st in enumerate(opt.state.values()):
        for k, v in st.items():
            v = v.detach().cpu().clone().reshape(-1) if v.dim() == 0 else v.cpu().contiguous()
            tensors[f"opt/{i}/{k}"] = v
    atomic_write(out / "optimizer.safetensors", lambda p: save_file(tensors, p))
    model.save_pretrained(out, {"lmlab_step": step})
    state = {"step": step, "config": asdict(cfg), "log": log, "runs": runs,
             "world_size": world_size}
    atomic_write(out / "train_state.json", lambda p: Path(p).write_text(json.dumps(state)))


def load_checkpoint(out: Path, model: GPT, opt: torch.optim.Optimizer,
                    gen: torch.Generator) -> dict:
    """Restore what ``save_checkpoint`` wrote; returns the training state (step, log, runs)."""
    state = json.loads((out / "train_state.json").read_text())
    config = json.loads((out / "config.json").read_text())
    if config.get("lmlab_step") != state["step"]:
        raise ValueError(f"{out}: model and training state are from different steps")
    loaded = GPT.from_pretrained(out)
    model.load_state_dict(loaded.state_dict())
    tensors = load_file(str(out / "optimizer.safetensors"))
    params = [p for g in opt.param_groups for p in g["params"]]
    for i, p in enumerate(params):
        st = {k.split("/")[2]: v for k, v in tensors.items() if k.startswith(f"opt/{i}/")}
        if "step" in st:  # Adam's step count is a 0-d tensor (SGD has only a momentum buffer)
            st["step"] = st["step"].reshape(())
        if st:
            st = {k: v if k == "step" else v.to(p.device) for k, v in st.items()}
            opt.state[p] = st
    gen.set_state(tensors["rng/batches"])
    torch.set_rng_state(tensors["rng/torch"])
    return state
