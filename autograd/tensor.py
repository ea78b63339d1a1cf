"""Tensor: an ndarray, its gradient, and the node of the graph that produced it.

Operators and methods are thin sugar over the ops in `ops.py` and the primitives in
`primitives.py`; the graph walk lives in `engine.py`.
"""
import weakref

import numpy as np

from . import _capture

from . import dtypes
from .device import CPU as _CPU


def _as_array(data, dtype=None):
    """Convert user data to an ndarray with PyTorch's dtype inference: Python floats take the
    default dtype, ints int64, bools bool; ndarrays keep their dtype."""
    if isinstance(data, Tensor):
        arr = data._data
    elif isinstance(data, (np.ndarray, np.generic)):
        arr = np.asarray(data)
        if arr.dtype.kind not in "fiub":
            raise TypeError(f"tensor(): cannot build a tensor from a numpy array of dtype "
                            f"{arr.dtype} ({_KIND_NAMES.get(arr.dtype.kind, 'unsupported')}); "
                            f"only bool, integer and floating arrays can be converted")
    else:
        if isinstance(data, (list, tuple)):
            elements = _element_dtype(data)
            if elements is not None:
                data = _unwrap_nested(data)
                arr = np.asarray(data)
                if arr.dtype.kind not in "fiub":
                    raise TypeError(f"tensor(): cannot build a tensor from data of type "
                                    f"{arr.dtype}")
                return arr.astype(np.dtype(dtype) if dtype is not None else elements,
                                  copy=False)
        arr = np.asarray(data)
        if arr.dtype.kind == "f" and dtype is None:
            arr = arr.astype(dtypes.get_default_dtype())
        elif arr.dtype.kind in "iu" and dtype is None:
            arr = arr.astype(np.int64)
        elif arr.dtype.kind not in "fiub":
            raise TypeError(f"tensor(): cannot build a tensor from data of type {arr.dtype}")
    if dtype is not None:
        arr = arr.astype(np.dtype(dtype), copy=False)
    return arr


_KIND_NAMES = {"U": "strings", "S": "bytes", "O": "Python objects", "M": "datetimes",
               "m": "timedeltas", "c": "complex numbers", "V": "raw records"}


def _element_dtype(seq):
    """Dtype PyTorch infers for a nested sequence holding numpy scalars, arrays or tensors:
    every element's own dtype (Python floats the default dtype, ints int64, bools bool) promoted
    together. None when the sequence holds only Python numbers (the common fast case)."""
    flat = list(_flat(seq))
    if not any(isinstance(x, (Tensor, np.generic, np.ndarray)) for x in flat):
        return None
    out = None
    for x in flat:
        if isinstance(x, Tensor):
            dt = x._data.dtype
        elif isinstance(x, (np.generic, np.ndarray)):
            dt = x.dtype
        elif isinstance(x, bool):
            dt = dtypes.bool_
        elif isinstance(x, int):
            dt = dtypes.int64
        elif isinstance(x, float):
            dt = dtypes.get_default_dtype()
        else:
            raise TypeError(f"tensor(): cannot build a tensor from an element of type "
                            f"{type(x).__name__} ({x!r})")
        if dt.kind not in "fiub":
            raise TypeError(f"tensor(): cannot build a tensor from an element of dtype {dt}")
        out = dt if out is None else dtypes.promote(out, dt)
    return out


def _flat(seq):
    for x in seq:
        if isinstance(x, (list, tuple)):
            yield from _flat(x)
        else:
            yield x


def _unwrap_nested(seq):
    return [(_unwrap_nested(x) if isinstance(x, (list, tuple)) else
             (x._data if isinstance(x, Tensor) else x)) for x in seq]


