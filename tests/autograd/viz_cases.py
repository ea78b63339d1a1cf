"""Graphs shared by the drawing and stepper tests: micrograd's expression and a 2-2-1 MLP of
stand-in modules (own parameters and an ag.scope around forward, without importing nn)."""
import shutil

import pytest

from glassgrad import autograd as ag

needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz's `dot` program is not installed "
                                      "(apt-get install graphviz)")
SVG = "{http://www.w3.org/2000/svg}"


def leaf(value, name, dtype=None):
    t = ag.tensor(value, dtype=dtype, requires_grad=True)
    t.name = name
    return t


def micrograd_expression():
    """micrograd's classic: e = a*b, d = e + c, L = d * f."""
    a, b, c, f = leaf(2.0, "a"), leaf(-3.0, "b"), leaf(10.0, "c"), leaf(-2.0, "f")
    e = a * b
    d = e + c
    L = d * f
    L.name = "L"
    return dict(a=a, b=b, c=c, f=f, e=e, d=d, L=L)


class FakeLinear:
    """A stand-in module: its own parameters, and an ag.scope around its forward."""

    def __init__(self, n_in, n_out, name, dtype=None):
        self.name = name
        self.weight = ag.randn(n_out, n_in, dtype=dtype, requires_grad=True)
        self.bias = ag.randn(n_out, dtype=dtype, requires_grad=True)

    def named_parameters(self):
        yield "weight", self.weight
        yield "bias", self.bias

    def __call__(self, x):
        with ag.scope(self.name, self):
            return (x @ self.weight.T + self.bias).tanh()


class FakeMLP:
    """2-2-1 MLP of FakeLinear layers '0' and '1', named like a torch Sequential."""

    def __init__(self, dtype=None):
        self.layers = [FakeLinear(2, 2, "0", dtype), FakeLinear(2, 1, "1", dtype)]

    def named_parameters(self):
        for i, layer in enumerate(self.layers):
            for name, p in layer.named_parameters():
                yield f"{i}.{name}", p

    def named_modules(self):
        yield "", self
        for i, layer in enumerate(self.layers):
            yield str(i), layer

    def __call__(self, x):
        with ag.scope("FakeMLP", self):
            for layer in self.layers:
                x = layer(x)
            return x
