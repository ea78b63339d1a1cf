"""nn.init formulas and statistics, seeding, and PyTorch's default layer initialization."""
import math

import numpy as np
import pytest

from glassgrad import autograd as ag
from glassgrad import nn
from glassgrad.nn import init


def test_calculate_gain_table():
    assert init.calculate_gain("linear") == 1 and init.calculate_gain("conv2d") == 1
    assert init.calculate_gain("sigmoid") == 1
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01 ** 2)))
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    assert init.calculate_gain("selu") == pytest.approx(0.75)
    with pytest.raises(ValueError, match="unsupported nonlinearity"):
        init.calculate_gain("swish")


def test_calculate_gain_matches_torch():
    torch = pytest.importorskip("torch")
    for name, param in [("linear", None), ("tanh", None), ("relu", None), ("leaky_relu", None),
                        ("leaky_relu", 0.3), ("selu", None), ("sigmoid", None)]:
        assert init.calculate_gain(name, param) == pytest.approx(
            torch.nn.init.calculate_gain(name, param))


def test_fans_include_the_receptive_field():
    assert init._calculate_fan_in_and_fan_out(ag.empty(8, 3, 5, 5)) == (75, 200)
    assert init._calculate_fan_in_and_fan_out(ag.empty(10, 4)) == (4, 10)
    with pytest.raises(ValueError, match="fewer than 2 dims"):
        init.xavier_uniform_(ag.empty(5))


def _stats(fn, shape, **kw):
    t = ag.empty(*shape, dtype=ag.float64)
    assert fn(t, **kw) is t
    return t.numpy()


def test_distributions_follow_the_formulas():
    fan_in, fan_out = 200, 300
    w = _stats(init.kaiming_normal_, (fan_out, fan_in), nonlinearity="relu")
    # the notes' He init for ReLU: randn(n) * sqrt(2 / n)
    assert w.std() == pytest.approx(math.sqrt(2 / fan_in), rel=0.02)
    assert abs(w.mean()) < 0.003
    w = _stats(init.kaiming_normal_, (fan_out, fan_in), mode="fan_out", nonlinearity="relu")
    assert w.std() == pytest.approx(math.sqrt(2 / fan_out), rel=0.02)
    w = _stats(init.kaiming_uniform_, (fan_out, fan_in), a=math.sqrt(5))
    bound = 1 / math.sqrt(fan_in)
    assert w.max() <= bound and w.min() >= -bound and w.max() > 0.99 * bound
    g = 5 / 3
    w = _stats(init.xavier_uniform_, (fan_out, fan_in), gain=g)
    a = g * math.sqrt(6 / (fan_in + fan_out))
    assert w.max() <= a and w.max() > 0.99 * a
    assert w.std() == pytest.approx(a / math.sqrt(3), rel=0.02)
    w = _stats(init.xavier_normal_, (fan_out, fan_in))
    assert w.std() == pytest.approx(math.sqrt(2 / (fan_in + fan_out)), rel=0.02)
    w = _stats(init.normal_, (100, 100), mean=2.0, std=0.5)
    assert w.mean() == pytest.approx(2.0, abs=0.02) and w.std() == pytest.approx(0.5, rel=0.02)
    w = _stats(init.uniform_, (100, 100), a=-2.0, b=1.0)
    assert w.min() >= -2 and w.max() < 1 and w.mean() == pytest.approx(-0.5, abs=0.03)
    np.testing.assert_array_equal(_stats(init.constant_, (2, 3), val=0.3), 0.3)
    np.testing.assert_array_equal(_stats(init.zeros_, (2, 3)), 0)
    np.testing.assert_array_equal(_stats(init.ones_, (2, 3)), 1)
    np.testing.assert_array_equal(_stats(init.eye_, (2, 3)), np.eye(2, 3))


def test_orthogonal_and_sparse():
    for shape in [(5, 3), (3, 5), (4, 2, 3)]:
        w = _stats(init.orthogonal_, shape, gain=2.0).reshape(shape[0], -1)
        small = min(w.shape)
        gram = w @ w.T if w.shape[0] == small else w.T @ w
        np.testing.assert_allclose(gram, 4 * np.eye(small), atol=1e-10)
    w = _stats(init.sparse_, (10, 6), sparsity=0.3, std=0.05)
    assert ((w == 0).sum(axis=0) == 3).all()               # ceil(0.3 * 10) zeros per column
    assert w[w != 0].std() == pytest.approx(0.05, rel=0.5)


def test_init_follows_manual_seed_and_runs_without_recording():
    w = nn.Parameter(ag.empty(4, 4))
    ag.manual_seed(3)
    a = init.kaiming_uniform_(w).numpy().copy()
    ag.manual_seed(3)
    b = init.kaiming_uniform_(w).numpy().copy()
    np.testing.assert_array_equal(a, b)
    assert w.grad_fn is None and w.is_leaf and w.requires_grad


def test_default_layer_init_matches_pytorch_formulas():
    lin = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    for t in (lin.weight.numpy(), lin.bias.numpy()):
        assert t.min() >= -bound and t.max() <= bound and t.max() > 0.95 * bound
    assert lin.weight.numpy().std() == pytest.approx(bound / math.sqrt(3), rel=0.02)
    conv = nn.Conv2d(16, 32, 3)
    bound = 1 / math.sqrt(16 * 9)
    assert conv.weight.numpy().std() == pytest.approx(bound / math.sqrt(3), rel=0.03)
    assert conv.bias.numpy().max() <= bound
    emb = nn.Embedding(300, 100)
    assert emb.weight.numpy().std() == pytest.approx(1.0, rel=0.02)
    bn = nn.BatchNorm1d(5)
    np.testing.assert_array_equal(bn.weight.numpy(), 1)
    np.testing.assert_array_equal(bn.bias.numpy(), 0)
    np.testing.assert_array_equal(nn.PReLU().weight.numpy(), 0.25)
    assert lin.weight.dtype == ag.float32


def test_default_init_statistics_close_to_torch():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    for ours, theirs, fan_in in [(nn.Linear(300, 200), torch.nn.Linear(300, 200), 300),
                                 (nn.Conv2d(8, 16, 5), torch.nn.Conv2d(8, 16, 5), 200)]:
        tparams = {k: v.detach().numpy() for k, v in theirs.named_parameters()}
        bound = 1 / math.sqrt(fan_in)           # the support of both weight and bias
        for name, p in ours.named_parameters():
            assert abs(p.numpy()).max() <= bound and abs(tparams[name]).max() <= bound
        w, tw = ours.weight.numpy(), tparams["weight"]
        assert w.std() == pytest.approx(tw.std(), rel=0.05)
        assert abs(w).max() == pytest.approx(abs(tw).max(), rel=0.01)
