"""The graph: nodes recorded by ops, and the reverse walk that turns them into gradients.

A Node refers to what it needs, never back to the tensor it produced: its `next` edges
(the nodes of its inputs, or the leaf tensors themselves), the input tensors its rule reads,
and, for rules that read their own output (exp, tanh, ...), that output's ndarray, which it
wraps into a fresh tensor whose grad_fn is the node when the rule runs. So a graph has no
reference cycles and is freed by reference counting as soon as the user drops it.
"""
import itertools
import threading

import numpy as np

from . import _collector
from .grad_mode import _Process, _State
from .tensor import RemovableHandle, Tensor, _wrap  # noqa: F401 (RemovableHandle: re-exported)
from ._quiet import quiet, set_errstate as _set_errstate, reset_errstate as _reset_errstate, \
    IGNORE as _IGNORE

_FREED_MSG = ("Trying to backward through the graph a second time (or to read saved tensors "
              "after they were freed): op '{}' already released what it saved. Pass "
              "retain_graph=True to the first backward() or grad() call to keep them.")


class Primitive:
    """One entry of the primitive table: numpy forward, vector-Jacobian product, and flags.

    forward(*arrays, *ctx) -> ndarray
    vjp(node, g) -> tuple with one gradient Tensor (or None) per input, written in Tensor
        ops so that create_graph=True can differentiate it again.
    saves: which tensors the rule reads: 'inputs', 'output', both, or neither.
    broadcasts: inputs broadcast against each other; the engine sums each input's gradient
        back to that input's shape.
    view: the output shares memory with input 0 (and so its version counter).
    quiet: the forward may produce inf/nan (log(0), 1/0, ...) and must not warn.
    rule: the derivative in words, shown by the backward stepper.
    """
    __slots__ = ("name", "forward", "vjp", "save_inputs", "save_output", "broadcasts",
                 "view", "quiet", "rule", "backward_name")

    def __init__(self, name, forward, vjp, saves=(), broadcasts=False, view=False,
                 quiet=False, rule=""):
        self.name = name
        self.forward = forward
        self.vjp = vjp
        self.save_inputs = "inputs" in saves
        self.save_output = "output" in saves
        self.broadcasts = broadcasts
        self.view = view
        self.quiet = quiet
        self.rule = rule
        self.backward_name = "".join(p.capitalize() for p in name.split("_")) + "Backward0"

    def __repr__(self):
        return f"<primitive {self.name}>"


class Node:
    """A recorded application of a primitive: the unit the backward pass walks.

    Hot fields are slots; rarely set ones (hooks, retained, freed, the saved output's version
    counter, and `value` / `grad`, which are set only under `ag.keep_values()`) live in the
    instance __dict__ with class-level defaults, so recording a node stays cheap. `walk` and
    `pending` belong to the backward walks: the id of the last walk that counted the node and
    how many of that walk's nodes still owe it a gradient (kept on the node, not in a dict,
    so that a walk over a million nodes touches less memory)."""
    __slots__ = ("prim", "next", "ctx", "saved", "versions", "out", "shapes", "scope", "shape",
                 "dtype", "walk", "pending", "__dict__", "__weakref__")
    hooks = None
    retained = None
    freed = False
    out_vbox = None
    out_version = 0
    value = None
    grad = None

    def name(self):
        return self.prim.backward_name

    @property
    def op(self):
        """The primitive's short name, e.g. 'mul'."""
        return self.prim.name

    @property
    def next_functions(self):
        """((node_or_AccumulateGrad_or_None, 0), ...) per input, as in PyTorch."""
        return tuple((AccumulateGrad(n) if isinstance(n, Tensor) else n, 0) for n in self.next)

    @property
    def needs_input_grad(self):
        return tuple(n is not None for n in self.next)

    def input(self, i):
        """Saved input i, checked against in-place changes since the forward."""
        if self.freed:
            raise RuntimeError(_FREED_MSG.format(self.prim.name))
        t = self.saved[i]
        if t._vbox[0] != self.versions[i]:
            raise RuntimeError(
                f"one of the tensors needed for gradient computation has been modified by an "
                f"in-place operation: input {i} of op '{self.prim.name}' (shape "
                f"{t._data.shape}, dtype {t._data.dtype}) is at version {t._vbox[0]}; expected "
                f"version {self.versions[i]}. Use an out-of-place op or clone() it first.")
        return t

    def output(self):
        """This node's output as a tensor in the graph (grad_fn = this node)."""
        if self.freed:
            raise RuntimeError(_FREED_MSG.format(self.prim.name))
        if self.out_vbox[0] != self.out_version:
            raise RuntimeError(
                f"one of the tensors needed for gradient computation has been modified by an "
                f"in-place operation: the output of op '{self.prim.name}' (shape "
                f"{self.out.shape}) is at version {self.out_vbox[0]}; expected version "
                f"{self.out_version}. Use an out-of-place op or clone() it first.")
        t = _wrap(self.out)
        t.grad_fn = self
        t._requires_grad = True
        t._vbox = self.out_vbox
        return t

    def release(self):
        """Free saved tensors (after a backward pass without retain_graph)."""
        if self.saved is not None or self.out is not None:
            self.saved = None
            self.out = None
            self.freed = True

    def __repr__(self):
        return f"<{self.name()} {self.shape} {self.dtype}>"


