"""The graph: nodes recorded by ops, and the reverse walk that turns them into gradients.

A Node refers to what it needs, never back to the tensor it produced: its `next` edges
(the nodes of its inputs, or the leaf tensors themselves), the input tensors its rule reads,
and, for rules that read their own output (exp, tanh, ...), that output's ndarray, which it
wraps into a fresh tensor whose grad_fn is the node when the rule runs. So a graph has no
reference cycles and is freed by reference counting as soon as the user drops it.
"""
import gc
import itertools
import sys
from sys import getrefcount as _getrefcount

import numpy as np

from .grad_mode import _State
from .tensor import Tensor, _wrap
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


class RemovableHandle:
    """Returned by register_hook; `remove()` unregisters the hook."""

    def __init__(self, hooks, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self):
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


_new_node = object.__new__
_new_tensor = object.__new__
_recorder = None    # the compile.Recorder capturing a step, if any (see compile.py)


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
    out = _new_tensor(Tensor)
    out._data = data
    out.grad = None
    out._requires_grad = False
    out.grad_fn = None
    out._vbox = inputs[0]._vbox if prim.view else [0]
    if _recorder is not None:
        _recorder.op(prim, inputs, ctx, data)
    if _State.anomaly:
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
    if _State.keep_values:
        node.value = data
    out.grad_fn = node
    out._requires_grad = True
    return out


def _check_forward(prim, inputs, data):
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


def _count_dependents(roots, walk, visited=None):
    """Mark every node reachable from `roots` as seen by `walk` (an id no other walk uses)
    and set its `pending` to how many reachable nodes feed a gradient into it. Nodes that an
    enclosing, still running walk had counted are returned as (node, walk, pending), for
    `_restore` to put back. Iterative: no recursion limit on graph depth."""
    enclosing = []
    stack = []
    for n in roots:
        if n.walk != walk:
            if n.walk in _running:
                enclosing.append((n, n.walk, n.pending))
            n.walk, n.pending = walk, 0
            stack.append(n)
    while stack:
        n = stack.pop()
        if visited is not None:
            visited.append(n)
        for m in n.next:
            if m is not None and m.__class__ is Node:
                if m.walk == walk:
                    m.pending += 1
                else:
                    if m.walk in _running:
                        enclosing.append((m, m.walk, m.pending))
                    m.walk, m.pending = walk, 1
                    stack.append(m)
    return enclosing


def _restore(enclosing):
    for n, walk, pending in enclosing:
        n.walk, n.pending = walk, pending


_walk_ids = itertools.count(1)
_running = set()        # ids of the walks in progress (a hook may start a walk inside one)


def toposort(roots):
    """Every node reachable from `roots`, with how many reachable nodes feed a gradient into
    it (its count of dependents)."""
    visited = []
    _restore(_count_dependents(roots, next(_walk_ids), visited))
    return {n: n.pending for n in visited}


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


def run_backward(tensors, grad_tensors, retain_graph, create_graph, capture=None,
                 accumulate=True, observer=None):
    """The reverse walk shared by `backward`, `grad` and the stepper.

    Gradients flow from `tensors` (seeded with `grad_tensors`) through every reachable node
    in topological order; each node's rule runs once, on the sum of the gradients of all its
    uses. Leaf gradients are summed over the whole pass, passed through the leaf's hooks, and
    (if `accumulate`) added into `.grad`. `capture` maps nodes / leaf tensors to None and is
    filled with their total gradients. `observer(node, grad_out, grads_in)` sees each step.
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
    enclosing = _count_dependents(roots, walk)
    _running.add(walk)
    ready = [n for n in dict.fromkeys(roots) if n.pending == 0]
    prev_mode = _State.grad_enabled
    _State.grad_enabled = bool(create_graph)
    # The walk makes no reference cycles, so Python's cyclic GC has nothing to find in it;
    # left on, it would traverse the whole (possibly huge) live graph now and then.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    anomaly = _State.anomaly
    _State.anomaly = False      # the rules' own ops are checked below, as the node's gradients
    keep = _State.keep_values
    try:
        with quiet():
            while ready:
                n = ready.pop()
                g = grads.pop(n, None)
                in_grads = None
                if g is not None:
                    if n.hooks:
                        if _recorder is not None:
                            _recorder.fail("a backward hook on a non-leaf tensor ran")
                        for hook in list(n.hooks):
                            r = hook(g)
                            if r is not None:
                                g = r
                    if n.retained is not None:
                        if _recorder is not None:
                            _recorder.fail("retain_grad() on a non-leaf tensor")
                        t = n.retained()
                        if t is not None:
                            t.grad = g if t.grad is None else t.grad + g
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
                        d = m.pending - 1
                        m.pending = d
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
                    for hook in list(t._hooks):
                        r = hook(g)
                        if r is not None:
                            g = r
                if capture is not None and t in capture:
                    capture[t] = g
                if observer is not None:
                    observer(t, g, None)
                if accumulate:
                    _accumulate(t, g, create_graph, from_walk=True)
    finally:
        _running.discard(walk)
        _restore(enclosing)
        _State.grad_enabled = prev_mode
        _State.anomaly = anomaly
        if gc_was_enabled:
            gc.enable()


if sys.implementation.name == "cpython" and sys.version_info < (3, 14):
    def _only_the_walk_holds(g):
        """True if g and its array are referenced only by run_backward's leaf loop and this
        call chain (local, _accumulate's argument, ours, getrefcount's), so the array can
        become `.grad` as it is. A rule's fresh result passes; a gradient that is also
        another leaf's, a view, the caller's `gradient=` or kept by a hook does not."""
        a = g._data
        return (_getrefcount(g) <= 4 and _getrefcount(a) <= 3 and a.flags.owndata
                and a.flags.writeable)
else:   # reference counts there may omit borrowed references: always copy
    def _only_the_walk_holds(g):
        return False


def _accumulate(leaf, g, create_graph, from_walk=False):
    if g._data.dtype != leaf._data.dtype:
        g = g.to(leaf._data.dtype)
    if _recorder is not None:
        if create_graph:
            _recorder.fail("backward with create_graph=True")
        elif leaf.grad is not None and leaf.grad._requires_grad:
            _recorder.fail("accumulating into a .grad that requires grad")
    if leaf.grad is None:
        # g may be another leaf's gradient too, or the caller's `gradient=` tensor, and later
        # accumulation writes into .grad in place: store a copy, unless the walk is all that
        # holds g and its array (`from_walk`: the caller is run_backward's leaf loop).
        if create_graph and g._requires_grad:
            leaf.grad = g.clone()
        elif from_walk and _only_the_walk_holds(g):
            leaf.grad = _wrap(g._data)
        else:
            leaf.grad = _wrap(np.array(g._data, copy=True))
        if _recorder is not None:
            _recorder.leaf_grad(leaf, g, accumulate=False)
    elif create_graph or leaf.grad._requires_grad:
        leaf.grad = leaf.grad + g
    else:
        leaf.grad._data += g._data
        leaf.grad._vbox[0] += 1
        if _recorder is not None:
            _recorder.leaf_grad(leaf, g, accumulate=True)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate gradients of `tensors` into the `.grad` of every leaf that requires grad
    (or only of `inputs` when given)."""
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
    """Gradients of `outputs` w.r.t. `inputs` as a tuple, without touching any `.grad`.

    With create_graph=True the returned gradients are part of the graph, so they can be
    differentiated again (gradients of any order)."""
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
