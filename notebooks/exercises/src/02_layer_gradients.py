# %% [markdown]
# # Exercise 2: backward passes of layers, by hand
#
# An autograd engine needs, for every operation, a **vector-Jacobian product** (VJP): given
# the upstream gradient `dout = dL/dout`, return `dL/dinput` for every input - without ever
# forming the Jacobian. In this exercise you write the VJPs of the layers of a classic
# network in numpy: an affine layer, ReLU, softmax with cross-entropy, batch normalization
# (twice: step by step through its graph, then with the simplified formula), inverted
# dropout and a naive convolution.
#
# Each checker compares your forward and backward with glassgrad's autograd on fixed random
# inputs in float64 and names the first wrong element; the batch-normalization checker also
# wraps your pair in an `ag.Function` and runs `ag.gradcheck` on it, the numerical check of
# notebook 3. A good habit: derive the shapes first - `dx` always has the shape of `x`.
# (Solutions: `solutions/02_layer_gradients.ipynb`.)

# %%
import numpy as np
from glassgrad.training import exercises as ex

# %% [markdown]
# ## Affine layer
#
# `out = x @ w + b` with `x` of shape `(N, D)` (or `(N, d1, d2, ...)`, flattened to `(N, D)`
# first), `w` `(D, M)` and `b` `(M,)`. Backward: `dx = dout @ w.T` (reshaped back to `x`'s
# shape), `dw = x.T @ dout`, `db = dout` summed over the batch.

# %%
def affine_forward(x, w, b):
    # BEGIN SOLUTION
    return x.reshape(x.shape[0], -1) @ w + b
    # END SOLUTION


def affine_backward(dout, x, w, b):
    # BEGIN SOLUTION
    dx = (dout @ w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T @ dout
    db = dout.sum(axis=0)
    return dx, dw, db
    # END SOLUTION

# %%
ex.check_affine(affine_forward, affine_backward)

# %% [markdown]
# ## ReLU
#
# `out = max(0, x)`; the gradient passes where `x > 0` and is 0 elsewhere (also at exactly
# 0, as in PyTorch).

# %%
def relu_forward(x):
    # BEGIN SOLUTION
    return np.maximum(x, 0)
    # END SOLUTION


def relu_backward(dout, x):
    # BEGIN SOLUTION
    return dout * (x > 0)
    # END SOLUTION

# %%
ex.check_relu(relu_forward, relu_backward)

# %% [markdown]
# ## Softmax and cross-entropy
#
# `loss = mean over i of -log softmax(scores_i)[y_i]`. Subtract each row's maximum before
# `exp` (it does not change the softmax and keeps `exp` from overflowing: the checker uses
# scores in the hundreds). The gradient is famously simple:
# `dscores = (softmax(scores) - one_hot(y)) / N`.

# %%
def softmax_loss(scores, y):
    # BEGIN SOLUTION
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    N = len(y)
    loss = -log_probs[np.arange(N), y].mean()
    dscores = np.exp(log_probs)
    dscores[np.arange(N), y] -= 1
    return loss, dscores / N
    # END SOLUTION

# %%
ex.check_softmax_loss(softmax_loss)

# %% [markdown]
# ## Batch normalization, through its graph
#
# Training mode, `x` of shape `(N, D)`: `mu = mean(x)`, `var = mean((x - mu)^2)` (biased),
# `xhat = (x - mu) / sqrt(var + eps)`, `out = gamma * xhat + beta`, all per feature.
# `batchnorm_forward` returns `out` and a `cache` of whatever your backward needs.
#
# Write the backward pass by walking the graph backwards one small step at a time, as the
# engine would: `dbeta` and `dgamma` first, then `dxhat`, then the gradients flowing into
# `x - mu` through the two paths (directly, and through `var`), then through `mu`. Every
# intermediate has the shape of what it is the gradient of.

# %%
def batchnorm_forward(x, gamma, beta, eps):
    # BEGIN SOLUTION
    mu = x.mean(axis=0)
    xc = x - mu
    var = (xc ** 2).mean(axis=0)
    std = np.sqrt(var + eps)
    xhat = xc / std
    out = gamma * xhat + beta
    return out, (xc, std, xhat, gamma)
    # END SOLUTION


def batchnorm_backward(dout, cache):
    # BEGIN SOLUTION
    xc, std, xhat, gamma = cache
    N = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * xhat).sum(axis=0)
    dxhat = dout * gamma
    dxc = dxhat / std                                  # path 1: xhat = xc / std
    dstd = -(dxhat * xc).sum(axis=0) / std ** 2        # path 2: through std
    dvar = dstd / (2 * std)
    dxc += 2 * xc * dvar / N                           # var = mean(xc^2)
    dmu = -dxc.sum(axis=0)                             # xc = x - mu
    dx = dxc + dmu / N                                 # mu = mean(x)
    return dx, dgamma, dbeta
    # END SOLUTION

