"""Tensor factories, following PyTorch's names, defaults and dtype inference.

Every factory takes `device=` (None, 'cpu' or `device('cpu')`; any other device raises), and
the random ones take `generator=` (a `Generator`; the global default generator when None).
"""
import numpy as np

from . import dtypes
from .device import check_device
from .random import get_rng
from .tensor import Tensor, _as_array, _wrap


def _shape(size, op="size"):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    for s in size:
        if isinstance(s, Tensor) and s._data.ndim == 0 and s._data.dtype.kind in "iu":
            continue
        if not isinstance(s, (int, np.integer)) or isinstance(s, bool) or s < 0:
            raise ValueError(f"{op}: invalid size {tuple(size)}: sizes must be non-negative "
                             f"integers")
    return tuple(int(s) for s in size)


def _sizes(size, size_kw, op):
    """The shape from `*size` or from the `size=` keyword (PyTorch accepts both)."""
    if size_kw is not None:
        if size:
            raise TypeError(f"{op}: pass the size positionally or as size=, not both")
        size = (size_kw,)
    return _shape(size, op)


def _float_dtype(dtype):
    return dtypes.get_default_dtype() if dtype is None else np.dtype(dtype)


def _random_float_dtype(dtype, op):
    dt = _float_dtype(dtype)
    if dt.kind != "f":
        raise NotImplementedError(f"{op}: not implemented for dtype {dt} (floating dtypes "
                                  f"only)")
    return dt


def _finish(data, requires_grad):
    t = _wrap(data)
    if requires_grad:
        t.requires_grad = True
    return t


def tensor(data, dtype=None, device=None, requires_grad=False):
    """Return a new leaf tensor holding a copy of ``data`` (as ``torch.tensor``).

    Parameters
    ----------
    data : number, nested list or tuple, ndarray or Tensor
        The values. Without ``dtype``, Python floats take the default dtype (float32, see
        :func:`set_default_dtype`), ints int64 and bools bool; an ndarray or tensor keeps its
        dtype; a list mixing them takes their promoted dtype.
    dtype : dtype, optional
        Convert the values to this dtype (``gg.float64``, ``np.int32``...).
    device : str or device, optional
        None or the CPU (the only device).
    requires_grad : bool, optional
        Make the result a leaf that records operations for autograd (floating dtypes only).
        Default False.

    Returns
    -------
    Tensor
        A new tensor with its own memory.

    Raises
    ------
    TypeError
        If ``data`` holds strings, complex numbers or other non-numeric values.
    RuntimeError
        If ``device`` is not the CPU, or ``requires_grad=True`` for a non-floating dtype.

    Examples
    --------
    >>> gg.tensor([[1, 2], [3, 4]])
    tensor([[1, 2],
            [3, 4]])
    >>> gg.tensor([1.0, 2.0], dtype=gg.float64, requires_grad=True)
    tensor([1., 2.], dtype=float64, requires_grad=True)
    >>> gg.tensor(3.5).item()
    3.5
    """
    if device is not None:
        check_device(device, "tensor")
    arr = np.array(_as_array(data, dtype), copy=True)
    return _finish(arr, requires_grad)


def as_tensor(data, dtype=None, device=None):
    """Like tensor(), but shares memory with a Tensor or ndarray of a matching dtype."""
    check_device(device, "as_tensor")
    if isinstance(data, Tensor) and (dtype is None or np.dtype(dtype) == data._data.dtype):
        return data
    return _wrap(_as_array(data, dtype))


def from_numpy(array):
    """A tensor sharing memory with `array`."""
    return _wrap(np.asarray(array))


def zeros(*size, dtype=None, device=None, requires_grad=False, **kw):
    """A tensor of zeros of the given size (ints or one sequence; or `size=`)."""
    check_device(device, "zeros")
    shape = _sizes(size, kw.pop("size", None), "zeros")
    _bad_kw("zeros", kw)
    return _finish(np.zeros(shape, _float_dtype(dtype)), requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False, **kw):
    """A tensor of ones of the given size (ints or one sequence; or `size=`)."""
    check_device(device, "ones")
    shape = _sizes(size, kw.pop("size", None), "ones")
    _bad_kw("ones", kw)
    return _finish(np.ones(shape, _float_dtype(dtype)), requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False, **kw):
    """An uninitialized tensor of the given size (ints or one sequence; or `size=`)."""
    check_device(device, "empty")
    shape = _sizes(size, kw.pop("size", None), "empty")
    _bad_kw("empty", kw)
    return _finish(np.empty(shape, _float_dtype(dtype)), requires_grad)


def _bad_kw(op, kw):
    if kw:
        raise TypeError(f"{op}() got an unexpected keyword argument {next(iter(kw))!r}")


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    """A tensor of `size` filled with `fill_value`; its dtype is inferred from the value
    (bool, int64 or the default float) unless given."""
    check_device(device, "full")
    if dtype is None:
        dtype = _as_array(fill_value).dtype
    return _finish(np.full(_shape((size,), "full"), fill_value, np.dtype(dtype)), requires_grad)


def _like_dtype(t, dtype):
    return t.dtype if dtype is None else np.dtype(dtype)


