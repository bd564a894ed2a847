"""The committed corpus: 42 works, genres, a split by whole works, files matching their hashes.

Run: python -m pytest tests/test_data.py
"""

import hashlib
from collections import Counter

from lmlab import data


def test_corpus_has_the_42_non_folio_works_with_genres():
    works = data.load_works()
    assert len(works) == 42
    assert {w.genre for w in works} == set(data.GENRES)
    assert Counter(w.genre for w in works) == {"comedy": 16, "tragedy": 11, "history": 10,
                                               "poetry": 5}


def test_committed_texts_match_their_recorded_hashes():
    for w in data.load_works():
        raw = (data.CORPUS_DIR / "texts" / f"{w.slug}.txt").read_bytes()
        assert hashlib.sha256(raw).hexdigest() == w.sha256, w.slug
        assert len(raw.decode("utf-8")) == w.n_chars


def test_split_is_by_whole_work_with_every_genre_held_out():
    by_split = {s: data.works_in(s) for s in ("train", "val", "test")}
    slugs = [w.slug for ws in by_split.values() for w in ws]
    assert len(slugs) == len(set(slugs)) == 42  # no work in two splits
    for split in ("val", "test"):
        assert {w.genre for w in by_split[split]} == set(data.GENRES)
    assert [w.slug for w in by_split["val"]] == ["hamlet", "henry_v", "sonnets", "twelfth_night"]


def test_held_out_lines_are_not_copied_into_training_text():
    train_lines = {ln for t in data.split_texts("train") for ln in t.split("\n") if len(ln) > 40}
    hamlet = [ln for ln in data.read_work("hamlet").split("\n") if len(ln) > 40]
    shared = sum(ln in train_lines for ln in hamlet)
    assert shared / len(hamlet) < 0.02  # only stock stage directions may repeat


def test_clean_text_normalises_newlines_spaces_and_blank_runs():
    assert data.clean_text("A.\r\nB   \r\n\r\n\r\n\r\nC\t.") == "A.\nB\n\nC    .\n"
    assert data.clean_text(data.read_work("sonnets")) == data.read_work("sonnets")
