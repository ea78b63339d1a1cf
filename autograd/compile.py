"""`compile(fn)`: capture a training step once, then replay it as a flat list of numpy calls.

How it works, in three phases:

1. (No separate warm-up: parameters are re-read on every replay, so optimizers may create
   their state or move parameters into flat buffers during the captures.)
2. The first two calls run `fn` eagerly while a `Recorder` listens: the engine reports every
   primitive it applies (forward and backward alike, since rules are written in primitives),
   leaf gradients set or accumulated by the backward walk, in-place arithmetic done outside
   the graph, and the optimizer / zero_grad / scheduler calls (recorded as one host call
   each, replayed by calling them). Each array is labelled by where it comes from: an input
   argument, a live tensor (a parameter or buffer, re-read on every replay), the output of an
   earlier call, or a constant. The two tapes are compared: a constant whose value differs
   between them was computed from data outside the primitives (a mask made in Python) and
   would be frozen by a replay, so the step is left eager, with a warning that says why.
3. Later calls check the guards (argument shapes and dtypes, grad and anomaly mode, the
   train/eval flag and the absence of hooks on every module that ran, shape, dtype and
   requires_grad of every live tensor) and replay the tape: each primitive's numpy forward on
   the arrays of the current call, nothing else (no graph, no nodes, no Python model code).
   Results of the common primitives (ufuncs, matmul, linear, relu, sum) are written into
   buffers allocated once and reused (autograd/_replay.py says when that is safe).
   A failed guard captures again (up to `max_recaptures` times, then stays eager).
   Building the program leaves out what can't change a result: calls of pure primitives
   (the rule table's) whose result nothing reads, calls that repeat an earlier one on the
   same arrays (the second g * p of the gradient of p * p), and calls on constants alone
   (made once, when the program is built). After `_FUSE_AFTER` replays the program's calls
   are compiled into one Python function (one line per call: `_replay.fuse`).

The recorder keeps no array alive: it labels arrays through weak references, so the step's
temporaries are freed and their memory reused as in eager mode. Python's cyclic garbage
collector is paused during each capture call (the tapes would make it traverse thousands of
young objects again and again).

Host reads during capture (`.item()`, `float(t)`, `bool(t)` as in a Python `if`, `.tolist()`,
`.numpy()` of a computed tensor), backward hooks, and create_graph make the step stay eager
with a one-time warning that names the cause.

Differences from eager execution, all documented on `compile`: tensors returned by a replay
are copies outside the graph (no grad_fn); numpy floating-point warnings are silenced during
a replay; captures are per thread (another thread's ops never land in one), and one
compiled step serves one call at a time (a lock: concurrent calls of it wait their turn).
"""
import functools
import operator
import threading
import warnings
from threading import get_ident as _get_ident
from weakref import ref as _weakref

import numpy as np

from . import _collector, _replay
from ._quiet import IGNORE as _IGNORE, reset_errstate as _reset_errstate, \
    set_errstate as _set_errstate
from .grad_mode import _Process, _State
from .tensor import Tensor, _wrap

_IN, _LIVE, _SLOT, _CONST = "in", "live", "slot", "const"
# After this many replays, a program's closures are compiled into one function (see
# _replay.fuse): that costs about as much as a few replays, once, and saves the cost of a
# Python call per recorded call from then on.
_FUSE_AFTER = 16


class CaptureAbort(Exception):
    """Raised inside the recorder when a step can't be captured (the reason is the message)."""


