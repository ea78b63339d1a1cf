# %% [markdown]
# # 9. Convolutions, pooling and normalization per channel
#
# The networks so far treat an image as a flat vector of 64 numbers: an MLP does not know
# that pixel (3, 4) is next to pixel (3, 5). A **convolutional** layer does. Its units look
# at a small window of the image (the *receptive field*), and every position shares the same
# weights, the *filter* (lecture notes, "Convolutional Neural Networks"): far fewer
# parameters, and a pattern learned in one place is recognised everywhere.
#
# This notebook computes a convolution by hand and checks `nn.Conv2d` against it, shows how
# max pooling routes the gradient, what `BatchNorm2d` (and its relatives LayerNorm,
# GroupNorm and InstanceNorm) average over, then trains a small CNN on the digits and puts
# its first-layer filters next to those of the same network untrained.

# %%
from threadpoolctl import threadpool_limits
threadpool_limits(1)   # one BLAS thread: small matrices gain nothing from more, and a busy
                       # machine makes extra threads wait (10x slower here with the default)
import numpy as np
import matplotlib.pyplot as plt
from glassgrad import autograd as ag
from glassgrad import nn
from glassgrad import optim
from glassgrad.training import DataLoader, evaluate, train_val_test_split
from glassgrad.training.datasets import load_digits

ag.manual_seed(0)
plt.rcParams.update({"figure.dpi": 80, "figure.figsize": (6.4, 3.6)})

# %% [markdown]
# ## A convolution by hand
#
# `nn.Conv2d(C_in, C_out, kernel_size=F, stride=S, padding=P)` holds `C_out` filters of
# shape `(C_in, F, F)`. Each output value is the dot product of one filter with one window
# of the (zero-padded) input, plus a bias; sliding the window by `S` pixels gives a map of
# size `(W - F + 2P) / S + 1` per side (the notes' formula). Deep learning libraries, like
# PyTorch, compute a *cross-correlation* (the filter is not flipped) and call it
# convolution. Four nested loops in numpy, against `nn.functional.conv2d`:

# %%
def conv2d_loops(x, w, b, stride=1, padding=0):
    """Naive convolution: x (N, C, H, W), w (F, C, HH, WW), b (F,) -> (N, F, H', W')."""
    x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    Ho, Wo = (H - HH) // stride + 1, (W - WW) // stride + 1
    out = np.zeros((N, F, Ho, Wo))
    for n in range(N):
        for f in range(F):
            for i in range(Ho):
                for j in range(Wo):
                    window = x[n, :, i * stride:i * stride + HH, j * stride:j * stride + WW]
                    out[n, f, i, j] = (window * w[f]).sum() + b[f]
    return out

x = ag.randn(2, 3, 7, 7, dtype=ag.float64)
w = ag.randn(4, 3, 3, 3, dtype=ag.float64)
b = ag.randn(4, dtype=ag.float64)
for stride, padding in [(1, 0), (1, 1), (2, 1)]:
    ours = nn.functional.conv2d(x, w, b, stride=stride, padding=padding).numpy()
    loops = conv2d_loops(x.numpy(), w.numpy(), b.numpy(), stride, padding)
    size = (7 - 3 + 2 * padding) // stride + 1
    print(f"stride {stride}, padding {padding}: output {ours.shape}, (W - F + 2P)/S + 1 = {size}, "
          f"largest difference to the loops {np.abs(ours - loops).max():.1e}")
    assert ours.shape == (2, 4, size, size) and np.allclose(ours, loops)   # same numbers

# %% [markdown]
# The backward pass of a convolution is again a convolution (of the upstream gradient with
# the flipped filters for the input, with the input for the filters), and the engine composes
# it; `ag.gradcheck` confirms it in float64, for the input, the filters and the bias at once:

# %%
xs = ag.randn(1, 2, 5, 5, dtype=ag.float64, requires_grad=True)
ws = ag.randn(3, 2, 3, 3, dtype=ag.float64, requires_grad=True)
bs = ag.randn(3, dtype=ag.float64, requires_grad=True)
ok = ag.gradcheck(lambda a, f, c: nn.functional.conv2d(a, f, c, stride=2, padding=1), (xs, ws, bs))
print("gradcheck of conv2d (stride 2, padding 1):", ok)
assert ok

# %% [markdown]
# Parameter sharing is what makes the layer small. The first layer of the CNN below has 16
# filters of 5x5 over one channel: 16 * 25 + 16 = 416 parameters, whatever the image size.
# A fully connected layer producing the same 16 x 8 x 8 outputs from an 8x8 image would need
# 64 * 1024 + 1024 = 66,560.

