# %% [markdown]
# # 2. Stepping through backprop
#
# `backward()` does all of its work in one call. The lecture notes describe what happens
# inside as a local procedure repeated at every node of the graph: *take the upstream
# gradient, multiply it by the node's local derivative, pass the result to each input*
# (notes on backpropagation, "Optimization"). `ag.viz.BackwardStepper` runs the engine's own
# backward pass and lets you replay it one node at a time, in the engine's real order, with
# the rule and the numbers of each step.
#
# We step through a single neuron, then through a 2-layer MLP, and check that the end state
# is exactly what `backward()` produces.

# %%
from threadpoolctl import threadpool_limits
threadpool_limits(1)   # one BLAS thread: small matrices gain nothing from more, and a busy
                       # machine makes extra threads wait (10x slower here with the default)
import numpy as np
from glassgrad import autograd as ag
import glassgrad.viz  # noqa: F401  (ag.viz)
from glassgrad import nn

ag.manual_seed(0)
print("glassgrad", ag.__version__)

# %% [markdown]
# ## One neuron
#
# A neuron with two inputs: `o = tanh(x1*w1 + x2*w2 + b)`. Naming the intermediate tensors
# makes the text and the drawing easier to follow.

# %%
x1 = ag.tensor(2.0, requires_grad=True); x1.name = "x1"
x2 = ag.tensor(0.0, requires_grad=True); x2.name = "x2"
w1 = ag.tensor(-3.0, requires_grad=True); w1.name = "w1"
w2 = ag.tensor(1.0, requires_grad=True); w2.name = "w2"
b = ag.tensor(6.8813735870195432, requires_grad=True); b.name = "b"

x1w1 = x1 * w1
x2w2 = x2 * w2
s = x1w1 + x2w2
n = s + b
o = n.tanh()
names = dict(x1w1=x1w1, x2w2=x2w2, s=s, n=n, o=o)

stepper = ag.viz.BackwardStepper(o, names=names)
print(stepper.describe())
stepper.draw()

# %% [markdown]
# Nothing has a gradient yet (the `grad` cells are empty). Each call to `next()` applies one
# step. The first step is the `tanh` node: the upstream gradient is the seed dL/do = 1,
# the local derivative is `1 - o**2`.

# %%
stepper.next()
print(stepper.describe())
assert stepper[0].op == "tanh"          # the claim above: the first step is the tanh node
stepper.draw()

# %% [markdown]
# The current node has a red border; the red edges carry the gradients it just sent, labelled
# with their values; finished gradients are on a pink background. Next come the two
# additions. An addition passes its upstream gradient unchanged to both inputs - it
# *distributes* the gradient:

# %%
for _ in range(2):
    stepper.next()
    print(stepper.describe(), "\n")
assert [stepper[k].op for k in (1, 2)] == ["add", "add"]      # "next come the two additions"
stepper.draw()

# %% [markdown]
# Then the two multiplications. A product sends each input the upstream gradient times the
# *other* input - it *swaps* the values. That is why `w2` gets 0 here: its partner `x2` is 0.

# %%
for _ in range(2):
    stepper.next()
    print(stepper.describe(), "\n")
assert sorted(stepper[k].op for k in (3, 4)) == ["mul", "mul"]  # "then the two multiplications"
stepper.draw()

# %% [markdown]
# The last steps write the gradients into the leaves' `.grad`. (The engine accumulates into
# a leaf once it has the sum of all contributions to it.) The whole walk as text:

# %%
stepper.run_to_end()
print(stepper.trace())

# %% [markdown]
# ### The end state is `backward()`'s
#
# After the last step the leaves hold their gradients. Clearing them and running the real
# `o.backward()` gives exactly the same numbers (compared bit for bit):

# %%
leaves = [x1, x2, w1, w2, b]
stepped = {t.name: t.grad.numpy().copy() for t in leaves}
for t in leaves:
    t.grad = None
o.backward(retain_graph=True)
for t in leaves:
    print(f"{t.name:>3}: stepper {stepped[t.name].item(): .6f}   backward() {t.grad.item(): .6f}")
print("identical:", all(np.array_equal(stepped[t.name], t.grad.numpy()) for t in leaves))
assert all(np.array_equal(stepped[t.name], t.grad.numpy()) for t in leaves)   # bit for bit
assert w2.grad.item() == 0.0             # "w2 gets 0: its partner x2 is 0"

# %% [markdown]
# ### Stepping backward
#
# `prev()` undoes a step, `goto(k)` jumps to position k (0 = nothing applied): the leaves'
# `.grad` follow. This is what the widget's slider does.

# %%
for t in leaves:
    t.grad = None
