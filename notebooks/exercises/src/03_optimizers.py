# %% [markdown]
# # Exercise 3: write the optimizers
#
# An optimizer is a few lines of arithmetic on the weights, the gradient and some state kept
# between steps. Write four of them, as update functions in numpy:
#
#     new_w = update(w, dw, state, **hyperparameters)
#
# `state` is a dict, empty at the first step, where your rule keeps its buffers (a velocity,
# running averages, a step count). The formulas are PyTorch's (`torch.optim`), which
# glassgrad's `optim` follows, so the checker can run your rule and glassgrad's optimizer
# side by side on the same problem for several steps and stop at the first step where the
# weights differ. (Notebook 7 shows what these rules do on the taco shell and Rosenbrock.)
# (Solutions: `solutions/03_optimizers.ipynb`.)

# %%
import numpy as np
from glassgrad.training import exercises as ex

# %% [markdown]
# ## SGD with momentum
#
# PyTorch's form: `v = momentum * v + dw`, then `w = w - lr * v`, with `v` starting at 0
# (so the first step is plain SGD). The notes write `v = mu * v - lr * dw; w += v`, the same
# algorithm at a constant learning rate.

# %%
def sgd_momentum(w, dw, state, lr, momentum):
    # BEGIN SOLUTION
    v = momentum * state.get("v", np.zeros_like(w)) + dw
    state["v"] = v
    return w - lr * v
    # END SOLUTION

# %%
ex.check_optimizer("sgd_momentum", sgd_momentum)

# %% [markdown]
# ## Nesterov momentum
#
# Look ahead: the velocity is updated as before, `v = momentum * v + dw`, but the step uses
# the gradient plus the *next* velocity's contribution: `w = w - lr * (dw + momentum * v)`.

# %%
def nesterov(w, dw, state, lr, momentum):
    # BEGIN SOLUTION
    v = momentum * state.get("v", np.zeros_like(w)) + dw
    state["v"] = v
    return w - lr * (dw + momentum * v)
    # END SOLUTION

# %%
ex.check_optimizer("nesterov", nesterov)

# %% [markdown]
# ## RMSprop
#
# A leaky average of squared gradients per weight, `s = alpha * s + (1 - alpha) * dw^2`
# (starting at 0), then `w = w - lr * dw / (sqrt(s) + eps)`.

# %%
def rmsprop(w, dw, state, lr, alpha, eps):
    # BEGIN SOLUTION
    s = alpha * state.get("s", np.zeros_like(w)) + (1 - alpha) * dw ** 2
    state["s"] = s
    return w - lr * dw / (np.sqrt(s) + eps)
    # END SOLUTION

# %%
ex.check_optimizer("rmsprop", rmsprop)

# %% [markdown]
# ## Adam
#
# Momentum on the gradient and RMSprop's average, both with **bias correction** (they start
# at 0, so early averages are too small). With `t` the step number, starting at 1:
# `m = beta1 * m + (1 - beta1) * dw`, `v = beta2 * v + (1 - beta2) * dw^2`,
# `m_hat = m / (1 - beta1^t)`, `v_hat = v / (1 - beta2^t)`,
# `w = w - lr * m_hat / (sqrt(v_hat) + eps)`.

# %%
def adam(w, dw, state, lr, beta1, beta2, eps):
    # BEGIN SOLUTION
    t = state.get("t", 0) + 1
    m = beta1 * state.get("m", np.zeros_like(w)) + (1 - beta1) * dw
    v = beta2 * state.get("v", np.zeros_like(w)) + (1 - beta2) * dw ** 2
    state.update(t=t, m=m, v=v)
    m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps)
    # END SOLUTION

# %%
ex.check_optimizer("adam", adam)

# %% [markdown]
# ## Try it
#
# Forget Adam's bias correction (use `m` and `v` directly) and run the checker: at which
# step does it first disagree, and by how much? Then compare the size of the very first
# step with and without the correction - why is it so different?
