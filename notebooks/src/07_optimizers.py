# %% [markdown]
# # 7. Optimizers and learning-rate schedules
#
# The lecture notes describe the difficulty of optimization with two pictures:
#
# * the **taco shell**: *"the loss changes quickly in one direction and slowly in another. In
#   that case SGD will start zigzagging, resulting in a very slow learning"*;
# * narrow curved valleys and saddle points, where the gradient points mostly across the
#   valley rather than along it. The **Rosenbrock** function `(1 - x)^2 + 100 (y - x^2)^2`
#   is the classic example: a banana-shaped valley with its minimum at (1, 1).
#
# Then the cures: **momentum** and **Nesterov** momentum (keep moving in the direction you
# were going), per-parameter adaptive learning rates (**Adagrad**, **RMSprop**, **Adadelta**)
# and **Adam** (*"RMSProp with momentum"*), plus **annealing** the learning rate over time.
# Every optimizer below is glassgrad's `optim` class, driven by gradients from the engine,
# on a 2-D parameter so that its path can be drawn.

# %%
import math
import warnings
import numpy as np
import matplotlib.pyplot as plt
from glassgrad import autograd as ag
from glassgrad import optim
from glassgrad.optim import lr_scheduler

ag.manual_seed(0)
plt.rcParams.update({"figure.dpi": 80, "figure.figsize": (6.4, 3.6)})

# %% [markdown]
# ## Why plain SGD struggles on a taco shell
#
# The taco shell here is `f(x, y) = 0.01 x^2 + y^2`: its curvature is 100 times larger across
# (y) than along (x). SGD multiplies the y coordinate by `1 - 2 lr` and the x coordinate by
# `1 - 0.02 lr` at every step. The steep direction caps the learning rate (above 1, y diverges; above 0.5
# it overshoots and zigzags), and at any rate it allows, the shallow direction crawls.

# %%
def taco(p):
    return 0.01 * p[0] ** 2 + p[1] ** 2

def run_sgd(lr, steps=40, start=(-9.0, 2.0)):
    p = ag.tensor(np.array(start), requires_grad=True)       # float64
    opt = optim.SGD([p], lr=lr)
    path = [p.numpy().copy()]
    for _ in range(steps):
        opt.zero_grad()
        taco(p).backward()
        opt.step()
        path.append(p.numpy().copy())
    return np.array(path)

gx, gy = np.meshgrid(np.linspace(-10, 10, 200), np.linspace(-3, 3, 200))
fig, ax = plt.subplots(figsize=(8, 3))
ax.contour(gx, gy, 0.01 * gx ** 2 + gy ** 2, levels=12, colors="0.8", linewidths=0.6)
for lr, color in [(0.1, "C0"), (0.4, "C1"), (0.9, "C3")]:
    path = run_sgd(lr)
    ax.plot(path[:, 0], path[:, 1], ".-", color=color, lw=1, ms=3,
            label=f"lr {lr}: after 40 steps f = {0.01 * path[-1, 0] ** 2 + path[-1, 1] ** 2:.3f}")
ax.plot(0, 0, "k*", ms=10)
ax.set_title("SGD on the taco shell")
ax.legend(fontsize=8, loc="upper right")
plt.show()

# %% [markdown]
# ## Two surfaces, seven optimizers
#
# The taco shell starts at (-9, 2), Rosenbrock at (-1.5, 1.5).
#
# The optimizers do not share a good learning rate, so comparing them at one value would be
# unfair. For each, we try a grid of learning rates on each surface (a tiny version of the
# hyperparameter search of notebook 8) and keep the **smallest** one that brings the loss
# below 0.01 within the step budget - the most cautious rate that does the job - or, if none
# does, the one that gets lowest. Other hyperparameters are the defaults (`momentum=0.9`
# for the SGD variants).

