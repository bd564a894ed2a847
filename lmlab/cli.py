"""The ``lmlab`` command: train, generate, eval, ngram, finetune, explain, bench.

Run ``lmlab --help`` or ``lmlab SUBCOMMAND --help``.  Errors are one plain line on stderr and a
non-zero exit status; ``--json`` prints machine-readable results on stdout.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from lmlab import ASSETS_DIR, SHIPPED_GPT


class UsageError(ValueError):
    """Bad input from the command line; the message is shown as is."""


# ----------------------------------------------------------------------------- train


def argv_of(args) -> list[str]:
    """The command line as typed (for model cards)."""
    return getattr(args, "argv", None) or sys.argv[1:]


def cmd_train(args) -> int:
    from lmlab.gpt import GPTConfig
    from lmlab.tokenizer import load_tokenizer
    from lmlab.train import TrainConfig, model_card, train

    out = Path(args.out).resolve()
    if out == ASSETS_DIR.resolve() or ASSETS_DIR.resolve() in out.parents:
        raise UsageError("train into a folder outside assets/ (e.g. runs/gpt); copy "
                         "model.safetensors, config.json and README.md to ship a model")
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    model_cfg = GPTConfig(vocab_size=load_tokenizer().vocab_size, block_size=args.block_size,
                          n_layer=args.n_layer, n_head=args.n_head, n_embd=args.n_embd,
                          dropout=args.dropout)
    teacher = getattr(args, "teacher", None)  # lmlab distill
    cfg = TrainConfig(model=model_cfg, batch_size=args.batch_size, max_steps=args.steps,
                      lr=args.lr, min_lr=args.lr / 10, warmup_steps=args.warmup,
                      eval_interval=args.eval_interval, seed=args.seed,
                      **(dict(teacher=teacher, kd_alpha=args.alpha,
                              kd_temperature=args.kd_temperature) if teacher else {}))
    if teacher:
        check_distillation(args)
    model = train(cfg, out, resume=args.resume, progress=not args.quiet,
                  command="lmlab " + " ".join(argv_of(args)))
    state = json.loads((out / "train_state.json").read_text())
    card = model_card(model, cfg, state["runs"], state["log"])
    (out / "README.md").write_text(card)
    print(card)
    return 0


def add_train(sub) -> None:
    p = sub.add_parser("train", help="train a GPT on the Shakespeare corpus")
    training_arguments(p, "runs/shakespeare-gpt", n_layer=4, n_head=4, n_embd=192)


def training_arguments(p, out: str, n_layer: int, n_head: int, n_embd: int) -> None:
    p.add_argument("--out", default=out, help="checkpoint folder")
    p.add_argument("--steps", type=int, default=4000)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--block-size", type=int, default=128)
    p.add_argument("--n-layer", type=int, default=n_layer)
    p.add_argument("--n-head", type=int, default=n_head)
    p.add_argument("--n-embd", type=int, default=n_embd)
    p.add_argument("--dropout", type=float, default=0.1)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--warmup", type=int, default=200)
    p.add_argument("--eval-interval", type=int, default=250)
    p.add_argument("--seed", type=int, default=1337)
    p.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's choice)")
    p.add_argument("--resume", action="store_true", help="continue from --out's checkpoint")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_train)


def check_distillation(args) -> None:
    """Refuse settings that cannot work, before the teacher is loaded (``lmlab.train`` loads
    and checks it before writing anything)."""
    if not 0 <= args.alpha <= 1:
        raise UsageError(f"--alpha must be between 0 and 1, not {args.alpha}")
    if not args.kd_temperature > 0:
        raise UsageError(f"--kd-temperature must be positive, not {args.kd_temperature}")
    if not (Path(args.teacher) / "config.json").is_file():
        raise UsageError(f"--teacher {args.teacher!r} is not a checkpoint folder "
                         "(config.json + model.safetensors)")


def add_distill(sub) -> None:
    p = sub.add_parser("distill", help="train a small GPT to imitate a bigger one")
    training_arguments(p, "runs/shakespeare-gpt-distilled", n_layer=2, n_head=4, n_embd=128)
    p.add_argument("--teacher", default=str(SHIPPED_GPT), help="teacher checkpoint folder")
    p.add_argument("--alpha", type=float, default=0.5,
                   help="weight of the teacher's soft targets (the rest: the text)")
    p.add_argument("--kd-temperature", type=float, default=2.0,
                   help="temperature that softens teacher and student before comparing")


# ----------------------------------------------------------------------------- generate


def load_model(path: str | Path):
    """The GPT in ``path`` (a checkpoint folder), read-only; errors say what to do."""
    from lmlab.gpt import GPT

    return GPT.from_pretrained(path)


def check_prompt(prompt: str, n_tokens: int, block_size: int, allow_unseen: bool) -> None:
    """Refuse prompts the model cannot read sensibly, with the reason."""
    from lmlab.textcheck import unseen_characters

    if not prompt.strip():
        raise UsageError("the prompt is empty; give some text, e.g. --prompt 'ROMEO.'")
    if n_tokens > block_size:
        raise UsageError(f"the prompt is {n_tokens} tokens but the model reads at most "
                         f"{block_size}; shorten it")
    unseen = unseen_characters(prompt)
    if unseen and not allow_unseen:
        shown = ", ".join(repr(c) for c in unseen[:5])
        raise UsageError(f"the prompt has characters the model never saw in training ({shown});"
                         " remove them or pass --allow-unseen")


def cmd_generate(args) -> int:
    from lmlab.generate import SamplingConfig, generate_stream
    from lmlab.tokenizer import load_tokenizer

    SamplingConfig(args.temperature, args.top_k, args.top_p)  # validate before loading
    if not 0 <= args.max_new_tokens <= 10_000:
        raise UsageError(f"--max-new-tokens must be between 0 and 10000, not "
                         f"{args.max_new_tokens}")
    tok = load_tokenizer()
    model = load_model(args.model)
    ids = tok.encode(args.prompt)
    check_prompt(args.prompt, len(ids), model.config.block_size, args.allow_unseen)
    steps = generate_stream(model, ids, args.max_new_tokens, args.temperature, args.top_k,
                            args.top_p, args.seed)
    if args.json:
        new = [s.token_id for s in steps]
        print(json.dumps({"prompt": args.prompt, "completion": tok.decode(new),
                          "prompt_ids": ids, "new_ids": new}))
        return 0
    print(args.prompt, end="", flush=True)
    new = []
    for step in steps:  # print whole characters as they complete
        before = tok.decode(new)
        new.append(step.token_id)
        print(tok.decode(new)[len(before):], end="", flush=True)
    print()
    return 0


def add_generate(sub) -> None:
    p = sub.add_parser("generate", help="continue a prompt with a GPT")
    p.add_argument("--prompt", required=True, help="text to continue, e.g. 'ROMEO.'")
    p.add_argument("--model", default=str(SHIPPED_GPT), help="checkpoint folder or hub id")
    p.add_argument("--max-new-tokens", type=int, default=200)
    p.add_argument("--temperature", type=float, default=0.8, help="0 = greedy")
    p.add_argument("--top-k", type=int, default=None)
    p.add_argument("--top-p", type=float, default=None)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--allow-unseen", action="store_true",
                   help="accept characters that never occur in the training works")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_generate)


# ----------------------------------------------------------------------------- eval


def gpt_report(model, splits=("val", "test")) -> dict:
    """Held-out perplexity of a GPT on each split's tokens."""
    from lmlab.evaluate import perplexity
    from lmlab.train import token_stream

    report = {}
    for split in splits:
        ppl = perplexity(model, token_stream(split))
        report[split] = {"tokens": ppl.n_tokens, "loss": round(ppl.loss, 4),
                         "perplexity": round(ppl.perplexity, 3)}
    return report


