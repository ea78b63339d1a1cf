# %% [markdown]
# # 4. Training an MLP, the careful way
#
# Karpathy's recipe, as the lecture notes summarise it: *understand your data, fix the random
# seed, verify the loss at initialization, overfit one small batch, then train and watch
# the curves*. This notebook follows it on the 8x8 hand-written digits (1797 images,
# 10 classes, shipped with `training.datasets`):
#
# 1. look at the data, split it into train / validation / test;
# 2. standardize with statistics of the **training split only** (and a look at PCA and
#    whitening);
# 3. sanity checks: the initial loss should be `ln 10 = 2.302` (chance for 10 classes),
#    adding regularization should raise it, and the model must be able to memorise a tiny
#    subset;
# 4. train, plot loss and accuracy on train and validation, report the test accuracy once.

# %%
from threadpoolctl import threadpool_limits
threadpool_limits(1)   # one BLAS thread: small matrices gain nothing from more, and a busy
                       # machine makes extra threads wait (10x slower here with the default)
import math
import numpy as np
import matplotlib.pyplot as plt
from glassgrad import autograd as ag
import glassgrad.viz  # noqa: F401  (ag.viz)
from glassgrad import nn
from glassgrad import optim
from glassgrad import training
from glassgrad.training import DataLoader, PCA, Standardizer, Whitening, evaluate, train_val_test_split
from glassgrad.training.datasets import load_digits
from glassgrad.training.plots import first_layer

ag.manual_seed(0)
plt.rcParams.update({"figure.dpi": 80, "figure.figsize": (6.4, 3.6)})

# %% [markdown]
# ## The data
#
# Each example is 64 pixel intensities from 0 to 16. Look at some before doing anything
# else, and check the classes are balanced.

# %%
X, y = load_digits()
print("X", X.shape, X.dtype, f"pixel range {X.min():g}..{X.max():g};  y", y.shape, y.dtype)
print("examples per class:", np.bincount(y))
assert X.shape == (1797, 64) and X.min() == 0 and X.max() == 16      # as described above
assert np.bincount(y).min() > 0.95 * np.bincount(y).max()             # balanced classes

