"""Tensor methods about layout, dtype, device and construction: `contiguous`, `t`, `view_as`,
`type`, `new_zeros`..., `to(device/dtype/other)`, `cpu`, `stride`, `storage_offset`,
`__format__`, ... (attached to Tensor at import, like ops.py's methods)."""
import numpy as np

from . import primitives as P
from .creation import _finish, _shape
from .device import CPU, check_device, device as _device_class
from .engine import apply
from .ops import clone, reshape, to, transpose, view
from .tensor import Tensor, _as_array

_TYPE_NAMES = {
    np.dtype(np.float32): "FloatTensor", np.dtype(np.float64): "DoubleTensor",
    np.dtype(np.float16): "HalfTensor", np.dtype(np.int64): "LongTensor",
    np.dtype(np.int32): "IntTensor", np.dtype(np.int16): "ShortTensor",
    np.dtype(np.int8): "CharTensor", np.dtype(np.uint8): "ByteTensor",
    np.dtype(np.bool_): "BoolTensor",
}
_TYPE_DTYPES = {name: dt for dt, name in _TYPE_NAMES.items()}


def contiguous(self, memory_format=None):
    """Return this tensor if its memory is row-major contiguous, else a contiguous copy.

    Parameters
    ----------
    memory_format : optional
        Accepted for PyTorch compatibility and ignored (there is one memory layout).
        Default None.

    Returns
    -------
    Tensor
        This tensor itself, or a contiguous copy of the same shape and dtype whose gradient
        flows back unchanged.
    """
    if self._data.flags.c_contiguous:
        return self
    return apply(P.CONTIGUOUS, (self,))


def is_contiguous(self, memory_format=None):
    """Test whether the elements lie in row-major order without gaps (size-1 dims ignored).

    Parameters
    ----------
    memory_format : optional
        Accepted for PyTorch compatibility and ignored. Default None.

    Returns
    -------
    bool
        True for a tensor that owns its memory and for views such as ``x[1:]``; False for
        ``x.t()`` or ``x[:, ::2]``.
    """
    return bool(self._data.flags.c_contiguous)


def t(self):
    """Return the transpose of a tensor of at most 2 dims (``x.t()``).

    A 0-d or 1-d tensor comes back unchanged; a 2-d tensor is ``x.transpose(0, 1)``.

    Returns
    -------
    Tensor
        A view sharing this tensor's memory.

    Raises
    ------
    RuntimeError
        For more than 2 dims (use :meth:`Tensor.transpose` or :attr:`Tensor.mT`).
    """
    if self._data.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                           f"{self._data.ndim}D (shape {self.shape})")
    return transpose(self, 0, 1) if self._data.ndim == 2 else self


def view_as(self, other):
    """Return ``self.view(other.shape)``: the same memory, in ``other``'s shape.

    Parameters
    ----------
    other : Tensor
        The tensor whose shape to take; it must have as many elements as this tensor.

    Returns
    -------
    Tensor
        A view sharing this tensor's memory.

    Raises
    ------
    RuntimeError
        If the numbers of elements differ, or the new shape needs a copy (use
        :meth:`Tensor.reshape_as`).
    """
    return view(self, other.shape)


def reshape_as(self, other):
    """Return ``self.reshape(other.shape)``: this tensor's elements in ``other``'s shape.

    Parameters
    ----------
    other : Tensor
        The tensor whose shape to take; it must have as many elements as this tensor.

    Returns
    -------
    Tensor
        A view when the memory layout allows it, otherwise a copy.

    Raises
    ------
    RuntimeError
        If the numbers of elements differ.
    """
    return reshape(self, other.shape)


