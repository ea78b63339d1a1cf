"""Sampling from distributions: `multinomial`, `bernoulli`, `normal`, `poisson`, and the
in-place fills `Tensor.uniform_/normal_/bernoulli_/exponential_/random_/cauchy_/log_normal_/
geometric_`.

Every sampler takes `generator=` (a `Generator`; the global default generator when None).
Samples are constants: they carry no gradient (PyTorch gives their inputs a zero gradient).
The streams differ from PyTorch's; the distributions, shapes, dtypes and errors match.
"""
import numpy as np

from . import dtypes
from .creation import _shape, _finish, _random_float_dtype
from .device import check_device
from .ops import _fill_with
from .random import get_rng
from .tensor import Tensor, _wrap


def _array(x):
    return x._data if isinstance(x, Tensor) else np.asarray(x)


def multinomial(input, num_samples, replacement=False, *, generator=None):
    """Return indices drawn from the categorical distribution(s) whose weights are ``input`` (also ``x.multinomial(...)``).

    Parameters
    ----------
    input : Tensor of shape (C,) or (R, C), floating
        Non-negative weights (they need not sum to one); one distribution per row.
    num_samples : int
        Draws per distribution.
    replacement : bool, optional
        With replacement, draws are independent. Without (the default), a category is drawn
        at most once (categories of weight zero come last, only when the positive ones run
        out).
    generator : Generator, optional
        Draw from this generator instead of the global default one (keyword only).

    Returns
    -------
    Tensor
        int64, shape (num_samples,) or (R, num_samples): the drawn category indices.

    Raises
    ------
    RuntimeError
        For an input that is not 1-D or 2-D or not floating, a weight that is negative, inf or
        nan, a row summing to zero, num_samples <= 0, or, without replacement, more samples
        than categories (PyTorch's messages).

    Notes
    -----
    Without replacement, the draw takes the ``num_samples`` largest keys ``weight / E`` with
    ``E`` exponentially distributed, as PyTorch does; the random streams differ from
    PyTorch's.
    """
    p = _array(input)
    if p.ndim not in (1, 2):
        raise RuntimeError(f"multinomial: prob_dist must be 1 or 2 dim, got shape {p.shape}")
    if p.dtype.kind != "f":
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{p.dtype}")
    num_samples = int(num_samples)
    if num_samples <= 0:
        raise RuntimeError(f"multinomial: cannot sample n_sample <= 0 samples (got {num_samples})")
    if not replacement and num_samples > p.shape[-1]:
        raise RuntimeError(f"multinomial: cannot sample n_sample > prob_dist.size(-1) samples "
                           f"without replacement ({num_samples} > {p.shape[-1]})")
    rows = p.reshape(-1, p.shape[-1]).astype(np.float64)
    if not np.isfinite(rows).all() or (rows < 0).any():
        raise RuntimeError("multinomial: probability tensor contains either `inf`, `nan` or "
                           "element < 0")
    totals = rows.sum(axis=1)
    if (totals <= 0).any():
        raise RuntimeError("multinomial: invalid multinomial distribution (sum of "
                           "probabilities <= 0)")
    rng = get_rng(generator)
    if replacement:
        cdf = np.cumsum(rows / totals[:, None], axis=1)
        u = rng.random((rows.shape[0], num_samples))
        out = np.empty(u.shape, dtype=np.int64)
        for r in range(rows.shape[0]):
            # side='right' never picks a category of weight 0 (its cdf step is empty)
            out[r] = np.searchsorted(cdf[r], u[r] * cdf[r, -1], side="right")
        np.minimum(out, rows.shape[1] - 1, out=out)
    else:
        # weight / Exp(1) keys: the k largest are a draw without replacement (as PyTorch)
        with np.errstate(divide="ignore"):
            keys = rows / rng.standard_exponential(rows.shape)
        out = np.argsort(-keys, axis=1, kind="stable")[:, :num_samples].astype(np.int64)
    return _wrap(out.reshape(p.shape[:-1] + (num_samples,)))


