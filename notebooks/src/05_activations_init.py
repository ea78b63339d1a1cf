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
local_grads = {}
for name, act in activations.items():
    out = act(z)
    (local,) = ag.grad(out.sum(), z)
    local_grads[name] = local.numpy()
    ax1.plot(z.numpy(), out.numpy(), label=name)
    ax2.plot(z.numpy(), local.numpy(), label=name)
    print(f"{name:>10}: largest local gradient {local.numpy().max():.3f}, "
          f"local gradient at z = 5: {local.numpy()[np.argmin(abs(z.numpy() - 5))]:.4f}")
ax1.set_ylim(-1.5, 3); ax1.set_title("f(z)"); ax1.legend(fontsize=8)
ax2.set_title("local gradient f'(z)")
plt.tight_layout()
plt.show()
at5 = np.argmin(abs(z.numpy() - 5))
assert np.isclose(local_grads["sigmoid"].max(), 0.25, atol=1e-4)   # "at most 1/4" (below)
assert local_grads["sigmoid"][at5] < 0.01 and local_grads["tanh"][at5] < 0.001  # tails pass ~0
assert local_grads["relu"][at5] == 1 and local_grads["relu"][z.numpy() < 0].max() == 0

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
    same_sign = len(set(np.sign(w.grad.numpy()))) == 1
    assert same_sign == (name == "sigmoid")      # one sign from sigmoid inputs, mixed from tanh

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

def stds(name, which):
    return np.array([t.std() for t in results[name][which]])

# the claims of the histograms below, on these numbers:
assert stds("tanh, std 0.01", 0)[-1] < 1e-5 * stds("tanh, std 0.01", 0)[0]   # collapses to 0
assert np.all(stds("tanh, std 1", 0) > 0.95)                   # tanh piled up at -1 and +1
g = stds("tanh, Xavier", 1); assert g.max() / g.min() < 3     # similar gradients at every layer
a = stds("relu, Xavier", 0); assert np.all(0.6 < a[1:] / a[:-1]) and np.all(a[1:] / a[:-1] < 0.8)
a = stds("relu, He", 0); assert a.max() / a.min() < 1.3        # He: flat across depth

# %% [markdown]
# One row deserves a second look: **tanh, std 1**. The units are saturated (activation std
# 0.97, nearly all at -1 or +1), and the notes say saturated units kill the gradient - yet
# the gradient *grows* about 3x per layer on its way back, from 0.002 at the last layer to
# about 4 at the first. Both effects are real, and they compete. Going back through one
# layer multiplies the gradient by `W^T` and by the local derivatives `1 - tanh^2`: with std-1
# weights, `W^T` scales a vector by about `sqrt(256) = 16`; the local derivatives, near 0 for
# most units but near 1 for the few that are not saturated, shrink it by a factor of about 5
# on average. 16 / 5 is about 3. So the net neither learns well (most units are stuck) nor has
# stable gradients (the first layers receive updates 1000x larger than the last):

# %%
g = stds("tanh, std 1", 1)
growth = g[:-1] / g[1:]
print("gradient growth per layer, going back:", np.round(growth, 2))
with ag.no_grad():
    acts = results["tanh, std 1"][0]
    shrink = [np.sqrt(np.mean((1 - a ** 2) ** 2)) for a in acts]
print("RMS local derivative 1 - tanh^2 per layer:", np.round(shrink, 3),
      " -> 16 x that:", np.round(16 * np.array(shrink), 2))
assert np.all(growth > 2) and g[0] > 1000 * g[-1]     # the exploding gradient described above

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

dead_after, final_loss = {}, {}
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
    dead_after[lr], final_loss[lr] = after, loss.item()

# %%
assert min(dead_after[2.0]) > 0.5 and max(dead_after[0.5]) < 0.2   # lr 2 killed over half
assert final_loss[2.0] < 1.2 * final_loss[0.05]     # ... and still matched the slow, healthy run

# %% [markdown]
# The surprise in these lines: the network trained at lr 2.0 lost three quarters of its
# second-layer units and still ends with about the loss of the healthy network trained at
# lr 0.05. Dead units are wasted capacity, not an error in the function: the 24 units that
# survive are plenty for 600 two-dimensional points, while lr 0.05 is simply slow (300
# steps are not enough for it). The lowest loss belongs to lr 0.5 - fast *and* alive. A
# low loss does not prove a healthy net; count the dead units too.
#
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
assert row_norms[dead].max() == 0.0 and np.median(row_norms[~dead]) > 0   # exactly zero