fig, axes = plt.subplots(2, 10, figsize=(8, 2))
for k, ax in enumerate(axes.flat):
    i = np.flatnonzero(y == k % 10)[k // 10]
    ax.imshow(X[i].reshape(8, 8), cmap="gray_r")
    ax.set_title(str(y[i]), fontsize=9)
    ax.axis("off")
plt.show()

# %% [markdown]
# Split once, with a fixed seed, keeping the class balance in every part (`stratify`). The
# test split is put aside until the very end: every decision (architecture, learning rate,
# when to stop) is made on the validation split.

# %%
(Xtr, ytr), (Xva, yva), (Xte, yte) = train_val_test_split(X, y, val=0.15, test=0.15,
                                                          seed=0, stratify=y)
print(f"train {len(ytr)}, validation {len(yva)}, test {len(yte)}")
assert all(np.bincount(part).min() >= 0.9 * np.bincount(part).max() for part in (ytr, yva, yte))

# %% [markdown]
# ## Standardize with the training statistics
#
# Zero mean and unit variance per feature make the loss surface rounder and gradient
# descent better behaved. The mean and standard deviation must come from the **training
# split alone** and then be applied unchanged to validation and test (notes: *"mean and
# standard deviation from the train set must also be applied to test set"*): using all the
# data would let the held-out examples leak into the preprocessing.
#
# After the transform the training features have mean 0 and std 1 exactly; the validation
# and test features only approximately, which is expected.

# %%
scaler = Standardizer().fit(Xtr)
Ztr, Zva, Zte = scaler.transform(Xtr), scaler.transform(Xva), scaler.transform(Xte)
varying = scaler.std_ != 1.0          # pixels that are constant in training are only centred
for name, Z in [("train", Ztr), ("validation", Zva), ("test", Zte)]:
    print(f"{name:>10}: mean of feature means {Z[:, varying].mean(0).mean(): .4f}, "
          f"mean of feature stds {Z[:, varying].std(0).mean():.4f}")
print(f"{(~varying).sum()} pixels are constant in the training split (std taken as 1)")
worst = int(np.argmax(Zva.std(0)))
print(f"largest std of a standardized feature on validation: {Zva.std(0)[worst]:.2f} "
      f"(pixel {worst}, whose training std is {scaler.std_[worst]:.3f})")
assert np.allclose(Ztr[:, varying].mean(0), 0, atol=1e-5) and np.allclose(Ztr[:, varying].std(0), 1, atol=1e-4)
assert Zva.std(0)[worst] > 2 and scaler.std_[worst] < 0.1     # the catch discussed next

# %% [markdown]
# One catch, visible in the last line: a pixel that is almost constant in the training split
# (nearly always 0) is divided by a tiny standard deviation, so the few held-out images that
# do use it get very large values. With images, whose pixels all share one unit, a single
# mean and std over all pixels (`Standardizer(per_feature=False)`) avoids this; the notes call
# per-feature scaling "not strictly necessary" for images. We keep per-feature scaling
# below (see "Try it").

# %% [markdown]
# ### PCA and whitening
#
# Two further steps from the notes, also fit on the training split only. **PCA** rotates the
# centred data onto the eigenvectors of its covariance, sorted by variance, so that keeping
# the first k coordinates keeps as much variance as k dimensions can. **Whitening** then
# divides each coordinate by its standard deviation: the training data gets the identity
# covariance. Both work on the raw pixels (they centre the data themselves). (The notes:
# not used with ConvNets; the MLP below keeps the standardized pixels.)

# %%
pca = PCA().fit(Xtr)
cumulative = np.cumsum(pca.explained_variance_ratio_)
for share in (0.5, 0.9, 0.99):
    print(f"{int(np.searchsorted(cumulative, share) + 1):2d} of 64 components keep {share:.0%} of the variance")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.4))
ax1.plot(np.arange(1, 65), cumulative, ".-")
ax1.set_xlabel("components kept"); ax1.set_ylabel("fraction of variance")
P = PCA(n_components=2).fit(Xtr).transform(Xtr)
points = ax2.scatter(P[:, 0], P[:, 1], c=ytr, cmap="tab10", s=5)
ax2.set_title("training digits on the first two principal axes", fontsize=9)
fig.colorbar(points, ax=ax2, label="digit")
plt.tight_layout()
plt.show()

white = Whitening(n_components=30).fit(Xtr)
for name, Z in [("train", Xtr), ("validation", Xva)]:
    W = white.transform(Z)
    C = np.cov(W, rowvar=False, bias=True)
    off = np.abs(C - np.diag(np.diag(C))).max()
    print(f"{name:>10}, whitened (30 dims): covariance diagonal {np.diag(C).min():.3f}..{np.diag(C).max():.3f},"
          f" largest off-diagonal {off:.3f}")
    if name == "train":
        assert np.allclose(C, np.eye(30), atol=1e-3)     # identity covariance on the training split

# %% [markdown]
# ## The model, and the loss at initialization
#
# A 2-layer MLP: 64 inputs, 128 ReLU units, 10 class scores. With small random weights the
# scores are all close to 0, the softmax is nearly uniform, and the cross-entropy is
# `-ln(1/10) = ln 10`. If the first loss is far from that, something is off before training
# even starts (notes: *"For a softmax classifier with 10 classes ... we would expect the
# initial loss to be 2.302"*).

# %%
def make_model():
    return nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))

ag.manual_seed(0)
model = make_model()
loss_fn = nn.CrossEntropyLoss()
print(f"ln 10 = {math.log(10):.4f}")
initial = training.check_initial_loss(model, loss_fn, Ztr, ytr)
print(initial)
assert initial.passed and abs(initial.loss - math.log(10)) < 0.1     # close to ln 10

