"""Byte-level BPE: lossless round trip on any text, PreTrainedTokenizerFast agrees, rebuild is
deterministic.

Run: python -m pytest tests/test_tokenizer.py
"""

import hashlib

import pytest

from lmlab.data import read_work
from lmlab.tokenizer import EOT, TOKENIZER_PATH, load_tokenizer, train_bpe

TEXTS = [
    "ROMEO.\nBut soft! what light through yonder window breaks?",
    "emoji 🤖🎭 and Chinese 生存还是毁灭 and RTL שלום and zero-width a\u200bb",
    "control \x00\x01\x07\x1b[31m and tabs\t\r\n",
    "e\u0301 (combining) 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    f"{EOT} inside text",
    "",
]


@pytest.mark.parametrize("text", TEXTS)
def test_decode_of_encode_is_identity(text):
    tok = load_tokenizer()
    assert tok.decode(tok.encode(text)) == text


def test_transformers_fast_tokenizer_gives_the_same_ids():
    tok = load_tokenizer()
    fast = tok.as_transformers()
    text = read_work("hamlet")[:3000]
    assert fast(text)["input_ids"] == tok.encode(text)
    assert fast.decode(tok.encode(text)) == text


def test_vocab_has_2048_tokens_and_compresses_shakespeare():
    tok = load_tokenizer()
    assert tok.vocab_size == 2048
    text = read_work("hamlet")
    assert len(text) / len(tok.encode(text)) > 2.5  # characters per token on a held-out play


def test_training_on_the_same_text_gives_the_same_tokenizer():
    texts = [read_work("tempest"), read_work("othello")]
    a, b = train_bpe(texts, 400), train_bpe(texts, 400)
    assert a.to_str() == b.to_str()


@pytest.mark.slow
def test_rebuilding_the_shipped_tokenizer_gives_identical_bytes(tmp_path):
    from lmlab.tokenizer import build

    build(tmp_path / "tok.json")
    digest = hashlib.sha256((tmp_path / "tok.json").read_bytes()).hexdigest()
    assert digest == hashlib.sha256(TOKENIZER_PATH.read_bytes()).hexdigest()


def test_token_bytes_spell_the_text_and_display_never_shows_the_replacement_character():
    from lmlab.tokenizer import load_tokenizer

    tok = load_tokenizer()
    for text in ("ROMEO. But soft!", "床前明月光，疑是地上霜。", "🤖🎭 café", "a\n\tb"):
        ids = tok.encode(text)
        assert b"".join(tok.token_bytes(i) for i in ids) == text.encode("utf-8")
        shown = tok.token_display(ids)
        assert len(shown) == len(ids) and not any("\ufffd" in s for s in shown)
    assert tok.token_display(tok.encode("床")) == ["<e5>", "<ba>", "<8a>"]
    assert tok.token_display([tok.eot_id]) == ["<|endoftext|>"]
