# %% [markdown]
# # 3. Gradient checking
#
# Backprop gives the *analytic* gradient; finite differences give a *numerical* one that is
# slow but hard to get wrong. Comparing the two is how you find a bug in a gradient. The
# CS231n notes give a recipe (lecture notes, "Gradient Checks"):
#
# 1. use the **centered** formula `(f(x+h) - f(x-h)) / 2h`, not the one-sided one;
# 2. compare with the **relative error** `|a - n| / max(|a|, |n|)`;
# 3. use **double precision**;
# 4. beware of **kinks** (relu, max, hinge), where the numeric estimate is meaningless;
# 5. choose **h** with care: too large and the formula is inexact, too small and round-off
#    takes over;
# 6. check in a characteristic mode of operation (after a short **burn-in**), with dropout
#    off, on **few data points**.
#
# This notebook shows each point with numbers computed here, then checks an `nn` model and
# catches a deliberately broken gradient.

# %%
from threadpoolctl import threadpool_limits
threadpool_limits(1)   # one BLAS thread: small matrices gain nothing from more, and a busy
                       # machine makes extra threads wait (10x slower here with the default)
import warnings
import numpy as np
import matplotlib.pyplot as plt
from glassgrad import autograd as ag
from glassgrad import nn
from glassgrad.autograd.gradcheck import check_gradients, relative_error

ag.manual_seed(0)
plt.rcParams.update({"figure.dpi": 80, "figure.figsize": (6.4, 3.6), "axes.grid": True})

# %% [markdown]
# ## Centered vs one-sided differences, and how small h should be
#
# Take `f(x) = tanh(x) * exp(x)` at `x = 0.7`. The engine gives the exact derivative (in
# float64). The finite-difference estimates have two kinds of error:
#
# * **truncation**: the one-sided quotient is off by O(h), the centered one by O(h^2)
#   (Taylor's theorem: the h^2 term cancels in `f(x+h) - f(x-h)`);
# * **round-off**: `f` is only known to about the machine epsilon, and dividing the
#   difference by h amplifies that error like eps/h.
#
# The cell measures the relative error of both formulas for h from 1 down to 1e-14, in
# float64 and in float32.

# %%
def f(x):
    return x.tanh() * x.exp()

x0 = 0.7
x = ag.tensor(x0, dtype=ag.float64, requires_grad=True)
f(x).backward()
exact = x.grad.item()
print(f"analytic f'({x0}) = {exact:.15f}")

hs = np.logspace(0, -14, 57)

def estimates(dtype):
    def F(v):
        return f(ag.tensor(v, dtype=dtype)).item()
    with ag.no_grad():
        one = [(F(x0 + h) - F(x0)) / h for h in hs]
        cen = [(F(x0 + h) - F(x0 - h)) / (2 * h) for h in hs]
    return relative_error(exact, one), relative_error(exact, cen)

errors = {(name, kind): err for name, dtype in [("float64", ag.float64), ("float32", ag.float32)]
          for kind, err in zip(("one-sided", "centered"), estimates(dtype))}

fig, ax = plt.subplots()
styles = {"one-sided": "--", "centered": "-"}
colors = {"float64": "C0", "float32": "C3"}
for (name, kind), err in errors.items():
    ax.loglog(hs, np.maximum(err, 1e-17), styles[kind], color=colors[name], label=f"{kind}, {name}")
ax.set_xlabel("step h")
ax.set_ylabel("relative error")
ax.invert_xaxis()
ax.legend(fontsize=8)
ax.set_title("finite differences: truncation (right) vs round-off (left)")
plt.show()

best_h, best_err = {}, {}
for (name, kind), err in errors.items():
    k = int(np.argmin(err))
    best_h[name, kind], best_err[name, kind] = hs[k], err[k]
    print(f"{kind:>9}, {name}: best h = {hs[k]:.0e}, relative error there {err[k]:.1e}")
