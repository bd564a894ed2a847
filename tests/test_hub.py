"""Safe loading: safetensors only, pickle refused with a reason, hub ids checked, offline is a
clear message; the whole path tested on a tiny random GPT-2 saved to a temp dir.

Run: python -m pytest tests/test_hub.py
"""

import pytest
import torch

from lmlab.gpt import GPT
from lmlab.hub import CheckpointError, is_hub_id, resolve_checkpoint


def test_a_saved_hf_gpt2_folder_loads_into_lmlab(tiny_hf_gpt2):
    hf, path = tiny_hf_gpt2
    model = GPT.from_pretrained(str(path))
    idx = torch.randint(301, (1, 10))
    with torch.no_grad():
        assert torch.allclose(model(idx).logits, hf(idx).logits, atol=1e-5)


def test_pickle_only_checkpoint_is_refused_with_the_reason(tiny_hf_gpt2, tmp_path):
    hf, _ = tiny_hf_gpt2
    folder = tmp_path / "pickled"
    folder.mkdir()
    torch.save(hf.state_dict(), folder / "pytorch_model.bin")
    (folder / "config.json").write_text(hf.config.to_json_string())
    with pytest.raises(CheckpointError, match="pickle"):
        GPT.from_pretrained(folder)


@pytest.mark.parametrize("name, ok", [
    ("gpt2", True), ("distilgpt2", True), ("openai-community/gpt2-medium", True),
    ("../etc/passwd", False), ("a/b/c", False), ("https://example.com/x", False),
    ("gpt2; rm -rf /", False), ("", False), ("x" * 200, False), ("gpt2\n", False),
    ("user/gpt2\n", False),
])
def test_hub_ids_are_checked_against_a_strict_pattern(name, ok):
    assert is_hub_id(name) is ok


def test_offline_hub_id_gives_a_no_network_message(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("LMLAB_HUB", "1")
    with pytest.raises(CheckpointError, match="no network"):
        resolve_checkpoint("distilgpt2")


def test_missing_folder_and_missing_files_are_clear(tmp_path):
    with pytest.raises(CheckpointError, match="does not exist"):
        resolve_checkpoint(str(tmp_path / "nope" / "deeper"))
    with pytest.raises(CheckpointError, match="no model.safetensors"):
        resolve_checkpoint(tmp_path)
