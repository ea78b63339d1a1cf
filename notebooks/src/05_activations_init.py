# %% [markdown]
# # 5. Activations and initialization
#
# Whether a deep network trains at all depends on how signals flow through it at the start:
# forward, the activations of each layer should neither collapse to zero nor pile up at
# the limits of the nonlinearity; backward, the gradients should neither vanish nor
# explode. The lecture notes make four points, which this notebook measures:
#
# * **sigmoid and tanh saturate**: in their flat tails the local gradient is almost 0 and
#   kills the upstream gradient; sigmoid outputs are also not zero-centred;
# * **ReLU units can die**: a unit whose input is negative for every example gets no
#   gradient and never recovers;
# * weights drawn **too small** make activations and gradients shrink layer after layer;
#   **too large** saturates tanh (and makes ReLU nets explode);
# * **Xavier** initialization (`std = 1/sqrt(fan_in)`) keeps tanh layers healthy, **He**
#   initialization (`std = sqrt(2/fan_in)`) does the same for ReLU.

# %%
from threadpoolctl import threadpool_limits
threadpool_limits(1)   # one BLAS thread: small matrices gain nothing from more, and a busy
                       # machine makes extra threads wait (10x slower here with the default)
import numpy as np
import matplotlib.pyplot as plt
from glassgrad import autograd as ag
from glassgrad import nn
from glassgrad import optim
from glassgrad.training import Monitor, Standardizer
from glassgrad.training.datasets import make_spirals

ag.manual_seed(0)
plt.rcParams.update({"figure.dpi": 80, "figure.figsize": (6.4, 3.6)})

# %% [markdown]
# ## The activation functions and their local gradients
#
# The derivative of each activation is what backprop multiplies the upstream gradient by.
# Here it comes from the engine itself: `ag.grad` of the sum of the activations with respect
# to the inputs gives every local derivative at once.

# %%
z = ag.linspace(-6, 6, 601, requires_grad=True)
activations = {
    "sigmoid": nn.functional.sigmoid, "tanh": nn.functional.tanh, "relu": nn.functional.relu,
    "leaky relu": lambda t: nn.functional.leaky_relu(t, 0.1), "elu": nn.functional.elu,
    "gelu": nn.functional.gelu,
}
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.4))
for name, act in activations.items():
    out = act(z)
    (local,) = ag.grad(out.sum(), z)
    ax1.plot(z.numpy(), out.numpy(), label=name)
    ax2.plot(z.numpy(), local.numpy(), label=name)
    print(f"{name:>10}: largest local gradient {local.numpy().max():.3f}, "
          f"local gradient at z = 5: {local.numpy()[np.argmin(abs(z.numpy() - 5))]:.4f}")
ax1.set_ylim(-1.5, 3); ax1.set_title("f(z)"); ax1.legend(fontsize=8)
ax2.set_title("local gradient f'(z)")
plt.tight_layout()
plt.show()

# %% [markdown]
# The sigmoid's derivative is at most 1/4, so a chain of sigmoid layers scales the gradient
# down by at least 4 per layer even in the best case; in the tails (|z| of 5 or more) both
# sigmoid and tanh pass on almost nothing. ReLU passes the gradient unchanged for z > 0 and
# blocks it completely for z < 0.
#
# ### Sigmoid outputs are not zero-centred
#
# A neuron fed by sigmoid outputs sees only positive inputs `x`. The gradient of its weights
# is `upstream * x`, so for one example every weight's gradient has the **same sign**: the
# update can only move all weights up together or all down together, which forces zig-zag
# paths. With tanh inputs the signs are mixed.

# %%
ag.manual_seed(1)
pre = ag.randn(8)
w = ag.randn(8, requires_grad=True)
for name, x in [("sigmoid", pre.sigmoid()), ("tanh", pre.tanh())]:
    w.grad = None
    (w * x).sum().backward(ag.tensor(-0.7))      # an upstream gradient of -0.7
    print(f"inputs from {name:>7}: signs of dL/dw = {''.join('+' if g > 0 else '-' for g in w.grad.numpy())}")