# the claims below: centered beats one-sided, float64 beats float32, by orders of magnitude
assert all(best_err[n, "centered"] < best_err[n, "one-sided"] / 100 for n in ("float64", "float32"))
assert all(best_err["float64", k] < best_err["float32", k] / 100 for k in ("one-sided", "centered"))

# %% [markdown]
# Read the plot from right to left. For large h the error falls with slope 1 (one-sided)
# or slope 2 (centered); then round-off takes over and the error grows again as h shrinks.
# The centered formula reaches a far smaller error, and float64 reaches a far smaller error
# than float32. Theory puts the best h near `eps**(1/2)` for the one-sided formula and
# `eps**(1/3)` for the centered one:

# %%
for name, dtype in [("float64", np.float64), ("float32", np.float32)]:
    eps = float(np.finfo(dtype).eps)
    print(f"{name}: machine eps {eps:.1e}; sqrt(eps) = {eps ** 0.5:.0e}, "
          f"eps^(1/3) = {eps ** (1 / 3):.0e}")
    # the measured best h is within a factor 10 of the theory
    assert 0.1 < best_h[name, "one-sided"] / eps ** 0.5 < 10 and 0.1 < best_h[name, "centered"] / eps ** (1 / 3) < 10

# %% [markdown]
# This is why `ag.gradcheck` works in float64 with `eps=1e-6` by default (close to the best
# centered h), and warns when it is handed float32 inputs.
#
# ## Relative error, and how to read it
#
# An absolute difference means nothing without a scale: 1e-4 is a bad error for a gradient of
# size 1e-5 and an excellent one for a gradient of size 1e3. The relative error
# `|a - n| / max(|a|, |n|)` is scale free. The notes' reading of it:
#
# | relative error | verdict |
# | --- | --- |
# | > 1e-2 | the gradient is probably wrong |
# | 1e-2 .. 1e-4 | uncomfortable |
# | 1e-4 .. 1e-7 | okay for objectives with kinks, too high without them |
# | < 1e-7 | happy |
#
# Scaling the function by 1e6 scales the absolute error by 1e6 but leaves the relative error
# alone:

# %%
def verdict(rel):
    if rel > 1e-2:
        return "probably wrong"
    if rel > 1e-4:
        return "uncomfortable"
    if rel > 1e-7:
        return "okay only with kinks"
    return "happy"

h = 1e-5
for scale in (1.0, 1e6):
    with ag.no_grad():
        F = lambda v: scale * f(ag.tensor(v, dtype=ag.float64)).item()
        numeric = (F(x0 + h) - F(x0 - h)) / (2 * h)
    analytic = scale * exact
    rel = relative_error(analytic, numeric)
    print(f"scale {scale:7.0e}: absolute error {abs(analytic - numeric):.1e}, relative error "
          f"{rel:.1e} -> {verdict(rel)}")
    assert verdict(rel) == "happy"           # scale free: happy at both scales

# %% [markdown]
# ## Kinks
#
# `relu(x) = max(0, x)` has no derivative at 0. If an input sits at the kink, or closer to it
# than h, `x - h` and `x + h` land on different sides and the centered quotient averages the
# two slopes: the numeric value is wrong, not the analytic one. The notes suggest tracking
# whether a step crossed a kink. `ag.gradcheck` does: when the two one-sided slopes disagree,
# it reports the entry as a *kink* (a warning) instead of a failed gradient.

# %%
xk = ag.tensor([0.0, 1e-8, -3e-7, 0.5, -0.5], dtype=ag.float64, requires_grad=True)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    ok = ag.gradcheck(lambda t: t.relu(), (xk,))
print("gradcheck passed:", ok)
report = check_gradients(lambda t: t.relu(), (xk,))
for m in report.kinks:
    print(f"x = {xk.numpy()[m.element]: .0e}: analytic {m.analytic:g}, numeric {m.numeric:.3g}"
          f" (slopes left {m.left:.3g}, right {m.right:.3g})")
