"""Smaller models: quantization, pruning, distillation, deployment, and what each costs, measured.

Lesson: lessons/11_compression.en.md.  Tab: Compress.  Commands: ``lmlab quantize``,
``lmlab distill``, ``lmlab export``, ``lmlab bench quantize``, ``lmlab bench distill``.

- ``lmlab.compress.quantize``  weights rounded to fewer bits (per row, tensor, group), and back
- ``lmlab.compress.kernels``   real int8 and int4 matrix multiplies (torch's CPU kernels)
- ``lmlab.compress.prune``     magnitude pruning, whole attention heads and MLP neurons
- ``lmlab.compress.distill``   Hinton's loss: a student learns from a teacher's soft targets
- ``lmlab.compress.export``    the GPT as ONNX, run by ONNX Runtime
- ``lmlab.compress.report``    size and held-out perplexity per code width
- ``lmlab.compress.tradeoff``  size, speed and perplexity of every variant, side by side
"""