# %%
ex.check_batchnorm(batchnorm_forward, batchnorm_backward)

# %% [markdown]
# ## Batch normalization, the simplified formula
#
# Work the steps above out on paper and they collapse into one line per feature:
#
# `dx = gamma / (N * std) * (N * dout - sum(dout) - xhat * sum(dout * xhat))`
#
# (sums over the batch). Write `batchnorm_backward_alt` with it, using the same cache. It
# does the same job in a few vector operations; it is how real implementations do it.

# %%
def batchnorm_backward_alt(dout, cache):
    # BEGIN SOLUTION
    xc, std, xhat, gamma = cache
    N = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * xhat).sum(axis=0)
    dx = gamma / (N * std) * (N * dout - dbeta - xhat * dgamma)
    return dx, dgamma, dbeta
    # END SOLUTION

# %%
ex.check_batchnorm(batchnorm_forward, batchnorm_backward_alt, name="batchnorm_backward_alt")

# %% [markdown]
# ## Inverted dropout
#
# `p` is the probability of **dropping** a unit (PyTorch's convention). To keep the checker
# deterministic the random numbers are given: `u` holds uniform draws in [0, 1), one per
# unit; drop the units where `u < p`, keep the others and scale them by `1 / (1 - p)`, so
# that the expected value of every unit is unchanged and evaluation needs no scaling. The
# backward pass lets the gradient through the kept units, with the same scale.

# %%
def dropout_forward(x, p, u):
    # BEGIN SOLUTION
    mask = (u >= p) / (1 - p)
    return x * mask, mask
    # END SOLUTION


def dropout_backward(dout, cache):
    # BEGIN SOLUTION
    return dout * cache
    # END SOLUTION

# %%
ex.check_dropout(dropout_forward, dropout_backward)

# %% [markdown]
# ## A naive convolution
#
# `x` `(N, C, H, W)`, filters `w` `(F, C, HH, WW)`, bias `b` `(F,)`, zero padding `pad` on
# every side, stride `stride`. Output `(N, F, H', W')` with
# `H' = (H + 2 pad - HH) // stride + 1`: `out[n, f, i, j]` is the sum of `w[f]` times the
# window of the padded `x[n]` that starts at `(i * stride, j * stride)`, plus `b[f]`. Loops
# are fine. The backward pass runs the same loops: every window that contributed to
# `out[n, f, i, j]` receives `w[f] * dout[n, f, i, j]`, every filter receives
# `window * dout[n, f, i, j]`; remember to cut the padding off `dx`.

# %%
def conv_forward(x, w, b, stride, pad):
    # BEGIN SOLUTION
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    N, C, H, W = xp.shape
    F, _, HH, WW = w.shape
    Ho, Wo = (H - HH) // stride + 1, (W - WW) // stride + 1
    out = np.zeros((N, F, Ho, Wo))
    for i in range(Ho):
        for j in range(Wo):
            window = xp[:, :, i * stride:i * stride + HH, j * stride:j * stride + WW]
            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3])) + b
    return out
    # END SOLUTION


def conv_backward(dout, x, w, b, stride, pad):
    # BEGIN SOLUTION
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    F, _, HH, WW = w.shape
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            rows, cols = slice(i * stride, i * stride + HH), slice(j * stride, j * stride + WW)
            g = dout[:, :, i, j]                                      # (N, F)
            dxp[:, :, rows, cols] += np.tensordot(g, w, axes=([1], [0]))
            dw += np.tensordot(g, xp[:, :, rows, cols], axes=([0], [0]))
    dx = dxp[:, :, pad:pad + x.shape[2], pad:pad + x.shape[3]]
    return dx, dw, dout.sum(axis=(0, 2, 3))
    # END SOLUTION

# %%
ex.check_conv(conv_forward, conv_backward)

# %% [markdown]
# ## What next
#
# Every function above is a rule glassgrad's engine already has (`autograd/primitives.py`
# lists them, each with its forward and VJP). With `ag.Function` you can plug your own
# forward/backward pair into the engine, as the batch-normalization checker did, and then
# `backward()`, `ag.gradcheck` and the stepper of notebook 2 all use your rule.
