"""Weight initialization, in place, with PyTorch's names and formulas.

Every function fills its tensor under `ag.no_grad()` with draws from
`ag.random.get_rng()` (so `ag.manual_seed` fixes them), or from `generator=` (a
`glassgrad.Generator`) where PyTorch takes one, and returns the tensor.

How they relate to the usual textbook recipes, for a layer with n = fan_in inputs:

- ``w = randn(n) * sqrt(2/n)`` for ReLU networks (He et al.) is ``kaiming_normal_(w)`` with
  ``nonlinearity='relu'``: std = gain / sqrt(fan_in), gain = sqrt(2).
- Xavier/Glorot for tanh layers: ``xavier_uniform_`` / ``xavier_normal_`` with
  std = gain * sqrt(2 / (fan_in + fan_out)), e.g. gain = ``calculate_gain('tanh')`` = 5/3.
- Sparse initialization (only some connections of each unit non-zero): ``sparse_``.

Fans follow PyTorch: for a weight of shape ``(out, in, *kernel)``, fan_in = in * prod(kernel) and
fan_out = out * prod(kernel).
"""
import math
import warnings

import numpy as np

from glassgrad import autograd as ag
from glassgrad.autograd.grad_mode import no_grad


def _fill(tensor, values):
    with no_grad():
        tensor.copy_(ag.tensor(np.asarray(values, dtype=tensor.dtype)))
    return tensor


def calculate_gain(nonlinearity, param=None):
    """The recommended scale of the weights for a nonlinearity (PyTorch's table).

    linear, conv and transposed conv, sigmoid: 1; tanh: 5/3; relu: sqrt(2); leaky_relu(slope):
    ``sqrt(2 / (1 + slope^2))``; selu: 3/4.

    Parameters
    ----------
    nonlinearity : str
        One of ``'linear'``, ``'conv1d'``, ``'conv2d'``, ``'conv3d'``,
        ``'conv_transpose1d'``, ``'conv_transpose2d'``, ``'conv_transpose3d'``,
        ``'sigmoid'``, ``'tanh'``, ``'relu'``, ``'leaky_relu'``, ``'selu'``.
    param : float, optional
        The negative slope for ``'leaky_relu'``. Default None (0.01).

    Returns
    -------
    float
        The gain (the int 1 for the linear functions and sigmoid).

    Raises
    ------
    ValueError
        For an unsupported nonlinearity, or a `param` that is not a number.

    Examples
    --------
    >>> gg.nn.init.calculate_gain('tanh')
    1.6666666666666667
    >>> gg.nn.init.calculate_gain('leaky_relu', 0.0) == gg.nn.init.calculate_gain('relu')
    True
    """
    linear = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
              "conv_transpose2d", "conv_transpose3d")
    if nonlinearity in linear or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"calculate_gain: negative_slope {param!r} is not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def _calculate_fan_in_and_fan_out(tensor):
    if tensor.ndim < 2:
        raise ValueError(f"fan in and fan out cannot be computed for a tensor with fewer than "
                         f"2 dims (shape {tuple(tensor.shape)})")
    receptive = int(np.prod(tensor.shape[2:])) if tensor.ndim > 2 else 1
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _fan(tensor, mode):
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """Fill `tensor` with draws from the uniform distribution U(a, b).

    Parameters
    ----------
    tensor : Tensor
        The tensor to fill (any shape, floating point); modified in place.
    a : float, optional
        Lower bound. Default 0.0.
    b : float, optional
        Upper bound. Default 1.0.
    generator : glassgrad.Generator, optional
        Source of the random draws. Default None: the global generator (``gg.manual_seed``
        fixes it).

    Returns
    -------
    Tensor
        `tensor` itself, filled in place without recording a gradient.
    """
    return _fill(tensor, ag.get_rng(generator).uniform(a, b, tensor.shape))


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    """Fill `tensor` with draws from the normal distribution N(mean, std^2).

    Parameters
    ----------
    tensor : Tensor
        The tensor to fill (any shape, floating point); modified in place.
    mean : float, optional
        Default 0.0.
    std : float, optional
        Standard deviation. Default 1.0.
    generator : glassgrad.Generator, optional
        Source of the random draws. Default None: the global generator (``gg.manual_seed``
        fixes it).

    Returns
    -------
    Tensor
        `tensor` itself, filled in place without recording a gradient.
    """
    return _fill(tensor, ag.get_rng(generator).normal(mean, std, tensor.shape))


