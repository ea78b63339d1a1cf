"""Dtype rules (PyTorch's): float32 default, float64 on request, Python scalars never upcast,
float32 with float64 gives float64, ints with floats give the float, only floating tensors
require grad; ndarray interop (dtype kept, memory shared, np_array * t is a Tensor)."""
import numpy as np
import pytest

from glassgrad import autograd as ag


def test_default_dtype_is_float32_and_float64_on_request():
    assert ag.get_default_dtype() == ag.float32
    assert ag.tensor([1.0, 2.0]).dtype == ag.float32
    assert ag.tensor(1.5).dtype == ag.float32
    assert ag.tensor([1, 2.5]).dtype == ag.float32
    for make in (ag.zeros, ag.ones, ag.rand, ag.randn, ag.empty):
        assert make(2, 3).dtype == ag.float32
        assert make(2, 3, dtype=ag.float64).dtype == ag.float64
    assert ag.tensor([1.0], dtype=ag.float64).dtype == ag.float64
    assert ag.full((2,), 1.5).dtype == ag.float32 and ag.eye(2).dtype == ag.float32
    assert ag.linspace(0, 1, 5).dtype == ag.float32


def test_set_default_dtype():
    ag.set_default_dtype(ag.float64)
    assert ag.tensor([0.5]).dtype == ag.float64 and ag.zeros(1).dtype == ag.float64
    assert (ag.tensor([1, 2]) + 0.5).dtype == ag.float64
    ag.set_default_dtype(ag.float32)
    with pytest.raises(TypeError, match="only floating dtypes"):
        ag.set_default_dtype(ag.int64)


def test_integer_and_bool_inference():
    assert ag.tensor(3).dtype == ag.int64 and ag.tensor([1, 2]).dtype == ag.int64
    assert ag.tensor(True).dtype == ag.bool and ag.tensor([True, False]).dtype == ag.bool
    assert ag.arange(4).dtype == ag.int64 and ag.arange(0, 1, 0.5).dtype == ag.float32
    assert ag.full((2,), 3).dtype == ag.int64
    assert ag.randint(0, 5, (3,)).dtype == ag.int64


@pytest.mark.parametrize("scalar", [2.5, np.float64(2.5), 2, True])
@pytest.mark.parametrize("dtype", [ag.float16, ag.float32, ag.float64])
def test_python_scalars_do_not_upcast(dtype, scalar):
    t = ag.ones(3, dtype=dtype)
    for out in (t * scalar, scalar * t, t + scalar, t - scalar, scalar - t, t / scalar,
                t ** scalar, ag.maximum(t, scalar), ag.where(t > 0, t, scalar)):
        assert out.dtype == dtype


def test_float32_with_float64_gives_float64():
    a, b = ag.ones(2), ag.ones(2, dtype=ag.float64)
    for out in (a + b, b * a, a / b, a @ b, ag.maximum(a, b), ag.cat([a, b]),
                ag.where(a > 0, a, b)):
        assert out.dtype == ag.float64


def test_mixed_precision_gradient_takes_the_leaf_dtype():
    w = ag.ones(2, requires_grad=True)
    x = ag.tensor([1.0, 2.0], dtype=ag.float64, requires_grad=True)
    y = (w * x).sum()
    assert y.dtype == ag.float64
    y.backward()
    assert w.grad.dtype == ag.float32 and x.grad.dtype == ag.float64
    assert w.grad.numpy().tolist() == [1.0, 2.0]


def test_integer_tensor_with_float_gives_default_float():
    i = ag.tensor([1, 2])
    assert (i + 0.5).dtype == ag.float32 and (0.5 * i).dtype == ag.float32
    assert (i / 2).dtype == ag.float32 and (i / i).numpy().tolist() == [1.0, 1.0]
    assert (i + ag.ones(2)).dtype == ag.float32          # not float64 as numpy would give
    assert (i + ag.ones(2, dtype=ag.float64)).dtype == ag.float64
    assert (i * 2).dtype == ag.int64 and (i ** 2).dtype == ag.int64
    assert (i ** 0.5).dtype == ag.float32 and i.exp().dtype == ag.float32
    assert i.clamp(0.5, 1.5).numpy().tolist() == [1.0, 1.5]
    b = ag.tensor([True, False])
    assert (b + 1).dtype == ag.int64 and (b + True).dtype == ag.bool
    assert i.sum().dtype == ag.int64 and b.sum().dtype == ag.int64


def test_only_floating_tensors_can_require_grad():
    for make in (lambda: ag.tensor([1, 2], requires_grad=True),
                 lambda: ag.tensor([True], requires_grad=True),
                 lambda: ag.zeros(2, dtype=ag.int64, requires_grad=True),
                 lambda: ag.tensor([1, 2]).requires_grad_()):
        with pytest.raises(RuntimeError, match=r"only tensors of floating point dtype can "
                                               r"require gradients, got (int64|bool)"):
            make()
    t = ag.tensor([1, 2])
    with pytest.raises(RuntimeError, match="got int64"):
        t.requires_grad = True
    assert not t.requires_grad


def test_integer_results_of_float_ops_are_outside_the_graph():
    x = ag.tensor([1.5, 2.5], requires_grad=True)
    i = x.long()
    assert i.dtype == ag.int64 and not i.requires_grad
    assert not x.argmax().requires_grad and not (x > 2).requires_grad


