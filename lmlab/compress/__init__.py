"""Smaller models: quantization, pruning, distillation, and what each costs, measured.

Lesson: lessons/11_compression.en.md.  Commands: ``lmlab quantize``, ``lmlab distill``.

- ``lmlab.compress.quantize``  weights rounded to fewer bits, and back
- ``lmlab.compress.prune``     magnitude pruning and whole MLP neurons
- ``lmlab.compress.distill``   Hinton's loss: a student learns from a teacher's soft targets
- ``lmlab.compress.report``    size and held-out perplexity per code width
"""
