"""Dtypes are numpy dtypes; this module names them and holds the default float dtype.

Promotion follows PyTorch, not numpy: an integer or bool tensor combined with a float tensor
takes the float tensor's dtype (numpy would widen int64 + float32 to float64), and a Python
scalar never widens a tensor's dtype (a Python float only turns an integer tensor into the
default float dtype).
"""
import numpy as np

float16 = np.dtype(np.float16)
float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
int8 = np.dtype(np.int8)
uint8 = np.dtype(np.uint8)
int16 = np.dtype(np.int16)
int32 = np.dtype(np.int32)
int64 = np.dtype(np.int64)
bool_ = np.dtype(np.bool_)


_default = [float32]


def set_default_dtype(dtype):
    """Set the dtype that Python floats and the float factories (``zeros``, ``randn``, ...) produce.

    Parameters
    ----------
    dtype : numpy.dtype
        A floating dtype: ``gg.float32`` (the initial default), ``gg.float64`` or
        ``gg.float16``.

    Raises
    ------
    TypeError
        For a non-floating dtype (as PyTorch).

    Notes
    -----
    The default is shared by all threads, as in PyTorch.

    Examples
    --------
    >>> gg.set_default_dtype(gg.float64)
    >>> gg.tensor([1.5]).dtype
    dtype('float64')
    >>> gg.set_default_dtype(gg.float32)
    """
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"set_default_dtype: only floating dtypes are allowed, got {dtype}")
    _default[0] = dtype


def get_default_dtype():
    """Return the current default float dtype (float32 unless changed by :func:`set_default_dtype`).

    Returns
    -------
    numpy.dtype
        The dtype that Python floats and the float factories produce.
    """
    return _default[0]


def is_floating(dtype):
    return dtype.kind == "f"


def promote(a, b):
    """Result dtype of a binary op between tensors of dtypes a and b (PyTorch's rule)."""
    if a == b:
        return a
    a_float, b_float = a.kind == "f", b.kind == "f"
    if a_float and not b_float:
        return a
    if b_float and not a_float:
        return b
    return np.promote_types(a, b)


def _combine_categories(higher, lower):
    """PyTorch's combine_categories: `higher` (from operands of higher priority) wins unless
    `lower` is of a higher category (float over int/bool, int over bool)."""
    if higher is None:
        return lower
    if lower is None or higher.kind == "f":
        return higher
    if higher.kind == "b" or lower.kind == "f":
        return promote(higher, lower)
    return higher


def promote_operands(a, b):
    """Result dtype of a binary op between ndarrays a and b, as torch.result_type: a 0-d
    operand takes part only when it is of a higher category (bool < integer < float) than
    the dimensioned one, so a 0-d float64 tensor times a float32 vector is float32, while a
    0-d float tensor times an integer vector gives the 0-d tensor's float dtype."""
    da, db = a.dtype, b.dtype
    if da == db:
        return da
    zero_a, zero_b = a.ndim == 0, b.ndim == 0
    if zero_a == zero_b:
        return promote(da, db)
    return _combine_categories(db, da) if zero_a else _combine_categories(da, db)


def scalar_result_dtype(tensor_dtype, scalar):
    """Dtype of `tensor op scalar` for a Python scalar: the tensor's, unless the scalar is of a
    higher category (float with an integer tensor, int with a bool tensor)."""
    kind = tensor_dtype.kind
    if isinstance(scalar, bool):
        return tensor_dtype
    if isinstance(scalar, (int, np.integer)):
        return int64 if kind == "b" else tensor_dtype
    if isinstance(scalar, (float, np.floating)):
        return tensor_dtype if kind == "f" else _default[0]
    if isinstance(scalar, complex):
        raise TypeError("complex scalars are not supported")
    return tensor_dtype
