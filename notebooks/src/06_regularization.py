# %% [markdown]
# # 6. BatchNorm, dropout, and L1 / L2 / max-norm regularization
#
# Two layers behave differently in training and in evaluation, and forgetting `model.eval()`
# is one of the most common bugs in practice:
#
# * **BatchNorm** normalizes each feature with the statistics of the current mini-batch while
#   training, and with running averages of those statistics at test time;
# * **dropout** zeroes random units while training and does nothing at test time.
#
# Then the regularizers of the notes - L2 (*"heavily penalizes peaky weight vectors"*), L1
# (*"leads the weight vectors to become sparse"*), max-norm (*"enforce an upper bound on the
# norm of every neuron's weight vector"*) and dropout - on a small problem that a large
# network overfits, with train and validation curves.

# %%
from threadpoolctl import threadpool_limits
threadpool_limits(1)   # one BLAS thread: small matrices gain nothing from more, and a busy
                       # machine makes extra threads wait (10x slower here with the default)
import numpy as np
import matplotlib.pyplot as plt
from glassgrad import autograd as ag
from glassgrad import nn
from glassgrad import optim
from glassgrad.training import evaluate
from glassgrad.training.datasets import make_spirals

ag.manual_seed(0)
plt.rcParams.update({"figure.dpi": 80, "figure.figsize": (6.4, 3.6)})

# %% [markdown]
# ## BatchNorm in training mode
#
# For an input `(N, C)`, `nn.BatchNorm1d(C)` computes per feature the batch mean `mu` and
# (biased) variance `var`, and outputs `gamma * (x - mu) / sqrt(var + eps) + beta`, with the
# learnable `gamma` (`weight`, initially 1) and `beta` (`bias`, initially 0). Feed it features
# far from zero mean and unit variance:

# %%
bn = nn.BatchNorm1d(3)
true_mean = np.array([5.0, -2.0, 0.5])
true_std = np.array([3.0, 0.5, 10.0])

def batch(n=32):
    return ag.tensor((true_mean + true_std * ag.get_rng().standard_normal((n, 3))).astype(np.float32))

x = batch()
out = bn(x)
print("input  mean", np.round(x.numpy().mean(0), 3), " std", np.round(x.numpy().std(0), 3))
print("output mean", np.round(out.numpy().mean(0), 3), " std", np.round(out.numpy().std(0), 3))

manual = (x.numpy() - x.numpy().mean(0)) / np.sqrt(x.numpy().var(0) + bn.eps)
print("matches (x - mu) / sqrt(var + eps) computed in numpy:", np.allclose(out.numpy(), manual, atol=1e-5))
assert np.allclose(out.numpy(), manual, atol=1e-5)
assert np.allclose(out.numpy().mean(0), 0, atol=1e-5) and np.allclose(out.numpy().std(0), 1, atol=1e-3)

# %% [markdown]
# In training mode the output for one example depends on the **other examples in the batch**
# (they set `mu` and `var`). The same example in two different batches gets two different
# outputs:

# %%
probe = batch(1)
a = bn(ag.cat([probe, batch(15)]))[0]
b = bn(ag.cat([probe, batch(15)]))[0]
print("train mode, same example, batch 1:", np.round(a.numpy(), 4))
print("train mode, same example, batch 2:", np.round(b.numpy(), 4))
assert not np.allclose(a.numpy(), b.numpy())     # the batch changes the example's output

# %% [markdown]
# ## Running statistics and eval mode
#
# That is fine for training (the notes even count the noise as a mild regularizer) but not
# for predictions. So, while training, BatchNorm keeps exponential moving averages of the
# batch statistics, `running = (1 - momentum) * running + momentum * batch` with
# `momentum = 0.1` (the unbiased variance is averaged, as in PyTorch). In `eval()` mode it
# normalizes with those instead. Watch them converge to the true statistics of the data:

