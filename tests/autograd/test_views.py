"""PyTorch's view semantics, with torch as the oracle: a view remembers its base and how it
was taken; an in-place op on a view rebases the base's history (CopySlices) and an in-place
op on the base is seen by views taken before it. Values and gradients must match torch."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad import autograd as ag

torch = pytest.importorskip("torch")

X = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
W = np.array([0.3, -0.6, 0.9])


def _base_then_view(lib, x, w):         # issue 11, reproducer 1
    y = x * 2
    v = y[0]
    y.mul_(3)
    return v.sum() + (v * w).sum()


def _into_plain_buffer(lib, x, w):      # issue 11, reproducer 2
    buf = lib.zeros(4, dtype=x.dtype)
    row = buf[0:3]
    row += w
    return (buf * 3).sum() + (x * 0).sum()


def _setitem_on_view(lib, x, w):
    y = x * 1
    v = y[1]
    v[0:2] = w[1:]
    return (y * y).sum()


def _view_of_view(lib, x, w):
    y = x * 1
    v = y.reshape(6)[1:5].view(2, 2)
    v.mul_(w[0:2])
    return (y * x).sum() + v.sum()


def _transpose_view(lib, x, w):
    y = x * x
    t = y.t() if lib is torch else y.T
    t[0].add_(w[0:2])
    return (y * 2).sum() + t.sum()


def _permute_and_unsqueeze(lib, x, w):
    y = x + 1
    v = y.unsqueeze(0).permute(2, 0, 1)     # (3, 1, 2)
    v[1].mul_(w[2])
    return (y ** 2).sum()


def _squeeze_view(lib, x, w):
    y = (x * 3).reshape(1, 2, 3)
    s = y.squeeze(0)
    s[:, 1].sub_(w[0:2])
    return (y.sin()).sum() + (s * s).sum()


def _two_views_one_write(lib, x, w):
    y = x * 1
    a = y[0]
    b = y[:, 1]
    a.mul_(w)
    return (b * b).sum() + a.sum()


def _write_base_use_two_views(lib, x, w):
    y = x * x
    a, b = y[0], y[1, 1:]
    y.add_(w)
    y.mul_(2)
    return (a * b[0]).sum() + (b ** 2).sum()


def _chain_of_inplace_on_views(lib, x, w):
    y = x.clone()
    for i in range(2):
        y[i].mul_(w)
        y[i, 0:2].add_(y[1 - i, 1:])
    return (y * y).sum()


def _zero_fill_copy_on_views(lib, x, w):
    y = x * 1
    y[0].zero_()
    y[1, 0:1].fill_(4.0)
    y[1, 1:].copy_(w[0:2])
    return (y * x).sum()


def _copy_broadcast_and_cast(lib, x, w):
    y = lib.zeros(2, 3, dtype=lib.float32)
    y.copy_(w)                              # float64 into float32, broadcast over rows
    return (y.double() * x).sum() if lib is torch else (y.to(ag.float64) * x).sum()


def _clone_zero_cuts_history(lib, x, w):
    y = x.clone()
    y.zero_()
    return (y + w).sum()


def _inplace_on_base_after_view_of_view(lib, x, w):
    y = x * 1
    v = y[:, 1:][0]
    y.div_(w[0] + 2)
    return (v * v).sum()


def _setitem_with_tensor_through_reshape(lib, x, w):
    y = (x * 1).reshape(3, 2)
    y[1:] = w[0:2] * 2
    return (y.exp()).sum()


def _second_order(lib, x, w):
    y = x * w
    v = y[0]
    v.mul_(v)
    grad = torch.autograd.grad if lib is torch else ag.grad
    g, = grad((y * y).sum(), x, create_graph=True)
    return (g * g).sum()


def _saved_output_changed_through_a_view(lib, x, w):
    y = x.exp()                 # exp saves its output: both libraries raise at backward
    y[0].mul_(w)
    return y.sum()


def _saved_input_changed_through_the_base(lib, x, w):
    y = x * 1
    v = y[1]
    s = (v * w).sum()           # mul saves v
    y.add_(1.0)
    return s


CASES = [_base_then_view, _into_plain_buffer, _setitem_on_view, _view_of_view,
         _transpose_view, _permute_and_unsqueeze, _squeeze_view, _two_views_one_write,
         _write_base_use_two_views, _chain_of_inplace_on_views, _zero_fill_copy_on_views,
         _copy_broadcast_and_cast, _clone_zero_cuts_history,
         _inplace_on_base_after_view_of_view, _setitem_with_tensor_through_reshape,
         _second_order, _saved_output_changed_through_a_view,
         _saved_input_changed_through_the_base]


def _run(lib, fn):
    x = lib.tensor(X.copy(), requires_grad=True)
    w = lib.tensor(W.copy(), requires_grad=True)
    try:
        out = fn(lib, x, w)
        out.backward()
    except RuntimeError as e:
        return "error", str(e)
    grads = [t.grad.numpy().copy() if t.grad is not None else None for t in (x, w)]
    return out.detach().numpy().copy(), grads


@pytest.mark.parametrize("fn", CASES, ids=[f.__name__.strip("_") for f in CASES])
def test_view_and_inplace_programs_match_torch(fn):
    got_value, got_grads = _run(ag, fn)
    want_value, want_grads = _run(torch, fn)
    if want_value == "error" or got_value == "error":
        assert got_value == want_value, (got_grads, want_grads)
        assert "modified by an in-place operation" in got_grads
        return
    np.testing.assert_allclose(got_value, want_value, rtol=1e-6, atol=1e-12)
    for g, t in zip(got_grads, want_grads):
        if t is None:
            assert g is None or not g.any()
        else:
            assert g is not None
            np.testing.assert_allclose(g, t, rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("make", [
    lambda lib, w: w[0:2],
    lambda lib, w: w.view(3, 1),
    lambda lib, w: w.unsqueeze(0),
])
def test_inplace_on_a_view_of_a_leaf_requiring_grad_raises_as_in_torch(make):
    for lib in (ag, torch):
        w = lib.tensor(W.copy(), requires_grad=True)
        with pytest.raises(RuntimeError, match="leaf"):
            make(lib, w).mul_(2.0)
    w = ag.tensor(W.copy(), requires_grad=True)
    with ag.no_grad():
        make(ag, w).mul_(2.0)               # allowed without the graph, as in torch
    assert w.is_leaf and w.requires_grad


def test_views_share_the_version_counter_and_remember_their_base():
    y = ag.zeros(2, 3)
    v = y[0].reshape(3, 1)
    assert v._base is y and v._version == y._version == 0
    v.add_(1.0)
    assert y._version == 1 and y.numpy()[0].tolist() == [1.0, 1.0, 1.0]


def test_an_int_index_down_to_0d_is_a_view():
    for lib in (ag, torch):
        c = lib.tensor([1.0, 2.0]) * 1
        v = c[1]
        v.mul_(3.0)
        assert c.numpy().tolist() == [1.0, 6.0]
        e = lib.tensor(2.0) * 1
        e.unsqueeze(0)[0].add_(1.0)
        assert e.item() == 3.0


def test_a_reshape_that_copies_is_not_a_view():
    y = ag.tensor(X.copy(), requires_grad=True) * 1
    r = y.T.reshape(6)          # needs a copy
    r.mul_(0.0)
    assert np.all(y.numpy() == X)
    (y.sum() + r.sum()).backward()


def test_grad_fn_of_a_view_follows_its_rebased_base():
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    v = y[1:]
    before = v.grad_fn
    y.mul_(3)
    assert v.grad_fn is not before and v.grad_fn.next_functions[0][0] is y.grad_fn


def test_a_view_taken_under_no_grad_stays_out_of_the_graph():
    p = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with ag.no_grad():
        v = p[0:2]
        p.mul_(2.0)                     # e.g. an optimizer step
    assert not v.requires_grad and v.grad_fn is None
    y = p * 1
    with ag.no_grad():
        u = y[1:]
    y.mul_(2.0)
    assert not u.requires_grad and u.grad_fn is None


def test_inplace_with_grad_on_a_view_taken_under_no_grad_raises_as_in_torch():
    for lib in (ag, torch):
        y = lib.tensor([1.0, 2.0, 3.0], requires_grad=True) * 1
        with lib.no_grad():
            v = y[0:2]
        with pytest.raises(RuntimeError, match="no_grad mode"):
            v.mul_(2.0)


def test_an_earlier_view_of_a_plain_buffer_joins_the_graph_after_the_buffer_is_rebased():
    out = []
    for lib in (ag, torch):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        buf = lib.zeros(4)
        tail = buf[1:]
        buf[0:2] = w * 3
        assert tail.requires_grad
        (tail * tail).sum().backward()
        out.append(w.grad.numpy().tolist())
    assert out[0] == out[1]


@pytest.mark.parametrize("take", [
    lambda m, y: y.diagonal(), lambda m, y: y.narrow(1, 1, 2), lambda m, y: y.select(0, 1),
    lambda m, y: y.movedim(0, 1), lambda m, y: y.unflatten(1, (2, 2)), lambda m, y: y.t(),
    lambda m, y: y.swapaxes(0, 1)], ids=["diagonal", "narrow", "select", "movedim",
                                         "unflatten", "t", "swapaxes"])
def test_views_of_the_newer_view_ops_follow_torch(take):
    torch = pytest.importorskip("torch")
    grads = []
    for m in (torch, gg):
        x = m.tensor(np.arange(16.0).reshape(4, 4) / 10, dtype=m.float64, requires_grad=True)
        w = m.tensor(np.linspace(1, 2, 16).reshape(4, 4), dtype=m.float64)
        y = x * 2
        take(m, y).mul_(3)                  # in-place on the view rebases the base
        (y * w).sum().backward()
        grads.append(x.grad.numpy().copy())
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-12)
