"""The cyclic GC pause shared by backward walks and compile captures (autograd/_collector.py)."""
import gc

import pytest

import glassgrad as gg
from glassgrad.autograd import _collector


def test_nested_pauses_restore_the_state_from_before_the_first():
    assert gc.isenabled()
    _collector.pause()
    _collector.pause()
    assert not gc.isenabled()
    _collector.resume()
    assert not gc.isenabled()
    _collector.resume()
    assert gc.isenabled()


def test_a_collector_switched_off_by_the_user_stays_off():
    gc.disable()
    try:
        with _collector.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_backward_inside_a_capture_and_a_failing_backward_leave_gc_on():
    w = gg.tensor([1.0, 2.0], requires_grad=True)

    def step():
        w.grad = None
        (w * w).sum().backward()
        assert not gc.isenabled()          # paused during the capture's calls
        return None
    compiled = gg.compile(step)
    for _ in range(4):
        compiled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError):
        gg.tensor([1.0]).sum().backward()  # no grad_fn: backward raises
    assert gc.isenabled()
