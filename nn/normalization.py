"""BatchNorm1d, BatchNorm2d, InstanceNorm2d, LayerNorm, GroupNorm.

Train/eval semantics are PyTorch's: in training, batch statistics (biased variance)
normalize the input and, with track_running_stats, the running mean and the running
*unbiased* variance move towards them by `momentum` (momentum=None: a cumulative average
over the batches seen, counted by num_batches_tracked). In eval mode the running
statistics are used.
"""
from glassgrad import autograd as ag

from . import functional as F
from .module import Module
from .parameter import Parameter


def _affine_parameters(module, n, affine, bias, dtype):
    """The per-channel affine map of a norm layer: weight ones (n,), bias zeros (n,); either
    is registered as None when switched off (PyTorch's state dict then lacks the key)."""
    weight = Parameter(ag.ones(n, dtype=dtype)) if affine else None
    module.register_parameter("weight", weight)
    module.register_parameter("bias", Parameter(ag.zeros(n, dtype=dtype))
                              if affine and bias else None)


class _NormBase(Module):
    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, dtype=None, *, bias=True):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        _affine_parameters(self, num_features, affine, bias, dtype)
        if track_running_stats:
            self.register_buffer("running_mean", ag.zeros(num_features, dtype=dtype))
            self.register_buffer("running_var", ag.ones(num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", ag.tensor(0))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self):
        if self.track_running_stats:
            with ag.no_grad():
                self.running_mean.zero_()
                self.running_var.fill_(1.0)
                self.num_batches_tracked.zero_()

    def _momentum(self):
        """The averaging factor for this step; bumps num_batches_tracked when training."""
        if not (self.training and self.track_running_stats):
            return 0.0 if self.momentum is None else self.momentum
        with ag.no_grad():
            self.num_batches_tracked.add_(1)
        if self.momentum is None:
            return 1.0 / float(self.num_batches_tracked.item())
        return self.momentum

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class _BatchNorm(_NormBase):
    def forward(self, input):
        self._check_tensor(input)
        self._check_input(input)
        momentum = self._momentum()
        # without running statistics, batch statistics are used in eval mode too
        use_batch = self.training or not self.track_running_stats
        return F.batch_norm(input, self.running_mean, self.running_var, self.weight, self.bias,
                            use_batch, momentum, self.eps)


class BatchNorm1d(_BatchNorm):
    """Batch normalization over a batch of feature vectors or sequences, per channel.

    In training mode each channel is normalized with the mean and (biased) variance of the
    batch, then scaled by `weight` and shifted by `bias`; the running averages of the
    mean and (unbiased) variance are updated with `momentum`. In evaluation mode the
    running averages are used instead.

    Parameters
    ----------
    num_features : int
        C, the number of channels.
    eps : float, optional
        Added to the variance for numerical stability. Default 1e-5.
    momentum : float or None, optional
        ``running = (1 - momentum) * running + momentum * batch_statistic``; None keeps a
        cumulative average over all batches. Default 0.1.
    affine : bool, optional
        Learn `weight` and `bias`. Default True.
    track_running_stats : bool, optional
        Keep running averages; without them batch statistics are used in evaluation mode
        too. Default True.
    dtype : glassgrad dtype, optional
        Floating dtype of the parameters and running statistics (the default dtype if
        omitted).
    bias : bool, optional
        With ``affine=True``, learn the shift too. Keyword only. Default True.

    Shape
    -----
    - Input: (N, C) or (N, C, L).
    - Output: same shape as the input.

    Attributes
    ----------
    weight : Parameter of shape (C,) or None
        Initialized to ones.
    bias : Parameter of shape (C,) or None
        Initialized to zeros.
    running_mean, running_var : Tensor of shape (C,) or None
        Buffers (saved in ``state_dict``), initialized to zeros and ones.
    num_batches_tracked : Tensor, 0-d int64, or None
        Buffer counting the training batches seen.

    Raises
    ------
    TypeError
        At call time, the input is not a Tensor.
    ValueError
        At call time, the input is not (N, C) or (N, C, L).

    Examples
    --------
    >>> from glassgrad import nn
    >>> bn = nn.BatchNorm1d(2)
    >>> out = bn(gg.tensor([[1., 10.], [3., 30.]]))
    >>> [[round(v, 4) for v in row] for row in out.tolist()]
    [[-1.0, -1.0], [1.0, 1.0]]
    >>> [round(v, 4) for v in bn.running_mean.tolist()]    # 0.9 * 0 + 0.1 * batch mean
    [0.2, 2.0]
    """

    def _check_input(self, input):
        if input.ndim not in (2, 3) or input.shape[1] != self.num_features:
            raise self._input_error(f"(N, {self.num_features}) or (N, {self.num_features}, L)",
                                    input)


class BatchNorm2d(_BatchNorm):
    """Batch normalization of images, per channel: as BatchNorm1d, with the statistics of
    each channel taken over the batch and all H x W positions.

    In training mode each channel is normalized with the mean and (biased) variance of the
    batch, then scaled by `weight` and shifted by `bias`; the running averages of the mean
    and (unbiased) variance are updated with `momentum`. In evaluation mode the running
    averages are used instead.

    Parameters
    ----------
    num_features : int
        C, the number of channels.
    eps : float, optional
        Added to the variance for numerical stability. Default 1e-5.
    momentum : float or None, optional
        ``running = (1 - momentum) * running + momentum * statistic``;
        None keeps a cumulative average over all batches. Default 0.1.
    affine : bool, optional
        Learn `weight` and `bias`. Default True.
    track_running_stats : bool, optional
        Keep running averages of the mean and variance; without them the batch statistics
        are used in evaluation mode too. Default True.
    dtype : glassgrad dtype, optional
        Floating dtype of the parameters and running statistics (the default dtype if
        omitted).
    bias : bool, optional
        Keyword only. With ``affine=True``, learn the shift too. Default True.

    Shape
    -----
    - Input: (N, C, H, W).
    - Output: same shape as the input.

    Attributes
    ----------
    weight : Parameter of shape (C,) or None
        Initialized to ones (with ``affine=True``).
    bias : Parameter of shape (C,) or None
        Initialized to zeros (with ``affine=True`` and ``bias=True``).
    running_mean, running_var : Tensor of shape (C,) or None
        Buffers (saved in ``state_dict``), initialized to zeros and ones (with
        ``track_running_stats=True``).
    num_batches_tracked : Tensor, 0-d int64, or None
        Buffer counting the training batches seen.

    Raises
    ------
    TypeError
        At call time, the input is not a Tensor.
    ValueError
        At call time, the input is not 4-dimensional or has not C channels.

    Examples
    --------
    >>> from glassgrad import nn
    >>> bn = nn.BatchNorm2d(3)
    >>> bn(gg.randn(4, 3, 5, 5)).shape
    (4, 3, 5, 5)
    >>> sorted(bn.state_dict())
    ['bias', 'num_batches_tracked', 'running_mean', 'running_var', 'weight']
    """

    def _check_input(self, input):
        if input.ndim != 4 or input.shape[1] != self.num_features:
            raise self._input_error(f"(N, {self.num_features}, H, W)", input)


class InstanceNorm2d(_NormBase):
    """Normalize each sample's channel over its H x W positions: (N, C, H, W) or (C, H, W).

    Each channel of each sample is normalized with its own mean and (biased) variance over
    the spatial positions, then (with ``affine=True``) scaled by `weight` and shifted by
    `bias`.

    Parameters
    ----------
    num_features : int
        C, the number of channels.
    eps : float, optional
        Added to the variance for numerical stability. Default 1e-5.
    momentum : float or None, optional
        ``running = (1 - momentum) * running + momentum * statistic``;
        None is taken as 0 (no cumulative average, as in PyTorch). Default 0.1.
    affine : bool, optional
        Learn `weight` and `bias`. Default False.
    track_running_stats : bool, optional
        Keep running averages of the mean and variance; without them the input statistics
        are used in evaluation mode too. Default False.
    dtype : glassgrad dtype, optional
        Floating dtype of the parameters and running statistics (the default dtype if
        omitted).
    bias : bool, optional
        Keyword only. With ``affine=True``, learn the shift too. Default True.

    Shape
    -----
    - Input: (N, C, H, W) or (C, H, W).
    - Output: same shape as the input.

    Attributes
    ----------
    weight : Parameter of shape (C,) or None
        Initialized to ones (with ``affine=True``).
    bias : Parameter of shape (C,) or None
        Initialized to zeros (with ``affine=True`` and ``bias=True``).
    running_mean, running_var : Tensor of shape (C,) or None
        Buffers (saved in ``state_dict``), initialized to zeros and ones (with
        ``track_running_stats=True``).

    Raises
    ------
    TypeError
        At call time, the input is not a Tensor.
    ValueError
        At call time, the input's number of dimensions or channels does not fit.

    Notes
    -----
    PyTorch's defaults: ``affine=False``, ``track_running_stats=False`` (then the input
    statistics are used in evaluation mode too). Instance normalization neither counts the
    batches nor averages cumulatively, as in PyTorch.
    """

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False,
                 track_running_stats=False, dtype=None, *, bias=True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, dtype,
                         bias=bias)

    def forward(self, input):
        self._check_tensor(input)
        if input.ndim not in (3, 4) or input.shape[-3] != self.num_features:
            raise self._input_error(f"(N, {self.num_features}, H, W) or "
                                    f"({self.num_features}, H, W)", input)
        x = input.unsqueeze(0) if input.ndim == 3 else input
        # as in PyTorch, instance norm neither counts batches nor averages cumulatively
        momentum = 0.0 if self.momentum is None else self.momentum
        use_input = self.training or not self.track_running_stats
        out = F.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                              use_input, momentum, self.eps)
        return out.squeeze(0) if input.ndim == 3 else out


