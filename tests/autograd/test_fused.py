"""The fused primitives (linear, log_softmax): gradients, gradients of gradients, PyTorch."""
import numpy as np
import pytest

from glassgrad import autograd as ag


def _t(*shape, grad=True):
    return ag.randn(*shape, dtype=ag.float64, requires_grad=grad)


@pytest.mark.parametrize("x_shape", [(5,), (3, 5), (2, 3, 5)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_gradcheck_and_gradgradcheck(x_shape, bias):
    x, w = _t(*x_shape), _t(4, 5)
    args = (x, w, _t(4)) if bias else (x, w)
    assert ag.gradcheck(ag.linear, args)
    assert ag.gradgradcheck(ag.linear, args)


def test_linear_equals_matmul_composite_and_skips_unneeded_grads():
    x, w, b = _t(3, 5, grad=False), _t(4, 5), _t(4)
    out = ag.linear(x, w, b)
    assert out.grad_fn.op == "linear"
    np.testing.assert_allclose(out.numpy(), x.numpy() @ w.numpy().T + b.numpy())
    out.sum().backward()
    assert x.grad is None and w.grad.shape == (4, 5) and b.grad.shape == (4,)


def test_linear_errors_name_the_shapes():
    with pytest.raises(ValueError, match=r"input of shape \(3, 6\).*weight of shape \(4, 5\)"):
        ag.linear(_t(3, 6), _t(4, 5))
    with pytest.raises(ValueError, match=r"bias must have shape \(4,\), got \(5,\)"):
        ag.linear(_t(3, 5), _t(4, 5), _t(5))
    with pytest.raises(ValueError, match="weight must be 2-D"):
        ag.linear(_t(3, 5), _t(5))


def test_linear_promotes_dtypes_like_pytorch():
    x = ag.randn(2, 3)                                   # float32
    w = ag.randn(4, 3, dtype=ag.float64)
    assert ag.linear(x, w).dtype == ag.float64
    assert ag.linear(x, ag.randn(4, 3)).dtype == ag.float32


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_log_softmax_gradcheck_and_gradgradcheck(dim):
    x = _t(3, 4)
    assert ag.gradcheck(lambda x: ag.log_softmax(x, dim), (x,))
    assert ag.gradgradcheck(lambda x: ag.log_softmax(x, dim), (x,))


def test_log_softmax_is_stable_and_handles_minus_inf():
    x = ag.tensor([[1e4, -1e4, 0.0], [0.0, -np.inf, 1.0]], dtype=ag.float64,
                  requires_grad=True)
    out = ag.log_softmax(x, 1)
    assert np.isfinite(out.numpy()[0]).all() and out.numpy()[1, 1] == -np.inf
    (out * ag.tensor([[1.0, 0.0, 0.0], [1.0, 0.0, 1.0]], dtype=ag.float64)).sum().backward()
    assert np.isfinite(x.grad.numpy()).all()


def test_fused_primitives_match_pytorch():
    torch = pytest.importorskip("torch")
    x, w, b = _t(6, 5), _t(3, 5), _t(3)
    out = ag.log_softmax(ag.linear(x, w, b), 1)
    (out * ag.tensor(np.arange(18.0).reshape(6, 3))).sum().backward()
    tx, tw, tb = (torch.tensor(t.numpy(), requires_grad=True) for t in (x, w, b))
    tout = torch.log_softmax(torch.nn.functional.linear(tx, tw, tb), 1)
    (tout * torch.arange(18.0, dtype=torch.float64).reshape(6, 3)).sum().backward()
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-12)
    for ours, theirs in ((x, tx), (w, tw), (b, tb)):
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-10)
