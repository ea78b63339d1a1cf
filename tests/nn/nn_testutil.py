"""Shared checks for the nn tests: gradcheck of a module w.r.t. input and parameters, and
output/gradient parity with a PyTorch twin."""
import numpy as np

from glassgrad import autograd as ag


def gradcheck_module(module, *inputs, seed=None, atol=1e-5, rtol=1e-3):
    """ag.gradcheck of module(*inputs) w.r.t. every float input and every parameter (the
    module must already be float64). `seed` reseeds before each call (for dropout)."""
    params = [p for p in module.parameters() if p.requires_grad]
    n = len(inputs)

    def fn(*args):
        if seed is not None:
            ag.manual_seed(seed)
        return module(*args[:n])

    return ag.gradcheck(fn, list(inputs) + params, atol=atol, rtol=rtol)


def to_torch_state(module):
    import torch
    return {k: torch.from_numpy(np.array(v.numpy())) for k, v in module.state_dict().items()}


def compare_with_torch(ours, theirs, *arrays, atol=1e-10, rtol=1e-7, int_inputs=(),
                       check_state=True):
    """Copy our weights into the torch twin, run both in float64 on `arrays` and compare the
    outputs, the gradients of every float input and of every parameter, and (afterwards)
    the state dicts (running statistics). Our module must be float64 already."""
    import torch
    theirs.double()
    theirs.load_state_dict(to_torch_state(ours))
    theirs.train(ours.training)
    xs, ts = [], []
    for i, a in enumerate(arrays):
        a = np.asarray(a)
        if i in int_inputs or a.dtype.kind in "iu":
            xs.append(ag.tensor(a))
            ts.append(torch.from_numpy(a.copy()))
        else:
            xs.append(ag.tensor(a.astype(np.float64), requires_grad=True))
            ts.append(torch.tensor(a.astype(np.float64), requires_grad=True))
    out = ours(*xs)
    tout = theirs(*ts)
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), atol=atol, rtol=rtol)
    g = np.random.default_rng(1).standard_normal(out.shape)
    out.backward(ag.tensor(g))
    tout.backward(torch.from_numpy(g))
    for x, t in zip(xs, ts):
        if t.requires_grad:
            np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), atol=atol, rtol=rtol)
    tparams = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        assert (p.grad is None) == (tparams[name].grad is None), name
        if p.grad is not None:
            np.testing.assert_allclose(p.grad.numpy(), tparams[name].grad.numpy(), atol=atol,
                                       rtol=rtol, err_msg=name)
    if check_state:
        tstate = theirs.state_dict()
        for k, v in ours.state_dict().items():
            np.testing.assert_allclose(v.numpy(), tstate[k].numpy(), atol=atol, rtol=rtol,
                                       err_msg=k)
    return out, tout
