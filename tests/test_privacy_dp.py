"""DP-SGD (``lmlab.privacy.dp``): per-example gradients, clipping, noise, ε.

Checks: the per-example gradients equal one backward pass per example (every parameter, the
tied embedding and ``wpe`` included) and equal opacus's ``GradSampleModule`` wherever opacus
has one; after clipping every example's gradient norm is at most C and small ones are left
alone; the noise added to the clipped sum has standard deviation σ·C (a gradient norm check);
with σ = 0 the step's gradient is the mean of the clipped ones, so its norm stays <= C even
when one example's raw gradient is huge; ε falls as σ grows and rises with the steps.
A few seconds on 2 cores.

Run:  python -m pytest tests/test_privacy_dp.py -q
"""

import warnings

import pytest
import torch

from lmlab.gpt import GPT, GPTConfig
from lmlab.privacy.dp import DPConfig, clip_per_example, dp_gradients, epsilon, noisy_mean, per_example_grads


def tiny_gpt(seed=0):
    torch.manual_seed(seed)
    return GPT(GPTConfig(vocab_size=37, block_size=8, n_layer=1, n_head=2, n_embd=16, dropout=0.0)).eval()


def batch(B=5, T=8, V=37, seed=1):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, V, (B, T), generator=g), torch.randint(0, V, (B, T), generator=g)


def test_per_example_grads_equal_one_backward_pass_per_example():
    model, (x, y) = tiny_gpt(), batch()
    grads = per_example_grads(model, x, y)
    assert set(grads) == {n for n, _ in model.named_parameters()}
    for i in range(len(x)):
        model.zero_grad()
        model(x[i:i + 1], targets=y[i:i + 1]).loss.backward()
        for name, p in model.named_parameters():
            torch.testing.assert_close(grads[name][i], p.grad, atol=1e-6, rtol=1e-5)


def test_per_example_grads_equal_opacus_where_opacus_has_them():
    from opacus import GradSampleModule

    model, (x, y) = tiny_gpt(), batch()
    ours = per_example_grads(model, x, y)
    gsm = GradSampleModule(tiny_gpt().train(), loss_reduction="sum")  # hooks record in train mode
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logits = gsm(x).logits  # sum over examples of each example's mean token loss
        loss = torch.nn.functional.cross_entropy(logits.transpose(1, 2), y, reduction="none")
        loss.mean(1).sum().backward()
    covered = 0
    for name, p in gsm._module.named_parameters():
        if getattr(p, "grad_sample", None) is None:
            assert name == "transformer.wpe.weight"  # read as a tensor: opacus cannot see it
            continue
        torch.testing.assert_close(p.grad_sample, ours[name], atol=1e-5, rtol=1e-4)
        covered += 1
    assert covered == len(ours) - 1


def test_clipping_bounds_every_examples_norm_and_keeps_small_ones():
    model, (x, y) = tiny_gpt(), batch(B=6)
    grads = per_example_grads(model, x, y)
    grads = {k: g * torch.tensor([100.0, 100.0, 100.0, 1e-3, 1e-3, 1e-3]).view(-1, *[1] * (g.dim() - 1))
             for k, g in grads.items()}
    clipped = clip_per_example(grads, clip=0.5)
    after = torch.cat([g.flatten(1) for g in clipped.grads.values()], 1).norm(dim=1)
    assert (clipped.norms[:3] > 0.5).all() and (clipped.norms[3:] < 0.5).all()
    torch.testing.assert_close(after[:3], torch.full((3,), 0.5), atol=1e-5, rtol=0)
    torch.testing.assert_close(after[3:], clipped.norms[3:])  # under the bound: untouched
    for k in grads:  # the direction is kept
        torch.testing.assert_close(clipped.grads[k][0] * clipped.norms[0] / 0.5, grads[k][0],
                                   rtol=1e-4, atol=1e-6)


def test_noise_has_std_sigma_times_clip_on_every_coordinate():
    B, P, sigma, C = 4, 200_000, 1.5, 0.7
    clipped = clip_per_example({"w": torch.randn(B, P)}, clip=C)
    gen = torch.Generator().manual_seed(0)
    noisy = noisy_mean(clipped, sigma, C, gen)["w"]
    noise = noisy * B - clipped.grads["w"].sum(0)
    assert noise.std().item() == pytest.approx(sigma * C, rel=0.01)
    assert abs(noise.mean().item()) < 0.01
    assert noise.norm().item() == pytest.approx(sigma * C * P ** 0.5, rel=0.01)  # the norm check


def test_dp_step_gradient_norm_is_bounded_by_the_clip_even_for_an_outlier():
    model, (x, y) = tiny_gpt(), batch(B=4)
    model.zero_grad()
    (model(x, targets=y).loss * 1000).backward()  # a scaled ordinary gradient, for contrast
    plain = torch.cat([p.grad.flatten() for p in model.parameters()]).norm()
    _, norms = dp_gradients(model, x, y, DPConfig(noise_multiplier=0.0, clip=0.01),
                            torch.Generator().manual_seed(0))
    dp = torch.cat([p.grad.flatten() for p in model.parameters()]).norm()
    assert (norms > 0.01).all() and plain > 0.01
    assert dp <= 0.01 + 1e-6  # mean of vectors of norm <= C
    _, _ = dp_gradients(model, x, y, DPConfig(noise_multiplier=1.0, clip=0.01),
                        torch.Generator().manual_seed(0))
    noisy = torch.cat([p.grad.flatten() for p in model.parameters()]).norm()
    n_params = sum(p.numel() for p in model.parameters())
    assert noisy.item() == pytest.approx(0.01 * n_params ** 0.5 / 4, rel=0.1)  # noise dominates


def test_epsilon_falls_with_noise_and_grows_with_steps():
    assert epsilon(2.0, 0.01, 500) < epsilon(1.0, 0.01, 500) < epsilon(0.6, 0.01, 500)
    assert epsilon(1.0, 0.01, 100) < epsilon(1.0, 0.01, 1000)
    assert epsilon(0.0, 0.01, 100) == float("inf")
