"""What every ``lmlab`` subcommand shares: the usage error, the command line, model loading.

Part of the ``lmlab`` command (``lmlab/cli/__init__.py`` assembles it).
"""

from __future__ import annotations

import sys
from pathlib import Path


class UsageError(ValueError):
    """Bad input from the command line; the message is shown as is."""


def argv_of(args) -> list[str]:
    """The command line as typed (for model cards)."""
    return getattr(args, "argv", None) or sys.argv[1:]


def load_model(path: str | Path):
    """The GPT in ``path`` (a checkpoint folder), read-only; errors say what to do."""
    from lmlab.gpt import GPT

    return GPT.from_pretrained(path)


def finite(x: float) -> float | str:
    """JSON has no infinity: an infinite perplexity is reported as the string "inf"."""
    return round(x, 3) if x != float("inf") else "inf"
