"""Convolution layers: Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d (the arithmetic is
in nn.functional_conv)."""

from glassgrad import autograd as ag

from . import functional as F
from .functional_conv import _same_padding, _tuple
from .linear import _reset_linear
from .module import Module
from .parameter import Parameter

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    """What the convolution layers share: argument checks, parameters, repr."""

    _dims = 2
    _transposed = False

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation,
                 groups, bias, padding_mode, dtype, output_padding=0):
        super().__init__()
        name, n = type(self).__name__, self._dims
        if groups < 1 or in_channels % groups or out_channels % groups:
            raise ValueError(f"{name}: in_channels {in_channels} and out_channels "
                             f"{out_channels} must be divisible by groups={groups}")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"{name}: padding_mode must be one of {_PADDING_MODES}, got "
                             f"{padding_mode!r}")
        if self._transposed and padding_mode != "zeros":
            raise ValueError(f"{name}: only padding_mode='zeros' is supported for transposed "
                             f"convolutions")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = _tuple(kernel_size, n, f"{name} kernel_size")
        self.stride = _tuple(stride, n, f"{name} stride")
        self.dilation = _tuple(dilation, n, f"{name} dilation")
        if isinstance(padding, str):
            if self._transposed or padding not in ("same", "valid"):
                raise ValueError(f"{name}: padding must be an int or a tuple"
                                 f"{'' if self._transposed else ', valid or same'}, got "
                                 f"{padding!r}")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError(f"{name}: padding='same' is not supported for strided "
                                 f"convolutions")
            self.padding = padding
        else:
            self.padding = _tuple(padding, n, f"{name} padding")
        self.output_padding = _tuple(output_padding, n, f"{name} output_padding")
        self.groups, self.padding_mode = groups, padding_mode
        if self._transposed:
            shape = (in_channels, out_channels // groups) + self.kernel_size
        else:
            shape = (out_channels, in_channels // groups) + self.kernel_size
        self.weight = Parameter(ag.empty(*shape, dtype=dtype))
        self.register_parameter("bias", Parameter(ag.empty(out_channels, dtype=dtype))
                                if bias else None)
        self.reset_parameters()
        # F.pad widths (last dim first) when padding_mode is not zeros
        if padding == "same":
            pairs = _same_padding(self.kernel_size, self.dilation)
        elif padding == "valid":
            pairs = [(0, 0)] * n
        else:
            pairs = [(p, p) for p in self.padding]
        self._pad_widths = tuple(w for pair in reversed(pairs) for w in pair)

    def reset_parameters(self):
        _reset_linear(self.weight, self.bias)

    def _check(self, input):
        self._check_tensor(input)
        n = self._dims
        if input.ndim not in (n + 1, n + 2) or input.shape[-n - 1] != self.in_channels:
            spatial = ", ".join("LHW"[-n:] if n < 3 else "DHW")
            raise self._input_error(f"(N, {self.in_channels}, {spatial}) or "
                                    f"({self.in_channels}, {spatial})", input)

    def extra_repr(self):
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * self._dims:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * self._dims:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * self._dims:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class _Conv(_ConvNd):
    def forward(self, input):
        self._check(input)
        conv = F.conv2d if self._dims == 2 else F.conv1d
        if self.padding_mode == "zeros":
            return conv(input, self.weight, self.bias, self.stride, self.padding,
                        self.dilation, self.groups)
        padded = F.pad(input, self._pad_widths, self.padding_mode)
        return conv(padded, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)


class Conv2d(_Conv):
    """2-D convolution (a cross-correlation, as in every deep learning library) over an
    input of several channels, PyTorch's ``nn.Conv2d``.

    Parameters
    ----------
    in_channels : int
        Channels of the input; divisible by `groups`.
    out_channels : int
        Channels of the output (the number of filters); divisible by `groups`.
    kernel_size : int or (int, int)
        The filter size.
    stride : int or (int, int), optional
        The step between the filter's positions. Default 1.
    padding : int or (int, int), 'valid' or 'same', optional
        Padding added to both sides of each spatial dimension; 'same' (stride 1 only) keeps
        the size, 'valid' is no padding. Default 0.
    dilation : int or (int, int), optional
        Spacing between the filter's taps. Default 1.
    groups : int, optional
        Split the channels into `groups` independent convolutions; ``groups = in_channels``
        is a depthwise convolution. Default 1.
    bias : bool, optional
        Learn an additive bias. Default True.
    padding_mode : {'zeros', 'reflect', 'replicate', 'circular'}, optional
        How the padding is filled. Default 'zeros'.
    dtype : glassgrad dtype, optional
        Floating dtype of the parameters (the default dtype if omitted).

    Shape
    -----
    - Input: (N, C_in, H, W) or (C_in, H, W).
    - Output: (N, C_out, H_out, W_out) or (C_out, H_out, W_out), where
      ``H_out = (H + 2 * padding[0] - dilation[0] * (kernel_size[0] - 1) - 1) // stride[0]
      + 1`` and likewise for W_out.

    Attributes
    ----------
    weight : Parameter of shape (C_out, C_in / groups, kernel_size[0], kernel_size[1])
        Initialized from U(-1/sqrt(k), 1/sqrt(k)), ``k = C_in / groups * kh * kw`` (the
        fan-in), as in PyTorch.
    bias : Parameter of shape (C_out,) or None
        Initialized from the same interval.

    Raises
    ------
    ValueError
        Channels not divisible by `groups`, an unknown padding mode, 'same' padding with a
        stride, or (at call time) an input of the wrong shape.
    TypeError
        At call time, the input is not a Tensor.

    Notes
    -----
    There is no ``device`` argument (everything runs on the CPU).

    Examples
    --------
    >>> from glassgrad import nn
    >>> conv = nn.Conv2d(3, 8, kernel_size=3, padding=1)
    >>> conv.weight.shape
    (8, 3, 3, 3)
    >>> conv(gg.zeros(2, 3, 32, 32)).shape
    (2, 8, 32, 32)
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 dilation=1, groups=1, bias=True, padding_mode="zeros", dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, dtype)


class Conv1d(_Conv):
    """1-D convolution (a cross-correlation) over an input of several channels, PyTorch's
    ``nn.Conv1d``: (N, C_in, L) or (C_in, L) -> (N, C_out, OL).

    Parameters
    ----------
    in_channels : int
        Channels of the input; divisible by `groups`.
    out_channels : int
        Channels of the output (the number of filters); divisible by `groups`.
    kernel_size : int or (int,)
        The filter size.
    stride : int or (int,), optional
        The step between the filter's positions. Default 1.
    padding : int or (int,), 'valid' or 'same', optional
        Padding added to both sides of each spatial dimension; 'same' (stride 1 only) keeps
        the size, 'valid' is no padding. Default 0.
    dilation : int or (int,), optional
        Spacing between the filter's taps. Default 1.
    groups : int, optional
        Split the channels into `groups` independent convolutions; ``groups = in_channels``
        is a depthwise convolution. Default 1.
    bias : bool, optional
        Learn an additive bias. Default True.
    padding_mode : {'zeros', 'reflect', 'replicate', 'circular'}, optional
        How the padding is filled. Default 'zeros'.
    dtype : glassgrad dtype, optional
        Floating dtype of the parameters (the default dtype if omitted).

    Shape
    -----
    - Input: (N, C_in, L) or (C_in, L).
    - Output: (N, C_out, OL) or (C_out, OL), where
      ``OL = (L + 2 * padding - dilation * (kernel_size - 1) - 1) // stride + 1``.

    Attributes
    ----------
    weight : Parameter of shape (C_out, C_in / groups, kernel_size)
        Initialized from ``U(-1/sqrt(k), 1/sqrt(k))``, ``k = C_in / groups * kernel_size``
        (the fan-in), as in PyTorch.
    bias : Parameter of shape (C_out,) or None
        Initialized from the same interval.

    Raises
    ------
    ValueError
        Channels not divisible by `groups`, an unknown padding mode, 'same' padding with a
        stride, or (at call time) an input of the wrong shape.
    TypeError
        At call time, the input is not a Tensor.

    Notes
    -----
    There is no ``device`` argument (everything runs on the CPU).
    """

    _dims = 1

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 dilation=1, groups=1, bias=True, padding_mode="zeros", dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, dtype)


class _ConvTranspose(_ConvNd):
    _transposed = True

    def _output_padding(self, input, output_size):
        """output_padding, or the one that yields output_size (PyTorch's rule: it must lie
        within stride - 1 of the smallest size)."""
        if output_size is None:
            return self.output_padding
        n = self._dims
        size = tuple(int(s) for s in output_size)
        if len(size) == n + 2 or (len(size) == n + 1 and input.ndim == n + 1):
            size = size[-n:]
        if len(size) != n:
            raise ValueError(f"{type(self).__name__}: output_size {tuple(output_size)} must "
                             f"have {n} (or {n + 2}) entries")
        pads = []
        for i in range(n):
            smallest = ((input.shape[input.ndim - n + i] - 1) * self.stride[i]
                        - 2 * self.padding[i] + self.dilation[i] * (self.kernel_size[i] - 1)
                        + 1)
            largest = smallest + self.stride[i] - 1
            if not smallest <= size[i] <= largest:
                raise ValueError(f"{type(self).__name__}: requested output size {size} is not "
                                 f"reachable: dim {i} must lie in [{smallest}, {largest}] for "
                                 f"input {tuple(input.shape)}")
            pads.append(size[i] - smallest)
        return tuple(pads)

    def forward(self, input, output_size=None):
        self._check(input)
        conv = F.conv_transpose2d if self._dims == 2 else F.conv_transpose1d
        return conv(input, self.weight, self.bias, self.stride, self.padding,
                    self._output_padding(input, output_size), self.groups, self.dilation)


class ConvTranspose2d(_ConvTranspose):
    """2-D transposed convolution, PyTorch's ``nn.ConvTranspose2d``: the gradient of Conv2d
    with respect to its input, used to upsample.

    (N, C_in, H, W) -> (N, C_out, OH, OW). Called as ``conv(input, output_size=None)``:
    `output_size` picks the output padding that gives this size.

    Parameters
    ----------
    in_channels : int
        Channels of the input; divisible by `groups`.
    out_channels : int
        Channels of the output (the number of filters); divisible by `groups`.
    kernel_size : int or (int, int)
        The filter size.
    stride : int or (int, int), optional
        The step between the filter's positions. Default 1.
    padding : int or (int, int), optional
        ``dilation * (kernel_size - 1) - padding`` zeros are implicitly added to both sides of
        the input, so that a Conv2d and a ConvTranspose2d with the same arguments have
        inverse shapes. Default 0.
    output_padding : int or (int, int), optional
        Extra size added to one side of the output (smaller than the stride or the
        dilation). Default 0.
    groups : int, optional
        Split the channels into `groups` independent convolutions. Default 1.
    bias : bool, optional
        Learn an additive bias. Default True.
    dilation : int or (int, int), optional
        Spacing between the filter's taps. Default 1.
    padding_mode : {'zeros'}, optional
        Only 'zeros' (as in PyTorch for transposed convolutions). Default 'zeros'.
    dtype : glassgrad dtype, optional
        Floating dtype of the parameters (the default dtype if omitted).

    Shape
    -----
    - Input: (N, C_in, H, W) or (C_in, H, W).
    - Output: (N, C_out, OH, OW) or (C_out, OH, OW), where
      ``OH = (H - 1) * stride[0] - 2 * padding[0] + dilation[0] * (kernel_size[0] - 1) +
      output_padding[0] + 1``, and OW likewise.

    Attributes
    ----------
    weight : Parameter of shape (C_in, C_out / groups, kernel_size[0], kernel_size[1])
        Initialized from ``U(-1/sqrt(k), 1/sqrt(k))``, ``k = C_out / groups * kh * kw``, as in
        PyTorch.
    bias : Parameter of shape (C_out,) or None
        Initialized from the same interval.

    Raises
    ------
    ValueError
        Channels not divisible by `groups`, a padding mode other than 'zeros', a string
        padding, or (at call time) an input of the wrong shape or an unreachable
        `output_size`.
    TypeError
        At call time, the input is not a Tensor.

    Notes
    -----
    There is no ``device`` argument (everything runs on the CPU).
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros",
                 dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, dtype, output_padding)


class ConvTranspose1d(_ConvTranspose):
    """1-D transposed convolution, PyTorch's ``nn.ConvTranspose1d``: (N, C_in, L) ->
    (N, C_out, OL).

    Called as ``conv(input, output_size=None)``: `output_size` picks the output padding that
    gives this size.

    Parameters
    ----------
    in_channels : int
        Channels of the input; divisible by `groups`.
    out_channels : int
        Channels of the output (the number of filters); divisible by `groups`.
    kernel_size : int or (int,)
        The filter size.
    stride : int or (int,), optional
        The step between the filter's positions. Default 1.
    padding : int or (int,), optional
        ``dilation * (kernel_size - 1) - padding`` zeros are implicitly added to both sides of
        the input, so that a Conv1d and a ConvTranspose1d with the same arguments have
        inverse shapes. Default 0.
    output_padding : int or (int,), optional
        Extra size added to one side of the output (smaller than the stride or the
        dilation). Default 0.
    groups : int, optional
        Split the channels into `groups` independent convolutions. Default 1.
    bias : bool, optional
        Learn an additive bias. Default True.
    dilation : int or (int,), optional
        Spacing between the filter's taps. Default 1.
    padding_mode : {'zeros'}, optional
        Only 'zeros' (as in PyTorch for transposed convolutions). Default 'zeros'.
    dtype : glassgrad dtype, optional
        Floating dtype of the parameters (the default dtype if omitted).

    Shape
    -----
    - Input: (N, C_in, L) or (C_in, L).
    - Output: (N, C_out, OL) or (C_out, OL), where
      ``OL = (L - 1) * stride - 2 * padding + dilation * (kernel_size - 1) + output_padding + 1``.

    Attributes
    ----------
    weight : Parameter of shape (C_in, C_out / groups, kernel_size)
        Initialized from ``U(-1/sqrt(k), 1/sqrt(k))``, ``k = C_out / groups * kernel_size``,
        as in PyTorch.
    bias : Parameter of shape (C_out,) or None
        Initialized from the same interval.

    Raises
    ------
    ValueError
        Channels not divisible by `groups`, a padding mode other than 'zeros', a string
        padding, or (at call time) an input of the wrong shape or an unreachable
        `output_size`.
    TypeError
        At call time, the input is not a Tensor.

    Notes
    -----
    There is no ``device`` argument (everything runs on the CPU).
    """

    _dims = 1

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros",
                 dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, dtype, output_padding)
