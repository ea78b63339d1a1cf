"""Dropout (inverted)."""
from . import functional as F
from ._functional_core import _check_p
from .module import Module


class Dropout(Module):
    """Inverted dropout: in training, zero each element with probability `p` and scale the
    survivors by ``1 / (1 - p)``; in evaluation mode, the identity.

    Scaling at training time keeps the expected activation unchanged, so nothing needs
    rescaling at test time.

    Parameters
    ----------
    p : float, optional
        The probability of DROPPING an element (PyTorch's convention; some textbooks' p is
        the probability of keeping it, 1 - p here). In [0, 1]; p = 1 gives zeros. Default 0.5.
    inplace : bool, optional
        Accepted for compatibility; the result is always a new tensor. Default False.

    Shape
    -----
    - Input: any shape.
    - Output: same shape as the input.

    Raises
    ------
    ValueError
        `p` outside [0, 1].

    Notes
    -----
    The masks come from glassgrad's global random generator, so ``glassgrad.manual_seed``
    fixes them (the masks differ from PyTorch's for the same seed).

    Examples
    --------
    >>> from glassgrad import nn
    >>> drop = nn.Dropout(p=0.5)
    >>> out = drop(gg.ones(1000))
    >>> sorted(set(out.tolist()))          # dropped, or scaled by 1 / (1 - p)
    [0.0, 2.0]
    >>> drop.eval()(gg.ones(3))
    tensor([1., 1., 1.])
    """

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        _check_p(p, "Dropout")
        self.p, self.inplace = p, inplace

    def forward(self, input):
        return F.dropout(input, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class _DropoutNd(Module):
    _fn = None

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        _check_p(p, type(self).__name__)
        self.p, self.inplace = p, inplace

    def forward(self, input):
        return type(self)._fn(input, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Dropout1d(_DropoutNd):
    """Channel dropout for sequences: zero whole channels of (N, C, L) or (C, L) with
    probability `p` in training, scaling the rest by ``1 / (1 - p)``; the identity in
    evaluation mode.

    Parameters
    ----------
    p : float, optional
        The probability of dropping a channel, in [0, 1]. Default 0.5.
    inplace : bool, optional
        Accepted for compatibility; the result is always a new tensor. Default False.

    Shape
    -----
    - Input: (N, C, L) or (C, L).
    - Output: same shape as the input.

    Raises
    ------
    ValueError
        `p` outside [0, 1].

    Notes
    -----
    The masks come from glassgrad's global random generator, so ``glassgrad.manual_seed``
    fixes them (the masks differ from PyTorch's for the same seed).
    """

    _fn = staticmethod(F.dropout1d)


class Dropout2d(_DropoutNd):
    """Channel dropout for images: zero whole channels of (N, C, H, W) or (C, H, W) with
    probability `p` in training, scaling the rest by ``1 / (1 - p)``; the identity in
    evaluation mode.

    A 3-d input is read as (N, C, L), as PyTorch does.

    Parameters
    ----------
    p : float, optional
        The probability of dropping a channel, in [0, 1]. Default 0.5.
    inplace : bool, optional
        Accepted for compatibility; the result is always a new tensor. Default False.

    Shape
    -----
    - Input: (N, C, H, W), (C, H, W), or (N, C, L).
    - Output: same shape as the input.

    Raises
    ------
    ValueError
        `p` outside [0, 1].

    Notes
    -----
    The masks come from glassgrad's global random generator, so ``glassgrad.manual_seed``
    fixes them (the masks differ from PyTorch's for the same seed).
    """

    _fn = staticmethod(F.dropout2d)


class Dropout3d(_DropoutNd):
    """Channel dropout for volumes: zero whole channels of (N, C, D, H, W) or (C, D, H, W) with
    probability `p` in training, scaling the rest by ``1 / (1 - p)``; the identity in
    evaluation mode.

    Parameters
    ----------
    p : float, optional
        The probability of dropping a channel, in [0, 1]. Default 0.5.
    inplace : bool, optional
        Accepted for compatibility; the result is always a new tensor. Default False.

    Shape
    -----
    - Input: (N, C, D, H, W) or (C, D, H, W).
    - Output: same shape as the input.

    Raises
    ------
    ValueError
        `p` outside [0, 1].

    Notes
    -----
    The masks come from glassgrad's global random generator, so ``glassgrad.manual_seed``
    fixes them (the masks differ from PyTorch's for the same seed).
    """

    _fn = staticmethod(F.dropout3d)


class AlphaDropout(_DropoutNd):
    """Dropout for SELU networks: keeps zero mean and unit variance.

    In training the dropped elements take SELU's saturation value, then an affine correction
    restores the mean and variance; the identity in evaluation mode.

    Parameters
    ----------
    p : float, optional
        The probability of dropping an element, in [0, 1]. Default 0.5.
    inplace : bool, optional
        Accepted for compatibility; the result is always a new tensor. Default False.

    Shape
    -----
    - Input: (*), any shape.
    - Output: same shape as the input.

    Raises
    ------
    ValueError
        `p` outside [0, 1].

    Notes
    -----
    The masks come from glassgrad's global random generator, so ``glassgrad.manual_seed``
    fixes them (the masks differ from PyTorch's for the same seed).
    """

    _fn = staticmethod(F.alpha_dropout)


class FeatureAlphaDropout(_DropoutNd):
    """AlphaDropout of whole channels of (N, C, ...) inputs: a dropped channel takes SELU's
    saturation value everywhere, then the affine correction; the identity in evaluation mode.

    Parameters
    ----------
    p : float, optional
        The probability of dropping a channel, in [0, 1]. Default 0.5.
    inplace : bool, optional
        Accepted for compatibility; the result is always a new tensor. Default False.

    Shape
    -----
    - Input: ``(N, C, *)``.
    - Output: same shape as the input.

    Raises
    ------
    ValueError
        `p` outside [0, 1].

    Notes
    -----
    The masks come from glassgrad's global random generator, so ``glassgrad.manual_seed``
    fixes them (the masks differ from PyTorch's for the same seed).
    """

    _fn = staticmethod(F.feature_alpha_dropout)
