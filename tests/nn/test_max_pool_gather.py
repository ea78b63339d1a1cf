"""max_pool2d's output as one gather by flat index (pool_gather) and its gradient as one
scatter (pool_scatter): gradcheck and gradgradcheck in float64 on tiled and overlapping
windows (padding, dilation, ceil_mode, odd sizes), values and gradients against PyTorch with
ties, and a compiled pooling step bitwise equal to eager."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad import autograd as ag
from glassgrad import nn
from glassgrad.autograd import primitives as P
from glassgrad.autograd.engine import apply
import glassgrad.nn.functional as F

# (input shape, kernel, stride, padding, dilation, ceil_mode)
CASES = [((2, 3, 8, 8), 2, None, 0, 1, False),          # the 2x2 tiles
         ((1, 2, 7, 9), 3, None, 0, 1, False),          # 3x3 tiles, odd sizes
         ((2, 2, 5, 7), 2, None, 0, 1, True),           # tiles with a ceil_mode overhang
         ((1, 2, 7, 6), 3, 2, 1, 1, False),             # overlapping, padded
         ((2, 1, 9, 8), (3, 2), (2, 1), (1, 0), (2, 1), True),
         ((3, 6, 5), 2, 1, 0, 1, False)]                # unbatched, stride 1
IDS = [f"{c[0]}-k{c[1]}-s{c[2]}-p{c[3]}-d{c[4]}-ceil{c[5]}" for c in CASES]


def _distinct(shape, seed=0):
    """Values with no ties (finite differences need a unique maximum per window)."""
    rng = np.random.default_rng(seed)
    return rng.permutation(np.prod(shape)).reshape(shape) / 7.0 + rng.random(shape) * 0.01


@pytest.mark.parametrize("xs, k, s, p, d, ceil", CASES, ids=IDS)
def test_gradcheck_and_gradgradcheck(xs, k, s, p, d, ceil):
    x = ag.tensor(_distinct(xs), requires_grad=True)
    f = lambda x: F.max_pool2d(x, k, s, p, d, ceil)
    out = f(x)
    assert out.grad_fn.op == "pool_gather"
    assert ag.gradcheck(f, [x])
    assert ag.gradgradcheck(f, [x])


@pytest.mark.parametrize("xs, k, s, p, d, ceil", CASES, ids=IDS)
def test_values_and_gradients_match_torch_with_ties(xs, k, s, p, d, ceil):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    for dtype in (np.float64, np.float32):
        data = rng.integers(-2, 3, xs).astype(dtype)         # many ties
        x = ag.tensor(data, requires_grad=True)
        tx = torch.tensor(data, requires_grad=True)
        out = F.max_pool2d(x, k, s, p, d, ceil)
        tout = torch.nn.functional.max_pool2d(tx, k, s if s is not None else k, p, d,
                                              ceil_mode=ceil)
        np.testing.assert_array_equal(out.numpy(), tout.detach().numpy())
        g = rng.standard_normal(out.shape).astype(dtype)
        out.backward(ag.tensor(g))
        tout.backward(torch.from_numpy(g))
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-6, atol=1e-6)


def test_the_primitives_are_adjoint_and_differentiate_twice():
    rng = np.random.default_rng(2)
    index = np.array([0, 5, 5, 11, 2])                  # a repeated cell adds up
    x = ag.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    g = ag.tensor(rng.standard_normal(5), requires_grad=True)
    gather = lambda x: apply(P.POOL_GATHER, (x,), index, (5,), (3, 4))
    scatter = lambda g: apply(P.POOL_SCATTER, (g,), index, (3, 4), (5,))
    np.testing.assert_array_equal(gather(x).numpy(), x.numpy().reshape(-1)[index])
    want = np.zeros(12)
    np.add.at(want, index, g.numpy())
    np.testing.assert_array_equal(scatter(g).numpy(), want.reshape(3, 4))
    for fn, arg in ((gather, x), (scatter, g)):
        assert ag.gradcheck(fn, [arg])
        assert ag.gradgradcheck(fn, [arg])


def test_compiled_pooling_step_is_bitwise_eager():
    rng = np.random.default_rng(3)
    w = gg.tensor(rng.standard_normal((1, 3, 1, 1)).astype(np.float32)).requires_grad_(True)
    pool = nn.MaxPool2d(3, 2, 1)

    def step(x):
        w.grad = None
        out = pool(x * w)
        (out * out).sum().backward()
        return out

    compiled = gg.compile(step)
    for _ in range(5):
        x = gg.tensor(rng.integers(-2, 3, (2, 3, 7, 7)).astype(np.float32))
        got, got_grad = compiled(x).numpy(), w.grad.numpy().copy()
        want = step(x).numpy()
        assert got.tobytes() == want.tobytes()
        assert got_grad.tobytes() == w.grad.numpy().tobytes()
    assert compiled.mode == "replay", compiled.reason
