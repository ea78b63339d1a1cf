"""Shared fixtures for the optim tests: a small MLP written with raw tensors, its data, and a
runner that records the parameters after every optimizer step."""
import numpy as np

from glassgrad import autograd as ag

SIZES = (5, 7, 3)          # inputs, hidden units, classes
N = 16                     # examples


def mlp_data(seed=0):
    """Initial parameters [W1, b1, W2, b2] and a fixed batch (x, y), all float64 ndarrays."""
    rng = np.random.default_rng(seed)
    d, h, c = SIZES
    params = [rng.standard_normal((d, h)) * 0.5, rng.standard_normal(h) * 0.1,
              rng.standard_normal((h, c)) * 0.5, rng.standard_normal(c) * 0.1]
    x = rng.standard_normal((N, d))
    y = rng.integers(0, c, size=N)
    return params, x, y


def mlp_loss(params, x, y):
    """Cross-entropy of relu(x @ W1 + b1) @ W2 + b2, via log_softmax and indexing."""
    w1, b1, w2, b2 = params
    logits = (x @ w1 + b1).relu() @ w2 + b2
    logp = logits.log_softmax(dim=1)
    return -logp[np.arange(len(y)), y].mean()


def run_glassgrad(make_opt, steps, seed=0, dtype=np.float64):
    """Train the MLP with `make_opt(params)`; return the parameters after every step."""
    arrays, x, y = mlp_data(seed)
    params = [ag.tensor(a.astype(dtype), requires_grad=True) for a in arrays]
    xt = ag.tensor(x.astype(dtype))
    opt = make_opt(params)
    history = []
    for _ in range(steps):
        opt.zero_grad()
        mlp_loss(params, xt, y).backward()
        opt.step()
        history.append([p.numpy().copy() for p in params])
    return history