class LayerNorm(Module):
    """Layer normalization: normalize each sample over its last dimensions, then apply an
    elementwise affine map.

    The mean and the (biased) variance are taken over the trailing dims given by
    `normalized_shape`, separately for every leading index; training and evaluation modes
    behave the same.

    Parameters
    ----------
    normalized_shape : int or tuple of int
        The trailing dimensions to normalize over.
    eps : float, optional
        Added to the variance for numerical stability. Default 1e-5.
    elementwise_affine : bool, optional
        Learn `weight` and `bias` of shape `normalized_shape`. Default True.
    bias : bool, optional
        With ``elementwise_affine=True``, learn the shift too. Default True.
    dtype : glassgrad dtype, optional
        Floating dtype of the parameters (the default dtype if omitted).

    Shape
    -----
    - Input: ``(..., *normalized_shape)``.
    - Output: same shape as the input.

    Attributes
    ----------
    weight : Parameter of shape normalized_shape or None
        Initialized to ones.
    bias : Parameter of shape normalized_shape or None
        Initialized to zeros.

    Raises
    ------
    TypeError
        At call time, the input is not a Tensor.
    ValueError
        At call time, the input's trailing dimensions are not `normalized_shape`.

    Examples
    --------
    >>> from glassgrad import nn
    >>> ln = nn.LayerNorm(2)
    >>> out = ln(gg.tensor([[1., 3.], [10., 30.]]))     # each row: zero mean, unit variance
    >>> [[round(v, 3) for v in row] for row in out.tolist()]
    [[-1.0, 1.0], [-1.0, 1.0]]
    """

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True,
                 dtype=None):
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(ag.ones(*self.normalized_shape, dtype=dtype))
            if bias:
                self.bias = Parameter(ag.zeros(*self.normalized_shape, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, input):
        self._check_tensor(input)
        k = len(self.normalized_shape)
        if tuple(input.shape[input.ndim - k:]) != self.normalized_shape or input.ndim < k:
            raise self._input_error(
                "(..., " + ", ".join(map(str, self.normalized_shape)) + ")", input)
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class GroupNorm(Module):
    """Group normalization: normalize groups of ``num_channels // num_groups`` channels per
    sample, then apply a per-channel affine map.

    The statistics of each group are taken over its channels and all positions of one sample,
    so the result does not depend on the batch (the same in training and evaluation mode).

    Parameters
    ----------
    num_groups : int
        The number of groups; must divide `num_channels`.
    num_channels : int
        C, the number of channels.
    eps : float, optional
        Added to the variance for numerical stability. Default 1e-5.
    affine : bool, optional
        Learn a per-channel `weight` and `bias`. Default True.
    dtype : glassgrad dtype, optional
        Floating dtype of the parameters (the default dtype if omitted).
    bias : bool, optional
        Keyword only. With ``affine=True``, learn the shift too. Default True.

    Shape
    -----
    - Input: ``(N, C, *)``.
    - Output: same shape as the input.

    Attributes
    ----------
    weight : Parameter of shape (C,) or None
        Initialized to ones.
    bias : Parameter of shape (C,) or None
        Initialized to zeros.

    Raises
    ------
    ValueError
        `num_channels` is not divisible by `num_groups`; at call time, an input with fewer
        than 2 dimensions or not C channels.
    TypeError
        At call time, the input is not a Tensor.
    """

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, dtype=None, *,
                 bias=True):
        super().__init__()
        if num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels {num_channels} must be divisible by "
                             f"num_groups {num_groups}")
        self.num_groups, self.num_channels, self.eps, self.affine = (num_groups, num_channels,
                                                                    eps, affine)
        _affine_parameters(self, num_channels, affine, bias, dtype)

    def forward(self, input):
        self._check_tensor(input)
        if input.ndim < 2 or input.shape[1] != self.num_channels:
            raise self._input_error(f"(N, {self.num_channels}, ...)", input)
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")


