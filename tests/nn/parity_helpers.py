"""Parity checks of nn.functional-style callables against their PyTorch twins in float64:
the output, and the gradient of every float input for a random upstream gradient."""
import numpy as np

from glassgrad import autograd as ag


def rnd(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def check_fn(ours, theirs, *arrays, atol=1e-10, rtol=1e-8, grad=True, constant=()):
    """Run ours(*glassgrad tensors) and theirs(*torch tensors) on the same float64/int
    arrays; compare outputs (a tensor or a tuple whose first entry is differentiated) and
    the gradients of the float inputs (except the positions listed in `constant`). Returns
    both outputs."""
    import torch
    xs, ts = [], []
    for i, a in enumerate(arrays):
        a = np.asarray(a)
        if a.dtype.kind in "iub":
            xs.append(ag.tensor(a))
            ts.append(torch.from_numpy(a.copy()))
        else:
            a = a.astype(np.float64)
            req = grad and i not in constant
            xs.append(ag.tensor(a, requires_grad=req))
            ts.append(torch.tensor(a, requires_grad=req))
    out, tout = ours(*xs), theirs(*ts)
    outs = out if isinstance(out, tuple) else (out,)
    touts = tout if isinstance(tout, tuple) else (tout,)
    assert len(outs) == len(touts)
    for o, t in zip(outs, touts):
        assert tuple(o.shape) == tuple(t.shape), (o.shape, t.shape)
        np.testing.assert_allclose(o.numpy(), t.detach().numpy(), atol=atol, rtol=rtol)
    if grad and any(t.requires_grad for t in ts):
        g = np.random.default_rng(1).standard_normal(outs[0].shape)
        outs[0].backward(ag.tensor(g))
        touts[0].backward(torch.from_numpy(g))
        for x, t in zip(xs, ts):
            if t.requires_grad:
                assert x.grad is not None, "missing gradient"
                np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), atol=atol, rtol=rtol)
    return out, tout


def gradcheck_fn(fn, *arrays, second_order=True):
    """gradcheck (and gradgradcheck) of fn w.r.t. every float array, in float64."""
    xs = [ag.tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in arrays]
    assert ag.gradcheck(fn, xs)
    if second_order:
        assert ag.gradgradcheck(fn, xs)
