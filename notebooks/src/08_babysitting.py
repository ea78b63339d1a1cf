# %% [markdown]
# # 8. Babysitting a run, searching hyperparameters, ensembling
#
# The last part of the notes is about the training process itself:
#
# * **what to watch** while training: the loss, train and validation accuracy, the
#   **ratio of update to weight magnitudes** (*"should be around 1e-3"*), and the activation
#   and gradient distributions per layer;
# * **hyperparameter search**: *"search for hyperparameters on log scale"*, *"random search,
#   not grid search"*, *"stage search from coarse to fine"*, and beware of best values on the
#   border of the range;
# * **ensembles**: *"train many models, average their predictions"*.
#
# All on the digits, preprocessed as in notebook 4.

# %%
import warnings
import numpy as np
import matplotlib.pyplot as plt
from threadpoolctl import threadpool_limits
threadpool_limits(1)        # one BLAS thread: small matrices, and fast on a busy machine
from glassgrad import autograd as ag
from glassgrad import nn
from glassgrad import optim
from glassgrad.training import (Choice, DataLoader, Ensemble, LogUniform, Monitor, Standardizer,
                      evaluate, fit, random_search, train_val_test_split)
from glassgrad.training.datasets import load_digits

ag.manual_seed(0)
plt.rcParams.update({"figure.dpi": 80, "figure.figsize": (6.4, 3.6)})

X, y = load_digits()
(Xtr, ytr), (Xva, yva), (Xte, yte) = train_val_test_split(X, y, val=0.15, test=0.15,
                                                          seed=0, stratify=y)
scaler = Standardizer().fit(Xtr)
Xtr, Xva, Xte = scaler.transform(Xtr), scaler.transform(Xva), scaler.transform(Xte)
val_loader = DataLoader((Xva, yva), batch_size=512)
loss_fn = nn.CrossEntropyLoss()
print(f"train {len(ytr)}, validation {len(yva)}, test {len(yte)}")

def make_model(hidden=64):
    return nn.Sequential(nn.Linear(64, hidden), nn.ReLU(), nn.Linear(hidden, 10))

# %% [markdown]
# ## The update:weight ratio
#
# The learning rate is the first hyperparameter to get right, and the ratio
# `||update|| / ||weight||` of each weight matrix tells, after a few steps, whether it is in
# the right range: far above 1e-3 the weights are being overwritten at every step (the rate is
# too high), far below they barely move (too low). `training.Monitor` hooks into the model
# and the optimizer and records it at every step, together with the loss, the batch
# accuracy, the gradient norms and the per-layer activation statistics - without a change
# to the training loop.
#
# Three runs of SGD with momentum, two epochs each, at three learning rates:

# %%
def short_run(lr, epochs=2):
    ag.manual_seed(0)
    model = make_model()
    opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    monitor = Monitor(model, opt, criterion=loss_fn, warn=False)
    with np.errstate(all="ignore"):           # the largest rate diverges and overflows
        for epoch in range(epochs):
            for xb, yb in DataLoader((Xtr, ytr), batch_size=32, shuffle=True, seed=epoch):
                opt.zero_grad()
                loss_fn(model(xb), yb).backward()
                opt.step()
    monitor.detach()
    return monitor

monitors = {lr: short_run(lr) for lr in (1e-4, 3e-3, 1.0)}

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.4))
for k, (lr, mon) in enumerate(monitors.items()):
    steps, ratios = mon.ratios("0.weight")
    ax1.semilogy(steps, ratios, color=f"C{k}", label=f"lr {lr:g}")
    steps, losses = mon.losses()
    ax2.plot(steps, losses, color=f"C{k}", lw=0.8, label=f"lr {lr:g}")
ax1.axhline(1e-3, color="k", ls="--", lw=0.8)
ax1.axhspan(*monitors[3e-3].ratio_range, color="0.9", zorder=0)
ax1.set_title("update:weight ratio, first layer (band: Monitor's range)", fontsize=9)
ax1.set_xlabel("step")
ax2.set_title("training loss"); ax2.set_xlabel("step"); ax2.set_yscale("log")
ax1.legend(fontsize=8)
plt.tight_layout()
plt.show()
for lr, mon in monitors.items():
    _, ratios = mon.ratios("0.weight")
    print(f"lr {lr:g}: median ratio {np.median(ratios):.1e}, mean loss of the last 20 steps "
          f"{np.mean(mon.losses()[1][-20:]):.3g}")
    for symptom in mon.warnings:
        print("   monitor:", symptom)