def tensor_type(self, dtype=None, non_blocking=False):
    """Return the type name of this tensor, or this tensor converted to a dtype or type name.

    ``x.type()`` gives e.g. ``'glassgrad.FloatTensor'``; ``x.type(gg.float64)`` and
    ``x.type('torch.DoubleTensor')`` convert.

    Parameters
    ----------
    dtype : numpy.dtype or str, optional
        The target dtype, or a type name: ``'torch.DoubleTensor'`` and
        ``'glassgrad.DoubleTensor'`` both work. Default None: return the name.
    non_blocking : bool, optional
        Accepted for PyTorch compatibility and ignored. Default False.

    Returns
    -------
    str or Tensor
        The type name, or the converted tensor (this tensor itself when the dtype already
        matches; differentiable between floating dtypes).

    Raises
    ------
    ValueError
        For an unknown type name.

    Notes
    -----
    PyTorch's names start with ``torch.`` (``'torch.FloatTensor'``); glassgrad's with
    ``glassgrad.``. A dtype without a PyTorch type name (e.g. uint16) is named after numpy's
    dtype.
    """
    if dtype is None:
        return "glassgrad." + _TYPE_NAMES.get(self._data.dtype, str(self._data.dtype))
    if isinstance(dtype, str):
        prefix, _, name = dtype.rpartition(".")
        if prefix not in ("torch", "glassgrad") or name not in _TYPE_DTYPES:
            raise ValueError(f"type(): invalid type {dtype!r}; expected e.g. "
                             f"'torch.FloatTensor' or 'glassgrad.FloatTensor'")
        dtype = _TYPE_DTYPES[name]
    return to(self, np.dtype(dtype))


def nelement(self):
    """Return the number of elements (the same as :meth:`Tensor.numel`).

    Returns
    -------
    int
        The product of the sizes of the dims (1 for a 0-d tensor).
    """
    return self._data.size


def element_size(self):
    """Return the size of one element in bytes (4 for float32, 8 for int64, 1 for bool).

    Returns
    -------
    int
        The number of bytes of one element.
    """
    return self._data.dtype.itemsize


def ndimension(self):
    """Return the number of dims (the same as :meth:`Tensor.dim`).

    Returns
    -------
    int
        0 for a scalar tensor.
    """
    return self._data.ndim


