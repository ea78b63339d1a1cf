"""Custom ops with a hand-written gradient: PyTorch's `torch.autograd.Function` API.

    class Cube(ag.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * 3 * x ** 2

    y = Cube.apply(x)

A call of `apply` runs `forward` outside the graph, then records ONE node in the same graph
as every built-in op: `backward()`, `grad()`, gradcheck, gradgradcheck, the SVG drawings and
the backward stepper all see it (its rule reads "user-defined backward of Cube"). `backward`
is written in tensor ops, so with `create_graph=True` it is recorded too and can be
differentiated again, unless it is decorated with `once_differentiable`.

Several outputs: the node's output is the outputs' elements packed into one flat array, and
each returned tensor is a view of it (a slice and a reshape), so the engine, which gives
every node one output, walks them like any other view. Differences from PyTorch: outputs
that take part in the graph must share one floating dtype; `mark_dirty` (in-place custom
ops) is not supported; `ctx.saved_tensors` gives the graph-connected output back only for
single-output functions.
"""
import functools

import numpy as np

from .engine import Primitive, apply
from .grad_mode import _State, no_grad
from .tensor import Tensor, _wrap

__all__ = ["Function", "FunctionCtx", "once_differentiable"]


class FunctionCtx:
    """The ``ctx`` object passed to a Function's ``forward`` and ``backward``.

    :meth:`Function.apply` creates it; user code only calls its methods and may store
    anything else that ``backward`` needs as plain attributes (``ctx.dim = dim``).

    Parameters
    ----------
    needs_input_grad : tuple of bool
        One entry per positional argument of ``apply``: whether that argument is a tensor
        whose gradient is needed.

    Attributes
    ----------
    needs_input_grad : tuple of bool
        As given: ``backward`` may return None for the arguments whose entry is False.
        The tensors saved with :meth:`save_for_backward` come back as ``saved_tensors``.
    """

    def __init__(self, needs_input_grad):
        self.needs_input_grad = needs_input_grad
        self._saved = ()
        self._versions = ()
        self._non_differentiable = ()
        self._materialize_grads = True
        self._node = None           # set once the call is recorded
        self._outputs = ()          # forward's own output tensors, for saved_tensors

    def save_for_backward(self, *tensors):
        """Keep tensors (inputs or outputs of ``forward``, or None) for ``backward``.

        Saving through this method, rather than as attributes of ``ctx``, lets the engine check
        that they were not changed in place before ``backward`` reads them (as for built-in ops)
        and gives ``backward`` graph-connected tensors, so double backward works. Read them back
        with ``ctx.saved_tensors``.

        Parameters
        ----------
        *tensors : Tensor or None
            The tensors to keep, in the order ``saved_tensors`` will return them.

        Raises
        ------
        TypeError
            If an argument is neither a tensor nor None.
        """
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(f"save_for_backward: argument {i} is a {type(t).__name__}; "
                                f"only tensors (or None) can be saved")
        self._saved = tensors
        self._versions = tuple(None if t is None else t._vbox[0] for t in tensors)

    @property
    def saved_tensors(self):
        """The tensors given to `save_for_backward`, checked against in-place changes."""
        out = []
        for i, (t, v) in enumerate(zip(self._saved, self._versions)):
            if t is None:
                out.append(None)
                continue
            if t._vbox[0] != v:
                raise RuntimeError(
                    f"one of the tensors needed for gradient computation has been modified by "
                    f"an in-place operation: saved tensor {i} of custom Function (shape "
                    f"{t.shape}) is at version {t._vbox[0]}; expected version {v}")
            if self._node is not None and len(self._outputs) == 1 and t is self._outputs[0]:
                t = self._node.output()     # the output as a tensor in the graph
            out.append(t)
        return tuple(out)

    def mark_non_differentiable(self, *outputs):
        """Declare outputs of ``forward`` (e.g. indices) that get no gradient.

        They are returned outside the graph, and ``backward`` receives None for them.

        Parameters
        ----------
        *outputs : Tensor
            Tensors that ``forward`` returns.
        """
        self._non_differentiable = tuple(id(t) for t in outputs)

    def set_materialize_grads(self, value):
        """Choose what ``backward`` receives for outputs that got no gradient: zeros or None.

        Parameters
        ----------
        value : bool
            True (the default): a zero tensor of the output's shape. False: None, so
            ``backward`` can skip work.

        Notes
        -----
        With False, a gradient that is all zeros is passed as None too (glassgrad cannot tell it
        from a missing one); PyTorch passes None only when no gradient flowed at all.
        """
        self._materialize_grads = bool(value)

    def mark_dirty(self, *tensors):
        """Declare inputs that ``forward`` modified in place: not supported.

        Parameters
        ----------
        *tensors : Tensor
            The modified inputs.

        Raises
        ------
        NotImplementedError
            Always: in-place custom Functions are not supported; return a new tensor from
            ``forward`` instead (PyTorch supports them).
        """
        raise NotImplementedError("mark_dirty: in-place custom Functions are not supported by "
                                  "glassgrad; return a new tensor from forward instead")


