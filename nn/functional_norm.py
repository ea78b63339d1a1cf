"""More normalization and regularization for nn.functional: rms_norm,
local_response_norm, normalize, the channel-wise dropouts (dropout1d/2d/3d) and the
SELU-preserving dropouts (alpha_dropout, feature_alpha_dropout).

Dropout masks come from ag.get_rng(), so ag.manual_seed fixes them (they are not PyTorch's
draws).
"""
import numpy as np

from glassgrad import autograd as ag

from . import _functional_core as F
from . import _masks


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """Root-mean-square normalization, PyTorch's ``F.rms_norm``.

    ``x / sqrt(mean(x^2) + eps)`` over the trailing dims, times `weight`.

    Parameters
    ----------
    input : Tensor, floating point
        Its trailing dims must equal `normalized_shape`.
    normalized_shape : int or tuple of int
        The trailing dims to normalize over.
    weight : Tensor of shape normalized_shape, optional
        The learned scale. Default None.
    eps : float, optional
        Added to the mean square. Default None: the machine epsilon of the input's dtype, as
        PyTorch.

    Returns
    -------
    Tensor
        Same shape and dtype as `input`.

    Raises
    ------
    ValueError
        If the trailing dims of `input` are not `normalized_shape`.
    """
    normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) \
        else tuple(normalized_shape)
    k = len(normalized_shape)
    if input.ndim < k or tuple(input.shape[input.ndim - k:]) != normalized_shape:
        raise ValueError(f"rms_norm: expected input (..., "
                         f"{', '.join(map(str, normalized_shape))}), got {tuple(input.shape)}")
    if eps is None:
        eps = float(np.finfo(input.dtype).eps)
    dims = tuple(range(input.ndim - k, input.ndim))
    out = input * ag.rsqrt((input * input).mean(dim=dims, keepdim=True) + eps)
    return out if weight is None else out * weight


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """Normalize each channel by its neighbours (AlexNet's LRN), PyTorch's ``F.local_response_norm``.

    ``x / (k + alpha / size * s)^beta``, where ``s`` is the sum of ``x^2`` over the `size`
    channels around each one: the window runs from ``c - size // 2`` to ``c + (size - 1) //
    2`` (zero outside).

    Parameters
    ----------
    input : Tensor of shape (N, C, ...), floating point
        At least 3 dims.
    size : int
        Number of neighbouring channels in the window; positive.
    alpha : float, optional
        Default 1e-4.
    beta : float, optional
        Default 0.75.
    k : float, optional
        Default 1.0.

    Returns
    -------
    Tensor
        Same shape and dtype as `input`.

    Raises
    ------
    ValueError
        If `input` has fewer than 3 dims or `size` is below 1.
    """
    if input.ndim < 3:
        raise ValueError(f"local_response_norm: expected (N, C, ...) with at least 3 dims, "
                         f"got shape {tuple(input.shape)}")
    if size < 1:
        raise ValueError(f"local_response_norm: size must be positive, got {size}")
    c = input.shape[1]
    sq = input * input
    padded = ag.pad(sq, (0, 0) * (input.ndim - 2) + (size // 2, (size - 1) // 2))
    total = padded[:, 0:c]
    for i in range(1, size):
        total = total + padded[:, i:i + c]
    return input / (total * (alpha / size) + k) ** beta


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """Scale to unit p-norm along `dim`, PyTorch's ``F.normalize``.

    ``x / max(||x||_p, eps)``.

    Parameters
    ----------
    input : Tensor
        Any shape, floating point.
    p : float, optional
        The norm's exponent. Default 2.0.
    dim : int, optional
        The dim holding the vectors. Default 1.
    eps : float, optional
        The smallest norm divided by (keeps zero vectors finite). Default 1e-12.
    out : None, optional
        Must be None: ``out=`` is not supported.

    Returns
    -------
    Tensor
        Same shape and dtype as `input`.

    Raises
    ------
    NotImplementedError
        If `out` is given.
    """
    if out is not None:
        raise NotImplementedError("normalize: out= is not supported")
    norm = ag.norm(input, p, dim, keepdim=True)
    return input / ag.clamp(norm, min=eps)


def _feature_mask(input, p, batched_ndim, fn):
    """Bernoulli(1 - p) keep-mask of shape (N, C, 1, ...) (or (C, 1, ...) unbatched)."""
    if input.ndim not in (batched_ndim - 1, batched_ndim):
        raise ValueError(f"{fn}: expected a {batched_ndim}-D (batched) or "
                         f"{batched_ndim - 1}-D input, got shape {tuple(input.shape)}")
    lead = 2 if input.ndim == batched_ndim else 1
    shape = tuple(input.shape[:lead]) + (1,) * (input.ndim - lead)
    return _masks.keep_mask((input,), 1.0 - p, shape)


_keep_scaled = F.data_op("keep_scaled", lambda keep, q, dtype: (keep / q).astype(dtype),
                         "keep / q in the given dtype (no gradient)")


def _channel_dropout(input, p, training, batched_ndim, fn):
    F._check_p(p, fn)
    if not training or p == 0:
        return input
    if p == 1:
        return input * 0.0
    keep = _feature_mask(input, p, batched_ndim, fn)
    return input * _keep_scaled((keep,), 1.0 - p, input.dtype)


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Channel dropout for (N, C, L) inputs, PyTorch's ``F.dropout1d``.

    Parameters
    ----------
    input : Tensor of shape (N, C, L) or (C, L), floating point
    p : float, optional
        The probability of zeroing a channel, in [0, 1] (one draw per channel). Default 0.5.
    training : bool, optional
        If False, `input` itself is returned. Default True.
    inplace : bool, optional
        Accepted for PyTorch compatibility; computed out of place. Default False.

    Returns
    -------
    Tensor
        Same shape and dtype as `input`: kept channels scaled by ``1 / (1 - p)``.

    Raises
    ------
    ValueError
        If `p` is outside [0, 1], or (when training with 0 < p < 1) `input` is not 2- or 3-D.

    Notes
    -----
    The masks come from glassgrad's global generator (``gg.manual_seed`` fixes them), so they
    are not PyTorch's draws.
    """
    return _channel_dropout(input, p, training, 3, "dropout1d")


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels with probability `p`, scaling the rest by ``1 / (1 - p)``, PyTorch's
    ``F.dropout2d``.

    Parameters
    ----------
    input : Tensor of shape (N, C, H, W) or (C, H, W), floating point
        As PyTorch does (with a warning there), a 3-D input is read as (N, C, L), i.e. 1-D
        channel dropout.
    p : float, optional
        The probability of zeroing a channel, in [0, 1] (one draw per channel). Default 0.5.
    training : bool, optional
        If False, `input` itself is returned. Default True.
    inplace : bool, optional
        Accepted for PyTorch compatibility; computed out of place. Default False.

    Returns
    -------
    Tensor
        Same shape and dtype as `input`: kept channels scaled by ``1 / (1 - p)``.

    Raises
    ------
    ValueError
        If `p` is outside [0, 1], or (when training with 0 < p < 1) `input` is not 3- or 4-D.

    Notes
    -----
    The masks come from glassgrad's global generator (``gg.manual_seed`` fixes them), so they
    are not PyTorch's draws.
    """
    if input.ndim == 3:
        return _channel_dropout(input, p, training, 3, "dropout2d")
    return _channel_dropout(input, p, training, 4, "dropout2d")


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels with probability `p`, scaling the rest by ``1 / (1 - p)``, PyTorch's
    ``F.dropout3d``.

    Parameters
    ----------
    input : Tensor of shape (N, C, D, H, W) or (C, D, H, W), floating point
    p : float, optional
        The probability of zeroing a channel, in [0, 1] (one draw per channel). Default 0.5.
    training : bool, optional
        If False, `input` itself is returned. Default True.
    inplace : bool, optional
        Accepted for PyTorch compatibility; computed out of place. Default False.

    Returns
    -------
    Tensor
        Same shape and dtype as `input`: kept channels scaled by ``1 / (1 - p)``.

    Raises
    ------
    ValueError
        If `p` is outside [0, 1], or (when training with 0 < p < 1) `input` is not 4- or 5-D.

    Notes
    -----
    The masks come from glassgrad's global generator (``gg.manual_seed`` fixes them), so they
    are not PyTorch's draws.
    """
    return _channel_dropout(input, p, training, 5, "dropout3d")


_ALPHA_PRIME = 1.7580993408473766      # -SELU's negative saturation value (scale * alpha)


def _alpha_dropout(input, p, training, keep, fn):
    F._check_p(p, fn)
    if not training or p == 0:
        return input
    if p == 1:
        return input * 0.0
    a = 1.0 / np.sqrt((_ALPHA_PRIME ** 2 * p + 1) * (1 - p))
    keep = _alpha_affine((keep,), a, p, input.dtype)
    return input * keep[0] + keep[1]


def _alpha_affine_forward(keep, a, p, dtype):
    """(the scale a where kept, else 0; the shift) of alpha dropout, stacked."""
    keep = keep.astype(dtype)
    b = (keep - 1.0) * (_ALPHA_PRIME * a) + _ALPHA_PRIME * a * p
    return np.stack([(keep * a).astype(dtype), b.astype(dtype)])


_alpha_affine = F.data_op("alpha_dropout_affine", _alpha_affine_forward,
                          "(a * keep, (keep - 1) a alpha' + a alpha' p) (no gradient)")


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Dropout for SELU networks (Klambauer et al., 2017), PyTorch's ``F.alpha_dropout``.

    Dropped elements are set to SELU's negative saturation value (about -1.7581) and an
    affine map ``a x + b`` restores zero mean and unit variance.

    Parameters
    ----------
    input : Tensor
        Any shape, floating point.
    p : float, optional
        The drop probability, in [0, 1]. Default 0.5.
    training : bool, optional
        If False (the default, as PyTorch), `input` itself is returned.
    inplace : bool, optional
        Accepted for PyTorch compatibility; computed out of place. Default False.

    Returns
    -------
    Tensor
        Same shape and dtype as `input`; zeros for ``p == 1``.

    Raises
    ------
    ValueError
        If `p` is outside [0, 1].

    Notes
    -----
    The masks come from glassgrad's global generator (``gg.manual_seed`` fixes them), so they
    are not PyTorch's draws.
    """
    keep = _masks.keep_mask((input,), 1.0 - p, tuple(input.shape)) \
        if training and 0 < p < 1 else None
    return _alpha_dropout(input, p, training, keep, "alpha_dropout")


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """:func:`alpha_dropout` with one draw per channel: whole channels are set to the saturation
    value, PyTorch's ``F.feature_alpha_dropout``.

    Parameters
    ----------
    input : Tensor of shape (N, C, ...), floating point
        At least 2-D.
    p : float, optional
        The drop probability, in [0, 1]. Default 0.5.
    training : bool, optional
        If False (the default, as PyTorch), `input` itself is returned.
    inplace : bool, optional
        Accepted for PyTorch compatibility; computed out of place. Default False.

    Returns
    -------
    Tensor
        Same shape and dtype as `input`.

    Raises
    ------
    ValueError
        If `p` is outside [0, 1], or (when training with 0 < p < 1) `input` has fewer than
        2 dims.

    Notes
    -----
    The masks come from glassgrad's global generator (``gg.manual_seed`` fixes them), so they
    are not PyTorch's draws.
    """
    keep = None
    if training and 0 < p < 1:
        if input.ndim < 2:
            raise ValueError(f"feature_alpha_dropout: expected (N, C, ...) input, got shape "
                             f"{tuple(input.shape)}")
        shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2)
        keep = _masks.keep_mask((input,), 1.0 - p, shape)
    return _alpha_dropout(input, p, training, keep, "feature_alpha_dropout")