# %% [markdown]
# What a bad initialization looks like: the same model with its last layer's weights 20 times
# too large is confidently wrong on most examples, and its initial loss is far above ln 10.

# %%
ag.manual_seed(0)
loud = make_model()
with ag.no_grad():
    loud[2].weight.mul_(20.0)
loud_initial = training.check_initial_loss(loud, loss_fn, Ztr, ytr)
print(loud_initial)
assert not loud_initial.passed and loud_initial.loss > 2 * math.log(10)   # far above ln 10

# %% [markdown]
# Second sanity check: adding an L2 penalty `0.5 * strength * sum(W**2)` must raise the loss,
# more for larger strengths.

# %%
reg_check = training.check_regularization(model, loss_fn, Ztr, ytr)
print(reg_check)
assert reg_check.passed             # the loss rises with the strength

# %% [markdown]
# ## Overfit a tiny subset
#
# A model with enough capacity must be able to drive the loss to (nearly) zero on 20 examples,
# with regularization off. If it cannot, there is a bug - frozen layers, a wrong loss, a
# learning rate of zero - and training on the full data would only hide it.
# `check_overfit` trains a copy of the model, so `model` stays untouched.

# %%
result = training.check_overfit(model, loss_fn, Ztr, ytr, n=20,
                                optimizer=lambda ps: optim.Adam(ps, lr=3e-3), steps=500,
                                target_loss=1e-3)
print(result)
assert result.passed                 # 20 examples memorised: loss below 1e-3
plt.semilogy(result.losses)
plt.xlabel("step (full batch of 20 examples)")
plt.ylabel("training loss")
plt.title("overfitting 20 examples")
plt.show()

# %% [markdown]
# ## Training
#
# Now the real run: mini-batches of 64, reshuffled every epoch, and Adam. The notes suggest
# starting at a learning rate of `3e-4`; for this small problem and a budget of 25 epochs we
# use `1e-3` (try `3e-4` and compare the curves). After every epoch we evaluate on the
# validation split (eval mode, no graph).

# %%
ag.manual_seed(0)
model = make_model()
optimizer = optim.Adam(model.parameters(), lr=1e-3)
train_loader = DataLoader((Ztr, ytr), batch_size=64, shuffle=True, seed=0)
val_loader = DataLoader((Zva, yva), batch_size=512)

curves = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": []}
batch_losses = []
for epoch in range(1, 26):
    model.train()
    for xb, yb in train_loader:
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
        batch_losses.append(loss.item())
    train_loss, train_acc = evaluate(model, loss_fn, DataLoader((Ztr, ytr), batch_size=512))
    val_loss, val_acc = evaluate(model, loss_fn, val_loader)
    for key, value in zip(curves, (train_loss, train_acc, val_loss, val_acc)):
        curves[key].append(value)
    if epoch % 5 == 0 or epoch == 1:
        print(f"epoch {epoch:2d}: train loss {train_loss:.4f} acc {train_acc:.3f} | "
              f"val loss {val_loss:.4f} acc {val_acc:.3f}")

# %% [markdown]
# The curves. Left: the loss of every mini-batch (noisy, because each batch is a small
# sample) and the per-epoch losses on the whole training and validation splits. Right:
# accuracies. The gap between the training and validation curves measures overfitting.

# %%
epochs = np.arange(1, len(curves["train_loss"]) + 1)
steps_per_epoch = len(train_loader)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.6))
ax1.plot(np.arange(1, len(batch_losses) + 1) / steps_per_epoch, batch_losses, lw=0.6,
         alpha=0.5, label="mini-batch loss")
