"""``lmlab generate`` and ``lmlab ngram``: continue a prompt with a GPT or an n-gram.

Part of the ``lmlab`` command (``lmlab/cli/__init__.py`` assembles it).
"""

from __future__ import annotations

import json
import sys

from lmlab import SHIPPED_GPT
from lmlab.cli.common import UsageError, finite, load_model


def check_prompt(prompt: str, n_tokens: int, block_size: int) -> None:
    """Refuse prompts the model cannot read at all, with the reason; warn (on stderr) about
    characters it never saw in training, as the app does: such text is accepted."""
    if not prompt.strip():
        raise UsageError("the prompt is empty; give some text, e.g. --prompt 'ROMEO.'")
    if n_tokens > block_size:
        raise UsageError(f"the prompt is {n_tokens} tokens but the model reads at most "
                         f"{block_size}; shorten it")
    warn_unseen(prompt)


def warn_unseen(text: str) -> None:
    """One line on stderr when the shipped models never saw some of ``text``'s characters."""
    from lmlab.textcheck import unseen_characters, unseen_share

    unseen = unseen_characters(text)
    if unseen:
        shown = " ".join(unseen[:8])
        print(f"lmlab: warning: the models were trained on English Shakespeare; "
              f"{unseen_share(text):.0%} of this text's characters never occur there ({shown}), "
              "so the output around them is close to noise", file=sys.stderr)


def cmd_generate(args) -> int:
    from lmlab.generate import SamplingConfig, generate_stream
    from lmlab.tokenizer import load_tokenizer

    SamplingConfig(args.temperature, args.top_k, args.top_p)  # validate before loading
    if not 1 <= args.max_new_tokens <= 10_000:
        raise UsageError(f"--max-new-tokens must be between 1 and 10000, not "
                         f"{args.max_new_tokens}")
    tok = load_tokenizer()
    model = load_model(args.model)
    ids = tok.encode(args.prompt)
    check_prompt(args.prompt, len(ids), model.config.block_size)
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
                   help="(kept for old scripts: such text is always accepted, with a warning)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_generate)


def cmd_ngram(args) -> int:
    from lmlab.ngram import NGramLM
    from lmlab.tokenizer import load_tokenizer, token_stream

    if args.k < 1:
        raise UsageError(f"-k must be at least 1 (candidates shown), not {args.k}")
    if not 1 <= args.max_new_tokens <= 10_000:
        raise UsageError(f"--max-new-tokens must be between 1 and 10000, not "
                         f"{args.max_new_tokens}")
    tok = load_tokenizer()
    lm = NGramLM(args.order, args.smoothing, gamma=args.gamma,
                 vocab_size=tok.vocab_size).fit([token_stream("train")])
    out = {"order": args.order, "smoothing": args.smoothing,
           "perplexity": {s: finite(lm.perplexity([token_stream(s)])) for s in ("val", "test")}}
    if args.prompt is not None:
        if not args.prompt.strip():
            raise UsageError("the prompt is empty; give some text, e.g. --prompt 'ROMEO.'")
        warn_unseen(args.prompt)
        ids = tok.encode(args.prompt)
        ex = lm.explain(ids)
        out["next"] = [{"token": tok.decode([i]), "id": i, "prob": round(p, 6)}
                       for i, p in lm.top_k(ids, args.k)]
        out["answered_by_order"], out["backoff_mass"] = ex.order, round(ex.backoff_mass, 6)
        out["sample"] = tok.decode(lm.sample(ids, args.max_new_tokens, seed=args.seed))
    if args.json:
        print(json.dumps(out))
        return 0
    ppl = ", ".join(f"{split} {p:,.2f}" if isinstance(p, float) else f"{split} {p}"
                    for split, p in out["perplexity"].items())
    print(f"{args.order}-gram, {args.smoothing}: held-out perplexity {ppl}")
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
