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
    """Pad the last dim of (N, C, L) or (C, L) with `value`."""

    def __init__(self, padding, value):
        super().__init__(padding, value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class ConstantPad2d(ConstantPad1d):
    """Pad the last two dims of (N, C, H, W) or (C, H, W) with `value`."""

    _dims = 2


class ZeroPad1d(_PadNd):
    """Pad the last dim of (N, C, L) or (C, L) with zeros (negative widths crop)."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)


class ZeroPad2d(ZeroPad1d):
    """Pad the last two dims of (N, C, H, W) or (C, H, W) with zeros (negative widths crop)."""

    _dims = 2


class ReflectionPad1d(_PadNd):
    """Mirror the last dim at its edges (edge not repeated); widths must be smaller than L."""

    _mode = "reflect"

    def __init__(self, padding):
        super().__init__(padding)


class ReflectionPad2d(ReflectionPad1d):
    """Mirror the last two dims at their edges (edge not repeated)."""

    _dims = 2


class ReplicationPad1d(_PadNd):
    """Repeat the edge values of the last dim."""

    _mode = "replicate"

    def __init__(self, padding):
        super().__init__(padding)


class ReplicationPad2d(ReplicationPad1d):
    """Repeat the edge values of the last two dims."""

    _dims = 2


class CircularPad1d(_PadNd):
    """Wrap the last dim around (periodic padding)."""

    _mode = "circular"

    def __init__(self, padding):
        super().__init__(padding)


class CircularPad2d(CircularPad1d):
    """Wrap the last two dims around (periodic padding)."""

    _dims = 2