class AccumulateGrad:
    """Stand-in node for a leaf in `next_functions` (PyTorch's AccumulateGrad)."""
    __slots__ = ("variable",)

    def __init__(self, variable):
        self.variable = variable

    def name(self):
        return "AccumulateGrad"

    next_functions = ()

    def __eq__(self, other):
        return isinstance(other, AccumulateGrad) and other.variable is self.variable

    def __hash__(self):
        return id(self.variable)

    def __repr__(self):
        return f"<AccumulateGrad {self.variable.shape}>"


_new_node = object.__new__
_new_tensor = object.__new__
_recorder = None    # the compile.Recorder capturing a step, if any (see compile.py)
_GRAD_FN = Tensor.__dict__["grad_fn"]                 # the slots behind View's properties
_REQUIRES_GRAD = Tensor.__dict__["_requires_grad"]
_set_grad_fn = _GRAD_FN.__set__
_set_requires_grad = _REQUIRES_GRAD.__set__


def _shares_owner(a, b):
    """True if ndarray a is a view into the memory b views (a reshape may copy instead).
    The common case (a.base is b's owner) is checked first; views made by as_strided
    (diagonal, windows) have a helper object as their base, so the bounds of the two
    memory blocks decide for those."""
    if (a.base if a.base is not None else a) is (b.base if b.base is not None else b):
        return True
    return a.base is not None and np.may_share_memory(a, b)


class View(Tensor):
    """A tensor that views another tensor's memory (made by slicing, reshape/view, permute/
    transpose, expand, squeeze/unsqueeze...), as PyTorch's views do.

    It remembers the tensor it was taken from (`_view_of`, itself possibly a view) and how
    (`_view_op`: the primitive and its arguments), and shares that tensor's version counter.
    When the shared memory is changed in place with its history rebased (on the base or on
    another view), the version moves on, and the next read of this view's `grad_fn` or
    `requires_grad` takes the view again from the base's new history, as PyTorch regenerates
    a view's grad_fn. In-place ops on a view rebase the base's history (see
    `ops._inplace_on_view`), as PyTorch's CopySlices does. A view taken under no_grad
    (`_view_in_graph` False) stays out of the graph, as in PyTorch.
    """
    __slots__ = ("_view_of", "_view_op", "_view_version", "_view_in_graph")

    @property
    def _base(self):
        """The tensor at the root of this view's chain (not itself a view)."""
        t = self._view_of
        while t.__class__ is View:
            t = t._view_of
        return t

    @property
    def grad_fn(self):
        if self._vbox[0] != self._view_version:
            self._refresh()
        return _GRAD_FN.__get__(self)

    @grad_fn.setter
    def grad_fn(self, node):
        _GRAD_FN.__set__(self, node)

    @property
    def _requires_grad(self):
        if self._vbox[0] != self._view_version:
            self._refresh()
        return _REQUIRES_GRAD.__get__(self)

    @_requires_grad.setter
    def _requires_grad(self, flag):
        _REQUIRES_GRAD.__set__(self, flag)

    def _refresh(self):
        """Take this view again from its (possibly rebased) source if the source's history
        is not the one this view's node points to."""
        self._view_version = self._vbox[0]
        if not self._view_in_graph:
            return
        src = self._view_of
        src_fn, src_req = src.grad_fn, src._requires_grad
        if not src_req:
            return
        node = _GRAD_FN.__get__(self)
        want = src_fn if src_fn is not None else src
        if node is not None and node.next[0] is want:
            return
        prim, ctx = self._view_op
        state = _State
        prev = state.grad_enabled
        state.grad_enabled = True
        try:
            fresh = apply(prim, (src,), *ctx)
        finally:
            state.grad_enabled = prev
        _GRAD_FN.__set__(self, fresh.grad_fn)
        _REQUIRES_GRAD.__set__(self, True)
        self._view_version = self._vbox[0]



