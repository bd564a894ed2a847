"""``lmlab finetune`` and ``lmlab explain``: the genre classifier and its explanations.

Part of the ``lmlab`` command (``lmlab/cli/__init__.py`` assembles it).
"""

from __future__ import annotations

import json
import sys

from lmlab.cli.common import UsageError, argv_of


def cmd_finetune(args) -> int:
    import torch

    from lmlab.checkpoint import check_output_dir
    from lmlab.explain.card import model_card
    from lmlab.explain.classifier import (
        SHIPPED_CLASSIFIER,
        ClassifierConfig,
        evaluate_classifier,
        finetune,
        save_classifier,
    )

    out = check_output_dir(args.out, "classifier", args.overwrite_shipped)
    if args.dev and out == SHIPPED_CLASSIFIER.resolve():
        raise UsageError("--dev models are for choosing settings; write them elsewhere with "
                         "--out (e.g. runs/genre-dev)")
    if not 1 <= args.n_lines <= 40 or not 0 <= args.tuned_layers <= 6 or args.epochs < 1:
        raise UsageError("need 1 <= --n-lines <= 40, 0 <= --tuned-layers <= 6, --epochs >= 1")
    if args.threads:
        torch.set_num_threads(args.threads)
    cfg = ClassifierConfig(n_lines=args.n_lines, train_per_class=args.train_per_class,
                           tuned_layers=args.tuned_layers, epochs=args.epochs, seed=args.seed,
                           dev=args.dev)
    say = None if args.json else (lambda msg: print(msg, file=sys.stderr, flush=True))
    model, facts = finetune(cfg, progress=say)
    save_classifier(model, out, cfg)
    report = evaluate_classifier(out, model=model, dev=args.dev)
    card = model_card(cfg, facts, report, "lmlab " + " ".join(argv_of(args)))
    (out / "README.md").write_text(card, encoding="utf-8")
    if args.json:
        print(json.dumps({"out": str(out), "train": facts, "eval": report}))
    else:
        print(card)
    return 0


def add_finetune(sub) -> None:
    p = sub.add_parser("finetune", help="(re)build the genre classifier on MiniLM")
    p.add_argument("--out", default="runs/genre-classifier", help="output folder (the shipped "
                   "one: assets/genre-classifier, with --overwrite-shipped)")
    p.add_argument("--overwrite-shipped", action="store_true",
                   help="allow an --out under assets/ (maintainers rebuilding a shipped model)")
    p.add_argument("--n-lines", type=int, default=8, help="spoken lines per passage")
    p.add_argument("--train-per-class", type=int, default=1200)
    p.add_argument("--tuned-layers", type=int, default=1, help="top MiniLM layers to tune (0-6)")
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1, help="torch threads (0: torch's choice); "
                   "the same number gives the same weights")
    p.add_argument("--dev", action="store_true",
                   help="hold out development plays and report on them (for choosing settings)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_finetune)


def cmd_explain(args) -> int:
    from lmlab.explain.shap_values import MAX_EVALS, explain, warm_up

    max_evals = MAX_EVALS[args.model] if args.max_evals is None else args.max_evals
    if not 20 <= max_evals <= 100_000:
        raise UsageError(f"--max-evals must be between 20 and 100000, not {max_evals}")
    warm_up()  # shap's one-off compiling stays out of the SHAP time reported
    e = explain(args.text, args.model, args.target, max_evals)
    if args.json:
        print(json.dumps(e.to_json()))
        return 0
    print(f"{e.target_label()} = {e.output:.4f}   (everything hidden: {e.base_value:.4f})")
    for tok, v, g, a in zip(e.tokens, e.values, e.grad_x_input, e.attention, strict=False):
        print(f"  {v:+.4f}  grad×input {g:+.4f}  attention {a:.3f}  {tok!r}")
    print(f"additivity: base value {e.base_value:.4f} + sum of values ({sum(e.values):+.4f}) "
          f"= {e.base_value + sum(e.values):.4f}; output {e.output:.4f}")
    print(f"Spearman with |SHAP|: {e.spearman}; SHAP took {e.seconds:.2f} s")
    if e.cut:
        part = "last" if e.model == "gpt" else "first"
        print(f"The text was {e.n_tokens_in:,} tokens; only its {part} {len(e.tokens)} were "
              "explained (what the model reads).")
    return 0


def add_explain(sub) -> None:
    p = sub.add_parser("explain", help="SHAP, gradient x input and attention for one text")
    p.add_argument("--text", required=True, help="the text to explain")
    p.add_argument("--model", default="classifier", choices=["classifier", "gpt"])
    p.add_argument("--target", default=None, help="classifier: a genre (default: predicted); "
                   "gpt: one next token (default: the greedy one)")
    p.add_argument("--max-evals", type=int, default=None,
                   help="SHAP model evaluations (default: classifier 100, gpt 200)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_explain)