# %% [markdown]
# The smallest rate moves the weights by around 1e-4 of their size per step and the loss
# hardly moves; the largest rewrites a large fraction of each weight matrix at every step and the
# loss blows up. The monitor flags both and says which way to move the rate. The 1e-3 rule
# of thumb locates the right order of magnitude; within it, the validation loss picks the
# value (short runs like these tend to favour the upper end).
#
# ## A run, watched
#
# With a reasonable learning rate, `training.fit` runs the explicit loop for us (validation
# every epoch, early stopping, best weights restored) and feeds the monitor the validation
# metrics. The monitor's figures: the loss, train/validation accuracy and the ratio of every
# weight matrix; then its per-layer table. In this healthy run the ratio starts well above
# 1e-3 while the loss falls fast, and settles towards 1e-3 as training converges.

# %%
ag.manual_seed(0)
model = make_model()
opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
monitor = Monitor(model, opt, criterion=loss_fn, warn=False)
history = fit(model, loss_fn, opt, DataLoader((Xtr, ytr), batch_size=32, shuffle=True, seed=0),
              val_loader, epochs=8, monitor=monitor, progress=False)
monitor.detach()
print(history)
fig = monitor.plot_curves()
fig.set_size_inches(13, 3.4)
plt.show()
print(monitor.layer_table())

# %% [markdown]
# ## Random search on a log scale, coarse to fine
#
# Learning rate and regularization strength act multiplicatively, so they are sampled
# **log-uniformly**: as many trials between 1e-4 and 1e-3 as between 1e-1 and 1. And the
# samples are **random** rather than on a grid: with 9 trials, a 3x3 grid tries only 3
# distinct learning rates, random search tries 9, which matters when one hyperparameter
# matters much more than the other.
#
# The objective trains a model with the sampled learning rate (SGD with momentum), L2
# strength (`weight_decay`) and hidden width, and returns the validation accuracy. Stage 0
# is coarse (wide ranges, 2 epochs per trial); stage 1 narrows the ranges around the best
# trials of stage 0 and trains longer (5 epochs).

# %%
def objective(params, stage):
    ag.manual_seed(0)
    model = make_model(params["hidden"])
    opt = optim.SGD(model.parameters(), lr=params["lr"], momentum=0.9,
                    weight_decay=params["weight_decay"])
    loader = DataLoader((Xtr, ytr), batch_size=64, shuffle=True, seed=0)
    with np.errstate(all="ignore"):          # a diverging trial may overflow: it scores 0
        for _ in range(2 if stage == 0 else 5):
            for xb, yb in loader:
                opt.zero_grad()
                loss_fn(model(xb), yb).backward()
                opt.step()
        _, acc = evaluate(model, loss_fn, val_loader)
    return acc if np.isfinite(acc) else 0.0

space = {"lr": LogUniform(1e-4, 10.0), "weight_decay": LogUniform(1e-6, 1e-1),
         "hidden": Choice([16, 64, 256])}
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    result = random_search(objective, space, n_trials=[16, 8], seed=0, mode="max")
print(result)
print("\nranges per stage:")
for k, ranges in enumerate(result.ranges):
    print(f"  stage {k}: " + ", ".join(f"{name} {dist!r}" for name, dist in ranges.items()))
for w in caught:
    print("warning:", w.message)

# %% [markdown]
# The trials on the log-log plane: the good region is a band of learning rates, fairly
# insensitive to the L2 strength over most of its range. Stage 1 (squares) concentrates
# its trials where stage 0 (circles) did best.

# %%
fig, ax = plt.subplots(figsize=(6.4, 4))
for stage, marker in [(0, "o"), (1, "s")]:
    trials = [t for t in result.trials if t.stage == stage]
    sc = ax.scatter([t.params["lr"] for t in trials], [t.params["weight_decay"] for t in trials],
                    c=[max(1 - t.score, 3e-3) for t in trials], cmap="viridis_r", marker=marker,
                    norm=plt.matplotlib.colors.LogNorm(3e-3, 1),   # error on a log scale: 1% vs 3% readable
                    s=60, edgecolors="k", label=f"stage {stage}")
