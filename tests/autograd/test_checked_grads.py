"""Gradients are checked where users can change them: a hook's returned tensor and an
assignment to `.grad` must match the tensor's shape and dtype (PyTorch raises the same way);
`.data` is a detached alias whose in-place changes autograd does not see, as in PyTorch."""
import numpy as np
import pytest

from glassgrad import autograd as ag
from glassgrad import optim

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("leaf", [True, False])
def test_a_hook_returning_the_wrong_shape_raises(leaf):
    x = ag.ones(3, requires_grad=True)
    t = x if leaf else x * 2.0
    t.register_hook(lambda g: ag.ones(2))
    with pytest.raises(RuntimeError, match=r"hook '.*<lambda>' has changed the size of value "
                                           r"\(was \(3,\) got \(2,\)\)"):
        (t * 1.0).sum().backward()
    assert x.grad is None


@pytest.mark.parametrize("leaf", [True, False])
def test_a_hook_returning_the_wrong_dtype_raises(leaf):
    x = ag.ones(3, requires_grad=True)
    t = x if leaf else x * 2.0
    t.register_hook(lambda g: g.double())
    with pytest.raises(RuntimeError, match="has changed the type of value "
                                           r"\(was float32 got float64\)"):
        (t * 1.0).sum().backward()


def test_a_hook_returning_a_non_tensor_raises_type_error():
    x = ag.ones(3, requires_grad=True)
    x.register_hook(lambda g: 3)
    with pytest.raises(TypeError, match="must return a Tensor or None"):
        (x * 2.0).sum().backward()


def test_a_hook_returning_a_matching_tensor_replaces_the_gradient():
    x = ag.ones(3, requires_grad=True)
    x.register_hook(lambda g: g * 10.0)
    (x * 2.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [20, 20, 20])


@pytest.mark.parametrize("value, error, match", [
    (ag.zeros(3), RuntimeError, r"assign a gradient of size \[3\] to a tensor of size \[2\]"),
    (ag.zeros(1), RuntimeError, "same size"),
    (ag.zeros(2, dtype=ag.float64), RuntimeError, "gradient with dtype float64 to a tensor "
                                                  "with dtype float32"),
    ([1.0, 2.0], TypeError, "expected to be a Tensor or None but got grad of type list"),
    (np.zeros(2, np.float32), TypeError, "of type ndarray"),
])
def test_assigning_a_bad_grad_raises_like_torch(value, error, match):
    p = ag.zeros(2, requires_grad=True)
    with pytest.raises(error, match=match):
        p.grad = value
    assert p.grad is None
    tp = torch.zeros(2, requires_grad=True)
    tvalue = torch.from_numpy(value.numpy()) if isinstance(value, ag.Tensor) else value
    with pytest.raises(error):
        tp.grad = tvalue


def test_assigning_a_good_grad_or_none_works_and_sgd_uses_it():
    p = ag.tensor([1.0, 2.0], requires_grad=True)
    p.grad = ag.tensor([0.5, 0.5])
    optim.SGD([p], lr=1.0).step()
    np.testing.assert_array_equal(p.numpy(), [0.5, 1.5])
    p.grad = None
    assert p.grad is None
    del p.grad
    assert p.grad is None


def test_changing_data_in_place_before_backward_computes_like_torch():
    results = []
    for lib in (ag, torch):
        w = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = (w * w).sum()
        w.data.mul_(2.0)                      # e.g. a hand-written weight update
        y.backward()                          # torch: no version error
        results.append((w.grad.numpy().copy() if lib is ag else w.grad.numpy(),
                        w.detach().numpy().copy()))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_array_equal(results[0][1], results[1][1])


def test_data_is_a_detached_alias_with_its_own_version_counter():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    d = w.data
    assert not d.requires_grad and d.is_leaf
    d.add_(1.0)
    assert w.numpy().tolist() == [2.0, 3.0]         # same memory
    assert w._version == 0 and d._version == 1      # not the same counter
    assert w.detach()._version == 0


def test_assigning_data_swaps_the_memory_and_keeps_the_tensor():
    results = []
    for lib in (ag, torch):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        w.data = lib.tensor([5.0, 6.0, 7.0])
        (w * 2.0).sum().backward()
        results.append((w.detach().numpy().tolist(), w.grad.numpy().tolist(), w.requires_grad))
    assert results[0] == results[1]
    with pytest.raises(TypeError, match="expected a Tensor"):
        ag.zeros(2).data = [1.0, 2.0]
