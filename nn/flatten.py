"""Flatten."""
from . import functional as F
from .module import Module


class Flatten(Module):
    """Merge the dimensions `start_dim` to `end_dim` into one: (N, C, H, W) -> (N, C*H*W) with
    the defaults.

    Parameters
    ----------
    start_dim : int, optional
        The first dimension to merge. Default 1 (keep the batch dimension).
    end_dim : int, optional
        The last dimension to merge. Default -1.

    Shape
    -----
    - Input: ``(*, S_start, ..., S_end, *)``.
    - Output: ``(*, S_start * ... * S_end, *)``.

    Examples
    --------
    >>> from glassgrad import nn
    >>> nn.Flatten()(gg.zeros(2, 3, 4, 5)).shape
    (2, 60)
    """

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input):
        return F.flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dimension `dim` into `unflattened_size`: (N, 12) -> (N, 3, 4) with
    ``Unflatten(1, (3, 4))``.

    Parameters
    ----------
    dim : int
        The dimension to split.
    unflattened_size : tuple of ints
        The new sizes; their product is that dimension's size (one entry may be -1).

    Shape
    -----
    - Input: ``(*, S_dim, *)``.
    - Output: ``(*, U_1, ..., U_n, *)``, with ``unflattened_size = (U_1, ..., U_n)``.
    """

    def __init__(self, dim, unflattened_size):
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, input):
        d = self.dim % input.ndim if input.ndim else 0
        shape = tuple(input.shape[:d]) + self.unflattened_size + tuple(input.shape[d + 1:])
        return input.reshape(shape)

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