def ngram_report(splits=("val", "test"), orders=range(1, 6)) -> dict:
    """Held-out perplexity of every n-gram order and smoothing, on the GPT's tokens."""
    from lmlab.compare import ngram_model  # every model shares one set of counts
    from lmlab.ngram import SMOOTHINGS
    from lmlab.train import token_stream

    report = {}
    for smoothing in SMOOTHINGS:
        for n in orders:
            lm = ngram_model(n, smoothing)
            report[f"{smoothing}/{n}"] = {
                split: _finite(lm.perplexity([token_stream(split)])) for split in splits}
    return report


def _finite(x: float) -> float | str:
    """JSON has no infinity: an infinite perplexity is reported as the string "inf"."""
    return round(x, 3) if x != float("inf") else "inf"


def cmd_quantize(args) -> int:
    from lmlab.evaluate import perplexity
    from lmlab.quantize import matrix_bytes, quantize_model
    from lmlab.train import token_stream

    bad = [b for b in args.bits if not 2 <= b <= 16]
    if bad:
        raise UsageError(f"--bits must be between 2 and 16, not {bad[0]}")
    if args.tokens < 2:
        raise UsageError("--tokens must be at least 2")
    model = load_model(args.model)
    ids = token_stream("val")[:args.tokens]
    rows = []
    for bits in [None, *args.bits]:  # None: the float32 model itself
        q = model if bits is None else quantize_model(model, bits)
        err = max(float((a - b).detach().abs().max()) for a, b in
                  zip(model.parameters(), q.parameters(), strict=True))
        rows.append({"bits": bits or 32, "matrix_bytes": matrix_bytes(model, bits),
                     "max_weight_error": round(err, 6),
                     "val_perplexity": round(perplexity(q, ids).perplexity, 3)})
    report = {"model": str(args.model), "val_tokens": len(ids), "rows": rows}
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
                   help="code widths to try (2-16), per row, symmetric")
    p.add_argument("--tokens", type=int, default=20_000, help="val tokens to score")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_quantize)


