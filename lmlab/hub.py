"""Safe model loading: safetensors only, no remote code, hub models opt-in, capped and checked.

Lesson: lessons/07_generation.en.md.  Tab: Generate (model picker).

A PyTorch ``.bin`` checkpoint is a pickle, and unpickling runs code chosen by whoever wrote the
file.  ``safetensors`` files hold only tensors, so this module loads nothing else.  Hub ids
(``gpt2``, ``distilgpt2``, ``user/name``) are for an online machine: the app's registry
(``lmlab.models``) refuses them unless the environment says ``LMLAB_HUB=1`` (an online Space,
``HubDisabled``), while a notebook or the CLI may fetch one directly (``GPT.from_pretrained``).
The default app and every test work from local folders.  Either way a hub model is checked in
three steps before any tensor is allocated:

1. ``config.json`` alone is fetched: the parameter count it implies must be at most
   ``LMLAB_HUB_MAX_PARAMS`` (default 200M; GPT-2 small is 124M, gpt2-xl 1.56B);
2. the size of ``model.safetensors`` (from the hub's file metadata) must be at most
   ``LMLAB_HUB_MAX_BYTES`` (default 1 GB);
3. the safetensors header (8 bytes of length, then JSON) must list exactly the tensors, with
   exactly the shapes, that the config implies (``check_shapes``).

>>> gpt2_parameters({"n_layer": 12, "n_embd": 768, "vocab_size": 50257, "n_positions": 1024})
124439808
"""

from __future__ import annotations

import json
import os
import re
import struct
from pathlib import Path

HUB_ID = re.compile(r"(?:[A-Za-z0-9][A-Za-z0-9._-]{0,95}/)?[A-Za-z0-9][A-Za-z0-9._-]{0,95}")
PICKLE_NAMES = ("pytorch_model.bin", "model.bin", "pytorch_model.pt", "model.pt", "model.ckpt")
MAX_PARAMS = 200_000_000  # default of LMLAB_HUB_MAX_PARAMS
MAX_BYTES = 1_000_000_000  # default of LMLAB_HUB_MAX_BYTES (model.safetensors)
MAX_HEADER_BYTES = 10_000_000  # a safetensors JSON header longer than this is refused
FLOAT_DTYPES = ("F16", "BF16", "F32", "F64")


class CheckpointError(ValueError):
    """A checkpoint that cannot be loaded; the message says what to do."""


class HubDisabled(CheckpointError):
    """A hub model asked for on a server where hub models are off (no ``LMLAB_HUB=1``)."""

    def __init__(self):
        super().__init__("hub models are off on this server; choose one of the shipped models")


def hub_enabled() -> bool:
    """True only where the environment opts in with ``LMLAB_HUB=1`` (an online Space)."""
    return os.environ.get("LMLAB_HUB") == "1"