# %% [markdown]
# ## Initialization in a deep network
#
# An 8-layer network, 256 units per layer, fed 500 examples of standard normal data. We
# draw the weights five ways and record, at every layer, the activations (forward) and the
# gradient of a loss with respect to those activations (backward, via `retain_grad()`).
# The loss is a fixed random linear function of the last layer, so that every run receives
# the same kind of upstream gradient.
#
# | name | weights |
# | --- | --- |
# | tanh, std 0.01 | `normal(0, 0.01)`: "small random numbers" |
# | tanh, std 1 | `normal(0, 1)`: too large |
# | tanh, Xavier | `nn.init.xavier_normal_`: std `sqrt(2/(fan_in + fan_out))`, here `1/sqrt(256)` |
# | relu, Xavier | the same, under ReLU |
# | relu, He | `nn.init.kaiming_normal_`: std `sqrt(2/fan_in)` |

# %%
DEPTH, WIDTH, N = 8, 256, 500
ag.manual_seed(0)
X = ag.randn(N, WIDTH)
G = ag.randn(N, WIDTH)                  # the fixed random loss: sum(G * h_last) / N

def run(activation, init):
    """Activations and their gradients at each of the DEPTH layers, as numpy arrays."""
    ag.manual_seed(1)
    layers = [nn.Linear(WIDTH, WIDTH) for _ in range(DEPTH)]
    for layer in layers:
        init(layer.weight)
        nn.init.zeros_(layer.bias)
    h, hs = X, []
    for layer in layers:
        h = activation(layer(h))
        h.retain_grad()
        hs.append(h)
    ((h * G).sum() / N).backward()
    return [t.numpy() for t in hs], [t.grad.numpy() for t in hs]

schemes = {
    "tanh, std 0.01": (ag.tanh, lambda w: nn.init.normal_(w, 0.0, 0.01)),
    "tanh, std 1": (ag.tanh, lambda w: nn.init.normal_(w, 0.0, 1.0)),
    "tanh, Xavier": (ag.tanh, nn.init.xavier_normal_),
    "relu, Xavier": (ag.relu, nn.init.xavier_normal_),
    "relu, He": (ag.relu, lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu")),
}
results = {name: run(*spec) for name, spec in schemes.items()}

print(f"{'':>15} " + " ".join(f"{'layer ' + str(k + 1):>9}" for k in range(DEPTH)))
for name, (acts, grads) in results.items():
    print(f"{name:>15} " + " ".join(f"{a.std():9.2g}" for a in acts), "  activation std")
    print(f"{'':>15} " + " ".join(f"{g.std():9.2g}" for g in grads), "  gradient std")

# %% [markdown]
# The same numbers as curves (log scale): a healthy scheme keeps both flat across depth.

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.4))
layers = np.arange(1, DEPTH + 1)
for name, (acts, grads) in results.items():
    ax1.semilogy(layers, [a.std() for a in acts], "o-", ms=3, label=name)
    ax2.semilogy(layers, [g.std() for g in grads], "o-", ms=3, label=name)
ax1.set_title("activation std per layer"); ax1.set_xlabel("layer")
ax2.set_title("gradient std per layer (dL/dh)"); ax2.set_xlabel("layer")
ax1.legend(fontsize=7)
plt.tight_layout()
plt.show()

# %% [markdown]
# ### Histograms per layer
#
# Each panel overlays the histograms of the 8 layers (dark = first layer, light = last).
# What to look for:
#
# * **std 0.01**: the activations shrink towards 0 layer after layer, and with them the
#   gradients of the weights (`dL/dW = x^T g` is small when the inputs x are);
# * **std 1**: tanh units pile up at -1 and +1 - saturated, so their local gradients are
#   nearly 0;
# * **Xavier** with tanh: activations that use the whole range of the tanh without piling
#   up at its limits, shrinking only slowly with depth, and gradients of a similar size at
#   every layer;
# * **ReLU**: the spike at 0 is the half of the units that are off. Xavier under ReLU loses
#   about half the variance at every layer (ReLU zeroes half the inputs); He's factor 2
#   compensates, and the histograms of all 8 layers lie on top of each other.

# %%
def overlay(ax, arrays, title, lim):
    colors = plt.cm.viridis(np.linspace(0, 0.9, len(arrays)))
    bins = np.linspace(-lim, lim, 61)
    for color, a in zip(colors, arrays):
        ax.hist(a.ravel(), bins=bins, histtype="step", color=color, density=True)
    ax.set_title(title, fontsize=9)
    ax.set_yticks([])