def _probabilities(p, op):
    if ((p < 0) | (p > 1) | np.isnan(p)).any():
        raise RuntimeError(f"{op}: expected all probabilities p to be in [0, 1]")
    return p


def bernoulli(input, p=None, *, generator=None):
    """Return 0/1 draws: ``out[i]`` is 1 with probability ``input[i]`` (also ``x.bernoulli()``).

    With a scalar ``p``, every element is 1 with probability ``p`` and ``input`` gives only
    the shape and dtype.

    Parameters
    ----------
    input : Tensor
        The probabilities, in [0, 1], floating; with ``p`` given, any tensor (only its shape
        and dtype are used).
    p : float or Tensor, optional
        One probability for every element (or a tensor broadcast to ``input``'s shape).
        Default None (use ``input``).
    generator : Generator, optional
        Draw from this generator instead of the global default one (keyword only).

    Returns
    -------
    Tensor
        Same shape and dtype as ``input``, holding 0 and 1. A constant: no gradient flows to
        ``input`` (PyTorch gives it a zero gradient).

    Raises
    ------
    RuntimeError
        If a probability lies outside [0, 1] or is NaN, or ``input`` is not floating when
        ``p`` is None.
    ValueError
        If a tensor ``p`` does not broadcast to ``input``'s shape.
    """
    x = _array(input)
    if p is None:
        if x.dtype.kind != "f":
            raise RuntimeError(f"bernoulli: expected a floating point input of probabilities, "
                               f"got {x.dtype}")
        probs = _probabilities(x, "bernoulli")
    else:
        probs = _probabilities(np.broadcast_to(np.asarray(_array(p), np.float64), x.shape),
                               "bernoulli")
    draws = get_rng(generator).random(x.shape) < probs
    return _wrap(draws.astype(x.dtype))


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None,
           requires_grad=False):
    """Return samples from normal distributions with the given means and standard deviations.

    The forms of PyTorch: ``normal(mean: Tensor, std: Tensor)`` (broadcast against each
    other), ``normal(mean: Tensor, std: float = 1.0)``, ``normal(mean: float, std: Tensor)``,
    and ``normal(mean: float, std: float, size)``.

    Parameters
    ----------
    mean : float or Tensor, optional
        The mean(s). Default 0.
    std : float or Tensor, optional
        The standard deviation(s), non-negative. Default 1.
    size : int or sequence of int, optional
        The shape of the result; required when ``mean`` and ``std`` are both numbers, refused
        otherwise.
    generator : Generator, optional
        Draw from this generator instead of the global default one (keyword only).
    dtype : numpy.dtype, optional
        A floating dtype for the number form (keyword only; the default float dtype when
        None). Ignored in the tensor forms.
    device : str or device, optional
        Only the CPU is available (keyword only).
    requires_grad : bool, optional
        Make the result of the number form a leaf that requires grad (keyword only). Default
        False. Ignored in the tensor forms.

    Returns
    -------
    Tensor
        The samples: shape ``size`` in the number form, else the broadcast shape of ``mean``
        and ``std``, keeping the floating dtype of the tensor argument(s) (promoted when both
        are tensors). Samples are constants: no gradient flows to ``mean`` or ``std``.

    Raises
    ------
    RuntimeError
        For a negative std, shapes that do not broadcast, or integer tensor arguments.
    TypeError
        If ``size`` is missing in the number form, or given in a tensor form.
    NotImplementedError
        If ``dtype`` is not floating.

    Notes
    -----
    The random streams differ from PyTorch's (another algorithm): the same seed gives the
    same draws in glassgrad, not the same numbers as PyTorch.
    """
    check_device(device, "normal")
    rng = get_rng(generator)
    tensors = [t for t in (mean, std) if isinstance(t, Tensor)]
    if not tensors:
        if size is None:
            raise TypeError("normal: with float mean and std, a size is required")
        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
        dt = _random_float_dtype(dtype, "normal")
        return _finish(rng.normal(mean, std, _shape((size,), "normal")).astype(dt), requires_grad)
    if size is not None:
        raise TypeError("normal: size is only allowed when mean and std are both numbers")
    dt = tensors[0]._data.dtype
    for t in tensors[1:]:
        dt = dtypes.promote(dt, t._data.dtype)
    if dt.kind != "f":
        raise RuntimeError(f"normal: expected floating point mean and std, got {dt}")
    m, s = _array(mean), _array(std)
    if (s < 0).any():
        raise RuntimeError(f"normal expects all elements of std >= 0.0 (got min {s.min()})")
    try:
        shape = np.broadcast_shapes(np.shape(m), np.shape(s))
    except ValueError:
        raise RuntimeError(f"normal: the shapes of mean {np.shape(m)} and std {np.shape(s)} do "
                           f"not broadcast") from None
    out = m + s * rng.standard_normal(shape)
    return _wrap(np.asarray(out, dtype=dt))