ax.plot(result.best.params["lr"], result.best.params["weight_decay"], "r+", ms=18, label="best")
ax.set_xscale("log"); ax.set_yscale("log")
ax.set_xlabel("learning rate"); ax.set_ylabel("weight decay (L2)")
fig.colorbar(sc, label="validation error, 1 - accuracy (log scale)")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## Ensembles
#
# Train a configuration five times from different random initializations (and data
# orders), and average the predicted class probabilities. The members make partly different
# mistakes, so the average is usually right more often than a typical member - the notes'
# *"ensembles can basically increase 2% accuracy on anything"*. We judge on the test split,
# untouched until now, and try two kinds of members: the best configuration of the search,
# and a small, cheap one (16 hidden units, 2 epochs).

# %%
Xte_t, yte_t = ag.tensor(Xte), ag.tensor(yte)

def train_members(hidden, epochs, lr, weight_decay, n=5):
    members = []
    for seed in range(n):
        ag.manual_seed(seed)
        m = make_model(hidden)
        opt = optim.SGD(m.parameters(), lr=lr, momentum=0.9, weight_decay=weight_decay)
        for _ in range(epochs):
            for xb, yb in DataLoader((Xtr, ytr), batch_size=64, shuffle=True, seed=seed):
                opt.zero_grad()
                loss_fn(m(xb), yb).backward()
                opt.step()
        members.append(m)
    return members

def test_loss(probs):
    """Mean negative log-probability of the true class."""
    return float(-np.log(np.clip(probs[np.arange(len(yte)), yte], 1e-12, None)).mean())

best_params = result.best.params
kinds = {
    "best configuration": train_members(best_params["hidden"], 5, best_params["lr"],
                                        best_params["weight_decay"]),
    "small and cheap": train_members(16, 2, best_params["lr"], best_params["weight_decay"]),
}
print(f"{'members':>18} | {'member accuracies':^37} | {'mean':>6} {'ensemble':>8} |"
      f" {'mean loss':>9} {'ensemble':>8}")
for name, members in kinds.items():
    ensemble = Ensemble(members)
    accs = ensemble.member_accuracies(Xte_t, yte_t)
    losses = [test_loss(p.numpy()) for p in ensemble.member_predictions(Xte_t)]
    print(f"{name:>18} | {' '.join(f'{a:.4f}' for a in accs)} | {np.mean(accs):.4f} "
          f"{ensemble.accuracy(Xte_t, yte_t):8.4f} | {np.mean(losses):9.4f} "
          f"{test_loss(ensemble(Xte_t).numpy()):8.4f}")
print(f"(one test digit is {1 / len(yte):.2%} of accuracy)")

# %% [markdown]
# How the test accuracy changes with the number of members averaged:

# %%
sizes = list(range(1, 6))
for name, members in kinds.items():
    plt.plot(sizes, [Ensemble(members[:k]).accuracy(Xte_t, yte_t) for k in sizes], "o-",
             label=name)
plt.xlabel("members averaged")
plt.ylabel("test accuracy")
plt.xticks(sizes)
plt.legend(fontsize=8)
plt.title("ensemble size")
plt.show()

# %% [markdown]
# The loss of the averaged probabilities can never exceed the members' average loss (the
# log is concave), so that part of the gain is guaranteed; the accuracy gain is not. It is
# largest when the members are individually weaker and disagree more; strong members on an
# easy problem leave little to gain. Other members the notes list: the top configurations of the search, checkpoints
# of one run (`Ensemble.from_checkpoints`), and a running average of the weights during
# training (`training.ParameterAverage`).

# %% [markdown]
# ## Many models in parallel: a search study that workers share
#
# The notes describe the real thing as many workers that each sample hyperparameters, train,
# and write checkpoints and statistics to a shared file system, with a master that watches
# them. `random_search` does that on [Optuna](https://optuna.org): the trials live in a
# *study* on a storage (here a journal file; a PostgreSQL URL for many machines), `n_jobs=2`
# starts two worker processes (one BLAS thread each), each trial writes its checkpoint and
# training history next to the journal, and `pruner="median"` stops a trial whose
# validation accuracy after an epoch is below the median of the other trials at that epoch
# (`fit(..., trial=trial)` reports each epoch). Workers on other machines join with
#
#     python -m glassgrad.training.search worker --storage URL --study digits \
#         --objective mymodule:train_trial
#
# and anyone can watch with `python -m glassgrad.training.search status --storage URL
# --study digits --plots DIR` (the leaderboard and plots below).