def stride(self, dim=None):
    """Return the steps, in elements, between consecutive indices of each dim, or of ``dim``.

    Parameters
    ----------
    dim : int, optional
        One dim (negative counts from the end). Default None: every dim.

    Returns
    -------
    tuple of int or int
        The strides of all dims, or of ``dim``; ``(3, 1)`` for a contiguous (4, 3) tensor.

    Raises
    ------
    IndexError
        If ``dim`` is out of range.
    """
    steps = tuple(s // self._data.itemsize for s in self._data.strides)
    if dim is None:
        return steps
    return steps[_dim_index(self, dim, "stride")]


def _dim_index(self, dim, op):
    nd = max(self._data.ndim, 1)
    if not -nd <= dim < nd:
        raise IndexError(f"{op}: dimension out of range (expected to be in range of "
                         f"[{-nd}, {nd - 1}], but got {dim})")
    return dim % nd


def storage_offset(self):
    """Return how many elements into its memory block this tensor's first element lies.

    Returns
    -------
    int
        0 for a tensor that owns its memory; e.g. 3 for ``x[1:]`` of a (4, 3) tensor ``x``.
    """
    arr, base = self._data, self._data
    while isinstance(base.base, np.ndarray):
        base = base.base
    if base is arr:
        return 0
    start = arr.__array_interface__["data"][0]
    return (start - base.__array_interface__["data"][0]) // arr.itemsize


def _new(self, dtype, device, op):
    check_device(device, op)
    return self._data.dtype if dtype is None else np.dtype(dtype)


def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
    """Return a new leaf tensor holding a copy of ``data``, of this tensor's dtype unless given.

    Parameters
    ----------
    data : number, nested list or tuple, ndarray or Tensor
        The values.
    dtype : numpy.dtype, optional
        The dtype of the result. Default None: this tensor's dtype.
    device : str or device, optional
        Only the CPU is available. Default None.
    requires_grad : bool, optional
        Whether autograd records operations on the result. Default False.

    Returns
    -------
    Tensor
        A new tensor of ``data``'s shape, not connected to any graph.

    Raises
    ------
    RuntimeError
        For a device other than the CPU.
    """
    dt = _new(self, dtype, device, "new_tensor")
    return _finish(np.array(_as_array(data, dt), copy=True), requires_grad)


def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
    """Return a new tensor of zeros of shape ``size``, of this tensor's dtype unless given.

    Parameters
    ----------
    *size : int or tuple of int
        The shape, as separate ints or one tuple.
    dtype : numpy.dtype, optional
        The dtype of the result (keyword only). Default None: this tensor's dtype.
    device : str or device, optional
        Only the CPU is available (keyword only). Default None.
    requires_grad : bool, optional
        Whether autograd records operations on the result (keyword only). Default False.

    Returns
    -------
    Tensor
        A new leaf tensor of shape ``size``.

    Raises
    ------
    ValueError
        If a size is negative or not an integer.
    RuntimeError
        For a device other than the CPU.
    """
    dt = _new(self, dtype, device, "new_zeros")
    return _finish(np.zeros(_shape(size, "new_zeros"), dt), requires_grad)


def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
    """Return a new tensor of ones of shape ``size``, of this tensor's dtype unless given.

    Parameters
    ----------
    *size : int or tuple of int
        The shape, as separate ints or one tuple.
    dtype : numpy.dtype, optional
        The dtype of the result (keyword only). Default None: this tensor's dtype.
    device : str or device, optional
        Only the CPU is available (keyword only). Default None.
    requires_grad : bool, optional
        Whether autograd records operations on the result (keyword only). Default False.

    Returns
    -------
    Tensor
        A new leaf tensor of shape ``size``.

    Raises
    ------
    ValueError
        If a size is negative or not an integer.
    RuntimeError
        For a device other than the CPU.
    """
    dt = _new(self, dtype, device, "new_ones")
    return _finish(np.ones(_shape(size, "new_ones"), dt), requires_grad)


def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
    """Return a new tensor of uninitialized values of shape ``size``, of this tensor's dtype unless given.

    Parameters
    ----------
    *size : int or tuple of int
        The shape, as separate ints or one tuple.
    dtype : numpy.dtype, optional
        The dtype of the result (keyword only). Default None: this tensor's dtype.
    device : str or device, optional
        Only the CPU is available (keyword only). Default None.
    requires_grad : bool, optional
        Whether autograd records operations on the result (keyword only). Default False.

    Returns
    -------
    Tensor
        A new leaf tensor of shape ``size``.

    Raises
    ------
    ValueError
        If a size is negative or not an integer.
    RuntimeError
        For a device other than the CPU.
    """
    dt = _new(self, dtype, device, "new_empty")
    return _finish(np.empty(_shape(size, "new_empty"), dt), requires_grad)


def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
    """Return a new tensor of shape ``size`` filled with ``fill_value``, of this tensor's dtype unless given.

    Parameters
    ----------
    size : int or tuple of int
        The shape.
    fill_value : number
        The value of every element.
    dtype : numpy.dtype, optional
        The dtype of the result. Default None: this tensor's dtype.
    device : str or device, optional
        Only the CPU is available. Default None.
    requires_grad : bool, optional
        Whether autograd records operations on the result. Default False.

    Returns
    -------
    Tensor
        A new leaf tensor of shape ``size``.

    Raises
    ------
    ValueError
        If a size is negative or not an integer.
    RuntimeError
        For a device other than the CPU.

    Notes
    -----
    PyTorch makes ``dtype``, ``device`` and ``requires_grad`` keyword only; here they may also
    be passed by position.
    """
    dt = _new(self, dtype, device, "new_full")
    return _finish(np.full(_shape((size,), "new_full"), fill_value, dt), requires_grad)


def cpu(self, memory_format=None):
    """Return this tensor itself: it already lives on the CPU.

    Parameters
    ----------
    memory_format : optional
        Accepted for PyTorch compatibility and ignored. Default None.

    Returns
    -------
    Tensor
        This tensor (PyTorch also returns the tensor itself when it is already on the CPU).
    """
    return self


def get_device(self):
    """Return -1, PyTorch's device index for CPU tensors.

    Returns
    -------
    int
        Always -1: glassgrad tensors live on the CPU.
    """
    return -1


def cuda(self, device=None, non_blocking=False, memory_format=None):
    """Move this tensor to a GPU: not available, so this always raises.

    Parameters
    ----------
    device : int or str or device, optional
        The GPU. Default None.
    non_blocking : bool, optional
        Accepted for PyTorch compatibility. Default False.
    memory_format : optional
        Accepted for PyTorch compatibility. Default None.

    Returns
    -------
    Tensor
        Never returns: glassgrad computes with numpy on the CPU only.

    Raises
    ------
    RuntimeError
        Always (glassgrad has no GPU backend).
    TypeError
        If ``device`` is not a device, a string or an int.
    """
    check_device(_device_class("cuda") if device is None else device, "cuda")
    return self


def _is_dtype(value):
    """A numpy dtype or scalar type, or a Python number type (float is float64, int int64)."""
    return isinstance(value, np.dtype) or (isinstance(value, type) and issubclass(
        value, (np.generic, float, int, bool)))


def parse_to_args(args, dtype=None, device=None, op="to"):
    """The dtype (or None) asked for by a PyTorch-style `to(...)` call: `to(dtype)`,
    `to(device)`, `to(device, dtype)`, `to(tensor)` (its dtype), with `dtype=`/`device=`
    keywords. A device other than the CPU raises (RuntimeError); so do malformed arguments
    (TypeError). Used by Tensor.to and nn.Module.to."""
    if len(args) > 2:
        raise TypeError(f"{op}() takes at most 2 positional arguments, got {len(args)}")
    for i, a in enumerate(args):
        if isinstance(a, Tensor):
            if len(args) > 1:
                raise TypeError(f"{op}(other) takes the tensor as its only positional argument")
            dtype = a._data.dtype if dtype is None else dtype
        elif i == 0 and (isinstance(a, (str, _device_class, int)) and not isinstance(a, bool)
                         or isinstance(getattr(a, "type", None), str)):   # e.g. torch.device
            if device is not None:
                raise TypeError(f"{op}() got the device twice")
            device = a
        elif _is_dtype(a):
            if dtype is not None:
                raise TypeError(f"{op}() got the dtype twice")
            dtype = a
        else:
            raise TypeError(f"{op}() received an invalid argument {a!r}: expected a dtype, a "
                            f"device or a tensor")
    check_device(device, op)
    return None if dtype is None else np.dtype(dtype)


def _method_to(self, *args, dtype=None, device=None, non_blocking=False, copy=False,
               memory_format=None):
    """Return this tensor converted to another dtype (and, in form, device), as PyTorch's ``Tensor.to``.

    The forms are ``x.to(dtype)``, ``x.to(device)``, ``x.to(device, dtype)``, ``x.to(other)``
    (``other``'s dtype and device), and the keyword forms ``x.to(dtype=..., device=...)``.

    Parameters
    ----------
    *args : dtype, device or Tensor
        At most two positional arguments, in one of the forms above.
    dtype : numpy.dtype, optional
        The target dtype (keyword). Default None: keep the dtype.
    device : str or device, optional
        The target device (keyword); only the CPU is available. Default None.
    non_blocking : bool, optional
        Accepted for PyTorch compatibility and ignored. Default False.
    copy : bool, optional
        Return a new tensor even when nothing changes. Default False.
    memory_format : optional
        Accepted for PyTorch compatibility and ignored. Default None.

    Returns
    -------
    Tensor
        This tensor itself when dtype (and device) already match and ``copy`` is False,
        otherwise a converted tensor; the conversion is differentiable between floating
        dtypes.

    Raises
    ------
    RuntimeError
        For a device other than the CPU.
    TypeError
        For malformed arguments (more than two positional arguments, the dtype or device
        given twice, a value that is neither a dtype, a device nor a tensor).
    """
    if len(args) == 1 and not copy and dtype is None and device is None \
            and isinstance(args[0], np.dtype):       # the common .to(dtype)
        return to(self, args[0])
    dtype = parse_to_args(args, dtype, device)
    out = self if dtype is None else to(self, dtype)
    if copy and out is self:
        out = clone(self)
    return out


def _format(self, spec):
    # 0-d tensors format like their Python number (f"{loss:.4f}"); subclasses such as
    # nn.Parameter keep their str(), as in PyTorch
    if self._data.ndim == 0 and self.__class__ is Tensor:
        return self._data.item().__format__(spec)
    return object.__format__(self, spec)


def _attach():
    T = Tensor
    for fn in (contiguous, is_contiguous, t, view_as, reshape_as, nelement, element_size,
               ndimension, stride, storage_offset, new_tensor, new_zeros, new_ones, new_empty,
               new_full, cpu, cuda, get_device):
        setattr(T, fn.__name__, fn)
    T.type = tensor_type
    T.to = _method_to
    T.__format__ = _format
    T.is_cuda = property(_is_cuda)
    T.is_cpu = property(_is_cpu)


def _is_cuda(self):
    """False: tensors live on the CPU."""
    return False


def _is_cpu(self):
    """True: tensors live on the CPU."""
    return True


_attach()


# ----- functions about tensors -----------------------------------------------------------------


def get_default_device():
    """Return the device that factories such as :func:`zeros` use when given none.

    Returns
    -------
    device
        Always ``device('cpu')``: glassgrad computes with numpy on the CPU.
    """
    return CPU


def is_tensor(obj):
    """Return True if ``obj`` is a glassgrad Tensor (or a subclass, such as ``nn.Parameter``).

    Parameters
    ----------
    obj : object
        Anything.

    Returns
    -------
    bool
        Whether ``obj`` is a tensor.
    """
    return isinstance(obj, Tensor)


def is_floating_point(input):
    """Return True if ``input`` has a floating dtype (also ``x.is_floating_point()``).

    Parameters
    ----------
    input : Tensor
        A tensor.

    Returns
    -------
    bool
        True for float16, float32 and float64.
    """
    return input._data.dtype.kind == "f"


def numel(input):
    """Return the number of elements of ``input`` (same as ``x.numel()``).

    Parameters
    ----------
    input : Tensor
        A tensor.

    Returns
    -------
    int
        The product of the sizes of the dims.
    """
    return input._data.size


def result_type(tensor1, tensor2):
    """Return the dtype of an arithmetic op between ``tensor1`` and ``tensor2``, by PyTorch's promotion rules.

    Parameters
    ----------
    tensor1, tensor2 : Tensor or number
        The operands; a Python number never widens a tensor's dtype within its category
        (``int32 tensor + 2`` stays int32, ``int tensor + 2.0`` gives the default float).

    Returns
    -------
    numpy.dtype
        The result dtype.

    Notes
    -----
    Differs from PyTorch: a 0-d tensor promotes like any other tensor (PyTorch lets a
    higher-dimensional tensor's dtype win within a category).
    """
    from .ops import _pair
    return _pair(tensor1, tensor2)[0]._data.dtype


Tensor.is_floating_point = is_floating_point


def _is_complex(self):
    """Return False: glassgrad has no complex dtypes (PyTorch's ``Tensor.is_complex``).

    Returns
    -------
    bool
        Always False.
    """
    return False


Tensor.is_complex = _is_complex
