"""RMSprop: per-weight learning rates from a moving average of squared gradients."""
import numpy as np

from .optimizer import Optimizer, check_range, effective_grad, lerp_, step_state, zeros_state


class RMSprop(Optimizer):
    r"""RMSprop (Hinton's Coursera lecture 6e): divide each step by a running root mean square
    of the gradient.

    The update, per parameter (PyTorch's rule)::

        g = grad (-grad when maximize) + weight_decay * p
        v = alpha * v + (1 - alpha) * g**2               moving average of squared gradients
        centered: a = alpha * a + (1 - alpha) * g;  v_hat = v - a**2   (else v_hat = v)
        d = sqrt(v_hat) + eps
        momentum > 0: b = momentum * b + g / d;  p = p - lr * b
        otherwise:    p = p - lr * g / d

    The textbook form ``cache = decay_rate * cache + (1 - decay_rate) * dx**2;
    x -= lr * dx / (sqrt(cache) + eps)`` is this rule with decay_rate = alpha and
    cache = v. ``centered`` divides by an estimate of the gradient's standard deviation
    rather than its root mean square.

    Parameters
    ----------
    params : iterable of Tensor or of dict
        The parameters to optimize, or parameter groups.
    lr : float, default 1e-2
        Learning rate.
    alpha : float, default 0.99
        Decay rate of the squared-gradient average.
    eps : float, default 1e-8
        Added to the denominator for numerical stability.
    weight_decay : float, default 0
        L2 penalty added to the gradient.
    momentum : float, default 0
        Momentum factor.
    centered : bool, default False
        Normalize by the gradient's estimated variance instead of its mean square.
    maximize : bool, default False
        Ascend the objective instead of descending it.

    Raises
    ------
    ValueError
        A hyperparameter out of its range.

    Notes
    -----
    State per parameter, as in PyTorch: ``step``, ``square_avg`` (v), ``momentum_buffer``
    (b, when momentum > 0), ``grad_avg`` (a, when centered).

    Examples
    --------
    Minimize ``(w ** 2).sum()`` for three steps:

    >>> from glassgrad import optim
    >>> w = gg.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = optim.RMSprop([w], lr=0.01)
    >>> for _ in range(3):
    ...     opt.zero_grad()
    ...     loss = (w ** 2).sum()
    ...     loss.backward()
    ...     _ = opt.step()
    >>> [round(v, 4) for v in w.tolist()]
    [0.78, -1.7753]
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                 centered=False, *, maximize=False):
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                        momentum=momentum, centered=centered, maximize=maximize)
        super().__init__(params, defaults)

    def _check_group(self, group):
        for key in ("lr", "eps", "momentum", "weight_decay"):
            check_range(key, group[key], owner="RMSprop")
        check_range("alpha", group["alpha"], 0.0, 1.0, owner="RMSprop")

    @staticmethod
    def _init_state(p, momentum, centered):
        st = {"step": step_state(), "square_avg": zeros_state(p)}
        if momentum > 0:
            st["momentum_buffer"] = zeros_state(p)
        if centered:
            st["grad_avg"] = zeros_state(p)
        return st

    def _update_group(self, group):
        lr, alpha, eps = float(group["lr"]), float(group["alpha"]), float(group["eps"])
        wd, momentum = float(group["weight_decay"]), float(group["momentum"])
        centered, maximize = group["centered"], group["maximize"]
        for p, st in self._with_state(group, lambda p: self._init_state(p, momentum, centered)):
            data = p._data
            for key, wanted in (("momentum_buffer", momentum > 0), ("grad_avg", centered)):
                if wanted and key not in st:     # options switched on after the first step
                    st[key] = zeros_state(p)
            st["step"]._data += 1
            s1, s2, s3 = self._scratch(p, 3)
            g = effective_grad(p.grad._data, data, wd, maximize, s1)
            v = st["square_avg"]._data
            v *= alpha
            np.multiply(g, 1.0 - alpha, out=s2)
            s2 *= g
            v += s2
            if centered:
                a = st["grad_avg"]._data
                lerp_(a, g, 1.0 - alpha, s2)
                np.multiply(a, -1.0, out=s2)
                s2 *= a
                s2 += v
                avg = np.sqrt(s2, out=s2)
            else:
                avg = np.sqrt(v, out=s2)
            avg += eps
            if momentum > 0:
                b = st["momentum_buffer"]._data
                b *= momentum
                np.divide(g, avg, out=s3)
                b += s3
                np.multiply(b, lr, out=s3)
                data -= s3
            else:
                np.multiply(g, -lr, out=s3)
                s3 /= avg
                data += s3
            p._vbox[0] += 1