def apply(prim, inputs, *ctx):
    """Run `prim` on the inputs' arrays; if grad mode is on and an input requires grad,
    record a Node as the output's grad_fn. Inputs are Tensors of one dtype."""
    n_in = len(inputs)
    if prim.quiet:
        token = _set_errstate(_IGNORE)
    try:
        if n_in == 1:
            data = prim.forward(inputs[0]._data, *ctx)
        elif n_in == 2:
            data = prim.forward(inputs[0]._data, inputs[1]._data, *ctx)
        elif n_in == 3:
            data = prim.forward(inputs[0]._data, inputs[1]._data, inputs[2]._data, *ctx)
        else:
            data = prim.forward(*[t._data for t in inputs], *ctx)
    finally:
        if prim.quiet:
            _reset_errstate(token)
    if data.__class__ is not np.ndarray:
        data = np.asarray(data)
    view = prim.view and _shares_owner(data, inputs[0]._data)
    if view:
        out = _new_tensor(View)
        out._vbox = vbox = inputs[0]._vbox
        out._view_of = inputs[0]
        out._view_op = (prim, ctx)
        out._view_version = vbox[0]
        out._view_in_graph = _State.grad_enabled
        _set_requires_grad(out, False)      # the slots, not View's properties
        _set_grad_fn(out, None)
    else:
        out = _new_tensor(Tensor)
        out._vbox = [0]
        out._requires_grad = False
        out.grad_fn = None
    out._data = data
    out._grad = None
    if _recorder is not None:
        _recorder.op(prim, inputs, ctx, data)
    if _Process.anomaly:
        _check_forward(prim, inputs, data)
    if not _State.grad_enabled:
        return out
    if n_in == 1:
        a = inputs[0]
        if not a._requires_grad:
            return out
        edges = (a.grad_fn or a,)
    elif n_in == 2:
        a, b = inputs
        if not (a._requires_grad or b._requires_grad):
            return out
        edges = (a.grad_fn or (a if a._requires_grad else None),
                 b.grad_fn or (b if b._requires_grad else None))
    elif n_in == 3:
        a, b, c = inputs
        if not (a._requires_grad or b._requires_grad or c._requires_grad):
            return out
        edges = (a.grad_fn or (a if a._requires_grad else None),
                 b.grad_fn or (b if b._requires_grad else None),
                 c.grad_fn or (c if c._requires_grad else None))
    else:
        for t in inputs:
            if t._requires_grad:
                break
        else:
            return out
        edges = tuple([t.grad_fn or (t if t._requires_grad else None) for t in inputs])
    node = _new_node(Node)
    node.walk = 0
    node.prim = prim
    node.next = edges
    node.ctx = ctx
    if prim.save_inputs:
        node.saved = inputs
        if n_in == 1:
            node.versions = (inputs[0]._vbox[0],)
        elif n_in == 2:
            node.versions = (inputs[0]._vbox[0], inputs[1]._vbox[0])
        else:
            node.versions = tuple([t._vbox[0] for t in inputs])
    else:
        node.saved = None
        node.versions = None
    if prim.save_output:
        node.out = data
        node.out_vbox = out._vbox
        node.out_version = out._vbox[0]
    else:
        node.out = None
    shape = data.shape
    if prim.broadcasts and (inputs[0]._data.shape != shape or inputs[1]._data.shape != shape):
        node.shapes = tuple([t._data.shape for t in inputs])
    else:
        node.shapes = None
    node.scope = _State.scope
    node.shape = shape
    node.dtype = data.dtype
    if _Process.keep_values_blocks and _State.keep_values:
        node.value = data
    if view:
        _set_grad_fn(out, node)
        _set_requires_grad(out, True)
    else:
        out.grad_fn = node
        out._requires_grad = True
    return out


