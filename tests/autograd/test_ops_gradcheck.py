"""Every op of the case table (ag_cases.py) passes gradcheck and gradgradcheck in float64."""
import warnings

import pytest

from glassgrad import autograd as ag
from ag_cases import CASES, inputs


def _leaves(case, seed=0):
    return [ag.tensor(a, requires_grad=True) for a in inputs(case, seed)]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_gradcheck(case):
    xs = _leaves(case)
    with warnings.catch_warnings():
        warnings.simplefilter("error")      # a kink warning here means a badly drawn input
        assert ag.gradcheck(case.ag_fn, xs)


@pytest.mark.parametrize("case", [c for c in CASES if c.smooth], ids=repr)
def test_gradgradcheck(case):
    xs = _leaves(case, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ag.gradgradcheck(case.ag_fn, xs)


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_forward_keeps_float32(case):
    """float32 inputs give float32 outputs and float32 gradients (no silent upcast)."""
    xs = [ag.tensor(a, requires_grad=True) for a in inputs(case, 2, dtype="float32")]
    out = case.ag_fn(*xs)
    assert out.dtype == ag.float32, f"{case.name} forward gives {out.dtype}"
    grads = ag.grad(out.sum(), xs, allow_unused=True)
    for x, g in zip(xs, grads):
        if g is not None:
            assert g.dtype == ag.float32, f"{case.name} gradient is {g.dtype}"
            assert g.shape == x.shape


@pytest.mark.parametrize("case", [c for c in CASES if c.smooth], ids=repr)
def test_second_derivatives_keep_float32(case):
    xs = [ag.tensor(a, requires_grad=True) for a in inputs(case, 3, dtype="float32")]
    out = case.ag_fn(*xs)
    grads = ag.grad((out * out).sum(), xs, create_graph=True, allow_unused=True)
    total = sum((g * g).sum() for g in grads if g is not None)
    assert total.dtype == ag.float32
    for x, g in zip(xs, ag.grad(total, xs, allow_unused=True)):
        assert g is None or (g.dtype == ag.float32 and g.shape == x.shape), case.name