class Recorder:
    """Listens to the engine during one call of the step and builds its tape."""

    def __init__(self, args):
        self.events = []            # ("op"|"set_grad"|"acc_grad"|"inplace"|"host", ...)
        # id(array) -> (ref, weak reference to the array); ref is (_IN, i) | (_LIVE, k) |
        # (_SLOT, k) | (_CONST, k). Arrays are not kept alive (the step's temporaries are
        # freed as in eager mode, and their memory reused): an entry counts only while its
        # weak reference still points to the array looked up, so a reused id is not
        # mistaken for the dead array's.
        self.where = {}
        self.live = []              # live tensors, in order of first use
        self.live_index = {}
        self.consts = []
        self.n_slots = 0
        self.modules = {}           # id(module) -> (module, training)
        self.abort = None
        self.paused = 0
        self.scope_seen = None
        self.value_guards = []      # (input index, fn, expected value, what)
        self.buffer_ids = set()     # id() of the buffers of the modules that ran
        self.args = args
        self.thread = _get_ident()      # the capturing thread
        # argument state before the call (a leaf argument's .grad decides set vs accumulate)
        self.arg_guard = [(a._data.shape, a._data.dtype, a._requires_grad, a.grad is None)
                          if isinstance(a, Tensor) else ("value", a) for a in args]
        for i, a in enumerate(args):
            if isinstance(a, Tensor):
                self._label(a._data, (_IN, i))

    def _label(self, arr, ref):
        try:
            self.where[id(arr)] = (ref, _weakref(arr))
        except TypeError:               # a numpy scalar: kept alive instead
            self.where[id(arr)] = (ref, lambda: arr)
        return ref

    def forget_arrays(self):
        """Drop the labels of arrays once the call is recorded: comparing tapes needs only
        the events, constants and live tensors (fewer objects for the collector to visit
        while the tape waits for the next capture)."""
        self.where = {}

    def lookup(self, arr):
        """The ref of `arr` if the capture has seen it, else None."""
        e = self.where.get(id(arr))
        if e is not None and e[1]() is arr:
            return e[0]
        return None

    def _new_slot(self, arr):
        k = self.n_slots
        self.n_slots += 1
        return self._label(arr, (_SLOT, k))

    def ref(self, arr, owner=None):
        """The ref of an array read by a recorded call (labelling it if new)."""
        r = self.lookup(arr)
        if r is not None:
            return r
        if owner is not None and owner._data is arr and owner.grad_fn is None \
                and (owner._requires_grad or id(owner) in self.buffer_ids):
            return self._live(owner)
        base = arr.base
        src = None if base is None else self.lookup(base)
        if src is not None and arr.flags.c_contiguous and arr.size == base.size \
                and base.flags.c_contiguous \
                and arr.__array_interface__["data"][0] == base.__array_interface__["data"][0]:
            # a reshaped view of a known array (nll_loss's flattened targets): a reshape
            ref = self._new_slot(arr)
            self.events.append(("view", src, arr.shape, ref))
            return ref
        k = len(self.consts)
        self.consts.append(arr)
        return self._label(arr, (_CONST, k))

    def _live(self, t):
        k = self.live_index.get(id(t))
        if k is None:
            k = self.live_index[id(t)] = len(self.live)
            self.live.append(t)
        return self._label(t._data, (_LIVE, k))

    def _ctx(self, ctx):
        out = []
        for c in ctx:
            if isinstance(c, np.ndarray):
                out.append(("arr", self.ref(c)))
            elif isinstance(c, tuple) and any(isinstance(x, np.ndarray) for x in c):
                out.append(("tuple", tuple(("arr", self.ref(x)) if isinstance(x, np.ndarray)
                                           else ("val", x) for x in c)))
            else:
                out.append(("val", c))
        return tuple(out)

    def _note_scope(self):
        s = _State.scope
        if s is self.scope_seen:
            return
        self.scope_seen = s
        while s is not None:
            m = s.module
            if m is not None and id(m) not in self.modules:
                if getattr(m, "_forward_hooks", None) or getattr(m, "_forward_pre_hooks", None):
                    self.fail(f"module {type(m).__name__} has forward hooks (Python code a "
                              f"replay would skip)")
                self.modules[id(m)] = (m, getattr(m, "training", None))
                # buffers (running statistics) are re-read on every replay, as parameters
                self.buffer_ids.update(id(b) for b in getattr(m, "_buffers", {}).values()
                                       if b is not None)
            s = s.parent

    # ----- the engine's reports -----------------------------------------------------------
    # Each report returns at once unless it comes from the capturing thread: while a single
    # thread captures, the engine calls its Recorder directly (see _capture_hooks).
    def op(self, prim, inputs, ctx, data):
        if self.paused or self.abort or _get_ident() != self.thread:
            return
        if _State.scope is not self.scope_seen:
            self._note_scope()
        where = self.where
        ins = []
        for t in inputs:                # (self.ref, inlined for the common case)
            d = t._data
            e = where.get(id(d))
            ins.append(e[0] if e is not None and e[1]() is d else self.ref(d, t))
        ctx = self._ctx(ctx) if ctx else ()
        k = self.n_slots                # (self._new_slot, inlined)
        self.n_slots = k + 1
        out = (_SLOT, k)
        try:
            where[id(data)] = (out, _weakref(data))
        except TypeError:
            self._label(data, out)
        self.events.append(("op", prim, tuple(ins), ctx, out, data.shape, data.dtype,
                            data.flags.c_contiguous))

    def leaf_grad(self, leaf, g, accumulate):
        if self.paused or self.abort or _get_ident() != self.thread:
            return
        src = self.ref(g._data)
        lref = next(((_IN, i) for i, a in enumerate(self.args) if a is leaf), None) \
            or self._live(leaf)
        if accumulate:
            self.events.append(("acc_grad", lref, src))
        else:
            self.events.append(("set_grad", lref, src, self._new_slot(leaf.grad._data)))

    def inplace(self, x, ufunc, other, alpha):
        if self.paused or self.abort or _get_ident() != self.thread:
            return
        xref = self.ref(x._data, x)
        oref = ("val", other) if not isinstance(other, np.ndarray) else ("arr", self.ref(other))
        self.events.append(("inplace", xref, ufunc, oref, alpha, x))

    def host_call(self, label, fn, args, kwargs):
        self.events.append(("host", label, fn, args, kwargs))

    def host_read(self, tensor, what):
        """A Tensor method hands values to Python (item, bool, tolist): the step can't be
        replayed if they are data of this call."""
        if self.paused or _get_ident() != self.thread:
            return
        ref = self.lookup(tensor._data)
        if ref is None or ref[0] == _SLOT or ref[0] == _IN:
            self.fail(f"{what} reads a tensor's value into Python during the step (a replay "
                      f"can't follow data-dependent Python code)")

    def fail(self, reason):
        if self.abort is None and _get_ident() == self.thread:
            self.abort = reason


# ----- hooks used by the rest of the library: autograd/_capture_hooks.py ------------------------
# (re-exported here, where nn/ and optim/ import them from)
from ._capture_hooks import (_current, _start_recording, _stop_recording,  # noqa: E402,F401
                             capturing, data_op, guard_value, note_op, recording, replayable,
                             uncapturable)


# ----- the program ---------------------------------------------------------------------------

def _same_value(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)
                and a.shape == b.shape and a.dtype == b.dtype
                and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    try:
        return bool(a == b) and type(a) is type(b)
    except Exception:
        return repr(a) == repr(b)


def _same_array(a, b):
    if a is b:
        return True
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape \
            and a.dtype == b.dtype and a.tobytes() == b.tobytes():
        return True
    return _same_value(a, b)            # -0.0 and 0.0, NaNs, scalars...


_PLAIN = frozenset((int, float, bool, str, complex, type(None), slice))


def _plain(v):
    """Whether `==` and the type tell all about the value `v` (no container of objects
    that compare by value, such as tensors)."""
    t = type(v)
    if t in _PLAIN:
        return True
    if t is tuple:
        return all(type(x) in _PLAIN for x in v)
    return isinstance(v, (np.dtype, type, np.ufunc, np.generic))


def _same_event(ea, eb):
    """The common case of `_compare`, fast: an op, reshape or gradient store that is equal
    as a tuple (constants are compared apart, by position) and whose values are plain and
    of the same types. False sends the pair to the thorough comparison."""
    kind = ea[0]
    if kind == "inplace" or kind == "host":
        return False
    try:
        if ea != eb:
            return False
    except Exception:                   # values whose == does not give a bool
        return False
    if kind == "op":
        for (k, va), (_, vb) in zip(ea[3], eb[3]):
            if k == "val":
                if type(va) is not type(vb) or not _plain(va):
                    return False
            elif k == "tuple":
                return False
    return True


