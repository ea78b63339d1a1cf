"""Adadelta: RMSprop whose step is scaled by a moving average of past steps."""
import numpy as np

from .optimizer import Optimizer, check_range, effective_grad, step_state, zeros_state


class Adadelta(Optimizer):
    r"""Adadelta (Zeiler): an Adagrad whose step sizes need no learning rate tuning.

    The update, per parameter (PyTorch's rule)::

        g = grad (-grad when maximize) + weight_decay * p
        v = rho * v + (1 - rho) * g**2                 moving average of squared gradients
        delta = sqrt(u + eps) / sqrt(v + eps) * g      step in units of past steps
        u = rho * u + (1 - rho) * delta**2             moving average of squared steps
        p = p - lr * delta

    Like RMSprop it forgets old gradients (a moving average instead of Adagrad's growing
    sum), and the ratio sqrt(u) / sqrt(v) gives the step the units of the parameter, so
    lr = 1 (the default) works without tuning.

    Parameters
    ----------
    params : iterable of Tensor or of dict
        The parameters to optimize, or parameter groups.
    lr : float, default 1.0
        Scales the computed step.
    rho : float, default 0.9
        Decay rate of both moving averages.
    eps : float, default 1e-6
        Added inside both square roots for numerical stability.
    weight_decay : float, default 0
        L2 penalty added to the gradient.
    maximize : bool, default False
        Ascend the objective instead of descending it.

    Raises
    ------
    ValueError
        A hyperparameter out of its range.

    Notes
    -----
    State per parameter, as in PyTorch: ``step``, ``square_avg`` (v), ``acc_delta`` (u).

    Examples
    --------
    Minimize ``(w ** 2).sum()`` for three steps:

    >>> from glassgrad import optim
    >>> w = gg.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = optim.Adadelta([w], lr=1.0)
    >>> for _ in range(3):
    ...     opt.zero_grad()
    ...     loss = (w ** 2).sum()
    ...     loss.backward()
    ...     _ = opt.step()
    >>> [round(v, 4) for v in w.tolist()]
    [0.9903, -1.9903]
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0, *,
                 maximize=False):
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _check_group(self, group):
        for key in ("lr", "eps", "weight_decay"):
            check_range(key, group[key], owner="Adadelta")
        check_range("rho", group["rho"], 0.0, 1.0, owner="Adadelta")

    @staticmethod
    def _init_state(p):
        return {"step": step_state(), "square_avg": zeros_state(p),
                "acc_delta": zeros_state(p)}

    def _update_group(self, group):
        lr, rho, eps = float(group["lr"]), float(group["rho"]), float(group["eps"])
        wd, maximize = float(group["weight_decay"]), group["maximize"]
        for p, st in self._with_state(group, self._init_state):
            data = p._data
            st["step"]._data += 1
            s1, s2, s3 = self._scratch(p, 3)
            g = effective_grad(p.grad._data, data, wd, maximize, s1)
            v, u = st["square_avg"]._data, st["acc_delta"]._data
            v *= rho
            np.multiply(g, 1.0 - rho, out=s2)
            s2 *= g
            v += s2
            std = np.add(v, eps, out=s2)
            np.sqrt(std, out=std)
            delta = np.add(u, eps, out=s3)
            np.sqrt(delta, out=delta)
            delta /= std
            delta *= g
            u *= rho
            np.multiply(delta, 1.0 - rho, out=s2)
            s2 *= delta
            u += s2
            np.multiply(delta, lr, out=s2)
            data -= s2
            p._vbox[0] += 1
