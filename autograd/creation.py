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
    dtype : numpy.dtype, optional
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
    """Convert ``data`` to a tensor, sharing memory when possible (as ``torch.as_tensor``).

    Parameters
    ----------
    data : array_like or Tensor
        The values (as for :func:`tensor`).
    dtype : numpy.dtype, optional
        The element type.
    device : str or device, optional
        None or the CPU.

    Returns
    -------
    Tensor
        ``data`` itself if it is a tensor of the requested dtype; a tensor sharing memory with an ndarray of that dtype; otherwise a new tensor.
    """
    check_device(device, "as_tensor")
    if isinstance(data, Tensor) and (dtype is None or np.dtype(dtype) == data._data.dtype):
        return data
    return _wrap(_as_array(data, dtype))


def from_numpy(array):
    """Return a tensor sharing memory with the numpy array ``array`` (as ``torch.from_numpy``).

    Parameters
    ----------
    array : ndarray
        A bool, integer or floating array.

    Returns
    -------
    Tensor
        A tensor of the array's shape and dtype: changes to one show in the other.
    """
    return _wrap(np.asarray(array))


def zeros(*size, dtype=None, device=None, requires_grad=False, **kw):
    """Return a tensor of zeros of the given size (as ``torch.zeros``).

    Parameters
    ----------
    *size : int or sequence of int
        The shape, as separate ints (``zeros(2, 3)``) or one sequence (``zeros((2, 3))``).
    dtype : numpy.dtype, optional
        The element type; the default float dtype (see :func:`set_default_dtype`) when None.
    device : str or device, optional
        None or the CPU (the only device).
    requires_grad : bool, optional
        Make the result a leaf that records operations (floating dtypes only). Default False.
    **kw
        Only ``size=``: the shape as a keyword (``zeros(size=(2, 3))``), as PyTorch accepts.

    Returns
    -------
    Tensor
        A new tensor of zeros.

    Raises
    ------
    RuntimeError
        If ``device`` is not the CPU, or ``requires_grad=True`` for a non-floating dtype.
    ValueError
        If a size is negative or not an integer.
    TypeError
        If the size is given both by position and as ``size=``, or for any other keyword.
    """
    check_device(device, "zeros")
    shape = _sizes(size, kw.pop("size", None), "zeros")
    _bad_kw("zeros", kw)
    return _finish(np.zeros(shape, _float_dtype(dtype)), requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False, **kw):
    """Return a tensor of ones of the given size (as ``torch.ones``).

    Parameters
    ----------
    *size : int or sequence of int
        The shape, as separate ints (``ones(2, 3)``) or one sequence (``ones((2, 3))``).
    dtype : numpy.dtype, optional
        The element type; the default float dtype (see :func:`set_default_dtype`) when None.
    device : str or device, optional
        None or the CPU (the only device).
    requires_grad : bool, optional
        Make the result a leaf that records operations (floating dtypes only). Default False.
    **kw
        Only ``size=``: the shape as a keyword (``ones(size=(2, 3))``), as PyTorch accepts.

    Returns
    -------
    Tensor
        A new tensor of ones.

    Raises
    ------
    RuntimeError
        If ``device`` is not the CPU, or ``requires_grad=True`` for a non-floating dtype.
    ValueError
        If a size is negative or not an integer.
    TypeError
        If the size is given both by position and as ``size=``, or for any other keyword.
    """
    check_device(device, "ones")
    shape = _sizes(size, kw.pop("size", None), "ones")
    _bad_kw("ones", kw)
    return _finish(np.ones(shape, _float_dtype(dtype)), requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False, **kw):
    """Return a tensor of the given size with unspecified values (as ``torch.empty``).

    Parameters
    ----------
    *size : int or sequence of int
        The shape, as separate ints (``empty(2, 3)``) or one sequence (``empty((2, 3))``).
    dtype : numpy.dtype, optional
        The element type; the default float dtype (see :func:`set_default_dtype`) when None.
    device : str or device, optional
        None or the CPU (the only device).
    requires_grad : bool, optional
        Make the result a leaf that records operations (floating dtypes only). Default False.
    **kw
        Only ``size=``: the shape as a keyword (``empty(size=(2, 3))``), as PyTorch accepts.

    Returns
    -------
    Tensor
        A new tensor whose values are whatever the memory held: write them before reading.

    Raises
    ------
    RuntimeError
        If ``device`` is not the CPU, or ``requires_grad=True`` for a non-floating dtype.
    ValueError
        If a size is negative or not an integer.
    TypeError
        If the size is given both by position and as ``size=``, or for any other keyword.
    """
    check_device(device, "empty")
    shape = _sizes(size, kw.pop("size", None), "empty")
    _bad_kw("empty", kw)
    return _finish(np.empty(shape, _float_dtype(dtype)), requires_grad)


