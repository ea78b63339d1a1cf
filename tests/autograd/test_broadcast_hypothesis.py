"""Property tests (hypothesis): broadcasting binary ops and random indices behave like numpy,
and their gradients are the upstream gradient summed back to each input's shape (broadcast)
or scattered with np.add.at (indexing)."""
import numpy as np
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

from glassgrad import autograd as ag

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True, database=None)


def reduce_to(g, shape):
    """numpy reference for unbroadcasting: sum g over the dims broadcasting added/stretched."""
    g = g.sum(axis=tuple(range(g.ndim - len(shape)))) if g.ndim > len(shape) else g
    axes = tuple(i for i, s in enumerate(shape) if s == 1 and g.shape[i] != 1)
    return g.sum(axis=axes, keepdims=True) if axes else g


BINARY = {
    "add": (lambda a, b: a + b, np.add, lambda g, a, b: (g, g)),
    "sub": (lambda a, b: a - b, np.subtract, lambda g, a, b: (g, -g)),
    "mul": (lambda a, b: a * b, np.multiply, lambda g, a, b: (g * b, g * a)),
    "div": (lambda a, b: a / b, np.divide, lambda g, a, b: (g / b, -g * a / b ** 2)),
    "maximum": (ag.maximum, np.maximum,
                lambda g, a, b: (g * ((a > b) + 0.5 * (a == b)), g * ((b > a) + 0.5 * (a == b)))),
}


@SETTINGS
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4,
                                                max_side=3),
       op=st.sampled_from(sorted(BINARY)), seed=st.integers(0, 2 ** 16))
def test_broadcast_binary_forward_and_gradient(shapes, op, seed):
    (sa, sb), out_shape = shapes.input_shapes, shapes.result_shape
    ag_op, np_op, vjp = BINARY[op]
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(sa)
    b = rng.uniform(0.5, 2.0, sb) * rng.choice([-1, 1], sb)     # nonzero divisor
    ta, tb = ag.tensor(a, requires_grad=True), ag.tensor(b, requires_grad=True)
    out = ag_op(ta, tb)
    assert out.shape == out_shape
    np.testing.assert_allclose(out.numpy(), np_op(a, b), rtol=1e-14)
    g = rng.standard_normal(out_shape)
    out.backward(ag.tensor(g))
    ga, gb = vjp(g, np.broadcast_to(a, out_shape), np.broadcast_to(b, out_shape))
    assert ta.grad.shape == sa and tb.grad.shape == sb
    np.testing.assert_allclose(ta.grad.numpy(), reduce_to(np.asarray(ga), sa), rtol=1e-12,
                               atol=1e-14)
    np.testing.assert_allclose(tb.grad.numpy(), reduce_to(np.asarray(gb), sb), rtol=1e-12,
                               atol=1e-14)


@SETTINGS
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3,
                                                max_side=3), seed=st.integers(0, 2 ** 16))
def test_where_broadcasts_condition_and_both_branches(shapes, seed):
    sc, sa, sb = shapes.input_shapes
    rng = np.random.default_rng(seed)
    cond, a, b = rng.random(sc) > 0.5, rng.standard_normal(sa), rng.standard_normal(sb)
    ta, tb = ag.tensor(a, requires_grad=True), ag.tensor(b, requires_grad=True)
    out = ag.where(ag.tensor(cond), ta, tb)
    np.testing.assert_array_equal(out.numpy(), np.where(cond, a, b))
    g = rng.standard_normal(out.shape)
    out.backward(ag.tensor(g))
    np.testing.assert_allclose(ta.grad.numpy(), reduce_to(np.where(cond, g, 0.0), sa))
    np.testing.assert_allclose(tb.grad.numpy(), reduce_to(np.where(cond, 0.0, g), sb))


