"""The hooks through which the rest of the library talks to a step capture in progress
(`glassgrad.compile`): reporting ops computed outside `engine.apply`, non-differentiable
primitives for values derived from data, giving up on data-dependent paths, value guards and
host calls. Kept apart from compile.py so that the rule table (primitives.py) can use them
without importing the replay machinery, which itself reads the rule table."""
import threading

import numpy as np

from . import _capture, engine
from .tensor import _wrap

_IN = "in"      # compile.Recorder's label of an array that is an argument of the step


# ----- hooks used by the rest of the library ---------------------------------------------------
#
# Captures are per thread. While no thread captures, engine._recorder is None (the one global
# read of the hot path). While one thread does, it is that thread's Recorder, which ignores the
# reports of every other thread (it checks the thread id); while several do, it is
# _THIS_THREAD, which hands each report to the capturing Recorder of the reporting thread, if
# any: ops run by other threads never land in a capture.

_local = threading.local()
_active_lock = threading.Lock()
_active = []            # the Recorders capturing now, one per thread


def _current():
    """This thread's Recorder, or None."""
    return getattr(_local, "rec", None)


class _ThisThread:
    """Stands for 'the Recorder of whichever thread reports' in engine._recorder and
    _capture.recorder while at least one thread captures."""
    __slots__ = ()

    def op(self, prim, inputs, ctx, data):
        rec = getattr(_local, "rec", None)
        if rec is not None:
            rec.op(prim, inputs, ctx, data)

    def leaf_grad(self, leaf, g, accumulate):
        rec = getattr(_local, "rec", None)
        if rec is not None:
            rec.leaf_grad(leaf, g, accumulate)

    def inplace(self, x, ufunc, other, alpha):
        rec = getattr(_local, "rec", None)
        if rec is not None:
            rec.inplace(x, ufunc, other, alpha)

    def host_read(self, tensor, what):
        rec = getattr(_local, "rec", None)
        if rec is not None:
            rec.host_read(tensor, what)

    def fail(self, reason):
        rec = getattr(_local, "rec", None)
        if rec is not None:
            rec.fail(reason)


_THIS_THREAD = _ThisThread()


def _route():
    n = len(_active)
    engine._recorder = _capture.recorder = (None if n == 0 else _active[0] if n == 1
                                            else _THIS_THREAD)


def _start_recording(rec):
    _local.rec = rec
    rec.thread = threading.get_ident()
    with _active_lock:
        _active.append(rec)
        _route()


def _stop_recording():
    rec = _local.rec
    _local.rec = None
    with _active_lock:
        if rec in _active:
            _active.remove(rec)
        _route()


def recording():
    """The Recorder capturing a step in this thread, or None (the common case)."""
    if engine._recorder is None:
        return None
    return _current()


def capturing():
    """True while this thread captures a step (and the capture is not paused): library code
    then takes its general path where eager code would take a shortcut decided by the data
    (a mask that is all False this time), so that the recorded program holds for any data."""
    if engine._recorder is None:
        return False
    rec = _current()
    return rec is not None and not rec.paused


def note_op(prim, inputs, ctx, data):
    """Report to a capture in progress an op computed outside `engine.apply` (no graph: a
    comparison, argmax, a cast to an integer dtype): a replay then calls `prim.forward(*arrays
    of inputs, *ctx)` again. `data` is the array the op returned. Costs one global read when
    nothing captures."""
    rec = engine._recorder
    if rec is not None:
        rec.op(prim, inputs, ctx, data)


def _no_gradient(n, g):
    return (None,) * len(n.next)


def data_op(name, forward, rule):
    """A non-differentiable primitive for values that library code derives from tensors'
    data (max-pool's winning taps, dropout's mask, a gradient's mask): computing them through
    it makes a captured step recompute them on every replay instead of freezing them.

    forward(*arrays, *ctx) -> ndarray. Returns call(inputs, *ctx) -> Tensor (outside the
    graph: the result never requires grad; no node is made, so it costs a numpy call, a
    tensor and one global read)."""
    prim = engine.Primitive(name, forward, _no_gradient, rule=rule)

    def call(inputs, *ctx):
        data = forward(*[t._data for t in inputs], *ctx)
        if data.__class__ is not np.ndarray:
            data = np.asarray(data)
        rec = engine._recorder
        if rec is not None:
            rec.op(prim, inputs, ctx, data)
        return _wrap(data)
    call.primitive = prim
    return call


def uncapturable(reason):
    """Called by library code on a path that derives arrays from data outside the primitives
    (which a replay would freeze): a capture in progress gives up, naming `reason`."""
    if engine._recorder is None:
        return
    rec = _current()
    if rec is not None and not rec.paused:
        rec.fail(reason)


def guard_value(array, fn, expected, what):
    """Called where library code branches in Python on the values of an input (nll_loss asks
    whether any target is ignore_index), before taking the branch that `expected` (the
    value of `fn(array)` now) selects.

    Returns True when that branch may be taken: nothing captures, or `array` is an argument
    of the captured step, in which case a replay checks `fn(array) == expected` on each
    call's array before running, and captures again if not. Returns False when `array` was
    computed during the step (no replay could check it before running): the caller must
    take a path that holds for any values. `what` names the check for messages."""
    rec = recording()
    if rec is None or rec.paused:
        return True
    ref = rec.lookup(array)
    if ref is None or ref[0] != _IN:
        return ref is None      # an array the capture never saw: a constant of the step
    rec.value_guards.append((ref[1], fn, expected, what))
    return True


def replayable(label):
    """Decorator for methods that act outside the graph on live state.

    Used on ``optimizer.step``, ``zero_grad`` and ``scheduler.step``: during a capture by
    `compile`, a call of the decorated method is recorded as one host call, and a replay
    calls the method again with the same arguments; the operations inside it are not
    recorded. Outside a capture the method runs unchanged.

    Parameters
    ----------
    label : str
        What the method does, used in the message when it cannot be captured (a closure
        argument), e.g. ``"step"``.

    Returns
    -------
    callable
        A decorator: takes the method and returns its recording wrapper (with the method's
        name and docstring, and the method as ``__wrapped__``).
    """
    def wrap(method):
        def inner(self, *args, **kwargs):
            rec = recording()
            if rec is None:
                return method(self, *args, **kwargs)
            if any(callable(a) for a in args) or any(callable(v) for v in kwargs.values()):
                rec.fail(f"{type(self).__name__}.{label}() with a closure can't be captured")
            rec.host_call(f"{type(self).__name__}.{method.__name__}",
                          method.__get__(self), args, kwargs)
            rec.paused += 1
            try:
                return method(self, *args, **kwargs)
            finally:
                rec.paused -= 1
        inner.__name__, inner.__qualname__ = method.__name__, method.__qualname__
        inner.__doc__ = method.__doc__
        inner.__wrapped__ = method
        return inner
    return wrap