def _bad_kw(op, kw):
    if kw:
        raise TypeError(f"{op}() got an unexpected keyword argument {next(iter(kw))!r}")


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    """Return a tensor of ``size`` filled with ``fill_value`` (as ``torch.full``).

    Parameters
    ----------
    size : sequence of int
        The shape.
    fill_value : number
        The value of every element.
    dtype : numpy.dtype, optional
        The element type; inferred from ``fill_value`` (bool, int64 or the default float dtype) when None.
    device : str or device, optional
        None or the CPU (the only device).
    requires_grad : bool, optional
        Make the result a leaf that records operations (floating dtypes only). Default False.

    Returns
    -------
    Tensor
        A new tensor.

    Raises
    ------
    RuntimeError
        If ``device`` is not the CPU, or ``requires_grad=True`` for a non-floating dtype.
    """
    check_device(device, "full")
    if dtype is None:
        dtype = _as_array(fill_value).dtype
    return _finish(np.full(_shape((size,), "full"), fill_value, np.dtype(dtype)), requires_grad)


def _like_dtype(t, dtype):
    return t.dtype if dtype is None else np.dtype(dtype)


def zeros_like(input, dtype=None, device=None, requires_grad=False):
    """Return a tensor of zeros with the shape (and dtype) of ``input`` (as ``torch.zeros_like``).

    Parameters
    ----------
    input : Tensor
        The tensor whose shape (and, unless ``dtype`` is given, dtype) to take.
    dtype : numpy.dtype, optional
        The element type; ``input``'s dtype when None.
    device : str or device, optional
        None or the CPU (the only device).
    requires_grad : bool, optional
        Make the result a leaf that records operations (floating dtypes only). Default False.

    Returns
    -------
    Tensor
        A new tensor of ``input``'s shape.
    """
    check_device(device, "zeros_like")
    return _finish(np.zeros(input.shape, _like_dtype(input, dtype)), requires_grad)


def ones_like(input, dtype=None, device=None, requires_grad=False):
    """Return a tensor of ones with the shape (and dtype) of ``input`` (as ``torch.ones_like``).

    Parameters
    ----------
    input : Tensor
        The tensor whose shape (and, unless ``dtype`` is given, dtype) to take.
    dtype : numpy.dtype, optional
        The element type; ``input``'s dtype when None.
    device : str or device, optional
        None or the CPU (the only device).
    requires_grad : bool, optional
        Make the result a leaf that records operations (floating dtypes only). Default False.

    Returns
    -------
    Tensor
        A new tensor of ``input``'s shape.
    """
    check_device(device, "ones_like")
    return _finish(np.ones(input.shape, _like_dtype(input, dtype)), requires_grad)


def full_like(input, fill_value, dtype=None, device=None, requires_grad=False):
    """Return a tensor filled with ``fill_value``, with the shape (and dtype) of ``input``.

    Parameters
    ----------
    input : Tensor
        The tensor whose shape (and, unless ``dtype`` is given, dtype) to take.
    fill_value : number
        The value of every element.
    dtype : numpy.dtype, optional
        The element type; ``input``'s dtype when None.
    device : str or device, optional
        None or the CPU (the only device).
    requires_grad : bool, optional
        Make the result a leaf that records operations (floating dtypes only). Default False.

    Returns
    -------
    Tensor
        A new tensor of ``input``'s shape.
    """
    check_device(device, "full_like")
    return _finish(np.full(input.shape, fill_value, _like_dtype(input, dtype)), requires_grad)


