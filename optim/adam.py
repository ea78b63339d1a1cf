"""Adam and its variants: AdamW (decoupled weight decay) and NAdam (Nesterov momentum)."""
import numpy as np

from .optimizer import (Optimizer, check_range, effective_grad, in_blocks, lerp_, step_state,
                        zeros_state)


def _check_adam_group(owner, group):
    check_range("lr", group["lr"], owner=owner)
    check_range("eps", group["eps"], owner=owner)
    betas = group["betas"]
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"{owner}: betas must be a pair (beta1, beta2), got {betas!r}")
    check_range("beta1", betas[0], 0.0, 1.0, high_open=True, owner=owner)
    check_range("beta2", betas[1], 0.0, 1.0, high_open=True, owner=owner)
    check_range("weight_decay", group["weight_decay"], owner=owner)


def _update_moments(m, v, g, beta1, beta2, tmp):
    """m <- beta1*m + (1-beta1)*g (as a lerp); v <- beta2*v + (1-beta2)*g*g."""
    lerp_(m, g, 1.0 - beta1, tmp)
    v *= beta2
    np.multiply(g, 1.0 - beta2, out=tmp)
    tmp *= g
    v += tmp


def _count_step(st):
    """Add one to the state's step counter and return the new count t as a float."""
    step = st["step"]._data
    t = step.item() + 1.0           # as step += 1 (a float64 counter), without a ufunc call
    step[()] = t
    return t


def _decayed_grad(data, grad, lr, wd, decoupled, maximize, out):
    """The gradient the rule sees. Decoupled weight decay (AdamW, NAdam's option) shrinks the
    weights here; otherwise it is folded into the gradient as L2. `out` is a work array."""
    if decoupled:
        if wd != 0:
            data *= 1.0 - lr * wd
        return effective_grad(grad, data, 0.0, maximize, out)
    return effective_grad(grad, data, wd, maximize, out)


class Adam(Optimizer):
    r"""Adam: momentum on the gradient plus a per-weight step size from the running mean of
    the squared gradient, both bias-corrected.

    The update, per parameter, at step t = 1, 2, ... (PyTorch's rule)::

        g = grad (-grad when maximize) + weight_decay * p     (L2, folded into g)
        m = beta1 * m + (1 - beta1) * g          first moment (momentum)
        v = beta2 * v + (1 - beta2) * g**2       second moment (mean squared gradient)
        v_max = max(v_max, v)                     amsgrad only; used instead of v below
        p = p - lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

    This is the textbook Adam (``m_hat = m / (1 - beta1**t)``, ``v_hat = v / (1 - beta2**t)``,
    ``p -= lr * m_hat / (sqrt(v_hat) + eps)``): the bias corrections undo the zero
    initialization of m and v during the first steps. eps is added after the bias correction
    of sqrt(v), as in PyTorch and the paper.

    Parameters
    ----------
    params : iterable of Tensor or of dict
        The parameters to optimize, or parameter groups (dicts with ``params`` and their own
        hyperparameters).
    lr : float, default 1e-3
        Learning rate.
    betas : (float, float), default (0.9, 0.999)
        Decay rates of the first and second moment averages, each in [0, 1).
    eps : float, default 1e-8
        Added to the denominator for numerical stability.
    weight_decay : float, default 0
        L2 penalty added to the gradient. Because it is then divided by sqrt(v) like the
        gradient, weights with large gradients are barely regularized; use AdamW for weight
        decay applied to every weight alike.
    amsgrad : bool, default False
        Divide by the running maximum of v (the AMSGrad variant).
    maximize : bool, default False
        Ascend the objective instead of descending it.
    foreach : bool, optional
        Accepted for compatibility; no effect (numpy has no multi-tensor kernels).
    fused : bool, optional
        True updates each group in one vectorised pass: its parameters, gradients and
        moment buffers become views of flat arrays (see ``glassgrad.optim.flat``), with
        results identical bit for bit to the default per-parameter path. Unlike PyTorch, a
        parameter's array is rebound to a view of the flat array on the first step, so numpy
        views taken of a parameter before that step no longer alias it.

    Raises
    ------
    ValueError
        A hyperparameter out of its range (e.g. a beta outside [0, 1), a negative lr).

    Notes
    -----
    State per parameter, as in PyTorch: ``step``, ``exp_avg`` (m), ``exp_avg_sq`` (v) and
    ``max_exp_avg_sq`` (with amsgrad).

    Examples
    --------
    Minimize ``(w ** 2).sum()`` for three steps:

    >>> from glassgrad import optim
    >>> w = gg.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = optim.Adam([w], lr=0.1)
    >>> for _ in range(3):
    ...     opt.zero_grad()
    ...     loss = (w ** 2).sum()
    ...     loss.backward()
    ...     _ = opt.step()
    >>> [round(v, 4) for v in w.tolist()]
    [0.7016, -1.7006]
    """
    _decoupled = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 amsgrad=False, *, maximize=False, foreach=None, fused=None):
        defaults = dict(lr=lr, betas=tuple(betas) if isinstance(betas, list) else betas,
                        eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize,
                        foreach=foreach, fused=fused)
        super().__init__(params, defaults)

    def _check_group(self, group):
        _check_adam_group(type(self).__name__, group)

    @staticmethod
    def _init_state(p, amsgrad):
        st = {"step": step_state(), "exp_avg": zeros_state(p), "exp_avg_sq": zeros_state(p)}
        if amsgrad:
            st["max_exp_avg_sq"] = zeros_state(p)
        return st

    def _update_group(self, group):
        lr, eps, wd = float(group["lr"]), float(group["eps"]), float(group["weight_decay"])
        beta1, beta2 = (float(b) for b in group["betas"])
        amsgrad, maximize = group["amsgrad"], group["maximize"]
        decoupled = self._decoupled
        names = ("exp_avg", "exp_avg_sq") + (("max_exp_avg_sq",) if amsgrad else ())
        flat, _ = self._one_pass(group, names, lambda p: self._init_state(p, amsgrad))
        t = _count_steps(self.state, group["params"]) if flat is not None else None
        if t is not None:
            in_blocks(_adam_update, (flat.params, flat.grads, flat.state["exp_avg"],
                                     flat.state["exp_avg_sq"], flat.state.get("max_exp_avg_sq"))
                      + self._flat_scratch(flat, 2), lr, wd, decoupled, maximize, beta1, beta2,
                      eps, lr / (1.0 - beta1 ** t), (1.0 - beta2 ** t) ** 0.5)
            for p in group["params"]:
                p._vbox[0] += 1
            return
        for p, st in self._with_state(group, lambda p: self._init_state(p, amsgrad)):
            if amsgrad and "max_exp_avg_sq" not in st:      # amsgrad switched on later
                st["max_exp_avg_sq"] = zeros_state(p)
            t = _count_step(st)
            m, v = st["exp_avg"]._data, st["exp_avg_sq"]._data
            vmax = st["max_exp_avg_sq"]._data if amsgrad else None
            in_blocks(_adam_update, (p._data, p.grad._data, m, v, vmax) + self._scratch(p, 2),
                      lr, wd, decoupled, maximize, beta1, beta2, eps, lr / (1.0 - beta1 ** t),
                      (1.0 - beta2 ** t) ** 0.5)
            p._vbox[0] += 1


