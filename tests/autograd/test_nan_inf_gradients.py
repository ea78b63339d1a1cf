"""Gradients at NaN, +-inf, 0 and ties follow PyTorch's conventions, op by op (the table is
nan_inf_cases.py); the rules added for them pass gradcheck and gradgradcheck."""
import warnings

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import autograd as ag
from nan_inf_cases import CASES, upstream

nan, inf = float("nan"), float("inf")

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
    from glassgrad.autograd import _conv_kernels as P
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


# ----- a seeded sweep: each op on random mixtures of NaN, +-inf, +-0, ties ----------------------

SPECIAL = np.array([nan, inf, -inf, 0.0, -0.0, 1.0, -1.0, 2.0, 0.5, 1.0, 1.0])


def _zeros(m):
    return m.zeros(4, 3, dtype=m.float64)


UNARY = {
    "exp": lambda m, F, x: x.exp(), "log": lambda m, F, x: x.log(),
    "log1p": lambda m, F, x: x.log1p(), "expm1": lambda m, F, x: x.expm1(),
    "sqrt": lambda m, F, x: x.sqrt(), "rsqrt": lambda m, F, x: x.rsqrt(),
    "sin": lambda m, F, x: x.sin(), "cos": lambda m, F, x: x.cos(),
    "tanh": lambda m, F, x: x.tanh(), "sigmoid": lambda m, F, x: x.sigmoid(),
    "relu": lambda m, F, x: x.relu(), "abs": lambda m, F, x: x.abs(),
    "erf": lambda m, F, x: m.erf(x), "square": lambda m, F, x: x.square(),
    "neg": lambda m, F, x: -x, "pow2": lambda m, F, x: x ** 2, "pow3": lambda m, F, x: x ** 3,
    "pow_half": lambda m, F, x: x ** 0.5, "pow_minus_half": lambda m, F, x: x ** -0.5,
    "pow_minus2": lambda m, F, x: x ** -2, "pow0": lambda m, F, x: x ** 0,
    "rpow": lambda m, F, x: 3.0 ** x, "clamp": lambda m, F, x: x.clamp(-1, 1),
    "clamp_min": lambda m, F, x: x.clamp(min=0.5), "softplus": lambda m, F, x: F.softplus(x),
    "elu": lambda m, F, x: F.elu(x), "selu": lambda m, F, x: F.selu(x),
    "leaky_relu": lambda m, F, x: F.leaky_relu(x, 0.2), "gelu": lambda m, F, x: F.gelu(x),
    "silu": lambda m, F, x: F.silu(x),
    "gelu_tanh": lambda m, F, x: F.gelu(x, approximate="tanh"),
    "sum": lambda m, F, x: x.sum(1), "mean": lambda m, F, x: x.mean(1),
    "amax": lambda m, F, x: x.amax(1), "amin": lambda m, F, x: x.amin(0),
    "max_all": lambda m, F, x: x.max(), "min_all": lambda m, F, x: x.min(),
    "max_dim": lambda m, F, x: x.max(1).values, "min_dim": lambda m, F, x: x.min(0).values,
    "var": lambda m, F, x: x.var(1), "std": lambda m, F, x: x.std(0),
    "norm": lambda m, F, x: x.norm(dim=1), "norm1": lambda m, F, x: x.norm(p=1, dim=1),
    "norm_inf": lambda m, F, x: x.norm(p=float("inf"), dim=0),
    "softmax": lambda m, F, x: m.softmax(x, 1),
    "log_softmax": lambda m, F, x: m.log_softmax(x, 1),
    "logsumexp": lambda m, F, x: m.logsumexp(x, 1),
    "layer_norm": lambda m, F, x: F.layer_norm(x, (3,)),
    "cross_entropy": lambda m, F, x: F.cross_entropy(x, m.tensor([0, 2, 1, 0])),
    "bce_logits": lambda m, F, x: F.binary_cross_entropy_with_logits(
        x, _zeros(m) + 0.3, reduction="none"),
    "huber": lambda m, F, x: F.huber_loss(x, _zeros(m), reduction="none"),
    "smooth_l1": lambda m, F, x: F.smooth_l1_loss(x, _zeros(m), reduction="none"),
    "l1": lambda m, F, x: F.l1_loss(x, _zeros(m), reduction="none"),
    "mse": lambda m, F, x: F.mse_loss(x, _zeros(m), reduction="none"),
}
BINARY = {
    "add": lambda m, F, a, b: a + b, "sub": lambda m, F, a, b: a - b,
    "mul": lambda m, F, a, b: a * b, "div": lambda m, F, a, b: a / b,
    "pow": lambda m, F, a, b: a ** b, "maximum": lambda m, F, a, b: m.maximum(a, b),
    "minimum": lambda m, F, a, b: m.minimum(a, b),
    "where": lambda m, F, a, b: m.where(a > b, a, b), "matmul": lambda m, F, a, b: a @ b.T,
    "clamp_min_tensor": lambda m, F, a, b: a.clamp(min=b),
    "clamp_max_tensor": lambda m, F, a, b: a.clamp(max=b),
}
SWEEP = [(name, fn, 1) for name, fn in UNARY.items()] + [(n, f, 2) for n, f in BINARY.items()]


def _sweep_run(m, fn, arrays):
    xs = [m.tensor(a, requires_grad=True) for a in arrays]
    out = fn(m, m.nn.functional, *xs)
    (out * m.tensor(upstream(tuple(out.shape), seed=5))).sum().backward()
    return [np.array(out.detach().numpy())] + [
        np.zeros(a.shape) if x.grad is None else np.array(x.grad.numpy())
        for a, x in zip(arrays, xs)]


@pytest.mark.parametrize("name, fn, arity", SWEEP, ids=[s[0] for s in SWEEP])
def test_random_special_values_match_torch(name, fn, arity):
    rng = np.random.default_rng([ord(c) for c in name])
    for _ in range(12):
        arrays = [rng.choice(SPECIAL, size=(4, 3)) for _ in range(arity)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            theirs = _sweep_run(torch, fn, arrays)
        ours = _sweep_run(gg, fn, arrays)
        for what, a, b in zip(["value"] + [f"grad {i}" for i in range(arity)], ours, theirs):
            np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-12, equal_nan=True,
                                       err_msg=f"{name} {what} at {[x.tolist() for x in arrays]}")
