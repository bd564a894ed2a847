"""``lmlab privacy`` and ``lmlab privacy train-canaries``: the privacy lab's figures and models.

Part of the ``lmlab`` command (``lmlab/cli/__init__.py`` assembles it).  Computed by
``lmlab.privacy.report`` and ``lmlab.privacy.canary_train``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from lmlab.cli.common import UsageError

PARTS = ("memorization", "membership", "canary", "extraction")


def cmd_privacy(args) -> int:
    import torch

    torch.set_num_threads(max(args.threads, 1))
    if args.action == "train-canaries":
        return train_canaries(args)
    parts = tuple(p.strip() for p in args.parts.split(",") if p.strip())
    bad = [p for p in parts if p not in PARTS]
    if bad or not parts:
        raise UsageError(f"--parts takes a comma-separated list of {', '.join(PARTS)}")
    from lmlab.privacy.report import privacy_report

    report = privacy_report(parts, seed=args.seed)
    if args.json:
        print(json.dumps(report))
    else:
        print(human(report))
    return 0


def human(report: dict) -> str:
    """The report as a few readable lines."""
    lines = []
    if "memorization" in report:
        m = report["memorization"]
        lines.append(f"memorisation ({m['prefix_tokens']} tokens given, {m['continuation_tokens']} "
                     f"asked): train {m['train']['verbatim']:.1%} verbatim, held-out "
                     f"{m['heldout']['verbatim']:.1%}")
    if "membership" in report:
        m = report["membership"]
        lines.append(f"membership inference: AUC {m['auc']:.3f}, calibrated by "
                     f"{m['reference']} {m['calibrated_auc']:.3f} ({m['members']} vs "
                     f"{m['nonmembers']} passages)")
    for row in report.get("canary", []):
        dp = f", DP ε={row['epsilon']}" if row["dp"] else ""
        lines.append(f"canary x{row['insertions']}{dp}: rank {row['rank']}, exposure "
                     f"{row['exposure']:.2f} bits, held-out perplexity {row['perplexity']}")
    if "extraction" in report:
        e = report["extraction"]
        lines.append(f"extraction: {e['verbatim_share']:.1%} of {e['samples']} samples hold "
                     f"{e['match_tokens']} training tokens in a row; precision {e['precision']}")
    return "\n".join(lines)


def train_canaries(args) -> int:
    from lmlab.privacy.canary_train import build_all

    say = None if args.json else (lambda msg: print(msg, file=sys.stderr, flush=True))
    facts = build_all(Path(args.out), progress=say)
    print(json.dumps(facts) if args.json else "\n".join(json.dumps(f) for f in facts))
    return 0


def add_privacy(sub) -> None:
    from lmlab.privacy.canary import CANARY_DIR

    p = sub.add_parser("privacy", help="memorisation, membership inference, canaries, DP-SGD")
    p.add_argument("action", nargs="?", default="report", choices=["report", "train-canaries"],
                   help="report: compute the figures (default); train-canaries: rebuild the "
                   "canary models (minutes, one thread, the same bytes every time)")
    p.add_argument("--parts", default=",".join(PARTS), help="which figures, comma-separated")
    p.add_argument("--out", default=str(CANARY_DIR), help="train-canaries: output folder")
    p.add_argument("--seed", type=int, default=0, help="which lines, passages and samples")
    p.add_argument("--threads", type=int, default=1, help="torch threads")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_privacy)
