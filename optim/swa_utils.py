"""Weight averaging (stochastic weight averaging, exponential moving averages) with
PyTorch's ``torch.optim.swa_utils`` names: AveragedModel, SWALR, update_bn and the averaging
functions.

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
    """An exponential moving average for ``AveragedModel(multi_avg_fn=...)``: updates every
    averaged tensor in place, ``ema = ema + (1 - decay) * (current - ema)`` (a lerp, as
    PyTorch's foreach version; integer tensors use ``ema * decay + current * (1 - decay)``).

    Parameters
    ----------
    decay : float, default 0.999

    Returns
    -------
    callable ``(averaged_list, current_list, num_averaged) -> None``
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
    """The running mean for ``AveragedModel(multi_avg_fn=...)``:
    ``avg = avg + (current - avg) / (num_averaged + 1)``, in place (a lerp for floats).

    When `num_averaged` is a Tensor (as AveragedModel passes it), the weight
    ``1 / (num_averaged + 1)`` is rounded to float32, as PyTorch computes it."""
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
    """An exponential moving average for ``AveragedModel(avg_fn=...)``: returns
    ``decay * ema + (1 - decay) * current`` for one tensor."""
    def ema_update(ema_param, current_param, num_averaged):
        return decay * ema_param + (1 - decay) * current_param
    return ema_update


def get_swa_avg_fn():
    """The running mean for ``AveragedModel(avg_fn=...)``: returns
    ``avg + (current - avg) / (num_averaged + 1)`` for one tensor."""
    def swa_update(averaged_param, current_param, num_averaged):
        return averaged_param + (current_param - averaged_param) / (num_averaged + 1)
    return swa_update


class AveragedModel(nn.Module):
    """A copy of `model` whose parameters are an average of `model`'s over the calls to
    ``update_parameters(model)``: the equal-weight running mean by default (SWA), or what
    `avg_fn` / `multi_avg_fn` compute (e.g. ``get_ema_multi_avg_fn(0.999)`` for an EMA).

    Parameters
    ----------
    model : Module
        Deep-copied into ``self.module``; ``forward`` calls the copy.
    device : optional
        Accepted for compatibility; there are no devices.
    avg_fn : callable, optional
        ``(averaged, current, num_averaged) -> new averaged`` for one tensor at a time.
    multi_avg_fn : callable, optional
        ``(averaged_list, current_list, num_averaged) -> None``, updating in place.
    use_buffers : bool, default False
        Average the buffers too (e.g. BatchNorm's running statistics) instead of copying
        them from `model` at each update.

    Attributes
    ----------
    module : Module
    n_averaged : Tensor
        An int64 buffer counting the updates (in the state_dict, as in PyTorch).

    Raises
    ------
    ValueError
        Both `avg_fn` and `multi_avg_fn` given (PyTorch asserts).
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
        """Fold `model`'s current parameters (and buffers, with use_buffers) into the
        average; the first call copies them."""
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
    """Recompute the running statistics of every BatchNorm layer of `model` with one pass
    over `loader` (after averaging weights, the running statistics no longer match them).

    Parameters
    ----------
    loader : iterable
        Batches: a Tensor, or a list/tuple whose first element is the input.
    model : Module
        Its BatchNorm layers are reset and then average the batches equally (momentum None
        for the pass; their momentum is restored afterwards), as is its train/eval mode.
    device : optional
        Accepted for compatibility; there are no devices.
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
    """Anneal each group's lr to a constant `swa_lr` over `anneal_epochs` epochs (cosine or
    linear), for the averaging phase of SWA; PyTorch's schedule, value for value.

    Parameters
    ----------
    optimizer : Optimizer
    swa_lr : float or list of float (one per group)
    anneal_epochs : int, default 10
        0 jumps to swa_lr at once.
    anneal_strategy : {'cos', 'linear'}
    last_epoch : int, default -1

    Raises
    ------
    ValueError
        Unknown `anneal_strategy`, negative or non-int `anneal_epochs`, a list of the wrong
        length.
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
        """The fraction of the way from the current lr to swa_lr at progress t in [0, 1]."""
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