def _check_forward(prim, inputs, data):
    if _State.in_backward:      # a rule's own op: its result is checked as the gradient
        return
    if data.dtype.kind == "f" and not np.isfinite(data).all():
        if all(not (t._data.dtype.kind == "f") or np.isfinite(t._data).all() for t in inputs):
            bad = "nan" if np.isnan(data).any() else "inf"
            raise RuntimeError(f"detect_anomaly: op '{prim.name}' produced {bad} in its forward "
                               f"output (shape {data.shape}) from finite inputs of shapes "
                               f"{[t._data.shape for t in inputs]}")


def _check_backward(node, grads):
    for i, g in enumerate(grads):
        if g is not None and g._data.dtype.kind == "f" and not np.isfinite(g._data).all():
            bad = "nan" if np.isnan(g._data).any() else "inf"
            raise RuntimeError(f"detect_anomaly: function '{node.name()}' (op '{node.prim.name}')"
                               f" returned {bad} values in its gradient for input {i} "
                               f"(shape {g._data.shape})")


def _count_dependents(roots, walk):
    """Mark every node reachable from `roots` as seen by `walk` (an id no other walk uses)
    and set its `pending` to how many reachable nodes feed a gradient into it. Iterative: no
    recursion limit on graph depth.

    Returns the nodes that an enclosing walk of this thread (a hook may start a walk inside
    a walk) had counted, as (node, walk, pending) for `_restore` to put back; or None if a
    walk running in another thread holds one of the nodes: the caller then counts in a dict
    (`_count_in_dict`) instead of on the nodes. Runs under `_Walks.lock`, so that two threads
    never claim one node."""
    me = threading.get_ident()
    enclosing = []
    stack = []
    for n in roots:
        if n.walk != walk:
            owner = _running.get(n.walk)
            if owner is not None:
                if owner != me:
                    _restore(enclosing)
                    return None
                enclosing.append((n, n.walk, n.pending))
            n.walk, n.pending = walk, 0
            stack.append(n)
    while stack:
        n = stack.pop()
        for m in n.next:
            if m is not None and m.__class__ is Node:
                if m.walk == walk:
                    m.pending += 1
                else:
                    owner = _running.get(m.walk)
                    if owner is not None:
                        if owner != me:
                            _restore(enclosing)
                            return None
                        enclosing.append((m, m.walk, m.pending))
                    m.walk, m.pending = walk, 1
                    stack.append(m)
    return enclosing


def _restore(enclosing):
    for n, walk, pending in enclosing:
        n.walk, n.pending = walk, pending


def _count_in_dict(roots):
    """{node: count of dependents} for every node reachable from `roots`, touching no node."""
    counts = {}
    stack = []
    for n in roots:
        if n not in counts:
            counts[n] = 0
            stack.append(n)
    while stack:
        n = stack.pop()
        for m in n.next:
            if m is not None and m.__class__ is Node:
                if m in counts:
                    counts[m] += 1
                else:
                    counts[m] = 1
                    stack.append(m)
    return counts


_walk_ids = itertools.count(1)
_running = {}               # id of each walk in progress -> the thread running it


class _Walks:
    """Bookkeeping shared by the walks of all threads, changed only under `lock`: the walks
    in progress. Python's cyclic GC is kept off while any walk runs (`_collector`: a walk
    makes no reference cycles, so GC has nothing to find in it; left on, it would traverse
    the whole, possibly huge, live graph now and then)."""
    lock = threading.Lock()


