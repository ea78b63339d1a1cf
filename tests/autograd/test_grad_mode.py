"""Grad mode (no_grad, enable_grad, set_grad_enabled as contexts, decorators and calls),
detach, and detect_anomaly (forward and backward, context and decorator)."""
import numpy as np
import pytest

from glassgrad import autograd as ag


def test_no_grad_context_records_nothing():
    x = ag.tensor([1.0], requires_grad=True)
    with ag.no_grad():
        y = x * 2.0
        assert not ag.is_grad_enabled()
    assert ag.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None


def test_no_grad_decorator_keeps_name_and_restores_mode():
    x = ag.tensor([1.0], requires_grad=True)

    @ag.no_grad()
    def double(t):
        """doc"""
        return t * 2.0
    assert double.__name__ == "double" and double.__doc__ == "doc"
    assert not double(x).requires_grad
    assert ag.is_grad_enabled()


def test_mode_restored_after_exception():
    with pytest.raises(ValueError):
        with ag.no_grad():
            raise ValueError("boom")
    assert ag.is_grad_enabled()

    @ag.no_grad()
    def fail():
        raise KeyError("x")
    with pytest.raises(KeyError):
        fail()
    assert ag.is_grad_enabled()


def test_enable_grad_inside_no_grad_context_and_decorator():
    x = ag.tensor([1.0], requires_grad=True)

    @ag.enable_grad()
    def record(t):
        return t * 2.0
    with ag.no_grad():
        with ag.enable_grad():
            assert (x * 2.0).requires_grad
        assert not (x * 2.0).requires_grad
        assert record(x).requires_grad
        assert not ag.is_grad_enabled()


def test_set_grad_enabled_context_call_and_decorator():
    x = ag.tensor([1.0], requires_grad=True)
    with ag.set_grad_enabled(False):
        assert not (x * 2.0).requires_grad
    assert ag.is_grad_enabled()
    with ag.no_grad():
        with ag.set_grad_enabled(True):
            assert (x * 2.0).requires_grad
    ag.set_grad_enabled(False)       # as a plain call it switches immediately
    try:
        assert not ag.is_grad_enabled()
    finally:
        ag.set_grad_enabled(True)
    assert ag.is_grad_enabled()

    @ag.set_grad_enabled(False)
    def f(t):
        return t * 2.0
    assert ag.is_grad_enabled()      # decorating does not change the mode
    assert not f(x).requires_grad


def test_backward_inside_no_grad_still_computes_gradients():
    x = ag.tensor([3.0], requires_grad=True)
    y = (x * x).sum()
    with ag.no_grad():
        y.backward()
    assert x.grad.item() == 6.0


def test_detach_shares_memory_and_leaves_the_graph():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2.0
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    assert np.shares_memory(d.numpy(), y.numpy())
    d.numpy()[0] = 100.0
    assert y.numpy()[0] == 100.0
    assert np.shares_memory(x.data.numpy(), x.numpy()) and not x.data.requires_grad
    z = (d * x).sum()
    z.backward()
    assert x.grad.numpy().tolist() == [100.0, 4.0]


def test_detach_shares_the_version_counter():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1.0
    s = y.sin()
    y.detach().zero_()
    with pytest.raises(RuntimeError, match="op 'sin'"):
        s.sum().backward()


# ----- detect_anomaly ------------------------------------------------------------------------


def test_anomaly_forward_names_the_op():
    x = ag.tensor([-1.0, 1.0], requires_grad=True)
    with ag.detect_anomaly():
        assert ag.is_anomaly_enabled()
        with pytest.raises(RuntimeError, match=r"detect_anomaly: op 'log' produced nan"):
            x.log()
        with pytest.raises(RuntimeError, match=r"op 'div' produced inf"):
            x / ag.tensor([0.0, 1.0])
    assert not ag.is_anomaly_enabled()


def test_anomaly_checks_ops_outside_the_graph_too():
    """A NaN made by a tensor that needs no gradient (data preparation, a mask) counts too."""
    with ag.detect_anomaly():
        with pytest.raises(RuntimeError, match=r"op 'log' produced nan"):
            ag.tensor([-1.0]).log()
        with ag.no_grad(), pytest.raises(RuntimeError, match=r"op 'sqrt' produced nan"):
            ag.tensor([-4.0], requires_grad=True).sqrt()


def test_anomaly_reports_the_first_op_only():
    """An op fed with NaN is not blamed: the first producer already was."""
    x = ag.tensor([-1.0], requires_grad=True)
    bad = x.log()                   # outside the anomaly block: nan slips through
    with ag.detect_anomaly():
        y = bad * 2.0 + 1.0         # propagates nan, produced nothing new
    assert np.isnan(y.numpy()).all()


def test_anomaly_backward_names_the_op():
    x = ag.tensor([0.0, 4.0], requires_grad=True)
    with ag.detect_anomaly():
        y = x.sqrt().sum()          # finite forward
        with pytest.raises(RuntimeError, match=r"'SqrtBackward0' \(op 'sqrt'\) returned inf "
                                               r"values in its gradient for input 0"):
            y.backward()


def test_anomaly_decorator():
    @ag.detect_anomaly()
    def f(t):
        return (t * 0.0).log()
    with pytest.raises(RuntimeError, match="op 'log' produced inf"):
        f(ag.tensor([1.0], requires_grad=True))
    assert not ag.is_anomaly_enabled()


def test_without_anomaly_mode_nan_passes_silently():
    x = ag.tensor([-1.0], requires_grad=True)
    y = x.log()
    y.sum().backward()
    assert np.isnan(y.numpy()).all() and x.grad.item() == -1.0