class _Layout:
    """How a call's differentiable outputs sit in the node's output: `index` per returned
    value (None: outside the graph), and each graph output's (start, stop, shape) in the
    packed flat array (`packed` False: the node's output is the single output itself)."""
    __slots__ = ("packed", "index", "spans")

    def __init__(self, packed, index, spans):
        self.packed, self.index, self.spans = packed, index, spans


def _function_vjp(n, g):
    cls, ctx, layout, tensor_args = n.ctx[0], n.ctx[1], n.ctx[2], n.ctx[3]
    if layout.packed:
        grads_out = [g[start:stop].reshape(shape) for start, stop, shape in layout.spans]
    else:
        grads_out = [g]
    if not ctx._materialize_grads:
        grads_out = [None if not np.any(go._data) else go for go in grads_out]
    per_value = [None if i is None else grads_out[i] for i in layout.index]
    ctx._node = n       # for saved_tensors; unset after, so that ctx and n form no cycle
    try:
        result = cls.backward(ctx, *per_value)
    finally:
        ctx._node = None
    if not isinstance(result, tuple):
        result = (result,)
    n_args = len(ctx.needs_input_grad)
    if len(result) < n_args:
        raise RuntimeError(f"function {cls.__name__}Backward returned {len(result)} gradients, "
                           f"but forward took {n_args} arguments")
    if len(result) > n_args and any(r is not None for r in result[n_args:]):
        raise RuntimeError(f"function {cls.__name__}Backward returned an incorrect number of "
                           f"gradients (expected {n_args}, got {len(result)})")
    grads = []
    for position, t in tensor_args:
        gi = result[position]
        if gi is None or not ctx.needs_input_grad[position]:
            grads.append(None)
            continue
        if not isinstance(gi, Tensor):
            gi = _wrap(np.asarray(gi, dtype=t.dtype))
        if gi.shape != t.shape:
            raise RuntimeError(f"function {cls.__name__}Backward returned an invalid gradient "
                               f"at index {position} - got {list(gi.shape)} but expected "
                               f"shape compatible with {list(t.shape)}")
        if gi.dtype != t.dtype:
            gi = gi.to(t.dtype)
        grads.append(gi)
    return tuple(grads)


def _replay(*args):
    # The node's "forward": apply() hands it the inputs' arrays, then the context; the
    # output was computed by the user's forward already and sits last in the context.
    return args[-1]


