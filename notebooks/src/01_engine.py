# %% [markdown]
# # 1. The engine: from scalars to tensors
#
# Backpropagation is the chain rule applied on a **computational graph**: every operation
# knows its *local* derivative, multiplies it by the *upstream* gradient that arrives from
# the output, and passes the product down to its inputs (lecture notes, "Optimization":
# *"calculate the local gradient at every node, multiply it by an upstream gradient and pass
# it downstream"*).
#
# glassgrad's engine (`autograd`) records that graph while you compute, and `backward()`
# walks it in reverse. This notebook builds a tiny expression out of scalars, draws its
# graph, checks every gradient by hand, then does the same with tensors and broadcasting,
# and ends with gradients of gradients.
#
# Run it top to bottom, then change the numbers and run it again.

# %%
from threadpoolctl import threadpool_limits
threadpool_limits(1)   # one BLAS thread: small matrices gain nothing from more, and a busy
                       # machine makes extra threads wait (10x slower here with the default)
import numpy as np
from glassgrad import autograd as ag
import glassgrad.viz  # noqa: F401  (ag.viz)

ag.manual_seed(0)   # every random draw (here: ag.randn below) is the same on every run
print("glassgrad", ag.__version__)

# %% [markdown]
# ## A micrograd-style expression
#
# Four numbers and three operations: `e = a * b`, `d = e + c`, `L = d * f`.
# Leaves that should receive a gradient are created with `requires_grad=True`; `name` is
# only a label for the drawings. Recording under `ag.keep_values()` makes every
# intermediate node remember its value (and later its gradient) so the drawing can show
# them; without it the engine keeps only what the derivative rules need.

# %%
a = ag.tensor(2.0, requires_grad=True); a.name = "a"
b = ag.tensor(-3.0, requires_grad=True); b.name = "b"
c = ag.tensor(10.0, requires_grad=True); c.name = "c"
f = ag.tensor(-2.0, requires_grad=True); f.name = "f"

with ag.keep_values():
    e = a * b
    d = e + c
    L = d * f

print(f"e = {e.item()}, d = {d.item()}, L = {L.item()}")
assert (e.item(), d.item(), L.item()) == (-6.0, 4.0, -8.0)
print("L.grad_fn:", L.grad_fn, " (the node that produced L)")

# %% [markdown]
# The graph, data flowing left to right. Green boxes are the leaves, grey boxes the
# operations, the yellow double-bordered box is the output. Nothing has a gradient yet.

# %%
names = dict(e=e, d=d, L=L)
ag.viz.draw(L, names=names)

# %% [markdown]
# ## Backward
#
# `L.backward()` seeds dL/dL = 1 and walks the graph from L back to the leaves.
# Every box now shows **data | grad**.

# %%
with ag.keep_values():
    L.backward()
ag.viz.draw(L, names=names)

# %% [markdown]
# The chain rule by hand, node by node from the output:
#
# * `L = d * f`: dL/dd = f and dL/df = d (a product sends each input the *other* factor);
# * `d = e + c`: an addition passes the upstream gradient unchanged, so dL/de = dL/dc = dL/dd;
# * `e = a * b`: dL/da = dL/de * b and dL/db = dL/de * a.
#
# The cell computes these products from the forward values and puts them next to what the
# engine found.

# %%
dL_dd = f.item()
dL_df = d.item()
dL_de = dL_dd * 1.0
dL_dc = dL_dd * 1.0
dL_da = dL_de * b.item()
dL_db = dL_de * a.item()
print(f"{'leaf':>4} {'by hand':>9} {'engine':>9}")
for name, hand, leaf in [("a", dL_da, a), ("b", dL_db, b), ("c", dL_dc, c), ("f", dL_df, f)]:
    print(f"{name:>4} {hand:9.3f} {leaf.grad.item():9.3f}")
    assert hand == leaf.grad.item()

