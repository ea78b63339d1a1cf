"""Edge values: pow with negative bases and 0 ** 0, log/sqrt at 0, saturating sigmoid/tanh/exp,
logsumexp/softmax/log_softmax at extreme values and -inf. Values and gradients equal
PyTorch's (where installed) and numpy never warns (pytest makes RuntimeWarning an error)."""
import math

import numpy as np
import pytest

from glassgrad import autograd as ag

INF = math.inf

# (name, function of the inputs, input values); every function works on glassgrad and torch.
EDGE_CASES = [
    ("pow_negative_base_integer_exponent", lambda a, b: a ** b, [[-2.0, -0.5, 3.0], [3.0, 2.0, 2.0]]),
    ("pow_negative_base_fractional_exponent", lambda a, b: a ** b, [[-2.0, -8.0], [0.5, 1.5]]),
    ("pow_zero_to_the_zero", lambda a, b: a ** b, [[0.0, 0.0, 2.0], [0.0, 2.0, 0.0]]),
    ("pow_zero_base_positive_exponent", lambda a, b: a ** b, [[0.0, 0.0], [0.5, 3.0]]),
    ("pow_zero_base_negative_exponent", lambda a, b: a ** b, [[0.0, 0.0], [-1.0, -0.5]]),
    ("pow_scalar_negative_base", lambda a: a ** 3, [[-2.0, -0.5, 0.0]]),
    ("pow_scalar_fractional_negative_base", lambda a: a ** 0.5, [[-4.0, 0.0, 4.0]]),
    ("pow_scalar_zero_exponent", lambda a: a ** 0, [[0.0, -3.0, 2.0]]),
    ("pow_scalar_zero_to_negative", lambda a: a ** -1, [[0.0, 2.0]]),
    ("rpow_zero_base", lambda a: 0.0 ** a, [[0.0, 1.0, 2.0]]),
    ("log_at_zero", lambda a: a.log(), [[0.0, 1.0]]),
    ("log_negative", lambda a: a.log(), [[-1.0]]),
    ("log1p_at_minus_one", lambda a: a.log1p(), [[-1.0, 0.0]]),
    ("sqrt_at_zero", lambda a: a.sqrt(), [[0.0, 4.0]]),
    ("rsqrt_at_zero", lambda a: a.rsqrt(), [[0.0, 4.0]]),
    ("div_by_zero", lambda a, b: a / b, [[1.0, -1.0, 0.0], [0.0, 0.0, 0.0]]),
    ("exp_extremes", lambda a: a.exp(), [[-1000.0, 0.0, 1000.0]]),
    ("expm1_extremes", lambda a: a.expm1(), [[-1000.0, 1000.0]]),
    ("sigmoid_extremes", lambda a: a.sigmoid(), [[-1000.0, -50.0, 0.0, 50.0, 1000.0]]),
    ("tanh_extremes", lambda a: a.tanh(), [[-1000.0, -20.0, 0.0, 20.0, 1000.0]]),
    ("relu_at_zero", lambda a: a.relu(), [[0.0, -0.0, 1.0]]),
    ("abs_at_zero", lambda a: a.abs(), [[0.0, -2.0, 2.0]]),
    ("clamp_at_boundaries", lambda a: a.clamp(-1.0, 1.0), [[-1.0, 1.0, 0.5, 2.0, -2.0]]),
    ("clamp_tensor_bounds_at_boundaries", lambda a, lo: a.clamp(lo, lo + 1.0),
     [[-1.0, 0.0, 0.5, 2.0, -3.0], [-1.0, -1.0, -1.0, 1.0, -2.0]]),
    ("clamp_tensor_min_only", lambda a, lo: a.clamp(min=lo), [[1.0, 0.0, 3.0], [1.0, 2.0, -1.0]]),
    ("logsumexp_large", lambda a: a.logsumexp(-1), [[[1000.0, 1000.0, -1000.0], [-1e4, 0.0, 1e4]]]),
    ("logsumexp_with_neg_inf", lambda a: a.logsumexp(-1), [[[-INF, 0.0, 1.0], [-INF, -INF, 2.0]]]),
    ("logsumexp_all_neg_inf", lambda a: a.logsumexp(-1), [[[-INF, -INF], [0.0, 1.0]]]),
    ("logsumexp_pos_inf", lambda a: a.logsumexp(-1), [[[INF, 0.0], [0.0, 1.0]]]),
    ("softmax_large", lambda a: a.softmax(-1), [[[1000.0, 1000.0, -1000.0], [-1e4, 0.0, 1e4]]]),
    ("softmax_with_neg_inf", lambda a: a.softmax(-1), [[[-INF, 0.0, 1.0], [-INF, -INF, 2.0]]]),
    ("softmax_all_neg_inf", lambda a: a.softmax(-1), [[[-INF, -INF], [0.0, 1.0]]]),
    ("log_softmax_large", lambda a: a.log_softmax(-1), [[[1000.0, 1000.0, -1000.0], [-1e4, 0.0, 1e4]]]),
    ("log_softmax_with_neg_inf", lambda a: a.log_softmax(0), [[[-INF, 0.0], [0.0, -INF], [2.0, 1.0]]]),
    ("log_softmax_all_neg_inf", lambda a: a.log_softmax(-1), [[[-INF, -INF], [0.0, 1.0]]]),
    ("max_with_ties", lambda a: a.amax(-1), [[[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]]]),
    ("max_dim_with_ties", lambda a: a.max(-1)[0], [[[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]]]),
    ("min_dim_with_ties", lambda a: a.min(0)[0], [[[1.0, 3.0], [1.0, 2.0]]]),
    ("maximum_with_ties", lambda a, b: a.maximum(b), [[1.0, 2.0, 3.0], [1.0, 5.0, 3.0]]),
    ("minimum_with_ties", lambda a, b: a.minimum(b), [[1.0, 2.0, 3.0], [1.0, 5.0, 3.0]]),
    ("norm_at_zero", lambda a: a.norm(), [[0.0, 0.0]]),
    ("std_of_constant", lambda a: a.std(), [[2.0, 2.0, 2.0]]),
    ("norm_rows_one_zero", lambda a: a.norm(dim=1), [[[0.0, 0.0], [3.0, -4.0]]]),
    ("norm3_rows_one_zero", lambda a: a.norm(p=3, dim=1), [[[0.0, 0.0], [3.0, -4.0]]]),
    ("std_rows_one_constant", lambda a: a.std(dim=1), [[[1.0, 1.0, 1.0], [1.0, 2.0, 4.0]]]),
    ("var_single_element", lambda a: a.var(correction=0), [[3.0]]),
    ("mean_of_inf", lambda a: a.mean(), [[INF, 1.0]]),
]


