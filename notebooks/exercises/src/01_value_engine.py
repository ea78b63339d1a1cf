# %% [markdown]
# # Exercise 1: build a scalar autograd engine
#
# In this exercise you write, in about 40 lines, the core of every autograd engine: a
# `Value` that holds one number, remembers which values it was computed from, and knows how
# to send a gradient back to them. It is the design of Karpathy's *micrograd*; glassgrad's
# engine does the same on arrays. Each part is checked against glassgrad.
#
# How it works:
#
# * every operation creates a new `Value` whose `_prev` holds its inputs and whose
#   `_backward` is a small function (a *closure*) that, when called, **adds**
#   `out.grad * (local derivative)` into each input's `.grad` - the chain rule at one node;
# * `backward()` sorts the graph so that every node comes after all the nodes it was computed
#   from (a *topological order*), sets the output's gradient to 1 and calls `_backward` on
#   every node in the **reverse** of that order, so that a node's gradient is complete before
#   it is passed on.
#
# Fill in every `raise NotImplementedError`, then run the checker cell below it. A checker
# prints `OK` lines when your code matches glassgrad, and otherwise stops with a message
# naming the value that is wrong, what it should be and by how much it is off.
# (Solutions: `solutions/01_value_engine.ipynb` - try first.)

# %%
import math
from glassgrad.training import exercises as ex

# %% [markdown]
# ## The class
#
# `__add__` and `__mul__` accept a plain number too (wrap it in a `Value`). `__pow__` takes a
# plain number exponent `k`: d(x^k)/dx = k x^(k-1). `tanh` and `exp` use `math.tanh` and
# `math.exp`; their derivatives are `1 - tanh(x)^2` and `exp(x)`. The remaining operators
# (`-`, `/`, the reflected `2 * a`) are written for you in terms of these.

# %%
class Value:
    def __init__(self, data, _prev=(), _op=""):
        self.data = float(data)
        self.grad = 0.0
        self._prev = tuple(_prev)
        self._op = _op
        self._backward = lambda: None        # leaves have nothing to pass on

    def __repr__(self):
        return f"Value(data={self.data:.4g}, grad={self.grad:.4g})"

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        # BEGIN SOLUTION
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out
        # END SOLUTION

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        # BEGIN SOLUTION
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out
        # END SOLUTION

    def __pow__(self, k):
        assert isinstance(k, (int, float)), "only a plain number exponent"
        # BEGIN SOLUTION
        out = Value(self.data ** k, (self,), f"**{k}")

        def _backward():
            self.grad += k * self.data ** (k - 1) * out.grad
        out._backward = _backward
        return out
        # END SOLUTION

    def tanh(self):
        # BEGIN SOLUTION
        t = math.tanh(self.data)
        out = Value(t, (self,), "tanh")

        def _backward():
            self.grad += (1 - t ** 2) * out.grad
        out._backward = _backward
        return out
        # END SOLUTION

    def exp(self):
        # BEGIN SOLUTION
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward():
            self.grad += out.data * out.grad
        out._backward = _backward
        return out
        # END SOLUTION

    def backward(self):
        """Fill .grad of every value this one was computed from (d self / d value)."""
        # BEGIN SOLUTION
        order, seen = [], set()

        def visit(v):                       # depth first: inputs before the value itself
            if id(v) not in seen:
                seen.add(id(v))
                for child in v._prev:
                    visit(child)
                order.append(v)

        visit(self)
        self.grad = 1.0
        for v in reversed(order):
            v._backward()
        # END SOLUTION

    # written for you: everything else in terms of the operations above
    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-other)

    def __truediv__(self, other):
        return self * other ** -1 if isinstance(other, Value) else self * (1.0 / other)

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

# %% [markdown]
# ## Check 1: addition and multiplication
#
# The checker builds `a + b` and `a * b` for a few values, compares `.data` with glassgrad,
# then sets `out.grad = 1.7` (an upstream gradient), calls `out._backward()` and compares
# what arrived in `a.grad` and `b.grad` with the gradients glassgrad computes.

# %%
ex.check_value_ops(Value, ["add", "mul"])

# %% [markdown]
# ## Check 2: power, tanh and exp

# %%
ex.check_value_ops(Value, ["pow", "tanh", "exp"])

# %% [markdown]
# ## Check 3: `backward()`
#
# Now the whole walk. The expressions are chosen so that shortcuts fail: in `a * b + a`,
# `a` is used twice and must receive the **sum** of both contributions (hence `+=` in every
# `_backward`); in the "diamond" a node is reached along two paths, so it must not pass its
# gradient on before both have arrived - that is what the topological order guarantees.

# %%
ex.check_value_backward(Value)

# %% [markdown]
# ## Use it
#
# A neuron, as in notebook 1 - the numbers should match the drawing there:

# %%
x1, x2, w1, w2 = Value(2.0), Value(0.0), Value(-3.0), Value(1.0)
b = Value(6.8813735870195432)
o = (x1 * w1 + x2 * w2 + b).tanh()
o.backward()
print(o, "\n", "x1:", x1, " w1:", w1, " x2:", x2, " w2:", w2)
