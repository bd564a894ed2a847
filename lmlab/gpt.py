"""A GPT-2 written from scratch, readable in one file, equal to Hugging Face's GPT-2.

Lesson: lessons/06_gpt.en.md.  Tabs: Generate, Attention.

The model is a stack of identical blocks over token + position embeddings:

    x = wte[idx] + wpe[pos]                      # (B, T, C)
    for each block:  x = x + attn(ln_1(x))       # tokens look at earlier tokens
                     x = x + mlp(ln_2(x))        # each token thinks on its own
    logits = ln_f(x) @ wteᵀ                      # (B, T, vocab), tied embeddings

Parameter names are GPT-2's (``wte``, ``wpe``, ``ln_1``, ``c_attn``, ``c_proj``, ``c_fc``), and
checkpoints are saved in GPT-2's own layout, so ``transformers.GPT2LMHeadModel`` opens ours and
``GPT.from_pretrained`` opens theirs.  tests/test_gpt.py checks that the logits agree to 1e-5.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

from lmlab.attention import causal_mask, scaled_dot_product


@dataclass
class GPTConfig:
    """The shape of a GPT.  Defaults are the shipped Shakespeare model's."""

    vocab_size: int = 2048  # tokens in the tokenizer
    block_size: int = 128  # longest context, in tokens (GPT-2: n_positions)
    n_layer: int = 4  # number of transformer blocks
    n_head: int = 4  # attention heads per block
    n_embd: int = 192  # width of the residual stream; n_embd % n_head == 0
    dropout: float = 0.1  # on embeddings, attention weights and residual branches (training)
    layer_norm_epsilon: float = 1e-5  # GPT-2's LayerNorm epsilon
    causal: bool = True  # True: a token sees only earlier ones (GPT); False: all (BERT, masked LM)

    def __post_init__(self) -> None:
        if self.n_embd % self.n_head:
            raise ValueError(f"n_embd={self.n_embd} is not a multiple of n_head={self.n_head}")


@dataclass
class GPTOutput:
    """What a forward pass returns; the optional fields are None unless asked for."""

    logits: torch.Tensor  # (B, T, vocab_size)
    loss: torch.Tensor | None = None  # mean cross-entropy when targets are given
    attentions: list[torch.Tensor] | None = None  # per layer (B, nh, T, T_k)
    hidden_states: list[torch.Tensor] | None = None  # n_layer + 1 tensors (B, T, C), as HF
    past_key_values: KVCache | None = None  # every layer's keys, values (use_cache)


# ----------------------------------------------------------------------------- the KV cache


class KVCache:
    """Every layer's keys and values, in buffers sized for the whole context, made once.

    Generation feeds one new token per step.  Its key and value go into the next free slot
    (no copying of ever-longer tensors), and attention reads the filled part.  ``cache[i]`` is
    layer i's (keys, values), each (B, nh, len(cache), hs); iterating gives every layer's.
    """

    def __init__(self, config: GPTConfig, batch_size: int = 1, dtype=torch.float32,
                 device=None):
        shape = (batch_size, config.n_head, config.block_size, config.n_embd // config.n_head)
        self.keys = [torch.zeros(shape, dtype=dtype, device=device)
                     for _ in range(config.n_layer)]
        self.values = [torch.zeros_like(k) for k in self.keys]
        self.length = 0  # positions filled so far; the forward pass advances it

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, layer: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.keys[layer][:, :, :self.length], self.values[layer][:, :, :self.length]

    def __iter__(self):
        return (self[i] for i in range(len(self.keys)))

    def store(self, layer: int, k: torch.Tensor, v: torch.Tensor):
        """Write a layer's new (B, nh, T, hs) keys and values; return all of them so far."""
        start, end = self.length, self.length + k.size(2)
        keys, values = self.keys[layer], self.values[layer]
        keys.narrow(2, start, end - start).copy_(k)  # narrow(dim, start, length) is a view
        values.narrow(2, start, end - start).copy_(v)
        return keys.narrow(2, 0, end), values.narrow(2, 0, end)


# ----------------------------------------------------------------------------- the blocks


class CausalSelfAttention(nn.Module):
    """Multi-head self-attention where a token sees only itself and earlier tokens.

    With ``config.causal=False`` every token sees every token (bidirectional, as in BERT).
    """

    def __init__(self, config: GPTConfig, layer_idx: int = 0):
        super().__init__()
        self.n_head = config.n_head
        self.causal = config.causal  # False: no mask at all (masked LM)
        self.layer_idx = layer_idx  # which slot of a KVCache is this layer's
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd)  # q, k, v in one matmul
        self.c_proj = nn.Linear(config.n_embd, config.n_embd)  # W^O, mixes the heads
        self.attn_dropout = nn.Dropout(config.dropout)
        self.resid_dropout = nn.Dropout(config.dropout)

    def forward(self, x, cache: KVCache | None = None, output_attentions: bool = False,
                head_hook=None):
        """(B, T, C) -> (output (B, T, C), weights (B, nh, T, T_k) or None).

        ``head_hook(layer_idx, y)`` may replace the heads' outputs y (B, nh, T, hs) before W^O
        mixes them (``lmlab.lens`` zeroes or averages one head this way: head ablation).
        """
        B, T, C = x.shape
        qkv = self.c_attn(x).view(B, T, 3, self.n_head, C // self.n_head)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)  # each (B, nh, T, hs)
        if cache is not None:  # keys and values of earlier positions, from the KV cache
            k, v = cache.store(self.layer_idx, k, v)
        T_k = k.size(2)  # (B, nh, T_k, hs)
        if output_attentions:  # the explicit path: the weights are kept to be looked at
            mask = causal_mask(T, T_k, x.device) if self.causal else None
            y, weights = scaled_dot_product(q, k, v, mask)
            if self.training and self.attn_dropout.p > 0:
                y = self.attn_dropout(weights) @ v
        else:  # the fused kernel: same numbers, faster, no weights
            p = self.attn_dropout.p if self.training else 0.0
            causal = self.causal and T > 1
            mask = None if not causal or T == T_k else causal_mask(T, T_k, x.device)
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=p,
                                               is_causal=causal and mask is None)
            weights = None
        if head_hook is not None:
            y = head_hook(self.layer_idx, y)
        y = self.c_proj(y.transpose(1, 2).reshape(B, T, C))  # concatenate the heads, mix
        return (self.resid_dropout(y) if self.training else y), weights


