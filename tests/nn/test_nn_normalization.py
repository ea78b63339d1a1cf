"""BatchNorm1d/2d, LayerNorm, GroupNorm, InstanceNorm2d: gradchecks in train and eval mode,
PyTorch parity of outputs, gradients and running statistics."""
import numpy as np
import pytest

from glassgrad import autograd as ag
from glassgrad import nn
from nn_testutil import compare_with_torch, gradcheck_module


def rnd(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape) * 2 + 0.5


def t64(*shape, seed=0):
    return ag.tensor(rnd(*shape, seed=seed), requires_grad=True)


def _perturb_affine(m, seed=5):
    """Non-trivial weight/bias so that gradchecks and parity see them act."""
    rng = np.random.default_rng(seed)
    with ag.no_grad():
        for p in m.parameters():
            p.copy_(ag.tensor(rng.standard_normal(p.shape)))
    return m


CASES = [
    (lambda: nn.BatchNorm1d(3), (4, 3)),
    (lambda: nn.BatchNorm1d(3), (2, 3, 4)),
    (lambda: nn.BatchNorm2d(2), (2, 2, 3, 3)),
    (lambda: nn.BatchNorm1d(3, affine=False), (4, 3)),
    (lambda: nn.BatchNorm1d(3, track_running_stats=False), (4, 3)),
    (lambda: nn.LayerNorm(4), (3, 4)),
    (lambda: nn.LayerNorm((2, 3)), (2, 2, 3)),
    (lambda: nn.LayerNorm(4, elementwise_affine=False), (3, 4)),
    (lambda: nn.LayerNorm(4, bias=False), (3, 4)),
    (lambda: nn.BatchNorm2d(2, bias=False), (2, 2, 2, 2)),
    (lambda: nn.GroupNorm(2, 4), (2, 4, 3)),
    (lambda: nn.GroupNorm(1, 2, affine=False), (2, 2, 2, 2)),
    (lambda: nn.InstanceNorm2d(2), (2, 2, 3, 3)),
    (lambda: nn.InstanceNorm2d(2, affine=True, track_running_stats=True), (2, 2, 3, 3)),
]


@pytest.mark.parametrize("make,shape", CASES)
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_norm_gradcheck(make, shape, mode):
    m = _perturb_affine(make().double())
    m(ag.tensor(rnd(*shape, seed=9)))          # move the running statistics away from 0/1
    m.train(mode == "train")
    assert gradcheck_module(m, t64(*shape))


@pytest.mark.parametrize("make,shape", CASES)
def test_norm_parity_train_then_eval(make, shape):
    torch = pytest.importorskip("torch")
    ours = _perturb_affine(make().double())
    # our repr is PyTorch's constructor call, so it builds the twin (and checks the repr)
    theirs = eval("torch.nn." + repr(ours))
    for step in range(3):
        ours.train()
        compare_with_torch(ours, theirs, rnd(*shape, seed=step))
        theirs.zero_grad()
        ours.zero_grad()
    ours.eval()
    compare_with_torch(ours, theirs, rnd(*shape, seed=10))


def test_batchnorm_running_statistics_follow_pytorch_formulas():
    m = nn.BatchNorm1d(3, momentum=0.2).double()
    rm, rv = np.zeros(3), np.ones(3)
    for step in range(4):
        x = rnd(6, 3, seed=step)
        m(ag.tensor(x))
        rm = 0.8 * rm + 0.2 * x.mean(0)
        rv = 0.8 * rv + 0.2 * x.var(0, ddof=1)          # running var is unbiased
    np.testing.assert_allclose(m.running_mean.numpy(), rm)
    np.testing.assert_allclose(m.running_var.numpy(), rv)
    assert m.num_batches_tracked.item() == 4 and m.num_batches_tracked.dtype == ag.int64
    m.eval()
    x = rnd(2, 3, seed=11)
    out = m(ag.tensor(x)).numpy()
    np.testing.assert_allclose(out, (x - rm) / np.sqrt(rv + 1e-5))
    assert m.num_batches_tracked.item() == 4             # eval does not count


def test_batchnorm_momentum_none_is_cumulative_average():
    m = nn.BatchNorm2d(2, momentum=None).double()
    xs = [rnd(3, 2, 2, 2, seed=s) for s in range(3)]
    for x in xs:
        m(ag.tensor(x))
    means = [x.mean(axis=(0, 2, 3)) for x in xs]
    np.testing.assert_allclose(m.running_mean.numpy(), np.mean(means, axis=0))


def test_batchnorm_momentum_none_parity():
    torch = pytest.importorskip("torch")
    ours, theirs = nn.BatchNorm1d(3, momentum=None).double(), torch.nn.BatchNorm1d(3,
                                                                                 momentum=None)
    for step in range(3):
        compare_with_torch(ours, theirs, rnd(5, 3, seed=step))


def test_batchnorm_needs_more_than_one_value_per_channel_in_training():
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(ag.randn(1, 3))
    nn.BatchNorm1d(3).eval()(ag.randn(1, 3))              # fine in eval mode


def test_norm_buffers_and_parameters():
    bn = nn.BatchNorm2d(4)
    assert [n for n, _ in bn.named_parameters()] == ["weight", "bias"]
    assert [n for n, _ in bn.named_buffers()] == ["running_mean", "running_var",
                                                 "num_batches_tracked"]
    assert list(nn.BatchNorm1d(2, track_running_stats=False).state_dict()) == ["weight", "bias"]
    assert list(nn.InstanceNorm2d(3).state_dict()) == []
    with pytest.raises(ValueError, match="divisible"):
        nn.GroupNorm(3, 4)
