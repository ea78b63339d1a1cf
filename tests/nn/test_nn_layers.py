"""Linear, Conv2d, pooling, Flatten, Embedding, Maxout, Dropout: gradcheck, PyTorch parity,
input checks."""
import numpy as np
import pytest

from glassgrad import autograd as ag
from glassgrad import nn
import glassgrad.nn.functional as F
from nn_testutil import compare_with_torch, gradcheck_module


def rnd(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def t64(*shape, seed=0):
    return ag.tensor(rnd(*shape, seed=seed), requires_grad=True)


# ----- gradchecks ----------------------------------------------------------------------


@pytest.mark.parametrize("bias", [True, False])
def test_linear_gradcheck(bias):
    m = nn.Linear(3, 2, bias=bias).double()
    assert gradcheck_module(m, t64(2, 3))
    assert gradcheck_module(m, t64(3))            # unbatched input


@pytest.mark.parametrize("kwargs", [dict(), dict(stride=2, padding=1), dict(dilation=2),
                                    dict(padding="same", bias=False), dict(padding=(1, 0))])
def test_conv2d_gradcheck(kwargs):
    m = nn.Conv2d(2, 2, 3, **kwargs).double()
    assert gradcheck_module(m, t64(1, 2, 5, 5))


@pytest.mark.parametrize("kwargs", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                    dict(kernel_size=2, stride=1, dilation=2),
                                    dict(kernel_size=2, ceil_mode=True)])
def test_maxpool_gradcheck(kwargs):
    # distinct values: no ties, so the max is differentiable
    x = ag.tensor(np.random.default_rng(0).permutation(50).reshape(1, 2, 5, 5) / 7.0,
                  requires_grad=True)
    assert gradcheck_module(nn.MaxPool2d(**kwargs), x)


@pytest.mark.parametrize("kwargs", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                    dict(kernel_size=3, stride=2, padding=1,
                                         count_include_pad=False),
                                    dict(kernel_size=2, ceil_mode=True)])
def test_avgpool_gradcheck(kwargs):
    assert gradcheck_module(nn.AvgPool2d(**kwargs), t64(1, 2, 5, 5))


def test_flatten_embedding_maxout_gradcheck():
    assert gradcheck_module(nn.Flatten(), t64(2, 2, 2))
    emb = nn.Embedding(5, 3).double()
    assert gradcheck_module(emb, ag.tensor([[0, 1, 4], [4, 4, 2]]))
    assert gradcheck_module(nn.Maxout(3, 2, pieces=3).double(), t64(4, 3))


def test_dropout_gradcheck_with_fixed_seed():
    m = nn.Dropout(0.3)
    assert gradcheck_module(m, t64(4, 5), seed=3)
    m.eval()
    assert gradcheck_module(m, t64(4, 5))


# ----- dropout semantics -------------------------------------------------------------------


def test_dropout_statistics_and_gradient_is_mask_over_keep():
    ag.manual_seed(123)
    x = ag.ones(200, 500, dtype=ag.float64, requires_grad=True)
    p = 0.3
    y = nn.Dropout(p)(x)
    kept = y.numpy() != 0
    assert abs(kept.mean() - (1 - p)) < 0.005
    np.testing.assert_allclose(y.numpy()[kept], 1 / (1 - p))
    assert abs(y.numpy().mean() - 1.0) < 0.01          # inverted: expectation preserved
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), kept / (1 - p))


def test_dropout_seeded_masks_repeat_and_eval_is_identity():
    x = ag.randn(10, 10)
    ag.manual_seed(7)
    a = F.dropout(x, 0.5).numpy().copy()
    ag.manual_seed(7)
    b = F.dropout(x, 0.5).numpy()
    np.testing.assert_array_equal(a, b)
    m = nn.Dropout(0.5).eval()
    assert m(x) is x
    assert F.dropout(x, 0.5, training=False) is x


def test_dropout_edge_probabilities():
    x = ag.randn(3, 4, requires_grad=True)
    np.testing.assert_array_equal(nn.Dropout(1.0)(x).numpy(), np.zeros((3, 4)))
    np.testing.assert_array_equal(nn.Dropout(0.0)(x).numpy(), x.numpy())
    for p in (-0.1, 1.5, float("nan")):
        with pytest.raises(ValueError, match="between 0 and 1"):
            nn.Dropout(p)
        with pytest.raises(ValueError, match="between 0 and 1"):
            F.dropout(x, p)


# ----- functional details -------------------------------------------------------------------


def test_maxpool_gradient_goes_to_first_max_on_ties():
    x = ag.tensor(np.ones((1, 1, 2, 2)), requires_grad=True)
    F.max_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], [[1, 0], [0, 0]])


def test_embedding_padding_row_is_zero_and_gets_no_gradient():
    emb = nn.Embedding(5, 3, padding_idx=1)
    np.testing.assert_array_equal(emb.weight.numpy()[1], 0)
    emb(ag.tensor([[0, 1, 1], [4, 4, 1]])).sum().backward()
    np.testing.assert_array_equal(emb.weight.grad.numpy()[:, 0], [1, 0, 0, 0, 2])


def test_maxout_layout():
    m = nn.Maxout(2, 2, pieces=3).double()
    x = ag.tensor(rnd(4, 2))
    z = (x.numpy() @ m.weight.numpy().T + m.bias.numpy()).reshape(4, 2, 3)
    np.testing.assert_allclose(m(x).numpy(), z.max(axis=2))
    assert [n for n, _ in m.named_parameters()] == ["weight", "bias"]
    assert m.weight.shape == (6, 2)


