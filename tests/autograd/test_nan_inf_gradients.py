"""Gradients at NaN, +-inf, 0 and ties follow PyTorch's conventions, op by op (the table is
nan_inf_cases.py); the rules added for them pass gradcheck and gradgradcheck."""
import warnings

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import autograd as ag
from nan_inf_cases import CASES, upstream

torch = pytest.importorskip("torch")


def _run(m, fn, inputs):
    xs = [m.tensor(np.array(v, dtype=np.float64), requires_grad=True) for v in inputs]
    out = fn(m, m.nn.functional, *xs)
    (out * m.tensor(upstream(tuple(out.shape)))).sum().backward()
    grads = [None if x.grad is None else np.array(x.grad.numpy()) for x in xs]
    return np.array(out.detach().numpy()), grads


def test_table_is_large():
    assert len(CASES) >= 40


@pytest.mark.parametrize("name, fn, inputs", CASES, ids=[c[0] for c in CASES])
def test_values_and_gradients_match_torch(name, fn, inputs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        expected_out, expected = _run(torch, fn, inputs)
    out, grads = _run(gg, fn, inputs)
    np.testing.assert_allclose(out, expected_out, rtol=1e-7, atol=1e-12, equal_nan=True)
    for i, (ours, theirs) in enumerate(zip(grads, expected)):
        if ours is None or theirs is None:      # no gradient reached: zeros in the other
            assert np.all((theirs if ours is None else ours) == 0), (name, i)
            continue
        np.testing.assert_allclose(ours, theirs, rtol=1e-7, atol=1e-12, equal_nan=True,
                                   err_msg=f"{name}: gradient of input {i}")


def test_binary_cross_entropy_rule_passes_gradcheck_and_gradgradcheck():
    rng = np.random.default_rng(0)
    p = ag.tensor(rng.uniform(0.05, 0.95, (3, 4)), requires_grad=True)
    t = ag.tensor(rng.uniform(0.0, 1.0, (3, 4)), requires_grad=True)
    fn = lambda p, t: gg.nn.functional.binary_cross_entropy(p, t, reduction="none")
    assert ag.gradcheck(fn, (p, t))
    assert ag.gradgradcheck(fn, (p, t))
    w = ag.tensor(rng.uniform(0.5, 2.0, (3, 4)))
    assert ag.gradcheck(lambda p: gg.nn.functional.binary_cross_entropy(p, t.detach(), w), (p,))


@pytest.mark.parametrize("dim, keepdim, correction", [(None, False, 1), (1, True, 0),
                                                      ((0, 2), False, 1), (-1, False, 2)])
def test_var_rule_passes_gradcheck_and_gradgradcheck(dim, keepdim, correction):
    x = ag.tensor(np.random.default_rng(1).standard_normal((2, 3, 4)), requires_grad=True)
    fn = lambda x: x.var(dim, keepdim=keepdim, correction=correction)
    assert ag.gradcheck(fn, (x,))
    assert ag.gradgradcheck(fn, (x,))
    np.testing.assert_allclose(
        fn(x).detach().numpy(),
        torch.tensor(x.numpy()).var(dim, keepdim=keepdim, correction=correction).numpy())


@pytest.mark.parametrize("padding, dilation", [((0, 0, 0, 0), (1, 1)), ((1, 2, 0, 1), (2, 1)),
                                               ((2, 2, 2, 2), (1, 3))])
def test_conv_gradients_without_the_wide_layout_agree_on_finite_inputs(padding, dilation):
    """The direct conv2d gradients (used when w or x holds an infinity) equal the fast ones."""
    from glassgrad.autograd import primitives as P
    rng = np.random.default_rng(2)
    x, w = rng.standard_normal((2, 3, 7, 8)), rng.standard_normal((4, 3, 2, 3))
    y = P._conv2d_forward(x, w, padding, dilation)
    g = rng.standard_normal(y.shape)
    np.testing.assert_allclose(P._conv2d_input_grad_direct(g, w, padding, dilation, x.shape),
                               P._conv2d_input_grad_forward(g, w, padding, dilation, x.shape),
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(P._conv2d_weight_grad_direct(g, x, padding, dilation, w.shape),
                               P._conv2d_weight_grad_forward(g, x, padding, dilation, w.shape),
                               rtol=1e-10, atol=1e-12)