# ----- more normalization layers ----------------------------------------------------------


class BatchNorm3d(_BatchNorm):
    """Batch normalization of volumes (N, C, D, H, W), per channel C = num_features.

    As ``BatchNorm1d``, with the statistics of each channel taken over N, D, H and W.

    Parameters
    ----------
    num_features : int
        C, the number of channels.
    eps : float, optional
        Added to the variance for numerical stability. Default 1e-5.
    momentum : float or None, optional
        ``running = (1 - momentum) * running + momentum * statistic``;
        None keeps a cumulative average over all batches. Default 0.1.
    affine : bool, optional
        Learn `weight` and `bias`. Default True.
    track_running_stats : bool, optional
        Keep running averages of the mean and variance; without them the batch statistics
        are used in evaluation mode too. Default True.
    dtype : glassgrad dtype, optional
        Floating dtype of the parameters and running statistics (the default dtype if
        omitted).
    bias : bool, optional
        Keyword only. With ``affine=True``, learn the shift too. Default True.

    Shape
    -----
    - Input: (N, C, D, H, W).
    - Output: same shape as the input.

    Attributes
    ----------
    weight : Parameter of shape (C,) or None
        Initialized to ones (with ``affine=True``).
    bias : Parameter of shape (C,) or None
        Initialized to zeros (with ``affine=True`` and ``bias=True``).
    running_mean, running_var : Tensor of shape (C,) or None
        Buffers (saved in ``state_dict``), initialized to zeros and ones (with
        ``track_running_stats=True``).
    num_batches_tracked : Tensor, 0-d int64, or None
        Buffer counting the training batches seen.

    Raises
    ------
    TypeError
        At call time, the input is not a Tensor.
    ValueError
        At call time, the input is not 5-dimensional or has not C channels.
    """

    def _check_input(self, input):
        if input.ndim != 5 or input.shape[1] != self.num_features:
            raise self._input_error(f"(N, {self.num_features}, D, H, W)", input)


