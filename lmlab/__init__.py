"""LM Lab: look inside real, working language models.

The package map, in lesson order (tests/test_layout.py checks that every module is named here or
in its subpackage's own map).  One concept per module; lessons 1-7 import the flat ones.

Text and counting
- ``lmlab.data``          the Shakespeare corpus, split by whole works        (lessons/01)
- ``lmlab.textcheck``     characters a text has that the models never saw    (lessons/01)
- ``lmlab.tokenizer``     byte-level BPE (HF tokenizers); corpus -> ids       (lessons/01, 03)
- ``lmlab.bpe``           the same BPE written out: merges, replay, training  (lessons/03)
- ``lmlab.embeddings``    token, position and sentence vectors; neighbours    (lessons/03)
- ``lmlab.ngram_counts``  counting n-grams as int64 keys                      (lessons/02)
- ``lmlab.ngram``         n-gram models: counts and smoothing                 (lessons/02)
- ``lmlab.compare``       n-gram vs neural, on the same tokens                (lessons/02)
- ``lmlab.leaderboard``   every n-gram's held-out perplexity; the best one    (lessons/02)

The model
- ``lmlab.positional``    sinusoidal, learned, RoPE, ALiBi                    (lessons/04)
- ``lmlab.attention``     scaled dot-product attention, step by step          (lessons/05)
- ``lmlab.encoder``       the MiniLM encoder's attention, for comparison      (lessons/05)
- ``lmlab.gpt``           a GPT-2 written from scratch (one forward pass)     (lessons/06)
- ``lmlab.lens``          logit lens, activation patching, induction heads    (lessons/06, 12)
- ``lmlab.checkpoint``    GPT-2's checkpoint layout; atomic, fsynced writes   (lessons/06)
- ``lmlab.hub``           safe loading: safetensors only, hub ids checked     (lessons/07)
- ``lmlab.models``        the model registry: ``load_gpt(name)``, the classifier (lessons/07)
- ``lmlab.cache``         ``load_once``: one load per key, no lock on a hit
- ``lmlab.generate``      greedy, temperature, top-k, top-p sampling          (lessons/07)
- ``lmlab.evaluate``      perplexity; precision, recall, F1; calibration; BLEU, ROUGE (lessons/01, 09, 10)

Subpackages (each has its own map)
- ``lmlab.training``      loop, optimizers, schedules, bf16, masked LM, torchrun, the lab (lessons/08, 09)
- ``lmlab.compress``      quantize, prune, distill, the trade-off report      (lessons/11)
- ``lmlab.explain``       SHAP, gradient x input, the genre classifier        (lessons/08, 12)
- ``lmlab.privacy``       memorisation, extraction, membership, canaries, DP  (lessons/13)

Tools
- ``lmlab.lessons``       runs every lesson's code blocks (tests and the Lessons tab)
- ``lmlab.lesson_pages``  a lesson as a page: title, quiz, text with recorded outputs
- ``lmlab.lesson_numbers`` the numbers a quiz asks to predict, computed live
- ``lmlab.bench``         measured against the peer a user would pick (never imported by the app)
- ``lmlab.cli``           the ``lmlab`` command
- ``lmlab.ui``            the app's tabs
"""

from pathlib import Path

__version__ = "0.1.0"

PACKAGE_DIR = Path(__file__).resolve().parent
ASSETS_DIR = PACKAGE_DIR.parent / "assets"
SHIPPED_GPT = ASSETS_DIR / "shakespeare-gpt"  # trained by lmlab train
DISTILLED_GPT = ASSETS_DIR / "shakespeare-gpt-distilled"  # lmlab distill, from SHIPPED_GPT
