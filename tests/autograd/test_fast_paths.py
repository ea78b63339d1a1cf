"""The engine's fast paths compute what the plain paths compute: outer-product matmul, the
relu_grad op, the nll op, narrow log_softmax, gradient buffers taken without a copy, and the
malloc tuning done at import."""
import os
import subprocess
import sys

import numpy as np
import pytest

from glassgrad import autograd as ag
from glassgrad.autograd import engine
from glassgrad.autograd.ops import nll


def _t(*shape, grad=True, dtype=ag.float64):
    return ag.randn(*shape, dtype=dtype, requires_grad=grad)


# ----- matmul with a contracted dim of length 1 (an outer product) ----------------------------

@pytest.mark.parametrize("sa,sb", [((5, 1), (1, 3)), ((2, 5, 1), (1, 3)), ((5, 1), (4, 1, 3)),
                                   ((1, 1), (1, 1)), ((3, 4, 1), (3, 1, 2))])
def test_outer_product_matmul_equals_numpy(sa, sb):
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(sa).astype(np.float32), rng.standard_normal(sb).astype(np.float32)
    out = ag.matmul(ag.tensor(a), ag.tensor(b)).numpy()
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, np.matmul(a, b))


def test_outer_product_matmul_gradients_and_shape_errors():
    a, b = _t(4, 1), _t(1, 3)
    assert ag.gradcheck(ag.matmul, (a, b)) and ag.gradgradcheck(ag.matmul, (a, b))
    with pytest.raises(RuntimeError, match=r"matmul: shapes \(2, 1\) and \(2, 3\)"):
        ag.matmul(_t(2, 1), _t(2, 3))


def test_batch_one_linear_weight_gradient_is_the_outer_product():
    x, w = _t(1, 6, grad=False), _t(4, 6)
    ag.linear(x, w).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), np.ones((4, 1)) * x.numpy())


# ----- relu's gradient op ---------------------------------------------------------------------

def test_relu_backward_is_one_op_with_its_own_gradient():
    x = _t(3, 4)
    assert ag.gradcheck(lambda x: (x.relu() * x).sum(), (x,))
    assert ag.gradgradcheck(lambda x: (x.relu() * x).sum(), (x,))
    upstream = _t(3, 4)
    g, = ag.grad(x.relu(), x, upstream, create_graph=True)
    assert g.grad_fn.op == "relu_grad"
    np.testing.assert_array_equal(g.numpy(), np.where(x.numpy() > 0, upstream.numpy(), 0))


def test_relu_gradient_keeps_float32_and_passes_at_nan():
    # PyTorch's threshold_backward: the gradient is zeroed where relu's output is <= 0, so a
    # NaN (which compares false) passes its gradient
    x = ag.tensor([np.nan, -1.0, 0.0, 2.0], dtype=ag.float32, requires_grad=True)
    x.relu().sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.numpy(), [1, 0, 0, 1])


# ----- nll ------------------------------------------------------------------------------------

@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("per_sample", [False, True])
def test_nll_gradcheck_and_gradgradcheck(weighted, per_sample):
    index = np.array([2, 0, 1, 2])
    weight = np.array([0.5, 2.0, 0.0, 1.5]) if weighted else None

    def f(logp):
        return nll(logp, index, weight, denom=3.0, per_sample=per_sample)
    logp = _t(4, 3)
    assert ag.gradcheck(f, (logp,)) and ag.gradgradcheck(f, (logp,))
    expected = -logp.numpy()[np.arange(4), index] * (1 if weight is None else weight)
    np.testing.assert_allclose(f(logp).numpy(), (expected if per_sample else expected.sum()) / 3)


def test_nll_keeps_float32_and_names_bad_input():
    out = nll(_t(2, 3, dtype=ag.float32), np.array([0, 2]))
    assert out.dtype == np.float32 and out.shape == ()
    with pytest.raises(IndexError, match=r"nll: index values must be in \[0, 3\), got 0 .. 3"):
        nll(_t(2, 3), np.array([0, 3]))
    with pytest.raises(ValueError, match=r"logp \(2, 3\) and index \(3,\)"):
        nll(_t(2, 3), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match=r"logp \(2, 3\) and index \(2,\) of dtype float64"):
        nll(_t(2, 3), np.array([0.0, 1.0]))


