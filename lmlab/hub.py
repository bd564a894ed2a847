"""Safe model loading: safetensors only, no remote code, hub ids checked before any request.

Lesson: lessons/07_generation.en.md.  Tab: Generate (model picker).

A PyTorch ``.bin`` checkpoint is a pickle, and unpickling runs code chosen by whoever wrote the
file.  ``safetensors`` files hold only tensors, so this module loads nothing else.  Hub ids
(``gpt2``, ``distilgpt2``, ``user/name``) are opt-in, for a machine that is online (a Space); the
default app and every test work from local folders.
"""

from __future__ import annotations

import re
from pathlib import Path

HUB_ID = re.compile(r"^(?:[A-Za-z0-9][A-Za-z0-9._-]{0,95}/)?[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")
PICKLE_NAMES = ("pytorch_model.bin", "model.bin", "pytorch_model.pt", "model.pt", "model.ckpt")


class CheckpointError(ValueError):
    """A checkpoint that cannot be loaded; the message says what to do."""


def check_folder(folder: Path) -> Path:
    """``folder`` if it holds ``config.json`` and ``model.safetensors``, else a clear error."""
    if not folder.is_dir():
        raise CheckpointError(f"{folder} is not a folder; give a checkpoint folder")
    if not (folder / "model.safetensors").is_file():
        if any((folder / name).exists() for name in PICKLE_NAMES):
            raise CheckpointError(
                f"{folder} holds only a pickle checkpoint (.bin/.pt), which can run code when "
                "loaded; convert it to model.safetensors first")
        raise CheckpointError(f"{folder} has no model.safetensors")
    if not (folder / "config.json").is_file():
        raise CheckpointError(f"{folder} has no config.json")
    return folder


def is_hub_id(name: str) -> bool:
    """True for names shaped like ``gpt2`` or ``user/model-name`` (no paths, no URLs)."""
    return bool(HUB_ID.match(name)) and ".." not in name


def download(hub_id: str) -> Path:
    """Fetch ``config.json`` and ``model.safetensors`` of a hub model (online machines only)."""
    if not is_hub_id(hub_id):
        raise CheckpointError(f"{hub_id!r} is not a model id like 'gpt2' or 'user/model'")
    try:
        from huggingface_hub import snapshot_download

        folder = Path(snapshot_download(hub_id, allow_patterns=["config.json",
                                                                "model.safetensors"]))
    except Exception as exc:  # offline, unknown id, gated model, ...
        raise CheckpointError(f"could not fetch {hub_id!r} from the model hub (no network, or "
                              f"no such model): {type(exc).__name__}") from None
    return check_folder(folder)


def resolve_checkpoint(path_or_id: str | Path) -> Path:
    """A local checkpoint folder for ``path_or_id``: a folder as is, else a hub id, fetched."""
    path = Path(path_or_id)
    if path.exists():
        return check_folder(path)
    name = str(path_or_id)
    if "/" in name and (name.startswith((".", "/", "~")) or name.count("/") > 1):
        raise CheckpointError(f"{name} does not exist")
    return download(name)


def load_hub_tokenizer(hub_id: str):
    """The tokenizer of a hub model (``tokenizer.json``: data, not code), as an lmlab Tokenizer."""
    from lmlab.tokenizer import Tokenizer

    if not is_hub_id(hub_id):
        raise CheckpointError(f"{hub_id!r} is not a model id like 'gpt2' or 'user/model'")
    try:
        from transformers import AutoTokenizer

        fast = AutoTokenizer.from_pretrained(hub_id, use_fast=True, trust_remote_code=False)
    except Exception as exc:
        raise CheckpointError(f"could not fetch the tokenizer of {hub_id!r} (no network, or no "
                              f"such model): {type(exc).__name__}") from None
    return Tokenizer(fast.backend_tokenizer)
