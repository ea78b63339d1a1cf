"""Dropout (inverted)."""
from . import functional as F
from ._functional_core import _check_p
from .module import Module


class Dropout(Module):
    """Inverted dropout. `p` is the probability of DROPPING an element (PyTorch's
    convention); the lecture notes' p is the probability of KEEPING it, i.e. 1 - p here.
    In training each element is zeroed with probability p and the survivors are scaled by
    1 / (1 - p); in eval mode it is the identity. p must lie in [0, 1] (p = 1 gives zeros).
    Masks come from ag.random.get_rng(), so ag.manual_seed fixes them."""

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
    """Zero whole channels of (N, C, L) or (C, L) with probability p in training (the rest
    scaled by 1 / (1 - p)); identity in eval mode."""

    _fn = staticmethod(F.dropout1d)


class Dropout2d(_DropoutNd):
    """Zero whole channels of (N, C, H, W) or (C, H, W) with probability p in training; a 3-D
    input is read as (N, C, L), as PyTorch does."""

    _fn = staticmethod(F.dropout2d)


class Dropout3d(_DropoutNd):
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) with probability p in training."""

    _fn = staticmethod(F.dropout3d)


class AlphaDropout(_DropoutNd):
    """Dropout for SELU networks: keeps zero mean and unit variance (dropped elements take
    SELU's saturation value, then an affine correction); identity in eval mode."""

    _fn = staticmethod(F.alpha_dropout)


class FeatureAlphaDropout(_DropoutNd):
    """AlphaDropout of whole channels of (N, C, ...) inputs."""

    _fn = staticmethod(F.feature_alpha_dropout)