stepper.reset()
stepper.goto(len(stepper))
print("at the end:     w1.grad =", w1.grad)
undone = stepper[len(stepper) - 1]
stepper.goto(len(stepper) - 1)        # undo the last step
print(f"one step back:  w1.grad = {w1.grad}   (the undone step was: {undone.lines[0]})")
stepper.goto(7)
print("at step 7:     ", {t.name: (None if t.grad is None else round(t.grad.item(), 4)) for t in leaves})

# %% [markdown]
# In a live notebook, `stepper.widget()` shows previous/next buttons and a slider over the
# steps, with the drawing and the text of each step (it needs `ipywidgets`; without it,
# `stepper.trace()` and `stepper.save_svgs(folder)` give the same walk as text and SVG files).
# Widgets need a live kernel: GitHub's viewer does not show them, so run the notebook to
# use it.

# %%
stepper.widget()

# %% [markdown]
# ## When a value is used twice
#
# If a tensor feeds two operations, it receives a gradient from each, and the chain rule
# says to **add** them. Here `a` is used by the product and by the sum:

# %%
a = ag.tensor(3.0, requires_grad=True); a.name = "a"
c = ag.tensor(-2.0, requires_grad=True); c.name = "c"
p = a * c
L = p + a
twice = ag.viz.BackwardStepper(L, names=dict(p=p, L=L))
twice.run_to_end()
print(twice.trace())
print(f"\ndL/da = c + 1 = {c.item() + 1}; the stepper left a.grad = {a.grad.item()}")
assert a.grad.item() == c.item() + 1     # the two contributions to a.grad were added
twice.draw()

# %% [markdown]
# ## A 2-layer MLP
#
# The same walk on a real model: `Linear(2, 3) -> Tanh -> Linear(3, 1)`, a batch of four
# examples and a mean squared error loss. The nodes are now tensors: the text shows shapes
# and, for small tensors, the values. The drawing groups the operations of each module call
# in a frame labelled with the module, and names the parameters as in the `state_dict`.

# %%
ag.manual_seed(0)
model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
X = ag.randn(4, 2)
y = ag.randn(4, 1)
loss = nn.functional.mse_loss(model(X), y)
loss.name = "loss"

mlp = ag.viz.BackwardStepper(loss, params=dict(model.named_parameters()))
print(f"{len(mlp)} steps:")
for step in mlp:
    print("  ", step.lines[0])

# %% [markdown]
# The loss comes first (`mse_loss` is composed of a division, a sum, the product of the
# difference with itself and a subtraction, walked from the output back), then the last
# layer, the `tanh`, the first layer, and finally the four parameters. Each `nn.Linear` is
# a single `linear` node computing `x @ W^T + b`. The cell finds the last layer's step (the
# first `linear` step of the walk: step 5) and stops right after it:

# %%
ops = [step.op for step in mlp]
print("ops in backward order:", ops)
k = ops.index("linear")                       # the last layer comes first in the walk
assert ops[:k] == ["div", "sum", "mul", "sub"] and ops[k + 1] == "tanh"   # the order above
assert k + 1 == 5                             # the prose calls it step 5
mlp.goto(k + 1)
print(mlp.describe())
mlp.draw()

# %% [markdown]
# Its rule sends `g^T @ x` to the weight: the gradient of a weight is the layer's input
# times the upstream gradient - the notes' *"the gradient that goes to any weight is a
# product of the input of that neuron and the upstream gradient"*. The bias receives the
# upstream gradient summed over the batch, and the other input, the hidden activations,
# receives `g @ W`, which flows on into the `tanh` (step 6).
#
# Run to the end, then compare with `loss.backward()` for every parameter:

# %%
mlp.run_to_end()
stepped = {name: p.grad.numpy().copy() for name, p in model.named_parameters()}
model.zero_grad()
loss.backward()
for name, p in model.named_parameters():
    same = np.array_equal(stepped[name], p.grad.numpy())
    print(f"{name:>9} {str(tuple(p.shape)):>7}: identical to backward(): {same}")
    assert same                          # the stepper's end state is backward()'s
mlp.draw()

# %% [markdown]
# ## Watching the forward pass
#
# The same walk exists for the forward pass: record it under `ag.keep_values()` and
# `ag.viz.ForwardStepper` shows the value each op produced, in topological order.

# %%
with ag.keep_values():
    o2 = (x1 * w1 + x2 * w2 + b).tanh()
fwd = ag.viz.ForwardStepper(o2)
fwd.run_to_end()
print(fwd.trace())

# %% [markdown]
# ## Try it
#
# * Change `b` so that the neuron saturates (e.g. `b = 20`) and watch the `tanh` step send
#   a gradient of almost 0 to everything below it.
# * Replace `Tanh` by `ReLU` in the MLP and find the rows where the gradient stops.
# * `ag.viz.BackwardStepper(loss, create_graph=True)` records a backward pass that is itself
#   differentiable.
