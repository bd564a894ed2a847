"""Embeddings: tokens and positions as vectors, and whole sentences as vectors.

Lesson: lessons/03_tokens.en.md.  Tab: Tokens.

The GPT's first step is a lookup: row ``id`` of ``wte`` (vocab x n_embd) is token ``id``'s
vector, and row ``t`` of ``wpe`` (block_size x n_embd) is position ``t``'s.  Training moves
tokens that behave alike close together, which we can measure:

- ``nearest_tokens``: the tokens whose vectors point the same way (cosine similarity);
- ``pca_map``: every token on the two directions along which the vectors vary most (PCA);
- ``token_kind``: a property of each token to colour that map by (leading space, capital, ...);
- ``position_similarity``: how alike the learned position vectors are (cf. tab Positional);
- ``sentence_embeddings``: MiniLM's mean-pooled sentence vectors, for whole lines.

>>> from lmlab.models import load_gpt
>>> ids, sims = nearest_tokens(load_gpt("shakespeare"), 5, k=3)
>>> len(ids), round(float(sims.max()), 3) <= 1.0
(3, True)
"""

from __future__ import annotations

import unicodedata

import torch
import torch.nn.functional as F

KINDS = ("space + capital", "space + lower case", "capital", "lower case", "punctuation",
         "digits", "white space", "bytes / other")  # token_kind's codes, in this order


def _unit(w: torch.Tensor) -> torch.Tensor:
    return F.normalize(w.detach().float(), dim=-1)


def nearest_tokens(model, token_id: int, k: int = 10) -> tuple[torch.Tensor, torch.Tensor]:
    """``(ids (k,), cosines (k,))``: the k tokens most like ``token_id`` in ``wte`` (itself left out)."""
    wte = _unit(model.transformer.wte.weight)
    if not 0 <= token_id < wte.shape[0]:
        raise ValueError(f"token id {token_id} is outside the vocabulary (0..{wte.shape[0] - 1})")
    sims = wte @ wte[token_id]
    sims[token_id] = -2.0  # never its own neighbour
    top = sims.topk(min(k, wte.shape[0] - 1))
    return top.indices, top.values


def pca_map(model, dims: int = 2) -> tuple[torch.Tensor, torch.Tensor]:
    """``(coords (vocab, dims), explained (dims,))``: ``wte`` centred, projected on its first
    principal directions (SVD), and the share of the variance each direction explains."""
    w = model.transformer.wte.weight.detach().double()
    w = w - w.mean(0)
    _, s, vt = torch.linalg.svd(w, full_matrices=False)
    var = s**2
    return (w @ vt[:dims].T).float(), (var[:dims] / var.sum()).float()


def token_kind(text: str) -> int:
    """The index in ``KINDS`` of a token's text (as ``lmlab.bpe.BPE.token_text`` shows it).

    >>> [KINDS[token_kind(s)] for s in (" King", " the", "ROM", "eo", ",", "12", "<e5>")]
    ['space + capital', 'space + lower case', 'capital', 'lower case', 'punctuation', 'digits', \
'bytes / other']
    """
    if text.startswith("<") and text.endswith(">") and len(text) > 2:
        return 7
    if text.isspace():
        return 6
    body = text[1:] if text.startswith(" ") else text
    if not body:
        return 6
    if body.isdigit():
        return 5
    if all(unicodedata.category(c)[0] in "PS" for c in body):
        return 4
    if body[0].isalpha():
        lead = 0 if text.startswith(" ") else 2
        return lead + (0 if body[0].isupper() else 1)
    return 7


def position_similarity(model) -> torch.Tensor:
    """(block_size, block_size): cosine similarity of every pair of learned position vectors."""
    wpe = _unit(model.transformer.wpe.weight)
    return wpe @ wpe.T


# ----------------------------------------------------------------------------- sentences


@torch.no_grad()
def sentence_embeddings(lines: list[str], max_tokens: int = 128) -> torch.Tensor:
    """(n, 384): MiniLM (all-MiniLM-L6-v2) sentence vectors, as sentence-transformers makes
    them: the token vectors of the last layer averaged (mean pooling), then unit length."""
    from lmlab.encoder import load_encoder
    from lmlab.explain.classifier import batch_tokenizer, mean_pool

    if not lines:
        raise ValueError("give at least one line")
    model, _ = load_encoder()
    batch = batch_tokenizer()(  # the copy kept for padded batches (thread-safe settings)
        list(lines), padding=True, truncation=True, max_length=max_tokens,
        return_tensors="pt")
    hidden = model(**batch).last_hidden_state
    return F.normalize(mean_pool(hidden, batch["attention_mask"]), dim=-1)


def cosine_matrix(vectors: torch.Tensor) -> torch.Tensor:
    """(n, n) cosine similarities of n vectors (rows)."""
    v = _unit(vectors)
    return v @ v.T