# %%
def rosenbrock(p):
    return (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2

surfaces = {
    "taco shell": dict(f=taco, start=(-9.0, 2.0), steps=100, box=(-10, 10, -3, 3)),
    "Rosenbrock": dict(f=rosenbrock, start=(-1.5, 1.5), steps=500, box=(-2, 2, -1, 3)),
}
optimizers = {
    "SGD": lambda ps, lr: optim.SGD(ps, lr=lr),
    "Momentum": lambda ps, lr: optim.SGD(ps, lr=lr, momentum=0.9),
    "Nesterov": lambda ps, lr: optim.SGD(ps, lr=lr, momentum=0.9, nesterov=True),
    "Adagrad": lambda ps, lr: optim.Adagrad(ps, lr=lr),
    "RMSprop": lambda ps, lr: optim.RMSprop(ps, lr=lr),
    "Adadelta": lambda ps, lr: optim.Adadelta(ps, lr=lr),
    "Adam": lambda ps, lr: optim.Adam(ps, lr=lr),
}

def descend(make, f, start, steps):
    """Run an optimizer on f from start; return the path (steps+1, 2) and the losses."""
    p = ag.tensor(np.array(start), requires_grad=True)         # float64
    opt = make([p])
    path, losses = [p.numpy().copy()], []
    for _ in range(steps):
        opt.zero_grad()
        loss = f(p)
        losses.append(loss.item())
        if not math.isfinite(losses[-1]):
            break
        loss.backward()
        opt.step()
        path.append(p.numpy().copy())
    losses.append(f(p).item())
    return np.array(path), np.array(losses)

lrs = [1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0, 3.0]
TARGET = 1e-2
best = {}
for surface, s in surfaces.items():
    print(f"{surface}: final loss after {s['steps']} steps, per learning rate (* = kept)")
    print(f"{'':>9}" + "".join(f"{lr:>9g}" for lr in lrs))
    for name, make in optimizers.items():
        finals = []
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")          # diverging runs overflow; that is the point
            for lr in lrs:
                finals.append(descend(lambda ps: make(ps, lr), s["f"], s["start"], s["steps"])[1][-1])
        finals = np.array(finals)
        finals[~np.isfinite(finals)] = np.inf
        reached = np.flatnonzero(finals < TARGET)
        k = int(reached[0]) if len(reached) else int(np.argmin(finals))
        best[surface, name] = lrs[k]
        print(f"{name:>9}" + "".join((f"{v:>8.1e}" if np.isfinite(v) else f"{'diverged':>8}")
                                     + ("*" if i == k else " ") for i, v in enumerate(finals)))
    print()

# %% [markdown]
# Read the table before the pictures: plain SGD diverges on Rosenbrock for any learning rate
# above a few 1e-3 (the valley walls are steep), yet such a small rate crawls along the valley
# floor; the adaptive methods tolerate rates a thousand times larger.
#
# Now the paths, each optimizer with the learning rate kept in the table:

# %%
paths = {(surface, name): descend(lambda ps: optimizers[name](ps, best[surface, name]),
                                  s["f"], s["start"], s["steps"])
         for surface, s in surfaces.items() for name in optimizers}

fig, axes = plt.subplots(1, 2, figsize=(11, 4))
for ax, (surface, s) in zip(axes, surfaces.items()):
    x0, x1, y0, y1 = s["box"]
    gx, gy = np.meshgrid(np.linspace(x0, x1, 200), np.linspace(y0, y1, 200))
    with ag.no_grad():
        gz = s["f"](ag.tensor(np.stack([gx, gy]))).numpy()
    ax.contour(gx, gy, gz, levels=np.logspace(-2, np.log10(gz.max()), 18), colors="0.75",
               linewidths=0.6)
    for k, name in enumerate(optimizers):
        path = paths[surface, name][0]
        ax.plot(path[:, 0], path[:, 1], "-", color=f"C{k}", lw=1.1,
                label=f"{name} (lr {best[surface, name]:g})")
    ax.plot(*s["start"], "ko", ms=5)
    ax.plot(*((0, 0) if surface == "taco shell" else (1, 1)), "k*", ms=12)
    ax.set_xlim(x0, x1); ax.set_ylim(y0, y1)
    ax.set_title(f"{surface}, {s['steps']} steps")
    ax.legend(fontsize=7, loc="upper left" if surface == "taco shell" else "lower right")
plt.tight_layout()
plt.show()

# %% [markdown]
# What to look for:
#
# * on the taco shell, **SGD** needs a large rate and still spends its steps on the steep
#   direction first; **momentum** accumulates speed along the shallow direction (and
#   overshoots, as the notes warn); **Nesterov** looks ahead and damps the overshoot;
# * the **adaptive** methods divide each coordinate's step by a running measure of its
#   gradient size, so the steep and the shallow directions move at similar speeds and the
#   path heads more directly to the minimum;
# * on Rosenbrock, the first few steps fall into the valley, and the rest of the run is the
#   slow walk along it. Adagrad's and Adadelta's first steps are large (Adagrad's first step
#   has size `lr` in every coordinate, whatever the gradient), so their paths start with a
#   jump.
#
# The same runs as loss curves (log scale):

# %%
fig, axes = plt.subplots(1, 2, figsize=(12, 3.4))
for ax, surface in zip(axes, surfaces):
    for k, name in enumerate(optimizers):
        losses = paths[surface, name][1]
        ax.semilogy(np.maximum(losses, 1e-16), color=f"C{k}", label=name)
    ax.set_title(surface)
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
axes[0].legend(fontsize=7)
plt.tight_layout()
plt.show()

# %% [markdown]
# ## The update rules, written out
#
# glassgrad's optimizers follow PyTorch's formulas. The notes write momentum as
# `v = mu * v - lr * dW; W += v`; PyTorch keeps `v = mu * v + dW; W -= lr * v`. With a
# constant learning rate the two are the same algorithm (the second `v` is the first divided
# by `-lr`). Adam, from the notes: `m = b1 m + (1 - b1) g`, `v = b2 v + (1 - b2) g^2`, bias
# corrections `m / (1 - b1^t)` and `v / (1 - b2^t)`, then `W -= lr * m_hat / (sqrt(v_hat) + eps)`.
# Written out in numpy, both give the same path as `optim` on Rosenbrock:

# %%
def grad_rosenbrock(w):
    x, y = w
    return np.array([-2 * (1 - x) - 400 * x * (y - x ** 2), 200 * (y - x ** 2)])

def notes_momentum(w, lr, mu, steps):
    v, path = np.zeros(2), [w.copy()]
    for _ in range(steps):
        v = mu * v - lr * grad_rosenbrock(w)
        w = w + v
        path.append(w.copy())
    return np.array(path)

def notes_adam(w, lr, b1, b2, eps, steps):
    m, v, path = np.zeros(2), np.zeros(2), [w.copy()]
    for t in range(1, steps + 1):
        g = grad_rosenbrock(w)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g ** 2
        m_hat, v_hat = m / (1 - b1 ** t), v / (1 - b2 ** t)
        w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
        path.append(w.copy())
    return np.array(path)

start = np.array(surfaces["Rosenbrock"]["start"])
ours = descend(lambda ps: optim.SGD(ps, lr=1e-3, momentum=0.9), rosenbrock, start, 200)[0]
print("momentum: largest difference to the notes' formula",
      np.abs(ours - notes_momentum(start, 1e-3, 0.9, 200)).max())
ours = descend(lambda ps: optim.Adam(ps, lr=0.1), rosenbrock, start, 200)[0]
print("Adam:     largest difference to the notes' formula",
      np.abs(ours - notes_adam(start, 0.1, 0.9, 0.999, 1e-8, 200)).max())

# %% [markdown]
# ## Adagrad's learning rate only shrinks
#
# Adagrad divides by the square root of the **sum** of all past squared gradients, so each
# coordinate's effective step `lr / sqrt(sum g^2)` can only decrease: *"the monotonic decrease
# in learning rate usually proves too aggressive and stops learning too early"*. RMSprop
# replaces the sum by a leaky average (`alpha = 0.99`), so its effective step recovers when
# gradients get small. Both read from the optimizers' state on the taco shell, same
# learning rate:

# %%
def effective_steps(opt_class, key, lr=0.3, steps=100):
    p = ag.tensor(np.array(surfaces["taco shell"]["start"]), requires_grad=True)
    opt = opt_class([p], lr=lr)
    out = []
    for _ in range(steps):
        opt.zero_grad()
        taco(p).backward()
        opt.step()
        out.append(lr / (np.sqrt(opt.state[p][key].numpy()) + 1e-10))
    return np.array(out)

fig, ax = plt.subplots(figsize=(6.4, 3.2))
for opt_class, key, color in [(optim.Adagrad, "sum", "C3"), (optim.RMSprop, "square_avg", "C4")]:
    eff = effective_steps(opt_class, key)
    ax.semilogy(eff[:, 0], color=color, label=f"{opt_class.__name__}, x (shallow)")
    ax.semilogy(eff[:, 1], color=color, ls="--", label=f"{opt_class.__name__}, y (steep)")
ax.set_xlabel("step")
ax.set_title("effective step size lr / sqrt(accumulator) per coordinate")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## Learning-rate schedules
#
# Annealing the learning rate: large steps early, small steps late. `optim.lr_scheduler`
# has PyTorch's schedulers; each rewrites the optimizer's `lr` once per `step()` (usually
# once per epoch). The notes' schedules:
#
# * **step decay**: divide by 10 every 30 epochs (`StepLR`);
# * **exponential decay**: `lr0 * 0.95^epoch` (`ExponentialLR`);
# * **1/t decay**: `lr0 / (1 + k * epoch)`, written with `LambdaLR`;
# * **cosine**: half a cosine from `lr0` to 0 (`CosineAnnealingLR`);
# * **linear warmup** then cosine: `LinearLR` for 10 epochs, then cosine, chained with
#   `SequentialLR`.

# %%
def schedule(make, epochs=100, lr=0.1):
    opt = optim.SGD([ag.zeros(1, requires_grad=True)], lr=lr)
    sched = make(opt)
    out = []
    for _ in range(epochs):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return out

schedules = {
    "step (StepLR 30, x0.1)": lambda o: lr_scheduler.StepLR(o, step_size=30, gamma=0.1),
    "exponential (0.95)": lambda o: lr_scheduler.ExponentialLR(o, gamma=0.95),
    "1/t (LambdaLR, k = 0.1)": lambda o: lr_scheduler.LambdaLR(o, lambda e: 1 / (1 + 0.1 * e)),
    "cosine (T_max 100)": lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=100),
    "warmup 10 + cosine": lambda o: lr_scheduler.SequentialLR(
        o, [lr_scheduler.LinearLR(o, start_factor=0.01, total_iters=10),
            lr_scheduler.CosineAnnealingLR(o, T_max=90)], milestones=[10]),
}
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.4))
for name, make in schedules.items():
    lrs_seen = schedule(make)
    ax1.plot(lrs_seen, label=name)
    ax2.semilogy(lrs_seen, label=name)
