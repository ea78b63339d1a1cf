"""relu's forward against a chunk of zeros (numpy's vectorised loop): the same bits as
np.maximum(x, 0) for every size around the two thresholds (the smallest size that uses the
zeros, the chunk length), NaN, infinities and -0.0, with and without an output array, and
through a compiled step."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad.autograd import primitives as P

SIZES = [(), (0,), (1,), (3, 5), (P._ZEROS_MIN - 1,), (P._ZEROS_MIN,), (P._ZEROS_CHUNK - 1,),
         (P._ZEROS_CHUNK,), (2, P._ZEROS_CHUNK + 3), (3 * P._ZEROS_CHUNK + 7,)]


@pytest.mark.parametrize("shape", SIZES, ids=str)
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_same_bits_as_maximum_with_zero(shape, dtype):
    x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    flat = x.reshape(-1)
    flat[:6] = [np.nan, -np.nan, -0.0, 0.0, np.inf, -np.inf][:flat.size]
    want = np.maximum(x, 0, dtype=x.dtype)
    got = P._relu_forward(x)
    assert got.shape == want.shape and got.dtype == want.dtype
    assert got.tobytes() == want.tobytes()
    out = np.full_like(x, 7)
    assert P._relu_forward(x, out) is out and out.tobytes() == want.tobytes()


def test_non_contiguous_and_integer_inputs_take_the_plain_path():
    x = np.random.default_rng(1).standard_normal((6, 7)).T
    assert P._relu_forward(x).tobytes() == np.maximum(x, 0).tobytes()
    i = np.arange(-4, 4)
    np.testing.assert_array_equal(P._relu_forward(i), np.maximum(i, 0))
    assert P._relu_forward(i).dtype == i.dtype


def test_relu_values_gradients_and_compiled_replay():
    w = gg.tensor(np.linspace(-1, 1, 9).reshape(3, 3).astype(np.float32)).requires_grad_(True)

    def f(x):
        y = (x @ w).relu()
        y.sum().backward()
        return y

    compiled = gg.compile(f)
    rng = np.random.default_rng(2)
    for _ in range(5):
        x = gg.tensor(rng.standard_normal((70000, 3)).astype(np.float32))
        w.grad = None
        got = compiled(x).numpy()
        got_grad = w.grad.numpy().copy()
        w.grad = None
        want = f(x).numpy()
        assert got.tobytes() == want.tobytes()
        assert got_grad.tobytes() == w.grad.numpy().tobytes()
    assert compiled.mode == "replay"
