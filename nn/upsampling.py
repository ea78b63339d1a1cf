"""Upsample, UpsamplingNearest2d, UpsamplingBilinear2d, PixelShuffle and PixelUnshuffle."""
from . import functional as F
from .module import Module


class Upsample(Module):
    """Resize the spatial dimensions of (N, C, ...) inputs with ``nn.functional.interpolate``.

    Parameters
    ----------
    size : int or tuple of ints, optional
        The output spatial size. Give `size` or `scale_factor`. Default None.
    scale_factor : float or tuple of floats, optional
        Output size = ``floor(input size * scale_factor)``. Default None.
    mode : str, optional
        'nearest' (PyTorch's legacy rule, ``floor(dst * in / out)``), 'nearest-exact', 'linear'
        (3-d input), 'bilinear' (4-d), 'bicubic' (4-d), 'trilinear' (5-d) or 'area' (adaptive
        average pooling). Default 'nearest'.
    align_corners : bool, optional
        For the linear and cubic modes only: True maps the corner pixels' centres onto each
        other. Default None (False).
    recompute_scale_factor : bool, optional
        True computes the source coordinates from the sizes instead of the given
        `scale_factor`. Default None.

    Shape
    -----
    - Input: (N, C, L), (N, C, H, W) or (N, C, D, H, W).
    - Output: (N, C, L'), (N, C, H', W') or (N, C, D', H', W'): `size`, or the input size
      times `scale_factor` rounded down.

    Raises
    ------
    ValueError
        At call time, neither or both of `size` and `scale_factor`, a mode that does not
        fit the input's number of dimensions, or `align_corners` with a mode that is not
        linear or cubic.

    Examples
    --------
    >>> from glassgrad import nn
    >>> nn.Upsample(scale_factor=2)(gg.tensor([[[1., 2.]]]))
    tensor([[[1., 1., 2., 2.]]])
    """

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None,
                 recompute_scale_factor=None):
        super().__init__()
        self.size, self.mode, self.align_corners = size, mode, align_corners
        self.scale_factor = float(scale_factor) if isinstance(scale_factor, (int, float)) \
            else (tuple(float(f) for f in scale_factor) if scale_factor is not None else None)
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input):
        return F.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                             self.recompute_scale_factor)

    def extra_repr(self):
        what = f"scale_factor={self.scale_factor}" if self.scale_factor is not None \
            else f"size={self.size}"
        return f"{what}, mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """Nearest-neighbour upsampling of (N, C, H, W) inputs: ``Upsample(mode='nearest')``.

    Parameters
    ----------
    size : int or tuple of ints, optional
        The output spatial size. Give `size` or `scale_factor`. Default None.
    scale_factor : float or tuple of floats, optional
        Output size = ``floor(input size * scale_factor)``. Default None.

    Shape
    -----
    - Input: (N, C, H, W).
    - Output: (N, C, H', W'), `size` or the input size times `scale_factor` rounded down.

    Raises
    ------
    ValueError
        At call time, neither or both of `size` and `scale_factor`.
    """

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, "nearest")


class UpsamplingBilinear2d(Upsample):
    """Bilinear upsampling of (N, C, H, W) inputs: ``Upsample(mode='bilinear', align_corners=True)``
    (PyTorch's choice of `align_corners` for this class).

    Parameters
    ----------
    size : int or tuple of ints, optional
        The output spatial size. Give `size` or `scale_factor`. Default None.
    scale_factor : float or tuple of floats, optional
        Output size = ``floor(input size * scale_factor)``. Default None.

    Shape
    -----
    - Input: (N, C, H, W).
    - Output: (N, C, H', W'), `size` or the input size times `scale_factor` rounded down.

    Raises
    ------
    ValueError
        At call time, neither or both of `size` and `scale_factor`.
    """

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, "bilinear", align_corners=True)


class PixelShuffle(Module):
    """Rearrange channels into space (sub-pixel convolution): (*, C r^2, H, W) ->
    (*, C, H r, W r), r = `upscale_factor`.

    Parameters
    ----------
    upscale_factor : int
        The factor r; positive.

    Shape
    -----
    - Input: ``(*, C * r**2, H, W)``.
    - Output: ``(*, C, H * r, W * r)``.

    Raises
    ------
    ValueError
        At call time, fewer than 3 dimensions, a channel count not divisible by ``r**2``, or a
        non-positive factor.
    """

    def __init__(self, upscale_factor):
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input):
        return F.pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self):
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """Rearrange space into channels, the inverse of ``PixelShuffle``: (*, C, H r, W r) ->
    (*, C r^2, H, W), r = `downscale_factor`.

    Parameters
    ----------
    downscale_factor : int
        The factor r; positive.

    Shape
    -----
    - Input: ``(*, C, H * r, W * r)``.
    - Output: ``(*, C * r**2, H, W)``.

    Raises
    ------
    ValueError
        At call time, fewer than 3 dimensions, H or W not divisible by r, or a non-positive
        factor.
    """

    def __init__(self, downscale_factor):
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input):
        return F.pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self):
        return f"downscale_factor={self.downscale_factor}"


class ChannelShuffle(Module):
    """Interleave the channels across groups (ShuffleNet).

    (N, g * k, ...) -> the same shape, channel ``i * k + j`` moving to ``j * g + i``.

    Parameters
    ----------
    groups : int
        The number of groups g; must divide the number of channels.

    Shape
    -----
    - Input: ``(N, C, *)``, C divisible by `groups`.
    - Output: same shape as the input.

    Raises
    ------
    ValueError
        At call time, a channel count not divisible by `groups`.
    """

    def __init__(self, groups):
        super().__init__()
        self.groups = groups

    def forward(self, input):
        return F.channel_shuffle(input, self.groups)

    def extra_repr(self):
        return f"groups={self.groups}"
