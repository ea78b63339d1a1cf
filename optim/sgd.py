"""Stochastic gradient descent, with momentum, Nesterov momentum and weight decay."""
import numpy as np

from glassgrad.autograd import Tensor

from .optimizer import Optimizer, check_range, effective_grad, in_blocks


class SGD(Optimizer):
    r"""Stochastic gradient descent, optionally with momentum or Nesterov momentum.

    The update, per parameter (PyTorch's rule)::

        g = grad                      (-grad when maximize=True)
        g = g + weight_decay * p      (L2 regularization)
        if momentum:
            b = g                                    on the first step
            b = momentum * b + (1 - dampening) * g   afterwards
            g = g + momentum * b  if nesterov  else  b
        p = p - lr * g

    The velocity ``b`` is kept before scaling by the learning rate (the textbook form
    ``v = mu * v - lr * grad; p = p + v`` has ``v = -lr * b``): the trajectory is the same
    while the learning rate is constant, but a learning-rate change takes effect at once
    instead of fading in through the velocity. Nesterov momentum, usually written as the
    gradient taken at the looked-ahead point ``p + mu * v``, becomes after a change of
    variables to that point the form above: a step along ``g + momentum * b``.

    Parameters
    ----------
    params : iterable of Tensor or of dict
        The parameters to optimize (e.g. ``model.parameters()``), or parameter groups:
        dicts with a ``params`` entry and any hyperparameters that differ for that group.
    lr : float, default 1e-3
        Learning rate.
    momentum : float, default 0
        Momentum factor; 0 is plain gradient descent.
    dampening : float, default 0
        Scales the gradient's share of the velocity by ``1 - dampening``.
    weight_decay : float, default 0
        L2 penalty coefficient, added to the gradient as ``weight_decay * p``.
    nesterov : bool, default False
        Nesterov momentum; needs ``momentum > 0`` and ``dampening == 0``.
    maximize : bool, default False
        Ascend the objective instead of descending it.
    foreach, fused : bool, optional
        As in Adam: ``fused=True`` updates each group in one vectorised pass over flat
        arrays, bit for bit as the per-parameter path; ``foreach`` has no effect.

    Raises
    ------
    ValueError
        A negative lr, momentum or weight_decay, or nesterov without momentum or with
        dampening.

    Notes
    -----
    State per parameter: ``momentum_buffer`` (b) when ``momentum != 0``, as in PyTorch.

    Examples
    --------
    Minimize ``(w ** 2).sum()`` for three steps:

    >>> from glassgrad import optim
    >>> w = gg.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = optim.SGD([w], lr=0.1, momentum=0.9)
    >>> for _ in range(3):
    ...     opt.zero_grad()
    ...     loss = (w ** 2).sum()
    ...     loss.backward()
    ...     _ = opt.step()
    >>> [round(v, 4) for v in w.tolist()]
    [0.062, -0.124]
    """

    def __init__(self, params, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0,
                 nesterov=False, *, maximize=False, foreach=None, fused=None):
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize,
                        foreach=foreach, fused=fused)
        super().__init__(params, defaults)

    def _check_group(self, group):
        check_range("lr", group["lr"], owner="SGD")
        check_range("momentum", group["momentum"], owner="SGD")
        check_range("weight_decay", group["weight_decay"], owner="SGD")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(f"SGD: Nesterov momentum requires momentum > 0 and dampening = 0, "
                             f"got momentum={group['momentum']}, "
                             f"dampening={group['dampening']}")

    def _update_group(self, group):
        lr, mu = float(group["lr"]), float(group["momentum"])
        damp, wd = float(group["dampening"]), float(group["weight_decay"])
        nesterov, maximize = group["nesterov"], group["maximize"]
        names = ("momentum_buffer",) if mu != 0 else ()
        flat, fresh = self._one_pass(group, names, lambda p: {"momentum_buffer": Tensor(
            np.empty_like(p._data))})
        if flat is not None:
            s1, s2 = self._flat_scratch(flat, 2)
            in_blocks(_sgd_update, (flat.params, flat.grads, flat.state.get("momentum_buffer"),
                                    s1, s2), fresh, lr, mu, damp, wd, nesterov, maximize)
            for p in group["params"]:
                p._vbox[0] += 1
            return
        for p in group["params"]:
            if p.grad is None:
                continue
            b, fresh = None, False
            if mu != 0:
                st = self.state[p]
                buf = st.get("momentum_buffer")
                fresh = buf is None
                if fresh:
                    buf = st["momentum_buffer"] = Tensor(np.empty_like(p._data))
                b = buf._data
            in_blocks(_sgd_update, (p._data, p.grad._data, b) + self._scratch(p, 2), fresh, lr,
                      mu, damp, wd, nesterov, maximize)
            p._vbox[0] += 1


def _sgd_update(data, grad, b, s1, s2, fresh, lr, mu, damp, wd, nesterov, maximize):
    """One SGD step over arrays, in place (one parameter's, or a fused group's flat arrays):
    `b` is the momentum buffer (None without momentum), `fresh` says it is filled with the
    gradient instead of updated; s1, s2 are work arrays."""
    g = effective_grad(grad, data, wd, maximize, s1)
    if b is not None:
        if fresh:
            np.copyto(b, g)
        else:
            b *= mu
            if damp == 0:
                b += g
            else:
                np.multiply(g, 1.0 - damp, out=s2)
                b += s2
        if nesterov:
            np.multiply(b, mu, out=s2)
            np.add(g, s2, out=s2)
            g = s2
        else:
            g = b
    out = s2 if g is not s2 else s1
    np.multiply(g, lr, out=out)
    data -= out
