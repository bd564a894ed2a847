"""Byte-level BPE written out in Python: the shipped tokenizer's merges, applied one by one.

Lesson: lessons/03_tokens.en.md.  Tab: Tokens.

``lmlab.tokenizer`` hands BPE to Hugging Face's Rust ``tokenizers``; this module does the same
job in about a hundred readable lines (as karpathy/minbpe does), and encodes **exactly** as the
shipped tokenizer (tests/test_bpe.py compares them on many texts).  Three steps:

1. **Pre-tokenize** with GPT-2's regex: words with their leading space (``" king"``), numbers,
   runs of punctuation, runs of white space.  Merges never cross these pieces.
2. **Bytes**: each piece becomes its UTF-8 bytes, one token per byte (256 possible tokens, so
   any text, emoji and Chinese included, can be written down).
3. **Merge** by rank: while two neighbouring tokens form a learned pair, merge the pair that was
   learned first (the lowest rank).  ``"t" "h" -> "th"``, then ``"th" "e" -> "the"``, ...

>>> bpe = BPE.from_tokenizer_json()
>>> ids = bpe.encode("To be, or not to be")
>>> bpe.decode(ids)
'To be, or not to be'
>>> [bpe.token_text(i) for i in bpe.encode("庭")]   # one Chinese character: three byte tokens
['<e5>', '<ba>', '<ad>']

``train(text, vocab_size)`` learns merges from a text, counting pairs incrementally (only the
words that hold the merged pair are recounted), so a few hundred KB take a few seconds.
"""

from __future__ import annotations

import heapq
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

import regex

from lmlab import ASSETS_DIR

TOKENIZER_JSON = ASSETS_DIR / "tokenizer.json"
# GPT-2's pre-tokenizer (the same pattern HF's ByteLevel pre-tokenizer uses)
GPT2_SPLIT = regex.compile(
    r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")


@lru_cache(maxsize=1)
def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's printable stand-in for each byte, as tokenizer.json spells tokens (space -> Ġ)."""
    keep = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1),
            *range(ord("®"), ord("ÿ") + 1)]
    extra = iter(range(256, 512))
    return {b: chr(b if b in keep else next(extra)) for b in range(256)}


def show_bytes(data: bytes) -> str:
    """Bytes as text, with bytes that are only part of a character shown as ``<e5 ba>``.

    >>> show_bytes("a庭".encode()[:3])
    'a<e5 ba>'
    """
    out, bad, i = [], [], 0
    while i < len(data):
        n = next((k for k in (1, 2, 3, 4) if _decodes(data[i:i + k])), 0)
        if n:
            if bad:
                out.append("<" + " ".join(f"{b:02x}" for b in bad) + ">")
                bad = []
            out.append(data[i:i + n].decode("utf-8"))
            i += n
        else:
            bad.append(data[i])
            i += 1
    if bad:
        out.append("<" + " ".join(f"{b:02x}" for b in bad) + ">")
    return "".join(out)


def _decodes(chunk: bytes) -> bool:
    try:
        return len(chunk.decode("utf-8")) == 1
    except UnicodeDecodeError:
        return False


@dataclass(frozen=True)
class Step:
    """One merge of a replay: the pair, the token it made, and every token after it."""

    rank: int  # the merge's rank (0 = learned first)
    pair: tuple[int, int]  # the two token ids merged
    new_id: int  # the id of the merged token
    ids: list[int]  # all tokens of the text after this merge


# ----------------------------------------------------------------------------- the tokenizer


