"""The fast paths of nn.functional's conv2d (one fused node at stride 1), max_pool2d (taps
found in numpy, one gather) and avg_pool2d (tiling windows: reshape and sum): gradcheck and
gradgradcheck in float64, PyTorch parity of outputs and gradients, max-pool ties, NaN and
-inf windows, dtypes."""
import numpy as np
import pytest

from glassgrad import autograd as ag
import glassgrad.nn.functional as F


def rnd(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def t64(*shape, seed=0):
    return ag.tensor(rnd(*shape, seed=seed), requires_grad=True)


def distinct(*shape, seed=0):
    """float64 values without ties (max is differentiable everywhere)."""
    n = int(np.prod(shape))
    return ag.tensor(np.random.default_rng(seed).permutation(n).reshape(shape) / 7.0,
                     requires_grad=True)


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


# ----- conv2d --------------------------------------------------------------------------------

CONV = [  # (input shape, weight shape, kwargs)
    ((2, 3, 6, 5), (4, 3, 3, 3), dict(padding=1)),
    ((1, 1, 5, 5), (2, 1, 3, 2), dict(padding=(1, 0), dilation=(1, 2))),   # batch 1, 1 channel
    ((2, 2, 6, 6), (3, 2, 2, 2), dict(padding="same")),                     # even: asymmetric
    ((2, 2, 7, 6), (2, 2, 3, 3), dict(stride=2, padding=1)),                # im2col path
    ((2, 2, 7, 6), (2, 2, 3, 2), dict(stride=(1, 2), dilation=(2, 1))),
    ((3, 5, 4), (2, 3, 3, 3), dict(padding=2)),                             # unbatched
]
CONV_IDS = [f"{x}-{w}-{k}" for x, w, k in CONV]


@pytest.mark.parametrize("xs, ws, kwargs", CONV, ids=CONV_IDS)
@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel:UserWarning")
def test_conv2d_gradcheck_gradgradcheck_and_parity(xs, ws, kwargs):
    x, w, b = t64(*xs), t64(*ws, seed=1), t64(ws[0], seed=2)
    f = lambda x, w, b: F.conv2d(x, w, b, **kwargs)
    assert ag.gradcheck(f, [x, w, b])
    assert ag.gradgradcheck(f, [x, w, b])
    torch = pytest.importorskip("torch")
    out = f(x, w, b)
    tx, tw, tb = (torch.tensor(a.numpy(), requires_grad=True) for a in (x, w, b))
    tout = torch.nn.functional.conv2d(tx, tw, tb, **kwargs)
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = rnd(*out.shape, seed=3)
    out.backward(ag.tensor(g))
    tout.backward(torch.from_numpy(g))
    for ours, theirs in ((x, tx), (w, tw), (b, tb)):
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-10,
                                   atol=1e-12)


def test_stride_one_conv_is_one_node_with_bias():
    out = F.conv2d(t64(2, 3, 5, 5), t64(4, 3, 3, 3), t64(4), padding=1)
    assert out.grad_fn.prim.name == "conv2d"
    assert len(out.grad_fn.next) == 3
    assert F.conv2d(t64(3, 5, 5), t64(4, 3, 3, 3)).shape == (4, 3, 3)


def test_conv2d_float32_in_float32_out():
    x = ag.tensor(rnd(2, 3, 6, 6).astype(np.float32), requires_grad=True)
    w = ag.tensor(rnd(4, 3, 3, 3).astype(np.float32), requires_grad=True)
    for stride in (1, 2):
        out = F.conv2d(x, w, stride=stride, padding=1)
        assert out.dtype == np.float32
        out.sum().backward()
        assert x.grad.dtype == w.grad.dtype == np.float32


# ----- max_pool2d ------------------------------------------------------------------------------

POOL = [  # (input shape, kwargs)
    ((2, 3, 6, 6), dict(kernel_size=2)),
    ((2, 2, 7, 6), dict(kernel_size=3, stride=2, padding=1)),
    ((1, 2, 7, 7), dict(kernel_size=3, stride=2, ceil_mode=True)),
    ((2, 1, 6, 7), dict(kernel_size=2, stride=1, dilation=2)),
    ((1, 2, 6, 5), dict(kernel_size=(3, 2), stride=(1, 2), padding=(1, 0))),
    ((2, 5, 5), dict(kernel_size=2, stride=1)),                            # unbatched, overlap
    ((1, 1, 5, 5), dict(kernel_size=(2, 3), stride=(3, 1), padding=(1, 1), dilation=(2, 1),
                        ceil_mode=True)),
    # kernel == stride without padding or dilation: the tiled path
    ((2, 2, 7, 5), dict(kernel_size=2)),                     # odd sizes: the last row dropped
    ((1, 2, 6, 7), dict(kernel_size=3, stride=3)),           # 9 taps
    ((2, 2, 6, 6), dict(kernel_size=(2, 3))),
    ((3, 4, 5), dict(kernel_size=(1, 2), ceil_mode=True)),   # unbatched, ceil_mode overhang
    ((1, 3, 4, 6), dict(kernel_size=2, ceil_mode=True)),     # ceil_mode without overhang
]
POOL_IDS = [f"{x}-{k}" for x, k in POOL]


