"""Pooling layers: max, average, adaptive, power-average (LP) pooling and max unpooling."""
from . import functional as F
from .module import Module


class MaxPool2d(Module):
    """Max over sliding windows of a batch of 2-d planes: (N, C, H, W) -> (N, C, OH, OW).

    The padding is -inf. The gradient goes to the first maximum of each window.
    ``return_indices=True`` also returns each pick's flat position in its (H, W) plane (for
    ``MaxUnpool2d``).

    Parameters
    ----------
    kernel_size : int or tuple of 2 ints
        The window size.
    stride : int or tuple of 2 ints, optional
        The step between windows. Default None (the kernel size).
    padding : int or tuple of 2 ints, optional
        Implicit padding with -inf on each side; at most half the kernel size. Default 0.
    dilation : int or tuple of 2 ints, optional
        The spacing between the window's elements. Default 1.
    return_indices : bool, optional
        Also return each pick's position (for ``MaxUnpool2d``). Default False.
    ceil_mode : bool, optional
        Round the output size up instead of down (a last, partial window). Default False.

    Shape
    -----
    - Input: (N, C, H, W) or (C, H, W).
    - Output: (N, C, OH, OW) or (C, OH, OW), with
      ``OH = floor((H + 2 * padding - dilation * (kernel_size - 1) - 1) / stride + 1)``
      (``ceil`` with ``ceil_mode=True``) with the arguments' first entries, and OW likewise
      with the second ones.

    Raises
    ------
    TypeError
        At call time, the input is not a Tensor.
    ValueError
        At call time, the input is not 3- or 4-dimensional.
    """

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.dilation, self.ceil_mode = padding, dilation, ceil_mode
        self.return_indices = return_indices

    def forward(self, input):
        self._check_tensor(input)
        if input.ndim not in (3, 4):
            raise self._input_error("(N, C, H, W) or (C, H, W)", input)
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            self.ceil_mode, self.return_indices)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool2d(Module):
    """Mean over sliding windows of a batch of 2-d planes: (N, C, H, W) -> (N, C, OH, OW).

    The zero padding counts in the mean unless ``count_include_pad=False``.

    Parameters
    ----------
    kernel_size : int or tuple of 2 ints
        The window size.
    stride : int or tuple of 2 ints, optional
        The step between windows. Default None (the kernel size).
    padding : int or tuple of 2 ints, optional
        Implicit zero padding on each side; at most half the kernel size. Default 0.
    ceil_mode : bool, optional
        Round the output size up instead of down (a last, partial window). Default False.
    count_include_pad : bool, optional
        Count the zero padding in the mean's divisor. Default True.
    divisor_override : int, optional
        Divide every window's sum by this number instead. Default None.

    Shape
    -----
    - Input: (N, C, H, W) or (C, H, W).
    - Output: (N, C, OH, OW) or (C, OH, OW), with
      ``OH = floor((H + 2 * padding[0] - kernel_size[0]) / stride[0] + 1)`` (``ceil`` with
      ``ceil_mode=True``), and OW likewise.

    Raises
    ------
    TypeError
        At call time, the input is not a Tensor.
    ValueError
        At call time, the input is not 3- or 4-dimensional.
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True, divisor_override=None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, input):
        self._check_tensor(input)
        if input.ndim not in (3, 4):
            raise self._input_error("(N, C, H, W) or (C, H, W)", input)
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool1d(Module):
    """Max over sliding windows of (N, C, L) or (C, L), PyTorch's ``nn.MaxPool1d``.

    The padding is -inf; ``return_indices=True`` also returns the positions in L (for
    ``MaxUnpool1d``).

    Parameters
    ----------
    kernel_size : int
        The window size.
    stride : int, optional
        The step between windows. Default None (the kernel size).
    padding : int, optional
        Implicit padding with -inf on each side; at most half the kernel size. Default 0.
    dilation : int, optional
        The spacing between the window's elements. Default 1.
    return_indices : bool, optional
        Also return each pick's position (for ``MaxUnpool1d``). Default False.
    ceil_mode : bool, optional
        Round the output size up instead of down (a last, partial window). Default False.

    Shape
    -----
    - Input: (N, C, L) or (C, L).
    - Output: (N, C, OL) or (C, OL), with
      ``OL = floor((L + 2 * padding - dilation * (kernel_size - 1) - 1) / stride + 1)``
      (``ceil`` with ``ceil_mode=True``).
    """

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.dilation, self.ceil_mode = padding, dilation, ceil_mode
        self.return_indices = return_indices

    def forward(self, input):
        return F.max_pool1d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            self.ceil_mode, self.return_indices)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool1d(Module):
    """Mean over sliding windows of (N, C, L) or (C, L), PyTorch's ``nn.AvgPool1d``.

    Parameters
    ----------
    kernel_size : int
        The window size.
    stride : int, optional
        The step between windows. Default None (the kernel size).
    padding : int, optional
        Implicit zero padding on each side; at most half the kernel size. Default 0.
    ceil_mode : bool, optional
        Round the output size up instead of down (a last, partial window). Default False.
    count_include_pad : bool, optional
        Count the zero padding in the mean's divisor. Default True.

    Shape
    -----
    - Input: (N, C, L) or (C, L).
    - Output: (N, C, OL) or (C, OL), with
      ``OL = floor((L + 2 * padding - kernel_size) / stride + 1)`` (``ceil`` with
      ``ceil_mode=True``).
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.ceil_mode, self.count_include_pad = padding, ceil_mode, \
            count_include_pad

    def forward(self, input):
        return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class _AdaptivePool(Module):
    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptivePool):
    """Average pooling of (N, C, L) or (C, L) to `output_size` positions whatever L is.

    The windows are PyTorch's: output position i covers ``floor(i * L / output_size)`` to
    ``ceil((i + 1) * L / output_size)``.

    Parameters
    ----------
    output_size : int
        The output length.

    Shape
    -----
    - Input: (N, C, L) or (C, L).
    - Output: (N, C, output_size) or (C, output_size).
    """

    def forward(self, input):
        return F.adaptive_avg_pool1d(input, self.output_size)