fig, axes = plt.subplots(2, len(results), figsize=(13, 4.2))
for k, (name, (acts, grads)) in enumerate(results.items()):
    overlay(axes[0, k], acts, name, lim=max(1.05, 3 * acts[0].std()))
    overlay(axes[1, k], grads, "", lim=3 * max(g.std() for g in grads))
axes[0, 0].set_ylabel("activations")
axes[1, 0].set_ylabel("gradients dL/dh")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## The same, measured by `training.Monitor`
#
# During real training you do not write this loop yourself: `training.Monitor` hooks every
# layer of a model and keeps, per layer, the activation statistics (mean, std, fraction of
# saturated tanh/sigmoid units, fraction of dead ReLUs) and histograms of activations and
# gradients. One training step of the too-large tanh network is enough to see the problem:

# %%
ag.manual_seed(1)
blocks = []
for _ in range(4):
    blocks += [nn.Linear(WIDTH, WIDTH), nn.Tanh()]
deep = nn.Sequential(*blocks)
for module in deep:
    if isinstance(module, nn.Linear):
        nn.init.normal_(module.weight, 0.0, 1.0)
opt = optim.SGD(deep.parameters(), lr=1e-3)
with Monitor(deep, opt, warn=False) as monitor:
    opt.zero_grad()
    ((deep(X) * G).sum() / N).backward()
    opt.step()
print(monitor.layer_table())
fig = monitor.plot_activations()
fig.set_size_inches(11, 4.2)
plt.show()

# %% [markdown]
# ## Dead ReLUs
#
# A ReLU unit is *dead* when its input is negative for every example: its output is 0, its
# local gradient is 0, so its incoming weights never receive a gradient and it stays dead.
# The notes warn that a learning rate that is too high can kill a large fraction of the
# units. Train the same ReLU network on the spiral data with three learning rates and count
# the units of each hidden layer that are never active on the whole training set:

# %%
Xs, ys = make_spirals(200, 3, seed=0)
Xs = ag.tensor(Standardizer().fit_transform(Xs))
ys = ag.tensor(ys)

def dead_fractions(model):
    """Fraction of units of each ReLU layer that are zero for every training example."""
    fractions, h = [], Xs
    with ag.no_grad():
        for module in model:
            h = module(h)
            if isinstance(module, nn.ReLU):
                fractions.append(float((h.numpy().max(axis=0) <= 0).mean()))
    return fractions

for lr in (0.05, 0.5, 2.0):
    ag.manual_seed(0)
    net = nn.Sequential(nn.Linear(2, 100), nn.ReLU(), nn.Linear(100, 100), nn.ReLU(),
                        nn.Linear(100, 3))
    before = dead_fractions(net)
    opt = optim.SGD(net.parameters(), lr=lr)
    for step in range(300):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(net(Xs), ys)
        loss.backward()
        opt.step()
    after = dead_fractions(net)
    print(f"lr {lr:4}: dead units per layer {[f'{d:.0%}' for d in before]} at init -> "
          f"{[f'{d:.0%}' for d in after]} after 300 steps (final loss {loss.item():.3f})")

# %% [markdown]
# And the proof that dead units do not learn: in the network trained with the largest
# learning rate, the weights into the dead units of the second layer get a gradient of
# exactly zero.

# %%
opt.zero_grad()
nn.functional.cross_entropy(net(Xs), ys).backward()
with ag.no_grad():
    h2 = net[3](net[2](net[1](net[0](Xs))))
dead = h2.numpy().max(axis=0) <= 0
row_norms = np.linalg.norm(net[2].weight.grad.numpy(), axis=1)
print(f"{dead.sum()} dead units: largest gradient norm of their weight rows {row_norms[dead].max():.1e}")
print(f"{(~dead).sum()} live units: median gradient norm of their weight rows {np.median(row_norms[~dead]):.1e}")

# %% [markdown]
# Remedies from the notes: a smaller learning rate; Leaky ReLU (`nn.LeakyReLU`), whose
# negative side keeps a small slope and so a small gradient; a small positive bias at
# initialization; and watching the dead fraction during training (`Monitor` warns when it
# gets large).
#
# ## Try it
#
# * Add `nn.BatchNorm1d(WIDTH)` after each `Linear` in `run` and rerun the std-0.01 and
#   std-1 schemes: batch normalization makes the net far less sensitive to the init.
# * Replace `nn.ReLU` by `nn.LeakyReLU(0.1)` in the dead-unit experiment.
# * Try 20 layers instead of 8.
