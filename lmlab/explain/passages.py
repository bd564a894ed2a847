"""Passages for the genre task: the spoken lines of each play, split by whole plays.

Lessons: lessons/08_objectives.en.md, lessons/12_interpretability.en.md.  Used by ``lmlab.explain.classifier``.

A passage is ``n_lines`` consecutive *spoken* lines of one play: the cast list, act and scene
headings, speaker names ("KING HENRY.") and [stage directions] are removed, so the classifier
must read the verse and prose, not the labels around them.  Poetry is left out (no genre of the
three).  Plays are never split: training passages come from the training plays only, evaluation
passages from the six held-out plays (val + test: Hamlet, Twelfth Night, Henry V; Macbeth, Much
Ado About Nothing, Richard II), the same number from each, so each genre has the same share.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from lmlab.data import load_works, read_work

LABELS = ("comedy", "tragedy", "history")
# training plays held back to choose settings (passage length, layers tuned); two per genre
DEV_PLAYS = ("as_you_like_it", "tempest", "othello", "julius_caesar", "henry_iv_part_1",
             "richard_iii")

# ----------------------------------------------------------------------------- spoken lines

_HEADING = re.compile(r"^(ACT|Act|SCENE|Scene|PROLOGUE|Prologue|INDUCTION|Induction|EPILOGUE|"
                      r"Epilogue|CHORUS|Chorus)\b")
_SPEAKER = re.compile(r"^[A-Z0-9][A-Za-z0-9'&,.\- ]{0,38}$")


def spoken_lines(play: str) -> list[str]:
    """The lines people speak in a play: no cast list, headings, speaker names or directions.

    A speaker name is the short first line of a paragraph ("Ber.", "KING HENRY.", "LYSANDER");
    stage directions are in brackets and may span lines.

    >>> spoken_lines("ACT I.\\n\\nBer.\\nWho's there? [Aside.]\\n\\n[Exit.]\\nHor.\\nFriends.")
    ["Who's there?", 'Friends.']
    """
    lines = play.split("\n")
    start = next((i for i, s in enumerate(lines) if _HEADING.match(s)), 0)  # skip the cast list
    out, depth, prev_blank = [], 0, True
    for raw in lines[start:]:
        depth, kept = depth if raw.strip() else 0, []  # a paragraph ends any direction
        for ch in raw.replace("}", "]"):  # drop [bracketed] directions, also across lines
            depth += ch == "["
            if depth == 0:
                kept.append(ch)
            depth -= ch == "]" and depth > 0
        if kept and "".join(kept).strip():
            depth = 0  # "[Exit." after speech closes at the end of its line
        text = "".join(kept).strip()
        first, prev_blank = prev_blank, not text  # blank or only a direction
        if not text or _HEADING.match(text):
            continue
        is_name = (_SPEAKER.fullmatch(text) and len(text.split()) <= 4
                   and (text.endswith(".") or text.isupper()))
        if first and is_name:
            continue
        out.append(text)
    return out


@dataclass(frozen=True)
class Passage:
    """``n_lines`` consecutive spoken lines of one play."""

    text: str  # the lines joined by newlines
    slug: str  # the play, e.g. "hamlet"
    genre: str  # one of LABELS


@lru_cache(maxsize=64)
def play_passages(slug: str, n_lines: int) -> tuple[Passage, ...]:
    """All non-overlapping passages of ``n_lines`` spoken lines of a play, in order."""
    genre = next(w.genre for w in load_works() if w.slug == slug)
    lines = spoken_lines(read_work(slug))
    return tuple(Passage("\n".join(lines[i:i + n_lines]), slug, genre)
                 for i in range(0, len(lines) - n_lines + 1, n_lines))


def _evenly(items: tuple | list, k: int) -> list:
    """``k`` items spread evenly over ``items`` (all of them if there are fewer): deterministic."""
    if k >= len(items):
        return list(items)
    return [items[i] for i in np.linspace(0, len(items) - 1, k).round().astype(int)]


def plays(split: str, dev: bool = False) -> list[str]:
    """Slugs of the plays (no poetry) used for ``"train"`` or ``"eval"``.

    ``eval`` is the six val + test plays; with ``dev=True`` it is ``DEV_PLAYS`` instead, and
    those leave the training plays.
    """
    works = [w for w in load_works() if w.genre in LABELS]
    held = {w.slug for w in works if w.split in ("val", "test")}
    if split == "eval":
        return sorted(DEV_PLAYS) if dev else sorted(held)
    if split == "train":
        return sorted(w.slug for w in works if w.slug not in held
                      and not (dev and w.slug in DEV_PLAYS))
    raise ValueError(f"split must be train or eval, not {split!r}")


def training_set(n_lines: int, per_class: int, dev: bool = False) -> list[Passage]:
    """``per_class`` passages per genre, spread evenly over that genre's training plays."""
    out = []
    for genre in LABELS:
        slugs = [s for s in plays("train", dev) if play_passages(s, n_lines)[0].genre == genre]
        per_play = -(-per_class // len(slugs))
        pool = [p for s in slugs for p in _evenly(play_passages(s, n_lines), per_play)]
        out += _evenly(pool, per_class)
    return out


def evaluation_set(n_lines: int, per_play: int, dev: bool = False) -> list[Passage]:
    """``per_play`` passages from each evaluation play, evenly spaced: balanced by genre."""
    return [p for s in plays("eval", dev) for p in _evenly(play_passages(s, n_lines), per_play)]