print(len(caught), "warning(s); the first starts:", str(caught[0].message)[:80], "...")
assert ok and len(report.kinks) == 3                  # the three inputs at or near 0 are kinks
assert {m.element for m in report.kinks} == {(0,), (1,), (2,)}

# %% [markdown]
# The inputs at 0.5 and -0.5 are far from the kink and check normally. A network with relu
# units evaluated on a few data points rarely sits on a kink, which is one reason to check
# with **few data points**: fewer inputs, fewer chances to straddle one.
#
# ## Checking a model
#
# `ag.gradcheck(fn, inputs)` perturbs every element of every input that requires grad. For a
# network, the inputs are its parameters and `fn` computes the loss on a handful of examples.
# Three details from the recipe: float64 (`model.double()`), dropout off (`model.eval()`),
# and a short burn-in so the check runs where training actually happens, not only at the
# initialization.

# %%
ag.manual_seed(0)
model = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 3)).double()
X = ag.randn(5, 4, dtype=ag.float64)
y = ag.tensor([0, 2, 1, 1, 0])
loss_fn = nn.CrossEntropyLoss()

# burn-in: a few plain gradient steps
for _ in range(20):
    model.zero_grad()
    loss_fn(model(X), y).backward()
    with ag.no_grad():
        for p in model.parameters():
            p.sub_(0.5 * p.grad)
model.eval()
print(f"loss after burn-in: {loss_fn(model(X), y).item():.4f}")

params = list(model.parameters())
passed = ag.gradcheck(lambda *ps: loss_fn(model(X), y), params)
print("gradcheck on", sum(p.numel() for p in params), "parameters:", passed)
assert passed

# %% [markdown]
# `gradcheck` passed. To look inside, compute every numeric gradient ourselves (the centered
# formula, one parameter entry at a time; the parameter's `numpy()` view shares memory, so
# writing into it moves the model) and put each entry's relative error against the size of
# its gradient.

# %%
def numeric_grad(fun, W, h=1e-6):
    """Centered differences of the scalar fun() w.r.t. every entry of the array W (in place)."""
    grad = np.zeros_like(W)
    for i in np.ndindex(W.shape):
        old = W[i]
        W[i] = old + h; plus = fun()
        W[i] = old - h; minus = fun()
        W[i] = old
        grad[i] = (plus - minus) / (2 * h)
    return grad

def model_loss():
    with ag.no_grad():
        return loss_fn(model(X), y).item()

def all_errors(h):
    model.zero_grad()
    loss_fn(model(X), y).backward()
    ana = np.concatenate([p.grad.numpy().ravel() for p in params])
    num = np.concatenate([numeric_grad(model_loss, p.numpy(), h).ravel() for p in params])
    return ana, relative_error(ana, num)

ana, rel = all_errors(1e-6)
fig, ax = plt.subplots()
ax.loglog(np.abs(ana), rel, "o", ms=4, label="parameter entries")
g = np.logspace(np.log10(np.abs(ana).min()), np.log10(np.abs(ana).max()))
ax.loglog(g, np.finfo(np.float64).eps * model_loss() / (1e-6 * g), "k--",
          label="round-off estimate eps |f| / (h |g|)")
ax.set_xlabel("|analytic gradient|")
ax.set_ylabel("relative error")
ax.legend(fontsize=8)
ax.set_title("h = 1e-6, float64")
plt.show()
print(f"median relative error {np.median(rel):.1e} ({verdict(np.median(rel))}), "
      f"largest {rel.max():.1e} ({verdict(rel.max())}) on an entry of size "
      f"{abs(ana[rel.argmax()]):.1e}")
assert np.median(rel) < 1e-7 and abs(ana[rel.argmax()]) < 1e-2   # worst error: on a tiny entry