def _begin_walk(roots, walk):
    """Claim the nodes reachable from `roots` for `walk` (see `_count_dependents`) and pause
    GC; returns what `_end_walk` needs."""
    _collector.pause()
    try:
        with _Walks.lock:
            enclosing = _count_dependents(roots, walk)
            _running[walk] = threading.get_ident()
    except BaseException:
        _collector.resume()
        raise
    return enclosing


def _end_walk(walk, enclosing):
    with _Walks.lock:
        del _running[walk]
        if enclosing is not None:
            _restore(enclosing)
    _collector.resume()


def toposort(roots):
    """Every node reachable from `roots`, with how many reachable nodes feed a gradient into
    it (its count of dependents)."""
    return _count_in_dict(roots)


def _root_grads(tensors, grad_tensors):
    if grad_tensors is None:
        grad_tensors = [None] * len(tensors)
    if len(grad_tensors) != len(tensors):
        raise RuntimeError(f"backward: got {len(tensors)} outputs but {len(grad_tensors)} "
                           f"gradients")
    out = []
    for i, (t, g) in enumerate(zip(tensors, grad_tensors)):
        if not isinstance(t, Tensor):
            raise TypeError(f"backward: output {i} is a {type(t).__name__}, not a Tensor")
        if not t._requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not "
                               f"have a grad_fn (shape {t.shape})")
        if g is None:
            if t._data.size != 1:
                raise RuntimeError(f"grad can be implicitly created only for scalar outputs; "
                                   f"output {i} has shape {t.shape}: pass gradient=")
            g = _wrap(np.ones_like(t._data))
        elif not isinstance(g, Tensor):
            g = Tensor(np.asarray(g, dtype=t._data.dtype))
        elif g._data.dtype != t._data.dtype:
            g = g.to(t._data.dtype)     # a float64 seed must not upcast a float32 graph
        if g.shape != t.shape:
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} "
                               f"and output[{i}] has a shape of {t.shape}")
        out.append(g)
    return out


def _run_hooks(hooks, g):
    """Pass g through each hook; a hook's returned tensor replaces g and must keep its shape
    and dtype (PyTorch raises the same way)."""
    for hook in list(hooks):
        r = hook(g)
        if r is not None:
            if not isinstance(r, Tensor):
                raise TypeError(f"hook {_hook_name(hook)!r} returned a "
                                f"{type(r).__name__}; a gradient hook must return a Tensor "
                                f"or None")
            if r._data.shape != g._data.shape:
                raise RuntimeError(f"hook {_hook_name(hook)!r} has changed the size of value "
                                   f"(was {g._data.shape} got {r._data.shape})")
            if r._data.dtype != g._data.dtype:
                raise RuntimeError(f"hook {_hook_name(hook)!r} has changed the type of value "
                                   f"(was {g._data.dtype} got {r._data.dtype})")
            g = r
    return g


def _hook_name(hook):
    return getattr(hook, "__qualname__", None) or type(hook).__name__