def poisson(input, generator=None):
    """Return Poisson samples, ``out[i] ~ Poisson(rate=input[i])``.

    Parameters
    ----------
    input : Tensor
        The rates, non-negative, floating.
    generator : Generator, optional
        Draw from this generator instead of the global default one. Default None.

    Returns
    -------
    Tensor
        Same shape and floating dtype as ``input``, holding whole numbers. A constant: no
        gradient flows to ``input``.

    Raises
    ------
    RuntimeError
        For a negative or NaN rate, or a non-floating input.
    """
    rates = _array(input)
    if rates.dtype.kind != "f":
        raise RuntimeError(f"poisson: expected a floating point tensor of rates, got {rates.dtype}")
    if (rates < 0).any() or np.isnan(rates).any():
        raise RuntimeError("poisson: invalid Poisson rate, expected rate to be non-negative")
    return _wrap(get_rng(generator).poisson(rates).astype(rates.dtype))


# ----- in-place fills (Tensor methods) ------------------------------------------------------


def _float_only(x, name):
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"{name}: expected a floating point tensor, got {x._data.dtype}")


def bernoulli_(self, p=0.5, *, generator=None):
    """Fill this tensor with 0/1 draws, 1 with probability ``p``, in place.

    Parameters
    ----------
    p : float or Tensor, optional
        The probability, in [0, 1]: one number, or a tensor broadcast to this tensor's shape.
        Default 0.5.
    generator : Generator, optional
        Draw from this generator instead of the global default one (keyword only).

    Returns
    -------
    Tensor
        This tensor, modified (its dtype kept).

    Raises
    ------
    RuntimeError
        If a probability lies outside [0, 1] or is NaN.
    ValueError
        If a tensor ``p`` does not broadcast to this tensor's shape.
    """
    probs = _probabilities(np.broadcast_to(np.asarray(_array(p), np.float64), self.shape),
                           "bernoulli_")
    return _fill_with(self, "bernoulli_", get_rng(generator).random(self.shape) < probs)


def exponential_(self, lambd=1.0, *, generator=None):
    """Fill this tensor with draws from the exponential distribution of rate ``lambd``, in place.

    The density is ``lambd * exp(-lambd * x)`` for ``x >= 0``.

    Parameters
    ----------
    lambd : float, optional
        The rate, positive. Default 1.
    generator : Generator, optional
        Draw from this generator instead of the global default one (keyword only).

    Returns
    -------
    Tensor
        This tensor, modified.

    Raises
    ------
    RuntimeError
        If the tensor is not floating, or ``lambd`` is not positive.
    """
    _float_only(self, "exponential_")
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    return _fill_with(self, "exponential_",
                      get_rng(generator).standard_exponential(self.shape) / lambd)


