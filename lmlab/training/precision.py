"""Mixed precision: bf16 autocast, on the CPU and on CUDA.

Lesson: lessons/09_training.en.md.  Command: ``lmlab train --precision bf16``.  Tab: Train.

Under ``torch.autocast(dtype=torch.bfloat16)`` matrix multiplications run in bfloat16 (8 bits of
mantissa, fp32's range) while the weights, the optimizer and reductions such as the softmax and
the loss stay fp32.  bf16 needs no loss scaling (unlike fp16: its range is fp32's).  It is faster
only where the hardware multiplies bf16 natively (GPUs since Ampere, CPUs with AVX-512 BF16 or
AMX); elsewhere the casts are extra work (``lmlab bench train`` measures it).
"""

from __future__ import annotations

import contextlib

import torch


def autocast(precision: str, device: torch.device | str = "cpu"):
    """A context in which the forward pass runs at ``precision`` ("fp32": no change).

    >>> with autocast("bf16"):
    ...     (torch.ones(2, 2) @ torch.ones(2, 2)).dtype
    torch.bfloat16
    """
    if precision == "fp32":
        return contextlib.nullcontext()
    device_type = torch.device(device).type
    return torch.autocast(device_type=device_type, dtype=torch.bfloat16)


def cpu_has_native_bf16() -> bool:
    """Whether this CPU multiplies bf16 natively (AVX-512 BF16 or AMX), from /proc/cpuinfo."""
    try:
        flags = open("/proc/cpuinfo").read()
    except OSError:
        return False
    return any(f in flags for f in ("avx512_bf16", "amx_bf16"))
