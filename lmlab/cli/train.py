"""``lmlab train`` and ``lmlab distill``: train a GPT, or a student of one.

Part of the ``lmlab`` command (``lmlab/cli/__init__.py`` assembles it).
"""

from __future__ import annotations

import json
from pathlib import Path

from lmlab import SHIPPED_GPT
from lmlab.cli.common import UsageError, argv_of

# the choices of lmlab.training.config, spelled here so `lmlab --help` needs no torch
OPTIMIZERS, SCHEDULES = ("sgd", "adam", "adamw"), ("constant", "step", "cosine")
PRECISIONS, OBJECTIVES, DEVICES = ("fp32", "bf16"), ("causal", "masked"), ("auto", "cpu", "cuda")


def cmd_train(args) -> int:
    from lmlab.checkpoint import check_output_dir
    from lmlab.gpt import GPTConfig
    from lmlab.tokenizer import load_tokenizer
    from lmlab.training import TrainConfig, train
    from lmlab.training.card import model_card
    from lmlab.training.distributed import local_batch_size, rank, world_size

    out = check_output_dir(args.out, "gpt", args.overwrite_shipped)
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    masked = args.objective == "masked"  # one more id: the mask token (lmlab.training.masked)
    teacher = getattr(args, "teacher", None)  # lmlab distill
    try:
        model_cfg = GPTConfig(vocab_size=load_tokenizer().vocab_size + masked,
                              block_size=args.block_size, n_layer=args.n_layer,
                              n_head=args.n_head, n_embd=args.n_embd, dropout=args.dropout,
                              causal=not masked)
        cfg = TrainConfig(model=model_cfg, batch_size=args.batch_size, max_steps=args.steps,
                          lr=args.lr, min_lr=args.lr / 10, warmup_steps=args.warmup,
                          eval_interval=args.eval_interval, seed=args.seed,
                          optimizer=args.optimizer, schedule=args.schedule,
                          precision=args.precision, objective=args.objective,
                          device=args.device,
                          **(dict(teacher=teacher, kd_alpha=args.alpha,
                                  kd_temperature=args.kd_temperature) if teacher else {}))
        local_batch_size(cfg.batch_size, world_size())
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if teacher:
        check_distillation(args)
    model = train(cfg, out, resume=args.resume, progress=not args.quiet,
                  command="lmlab " + " ".join(argv_of(args)))
    if rank() != 0 or args.no_card:  # under torchrun rank 0 alone writes the card
        return 0
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
    p.add_argument("--optimizer", choices=OPTIMIZERS, default="adamw",
                   help="sgd (with momentum 0.9), adam, adamw (Adam + decoupled weight decay)")
    p.add_argument("--schedule", choices=SCHEDULES, default="cosine",
                   help="learning rate after warmup: constant, step (x0.1 at 1/2 and 3/4), cosine")
    p.add_argument("--precision", choices=PRECISIONS, default="fp32",
                   help="fp32, or bf16 autocast (faster only where the hardware has bf16 math)")
    p.add_argument("--objective", choices=OBJECTIVES, default="causal",
                   help="causal: next token (GPT); masked: 15%% of tokens hidden, both sides seen (BERT)")
    p.add_argument("--device", choices=DEVICES, default="auto", help="auto: CUDA where present")
    p.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's choice)")
    p.add_argument("--resume", action="store_true", help="continue from --out's checkpoint")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--overwrite-shipped", action="store_true",
                   help="allow an --out under assets/ (maintainers rebuilding a shipped model)")
    p.add_argument("--no-card", action="store_true",
                   help="skip the model card (it scores every held-out token: slow for a quick run)")
    p.set_defaults(func=cmd_train)


def check_distillation(args) -> None:
    """Refuse settings that cannot work, before the teacher is loaded (``lmlab.training`` loads
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