ax1.plot(epochs, curves["train_loss"], "o-", ms=3, label="train loss")
ax1.plot(epochs, curves["val_loss"], "o-", ms=3, label="validation loss")
ax1.axhline(math.log(10), color="k", ls=":", lw=0.8, label="ln 10 (chance)")
ax1.set_yscale("log")
ax1.set_xlabel("epoch")
ax1.legend(fontsize=8)
ax2.plot(epochs, curves["train_acc"], "o-", ms=3, label="train accuracy")
ax2.plot(epochs, curves["val_acc"], "o-", ms=3, label="validation accuracy")
ax2.set_xlabel("epoch")
ax2.legend(fontsize=8)
plt.tight_layout()
plt.show()
best = int(np.argmax(curves["val_acc"]))
print(f"best validation accuracy {curves['val_acc'][best]:.3f} at epoch {best + 1}; "
      f"final train/validation accuracy {curves['train_acc'][-1]:.3f} / {curves['val_acc'][-1]:.3f}")
assert curves["val_acc"][best] > 0.96 and curves["train_acc"][-1] >= curves["val_acc"][-1]   # a gap

# %% [markdown]
# ## The test set, once
#
# Only now, with every choice made, do we touch the test split.

# %%
test_loss, test_acc = evaluate(model, loss_fn, DataLoader((Zte, yte), batch_size=512))
print(f"test loss {test_loss:.4f}, test accuracy {test_acc:.3f} "
      f"({round(test_acc * len(yte))} of {len(yte)} digits)")
assert test_acc > 0.95

with ag.no_grad():
    model.eval()
    pred = model(ag.tensor(Zte)).numpy().argmax(1)
wrong = np.flatnonzero(pred != yte)
fig, axes = plt.subplots(1, min(8, len(wrong)) or 1, figsize=(8, 1.4), squeeze=False)
for ax, i in zip(axes.flat, wrong[:8]):
    ax.imshow(Xte[i].reshape(8, 8), cmap="gray_r")
    ax.set_title(f"{yte[i]} -> {pred[i]}", fontsize=9)
for ax in axes.flat:
    ax.axis("off")
fig.suptitle("misclassified test digits (true -> predicted)", fontsize=9)
plt.show()

# %% [markdown]
# ## First-layer weights
#
# Each hidden unit's 64 incoming weights can be drawn as an 8x8 image: the pixel pattern the
# unit responds to. The notes list this among the things to look at: a well-trained,
# well-regularized network on images has smooth, structured first-layer features, and
# noisy ones hint at too little training or regularization. With 8x8 inputs, 25 epochs and
# no regularization, judge for yourself:

# %%
fig = first_layer(model, max_units=32)
fig.set_size_inches(8, 4)
plt.show()

# %% [markdown]
# ### With and without weight decay
#
# The same training run, once more with decoupled weight decay (`optim.AdamW`,
# `weight_decay=2`: every step multiplies the weights by `1 - lr * 2`, on top of Adam's
# update; notebook 6 explains why AdamW rather than an L2 term under Adam). Side by side, the
# first 16 hidden units of each network, on one shared colour scale (grey = 0) so that the
# sizes compare too. Weight decay removes what the data does not keep asking for: the
# weights are smaller overall and less noisy, and the strokes that remain are the ones the
# data keeps pushing back up. The cleanest case is the 3 pixels that are constant in the
# training split: standardized, they are always 0, so their weights get no gradient from the
# data at all. Without decay those weights keep their random initial values forever; with
# it they shrink by exactly `(1 - lr * weight_decay)` per step.

# %%
def train_digits(make_optimizer, epochs=25):
    ag.manual_seed(0)
    net = make_model()
    opt = make_optimizer(net.parameters())
    for _ in range(epochs):
        net.train()
        for xb, yb in DataLoader((Ztr, ytr), batch_size=64, shuffle=True, seed=0):
            opt.zero_grad()
            loss_fn(net(xb), yb).backward()
            opt.step()
    return net