ax1.set_title("learning rate per epoch"); ax1.set_xlabel("epoch")
ax2.set_title("same, log scale"); ax2.set_xlabel("epoch")
ax1.legend(fontsize=8)
plt.tight_layout()
plt.show()

# %% [markdown]
# ### Why anneal: noisy gradients
#
# With mini-batches the gradient is noisy, and at a constant learning rate the parameters
# keep bouncing around the minimum at a distance set by the learning rate. Decaying the rate
# lets them settle. A round bowl `f = (x^2 + y^2) / 2` with Gaussian noise added to every
# gradient (the same noise sequence for every run), SGD with momentum, constant rate vs two
# schedules:

# %%
def bowl(p):
    return 0.5 * (p ** 2).sum()

def noisy_run(make_sched, steps=300, lr=0.05, noise=1.0):
    rng = np.random.default_rng(0)
    p = ag.tensor(np.array([-3.0, 2.0]), requires_grad=True)
    opt = optim.SGD([p], lr=lr, momentum=0.9)
    sched = make_sched(opt) if make_sched else None
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = bowl(p)
        losses.append(loss.item())
        # (noise . p) adds the noise vector to the gradient: a stand-in for mini-batch noise
        (loss + (ag.tensor(noise * rng.standard_normal(2)) * p).sum()).backward()
        opt.step()
        if sched:
            sched.step()
    return np.array(losses)

fig, ax = plt.subplots(figsize=(6.4, 3.4))
for name, make in [("constant", None),
                   ("step decay (x0.1 every 100)", lambda o: lr_scheduler.StepLR(o, 100, 0.1)),
                   ("cosine", lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=300))]:
    losses = noisy_run(make)
    ax.semilogy(losses, lw=0.8, label=f"{name}: mean loss over the last 50 steps {losses[-50:].mean():.1e}")
ax.set_xlabel("step"); ax.set_ylabel("true loss f(p)")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## Try it
#
# * Start the taco shell at (-9, 0.01), nearly on the valley floor, and compare SGD and
#   momentum again.
# * Put a saddle in: `f(x, y) = x^2 - y^2` started at (1, 1e-3). Which optimizers escape?
# * The notes' advice for real networks: Adam with `lr = 3e-4` first, SGD + Nesterov as the
#   alternative, and a schedule only at the end of a project.
