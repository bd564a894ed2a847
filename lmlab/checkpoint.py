"""Checkpoint I/O in GPT-2's own layout, so ``transformers`` opens ours and we open theirs.

Lesson: lessons/06_gpt.en.md.  Used by ``lmlab.gpt.GPT.save_pretrained`` / ``from_pretrained``.

A checkpoint folder holds ``config.json`` (a ``GPT2Config`` dict, plus our own config under
``"lmlab"``) and ``model.safetensors`` (tensors only: loading it runs no code).  GPT-2 stores its
matrices as ``Conv1D`` (in, out); ``nn.Linear`` keeps (out, in), so four kinds of weight are
transposed on the way in and out.  Every file is written atomically: readers never see half.

>>> to_hf_config({"vocab_size": 8, "block_size": 4, "n_layer": 1, "n_head": 1, "n_embd": 4,
...               "dropout": 0.0, "layer_norm_epsilon": 1e-5})["n_positions"]
4
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

_CONV1D = ("attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight")


def to_hf_config(config: dict) -> dict:
    """Our config (``asdict(GPTConfig)``) as a ``GPT2Config`` dict (dropouts and epsilon included)."""
    return {
        "model_type": "gpt2", "architectures": ["GPT2LMHeadModel"],
        "vocab_size": config["vocab_size"], "n_positions": config["block_size"],
        "n_layer": config["n_layer"], "n_head": config["n_head"], "n_embd": config["n_embd"],
        "embd_pdrop": config["dropout"], "attn_pdrop": config["dropout"],
        "resid_pdrop": config["dropout"], "layer_norm_epsilon": config["layer_norm_epsilon"],
        "activation_function": "gelu_new", "tie_word_embeddings": True,
        "lmlab": dict(config),
    }


def from_hf_config(d: dict, names: list[str] | None = None) -> dict:
    """A ``GPT2Config`` dict (ours or Hugging Face's) as ``GPTConfig`` keyword arguments.

    ``names``: the ``GPTConfig`` field names (our own config block is filtered to them).
    """
    if d.get("model_type") not in ("gpt2", None):
        raise ValueError(f"model_type {d.get('model_type')!r} is not GPT-2")
    if d.get("activation_function", "gelu_new") not in ("gelu_new", "gelu_pytorch_tanh"):
        raise ValueError(f"activation {d['activation_function']!r} is not GPT-2's tanh GELU")
    if "lmlab" in d:
        return {k: v for k, v in d["lmlab"].items() if names is None or k in names}
    try:
        return dict(vocab_size=d["vocab_size"], block_size=d.get("n_positions", 1024),
                    n_layer=d["n_layer"], n_head=d["n_head"], n_embd=d["n_embd"],
                    dropout=d.get("resid_pdrop", 0.1),
                    layer_norm_epsilon=d.get("layer_norm_epsilon", 1e-5))
    except KeyError as exc:
        raise ValueError(f"config.json has no {exc.args[0]!r}") from None


def to_hf_state_dict(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Our Linear weights are (out, in); GPT-2's Conv1D stores (in, out).  The tied head goes."""
    out = {}
    for name, t in state.items():
        if name == "lm_head.weight":
            continue
        out[name] = (t.t() if name.endswith(_CONV1D) else t).contiguous().clone()
    return out


def from_hf_state_dict(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Inverse of ``to_hf_state_dict``; also accepts the old hub layout without "transformer."."""
    out = {}
    for name, t in state.items():
        if name.endswith((".attn.bias", ".attn.masked_bias")):  # GPT-2's stored causal masks
            continue
        if not name.startswith(("transformer.", "lm_head.")):
            name = "transformer." + name
        out[name] = t.t() if name.endswith(_CONV1D) else t
    return out


# ----------------------------------------------------------------------------- files


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries (a rename is durable only once its folder is synced)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # not supported (Windows): the rename is still atomic
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, write) -> None:
    """Call ``write(tmp_path)``, fsync, then rename over ``path``: readers never see half a file."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; checkpoints are meant to be shared
        os.replace(tmp, path)
        fsync_dir(path.parent)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def write_checkpoint(out_dir: Path, hf_config: dict, state: dict[str, torch.Tensor]) -> None:
    """Write ``config.json`` + ``model.safetensors`` (GPT-2 layout), each atomically."""
    out_dir.mkdir(parents=True, exist_ok=True)
    tensors = to_hf_state_dict(state)
    atomic_write(out_dir / "model.safetensors", lambda p: save_file(tensors, p, {"format": "pt"}))
    atomic_write(out_dir / "config.json",
                 lambda p: Path(p).write_text(json.dumps(hf_config, indent=2) + "\n"))


def read_checkpoint(path_or_id: str | Path, names: list[str] | None = None
                    ) -> tuple[dict, dict[str, torch.Tensor]]:
    """(GPTConfig keyword arguments, state dict in our layout) of a folder or hub id.

    The safetensors header is checked against the config before any tensor is read
    (``lmlab.hub.check_shapes``); every failure is one ``CheckpointError`` sentence.
    """
    from safetensors import SafetensorError

    from lmlab.hub import CheckpointError, check_shapes, read_config, resolve_checkpoint

    folder = resolve_checkpoint(path_or_id)
    shown = str(path_or_id)
    raw = read_config(folder / "config.json", shown)
    try:
        config = from_hf_config(raw, names)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise CheckpointError(f"the config.json of {shown} is not a GPT-2 config: {exc}") from None
    check_shapes(folder, raw, shown)
    try:
        state = load_file(str(folder / "model.safetensors"))
    except (SafetensorError, OSError, RuntimeError, ValueError):
        raise CheckpointError(f"the model.safetensors of {shown} could not be read") from None
    return config, from_hf_state_dict(state)


# ----------------------------------------------------------------------------- output folders


class OutputFolderError(ValueError):
    """An output folder a command must not write into; the message says why and what to do."""


KINDS = {"gpt": "a GPT checkpoint (lmlab train / distill)",
         "classifier": "a genre classifier (lmlab finetune)"}


def checkpoint_kind(folder: Path) -> str | None:
    """``"gpt"``, ``"classifier"`` or None: what the ``config.json`` in ``folder`` describes."""
    try:
        config = json.loads((Path(folder) / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(config, dict):
        return None
    if config.get("model_type") == "gpt2":
        return "gpt"
    if "base_model" in config and "labels" in config:
        return "classifier"
    return None


def check_output_dir(path: str | Path, kind: str, overwrite_shipped: bool = False) -> Path:
    """The resolved ``path`` if a command that writes ``kind`` may write there, else an
    ``OutputFolderError``: never the repository root, never under assets/ unless
    ``overwrite_shipped`` (maintainers rebuilding a shipped model), never a non-empty folder
    that is not already a checkpoint of the same kind.

    >>> check_output_dir(Path(__file__).resolve().parents[1], "gpt")
    Traceback (most recent call last):
    ...
    lmlab.checkpoint.OutputFolderError: --out is the repository itself; give a folder of its own (e.g. runs/my-model)
    """
    from lmlab import ASSETS_DIR

    out, assets = Path(path).expanduser().resolve(), ASSETS_DIR.resolve()
    root = assets.parent
    if out == root or out in root.parents:
        raise OutputFolderError("--out is the repository itself; give a folder of its own "
                                "(e.g. runs/my-model)")
    if (out == assets or assets in out.parents) and not overwrite_shipped:
        raise OutputFolderError(f"--out {out.relative_to(root)} is under assets/, where the shipped "
                                "models live; write elsewhere (e.g. runs/my-model), or add "
                                "--overwrite-shipped to rebuild a shipped model on purpose")
    if out.exists() and not out.is_dir():
        raise OutputFolderError(f"--out {path} is a file, not a folder")
    if out.is_dir() and any(out.iterdir()) and checkpoint_kind(out) != kind:
        found = checkpoint_kind(out)
        what = f"holds {KINDS[found]}" if found else "is not empty and holds no checkpoint"
        raise OutputFolderError(f"--out {path} {what}; give an empty or new folder for "
                                f"{KINDS[kind]}")
    return out