# ----- log_softmax over few classes -----------------------------------------------------------

@pytest.mark.parametrize("shape", [(7, 10), (1, 10), (3, 64), (3, 65)])
def test_narrow_log_softmax_matches_the_row_formula(shape):
    x = np.random.default_rng(1).standard_normal(shape) * 20
    out = ag.log_softmax(ag.tensor(x), 1).numpy()
    m = x.max(1, keepdims=True)
    expected = x - m - np.log(np.exp(x - m).sum(1, keepdims=True))
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
    assert out.flags.c_contiguous


def test_narrow_log_softmax_float32_and_minus_inf():
    x = np.array([[0.0, -np.inf, 1.0], [5.0, 5.0, -np.inf]], dtype=np.float32)
    out = ag.log_softmax(ag.tensor(x), 1).numpy()
    assert out.dtype == np.float32
    assert out[0, 1] == -np.inf and out[1, 2] == -np.inf
    np.testing.assert_allclose(np.exp(out).sum(1), [1, 1], rtol=1e-6)


# ----- leaf gradients are copied, never shared -----------------------------------------------

def test_a_gradient_shared_by_two_leaves_is_copied():
    a, b = _t(3), _t(3)
    (a + b).sum().backward()
    assert not np.shares_memory(a.grad._data, b.grad._data)
    (a + b).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [2, 2, 2])
    np.testing.assert_array_equal(b.grad.numpy(), [2, 2, 2])


def test_a_gradient_kept_by_a_hook_is_not_changed_by_later_accumulation():
    x = _t(3)
    kept = []
    x.register_hook(lambda g: kept.append(g))
    (x * 3.0).sum().backward()
    (x * 3.0).sum().backward()
    np.testing.assert_array_equal(kept[0].numpy(), [3, 3, 3])
    np.testing.assert_array_equal(x.grad.numpy(), [6, 6, 6])


def test_the_callers_gradient_is_never_written_to():
    x = _t(3)
    seed = np.ones(3)
    x.backward(seed)
    x.backward(seed)
    np.testing.assert_array_equal(seed, [1, 1, 1])
    y = _t(3)
    seed_t = ag.tensor(np.ones(3))
    (y * 1.0).backward(seed_t)
    (y * 1.0).backward(seed_t)
    np.testing.assert_array_equal(seed_t.numpy(), [1, 1, 1])


def test_a_view_of_another_gradient_is_copied():
    x = _t(2, 3)
    y = _t(6)
    ((x.reshape(6) + y) * 2.0).sum().backward()
    assert not np.shares_memory(x.grad._data, y.grad._data)
    x.grad._data += 1
    np.testing.assert_array_equal(y.grad.numpy(), np.full(6, 2.0))


# ----- malloc tuning --------------------------------------------------------------------------

def _tuned_in_fresh_process(env, code="import glassgrad.autograd, glassgrad.autograd._malloc as m; "
                                       "print(m.tuned)"):
    env = {k: v for k, v in os.environ.items() if k != "GLASSGRAD_MALLOC_TUNING"} | env
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True)
    return out.stdout.strip()


def _need_glibc():
    import ctypes
    if not sys.platform.startswith("linux"):
        pytest.skip("glibc malloc only")
    try:
        ctypes.CDLL("libc.so.6").gnu_get_libc_version
    except (OSError, AttributeError):
        pytest.skip("not glibc")


def test_import_leaves_the_host_allocator_alone():
    assert _tuned_in_fresh_process({}) == "False"
    assert _tuned_in_fresh_process({"GLASSGRAD_MALLOC_TUNING": "0"}) == "False"


def test_malloc_tuning_is_opt_in_by_environment_or_call():
    _need_glibc()
    assert _tuned_in_fresh_process({"GLASSGRAD_MALLOC_TUNING": "1"}) == "True"
    code = ("import glassgrad.autograd as ag, glassgrad.autograd._malloc as m; "
            "print(m.tuned, ag.tune_malloc(), m.tuned)")
    assert _tuned_in_fresh_process({}, code) == "False True True"