def random_(self, from_=0, to=None, *, generator=None):
    """Fill this tensor with integers drawn uniformly from ``[from_, to)``, in place.

    ``random_(to)`` draws from ``[0, to)``. ``random_()`` draws from ``[0, 2**mantissa]`` for
    floating tensors (``2**24`` for float32, ``2**53`` for float64) and over the dtype's
    non-negative range for integers (bool: False and True), as PyTorch.

    Parameters
    ----------
    from\\_ : int, optional
        The lower bound (inclusive); alone, it is the upper bound ``to``. Default 0. PyTorch
        spells it ``from``, which is a Python keyword.
    to : int, optional
        The upper bound (exclusive). Default None (the dtype's range, see above).
    generator : Generator, optional
        Draw from this generator instead of the global default one (keyword only).

    Returns
    -------
    Tensor
        This tensor, modified (the integers converted to its dtype).

    Raises
    ------
    RuntimeError
        If ``from_ >= to``.
    """
    dt = self._data.dtype
    if to is None:
        if from_ != 0:
            from_, to = 0, from_
        elif dt.kind == "f":
            to = 2 ** (np.finfo(dt).nmant + 1) + 1
        elif dt.kind == "b":
            to = 2
        else:
            to = int(np.iinfo(dt).max) + 1
    if from_ >= to:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={from_} "
                           f">= to={to}")
    rng = get_rng(generator)
    if to - from_ > 2 ** 63:
        values = rng.integers(from_, to, self.shape, dtype=np.uint64)
    else:
        values = rng.integers(from_, to, self.shape, dtype=np.int64)
    return _fill_with(self, "random_", values)


def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    """Fill this tensor with draws from the Cauchy distribution, in place.

    Parameters
    ----------
    median : float, optional
        The location. Default 0.
    sigma : float, optional
        The scale (half width at half maximum). Default 1.
    generator : Generator, optional
        Draw from this generator instead of the global default one (keyword only).

    Returns
    -------
    Tensor
        This tensor, modified.

    Raises
    ------
    RuntimeError
        If the tensor is not floating.
    """
    _float_only(self, "cauchy_")
    return _fill_with(self, "cauchy_",
                      median + sigma * get_rng(generator).standard_cauchy(self.shape))


def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    """Fill this tensor with log-normal draws ``exp(N(mean, std**2))``, in place.

    Parameters
    ----------
    mean : float, optional
        The mean of the underlying normal distribution. Default 1.
    std : float, optional
        The standard deviation of the underlying normal distribution. Default 2.
    generator : Generator, optional
        Draw from this generator instead of the global default one (keyword only).

    Returns
    -------
    Tensor
        This tensor, modified.

    Raises
    ------
    RuntimeError
        If the tensor is not floating.
    """
    _float_only(self, "log_normal_")
    return _fill_with(self, "log_normal_", get_rng(generator).lognormal(mean, std, self.shape))


def geometric_(self, p, *, generator=None):
    """Fill this tensor with geometric draws: the number of trials up to the first success (at least 1), in place.

    Parameters
    ----------
    p : float
        The success probability of each trial, in (0, 1).
    generator : Generator, optional
        Draw from this generator instead of the global default one (keyword only).

    Returns
    -------
    Tensor
        This tensor, modified (the counts converted to its dtype).

    Raises
    ------
    RuntimeError
        If ``p`` is not in (0, 1).
    """
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    return _fill_with(self, "geometric_", get_rng(generator).geometric(p, self.shape))


def _bernoulli_method(self, p=None, *, generator=None):
    return bernoulli(self, p, generator=generator)


def _multinomial_method(self, num_samples, replacement=False, *, generator=None):
    return multinomial(self, num_samples, replacement, generator=generator)


def _attach():
    for fn in (bernoulli_, exponential_, random_, cauchy_, log_normal_, geometric_):
        setattr(Tensor, fn.__name__, fn)
    Tensor.bernoulli = _bernoulli_method
    Tensor.bernoulli.__doc__ = ("See :func:`glassgrad.bernoulli`, with this tensor as "
                                "``input``.")
    Tensor.multinomial = _multinomial_method
    Tensor.multinomial.__doc__ = ("See :func:`glassgrad.multinomial`, with this tensor as "
                                  "``input``.")


_attach()
