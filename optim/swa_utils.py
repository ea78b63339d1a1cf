"""Weight averaging (stochastic weight averaging, exponential moving averages) with
PyTorch's ``torch.optim.swa_utils`` names: AveragedModel, SWALR, update_bn and the averaging
functions::

    swa_model = AveragedModel(model)
    swa_sched = SWALR(opt, swa_lr=0.05)
    for epoch in range(epochs):
        train_one_epoch(model, opt)
        if epoch >= swa_start:
            swa_model.update_parameters(model)
            swa_sched.step()
    update_bn(train_loader, swa_model)         # recompute BatchNorm statistics
"""
import copy
import itertools
import math

import numpy as np

from glassgrad import autograd as ag
from glassgrad import nn
from glassgrad.autograd import Tensor, no_grad

from .lr_scheduler import LRScheduler, _format_param
from .optimizer import lerp_

__all__ = ["AveragedModel", "SWALR", "update_bn", "get_ema_multi_avg_fn",
           "get_swa_multi_avg_fn", "get_ema_avg_fn", "get_swa_avg_fn"]


def _lerp_inplace(tensor, end, weight):
    """tensor <- tensor + weight * (end - tensor), rounded as torch.lerp_ rounds."""
    lerp_(tensor._data, np.asarray(end._data, dtype=tensor.dtype), weight,
          np.empty_like(tensor._data))
    tensor._vbox[0] += 1


def get_ema_multi_avg_fn(decay=0.999):
    """An exponential moving average for ``AveragedModel(multi_avg_fn=...)``.

    The returned function updates every averaged tensor in place, ``ema = ema + (1 - decay) *
    (current - ema)`` (a lerp, as PyTorch's foreach version; integer tensors use ``ema *
    decay + current * (1 - decay)``).

    Parameters
    ----------
    decay : float, optional
        Weight of the previous average. Default 0.999.

    Returns
    -------
    callable
        ``(averaged_list, current_list, num_averaged) -> None``.
    """
    def ema_update(ema_param_list, current_param_list, _num_averaged):
        with no_grad():
            for ema, current in zip(ema_param_list, current_param_list):
                if ema.dtype.kind in "fc":
                    _lerp_inplace(ema, current, 1 - decay)
                else:
                    ema.copy_(ema * decay + current * (1 - decay))
    return ema_update


def get_swa_multi_avg_fn():
    """The running mean for ``AveragedModel(multi_avg_fn=...)``.

    The returned function updates in place ``avg = avg + (current - avg) / (num_averaged +
    1)`` (a lerp for floats). When `num_averaged` is a Tensor (as AveragedModel passes it),
    the weight ``1 / (num_averaged + 1)`` is rounded to float32, as PyTorch computes it.

    Returns
    -------
    callable
        ``(averaged_list, current_list, num_averaged) -> None``.
    """
    def swa_update(averaged_param_list, current_param_list, num_averaged):
        if isinstance(num_averaged, Tensor):
            # PyTorch divides 1 by the int64 count tensor, which gives a float32 weight
            weight = float(np.float32(1) / np.float32(num_averaged.item() + 1))
        else:
            weight = 1.0 / (num_averaged + 1)
        with no_grad():
            for avg, current in zip(averaged_param_list, current_param_list):
                if avg.dtype.kind in "fc":
                    _lerp_inplace(avg, current, weight)
                else:
                    avg.add_((current - avg) * weight)
    return swa_update


def get_ema_avg_fn(decay=0.999):
    """An exponential moving average for ``AveragedModel(avg_fn=...)``, one tensor at a time.

    Parameters
    ----------
    decay : float, optional
        Weight of the previous average. Default 0.999.

    Returns
    -------
    callable
        ``(ema, current, num_averaged) -> decay * ema + (1 - decay) * current``.
    """
    def ema_update(ema_param, current_param, num_averaged):
        return decay * ema_param + (1 - decay) * current_param
    return ema_update


def get_swa_avg_fn():
    """The running mean for ``AveragedModel(avg_fn=...)``, one tensor at a time.

    Returns
    -------
    callable
        ``(avg, current, num_averaged) -> avg + (current - avg) / (num_averaged + 1)``.
    """
    def swa_update(averaged_param, current_param, num_averaged):
        return averaged_param + (current_param - averaged_param) / (num_averaged + 1)
    return swa_update


