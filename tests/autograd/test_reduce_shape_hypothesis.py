"""Property tests (hypothesis) for reductions and shape ops over random shapes (size-0 and
size-1 dims included), random dim tuples with negative entries and keepdim: forward equals
numpy and gradients equal the analytic adjoint."""
import warnings

import numpy as np
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

from glassgrad import autograd as ag

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True, database=None)


@st.composite
def shape_and_dims(draw, min_side=0):
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=min_side, max_side=3))
    nd = len(shape)
    if nd == 0 or draw(st.booleans()):
        dims = None
    else:
        axes = draw(st.lists(st.integers(0, nd - 1), min_size=1, max_size=nd, unique=True))
        dims = tuple(a - nd if draw(st.booleans()) else a for a in axes)
        if len(dims) == 1 and draw(st.booleans()):
            dims = dims[0]
    return shape, dims, draw(st.booleans())


def _np_axes(dims, nd):
    if dims is None:
        return None
    return tuple(d % nd for d in ((dims,) if isinstance(dims, int) else dims))


def _expand_back(g, shape, axes, keepdim):
    """Broadcast a reduced upstream gradient back over the reduced axes."""
    if not keepdim:
        g = np.expand_dims(g, axes if axes is not None else tuple(range(len(shape))))
    return np.broadcast_to(g, shape)


@SETTINGS
@given(sdk=shape_and_dims(), seed=st.integers(0, 1000))
def test_sum_and_mean(sdk, seed):
    shape, dims, keepdim = sdk
    rng = np.random.default_rng(seed)
    x_np = rng.standard_normal(shape)
    axes = _np_axes(dims, len(shape))
    for op, ref in (("sum", np.sum), ("mean", np.mean)):
        x = ag.tensor(x_np, requires_grad=True)
        out = getattr(x, op)(dims, keepdim=keepdim) if dims is not None else \
            getattr(x, op)(keepdim=keepdim) if op == "sum" else x.mean()
        with warnings.catch_warnings():          # numpy's own mean of an empty slice
            warnings.simplefilter("ignore", RuntimeWarning)
            expected = ref(x_np, axis=axes, keepdims=keepdim if dims is not None or op == "sum"
                           else False)
        assert out.shape == np.shape(expected)
        np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-14)
        g = rng.standard_normal(out.shape)
        out.backward(ag.tensor(g))
        count = x_np.size if axes is None else int(np.prod([shape[a] for a in axes]))
        scale = 1.0 if op == "sum" else 1.0 / max(count, 1)
        keep = keepdim if (dims is not None or op == "sum") else False
        np.testing.assert_allclose(x.grad.numpy(), _expand_back(g, shape, axes, keep) * scale,
                                   rtol=1e-12)


@SETTINGS
@given(sdk=shape_and_dims(min_side=1), seed=st.integers(0, 1000), correction=st.sampled_from([0, 1]))
def test_var_std(sdk, seed, correction):
    shape, dims, keepdim = sdk
    axes = _np_axes(dims, len(shape))
    count = int(np.prod(shape)) if axes is None else int(np.prod([shape[a] for a in axes]))
    if count - correction <= 0:
        return
    rng = np.random.default_rng(seed)
    x_np = rng.standard_normal(shape)
    x = ag.tensor(x_np, requires_grad=True)
    v = x.var(dims, keepdim=keepdim, correction=correction)
    expected = np.var(x_np, axis=axes, keepdims=keepdim, ddof=correction)
    np.testing.assert_allclose(v.numpy(), expected, rtol=1e-11)
    np.testing.assert_allclose(x.std(dims, keepdim=keepdim, correction=correction).numpy(),
                               np.sqrt(expected), rtol=1e-11)
    g = rng.standard_normal(v.shape)
    v.backward(ag.tensor(g))
    centered = x_np - np.mean(x_np, axis=axes, keepdims=True)
    want = _expand_back(g, shape, axes, keepdim) * 2 * centered / (count - correction)
    np.testing.assert_allclose(x.grad.numpy(), want, rtol=1e-10, atol=1e-13)


