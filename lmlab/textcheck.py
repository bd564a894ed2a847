"""Which characters of a text the shipped models never saw in training.

Lesson: lessons/01_language_models.en.md.  Tabs: every tab that reads typed text.

Byte-level BPE can encode any text, so nothing is "unknown" to the tokenizer; but a model
trained only on Shakespeare's ASCII has never seen ``你`` or ``🤖`` and will answer with noise.
One policy everywhere: such text is accepted, and the app and the CLI say what share of its
characters the models never saw (``unseen_share``), so the reader knows how far to trust the
numbers.
"""

from __future__ import annotations

from functools import lru_cache

from lmlab.data import split_texts


@lru_cache(maxsize=1)
def training_characters() -> frozenset[str]:
    """Every distinct character in the training works."""
    return frozenset("".join(split_texts("train")))


def unseen_characters(text: str) -> list[str]:
    """Distinct characters of ``text`` absent from the training works, in order of appearance.

    >>> unseen_characters("ROMEO. 你好")
    ['你', '好']
    """
    seen = training_characters()
    return list(dict.fromkeys(c for c in text if c not in seen))


def unseen_share(text: str) -> float:
    """The share of ``text``'s characters (spaces and line breaks not counted) that never occur
    in the training works: 0 for Shakespeare's English, 1 for a Tang poem.

    >>> unseen_share("ROMEO 你好"), unseen_share("   ")
    (0.2857142857142857, 0.0)
    """
    chars = [c for c in text if not c.isspace()]
    if not chars:
        return 0.0
    seen = training_characters()
    return sum(c not in seen for c in chars) / len(chars)
