"""Explanations: which tokens pushed a prediction up or down, measured three ways.

Lesson: lessons/12_interpretability.en.md.  Tab: Explain.  CLI: ``lmlab explain``.

**SHAP** (shap's Partition explainer with its Text masker) asks: if we hide some tokens, how
does the output change?  It hides groups of neighbouring tokens (a tree that follows phrases),
evaluates the model on each masked text, and shares the change out as Owen values, one per token.
They add up exactly:

    base_value (every token hidden) + sum(values) == output (the whole text)

What is explained is one number:

- ``classifier``: the genre classifier's probability of a genre (default: the predicted one);
  hidden tokens become ``[MASK]``, as shap does for BERT-like models.
- ``gpt``: the Shakespeare GPT's log-probability of a next token after the text (default: the
  greedy one); hidden tokens are removed (a GPT has no mask token), and every context starts with
  ``<|endoftext|>`` so that "everything hidden" is the start of a document.

Two cheaper views of the same tokens, to compare with SHAP:

- **gradient x input**: d output / d embedding, dotted with the embedding (one backward pass).
- **attention**: the last layer, mean over heads: for the classifier the attention each token
  receives averaged over all positions (the classifier averages them), for the GPT the row of the
  last position (the one that predicts the next token).

Spearman's rank correlation with |SHAP| says how far each view agrees with SHAP.

    >>> e = explain("To be, or not to", model="gpt")  # explains log p(greedy next token)
    >>> abs(e.base_value + sum(e.values) - e.output) < 1e-3
    True
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np
import torch

# model evaluations per explanation, by model.  The tab's default 4-line passage, warm process, on
# the 2-core CPU: classifier 0.9 s (2 threads) / 1.7 s (1 thread), GPT 0.5-0.9 s; while other
# jobs held the cores, 2 threads took 4-6 s.  A MiniLM call costs ~10x a GPT call.
MAX_EVALS = {"classifier": 100, "gpt": 200}
BATCH_SIZE = 64  # masked texts per model call
MODEL_KINDS = ("classifier", "gpt")  # what lmlab explain can explain
_NUMPY_SEED = threading.Lock()  # see _run_shap


@dataclass
class Explanation:
    """One SHAP explanation plus the attention and gradient views of the same tokens."""

    model: str  # "classifier" or "gpt"
    target: str  # the genre ("comedy") or the next token (" the") whose output is explained
    tokens: list[str]  # the text cut into the model's tokens (special tokens left out)
    values: list[float]  # SHAP value per token
    base_value: float  # output with every token hidden
    output: float  # output for the whole text
    attention: list[float]  # last layer, mean over heads, per token
    grad_x_input: list[float]  # gradient x input per token
    spearman: dict[str, float | None]  # rank agreement of each view with |SHAP|
    n_tokens_in: int = 0  # tokens in the text as typed; more than len(tokens) when it was cut
    max_evals: int = 0  # model evaluations SHAP was allowed
    seconds: float = 0.0  # wall time of the SHAP part
    shap_explanation: object = None  # the shap.Explanation (for shap's own text plot)

    def target_label(self) -> str:
        """The explained number in words: ``P(comedy)`` or ``log p(' the')``."""
        return f"P({self.target})" if self.model == "classifier" else f"log p({self.target!r})"

    @property
    def cut(self) -> bool:
        """True when the text was longer than the model reads: only part of it was explained
        (the GPT keeps the last tokens, its context; the classifier the first ones)."""
        return self.n_tokens_in > len(self.tokens)

    @property
    def additivity_error(self) -> float:
        return abs(self.base_value + sum(self.values) - self.output)

    def to_json(self) -> dict:
        """The JSON of ``lmlab explain --json``."""
        return {"model": self.model, "target": self.target, "explained": self.target_label(),
                "tokens": self.tokens, "values": self.values, "base_value": self.base_value,
                "output": self.output,
                "additivity_error": self.additivity_error, "attention": self.attention,
                "grad_x_input": self.grad_x_input, "spearman": self.spearman,
                "n_tokens_in": self.n_tokens_in, "max_evals": self.max_evals,
                "seconds": round(self.seconds, 3)}


# ----------------------------------------------------------------------------- model functions


def classifier_function(model, target: int, batch_size: int = BATCH_SIZE):
    """f(rows of MiniLM token ids, (N, T)) -> P(target genre) (N,), batched, no gradients.

    Rows hold the text's tokens only; ``[CLS]`` and ``[SEP]`` are added here, never masked.
    """
    tok = _bert_tokenizer()

    def f(rows: np.ndarray) -> np.ndarray:
        out = []
        with torch.inference_mode():
            for i in range(0, len(rows), batch_size):
                ids = torch.as_tensor(np.asarray(rows[i:i + batch_size], dtype=np.int64))
                cls = torch.full((len(ids), 1), tok.cls_token_id)
                ids = torch.cat([cls, ids, torch.full_like(cls, tok.sep_token_id)], 1)
                out.append(torch.softmax(model(ids, torch.ones_like(ids)).double(), -1)[:, target])
        return torch.cat(out).numpy()
    return f


def gpt_function(model, eot_id: int, target: int, batch_size: int = BATCH_SIZE):
    """f(rows of GPT token ids, -1 = hidden, (N, T)) -> log p(target | kept tokens) (N,).

    Hidden tokens are dropped and ``<|endoftext|>`` goes first.  Rows are batched by length and
    right-padded (a causal model never looks right, so padding changes nothing before it).
    """
    def f(rows: np.ndarray) -> np.ndarray:
        seqs = [[eot_id] + [int(t) for t in r if t >= 0] for r in rows]
        order = np.argsort([len(s) for s in seqs], kind="stable")  # similar lengths pad less
        out = np.zeros(len(seqs))
        with torch.inference_mode():
            for i in range(0, len(seqs), batch_size):
                idx = order[i:i + batch_size]
                ids = torch.full((len(idx), len(seqs[idx[-1]])), eot_id)
                for j, k in enumerate(idx):
                    ids[j, :len(seqs[k])] = torch.tensor(seqs[k])
                last = torch.tensor([len(seqs[k]) - 1 for k in idx])
                logits = model(ids, positions=last).logits[:, 0].double()
                out[idx] = torch.log_softmax(logits, -1)[:, target].numpy()
        return out
    return f


# ----------------------------------------------------------------------------- attention, gradients


def classifier_views(model, ids: list[int], target: int) -> tuple[np.ndarray, np.ndarray]:
    """(attention, gradient x input) per token of ``ids`` for P(target) of the classifier."""
    ids_t = torch.tensor([ids])
    with torch.enable_grad():
        emb = model.encoder.embeddings.word_embeddings(ids_t).detach().requires_grad_(True)
        logits, attentions = model(inputs_embeds=emb, attention_mask=torch.ones_like(ids_t),
                                   output_attentions=True)
        torch.softmax(logits, -1)[0, target].backward()
    gxi = (emb.grad * emb).sum(-1)[0]  # (T,)
    attention = attentions[-1][0].mean(0).mean(0)  # heads, then queries: (T,)
    return attention.detach().numpy(), gxi.detach().numpy()


def gpt_views(model, ids: list[int], eot_id: int, target: int) -> tuple[np.ndarray, np.ndarray]:
    """(attention of the last position, gradient x input) per token of ``ids`` for log p(target).

    The token embeddings go in as ``inputs_embeds``, a leaf we can differentiate; the shared
    model itself is neither copied nor hooked (it serves other users meanwhile).
    """
    idx = torch.tensor([[eot_id] + list(ids)])
    with torch.enable_grad():
        emb = model.transformer.wte(idx).detach().requires_grad_(True)  # (1, T, C)
        out = model(inputs_embeds=emb, output_attentions=True)
        torch.log_softmax(out.logits[0, -1], -1)[target].backward()
    gxi = (emb.grad * emb).sum(-1)[0, 1:]  # drop <|endoftext|>
    attention = out.attentions[-1][0].mean(0)[-1, 1:]  # last query's row, mean over heads
    return attention.detach().numpy(), gxi.detach().numpy()


def rank_agreement(shap_values, other) -> float | None:
    """Spearman's rho between |SHAP| and |other|; None when undefined (< 3 tokens, ties only)."""
    from scipy.stats import spearmanr

    a, b = np.abs(np.asarray(shap_values, float)), np.abs(np.asarray(other, float))
    if len(a) < 3 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return None
    return round(float(spearmanr(a, b).statistic), 4)


