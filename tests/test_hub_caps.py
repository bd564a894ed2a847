"""Hub models are off by default, capped and checked before anything is allocated: a fake hub
(monkeypatched ``huggingface_hub`` download and metadata functions serving files from a temp
dir), never the network.

Run: python -m pytest tests/test_hub_caps.py -q
"""

import json
import struct
import threading
import time
import types

import huggingface_hub
import pytest

from lmlab import hub, models
from lmlab.hub import CheckpointError, HubDisabled


class FakeHub:
    """``huggingface_hub``'s three functions that ``lmlab.hub`` calls, over local folders."""

    def __init__(self, monkeypatch, repos: dict, sizes: dict | None = None):
        self.repos, self.sizes, self.fetched = repos, sizes or {}, []
        monkeypatch.setattr(huggingface_hub, "hf_hub_download", self.download)
        monkeypatch.setattr(huggingface_hub, "hf_hub_url", lambda repo, name: (repo, name))
        monkeypatch.setattr(huggingface_hub, "get_hf_file_metadata", self.metadata)

    def download(self, repo, filename, **kwargs):
        self.fetched.append((repo, filename))
        path = self.repos[repo] / filename
        if not path.exists():
            raise huggingface_hub.errors.EntryNotFoundError(filename)
        return str(path)

    def metadata(self, url):
        repo, name = url
        size = self.sizes.get(repo, (self.repos[repo] / name).stat().st_size)
        return types.SimpleNamespace(size=size)


@pytest.fixture
def online(monkeypatch):
    monkeypatch.setenv("LMLAB_HUB", "1")
    models.load_gpt.cache_clear()
    yield
    models.load_gpt.cache_clear()


def gpt2_config(**kw) -> dict:
    return {"model_type": "gpt2", "vocab_size": 301, "n_positions": 48, "n_embd": 36,
            "n_layer": 3, "n_head": 3} | kw


def write_safetensors(path, tensors: dict, data: bytes | None = None, length: int | None = None):
    """A safetensors file by hand: 8-byte header length, JSON header, data."""
    header, offset = {}, 0
    for name, shape in tensors.items():
        n = 4 * int(__import__("math").prod(shape))
        header[name] = {"dtype": "F32", "shape": list(shape), "data_offsets": [offset, offset + n]}
        offset += n
    raw = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(raw) if length is None else length) + raw
                     + (bytes(offset) if data is None else data))


def repo(tmp_path, name, config, tensors=None) -> object:
    folder = tmp_path / name.replace("/", "--")
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(config if isinstance(config, str) else json.dumps(config))
    if tensors is not None:
        write_safetensors(folder / "model.safetensors", tensors)
    return folder


# ----------------------------------------------------------------------------- off by default


def test_hub_names_are_refused_when_the_hub_is_off(monkeypatch, tmp_path):
    monkeypatch.delenv("LMLAB_HUB", raising=False)
    fake = FakeHub(monkeypatch, {"gpt2": tmp_path})
    with pytest.raises(HubDisabled, match="hub models are off on this server"):
        models.load_gpt("hub:gpt2")
    with pytest.raises(HubDisabled):
        models.load_gpt_tokenizer("hub:gpt2")
    assert fake.fetched == []  # nothing was asked of the hub


# ----------------------------------------------------------------------------- caps


def test_a_config_above_the_parameter_cap_is_refused_before_the_weights_are_fetched(
        online, monkeypatch, tmp_path):
    big = repo(tmp_path, "evil/big", gpt2_config(n_embd=16384, n_layer=48, n_head=16))
    fake = FakeHub(monkeypatch, {"evil/big": big})
    with pytest.raises(CheckpointError, match=r"at most 200M"):
        models.load_gpt("hub:evil/big")
    assert fake.fetched == [("evil/big", "config.json")]


def test_the_parameter_cap_comes_from_the_environment(online, monkeypatch, tiny_hf_gpt2):
    _, folder = tiny_hf_gpt2
    FakeHub(monkeypatch, {"me/tiny": folder})
    monkeypatch.setenv("LMLAB_HUB_MAX_PARAMS", "1000")
    with pytest.raises(CheckpointError, match="at most 0M"):
        models.load_gpt("hub:me/tiny")


def test_weights_above_the_download_cap_are_refused_before_downloading(
        online, monkeypatch, tiny_hf_gpt2):
    _, folder = tiny_hf_gpt2
    fake = FakeHub(monkeypatch, {"me/tiny": folder}, sizes={"me/tiny": 6_400_000_000})
    with pytest.raises(CheckpointError, match=r"6\.40 GB.*at most 1\.00 GB"):
        models.load_gpt("hub:me/tiny")
    assert ("me/tiny", "model.safetensors") not in fake.fetched