# %%
bn = nn.BatchNorm1d(3)
means, vars_ = [bn.running_mean.numpy().copy()], [bn.running_var.numpy().copy()]
for _ in range(60):
    bn(batch())
    means.append(bn.running_mean.numpy().copy())
    vars_.append(bn.running_var.numpy().copy())
means, stds = np.array(means), np.sqrt(np.array(vars_))

fig, axes = plt.subplots(1, 3, figsize=(10, 2.8))
for k, ax in enumerate(axes):
    ax.plot(means[:, k], label="running mean")
    ax.plot(stds[:, k], label="sqrt(running var)")
    ax.axhline(true_mean[k], color="C0", ls=":", lw=1)
    ax.axhline(true_std[k], color="C1", ls=":", lw=1)
    ax.set_title(f"feature {k}: mean {true_mean[k]:g}, std {true_std[k]:g}", fontsize=9)
    ax.set_xlabel("training batches")
axes[0].legend(fontsize=8)
plt.tight_layout()
plt.show()
print("batches tracked:", bn.num_batches_tracked.item())
print("running mean", np.round(bn.running_mean.numpy(), 3), " running std",
      np.round(np.sqrt(bn.running_var.numpy()), 3))
assert np.all(np.abs(bn.running_mean.numpy() - true_mean) < 0.1 * true_std)   # converged
assert np.allclose(np.sqrt(bn.running_var.numpy()), true_std, rtol=0.1)

# %% [markdown]
# In eval mode the running statistics are used, nothing is updated, and an example's output
# no longer depends on its batch - it can even be evaluated alone:

# %%
bn.eval()
before = bn.running_mean.numpy().copy()
a = bn(ag.cat([probe, batch(15)]))[0]
b = bn(ag.cat([probe, batch(15)]))[0]
alone = bn(probe)[0]
print("eval mode, batch 1:", np.round(a.numpy(), 4))
print("eval mode, batch 2:", np.round(b.numpy(), 4))
print("eval mode, alone:  ", np.round(alone.numpy(), 4))
print("running statistics unchanged by eval-mode calls:", np.array_equal(before, bn.running_mean.numpy()))
assert np.array_equal(a.numpy(), b.numpy()) and np.allclose(a.numpy(), alone.numpy(), atol=1e-6)
assert np.array_equal(before, bn.running_mean.numpy())

# %% [markdown]
# ## Dropout: train vs eval, and the inverted scaling
#
# In training, dropout zeroes each unit with probability `p` - careful: in `nn.Dropout(p)`,
# as in PyTorch, `p` is the probability of **dropping** a unit, while the notes' `p` is the
# probability of **keeping** it. *Inverted* dropout scales the survivors by `1 / (1 - p)`
# at training time, so the expected value of every unit is unchanged and the test-time
# forward pass needs no scaling at all: in `eval()` mode dropout is the identity.

# %%
drop = nn.Dropout(p=0.5)
h = ag.ones(4, 10)
print("train mode:\n", drop(h).numpy())
print("fraction zeroed over 100,000 units:", float((drop(ag.ones(1000, 100)).numpy() == 0).mean()))
samples = np.stack([drop(ag.full((1000,), 3.0)).numpy() for _ in range(50)])
print(f"survivors are 3.0 / (1 - 0.5) = {np.unique(samples[samples > 0])}; "
      f"mean over many draws {samples.mean():.4f} (the input was 3.0)")
drop.eval()
print("eval mode:", drop(ag.full((8,), 3.0)).numpy())
assert abs(float((drop.train()(ag.ones(1000, 100)).numpy() == 0).mean()) - 0.5) < 0.01
assert np.array_equal(np.unique(samples[samples > 0]), [6.0]) and abs(samples.mean() - 3.0) < 0.05
assert np.array_equal(drop.eval()(ag.full((8,), 3.0)).numpy(), np.full(8, 3.0))   # identity

