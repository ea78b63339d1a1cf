"""The gradient primitives that read their masks from their inputs' arrays (so that a
captured step recomputes them): minmax_grad, abs_grad, clamp_grad, where_grad and
nll_targets / nll_targets_grad. First and second derivatives in float64 (the second order
runs each grad primitive's own VJP), values and gradients against PyTorch, ties and NaN."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn
from glassgrad.autograd import gradcheck, gradgradcheck

F = nn.functional


def _away_from_kinks(shape, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(0.2, 1.5, shape) * rng.choice([-1.0, 1.0], shape)


CASES = {
    "maximum": (lambda a, b: gg.maximum(a, b), [(3, 4), (4,)]),
    "minimum": (lambda a, b: gg.minimum(a, b), [(3, 1), (1, 4)]),
    "abs": (lambda x: x.abs() * x, [(3, 4)]),
    "clamp": (lambda x: x.clamp(-0.5, 0.9) * x, [(4, 5)]),
    "clamp_min": (lambda x: x.clamp(min=0.1) ** 2, [(4, 5)]),
    "where": (lambda a, b: gg.where(a > 0, a * a, b * a), [(3, 4), (4,)]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_first_and_second_order(name):
    fn, shapes = CASES[name]
    xs = [gg.tensor(_away_from_kinks(s, k) + 0.01 * k).requires_grad_(True)
          for k, s in enumerate(shapes)]
    assert gradcheck(fn, xs)
    assert gradgradcheck(fn, xs)


@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_ties_and_nan_share_like_torch(name):
    torch = pytest.importorskip("torch")
    a = np.array([1.0, 2.0, np.nan, 3.0, -1.0])
    b = np.array([1.0, 3.0, 0.0, np.nan, -2.0])
    ga, gb = gg.tensor(a).requires_grad_(True), gg.tensor(b).requires_grad_(True)
    getattr(gg, name)(ga, gb).backward(gg.ones(5))
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    getattr(torch, name)(ta, tb).backward(torch.ones(5))
    np.testing.assert_array_equal(ga.grad.numpy(), ta.grad.numpy())
    np.testing.assert_array_equal(gb.grad.numpy(), tb.grad.numpy())


def test_abs_and_clamp_gradients_at_zero_bounds_and_nan_like_torch():
    torch = pytest.importorskip("torch")
    x = np.array([0.0, -0.5, 0.5, np.nan, 2.0, -2.0])
    for fn in (lambda t: t.abs(), lambda t: t.clamp(-0.5, 0.5)):
        g = gg.tensor(x).requires_grad_(True)
        fn(g).backward(gg.ones(6))
        t = torch.tensor(x, requires_grad=True)
        fn(t).backward(torch.ones(6))
        np.testing.assert_array_equal(g.grad.numpy(), t.grad.numpy())


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
def test_nll_with_ignored_targets_first_and_second_order(reduction, weighted):
    rng = np.random.default_rng(0)
    logits = gg.tensor(rng.standard_normal((6, 4))).requires_grad_(True)
    target = gg.tensor(np.array([0, 3, -100, 1, 2, -100]))
    weight = gg.tensor(np.array([0.5, 1.0, 2.0, 1.5])) if weighted else None
    f = lambda x: F.cross_entropy(x, target, weight=weight, reduction=reduction)
    assert gradcheck(f, (logits,))
    assert gradgradcheck(f, (logits,))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_with_ignored_targets_and_weights_matches_torch(reduction):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    x = rng.standard_normal((7, 3))
    t = np.array([2, 0, 1, 5, 0, 2, 5])
    w = np.array([0.3, 1.0, 2.0])
    g = gg.tensor(x).requires_grad_(True)
    out = F.nll_loss(g, gg.tensor(t), weight=gg.tensor(w), ignore_index=5, reduction=reduction)
    out.sum().backward()
    tx = torch.tensor(x, requires_grad=True)
    ref = torch.nn.functional.nll_loss(tx, torch.tensor(t), weight=torch.tensor(w),
                                       ignore_index=5, reduction=reduction)
    ref.sum().backward()
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(g.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_nll_with_an_out_of_range_target_raises():
    x = gg.tensor(np.zeros((3, 4))).requires_grad_(True)
    with pytest.raises(IndexError, match="out of"):
        F.nll_loss(x, gg.tensor(np.array([0, 7, -100])), ignore_index=-100)
