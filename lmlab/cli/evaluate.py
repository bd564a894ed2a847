"""``lmlab eval`` and ``lmlab quantize``: held-out figures, computed now.

Part of the ``lmlab`` command (``lmlab/cli/__init__.py`` assembles it).
"""

from __future__ import annotations

import json
from dataclasses import asdict

from lmlab import SHIPPED_GPT
from lmlab.cli.common import UsageError, load_model


def cmd_quantize(args) -> int:
    from lmlab.compress.quantize import BITS
    from lmlab.compress.report import quantize_rows
    from lmlab.tokenizer import token_stream

    bad = [b for b in args.bits if b not in BITS]
    if bad:
        raise UsageError(f"--bits must be 2, 4 or 8, not {bad[0]}")
    if args.tokens < 2:
        raise UsageError("--tokens must be at least 2")
    model = load_model(args.model)
    ids = token_stream("val")[:args.tokens]
    rows = [asdict(r) for r in quantize_rows(model, args.bits, ids, not args.asymmetric,
                                             args.group_size)]
    report = {"model": str(args.model), "val_tokens": len(ids), "asymmetric": args.asymmetric,
              "group_size": args.group_size, "rows": rows}
    if args.json:
        print(json.dumps(report))
        return 0
    print(f"{args.model}: held-out perplexity on the first {len(ids):,} val tokens")
    for r in rows:
        print(f"{r['bits']:>3} bits: matrices {r['matrix_bytes'] / 1e6:6.2f} MB, largest weight "
              f"change {r['max_weight_error']:.4f}, perplexity {r['val_perplexity']:.2f}")
    return 0


def add_quantize(sub) -> None:
    p = sub.add_parser("quantize", help="what rounding the weights to fewer bits costs")
    p.add_argument("--model", default=str(SHIPPED_GPT), help="GPT checkpoint folder")
    p.add_argument("--bits", type=int, nargs="+", default=[8, 4],
                   help="code widths to try (2, 4 or 8), per row, symmetric")
    p.add_argument("--tokens", type=int, default=20_000, help="val tokens to score")
    p.add_argument("--asymmetric", action="store_true", help="a zero point per scale")
    p.add_argument("--group-size", type=int, default=None,
                   help="one scale per this many weights of a row (must divide the width)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_quantize)


def cmd_eval(args) -> int:
    from lmlab.evaluate import heldout_report
    from lmlab.leaderboard import best_ngram, ngram_report

    model = load_model(args.model)
    report = {"model": str(args.model), "parameters": model.num_parameters(),
              "gpt": heldout_report(model), "ngram": ngram_report()}
    best = best_ngram(report["ngram"])
    report["best_ngram"] = {"model": best, **report["ngram"][best]}
    report["gpt_over_best_ngram"] = {
        s: round(report["gpt"][s]["perplexity"] / report["ngram"][best][s], 4)
        for s in ("val", "test")}
    if not args.no_classifier:
        from lmlab.explain.classifier import evaluate_classifier

        report["classifier"] = evaluate_classifier()
    if args.json:
        print(json.dumps(report))
        return 0
    for split, r in report["gpt"].items():
        print(f"GPT {split}: perplexity {r['perplexity']:.2f} on {r['tokens']:,} tokens")
    print(f"best n-gram ({best}): val {report['best_ngram']['val']}, "
          f"test {report['best_ngram']['test']}")
    print(f"GPT / best n-gram perplexity: {report['gpt_over_best_ngram']}")
    if "classifier" in report:
        r = report["classifier"]
        print(f"genre classifier, {r['n_passages']} held-out passages: accuracy "
              f"{r['accuracy']:.3f}, macro-F1 {r['macro_f1']:.3f} (majority "
              f"{r['majority_accuracy']:.3f})")
    return 0


def add_eval(sub) -> None:
    p = sub.add_parser("eval", help="held-out figures of the shipped models, computed now")
    p.add_argument("--model", default=str(SHIPPED_GPT), help="GPT checkpoint folder")
    p.add_argument("--no-classifier", action="store_true", help="skip the genre classifier")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_eval)
