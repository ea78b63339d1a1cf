"""nn.utils: gradient clipping, parameter vectors, the max-norm constraint."""
import math

import numpy as np
import pytest

from glassgrad import autograd as ag
from glassgrad import nn
from glassgrad.nn import utils


def _with_grads(seed=0):
    m = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2)).double()
    rng = np.random.default_rng(seed)
    for p in m.parameters():
        p.grad = ag.tensor(rng.standard_normal(p.shape) * 3)
    return m


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
def test_clip_grad_norm_matches_torch(norm_type):
    torch = pytest.importorskip("torch")
    m = _with_grads()
    tparams = [torch.tensor(p.numpy().copy(), requires_grad=True) for p in m.parameters()]
    for tp, p in zip(tparams, m.parameters()):
        tp.grad = torch.tensor(p.grad.numpy().copy())
    total = utils.clip_grad_norm_(m.parameters(), 1.5, norm_type=norm_type)
    ttotal = torch.nn.utils.clip_grad_norm_(tparams, 1.5, norm_type=norm_type)
    assert total.shape == () and isinstance(total, ag.Tensor)
    assert total.item() == pytest.approx(ttotal.item(), rel=1e-12)
    for p, tp in zip(m.parameters(), tparams):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-12)


def test_clip_grad_norm_semantics():
    m = _with_grads()
    grads = np.concatenate([p.grad.numpy().ravel() for p in m.parameters()])
    total = utils.clip_grad_norm_(m, 1.0)
    assert total.item() == pytest.approx(np.linalg.norm(grads))
    clipped = np.concatenate([p.grad.numpy().ravel() for p in m.parameters()])
    assert np.linalg.norm(clipped) == pytest.approx(1.0, rel=1e-5)
    before = [p.grad.numpy().copy() for p in m.parameters()]
    utils.clip_grad_norm_(m, 100.0)                       # under the limit: unchanged
    for b, p in zip(before, m.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), b)
    assert utils.clip_grad_norm_(nn.Linear(2, 2), 1.0).item() == 0.0    # no grads
    m = _with_grads()
    next(m.parameters()).grad.numpy()[0, 0] = np.nan
    with pytest.raises(RuntimeError, match="non-finite"):
        utils.clip_grad_norm_(m, 1.0, error_if_nonfinite=True)


def test_clip_grad_value():
    m = _with_grads()
    utils.clip_grad_value_(m.parameters(), 0.5)
    for p in m.parameters():
        assert np.abs(p.grad.numpy()).max() <= 0.5


def test_parameters_vector_roundtrip_and_gradient():
    m = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    v = utils.parameters_to_vector(m.parameters())
    assert v.shape == (3 * 4 + 4 + 4 * 2 + 2,)
    (v * 2).sum().backward()
    np.testing.assert_array_equal(m[0].weight.grad.numpy(), 2)
    new = ag.arange(v.numel()).float()
    utils.vector_to_parameters(new, m.parameters())
    np.testing.assert_array_equal(m[0].bias.numpy(), [12, 13, 14, 15])
    np.testing.assert_array_equal(utils.parameters_to_vector(m.parameters()).numpy(),
                                  new.numpy())
    with pytest.raises(ValueError, match="26 elements"):
        utils.vector_to_parameters(ag.zeros(5), m.parameters())


def test_max_norm_caps_each_unit_and_skips_biases():
    lin = nn.Linear(4, 3).double()
    conv = nn.Conv2d(2, 3, 2).double()
    with ag.no_grad():
        lin.weight.copy_(ag.tensor([[3.0, 4.0, 0, 0], [0.1, 0, 0, 0], [0, 0, 6.0, 8.0]]))
        lin.bias.fill_(100.0)
        conv.weight.mul_(50.0)
    n = utils.max_norm_(nn.Sequential(lin, conv), 4.0)
    np.testing.assert_allclose(np.linalg.norm(lin.weight.numpy(), axis=1), [4.0, 0.1, 4.0])
    np.testing.assert_allclose(lin.weight.numpy()[0], [2.4, 3.2, 0, 0])   # direction kept
    np.testing.assert_array_equal(lin.bias.numpy(), 100.0)
    filters = np.linalg.norm(conv.weight.numpy().reshape(3, -1), axis=1)
    np.testing.assert_allclose(filters, 4.0)
    assert n == 2 + 3
    assert utils.max_norm_([lin.weight], 4.0) == 0           # already satisfied
    with pytest.raises(ValueError, match="positive"):
        utils.max_norm_(lin, 0)
