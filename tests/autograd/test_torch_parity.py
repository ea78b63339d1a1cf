"""Parity with PyTorch (float64): values, gradients, and second and third derivatives of every
op in the case table, plus jacobian/hessian; skipped when torch is not installed."""
import numpy as np
import pytest

from glassgrad import autograd as ag
from ag_cases import CASES, inputs

torch = pytest.importorskip("torch")


def _both(case, seed):
    arrays = inputs(case, seed)
    xs = [ag.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    return xs, ts


def _np(t):
    return t.detach().numpy() if isinstance(t, torch.Tensor) else t.numpy()


def _close(mine, theirs, what):
    """Equal to float64 round-off; a missing gradient (None) counts as zeros."""
    if theirs is None or mine is None:
        other = mine if theirs is None else theirs
        assert other is None or np.all(_np(other) == 0), f"{what}: {other} where None expected"
        return
    np.testing.assert_allclose(mine.numpy(), _np(theirs), rtol=1e-10, atol=1e-12, err_msg=what)


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_forward_backward(case):
    xs, ts = _both(case, 3)
    out, tout = case.ag_fn(*xs), case.torch_fn(*ts)
    assert out.shape == tuple(tout.shape)
    _close(out, tout, "forward")
    v = np.random.default_rng(4).standard_normal(out.shape)
    (out * ag.tensor(v)).sum().backward()
    (tout * torch.tensor(v)).sum().backward()
    for i, (x, t) in enumerate(zip(xs, ts)):
        _close(x.grad, t.grad, f"gradient of input {i}")


def _derivatives(lib, fn, xs, v, w, u):
    """First, second and third derivatives along random directions, by chaining grad calls
    with create_graph=True."""
    grad = ag.grad if lib is ag else torch.autograd.grad
    out = fn(*xs)
    g1 = grad([(out * v).sum()], xs, create_graph=True, allow_unused=True)
    s2 = sum((g * wi).sum() for g, wi in zip(g1, w) if g is not None and g.requires_grad)
    if not isinstance(s2, (ag.Tensor, torch.Tensor)):
        return g1, (None,) * len(xs), (None,) * len(xs)
    g2 = grad([s2], xs, create_graph=True, allow_unused=True)
    s3 = sum((g * ui).sum() for g, ui in zip(g2, u) if g is not None and g.requires_grad)
    if not isinstance(s3, (ag.Tensor, torch.Tensor)):
        return g1, g2, (None,) * len(xs)
    return g1, g2, grad([s3], xs, allow_unused=True)


@pytest.mark.parametrize("case", [c for c in CASES if c.smooth], ids=repr)
def test_higher_derivatives(case):
    xs, ts = _both(case, 5)
    rng = np.random.default_rng(6)
    out_shape = case.ag_fn(*xs).shape
    v = rng.standard_normal(out_shape)
    w = [rng.standard_normal(x.shape) for x in xs]
    u = [rng.standard_normal(x.shape) for x in xs]
    mine = _derivatives(ag, case.ag_fn, xs, ag.tensor(v), [ag.tensor(a) for a in w],
                        [ag.tensor(a) for a in u])
    theirs = _derivatives(torch, case.torch_fn, ts, torch.tensor(v),
                          [torch.tensor(a) for a in w], [torch.tensor(a) for a in u])
    for order, (gs, hs) in enumerate(zip(mine, theirs), start=1):
        for i, (g, h) in enumerate(zip(gs, hs)):
            _close(g, h, f"derivative of order {order} w.r.t. input {i}")


def _f_smooth(x):
    return (x.tanh() * x.exp()).sum() + (x * x).sum().sqrt()


def _f_vec(x, y):
    return (x @ y).sigmoid(), (x * 2.0).exp()


def test_jacobian_and_hessian():
    a = np.random.default_rng(7).standard_normal((3,))
    b = np.random.default_rng(8).standard_normal((3, 2))
    H = ag.functional.hessian(_f_smooth, ag.tensor(a))
    Ht = torch.autograd.functional.hessian(_f_smooth, torch.tensor(a))
    np.testing.assert_allclose(H.numpy(), Ht.numpy(), rtol=1e-10)
    J = ag.functional.jacobian(_f_vec, (ag.tensor(a), ag.tensor(b)))
    Jt = torch.autograd.functional.jacobian(_f_vec, (torch.tensor(a), torch.tensor(b)))
    for i in range(2):
        for j in range(2):
            np.testing.assert_allclose(J[i][j].numpy(), Jt[i][j].numpy(), rtol=1e-10,
                                       atol=1e-14)


def test_third_derivative_of_scalar_function():
    """d^3/dx^3 of x^2 tanh(x) sigmoid(x) at a few points, through three create_graph calls."""
    def third(lib, x):
        grad = ag.grad if lib is ag else torch.autograd.grad
        y = x * x * x.tanh() * x.sigmoid()
        for _ in range(2):
            (y,) = grad([y.sum()], [x], create_graph=True)
        return grad([y.sum()], [x])[0]
    pts = np.array([-1.5, -0.3, 0.0, 0.7, 2.0])
    mine = third(ag, ag.tensor(pts, requires_grad=True))
    theirs = third(torch, torch.tensor(pts, requires_grad=True))
    np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-10, atol=1e-12)