def _compare(ta, tb):
    """None if the two tapes describe the same program, else the first difference."""
    if len(ta.events) != len(tb.events):
        return f"the two captures made {len(ta.events)} and {len(tb.events)} calls"
    if len(ta.consts) != len(tb.consts) or len(ta.live) != len(tb.live):
        return "the two captures read different tensors"
    if any(a is not b for a, b in zip(ta.live, tb.live)):
        return "the two captures read different parameters or buffers"
    # when every constant has the same value in both tapes, an event equal as a tuple reads
    # the same constants (same positions), so only the events `_same_event` can't settle
    # need the thorough comparison
    fast = all(map(_same_array, ta.consts, tb.consts))
    for i, (ea, eb) in enumerate(zip(ta.events, tb.events)):
        if fast and _same_event(ea, eb):
            continue
        if ea[0] != eb[0]:
            return f"call {i} differs ({ea[0]} vs {eb[0]})"
        if ea[0] == "host":
            if ea[1] != eb[1] or not _same_value(ea[3], eb[3]) or ea[4] != eb[4]:
                return f"call {i} ({ea[1]}) differs between the captures"
            continue
        if ea[0] == "view" and ea[2] != eb[2]:
            return f"call {i} (a reshape) differs between the captures"
        if ea[0] == "op" and (ea[1] is not eb[1] or ea[5] != eb[5] or ea[6] != eb[6]):
            return f"call {i} ({ea[1].name}) differs between the captures"
        if ea[0] == "inplace" and ea[2] is not eb[2]:
            return f"call {i} (an in-place update) differs between the captures"
        if not _same_struct(ea[1:5] if ea[0] == "inplace" else ea[1:], eb[1:5] if eb[0] ==
                            "inplace" else eb[1:], ta, tb):
            name = ea[1].name if ea[0] == "op" else ea[0]
            return (f"call {i} ({name}) reads a value that changed between the two captures "
                    f"but was computed outside the primitives (it would be frozen)")
    return None


def _same_struct(a, b, ta, tb):
    if isinstance(a, tuple) and len(a) == 2 and a and a[0] == _CONST:
        return (isinstance(b, tuple) and len(b) == 2 and b[0] == _CONST
                and _same_value(ta.consts[a[1]], tb.consts[b[1]]))
    if isinstance(a, tuple):
        return isinstance(b, tuple) and len(a) == len(b) and all(
            _same_struct(x, y, ta, tb) for x, y in zip(a, b))
    if isinstance(a, (np.dtype, type)) or hasattr(a, "forward"):
        return a == b
    if isinstance(a, Tensor):
        return a is b
    return _same_value(a, b)


class Call:
    """One call of a captured program, as `Program.calls` lists it (for printing and drawing).

    Attributes
    ----------
    kind : str
        ``"op"`` (a primitive's forward), ``"view"`` (a reshape), ``"set_grad"``,
        ``"acc_grad"`` (a leaf's gradient stored or accumulated), ``"inplace"`` (in-place
        arithmetic on an existing array) or ``"host"`` (a method called again on replay,
        such as ``optimizer.step``).
    name : str
        The primitive's name, or the host call's label (``"Adam.step"``).
    inputs : tuple of int
        The arrays it reads, as indices into the program's array table.
    output : int or None
        The array it produces or writes (None for a host call).
    shape : tuple of int or None
        The shape of that array.
    dtype : numpy.dtype or None
        Its dtype.
    buffer : int or None
        The preallocated buffer the output is written into (buffers are reused by later
        calls once their array is no longer needed); None when the call allocates.
    into_optimizer : bool
        True for a gradient that the last replay wrote straight into a fused optimizer's
        flat gradient array (learned on the first replay: False before it).
    """
    def __init__(self, kind, name, inputs, output, shape, dtype, buffer=None):
        self.kind, self.name, self.inputs, self.output = kind, name, inputs, output
        self.shape, self.dtype, self.buffer = shape, dtype, buffer
        self.alias = False
        self.target = None          # set_grad: the cell holding the optimizer's array
        self.pure = False           # a primitive of the rule table or a reshape
        self.key = None

    @property
    def into_optimizer(self):
        return self.target is not None and self.target[0] is not None

    def __repr__(self):
        return (f"Call({self.kind!r}, {self.name!r}, inputs={self.inputs}, "
                f"output={self.output}, shape={self.shape}, buffer={self.buffer})")