def run_backward(tensors, grad_tensors, retain_graph, create_graph, capture=None,
                 accumulate=True, observer=None):
    """The reverse walk shared by `backward`, `grad` and the stepper.

    Gradients flow from `tensors` (seeded with `grad_tensors`) through every reachable node
    in topological order; each node's rule runs once, on the sum of the gradients of all its
    uses. Leaf gradients are summed over the whole pass, passed through the leaf's hooks, and
    (if `accumulate`) added into `.grad`. `capture` maps nodes / leaf tensors to None and is
    filled with their total gradients. `observer(node, grad_out, grads_in)` sees each step.

    Grad mode is switched (to `create_graph`) for this thread only; the dependency counts
    live on the nodes, claimed by this walk, or in a dict of this walk when a walk of another
    thread holds some of the same nodes.
    """
    if retain_graph is None:
        retain_graph = create_graph
    if _recorder is not None and (create_graph or observer is not None):
        _recorder.fail("backward with create_graph=True (or observed by the stepper)")
    grad_tensors = _root_grads(tensors, grad_tensors)
    grads = {}
    leaf_grads = {}
    roots = []
    for t, g in zip(tensors, grad_tensors):
        n = t.grad_fn
        if n is None:
            prev = leaf_grads.get(t)
            leaf_grads[t] = g if prev is None else prev + g
        else:
            prev = grads.get(n)
            grads[n] = g if prev is None else prev + g
            roots.append(n)
    walk = next(_walk_ids)
    state = _State
    prev_mode, prev_in_backward = state.grad_enabled, state.in_backward
    anomaly = _Process.anomaly
    keep = state.keep_values
    enclosing = _begin_walk(roots, walk)
    try:
        state.grad_enabled = bool(create_graph)
        state.in_backward = True    # the rules' own ops are checked below, as the gradients
        counts = _count_in_dict(roots) if enclosing is None else None
        if counts is None:
            ready = [n for n in dict.fromkeys(roots) if n.pending == 0]
        else:
            ready = [n for n in dict.fromkeys(roots) if counts[n] == 0]
        with quiet():
            while ready:
                n = ready.pop()
                g = grads.pop(n, None)
                in_grads = None
                if g is not None:
                    if n.hooks:
                        if _recorder is not None:
                            _recorder.fail("a backward hook on a non-leaf tensor ran")
                        g = _run_hooks(n.hooks, g)
                    if n.retained is not None:
                        if _recorder is not None:
                            _recorder.fail("retain_grad() on a non-leaf tensor")
                        t = n.retained()
                        if t is not None:
                            t._grad = g if t._grad is None else t._grad + g
                    if capture is not None and n in capture:
                        capture[n] = g
                    if keep:
                        n.grad = g
                    if n.freed:
                        raise RuntimeError(_FREED_MSG.format(n.prim.name))
                    in_grads = n.prim.vjp(n, g)
                    if n.shapes is not None:
                        in_grads = tuple([gi if gi is None or m is None or gi._data.shape == s
                                          else gi.sum_to_size(s)
                                          for gi, s, m in zip(in_grads, n.shapes, n.next)])
                    if anomaly:
                        _check_backward(n, in_grads)
                    if observer is not None:
                        observer(n, g, in_grads)
                for m, gi in zip(n.next, in_grads or (None,) * len(n.next)):
                    if m is None:
                        continue
                    if m.__class__ is Node:
                        if gi is not None:
                            prev = grads.get(m)
                            grads[m] = gi if prev is None else prev + gi
                        if counts is None:
                            d = m.pending - 1
                            m.pending = d
                        else:
                            d = counts[m] - 1
                            counts[m] = d
                        if d == 0:
                            ready.append(m)
                    elif gi is not None:
                        prev = leaf_grads.get(m)
                        leaf_grads[m] = gi if prev is None else prev + gi
                if not retain_graph:
                    n.release()
            in_grads = gi = g = None    # drop the walk's references to the last gradients
            for t in list(leaf_grads):
                g = leaf_grads.pop(t)       # from here on, g's holders can be counted
                if t._hooks:
                    if _recorder is not None:
                        _recorder.fail("a backward hook on a leaf tensor ran")
                    g = _run_hooks(t._hooks, g)
                if capture is not None and t in capture:
                    capture[t] = g
                if observer is not None:
                    observer(t, g, None)
                if accumulate:
                    _accumulate(t, g, create_graph)
    finally:
        _end_walk(walk, enclosing)
        state.grad_enabled = prev_mode
        state.in_backward = prev_in_backward