class AdaptiveAvgPool2d(_AdaptivePool):
    """Average pooling of (N, C, H, W) or (C, H, W) to a fixed output size whatever H and W are.

    ``AdaptiveAvgPool2d(1)`` is global average pooling.

    Parameters
    ----------
    output_size : int or tuple of 2 (int or None)
        (OH, OW), or one int for both; None keeps that input size.

    Shape
    -----
    - Input: (N, C, H, W) or (C, H, W).
    - Output: (N, C, OH, OW) or (C, OH, OW).
    """

    def forward(self, input):
        return F.adaptive_avg_pool2d(input, self.output_size)


class AdaptiveMaxPool1d(_AdaptivePool):
    """Max pooling of (N, C, L) or (C, L) to `output_size` positions whatever L is.

    Parameters
    ----------
    output_size : int
        The output length.
    return_indices : bool, optional
        Also return the positions of the maxima in L. Default False.

    Shape
    -----
    - Input: (N, C, L) or (C, L).
    - Output: (N, C, output_size) or (C, output_size).
    """

    def __init__(self, output_size, return_indices=False):
        super().__init__(output_size)
        self.return_indices = return_indices

    def forward(self, input):
        return F.adaptive_max_pool1d(input, self.output_size, self.return_indices)


class AdaptiveMaxPool2d(_AdaptivePool):
    """Max pooling of (N, C, H, W) or (C, H, W) to a fixed output size whatever H and W are.

    Parameters
    ----------
    output_size : int or tuple of 2 (int or None)
        (OH, OW), or one int for both; None keeps that input size.
    return_indices : bool, optional
        Also return each maximum's flat position in its (H, W) plane. Default False.

    Shape
    -----
    - Input: (N, C, H, W) or (C, H, W).
    - Output: (N, C, OH, OW) or (C, OH, OW).
    """

    def __init__(self, output_size, return_indices=False):
        super().__init__(output_size)
        self.return_indices = return_indices

    def forward(self, input):
        return F.adaptive_max_pool2d(input, self.output_size, self.return_indices)