class Program:
    """A captured step: a flat list of calls over a table of numbered arrays.

    Built by `compile` from the two compared captures of a step; `CompiledStep.program`
    holds it. Printing it lists one line per call: the array written, the primitive and the
    arrays it reads, the result's shape and dtype, and the preallocated buffer it is written
    into (``[b3]``), if any.

    Parameters
    ----------
    rec : Recorder
        The tape of the second capture.
    args : tuple
        The arguments of the captured call.
    result : None, Tensor, or tuple or list of Tensor
        What the captured call returned.

    Attributes
    ----------
    calls : list of Call
        One entry per call, in order: kind, name, arrays read and written, shape, dtype and
        buffer.
    steps : list of callable
        The same calls as closures ``f(env, args)``, run in order by `run`.
    kinds : list of str
        Per array of the table: ``"input"``, ``"parameter"`` (a parameter or buffer, read
        afresh on every replay), ``"constant"`` or ``"computed"``.
    names : list of str
        Per array of the table, its printed name (``in0``, ``p1[16, 12]``, ``c0[]``, ``%12``).
    n_buffers : int
        How many preallocated buffers the replay reuses.
    dropped, repeated, folded : int
        How many captured calls the program leaves out: pure calls whose result nothing
        reads, calls repeating an earlier call on the same arrays (their readers read the
        first result), and calls on constants alone (made once, when the program is built;
        their results are the arrays of kind ``"constant"`` named ``%N``).
    lock : threading.Lock
        Held while a replay runs: the buffers serve one call at a time, and a call made
        meanwhile from another thread runs the step eagerly instead.

    Raises
    ------
    CaptureAbort
        The step returns something other than None, a tensor or a tuple/list of tensors, or
        a tensor that no recorded call computed.

    Notes
    -----
    Array numbering: inputs first, then parameters and buffers, then constants, then the
    outputs of the calls in order.
    """

    def __init__(self, rec, args, result):
        self.n_in = len(args)
        self.arg_guard = rec.arg_guard
        self.live = list(rec.live)
        self.live_guard = [(t._data.shape, t._data.dtype, t._requires_grad) for t in rec.live]
        self.consts = list(rec.consts)
        self.modules = list(rec.modules.values())
        self.value_guards = list(rec.value_guards)
        self.grad_enabled = _State.grad_enabled
        self.anomaly = _Process.anomaly
        base_live = self.n_in
        base_const = base_live + len(self.live)
        base_slot = base_const + len(self.consts)
        self.size = base_slot + rec.n_slots
        bases = {_IN: 0, _LIVE: base_live, _CONST: base_const, _SLOT: base_slot}

        def idx(ref):
            return bases[ref[0]] + ref[1]

        self.kinds = (["input"] * self.n_in + ["parameter"] * len(self.live)
                      + ["constant"] * len(self.consts)
                      + ["computed"] * rec.n_slots)
        meta = [None] * self.size           # (shape, dtype) of every array of the table
        for i, g in enumerate(self.arg_guard):
            if g[0] != "value":
                meta[i] = (g[0], g[1])
        for k, (shape, dtype, _) in enumerate(self.live_guard):
            meta[base_live + k] = (shape, dtype)
        for k, c in enumerate(self.consts):
            meta[base_const + k] = (np.shape(c), np.asarray(c).dtype)
        calls = [_decode(e, idx, meta, self._leaf) for e in rec.events]
        # A call repeating an earlier one (the same pure primitive on the same arrays, as
        # the two halves of the gradient of p * p) reads the earlier result instead.
        same = _repeats(calls)

        def ridx(ref):
            i = idx(ref)
            return same.get(i, i)
        self.result = _result_refs(rec, result, ridx)
        results = _flat_refs(self.result)
        # Calls of pure primitives on constants alone are made once, now; calls whose result
        # nothing reads (the loss of a step that returns None, a regularizer's value when its
        # gradient is computed apart) are dropped: a replay would throw them away.
        folded = _foldable(calls, results, self.kinds, same)
        kept = _needed_calls(calls, results, folded)
        self.repeated, self.folded = len(same), len(folded)
        self.dropped = len(calls) - len(kept) - len(same) - len(folded)
        template = [None] * self.size
        template[base_const:base_slot] = self.consts
        for n in sorted(folded):
            self._closure(calls[n], rec.events[n], _Plan(), ridx)(template, args)
            self.kinds[calls[n].output] = "constant"
        events = [rec.events[n] for n in kept]
        self.calls = calls = [calls[n] for n in kept]
        # The memory layout of each captured output: numpy gives an elementwise result the
        # layout of its inputs (a transposed input makes a Fortran-ordered result), and a
        # later reduction sums in memory order, so a C-ordered buffer in its place could
        # round differently. Only C-contiguous outputs get a buffer.
        for c, e in zip(calls, events):
            c.c_ordered = c.kind == "op" and e[7]
        plan = _plan_buffers(calls, self.size, results)
        self.n_buffers = plan.n_buffers
        self._pool_ids = set()
        self._targets = []                  # (cell, seen, shape, dtype) per targeted grad
        self.steps = [self._closure(c, e, plan, ridx) for c, e in zip(calls, events)]
        self._template = template
        self._base_live = base_live
        self._replays = 0
        self._fused = None                  # the steps as one function, once hot
        self.lock = threading.Lock()

    @functools.cached_property
    def names(self):
        """Per array of the table, its printed name (made on first use)."""
        return self._table_names()

    @property
    def lines(self):
        """The printed program, one line per call (without the header line)."""
        return [self._line(c) for c in self.calls]

    # ----- building -------------------------------------------------------------------------
    def _leaf(self, lref):
        """A parameter (the tensor itself) or an argument (its position, an int)."""
        return lref[1] if lref[0] == _IN else self.live[lref[1]]

    def _table_names(self):
        names = [f"%{i}" for i in range(self.size)]
        for i in range(self.n_in):
            names[i] = f"in{i}"
        for k, t in enumerate(self.live):
            names[self.n_in + k] = f"p{k}{list(t._data.shape)}"
        base = self.n_in + len(self.live)
        for k, c in enumerate(self.consts):
            names[base + k] = f"c{k}{list(np.shape(c))}"
        return names

    def _closure(self, call, event, plan, idx):
        kind = call.kind
        if kind == "op":
            _, prim, ins, ctx, out, shape, dtype, _ = event
            plain, subs = _ctx_of(ctx, idx)
            ins = call.inputs[:len(ins)]
            fwd_out = plan.out_forwards.get(call.output)
            buf = plan.buffer_of.get(call.output)
            if buf is not None:
                arr = plan.arrays[buf]
                self._pool_ids.add(id(arr))
                if isinstance(prim.forward, np.ufunc) and not plain:
                    return _replay.ufunc_call(prim.forward, ins, arr, call.output)
                return _replay.buffered_call(fwd_out, ins, plain, subs, arr, call.output)
            if call.output in plan.grad_sources:
                cell = plan.grad_sources[call.output]
                return _replay.targeted_call(prim.forward, fwd_out, ins, plain, subs, cell,
                                             call.output)
            if prim.view and len(ins) == 1 and not subs:
                return _replay.view_op_call(prim.forward, ins[0], plain, call.output)
            return _replay.op_call(prim.forward, ins, plain, subs, call.output)
        if kind == "view":
            _, src, shape, out = event
            return _replay.view_call(idx(src), shape, idx(out))
        if kind == "set_grad":
            _, lref, src, out = event
            cell = call.target
            seen = None
            if cell is not None:
                seen = [None]
                self._targets.append((cell, seen, call.shape, call.dtype))
            return _replay.set_grad_call(self._leaf(lref), idx(src), plan.alias[idx(src)],
                                         idx(out), self._pool_ids, cell, seen)
        if kind == "acc_grad":
            _, lref, src = event
            return _replay.acc_grad_call(self._leaf(lref), idx(src))
        if kind == "inplace":
            _, xref, ufunc, oref, alpha, owner = event
            is_arr = oref[0] == "arr"
            return _replay.inplace_call(idx(xref), ufunc, is_arr,
                                        idx(oref[1]) if is_arr else oref[1], alpha, owner)
        _, label, fn, args_, kwargs = event
        return _replay.host_call(fn, args_, kwargs)

    def _line(self, c):
        n = self.names
        buf = f"  [b{c.buffer}]" if c.buffer is not None else ""
        if c.kind == "op":
            shown = ", ".join(n[v] if k == "arr" else "(..)" if k == "tuple" else _short(v)
                              for k, v in c.parts)
            return f"{n[c.output]} = {c.name}({shown})  -> {tuple(c.shape)} {c.dtype}{buf}"
        if c.kind == "view":
            return f"{n[c.output]} = {n[c.inputs[0]]}.reshape({c.shape})"
        if c.kind == "set_grad":
            how = ("  (written into the optimizer's gradient buffer)" if c.into_optimizer
                   else "" if c.alias else ".copy()")
            return f"{n[c.leaf_index]}.grad = {n[c.inputs[0]]}{how}"
        if c.kind == "acc_grad":
            return f"{n[c.leaf_index]}.grad += {n[c.inputs[0]]}"
        if c.kind == "inplace":
            return c.shown_inplace(n)
        return f"{c.name}()  (host call: replayed by calling it)"

    # ----- running --------------------------------------------------------------------------
    def guards_hold(self, args):
        """Whether this program may replay a call with `args`.

        Parameters
        ----------
        args : tuple
            The positional arguments of the call.

        Returns
        -------
        bool
            True when the arguments' shapes, dtypes, ``requires_grad`` and gradient presence,
            grad and anomaly mode, every parameter's shape, dtype, ``requires_grad`` and
            hooks, every module's train/eval flag and hooks, and the values that the step
            branched on all match the capture.
        """
        if len(args) != self.n_in or _State.grad_enabled != self.grad_enabled \
                or _Process.anomaly != self.anomaly:
            return False
        for a, g in zip(args, self.arg_guard):
            if g[0] == "value":
                if isinstance(a, Tensor) or not _same_value(a, g[1]):
                    return False
            elif not isinstance(a, Tensor) or a._data.shape != g[0] or a._data.dtype != g[1] \
                    or a._requires_grad != g[2] or (a.grad is None) != g[3]:
                return False
        for t, (shape, dtype, rg) in zip(self.live, self.live_guard):
            d = t._data
            if d.shape != shape or d.dtype != dtype or t._requires_grad != rg or t._hooks:
                return False
        for i, fn, expected, _ in self.value_guards:
            if fn(args[i]._data) != expected:
                return False
        try:                            # modules have these attributes: the fast path
            for m, training in self.modules:
                if m.training != training or m._forward_hooks or m._forward_pre_hooks:
                    return False
        except AttributeError:
            for m, training in self.modules:
                if getattr(m, "training", None) != training \
                        or getattr(m, "_forward_hooks", None) \
                        or getattr(m, "_forward_pre_hooks", None):
                    return False
        return True

    def run(self, args):
        """Replay the program on `args` (the guards must hold: see `guards_hold`).

        Parameters
        ----------
        args : tuple
            The positional arguments of the call, as captured.

        Returns
        -------
        None, Tensor, or tuple or list of Tensor
            What the step returns, as fresh copies outside the graph.
        """
        env = self._template[:]
        for i, a in enumerate(args):
            if a.__class__ is not int and isinstance(a, Tensor):
                env[i] = a._data
        k = self._base_live
        for t in self.live:
            env[k] = t._data
            k += 1
        token = _set_errstate(_IGNORE)
        try:
            fused = self._fused
            if fused is not None:
                fused(env, args)
            else:
                for step in self.steps:
                    step(env, args)
                self._replays += 1
                if self._replays == _FUSE_AFTER:
                    self._fused = _replay.fuse(self.steps)
        finally:
            _reset_errstate(token)
        for cell, seen, shape, dtype in self._targets:
            _replay.learn_target(cell, seen, shape, dtype)
        return _rebuild(self.result, env)

    def __str__(self):
        notes = [f"{n} {what}" for n, what in (
            (self.dropped, "dropped: results unused"),
            (self.repeated, "repeated: their first result is read again"),
            (self.folded, "folded: computed once from constants")) if n]
        dropped = f" ({len(self.steps) + self.dropped + self.repeated + self.folded} calls " \
                  f"captured, {'; '.join(notes)})" if notes else ""
        head = [f"# {len(self.steps)} calls{dropped}; arrays: {self.n_in} inputs, {len(self.live)} "
                f"parameters/buffers (p*), {len(self.consts)} constants (c*), "
                f"{self.size - self.n_in - len(self.live) - len(self.consts)} computed (%*); "
                f"{self.n_buffers} preallocated buffers (b*)"]
        return "\n".join(head + self.lines)