@SETTINGS
@given(shape=hnp.array_shapes(min_dims=0, max_dims=4, max_side=3), data=st.data())
def test_expand_and_sum_to_are_adjoint(shape, data):
    """expand's gradient sums back, so <expand(x), g> == <x, grad>."""
    target = data.draw(hnp.broadcastable_shapes(shape, min_dims=len(shape), max_dims=5,
                                                max_side=3).map(
        lambda s: np.broadcast_shapes(s, shape)))
    rng = np.random.default_rng(0)
    x = ag.tensor(rng.standard_normal(shape), requires_grad=True)
    g = rng.standard_normal(target)
    out = x.expand(*target) if target else x.expand(())
    np.testing.assert_array_equal(out.numpy(), np.broadcast_to(x.numpy(), target))
    out.backward(ag.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), reduce_to(g, shape), rtol=1e-12)


# ----- indexing ----------------------------------------------------------------------------------


def _check_index(shape, index, seed):
    rng = np.random.default_rng(seed)
    x_np = rng.standard_normal(shape)
    x = ag.tensor(x_np, requires_grad=True)
    out = x[index]
    expected = x_np[index]
    assert out.shape == expected.shape
    np.testing.assert_array_equal(out.numpy(), expected)
    g = rng.standard_normal(expected.shape)
    out.backward(ag.tensor(g))
    scatter = np.zeros(shape)
    np.add.at(scatter, index, g)
    np.testing.assert_allclose(x.grad.numpy(), scatter, rtol=1e-14)


@SETTINGS
@given(shape=hnp.array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=4), data=st.data())
def test_basic_indices(shape, data):
    index = data.draw(hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True))
    _check_index(shape, index, data.draw(st.integers(0, 100)))


@SETTINGS
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4), data=st.data())
def test_integer_array_indices_accumulate(shape, data):
    index = data.draw(hnp.integer_array_indices(
        shape, result_shape=hnp.array_shapes(min_dims=1, max_dims=2, max_side=5)))
    _check_index(shape, index, data.draw(st.integers(0, 100)))


@SETTINGS
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4), data=st.data())
def test_boolean_mask_indices(shape, data):
    k = data.draw(st.integers(1, len(shape)))
    mask = data.draw(hnp.arrays(np.bool_, shape[:k]))
    lead = data.draw(st.booleans()) and k < len(shape)
    index = (mask, Ellipsis) if lead else mask
    _check_index(shape, index, data.draw(st.integers(0, 100)))


@SETTINGS
@given(shape=hnp.array_shapes(min_dims=2, max_dims=3, min_side=1, max_side=4), data=st.data())
def test_mixed_basic_and_advanced_indices(shape, data):
    axis = data.draw(st.integers(0, len(shape) - 1))
    ints = data.draw(hnp.arrays(np.int64, data.draw(st.integers(1, 5)),
                                elements=st.integers(-shape[axis], shape[axis] - 1)))
    index = [data.draw(st.sampled_from([slice(None), slice(None, None, 2), slice(1, None),
                                        slice(None, None, -1)])) for _ in shape]
    index[axis] = ints
    _check_index(shape, tuple(index), data.draw(st.integers(0, 100)))


@SETTINGS
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4), data=st.data())
def test_setitem_matches_numpy_and_routes_gradients(shape, data):
    index = data.draw(hnp.basic_indices(shape, allow_ellipsis=True))
    rng = np.random.default_rng(data.draw(st.integers(0, 100)))
    base = rng.standard_normal(shape)
    v = rng.standard_normal(base[index].shape)
    x = ag.tensor(base, requires_grad=True)
    tv = ag.tensor(v, requires_grad=True)
    t = x * 1.0
    t[index] = tv
    expected = base.copy()
    expected[index] = v
    np.testing.assert_array_equal(t.numpy(), expected)
    g = rng.standard_normal(shape)
    t.backward(ag.tensor(g))
    gx = g.copy()
    gx[index] = 0.0                   # overwritten positions get no gradient
    np.testing.assert_array_equal(x.grad.numpy(), gx)
    np.testing.assert_array_equal(tv.grad.numpy(), g[index])
