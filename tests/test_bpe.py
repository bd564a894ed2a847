"""lmlab.bpe against the shipped tokenizer (HF ``tokenizers``, the reference) and a naive trainer.

Checks: ``BPE.from_tokenizer_json`` encodes exactly as ``lmlab.tokenizer.load_tokenizer()`` on
English, Chinese, emoji, newlines, runs of spaces and tabs, special tokens, corpus lines and
seeded random unicode, and ``decode(encode(x)) == x``; a token that is part of a character shows
as its bytes (never U+FFFD); the replay's last step is ``encode``; ``train`` learns the same
merges as a from-scratch minbpe-style trainer and compresses more with a bigger vocabulary.
A few seconds on 2 cores.

Run:  python -m pytest tests/test_bpe.py -q
"""

import random
from collections import Counter
from itertools import pairwise

import pytest

from lmlab.bpe import BPE, GPT2_SPLIT, merge, show_bytes, train
from lmlab.data import split_texts
from lmlab.tokenizer import load_tokenizer

TEXTS = [
    "", "To be, or not to be, that is the question:", "ROMEO.\nBut soft, what light?\n\n",
    "床前明月光，疑是地上霜。", "What says the King of France? 法国国王说什么？", "emoji 😀🎉👩‍👩‍👧 ok",
    "a\n\n  b\t\tc   \n", "     leading and trailing     ", "\t\t\tx\r\ny\u00a0z\u2028",
    "<|endoftext|>THE END<|endoftext|><|endoftext|>", "I'll don't we're you've 'S 'LL",
    "1234567890 3.14 1,000,000", "ǅ ß ﬁ İ Ω Å é é", "<script>alert(1)</script> &amp;",
    "a" * 300, " " * 50 + "\n" * 5, "Zür Straße, naïve café — «quoted» ‘single’ “double”",
]


@pytest.fixture(scope="module")
def ours():
    return BPE.from_tokenizer_json()


@pytest.fixture(scope="module")
def ref():
    return load_tokenizer()


def random_unicode(rng: random.Random, n: int) -> str:
    """Characters from all over the code space (no surrogates), plus common white space."""
    ranges = [(0x20, 0x7E), (0x09, 0x0D), (0xA0, 0x24F), (0x370, 0x6FF), (0x3000, 0x9FFF),
              (0xAC00, 0xD7A3), (0x1F300, 0x1FAFF), (0x10000, 0x10FFFF)]
    out = []
    for _ in range(n):
        lo, hi = rng.choice(ranges)
        out.append(chr(rng.randint(lo, hi)))
    return "".join(out)


def test_encodes_exactly_as_the_shipped_tokenizer_on_hand_picked_texts(ours, ref):
    for text in TEXTS:
        assert ours.encode(text) == ref.encode(text), repr(text)
        assert ours.decode(ours.encode(text)) == text


def test_encodes_exactly_as_the_shipped_tokenizer_on_corpus_lines(ours, ref):
    lines = split_texts("val")[0].splitlines(keepends=True)[:800]
    chunk = "".join(lines)
    assert ours.encode(chunk) == ref.encode(chunk)
    for line in lines[::7]:
        assert ours.encode(line) == ref.encode(line)


def test_encodes_exactly_as_the_shipped_tokenizer_on_random_unicode(ours, ref):
    rng = random.Random(0)
    for _ in range(300):
        text = random_unicode(rng, rng.randint(1, 40))
        ids = ours.encode(text)
        assert ids == ref.encode(text), repr(text)
        assert ours.decode(ids) == text


def test_decode_of_any_ids_matches_the_shipped_decoder(ours, ref):
    rng = random.Random(1)
    for _ in range(200):
        ids = [rng.randrange(ours.vocab_size) for _ in range(rng.randint(1, 8))]
        assert ours.decode(ids) == ref.decode(ids)


def test_a_token_that_is_part_of_a_character_shows_its_bytes(ours):
    shown = [ours.token_text(i) for i in ours.encode("庭😀")]
    assert shown == ["<e5>", "<ba>", "<ad>", "<f0>", "<9f>", "<98>", "<80>"]
    assert all("\ufffd" not in ours.token_text(i) for i in range(ours.vocab_size))
    assert show_bytes("a庭".encode()[:3]) == "a<e5 ba>"
    assert show_bytes("庭".encode()) == "庭"


def test_replay_ends_at_encode_and_merges_in_rank_order(ours):
    text = "What says the King of France? The King of"
    start, steps = ours.encode_steps(text)
    assert len(start) == len(text.encode("utf-8"))
    assert steps[-1].ids == ours.encode(text)
    ranks = [s.rank for s in steps]
    assert ranks == sorted(ranks) and len(set(ranks)) == len(ranks)
    assert all(len(b.ids) < len(a.ids) for a, b in pairwise(steps))


def naive_train(text: str, vocab_size: int) -> dict:
    """minbpe's RegexTokenizer.train: recount every pair from scratch before each merge."""
    words = [list(p.encode("utf-8")) for p in GPT2_SPLIT.findall(text)]
    merges = {}
    for new_id in range(256, vocab_size):
        counts = Counter(p for w in words for p in pairwise(w))
        if not counts:
            break
        top = max(counts.values())
        best = min(p for p, c in counts.items() if c == top)  # ties: the smallest pair
        merges[best] = (new_id - 256, new_id)
        words = [merge(w, best, new_id) for w in words]
    return merges


def test_train_learns_the_same_merges_as_recounting_from_scratch():
    text = "".join(split_texts("train")[0].splitlines(keepends=True)[:300])
    assert train(text, 256 + 120).merges == naive_train(text, 256 + 120)


def test_train_compresses_more_with_a_bigger_vocabulary_and_round_trips():
    text = "".join(split_texts("train")[1][:60_000])
    sizes = [len(train(text, v).encode(text)) for v in (256, 400, 800)]
    assert sizes[0] == len(text.encode("utf-8")) and sizes[0] > sizes[1] > sizes[2]
    bpe = train(text, 600)
    assert bpe.vocab_size == 600
    for s in TEXTS:
        assert bpe.decode(bpe.encode(s)) == s


def test_train_refuses_fewer_than_256_tokens():
    with pytest.raises(ValueError, match="256"):
        train("abc", 100)
