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
from threadpoolctl import threadpool_limits
threadpool_limits(1)   # one BLAS thread: small matrices gain nothing from more, and a busy
                       # machine makes extra threads wait (10x slower here with the default)
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

# %%
assert best["Rosenbrock", "SGD"] <= 3e-3               # SGD: only a few 1e-3 or less
assert min(best["Rosenbrock", n] for n in ("Adagrad", "RMSprop", "Adadelta", "Adam")) >= 3e-2
assert max(best["Rosenbrock", n] for n in ("Adagrad", "Adadelta")) >= 1.0   # ~1000x SGD's

# %% [markdown]
# Now the paths, each optimizer with the learning rate kept in the table, one small panel
# per optimizer (same axes everywhere, so the panels compare at a glance):

# %%
paths = {(surface, name): descend(lambda ps: optimizers[name](ps, best[surface, name]),
                                  s["f"], s["start"], s["steps"])
         for surface, s in surfaces.items() for name in optimizers}

fig, axes = plt.subplots(2, len(optimizers), figsize=(15, 4.6))
for row, (surface, s) in zip(axes, surfaces.items()):
    x0, x1, y0, y1 = s["box"]
    gx, gy = np.meshgrid(np.linspace(x0, x1, 150), np.linspace(y0, y1, 150))
    with ag.no_grad():
        gz = s["f"](ag.tensor(np.stack([gx, gy]))).numpy()
    for k, (ax, name) in enumerate(zip(row, optimizers)):
        ax.contour(gx, gy, gz, levels=np.logspace(-2, np.log10(gz.max()), 12), colors="0.8",
                   linewidths=0.5)
        path, losses = paths[surface, name]
        ax.plot(path[:, 0], path[:, 1], ".-", color=f"C{k}", lw=1, ms=2)
        ax.plot(*s["start"], "ko", ms=4)
        ax.plot(*((0, 0) if surface == "taco shell" else (1, 1)), "k*", ms=9)
        ax.set_xlim(x0, x1); ax.set_ylim(y0, y1)
        ax.set_xticks([]); ax.set_yticks([])
        ax.set_title(f"{name}, lr {best[surface, name]:g}\nfinal loss {losses[-1]:.1e}", fontsize=8)
    row[0].set_ylabel(f"{surface}\n{s['steps']} steps", fontsize=9)
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
#   slow walk along it;
# * the first steps of the adaptive methods do not depend on the size of the gradient, only
#   on its sign: Adagrad's first step has size `lr` in every coordinate (the accumulator is
#   exactly `g^2`), so at its kept rate of 3 its path starts with a jump of `3 * sqrt(2)`;
#   Adadelta's first step is `lr * sqrt(eps / ((1 - rho) g^2)) * g`, about
#   `lr * sqrt(1e-6 / 0.1) = lr / 316` per coordinate - its numerator, the running average of
#   past squared *updates*, starts at zero - so it starts with tiny steps and speeds up only
#   slowly. It is the one adaptive method that reaches neither target in its budget.
#
# The first steps, measured on the paths above:

# %%
def step_sizes(surface, name):
    return np.linalg.norm(np.diff(paths[surface, name][0], axis=0), axis=1)

for name in ("Adagrad", "RMSprop", "Adadelta", "Adam"):
    sizes = step_sizes("Rosenbrock", name)
    print(f"{name:>9} (lr {best['Rosenbrock', name]:g}): first three steps "
          f"{', '.join(f'{v:.3g}' for v in sizes[:3])};  median step {np.median(sizes):.2g}")
adagrad_first = step_sizes("Rosenbrock", "Adagrad")[0]
adadelta_first = step_sizes("Rosenbrock", "Adadelta")[0]
assert np.isclose(adagrad_first, best["Rosenbrock", "Adagrad"] * np.sqrt(2))  # lr per coordinate
assert adadelta_first < adagrad_first / 100                      # Adadelta starts tiny
assert np.isclose(adadelta_first, best["Rosenbrock", "Adadelta"] * np.sqrt(2 * 1e-6 / 0.1),
                  rtol=1e-3)                                      # lr * sqrt(eps / (1 - rho))
assert all(paths[s, "Adadelta"][1][-1] > TARGET for s in surfaces)   # reaches neither target

