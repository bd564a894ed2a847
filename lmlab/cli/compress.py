"""``lmlab export --format onnx``: the shipped GPT as an ONNX file, checked by ONNX Runtime.

Part of the ``lmlab`` command (``lmlab/cli/__init__.py`` assembles it).  Code:
``lmlab.compress.export``.
"""

from __future__ import annotations

import json
from pathlib import Path

from lmlab.cli.common import UsageError


def _model(name: str):
    """A registry name (``lmlab.models``) or a checkpoint folder."""
    from lmlab.models import GPT_NAMES, load_gpt

    if Path(name).is_dir():
        from lmlab.cli.common import load_model

        return load_model(name)
    if name not in GPT_NAMES:
        raise UsageError(f"--model must be one of {', '.join(GPT_NAMES)} or a checkpoint "
                         f"folder, not {name!r}")
    return load_gpt(name)


def cmd_export(args) -> int:
    import torch

    from lmlab.compress.export import export_onnx, onnx_logits, onnx_session, quantize_onnx

    out = Path(args.out)
    if out.suffix != ".onnx":
        raise UsageError(f"--out must name a .onnx file, not {args.out!r}")
    model = _model(args.model)
    path = export_onnx(model, out.with_name(out.stem + ".fp32.onnx") if args.int8 else out)
    if args.int8:
        quantize_onnx(path, out)
        path.unlink()
    ids = torch.randint(model.config.vocab_size, (2, 16), generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        want = model(ids).logits
    diff = float((onnx_logits(onnx_session(out), ids) - want).abs().max())
    report = {"model": args.model, "out": str(out), "bytes": out.stat().st_size,
              "int8": args.int8, "input": "input_ids (batch, sequence) int64",
              "output": "logits (batch, sequence, vocab)", "max_abs_logit_diff": round(diff, 6)}
    if args.json:
        print(json.dumps(report))
    else:
        print(f"wrote {out} ({report['bytes'] / 1e6:.2f} MB); ONNX Runtime's logits differ from "
              f"lmlab's by at most {diff:.2e} on a batch of 2 x 16 tokens")
    return 0


def add_export(sub) -> None:
    p = sub.add_parser("export", help="write a GPT as an ONNX file (run by ONNX Runtime)")
    p.add_argument("--format", choices=["onnx"], default="onnx", help="the file format")
    p.add_argument("--out", required=True, help="where to write, e.g. runs/model.onnx")
    p.add_argument("--model", default="shakespeare",
                   help="shakespeare, shakespeare-int8, shakespeare-distilled or a folder")
    p.add_argument("--int8", action="store_true",
                   help="int8 weights, quantized by ONNX Runtime after the export")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_export)