# %% [markdown]
# A gradient is a rate of change: nudging `a` by a small `h` should move `L` by about
# `h * dL/da`. Re-evaluating the expression (in float64, without recording a graph)
# confirms it. Notebook 3 turns this idea into a proper gradient check.

# %%
def expression(a, b, c, f):
    return ((a * b) + c) * f

h = 1e-4
x = [float(t.item()) for t in (a, b, c, f)]
with ag.no_grad():
    base = expression(*[ag.tensor(v, dtype=ag.float64) for v in x]).item()
    nudged = expression(*[ag.tensor(v + (h if i == 0 else 0.0), dtype=ag.float64)
                          for i, v in enumerate(x)]).item()
print(f"(L(a + h) - L(a)) / h = {(nudged - base) / h:.6f}   engine: dL/da = {a.grad.item()}")
assert abs((nudged - base) / h - a.grad.item()) < 1e-6      # L moved by h * dL/da

# %% [markdown]
# ## One neuron
#
# The same machinery computes the gradient of a neuron, `tanh(w1*x1 + w2*x2 + b)`.
# `tanh` is one operation whose local derivative is `1 - tanh(n)**2`; the engine applies it
# without us writing it. (Notebook 2 steps through this neuron one node at a time.)

# %%
x1 = ag.tensor(2.0, requires_grad=True); x1.name = "x1"
x2 = ag.tensor(0.0, requires_grad=True); x2.name = "x2"
w1 = ag.tensor(-3.0, requires_grad=True); w1.name = "w1"
w2 = ag.tensor(1.0, requires_grad=True); w2.name = "w2"
bias = ag.tensor(6.8813735870195432, requires_grad=True); bias.name = "b"

with ag.keep_values():
    n = x1 * w1 + x2 * w2 + bias
    out = n.tanh()
    out.backward()

print(f"n = {n.item():.4f}, out = tanh(n) = {out.item():.4f}")
print(f"local derivative 1 - tanh(n)^2 = {1 - out.item() ** 2:.4f}")
print(f"dout/dw1 = x1 * (1 - tanh^2) = {x1.item() * (1 - out.item() ** 2):.4f};"
      f" engine: {w1.grad.item():.4f}")
assert np.isclose(w1.grad.item(), x1.item() * (1 - out.item() ** 2))
ag.viz.draw(out, names=dict(n=n, out=out))

# %% [markdown]
# ## Tensors and broadcasting
#
# Nothing changes when the leaves are arrays: the same expression, now with `a` a column
# (3, 1), `b` a row (4,), `c` a scalar and `f` a (3, 4) matrix. Broadcasting stretches `a`
# and `b` to (3, 4) in the forward pass. In the backward pass the engine sums each gradient
# back over the stretched axes, so `a.grad` has `a`'s shape: every element of `a` was used
# four times, and its gradient is the sum of those four contributions.
#
# The loss must be a scalar for `backward()` without arguments, so we sum.

# %%
A = ag.randn(3, 1, requires_grad=True); A.name = "a"
B = ag.randn(4, requires_grad=True); B.name = "b"
C = ag.tensor(10.0, requires_grad=True); C.name = "c"
Fm = ag.randn(3, 4, requires_grad=True); Fm.name = "f"

with ag.keep_values():
    E = A * B
    D = E + C
    loss = (D * Fm).sum()
    loss.backward()

print("shapes:  a", A.shape, " b", B.shape, " e = a*b", E.shape, " loss", loss.shape)
print("a.grad shape:", A.grad.shape, "  b.grad shape:", B.grad.shape, "  c.grad:",
      round(C.grad.item(), 4))

