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
    """Batch normalization of (N, C) or (N, C, L) inputs, per channel C = num_features.
    Parameters weight (C,) = 1 and bias (C,) = 0; buffers running_mean, running_var,
    num_batches_tracked."""

    def _check_input(self, input):
        if input.ndim not in (2, 3) or input.shape[1] != self.num_features:
            raise self._input_error(f"(N, {self.num_features}) or (N, {self.num_features}, L)",
                                    input)


class BatchNorm2d(_BatchNorm):
    """Batch normalization of (N, C, H, W) inputs, per channel C = num_features."""

    def _check_input(self, input):
        if input.ndim != 4 or input.shape[1] != self.num_features:
            raise self._input_error(f"(N, {self.num_features}, H, W)", input)


class InstanceNorm2d(_NormBase):
    """Normalize each sample's channel over its H x W positions: (N, C, H, W) or (C, H, W).
    PyTorch's defaults: affine=False, track_running_stats=False (then the input statistics
    are used in eval mode too)."""

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
    """Normalize over the last dims given by normalized_shape (biased variance), then an
    elementwise affine map with weight (ones) and bias (zeros) of that shape."""

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
    """Normalize groups of num_channels // num_groups channels per sample (N, C, ...),
    then a per-channel affine map (weight ones, bias zeros)."""

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
    """Batch normalization of (N, C, D, H, W) inputs, per channel C = num_features."""

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
    PyTorch's defaults: affine=False, track_running_stats=False."""

    _spatial = 1


class InstanceNorm3d(_InstanceNormNd):
    """Normalize each sample's channel over its D x H x W positions: (N, C, D, H, W) or
    (C, D, H, W)."""

    _spatial = 3


class RMSNorm(Module):
    """x / sqrt(mean(x^2) + eps) over the last dims given by normalized_shape, times a learned
    weight (ones) of that shape, PyTorch's nn.RMSNorm. eps=None: the dtype's machine
    epsilon."""

    def __init__(self, normalized_shape, eps=None, elementwise_affine=True, dtype=None):
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        self.register_parameter("weight", Parameter(ag.ones(*self.normalized_shape, dtype=dtype))
                                if elementwise_affine else None)

    def reset_parameters(self):
        if self.weight is not None:
            with ag.no_grad():
                self.weight.fill_(1.0)

    def forward(self, input):
        return F.rms_norm(input, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class LocalResponseNorm(Module):
    """Normalize each channel by the squares of its `size` neighbouring channels (AlexNet):
    x / (k + alpha / size * sum x^2)^beta."""

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1.0):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input):
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
