"""Gradients of gradients: rules that read their own output (exp, tanh, sigmoid, sqrt, ...)
stay right at second and third order; create_graph through backward() and ag.grad."""
import numpy as np
import pytest

from glassgrad import autograd as ag

PTS = np.array([-1.3, -0.2, 0.4, 1.7])
POS = np.array([0.3, 0.9, 1.6, 4.0])

# f, f', f'', f''' in numpy
SERIES = {
    "exp": (ag.exp, np.exp, np.exp, np.exp, PTS),
    "tanh": (ag.tanh, lambda x: 1 - np.tanh(x) ** 2,
             lambda x: -2 * np.tanh(x) * (1 - np.tanh(x) ** 2),
             lambda x: (6 * np.tanh(x) ** 2 - 2) * (1 - np.tanh(x) ** 2), PTS),
    "sigmoid": (ag.sigmoid, lambda x: _s(x) * (1 - _s(x)),
                lambda x: _s(x) * (1 - _s(x)) * (1 - 2 * _s(x)),
                lambda x: _s(x) * (1 - _s(x)) * (1 - 6 * _s(x) + 6 * _s(x) ** 2), PTS),
    "sqrt": (ag.sqrt, lambda x: 0.5 * x ** -0.5, lambda x: -0.25 * x ** -1.5,
             lambda x: 0.375 * x ** -2.5, POS),
    "expm1": (ag.expm1, np.exp, np.exp, np.exp, PTS),
    "log": (ag.log, lambda x: 1 / x, lambda x: -1 / x ** 2, lambda x: 2 / x ** 3, POS),
    "pow_tensor_exponent": (lambda x: x ** ag.tensor(2.5, dtype=ag.float64),
                            lambda x: 2.5 * x ** 1.5, lambda x: 3.75 * x ** 0.5,
                            lambda x: 1.875 * x ** -0.5, POS),
}


def _s(x):
    return 1 / (1 + np.exp(-x))


@pytest.mark.parametrize("name", sorted(SERIES))
def test_first_second_third_derivatives(name):
    f, d1, d2, d3, pts = SERIES[name]
    x = ag.tensor(pts, requires_grad=True)
    (g1,) = ag.grad(f(x).sum(), x, create_graph=True)
    (g2,) = ag.grad(g1.sum(), x, create_graph=True)
    (g3,) = ag.grad(g2.sum(), x, allow_unused=True, materialize_grads=True)
    for got, want in ((g1, d1), (g2, d2), (g3, d3)):
        np.testing.assert_allclose(got.numpy(), want(pts), rtol=1e-12, atol=1e-15)


def test_output_saving_op_used_again_after_its_gradient():
    """The output tensor and the tensor the rule rebuilds from the saved output are one
    quantity: differentiating through both gives the product-rule total."""
    x = ag.tensor(PTS, requires_grad=True)
    y = x.exp()
    (g,) = ag.grad((y * y).sum(), x, create_graph=True)      # 2 e^{2x}
    (gg,) = ag.grad((g * y).sum(), x)                          # d/dx 2 e^{3x} = 6 e^{3x}
    np.testing.assert_allclose(gg.numpy(), 6 * np.exp(3 * PTS), rtol=1e-12)


def test_backward_create_graph_makes_dot_grad_differentiable():
    x = ag.tensor(PTS, requires_grad=True)
    (x.tanh() * x).sum().backward(create_graph=True)
    g = x.grad
    assert g.requires_grad
    x.grad = None
    g.sum().backward()
    t = np.tanh(PTS)
    expected = 2 * (1 - t ** 2) - 2 * PTS * t * (1 - t ** 2)
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-12)


def test_mixed_partials_of_two_inputs():
    a = ag.tensor(0.7, dtype=ag.float64, requires_grad=True)
    b = ag.tensor(-0.4, dtype=ag.float64, requires_grad=True)
    f = (a * b).sigmoid() * a.exp()
    (ga,) = ag.grad(f, a, create_graph=True)
    (gab,) = ag.grad(ga, b)
    s = _s(0.7 * -0.4)
    # d/db [ s'(ab) b e^a + s(ab) e^a ]
    ds = s * (1 - s)
    d2s = ds * (1 - 2 * s)
    expected = np.exp(0.7) * (d2s * 0.7 * -0.4 + ds + ds * 0.7)
    np.testing.assert_allclose(gab.item(), expected, rtol=1e-12)


def test_gradient_penalty_style_double_backward():
    """Train-time use: a loss on the gradient norm, differentiated w.r.t. the weights."""
    rng = np.random.default_rng(0)
    w = ag.tensor(rng.standard_normal((3, 2)), requires_grad=True)
    x = ag.tensor(rng.standard_normal((4, 3)), requires_grad=True)

    def penalty(w_, x_):
        out = (x_ @ w_).tanh().sum()
        (gx,) = ag.grad(out, x_, create_graph=True)
        return (gx * gx).sum()
    assert ag.gradcheck(penalty, [w, x])


def test_relu_network_gradient_penalty():
    """relu's rule uses a constant mask of its saved output: the mixed second derivatives
    through the weights are still exact."""
    rng = np.random.default_rng(1)
    w = ag.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    v = ag.tensor(rng.standard_normal((4,)), requires_grad=True)
    x = ag.tensor(rng.standard_normal((5, 3)), requires_grad=True)

    def penalty(w_, v_):
        out = ((x @ w_).relu() @ v_).sum()
        (gx,) = ag.grad(out, x, create_graph=True)
        return (gx ** 2).sum()
    assert ag.gradcheck(penalty, [w, v])


def test_hessian_of_softmax_cross_entropy_is_symmetric_and_matches_formula():
    z = ag.tensor(np.array([0.2, -1.0, 0.5]), requires_grad=True)
    loss = lambda t: -t.log_softmax(0)[1]
    H = ag.functional.hessian(loss, z).numpy()
    p = np.exp(z.numpy()) / np.exp(z.numpy()).sum()
    np.testing.assert_allclose(H, np.diag(p) - np.outer(p, p), rtol=1e-12, atol=1e-15)


def test_create_graph_false_gives_constants():
    x = ag.tensor(PTS, requires_grad=True)
    (g,) = ag.grad(x.exp().sum(), x)
    assert not g.requires_grad and g.grad_fn is None


def test_gradgradcheck_of_a_function_that_differentiates_internally():
    rng = np.random.default_rng(2)
    w = ag.tensor(rng.standard_normal((2, 2)), requires_grad=True)
    x = ag.tensor(rng.standard_normal((3, 2)), requires_grad=True)

    def penalty(w_):
        (gx,) = ag.grad((x @ w_).sigmoid().sum(), x, create_graph=True)
        return (gx ** 2).sum()
    assert ag.gradgradcheck(penalty, [w])