# the same gradients from the chain rule in numpy: dloss/de = f, then undo the broadcast
f_np, a_np, b_np = Fm.numpy(), A.numpy(), B.numpy()
by_hand_a = (f_np * b_np).sum(axis=1, keepdims=True)     # summed over the 4 uses of a[i]
by_hand_b = (f_np * a_np).sum(axis=0)                    # summed over the 3 uses of b[j]
print("a.grad matches the broadcast-summed chain rule:", np.allclose(A.grad.numpy(), by_hand_a))
print("b.grad matches the broadcast-summed chain rule:", np.allclose(B.grad.numpy(), by_hand_b))
print("c.grad = sum of f:", np.isclose(C.grad.item(), f_np.sum()))
assert A.grad.shape == A.shape and B.grad.shape == B.shape      # gradients have the leaves' shapes
assert np.allclose(A.grad.numpy(), by_hand_a) and np.allclose(B.grad.numpy(), by_hand_b)
assert np.isclose(C.grad.item(), f_np.sum())

# %% [markdown]
# Drawn, a tensor node shows its shape and dtype; small tensors show their values, larger
# ones a summary (the gradient's norm).

# %%
ag.viz.draw(loss, names=dict(e=E, d=D, loss=loss))

# %% [markdown]
# ## `grad_fn` and `next_functions`
#
# The graph is made of nodes. A tensor produced by an operation has a `grad_fn`; a leaf has
# none. `next_functions` lists, per input, the node that produced it (or an `AccumulateGrad`
# entry for a leaf, where the gradient ends up in `.grad`) - the same structure PyTorch
# exposes. A few lines walk it as a tree:

# %%
print("leaf a: grad_fn =", A.grad_fn, " is_leaf =", A.is_leaf)
assert A.grad_fn is None and A.is_leaf and loss.grad_fn is not None

def show(fn, depth=0):
    print("    " * depth + str(fn))
    for child, _ in getattr(fn, "next_functions", ()):
        if child is not None:
            show(child, depth + 1)

show(loss.grad_fn)

# %% [markdown]
# ## Gradients of gradients
#
# With `create_graph=True`, the backward pass itself is recorded as a graph, so a gradient
# can be differentiated again. For `y = x**3` at `x = 2`: dy/dx = 3x^2 = 12 and
# d2y/dx2 = 6x = 12. For `tanh`: d/dx tanh = 1 - tanh^2, and
# d2/dx2 tanh = -2 tanh (1 - tanh^2).

# %%
x = ag.tensor(2.0, dtype=ag.float64, requires_grad=True); x.name = "x"
y = x ** 3
(dy,) = ag.grad(y, x, create_graph=True)
(d2y,) = ag.grad(dy, x)
print(f"y = x^3 at x = 2:   dy/dx = {dy.item()} (3x^2 = {3 * 2.0 ** 2}),"
      f"  d2y/dx2 = {d2y.item()} (6x = {6 * 2.0})")

z = ag.tensor(0.5, dtype=ag.float64, requires_grad=True); z.name = "z"
t = z.tanh()
(dt,) = ag.grad(t, z, create_graph=True)
(d2t,) = ag.grad(dt, z)
th = np.tanh(0.5)
print(f"tanh at 0.5:  first {dt.item():.6f} vs {1 - th ** 2:.6f},"
      f"  second {d2t.item():.6f} vs {-2 * th * (1 - th ** 2):.6f}")
assert dy.item() == 12.0 and d2y.item() == 12.0              # 3x^2 and 6x at x = 2
assert np.isclose(dt.item(), 1 - th ** 2) and np.isclose(d2t.item(), -2 * th * (1 - th ** 2))

# %% [markdown]
# The first derivative `dy` is an ordinary tensor with its own graph - here is the graph
# that computes dy/dx = 3x^2 from x, built by the backward pass of `x ** 3`:

# %%
dy.name = "dy/dx"
ag.viz.draw(dy)

# %% [markdown]
# ## Try it
#
# * Change `a`, `b`, `c`, `f` and predict the gradients before running the backward cell.
# * Use a leaf twice (e.g. `L = d * a`) and watch the gradients from both uses add up in
#   `a.grad`.
# * Call `L.backward()` a second time: gradients *accumulate* into `.grad` (and the engine
#   complains unless the first call passed `retain_graph=True`), which is why training loops
#   call `zero_grad()` before every backward pass.
