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
    """Return ``func(inputs)`` and the vector-Jacobian product ``v^T J`` at ``inputs``.

    As ``torch.autograd.functional.vjp``: one reverse pass, the product of ``v`` with the
    Jacobian of ``func`` at ``inputs``.

    Parameters
    ----------
    func : callable
        Takes the input tensors as positional arguments, returns a Tensor or a tuple of
        Tensors.
    inputs : Tensor or tuple of Tensor
        Floating tensors where the derivative is taken (they are not modified, and need not
        require grad).
    v : Tensor or tuple of Tensor, optional
        One tensor per output, of that output's shape. May be omitted when ``func`` returns a
        single one-element tensor.
    create_graph : bool, optional
        Record the computation so the results can be differentiated again. Default False.
    strict : bool, optional
        Accepted for compatibility and ignored (PyTorch raises when an output does not
        depend on an input; glassgrad returns zeros).

    Returns
    -------
    (output, vjp)
        ``func(inputs)`` (detached unless ``create_graph``) and the products, with the
        structure and shapes of ``inputs``.

    Raises
    ------
    TypeError
        If an input or output is not a Tensor, or an input is not floating.
    RuntimeError
        If ``v`` is omitted for a non-scalar output, or its shapes do not match.
    """
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
    """Return ``func(inputs)`` and the Jacobian-vector product ``J v`` at ``inputs``.

    As ``torch.autograd.functional.jvp``. Computed with two reverse passes (the derivative
    of ``u -> J^T u`` applied to ``v``), so every op of ``func`` must have a
    differentiable gradient.

    Parameters
    ----------
    func : callable
        Takes the input tensors, returns a Tensor or a tuple of Tensors.
    inputs : Tensor or tuple of Tensor
        Floating tensors where the derivative is taken.
    v : Tensor or tuple of Tensor, optional
        One tensor per input, of that input's shape. May be omitted for a single one-element
        input.
    create_graph : bool, optional
        Record the computation so the results can be differentiated again. Default False.
    strict : bool, optional
        Accepted for compatibility and ignored.

    Returns
    -------
    (output, jvp)
        ``func(inputs)`` and the products, with the structure and shapes of the outputs.

    Raises
    ------
    TypeError
        If an input or output is not a Tensor, or an input is not floating.
    RuntimeError
        If ``v`` is omitted when it cannot be, or its shapes do not match.
    """
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
    """Return the Jacobian of ``func`` at ``inputs``: every derivative ``d out[i] / d in[j]``.

    As ``torch.autograd.functional.jacobian``: one reverse pass per output element.

    Parameters
    ----------
    func : callable
        Takes the input tensors, returns a Tensor or a tuple of Tensors.
    inputs : Tensor or tuple of Tensor
        Floating tensors where the derivative is taken.
    create_graph : bool, optional
        Record the computation so the Jacobian can be differentiated again. Default False.
    strict, vectorize : bool, optional
        Accepted for compatibility and ignored (``vectorize`` would only change the speed).

    Returns
    -------
    Tensor or tuple
        For one input and one output, a tensor of shape ``out.shape + in.shape``; for a tuple
        of inputs, a tuple over the inputs; for a tuple of outputs, a tuple over the outputs
        of those.

    Raises
    ------
    TypeError
        If an input or output is not a Tensor, or an input is not floating.

    Examples
    --------
    >>> from glassgrad.autograd.functional import jacobian
    >>> x = gg.tensor([1.0, 2.0])
    >>> jacobian(lambda t: t ** 2, x)
    tensor([[2., 0.],
            [0., 4.]])
    """
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
    """Return the Hessian (all second derivatives) of a scalar function at ``inputs``.

    As ``torch.autograd.functional.hessian``: the :func:`jacobian` of the gradient.

    Parameters
    ----------
    func : callable
        Takes the input tensors, returns a one-element tensor.
    inputs : Tensor or tuple of Tensor
        Floating tensors where the derivatives are taken.
    create_graph : bool, optional
        Record the computation so the Hessian can be differentiated again. Default False.
    strict, vectorize : bool, optional
        Accepted for compatibility and ignored.

    Returns
    -------
    Tensor or tuple of tuple of Tensor
        Shape ``in.shape + in.shape`` for one input; for a tuple of inputs, ``H[i][j]`` of
        shape ``inputs[i].shape + inputs[j].shape``.

    Raises
    ------
    RuntimeError
        If ``func`` does not return a single-element tensor.

    Examples
    --------
    >>> from glassgrad.autograd.functional import hessian
    >>> x = gg.tensor([1.0, 2.0])
    >>> hessian(lambda t: (t ** 3).sum(), x)
    tensor([[ 6.,  0.],
            [ 0., 12.]])
    """
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
    """Return ``func(inputs)`` and the vector-Hessian product ``v^T H`` of a scalar function.

    As ``torch.autograd.functional.vhp``; the Hessian is symmetric, so this equals
    :func:`hvp`, and the parameters and results are the same.

    Parameters
    ----------
    func : callable
        Takes the input tensors, returns a one-element tensor.
    inputs : Tensor or tuple of Tensor
        Floating tensors where the derivatives are taken.
    v : Tensor or tuple of Tensor, optional
        One tensor per input, of that input's shape (may be omitted for one one-element input).
    create_graph : bool, optional
        Record the computation so the results can be differentiated again. Default False.
    strict : bool, optional
        Accepted for compatibility and ignored.

    Returns
    -------
    (output, vhp)
        ``func(inputs)`` and the products, with the structure and shapes of ``inputs``.
    """
    return hvp(func, inputs, v, create_graph, strict)


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """Return ``func(inputs)`` and the Hessian-vector product ``H v`` of a scalar function.

    As ``torch.autograd.functional.hvp``: computed with two reverse passes (the gradient of
    ``grad(func) . v``), without forming the Hessian.

    Parameters
    ----------
    func : callable
        Takes the input tensors, returns a one-element tensor.
    inputs : Tensor or tuple of Tensor
        Floating tensors where the derivatives are taken.
    v : Tensor or tuple of Tensor, optional
        One tensor per input, of that input's shape (may be omitted for one one-element input).
    create_graph : bool, optional
        Record the computation so the results can be differentiated again. Default False.
    strict : bool, optional
        Accepted for compatibility and ignored.

    Returns
    -------
    (output, hvp)
        ``func(inputs)`` and the products, with the structure and shapes of ``inputs``.

    Raises
    ------
    RuntimeError
        If ``func`` does not return a single-element tensor, or ``v`` is missing or has the
        wrong shapes.

    Examples
    --------
    >>> from glassgrad.autograd.functional import hvp
    >>> x = gg.tensor([1.0, 2.0])
    >>> hvp(lambda t: (t ** 3).sum(), x, gg.tensor([1.0, 1.0]))
    (tensor(9.), tensor([ 6., 12.]))
    """
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
