"""Higher-level derivatives of functions of tensors, following torch.autograd.functional.

Each takes `func` (tensors -> tensor or tuple of tensors) and `inputs` (a tensor or a tuple of
tensors) and works through the engine's reverse mode; `jvp` and `hvp` use the double-vjp
trick, so they rely on gradients of gradients (create_graph=True).
"""
import numpy as np

from .engine import grad
from .grad_mode import enable_grad
from .tensor import Tensor, _wrap


def _as_tuple(x, what):
    is_tuple = isinstance(x, (tuple, list))
    xs = tuple(x) if is_tuple else (x,)
    for i, t in enumerate(xs):
        if not isinstance(t, Tensor):
            raise TypeError(f"{what}: element {i} is a {type(t).__name__}, expected a Tensor")
    return is_tuple, xs


def _prepare(inputs, create_graph, what):
    is_tuple, xs = _as_tuple(inputs, what)
    out = []
    for i, x in enumerate(xs):
        if x.dtype.kind != "f":
            raise TypeError(f"{what}: input {i} has dtype {x.dtype}; only floating inputs can be "
                            f"differentiated")
        if create_graph and x.requires_grad:
            out.append(x * 1.0)        # stays connected to the caller's graph
        else:
            out.append(x.detach().requires_grad_(True))
    return is_tuple, tuple(out)


def _grads(outputs, inputs, grad_outputs, create_graph):
    """Gradients that are zero (not None) for inputs the outputs do not depend on."""
    outs = [o for o in outputs if o.requires_grad]
    gos = [g for o, g in zip(outputs, grad_outputs) if o.requires_grad]
    if not outs:
        return tuple(_wrap(np.zeros_like(x._data)) for x in inputs)
    got = grad(outs, inputs, gos, retain_graph=True, create_graph=create_graph,
               allow_unused=True)
    return tuple(_wrap(np.zeros_like(x._data)) if g is None else g for x, g in zip(inputs, got))


def _unpack(is_tuple, xs):
    return tuple(xs) if is_tuple else xs[0]


