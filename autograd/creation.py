"""Tensor factories, following PyTorch's names, defaults and dtype inference."""
import numpy as np

from . import dtypes
from .random import get_rng
from .tensor import Tensor, _as_array, _wrap


def _shape(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    for s in size:
        if not isinstance(s, (int, np.integer)) or s < 0:
            raise ValueError(f"invalid size {tuple(size)}: sizes must be non-negative integers")
    return tuple(int(s) for s in size)


def _float_dtype(dtype):
    return dtypes.get_default_dtype() if dtype is None else np.dtype(dtype)


def _finish(data, requires_grad):
    t = _wrap(data)
    if requires_grad:
        t.requires_grad = True
    return t


def tensor(data, dtype=None, requires_grad=False):
    """A new leaf tensor holding a copy of `data` (number, nested list, ndarray or Tensor).

    Python floats take the default dtype, ints int64, bools bool; an ndarray keeps its dtype."""
    arr = np.array(_as_array(data, dtype), copy=True)
    return _finish(arr, requires_grad)


def as_tensor(data, dtype=None):
    """Like tensor(), but shares memory with an ndarray of a matching dtype."""
    if isinstance(data, Tensor) and dtype is None:
        return data
    return _wrap(_as_array(data, dtype))


def from_numpy(array):
    """A tensor sharing memory with `array`."""
    return _wrap(np.asarray(array))


def zeros(*size, dtype=None, requires_grad=False):
    return _finish(np.zeros(_shape(size), _float_dtype(dtype)), requires_grad)


def ones(*size, dtype=None, requires_grad=False):
    return _finish(np.ones(_shape(size), _float_dtype(dtype)), requires_grad)


def empty(*size, dtype=None, requires_grad=False):
    return _finish(np.empty(_shape(size), _float_dtype(dtype)), requires_grad)


def full(size, fill_value, dtype=None, requires_grad=False):
    if dtype is None:
        dtype = _as_array(fill_value).dtype
    return _finish(np.full(_shape((size,)), fill_value, np.dtype(dtype)), requires_grad)


def zeros_like(t, dtype=None, requires_grad=False):
    return _finish(np.zeros(t.shape, dtype or t.dtype), requires_grad)


def ones_like(t, dtype=None, requires_grad=False):
    return _finish(np.ones(t.shape, dtype or t.dtype), requires_grad)


def full_like(t, fill_value, dtype=None, requires_grad=False):
    return _finish(np.full(t.shape, fill_value, dtype or t.dtype), requires_grad)


def empty_like(t, dtype=None, requires_grad=False):
    return _finish(np.empty(t.shape, dtype or t.dtype), requires_grad)


def arange(start, end=None, step=1, dtype=None, requires_grad=False):
    """Values in [start, end) with `step`; int64 when all arguments are ints, else the
    default float dtype (as in PyTorch)."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError(f"arange: step must be nonzero, got {step!r}")
    if dtype is None:
        ints = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = dtypes.int64 if ints else dtypes.get_default_dtype()
    dtype = np.dtype(dtype)
    if dtype.kind == "f":       # step in float64, then round once (float32 steps drift)
        return _finish(np.arange(start, end, step, dtype=np.float64).astype(dtype), requires_grad)
    return _finish(np.arange(start, end, step, dtype=dtype), requires_grad)


def linspace(start, end, steps, dtype=None, requires_grad=False):
    return _finish(np.linspace(start, end, int(steps), dtype=_float_dtype(dtype)), requires_grad)


def eye(n, m=None, dtype=None, requires_grad=False):
    return _finish(np.eye(n, m, dtype=_float_dtype(dtype)), requires_grad)


def rand(*size, dtype=None, requires_grad=False):
    """Uniform samples in [0, 1)."""
    dt = _float_dtype(dtype)
    return _finish(get_rng().random(_shape(size)).astype(dt), requires_grad)


def randn(*size, dtype=None, requires_grad=False):
    """Standard normal samples."""
    dt = _float_dtype(dtype)
    return _finish(get_rng().standard_normal(_shape(size)).astype(dt), requires_grad)


def randint(low, high=None, size=None, dtype=None):
    """Integers in [low, high) (int64); `randint(high, size)` starts at 0, as in PyTorch."""
    if size is None and isinstance(high, (tuple, list)):
        low, high, size = 0, low, high
    if size is None:
        raise TypeError("randint() needs a size, e.g. randint(0, 10, (3,))")
    if high is None:
        low, high = 0, low
    return _wrap(get_rng().integers(low, high, size=_shape((size,)), dtype=np.dtype(dtype or np.int64)))


def randperm(n, dtype=None):
    return _wrap(get_rng().permutation(int(n)).astype(dtype or np.int64))


def rand_like(t, dtype=None, requires_grad=False):
    return rand(*t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad)


def randn_like(t, dtype=None, requires_grad=False):
    return randn(*t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad)