# %%
conv = nn.Conv2d(1, 16, kernel_size=5, padding=2)
n_conv = sum(p.numel() for p in conv.parameters())
print(f"Conv2d(1, 16, 5, padding=2): {n_conv} parameters, output {tuple(conv(ag.zeros(1, 1, 8, 8)).shape)}")
assert n_conv == 416

# %% [markdown]
# ## Max pooling and its gradient
#
# `nn.MaxPool2d(2)` keeps the largest value of every 2x2 block, halving each side. Its local
# gradient is a *router*: the upstream gradient of each block goes entirely to the position
# that won the max, and every other position gets 0 (notes: *"the backward pass for a
# max(x, y) operation ... routing the gradient to the input that had the highest value"*).

# %%
grid = ag.tensor([[1., 3., 2., 0.],
                  [4., 2., 1., 5.],
                  [0., 1., 7., 2.],
                  [6., 2., 3., 1.]], requires_grad=True)
pooled = nn.functional.max_pool2d(grid.reshape(1, 1, 4, 4), 2)
upstream = ag.tensor([[10., 20.], [30., 40.]])
pooled.backward(upstream.reshape(1, 1, 2, 2))
print("input:\n", grid.numpy())
print("max of each 2x2 block:\n", pooled.numpy()[0, 0])
print("gradient with upstream [[10, 20], [30, 40]]:\n", grid.grad.numpy())
assert np.array_equal(pooled.numpy()[0, 0], [[4, 5], [6, 7]])
expected = np.zeros((4, 4)); expected[1, 0], expected[1, 3], expected[3, 0], expected[2, 2] = 10, 20, 30, 40
assert np.array_equal(grid.grad.numpy(), expected)        # all of it to the winners, 0 elsewhere

# %% [markdown]
# ## BatchNorm2d: one mean and variance per channel
#
# For images `(N, C, H, W)`, `nn.BatchNorm2d(C)` normalizes each **channel** with statistics
# over the batch *and* every position, `(N, H, W)`: a channel is the response of one filter,
# and the filter is the same at every position, so all its positions share one mean, one
# variance, one `gamma` and one `beta`. Checked in numpy on 8 feature maps of 3 channels
# with very different scales:

# %%
maps = ag.tensor((np.array([5.0, -1.0, 0.0])[None, :, None, None]
                  + np.array([2.0, 0.1, 30.0])[None, :, None, None]
                  * ag.get_rng().standard_normal((8, 3, 6, 6))).astype(np.float32))
bn2 = nn.BatchNorm2d(3)
out = bn2(maps).numpy()
m = maps.numpy()
by_hand = (m - m.mean(axis=(0, 2, 3), keepdims=True)) / np.sqrt(m.var(axis=(0, 2, 3), keepdims=True) + bn2.eps)
print("per-channel mean after BatchNorm2d:", np.round(out.mean(axis=(0, 2, 3)), 5))
print("per-channel std after BatchNorm2d: ", np.round(out.std(axis=(0, 2, 3)), 4))
print("gamma and beta have one entry per channel:", tuple(bn2.weight.shape), tuple(bn2.bias.shape))
assert np.allclose(out, by_hand, atol=1e-4)           # statistics over (N, H, W), per channel
assert bn2.weight.shape == (3,) and bn2.running_mean.shape == (3,)

# %% [markdown]
# ### The normalization family
#
# BatchNorm's relatives differ only in **which axes they average over** - and therefore in
# whether an example's output depends on the other examples of the batch:
#
# | layer | statistics over | depends on the batch? |
# | --- | --- | --- |
# | `BatchNorm2d(C)` | `(N, H, W)`, per channel | yes (running averages in eval mode) |
# | `LayerNorm((C, H, W))` | `(C, H, W)`, per example | no |
# | `InstanceNorm2d(C)` | `(H, W)`, per example and channel | no |
# | `GroupNorm(G, C)` | `(C / G channels, H, W)`, per example and group | no |
#
# GroupNorm with one group is LayerNorm over `(C, H, W)`; with `G = C` it is InstanceNorm.
# The ones that do not depend on the batch behave the same in training and evaluation and
# work with a batch of one (LayerNorm is the norm of Transformers). Each checked against numpy:

# %%
def normalize(a, axes):
    return (a - a.mean(axis=axes, keepdims=True)) / np.sqrt(a.var(axis=axes, keepdims=True) + 1e-5)