class AveragedModel(nn.Module):
    """A copy of `model` whose parameters are an average of `model`'s over time.

    Each call to ``update_parameters(model)`` folds the model's current weights in: the
    equal-weight running mean by default (stochastic weight averaging, SWA), or what `avg_fn`
    / `multi_avg_fn` compute (e.g. ``get_ema_multi_avg_fn(0.999)`` for an exponential moving
    average).

    Parameters
    ----------
    model : Module
        Deep-copied into ``self.module``; ``forward`` calls the copy.
    device : optional
        Accepted for compatibility; there are no devices. Default None.
    avg_fn : callable, optional
        ``(averaged, current, num_averaged) -> new averaged`` for one tensor at a time.
        Default None.
    multi_avg_fn : callable, optional
        ``(averaged_list, current_list, num_averaged) -> None``, updating in place. Default
        None.
    use_buffers : bool, optional
        Average the buffers too (e.g. BatchNorm's running statistics) instead of copying
        them from `model` at each update. Default False.

    Attributes
    ----------
    module : Module
        The averaged copy.
    n_averaged : Tensor
        An int64 0-d buffer counting the updates (in the state_dict, as in PyTorch).

    Raises
    ------
    ValueError
        If both `avg_fn` and `multi_avg_fn` are given (PyTorch asserts).

    Examples
    --------
    >>> model = gg.nn.Linear(1, 1, bias=False)
    >>> swa = gg.optim.swa_utils.AveragedModel(model)
    >>> for value in (1.0, 2.0, 6.0):
    ...     _ = gg.nn.init.constant_(model.weight, value)
    ...     swa.update_parameters(model)
    >>> swa.module.weight
    Parameter containing:
    tensor([[3.]], requires_grad=True)
    """

    def __init__(self, model, device=None, avg_fn=None, multi_avg_fn=None, use_buffers=False):
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise ValueError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = copy.deepcopy(model)
        self.register_buffer("n_averaged", ag.tensor(0, dtype=np.int64))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def update_parameters(self, model):
        """Fold `model`'s current parameters (and buffers, with `use_buffers`) into the average.

        The first call copies them. Without `use_buffers`, the buffers are copied from `model`.
        ``n_averaged`` grows by one.

        Parameters
        ----------
        model : Module
            A model with the same architecture as the averaged one (parameters are paired in
            order).
        """
        if self.use_buffers:
            mine = itertools.chain(self.module.parameters(), self.module.buffers())
            theirs = itertools.chain(model.parameters(), model.buffers())
        else:
            mine, theirs = self.module.parameters(), model.parameters()
        n = int(self.n_averaged.item())
        with no_grad():
            pairs = [(a.detach(), b.detach()) for a, b in zip(mine, theirs)]
            if n == 0:
                for averaged, current in pairs:
                    averaged.copy_(current)
            elif self.multi_avg_fn is not None:
                self.multi_avg_fn([a for a, _ in pairs], [b for _, b in pairs],
                                  self.n_averaged)
            else:
                avg_fn = self.avg_fn if self.avg_fn is not None else get_swa_avg_fn()
                for averaged, current in pairs:
                    averaged.copy_(avg_fn(averaged, current, self.n_averaged))
            if not self.use_buffers:
                for b_avg, b_model in zip(self.module.buffers(), model.buffers()):
                    b_avg.detach().copy_(b_model.detach())
            self.n_averaged.add_(1)


def update_bn(loader, model, device=None):
    """Recompute the running statistics of every BatchNorm layer of `model` with one pass over
    `loader`.

    After averaging weights, the running statistics no longer match them. The layers are
    reset and then average the batches equally (momentum None during the pass; their momentum
    is restored afterwards), as is the model's train/eval mode. Nothing happens without
    BatchNorm layers.

    Parameters
    ----------
    loader : iterable
        Batches: a Tensor, or a list/tuple whose first element is the input.
    model : Module
        The model whose BatchNorm layers are updated in place.
    device : optional
        Accepted for compatibility; there are no devices. Default None.
    """
    momenta = {}
    for module in model.modules():
        if isinstance(module, nn.normalization._BatchNorm):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    with no_grad():
        for batch in loader:
            if isinstance(batch, (list, tuple)):
                batch = batch[0]
            model(batch)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)


class SWALR(LRScheduler):
    """Anneal each group's learning rate to a constant `swa_lr` over `anneal_epochs` epochs.

    For the averaging phase of SWA; cosine or linear annealing, PyTorch's schedule, value for
    value.

    Parameters
    ----------
    optimizer : Optimizer
        The wrapped optimizer.
    swa_lr : float or list of float
        The final learning rate (one per group for a list).
    anneal_epochs : int, optional
        Number of epochs of the annealing; 0 jumps to `swa_lr` at once. Default 10.
    anneal_strategy : {'cos', 'linear'}, optional
        Default ``'cos'``.
    last_epoch : int, optional
        The index of the last epoch, to resume a schedule. Default -1 (start).

    Raises
    ------
    ValueError
        For an unknown `anneal_strategy`, a negative or non-int `anneal_epochs`, or a list of
        the wrong length.
    """

    def __init__(self, optimizer, swa_lr, anneal_epochs=10, anneal_strategy="cos",
                 last_epoch=-1):
        for value, group in zip(_format_param("swa_lr", optimizer, swa_lr),
                                optimizer.param_groups):
            group["swa_lr"] = value
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got "
                             f"{anneal_strategy}")
        self._anneal_strategy = anneal_strategy
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got "
                             f"{anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    def anneal_func(self, t):
        """The fraction of the way from the current learning rate to `swa_lr` at progress `t`.

        Parameters
        ----------
        t : float
            Progress of the annealing, in [0, 1].

        Returns
        -------
        float
            ``(1 - cos(pi t)) / 2`` for ``'cos'``, ``t`` for ``'linear'``.
        """
        if self._anneal_strategy == "cos":
            return (1 - math.cos(math.pi * t)) / 2
        return t

    @staticmethod
    def _get_initial_lr(lr, swa_lr, alpha):
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def get_lr(self):
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_t = max(0, min(1, (step - 1) / max(1, self.anneal_epochs)))
        prev_alpha = self.anneal_func(prev_t)
        prev_lrs = [self._get_initial_lr(group["lr"], group["swa_lr"], prev_alpha)
                    for group in self.optimizer.param_groups]
        t = max(0, min(1, step / max(1, self.anneal_epochs)))
        alpha = self.anneal_func(t)
        return [group["swa_lr"] * alpha + lr * (1 - alpha)
                for group, lr in zip(self.optimizer.param_groups, prev_lrs)]
