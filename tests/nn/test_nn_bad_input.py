"""Bad and degenerate input into layers and losses: the errors PyTorch raises (with messages
naming the problem), and the size-0 cases PyTorch accepts."""
import warnings

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn
from glassgrad.nn import functional as F

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("p", [float("nan"), 1.5, -0.1, float("inf")])
def test_binary_cross_entropy_refuses_nan_and_out_of_range_probabilities(p):
    with pytest.raises(RuntimeError):
        torch.nn.functional.binary_cross_entropy(torch.tensor([p, 0.5]), torch.tensor([1., 0.]))
    with pytest.raises(RuntimeError, match=r"probabilities in \[0, 1\]"):
        F.binary_cross_entropy(gg.tensor([p, 0.5]), gg.tensor([1.0, 0.0]))


@pytest.mark.parametrize("index", [-1, -3, 3, 10])
def test_embedding_refuses_negative_and_out_of_range_indices(index):
    weight = gg.randn(3, 2)
    with pytest.raises(IndexError, match=rf"index {index} is out of range.*num_embeddings=3"):
        F.embedding(gg.tensor([0, index]), weight)
    with pytest.raises(IndexError, match=rf"index {index}"):
        nn.Embedding(3, 2)(gg.tensor([[index]]))


def test_embedding_negative_padding_idx_still_counts_from_the_end():
    emb = nn.Embedding(4, 2, padding_idx=-1)
    out = emb(gg.tensor([3, 0]))
    out.sum().backward()
    np.testing.assert_array_equal(emb.weight.grad.numpy()[3], [0.0, 0.0])


def test_batchnorm_training_on_an_empty_batch_matches_torch():
    bn, tbn = nn.BatchNorm2d(3), torch.nn.BatchNorm2d(3)
    x = gg.zeros(0, 3, 4, 4, requires_grad=True)
    tx = torch.zeros(0, 3, 4, 4, requires_grad=True)
    out, tout = bn(x), tbn(tx)
    assert out.shape == tuple(tout.shape)
    out.sum().backward()
    tout.sum().backward()
    for ours, theirs in [(bn.weight.grad, tbn.weight.grad), (bn.bias.grad, tbn.bias.grad),
                         (bn.running_mean, tbn.running_mean), (bn.running_var, tbn.running_var),
                         (bn.num_batches_tracked, tbn.num_batches_tracked)]:
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert x.grad.shape == (0, 3, 4, 4)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm2d(3)(gg.zeros(1, 3, 1, 1))


def test_linear_with_no_inputs_matches_torch():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        layer = nn.Linear(0, 2)
    assert layer.weight.shape == (2, 0)
    np.testing.assert_array_equal(layer.bias.numpy(), [0.0, 0.0])
    np.testing.assert_array_equal(layer(gg.zeros(4, 0)).numpy(), np.zeros((4, 2)))
    with pytest.warns(UserWarning, match="zero-element"):
        nn.init.kaiming_uniform_(gg.empty(0, 3))


def test_conv_with_zero_kernel_constructs_and_fails_clearly_in_forward():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        conv = nn.Conv2d(1, 1, 0)
    with pytest.raises(ValueError, match="conv2d: kernel size must be positive"):
        conv(gg.zeros(1, 1, 3, 3))


@pytest.mark.parametrize("call, pattern", [
    (lambda: F.conv2d(gg.zeros(1, 1, 3, 3), gg.zeros(1, 1, 1, 1), stride=0), "positive"),
    (lambda: F.conv2d(gg.zeros(1, 1, 3, 3), gg.zeros(1, 1, 0, 0)), "kernel size"),
    (lambda: F.max_pool2d(gg.zeros(1, 1, 3, 3), 0), "max_pool2d: kernel_size"),
    (lambda: F.max_pool2d(gg.zeros(1, 1, 3, 3), 2, stride=0), "max_pool2d: stride"),
    (lambda: F.avg_pool2d(gg.zeros(1, 1, 3, 3), 0), "avg_pool2d: kernel_size"),
    (lambda: F.avg_pool2d(gg.zeros(1, 1, 3, 3), 2, stride=0), "avg_pool2d: stride"),
    (lambda: nn.MaxPool2d(2, 0)(gg.zeros(1, 1, 3, 3)), "stride"),
    (lambda: F.max_pool2d(gg.zeros(1, 1, 3, 3), 2, dilation=0), "dilation"),
    (lambda: gg.unfold2d(gg.zeros(1, 1, 3, 3), 2, 0), "unfold2d"),
])
def test_zero_kernel_or_stride_is_a_value_error_naming_the_op(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()


@pytest.mark.parametrize("layer", [lambda: nn.Linear(2, 2), lambda: nn.Conv2d(1, 1, 1),
                                   lambda: nn.BatchNorm1d(2), lambda: nn.LayerNorm(2),
                                   lambda: nn.MaxPool2d(2),
                                   lambda: nn.Sequential(nn.Linear(2, 2), nn.ReLU())])
def test_python_list_into_a_layer_is_a_type_error(layer):
    with pytest.raises(TypeError, match="expected a Tensor as input, got list"):
        layer()([1.0, 2.0])


def test_cross_entropy_errors_name_the_problem_and_the_fix():
    with pytest.raises(ValueError, match="class dim.*0-d"):
        F.cross_entropy(gg.tensor(1.0), gg.tensor(0))
    with pytest.raises(ValueError, match=r"one entry per class, shape \(3,\), got shape \(2,\)"):
        F.cross_entropy(gg.zeros(2, 3), gg.tensor([0, 1]), weight=gg.ones(2))
    with pytest.raises(ValueError, match=r"one entry per class"):
        nn.CrossEntropyLoss(weight=gg.ones(4))(gg.zeros(2, 3), gg.tensor([0, 1]))
    with pytest.raises(TypeError, match=r"use target.long\(\)"):
        F.cross_entropy(gg.zeros(2, 3), gg.tensor([0.0, 1.0]))
    with pytest.raises(TypeError, match=r"use target.long\(\)"):
        F.nll_loss(gg.zeros(2, 3), gg.tensor([0.0, 1.0]))
    # class probabilities with the input's shape still work, as in torch
    probs = np.full((2, 3), 1 / 3)
    ours = F.cross_entropy(gg.zeros(2, 3), gg.tensor(probs, dtype=gg.float32)).item()
    theirs = torch.nn.functional.cross_entropy(torch.zeros(2, 3),
                                               torch.tensor(probs, dtype=torch.float32)).item()
    assert abs(ours - theirs) < 1e-6


@pytest.mark.parametrize("layer", [
    lambda F, m, x: F.group_norm(x, 2), lambda F, m, x: F.layer_norm(x, (3, 3)),
    lambda F, m, x: F.instance_norm(x), lambda F, m, x: F.conv2d(x, m.ones(2, 4, 2, 2)),
    lambda F, m, x: F.max_pool2d(x, 2), lambda F, m, x: F.avg_pool2d(x, 2),
    lambda F, m, x: F.linear(x, m.ones(2, 3)), lambda F, m, x: F.softmax(x, 1),
])
def test_layers_accept_an_empty_batch_as_torch(layer):
    x, tx = gg.zeros(0, 4, 3, 3, requires_grad=True), torch.zeros(0, 4, 3, 3)
    out = layer(F, gg, x)
    assert out.shape == tuple(layer(torch.nn.functional, torch, tx).shape)
    out.sum().backward()
    assert x.grad.shape == (0, 4, 3, 3)