def _run(lib, fn, values, dtype):
    tensor = ag.tensor if lib is ag else __import__("torch").tensor
    xs = [tensor(v, dtype=dtype, requires_grad=True) for v in values]
    out = fn(*xs)
    out.backward(tensor(np.ones(out.shape), dtype=dtype))
    to_np = (lambda t: t.numpy()) if lib is ag else (lambda t: t.detach().numpy())
    return to_np(out), [None if x.grad is None else to_np(x.grad) for x in xs]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name, fn, values", EDGE_CASES, ids=[c[0] for c in EDGE_CASES])
def test_edge_values_match_torch(name, fn, values, dtype):
    torch = pytest.importorskip("torch")
    out, grads = _run(ag, fn, values, getattr(ag, dtype))      # must not warn
    t_out, t_grads = _run(torch, fn, values, getattr(torch, dtype))
    assert out.dtype == np.dtype(dtype)
    # float32: within a few ulps of the float32 range of the values (the two libraries round
    # differently, e.g. torch's logsumexp gradient is exp(x - rounded result))
    tol = dict(rtol=1e-4, atol=1e-6) if dtype == "float32" else dict(rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(out, t_out, **tol, err_msg="forward")
    for i, (g, tg) in enumerate(zip(grads, t_grads)):
        np.testing.assert_allclose(g, tg, **tol, err_msg=f"gradient of input {i}")
        assert g.dtype == np.dtype(dtype)


@pytest.mark.parametrize("name, fn, values", EDGE_CASES, ids=[c[0] for c in EDGE_CASES])
def test_edge_values_do_not_warn(name, fn, values):
    """Without torch too: no numpy warning escapes forward or backward."""
    out, grads = _run(ag, fn, values, ag.float64)
    assert out.shape == fn(*[ag.tensor(v, dtype=ag.float64) for v in values]).shape
    assert all(g is not None for g in grads)


def test_saturating_functions_stay_finite():
    x = ag.tensor([-1000.0, 1000.0], requires_grad=True)
    for f in (ag.sigmoid, ag.tanh):
        (g,) = ag.grad(f(x).sum(), x)
        assert np.isfinite(f(x).numpy()).all() and g.numpy().tolist() == [0.0, 0.0]
    y = ag.tensor([[1000.0, -1000.0, 0.0]], requires_grad=True)
    for f in (lambda t: t.softmax(-1), lambda t: t.log_softmax(-1), lambda t: t.logsumexp(-1)):
        out = f(y)
        (g,) = ag.grad((out * ag.tensor(2.0)).sum(), y)
        assert np.isfinite(out.numpy()).all() and np.isfinite(g.numpy()).all()


def test_conventions_at_kinks():
    """relu'(0) = 0, abs'(0) = 0, clamp passes the gradient on its boundaries; amax shares it
    among ties, max(dim) gives it to the returned index, maximum() splits a tie in half."""
    x = ag.tensor([0.0], requires_grad=True)
    assert ag.grad(x.relu().sum(), x)[0].item() == 0.0
    assert ag.grad(x.abs().sum(), x)[0].item() == 0.0
    b = ag.tensor([-1.0, 1.0], requires_grad=True)
    assert ag.grad(b.clamp(-1.0, 1.0).sum(), b)[0].numpy().tolist() == [1.0, 1.0]
    t = ag.tensor([[1.0, 3.0, 3.0, 3.0]], dtype=ag.float64, requires_grad=True)
    assert ag.grad(t.amax(), t)[0].numpy().tolist() == [[0.0, 1 / 3, 1 / 3, 1 / 3]]
    assert ag.grad(t.max(), t)[0].numpy().tolist() == [[0.0, 1 / 3, 1 / 3, 1 / 3]]
    values, indices = t.max(1)
    assert indices.numpy().tolist() == [1]
    assert ag.grad(values.sum(), t)[0].numpy().tolist() == [[0.0, 1.0, 0.0, 0.0]]
    p = ag.tensor([2.0], requires_grad=True)
    q = ag.tensor([2.0], requires_grad=True)
    gp, gq = ag.grad(ag.maximum(p, q).sum(), [p, q])
    assert gp.item() == 0.5 and gq.item() == 0.5


def test_argmax_and_max_dim_pick_the_first_of_ties():
    t = ag.tensor([[2.0, 5.0, 5.0], [7.0, 7.0, 1.0]])
    assert t.argmax(1).numpy().tolist() == [1, 0]
    assert t.max(dim=1).indices.numpy().tolist() == [1, 0]
    assert t.min(dim=0).indices.numpy().tolist() == [0, 0, 1]
    assert ag.tensor([3.0, 1.0, 1.0]).min(0).indices.item() == 1
    assert t.argmax().item() == 3 and t.argmin().item() == 5


def test_float32_sum_of_many_values_is_accurate():
    x = ag.ones(10 ** 6)
    assert x.sum().item() == 10 ** 6 and x.mean().item() == 1.0


def test_signed_zero_scalars_keep_their_sign():
    x = ag.tensor([1.0, -2.0])
    assert np.signbit((x * 0.0).numpy()).tolist() == [False, True]
    assert np.signbit((x * -0.0).numpy()).tolist() == [True, False]
    assert np.signbit((ag.tensor([-0.0]) + -0.0).numpy()).tolist() == [True]
    assert (1.0 / (x * -0.0)).numpy().tolist() == [-INF, INF]
