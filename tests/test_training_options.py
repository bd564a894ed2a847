"""Training choices: optimizers, schedules, bf16, masked LM (BERT's masking, loss on masked
positions only, bidirectional attention), and exact resume for each choice.

Run: python -m pytest tests/test_training_options.py
"""

import math

import pytest
import torch
import torch.nn.functional as F

from lmlab.gpt import GPT, GPTConfig
from lmlab.training import TrainConfig, lr_at, make_optimizer, train
from lmlab.training.masked import IGNORE, fill_in, mask_tokens

TINY = dict(vocab_size=2048, block_size=16, n_layer=1, n_head=2, n_embd=16, dropout=0.1)


def tiny_cfg(steps, objective="causal", **kw):
    masked = objective == "masked"
    model = GPTConfig(**(TINY | dict(vocab_size=2048 + masked, causal=not masked)))
    return TrainConfig(**(dict(model=model, batch_size=4, max_steps=steps, lr=3e-3, min_lr=3e-4,
                               warmup_steps=2, eval_interval=3, eval_windows=4, seed=7,
                               objective=objective, device="cpu") | kw))


# ----------------------------------------------------------------------------- masking


def test_bert_masking_proportions_match_15_80_10_10():
    x = torch.randint(0, 2048, (400, 500), generator=torch.Generator().manual_seed(1))
    inputs, targets = mask_tokens(x, torch.Generator().manual_seed(2), mask_id=2048,
                                  vocab_size=2048)
    chosen = targets != IGNORE
    n = chosen.sum().item()  # about 30,000 of 200,000
    assert n / x.numel() == pytest.approx(0.15, abs=0.005)  # ~6 standard errors
    as_mask = (inputs[chosen] == 2048).float().mean().item()
    changed = ((inputs[chosen] != 2048) & (inputs[chosen] != x[chosen])).float().mean().item()
    kept = (inputs[chosen] == x[chosen]).float().mean().item()
    assert as_mask == pytest.approx(0.8, abs=0.01)
    assert changed == pytest.approx(0.1 * (1 - 1 / 2048), abs=0.01)  # a random id may be itself
    assert kept == pytest.approx(0.1 + 0.1 / 2048, abs=0.01)
    assert torch.equal(inputs[~chosen], x[~chosen])  # nothing else touched
    assert torch.equal(targets[chosen], x[chosen])
    assert (inputs < 2049).all() and (inputs[inputs != 2048] < 2048).all()


def test_masked_loss_is_the_cross_entropy_of_the_masked_positions_only():
    torch.manual_seed(0)
    model = GPT(GPTConfig(**(TINY | dict(vocab_size=2049, causal=False, dropout=0.0))))
    x = torch.randint(0, 2048, (3, 16), generator=torch.Generator().manual_seed(3))
    inputs, targets = mask_tokens(x, torch.Generator().manual_seed(4), 2048, 2048)
    out = model(inputs, targets=targets)
    chosen = targets != IGNORE
    want = F.cross_entropy(out.logits[chosen], targets[chosen])
    assert out.loss.item() == pytest.approx(want.item(), abs=1e-6)
    out.logits.retain_grad()
    out.loss.backward()
    assert out.logits.grad[~chosen].abs().max() == 0  # unmasked positions send no gradient
    assert out.logits.grad[chosen].abs().sum(-1).min() > 0


def test_masked_model_attends_both_ways_and_causal_only_backwards():
    for causal in (True, False):
        torch.manual_seed(0)
        model = GPT(GPTConfig(**(TINY | dict(causal=causal, dropout=0.0)))).eval()
        a = torch.randint(0, 2048, (1, 10), generator=torch.Generator().manual_seed(5))
        b = a.clone()
        b[0, -1] = (a[0, -1] + 1) % 2048  # change the last token only
        for explicit in (False, True):
            la = model(a, output_attentions=explicit).logits[0, 0]
            lb = model(b, output_attentions=explicit).logits[0, 0]
            assert torch.allclose(la, lb, atol=1e-6) is causal  # the first token sees it iff bidirectional


def test_fill_in_gives_sorted_probabilities_and_never_the_mask():
    torch.manual_seed(0)
    model = GPT(GPTConfig(**(TINY | dict(vocab_size=2049, causal=False))))
    blanks = fill_in(model, list(range(10)), [2, 5], mask_id=2048, k=5)
    assert [b.position for b in blanks] == [2, 5]
    for b in blanks:
        assert list(b.probs) == sorted(b.probs, reverse=True) and 2048 not in b.ids
    assert model.training  # left as it was


# ----------------------------------------------------------------------------- optimizers, schedules


