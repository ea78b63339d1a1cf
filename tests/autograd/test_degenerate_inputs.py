"""Size-0 inputs PyTorch accepts, pickling tensors with history, clear errors for bad
arguments, and repr of empty tensors, each against torch."""
import copy
import pickle

import numpy as np
import pytest

import glassgrad as gg

torch = pytest.importorskip("torch")


def _outcome(fn):
    try:
        out = fn()
    except Exception as e:      # noqa: BLE001 - the exception type is what is compared
        return type(e).__name__
    return tuple(out.shape)


@pytest.mark.parametrize("shape", [(0, 3), (3, 0), (0,), (2, 0, 3)])
@pytest.mark.parametrize("op", ["amax", "amin", "max", "min"])
def test_extremes_of_tensors_with_a_size0_dim_match_torch(shape, op):
    for dim in [None] + list(range(-len(shape), len(shape))):
        def ours():
            x = gg.zeros(*shape, requires_grad=True)
            r = getattr(x, op)() if dim is None else getattr(x, op)(dim)
            r = r.values if op in ("max", "min") and dim is not None else r
            r.sum().backward()
            assert x.grad.shape == shape
            return r

        def theirs():
            x = torch.zeros(*shape)
            r = getattr(x, op)() if dim is None else getattr(x, op)(dim)
            return r.values if op in ("max", "min") and dim is not None else r
        expected = _outcome(theirs)
        got = _outcome(ours)
        if expected == "IndexError" or expected == "RuntimeError":
            assert got in ("IndexError", "RuntimeError"), (shape, dim, got)
        else:
            assert got == expected, (shape, dim, got, expected)


@pytest.mark.parametrize("shape, dim", [((3, 0), 1), ((0, 3), 1), ((0, 3), 0), ((2, 0, 4), 1)])
def test_log_softmax_and_softmax_over_empty_dims(shape, dim):
    x = gg.zeros(*shape, requires_grad=True)
    for fn in (gg.log_softmax, gg.softmax):
        out = fn(x, dim)
        assert out.shape == tuple(getattr(torch, fn.__name__)(torch.zeros(*shape), dim).shape)
        out.sum().backward()
        assert x.grad.shape == shape


def test_pickling_drops_history_and_keeps_requires_grad_as_torch():
    x = gg.ones(2, requires_grad=True)
    x.grad = gg.ones(2)
    y = x * 2
    for t in (x, y, y[0:1]):
        back = pickle.loads(pickle.dumps(t))
        assert back.is_leaf and back.requires_grad and back.grad is None
        np.testing.assert_array_equal(back.numpy(), t.numpy())
        assert back.numpy() is not t.numpy()
    back = pickle.loads(pickle.dumps(gg.tensor([1, 2])))
    assert back.dtype == gg.int64 and not back.requires_grad
    p = pickle.loads(pickle.dumps(gg.nn.Parameter(gg.ones(2), requires_grad=False)))
    assert isinstance(p, gg.nn.Parameter) and not p.requires_grad
    # the unpickled tensor is a working leaf
    back = pickle.loads(pickle.dumps(y))
    (back * 3).sum().backward()
    np.testing.assert_array_equal(back.grad.numpy(), [3.0, 3.0])


def test_deepcopy_as_torch_keeps_a_leafs_grad_and_refuses_non_leaves():
    x = gg.ones(2, requires_grad=True)
    x.grad = gg.full((2,), 5.0)
    twin = copy.deepcopy(x)
    assert twin.requires_grad and twin.grad is not x.grad
    np.testing.assert_array_equal(twin.grad.numpy(), [5.0, 5.0])
    with pytest.raises(RuntimeError, match="leaves"):
        copy.deepcopy(x * 2)


def test_arange_with_zero_step_is_a_clear_error():
    # PyTorch raises RuntimeError("step must be nonzero"), not a bare ZeroDivisionError
    with pytest.raises(RuntimeError, match="arange: step must be nonzero"):
        gg.arange(0, 3, 0)
    with pytest.raises(RuntimeError, match="arange"):
        gg.arange(0.0, 1.0, 0.0)


@pytest.mark.parametrize("make", [
    lambda m: m.zeros(0, 3), lambda m: m.zeros(2, 0), lambda m: m.zeros(0),
    lambda m: m.zeros(0, 3, dtype=m.float64), lambda m: m.zeros(0, dtype=m.int32),
    lambda m: m.tensor([], dtype=m.int64), lambda m: m.tensor([], dtype=m.bool),
    lambda m: m.zeros(2, 0, requires_grad=True), lambda m: m.tensor([1, 2]),
    lambda m: m.tensor([True, False]), lambda m: m.tensor([2.0], dtype=m.float64),
])
def test_repr_shows_size_and_dtype_as_torch(make):
    ours, theirs = repr(make(gg)), repr(make(torch)).replace("torch.", "")
    assert ours.replace(" ", "") == theirs.replace(" ", "")
