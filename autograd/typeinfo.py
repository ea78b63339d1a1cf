"""`finfo` / `iinfo`: the numerical limits of floating and integer dtypes, as in PyTorch."""
import numpy as np

from . import dtypes


def _dtype(dtype):
    if dtype is None:
        return dtypes.get_default_dtype()
    return np.dtype(getattr(dtype, "dtype", dtype))


class finfo:
    """Limits of a floating dtype (the default float dtype when None), as `torch.finfo`.

    Parameters
    ----------
    type : numpy.dtype, optional

    Attributes
    ----------
    bits : int
    eps : float
        The gap between 1.0 and the next representable number.
    max, min : float
        The largest and lowest finite values.
    tiny, smallest_normal : float
        The smallest positive normal number.
    resolution : float
        10 ** -(decimal digits of precision).
    dtype : str
        e.g. 'float32' (a string, as PyTorch).

    Raises
    ------
    TypeError
        For a non-floating dtype.
    """

    def __init__(self, type=None):
        dt = _dtype(type)
        if dt.kind != "f":
            raise TypeError(f"finfo() requires a floating point input type, got {dt}; use "
                            f"iinfo for integer types")
        info = np.finfo(dt)
        self.bits = info.bits
        self.eps = float(info.eps)
        self.max = float(info.max)
        self.min = float(info.min)
        self.tiny = self.smallest_normal = float(info.smallest_normal)
        self.resolution = 10.0 ** -info.precision
        self.dtype = dt.name

    def __eq__(self, other):
        return isinstance(other, finfo) and other.dtype == self.dtype

    def __hash__(self):
        return hash(("finfo", self.dtype))

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, "
                f"tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """Limits of an integer dtype, as `torch.iinfo`.

    Parameters
    ----------
    type : numpy.dtype (int8, uint8, int16, int32, int64)

    Attributes
    ----------
    bits : int
    max, min : int
    dtype : str
        e.g. 'int32' (a string, as PyTorch).

    Raises
    ------
    TypeError
        For a floating or bool dtype.
    """

    def __init__(self, type):
        dt = _dtype(type)
        if dt.kind not in "iu":
            raise TypeError(f"iinfo() requires an integer input type, got {dt}; use finfo "
                            f"for floating types")
        info = np.iinfo(dt)
        self.bits = info.bits
        self.max = int(info.max)
        self.min = int(info.min)
        self.dtype = dt.name

    def __eq__(self, other):
        return isinstance(other, iinfo) and other.dtype == self.dtype

    def __hash__(self):
        return hash(("iinfo", self.dtype))

    def __repr__(self):
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"