def test_a_tiny_file_with_a_big_config_is_refused_before_the_model_is_allocated(
        online, monkeypatch, tmp_path):
    crafted = repo(tmp_path, "evil/crafted", gpt2_config(n_embd=768, n_layer=12, n_head=12,
                                                        vocab_size=50257, n_positions=1024),
                   {"transformer.wte.weight": (2, 2)})
    FakeHub(monkeypatch, {"evil/crafted": crafted})

    def no_allocation(*a, **k):
        raise AssertionError("the model was allocated")

    monkeypatch.setattr("lmlab.gpt.GPT.__init__", no_allocation)
    with pytest.raises(CheckpointError, match=r"wte.weight is \(2, 2\) in the weights"):
        models.load_gpt("hub:evil/crafted")


@pytest.mark.parametrize("case", ["config not json", "config list", "n_layer a string",
                                  "header length past the file", "offsets past the file",
                                  "a missing tensor", "an extra tensor", "integer weights",
                                  "not gpt2"])
def test_every_loading_failure_is_one_sentence_without_a_server_path(
        online, monkeypatch, tmp_path, tiny_hf_gpt2, case):
    from safetensors.torch import load_file, save_file

    _, good = tiny_hf_gpt2
    cfg = json.loads((good / "config.json").read_text())
    tensors = load_file(str(good / "model.safetensors"))
    folder = tmp_path / "served"
    folder.mkdir()
    config = {"config not json": "{nope", "config list": "[1, 2]",
              "n_layer a string": json.dumps(cfg | {"n_layer": "3"}),
              "not gpt2": json.dumps(cfg | {"model_type": "llama"})}.get(case, json.dumps(cfg))
    (folder / "config.json").write_text(config)
    if case == "a missing tensor":
        tensors.pop("transformer.h.1.mlp.c_fc.bias")
    if case == "an extra tensor":
        tensors["transformer.h.9.secret"] = tensors["transformer.ln_f.bias"].clone()
    if case == "integer weights":
        tensors["transformer.ln_f.bias"] = tensors["transformer.ln_f.bias"].long()
    save_file(tensors, str(folder / "model.safetensors"))
    raw = (folder / "model.safetensors").read_bytes()
    if case == "header length past the file":
        (folder / "model.safetensors").write_bytes(struct.pack("<Q", 10**12) + raw[8:])
    if case == "offsets past the file":
        (folder / "model.safetensors").write_bytes(raw[:-100])
    FakeHub(monkeypatch, {"me/broken": folder})
    with pytest.raises(CheckpointError) as info:
        models.load_gpt("hub:me/broken")
    msg = str(info.value)
    assert "\n" not in msg and str(tmp_path) not in msg and "me/broken" in msg, msg


def test_a_download_error_is_one_sentence(online, monkeypatch):
    def offline(*a, **k):
        raise OSError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", offline)
    with pytest.raises(CheckpointError, match="could not fetch config.json of 'gpt2'"):
        models.load_gpt("hub:gpt2")


# ----------------------------------------------------------------------------- loading


def test_a_checked_hub_model_loads_and_only_one_is_kept(online, monkeypatch, tiny_hf_gpt2):
    import torch

    hf, folder = tiny_hf_gpt2
    FakeHub(monkeypatch, {"me/tiny": folder, "me/tiny2": folder})
    model = models.load_gpt("hub:me/tiny")
    idx = torch.randint(301, (1, 9))
    with torch.no_grad():
        assert torch.allclose(model(idx).logits, hf(idx).logits, atol=1e-5)
    models.load_gpt("hub:me/tiny2")
    assert [k for k in models.load_gpt.cached_keys() if k[0].startswith("hub:")] == \
        [("hub:me/tiny2",)]


def test_a_slow_hub_download_does_not_delay_a_shipped_model(online, monkeypatch):
    models.load_gpt("shakespeare")  # cached before the slow one starts
    started = threading.Event()

    def slow_download(hub_id):
        started.set()
        time.sleep(3)
        raise CheckpointError("no network")

    monkeypatch.setattr(hub, "download", slow_download)
    slow = threading.Thread(target=lambda: pytest.raises(CheckpointError, models.load_gpt,
                                                         "hub:slow/model"))
    slow.start()
    assert started.wait(5)
    t0 = time.perf_counter()
    models.load_gpt("shakespeare")
    models.load_gpt("shakespeare-distilled")  # a miss of another name: its own lock
    waited = time.perf_counter() - t0
    slow.join()
    assert waited < 1.0, f"the shipped models waited {waited:.1f} s behind a 3 s download"