class _InstanceNormNd(InstanceNorm2d):
    _spatial = 1

    def forward(self, input):
        n, c = self._spatial, self.num_features
        if input.ndim not in (n + 1, n + 2) or input.shape[-n - 1] != c:
            raise self._input_error(f"(N, {c}, {n} spatial dims) or ({c}, {n} spatial dims)",
                                    input)
        x = input.unsqueeze(0) if input.ndim == n + 1 else input
        momentum = 0.0 if self.momentum is None else self.momentum
        use_input = self.training or not self.track_running_stats
        out = F.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                              use_input, momentum, self.eps)
        return out.squeeze(0) if input.ndim == n + 1 else out


class InstanceNorm1d(_InstanceNormNd):
    """Normalize each sample's channel over its L positions: (N, C, L) or (C, L).

    Each channel of each sample is normalized with its own mean and (biased) variance over
    the spatial positions, then (with ``affine=True``) scaled by `weight` and shifted by
    `bias`.

    Parameters
    ----------
    num_features : int
        C, the number of channels.
    eps : float, optional
        Added to the variance for numerical stability. Default 1e-5.
    momentum : float or None, optional
        ``running = (1 - momentum) * running + momentum * statistic``;
        None is taken as 0 (no cumulative average, as in PyTorch). Default 0.1.
    affine : bool, optional
        Learn `weight` and `bias`. Default False.
    track_running_stats : bool, optional
        Keep running averages of the mean and variance; without them the input statistics
        are used in evaluation mode too. Default False.
    dtype : glassgrad dtype, optional
        Floating dtype of the parameters and running statistics (the default dtype if
        omitted).
    bias : bool, optional
        Keyword only. With ``affine=True``, learn the shift too. Default True.

    Shape
    -----
    - Input: (N, C, L) or (C, L).
    - Output: same shape as the input.

    Attributes
    ----------
    weight : Parameter of shape (C,) or None
        Initialized to ones (with ``affine=True``).
    bias : Parameter of shape (C,) or None
        Initialized to zeros (with ``affine=True`` and ``bias=True``).
    running_mean, running_var : Tensor of shape (C,) or None
        Buffers (saved in ``state_dict``), initialized to zeros and ones (with
        ``track_running_stats=True``).

    Raises
    ------
    TypeError
        At call time, the input is not a Tensor.
    ValueError
        At call time, the input's number of dimensions or channels does not fit.

    Notes
    -----
    PyTorch's defaults: ``affine=False``, ``track_running_stats=False`` (then the input
    statistics are used in evaluation mode too). Instance normalization neither counts the
    batches nor averages cumulatively, as in PyTorch.
    """

    _spatial = 1