@pytest.mark.parametrize("xs, kwargs", POOL, ids=POOL_IDS)
def test_max_pool2d_gradcheck_gradgradcheck_and_parity(xs, kwargs):
    x = distinct(*xs)
    f = lambda x: F.max_pool2d(x, **kwargs)
    assert ag.gradcheck(f, [x])
    assert ag.gradgradcheck(lambda x: f(x) ** 2, [x])
    torch = pytest.importorskip("torch")
    out = f(x)
    tx = torch.tensor(x.numpy(), requires_grad=True)
    tout = torch.nn.functional.max_pool2d(tx, **kwargs)
    np.testing.assert_array_equal(out.numpy(), tout.detach().numpy())
    g = rnd(*out.shape, seed=3)
    out.backward(ag.tensor(g))
    tout.backward(torch.from_numpy(g))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=0)


@pytest.mark.parametrize("xs, kwargs", POOL, ids=POOL_IDS)
def test_max_pool2d_ties_and_nans_match_torch(xs, kwargs, torch):
    """Ties everywhere (values from {0, 1, 2}): the gradient goes to the first maximum of a
    window; NaNs: the output is NaN and the gradient goes to the window's last NaN."""
    rng = np.random.default_rng(5)
    values = rng.integers(0, 3, xs).astype(np.float64)
    with_nan = values.copy()
    with_nan[rng.random(xs) < 0.2] = np.nan
    for data in (values, with_nan):
        x = ag.tensor(data, requires_grad=True)
        tx = torch.tensor(data, requires_grad=True)
        out = F.max_pool2d(x, **kwargs)
        tout = torch.nn.functional.max_pool2d(tx, **kwargs)
        np.testing.assert_array_equal(out.numpy(), tout.detach().numpy())
        g = rnd(*out.shape, seed=2)
        out.backward(ag.tensor(g))
        tout.backward(torch.from_numpy(g))
        np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


def test_max_pool2d_first_max_and_nan_rules_without_torch():
    x = ag.tensor(np.array([[[[3., 3.], [3., 2.]]]]), requires_grad=True)
    F.max_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], [[1, 0], [0, 0]])
    x = ag.tensor(np.array([[[[1., np.nan], [np.nan, 2.]]]]), requires_grad=True)
    out = F.max_pool2d(x, 2)
    out.sum().backward()
    assert np.isnan(out.numpy()).all()
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], [[0, 0], [1, 0]])


def test_max_pool2d_padding_never_wins_over_minus_inf():
    """A window of -inf inputs next to (-inf) padding: the gradient goes to an input cell."""
    data = np.full((1, 1, 3, 3), -np.inf)
    x = ag.tensor(data, requires_grad=True)
    out = F.max_pool2d(x, 3, stride=1, padding=1)
    out.sum().backward()
    assert np.all(out.numpy() == -np.inf)
    assert x.grad.numpy().sum() == out.numel()
    # each window's gradient lands on its first in-input cell
    assert x.grad.numpy()[0, 0, 0, 0] == 4


def test_max_pool2d_float32_and_int_inputs():
    x = ag.tensor(rnd(2, 3, 8, 8).astype(np.float32), requires_grad=True)
    out = F.max_pool2d(x, 2)
    assert out.dtype == np.float32 and out.shape == (2, 3, 4, 4)
    out.sum().backward()
    assert x.grad.dtype == np.float32
    ints = ag.tensor(np.arange(16).reshape(1, 1, 4, 4))
    np.testing.assert_array_equal(F.max_pool2d(ints, 2, padding=1).numpy()[0, 0],
                                  [[0, 2, 3], [8, 10, 11], [12, 14, 15]])


# ----- avg_pool2d ------------------------------------------------------------------------------

