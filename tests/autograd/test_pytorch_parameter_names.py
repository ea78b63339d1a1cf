"""Functions and methods take PyTorch's parameter names, so that torch code calling them by
keyword (`gg.sum(input=t, dim=0)`, `gg.where(condition=c, input=a, other=b)`) runs unchanged.

Each case calls glassgrad and torch with the same keyword arguments and compares the
results; where torch's docstring starts with a readable signature, the keywords are also
checked against it."""
import re

import numpy as np
import pytest

import glassgrad as gg

torch = pytest.importorskip("torch")

A = np.array([[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]], dtype=np.float32)
B = np.array([[2.0, 1.0, -3.0], [1.5, -4.0, 2.0]], dtype=np.float32)
P = np.array([[0.2, 0.5, 0.9], [0.1, 0.7, 0.3]], dtype=np.float32)
V = np.array([1.0, 2.0, 3.0], dtype=np.float32)
W = np.array([[1.0, 0.0, -1.0], [2.0, 1.0, 0.5]], dtype=np.float32)
MASK = A > 0
INDEX = np.array([[0, 1, 2], [2, 0, 1]], dtype=np.int64)
IMAGE = np.arange(2 * 1 * 4 * 4, dtype=np.float32).reshape(2, 1, 4, 4) / 10
KERNEL = np.array([[[[1.0, -1.0], [0.5, 2.0]]]], dtype=np.float32)


class Arg:
    """An array that becomes a tensor of the library being called."""

    def __init__(self, array):
        self.array = array


def _tensors(lib, kwargs):
    make = gg.tensor if lib is gg else torch.tensor
    return {k: make(v.array) if isinstance(v, Arg) else v for k, v in kwargs.items()}


# (name, keyword arguments); "Tensor.name" calls the method on the `self` argument
CASES = [
    # ops.py: one input
    *[(name, dict(input=Arg(A))) for name in (
        "neg", "exp", "log1p", "expm1", "sin", "cos", "tanh", "sigmoid", "erf", "relu",
        "abs", "square", "sign", "clone", "isnan", "isinf", "isfinite", "logical_not")],
    *[(name, dict(input=Arg(P))) for name in ("log", "sqrt", "rsqrt")],
    ("clamp", dict(input=Arg(A), min=-1.0, max=2.0)),
    ("sum", dict(input=Arg(A), dim=1, keepdim=True)),
    ("mean", dict(input=Arg(A), dim=0, keepdim=False)),
    ("amax", dict(input=Arg(A), dim=1)),
    ("amin", dict(input=Arg(A), dim=0, keepdim=True)),
    ("argmax", dict(input=Arg(A), dim=1)),
    ("argmin", dict(input=Arg(A), dim=0, keepdim=True)),
    ("max", dict(input=Arg(A), dim=1)),
    ("min", dict(input=Arg(A), dim=0)),
    ("logsumexp", dict(input=Arg(A), dim=1)),
    ("softmax", dict(input=Arg(A), dim=0)),
    ("log_softmax", dict(input=Arg(A), dim=1)),
    ("all", dict(input=Arg(MASK), dim=1)),
    ("any", dict(input=Arg(MASK), dim=0)),
    ("flatten", dict(input=Arg(A), start_dim=0, end_dim=1)),
    ("squeeze", dict(input=Arg(A[None]), dim=0)),
    ("unsqueeze", dict(input=Arg(A), dim=1)),
    ("transpose", dict(input=Arg(A), dim0=0, dim1=1)),
    ("swapaxes", dict(input=Arg(A), axis0=1, axis1=0)),
    ("gather", dict(input=Arg(A), dim=1, index=Arg(INDEX))),
    ("masked_fill", dict(input=Arg(A), mask=Arg(MASK), value=0.0)),
    ("split", dict(tensor=Arg(A), split_size_or_sections=1, dim=0)),
    # ops.py: two inputs
    *[(name, dict(input=Arg(A), other=Arg(B))) for name in (
        "add", "sub", "mul", "maximum", "minimum", "eq", "ne", "lt", "le", "gt", "ge",
        "allclose", "equal")],
    ("div", dict(input=Arg(A), other=Arg(B), rounding_mode="floor")),
    ("pow", dict(input=Arg(P), exponent=Arg(B))),
    ("where", dict(condition=Arg(MASK), input=Arg(A), other=Arg(B))),
    ("matmul", dict(input=Arg(A), other=Arg(B.T.copy()))),
    ("dot", dict(input=Arg(V), tensor=Arg(V))),
    ("conv2d", dict(input=Arg(IMAGE), weight=Arg(KERNEL), bias=None, stride=1, padding=1,
                    dilation=1)),
    # elementwise.py
    ("atan2", dict(input=Arg(A), other=Arg(B))),
    ("lerp", dict(input=Arg(A), end=Arg(B), weight=0.25)),
    ("addcmul", dict(input=Arg(A), tensor1=Arg(B), tensor2=Arg(P), value=2)),
    ("polygamma", dict(n=1, input=Arg(P))),
    ("float_power", dict(input=Arg(P), exponent=2)),
    ("rsub", dict(input=Arg(A), other=Arg(B), alpha=2)),
    ("isclose", dict(input=Arg(A), other=Arg(B), rtol=0.1, atol=0.5)),
    ("round", dict(input=Arg(A), decimals=1)),
    ("logit", dict(input=Arg(P), eps=0.25)),
    # Tensor methods whose first parameter is the tensor itself
    ("Tensor.expand_as", dict(self=Arg(V), other=Arg(A))),
    ("Tensor.type_as", dict(self=Arg(A), other=Arg(INDEX))),
    ("Tensor.where", dict(self=Arg(A), condition=Arg(MASK), other=Arg(B))),
    ("Tensor.add_", dict(self=Arg(A), other=Arg(B), alpha=2)),
    ("Tensor.sub_", dict(self=Arg(A), other=Arg(B), alpha=2)),
    ("Tensor.mul_", dict(self=Arg(A), other=Arg(B))),
    ("Tensor.div_", dict(self=Arg(A), other=Arg(B))),
    ("Tensor.clamp_", dict(self=Arg(A), min=0.0, max=1.0)),
    ("Tensor.masked_fill_", dict(self=Arg(A), mask=Arg(MASK), value=-1.0)),
    ("Tensor.fill_", dict(self=Arg(A), value=2.0)),
    ("Tensor.hypot_", dict(self=Arg(A), other=Arg(B))),
    ("Tensor.round_", dict(self=Arg(A), decimals=1)),
    ("Tensor.view_as", dict(self=Arg(V), other=Arg(V[None]))),
]