def _ctx_of(ctx, idx):
    plain, subs = [], []
    for pos, (kind, v) in enumerate(ctx):
        if kind == "arr":
            plain.append(None)
            subs.append((pos, idx(v), None))
        elif kind == "tuple":
            plain.append(None)
            subs.append((pos, None, tuple((k, idx(x) if k == "arr" else x) for k, x in v)))
        else:
            plain.append(v)
    return tuple(plain), tuple(subs)


def _decode(e, idx, meta, leaf_of):
    """A tape event as a Call (with the extra fields the printer needs); fills `meta`."""
    kind = e[0]
    if kind == "op":
        _, prim, ins, ctx, out, shape, dtype, _ = e
        reads = [idx(r) for r in ins]
        parts = [("arr", i) for i in reads]
        in_dtypes = []
        for i in reads:
            m = meta[i]
            if m is None:
                in_dtypes = None
                break
            in_dtypes.append(m[1])
        vals = ()
        if ctx:
            vals = []
            for k, v in ctx:
                if k == "arr":
                    i = idx(v)
                    reads.append(i)
                    parts.append(("arr", i))
                elif k == "tuple":
                    reads.extend(idx(x) for kk, x in v if kk == "arr")
                    parts.append(("tuple", None))
                    vals = None
                else:
                    parts.append(("val", v))
                    if vals is not None:
                        vals.append((type(v), v))
            vals = None if vals is None else tuple(vals)
        o = idx(out)
        meta[o] = (shape, dtype)            # (the array's own shape tuple and dtype)
        c = Call("op", prim.name, tuple(reads), o, shape, dtype)
        c.n_ctx = len(ctx)
        c.n_ctx_arrays = len(reads) - len(ins)
        c.prim = prim
        c.parts = parts
        c.in_dtypes = in_dtypes
        c.pure = prim in _pure_primitives() or prim.forward.__class__ is np.ufunc
        # what makes two calls the same (None: a tuple argument, never merged)
        c.key = None if vals is None else (prim, tuple(k for k, _ in ctx), vals, shape, dtype)
        return c
    if kind == "view":
        _, src, shape, out = e
        s, o = idx(src), idx(out)
        meta[o] = (tuple(shape), meta[s][1] if meta[s] else None)
        c = Call("view", "reshape", (s,), o, tuple(shape), meta[o][1])
        c.pure = True
        c.key = ("view", c.shape)
        return c
    if kind == "set_grad":
        _, lref, src, out = e
        s, o = idx(src), idx(out)
        leaf = leaf_of(lref)
        dtype = (leaf._data.dtype if isinstance(leaf, Tensor) else None) or \
            (meta[s][1] if meta[s] else None)
        if lref[0] == _IN and meta[lref[1]]:
            dtype = meta[lref[1]][1]
        meta[o] = (meta[s][0] if meta[s] else None, dtype)
        c = Call("set_grad", "set_grad", (s,), o, meta[o][0], dtype)
        c.leaf_index = idx(lref)
        return c
    if kind == "acc_grad":
        _, lref, src = e
        c = Call("acc_grad", "acc_grad", (idx(src),), idx(lref), None, None)
        c.leaf_index = idx(lref)
        return c
    if kind == "inplace":
        _, xref, ufunc, oref, alpha, owner = e
        x = idx(xref)
        reads = (x, idx(oref[1])) if oref[0] == "arr" else (x,)
        fname = "copyto" if ufunc is None else ufunc.__name__
        m = meta[x] or (None, None)
        c = Call("inplace", fname, reads, x, m[0], m[1])
        other = oref

        def shown(n, x=x, other=other, fname=fname, alpha=alpha):
            o = n[idx(other[1])] if other[0] == "arr" else _short(other[1])
            return (f"np.{fname}({n[x]}, {o}{'' if alpha == 1 else f' * {alpha}'})  "
                    f"(in place)")
        c.shown_inplace = shown
        return c
    _, label, fn, args_, kwargs = e
    return Call("host", label, (), None, None, None)