decayed = train_digits(lambda ps: optim.AdamW(ps, lr=1e-3, weight_decay=2.0))
panels = {"no weight decay (the model above)": model, "AdamW, weight_decay=2": decayed}
scale = max(np.abs(m[0].weight.numpy()[:16]).max() for m in panels.values())
fig, axes = plt.subplots(4, 8, figsize=(9, 4.8))
for block, (title, net) in enumerate(panels.items()):
    W1 = net[0].weight.numpy()[:16]
    for k, ax in enumerate(axes[2 * block: 2 * block + 2].flat):
        ax.imshow(W1[k].reshape(8, 8), cmap="RdBu_r", vmin=-scale, vmax=scale)
        ax.set_xticks([]); ax.set_yticks([])
    axes[2 * block, 0].set_title(title, fontsize=9, loc="left")
plt.tight_layout()
plt.show()

dead_pixels = ~varying
steps = 25 * len(DataLoader((Ztr, ytr), batch_size=64))
for title, net in panels.items():
    W1 = net[0].weight.numpy()
    print(f"{title:>34}: mean |w| {np.abs(W1).mean():.4f}; on the constant pixels "
          f"{np.abs(W1[:, dead_pixels]).mean():.4f}")
shrink = np.abs(decayed[0].weight.numpy()[:, dead_pixels]).mean() / np.abs(model[0].weight.numpy()[:, dead_pixels]).mean()
print(f"constant-pixel weights, with / without decay: {shrink:.4f};"
      f"  (1 - 1e-3 * 2) ** {steps} steps = {(1 - 2e-3) ** steps:.4f}")
dec_loss, dec_acc = evaluate(decayed, loss_fn, DataLoader((Zva, yva), batch_size=512))
print(f"validation accuracy: without {curves['val_acc'][-1]:.3f}, with weight decay {dec_acc:.3f}")
assert np.isclose(shrink, (1 - 2e-3) ** steps, rtol=1e-3)   # pure decay where the data is silent
assert np.abs(decayed[0].weight.numpy()).mean() < 0.8 * np.abs(model[0].weight.numpy()).mean()
assert dec_acc > 0.95                               # decayed, and still accurate

# %% [markdown]
# ## Other losses: the multiclass SVM (hinge) and binary cross-entropy
#
# Softmax cross-entropy is one choice of loss. The notes' other classic is the **multiclass
# SVM** (hinge) loss: for each wrong class j, `max(0, s_j - s_y + margin)` - zero once the
# correct score beats every other by the margin, so well-classified examples stop
# contributing. glassgrad has it as `nn.MultiMarginLoss` (PyTorch's version, which divides
# by the number of classes C). A third option treats the 10 classes as 10 independent yes/no
# questions with **binary cross-entropy** on one-hot targets (`nn.BCEWithLogitsLoss`, the
# sigmoid and the log fused for stability).
#
# The sanity check at initialization applies to each, with its own value at chance: with
# all scores near 0, the hinge loss is `(C - 1) * margin / C = 0.9` and each binary
# cross-entropy is `ln 2 = 0.693`. Then the same training run with each loss:

# %%
onehot = lambda yb: nn.functional.one_hot(yb, 10).float()
losses = {
    "cross-entropy": (nn.CrossEntropyLoss(), lambda yb: yb),
    "multiclass hinge": (nn.MultiMarginLoss(), lambda yb: yb),
    "binary cross-entropy": (nn.BCEWithLogitsLoss(), onehot),
}
for name, (criterion, target) in losses.items():
    ag.manual_seed(0)
    net = make_model()
    with ag.no_grad():
        start = criterion(net(ag.tensor(Ztr)), target(ag.tensor(ytr))).item()
    expected, formula = training.expected_initial_loss(criterion, 10)
    opt = optim.Adam(net.parameters(), lr=1e-3)
    for _ in range(10):
        for xb, yb in DataLoader((Ztr, ytr), batch_size=64, shuffle=True, seed=0):
            opt.zero_grad()
            criterion(net(xb), target(yb)).backward()
            opt.step()
    net.eval()
    with ag.no_grad():
        acc = float((net(ag.tensor(Zva)).numpy().argmax(1) == yva).mean())
    print(f"{name:>21}: initial loss {start:.3f} (at chance: {formula} = {expected:.3f}); "
          f"validation accuracy after 10 epochs {acc:.3f}")
    assert abs(start - expected) < 0.1 * expected and acc > 0.93     # sane start, and it learns