class MLP(nn.Module):
    """Position-wise feed-forward: widen 4x, GELU (GPT-2's tanh form), project back."""

    def __init__(self, config: GPTConfig):
        super().__init__()
        self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd)
        self.gelu = nn.GELU(approximate="tanh")
        self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x):
        x = self.c_proj(self.gelu(self.c_fc(x)))
        return self.dropout(x) if self.training else x  # see GPT.forward on skipping dropout


class Block(nn.Module):
    """Pre-LayerNorm transformer block: x + attn(ln(x)), then x + mlp(ln(x))."""

    def __init__(self, config: GPTConfig, layer_idx: int = 0):
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd, eps=config.layer_norm_epsilon)
        self.attn = CausalSelfAttention(config, layer_idx)
        self.ln_2 = nn.LayerNorm(config.n_embd, eps=config.layer_norm_epsilon)
        self.mlp = MLP(config)

    def forward(self, x, cache=None, output_attentions=False, head_hook=None):
        a, weights = self.attn(self.ln_1(x), cache, output_attentions, head_hook)
        x = x + a
        x = x + self.mlp(self.ln_2(x))
        return x, weights


# ----------------------------------------------------------------------------- the model


class GPT(nn.Module):
    """GPT-2: embeddings, ``n_layer`` blocks, a final LayerNorm, tied output embedding."""

    def __init__(self, config: GPTConfig):
        super().__init__()
        self.config = config
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(config.vocab_size, config.n_embd),  # token embeddings
            wpe=nn.Embedding(config.block_size, config.n_embd),  # learned position embeddings
            drop=nn.Dropout(config.dropout),
            h=nn.ModuleList([Block(config, i) for i in range(config.n_layer)]),
            ln_f=nn.LayerNorm(config.n_embd, eps=config.layer_norm_epsilon),
        ))
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        self.lm_head.weight = self.transformer.wte.weight  # weight tying, as in GPT-2
        self.apply(self._init_weights)
        for name, p in self.named_parameters():  # GPT-2's scaled init of residual projections
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * config.n_layer))
        # Each matrix keeps nn.Linear's (out, in) shape but is stored as the transpose of an
        # (in, out) array, GPT-2's own Conv1D layout: on a CPU a one-row matmul (one new token
        # in generation) reads that layout about twice as fast (see ``lmlab bench generate``).
        for module in self.modules():
            if isinstance(module, nn.Linear) and module is not self.lm_head:
                module.weight = _stored_in_out(module.weight)
        self.transformer.wte.weight = _stored_in_out(self.transformer.wte.weight)
        self.lm_head.weight = self.transformer.wte.weight

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    def num_parameters(self) -> int:
        """Parameters counted once (the tied embedding is one matrix)."""
        return sum(p.numel() for p in self.parameters())

    def forward(
        self,
        idx: torch.Tensor | None = None,
        targets: torch.Tensor | None = None,
        output_attentions: bool = False,
        output_hidden_states: bool = False,
        past_key_values: KVCache | None = None,
        use_cache: bool = False,
        inputs_embeds: torch.Tensor | None = None,
        positions: torch.Tensor | None = None,
        residual_hook=None,
        head_hook=None,
    ) -> GPTOutput:
        """Logits for every position of ``idx`` (B, T); loss if ``targets`` (B, T) are given.

        With ``use_cache=True`` the output carries a ``KVCache``; pass it back as
        ``past_key_values`` with only the new tokens in ``idx``.  The pass writes the new keys
        and values into that cache (it changes in place, as in transformers).

        ``inputs_embeds`` (B, T, C) replaces ``wte[idx]`` (to differentiate with respect to the
        token embeddings, e.g. gradient x input).  ``positions`` (B,) scores one position per row
        only: logits (B, 1, vocab), the output layer run on B rows instead of B x T (nanoGPT does
        this for the last position in generation).

        Hooks, for looking inside (``lmlab.lens``; both None by default, the fast path):
        ``residual_hook(i, x)`` sees the residual stream x (B, T, C) before block i, and with
        i = n_layer after the last block (before ``ln_f``), and returns the stream to go on with
        (the same tensor to only record it; another to patch it).  ``head_hook`` is passed to
        every attention layer (``CausalSelfAttention.forward``).
        """
        tok_emb = self.transformer.wte(idx) if inputs_embeds is None else inputs_embeds
        B, T = tok_emb.shape[:2]
        cache = past_key_values
        if cache is None and use_cache:
            cache = KVCache(self.config, B, self.transformer.wte.weight.dtype, tok_emb.device)
        past_len = len(cache) if cache is not None else 0
        if past_len + T > self.config.block_size:
            raise ValueError(f"{past_len + T} tokens exceed the context of "
                             f"{self.config.block_size}; crop the input")
        x = tok_emb + self.transformer.wpe.weight[past_len:past_len + T]
        if self.training:  # dropout is a no-op in eval; not calling it at all (here, in the
            x = self.transformer.drop(x)  # MLP and attention) was part of a 6-10% per-token gain
        attentions, hidden = [], []
        for i, block in enumerate(self.transformer.h):
            if residual_hook is not None:
                x = residual_hook(i, x)
            if output_hidden_states:
                hidden.append(x)
            x, weights = block(x, cache, output_attentions, head_hook)
            attentions.append(weights)
        if residual_hook is not None:
            x = residual_hook(len(self.transformer.h), x)
        if cache is not None:
            cache.length += T
        if positions is not None:
            x = x[torch.arange(B), positions].unsqueeze(1)  # (B, 1, C)
        x = self.transformer.ln_f(x)
        if output_hidden_states:
            hidden.append(x)
        logits = self.lm_head(x)  # (B, T, vocab_size), or (B, 1, vocab_size) with positions
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.reshape(-1),
                                   ignore_index=-1)
        return GPTOutput(logits, loss, attentions if output_attentions else None,
                         hidden if output_hidden_states else None, cache if use_cache else None)

    # ------------------------------------------------------------------------- checkpoints

    def save_pretrained(self, out_dir: str | Path, extra_config: dict | None = None) -> None:
        """Write ``config.json`` + ``model.safetensors`` in GPT-2's layout (``lmlab.checkpoint``)."""
        from lmlab.checkpoint import to_hf_config, write_checkpoint

        config = asdict(self.config)
        if config.get("causal", True):  # the default is not written: older checkpoints stay byte-identical
            config.pop("causal", None)
        write_checkpoint(Path(out_dir), to_hf_config(config) | (extra_config or {}),
                         self.state_dict())

    @classmethod
    def from_pretrained(cls, path_or_id: str | Path) -> "GPT":
        """Load an lmlab checkpoint dir or any GPT-2-family HF checkpoint (safetensors only).

        ``path_or_id`` is a local directory, or a hub id such as ``"gpt2"`` when online
        (resolved by ``lmlab.hub``, which refuses pickle-only checkpoints and oversized models).
        """
        from lmlab.checkpoint import read_checkpoint
        from lmlab.hub import CheckpointError

        config, state = read_checkpoint(path_or_id, [f.name for f in fields(GPTConfig)])
        try:
            model = cls(GPTConfig(**config))
            missing, unexpected = model.load_state_dict(state, strict=False)
        except (TypeError, ValueError, RuntimeError, KeyError) as exc:
            raise CheckpointError(f"{path_or_id} does not match GPT-2: "
                                  f"{str(exc).splitlines()[0][:200]}") from None
        missing = [m for m in missing if m != "lm_head.weight"]  # tied to wte
        if missing or unexpected:
            raise CheckpointError(f"{path_or_id} does not match GPT-2 "
                                  f"(missing {missing[:3]}, unexpected {unexpected[:3]})")
        return model.eval()


def _stored_in_out(w: torch.Tensor) -> nn.Parameter:
    """The same (out, in) matrix, its numbers laid out column by column in memory."""
    return nn.Parameter(w.detach().t().contiguous().t())