# ----------------------------------------------------------------------------- SHAP


def _ids_offsets(tokenizer, text: str) -> tuple[list[int], list[tuple[int, int]]]:
    enc = tokenizer(text, return_offsets_mapping=True)
    return enc["input_ids"], enc["offset_mapping"]


def _cut(text: str, tokenize, limit: int, from_end: bool) -> tuple[str, int]:
    """``text`` cut at a token boundary to at most ``limit`` tokens (its first, or its last).

    ``tokenize(text)`` returns (ids, offsets).  Returns the text and its length in tokens before.
    """
    ids, offsets = tokenize(text)
    n, keep = len(ids), limit
    while len(ids) > limit:  # re-tokenizing the cut text can differ at the edge: check again
        text = text[offsets[-keep][0]:] if from_end else text[:offsets[keep - 1][1]]
        ids, offsets = tokenize(text)
        keep -= 1
    return text, n


def _run_shap(f, masker, text: str, max_evals: int, batch_size: int):
    """shap's Partition explainer on one text."""
    import shap

    explainer = shap.explainers.Partition(f, masker)
    with _NUMPY_SEED:  # shap breaks ties between equal priorities at random, with numpy's
        state = np.random.get_state()  # global generator: one seeded run at a time
        np.random.seed(0)
        try:
            return explainer([text], max_evals=max_evals, batch_size=batch_size, silent=True)[0]
        finally:
            np.random.set_state(state)