def _limit(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


# ----------------------------------------------------------------------------- local folders


def check_folder(folder: Path, shown: str | None = None) -> Path:
    """``folder`` if it holds ``config.json`` and ``model.safetensors``, else a clear error.

    ``shown``: how the folder is named in messages (a hub id: never a server path).
    """
    shown = shown or str(folder)
    if not folder.is_dir():
        raise CheckpointError(f"{shown} is not a folder; give a checkpoint folder")
    if not (folder / "model.safetensors").is_file():
        if any((folder / name).exists() for name in PICKLE_NAMES):
            raise CheckpointError(
                f"{shown} holds only a pickle checkpoint (.bin/.pt), which can run code when "
                "loaded; convert it to model.safetensors first")
        raise CheckpointError(f"{shown} has no model.safetensors")
    if not (folder / "config.json").is_file():
        raise CheckpointError(f"{shown} has no config.json")
    return folder


def read_config(path: Path, shown: str) -> dict:
    """``config.json`` as a dict; a broken file is one sentence."""
    try:
        config = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise CheckpointError(f"the config.json of {shown} is not readable JSON") from None
    if not isinstance(config, dict):
        raise CheckpointError(f"the config.json of {shown} is not a JSON object")
    return config


def _dims(config: dict, shown: str) -> tuple[int, int, int, int]:
    """(n_layer, n_embd, vocab_size, n_positions) of a GPT-2 config (ours or Hugging Face's)."""
    c = config.get("lmlab") if isinstance(config.get("lmlab"), dict) else config
    keys = (("n_layer",), ("n_embd",), ("vocab_size",), ("n_positions", "block_size"))
    out = []
    for names in keys:
        v = next((c[k] for k in names if k in c), 1024 if names[0] == "n_positions" else None)
        if isinstance(v, bool) or not isinstance(v, int) or not 0 < v < 10**9:
            raise CheckpointError(f"the config.json of {shown} has no valid {names[0]}")
        out.append(v)
    return tuple(out)


def gpt2_parameters(config: dict, shown: str = "the checkpoint") -> int:
    """Parameters a GPT-2 config implies (the tied head counted once)."""
    n_layer, c, vocab, positions = _dims(config, shown)
    return vocab * c + positions * c + n_layer * (12 * c * c + 13 * c) + 2 * c


def expected_shapes(config: dict, shown: str = "the checkpoint") -> dict[str, tuple[int, ...]]:
    """Every tensor of a GPT-2 checkpoint in Hugging Face's layout (Conv1D: (in, out))."""
    n_layer, c, vocab, positions = _dims(config, shown)
    shapes = {"transformer.wte.weight": (vocab, c), "transformer.wpe.weight": (positions, c),
              "transformer.ln_f.weight": (c,), "transformer.ln_f.bias": (c,)}
    for i in range(n_layer):
        h = f"transformer.h.{i}."
        shapes |= {h + "ln_1.weight": (c,), h + "ln_1.bias": (c,),
                   h + "attn.c_attn.weight": (c, 3 * c), h + "attn.c_attn.bias": (3 * c,),
                   h + "attn.c_proj.weight": (c, c), h + "attn.c_proj.bias": (c,),
                   h + "ln_2.weight": (c,), h + "ln_2.bias": (c,),
                   h + "mlp.c_fc.weight": (c, 4 * c), h + "mlp.c_fc.bias": (4 * c,),
                   h + "mlp.c_proj.weight": (4 * c, c), h + "mlp.c_proj.bias": (c,)}
    return shapes


def safetensors_header(path: Path, shown: str) -> dict:
    """The JSON header of a safetensors file (8 bytes little-endian length, then JSON), read
    without loading a tensor; checks that every tensor's bytes lie inside the file."""
    bad = CheckpointError(f"the model.safetensors of {shown} is not a valid safetensors file")
    try:
        size = Path(path).stat().st_size
        with open(path, "rb") as f:
            head = f.read(8)
            if len(head) < 8:
                raise bad
            (n,) = struct.unpack("<Q", head)
            if n > min(MAX_HEADER_BYTES, size - 8):
                raise bad
            header = json.loads(f.read(n))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, struct.error):
        raise bad from None
    if not isinstance(header, dict):
        raise bad
    header.pop("__metadata__", None)
    for t in header.values():
        try:
            start, end = t["data_offsets"]
            ok = 0 <= start <= end <= size - 8 - n and all(isinstance(d, int) and d >= 0
                                                          for d in t["shape"])
        except (KeyError, TypeError, ValueError):
            ok = False
        if not ok:
            raise bad
    return header


def check_shapes(folder: Path, config: dict, shown: str | None = None) -> None:
    """Refuse a checkpoint whose tensors are not exactly what ``config`` implies, reading only
    the safetensors header (nothing is allocated).  Accepts ours and Hugging Face's names."""
    shown = shown or str(folder)
    header = safetensors_header(folder / "model.safetensors", shown)
    found = {}
    for name, t in header.items():
        if name.endswith((".attn.bias", ".attn.masked_bias")):  # GPT-2's stored causal masks
            continue
        if not name.startswith(("transformer.", "lm_head.")):
            name = "transformer." + name  # the old hub layout
        if t.get("dtype") not in FLOAT_DTYPES:
            raise CheckpointError(f"{shown}: tensor {name} has dtype {t.get('dtype')!r}, "
                                  "not a float")
        found[name] = tuple(t["shape"])
    want = expected_shapes(config, shown)
    lm_head = found.pop("lm_head.weight", None)
    if lm_head is not None and lm_head != want["transformer.wte.weight"]:
        raise CheckpointError(f"{shown}: lm_head.weight is {lm_head}, the config implies "
                              f"{want['transformer.wte.weight']}")
    for name, shape in want.items():
        if name not in found:
            raise CheckpointError(f"{shown}: the weights have no {name}, which the config implies")
        if found[name] != shape:
            raise CheckpointError(f"{shown}: {name} is {found[name]} in the weights, the config "
                                  f"implies {shape}")
    extra = sorted(set(found) - set(want))
    if extra:
        raise CheckpointError(f"{shown}: the weights hold tensors GPT-2 does not have "
                              f"({', '.join(extra[:3])})")


