"""Conv2d: 2-D convolution (cross-correlation); the arithmetic is in ag.conv2d."""

from . import functional as F
from .linear import _reset_linear, _weight_and_bias
from .module import Module


class Conv2d(Module):
    """(N, C_in, H, W) -> (N, C_out, OH, OW), OH = (H + 2 padding - dilation (kh - 1) - 1)
    // stride + 1. padding: int, pair, 'valid' or 'same' (stride 1). groups=1 only.
    Parameters: weight (C_out, C_in, kh, kw), bias (C_out,); PyTorch's default init."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 dilation=1, groups=1, bias=True, padding_mode="zeros", dtype=None):
        super().__init__()
        if groups != 1:
            raise NotImplementedError(f"Conv2d: groups={groups} is not supported (groups=1 "
                                      f"only)")
        if padding_mode != "zeros":
            raise NotImplementedError(f"Conv2d: padding_mode={padding_mode!r} is not "
                                      f"supported (only 'zeros')")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = F._pair(kernel_size, "Conv2d kernel_size")
        self.stride = F._pair(stride, "Conv2d stride")
        self.padding = padding if isinstance(padding, str) else F._pair(padding, "Conv2d padding")
        self.dilation = F._pair(dilation, "Conv2d dilation")
        if self.padding == "same" and self.stride != (1, 1):
            raise ValueError("Conv2d: padding='same' is not supported for strided convolutions")
        self.groups, self.padding_mode = groups, padding_mode
        _weight_and_bias(self, (out_channels, in_channels, *self.kernel_size), bias, dtype)

    def reset_parameters(self):
        _reset_linear(self.weight, self.bias)

    def forward(self, input):
        self._check_tensor(input)
        if input.ndim not in (3, 4) or input.shape[-3] != self.in_channels:
            raise self._input_error(f"(N, {self.in_channels}, H, W) or "
                                    f"({self.in_channels}, H, W)", input)
        return F.conv2d(input, self.weight, self.bias, self.stride, self.padding,
                        self.dilation, self.groups)

    def extra_repr(self):
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0, 0):
            s += f", padding={self.padding}"
        if self.dilation != (1, 1):
            s += f", dilation={self.dilation}"
        if self.bias is None:
            s += ", bias=False"
        return s