# %% [markdown]
# ## Regularization on a problem that overfits
#
# Three noisy spirals, only 30 training points per class, and a network far larger than the
# data warrants: `2 -> 128 -> 128 -> 3` with ReLU. A separate, larger validation set
# measures how well each setting generalizes. All runs use the same initialization, data
# and optimizer (Adam, full batch, 800 steps); only the regularizer changes:
#
# | setting | what it does |
# | --- | --- |
# | none | plain cross-entropy |
# | L2 | adds `lambda / 2 * sum(W**2)` over the weight matrices (not the biases) |
# | L1 | adds `lambda * sum(|W|)` |
# | dropout | `nn.Dropout(0.5)` after each hidden layer |
# | max-norm | after every step, rows of W with norm above `c` are rescaled to `c` (`nn.utils.max_norm_`) |
# | BatchNorm | `nn.BatchNorm1d` after each hidden `Linear` |
# | dropout + BatchNorm | both: `Linear -> BatchNorm1d -> ReLU -> Dropout(0.5)` |

# %%
X_train, y_train = make_spirals(30, 3, noise=0.6, seed=1)
X_val, y_val = make_spirals(200, 3, noise=0.6, seed=2)
Xt, yt, Xv, yv = map(ag.tensor, (X_train, y_train, X_val, y_val))
loss_fn = nn.CrossEntropyLoss()

def make_model(dropout=0.0, batchnorm=False):
    layers, width = [], 2
    for _ in range(2):
        layers.append(nn.Linear(width, 128))
        width = 128
        if batchnorm:
            layers.append(nn.BatchNorm1d(128))
        layers.append(nn.ReLU())
        if dropout:
            layers.append(nn.Dropout(dropout))
    layers.append(nn.Linear(128, 3))
    return nn.Sequential(*layers)

def train(dropout=0.0, batchnorm=False, l2=0.0, l1=0.0, max_norm=None, steps=800, every=20):
    ag.manual_seed(0)
    model = make_model(dropout, batchnorm)
    weights = [p for p in model.parameters() if p.ndim == 2]
    opt = optim.Adam(model.parameters(), lr=3e-3)
    curve = []
    for step in range(1, steps + 1):
        model.train()
        opt.zero_grad()
        loss = loss_fn(model(Xt), yt)
        if l2:
            loss = loss + l2 / 2 * sum((w * w).sum() for w in weights)
        if l1:
            loss = loss + l1 * sum(w.abs().sum() for w in weights)
        loss.backward()
        opt.step()
        if max_norm is not None:
            nn.utils.max_norm_(weights, max_norm)
        if step % every == 0:
            # evaluate() switches to eval mode: no dropout, BatchNorm on running statistics
            curve.append((step, *evaluate(model, loss_fn, [(Xt, yt)]),
                          *evaluate(model, loss_fn, [(Xv, yv)])))
    return model, np.array(curve)

settings = {
    "none": {},
    "L2 (1e-3)": dict(l2=1e-3),
    "L1 (3e-4)": dict(l1=3e-4),
    "dropout (0.5)": dict(dropout=0.5),
    "max-norm (c=1)": dict(max_norm=1.0),
    "BatchNorm": dict(batchnorm=True),
    "dropout + BatchNorm": dict(dropout=0.5, batchnorm=True),
}
runs = {name: train(**kw) for name, kw in settings.items()}

print(f"{'setting':>15} {'train loss':>10} {'train acc':>9} {'val loss':>9} {'val acc':>8}")
for name, (model, curve) in runs.items():
    _, trl, tra, val, vaa = curve[-1]
    print(f"{name:>15} {trl:10.3f} {tra:9.3f} {val:9.3f} {vaa:8.3f}")

# %% [markdown]
# Look at the two validation columns separately. Every regularizer cuts the validation
# **loss** by a factor of 2 to 4, but the validation **accuracy** barely moves: all settings
# land within about 1.5 points of each other (one validation point is 0.17 points), and some
# regularized runs are even slightly below the unregularized one. The loss and the accuracy
# measure different things. The accuracy only asks which side of the boundary a point falls
# on; the classes overlap here, so some points are on the wrong side whatever the boundary,
# and the boundaries all settings learn are similar. The loss also charges for
# **confidence**: a wrong answer given with probability 0.999 costs `-ln(0.001) = 6.9`, a
# wrong answer given with probability 0.5 costs 0.7. Regularization mostly tempers the
# confidence (the pictures below show it), which is what the loss sees and the accuracy does
# not.