class InstanceNorm3d(_InstanceNormNd):
    """Normalize each sample's channel over its D x H x W positions: (N, C, D, H, W) or
    (C, D, H, W).

    Each channel of each sample is normalized with its own mean and (biased) variance over
    the spatial positions, then (with ``affine=True``) scaled by `weight` and shifted by
    `bias`.

    Parameters
    ----------
    num_features : int
        C, the number of channels.
    eps : float, optional
        Added to the variance for numerical stability. Default 1e-5.
    momentum : float or None, optional
        ``running = (1 - momentum) * running + momentum * statistic``;
        None is taken as 0 (no cumulative average, as in PyTorch). Default 0.1.
    affine : bool, optional
        Learn `weight` and `bias`. Default False.
    track_running_stats : bool, optional
        Keep running averages of the mean and variance; without them the input statistics
        are used in evaluation mode too. Default False.
    dtype : glassgrad dtype, optional
        Floating dtype of the parameters and running statistics (the default dtype if
        omitted).
    bias : bool, optional
        Keyword only. With ``affine=True``, learn the shift too. Default True.

    Shape
    -----
    - Input: (N, C, D, H, W) or (C, D, H, W).
    - Output: same shape as the input.

    Attributes
    ----------
    weight : Parameter of shape (C,) or None
        Initialized to ones (with ``affine=True``).
    bias : Parameter of shape (C,) or None
        Initialized to zeros (with ``affine=True`` and ``bias=True``).
    running_mean, running_var : Tensor of shape (C,) or None
        Buffers (saved in ``state_dict``), initialized to zeros and ones (with
        ``track_running_stats=True``).

    Raises
    ------
    TypeError
        At call time, the input is not a Tensor.
    ValueError
        At call time, the input's number of dimensions or channels does not fit.

    Notes
    -----
    PyTorch's defaults: ``affine=False``, ``track_running_stats=False`` (then the input
    statistics are used in evaluation mode too). Instance normalization neither counts the
    batches nor averages cumulatively, as in PyTorch.
    """

    _spatial = 3


class RMSNorm(Module):
    """Root-mean-square normalization, PyTorch's ``nn.RMSNorm``.

    ``x / sqrt(mean(x**2) + eps)`` over the last dimensions given by `normalized_shape`, times
    a learned `weight` of that shape.

    Parameters
    ----------
    normalized_shape : int or tuple of ints
        The shape of the trailing dimensions to normalize over.
    eps : float, optional
        Added to the mean square. Default None: the machine epsilon of the input's dtype.
    elementwise_affine : bool, optional
        Learn `weight`. Default True.
    dtype : glassgrad dtype, optional
        Floating dtype of the weight (the default dtype if omitted).

    Shape
    -----
    - Input: ``(*, normalized_shape)``, the trailing dimensions equal to `normalized_shape`.
    - Output: same shape as the input.

    Attributes
    ----------
    weight : Parameter of shape normalized_shape or None
        Initialized to ones.
    """

    def __init__(self, normalized_shape, eps=None, elementwise_affine=True, dtype=None):
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        self.register_parameter("weight", Parameter(ag.ones(*self.normalized_shape, dtype=dtype))
                                if elementwise_affine else None)

    def reset_parameters(self):
        """Reset the scale `weight` to ones (in place)."""
        if self.weight is not None:
            with ag.no_grad():
                self.weight.fill_(1.0)

    def forward(self, x):
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class LocalResponseNorm(Module):
    """Local response normalization (AlexNet): normalize each channel by the squares of its
    `size` neighbouring channels.

    ``x / (k + alpha / size * sum x**2) ** beta``, the sum over the channels
    ``c - size // 2`` to ``c + (size - 1) // 2`` around channel c (zero beyond the edges).

    Parameters
    ----------
    size : int
        The number of neighbouring channels.
    alpha : float, optional
        The multiplicative factor. Default 1e-4.
    beta : float, optional
        The exponent. Default 0.75.
    k : float, optional
        The additive constant. Default 1.0.

    Shape
    -----
    - Input: ``(N, C, *)``, at least 3 dimensions.
    - Output: same shape as the input.

    Raises
    ------
    ValueError
        At call time, an input with fewer than 3 dimensions.
    """

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1.0):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input):
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