@SETTINGS
@given(sdk=shape_and_dims(min_side=1), seed=st.integers(0, 1000))
def test_amax_amin_share_ties(sdk, seed):
    shape, dims, keepdim = sdk
    axes = _np_axes(dims, len(shape))
    rng = np.random.default_rng(seed)
    x_np = rng.integers(0, 3, shape).astype(np.float64)     # plenty of ties
    for op, ref in (("amax", np.amax), ("amin", np.amin)):
        x = ag.tensor(x_np, requires_grad=True)
        out = getattr(x, op)(dims, keepdim=keepdim)
        expected = ref(x_np, axis=axes, keepdims=keepdim)
        np.testing.assert_array_equal(out.numpy(), expected)
        g = rng.standard_normal(out.shape)
        out.backward(ag.tensor(g))
        hit = x_np == ref(x_np, axis=axes, keepdims=True)
        share = hit / hit.sum(axis=axes, keepdims=True)
        np.testing.assert_allclose(x.grad.numpy(), _expand_back(g, shape, axes, keepdim) * share,
                                   rtol=1e-12)


@SETTINGS
@given(shape=hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=3), data=st.data())
def test_max_dim_gives_gradient_to_the_returned_index(shape, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    keepdim = data.draw(st.booleans())
    x_np = np.random.default_rng(0).integers(0, 3, shape).astype(np.float64)
    x = ag.tensor(x_np, requires_grad=True)
    values, indices = x.max(dim, keepdim=keepdim)
    np.testing.assert_array_equal(values.numpy(), np.max(x_np, axis=dim, keepdims=keepdim))
    np.testing.assert_array_equal(indices.numpy(), np.argmax(x_np, axis=dim, keepdims=keepdim))
    values.sum().backward()
    want = np.zeros(shape)
    np.put_along_axis(want, np.argmax(x_np, axis=dim, keepdims=True), 1.0, axis=dim)
    np.testing.assert_array_equal(x.grad.numpy(), want)


@SETTINGS
@given(shape=hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=3), data=st.data())
def test_permute_reshape_squeeze_unsqueeze(shape, data):
    nd = len(shape)
    rng = np.random.default_rng(1)
    x_np = rng.standard_normal(shape)
    perm = tuple(data.draw(st.permutations(range(nd))))
    new_dim = data.draw(st.integers(-nd - 1, nd))
    ops = [
        (lambda t: t.permute(*perm), lambda a: np.transpose(a, perm)),
        (lambda t: t.reshape(-1), lambda a: a.reshape(-1)),
        (lambda t: t.flatten(), lambda a: a.reshape(-1)),
        (lambda t: t.unsqueeze(new_dim), lambda a: np.expand_dims(a, new_dim)),
        (lambda t: t.squeeze(), lambda a: np.squeeze(a)),
    ]
    if nd >= 2:
        d0, d1 = data.draw(st.integers(-nd, nd - 1)), data.draw(st.integers(-nd, nd - 1))
        ops.append((lambda t: t.transpose(d0, d1), lambda a: np.swapaxes(a, d0, d1)))
        ops.append((lambda t: t.flatten(1), lambda a: a.reshape(shape[0], int(np.prod(shape[1:])))))
    for f, ref in ops:
        x = ag.tensor(x_np, requires_grad=True)
        out = f(x)
        expected = ref(x_np)
        assert out.shape == expected.shape
        np.testing.assert_array_equal(out.numpy(), expected)
        g = rng.standard_normal(out.shape)
        (gx,) = ag.grad(out, x, grad_outputs=ag.tensor(g), allow_unused=True,
                        materialize_grads=True)
        # the adjoint of a pure data movement: <f(x), g> = <x, f^T(g)> for every x
        assert gx.shape == shape
        np.testing.assert_allclose(np.sum(gx.numpy() * x_np), np.sum(g * expected), rtol=1e-10,
                                   atol=1e-12)