def cmd_eval(args) -> int:
    model = load_model(args.model)
    report = {"model": str(args.model), "parameters": model.num_parameters(),
              "gpt": gpt_report(model), "ngram": ngram_report()}
    finite = {k: v["val"] for k, v in report["ngram"].items() if v["val"] != "inf"}
    best = min(finite, key=finite.get)
    report["best_ngram"] = {"model": best, **report["ngram"][best]}
    report["gpt_over_best_ngram"] = {
        s: round(report["gpt"][s]["perplexity"] / report["ngram"][best][s], 4)
        for s in ("val", "test")}
    if not args.no_classifier:
        from lmlab.classify import evaluate_classifier

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


# ----------------------------------------------------------------------------- ngram


def cmd_ngram(args) -> int:
    from lmlab.ngram import NGramLM
    from lmlab.tokenizer import load_tokenizer
    from lmlab.train import token_stream

    tok = load_tokenizer()
    lm = NGramLM(args.order, args.smoothing, gamma=args.gamma,
                 vocab_size=tok.vocab_size).fit([token_stream("train")])
    out = {"order": args.order, "smoothing": args.smoothing,
           "perplexity": {s: _finite(lm.perplexity([token_stream(s)])) for s in ("val", "test")}}
    if args.prompt is not None:
        if not args.prompt.strip():
            raise UsageError("the prompt is empty; give some text, e.g. --prompt 'ROMEO.'")
        ids = tok.encode(args.prompt)
        ex = lm.explain(ids)
        out["next"] = [{"token": tok.decode([i]), "id": i, "prob": round(p, 6)}
                       for i, p in lm.top_k(ids, args.k)]
        out["answered_by_order"], out["backoff_mass"] = ex.order, round(ex.backoff_mass, 6)
        out["sample"] = tok.decode(lm.sample(ids, args.max_new_tokens, seed=args.seed))
    if args.json:
        print(json.dumps(out))
        return 0
    print(f"{args.order}-gram, {args.smoothing}: held-out perplexity {out['perplexity']}")
    for row in out.get("next", []):
        print(f"  {row['prob']:.4f}  {row['token']!r}")
    if "sample" in out:
        print(args.prompt + out["sample"])
    return 0