def _accumulate(leaf, g, create_graph):
    if g._data.dtype != leaf._data.dtype:
        g = g.to(leaf._data.dtype)
    grad = leaf._grad
    if _recorder is not None:
        if create_graph:
            _recorder.fail("backward with create_graph=True")
        elif grad is not None and grad._requires_grad:
            _recorder.fail("accumulating into a .grad that requires grad")
    if grad is None:
        # g may be another leaf's gradient too, a hook's, or the caller's `gradient=` tensor,
        # and later accumulation writes into .grad in place: store a copy
        if create_graph and g._requires_grad:
            leaf._grad = g.clone()
        else:
            leaf._grad = _wrap(np.array(g._data, copy=True))
        if _recorder is not None:
            _recorder.leaf_grad(leaf, g, accumulate=False)
    elif create_graph or grad._requires_grad:
        leaf._grad = grad + g
    else:
        grad._data += g._data
        grad._vbox[0] += 1
        if _recorder is not None:
            _recorder.leaf_grad(leaf, g, accumulate=True)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Compute the gradients of ``tensors`` and accumulate them into the leaves' ``.grad``.

    Walks the recorded graph backwards from ``tensors`` (as ``torch.autograd.backward``) and
    adds d(tensors)/d(leaf) to the ``.grad`` of every leaf that requires grad, or only of
    ``inputs`` when given. Gradients accumulate: call ``zero_grad()`` (or set ``.grad`` to
    None) between steps. ``t.backward(...)`` is the method form for one tensor.

    Parameters
    ----------
    tensors : Tensor or sequence of Tensor
        The tensors to differentiate (the "outputs", usually one scalar loss).
    grad_tensors : Tensor, ndarray or sequence of them, optional
        The gradient of some final scalar with respect to each of ``tensors`` (the vector of
        the vector-Jacobian product), each of its tensor's shape. May be omitted (or None
        for an entry) only for one-element tensors, for which it is 1.
    retain_graph : bool, optional
        Keep the tensors the graph saved, so that it can be walked again. Defaults to
        ``create_graph``. Without it a second backward through the same graph raises.
    create_graph : bool, optional
        Record the backward pass itself, so the gradients can be differentiated again
        (gradients of any order). Default False.
    inputs : Tensor or sequence of Tensor, optional
        Accumulate only into these tensors' ``.grad`` (leaves or non-leaves); the other
        leaves are left untouched.

    Raises
    ------
    RuntimeError
        If a tensor with more than one element is given no gradient, if a gradient's shape
        does not match, if the graph was freed by an earlier backward (pass
        ``retain_graph=True``), or if a tensor saved for backward was modified in place.

    See Also
    --------
    grad : return the gradients instead of accumulating them.

    Examples
    --------
    >>> x = gg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> gg.autograd.backward((x ** 2).sum())
    >>> x.grad
    tensor([2., 4., 6.])
    """
    if isinstance(tensors, Tensor):
        tensors = [tensors]
    if isinstance(grad_tensors, (Tensor, np.ndarray)):
        grad_tensors = [grad_tensors]
    if inputs is None:
        run_backward(list(tensors), grad_tensors, retain_graph, create_graph)
        return
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    got = grad(list(tensors), inputs, grad_tensors, retain_graph, create_graph,
               allow_unused=True)
    for t, g in zip(inputs, got):
        if g is not None:
            _accumulate(t, g, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False, materialize_grads=False):
    """Return the gradients of ``outputs`` with respect to ``inputs``, without touching ``.grad``.

    As ``torch.autograd.grad``: computes the sum over the outputs of the vector-Jacobian
    products ``grad_outputs[i]^T d(outputs[i])/d(inputs[j])`` for every input, and returns
    them instead of accumulating them into ``.grad``. With ``create_graph=True`` the returned
    gradients are part of the graph, so they can be differentiated again (gradients of any
    order: Hessian-vector products, gradient penalties...).

    Parameters
    ----------
    outputs : Tensor or sequence of Tensor
        The tensors to differentiate.
    inputs : Tensor or sequence of Tensor
        The tensors to differentiate with respect to; each must require grad (leaves or
        intermediate results).
    grad_outputs : Tensor, ndarray or sequence of them, optional
        One gradient per output, of that output's shape; may be omitted (or None for an
        entry) for one-element outputs, for which it is 1.
    retain_graph : bool, optional
        Keep the graph's saved tensors for another backward walk. Defaults to
        ``create_graph``.
    create_graph : bool, optional
        Record the computation of the gradients so they can be differentiated. Default False.
    allow_unused : bool, optional
        Return None for an input that the outputs do not depend on instead of raising.
        Default False.
    materialize_grads : bool, optional
        Return zeros (of the input's shape) instead of None for unused inputs. Default False.

    Returns
    -------
    tuple of Tensor or None
        One gradient per input, of that input's shape and dtype (a tuple even for a single
        input).

    Raises
    ------
    TypeError
        If an input is not a Tensor.
    RuntimeError
        If an input does not require grad, if an input is unused and ``allow_unused`` is
        False, or for the same reasons as :func:`backward`.

    Examples
    --------
    >>> x = gg.tensor(3.0, requires_grad=True)
    >>> y = x ** 3
    >>> (dy,) = gg.autograd.grad(y, x, create_graph=True)
    >>> dy
    tensor(27., grad_fn=<MulBackward0>)
    >>> gg.autograd.grad(dy, x)
    (tensor(18.),)
    """
    single_out = isinstance(outputs, Tensor)
    outputs = [outputs] if single_out else list(outputs)
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if isinstance(grad_outputs, (Tensor, np.ndarray)):
        grad_outputs = [grad_outputs]
    capture = {}
    keys = []
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor):
            raise TypeError(f"grad: input {i} is a {type(t).__name__}, not a Tensor")
        if not t._requires_grad:
            raise RuntimeError(f"grad: input {i} (shape {t.shape}) does not require grad")
        key = t.grad_fn if t.grad_fn is not None else t
        keys.append(key)
        capture[key] = None
    run_backward(outputs, grad_outputs, retain_graph, create_graph, capture=capture,
                 accumulate=False)
    result = []
    for i, (t, key) in enumerate(zip(inputs, keys)):
        g = capture[key]
        if g is None:
            if materialize_grads:
                g = _wrap(np.zeros_like(t._data))
            elif not allow_unused:
                raise RuntimeError(f"grad: input {i} (shape {t.shape}) was not used in the "
                                   f"graph of the outputs; pass allow_unused=True to get None")
        result.append(g)
    return tuple(result)


def _tensor_backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
    """Compute the gradient of this tensor and accumulate it into the leaves' ``.grad``.

    Walks the graph that produced this tensor backwards (the chain rule, one recorded op at
    a time) and adds d(self)/d(leaf) to the ``.grad`` of every leaf tensor that requires
    grad. Gradients accumulate across calls: zero them (``opt.zero_grad()``, or
    ``x.grad = None``) before the next step. Non-leaf tensors keep their gradient only if
    :meth:`retain_grad` was called on them. The graph's saved tensors are freed afterwards
    unless ``retain_graph=True``.

    Parameters
    ----------
    gradient : Tensor or ndarray, optional
        The gradient of some final scalar with respect to this tensor, of this tensor's
        shape (the vector of the vector-Jacobian product). May be omitted only when the
        tensor has one element (a loss), in which case it is 1.
    retain_graph : bool, optional
        Keep the graph so that backward can run through it again. Defaults to
        ``create_graph``.
    create_graph : bool, optional
        Record the backward pass, so that the gradients (which then have a ``grad_fn``) can
        be differentiated again. Default False.
    inputs : Tensor or sequence of Tensor, optional
        Accumulate only into these tensors' ``.grad``.

    Raises
    ------
    RuntimeError
        If the tensor does not require grad, if ``gradient`` is omitted for a tensor of more
        than one element or has the wrong shape, if the graph was already freed by a
        previous backward, or if a tensor saved for backward was modified in place since.

    See Also
    --------
    glassgrad.autograd.grad : return gradients without accumulating into ``.grad``.

    Examples
    --------
    >>> x = gg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> y = (x * x).sum()
    >>> y.backward()
    >>> x.grad
    tensor([2., 4., 6.])

    Gradients accumulate: a second backward (through a new graph) adds to ``.grad``.

    >>> (3 * x).sum().backward()
    >>> x.grad
    tensor([5., 7., 9.])

    A non-scalar tensor needs the gradient with respect to it:

    >>> x.grad = None
    >>> (x * 2).backward(gg.tensor([1.0, 0.0, 0.5]))
    >>> x.grad
    tensor([2., 0., 1.])
    """
    backward([self], None if gradient is None else [gradient], retain_graph, create_graph,
             inputs=inputs)


Tensor.backward = _tensor_backward