class Function:
    """Base class of custom ops with a hand-written gradient (PyTorch's autograd.Function).

    Subclass it and define two static methods:

    ``forward(ctx, *args, **kwargs)``
        Computes the result(s) from tensors and any other arguments. It runs with gradient
        recording off, so it may use any tensor op or numpy on ``t.numpy()``. Returns a
        tensor or a tuple of tensors. Use ``ctx.save_for_backward(...)`` for tensors that
        backward needs, and plain ``ctx.attr = value`` for anything else.
    ``backward(ctx, *grad_outputs)``
        Receives one gradient per output of forward (dL/doutput, same shape) and returns one
        gradient per argument of forward (None for non-tensors or inputs whose
        ``ctx.needs_input_grad`` is False). Written in tensor ops, it is itself
        differentiable, so gradients of gradients (``create_graph=True``, gradgradcheck) work.

    Call it with ``MyFunction.apply(*args)``, never by instantiating it.

    Parameters
    ----------
    *args, **kwargs
        Not used: a Function is never instantiated.

    Raises
    ------
    RuntimeError
        On instantiation (``Cube()``): call ``Cube.apply(...)`` instead.

    Notes
    -----
    Differences from PyTorch: outputs that take part in the graph must share one floating
    dtype; :meth:`FunctionCtx.mark_dirty` (in-place custom ops) is not supported; and
    ``ctx.saved_tensors`` gives a graph-connected output back only for single-output
    functions.

    Examples
    --------
    >>> import glassgrad as gg
    >>> from glassgrad import autograd as ag
    >>> class Cube(ag.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x ** 3
    ...     @staticmethod
    ...     def backward(ctx, g):
    ...         x, = ctx.saved_tensors
    ...         return g * 3 * x ** 2
    >>> x = gg.tensor([1.0, 2.0], dtype=gg.float64, requires_grad=True)
    >>> Cube.apply(x).sum().backward()
    >>> x.grad
    tensor([ 3., 12.], dtype=float64)
    >>> ag.gradcheck(Cube.apply, (x,))
    True
    """

    def __init__(self, *args, **kwargs):
        raise RuntimeError(f"{type(self).__name__}: custom Functions are not instantiated; "
                           f"call {type(self).__name__}.apply(...)")

    @staticmethod
    def forward(ctx, *args, **kwargs):
        """Compute the outputs from the arguments; a subclass must define it as a static method.

        It runs with gradient recording off, so it may use any tensor op or numpy on
        ``t.numpy()``.

        Parameters
        ----------
        ctx : FunctionCtx
            The context: ``ctx.save_for_backward(...)`` for tensors that ``backward`` needs,
            plain attributes for anything else.
        *args
            The positional arguments given to :meth:`apply` (tensors or anything else).
        **kwargs
            The keyword arguments given to :meth:`apply`.

        Returns
        -------
        Tensor or tuple of Tensor
            The output(s).

        Raises
        ------
        NotImplementedError
            When the subclass does not define it.
        """
        raise NotImplementedError("a Function subclass must define forward(ctx, ...)")

    @staticmethod
    def backward(ctx, *grad_outputs):
        """Return the gradients of the arguments; a subclass must define it as a static method.

        Written in tensor ops, it is itself differentiable, so gradients of gradients
        (``create_graph=True``, :func:`gradgradcheck`) work; decorate it with
        :func:`once_differentiable` when it is not.

        Parameters
        ----------
        ctx : FunctionCtx
            The context that ``forward`` received.
        *grad_outputs : Tensor or None
            One gradient per output of ``forward`` (dL/doutput, of the output's shape); None for
            an output that is not differentiable, or that got no gradient when
            ``ctx.set_materialize_grads(False)`` was called.

        Returns
        -------
        Tensor or None or tuple of them
            One gradient per positional argument of ``forward`` (of that argument's shape), None
            for non-tensors and for arguments whose ``ctx.needs_input_grad`` entry is False.

        Raises
        ------
        NotImplementedError
            When the subclass does not define it.
        """
        raise NotImplementedError("a Function subclass must define backward(ctx, ...)")

    @classmethod
    def _primitive(cls):
        prim = cls.__dict__.get("_glassgrad_primitive")
        if prim is None:
            prim = Primitive(cls.__name__, _replay, _function_vjp, saves=("output",),
                             rule=f"out = {cls.__name__}.forward(inputs);  "
                                  f"dL/dinputs = {cls.__name__}.backward(g) (user-defined)")
            prim.backward_name = f"{cls.__name__}Backward"
            cls._glassgrad_primitive = prim
        return prim

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run ``forward`` on the arguments and record the call in the graph.

        Parameters
        ----------
        *args
            The positional arguments of ``forward`` (after ``ctx``).
        **kwargs
            Its keyword arguments (they get no gradient).

        Returns
        -------
        Tensor or tuple of Tensor
            What ``forward`` returns. When any tensor argument requires grad and grad mode is on,
            the outputs that take part in the graph have this call's node (``<Name>Backward``) as
            their ``grad_fn``.

        Raises
        ------
        TypeError
            If ``forward`` returns something other than tensors (or None), or differentiable
            outputs of different dtypes.
        RuntimeError
            At backward, if ``backward`` returns too few or too many gradients, or a gradient of
            the wrong shape (as PyTorch).
        """
        tensor_args = tuple((i, a) for i, a in enumerate(args) if isinstance(a, Tensor))
        recording = _State.grad_enabled and any(a._requires_grad for _, a in tensor_args)
        ctx = FunctionCtx(tuple(isinstance(a, Tensor) and a._requires_grad and recording
                                for a in args))
        with no_grad():
            result = cls.forward(ctx, *args, **kwargs)
        single = not isinstance(result, (tuple, list))
        values = (result,) if single else tuple(result)
        for i, v in enumerate(values):
            if v is not None and not isinstance(v, Tensor):
                raise TypeError(f"{cls.__name__}.forward must return tensors; output {i} is a "
                                f"{type(v).__name__}")
        if not recording:
            return result
        ctx._outputs = values
        graph_values = [v for v in values if v is not None and v.dtype.kind == "f"
                        and id(v) not in ctx._non_differentiable]
        if not graph_values:
            return result
        dtypes = {v.dtype for v in graph_values}
        if len(dtypes) > 1:
            raise TypeError(f"{cls.__name__}.forward: differentiable outputs must share one "
                            f"dtype, got {sorted(map(str, dtypes))}")
        index, spans, start = [], [], 0
        for v in values:
            if any(v is w for w in graph_values):
                index.append(len(spans))
                spans.append((start, start + v._data.size, v.shape))
                start += v._data.size
            else:
                index.append(None)
        packed = len(graph_values) > 1
        data = (np.concatenate([v._data.ravel() for v in graph_values]) if packed
                else graph_values[0]._data)
        layout = _Layout(packed, tuple(index), tuple(spans))
        inputs = tuple(a for _, a in tensor_args)
        out = apply(cls._primitive(), inputs, cls, ctx, layout, tensor_args, data)
        if not packed:
            out._vbox = graph_values[0]._vbox       # in-place edits of it are noticed
            outs = [out]
        else:
            outs = [out[s:e].reshape(shape) for s, e, shape in spans]
        returned = [v if i is None else outs[i] for v, i in zip(values, index)]
        return returned[0] if single else tuple(returned)


def _raise_twice(n, g):
    raise RuntimeError(f"trying to differentiate twice a function that was marked with "
                       f"@once_differentiable ({n.ctx[0]})")


_ONCE = Primitive("once_differentiable", lambda r, anchor, name: r, _raise_twice,
                  rule="out = a gradient computed by a @once_differentiable backward;  "
                       "it cannot be differentiated again")


def once_differentiable(backward):
    """Decorate a Function's ``backward`` that is not written in differentiable tensor ops.

    Use it when ``backward`` computes with numpy (or otherwise outside the graph). It then
    runs with recording off, and differentiating its result again (``create_graph=True``,
    :func:`gradgradcheck`) raises a clear error instead of silently giving zeros.

    Parameters
    ----------
    backward : callable
        The static ``backward(ctx, *grad_outputs)`` method to wrap.

    Returns
    -------
    callable
        The wrapped ``backward``.

    Examples
    --------
    >>> from glassgrad import autograd as ag
    >>> class Double(ag.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         return x * 2
    ...     @staticmethod
    ...     @ag.once_differentiable
    ...     def backward(ctx, g):
    ...         return gg.tensor(g.numpy() * 2)
    >>> x = gg.tensor([1.0, 3.0], requires_grad=True)
    >>> Double.apply(x).sum().backward()
    >>> x.grad
    tensor([2., 2.])
    """
    name = getattr(backward, "__qualname__", "backward")

    @functools.wraps(backward)
    def wrapper(ctx, *grad_outputs):
        outer = _State.grad_enabled
        with no_grad():
            result = backward(ctx, *grad_outputs)
        anchors = [g for g in grad_outputs if g is not None and g._requires_grad]
        if not outer or not anchors:
            return result
        # each gradient becomes a graph tensor that depends on an upstream gradient through
        # a node whose rule raises, so a second backward reaches the error
        marked = tuple(apply(_ONCE, (r, anchors[0]), name) if isinstance(r, Tensor) else r
                       for r in (result if isinstance(result, tuple) else (result,)))
        return marked if isinstance(result, tuple) else marked[0]
    return wrapper
