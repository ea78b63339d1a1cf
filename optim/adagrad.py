"""Adagrad: per-weight learning rates from the sum of all past squared gradients."""
import numpy as np

from glassgrad.autograd import Tensor

from .optimizer import Optimizer, check_range, effective_grad, step_state


class Adagrad(Optimizer):
    r"""Adagrad (Duchi et al.): per-weight step sizes from the sum of all squared gradients.

    The update, per parameter, at step t = 1, 2, ... (PyTorch's rule)::

        g = grad (-grad when maximize) + weight_decay * p
        lr_t = lr / (1 + (t - 1) * lr_decay)
        sum = sum + g**2
        p = p - lr_t * g / (sqrt(sum) + eps)

    Weights that keep receiving large gradients get small steps, rarely-updated weights get
    large ones. Since the sum only grows, the step size decays towards zero (RMSprop and
    Adadelta replace the sum by a moving average).

    Parameters
    ----------
    params : iterable of Tensor or of dict
        The parameters to optimize, or parameter groups.
    lr : float, default 1e-2
        Learning rate.
    lr_decay : float, default 0
        Learning-rate decay per step (see lr_t above).
    weight_decay : float, default 0
        L2 penalty added to the gradient.
    initial_accumulator_value : float, default 0
        Starting value of ``sum``.
    eps : float, default 1e-10
        Added to the denominator for numerical stability.
    maximize : bool, default False
        Ascend the objective instead of descending it.

    Raises
    ------
    ValueError
        A hyperparameter out of its range.

    Notes
    -----
    State per parameter: ``step`` and ``sum``, created for every parameter at construction
    (as in PyTorch).

    Examples
    --------
    Minimize ``(w ** 2).sum()`` for three steps:

    >>> from glassgrad import optim
    >>> w = gg.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = optim.Adagrad([w], lr=0.1)
    >>> for _ in range(3):
    ...     opt.zero_grad()
    ...     loss = (w ** 2).sum()
    ...     loss.backward()
    ...     _ = opt.step()
    >>> [round(v, 4) for v in w.tolist()]
    [0.7805, -1.7758]
    """

    def __init__(self, params, lr=1e-2, lr_decay=0.0, weight_decay=0.0,
                 initial_accumulator_value=0.0, eps=1e-10, *, maximize=False):
        defaults = dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, eps=eps,
                        maximize=maximize)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p] = self._init_state(p, group["initial_accumulator_value"])

    def _check_group(self, group):
        for key in ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps"):
            check_range(key, group[key], owner="Adagrad")

    @staticmethod
    def _init_state(p, initial):
        return {"step": step_state(), "sum": Tensor(np.full_like(p._data, initial))}

    def _update_group(self, group):
        lr, lr_decay = float(group["lr"]), float(group["lr_decay"])
        eps, wd, maximize = float(group["eps"]), float(group["weight_decay"]), group["maximize"]
        initial = group["initial_accumulator_value"]
        for p, st in self._with_state(group, lambda p: self._init_state(p, initial)):
            data = p._data
            step = st["step"]._data
            step += 1
            clr = lr / (1.0 + (float(step) - 1.0) * lr_decay)
            s1, s2 = self._scratch(p, 2)
            g = effective_grad(p.grad._data, data, wd, maximize, s1)
            acc = st["sum"]._data
            np.multiply(g, g, out=s2)
            acc += s2
            std = np.sqrt(acc, out=s2)
            std += eps
            np.multiply(g, -clr, out=s1)      # s1 may hold g itself: fine, elementwise
            s1 /= std
            data += s1
            p._vbox[0] += 1