x6 = ag.randn(4, 6, 5, 5)
a = x6.numpy()
layers = {
    "BatchNorm2d(6)": (nn.BatchNorm2d(6), normalize(a, (0, 2, 3))),
    "LayerNorm((6, 5, 5))": (nn.LayerNorm((6, 5, 5)), normalize(a, (1, 2, 3))),
    "InstanceNorm2d(6)": (nn.InstanceNorm2d(6), normalize(a, (2, 3))),
    "GroupNorm(2, 6)": (nn.GroupNorm(2, 6), normalize(a.reshape(4, 2, 3, 5, 5), (2, 3, 4)).reshape(a.shape)),
    "GroupNorm(1, 6)": (nn.GroupNorm(1, 6), normalize(a, (1, 2, 3))),
    "GroupNorm(6, 6)": (nn.GroupNorm(6, 6), normalize(a, (2, 3))),
}
for name, (layer, want) in layers.items():
    got = layer(x6).numpy()
    alone = layer(x6[:1]).numpy()[0] if not name.startswith("Batch") else None
    batch_free = alone is not None and np.allclose(alone, got[0], atol=1e-5)
    print(f"{name:>21}: matches numpy {np.allclose(got, want, atol=1e-4)}; "
          f"example 0 alone gives the same output: {batch_free}")
    assert np.allclose(got, want, atol=1e-4)
    assert batch_free == (not name.startswith("Batch"))    # only BatchNorm mixes the batch

# %% [markdown]
# ## A small CNN on the digits
#
# The digits as 1-channel 8x8 images, pixel values scaled to 0..1, the same split as in
# notebook 4. Two blocks of `Conv2d -> BatchNorm2d -> ReLU -> MaxPool2d`, then a linear
# classifier on the 16 x 2 x 2 features:
#
#     (N, 1, 8, 8) -conv 5x5-> (N, 16, 8, 8) -pool-> (N, 16, 4, 4)
#                  -conv 3x3-> (N, 16, 4, 4) -pool-> (N, 16, 2, 2) -> 64 -> 10
#
# (The first convolution has no bias: BatchNorm2d subtracts each channel's mean right after,
# which would cancel it - notebook 6 shows the gradient such a bias gets.)

# %%
X, y = load_digits()
images = (X / 16.0).reshape(-1, 1, 8, 8).astype(np.float32)
(Xtr, ytr), (Xva, yva), (Xte, yte) = train_val_test_split(images, y, val=0.15, test=0.15,
                                                          seed=0, stratify=y)

def make_cnn():
    return nn.Sequential(
        nn.Conv2d(1, 16, kernel_size=5, padding=2, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 16, kernel_size=3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64, 10))

ag.manual_seed(0)
untrained = make_cnn()
ag.manual_seed(0)
cnn = make_cnn()
n_params = sum(p.numel() for p in cnn.parameters())
mlp_params = 64 * 128 + 128 + 128 * 10 + 10              # notebook 4's MLP
print(f"CNN: {n_params} parameters (notebook 4's MLP: {mlp_params})")
assert n_params < mlp_params / 2.5                 # "about a third of the MLP's parameters"

loss_fn = nn.CrossEntropyLoss()
opt = optim.Adam(cnn.parameters(), lr=3e-3)
val_loader = DataLoader((Xva, yva), batch_size=512)
history = []
for epoch in range(1, 11):
    cnn.train()
    for xb, yb in DataLoader((Xtr, ytr), batch_size=64, shuffle=True, seed=epoch):
        opt.zero_grad()
        loss_fn(cnn(xb), yb).backward()
        opt.step()
    history.append((*evaluate(cnn, loss_fn, DataLoader((Xtr, ytr), batch_size=512)),
                    *evaluate(cnn, loss_fn, val_loader)))
    if epoch in (1, 2, 5, 10):
        print(f"epoch {epoch:2d}: train loss {history[-1][0]:.3f} acc {history[-1][1]:.3f} | "
              f"val loss {history[-1][2]:.3f} acc {history[-1][3]:.3f}")

history = np.array(history)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3))
ax1.semilogy(history[:, 0], "o-", ms=3, label="train"); ax1.semilogy(history[:, 2], "o-", ms=3, label="validation")
ax2.plot(history[:, 1], "o-", ms=3, label="train"); ax2.plot(history[:, 3], "o-", ms=3, label="validation")
ax1.set_title("loss"); ax2.set_title("accuracy")
for ax in (ax1, ax2):
    ax.set_xlabel("epoch"); ax.legend(fontsize=8)
plt.tight_layout()
plt.show()

test_loss, test_acc = evaluate(cnn, loss_fn, DataLoader((Xte, yte), batch_size=512))
_, chance_acc = evaluate(untrained, loss_fn, DataLoader((Xte, yte), batch_size=512))
print(f"test accuracy: trained CNN {test_acc:.3f}, the same network untrained {chance_acc:.3f}")
assert test_acc > 0.95 and history[-1, 3] > 0.95      # accurate on held-out digits ...
assert chance_acc < 0.3                               # ... and not by luck of the initialization