class LPPool1d(Module):
    """Power-average pooling: ``(sum of x**p over each window) ** (1 / p)`` of (N, C, L) or
    (C, L).

    Parameters
    ----------
    norm_type : float
        The power p (p = 1 is sum pooling, a large p approaches max pooling).
    kernel_size : int
        The window size.
    stride : int, optional
        The step between windows. Default None (the kernel size).
    ceil_mode : bool, optional
        Round the output size up instead of down. Default False.

    Shape
    -----
    - Input: (N, C, L) or (C, L).
    - Output: (N, C, OL) or (C, OL), with ``OL = floor((L - kernel_size) / stride + 1)``.
    """

    def __init__(self, norm_type, kernel_size, stride=None, ceil_mode=False):
        super().__init__()
        self.norm_type, self.kernel_size, self.stride = norm_type, kernel_size, stride
        self.ceil_mode = ceil_mode

    def forward(self, input):
        return F.lp_pool1d(input, float(self.norm_type), self.kernel_size, self.stride,
                           self.ceil_mode)

    def extra_repr(self):
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, ceil_mode={self.ceil_mode}")


class LPPool2d(LPPool1d):
    """Power-average pooling: ``(sum of x**p over each window) ** (1 / p)`` of (N, C, H, W) or
    (C, H, W).

    Parameters
    ----------
    norm_type : float
        The power p (p = 1 is sum pooling, a large p approaches max pooling).
    kernel_size : int or tuple of 2 ints
        The window size.
    stride : int or tuple of 2 ints, optional
        The step between windows. Default None (the kernel size).
    ceil_mode : bool, optional
        Round the output size up instead of down. Default False.

    Shape
    -----
    - Input: (N, C, H, W) or (C, H, W).
    - Output: (N, C, OH, OW) or (C, OH, OW), with
      ``OH = floor((H - kernel_size[0]) / stride[0] + 1)``, and OW likewise.
    """

    def forward(self, input):
        return F.lp_pool2d(input, float(self.norm_type), self.kernel_size, self.stride,
                           self.ceil_mode)


class MaxUnpool1d(Module):
    """Partial inverse of ``MaxPool1d``: put each value at its index in a zero output.

    Called as ``unpool(input, indices, output_size=None)`` with the values and indices that
    ``MaxPool1d(..., return_indices=True)`` returned; `output_size` picks among the possible
    lengths.

    Parameters
    ----------
    kernel_size : int
        The pooling's window size.
    stride : int, optional
        The pooling's stride. Default None (the kernel size).
    padding : int, optional
        The pooling's padding. Default 0.

    Shape
    -----
    - Input: (N, C, L) or (C, L); indices of the same shape.
    - Output: (N, C, OL) or (C, OL), with ``OL = (L - 1) * stride - 2 * padding +
      kernel_size``, or `output_size`.
    """

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding

    def forward(self, input, indices, output_size=None):
        return F.max_unpool1d(input, indices, self.kernel_size, self.stride, self.padding,
                              output_size)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool2d(MaxUnpool1d):
    """Partial inverse of ``MaxPool2d``: put each value at its index in a zero (OH, OW) plane.

    Called as ``unpool(input, indices, output_size=None)`` with the values and indices that
    ``MaxPool2d(..., return_indices=True)`` returned; `output_size` picks among the possible
    sizes.

    Parameters
    ----------
    kernel_size : int or tuple of 2 ints
        The pooling's window size.
    stride : int or tuple of 2 ints, optional
        The pooling's stride. Default None (the kernel size).
    padding : int or tuple of 2 ints, optional
        The pooling's padding. Default 0.

    Shape
    -----
    - Input: (N, C, H, W) or (C, H, W); indices of the same shape.
    - Output: (N, C, OH, OW) or (C, OH, OW), with ``OH = (H - 1) * stride[0] - 2 *
      padding[0] + kernel_size[0]``, OW likewise, or `output_size`.
    """

    def forward(self, input, indices, output_size=None):
        return F.max_unpool2d(input, indices, self.kernel_size, self.stride, self.padding,
                              output_size)