def zeros_like(input, dtype=None, device=None, requires_grad=False):
    """Zeros with the shape (and, unless given, the dtype) of `input`."""
    check_device(device, "zeros_like")
    return _finish(np.zeros(input.shape, _like_dtype(input, dtype)), requires_grad)


def ones_like(input, dtype=None, device=None, requires_grad=False):
    """Ones with the shape (and, unless given, the dtype) of `input`."""
    check_device(device, "ones_like")
    return _finish(np.ones(input.shape, _like_dtype(input, dtype)), requires_grad)


def full_like(input, fill_value, dtype=None, device=None, requires_grad=False):
    """`fill_value` everywhere, with the shape (and, unless given, the dtype) of `input`."""
    check_device(device, "full_like")
    return _finish(np.full(input.shape, fill_value, _like_dtype(input, dtype)), requires_grad)


def empty_like(input, dtype=None, device=None, requires_grad=False):
    """Uninitialized, with the shape (and, unless given, the dtype) of `input`."""
    check_device(device, "empty_like")
    return _finish(np.empty(input.shape, _like_dtype(input, dtype)), requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    """Values in [start, end) with `step`; int64 when all arguments are ints, else the
    default float dtype (as in PyTorch)."""
    check_device(device, "arange")
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if dtype is None:
        ints = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = dtypes.int64 if ints else dtypes.get_default_dtype()
    dtype = np.dtype(dtype)
    if dtype.kind == "f":       # step in float64, then round once (float32 steps drift)
        return _finish(np.arange(start, end, step, dtype=np.float64).astype(dtype), requires_grad)
    return _finish(np.arange(start, end, step, dtype=dtype), requires_grad)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    """`steps` evenly spaced values from start to end, both included."""
    check_device(device, "linspace")
    return _finish(np.linspace(start, end, int(steps), dtype=_float_dtype(dtype)), requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    """The n x m (n x n when m is None) identity matrix."""
    check_device(device, "eye")
    return _finish(np.eye(n, m, dtype=_float_dtype(dtype)), requires_grad)


# ----- random factories --------------------------------------------------------------------


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False, **kw):
    """Uniform samples in [0, 1) of the given size (floating dtypes only).

    Drawn from `generator` (a `Generator`), or from the global generator when None."""
    check_device(device, "rand")
    shape = _sizes(size, kw.pop("size", None), "rand")
    _bad_kw("rand", kw)
    dt = _random_float_dtype(dtype, "rand")
    return _finish(get_rng(generator).random(shape).astype(dt), requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False, **kw):
    """Standard normal samples of the given size (floating dtypes only).

    Drawn from `generator` (a `Generator`), or from the global generator when None."""
    check_device(device, "randn")
    shape = _sizes(size, kw.pop("size", None), "randn")
    _bad_kw("randn", kw)
    dt = _random_float_dtype(dtype, "randn")
    return _finish(get_rng(generator).standard_normal(shape).astype(dt), requires_grad)


def _integers(rng, low, high, shape, dtype, op):
    low, high = int(low), int(high)
    if low >= high:
        raise RuntimeError(f"{op}: expected low < high, got low={low}, high={high}")
    dtype = np.dtype(dtype)
    values = rng.integers(low, high, size=shape, dtype=np.int64)
    return values.astype(dtype)


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad=False):
    """Integers uniform in [low, high) of shape `size`; `randint(high, size)` starts at 0,
    as in PyTorch. int64 unless `dtype` is given.

    Raises
    ------
    RuntimeError
        If low >= high.
    """
    check_device(device, "randint")
    if size is None and isinstance(high, (tuple, list)):
        low, high, size = 0, low, high
    if size is None:
        raise TypeError("randint() needs a size, e.g. randint(0, 10, (3,))")
    if high is None:
        low, high = 0, low
    dt = dtypes.int64 if dtype is None else np.dtype(dtype)
    return _finish(_integers(get_rng(generator), low, high, _shape((size,), "randint"), dt,
                             "randint"), requires_grad)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    """A random permutation of 0 .. n-1 (int64 unless `dtype` is given)."""
    check_device(device, "randperm")
    if n < 0:
        raise RuntimeError(f"randperm: n must be non-negative, got {n}")
    dt = dtypes.int64 if dtype is None else np.dtype(dtype)
    return _finish(get_rng(generator).permutation(int(n)).astype(dt), requires_grad)


def rand_like(input, *, generator=None, dtype=None, device=None, requires_grad=False):
    """rand() with the shape (and, unless given, the dtype) of `input`."""
    return rand(*input.shape, generator=generator, dtype=_like_dtype(input, dtype),
                device=device, requires_grad=requires_grad)


def randn_like(input, *, generator=None, dtype=None, device=None, requires_grad=False):
    """randn() with the shape (and, unless given, the dtype) of `input`."""
    return randn(*input.shape, generator=generator, dtype=_like_dtype(input, dtype),
                 device=device, requires_grad=requires_grad)


def randint_like(input, low=0, high=None, *, generator=None, dtype=None, device=None,
                 requires_grad=False):
    """randint() with the shape (and, unless given, the dtype) of `input`;
    `randint_like(x, high)` draws from [0, high)."""
    check_device(device, "randint_like")
    if high is None:
        low, high = 0, low
    return _finish(_integers(get_rng(generator), low, high, input.shape,
                             _like_dtype(input, dtype), "randint_like"), requires_grad)