# ----------------------------------------------------------------------------- the hub


def is_hub_id(name: str) -> bool:
    """True for names shaped like ``gpt2`` or ``user/model-name`` (no paths, no URLs)."""
    return isinstance(name, str) and bool(HUB_ID.fullmatch(name)) and ".." not in name


def _check_id(hub_id: str) -> None:
    if not is_hub_id(hub_id):
        raise CheckpointError(f"{hub_id!r} is not a model id like 'gpt2' or 'user/model'")


def _fetch(hub_id: str, filename: str) -> Path:
    """One file of a hub model (``huggingface_hub.hf_hub_download``), errors as a sentence."""
    try:
        from huggingface_hub import hf_hub_download

        return Path(hf_hub_download(hub_id, filename))
    except Exception as exc:  # offline, unknown id, gated model, no such file, ...
        raise CheckpointError(f"could not fetch {filename} of {hub_id!r} from the model hub "
                              f"(no network, or no such model): {type(exc).__name__}") from None


def remote_size(hub_id: str, filename: str = "model.safetensors") -> int | None:
    """Bytes of a hub file, from its metadata (no download); None when the hub does not say."""
    try:
        from huggingface_hub import get_hf_file_metadata, hf_hub_url

        return get_hf_file_metadata(hf_hub_url(hub_id, filename)).size
    except Exception as exc:
        raise CheckpointError(f"could not read the size of {filename} of {hub_id!r} on the "
                              f"model hub (no network, or no such file): {type(exc).__name__}"
                              ) from None


def download(hub_id: str) -> Path:
    """Fetch a hub model's ``config.json``, check its size, then ``model.safetensors`` and its
    shapes: a folder ``GPT.from_pretrained`` can open (online machines only)."""
    _check_id(hub_id)
    config = read_config(_fetch(hub_id, "config.json"), hub_id)
    n, cap = gpt2_parameters(config, hub_id), _limit("LMLAB_HUB_MAX_PARAMS", MAX_PARAMS)
    if n > cap:
        raise CheckpointError(f"{hub_id!r} has {n / 1e6:,.0f}M parameters; this server loads "
                              f"at most {cap / 1e6:,.0f}M (LMLAB_HUB_MAX_PARAMS)")
    size, cap_bytes = remote_size(hub_id), _limit("LMLAB_HUB_MAX_BYTES", MAX_BYTES)
    if size is None or size > cap_bytes:
        what = "an unknown size" if size is None else f"{size / 1e9:.2f} GB"
        raise CheckpointError(f"the weights of {hub_id!r} are {what}; this server downloads at "
                              f"most {cap_bytes / 1e9:.2f} GB (LMLAB_HUB_MAX_BYTES)")
    folder = _fetch(hub_id, "model.safetensors").parent
    check_folder(folder, hub_id)
    check_shapes(folder, read_config(folder / "config.json", hub_id), hub_id)
    return folder


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
    from tokenizers import Tokenizer as HFTokenizer

    from lmlab.tokenizer import Tokenizer

    _check_id(hub_id)
    path = _fetch(hub_id, "tokenizer.json")
    try:
        return Tokenizer(HFTokenizer.from_file(str(path)))
    except Exception:  # noqa: BLE001  a broken tokenizer.json: one sentence
        raise CheckpointError(f"the tokenizer.json of {hub_id!r} is not readable") from None
