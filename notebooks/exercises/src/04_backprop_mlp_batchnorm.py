# %% [markdown]
# # Exercise 4: backprop by hand through a 2-layer MLP with BatchNorm
#
# The whole backward pass of a small network, written out: a batch `x` of shape `(N, D)`,
#
#     z      = x @ W1.T + b1           (N, H)   first Linear (PyTorch's weight layout)
#     a      = BatchNorm(z)            (N, H)   training mode: batch statistics, then gamma, beta
#     h      = relu(a)                 (N, H)
#     scores = h @ W2.T + b2           (N, C)   second Linear
#     loss   = cross_entropy(scores, y)         mean over the batch
#
# Write `mlp_forward_backward(x, y, params, eps)` returning the loss and a dict with the
# gradient of the loss for **every** tensor above: `scores`, `h`, `a`, `z` and the
# parameters `W2`, `b2`, `gamma`, `beta`, `W1`, `b1`. The checker builds the same model from
# glassgrad's `nn.Linear`, `nn.BatchNorm1d` and `F.cross_entropy`, runs `loss.backward()`
# (keeping the intermediate gradients with `retain_grad()`), and compares tensor by tensor
# **in backward order** - so the first tensor it reports is where your backward pass first
# goes wrong. Exercise 2's rules are the building blocks; mind the transposes of the
# PyTorch weight layout. (Solutions: `solutions/04_backprop_mlp_batchnorm.ipynb`.)

# %%
import numpy as np
from glassgrad.training import exercises as ex

x, y, params = ex.mlp_batchnorm_problem()
print("x", x.shape, " y", y.shape, " params:", {k: v.shape for k, v in params.items()})

# %%
def mlp_forward_backward(x, y, params, eps):
    W1, b1, gamma, beta, W2, b2 = (params[k] for k in ("W1", "b1", "gamma", "beta", "W2", "b2"))
    N = x.shape[0]
    # BEGIN SOLUTION
    # forward, keeping what the backward pass reads
    z = x @ W1.T + b1
    mu = z.mean(axis=0)
    zc = z - mu
    std = np.sqrt((zc ** 2).mean(axis=0) + eps)
    zhat = zc / std
    a = gamma * zhat + beta
    h = np.maximum(a, 0)
    scores = h @ W2.T + b2
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(N), y].mean()

    # backward, from the loss down
    g = {}
    g["scores"] = np.exp(log_probs)
    g["scores"][np.arange(N), y] -= 1
    g["scores"] /= N
    g["W2"] = g["scores"].T @ h
    g["b2"] = g["scores"].sum(axis=0)
    g["h"] = g["scores"] @ W2
    g["a"] = g["h"] * (a > 0)
    g["beta"] = g["a"].sum(axis=0)
    g["gamma"] = (g["a"] * zhat).sum(axis=0)
    g["z"] = gamma / (N * std) * (N * g["a"] - g["beta"] - zhat * g["gamma"])
    g["W1"] = g["z"].T @ x
    g["b1"] = g["z"].sum(axis=0)
    return loss, g
    # END SOLUTION

# %%
ex.check_mlp_batchnorm(mlp_forward_backward)

# %% [markdown]
# ## Look at the numbers
#
# One gradient is suspiciously small. Print the size of every gradient:

# %%
loss, grads = mlp_forward_backward(x, y, params, 1e-5)
for name in ("scores", "h", "a", "z", "W2", "b2", "gamma", "beta", "W1", "b1"):
    print(f"|dL/d{name}| = {np.linalg.norm(grads[name]):.2e}")
assert np.linalg.norm(grads["b1"]) < 1e-12 * np.linalg.norm(grads["W1"])   # the claim below

# %% [markdown]
# `dL/db1` is zero up to round-off: BatchNorm subtracts the batch mean of `z` right after
# the first Linear, so adding a constant to a feature of `z` changes nothing downstream.
# In your formula, `g["z"]` sums to zero over the batch for every feature (check it!), and
# `db1` is exactly that sum. This is why a Linear layer followed by BatchNorm is usually
# created with `bias=False` (notebook 6 shows the same effect on a trained network).