@dataclass
class BPE:
    """A byte-level BPE: ``vocab`` (id -> bytes) and ``merges`` ((a, b) -> (rank, new id))."""

    vocab: dict[int, bytes]  # every token's bytes
    merges: dict[tuple[int, int], tuple[int, int]]  # pair -> (rank, merged id)
    byte_ids: list[int]  # byte value -> its token id (256 entries)
    special: dict[str, int] = field(default_factory=dict)  # "<|endoftext|>" -> 0

    @classmethod
    def from_tokenizer_json(cls, path: str | Path = TOKENIZER_JSON) -> BPE:
        """Read an HF ``tokenizer.json`` (byte-level BPE): its vocabulary, merges, special tokens."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        to_byte = {c: b for b, c in bytes_to_unicode().items()}
        tokens = data["model"]["vocab"]  # spelled token -> id
        special = {t["content"]: t["id"] for t in data.get("added_tokens", [])}
        vocab = {i: bytes(to_byte[c] for c in s) for s, i in tokens.items() if s not in special}
        vocab |= {i: s.encode() for s, i in special.items()}
        merges = {}
        for rank, m in enumerate(data["model"]["merges"]):
            a, b = m.split(" ") if isinstance(m, str) else m
            merges[(tokens[a], tokens[b])] = (rank, tokens[a + b])
        byte_ids = [tokens[bytes_to_unicode()[b]] for b in range(256)]
        return cls(vocab, merges, byte_ids, special)

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    def _pieces(self, text: str) -> list[str | int]:
        """The text split at special tokens (kept as ids), then by the GPT-2 regex."""
        out: list[str | int] = []
        parts = (regex.split("(" + "|".join(regex.escape(s) for s in self.special) + ")", text)
                 if self.special else [text])
        for part in parts:
            if part in self.special:
                out.append(self.special[part])
            elif part:
                out += GPT2_SPLIT.findall(part)
        return out

    def _merge_word(self, ids: list[int]) -> list[int]:
        """Merge the lowest-rank pair, again and again, until no learned pair is left."""
        while len(ids) > 1:
            best = min(pairwise(ids), key=lambda p: self.merges.get(p, (1 << 30,))[0])
            if best not in self.merges:
                break
            ids = merge(ids, best, self.merges[best][1])
        return ids

    def encode(self, text: str) -> list[int]:
        """Text -> token ids, exactly as the tokenizer the merges came from."""
        out: list[int] = []
        for piece in self._pieces(text):
            if isinstance(piece, int):
                out.append(piece)
            else:
                out += self._merge_word([self.byte_ids[b] for b in piece.encode("utf-8")])
        return out

    def decode(self, ids: list[int]) -> str:
        """Ids -> text (a cut character becomes U+FFFD, as in HF's decoder)."""
        return b"".join(self.vocab[i] for i in ids).decode("utf-8", errors="replace")

    def token_text(self, i: int) -> str:
        """One token as text; bytes that are part of a character show as ``<e5 ba>``."""
        return show_bytes(self.vocab[i])

    def truncated(self, n_merges: int) -> BPE:
        """The same tokenizer with only its first ``n_merges`` merges (a smaller vocabulary)."""
        merges = {p: (r, i) for p, (r, i) in self.merges.items() if r < n_merges}
        keep = set(self.byte_ids) | set(self.special.values()) | {i for _, i in merges.values()}
        return BPE({i: b for i, b in self.vocab.items() if i in keep}, merges, self.byte_ids,
                   self.special)

    def encode_steps(self, text: str, max_steps: int | None = None) -> tuple[list[int], list[Step]]:
        """``(byte ids, steps)``: the text as bytes, then each merge applied, in rank order.

        Each step merges every place where the lowest-rank pair present in the text occurs
        (within pieces of the pre-tokenizer).  The last step's ids equal ``encode(text)``.
        """
        words = [[p] if isinstance(p, int) else [self.byte_ids[b] for b in p.encode("utf-8")]
                 for p in self._pieces(text)]
        start, steps = [i for w in words for i in w], []
        while max_steps is None or len(steps) < max_steps:
            pairs = {p for w in words for p in pairwise(w) if p in self.merges}
            if not pairs:
                break
            best = min(pairs, key=lambda p: self.merges[p][0])
            rank, new_id = self.merges[best]
            words = [merge(w, best, new_id) for w in words]
            steps.append(Step(rank, best, new_id, [i for w in words for i in w]))
        return start, steps


def merge(ids: list[int], pair: tuple[int, int], new_id: int) -> list[int]:
    """Every non-overlapping occurrence of ``pair``, left to right, replaced by ``new_id``.

    >>> merge([1, 2, 2, 2, 3], (2, 2), 9)
    [1, 9, 2, 3]
    """
    out, i = [], 0
    while i < len(ids):
        if i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


# ----------------------------------------------------------------------------- training


def _pairs(word: tuple[int, ...]) -> Counter:
    return Counter(pairwise(word))


def train(text: str, vocab_size: int) -> BPE:
    """Learn ``vocab_size - 256`` merges from ``text`` (byte-level, GPT-2 pre-tokenizer).

    Each merge takes the most frequent pair (ties: the smallest ids), like minbpe.  Pair counts
    are kept up to date incrementally: a merge recounts only the distinct words that contain the
    pair, and a heap finds the most frequent pair (stale heap entries are skipped).

    >>> bpe = train("low lower lowest " * 20, 260)
    >>> [bpe.token_text(i) for i in bpe.encode(" lowest")]
    [' lowe', 's', 't']
    """
    if vocab_size < 256:
        raise ValueError(f"a byte-level BPE needs at least 256 tokens, not {vocab_size}")
    freq = Counter(tuple(p.encode("utf-8")) for p in GPT2_SPLIT.findall(text))
    words, counts = list(freq), list(freq.values())
    pair_count: Counter = Counter()
    where: dict[tuple[int, int], set[int]] = defaultdict(set)  # pair -> words holding it
    for w, (word, n) in enumerate(zip(words, counts, strict=True)):
        for p, k in _pairs(word).items():
            pair_count[p] += k * n
            where[p].add(w)
    heap = [(-c, p) for p, c in pair_count.items()]
    heapq.heapify(heap)
    vocab = {i: bytes([i]) for i in range(256)}
    merges: dict[tuple[int, int], tuple[int, int]] = {}
    while len(vocab) < vocab_size and heap:
        c, p = heapq.heappop(heap)
        if -c != pair_count.get(p, 0) or c == 0:
            continue  # stale entry: the count changed since it was pushed
        new_id = len(vocab)
        vocab[new_id] = vocab[p[0]] + vocab[p[1]]
        merges[p] = (len(merges), new_id)
        changed = set()
        for w in where.pop(p):
            old, n = words[w], counts[w]
            new = tuple(merge(list(old), p, new_id))
            for q, k in _pairs(old).items():
                pair_count[q] -= k * n
                changed.add(q)
            for q, k in _pairs(new).items():
                pair_count[q] += k * n
                where[q].add(w)
                changed.add(q)
            words[w] = new
        for q in changed:
            if pair_count[q] > 0:
                heapq.heappush(heap, (-pair_count[q], q))
            else:
                pair_count.pop(q, None)
    return BPE(vocab, merges, list(range(256)))