# %%
final = {name: curve[-1] for name, (model, curve) in runs.items()}
val_acc = np.array([row[4] for row in final.values()])
assert all(final[name][3] < final["none"][3] / 2 for name in final if name != "none")  # loss: 2x+
assert val_acc.max() - val_acc.min() < 0.03                    # accuracy: within 3 points
assert final["none"][1] < min(row[1] for name, row in final.items() if name != "none" and "Batch" not in name)

# %% [markdown]
# The curves (the data loss only: the penalty terms are not included). Without
# regularization the training loss keeps falling while the validation loss turns around and
# climbs: the network becomes more and more confident on the training points, including the
# noisy ones, and more and more confidently wrong on new points. The regularizers give up a
# little training loss for a lower validation loss.

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.6))
for k, (name, (model, curve)) in enumerate(runs.items()):
    ax1.plot(curve[:, 0], curve[:, 3], color=f"C{k}", label=name)
    ax1.plot(curve[:, 0], curve[:, 1], color=f"C{k}", ls=":", lw=1)
    ax2.plot(curve[:, 0], curve[:, 4], color=f"C{k}", label=name)
ax1.set_yscale("log")
ax1.set_title("loss: validation (solid), training (dotted)")
ax1.set_xlabel("step")
ax2.set_title("validation accuracy")
ax2.set_xlabel("step")
ax1.legend(fontsize=8)
plt.tight_layout()
plt.show()

# %% [markdown]
# Where does the lower validation loss come from? The classes overlap, so every model must
# get some points wrong, and the decision boundaries (black lines) of all settings are
# similar. What differs is the **confidence**, the largest softmax probability, shaded below
# (white: sure, dark: unsure). The unregularized network is sure almost everywhere, right up
# to its boundaries, so each validation point on the wrong side costs a large loss; the
# regularized networks keep wider bands of doubt where the classes mix. The titles give the
# mean confidence of each model on the validation points it gets wrong.

# %%
xx, yy = np.meshgrid(np.linspace(-1.6, 1.6, 120), np.linspace(-1.6, 1.6, 120))
grid = ag.tensor(np.c_[xx.ravel(), yy.ravel()].astype(np.float32))
fig, axes = plt.subplots(1, len(runs), figsize=(14, 3))
for ax, (name, (model, curve)) in zip(axes, runs.items()):
    model.eval()
    with ag.no_grad():
        probs = model(grid).softmax(dim=1).numpy()
    confidence = probs.max(1).reshape(xx.shape)
    regions = probs.argmax(1).reshape(xx.shape)
    ax.contourf(xx, yy, confidence, levels=np.linspace(1 / 3, 1, 12), cmap="Greys_r")
    ax.contour(xx, yy, regions, levels=[0.5, 1.5], colors="k", linewidths=0.6)
    ax.scatter(X_train[:, 0], X_train[:, 1], c=[f"C{c}" for c in y_train], s=6)
    with ag.no_grad():
        p_val = model(Xv).softmax(dim=1).numpy()
    wrong = p_val.argmax(1) != y_val
    ax.set_title(f"{name}\nconfidence on its wrong\nvalidation points: {p_val.max(1)[wrong].mean():.2f}",
                 fontsize=8)
    ax.set_xticks([]); ax.set_yticks([])
plt.tight_layout()
plt.show()

# %% [markdown]
# ## What each regularizer does to the weights
#
# The textbook picture, for plain gradient descent: L2 shrinks every weight in proportion to
# its size (small, diffuse values, few exact zeros); L1 pushes every weight towards zero by
# the same amount per step and so drives many of them to (almost) exactly zero; max-norm caps
# the norm of each unit's incoming weight vector. Our runs use **Adam**, and the table shows
# a twist for L2:

