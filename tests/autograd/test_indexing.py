"""Indexing and the shape ops around it: basic and advanced indices (repeated indices
accumulate), boolean masks, steps, None/Ellipsis; gather; cat/stack/split/chunk; pad;
unfold2d; matmul shapes. Forward against numpy, gradients against np.add.at / gradcheck."""
import numpy as np
import pytest

from glassgrad import autograd as ag

X = np.arange(24.0).reshape(2, 3, 4)

INDICES = [
    1, -1, (0, 2), (slice(None), 1), (Ellipsis, 2), (None, 0, Ellipsis, None),
    (slice(None, None, 2), slice(None), slice(3, 0, -1)), (slice(None), slice(None, None, -2)),
    np.array([1, 1, 0]), (slice(None), [2, 0, 2, 2]), ([0, 1, 1], [2, 2, 2], [3, 3, 0]),
    (np.array([[0, 1], [1, 1]]), Ellipsis), X > 10.5, (slice(None), X[0] > 4.5),
    (1, X[1, :, 0] > 13), ([1, 0], slice(1, 3), None, [3, 3]),
]


@pytest.mark.parametrize("index", INDICES, ids=lambda i: repr(i)[:40])
def test_getitem_forward_and_gradient(index):
    x = ag.tensor(X, requires_grad=True)
    out = x[index]
    np.testing.assert_array_equal(out.numpy(), X[index])
    g = np.random.default_rng(0).standard_normal(out.shape)
    out.backward(ag.tensor(g))
    expected = np.zeros_like(X)
    np.add.at(expected, index, g)          # repeated positions accumulate
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-14)


def test_index_with_tensor_indices():
    x = ag.tensor(X, requires_grad=True)
    idx = ag.tensor([2, 2, 0])
    out = x[:, idx]
    np.testing.assert_array_equal(out.numpy(), X[:, [2, 2, 0]])
    out.sum().backward()
    assert x.grad.numpy()[0, :, 0].tolist() == [1.0, 0.0, 2.0]
    assert x[ag.tensor(1)].shape == (3, 4)


def test_repeated_index_gradient_accumulates_and_gradchecks():
    x = ag.tensor(np.random.default_rng(1).standard_normal(5), requires_grad=True)
    idx = [0, 3, 3, 3, 1, 0]
    (g,) = ag.grad((x[idx] ** 2).sum(), x)
    np.testing.assert_allclose(g.numpy(), 2 * x.numpy() * np.bincount(idx, minlength=5))
    assert ag.gradcheck(lambda t: t[idx] * t[[1, 1, 2, 4, 0, 3]], [x])
    assert ag.gradgradcheck(lambda t: t[idx] ** 3, [x])


def test_empty_index_list_selects_nothing():
    x = ag.tensor(X, requires_grad=True)
    out = x[[]]
    assert out.shape == (0, 3, 4)
    out.sum().backward()
    assert x.grad.shape == X.shape and not x.grad.numpy().any()


def test_basic_index_is_a_view():
    x = ag.tensor(X.copy())
    v = x[0, 1:]
    assert np.shares_memory(v.numpy(), x.numpy())
    a = x[[0]]
    assert not np.shares_memory(a.numpy(), x.numpy())


def test_index_errors():
    x = ag.tensor(X)
    with pytest.raises(IndexError, match=r"index 5 is invalid for a tensor of shape \(2, 3, 4\)"):
        x[5]
    with pytest.raises(IndexError, match=r"out of bounds for axis 1 with size 3"):
        x[:, [0, 3]]
    with pytest.raises(IndexError, match="boolean index did not match"):
        x[ag.tensor([True, False, True])]
    with pytest.raises(IndexError, match="must be integer or bool, got float64"):
        x[np.array([0.5])]
    with pytest.raises(TypeError, match="unsupported index element 1.5 of type float"):
        x[1.5]
    with pytest.raises(TypeError, match="unsupported index element 'a'"):
        x["a"]


# ----- gather, masked_fill ---------------------------------------------------------------------


def test_gather_matches_take_along_axis_and_accumulates():
    x = ag.tensor(X, requires_grad=True)
    idx = np.array([[[0, 0, 2, 2], [1, 1, 1, 1]]])           # (1, 2, 4) along dim 1
    out = x.gather(1, ag.tensor(idx))
    np.testing.assert_array_equal(out.numpy(), np.take_along_axis(X[:1], idx, 1))
    out.sum().backward()
    expected = np.zeros_like(X)
    for j in range(4):
        for i in range(2):
            expected[0, idx[0, i, j], j] += 1
    np.testing.assert_array_equal(x.grad.numpy(), expected)
    x2 = ag.tensor(np.random.default_rng(2).standard_normal((3, 4)), requires_grad=True)
    assert ag.gradcheck(lambda t: t.gather(-1, ag.tensor([[3, 3, 0], [1, 2, 1], [0, 0, 0]])), [x2])
    assert ag.gradgradcheck(lambda t: t.gather(0, ag.tensor([[2, 0, 2, 1]])) ** 2, [x2])