# %% [markdown]
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
assert np.allclose(ours, notes_momentum(start, 1e-3, 0.9, 200), atol=1e-9)   # same path
ours = descend(lambda ps: optim.Adam(ps, lr=0.1), rosenbrock, start, 200)[0]
print("Adam:     largest difference to the notes' formula",
      np.abs(ours - notes_adam(start, 0.1, 0.9, 0.999, 1e-8, 200)).max())
assert np.allclose(ours, notes_adam(start, 0.1, 0.9, 0.999, 1e-8, 200), atol=1e-9)

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
eff_by = {}
for opt_class, key, color in [(optim.Adagrad, "sum", "C3"), (optim.RMSprop, "square_avg", "C4")]:
    eff = eff_by[opt_class.__name__] = effective_steps(opt_class, key)
    ax.semilogy(eff[:, 0], color=color, label=f"{opt_class.__name__}, x (shallow)")
    ax.semilogy(eff[:, 1], color=color, ls="--", label=f"{opt_class.__name__}, y (steep)")
ax.set_xlabel("step")
ax.set_title("effective step size lr / sqrt(accumulator) per coordinate")
ax.legend(fontsize=8)
plt.show()
assert np.all(np.diff(eff_by["Adagrad"], axis=0) <= 0)          # Adagrad's only shrinks
assert np.all(eff_by["RMSprop"][-1] > eff_by["RMSprop"].min(axis=0))  # RMSprop's recovers

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
seen = {}
for name, make in schedules.items():
    lrs_seen = seen[name] = schedule(make)
    ax1.plot(lrs_seen, label=name)
    ax2.semilogy(lrs_seen, label=name)
ax1.set_title("learning rate per epoch"); ax1.set_xlabel("epoch")
ax2.set_title("same, log scale"); ax2.set_xlabel("epoch")
ax1.legend(fontsize=8)
plt.tight_layout()
plt.show()
assert np.isclose(seen["step (StepLR 30, x0.1)"][30], 0.01)          # divided by 10 at 30
assert np.isclose(seen["exponential (0.95)"][10], 0.1 * 0.95 ** 10)
assert np.isclose(seen["1/t (LambdaLR, k = 0.1)"][10], 0.1 / 2)
assert np.isclose(seen["warmup 10 + cosine"][0], 0.001) and np.isclose(seen["warmup 10 + cosine"][10], 0.1)

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
settled = {}
for name, make in [("constant", None),
                   ("step decay (x0.1 every 100)", lambda o: lr_scheduler.StepLR(o, 100, 0.1)),
                   ("cosine", lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=300))]:
    losses = noisy_run(make)
    settled[name] = losses[-50:].mean()
    ax.semilogy(losses, lw=0.8, label=f"{name}: mean loss over the last 50 steps {losses[-50:].mean():.1e}")
ax.set_xlabel("step"); ax.set_ylabel("true loss f(p)")
ax.legend(fontsize=8)
plt.show()
assert max(settled["step decay (x0.1 every 100)"], settled["cosine"]) < settled["constant"] / 5  # decay settles

# %% [markdown]
# ### Reducing the rate when progress stalls: `ReduceLROnPlateau`
#
# The schedules above are fixed in advance. `lr_scheduler.ReduceLROnPlateau` watches a
# metric instead (in practice the validation loss, once per epoch) and multiplies the rate
# by `factor` when the metric has not improved for `patience` calls - the notes' *"reduce the
# learning rate by a constant whenever the validation error stops improving"*. On the noisy
# bowl, one "epoch" = 10 steps, the metric = the mean loss of those 10 steps:

# %%
def plateau_run(steps=300, lr=0.05, noise=1.0, epoch=10):
    rng = np.random.default_rng(0)
    p = ag.tensor(np.array([-3.0, 2.0]), requires_grad=True)
    opt = optim.SGD([p], lr=lr, momentum=0.9)
    sched = lr_scheduler.ReduceLROnPlateau(opt, factor=0.3, patience=2)
    losses, rates = [], []
    for step in range(steps):
        opt.zero_grad()
        loss = bowl(p)
        losses.append(loss.item())
        rates.append(opt.param_groups[0]["lr"])
        (loss + (ag.tensor(noise * rng.standard_normal(2)) * p).sum()).backward()
        opt.step()
        if (step + 1) % epoch == 0:
            sched.step(np.mean(losses[-epoch:]))
    return np.array(losses), np.array(rates)