# %%
print(f"{'setting':>15} {'mean |w|':>9} {'|w| < 1e-3':>10} {'largest row norm':>17}")
small = {}
for name in ("none", "L2 (1e-3)", "L1 (3e-4)", "max-norm (c=1)"):
    model = runs[name][0]
    W = np.concatenate([p.numpy().ravel() for p in model.parameters() if p.ndim == 2])
    rows = max(np.linalg.norm(p.numpy(), axis=1).max() for p in model.parameters() if p.ndim == 2)
    print(f"{name:>15} {np.abs(W).mean():9.4f} {np.mean(np.abs(W) < 1e-3):10.1%} {rows:17.3f}")
    small[name] = np.mean(np.abs(W) < 1e-3)

fig, ax = plt.subplots(figsize=(6.4, 3))
bins = np.linspace(-0.6, 0.6, 121)
for name in ("none", "L2 (1e-3)", "L1 (3e-4)"):
    W2 = runs[name][0][2].weight.numpy().ravel()
    ax.hist(W2, bins=bins, histtype="step", label=name, density=True)
ax.set_yscale("log")
ax.set_title("weights of the second hidden layer")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# Under Adam, L2 is **not** diffuse: about a third of the weights end below 1e-3, against
# under 1% without regularization (L1: 90%). The reason is Adam's per-parameter scaling.
# Adam divides each parameter's gradient by a running average of its own magnitude. For a
# weight that the data barely uses, the gradient is mostly the penalty's `lambda * w`, and
# after the division the step is about `lr * sign(w)` - the same fixed-size push towards
# zero as L1, so such weights are driven to (nearly) zero. Weights the data needs keep a
# large data gradient and are shrunk only a little. The textbook picture holds for SGD
# (where `lambda * w` is a step proportional to `w` that never reaches zero); `optim.AdamW`
# (below) decouples the decay from the adaptive scaling to restore it.

# %%
assert small["none"] < 0.02 and small["L2 (1e-3)"] > 0.2 and small["L1 (3e-4)"] > 0.8   # the table
assert small["L2 (1e-3)"] < small["L1 (3e-4)"]

# %% [markdown]
# ## A bias in front of BatchNorm gets no gradient
#
# In the BatchNorm network every hidden `Linear` is followed by `BatchNorm1d`, which subtracts
# the batch mean of each feature. Adding a constant `b` to a feature shifts its batch mean by
# the same `b`, so the output does not depend on `b` at all, and `dL/db` is exactly 0 in exact
# arithmetic. In float32 it is not quite 0:

# %%
bn_model = runs["BatchNorm"][0]
bn_model.train()
bn_model.zero_grad()
loss_fn(bn_model(Xt), yt).backward()
for name, param in bn_model.named_parameters():
    if name.startswith(("0.", "3.")):         # the two Linear layers in front of a BatchNorm
        print(f"{name:>9}: gradient norm {np.linalg.norm(param.grad.numpy()):.1e}")
bias_grad = np.linalg.norm(bn_model[0].bias.grad.numpy())
weight_grad = np.linalg.norm(bn_model[0].weight.grad.numpy())
assert bias_grad < 1e-4 * weight_grad           # zero up to float32 round-off
# the same in float64: round-off shrinks with the precision, the gradient was never there
bn64 = bn_model.double()
bn64.zero_grad()
loss_fn(bn64(Xt.double()), yt).backward()
print(f"in float64: {np.linalg.norm(bn64[0].bias.grad.numpy()):.1e}")
assert np.linalg.norm(bn64[0].bias.grad.numpy()) < 1e-12
bn_model.float()