# %%
import os
import tempfile
from IPython.display import Image, display
from glassgrad.training import compare_runs
from glassgrad.training.search import leaderboard, plot_study

runs = tempfile.mkdtemp(prefix="glassgrad-runs-")

def train_trial(params, stage, trial):
    ag.manual_seed(trial.number)
    model = make_model(params["hidden"])
    opt = optim.SGD(model.parameters(), lr=params["lr"], momentum=0.9,
                    weight_decay=params["weight_decay"])
    loader = DataLoader((Xtr, ytr), batch_size=64, shuffle=True, seed=trial.number)
    with np.errstate(all="ignore"):
        history = fit(model, loss_fn, opt, loader, val_loader, epochs=3 + 2 * stage,
                      trial=trial, progress=False)      # checkpoint + history + pruning
    return max(history.val_acc)

space = {"lr": LogUniform(1e-3, 1.0), "weight_decay": LogUniform(1e-6, 1e-2),
         "hidden": Choice([32, 64, 128])}
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    study_result = random_search(train_trial, space, n_trials=[16, 8], seed=1, mode="max",
                                 storage=os.path.join(runs, "search.journal"),
                                 study_name="digits", n_jobs=2, pruner="median")
print(study_result)
print()
print(leaderboard(study_result.study, top=6).replace(runs, "RUNS"))

# %% [markdown]
# The leaderboard names the worker process (host:pid) that ran each trial and its
# checkpoint; pruned trials stopped after one or two epochs. The plots `status --plots`
# writes: the best value so far against the trial number, which hyperparameters mattered
# (importance), and every trial as a line through its values (parallel coordinates).

# %%
for path in plot_study(study_result.study, os.path.join(runs, "plots")):
    display(Image(filename=path))

# %% [markdown]
# The checkpoints make the ensemble of the top trials a one-liner: `Ensemble.from_study`
# builds each member with the trial's hyperparameters and loads its weights.

# %%
top = Ensemble.from_study(lambda p: make_model(p["hidden"]), study_result, k=5)
accs = top.member_accuracies(Xte_t, yte_t)
print("members (trial numbers):", [t.index for t in top.trials])
print("member test accuracies:", " ".join(f"{a:.4f}" for a in accs))
print(f"ensemble of the top 5: {top.accuracy(Xte_t, yte_t):.4f}")

# %% [markdown]
# Is one setting really better, or was it the seed? Train both on the same eight seeds and
# test the paired differences with the Wilcoxon signed-rank test (no assumption that they
# are normally distributed). Here: momentum 0.9 against 0.5 at the best learning rate, for
# two epochs.

# %%
def val_accuracy(momentum, seed, p=study_result.best.params):
    ag.manual_seed(seed)
    m = make_model(p["hidden"])
    opt = optim.SGD(m.parameters(), lr=p["lr"], momentum=momentum,
                    weight_decay=p["weight_decay"])
    with np.errstate(all="ignore"):
        for _ in range(2):
            for xb, yb in DataLoader((Xtr, ytr), batch_size=64, shuffle=True, seed=seed):
                opt.zero_grad()
                loss_fn(m(xb), yb).backward()
                opt.step()
    return evaluate(m, loss_fn, val_loader)[1]

seeds = range(8)
a = [val_accuracy(0.9, s) for s in seeds]
b = [val_accuracy(0.5, s) for s in seeds]
print("momentum 0.9:", " ".join(f"{v:.4f}" for v in a))
print("momentum 0.5:", " ".join(f"{v:.4f}" for v in b))
print(compare_runs(a, b, mode="max"))

# %% [markdown]
# ## Try it
#
# * Rerun the search with `LogUniform(1e-2, 10.0)` for the learning rate: the best value
#   may then sit at the border, and `random_search` warns that a better one may lie beyond.
# * Replace SGD by Adam in `objective` and compare the good learning-rate band.
# * Use the top 5 trials of the search as the ensemble members instead of 5 seeds.
# * Run the parallel search with `sampler="tpe"` (Bayesian optimization) and compare its
#   leaderboard; watch it from a terminal with `python -m glassgrad.training.search status
#   --storage RUNS/search.journal --study digits` while it runs.