def test_gather_errors():
    x = ag.zeros(3, 4)
    with pytest.raises(IndexError, match=r"gather: index values must lie in \[0, 4\).*max 5"):
        x.gather(1, ag.tensor([[5]]))
    with pytest.raises(TypeError, match="gather: index must be an integer tensor, got float32"):
        x.gather(1, ag.tensor([[0.0]]))
    with pytest.raises(RuntimeError, match=r"gather: index has 1 dims but input has 2"):
        x.gather(1, ag.tensor([0]))
    with pytest.raises(RuntimeError, match=r"index shape \(4, 1\) exceeds input shape \(3, 4\) "
                                           r"in dim 0"):
        x.gather(1, ag.zeros(4, 1, dtype=ag.int64))


def test_masked_fill():
    x = ag.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    out = x.masked_fill(ag.tensor([True, False]), -5.0)
    assert out.tolist() == [[-5.0, 2.0], [-5.0, 4.0]]
    out.sum().backward()
    assert x.grad.tolist() == [[0.0, 1.0], [0.0, 1.0]]
    with pytest.raises(TypeError, match="masked_fill: mask must be bool, got int64"):
        x.masked_fill(ag.tensor([1, 0]), 0.0)


# ----- cat / stack / split / chunk -------------------------------------------------------------


def test_cat_stack_split_chunk_forward():
    a, b = ag.tensor(X[:, :1]), ag.tensor(X[:, 1:])
    np.testing.assert_array_equal(ag.cat([a, b], 1).numpy(), X)
    np.testing.assert_array_equal(ag.cat([a, b], -2).numpy(), X)
    np.testing.assert_array_equal(ag.stack([ag.tensor(X), ag.tensor(X)], -1).numpy(),
                                  np.stack([X, X], -1))
    parts = ag.tensor(X).split(3, -1)
    assert [p.shape for p in parts] == [(2, 3, 3), (2, 3, 1)]
    assert [p.shape for p in ag.tensor(X).split([1, 2], 1)] == [(2, 1, 4), (2, 2, 4)]
    assert [p.shape for p in ag.tensor(X).chunk(3, 2)] == [(2, 3, 2), (2, 3, 2)]
    assert [p.shape for p in ag.tensor(X).chunk(5, 1)] == [(2, 1, 4)] * 3
    assert ag.cat([ag.ones(2, dtype=ag.float64), ag.tensor([1, 2])]).dtype == ag.float64


def test_split_pieces_gradients_flow_back_to_the_right_slices():
    x = ag.tensor(np.arange(6.0), requires_grad=True)
    a, b, c = x.split(2)
    (a * 1.0 + b * 2.0 + c * 3.0).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0, 2.0, 2.0, 3.0, 3.0]
    y = ag.tensor(np.arange(6.0), requires_grad=True)
    p, q = y.chunk(2)
    (q * 5.0).sum().backward()          # one piece unused
    assert y.grad.tolist() == [0.0, 0.0, 0.0, 5.0, 5.0, 5.0]


def test_cat_stack_split_errors():
    x = ag.zeros(3, 4)
    with pytest.raises(ValueError, match=r"cat: tensor 1 has shape \(2, 3\), which does not "
                                         r"match \(3, 4\) outside dim 0"):
        ag.cat([x, ag.zeros(2, 3)])
    with pytest.raises(ValueError, match="cat: expected a non-empty sequence"):
        ag.cat([])
    with pytest.raises(ValueError, match="zero-dimensional tensors cannot be concatenated"):
        ag.cat([ag.tensor(1.0), ag.tensor(2.0)])
    with pytest.raises(ValueError, match=r"stack: all tensors must have the same shape, got "
                                         r"\[\(2, 3\), \(3, 4\)\]"):
        ag.stack([x, ag.zeros(2, 3)])
    with pytest.raises(ValueError, match=r"split: sizes \[1, 1\] do not add up to 3"):
        x.split([1, 1])
    with pytest.raises(ValueError, match="split_size must be positive, got 0"):
        x.split(0)
    with pytest.raises(RuntimeError, match="chunk: chunks must be positive"):
        x.chunk(0)


# ----- pad ----------------------------------------------------------------------------------------


