"""Memorisation (``lmlab.privacy.memorization``) and extraction (``lmlab.privacy.extraction``).

Checks: the batched greedy continuation equals ``lmlab.generate.generate`` at temperature 0,
token for token; training and held-out lines are drawn in equal numbers at equal lengths; the
JSON has the issue's schema; the probe finds a famous line in its work (Julius Caesar) and says
when a text is in no work; empty and over-long line starts are refused with a sentence; the
"seen in training" hash lookup finds a run copied from the training works and not a shuffled
one; the extraction report has precision in [0, 1] at each rank.  About 30 s on 2 cores.

Run:  python -m pytest tests/test_privacy_memorization.py -q
"""

import numpy as np
import pytest
import torch

from lmlab.data import read_work
from lmlab.generate import generate
from lmlab.models import load_gpt
from lmlab.privacy import extraction as ex
from lmlab.privacy.memorization import BadPrefix, corpus_lines, greedy, memorization, probe
from lmlab.tokenizer import load_tokenizer, token_stream


@pytest.fixture(scope="module")
def gpt():
    return load_gpt("shakespeare"), load_tokenizer()


def test_batched_greedy_equals_generate_at_temperature_zero(gpt):
    model, tok = gpt
    lines = corpus_lines("train", 10, tok, n=4, seed=3)
    nl = tok.encode("\n")[0]
    got = greedy(model, lines[:, :6], 5, nl)
    for row, out in zip(lines, got, strict=True):
        ref = generate(model, torch.tensor([[nl, *row[:6].tolist()]]), 5, temperature=0.0)
        assert out.tolist() == ref[0, 7:].tolist()


def test_train_and_heldout_lines_match_in_number_and_length(gpt):
    _, tok = gpt
    a, b = corpus_lines("train", 12, tok, n=30), corpus_lines("heldout", 12, tok, n=30)
    assert a.shape == b.shape == (30, 12)


def test_memorization_json_has_the_issues_schema(gpt):
    model, tok = gpt
    r = memorization(model, tok, k=4, m=2, n=20, by_prefix=(2, 4)).to_json()
    assert set(r) == {"prefix_tokens", "continuation_tokens", "train", "heldout", "by_prefix"}
    assert r["train"]["lines"] == r["heldout"]["lines"] == 20
    assert [row["prefix_tokens"] for row in r["by_prefix"]] == [2, 4]
    assert all(0 <= row[s] <= 1 for row in r["by_prefix"] for s in ("train", "heldout"))


def test_probe_finds_a_famous_line_and_where_it_is(gpt):
    model, tok = gpt
    p = probe(model, tok, "Friends, Romans, countrymen")
    assert p.found_in == "train" and p.where[0] == "julius_caesar"
    line = read_work("julius_caesar").split("\n")[p.where[1] - 1]
    assert line.startswith("Friends, Romans, countrymen") and p.true_continuation.startswith(", lend")
    q = probe(model, tok, "To be, or not")
    assert q.found_in == "heldout" and q.where[0] == "hamlet"
    r = probe(model, tok, "Zebra quantum laptop")
    assert r.found_in is None and r.where is None and r.true_continuation is None


@pytest.mark.parametrize("bad", ["", "   \n", "word " * 80])
def test_probe_refuses_empty_and_overlong_line_starts(gpt, bad):
    model, tok = gpt
    with pytest.raises(BadPrefix, match="line start"):
        probe(model, tok, bad)


def test_hash_lookup_finds_training_runs_and_not_shuffled_ones():
    train = token_stream("train").astype(np.int64)
    run = train[5000:5000 + 30]
    assert ex.verbatim_runs(run).all()
    shuffled = np.random.default_rng(0).permutation(run)
    assert not ex.verbatim_runs(shuffled).any()
    assert ex.longest_run(ex.verbatim_runs(run), ex.MATCH_TOKENS) == 30
    assert ex.longest_run(np.zeros(5, bool), 12) == 0


def test_extraction_report_has_precision_at_each_rank(gpt):
    model, tok = gpt
    r = ex.extraction(model, tok, n=30, length=24)
    js = r.to_json()
    assert js["samples"] == 30 and js["sample_tokens"] == 24
    assert set(js["precision"]) == {"perplexity", "zlib", "random"}
    assert all(0 <= v <= 1 for m in ("perplexity", "zlib") for v in js["precision"][m].values())
    assert (r.perplexity > 1).all() and len(r.texts) == 30
