"""nn.functional's parameter names are PyTorch's: code written for torch passes arguments by
keyword (``F.cross_entropy(input=logits, target=y)``), so a renamed parameter is an API bug."""
import inspect
import re

import pytest

import glassgrad as gg
import glassgrad.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

# glassgrad functions with no torch.nn.functional counterpart
_NOT_IN_TORCH = {"flatten", "maxout"}


def _torch_parameters(name):
    """Parameter names of torch.nn.functional.<name>: from its signature, from the private
    function behind a boolean dispatch (max_pool2d...), or from the first line of its
    docstring for C++ builtins (``conv2d(input, weight, bias=None, ...) -> Tensor``)."""
    fn = getattr(TF, name)
    try:
        names = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        names = None
    if names == ["args", "kwargs"] and hasattr(TF, "_" + name):
        names = list(inspect.signature(getattr(TF, "_" + name)).parameters)
    if names is None:
        first = (fn.__doc__ or "").strip().split("\n")[0]
        match = re.match(rf"{name}\((.*?)\)", first)
        if match is None:
            return None
        names = [a.split("=")[0].strip().lstrip("*") for a in match.group(1).split(",")]
    return [n for n in names if n]


def _functional_names():
    names = [n for n in dir(F) if not n.startswith("_") and inspect.isfunction(getattr(F, n))
             and getattr(F, n).__module__.startswith("glassgrad")]
    return sorted(n for n in names if n not in _NOT_IN_TORCH and hasattr(TF, n))


@pytest.mark.parametrize("name", _functional_names())
def test_every_parameter_has_the_name_pytorch_documents(name):
    theirs = _torch_parameters(name)
    if theirs is None:
        pytest.skip(f"torch.nn.functional.{name}'s parameters cannot be read")
    ours = [p.name for p in inspect.signature(getattr(F, name)).parameters.values()
            if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    assert [n for n in ours if n not in theirs] == [], (name, ours, theirs)


def test_keyword_calls_in_pytorch_style():
    x = gg.tensor([[1.0, -2.0, 3.0], [0.5, 0.0, -1.0]])
    y = gg.tensor([2, 0])
    assert F.cross_entropy(input=x, target=y, reduction="sum").shape == ()
    assert F.leaky_relu(input=x, negative_slope=0.2).shape == (2, 3)
    assert F.softmax(input=x, dim=1).shape == (2, 3)
    assert F.cosine_similarity(x1=x, x2=x, dim=1).shape == (2,)
    assert F.pairwise_distance(x1=x, x2=x, p=2.0, keepdim=True).shape == (2, 1)
    assert F.one_hot(tensor=y, num_classes=3).shape == (2, 3)
    image = gg.ones(1, 1, 4, 4)
    assert F.max_pool2d(input=image, kernel_size=2, stride=2).shape == (1, 1, 2, 2)
    assert F.avg_pool2d(input=image, kernel_size=2, divisor_override=1).shape == (1, 1, 2, 2)
    assert F.conv2d(input=image, weight=gg.ones(2, 1, 3, 3), padding="same").shape == \
        (1, 2, 4, 4)
    assert F.pad(input=image, pad=(1, 1), mode="constant", value=0.0).shape == (1, 1, 4, 6)
    assert F.interpolate(input=image, scale_factor=2, mode="nearest").shape == (1, 1, 8, 8)