# %% [markdown]
# A gradient of 1e-7 to 1e-8 (float32), 1e-15 (float64), against 1e-1 for the weights, is round-off in `x - mean(x)`, not
# learning signal. Such a bias is a wasted parameter; this is why PyTorch code writes
# `nn.Linear(..., bias=False)` before a BatchNorm, whose own `beta` plays the role of the bias.
#
# ## Dropout combined with BatchNorm
#
# The last row of the table puts both in one network. A known catch: dropout before a
# BatchNorm (here the second layer's `Linear` reads the dropped-out activations of the first)
# changes the **variance** of that BatchNorm's input between training (units dropped, the
# survivors scaled by 2) and evaluation (nothing dropped). BatchNorm's running variance is
# learned in training mode, so at evaluation time it normalizes with a slightly wrong
# variance - the "variance shift" of Li et al. (2019). Measured on the trained network, at
# the input of the second BatchNorm:

# %%
both = runs["dropout + BatchNorm"][0]
second_bn = [m for m in both if isinstance(m, nn.BatchNorm1d)][1]
seen = {}
hook = second_bn.register_forward_hook(lambda m, inp, out: seen.update(x=inp[0].numpy().copy()))
with ag.no_grad():
    both.train(); both(Xv)
    train_var = seen["x"].var(0)
    both.eval(); both(Xv)
    eval_var = seen["x"].var(0)
hook.remove()
running = second_bn.running_var.numpy()
print(f"input variance per feature, median over features: training mode {np.median(train_var):.3f}, "
      f"eval mode {np.median(eval_var):.3f}; running_var {np.median(running):.3f}")
print(f"median ratio eval variance / running_var: {np.median(eval_var / running):.2f}")
assert 0.7 < np.median(eval_var / running) < 0.95     # a real but mild shift
assert final["dropout + BatchNorm"][3] < min(final["dropout (0.5)"][3], final["BatchNorm"][3])

# %% [markdown]
# Here the shift is real but mild (the eval-time variance is about 13% below the running
# variance, so eval outputs are a little too small), and the combination still has the
# lowest validation loss of the three: the two regularize in different ways and their
# effects add up. With deeper stacks of dropout and BatchNorm, or higher dropout rates, the
# shift grows; the usual remedies are dropout only after the last BatchNorm (just before the
# classifier) or a small dropout rate.

# %% [markdown]
# ## Weight decay in the optimizer
#
# Adding `lambda / 2 * sum(W**2)` to the loss adds `lambda * W` to the gradient, so with plain
# SGD it is the same as the optimizer's `weight_decay=lambda`: every step shrinks the
# weights towards zero by `lr * lambda * W` (the notes' *"every weight is decayed linearly"*).
# Checked on one step:

# %%
ag.manual_seed(0)
m1 = make_model()
m2 = make_model()
m2.load_state_dict(m1.state_dict())
opt1 = optim.SGD(m1.parameters(), lr=0.1)
opt2 = optim.SGD(m2.parameters(), lr=0.1, weight_decay=1e-2)
loss1 = loss_fn(m1(Xt), yt) + 1e-2 / 2 * sum((p * p).sum() for p in m1.parameters())
loss1.backward(); opt1.step()
loss_fn(m2(Xt), yt).backward(); opt2.step()
print("penalty in the loss == weight_decay in SGD:",
      all(np.allclose(p.numpy(), q.numpy(), atol=1e-6) for p, q in zip(m1.parameters(), m2.parameters())))
assert all(np.allclose(p.numpy(), q.numpy(), atol=1e-6) for p, q in zip(m1.parameters(), m2.parameters()))

# %% [markdown]
# (`weight_decay` decays every parameter it is given, biases included; pass the biases in a
# separate parameter group with `weight_decay=0` to match the notes' advice of not
# regularizing them. With Adam, `optim.AdamW` applies the decay directly to the weights
# rather than through the adaptive gradient scaling.)
#
# ## Try it
#
# * Raise the L2 strength to 1e-2 or 1e-1 and watch it underfit.
# * Combine dropout with L2, the notes' default recommendation.
# * Call `model.train()` before the decision-region plot for the dropout model (forgetting
#   `eval()`): the regions turn noisy and change on every run.
