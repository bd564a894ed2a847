"""``lmlab bench NAME``: lmlab measured against the peer a user would pick.

Part of the ``lmlab`` command (``lmlab/cli/__init__.py`` assembles it).
"""

from __future__ import annotations

import json


def cmd_bench(args) -> int:
    from lmlab.bench.suite import BENCHES

    for r in BENCHES[args.name]():
        if args.json:
            print(json.dumps(r), flush=True)
        else:
            print(f"{r['bench']}: {r['metric']}: lmlab {r['ours']:,.1f} vs {r['peer_name']} "
                  f"{r['peer']:,.1f} -> {r['ratio']:.2f}x", flush=True)
    return 0


def add_bench(sub) -> None:
    from lmlab.bench.suite import BENCHES

    p = sub.add_parser("bench", help="measure lmlab against its peer library")
    p.add_argument("name", choices=sorted(BENCHES))
    p.add_argument("--json", action="store_true", help="one JSON object per comparison")
    p.set_defaults(func=cmd_bench)