_PURE = set()
_PURE_DONE = [False]


def _pure_primitives():
    """The primitives of the rule table (autograd/primitives.py): their forwards compute a
    new array from their arguments and do nothing else (no random draws, no writes). Made
    when this module is imported (if the rule table is loaded by then), else on first use."""
    if not _PURE_DONE[0]:
        from . import primitives
        _PURE.update(v for v in vars(primitives).values()
                     if isinstance(v, primitives.Primitive))
        _PURE_DONE[0] = not getattr(primitives.__spec__, "_initializing", False)
    return _PURE


def _readers(calls):
    """{array index: [indices of the calls reading it]}."""
    readers = {}
    for n, c in enumerate(calls):
        for i in c.inputs:
            r = readers.get(i)
            if r is None:
                readers[i] = [n]
            else:
                r.append(n)
    return readers


def _repeats(calls):
    """Merge the calls that repeat an earlier call of the same pure primitive on the same
    arrays and values (no in-place update, host call or gradient store in between): each
    later reader reads the first result instead (the calls' `inputs` are rewritten). Only
    results read by pure calls alone are merged (never an array that is updated in place,
    stored as a gradient or otherwise handed out). Returns {merged array: first array}."""
    handed_out = set()
    for c in calls:
        if not c.pure:
            handed_out.update(c.inputs)
    same, seen = {}, {}
    for c in calls:
        if same:
            ins = c.inputs
            for i in ins:
                if i in same:
                    c.inputs = tuple(same.get(i, i) for i in ins)
                    if c.kind == "op":
                        c.parts = [(k, same.get(v, v)) if k == "arr" else (k, v)
                                   for k, v in c.parts]
                    break
        if not c.pure:
            seen.clear()
            continue
        if c.key is None or c.output in handed_out:
            continue
        key = (c.key, c.inputs)
        try:
            first = seen.get(key)
            if first is None:
                seen[key] = c.output
            else:
                same[c.output] = first
        except TypeError:                   # a value that can't be hashed
            continue
    return same


def _foldable(calls, result_refs, kinds, merged):
    """Indices of the calls of pure primitives whose every input is a constant (or the
    result of such a call) and whose result is read only by pure calls (through views of
    it too): never updated in place, stored as a gradient or returned. Their results are
    the same on every replay. `merged`: the results of repeats merged away (not folded)."""
    written = {c.inputs[0] for c in calls if c.kind == "inplace"}
    constant = {i for i, k in enumerate(kinds) if k == "constant" and i not in written}
    if not any(c.pure and c.inputs and constant.issuperset(c.inputs) for c in calls):
        return set()
    readers = _readers(calls)
    safe = {}                               # array index -> read only by pure calls

    def is_safe(i):
        ok = safe.get(i)
        if ok is None:
            ok = i not in result_refs
            for n in readers.get(i, ()):
                r = calls[n]
                if not r.pure or ((r.kind == "view" or r.prim.view)
                                  and not is_safe(r.output)):
                    ok = False
                    break
            safe[i] = ok
        return ok
    folded = set()
    for n, c in enumerate(calls):
        if c.output not in merged and c.pure and c.inputs \
                and all(i in constant for i in c.inputs) and c.output not in written \
                and is_safe(c.output):
            folded.add(n)
            constant.add(c.output)
    return folded


def _needed_calls(calls, result_refs, skip=()):
    """Indices of the calls a replay must make (leaving out those in `skip`): every call
    with an effect (a gradient stored, an in-place update, a host call, a primitive outside
    the rule table, which may draw random numbers) and every call whose result one of them,
    or the step's result, reads."""
    needed = set(result_refs)
    kept = []
    for n in range(len(calls) - 1, -1, -1):
        c = calls[n]
        if n in skip or (c.output not in needed and c.pure):
            continue
        kept.append(n)
        needed.update(c.inputs)
    kept.reverse()
    return kept


class _Plan:
    """Which outputs get a pooled buffer (`buffer_of`: array index -> buffer number,
    `arrays`: the buffers), which are leaf gradients that may go straight into an optimizer's
    array (`grad_sources`: array index -> cell), and which set_grad sources are used once
    (`alias`)."""

    def __init__(self):
        self.buffer_of, self.arrays, self.out_forwards = {}, [], {}
        self.grad_sources, self.alias = {}, {}
        self.n_buffers = 0


