"""Unfold and Fold: sliding local blocks (im2col) and their sum back into an image."""
from . import functional as F
from .module import Module


class Unfold(Module):
    """Extract sliding local blocks (im2col): (N, C, H, W) -> (N, C*kh*kw, L), every
    kernel-sized block as a column (``nn.functional.unfold``).

    Parameters
    ----------
    kernel_size : int or tuple of 2 ints
        The block size (kh, kw).
    dilation : int or tuple of 2 ints, optional
        Spacing between the block's elements. Default 1.
    padding : int or tuple of 2 ints, optional
        Implicit zero padding on both sides of each spatial dimension. Default 0.
    stride : int or tuple of 2 ints, optional
        The step between blocks. Default 1.

    Shape
    -----
    - Input: (N, C, H, W) or (C, H, W).
    - Output: ``(N, C * kh * kw, L)`` or ``(C * kh * kw, L)``, where L is the number of blocks,
      ``prod over d of floor((size[d] + 2 * padding[d] - dilation[d] * (kernel_size[d] - 1)
      - 1) / stride[d] + 1)`` over the input's (H, W).

    Raises
    ------
    ValueError
        At call time, an input that is not 3- or 4-dimensional.
    """

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.kernel_size, self.dilation = kernel_size, dilation
        self.padding, self.stride = padding, stride

    def forward(self, input):
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")


class Fold(Module):
    """Sum sliding local blocks back into an image, the adjoint of ``Unfold``:
    (N, C*kh*kw, L) -> (N, C, H, W) with (H, W) = `output_size`, the blocks summed back where
    ``Unfold`` cut them (``nn.functional.fold``).

    Parameters
    ----------
    output_size : int or tuple of 2 ints
        The output's spatial size (H, W).
    kernel_size : int or tuple of 2 ints
        The block size (kh, kw).
    dilation : int or tuple of 2 ints, optional
        Spacing between the block's elements. Default 1.
    padding : int or tuple of 2 ints, optional
        Implicit zero padding on both sides of each spatial dimension. Default 0.
    stride : int or tuple of 2 ints, optional
        The step between blocks. Default 1.

    Shape
    -----
    - Input: ``(N, C * kh * kw, L)`` or ``(C * kh * kw, L)``, where L is the number of blocks,
      ``prod over d of floor((size[d] + 2 * padding[d] - dilation[d] * (kernel_size[d] - 1)
      - 1) / stride[d] + 1)`` over `output_size`.
    - Output: (N, C, H, W) or (C, H, W).

    Raises
    ------
    ValueError
        At call time, an input that is not 2- or 3-dimensional, a dim 1 not divisible by
        ``kh * kw``, or a number of blocks that does not match `output_size`.
    """

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.output_size, self.kernel_size, self.dilation = output_size, kernel_size, dilation
        self.padding, self.stride = padding, stride

    def forward(self, input):
        return F.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding,
                      self.stride)

    def extra_repr(self):
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
                f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}")
