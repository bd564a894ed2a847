"""Byte-level BPE: text -> token ids -> text, with nothing lost.

Lesson: lessons/01_language_models.en.md.  Tabs: every tab that shows tokens.

A language model predicts the next *token*, not the next word.  Byte-level BPE starts from the
256 possible bytes (so any text, emoji and Chinese included, can be written down) and learns
merges of frequent neighbours from the training works: ``"t" + "h" -> "th"``, ``"th" + "e" ->
"the"``, ...  We use Hugging Face ``tokenizers`` (fast, Rust) and GPT-2's pre-tokenizer, and
save ``assets/tokenizer.json``, which ``transformers.PreTrainedTokenizerFast`` also reads.

>>> tok = load_tokenizer()
>>> tok.decode(tok.encode("To be, or not to be")) == "To be, or not to be"
True

Rebuild: ``python -m lmlab.tokenizer build`` (deterministic; tests/test_tokenizer.py checks it).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer as _HFTokenizer
from tokenizers import decoders, models, pre_tokenizers, trainers

from lmlab import ASSETS_DIR
from lmlab.data import split_texts

TOKENIZER_PATH = ASSETS_DIR / "tokenizer.json"
EOT = "<|endoftext|>"  # separates works in the training stream, as in GPT-2
VOCAB_SIZE = 2048  # 256 bytes + 1 special + 1791 merges; see lessons/01 for the measurement


def train_bpe(texts: list[str], vocab_size: int = VOCAB_SIZE) -> _HFTokenizer:
    """Learn a byte-level BPE of ``vocab_size`` tokens from ``texts``."""
    tok = _HFTokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=[EOT],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(texts, trainer=trainer)
    return tok


@dataclass(frozen=True)
class Tokenizer:
    """A thin, typed wrapper around a trained ``tokenizers.Tokenizer``."""

    hf: _HFTokenizer  # the Rust tokenizer

    @property
    def vocab_size(self) -> int:
        return self.hf.get_vocab_size()

    @property
    def eot_id(self) -> int:
        return self.hf.token_to_id(EOT)

    def encode(self, text: str) -> list[int]:
        """Text to ids, e.g. ``encode("ROMEO.")`` -> a handful of ids."""
        return self.hf.encode(text, add_special_tokens=False).ids

    def decode(self, ids: list[int]) -> str:
        """Ids to text; ``decode(encode(x)) == x`` for every string x."""
        return self.hf.decode(list(ids), skip_special_tokens=False)

    def token_strings(self, ids: list[int]) -> list[str]:
        """Each id decoded on its own, for labels: ``["RO", "MEO", "."]``.

        A token that holds part of a multi-byte character shows as U+FFFD: use
        ``token_display`` for labels a student reads.
        """
        return [self.hf.decode([i], skip_special_tokens=False) for i in ids]

    def token_bytes(self, token_id: int) -> bytes:
        """The bytes one token stands for (byte-level BPE: every token is a byte string).

        >>> load_tokenizer().token_bytes(load_tokenizer().encode("床")[0])
        b'\\xe5'
        """
        piece = self.hf.id_to_token(int(token_id))
        if piece is None:
            raise ValueError(f"token id {token_id} is not in the vocabulary of {self.vocab_size}")
        decoder = _byte_decoder()
        if piece == EOT or any(c not in decoder for c in piece):  # a special token: as written
            return piece.encode()
        return bytes(decoder[c] for c in piece)

    def token_display(self, ids: list[int]) -> list[str]:
        """Each token as a student should see it: its text, or its bytes where it holds only
        part of a character (``<e5 ba>``), never U+FFFD.

        >>> tok = load_tokenizer()
        >>> tok.token_display(tok.encode("To be 床"))     # 床 is three bytes, one token each
        ['To', ' be', ' ', '<e5>', '<ba>', '<8a>']
        """
        return [show_bytes(self.token_bytes(i)) for i in ids]

    def save(self, path: Path) -> None:
        self.hf.save(str(path))

    def as_transformers(self):
        """The same tokenizer as a ``transformers.PreTrainedTokenizerFast``."""
        from transformers import PreTrainedTokenizerFast

        return PreTrainedTokenizerFast(tokenizer_object=self.hf, eos_token=EOT, bos_token=EOT)


@lru_cache(maxsize=1)
def _byte_decoder() -> dict[str, int]:
    """GPT-2's byte-level alphabet read back: the printable character standing for each byte."""
    return {c: b for b, c in enumerate(_byte_alphabet())}


def _byte_alphabet() -> list[str]:
    """The 256 characters GPT-2's byte-level BPE writes for bytes 0..255 (``bytes_to_unicode``)."""
    keep = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1),
            *range(ord("®"), ord("ÿ") + 1)]
    extra = iter(range(256, 512))
    return [chr(b) if b in keep else chr(next(extra)) for b in range(256)]


def show_bytes(data: bytes) -> str:
    """Text where ``data`` is valid UTF-8; each run of bytes that is not, as ``<e5 ba>``.

    >>> show_bytes("床".encode()[:2] + b" x"), show_bytes("床".encode())
    ('<e5 ba> x', '床')
    """
    out, bad, i = [], [], 0
    while i < len(data):
        for n in (1, 2, 3, 4):
            try:
                ch = data[i:i + n].decode("utf-8")
                break
            except UnicodeDecodeError:
                ch = None
        if ch is None:
            bad.append(f"{data[i]:02x}")
            i += 1
            continue
        if bad:
            out.append("<" + " ".join(bad) + ">")
            bad = []
        out.append(ch)
        i += n
    if bad:
        out.append("<" + " ".join(bad) + ">")
    return "".join(out)


@lru_cache(maxsize=4)
def load_tokenizer(path: Path = TOKENIZER_PATH) -> Tokenizer:
    """The shipped tokenizer (read-only, cached)."""
    return Tokenizer(_HFTokenizer.from_file(str(path)))


def build(path: Path = TOKENIZER_PATH, vocab_size: int = VOCAB_SIZE) -> Tokenizer:
    """Train on the training works only and save to ``path``."""
    tok = Tokenizer(train_bpe(split_texts("train"), vocab_size))
    tok.save(path)
    return tok


@lru_cache(maxsize=3)
def token_stream(split: str) -> np.ndarray:
    """All works of a split as one read-only uint16 array, works separated by <|endoftext|>."""
    tok = load_tokenizer()
    ids: list[int] = []
    for text in split_texts(split):
        ids += tok.encode(text) + [tok.eot_id]
    arr = np.array(ids, dtype=np.uint16)
    arr.setflags(write=False)
    return arr


def main(argv: list[str] | None = None) -> int:
    """``python -m lmlab.tokenizer build [--vocab-size N]``: rebuild assets/tokenizer.json."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m lmlab.tokenizer", description=main.__doc__)
    parser.add_argument("command", choices=["build"])
    parser.add_argument("--vocab-size", type=int, default=VOCAB_SIZE)
    parser.add_argument("--out", type=Path, default=TOKENIZER_PATH)
    args = parser.parse_args(argv)
    tok = build(args.out, args.vocab_size)
    for split in ("train", "val"):
        text = "".join(split_texts(split))
        n = len(tok.encode(text))
        print(f"{split}: {n:,} tokens, {len(text) / n:.2f} characters per token")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