def _plan_buffers(calls, size, result_refs):
    plan = _Plan()
    uses = [0] * size
    for c in calls:
        if c.kind in ("op", "set_grad", "acc_grad", "view"):
            for i in c.inputs:
                uses[i] += 1
        elif c.kind == "inplace":
            for i in c.inputs[1:]:
                uses[i] += 1
    for r in result_refs:
        uses[r] += 2
    for c in calls:
        if c.kind == "view":
            uses[c.inputs[0]] += 1          # a view keeps its source shared
    for c in calls:
        if c.kind == "set_grad":
            c.alias = plan.alias[c.inputs[0]] = uses[c.inputs[0]] == 1
    producer = {}
    for n, c in enumerate(calls):
        if c.kind == "op":
            producer[c.output] = n
            f = _replay.out_forward(c.prim, c.in_dtypes, c.n_ctx, c.dtype) \
                if c.in_dtypes is not None and c.c_ordered else None
            if f is not None:
                plan.out_forwards[c.output] = f
    # leaf gradients computed by an out-writing primitive and used only there
    for c in calls:
        if c.kind == "set_grad":
            s = c.inputs[0]
            if plan.alias[s] and s in plan.out_forwards and calls[producer[s]].dtype == c.dtype:
                c.target = plan.grad_sources[s] = [None]
    # lifetimes: the last call that reads an array, or a view that may share its memory
    end = len(calls)
    last = [-1] * size
    for n, c in enumerate(calls):
        for i in c.inputs:
            last[i] = n
        if c.kind == "inplace":
            last[c.output] = n
    for r in result_refs:
        last[r] = end
    for n in range(len(calls) - 1, -1, -1):
        c = calls[n]
        may_alias = (c.kind == "view" or c.kind == "set_grad"
                     or (c.kind == "op" and c.output not in plan.out_forwards))
        if may_alias and c.output is not None:
            for i in c.inputs:
                last[i] = max(last[i], last[c.output])
    free = {}
    for n, c in enumerate(calls):
        o = c.output
        if c.kind == "op" and o in plan.out_forwards and o not in plan.grad_sources \
                and last[o] != end:
            key = (c.shape, c.dtype)
            stack = free.get(key)
            if stack:
                b = stack.pop()
            else:
                b = len(plan.arrays)
                plan.arrays.append(np.empty(c.shape, c.dtype))
            plan.buffer_of[o] = b
            c.buffer = b
            if last[o] < n:                 # never read: free at once
                free.setdefault(key, []).append(b)
        # release the arrays whose last reader is this call
        for i in set(c.inputs):
            if last[i] == n and i in plan.buffer_of:
                free.setdefault((calls[producer[i]].shape, calls[producer[i]].dtype),
                                []).append(plan.buffer_of[i])
    plan.n_buffers = len(plan.arrays)
    return plan


def _short(v):
    s = repr(v)
    return s if len(s) <= 40 else s[:37] + "..."


def _result_refs(rec, result, idx):
    if result is None:
        return None
    if isinstance(result, Tensor):
        ref = rec.lookup(result._data)
        if ref is None:
            raise CaptureAbort("the step returns a tensor that no recorded call computed")
        return ("t", idx(ref))
    if isinstance(result, (tuple, list)):
        return ("seq", type(result), tuple(_result_refs(rec, r, idx) for r in result))
    raise CaptureAbort(f"the step returns a {type(result).__name__}; return tensors, a tuple "
                       f"of tensors, or None")


def _flat_refs(spec):
    if spec is None:
        return []
    if spec[0] == "t":
        return [spec[1]]
    return [r for s in spec[2] for r in _flat_refs(s)]


def _rebuild(spec, env):
    if spec is None:
        return None
    if spec[0] == "t":
        return _wrap(np.array(env[spec[1]], copy=True))
    return spec[1](_rebuild(s, env) for s in spec[2])


# ----- the user-facing object ------------------------------------------------------------------

class CompiledStep:
    """A step function wrapped by `compile`: call it like the function.

    The first two calls run the function eagerly while recording it; if the two records
    agree, later calls replay the recorded program (when its guards hold) instead of
    running the function.

    Parameters
    ----------
    fn : callable
        The step function. Its positional arguments are tensors (or other values that must
        be equal on every call); it returns None, a tensor, or a tuple/list of tensors.
    max_recaptures : int, optional
        How many times a failed guard (new input shapes, a module switched to eval mode,
        ...) may trigger a new capture before the step stays eager. Default 3.

    Attributes
    ----------
    program : Program or None
        The captured program (print it to see one line per call), or None before the
        capture is complete and when the step runs eagerly.
    mode : str
        ``"capture"`` (recording the next call), ``"replay"`` or ``"eager"``.
    reason : str or None
        Why the step runs eagerly, when it does.
    captures : int
        How many programs were built so far.

    See Also
    --------
    compile : makes a CompiledStep (also as a decorator).
    glassgrad.viz.draw_program : draws the captured program.

    Notes
    -----
    Calling with keyword arguments runs the function eagerly for that call. The tensors a
    replay returns are copies outside the graph (no ``grad_fn``).
    """

    def __init__(self, fn, max_recaptures=3):
        self.fn = fn
        self.max_recaptures = max_recaptures
        self.program = None
        self.mode = "capture"
        self.reason = None
        self.captures = 0
        self.mismatches = 0
        self._first = None
        self._warned = False
        self._lock = threading.RLock()
        self._identities = ()
        self.__wrapped__ = fn
        self.__name__ = getattr(fn, "__name__", "step")
        self.__doc__ = getattr(fn, "__doc__", None)

    def __call__(self, *args, **kwargs):
        with self._lock:
            return self._call_unlocked(*args, **kwargs)

    def _call_unlocked(self, *args, **kwargs):
        if kwargs:
            return self._eager_for("keyword arguments are not supported by the capture",
                                   args, kwargs, permanent=False)
        mode = self.mode
        if mode == "replay":
            program = self.program
            if _identities_hold(self._identities) and program.guards_hold(args):
                if program.lock.acquire(False):         # its buffers serve one call at a time
                    try:
                        return program.run(args)
                    finally:
                        program.lock.release()
                return self.fn(*args)       # replaying in another thread: this call eagerly
            if self.captures > self.max_recaptures:
                self._stay_eager("guards failed after the maximum number of recaptures")
                return self.fn(*args)
            self.mode, self.program, self._first = "capture", None, None
            return self._capture(args)
        if mode == "capture":
            return self._capture(args)
        return self.fn(*args)

    def _eager_for(self, reason, args, kwargs, permanent=True):
        if permanent:
            self._stay_eager(reason)
        return self.fn(*args, **kwargs)

    def _stay_eager(self, reason):
        self.mode, self.reason, self.program = "eager", reason, None
        if not self._warned:
            self._warned = True
            warnings.warn(f"glassgrad.compile: {self.__name__} runs eagerly from now on: "
                          f"{reason}", RuntimeWarning, stacklevel=5)

    def _capture(self, args):
        if recording() is not None:
            self._stay_eager("a compiled step was called while another one was capturing")
            return self.fn(*args)
        with _collector.paused():     # the tapes: thousands of small objects
            return self._capture_paused(args)

    def _capture_paused(self, args):
        rec = Recorder(args)
        _start_recording(rec)
        try:
            result = self.fn(*args)
        finally:
            _stop_recording()
        if rec.abort:
            self._stay_eager(rec.abort)
            return result
        if self._first is None:
            rec.forget_arrays()
            self._first = (rec, result)
            return result
        first, _ = self._first
        self._first = None
        diff = _compare(first, rec)
        if diff is not None:
            self.mismatches += 1
            if self.mismatches > self.max_recaptures:
                self._stay_eager(diff)
            else:                       # e.g. one odd batch: compare the next call with this
                rec.forget_arrays()
                self._first = (rec, result)
            return result
        try:
            self.program = Program(rec, args, result)
        except CaptureAbort as e:
            self._stay_eager(str(e))
            return result
        self._identities = _identities(self.fn, rec)
        self.captures += 1
        self.mode = "replay"
        return result


