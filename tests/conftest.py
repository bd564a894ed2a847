"""Shared pytest fixtures: tiny random GPTs and HF GPT-2s saved to temp dirs (no network).

Run the suite with ``python -m pytest``.
"""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # no test may reach a model hub
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import pytest  # noqa: E402
import torch  # noqa: E402


@pytest.fixture
def tiny_hf_gpt2(tmp_path):
    """A random ``GPT2LMHeadModel`` of odd sizes saved with ``save_pretrained``: (model, dir)."""
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(0)
    cfg = GPT2Config(vocab_size=301, n_positions=48, n_embd=36, n_layer=3, n_head=3,
                     bos_token_id=0, eos_token_id=0, attn_implementation="eager")
    model = GPT2LMHeadModel(cfg).eval()
    model.save_pretrained(tmp_path)
    return model, tmp_path
