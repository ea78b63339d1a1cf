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
    """This tensor if its memory is row-major contiguous, else a contiguous copy (whose
    gradient flows back unchanged)."""
    if self._data.flags.c_contiguous:
        return self
    return apply(P.CONTIGUOUS, (self,))


def is_contiguous(self, memory_format=None):
    """True if the elements lie in row-major order without gaps (size-1 dims ignored)."""
    return bool(self._data.flags.c_contiguous)


def t(self):
    """The transpose of a tensor of at most 2 dims (0-d and 1-d come back unchanged).

    Raises
    ------
    RuntimeError
        For more than 2 dims (use transpose or mT)."""
    if self._data.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                           f"{self._data.ndim}D (shape {self.shape})")
    return transpose(self, 0, 1) if self._data.ndim == 2 else self


def view_as(self, other):
    """`self.view(other.shape)`: same memory, other's shape."""
    return view(self, other.shape)


def reshape_as(self, other):
    """`self.reshape(other.shape)`."""
    return reshape(self, other.shape)


def tensor_type(self, dtype=None, non_blocking=False):
    """With no argument, the type name, e.g. 'glassgrad.FloatTensor' (PyTorch: 
    'torch.FloatTensor'). With a dtype or a type name ('torch.DoubleTensor' and
    'glassgrad.DoubleTensor' both work), this tensor converted to it.

    Raises
    ------
    ValueError
        For an unknown type name."""
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
    """The number of elements (same as numel())."""
    return self._data.size


def element_size(self):
    """Bytes per element (4 for float32)."""
    return self._data.dtype.itemsize


def ndimension(self):
    """The number of dims (same as dim())."""
    return self._data.ndim


def stride(self, dim=None):
    """Steps, in elements, between consecutive indices of each dim (a tuple), or of `dim`."""
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
    """How many elements into its memory block this tensor's first element lies (0 for a
    tensor that owns its memory; e.g. 3 for `x[1:]` of a (4, 3) tensor x)."""
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
    """A new leaf tensor holding a copy of `data`, of this tensor's dtype unless given."""
    dt = _new(self, dtype, device, "new_tensor")
    return _finish(np.array(_as_array(data, dt), copy=True), requires_grad)


def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
    """Zeros of `size`, of this tensor's dtype unless given."""
    dt = _new(self, dtype, device, "new_zeros")
    return _finish(np.zeros(_shape(size, "new_zeros"), dt), requires_grad)


def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
    """Ones of `size`, of this tensor's dtype unless given."""
    dt = _new(self, dtype, device, "new_ones")
    return _finish(np.ones(_shape(size, "new_ones"), dt), requires_grad)


def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
    """An uninitialized tensor of `size`, of this tensor's dtype unless given."""
    dt = _new(self, dtype, device, "new_empty")
    return _finish(np.empty(_shape(size, "new_empty"), dt), requires_grad)


def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
    """`fill_value` everywhere in a tensor of `size`, of this tensor's dtype unless given."""
    dt = _new(self, dtype, device, "new_full")
    return _finish(np.full(_shape((size,), "new_full"), fill_value, dt), requires_grad)


def cpu(self, memory_format=None):
    """This tensor (it already lives on the CPU)."""
    return self


def get_device(self):
    """-1: the tensor is on the CPU (PyTorch's answer for CPU tensors)."""
    return -1


def cuda(self, device=None, non_blocking=False, memory_format=None):
    """Always raises: glassgrad has no GPU backend."""
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
    """`to(dtype)`, `to(device)`, `to(device, dtype)`, `to(other)` (other's dtype and device),
    keyword forms, and `copy=True` for a copy even when nothing changes. Devices other than
    the CPU raise; between float dtypes the conversion is differentiable."""
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
    T.is_cuda = property(lambda self: False, doc="False: tensors live on the CPU.")
    T.is_cpu = property(lambda self: True, doc="True: tensors live on the CPU.")


_attach()


# ----- functions about tensors -----------------------------------------------------------------


def get_default_device():
    """The device factories use when given none: always `device('cpu')`."""
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
    """Return False: glassgrad has no complex dtypes (PyTorch's ``is_complex``)."""
    return False


Tensor.is_complex = _is_complex