# %% [markdown]
# With about a third of the MLP's parameters, the CNN does at least as well as the MLP of
# notebook 4 (98% on the same test digits). On 8x8 digits there is little for convolutions to gain;
# on real photographs, where the same edge appears anywhere in a 224x224 image, sharing the
# filters is what makes learning possible at all.
#
# ## The first-layer filters, trained and untrained
#
# Each first-layer filter is a 5x5 image: the pattern its channel responds to. Left, the 16
# filters of the untrained network (random, as initialized); middle, the same 16 filters
# after training, which started from exactly those values (same seed); right, what training
# added, `trained - untrained`. Each filter is shown on its own symmetric colour scale (red
# positive, blue negative).

# %%
def filter_grid(ax_grid, weights, title):
    for k, ax in enumerate(ax_grid.flat):
        f = weights[k, 0]
        lim = np.abs(f).max()
        ax.imshow(f, cmap="RdBu_r", vmin=-lim, vmax=lim)
        ax.set_xticks([]); ax.set_yticks([])
    ax_grid.flat[0].set_title(title, fontsize=9, loc="left")

before = untrained[0].weight.numpy()
after = cnn[0].weight.numpy()
fig = plt.figure(figsize=(13, 2.2))
for sub, (weights, title) in zip(fig.subfigures(1, 3), [(before, "untrained"), (after, "trained"),
                                                        (after - before, "trained - untrained")]):
    filter_grid(sub.subplots(2, 8), weights, title)
plt.show()

def roughness(f):
    """Mean squared difference between neighbouring pixels, relative to the filter's variance."""
    d = np.diff(f, axis=-1) ** 2, np.diff(f, axis=-2) ** 2
    return float((d[0].mean() + d[1].mean()) / (2 * f.var()))

rough_before = np.mean([roughness(f[0]) for f in before])
rough_after = np.mean([roughness(f[0]) for f in after])
rough_delta = np.mean([roughness(f[0]) for f in after - before])
change = np.linalg.norm(after - before) / np.linalg.norm(before)
print(f"filters moved by {change:.0%} of their initial norm; roughness (neighbour differences / "
      f"variance): untrained {rough_before:.2f}, trained {rough_after:.2f}, "
      f"the change alone {rough_delta:.2f}")
assert 0.3 < change < 1.0                   # training changed the filters, but did not replace them
assert rough_delta < 0.85 * rough_before    # what it added is smoother than the random start

# %% [markdown]
# The untrained filters are independent random numbers, pixel by pixel: neighbouring
# weights are unrelated (a roughness near 2, the value for white noise). Do not expect the
# crisp edge detectors of a large network trained on photographs: here the trained filters
# still look mostly random. Training moved them by about half their initial norm, and the
# random start is still there underneath. Two reasons: on 8x8 digits a 5x5 filter covers most
# of the image, so there are few local patterns to specialise in; and the BatchNorm2d right
# after the convolution makes the filter's scale irrelevant, so nothing pushes the random
# part away (notebook 4 shows weight decay doing that). What training *added* (right) is
# smoother than noise - neighbouring weights agree - and several changes are oriented bars
# and blobs of one sign next to the other, stroke detectors at the scale of a pen stroke.
# What each channel responds to on an actual digit:

# %%
digit = ag.tensor(Xte[:1])
with ag.no_grad():
    cnn.eval()
    responses = cnn[2](cnn[1](cnn[0](digit))).numpy()[0]       # after conv, BatchNorm, ReLU
fig, axes = plt.subplots(2, 9, figsize=(10, 2.6))
axes[0, 0].imshow(Xte[0, 0], cmap="gray_r"); axes[0, 0].set_title(f"digit {yte[0]}", fontsize=9)
axes[1, 0].axis("off")
for k, ax in enumerate(axes[:, 1:].flat):
    ax.imshow(responses[k], cmap="viridis")
    ax.set_title(f"channel {k}", fontsize=7)
for ax in axes.flat:
    ax.set_xticks([]); ax.set_yticks([])
plt.tight_layout()
plt.show()
assert responses.shape == (16, 8, 8) and (responses >= 0).all()   # 16 maps of 8x8, after ReLU

# %% [markdown]
# ## Try it
#
# * Remove the BatchNorm2d layers and retrain: how many epochs to the same accuracy?
# * Replace `MaxPool2d(2)` by `nn.AvgPool2d(2)`, or by a convolution with `stride=2`.
# * Give the first convolution 3x3 filters, or 32 of them, and look at the filters again.
# * Swap `BatchNorm2d(16)` for `GroupNorm(4, 16)` and train with a batch size of 4.
