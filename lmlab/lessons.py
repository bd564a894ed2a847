"""Run a lesson's code: every ```python block of a lesson file, in order, in one namespace.

Lessons: lessons/README.md (every ``lessons/NN_topic.{en,zh}.md``).  Test: tests/test_lessons.py.

    python -m lmlab.lessons lessons/01_language_models.en.md
    python -m lmlab.lessons -q lessons/*.md          # all of them, summaries only
    python -m lmlab.lessons render                   # every lesson's outputs -> lessons/outputs/

``render`` writes what each block printed to ``lessons/outputs/NN_topic.LANG.json`` (committed):
the Lessons tab shows those outputs and never runs code per request; ``stale_outputs`` says
which blocks changed since (tests/test_lessons_tab.py checks the committed files are current).

A lesson reads like a notebook: block 3 may use a name that block 1 defined.  Only fences whose
info string is exactly ``python`` run; ```bash and ```text blocks are shown to the reader, not
run.  When a block fails, the error names the lesson, the block's number and its line in the
markdown file, and the traceback points at lines of the markdown file itself.

This runs code with ``exec``: it is meant for the lesson files of this repository, which are
reviewed like any other source file (running one is like running a test file).  Never point it
at text that came from a user.

>>> [b.code for b in extract_blocks("Text.\\n```python\\nx = 1\\n```\\n```bash\\nls\\n```\\n")]
['x = 1\\n']
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)[^`]*$")  # an opening fence, its language
SLOW_SECONDS = 5.0  # a lesson block should run faster than this on a 2-core CPU
LESSONS_DIR = Path(__file__).resolve().parent.parent / "lessons"  # NN_topic.{en,zh}.md
OUTPUTS_DIR = LESSONS_DIR / "outputs"  # NN_topic.{en,zh}.json, written by ``render``


@dataclass(frozen=True)
class CodeBlock:
    """One runnable block of a lesson."""

    index: int  # 1 for the lesson's first python block, 2 for the next, ...
    line: int  # line of the markdown file where the code starts (after the fence), 1-based
    code: str  # the code, with a final newline


@dataclass(frozen=True)
class BlockResult:
    """What running one block gave."""

    block: CodeBlock
    seconds: float  # wall time of the block alone
    output: str  # what it printed


class LessonError(Exception):
    """A block of a lesson failed; the message says which one and shows the traceback."""

    def __init__(self, path: Path, block: CodeBlock, details: str):
        self.path, self.block, self.details = path, block, details
        super().__init__(f"{path}, block {block.index} (line {block.line}) failed:\n{details}")


# ----------------------------------------------------------------------------- reading


def extract_blocks(markdown: str) -> list[CodeBlock]:
    """The ```python blocks of a markdown text, in order (other languages are skipped).

    A block ends at a line of the same fence character, at least as long as the opening one
    (CommonMark's rule), so a block can quote a shorter fence.  An unclosed block is an error.
    """
    blocks: list[CodeBlock] = []
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, lang = m.group(1), m.group(2)
        closing = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}\s*$")
        end = i + 1
        while end < len(lines) and not closing.match(lines[end]):
            end += 1
        if end == len(lines):
            raise ValueError(f"the code fence opened on line {i + 1} is never closed")
        if lang == "python":
            code = "\n".join(lines[i + 1:end]) + "\n"
            blocks.append(CodeBlock(len(blocks) + 1, i + 2, code))
        i = end + 1
    return blocks


def lesson_blocks(path: str | Path) -> list[CodeBlock]:
    """The python blocks of one lesson file."""
    return extract_blocks(Path(path).read_text(encoding="utf-8"))


# ----------------------------------------------------------------------------- running


def run_blocks(blocks: list[CodeBlock], path: str | Path = "<lesson>",
               echo: bool = False) -> list[BlockResult]:
    """Run ``blocks`` in order in one fresh namespace; raise ``LessonError`` at the first failure.

    Each block is compiled under the lesson's file name with its lines at their markdown line
    numbers, so a traceback shows the lesson's own lines.  ``echo`` prints each block's output
    as it finishes (the command line does); otherwise output is only captured.
    """
    path = Path(path)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a lesson never reaches a model hub
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    with _torch_state_kept():
        return _run(blocks, path, echo)


@contextlib.contextmanager
def _torch_state_kept():
    """Undo what lessons may change in torch's global state (RNG, print options) afterwards,
    so that running lessons inside a test session leaves the other tests as they were."""
    torch = sys.modules.get("torch")
    rng = torch.get_rng_state() if torch else None
    try:
        yield
    finally:
        torch = sys.modules.get("torch")
        if torch is not None:
            torch.set_printoptions(profile="default", sci_mode=None)
            if rng is not None:
                torch.set_rng_state(rng)


def _run(blocks: list[CodeBlock], path: Path, echo: bool) -> list[BlockResult]:
    namespace: dict = {"__name__": "__lesson__", "__file__": str(path)}
    results = []
    for block in blocks:
        buffer = io.StringIO()
        t0 = time.perf_counter()
        try:
            code = compile("\n" * (block.line - 1) + block.code, str(path), "exec")
            with contextlib.redirect_stdout(buffer):
                exec(code, namespace)  # repository-authored lesson code only (see above)
        except Exception as exc:
            details = buffer.getvalue() + "".join(traceback.format_exception(exc))
            raise LessonError(path, block, details) from exc
        result = BlockResult(block, time.perf_counter() - t0, buffer.getvalue())
        results.append(result)
        if echo:
            print(f"--- block {block.index} (line {block.line}), {result.seconds:.2f} s")
            print(result.output, end="")
    return results


def run_lesson(path: str | Path, echo: bool = False) -> list[BlockResult]:
    """Run every python block of the lesson at ``path``."""
    return run_blocks(lesson_blocks(path), path, echo)


def summary(path: str | Path, results: list[BlockResult], slow: float = SLOW_SECONDS) -> str:
    """One line per lesson: blocks, total time, and any block slower than ``slow`` seconds."""
    total = sum(r.seconds for r in results)
    line = f"{path}: {len(results)} blocks passed in {total:.1f} s"
    late = [f"block {r.block.index} (line {r.block.line}) {r.seconds:.1f} s"
            for r in results if r.seconds > slow]
    return line + (f"; slower than {slow:g} s: {', '.join(late)}" if late else "")


# ----------------------------------------------------------------------------- outputs


def block_hash(block: CodeBlock) -> str:
    """A short fingerprint of a block's code: an output belongs to exactly this code."""
    return hashlib.sha256(block.code.encode("utf-8")).hexdigest()[:16]


def outputs_path(path: str | Path, folder: Path = OUTPUTS_DIR) -> Path:
    """Where ``render`` keeps the outputs of the lesson at ``path`` (``01_x.en.md`` -> ``01_x.en.json``)."""
    return Path(folder) / (Path(path).name.removesuffix(".md") + ".json")


def render(path: str | Path, folder: Path = OUTPUTS_DIR) -> Path:
    """Run a lesson and write what each block printed next to its code's fingerprint."""
    results = run_lesson(path)
    data = {"lesson": Path(path).name,
            "blocks": [{"index": r.block.index, "line": r.block.line, "code": block_hash(r.block),
                        "output": r.output} for r in results]}
    out = outputs_path(path, folder)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return out


def load_outputs(path: str | Path, folder: Path = OUTPUTS_DIR) -> dict[int, str]:
    """Block index -> the output ``render`` recorded, for blocks whose code is unchanged since
    (a changed or new block has none: the page shows its code without a stale output)."""
    out = outputs_path(path, folder)
    if not out.exists():
        return {}
    current = {b.index: block_hash(b) for b in lesson_blocks(path)}
    blocks = json.loads(out.read_text(encoding="utf-8"))["blocks"]
    return {b["index"]: b["output"] for b in blocks if current.get(b["index"]) == b["code"]}


def stale_outputs(path: str | Path, folder: Path = OUTPUTS_DIR) -> list[int]:
    """The blocks of a lesson with no current recorded output (empty: the outputs are current)."""
    have = load_outputs(path, folder)
    return [b.index for b in lesson_blocks(path) if b.index not in have]


def all_lessons() -> list[Path]:
    """Every lesson file with code, in order (``01_..en``, ``01_..zh``, ``02_..``)."""
    return sorted(p for p in LESSONS_DIR.glob("[0-9][0-9]_*.md") if lesson_blocks(p))


def main(argv: list[str] | None = None) -> int:
    """``python -m lmlab.lessons LESSON.md ...``: run lessons, stop at the first failure;
    ``python -m lmlab.lessons render [LESSON.md ...]``: record their outputs (default: all)."""
    import argparse

    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["render"]:
        return _render_main(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m lmlab.lessons",
                                     description=main.__doc__)
    parser.add_argument("lessons", nargs="+", type=Path, help="lesson markdown files")
    parser.add_argument("-q", "--quiet", action="store_true", help="summaries only")
    args = parser.parse_args(argv)
    for path in args.lessons:
        try:
            results = run_lesson(path, echo=not args.quiet)
        except LessonError as exc:
            print(exc, file=sys.stderr)
            return 1
        except (OSError, ValueError) as exc:
            print(f"{path}: {exc}", file=sys.stderr)
            return 2
        print(summary(path, results))
    return 0


def _render_main(paths: list[str]) -> int:
    for path in [Path(p) for p in paths] or all_lessons():
        try:
            print(f"{path} -> {render(path)}")
        except LessonError as exc:
            print(exc, file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
