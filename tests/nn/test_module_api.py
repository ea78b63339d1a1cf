"""The nn.Module API PyTorch users call: to/cpu/half/type, buffers, lookups, hooks with
kwargs, state_dict options, deepcopy."""
import copy

import numpy as np
import pytest

from glassgrad import autograd as ag
from glassgrad import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)
        self.bn = nn.BatchNorm1d(2)
        self.register_buffer("table", ag.arange(4).double())
        self.register_buffer("cache", ag.zeros(2), persistent=False)

    def forward(self, x, scale=1.0):
        return self.bn(self.fc(x)) * scale


def test_to_accepts_devices_dtypes_and_tensors():
    net = Net()
    assert net.to("cpu") is net and net.cpu() is net
    assert net.to("cpu:0").fc.weight.dtype == ag.float32
    assert net.to("cpu", ag.float64).fc.weight.dtype == ag.float64
    assert net.to(dtype=ag.float32, device="cpu").fc.weight.dtype == ag.float32
    assert net.to(ag.zeros(1, dtype=ag.float64)).bn.running_mean.dtype == ag.float64
    assert net.bn.num_batches_tracked.dtype == ag.int64          # integer buffers stay
    assert net.half().fc.weight.dtype == ag.float16
    assert net.float().fc.bias.dtype == ag.float32
    assert net.double().cache.dtype == ag.float64
    with pytest.raises(RuntimeError, match="CPU only"):
        net.to("cuda")
    with pytest.raises(RuntimeError, match="CPU only"):
        net.cuda()
    with pytest.raises(TypeError, match="floating"):
        net.to(ag.int32)
    net.type(ag.float32)
    assert net.bn.num_batches_tracked.dtype == ag.float32         # type() casts everything
    torch = pytest.importorskip("torch")
    assert net.to(torch.device("cpu")) is net
    with pytest.raises(RuntimeError, match="CPU only"):
        net.to(torch.device("meta"))


def test_buffers_persistence_and_lookups():
    net = Net()
    assert [n for n, _ in net.named_buffers()] == ["table", "cache", "bn.running_mean",
                                                   "bn.running_var", "bn.num_batches_tracked"]
    assert len(list(net.buffers())) == 5
    assert "cache" not in net.state_dict() and "table" in net.state_dict()
    assert net.get_submodule("bn") is net.bn and net.get_submodule("") is net
    assert net.get_parameter("fc.weight") is net.fc.weight
    assert net.get_buffer("bn.running_var") is net.bn.running_var
    assert net.get_buffer("cache") is net.cache
    with pytest.raises(AttributeError, match="no submodule 'nope'"):
        net.get_submodule("nope.x")
    with pytest.raises(AttributeError, match="no parameter"):
        net.get_parameter("fc.running_mean")
    with pytest.raises(AttributeError, match="no buffer"):
        net.get_buffer("fc.weight")


def test_requires_grad_zero_grad_apply_and_module_registration():
    net = Net()
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    net.requires_grad_()
    net(ag.randn(4, 3)).sum().backward()
    net.zero_grad(set_to_none=False)
    assert all(np.all(p.grad.numpy() == 0) for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    seen = []
    net.apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Linear", "BatchNorm1d", "Net"]
    net.register_module("extra", nn.ReLU())
    net.add_module("shared", net.fc)
    assert [n for n, _ in net.named_modules()] == ["", "fc", "bn", "extra"]
    assert [n for n, _ in net.named_modules(remove_duplicate=False)] == \
        ["", "fc", "bn", "extra", "shared"]
    assert len(list(net.named_parameters(remove_duplicate=False))) == 6


def test_hooks_with_kwargs_and_prepend():
    net = Net().eval()
    calls = []

    def pre(mod, args, kwargs):
        calls.append("pre-kw")
        return args, {**kwargs, "scale": 2.0}

    def post(mod, args, kwargs, out):
        calls.append(("post-kw", kwargs["scale"]))
        return out + 1.0

    x = ag.randn(2, 3)
    base = net(x).numpy()
    h1 = net.register_forward_pre_hook(pre, with_kwargs=True)
    h2 = net.register_forward_pre_hook(lambda m, a: calls.append("pre-first"), prepend=True)
    h3 = net.register_forward_hook(post, with_kwargs=True)
    out = net(x, scale=1.0)
    np.testing.assert_allclose(out.numpy(), base * 2.0 + 1.0, rtol=1e-6)
    assert calls == ["pre-first", "pre-kw", ("post-kw", 2.0)]
    for h in (h1, h2, h3):
        h.remove()
    np.testing.assert_allclose(net(x).numpy(), base, rtol=1e-6)
    assert not net._hooks_with_kwargs


def test_state_dict_keep_vars_load_strict_and_assign():
    net = Net()
    sd = net.state_dict()
    assert sd["fc.weight"] is not net.fc.weight and not sd["fc.weight"].requires_grad
    assert net.state_dict(keep_vars=True)["fc.weight"] is net.fc.weight
    result = net.load_state_dict({"fc.weight": np.zeros((2, 3)), "junk": np.ones(1)},
                                 strict=False)
    assert result.missing_keys == [k for k in sd if k != "fc.weight"]
    assert result.unexpected_keys == ["junk"]
    assert np.all(net.fc.weight.numpy() == 0)
    with pytest.raises(RuntimeError, match='Unexpected key\\(s\\) in state_dict: "junk"'):
        net.load_state_dict({**sd, "junk": np.ones(1)})
    other = Net().double()
    new = other.state_dict()
    old_weight = net.fc.weight
    net.load_state_dict(new, assign=True)
    assert net.fc.weight is not old_weight and isinstance(net.fc.weight, nn.Parameter)
    assert net.fc.weight.dtype == ag.float64 and net.fc.weight.requires_grad
    assert net.bn.running_mean is new["bn.running_mean"]
    assert net.get_parameter("fc.weight") is net.fc.weight


def test_torch_state_dict_loads_directly():
    torch = pytest.importorskip("torch")
    ours, theirs = nn.Linear(3, 2), torch.nn.Linear(3, 2)
    ours.load_state_dict(theirs.state_dict())
    np.testing.assert_array_equal(ours.weight.numpy(), theirs.weight.detach().numpy())


def test_deepcopy_and_extra_repr():
    net = Net()
    net.fc.weight.grad = ag.ones(2, 3)
    twin = copy.deepcopy(net)
    assert twin.fc.weight is not net.fc.weight and isinstance(twin.fc.weight, nn.Parameter)
    np.testing.assert_array_equal(twin.fc.weight.numpy(), net.fc.weight.numpy())
    with ag.no_grad():
        twin.fc.weight.add_(1.0)
    assert not np.allclose(twin.fc.weight.numpy(), net.fc.weight.numpy())
    assert "cache" in dict(twin.named_buffers()) and "cache" not in twin.state_dict()
    x = ag.randn(2, 3)
    net.eval()
    twin.eval()
    twin(x)                         # the copy works (registries and hooks were copied)
    lstm = copy.deepcopy(nn.LSTM(2, 3, num_layers=2))
    assert lstm(ag.randn(4, 1, 2))[0].shape == (4, 1, 3)

    class Scaled(nn.Module):
        def __init__(self):
            super().__init__()
            self.k = 3

        def extra_repr(self):
            return f"k={self.k}"

    assert repr(Scaled()) == "Scaled(k=3)"