def test_one_hot_and_pad():
    np.testing.assert_array_equal(F.one_hot(ag.tensor([0, 2]), 3).numpy(),
                                  [[1, 0, 0], [0, 0, 1]])
    assert F.one_hot(ag.tensor([1, 3])).shape == (2, 4)
    assert F.one_hot(ag.tensor([1])).dtype == ag.int64
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        F.one_hot(ag.tensor([3]), 3)
    assert F.pad(ag.ones(2, 2), (1, 1)).shape == (2, 4)


# ----- input checks -----------------------------------------------------------------------


def test_wrong_input_shapes_name_layer_expected_and_got():
    with pytest.raises(ValueError) as e:
        nn.Linear(4, 3)(ag.randn(2, 5))
    assert str(e.value) == ("Linear(in_features=4, out_features=3, bias=True): expected input "
                            "(..., 4), got (2, 5)")
    with pytest.raises(ValueError, match=r"Conv2d\(3, 8.*expected input \(N, 3, H, W\) or "
                                         r"\(3, H, W\), got \(2, 4, 8, 8\)"):
        nn.Conv2d(3, 8, 3)(ag.randn(2, 4, 8, 8))
    with pytest.raises(ValueError, match=r"BatchNorm2d.*expected input \(N, 4, H, W\), got "
                                         r"\(2, 4\)"):
        nn.BatchNorm2d(4)(ag.randn(2, 4))
    with pytest.raises(ValueError, match=r"MaxPool2d.*got \(4, 4\)"):
        nn.MaxPool2d(2)(ag.randn(4, 4))
    with pytest.raises(ValueError, match=r"LayerNorm.*expected input \(\.\.\., 5\)"):
        nn.LayerNorm(5)(ag.randn(2, 4))
    with pytest.raises(IndexError, match="index 7 is out of range for 5"):
        nn.Embedding(5, 2)(ag.tensor([1, 7]))


def test_conv_bad_groups_and_strided_same_raise():
    with pytest.raises(ValueError, match="groups=2"):
        nn.Conv2d(3, 2, 3, groups=2)
    with pytest.raises(ValueError, match="same"):
        nn.Conv2d(2, 2, 3, stride=2, padding="same")


# ----- PyTorch parity ------------------------------------------------------------------------


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def test_linear_parity(torch):
    compare_with_torch(nn.Linear(5, 3).double(), torch.nn.Linear(5, 3), rnd(4, 5))
    compare_with_torch(nn.Linear(5, 3, bias=False).double(), torch.nn.Linear(5, 3, bias=False),
                       rnd(2, 3, 5))


@pytest.mark.parametrize("kwargs", [dict(), dict(stride=2, padding=1), dict(dilation=2, padding=2),
                                    dict(padding="same"), dict(padding="valid", bias=False),
                                    dict(stride=(2, 1), padding=(0, 1)),
                                    dict(kernel_size=(2, 3), padding="same", dilation=(2, 1)),
                                    dict(kernel_size=2, padding="same")])
@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel:UserWarning")
def test_conv2d_parity(torch, kwargs):
    kwargs = dict(kernel_size=3) | kwargs
    compare_with_torch(nn.Conv2d(3, 4, **kwargs).double(), torch.nn.Conv2d(3, 4, **kwargs),
                       rnd(2, 3, 7, 6))


@pytest.mark.parametrize("kwargs", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                    dict(kernel_size=3, stride=2, ceil_mode=True),
                                    dict(kernel_size=2, stride=1, dilation=2),
                                    dict(kernel_size=(3, 2), stride=(1, 2), padding=(1, 0))])
def test_maxpool_parity(torch, kwargs):
    compare_with_torch(nn.MaxPool2d(**kwargs), torch.nn.MaxPool2d(**kwargs), rnd(2, 3, 7, 6))


@pytest.mark.parametrize("kwargs", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                    dict(kernel_size=3, stride=2, padding=1,
                                         count_include_pad=False),
                                    dict(kernel_size=3, stride=2, ceil_mode=True),
                                    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True,
                                         count_include_pad=False),
                                    dict(kernel_size=2, divisor_override=3)])
def test_avgpool_parity(torch, kwargs):
    compare_with_torch(nn.AvgPool2d(**kwargs), torch.nn.AvgPool2d(**kwargs), rnd(2, 3, 7, 6))


def test_flatten_embedding_parity(torch):
    compare_with_torch(nn.Flatten(), torch.nn.Flatten(), rnd(2, 3, 4))
    compare_with_torch(nn.Flatten(0, 1), torch.nn.Flatten(0, 1), rnd(2, 3, 4))
    idx = np.array([[0, 2, 2], [3, 1, 0]])
    compare_with_torch(nn.Embedding(4, 3).double(), torch.nn.Embedding(4, 3), idx)
    compare_with_torch(nn.Embedding(4, 3, padding_idx=2).double(),
                       torch.nn.Embedding(4, 3, padding_idx=2), idx)


def test_unbatched_inputs_parity(torch):
    compare_with_torch(nn.Conv2d(3, 2, 3).double(), torch.nn.Conv2d(3, 2, 3), rnd(3, 5, 5))
    compare_with_torch(nn.MaxPool2d(2), torch.nn.MaxPool2d(2), rnd(3, 4, 4))
    compare_with_torch(nn.AvgPool2d(2), torch.nn.AvgPool2d(2), rnd(3, 4, 4))


def test_second_derivatives_through_layers():
    # layers are compositions of engine ops, so they are twice differentiable for free
    net = nn.Sequential(nn.Linear(3, 2), nn.Tanh(), nn.Linear(2, 1), nn.Softplus()).double()
    assert ag.gradgradcheck(lambda x: net(x), [t64(2, 3)])
    conv = nn.Conv2d(1, 1, 2).double()
    assert ag.gradgradcheck(lambda x: F.gelu(conv(x)), [t64(1, 1, 3, 3)])