plateau_losses, plateau_rates = plateau_run()
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.2))
ax1.semilogy(noisy_run(None), lw=0.8, label="constant")
ax1.semilogy(plateau_losses, lw=0.8, label="ReduceLROnPlateau")
ax1.set_xlabel("step"); ax1.set_ylabel("true loss f(p)"); ax1.legend(fontsize=8)
ax2.semilogy(plateau_rates); ax2.set_xlabel("step"); ax2.set_title("learning rate")
plt.tight_layout()
plt.show()
drops = np.flatnonzero(np.diff(plateau_rates) < 0) + 1
print(f"the rate was cut {len(drops)} times, first at step {drops[0]}; mean loss over the last"
      f" 50 steps {plateau_losses[-50:].mean():.1e} (constant rate: {settled['constant']:.1e})")
assert len(drops) >= 1 and plateau_losses[-50:].mean() < settled["constant"]   # it helped

# %% [markdown]
# ## Second-order methods: the Hessian and a Newton step
#
# Every method above uses first derivatives only. Newton's method also uses the **Hessian**
# `H`, the matrix of second derivatives, and jumps to the minimum of the local quadratic
# model: `w <- w - H^{-1} g`. No learning rate at all, and on a quadratic like the taco shell
# it lands on the minimum in **one** step, whatever the curvature - the zigzag problem
# vanishes because `H^{-1}` rescales every direction by its own curvature. The notes' catch:
# a network with a million parameters has a Hessian of 10^12 entries, so in deep learning
# one uses first-order methods (or approximations such as L-BFGS, which glassgrad does
# not have). `ag.functional.hessian` computes it by differentiating the gradient (gradients of
# gradients, notebook 1):

# %%
from glassgrad.autograd.functional import hessian

def newton(f, start, steps):
    w = ag.tensor(np.array(start))
    path = [w.numpy().copy()]
    for _ in range(steps):
        w_ = w.detach().requires_grad_()
        (g,) = ag.grad(f(w_), w_)
        H = hessian(f, w.detach())
        w = w - ag.tensor(np.linalg.solve(H.numpy(), g.numpy()))
        path.append(w.numpy().copy())
    return np.array(path)

print("Hessian of the taco shell:\n", hessian(taco, ag.tensor(np.array([-9.0, 2.0]))).numpy())
taco_newton = newton(taco, surfaces["taco shell"]["start"], 1)
print("one Newton step from (-9, 2):", taco_newton[-1])
assert np.allclose(taco_newton[-1], 0.0)                 # a quadratic: the minimum in one step
rosen_newton = newton(rosenbrock, surfaces["Rosenbrock"]["start"], 8)
with ag.no_grad():
    rosen_losses = [rosenbrock(ag.tensor(w)).item() for w in rosen_newton]
print("Newton on Rosenbrock, loss per step:", ", ".join(f"{v:.1e}" for v in rosen_losses))
assert rosen_losses[-1] < 1e-10      # minutes of SGD (or 500 Adam steps) vs a handful here

# %% [markdown]
# Pure Newton is not a descent method: at step 3 the loss jumps to about 3e3, because far
# from the minimum the quadratic model is poor (the Hessian of Rosenbrock is not even
# positive definite everywhere) and the full step overshoots. Once close, it converges
# *quadratically* - the number of correct digits doubles at each step - which first-order
# methods never do. Practical second-order methods add a line search or a trust region.

# %%
assert max(rosen_losses) > rosen_losses[0]          # the overshoot the text describes
assert rosen_losses[6] < 1e-20 and rosen_losses[5] < 1e-10   # then quadratic convergence

# %% [markdown]
# ## Try it
#
# * Start the taco shell at (-9, 0.01), nearly on the valley floor, and compare SGD and
#   momentum again.
# * Put a saddle in: `f(x, y) = x^2 - y^2` started at (1, 1e-3). Which optimizers escape?
# * The notes' advice for real networks: Adam with `lr = 3e-4` first, SGD + Nesterov as the
#   alternative, and a schedule only at the end of a project.
