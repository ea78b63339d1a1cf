"""Activation layers: gradcheck, PyTorch parity, stability at extreme inputs."""
import warnings

import numpy as np
import pytest

from glassgrad import autograd as ag
from glassgrad import nn
import glassgrad.nn.functional as F
from nn_testutil import compare_with_torch, gradcheck_module

# (our module, torch constructor source)
ACTIVATIONS = [
    (lambda: nn.ReLU(), "ReLU()"),
    (lambda: nn.LeakyReLU(0.2), "LeakyReLU(0.2)"),
    (lambda: nn.PReLU(), "PReLU()"),
    (lambda: nn.PReLU(3, init=0.1), "PReLU(3, init=0.1)"),
    (lambda: nn.ELU(), "ELU()"),
    (lambda: nn.ELU(alpha=0.5), "ELU(alpha=0.5)"),
    (lambda: nn.SELU(), "SELU()"),
    (lambda: nn.GELU(), "GELU()"),
    (lambda: nn.GELU(approximate="tanh"), "GELU(approximate='tanh')"),
    (lambda: nn.SiLU(), "SiLU()"),
    (lambda: nn.Sigmoid(), "Sigmoid()"),
    (lambda: nn.Tanh(), "Tanh()"),
    (lambda: nn.Softplus(), "Softplus()"),
    (lambda: nn.Softplus(beta=2.0, threshold=1.0), "Softplus(beta=2.0, threshold=1.0)"),
    (lambda: nn.Softmax(dim=1), "Softmax(dim=1)"),
    (lambda: nn.LogSoftmax(dim=-1), "LogSoftmax(dim=-1)"),
]


def inputs(seed=0):
    # values away from the kinks at 0 (and the Softplus threshold) so that finite
    # differences are meaningful
    x = np.random.default_rng(seed).uniform(0.1, 2.0, (2, 3, 4))
    return x * np.where(np.arange(24).reshape(2, 3, 4) % 2, 1, -1)


@pytest.mark.parametrize("make,src", ACTIVATIONS, ids=[s for _, s in ACTIVATIONS])
def test_activation_gradcheck(make, src):
    m = make().double()
    assert gradcheck_module(m, ag.tensor(inputs(), requires_grad=True))


@pytest.mark.parametrize("make,src", ACTIVATIONS, ids=[s for _, s in ACTIVATIONS])
def test_activation_parity(make, src):
    torch = pytest.importorskip("torch")
    ours = make().double()
    theirs = eval("torch.nn." + src)
    x = inputs(1) * 3
    x[0, 0, :3] = 0.0          # PyTorch's gradient conventions at the kinks
    compare_with_torch(ours, theirs, x)
    assert repr(ours) == repr(theirs)


def test_activation_gradients_at_zero_follow_pytorch():
    torch = pytest.importorskip("torch")
    for ours, theirs in [(F.relu, torch.relu), (F.elu, torch.nn.functional.elu),
                         (F.leaky_relu, torch.nn.functional.leaky_relu),
                         (F.softplus, torch.nn.functional.softplus)]:
        x = ag.zeros(3, dtype=ag.float64, requires_grad=True)
        ours(x).sum().backward()
        tx = torch.zeros(3, dtype=torch.float64, requires_grad=True)
        theirs(tx).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())


@pytest.mark.parametrize("fn", [F.softplus, F.elu, F.selu, F.silu, F.gelu, F.sigmoid, F.tanh,
                                lambda x: F.softplus(x, beta=0.5, threshold=100.0),
                                lambda x: F.log_softmax(x, 0), lambda x: F.softmax(x, 0)])
def test_activations_are_stable_at_extreme_inputs(fn):
    x = ag.tensor([-1e4, -50.0, 0.0, 50.0, 1e4], dtype=ag.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = fn(x)
        y.sum().backward()
    assert np.isfinite(y.numpy()).all() and np.isfinite(x.grad.numpy()).all()


def test_softplus_extreme_values_are_correct():
    x = ag.tensor([-1e4, 1e4, 30.0], dtype=ag.float64, requires_grad=True)
    y = F.softplus(x, threshold=1e9)            # no shortcut: the stable formula itself
    np.testing.assert_allclose(y.numpy(), [0.0, 1e4, 30.0 + np.log1p(np.exp(-30.0))])
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 1.0, 1 / (1 + np.exp(-30.0))])


def test_softmax_default_dim_and_prelu_shape_check():
    x = ag.randn(2, 3)
    np.testing.assert_allclose(F.softmax(x).numpy().sum(1), 1, rtol=1e-6)
    with pytest.raises(ValueError, match=r"PReLU\(num_parameters=3\): expected input "
                                         r"\(N, 3, \.\.\.\), got \(2, 4\)"):
        nn.PReLU(3)(ag.randn(2, 4))