def test_tensor_of_ndarray_keeps_dtype_and_copies():
    for dt in (np.float64, np.float32, np.int32, np.int64, np.bool_, np.uint8):
        a = np.zeros(3, dtype=dt)
        t = ag.tensor(a)
        assert t.dtype == np.dtype(dt)
        t.numpy()[0] = 1
        assert a[0] == 0
    assert ag.tensor(np.float64(2.0)).dtype == ag.float64
    assert ag.tensor(np.zeros(2), dtype=ag.float32).dtype == ag.float32


def test_numpy_shares_memory_and_from_numpy_shares_it_back():
    t = ag.tensor([1.0, 2.0], requires_grad=True)
    t.numpy()[0] = 5.0
    assert t.tolist() == [5.0, 2.0]
    a = np.arange(3.0)
    s = ag.from_numpy(a)
    a[1] = 10.0
    assert s.tolist() == [0.0, 10.0, 2.0] and s.dtype == ag.float64
    assert ag.as_tensor(a).numpy() is a or np.shares_memory(ag.as_tensor(a).numpy(), a)
    y = t * 2.0
    assert np.shares_memory(y.numpy(), y.numpy())
    assert isinstance(np.asarray(y), np.ndarray)


def test_ndarray_on_either_side_gives_a_tensor():
    t = ag.tensor([1.0, 2.0], requires_grad=True)
    a = np.array([3.0, 4.0], dtype=np.float32)
    for out in (a * t, t * a, a + t, a - t, a / t, t / a, a @ t, a ** t):
        assert isinstance(out, ag.Tensor) and out.requires_grad and out.dtype == ag.float32
    assert isinstance(a > t, ag.Tensor)
    (a * t).sum().backward()
    assert t.grad.tolist() == [3.0, 4.0]
    assert (np.ones(2) * t).dtype == ag.float64       # a float64 array is a float64 tensor


def test_conversions_are_differentiable():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    d = x.double()
    assert d.dtype == ag.float64 and d.requires_grad
    (d * d).sum().backward()
    assert x.grad.dtype == ag.float32 and x.grad.tolist() == [2.0, 4.0]
    assert x.to(ag.float32) is x and x.float() is x
    assert x.half().dtype == ag.float16 and x.to(ag.float64).dtype == ag.float64
    (g,) = ag.grad(x.half().float().sum(), x)
    assert g.dtype == ag.float32


def test_like_factories_keep_dtype():
    x = ag.zeros(2, 3, dtype=ag.float64)
    for make in (ag.zeros_like, ag.ones_like, ag.randn_like, ag.rand_like, ag.empty_like):
        y = make(x)
        assert y.dtype == ag.float64 and y.shape == (2, 3)
    assert ag.full_like(ag.tensor([1, 2]), 7).dtype == ag.int64


def test_repr_shows_non_default_dtype_and_grad():
    assert "dtype=float64" in repr(ag.zeros(1, dtype=ag.float64))
    assert "dtype" not in repr(ag.zeros(1))
    assert "requires_grad=True" in repr(ag.zeros(1, requires_grad=True))


def test_seed_gradient_takes_the_output_dtype():
    """A float64 (or int, or ndarray) `gradient=` does not upcast a float32 graph."""
    x = ag.ones(2, requires_grad=True)
    (g,) = ag.grad(x * 2.0, x, grad_outputs=ag.ones(2, dtype=ag.float64))
    assert g.dtype == ag.float32
    (g,) = ag.grad(x * 2.0, x, grad_outputs=np.ones(2))
    assert g.dtype == ag.float32 and g.tolist() == [2.0, 2.0]
    (x * 2.0).backward(ag.tensor([1, 3]))
    assert x.grad.dtype == ag.float32 and x.grad.tolist() == [2.0, 6.0]


def test_float_arange_is_computed_in_double_then_rounded():
    x = ag.arange(-1.0, 1.0, 0.2)
    assert x.dtype == ag.float32 and x.shape == (10,)
    np.testing.assert_array_equal(x.numpy(), np.arange(-1.0, 1.0, 0.2).astype(np.float32))
    assert ag.arange(0, 1, 0.25, dtype=ag.float64).tolist() == [0.0, 0.25, 0.5, 0.75]


def test_randint_signatures_follow_torch():
    ag.manual_seed(0)
    a = ag.randint(3, (50,))                 # randint(high, size)
    b = ag.randint(5, 8, (50,))
    c = ag.randint(5, 8, size=(2, 2))
    assert a.dtype == ag.int64 and set(a.tolist()) <= {0, 1, 2}
    assert set(b.tolist()) <= {5, 6, 7} and c.shape == (2, 2)
    ag.manual_seed(0)
    assert ag.randint(3, (50,)).tolist() == a.tolist()


def test_numpy_array_protocol_copies_only_when_asked():
    t = ag.tensor([1.0, 2.0])
    np.array(t)[0] = 9.0                       # np.array copies, as for any array-like
    assert t.tolist() == [1.0, 2.0]
    np.asarray(t)[1] = 7.0                     # np.asarray shares
    assert t.tolist() == [1.0, 7.0]
    assert np.array(t, dtype=np.float64).dtype == np.float64
    assert np.shares_memory(np.asarray(t, dtype=np.float32), t.numpy())