def _call(lib, name, kwargs):
    kwargs = _tensors(lib, kwargs)
    if name.startswith("Tensor."):
        return getattr(kwargs.pop("self"), name[len("Tensor."):])(**kwargs)
    if name == "conv2d" and lib is torch:
        return torch.nn.functional.conv2d(**kwargs)
    return getattr(lib, name)(**kwargs)


def _as_numpy(value):
    if isinstance(value, (tuple, list)):
        return [_as_numpy(v) for v in value]
    if isinstance(value, gg.Tensor):
        return value.numpy()
    if isinstance(value, torch.Tensor):
        return value.detach().numpy()
    return value


@pytest.mark.parametrize("name, kwargs", CASES, ids=[name for name, _ in CASES])
def test_keyword_call_matches_torch(name, kwargs):
    ours, theirs = _as_numpy(_call(gg, name, kwargs)), _as_numpy(_call(torch, name, kwargs))
    if isinstance(ours, list):
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    else:
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


def _documented_parameters(name):
    """The parameter names in the first line of torch's docstring ("sum(input, dim, ...)
    -> Tensor"), or None when it does not start with a signature."""
    if name.startswith("Tensor."):
        fn = getattr(torch.Tensor, name[len("Tensor."):])
    elif name == "conv2d":
        fn = torch.nn.functional.conv2d
    else:
        fn = getattr(torch, name)
    lines = [line.strip().removeprefix(".. function::").strip()
             for line in (fn.__doc__ or "").strip().split("\n")]
    signatures = [line for line in lines if re.match(rf"^{name.split('.')[-1]}\(.*\)\s*(->|→)",
                                                     line)]
    if not signatures:
        return None
    names = set()
    for signature in signatures:       # one line per overload (max, min, ...)
        inside = signature[signature.index("(") + 1:signature.rindex(")")]
        for part in inside.split(","):
            part = part.split("=")[0].split(":")[0].strip().lstrip("*")
            if part.isidentifier():
                names.add(part)
    return names


# torch's docstrings name these arguments differently from what its bindings accept
# (Tensor.mul_(value) is called as mul_(other=...)); glassgrad takes the accepted names,
# which working torch code uses
DOCUMENTED_UNLIKE_ACCEPTED = {"Tensor.type_as", "Tensor.where", "Tensor.mul_", "Tensor.div_"}


@pytest.mark.parametrize("name, kwargs", CASES, ids=[name for name, _ in CASES])
def test_keywords_are_torch_documented_names(name, kwargs):
    if name in DOCUMENTED_UNLIKE_ACCEPTED:
        pytest.skip(f"torch's docstring of {name} names an argument its binding rejects")
    documented = _documented_parameters(name)
    if documented is None:
        pytest.skip(f"torch's docstring of {name} does not start with a signature")
    used = set(kwargs) - {"self"}
    assert used <= documented, f"{name}: {sorted(used - documented)} not in {sorted(documented)}"




def test_documented_names_that_torch_binds_differently():
    # torch documents broadcast_to(input, shape) and copy_(src) but its bindings accept
    # size= and other=; glassgrad takes the documented names
    x = gg.zeros(2, 3)
    assert gg.broadcast_to(input=gg.tensor(V), shape=(2, 3)).shape == (2, 3)
    x.copy_(src=gg.tensor(V))
    np.testing.assert_array_equal(x.numpy(), np.broadcast_to(V, (2, 3)))