def _shap_or_exact(f, masker, text: str, ids: list[int], hidden: list[int], max_evals: int,
                   batch_size: int):
    """SHAP for two tokens or more; for one token its value is exact: f(text) - f(hidden)."""
    import shap

    if not ids:
        raise ValueError("the text has no tokens this model can read; type some words")
    if len(ids) > 1:
        return _run_shap(f, masker, text, max_evals, batch_size)
    on, off = f(np.array([ids, hidden]))
    return shap.Explanation(values=np.array([on - off]), base_values=off, data=np.array([text]))


def _bert_tokenizer():
    from lmlab.explain.classifier import load_wordpiece

    return load_wordpiece()


def _no_specials(text: str, return_offsets_mapping: bool = True):
    """MiniLM's tokenizer without [CLS] / [SEP]: shap's masker then masks text tokens only."""
    return _bert_tokenizer()(text, add_special_tokens=False,
                             return_offsets_mapping=return_offsets_mapping)


def explain_classifier(model, text: str, target: str | None = None,
                       max_evals: int = MAX_EVALS["classifier"],
                       batch_size: int = BATCH_SIZE) -> Explanation:
    """Explain the classifier's probability of ``target`` (a genre; default: the predicted one)."""
    import shap

    tok = _bert_tokenizer()
    text, n_in = _cut(text, lambda s: _ids_offsets(_no_specials, s), 126, from_end=False)
    ids = _no_specials(text)["input_ids"]
    probs = model.predict_proba([text])[0]
    if target is None:
        target = model.labels[int(probs.argmax())]
    if target not in model.labels:
        raise ValueError(f"target must be one of {', '.join(model.labels)}, not {target!r}")
    t = model.labels.index(target)
    f = classifier_function(model, t, batch_size)
    t0 = time.perf_counter()
    masker = shap.maskers.Text(_no_specials, mask_token=tok.mask_token_id, output_type="token_ids")
    sv = _shap_or_exact(f, masker, text, ids, [tok.mask_token_id], max_evals, batch_size)
    seconds = time.perf_counter() - t0
    attention, gxi = classifier_views(model, [tok.cls_token_id, *ids, tok.sep_token_id], t)
    return _finish("classifier", target, sv, float(f(np.array([ids]))[0]), attention[1:-1],
                   gxi[1:-1], n_in, max_evals, seconds)


