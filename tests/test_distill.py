"""Distillation: ``kd_loss`` equals Hinton et al.'s formula written out by hand, and a student
trained on a teacher's soft targets moves towards the teacher.

Run: python -m pytest tests/test_distill.py
"""

import json

import pytest
import torch
import torch.nn.functional as F

from lmlab.cli import main
from lmlab.compress.distill import kd_loss
from lmlab.gpt import GPT, GPTConfig
from lmlab.training import TrainConfig, train

TINY = GPTConfig(vocab_size=2048, block_size=16, n_layer=1, n_head=2, n_embd=16, dropout=0.0)


def test_kd_loss_equals_the_formula_by_hand():
    torch.manual_seed(0)
    s, t = torch.randn(2, 5, 11), torch.randn(2, 5, 11)
    y = torch.randint(11, (2, 5))
    T, alpha = 3.0, 0.3
    p_t = torch.softmax(t / T, -1)  # sum over vocab of p_t (log p_t - log p_s), mean over positions
    kl = (p_t * (torch.log(p_t) - torch.log_softmax(s / T, -1))).sum(-1).mean()
    ce = F.cross_entropy(s.reshape(-1, 11), y.reshape(-1))
    want = alpha * T * T * kl + (1 - alpha) * ce
    assert torch.allclose(kd_loss(s, t, y, temperature=T, alpha=alpha), want, atol=1e-6)
    assert torch.allclose(kd_loss(s, t, y, alpha=0.0), ce, atol=1e-6)  # alpha 0: the text only


def test_kd_loss_gradient_reaches_the_student_only():
    s = torch.randn(4, 7, requires_grad=True)
    t = torch.randn(4, 7, requires_grad=True)
    kd_loss(s, t, torch.randint(7, (4,))).backward()
    assert s.grad is not None and s.grad.abs().sum() > 0 and t.grad is None


@pytest.mark.parametrize("kwargs, message", [
    (dict(temperature=0.0), "temperature"),
    (dict(alpha=1.5), "alpha"),
    (dict(alpha=0.5, targets=None), "without targets"),
])
def test_kd_loss_refuses_bad_settings(kwargs, message):
    args = dict(targets=torch.zeros(3, dtype=torch.long)) | kwargs
    with pytest.raises(ValueError, match=message):
        kd_loss(torch.zeros(3, 5), torch.zeros(3, 5), **args)


def kl_to_teacher(student, teacher, x):
    with torch.no_grad():
        return float(kd_loss(student(x).logits, teacher(x).logits, None, 1.0, 1.0))


def test_distilled_student_moves_towards_its_teacher(tmp_path):
    torch.manual_seed(5)
    teacher = GPT(GPTConfig(vocab_size=2048, block_size=16, n_layer=2, n_head=2, n_embd=32,
                            dropout=0.0))
    teacher.save_pretrained(tmp_path / "teacher")
    cfg = TrainConfig(model=TINY, batch_size=8, max_steps=30, lr=1e-2, min_lr=1e-3,
                      warmup_steps=2, eval_interval=30, eval_windows=4, seed=3,
                      teacher=str(tmp_path / "teacher"), kd_alpha=1.0, kd_temperature=1.0)
    x = torch.randint(2048, (8, 16), generator=torch.Generator().manual_seed(9))
    torch.manual_seed(cfg.seed)  # the student's initial weights, as train() makes them
    before = kl_to_teacher(GPT(TINY).eval(), teacher.eval(), x)
    student = train(cfg, tmp_path / "student", progress=False)
    after = kl_to_teacher(student, teacher, x)
    assert after < 0.5 * before, (before, after)
    state = json.loads((tmp_path / "student" / "train_state.json").read_text())
    assert state["config"]["teacher"] == str(tmp_path / "teacher")


def test_teacher_with_another_vocabulary_is_refused(tmp_path):
    GPT(GPTConfig(vocab_size=100, block_size=16, n_layer=1, n_head=1, n_embd=8)).save_pretrained(
        tmp_path / "teacher")
    cfg = TrainConfig(model=TINY, max_steps=1, teacher=str(tmp_path / "teacher"))
    with pytest.raises(ValueError, match="vocabulary"):
        train(cfg, tmp_path / "student", progress=False)


@pytest.mark.parametrize("args, message", [
    (["--teacher", "/no/such/folder"], "not a checkpoint folder"),
    (["--alpha", "2"], "--alpha"),
    (["--kd-temperature", "0"], "--kd-temperature"),
])
def test_bad_distill_input_is_one_line_and_exit_2(tmp_path, args, message, capsys):
    assert main(["distill", "--out", str(tmp_path / "s"), "--steps", "1", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1
    assert not (tmp_path / "s" / "model.safetensors").exists()


@pytest.mark.slow
def test_shipped_student_is_smaller_and_its_card_tells_the_truth():
    import re

    from lmlab import DISTILLED_GPT, SHIPPED_GPT
    from lmlab.evaluate import perplexity
    from lmlab.tokenizer import token_stream

    student, teacher = GPT.from_pretrained(DISTILLED_GPT), GPT.from_pretrained(SHIPPED_GPT)
    assert student.config.n_layer < teacher.config.n_layer
    assert student.num_parameters() < teacher.num_parameters() / 3
    assert (DISTILLED_GPT / "model.safetensors").stat().st_size < 20 * 2**20
    card = (DISTILLED_GPT / "README.md").read_text()
    claimed = float(re.search(r"^\| val \| [\d,]+ \| [\d.]+ \| ([\d.]+) \|$", card, re.M)[1])
    measured = perplexity(student, token_stream("val")).perplexity
    assert measured == pytest.approx(claimed, abs=0.01)
    assert perplexity(teacher, token_stream("val")).perplexity < measured  # it lost something