def _identities(fn, rec):
    """What a replay assumes is still the same object as during the capture: the objects the
    step function reaches by name (its closure cells and the globals it names: the model, the
    optimizer, a Python number), the modules, optimizers and tensors it reaches one level
    further (attributes of the object a bound-method step belongs to, values of a dict it
    reaches by name), and every parameter and buffer of the modules that ran. A replay calls
    the captured optimizer and reads the captured tensors, so rebinding `opt = Adam(...)`,
    `self.opt = ...`, `state["opt"] = ...` or assigning a new Parameter to a module must
    capture again.

    Returns (cells, globals dict, global names, (dict, key) slots, parameter/buffer dicts
    with their sizes, the objects expected, in the order `_current_objects` lists them)."""
    cells = tuple(getattr(fn, "__closure__", None) or ())
    g = getattr(fn, "__globals__", {})
    code = getattr(fn, "__code__", None)
    names = tuple(n for n in (code.co_names if code is not None else ()) if n in g)
    holders = [c.cell_contents for c in cells if _filled(c)] + [g[n] for n in names]
    owner = getattr(fn, "__self__", None)
    slots = []
    for d in ([vars(owner)] if hasattr(owner, "__dict__") else []) + \
            [h for h in holders if isinstance(h, dict) and h is not g]:
        slots += [(d, k) for k, v in d.items() if _holds_state(v)]
    dicts = []
    for m, _ in rec.modules.values():
        for d in (getattr(m, "_parameters", None), getattr(m, "_buffers", None)):
            if d:
                dicts.append((d, len(d)))
    ids = (cells, g, names, tuple(slots), tuple(dicts), None)
    return ids[:5] + (_current_objects(ids),)


def _holds_state(v):
    """A module, an optimizer or scheduler, or a tensor (duck-typed: autograd does not
    import nn or optim)."""
    return isinstance(v, Tensor) or hasattr(v, "_parameters") or hasattr(v, "param_groups") \
        or hasattr(v, "optimizer")


def _filled(cell):
    try:
        cell.cell_contents
        return True
    except ValueError:          # an empty cell
        return False


def _current_objects(ids):
    cells, g, names, slots, dicts, _ = ids
    objs = []
    for c in cells:
        try:
            objs.append(c.cell_contents)
        except ValueError:          # an empty cell
            objs.append(_EMPTY)
    objs += [g.get(n, _EMPTY) for n in names]
    objs += [d.get(k, _EMPTY) for d, k in slots]
    for d, n in dicts:
        if len(d) != n:
            return None
        objs += d.values()
    return objs


_EMPTY = object()


def _identities_hold(ids):
    if not ids:
        return True
    now = _current_objects(ids)
    return now is not None and all(map(_is, now, ids[5]))


_is = operator.is_


def compile(fn=None, *, max_recaptures=3):
    """Capture a training step once and replay it as a flat program of numpy calls.

    Usable as `step = gg.compile(step)` or as the decorator `@gg.compile`.

    Parameters
    ----------
    fn : callable
        The step: takes tensors (and, optionally, other hashable arguments that must be equal
        on every call) and does forward, backward, `optimizer.step()` and `zero_grad()`. It
        may return None, a tensor or a tuple/list of tensors.
    max_recaptures : int, optional
        How many times a failed guard may trigger a new capture before the step stays eager.
        Default 3.

    Returns
    -------
    CompiledStep
        Callable like `fn`. The first two calls run eagerly and are recorded (and compared),
        later calls replay the recorded program when the guards
        hold. `compiled.program` prints that program, one line per call.

    Notes
    -----
    Parameters after N replayed steps are identical bit for bit to N eager steps: a replay
    calls the same numpy functions on the same values. Differences from eager execution:
    tensors returned by a replay are copies outside the graph (no grad_fn, safe to keep);
    numpy floating-point warnings are silenced during a replay. Captures are per thread: ops run
    by other threads meanwhile are not recorded, and different compiled steps may capture and
    replay in different threads at once; calls of one compiled step from several threads are
    serialized by a lock (each call runs whole, capture or replay, before the next starts).
    A step that reads tensor values into Python (`.item()`, `if loss > 0:`), uses backward
    hooks or create_graph, or computes arrays outside the primitives that change from call
    to call (a mask drawn in Python) runs eagerly, with a one-time RuntimeWarning naming the
    cause. There is no counterpart in PyTorch 2.x other than `torch.compile`, which this
    resembles only in spirit (no code generation: the replay runs the same numpy kernels).

    A replay calls one small closure per recorded call (after 16 replays, one generated
    Python function with a line per call instead; compiling it costs about 10 us per call,
    once); the results of the common primitives are written into buffers allocated once
    and reused by later calls once their array is no longer needed, and with a
    ``fused=True`` optimizer each parameter's gradient is written straight into the
    optimizer's flat gradient array. Calls that can't change a result are left out of the
    program: pure primitives whose result nothing reads (the loss of a step that returns
    None), repeats of an earlier call on the same arrays, and calls on constants alone
    (made once). Python's cyclic garbage collector is paused during each capture call.

    Examples
    --------
    >>> from glassgrad import optim
    >>> w = gg.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = optim.SGD([w], lr=0.25)
    >>> @gg.compile
    ... def step():
    ...     opt.zero_grad()
    ...     loss = (w ** 2).sum()
    ...     loss.backward()
    ...     opt.step()
    ...     return loss
    >>> [step().item() for _ in range(4)]
    [5.0, 1.25, 0.3125, 0.078125]
    >>> step.mode
    'replay'
    >>> w.tolist()
    [0.0625, -0.125]
    """
    if fn is None:
        return lambda f: CompiledStep(f, max_recaptures)
    return CompiledStep(fn, max_recaptures)


_pure_primitives()          # a scan of the rule table, now rather than during a capture
