"""Training checkpoints: weights, optimizer moments and RNG states, so a run resumes exactly.

Lesson: lessons/09_training.en.md.  Command: ``lmlab train --resume``.

A checkpoint is four files, each replaced atomically (``lmlab.checkpoint.atomic_write``: file
and folder fsynced before and after the rename), but one after another: a crash between two
leaves a mix, say step-4 weights beside step-2 optimizer moments.  So a fifth file,
``checkpoint.json``, is written last: the step and the sha256 of each of the four.  Resuming
checks it and refuses a mix with a sentence saying what to do.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from lmlab.checkpoint import atomic_write
from lmlab.gpt import GPT
from lmlab.training.config import TrainConfig

MANIFEST = "checkpoint.json"  # written last: {"step": n, "files": {name: sha256}}
FILES = ("optimizer.safetensors", "model.safetensors", "config.json", "train_state.json")


class MixedCheckpoint(ValueError):
    """A checkpoint whose files are not all from one save; the message says what to do."""


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def save_checkpoint(out: Path, model: GPT, opt: torch.optim.Optimizer, step: int,
                    gen: torch.Generator, cfg: TrainConfig, log: list[dict],
                    runs: list[dict], world_size: int = 1) -> None:
    """Model (GPT-2 layout), optimizer moments and RNG states, each file written atomically and
    tagged with ``step``; then the manifest of all four."""
    tensors = {"rng/batches": gen.get_state(), "rng/torch": torch.get_rng_state()}
    for i, st in enumerate(opt.state.values()):
        for k, v in st.items():
            v = v.detach().cpu().clone().reshape(-1) if v.dim() == 0 else v.cpu().contiguous()
            tensors[f"opt/{i}/{k}"] = v
    atomic_write(out / "optimizer.safetensors",
                 lambda p: save_file(tensors, p, {"lmlab_step": str(step)}))
    model.save_pretrained(out, {"lmlab_step": step})
    state = {"step": step, "config": asdict(cfg), "log": log, "runs": runs,
             "world_size": world_size}
    atomic_write(out / "train_state.json", lambda p: Path(p).write_text(json.dumps(state)))
    manifest = {"step": step, "files": {name: sha256(out / name) for name in FILES}}
    atomic_write(out / MANIFEST, lambda p: Path(p).write_text(json.dumps(manifest, indent=1)))


def verify_checkpoint(out: Path) -> int:
    """The step of a whole checkpoint in ``out``; ``MixedCheckpoint`` if any file is missing or
    is not the one the manifest lists (a save that was interrupted)."""
    what = ("; train again without --resume (or into a new --out), or restore the folder from a "
            "copy")
    try:
        manifest = json.loads((out / MANIFEST).read_text())
        step, files = int(manifest["step"]), dict(manifest["files"])
    except (OSError, ValueError, KeyError, TypeError):
        raise MixedCheckpoint(f"{out} has no readable {MANIFEST}, so its files cannot be "
                              f"checked to be from one save{what}") from None
    for name in FILES:
        path = out / name
        if not path.is_file():
            raise MixedCheckpoint(f"{out} has no {name}{what}")
        if files.get(name) != sha256(path):
            raise MixedCheckpoint(f"{out} is a mixed checkpoint: {name} is not the file saved "
                                  f"at step {step} (a save was interrupted){what}")
    return step


def load_checkpoint(out: Path, model: GPT, opt: torch.optim.Optimizer,
                    gen: torch.Generator) -> dict:
    """Restore what ``save_checkpoint`` wrote, once ``verify_checkpoint`` found it whole;
    returns the training state (step, log, runs)."""
    step = verify_checkpoint(out)
    state = json.loads((out / "train_state.json").read_text())
    config = json.loads((out / "config.json").read_text())
    if not step == config.get("lmlab_step") == state["step"]:
        raise MixedCheckpoint(f"{out}: model and training state are from different steps")
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