class Tensor:
    """An n-dimensional array that can record the operations applied to it.

    A tensor wraps a numpy ndarray. When it requires grad, every operation applied to it is
    recorded in a graph, and :meth:`backward` walks that graph in reverse to accumulate
    gradients into the ``.grad`` of the leaf tensors. Prefer :func:`glassgrad.tensor` (as
    ``torch.tensor``) to build one.

    Parameters
    ----------
    data : array_like or Tensor
        The values: a Python number, a nested list or tuple, a numpy array or a tensor.
        Python floats take the default dtype (float32), ints int64, bools bool; numpy
        arrays keep their dtype (an ndarray of the right dtype is used without a copy).
    requires_grad : bool, optional
        Record operations on this tensor for autograd (floating dtypes only). Default False.
    dtype : numpy.dtype, optional
        Convert the values to this dtype.

    Raises
    ------
    TypeError
        If ``data`` holds strings, complex numbers, Python objects or other non-numeric values.
    RuntimeError
        If ``requires_grad=True`` for a non-floating dtype.

    Notes
    -----
    ``t.grad_fn`` is the graph node that produced the tensor (None for leaves and for
    tensors made without autograd); ``t.name``, None by default, is an optional label shown
    in the graph drawings of :mod:`glassgrad.viz` (glassgrad only).

    Internally ``_data`` is the ndarray (shared with :meth:`numpy`), ``_vbox`` a one-element
    list holding the version counter shared with every view of the same memory (bumped by
    in-place ops), and ``_grad`` the gradient behind the checked :attr:`grad` property.
    Unlike PyTorch there is only one device (the CPU) and no complex dtypes.

    Examples
    --------
    >>> x = gg.Tensor([1.0, 2.0], requires_grad=True)
    >>> x
    tensor([1., 2.], requires_grad=True)
    """
    __slots__ = ("_data", "_grad", "_requires_grad", "grad_fn", "_vbox", "__dict__",
                 "__weakref__")
    # Rarely set attributes live in the instance __dict__ (created only when first set), so
    # that making a tensor on the hot path sets five slots and nothing else.
    _hooks = None           # hooks of a leaf (a non-leaf's hooks live on its grad_fn)
    _retains_grad = False
    name = None             # optional label, shown by ag.viz
    __array_priority__ = 1000
    __array_ufunc__ = None          # make numpy defer to our reflected operators

    def __init__(self, data, requires_grad=False, dtype=None):
        self._data = data if (type(data) is np.ndarray and dtype is None) else _as_array(data, dtype)
        self._grad = None
        self._requires_grad = False
        self.grad_fn = None
        self._vbox = [0]
        if requires_grad:
            self.requires_grad = True

    # ----- attributes -------------------------------------------------------------------
    @property
    def shape(self):
        """The size of each dim, a tuple of ints (PyTorch returns a ``torch.Size``, a tuple
        subclass)."""
        return self._data.shape

    @property
    def ndim(self):
        """The number of dims (0 for a scalar tensor); same as :meth:`dim`."""
        return self._data.ndim

    def dim(self):
        """Return the number of dims (0 for a scalar tensor); same as :attr:`ndim`.

        Returns
        -------
        int
            The number of dims.
        """
        return self._data.ndim

    @property
    def dtype(self):
        """The element type, a numpy dtype such as ``gg.float32`` (``np.dtype('float32')``).

        Notes
        -----
        glassgrad's dtypes are numpy's, so ``x.dtype == np.float32`` is True; PyTorch's are
        ``torch.dtype`` objects.
        """
        return self._data.dtype

    @property
    def device(self):
        """The device holding the tensor: always `device('cpu')` (equal to 'cpu')."""
        return _CPU

    def size(self, dim=None):
        """Return the shape, or the size of one dim.

        Parameters
        ----------
        dim : int, optional
            A dim (negative counts from the end). Default None: the whole shape.

        Returns
        -------
        tuple of int or int
            The shape (PyTorch returns a ``torch.Size``, a tuple subclass), or the size of
            ``dim``.

        Raises
        ------
        IndexError
            If ``dim`` is out of range (a 0-d tensor has no dims to ask about).
        """
        if dim is None:
            return self._data.shape
        nd = self._data.ndim
        if not -max(nd, 1) <= dim < max(nd, 1) or nd == 0:
            raise IndexError(f"size(): dimension out of range (expected to be in range of "
                             f"[{-max(nd, 1)}, {max(nd, 1) - 1}], but got {dim}) for shape "
                             f"{self._data.shape}")
        return self._data.shape[dim]

    def numel(self):
        """Return the number of elements (the product of the shape; 1 for a 0-d tensor).

        Returns
        -------
        int
            The number of elements.
        """
        return self._data.size

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    @property
    def is_leaf(self):
        """True if the tensor was not produced by a recorded operation (``grad_fn is None``).

        Leaves that require grad (parameters, inputs) get their ``.grad`` filled by
        :meth:`backward`; non-leaves only if :meth:`retain_grad` was called.
        """
        return self.grad_fn is None

    @property
    def requires_grad(self):
        """Whether operations on this tensor are recorded for autograd.

        Can be set on leaf tensors of a floating dtype (``RuntimeError`` otherwise); setting
        it to False on a non-leaf raises ``RuntimeError`` (use :meth:`detach`).
        """
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag):
        flag = bool(flag)
        if self.grad_fn is not None:
            if not flag:
                raise RuntimeError("requires_grad can only be changed on leaf tensors; "
                                   "use detach() to get a tensor that does not require grad")
            return
        if flag and self._data.dtype.kind != "f":
            raise RuntimeError(f"only tensors of floating point dtype can require gradients, "
                               f"got {self._data.dtype} (shape {self._data.shape})")
        self._requires_grad = flag

    def requires_grad_(self, requires_grad=True):
        """Set :attr:`requires_grad` in place and return this tensor.

        Parameters
        ----------
        requires_grad : bool, optional
            The new value. Default True.

        Returns
        -------
        Tensor
            This tensor.

        Raises
        ------
        RuntimeError
            If the tensor is not of a floating dtype, or if ``requires_grad=False`` on a
            non-leaf tensor.
        """
        self.requires_grad = requires_grad
        return self

    @property
    def _version(self):
        return self._vbox[0]

    @property
    def grad(self):
        """The gradient accumulated by backward (None until then). Assigning checks, as
        PyTorch does, that the new value is None or a Tensor of this tensor's shape and dtype.
        """
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad "
                                f"of type {type(value).__name__}")
            if value._data.shape != self._data.shape:
                raise RuntimeError(f"attempting to assign a gradient of size "
                                   f"{list(value._data.shape)} to a tensor of size "
                                   f"{list(self._data.shape)}. Please ensure that the gradient "
                                   f"and the tensor are the same size")
            if value._data.dtype != self._data.dtype:
                raise RuntimeError(f"attempting to assign a gradient with dtype "
                                   f"{value._data.dtype} to a tensor with dtype "
                                   f"{self._data.dtype}. The gradient must match the tensor's "
                                   f"dtype")
        self._grad = value

    @grad.deleter
    def grad(self):
        self._grad = None

    @property
    def data(self):
        """A detached tensor sharing this tensor's memory, with a version counter of its own
        (as in PyTorch): in-place changes made through `.data` are invisible to autograd, so
        they raise no version error at backward (and may silently change what a saved tensor
        holds; prefer `with no_grad():` on the tensor itself)."""
        t = _wrap(self._data)
        return t

    @data.setter
    def data(self, value):
        """Replace the memory this tensor refers to (shape and dtype may change), keeping
        its history and version counter."""
        if not isinstance(value, Tensor):
            raise TypeError(f"data: expected a Tensor, got {type(value).__name__}")
        self._data = value._data

    # ----- conversion -------------------------------------------------------------------
    def numpy(self):
        """Return the underlying numpy array, sharing memory with this tensor (no copy).

        Returns
        -------
        numpy.ndarray
            The array itself: writing into it changes the tensor (without bumping its version
            counter, so autograd cannot notice).

        Notes
        -----
        PyTorch raises for a tensor that requires grad (``x.detach().numpy()`` is needed there);
        glassgrad returns the array in every case.
        """
        _note_host_read(self, "numpy()")
        return self._data

    def __array__(self, dtype=None, copy=None):
        # np.asarray(t) shares memory; np.array(t) (copy=True) must not
        arr = self._data if dtype is None else self._data.astype(dtype, copy=False)
        return arr.copy() if copy and arr is self._data else arr

    def item(self):
        """Return the value of a one-element tensor as a Python number.

        Returns
        -------
        float or int or bool
            The value, as the Python type matching the dtype.

        Raises
        ------
        RuntimeError
            If the tensor has more or fewer than one element.
        """
        _note_host_read(self, "item()")
        if self._data.size != 1:
            raise RuntimeError(f"item(): a tensor with {self._data.size} elements cannot be "
                               f"converted to a Python scalar (shape {self._data.shape})")
        return self._data.item()

    def tolist(self):
        """Return the values as a nested list of Python numbers (a number for a 0-d tensor).

        Returns
        -------
        list or number
            Nested lists, one level per dim.
        """
        _note_host_read(self, "tolist()")
        return self._data.tolist()

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be used as an index")
        return int(self._data.item())

    def __bool__(self):
        _note_host_read(self, "bool(tensor) (e.g. a Python `if` on a tensor)")
        if self._data.size != 1:
            raise RuntimeError(f"the truth value of a tensor with {self._data.size} elements "
                               f"is ambiguous (shape {self._data.shape})")
        return bool(self._data.item())

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    __hash__ = object.__hash__

    def __repr__(self):
        body = np.array2string(self._data, separator=", ", precision=4, prefix="tensor(")
        extra = ""
        arr = self._data
        if arr.size == 0 and arr.shape != (0,):       # "[]" alone would hide the shape
            extra += f", size={tuple(arr.shape)}"
        # as in PyTorch: int64 and bool show in the elements, except when there are none
        implied = (dtypes.get_default_dtype(),) + ((dtypes.int64, dtypes.bool_) if arr.size
                                                   else ())
        if arr.dtype not in implied:
            extra += f", dtype={arr.dtype}"
        if self.grad_fn is not None:
            extra += f", grad_fn=<{self.grad_fn.name()}>"
        elif self._requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    # ----- pickling and copying ---------------------------------------------------------
    def __reduce_ex__(self, protocol):
        # As in PyTorch: the values and requires_grad are kept, the history is dropped (a
        # pickled non-leaf comes back as a leaf), and .grad is not pickled.
        return _rebuild_tensor, (self._data, self._requires_grad)

    def __deepcopy__(self, memo):
        if self.grad_fn is not None:
            raise RuntimeError("deepcopy: only tensors created by the user (graph leaves) can "
                               "be deep-copied; call .detach() first to copy the values")
        import copy
        rebuild, args = self.__reduce_ex__(4)
        new = rebuild(*copy.deepcopy(args, memo))
        memo[id(self)] = new
        if self.grad is not None:
            new.grad = copy.deepcopy(self.grad, memo)
        return new

    # ----- autograd -----------------------------------------------------------------------
    def detach(self):
        """Return a new tensor sharing this tensor's memory, outside the graph.

        Returns
        -------
        Tensor
            A leaf that does not require grad, sharing memory and the version counter with this
            tensor (an in-place change to either shows in both, and autograd still notices it).
        """
        t = Tensor(self._data)
        t._vbox = self._vbox
        return t

    def detach_(self):
        """Detach this tensor from the graph in place: it becomes a leaf that does not require grad.

        Returns
        -------
        Tensor
            This tensor.
        """
        self.grad_fn = None
        self._requires_grad = False
        return self

    # backward(), T and mT are attached by engine.py and ops.py, which build on this module

    def register_hook(self, hook):
        """Register a function to call when this tensor's gradient is computed.

        Parameters
        ----------
        hook : callable
            Called as ``hook(grad)`` during backward; if it returns a tensor (of the gradient's
            shape and dtype), that tensor replaces the gradient. Returning None keeps it.

        Returns
        -------
        RemovableHandle
            A handle whose ``remove()`` unregisters the hook (also usable as a context manager).

        Raises
        ------
        RuntimeError
            If this tensor does not require grad.

        Examples
        --------
        >>> x = gg.tensor([1.0, 2.0], requires_grad=True)
        >>> handle = x.register_hook(lambda g: g * 10)
        >>> (x * x).sum().backward()
        >>> x.grad
        tensor([20., 40.])
        >>> handle.remove()
        """
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that does not require grad")
        if self.grad_fn is not None:
            hooks = self.grad_fn.hooks
            if hooks is None:
                hooks = self.grad_fn.hooks = []
        else:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        hooks.append(hook)
        return RemovableHandle(hooks, hook)

    def retain_grad(self):
        """Keep `.grad` for this non-leaf tensor after backward (leaves always keep it)."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on a tensor that does not require grad")
        if self.grad_fn is None:
            return
        self.grad_fn.retained = weakref.ref(self)
        self._retains_grad = True

    @property
    def retains_grad(self):
        """True if :meth:`retain_grad` was called on this non-leaf tensor."""
        return self._retains_grad


def _rebuild_tensor(data, requires_grad):
    """Unpickle a Tensor: a new leaf holding `data`."""
    t = Tensor(np.array(data, copy=True))
    if requires_grad:
        t.requires_grad = True
    return t


class RemovableHandle:
    """Returned by register_hook; `remove()` unregisters the hook."""

    def __init__(self, hooks, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self):
        """Unregister the hook (does nothing if it was already removed)."""
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def _wrap(data):
    """Fast constructor for engine-made tensors: `data` must already be an ndarray."""
    t = _new(Tensor)
    t._data = data
    t._grad = None
    t._requires_grad = False
    t.grad_fn = None
    t._vbox = [0]
    return t


_new = object.__new__


def _note_host_read(t, what):
    """Tell a capturing `compile` that a tensor's value goes to Python (it then stays eager)."""
    rec = _capture.recorder
    if rec is not None:
        rec.host_read(t, what)