def test_constant_and_step_schedules_after_warmup():
    cfg = TrainConfig(max_steps=100, warmup_steps=10, lr=1.0, schedule="constant")
    assert [lr_at(s, cfg) for s in (0, 9, 50, 99)] == pytest.approx([0.1, 1.0, 1.0, 1.0])
    cfg.schedule = "step"  # drops at 10 + 45 and 10 + 67.5
    assert [lr_at(s, cfg) for s in (54, 55, 77, 78)] == pytest.approx([1.0, 0.1, 0.1, 0.01])
    cfg.warmup_steps = 0
    assert lr_at(0, cfg) == 1.0  # no warmup: full rate from the first step


@pytest.mark.parametrize("name,cls", [("sgd", torch.optim.SGD), ("adam", torch.optim.Adam),
                                      ("adamw", torch.optim.AdamW)])
def test_optimizer_choice_gives_that_torch_optimizer(name, cls):
    model = GPT(GPTConfig(**TINY))
    opt = make_optimizer(model, TrainConfig(optimizer=name))
    assert type(opt) is cls
    if name == "sgd":
        assert opt.defaults["momentum"] == 0.9
    decays = [g["weight_decay"] for g in opt.param_groups]
    assert decays == ([0.0, 0.0] if name == "adam" else [0.1, 0.0])


def test_bad_choices_are_refused_with_a_sentence():
    with pytest.raises(ValueError, match="optimizer must be one of sgd, adam, adamw"):
        TrainConfig(optimizer="lion")
    with pytest.raises(ValueError, match="batch size"):
        TrainConfig(batch_size=0)
    with pytest.raises(ValueError, match="causal=False"):
        TrainConfig(objective="masked")  # the default model is causal


def test_cli_choices_are_the_configs():
    from lmlab.cli import train as cli
    from lmlab.training import config

    assert (cli.OPTIMIZERS, cli.SCHEDULES, cli.PRECISIONS, cli.OBJECTIVES, cli.DEVICES) == (
        config.OPTIMIZERS, config.SCHEDULES, config.PRECISIONS, config.OBJECTIVES, config.DEVICES)


# ----------------------------------------------------------------------------- resume, every choice

CHOICES = [dict(optimizer="sgd", schedule="step", lr=0.3),
           dict(optimizer="adam", schedule="constant", precision="bf16"),
           dict(optimizer="adamw", schedule="cosine", objective="masked"),
           dict(optimizer="sgd", schedule="cosine", precision="bf16", objective="masked", lr=0.3)]


@pytest.mark.parametrize("choice", CHOICES, ids=lambda c: "-".join(map(str, c.values())))
def test_resumed_run_equals_an_uninterrupted_one_for_each_choice(tmp_path, choice):
    whole = train(tiny_cfg(6, **choice), tmp_path / "whole", progress=False).state_dict()
    train(tiny_cfg(3, **choice), tmp_path / "split", progress=False)
    resumed = train(tiny_cfg(6, **choice), tmp_path / "split", resume=True,
                    progress=False).state_dict()
    for k in whole:
        assert torch.allclose(whole[k], resumed[k], atol=1e-6), k
    import json

    state = json.loads((tmp_path / "split" / "train_state.json").read_text())
    assert state["world_size"] == 1 and state["config"]["optimizer"] == choice["optimizer"]
    assert all(math.isfinite(r["val_loss"]) for r in state["log"])
    assert whole["transformer.wte.weight"].dtype == torch.float32  # bf16 only inside autocast


# ----------------------------------------------------------------------------- the command

TINY_ARGS = ["--block-size", "16", "--n-layer", "1", "--n-head", "2", "--n-embd", "16",
             "--batch-size", "4", "--eval-interval", "2", "--device", "cpu", "--quiet"]


def test_lmlab_train_masked_with_sgd_and_step_writes_a_masked_card(tmp_path, capsys):
    from lmlab.cli import main

    rc = main(["train", "--out", str(tmp_path), "--steps", "2", "--objective", "masked",
               "--optimizer", "sgd", "--schedule", "step", "--precision", "bf16", *TINY_ARGS])
    assert rc == 0
    card = (tmp_path / "README.md").read_text()
    assert "masked LM" in card and "SGD with momentum" in card and "bf16" in card
    import json

    config = json.loads((tmp_path / "config.json").read_text())["lmlab"]
    assert config["causal"] is False and config["vocab_size"] == 2049  # one id for the mask


def test_lmlab_train_refuses_a_batch_that_does_not_divide_among_torchrun_ranks(tmp_path,
                                                                               monkeypatch, capsys):
    from lmlab.cli import main

    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "0")
    args = [a if a != "4" else "5" for a in TINY_ARGS]  # batch 5
    assert main(["train", "--out", str(tmp_path), "--steps", "1", *args]) == 2
    assert "does not divide among 2 processes" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())