# %% [markdown]
# The errors line up along the round-off estimate: the smaller a gradient entry compared with
# the loss, the larger its relative error. This is the notes' advice to "stick around the
# active range of floating point": a relative error that looks uncomfortable on a tiny entry
# is round-off, not a bug (the same error on a gradient of size 1 would be). Print the raw
# numbers before you worry.
#
# The same measurement across step sizes shows the h trade-off on a real model:

# %%
medians = {}
for h in (1e-2, 1e-4, 1e-6, 1e-8, 1e-10):
    _, rel = all_errors(h)
    medians[h] = np.median(rel)
    print(f"h = {h:.0e}: median relative error {np.median(rel):.1e}, largest {rel.max():.1e}")
assert min(medians, key=medians.get) in (1e-4, 1e-6)     # the trade-off: best in the middle

# %% [markdown]
# In float32 the same model, with the same weights, gives errors orders of magnitude larger,
# whatever h: the loss itself is only known to about 1e-7, so the differences of nearby
# losses are mostly noise. A correct gradient checked in single precision can look wrong -
# hence "use double precision".

# %%
model.float()
X, params = X.float(), list(model.parameters())
for h in (1e-2, 1e-3, 1e-4):
    _, rel = all_errors(h)
    print(f"float32, h = {h:.0e}: median relative error {np.median(rel):.1e} "
          f"({verdict(np.median(rel))}), largest {rel.max():.1e}")
    assert np.median(rel) > 100 * min(medians.values())      # orders of magnitude worse
model.double()
X, params = X.double(), list(model.parameters())

# %% [markdown]
# `training.check_gradients` packs this recipe for a whole model: it checks a float64 copy
# in eval mode (dropout off), optionally after a burn-in, a few random entries of every
# parameter, and reads the result on the notes' scale. A floor in the denominator of the
# relative error keeps round-off on near-zero entries from counting as errors.

# %%
from glassgrad.training import check_gradients as check_model_gradients

ag.manual_seed(1)
fresh = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 3))
model_check = check_model_gradients(fresh, loss_fn, X[:4], y[:4], burn_in=10)
print(model_check)
assert model_check.passed

# %% [markdown]
# ## Catching a wrong gradient
#
# ### A hand-written backward pass
#
# Before autograd, gradients were derived by hand - the CS231n assignments do exactly that -
# and the check is what keeps them honest. Here is the softmax cross-entropy loss of a linear
# classifier, with its gradient written by hand, and a one-character bug: the mean over the
# batch is forgotten in the backward pass. The numeric gradient comes from glassgrad's
# forward pass and `numeric_grad` above.

# %%
def softmax_loss(W, Xb, yb):
    """Mean cross-entropy of scores Xb @ W; W (D, C), Xb (N, D), yb (N,)."""
    return nn.functional.cross_entropy(Xb @ W, yb)

def softmax_loss_grad_by_hand(W, Xb, yb, bug=False):
    scores = Xb @ W
    p = np.exp(scores - scores.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(len(yb)), yb] -= 1          # dL/dscores = softmax - one_hot
    n = 1 if bug else len(yb)                # the bug: forgetting the 1/N of the mean
    return Xb.T @ p / n

ag.manual_seed(2)
W = 0.1 * ag.randn(4, 3, dtype=ag.float64).numpy()
Xb, yb = X.numpy(), y.numpy()
with ag.no_grad():
    num = numeric_grad(lambda: softmax_loss(ag.tensor(W), ag.tensor(Xb), ag.tensor(yb)).item(), W)
for bug in (False, True):
    rel = relative_error(softmax_loss_grad_by_hand(W, Xb, yb, bug), num).max()
    print(f"{'buggy' if bug else 'correct'} backward: max relative error {rel:.1e} -> {verdict(rel)}")
    assert verdict(rel) == ("probably wrong" if bug else "happy")