# ----- random programs ----------------------------------------------------------------------------

UNARY = [lambda t: t.tanh(), lambda t: t.sigmoid(), lambda t: t.exp() * 0.1, lambda t: t.sin(),
         lambda t: (t * t + 1.0).sqrt(), lambda t: (t * t + 1.0).log(), lambda t: -t,
         lambda t: t.softmax(-1), lambda t: t.log_softmax(0), lambda t: t.T.reshape(t.shape),
         lambda t: t[[2, 0, 0]], lambda t: t.sum(-1, keepdim=True) * t,
         lambda t: t.mean(0) + t, lambda t: t ** 2 * 0.5, lambda t: t.abs() + t.relu()]


def _inplace_chain(t):
    u = t * 1.0
    u.add_(t.sin())
    u.mul_(0.5)
    u += t
    return u


def _setitem_chain(t):
    u = t * 1.0
    u[0] = t[1] * 2.0
    u[:, [2, 0]] = t[:, :2].exp()
    return u


UNARY += [_inplace_chain, _setitem_chain]
BINARY = [lambda a, b: a + b, lambda a, b: a * b, lambda a, b: a - b * 0.5,
          lambda a, b: a / (b * b + 1.0), lambda a, b: a @ b.T / 3.0,
          lambda a, b: a.where(a > b, b * 2.0),
          lambda a, b: (a.unsqueeze(0) * b.unsqueeze(1)).sum(1)]


@pytest.mark.parametrize("seed", range(30))
def test_random_programs(seed):
    """Random DAGs of ops (values reused several times) give torch's gradients."""
    rng = np.random.default_rng(100 + seed)
    leaves = [rng.standard_normal((3, 3)) for _ in range(3)]
    steps = [(rng.integers(2), rng.integers(len(UNARY)), rng.integers(len(BINARY)),
              rng.integers(0, 10 ** 6, 2)) for _ in range(8)]
    weights = rng.standard_normal((3, 3))

    def run(lib, tensor):
        xs = [tensor(a, requires_grad=True) for a in leaves]
        vals = list(xs)
        for kind, u, b, (i, j) in steps:
            if kind == 0:
                vals.append(UNARY[u](vals[i % len(vals)]))
            else:
                vals.append(BINARY[b](vals[i % len(vals)], vals[j % len(vals)]))
        out = (vals[-1] * tensor(weights)).sum() + vals[-2].sum()
        grads = (ag.grad if lib is ag else torch.autograd.grad)(out, xs, allow_unused=True)
        return out, grads

    out, grads = run(ag, ag.tensor)
    t_out, t_grads = run(torch, torch.tensor)
    _close(out, t_out, "value")
    for i, (g, tg) in enumerate(zip(grads, t_grads)):
        _close(g, tg, f"gradient of leaf {i}")