def add_ngram(sub) -> None:
    p = sub.add_parser("ngram", help="fit an n-gram model on the training works")
    p.add_argument("--order", type=int, default=3, help="n, from 1 to 5")
    p.add_argument("--smoothing", default="kneser_ney",
                   choices=["kneser_ney", "laplace", "lidstone", "mle"])
    p.add_argument("--gamma", type=float, default=0.1, help="Lidstone's added count")
    p.add_argument("--prompt", default=None, help="show the next-token distribution and a sample")
    p.add_argument("-k", type=int, default=10, help="candidates shown")
    p.add_argument("--max-new-tokens", type=int, default=40)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_ngram)


# ----------------------------------------------------------------------------- finetune


def cmd_finetune(args) -> int:
    import torch

    from lmlab.classify import (SHIPPED_CLASSIFIER, ClassifierConfig, evaluate_classifier,
                                finetune, model_card, save_classifier)

    out = Path(args.out).resolve()
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
    p.add_argument("--out", default=str(ASSETS_DIR / "genre-classifier"), help="output folder")
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


# ----------------------------------------------------------------------------- explain


def cmd_explain(args) -> int:
    from lmlab.explain import MAX_EVALS, explain, warm_up

    max_evals = MAX_EVALS[args.model] if args.max_evals is None else args.max_evals
    if not 20 <= max_evals <= 100_000:
        raise UsageError(f"--max-evals must be between 20 and 100000, not {max_evals}")
    warm_up()  # shap's one-off compiling stays out of the SHAP time reported
    e = explain(args.text, args.model, args.target, max_evals)
    if args.json:
        print(json.dumps(e.to_json()))
        return 0
    print(f"{e.target_label()} = {e.output:.4f}   (everything hidden: {e.base_value:.4f})")
    for tok, v, g, a in zip(e.tokens, e.values, e.grad_x_input, e.attention):
        print(f"  {v:+.4f}  grad×input {g:+.4f}  attention {a:.3f}  {tok!r}")
    print(f"additivity: base value {e.base_value:.4f} + sum of values ({sum(e.values):+.4f}) "
          f"= {e.base_value + sum(e.values):.4f}; output {e.output:.4f}")
    print(f"Spearman with |SHAP|: {e.spearman}; SHAP took {e.seconds:.2f} s")
    for note in e.notes:
        print(note)
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


# ----------------------------------------------------------------------------- bench


def cmd_bench(args) -> int:
    from lmlab.bench import BENCHES

    for r in BENCHES[args.name]():
        if args.json:
            print(json.dumps(r), flush=True)
        else:
            print(f"{r['bench']}: {r['metric']}: lmlab {r['ours']:,.1f} vs {r['peer_name']} "
                  f"{r['peer']:,.1f} -> {r['ratio']:.2f}x", flush=True)
    return 0


def add_bench(sub) -> None:
    from lmlab.bench import BENCHES

    p = sub.add_parser("bench", help="measure lmlab against its peer library")
    p.add_argument("name", choices=sorted(BENCHES))
    p.add_argument("--json", action="store_true", help="one JSON object per comparison")
    p.set_defaults(func=cmd_bench)


# ----------------------------------------------------------------------------- main


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lmlab", description="LM Lab: look inside real, "
                                     "working language models.")
    sub = parser.add_subparsers(dest="command", required=True)
    add_train(sub)
    add_distill(sub)
    add_quantize(sub)
    add_generate(sub)
    add_eval(sub)
    add_ngram(sub)
    add_finetune(sub)
    add_explain(sub)
    add_bench(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.argv = argv
    try:
        return args.func(args)
    except (UsageError, ValueError, FileNotFoundError, OSError) as exc:
        print(f"lmlab {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"lmlab {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