def empty_like(input, dtype=None, device=None, requires_grad=False):
    """Return a tensor of unspecified values with the shape (and dtype) of ``input`` (as ``torch.empty_like``).

    Parameters
    ----------
    input : Tensor
        The tensor whose shape (and, unless ``dtype`` is given, dtype) to take.
    dtype : numpy.dtype, optional
        The element type; ``input``'s dtype when None.
    device : str or device, optional
        None or the CPU (the only device).
    requires_grad : bool, optional
        Make the result a leaf that records operations (floating dtypes only). Default False.

    Returns
    -------
    Tensor
        A new tensor of ``input``'s shape.
    """
    check_device(device, "empty_like")
    return _finish(np.empty(input.shape, _like_dtype(input, dtype)), requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    """Return the values from ``start`` to ``end`` (excluded) by ``step`` (as ``torch.arange``).

    Parameters
    ----------
    start : number
        The first value; with a single argument, ``arange(end)`` starts at 0.
    end : number, optional
        The end, excluded.
    step : number, optional
        The spacing. Default 1.
    dtype : numpy.dtype, optional
        The element type; int64 when all arguments are ints, else the default float dtype (as in PyTorch).
    device : str or device, optional
        None or the CPU (the only device).
    requires_grad : bool, optional
        Make the result a leaf that records operations (floating dtypes only). Default False.

    Returns
    -------
    Tensor
        A 1-D tensor of ``ceil((end - start) / step)`` elements.

    Examples
    --------
    >>> gg.arange(5)
    tensor([0, 1, 2, 3, 4])
    >>> gg.arange(0, 1, 0.25)
    tensor([0.  , 0.25, 0.5 , 0.75])
    """
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
    """Return ``steps`` evenly spaced values from ``start`` to ``end``, both included (as ``torch.linspace``).

    Parameters
    ----------
    start, end : number
        The first and last values.
    steps : int
        The number of values.
    dtype : numpy.dtype, optional
        The element type; the default float dtype (see :func:`set_default_dtype`) when None.
    device : str or device, optional
        None or the CPU (the only device).
    requires_grad : bool, optional
        Make the result a leaf that records operations (floating dtypes only). Default False.

    Returns
    -------
    Tensor
        A 1-D tensor of ``steps`` elements.
    """
    check_device(device, "linspace")
    return _finish(np.linspace(start, end, int(steps), dtype=_float_dtype(dtype)), requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    """Return the identity matrix (as ``torch.eye``).

    Parameters
    ----------
    n : int
        The number of rows.
    m : int, optional
        The number of columns; ``n`` when None.
    dtype : numpy.dtype, optional
        The element type; the default float dtype (see :func:`set_default_dtype`) when None.
    device : str or device, optional
        None or the CPU (the only device).
    requires_grad : bool, optional
        Make the result a leaf that records operations (floating dtypes only). Default False.

    Returns
    -------
    Tensor
        Shape (n, m): ones on the diagonal, zeros elsewhere.
    """
    check_device(device, "eye")
    return _finish(np.eye(n, m, dtype=_float_dtype(dtype)), requires_grad)


# ----- random factories --------------------------------------------------------------------


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False, **kw):
    """Return samples drawn uniformly from [0, 1), of the given size (as ``torch.rand``).

    Parameters
    ----------
    *size : int or sequence of int
        The shape, as separate ints (``rand(2, 3)``) or one sequence (``rand((2, 3))``).
    generator : Generator, optional
        Draw from this generator instead of the global one (see :func:`manual_seed`).
    dtype : numpy.dtype, optional
        The element type; the default float dtype (see :func:`set_default_dtype`) when None;
        floating dtypes only.
    device : str or device, optional
        None or the CPU (the only device).
    requires_grad : bool, optional
        Make the result a leaf that records operations (floating dtypes only). Default False.
    **kw
        Only ``size=``: the shape as a keyword (``rand(size=(2, 3))``), as PyTorch accepts.

    Returns
    -------
    Tensor
        A new tensor of the given shape and the (floating) dtype.

    Raises
    ------
    RuntimeError
        If ``device`` is not the CPU, or ``requires_grad=True`` for a non-floating dtype.
    NotImplementedError
        For a non-floating ``dtype`` (as PyTorch).
    ValueError
        If a size is negative or not an integer.
    TypeError
        If the size is given both by position and as ``size=``, or for any other keyword.
    """
    check_device(device, "rand")
    shape = _sizes(size, kw.pop("size", None), "rand")
    _bad_kw("rand", kw)
    dt = _random_float_dtype(dtype, "rand")
    return _finish(get_rng(generator).random(shape).astype(dt), requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False, **kw):
    """Return samples of the standard normal distribution (mean 0, variance 1), of the given size (as ``torch.randn``).

    Parameters
    ----------
    *size : int or sequence of int
        The shape, as separate ints (``randn(2, 3)``) or one sequence (``randn((2, 3))``).
    generator : Generator, optional
        Draw from this generator instead of the global one (see :func:`manual_seed`).
    dtype : numpy.dtype, optional
        The element type; the default float dtype (see :func:`set_default_dtype`) when None;
        floating dtypes only.
    device : str or device, optional
        None or the CPU (the only device).
    requires_grad : bool, optional
        Make the result a leaf that records operations (floating dtypes only). Default False.
    **kw
        Only ``size=``: the shape as a keyword (``randn(size=(2, 3))``), as PyTorch accepts.

    Returns
    -------
    Tensor
        A new tensor of the given shape and the (floating) dtype.

    Raises
    ------
    RuntimeError
        If ``device`` is not the CPU, or ``requires_grad=True`` for a non-floating dtype.
    NotImplementedError
        For a non-floating ``dtype`` (as PyTorch).
    ValueError
        If a size is negative or not an integer.
    TypeError
        If the size is given both by position and as ``size=``, or for any other keyword.
    """
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
    """Return integers drawn uniformly from [low, high), of shape ``size`` (as ``torch.randint``).

    Parameters
    ----------
    low : int, optional
        The lowest value. ``randint(high, size)`` starts at 0, as in PyTorch.
    high : int
        One above the highest value.
    size : sequence of int
        The shape.
    generator : Generator, optional
        Draw from this generator instead of the global one (see :func:`manual_seed`).
    dtype : numpy.dtype, optional
        The element type; int64 when None.
    device : str or device, optional
        None or the CPU (the only device).
    requires_grad : bool, optional
        Make the result a leaf that records operations (floating dtypes only). Default False.

    Returns
    -------
    Tensor
        A new tensor.

    Raises
    ------
    RuntimeError
        If ``low >= high``.
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
    """Return a random permutation of the integers 0 to n - 1 (as ``torch.randperm``).

    Parameters
    ----------
    n : int
        The number of values.
    generator : Generator, optional
        Draw from this generator instead of the global one (see :func:`manual_seed`).
    dtype : numpy.dtype, optional
        The element type; int64 when None.
    device : str or device, optional
        None or the CPU (the only device).
    requires_grad : bool, optional
        Make the result a leaf that records operations (floating dtypes only). Default False.

    Returns
    -------
    Tensor
        A 1-D tensor of n elements.
    """
    check_device(device, "randperm")
    if n < 0:
        raise RuntimeError(f"randperm: n must be non-negative, got {n}")
    dt = dtypes.int64 if dtype is None else np.dtype(dtype)
    return _finish(get_rng(generator).permutation(int(n)).astype(dt), requires_grad)


def rand_like(input, *, generator=None, dtype=None, device=None, requires_grad=False):
    """Return :func:`rand` samples with the shape (and dtype) of ``input``.

    Parameters
    ----------
    input : Tensor
        The tensor whose shape (and, unless ``dtype`` is given, dtype) to take.
    generator : Generator, optional
        Draw from this generator instead of the global one (see :func:`manual_seed`).
    dtype : numpy.dtype, optional
        The element type; ``input``'s dtype when None.
    device : str or device, optional
        None or the CPU (the only device).
    requires_grad : bool, optional
        Make the result a leaf that records operations (floating dtypes only). Default False.

    Returns
    -------
    Tensor
        A new tensor of ``input``'s shape.
    """
    return rand(*input.shape, generator=generator, dtype=_like_dtype(input, dtype),
                device=device, requires_grad=requires_grad)


def randn_like(input, *, generator=None, dtype=None, device=None, requires_grad=False):
    """Return :func:`randn` samples with the shape (and dtype) of ``input``.

    Parameters
    ----------
    input : Tensor
        The tensor whose shape (and, unless ``dtype`` is given, dtype) to take.
    generator : Generator, optional
        Draw from this generator instead of the global one (see :func:`manual_seed`).
    dtype : numpy.dtype, optional
        The element type; ``input``'s dtype when None.
    device : str or device, optional
        None or the CPU (the only device).
    requires_grad : bool, optional
        Make the result a leaf that records operations (floating dtypes only). Default False.

    Returns
    -------
    Tensor
        A new tensor of ``input``'s shape.
    """
    return randn(*input.shape, generator=generator, dtype=_like_dtype(input, dtype),
                 device=device, requires_grad=requires_grad)


def randint_like(input, low=0, high=None, *, generator=None, dtype=None, device=None,
                 requires_grad=False):
    """Return :func:`randint` samples with the shape (and dtype) of ``input``; ``randint_like(x, high)`` draws from [0, high).

    Parameters
    ----------
    input : Tensor
        The tensor whose shape (and, unless ``dtype`` is given, dtype) to take.
    low, high : int
        The range [low, high).
    generator : Generator, optional
        Draw from this generator instead of the global one (see :func:`manual_seed`).
    dtype : numpy.dtype, optional
        The element type; ``input``'s dtype when None.
    device : str or device, optional
        None or the CPU (the only device).
    requires_grad : bool, optional
        Make the result a leaf that records operations (floating dtypes only). Default False.

    Returns
    -------
    Tensor
        A new tensor of ``input``'s shape.
    """
    check_device(device, "randint_like")
    if high is None:
        low, high = 0, low
    return _finish(_integers(get_rng(generator), low, high, input.shape,
                             _like_dtype(input, dtype), "randint_like"), requires_grad)