def constant_(tensor, val):
    """Fill `tensor` with the value `val`, in place, without recording a gradient.

    Parameters
    ----------
    tensor : Tensor
        The tensor to fill (any shape, floating point); modified in place.
    val : float
        The fill value.

    Returns
    -------
    Tensor
        `tensor` itself, filled in place without recording a gradient.
    """
    return _fill(tensor, np.full(tensor.shape, val))


def zeros_(tensor):
    """Fill `tensor` with zeros, in place.

    Parameters
    ----------
    tensor : Tensor
        The tensor to fill (any shape, floating point); modified in place.

    Returns
    -------
    Tensor
        `tensor` itself, filled in place without recording a gradient.
    """
    return constant_(tensor, 0.0)


def ones_(tensor):
    """Fill `tensor` with ones, in place.

    Parameters
    ----------
    tensor : Tensor
        The tensor to fill (any shape, floating point); modified in place.

    Returns
    -------
    Tensor
        `tensor` itself, filled in place without recording a gradient.
    """
    return constant_(tensor, 1.0)


def eye_(tensor):
    """Fill a 2-D `tensor` with the identity matrix (ones on the diagonal), in place.

    Parameters
    ----------
    tensor : Tensor of shape (m, n)
        Modified in place; a non-square matrix gets ones on its main diagonal.

    Returns
    -------
    Tensor
        `tensor` itself, filled in place without recording a gradient.

    Raises
    ------
    ValueError
        If `tensor` is not 2-D.
    """
    if tensor.ndim != 2:
        raise ValueError(f"eye_: only 2-D tensors are supported, got shape {tuple(tensor.shape)}")
    return _fill(tensor, np.eye(*tensor.shape))


def xavier_uniform_(tensor, gain=1.0, generator=None):
    """Glorot uniform initialization: U(-a, a) with ``a = gain * sqrt(6 / (fan_in + fan_out))``.

    The usual choice for tanh layers, with ``gain = calculate_gain('tanh')``. For a weight of
    shape ``(out, in, *kernel)``, ``fan_in = in * prod(kernel)`` and ``fan_out = out *
    prod(kernel)``.

    Parameters
    ----------
    tensor : Tensor of shape (out, in, k1, ..., kd)
        Modified in place.
    gain : float, optional
        Scale factor. Default 1.0.
    generator : glassgrad.Generator, optional
        Source of the random draws. Default None: the global generator (``gg.manual_seed``
        fixes it).

    Returns
    -------
    Tensor
        `tensor` itself, filled in place without recording a gradient.

    Raises
    ------
    ValueError
        If `tensor` has fewer than 2 dims (no fan in and fan out).
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    a = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    """Glorot normal initialization: N(0, std^2) with ``std = gain * sqrt(2 / (fan_in + fan_out))``.

    Parameters
    ----------
    tensor : Tensor of shape (out, in, k1, ..., kd)
        Modified in place.
    gain : float, optional
        Scale factor. Default 1.0.
    generator : glassgrad.Generator, optional
        Source of the random draws. Default None: the global generator (``gg.manual_seed``
        fixes it).

    Returns
    -------
    Tensor
        `tensor` itself, filled in place without recording a gradient.

    Raises
    ------
    ValueError
        If `tensor` has fewer than 2 dims (no fan in and fan out).
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """He uniform initialization: U(-b, b) with ``b = gain * sqrt(3 / fan)``.

    ``gain = calculate_gain(nonlinearity, a)``. PyTorch's default Linear/Conv init is this
    with ``a = sqrt(5)``, i.e. ``b = 1 / sqrt(fan_in)``.

    Parameters
    ----------
    tensor : Tensor of shape (out, in, k1, ..., kd)
        Modified in place.
    a : float, optional
        The negative slope of the leaky ReLU that follows (used only with
        ``nonlinearity='leaky_relu'``). Default 0.
    mode : {'fan_in', 'fan_out'}, optional
        ``'fan_in'`` keeps the variance of the forward activations, ``'fan_out'`` that of the
        backward gradients. Default ``'fan_in'``.
    nonlinearity : str, optional
        The nonlinearity after this layer, see :func:`calculate_gain`. Default
        ``'leaky_relu'``.
    generator : glassgrad.Generator, optional
        Source of the random draws. Default None: the global generator (``gg.manual_seed``
        fixes it).

    Returns
    -------
    Tensor
        `tensor` itself, filled in place without recording a gradient.

    Raises
    ------
    ValueError
        If `tensor` has fewer than 2 dims, `mode` is unknown, or `nonlinearity` is not
        supported by :func:`calculate_gain`.

    Notes
    -----
    A tensor with zero elements is returned unchanged, with a ``UserWarning``, as in
    PyTorch.
    """
    if 0 in tuple(tensor.shape):        # no fan to scale by, nothing to fill (as PyTorch)
        warnings.warn("Initializing zero-element tensors is a no-op", UserWarning,
                      stacklevel=2)
        return tensor
    gain = calculate_gain(nonlinearity, a)
    bound = gain * math.sqrt(3.0 / _fan(tensor, mode))
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """He normal initialization: N(0, std^2) with ``std = gain / sqrt(fan)``.

    ``gain = calculate_gain(nonlinearity, a)``. With ``nonlinearity='relu'`` this is the
    textbook ``randn(n) * sqrt(2 / n)`` for ReLU networks (n inputs per unit).

    Parameters
    ----------
    tensor : Tensor of shape (out, in, k1, ..., kd)
        Modified in place.
    a : float, optional
        The negative slope of the leaky ReLU that follows (used only with
        ``nonlinearity='leaky_relu'``). Default 0.
    mode : {'fan_in', 'fan_out'}, optional
        ``'fan_in'`` keeps the variance of the forward activations, ``'fan_out'`` that of the
        backward gradients. Default ``'fan_in'``.
    nonlinearity : str, optional
        The nonlinearity after this layer, see :func:`calculate_gain`. Default
        ``'leaky_relu'``.
    generator : glassgrad.Generator, optional
        Source of the random draws. Default None: the global generator (``gg.manual_seed``
        fixes it).

    Returns
    -------
    Tensor
        `tensor` itself, filled in place without recording a gradient.

    Raises
    ------
    ValueError
        If `tensor` has fewer than 2 dims, `mode` is unknown, or `nonlinearity` is not
        supported by :func:`calculate_gain`.

    Notes
    -----
    A tensor with zero elements is returned unchanged, with a ``UserWarning``, as in
    PyTorch.
    """
    if 0 in tuple(tensor.shape):        # no fan to scale by, nothing to fill (as PyTorch)
        warnings.warn("Initializing zero-element tensors is a no-op", UserWarning,
                      stacklevel=2)
        return tensor
    gain = calculate_gain(nonlinearity, a)
    return normal_(tensor, 0.0, gain / math.sqrt(_fan(tensor, mode)), generator)