def _check_v(v, like, what):
    _, vs = _as_tuple(v, what)
    if len(vs) != len(like):
        raise RuntimeError(f"{what}: v has {len(vs)} tensors, expected {len(like)}")
    for i, (a, b) in enumerate(zip(vs, like)):
        if a.shape != b.shape:
            raise RuntimeError(f"{what}: v[{i}] has shape {a.shape}, expected {b.shape}")
    return vs


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T J): the vector-Jacobian product at `inputs`.
    `v` may be omitted when func returns a single-element tensor."""
    with enable_grad():
        in_tuple, xs = _prepare(inputs, create_graph, "vjp")
        out_tuple, outs = _as_tuple(func(*xs), "vjp output")
        if v is None:
            if len(outs) != 1 or outs[0].numel() != 1:
                raise RuntimeError("vjp: v can be omitted only when func returns a single "
                                   "element")
            vs = (_wrap(np.ones_like(outs[0]._data)),)
        else:
            vs = _check_v(v, outs, "vjp")
        result = _grads(outs, xs, vs, create_graph)
    outs = tuple(o if create_graph else o.detach() for o in outs)
    return _unpack(out_tuple, outs), _unpack(in_tuple, result)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), J v): the Jacobian-vector product, via two reverse passes."""
    with enable_grad():
        in_tuple, xs = _prepare(inputs, True, "jvp")
        if v is None:
            if len(xs) != 1 or xs[0].numel() != 1:
                raise RuntimeError("jvp: v can be omitted only for a single one-element input")
            vs = (_wrap(np.ones_like(xs[0]._data)),)
        else:
            vs = _check_v(v, xs, "jvp")
        out_tuple, outs = _as_tuple(func(*xs), "jvp output")
        # u is a dummy cotangent: J^T u is linear in u, so d(J^T u . v)/du = J v.
        us = tuple(_wrap(np.zeros_like(o._data)).requires_grad_(True) for o in outs)
        gs = _grads(outs, xs, us, create_graph=True)
        dots = [(g * vi).sum() for g, vi in zip(gs, vs) if g.requires_grad]
        if not dots:
            result = tuple(_wrap(np.zeros_like(o._data)) for o in outs)
        else:
            total = dots[0]
            for d in dots[1:]:
                total = total + d
            result = grad([total], list(us), retain_graph=True, create_graph=create_graph,
                          allow_unused=True, materialize_grads=True)
    outs = tuple(o if create_graph else o.detach() for o in outs)
    return _unpack(out_tuple, outs), _unpack(out_tuple, result)


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False):
    """d func(inputs) / d inputs, of shape out.shape + in.shape: a tensor for one input and
    one output, a tuple over inputs, or a tuple over outputs of tuples over inputs."""
    with enable_grad():
        in_tuple, xs = _prepare(inputs, create_graph, "jacobian")
        out_tuple, outs = _as_tuple(func(*xs), "jacobian output")
        per_output = []
        for o in outs:
            rows = [[] for _ in xs]
            flat = o.reshape(-1)
            for k in range(o.numel()):
                if o.requires_grad:
                    gs = _grads([flat[k]], xs, [_wrap(np.ones((), o.dtype))], create_graph)
                else:
                    gs = tuple(_wrap(np.zeros_like(x._data)) for x in xs)
                for j, g in enumerate(gs):
                    rows[j].append(g)
            blocks = []
            for j, x in enumerate(xs):
                from .ops import stack
                if rows[j]:
                    block = stack(rows[j], 0).reshape(o.shape + x.shape)
                else:
                    block = _wrap(np.zeros(o.shape + x.shape, x.dtype))
                blocks.append(block if create_graph else block.detach())
            per_output.append(_unpack(in_tuple, blocks))
    return _unpack(out_tuple, per_output)


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False):
    """Second derivatives of a scalar func: in.shape + in.shape (tuple of tuples for several
    inputs)."""
    in_tuple, xs = _as_tuple(inputs, "hessian")

    def gradient(*args):
        out = func(*args)
        if not isinstance(out, Tensor) or out.numel() != 1:
            raise RuntimeError("hessian: func must return a single-element tensor")
        return _grads([out.reshape(())], args, [_wrap(np.ones((), out.dtype))], True)

    jac = jacobian(gradient, xs, create_graph=create_graph)
    if in_tuple:
        return tuple(tuple(row) for row in jac)
    return jac[0][0]


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T H) for a scalar func."""
    return hvp(func, inputs, v, create_graph, strict)


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), H v) for a scalar func (H is symmetric, so this equals v^T H)."""
    with enable_grad():
        in_tuple, xs = _prepare(inputs, True, "hvp")
        vs = _check_v(v, xs, "hvp") if v is not None else None
        out = func(*xs)
        if not isinstance(out, Tensor) or out.numel() != 1:
            raise RuntimeError("hvp: func must return a single-element tensor")
        if vs is None:
            if len(xs) != 1 or xs[0].numel() != 1:
                raise RuntimeError("hvp: v can be omitted only for a single one-element input")
            vs = (_wrap(np.ones_like(xs[0]._data)),)
        gs = _grads([out], xs, [_wrap(np.ones_like(out._data))], create_graph=True)
        dots = [(g * vi).sum() for g, vi in zip(gs, vs) if g.requires_grad]
        if dots:
            total = dots[0]
            for d in dots[1:]:
                total = total + d
            result = _grads([total], xs, [_wrap(np.ones((), total.dtype))], create_graph)
        else:
            result = tuple(_wrap(np.zeros_like(x._data)) for x in xs)
    out = out if create_graph else out.detach()
    if not create_graph:
        result = tuple(r.detach() for r in result)
    return out, _unpack(in_tuple, result)