# %% [markdown]
# ### Check with the regularization off, then on
#
# The notes add: *"check the data loss alone first, and the regularization term second and
# independently"*. The reason: the penalty's gradient can be much larger than the data
# gradient, and a check of the total then mostly checks the (easy) penalty. Add an L2
# penalty `reg / 2 * sum(W**2)` to the same loss - its gradient `reg * W` is written
# correctly - and keep the buggy data gradient. The error measured here is that of the whole
# gradient, `|a - n| / max(|a|, |n|)` with vector norms, which is what a check of "the
# gradient" reports when it is not broken down entry by entry:

# %%
def total_loss(W, reg):
    return softmax_loss(ag.tensor(W), ag.tensor(Xb), ag.tensor(yb)).item() + reg / 2 * (W ** 2).sum()

def vector_error(a, n):
    return np.linalg.norm(a - n) / max(np.linalg.norm(a), np.linalg.norm(n))

for reg in (0.0, 10.0, 1000.0):
    num = numeric_grad(lambda: total_loss(W, reg), W)
    for bug in (False, True):
        ana = softmax_loss_grad_by_hand(W, Xb, yb, bug) + reg * W
        rel = vector_error(ana, num)
        print(f"reg {reg:6g}, {'buggy' if bug else 'correct'} data gradient: relative error "
              f"{rel:.1e} -> {verdict(rel)}   (|penalty gradient| / |data gradient| = "
              f"{np.linalg.norm(reg * W) / np.linalg.norm(softmax_loss_grad_by_hand(W, Xb, yb)):.0f})")
        if reg == 0.0:
            assert verdict(rel) == ("probably wrong" if bug else "happy")
        if reg == 1000.0 and bug:
            assert verdict(rel) != "probably wrong"    # the strong penalty hides the bug

# %% [markdown]
# With the regularization off the bug is unmistakable; when the penalty's gradient is a
# few hundred times the data gradient, the same bug only makes the check "uncomfortable", easy to
# shrug off. Check the data loss with
# `reg = 0` first, then the penalty on its own.

# %% [markdown]
# ### A broken graph
#
# With autograd the typical bug is a gradient that silently stops flowing: a value taken out
# of the graph (through `.numpy()`, `.item()` or `.detach()`) and put back as a constant.
# Below, a "swish" activation `x * sigmoid(x)` computes its sigmoid in numpy, so the engine
# never sees that the sigmoid depends on x. The forward value is right; the gradient is not,
# and `ag.gradcheck` says exactly which entries disagree.

# %%
def swish_ok(t):
    return t * t.sigmoid()

def swish_broken(t):
    s = 1 / (1 + np.exp(-t.numpy()))           # leaves the graph: a constant to the engine
    return t * ag.tensor(s)

xs = ag.tensor([-1.5, 0.3, 2.0], dtype=ag.float64, requires_grad=True)
print("forward values agree:", np.allclose(swish_ok(xs).numpy(), swish_broken(xs).numpy()))
print("gradcheck(swish_ok):", ag.gradcheck(swish_ok, (xs,)))
assert np.allclose(swish_ok(xs).numpy(), swish_broken(xs).numpy()) and ag.gradcheck(swish_ok, (xs,))
try:
    ag.gradcheck(swish_broken, (xs,))
    raise AssertionError("gradcheck should have caught swish_broken")
except ag.GradcheckError as err:
    print("gradcheck(swish_broken) raised GradcheckError:")
    print(err)

# %% [markdown]
# ## Summary, and what to try
#
# * The centered formula in float64 with h around 1e-6 gives relative errors near 1e-10 for
#   a correct gradient of a smooth function; a wrong gradient shows up above 1e-2.
# * Kinks make the *numeric* gradient wrong; `ag.gradcheck` recognises them.
# * `training.check_gradients(model, loss_fn, X, y)` packs the recipe for a whole model:
#   float64 copy, eval mode, optional burn-in, a few entries per parameter.
#
# Try: replace `tanh` by `relu` in the model and look for kinks; set `h = 1e-12` in the
# hand-written check; put the bug in a different place (e.g. drop the `-= 1`).