def orthogonal_(tensor, gain=1.0, generator=None):
    """Fill with a (semi-)orthogonal matrix times `gain`.

    The matrix comes from the QR decomposition of a Gaussian matrix, with the signs fixed so
    that the result is uniformly distributed; trailing dims are flattened, i.e. the tensor is
    treated as a (shape[0], numel / shape[0]) matrix.

    Parameters
    ----------
    tensor : Tensor with at least 2 dims
        Modified in place; an empty tensor is returned unchanged.
    gain : float, optional
        Scale factor. Default 1.0.
    generator : glassgrad.Generator, optional
        Source of the random draws. Default None: the global generator (``gg.manual_seed``
        fixes it).

    Returns
    -------
    Tensor
        `tensor` itself, filled in place without recording a gradient.

    Raises
    ------
    ValueError
        If `tensor` has fewer than 2 dims.
    """
    if tensor.ndim < 2:
        raise ValueError(f"orthogonal_: needs at least 2 dims, got shape {tuple(tensor.shape)}")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    flat = ag.get_rng(generator).standard_normal((rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(tensor, (q * gain).reshape(tensor.shape))


def sparse_(tensor, sparsity, std=0.01, generator=None):
    """Sparse initialization of a 2-D weight (Martens, 2010), PyTorch's ``sparse_``.

    Entries are drawn from N(0, std^2), then in every column a fraction `sparsity` of the rows
    (rounded up) is set to zero, so each unit keeps a random subset of its connections.

    Parameters
    ----------
    tensor : Tensor of shape (out, in)
        Modified in place.
    sparsity : float
        Fraction of each column set to zero, in [0, 1].
    std : float, optional
        Standard deviation of the non-zero entries. Default 0.01.
    generator : glassgrad.Generator, optional
        Source of the random draws. Default None: the global generator (``gg.manual_seed``
        fixes it).

    Returns
    -------
    Tensor
        `tensor` itself, filled in place without recording a gradient.

    Raises
    ------
    ValueError
        If `tensor` is not 2-D.
    """
    if tensor.ndim != 2:
        raise ValueError(f"sparse_: only 2-D tensors are supported, got shape "
                         f"{tuple(tensor.shape)}")
    rows, cols = tensor.shape
    num_zeros = int(math.ceil(sparsity * rows))
    rng = ag.get_rng(generator)
    values = rng.normal(0.0, std, (rows, cols))
    for j in range(cols):
        values[rng.permutation(rows)[:num_zeros], j] = 0.0
    return _fill(tensor, values)