AVG = [
    ((2, 3, 6, 6), dict(kernel_size=2)),                     # tiles exactly
    ((2, 2, 7, 5), dict(kernel_size=(2, 2))),                # tiles with a remainder
    ((3, 6, 4), dict(kernel_size=(3, 2), divisor_override=5)),
    ((2, 2, 7, 6), dict(kernel_size=3, stride=2, padding=1, count_include_pad=False)),
]


@pytest.mark.parametrize("xs, kwargs", AVG, ids=[f"{x}-{k}" for x, k in AVG])
def test_avg_pool2d_gradgradcheck_and_parity(xs, kwargs):
    x = t64(*xs)
    f = lambda x: F.avg_pool2d(x, **kwargs)
    assert ag.gradcheck(f, [x])
    assert ag.gradgradcheck(lambda x: f(x) ** 2, [x])
    torch = pytest.importorskip("torch")
    out = f(x)
    tx = torch.tensor(x.numpy(), requires_grad=True)
    tout = torch.nn.functional.avg_pool2d(tx, **kwargs)
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-12, atol=1e-14)
    g = rnd(*out.shape, seed=3)
    out.backward(ag.tensor(g))
    tout.backward(torch.from_numpy(g))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_avg_pool2d_float32_stays_float32():
    x = ag.tensor(rnd(2, 3, 8, 8).astype(np.float32), requires_grad=True)
    out = F.avg_pool2d(x, 2)
    assert out.dtype == np.float32
    out.sum().backward()
    assert x.grad.dtype == np.float32


# ----- the tiled max-pool path (kernel == stride) against the general one ---------------------

TILED = [((2, 3, 8, 8), (2, 2)), ((1, 2, 7, 9), (3, 3)), ((2, 1, 6, 5), (2, 1)),
         ((1, 2, 4, 6), (1, 3)), ((3, 2, 5, 7), (2, 2)), ((1, 1, 2, 2), (2, 2)),
         ((1, 2, 3, 257), (2, 2))]


@pytest.mark.parametrize("xs, k", TILED)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
def test_tiled_max_pool_taps_match_the_general_path(xs, k, dtype):
    """Ties, infinities, NaN (the general path takes over), integers, every taps count."""
    from glassgrad.nn._functional_core import (_quad_max_pool_index, _tiled_max_pool_index,
                                               _windowed_max_pool_index)
    rng = np.random.default_rng(7)
    h, w = xs[2:]
    oh, ow = h // k[0], w // k[1]
    extent = (h, w, oh, ow, 0, 0)
    data = rng.integers(-2, 3, xs).astype(dtype).reshape(-1, h, w)
    datasets = [data]
    if dtype != np.int64:
        special = data.copy()
        special[rng.random(data.shape) < 0.2] = np.inf
        special[rng.random(data.shape) < 0.2] = -np.inf
        datasets.append(special)
        datasets.append(np.full(data.shape, -np.inf, dtype))
        with_nan = special.copy()
        with_nan[rng.random(data.shape) < 0.1] = np.nan
        with_nan[-1, -1, -1] = np.nan
        assert _tiled_max_pool_index(with_nan, k, oh, ow) is None
        assert k != (2, 2) or _quad_max_pool_index(with_nan, oh, ow) is None
    for arr in datasets:
        expected = _windowed_max_pool_index(arr, k, k, (0, 0), (1, 1), extent)
        np.testing.assert_array_equal(_tiled_max_pool_index(arr, k, oh, ow), expected)
        if k == (2, 2):
            np.testing.assert_array_equal(_quad_max_pool_index(arr, oh, ow), expected)


@pytest.mark.parametrize("xs, k", TILED)
def test_tiled_max_pool_return_indices_and_infinities_match_torch(xs, k, torch):
    rng = np.random.default_rng(9)
    data = rng.integers(-1, 2, xs).astype(np.float64)
    data[rng.random(xs) < 0.3] = -np.inf
    data[rng.random(xs) < 0.1] = np.inf
    x = ag.tensor(data, requires_grad=True)
    tx = torch.tensor(data, requires_grad=True)
    out, idx = F.max_pool2d(x, k, return_indices=True)
    tout, tidx = torch.nn.functional.max_pool2d(tx, k, return_indices=True)
    np.testing.assert_array_equal(out.numpy(), tout.detach().numpy())
    np.testing.assert_array_equal(idx.numpy(), tidx.numpy())
    g = rnd(*out.shape, seed=4)
    out.backward(ag.tensor(g))
    tout.backward(torch.from_numpy(g))
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
