"""Padding layers: ZeroPad, ConstantPad, ReflectionPad, ReplicationPad and CircularPad in 1-D
and 2-D (thin modules over F.pad)."""
from . import functional as F
from .functional_conv import _tuple
from .module import Module


class _PadNd(Module):
    """padding: an int (every side) or a tuple of 2 (1-D: left, right) or 4 (2-D: left, right,
    top, bottom) ints, as in PyTorch."""

    _mode = "constant"
    _dims = 1

    def __init__(self, padding, value=0.0):
        super().__init__()
        self.padding = _tuple(padding, 2 * self._dims, f"{type(self).__name__} padding")
        self.value = value

    def forward(self, input):
        if input.ndim not in (self._dims + 1, self._dims + 2):
            raise self._input_error(f"a {self._dims + 1}-D or {self._dims + 2}-D tensor", input)
        if self._mode == "constant":
            return F.pad(input, self.padding, "constant", self.value)
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self):
        return f"{self.padding}"


class ConstantPad1d(_PadNd):
    """Pad the last dimension of (N, C, L) or (C, L) with a constant `value`.

    Parameters
    ----------
    padding : int or tuple of 2 ints
        The widths: one int for both sides, or (left, right).
    value : float
        The fill value.

    Shape
    -----
    - Input: (N, C, L) or (C, L).
    - Output: (N, C, L + left + right) or (C, L + left + right).

    Raises
    ------
    ValueError
        A `padding` tuple of the wrong length; at call time, an input of the wrong number of
        dimensions.
    """

    def __init__(self, padding, value):
        super().__init__(padding, value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class ConstantPad2d(ConstantPad1d):
    """Pad the last two dimensions of (N, C, H, W) or (C, H, W) with a constant `value`.

    Parameters
    ----------
    padding : int or tuple of 4 ints
        The widths: one int for every side, or (left, right, top, bottom).
    value : float
        The fill value.

    Shape
    -----
    - Input: (N, C, H, W) or (C, H, W).
    - Output: (N, C, H + top + bottom, W + left + right) or (C, H + top + bottom,
      W + left + right).

    Raises
    ------
    ValueError
        A `padding` tuple of the wrong length; at call time, an input of the wrong number of
        dimensions.
    """

    _dims = 2


class ZeroPad1d(_PadNd):
    """Pad the last dimension of (N, C, L) or (C, L) with zeros.

    Negative widths crop.

    Parameters
    ----------
    padding : int or tuple of 2 ints
        The widths: one int for both sides, or (left, right).

    Shape
    -----
    - Input: (N, C, L) or (C, L).
    - Output: (N, C, L + left + right) or (C, L + left + right).

    Raises
    ------
    ValueError
        A `padding` tuple of the wrong length; at call time, an input of the wrong number of
        dimensions.
    """

    def __init__(self, padding):
        super().__init__(padding, 0.0)


class ZeroPad2d(ZeroPad1d):
    """Pad the last two dimensions of (N, C, H, W) or (C, H, W) with zeros.

    Negative widths crop.

    Parameters
    ----------
    padding : int or tuple of 4 ints
        The widths: one int for every side, or (left, right, top, bottom).

    Shape
    -----
    - Input: (N, C, H, W) or (C, H, W).
    - Output: (N, C, H + top + bottom, W + left + right) or (C, H + top + bottom,
      W + left + right).

    Raises
    ------
    ValueError
        A `padding` tuple of the wrong length; at call time, an input of the wrong number of
        dimensions.
    """

    _dims = 2


class ReflectionPad1d(_PadNd):
    """Pad the last dimension by mirroring it at its edges (the edge is not repeated).

    The widths must be smaller than L: ``[1, 2, 3]`` padded by 2 on the left is
    ``[3, 2, 1, 2, 3]``.

    Parameters
    ----------
    padding : int or tuple of 2 ints
        The widths: one int for both sides, or (left, right).

    Shape
    -----
    - Input: (N, C, L) or (C, L).
    - Output: (N, C, L + left + right) or (C, L + left + right).

    Raises
    ------
    ValueError
        A `padding` tuple of the wrong length; at call time, an input of the wrong number of
        dimensions.
    """

    _mode = "reflect"

    def __init__(self, padding):
        super().__init__(padding)


class ReflectionPad2d(ReflectionPad1d):
    """Pad the last two dimensions by mirroring them at their edges (the edge is not repeated).

    The widths must be smaller than the padded sizes.

    Parameters
    ----------
    padding : int or tuple of 4 ints
        The widths: one int for every side, or (left, right, top, bottom).

    Shape
    -----
    - Input: (N, C, H, W) or (C, H, W).
    - Output: (N, C, H + top + bottom, W + left + right) or (C, H + top + bottom,
      W + left + right).

    Raises
    ------
    ValueError
        A `padding` tuple of the wrong length; at call time, an input of the wrong number of
        dimensions.
    """

    _dims = 2


class ReplicationPad1d(_PadNd):
    """Pad the last dimension by repeating its edge values.

    Parameters
    ----------
    padding : int or tuple of 2 ints
        The widths: one int for both sides, or (left, right).

    Shape
    -----
    - Input: (N, C, L) or (C, L).
    - Output: (N, C, L + left + right) or (C, L + left + right).

    Raises
    ------
    ValueError
        A `padding` tuple of the wrong length; at call time, an input of the wrong number of
        dimensions.
    """

    _mode = "replicate"

    def __init__(self, padding):
        super().__init__(padding)


class ReplicationPad2d(ReplicationPad1d):
    """Pad the last two dimensions by repeating their edge values.

    Parameters
    ----------
    padding : int or tuple of 4 ints
        The widths: one int for every side, or (left, right, top, bottom).

    Shape
    -----
    - Input: (N, C, H, W) or (C, H, W).
    - Output: (N, C, H + top + bottom, W + left + right) or (C, H + top + bottom,
      W + left + right).

    Raises
    ------
    ValueError
        A `padding` tuple of the wrong length; at call time, an input of the wrong number of
        dimensions.
    """

    _dims = 2


class CircularPad1d(_PadNd):
    """Pad the last dimension by wrapping it around (periodic padding).

    Parameters
    ----------
    padding : int or tuple of 2 ints
        The widths: one int for both sides, or (left, right).

    Shape
    -----
    - Input: (N, C, L) or (C, L).
    - Output: (N, C, L + left + right) or (C, L + left + right).

    Raises
    ------
    ValueError
        A `padding` tuple of the wrong length; at call time, an input of the wrong number of
        dimensions.
    """

    _mode = "circular"

    def __init__(self, padding):
        super().__init__(padding)


class CircularPad2d(CircularPad1d):
    """Pad the last two dimensions by wrapping them around (periodic padding).

    Parameters
    ----------
    padding : int or tuple of 4 ints
        The widths: one int for every side, or (left, right, top, bottom).

    Shape
    -----
    - Input: (N, C, H, W) or (C, H, W).
    - Output: (N, C, H + top + bottom, W + left + right) or (C, H + top + bottom,
      W + left + right).

    Raises
    ------
    ValueError
        A `padding` tuple of the wrong length; at call time, an input of the wrong number of
        dimensions.
    """

    _dims = 2