# %% [markdown]
# ## The same training step, captured and replayed
#
# Every training step above runs the same primitives in the same order; only the numbers
# change. `ag.compile(step)` records what one step does on its first two calls (every
# primitive of the forward and backward pass, the gradients it stores, the optimizer's
# `zero_grad()` and `step()`), checks that the two records agree, and from then on replays
# the record as a flat list of numpy calls: no graph is built and no model code runs. The
# results are the same numpy calls on the same values, so the parameters come out **bit for
# bit** identical to eager training. Below, two copies of the model train on the same
# batches, one eagerly and one compiled (`fused=True` keeps Adam's parameters, gradients and
# moments in flat arrays, one vectorised pass per step).

# %%
import time

def make_step(model, opt):
    def step(xb, yb):
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        return loss
    return step

ag.manual_seed(0)
eager_model = make_model()
fast_model = make_model()
fast_model.load_state_dict(eager_model.state_dict())
eager_step = make_step(eager_model, optim.Adam(eager_model.parameters(), lr=1e-3, fused=True))
fast_step = ag.compile(make_step(fast_model, optim.Adam(fast_model.parameters(), lr=1e-3,
                                                        fused=True)))
seconds = {"eager": 0.0, "compiled": 0.0}
for epoch in range(3):
    # drop_last: every batch has 64 rows (a smaller last batch would change the shapes,
    # which the replay checks before running, and capture the step again)
    for xb, yb in DataLoader((Ztr, ytr), batch_size=64, shuffle=True, seed=epoch,
                             drop_last=True):
        for name, step in (("eager", eager_step), ("compiled", fast_step)):
            t0 = time.process_time()
            step(xb, yb)
            seconds[name] += time.process_time() - t0
same = all(np.array_equal(a.numpy(), b.numpy())
           for a, b in zip(eager_model.parameters(), fast_model.parameters()))
print(f"mode: {fast_step.mode}; parameters identical bit for bit: {same}")
print(f"CPU time for 3 epochs: eager {seconds['eager'] * 1e3:.0f} ms, "
      f"compiled {seconds['compiled'] * 1e3:.0f} ms (the first two compiled calls record)")
assert fast_step.mode == "replay" and fast_step.captures == 1 and same

# %% [markdown]
# The program the replay runs, one line per call: the array it writes (`%12`), the primitive
# and what it reads (`in0` is the batch, `p0[128, 64]` a parameter, `c0` a constant such as
# the loss's seed gradient `1`), the shape and dtype of the result, and the preallocated
# buffer `[b3]` it is written into. A buffer is handed to a later call as soon as its array
# is no longer needed, so the forward activations and backward gradients of one shape share
# a few arrays. The weight gradients are written straight into Adam's flat gradient array.

# %%
program = fast_step.program
print(program)
assert sum(c.buffer is not None for c in program.calls) > program.n_buffers   # reuse
assert sum(c.into_optimizer for c in program.calls) == 4      # 2 weights and 2 biases

# %% [markdown]
# And its drawing: one box per call, edges for the arrays (labelled with their names in the
# listing), the batch in green, the parameters in blue, constants dashed; calls that write
# the same buffer share a colour and are chained by dotted `reuses` edges; the pink boxes
# store the gradients, the yellow hexagons are the optimizer's calls.

# %%
ag.viz.draw_program(fast_step)

# %% [markdown]
# ## Try it
#
# * Skip the standardization (train on `Xtr` directly) and compare the curves; then try
#   `Standardizer(per_feature=False)`.
# * Fit the `Standardizer` on *all* of `X` and notice that nothing visibly breaks - the leak
#   is silent, which is why the rule matters.
# * Use `lr=3e-4`, or `optim.SGD(model.parameters(), lr=0.1, momentum=0.9)`.
# * Widen the hidden layer to 512 units and watch the train/validation gap.