def explain_gpt(model, tokenizer, text: str, target: str | None = None,
                max_evals: int = MAX_EVALS["gpt"], batch_size: int = BATCH_SIZE) -> Explanation:
    """Explain the GPT's log-probability of the next token ``target`` (default: greedy)."""
    import shap

    hf = tokenizer.as_transformers()
    text, n_in = _cut(text, lambda s: _ids_offsets(hf, s), model.config.block_size - 1,
                      from_end=True)
    ids = hf(text)["input_ids"]
    eot = tokenizer.eot_id
    if target is None:
        with torch.inference_mode():
            t = int(model(torch.tensor([[eot] + ids])).logits[0, -1].argmax())
        target = tokenizer.decode([t])
    else:
        target_ids = tokenizer.encode(target[:100])
        if len(target_ids) != 1 or len(target) > 100:
            pieces = [repr(s) for s in tokenizer.token_strings(target_ids[:4])]
            shown = " + ".join(pieces + ["..."] * (len(target_ids) > 4)) or "nothing"
            raise ValueError(f"the target must be one token; {target[:20]!r} is {shown}")
        t = target_ids[0]
    f = gpt_function(model, eot, t, batch_size)
    t0 = time.perf_counter()
    masker = shap.maskers.Text(hf, mask_token=-1, output_type="token_ids")  # -1: drop the token
    sv = _shap_or_exact(f, masker, text, ids, [-1], max_evals, batch_size)
    seconds = time.perf_counter() - t0
    attention, gxi = gpt_views(model, ids, eot, t)
    # byte tokens of one character: shown as their bytes (<e5 ba>), not as the character 3 times
    return _finish("gpt", target, sv, float(f(np.array([ids]))[0]), attention, gxi,
                   n_in, max_evals, seconds, tokens=tokenizer.token_display(ids))


def _finish(model_name, target, sv, output, attention, gxi, n_tokens_in, max_evals,
            seconds, tokens: list[str] | None = None) -> Explanation:
    values = np.asarray(sv.values, float)
    if tokens is None or len(tokens) != len(values):
        tokens = [str(s) for s in np.asarray(sv.data)]
    return Explanation(
        model=model_name, target=target, tokens=tokens,
        values=[float(v) for v in values],
        base_value=float(np.asarray(sv.base_values).reshape(-1)[0]), output=output,
        attention=[float(v) for v in attention], grad_x_input=[float(v) for v in gxi],
        spearman={"attention": rank_agreement(values, attention),
                  "grad_x_input": rank_agreement(values, gxi)},
        n_tokens_in=max(n_tokens_in, len(values)), max_evals=max_evals, seconds=seconds, shap_explanation=sv)


def explain(text: str, model: str = "classifier", target: str | None = None,
            max_evals: int | None = None) -> Explanation:
    """One entry point for the CLI: loads the shipped model and explains ``text``."""
    if not text or not text.strip():
        raise ValueError("the text is empty; give a few words, e.g. --text 'To be, or not to be'")
    if model not in MODEL_KINDS:
        raise ValueError(f"model must be classifier or gpt, not {model!r}")
    max_evals = max_evals or MAX_EVALS[model]
    from lmlab.models import load_classifier, load_gpt, load_gpt_tokenizer

    if model == "classifier":
        return explain_classifier(load_classifier(), text, target, max_evals)
    return explain_gpt(load_gpt("shakespeare"), load_gpt_tokenizer("shakespeare"), text, target,
                       max_evals)


# ----------------------------------------------------------------------------- the text plot


def warm_up() -> None:
    """Import shap (and the parts of transformers it checks models against) and compile its
    numba helpers once, on a toy model: about 10 s that the first explanation in a process would
    otherwise pay.  The app calls this in the background at start-up.
    """
    import shap
    import transformers.modeling_utils  # noqa: F401  (shap's is_transformers_lm imports it)
    from transformers import PreTrainedTokenizerFast  # noqa: F401  (the GPT's masker uses it)

    def f(rows):
        return np.array([len(str(r)) for r in rows], dtype=np.float64)

    _run_shap(f, shap.maskers.Text(), "warm up the explainer", 20, 8)
