"""LM Lab: look inside real, working language models.

One concept per module (lesson in brackets):

- ``lmlab.data``       the Shakespeare corpus and its split by work   (lessons/01)
- ``lmlab.tokenizer``  byte-level BPE                                 (lessons/01)
- ``lmlab.ngram``      n-gram models: counts and smoothing            (lessons/02)
- ``lmlab.ngram_counts`` counting n-grams as int64 keys               (lessons/02)
- ``lmlab.compare``    n-gram vs neural, on the same tokens           (lessons/02)
- ``lmlab.attention``  scaled dot-product attention, step by step     (lessons/03)
- ``lmlab.gpt``        a GPT-2 written from scratch                   (lessons/04)
- ``lmlab.generate``   greedy, temperature, top-k, top-p sampling     (lessons/05)
- ``lmlab.train``      AdamW, warmup + cosine, checkpoints            (lessons/06)
- ``lmlab.quantize``, ``lmlab.prune``, ``lmlab.distill``  smaller models (lessons/07)
- ``lmlab.bench``      measured against the peer a user would pick
- ``lmlab.cli``        the ``lmlab`` command
"""

from pathlib import Path

__version__ = "0.1.0"

PACKAGE_DIR = Path(__file__).resolve().parent
ASSETS_DIR = PACKAGE_DIR.parent / "assets"
SHIPPED_GPT = ASSETS_DIR / "shakespeare-gpt"  # trained by lmlab train
DISTILLED_GPT = ASSETS_DIR / "shakespeare-gpt-distilled"  # lmlab distill, from SHIPPED_GPT
