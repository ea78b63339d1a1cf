"""Flat buffers for one-pass optimizer steps (the `fused=True` option of Adam, AdamW, SGD).

With `fused=True`, the parameters of a group are moved into one contiguous array (each
parameter's `_data` becomes a view of its slice), its gradients are gathered into one flat
gradient array (each `.grad` then views its slice, so a backward without zero_grad(set_to_none=
True) in between accumulates straight into it), and each state buffer (`exp_avg`, ...) is a
view of one flat state array. The update rule then runs once over the whole group instead
of once per parameter.

The arithmetic is the same elementwise numpy ufuncs on the same values in the same order, so
the trajectory is identical bit for bit to the per-parameter path (tests compare both). The
state dict keeps its per-parameter layout: `state[p]["exp_avg"]` is still one tensor per
parameter (a view).

A group falls back to the per-parameter path for a step (same results) when its parameters
have different dtypes, when some parameters have no gradient, or when their step counters
differ.
"""
import numpy as np

from glassgrad.autograd import Tensor


def _views(flat, shapes, offsets):
    return [flat[lo:hi].reshape(shape) for shape, (lo, hi) in zip(shapes, offsets)]


class FlatGroup:
    """The flat arrays of one parameter group: `params`, `grads` and one per state name.

    `sync(params, state, names, init)` checks, by array identity (no copies when nothing
    changed), that every parameter, gradient and state buffer is still a view of the flat
    arrays, re-gathering whatever was rebound (a loaded state dict, a `.grad` set to a fresh
    array by backward, a parameter whose `.data` was replaced) and returns True, or returns
    False when the group cannot run in one pass this step."""

    def __init__(self):
        self.key = None
        self.params = self.grads = None
        self.state = {}
        self.param_views = self.grad_views = ()
        self.state_views = {}
        self.key_params = None
        self.synced_names = None
        self.synced_views = ()

    def in_place(self, params, state, names):
        """The common case of `sync`, checked by identity alone: True when `params` are the
        group synced last time and every parameter and state buffer in `names` is still its
        flat array's view. A gradient that is a fresh array (set by backward) is copied into
        its view and rebound, as `sync` does. False means `sync` must run."""
        key = self.key_params
        if key is None or len(params) != len(key) or names != self.synced_names:
            return False
        pv, gv = self.param_views, self.grad_views
        sv = self.synced_views
        for i, p in enumerate(params):
            if p is not key[i] or p._data is not pv[i]:
                return False
            g = p.grad
            if g is None:
                return False
            if g._data is not gv[i]:
                d, view = g._data, gv[i]
                if d.shape != view.shape or d.dtype != view.dtype or g.grad_fn is not None \
                        or g._requires_grad:
                    return False
                np.copyto(view, d)
                g._data = view
            st = state.get(p)
            if st is None:
                return False
            for name, views in sv:
                t = st.get(name)
                if t is None or t._data is not views[i]:
                    return False
        return True

    def _layout(self, params):
        shapes = [p._data.shape for p in params]
        sizes = [int(np.prod(s)) for s in shapes]
        ends = np.cumsum([0] + sizes)
        offsets = list(zip(ends[:-1].tolist(), ends[1:].tolist()))
        return shapes, offsets, int(ends[-1])

    def sync(self, params, state, names):
        dtype = params[0]._data.dtype
        for p in params:
            if p.grad is None or p._data.dtype != dtype or p.grad._data.dtype != dtype:
                return False
        key = tuple(id(p) for p in params)
        if key != self.key or self.params.dtype != dtype \
                or any(p._data.shape != v.shape for p, v in zip(params, self.param_views)):
            shapes, offsets, total = self._layout(params)
            self.shapes, self.offsets = shapes, offsets
            self.params = np.empty(total, dtype)
            self.grads = np.empty(total, dtype)
            self.param_views = _views(self.params, shapes, offsets)
            self.grad_views = _views(self.grads, shapes, offsets)
            self.state, self.state_views = {}, {}
            self.key = key
        for p, view in zip(params, self.param_views):
            if p._data is not view:
                np.copyto(view, p._data)
                p._data = view
        for p, view in zip(params, self.grad_views):
            g = p.grad
            if g._data is not view:
                np.copyto(view, g._data)
                if g.grad_fn is None and not g._requires_grad:
                    g._data = view
                else:                        # a gradient that is part of a graph: keep it
                    p.grad = Tensor(view)
        for name in names:
            views = self.state_views.get(name)
            if views is None:
                flat = self.state[name] = np.empty_like(self.params)
                views = self.state_views[name] = _views(flat, self.shapes, self.offsets)
            for p, view in zip(params, views):
                t = state[p][name]
                if t._data is not view:
                    np.copyto(view, t._data)
                    t._data = view
        self.key_params = list(params)
        self.synced_names = tuple(names)
        self.synced_views = tuple((name, self.state_views[name]) for name in names)
        return True