# %% [markdown]
# Remedies from the notes: a smaller learning rate; Leaky ReLU (`nn.LeakyReLU`), whose
# negative side keeps a small slope and so a small gradient; a small positive bias at
# initialization; and watching the dead fraction during training (`Monitor` warns when it
# gets large).
#
# ## Maxout: no dead units by construction
#
# A **maxout** unit (`nn.Maxout(in, out, pieces=2)`) computes two (or more) linear functions
# of its input and outputs their maximum, `max(w1.x + b1, w2.x + b2)`. ReLU is the special
# case `max(w.x + b, 0)`; with both pieces learned the unit never has a flat side, so its
# gradient always flows into one of its pieces and it cannot die. The notes' price: twice
# the parameters per unit. The same experiment at lr 0.5, where the ReLU net above ended with
# a sixth of its second-layer units dead (at lr 2.0 this net, unbounded on both sides,
# diverges):

# %%
ag.manual_seed(0)
maxnet = nn.Sequential(nn.Maxout(2, 100, pieces=2), nn.Maxout(100, 100, pieces=2),
                       nn.Linear(100, 3))
opt = optim.SGD(maxnet.parameters(), lr=0.5)
for step in range(300):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(maxnet(Xs), ys)
    loss.backward()
    opt.step()
opt.zero_grad()
nn.functional.cross_entropy(maxnet(Xs), ys).backward()
rows = np.linalg.norm(maxnet[1].weight.grad.numpy(), axis=1).reshape(100, 2)   # (unit, piece)
print(f"maxout, lr 0.5: final loss {loss.item():.3f}; units whose pieces both get no gradient: "
      f"{int((rows.max(axis=1) == 0).sum())} of 100")
print(f"parameters: maxout net {sum(p.numel() for p in maxnet.parameters())}, "
      f"ReLU net {sum(p.numel() for p in net.parameters())}")
assert np.isfinite(loss.item()) and (rows.max(axis=1) == 0).sum() == 0   # no maxout unit is dead
assert dead_after[0.5][1] > 0.1                    # while the ReLU net lost over 10% at lr 0.5

# %% [markdown]
# ## Two more initializations: constant and sparse
#
# **Constant** initialization (`nn.init.constant_`, e.g. all weights 0.1) is the notes'
# pitfall: every unit of a layer computes the same function, receives the same gradient
# (the weights leaving it are the same too) and makes the same update, so the units stay
# identical forever - *symmetry is never broken*, and 50 units are worth one.
# **Sparse** initialization (`nn.init.sparse_`) draws small random weights and then zeroes a
# fraction of each unit's connections, so units start different *and* sparsely connected.

# %%
def train_spirals(init, steps=200):
    ag.manual_seed(0)
    net = nn.Sequential(nn.Linear(2, 50), nn.Tanh(), nn.Linear(50, 3))
    for layer in (net[0], net[2]):
        init(layer.weight); nn.init.zeros_(layer.bias)
    opt = optim.SGD(net.parameters(), lr=0.5)
    for _ in range(steps):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(net(Xs), ys)
        loss.backward()
        opt.step()
    W = net[0].weight.numpy()
    return loss.item(), len(np.unique(W.round(6), axis=0)), W    # distinct weight rows

for name, init in [("constant 0.1", lambda w: nn.init.constant_(w, 0.1)),
                   ("sparse (50% zeros)", lambda w: nn.init.sparse_(w, sparsity=0.5, std=1.0)),
                   ("Xavier", nn.init.xavier_normal_)]:
    loss, distinct, W = train_spirals(init)
    print(f"{name:>19}: final loss {loss:.3f}; distinct first-layer units {distinct} of 50")
    if name.startswith("constant"):
        assert distinct == 1 and np.allclose(W, W[0])   # all 50 units are still the same unit
    else:
        assert distinct == 50

ag.manual_seed(0)
w = nn.init.sparse_(ag.empty(8, 5), sparsity=0.5, std=0.01)
print("sparse_(8 x 5, sparsity 0.5): zeros per column", (w.numpy() == 0).sum(axis=0))
assert np.all((w.numpy() == 0).sum(axis=0) == 4)     # half of each column's 8 rows

# %% [markdown]
# ## Try it
#
# * Add `nn.BatchNorm1d(WIDTH)` after each `Linear` in `run` and rerun the std-0.01 and
#   std-1 schemes: batch normalization makes the net far less sensitive to the init.
# * Replace `nn.ReLU` by `nn.LeakyReLU(0.1)` in the dead-unit experiment.
# * Try 20 layers instead of 8.
