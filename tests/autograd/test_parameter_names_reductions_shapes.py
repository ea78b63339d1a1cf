"""Parameter names follow PyTorch's documented ones, so torch code calling them by keyword
runs unchanged (reductions, shape ops, linear algebra)."""
import inspect

import numpy as np
import pytest

import glassgrad as gg


def test_linalg_norm_takes_input_by_keyword_as_torch():
    torch = pytest.importorskip("torch")
    a = np.array([[1.0, -2.0], [3.0, 4.0]])
    for ord_ in (None, "fro", 1, float("inf")):
        got = gg.linalg.norm(input=gg.tensor(a), ord=ord_)
        want = torch.linalg.norm(input=torch.tensor(a), ord=ord_)
        np.testing.assert_allclose(got.numpy(), want.numpy())
    x = gg.tensor(a, requires_grad=True)
    gg.linalg.norm(input=x).backward()
    np.testing.assert_allclose(x.grad.numpy(), a / np.linalg.norm(a))


def test_repeat_names_its_counts_repeats_as_torch():
    torch = pytest.importorskip("torch")
    assert list(inspect.signature(gg.repeat).parameters) == ["input", "repeats"]
    a = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(gg.tensor(a).repeat(2, 1, 1).numpy(),
                                  torch.tensor(a).repeat(2, 1, 1).numpy())
    np.testing.assert_array_equal(gg.tensor(a).repeat((1, 2)).numpy(),
                                  torch.tensor(a).repeat((1, 2)).numpy())


def test_logdet_takes_input_by_keyword_as_torch():
    torch = pytest.importorskip("torch")
    a = np.array([[2.0, 1.0], [1.0, 3.0]])
    x = gg.tensor(a, requires_grad=True)
    t = torch.tensor(a, requires_grad=True)
    got, want = gg.logdet(input=x), torch.logdet(input=t)
    np.testing.assert_allclose(got.item(), want.item())
    got.backward()
    want.backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy())


def test_flipud_of_a_0d_tensor_names_flipud():
    import glassgrad as gg
    with pytest.raises(RuntimeError, match=r"flipud: .*shape \(\)"):
        gg.flipud(gg.tensor(1.0))


@pytest.mark.parametrize("start, end", [(3, -1), (0, 2), (-3, -1)])
def test_flatten_with_a_dim_out_of_range_raises_index_error(start, end):
    with pytest.raises(IndexError, match="flatten: dim"):
        gg.flatten(gg.zeros(2, 3), start, end)


def test_flatten_of_a_0d_tensor_accepts_dims_0_and_minus_1():
    assert gg.flatten(gg.tensor(2.0), 0, -1).shape == (1,)
    with pytest.raises(IndexError):
        gg.flatten(gg.tensor(2.0), 1)


def test_avg_pool2d_refuses_a_zero_divisor_override():
    with pytest.raises(ValueError, match="divisor_override"):
        gg.nn.functional.avg_pool2d(gg.ones(1, 1, 4, 4), 2, divisor_override=0)


def test_broadcast_tensors_match_torch_values_and_gradients():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    arrays = [rng.standard_normal((3, 1)), rng.standard_normal((4,)), rng.standard_normal(())]
    gs = [gg.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    outs_g, outs_t = gg.broadcast_tensors(*gs), torch.broadcast_tensors(*ts)
    weights = [rng.standard_normal((3, 4)) for _ in arrays]
    sum(gg.sum(o * gg.tensor(w)) for o, w in zip(outs_g, weights)).backward()
    sum((o * torch.tensor(w)).sum() for o, w in zip(outs_t, weights)).backward()
    for og, ot, g, t in zip(outs_g, outs_t, gs, ts):
        np.testing.assert_allclose(og.numpy(), ot.detach().numpy())
        np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), rtol=1e-12)
    assert gg.broadcast_shapes((2, 1), (3,), 1) == tuple(torch.broadcast_shapes((2, 1), (3,), 1))
    with pytest.raises(ValueError, match="broadcast_shapes"):
        gg.broadcast_tensors(gg.zeros(2), gg.zeros(3))


def test_broadcast_tensors_gradcheck_first_and_second_order():
    x = gg.randn(3, 1, dtype=gg.float64, requires_grad=True)
    y = gg.randn(4, dtype=gg.float64, requires_grad=True)
    f = lambda a, b: gg.broadcast_tensors(a, b)[0] * gg.broadcast_tensors(a, b)[1]
    assert gg.autograd.gradcheck(f, (x, y))
    assert gg.autograd.gradgradcheck(f, (x, y))
