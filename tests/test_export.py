"""ONNX export: ONNX Runtime's logits equal lmlab's to 1e-4 at two lengths and batch 2, the graph's
input and output are named and both axes dynamic, and ``lmlab export`` writes and checks the file.

Run: python -m pytest tests/test_export.py
"""

import json

import pytest
import torch

pytest.importorskip("onnxruntime")
onnx = pytest.importorskip("onnx")

from lmlab.cli import main  # noqa: E402
from lmlab.compress.export import (  # noqa: E402
    export_onnx,
    onnx_generate,
    onnx_logits,
    onnx_session,
    quantize_onnx,
)


@pytest.fixture(scope="module")
def shipped():
    from lmlab.models import load_gpt

    return load_gpt("shakespeare")


@pytest.fixture(scope="module")
def exported(shipped, tmp_path_factory):
    return export_onnx(shipped, tmp_path_factory.mktemp("onnx") / "model.onnx")


@pytest.mark.parametrize("length", [7, 128])
def test_onnxruntime_logits_equal_lmlabs_at_batch_2(shipped, exported, length):
    ids = torch.randint(2048, (2, length), generator=torch.Generator().manual_seed(length))
    with torch.no_grad():
        want = shipped(ids).logits
    got = onnx_logits(onnx_session(exported), ids)
    assert got.shape == want.shape == (2, length, 2048)
    assert torch.allclose(got, want, atol=1e-4, rtol=0)


def test_graph_has_input_ids_and_logits_with_dynamic_batch_and_sequence(exported):
    graph = onnx.load(str(exported)).graph
    (inp,), (out,) = graph.input, graph.output
    assert inp.name == "input_ids" and out.name == "logits"
    assert inp.type.tensor_type.elem_type == onnx.TensorProto.INT64
    assert [d.dim_param for d in inp.type.tensor_type.shape.dim] == ["batch", "sequence"]
    assert [d.dim_param for d in out.type.tensor_type.shape.dim][:2] == ["batch", "sequence"]


def test_greedy_generation_through_onnxruntime_equals_lmlabs(shipped, exported):
    from lmlab.generate import generate

    prompt = torch.tensor([[5, 17, 300, 42]])
    want = generate(shipped, prompt, 12, temperature=0)
    assert torch.equal(onnx_generate(onnx_session(exported), prompt, 12, 128), want)


def test_the_shared_model_is_left_in_eval_mode(shipped, exported):
    assert not shipped.training and not any(m.training for m in shipped.modules())


def test_int8_onnx_is_smaller_and_close(shipped, exported, tmp_path):
    q = quantize_onnx(exported, tmp_path / "int8.onnx")
    assert q.stat().st_size < exported.stat().st_size / 3
    ids = torch.randint(2048, (1, 32), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        p = shipped(ids).logits.softmax(-1)
    r = onnx_logits(onnx_session(q), ids).softmax(-1)
    assert (p * (p.log() - r.log())).sum(-1).mean() < 0.02  # nats, measured 0.004


def test_lmlab_export_writes_a_checked_file(tmp_path, capsys):
    out = tmp_path / "sub" / "model.onnx"
    assert main(["export", "--format", "onnx", "--out", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert out.exists() and report["max_abs_logit_diff"] < 1e-4


@pytest.mark.parametrize("args, message", [
    (["--out", "model.txt"], "--out must name a .onnx file"),
    (["--out", "m.onnx", "--model", "nope"], "--model must be one of"),
])
def test_bad_export_input_is_one_line_and_exit_2(args, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["export", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_int8_onnx_leaves_the_process_logging_as_it_was(exported, tmp_path, caplog):
    """It once set the root logger to ERROR for good, which silenced the app's one-line error
    log for every student after the first Compress run."""
    import logging

    root = logging.getLogger()
    before = root.level
    quantize_onnx(exported, tmp_path / "int8.onnx")
    assert root.level == before and not root.filters
    logging.getLogger("lmlab.ui").warning("still heard")
    assert any(r.getMessage() == "still heard" for r in caplog.records)