def test_pad_like_torch_pad():
    x = ag.tensor(X, requires_grad=True)
    out = ag.pad(x, (1, 2, 0, 1), value=-1.0)
    expected = np.pad(X, ((0, 0), (0, 1), (1, 2)), constant_values=-1.0)
    np.testing.assert_array_equal(out.numpy(), expected)
    out.sum().backward()
    assert np.all(x.grad.numpy() == 1.0)
    assert ag.pad(x, (0, 0)) is x
    with pytest.raises(ValueError, match=r"pad: \(1,\) must hold \(before, after\) pairs"):
        ag.pad(x, (1,))
    with pytest.raises(ValueError, match="negative padding"):
        ag.pad(x, (-1, 0))


# ----- unfold2d ---------------------------------------------------------------------------------


def _windows(x, kernel, stride, dilation):
    n, c, h, w = x.shape
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    oh, ow = (h - dh * (kh - 1) - 1) // sh + 1, (w - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((n, c, kh, kw, oh, ow))
    for i in range(kh):
        for j in range(kw):
            for p in range(oh):
                for q in range(ow):
                    out[:, :, i, j, p, q] = x[:, :, p * sh + i * dh, q * sw + j * dw]
    return out


@pytest.mark.parametrize("kernel, stride, dilation", [((2, 2), (1, 1), (1, 1)),
                                                      ((3, 2), (2, 1), (1, 2)),
                                                      ((1, 1), (2, 3), (1, 1))])
def test_unfold2d_windows_and_gradient(kernel, stride, dilation):
    data = np.random.default_rng(3).standard_normal((2, 2, 6, 7))
    x = ag.tensor(data, requires_grad=True)
    out = ag.unfold2d(x, kernel, stride, dilation)
    np.testing.assert_array_equal(out.numpy(), _windows(data, kernel, stride, dilation))
    out.sum().backward()
    counts = np.zeros_like(data)
    ones = np.ones(out.shape)
    # each input pixel's gradient counts the windows it appears in
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    for i in range(kh):
        for j in range(kw):
            for p in range(out.shape[4]):
                for q in range(out.shape[5]):
                    counts[:, :, p * sh + i * dh, q * sw + j * dw] += ones[:, :, i, j, p, q]
    np.testing.assert_array_equal(x.grad.numpy(), counts)


def test_unfold2d_gradcheck_and_errors():
    x = ag.tensor(np.random.default_rng(4).standard_normal((1, 1, 4, 4)), requires_grad=True)
    assert ag.gradgradcheck(lambda t: ag.unfold2d(t, 2, 2) ** 2, [x])
    with pytest.raises(ValueError, match=r"unfold2d: kernel \(5, 5\) .* larger than the padded "
                                         r"input 4x4"):
        ag.unfold2d(x, 5)
    with pytest.raises(ValueError, match=r"expected a \(N, C, H, W\) input, got shape \(4, 4\)"):
        ag.unfold2d(x[0, 0], 2)


# ----- matmul shapes ------------------------------------------------------------------------------


@pytest.mark.parametrize("sa, sb", [((4,), (4,)), ((4,), (4, 3)), ((2, 4), (4,)),
                                    ((2, 4), (4, 3)), ((5, 2, 4), (4, 3)), ((4,), (5, 4, 3)),
                                    ((5, 2, 4), (4,)), ((5, 1, 2, 4), (3, 4, 2))])
def test_matmul_shapes_match_numpy(sa, sb):
    rng = np.random.default_rng(5)
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    ta, tb = ag.tensor(a, requires_grad=True), ag.tensor(b, requires_grad=True)
    out = ta @ tb
    np.testing.assert_allclose(out.numpy(), a @ b, rtol=1e-12)
    out.sum().backward()
    assert ta.grad.shape == sa and tb.grad.shape == sb
    assert ag.gradcheck(lambda p, q: p @ q, [ta, tb])


def test_matmul_errors():
    with pytest.raises(RuntimeError, match=r"matmul: shapes \(3, 4\) and \(3, 2\) cannot be "
                                           r"multiplied \(4 != 3\)"):
        ag.zeros(3, 4) @ ag.zeros(3, 2)
    with pytest.raises(RuntimeError, match=r"need at least 1 dim, got shapes \(3, 4\) and \(\)"):
        ag.zeros(3, 4) @ ag.tensor(2.0)
    with pytest.raises(RuntimeError, match=r"batch dims of \(2, 3, 4\) and \(3, 4, 5\) do not "
                                           r"broadcast"):
        ag.zeros(2, 3, 4) @ ag.zeros(3, 4, 5)
