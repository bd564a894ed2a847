"""The ``lmlab`` command: train, distill, generate, eval, quantize, ngram, finetune, explain, bench.

Tool: the command line.  Modules: ``lmlab.cli.common`` (usage errors, loading), ``lmlab.cli.train``,
``lmlab.cli.generate``, ``lmlab.cli.evaluate``, ``lmlab.cli.explain``, ``lmlab.cli.bench``.
Also ``lmlab.cli.privacy`` (the privacy lab).
``lmlab.cli.compress``: ``lmlab export --format onnx``.

Run ``lmlab --help`` or ``lmlab SUBCOMMAND --help``.  Errors are one plain line on stderr and a
non-zero exit status; ``--json`` prints machine-readable results on stdout.  Each subcommand
lives in its own module (``lmlab/cli/<group>.py``, an ``add_<name>(sub)`` per command); the
analysis it prints is computed by the module whose concept it is.
"""

from __future__ import annotations

import argparse
import sys

from lmlab.cli import bench, evaluate, explain, generate, privacy, train
from lmlab.cli.common import UsageError
from lmlab.cli.compress import add_export

COMMANDS = [train.add_train, train.add_distill, evaluate.add_quantize, generate.add_generate,
            evaluate.add_eval, generate.add_ngram, explain.add_finetune, explain.add_explain,
            bench.add_bench, privacy.add_privacy]
COMMANDS += [add_export]  # lmlab.cli.compress


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lmlab", description="LM Lab: look inside real, "
                                     "working language models.")
    sub = parser.add_subparsers(dest="command", required=True)
    for add in COMMANDS:
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.argv = argv
    try:
        from lmlab.cli.common import quiet_libraries

        quiet_libraries()
        return args.func(args)
    except (UsageError, ValueError, FileNotFoundError, OSError) as exc:
        print(f"lmlab {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"lmlab {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
