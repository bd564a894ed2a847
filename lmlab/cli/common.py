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


def quiet_libraries() -> None:
    """No progress bars from transformers ("Loading weights ...") on every command: the
    command's own output is what the reader wants."""
    try:
        from transformers.utils import logging as hf_logging
    except ImportError:
        return
    hf_logging.disable_progress_bar()


def finite(x: float) -> float | str:
    """JSON has no infinity: an infinite perplexity is reported as the string "inf"."""
    return round(x, 3) if x != float("inf") else "inf"
