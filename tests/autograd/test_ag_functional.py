"""ag.functional (vjp, jvp, jacobian, hessian, hvp): analytic checks and, where installed,
torch.autograd.functional parity for single and tuple inputs and outputs."""
import numpy as np
import pytest

from glassgrad import autograd as ag
from glassgrad.autograd import functional as AF

RNG = np.random.default_rng(0)
A = RNG.standard_normal((3, 3))
X0, Y0 = RNG.standard_normal(3), RNG.standard_normal((3, 2))


def f_single(x):                       # R^3 -> R^3
    return (x * x).tanh() + x.exp().sum()


def f_multi(x, y):                     # (R^3, R^{3x2}) -> (R^2, R^3)
    return (x @ y).sigmoid(), x.sin() * y.sum(1)


def f_scalar(x, y):                    # (R^3, R^{3x2}) -> R
    return ((x @ y) ** 2).sum() + (x.exp() * x).sum()


def _t(a):
    return ag.tensor(a)


def test_jacobian_of_linear_map_is_the_matrix():
    J = AF.jacobian(lambda x: _t(A) @ x, _t(X0))
    np.testing.assert_allclose(J.numpy(), A, rtol=1e-14)
    assert not J.requires_grad


def test_hessian_of_quadratic_form():
    H = AF.hessian(lambda x: x @ (_t(A) @ x), _t(X0))
    np.testing.assert_allclose(H.numpy(), A + A.T, rtol=1e-13)


def test_vjp_jvp_hvp_against_jacobian_and_hessian():
    x = _t(X0)
    v = _t(RNG.standard_normal(3))
    J = AF.jacobian(f_single, x).numpy()
    out, vj = AF.vjp(f_single, x, v)
    np.testing.assert_allclose(out.numpy(), f_single(x).numpy())
    np.testing.assert_allclose(vj.numpy(), v.numpy() @ J, rtol=1e-12)
    out, jv = AF.jvp(f_single, x, v)
    np.testing.assert_allclose(jv.numpy(), J @ v.numpy(), rtol=1e-12)
    g = lambda t: (t.exp() * t.sin()).sum()
    H = AF.hessian(g, x).numpy()
    out, hv = AF.hvp(g, x, v)
    np.testing.assert_allclose(hv.numpy(), H @ v.numpy(), rtol=1e-12)
    _, vh = AF.vhp(g, x, v)
    np.testing.assert_allclose(vh.numpy(), v.numpy() @ H, rtol=1e-12)


def test_functional_leaves_inputs_untouched():
    x = ag.tensor(X0, requires_grad=True)
    AF.jacobian(f_single, x)
    AF.hessian(lambda t: (t ** 3).sum(), x)
    assert x.grad is None


def test_functional_errors():
    x = _t(X0)
    with pytest.raises(RuntimeError, match="v can be omitted only when func returns a single"):
        AF.vjp(f_single, x)
    with pytest.raises(RuntimeError, match=r"vjp: v\[0\] has shape \(2,\), expected \(3,\)"):
        AF.vjp(f_single, x, _t(np.zeros(2)))
    with pytest.raises(RuntimeError, match="hessian: func must return a single-element tensor"):
        AF.hessian(f_single, x)
    with pytest.raises(TypeError, match="only floating inputs"):
        AF.jacobian(f_single, ag.tensor([1, 2, 3]))
    with pytest.raises(TypeError, match="element 0 is a list, expected a Tensor"):
        AF.jacobian(f_single, [[1.0]])


def test_create_graph_makes_results_differentiable():
    x = ag.tensor(X0, requires_grad=True)
    H = AF.hessian(lambda t: (t ** 4).sum(), x, create_graph=True)
    (g,) = ag.grad(H.sum(), x)
    np.testing.assert_allclose(g.numpy(), 24 * X0, rtol=1e-12)


# ----- parity with torch.autograd.functional ---------------------------------------------------


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def _pair(torch, *arrays):
    return tuple(ag.tensor(a) for a in arrays), tuple(torch.tensor(a) for a in arrays)


def _assert_nested_close(mine, theirs):
    if isinstance(theirs, (tuple, list)):
        assert isinstance(mine, (tuple, list)) and len(mine) == len(theirs)
        for m, t in zip(mine, theirs):
            _assert_nested_close(m, t)
    else:
        assert mine.shape == tuple(theirs.shape)
        np.testing.assert_allclose(mine.numpy(), theirs.detach().numpy(), rtol=1e-11, atol=1e-13)


def test_jacobian_parity(torch):
    (x, y), (tx, ty) = _pair(torch, X0, Y0)
    _assert_nested_close(AF.jacobian(f_single, x), torch.autograd.functional.jacobian(f_single, tx))
    _assert_nested_close(AF.jacobian(f_multi, (x, y)),
                         torch.autograd.functional.jacobian(f_multi, (tx, ty)))
    _assert_nested_close(AF.jacobian(lambda a: (a.exp(), a.sum()), x),
                         torch.autograd.functional.jacobian(lambda a: (a.exp(), a.sum()), tx))


def test_hessian_parity(torch):
    (x, y), (tx, ty) = _pair(torch, X0, Y0)
    _assert_nested_close(AF.hessian(f_scalar, (x, y)),
                         torch.autograd.functional.hessian(f_scalar, (tx, ty)))
    g = lambda a: (a.tanh() ** 3).sum()
    _assert_nested_close(AF.hessian(g, x), torch.autograd.functional.hessian(g, tx))


def test_vjp_jvp_hvp_parity(torch):
    (x, y, v2, v3, vy), (tx, ty, tv2, tv3, tvy) = _pair(
        torch, X0, Y0, RNG.standard_normal(2), RNG.standard_normal(3), RNG.standard_normal((3, 2)))
    F = torch.autograd.functional
    _assert_nested_close(AF.vjp(f_multi, (x, y), (v2, v3)), F.vjp(f_multi, (tx, ty), (tv2, tv3)))
    _assert_nested_close(AF.vjp(f_single, x, v3), F.vjp(f_single, tx, tv3))
    _assert_nested_close(AF.vjp(f_scalar, (x, y)), F.vjp(f_scalar, (tx, ty)))
    _assert_nested_close(AF.jvp(f_multi, (x, y), (v3, vy)), F.jvp(f_multi, (tx, ty), (tv3, tvy)))
    _assert_nested_close(AF.jvp(f_single, x, v3), F.jvp(f_single, tx, tv3))
    _assert_nested_close(AF.hvp(f_scalar, (x, y), (v3, vy)), F.hvp(f_scalar, (tx, ty), (tv3, tvy)))
    _assert_nested_close(AF.vhp(f_scalar, (x, y), (v3, vy)), F.vhp(f_scalar, (tx, ty), (tv3, tvy)))


def test_output_independent_of_input(torch):
    """A constant output gives zero Jacobian blocks, as torch does (strict=False)."""
    (x, y), (tx, ty) = _pair(torch, X0, Y0)
    fn = lambda a, b: a * 2.0
    _assert_nested_close(AF.jacobian(fn, (x, y)), torch.autograd.functional.jacobian(fn, (tx, ty)))
    _assert_nested_close(AF.jvp(fn, (x, y), (x, y)), torch.autograd.functional.jvp(fn, (tx, ty), (tx, ty)))