def _count_steps(state, params):
    """Add one to the step counter of every parameter in `params` and return the new count as
    a float, if they all hold the same count; else return None without counting."""
    steps = [state[p]["step"]._data for p in params]
    first = steps[0].item()
    for s in steps:
        if s.item() != first:
            return None
    t = first + 1.0
    for s in steps:
        s[()] = t
    return t


def _adam_update(data, grad, m, v, vmax, s1, s2, lr, wd, decoupled, maximize, beta1, beta2,
                 eps, step_size, bias_correction2_sqrt):
    """One Adam step on one parameter's arrays, in place: `vmax` is amsgrad's running max of
    v (None without amsgrad); s1 and s2 are work arrays."""
    g = _decayed_grad(data, grad, lr, wd, decoupled, maximize, s1)
    _update_moments(m, v, g, beta1, beta2, s2)
    if vmax is not None:
        np.maximum(vmax, v, out=vmax)
        v = vmax
    # p -= step_size * m / (sqrt(v) / bc2 + eps), with bc2 multiplied through: one pass less
    denom = np.sqrt(v, out=s1)
    denom += eps * bias_correction2_sqrt
    np.divide(m, denom, out=s2)
    s2 *= -step_size * bias_correction2_sqrt
    data += s2


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov and Hutter).

    The update (PyTorch's rule)::

        p = p * (1 - lr * weight_decay)          shrink the weights directly ...
        then Adam's update with g = grad          ... instead of adding weight_decay * p to g

    With the L2 term folded into the gradient (Adam's weight_decay) the decay is divided by
    sqrt(v) like every gradient, so weights with large gradients are barely regularized.
    AdamW's decay shrinks every weight by the same factor, ``w = w - lr * weight_decay * w``.

    Parameters
    ----------
    params : iterable of Tensor or of dict
        The parameters to optimize, or parameter groups.
    lr : float, default 1e-3
        Learning rate.
    betas : (float, float), default (0.9, 0.999)
        Decay rates of the first and second moment averages.
    eps : float, default 1e-8
        Added to the denominator for numerical stability.
    weight_decay : float, default 1e-2
        Decoupled weight decay coefficient.
    amsgrad : bool, default False
        Divide by the running maximum of v (the AMSGrad variant).
    maximize : bool, default False
        Ascend the objective instead of descending it.
    foreach : bool, optional
        Accepted for compatibility; no effect (numpy has no multi-tensor kernels).
    fused : bool, optional
        True updates each group in one vectorised pass: its parameters, gradients and
        moment buffers become views of flat arrays (see ``glassgrad.optim.flat``), with
        results identical bit for bit to the default per-parameter path. Unlike PyTorch, a
        parameter's array is rebound to a view of the flat array on the first step, so numpy
        views taken of a parameter before that step no longer alias it.

    Raises
    ------
    ValueError
        A hyperparameter out of its range.

    Notes
    -----
    State per parameter: as Adam's.

    Examples
    --------
    Minimize ``(w ** 2).sum()`` for three steps:

    >>> from glassgrad import optim
    >>> w = gg.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = optim.AdamW([w], lr=0.1, weight_decay=0.1)
    >>> for _ in range(3):
    ...     opt.zero_grad()
    ...     loss = (w ** 2).sum()
    ...     loss.backward()
    ...     _ = opt.step()
    >>> [round(v, 4) for v in w.tolist()]
    [0.6751, -1.6444]
    """
    _decoupled = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, foreach=None, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         foreach=foreach, fused=fused)


class NAdam(Optimizer):
    r"""Adam with Nesterov momentum (Dozat), with PyTorch's momentum schedule.

    The update, per parameter, at step t = 1, 2, ...::

        g   = grad (-grad when maximize) + weight_decay * p  (or p *= 1 - lr*weight_decay
              first, with decoupled_weight_decay=True)
        mu_t = beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))     momentum warm-up
        mu_product = mu_1 * mu_2 * ... * mu_t
        m = beta1 * m + (1 - beta1) * g;   v = beta2 * v + (1 - beta2) * g**2
        denom = sqrt(v / (1 - beta2**t)) + eps
        p = p - lr * (1 - mu_t) / (1 - mu_product) * g / denom
              - lr * mu_{t+1} / (1 - mu_product * mu_{t+1}) * m / denom

    The two terms are Nesterov's look-ahead applied to Adam: the current gradient's share
    of the step plus the momentum the next step will carry, each bias-corrected by the
    product of the momentum coefficients.

    Parameters
    ----------
    params : iterable of Tensor or of dict
        The parameters to optimize, or parameter groups.
    lr : float, default 2e-3
        Learning rate.
    betas : (float, float), default (0.9, 0.999)
        Decay rates of the first and second moment averages.
    eps : float, default 1e-8
        Added to the denominator for numerical stability.
    weight_decay : float, default 0
        Weight decay coefficient (L2 in the gradient, or decoupled, see below).
    momentum_decay : float, default 4e-3
        How fast the momentum coefficient warms up to beta1.
    decoupled_weight_decay : bool, default False
        Shrink the weights directly as AdamW does instead of adding an L2 term to g.
    maximize : bool, default False
        Ascend the objective instead of descending it.

    Raises
    ------
    ValueError
        A hyperparameter out of its range.

    Notes
    -----
    State per parameter, as in PyTorch: ``step``, ``mu_product``, ``exp_avg``,
    ``exp_avg_sq``.

    Examples
    --------
    Minimize ``(w ** 2).sum()`` for three steps:

    >>> from glassgrad import optim
    >>> w = gg.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = optim.NAdam([w], lr=0.1)
    >>> for _ in range(3):
    ...     opt.zero_grad()
    ...     loss = (w ** 2).sum()
    ...     loss.backward()
    ...     _ = opt.step()
    >>> [round(v, 4) for v in w.tolist()]
    [0.7527, -1.7475]
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, maximize=False):
        defaults = dict(lr=lr, betas=tuple(betas) if isinstance(betas, list) else betas,
                        eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _check_group(self, group):
        _check_adam_group("NAdam", group)
        check_range("momentum_decay", group["momentum_decay"], owner="NAdam")

    @staticmethod
    def _init_state(p):
        return {"step": step_state(), "mu_product": step_state(1.0),
                "exp_avg": zeros_state(p), "exp_avg_sq": zeros_state(p)}

    def _update_group(self, group):
        lr, eps, wd = float(group["lr"]), float(group["eps"]), float(group["weight_decay"])
        beta1, beta2 = (float(b) for b in group["betas"])
        psi, maximize = float(group["momentum_decay"]), group["maximize"]
        decoupled = group["decoupled_weight_decay"]
        for p, st in self._with_state(group, self._init_state):
            data = p._data
            s1, s2, s3 = self._scratch(p, 3)
            t = _count_step(st)
            g = _decayed_grad(data, p.grad._data, lr, wd, decoupled, maximize, s1)
            mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * psi))
            mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * psi))
            mu_product = st["mu_product"]._data
            mu_product *= mu
            mu_prod = float(mu_product)
            m, v = st["exp_avg"]._data, st["exp_avg_sq"]._data
            _update_moments(m, v, g, beta1, beta2, s2)
            # s2 holds the denominator; the two numerators go through a third buffer
            denom = np.divide(v, 1.0 - beta2 ** t, out=s2)
            np.sqrt(denom, out=denom)
            denom += eps
            np.multiply(g, -lr * (1.0 - mu) / (1.0 - mu_prod), out=s3)
            s3 /= denom
            data += s3
            np.multiply(m, (-lr * mu_next) / (1.0 - mu_prod * mu_next), out=s3)
            s3 /= denom
            data += s3
            p._vbox[0] += 1
