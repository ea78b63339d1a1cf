"""nn.Module: registration, iteration, modes, hooks, scopes, state dicts, repr, containers."""
from collections import OrderedDict

import numpy as np
import pytest

from glassgrad import autograd as ag
from glassgrad import nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 4)
        self.scale = nn.Parameter(ag.ones(4))
        self.register_buffer("count", ag.zeros(1))
        self.register_buffer("scratch", ag.zeros(2), persistent=False)
        self.act = nn.ReLU()

    def forward(self, x):
        return self.act(self.fc(x)) * self.scale


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()
        self.head = nn.Linear(4, 2)
        self.shared = self.head              # the same module twice: counted once

    def forward(self, x):
        return self.head(self.block(x))


def mlp():
    return nn.Sequential(nn.Linear(4, 5), nn.BatchNorm1d(5), nn.ReLU(), nn.Linear(5, 3))


def cnn():
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Conv2d(4, 8, 3), nn.ReLU(), nn.Flatten(),
                         nn.Dropout(0.25), nn.Linear(8, 10))


def test_registration_in_definition_order_without_duplicates():
    net = Net()
    # PyTorch's order: each module's own members first, then its children's, depth first
    assert [n for n, _ in net.named_parameters()] == ["block.scale", "block.fc.weight",
                                                      "block.fc.bias", "head.weight", "head.bias"]
    assert len(list(net.parameters())) == 5
    assert [n for n, _ in net.named_buffers()] == ["block.count", "block.scratch"]
    assert [n for n, _ in net.named_children()] == ["block", "head"]
    assert [n for n, _ in net.named_modules()] == ["", "block", "block.fc", "block.act", "head"]
    assert list(net.state_dict()) == ["block.scale", "block.count", "block.fc.weight",
                                      "block.fc.bias", "head.weight", "head.bias",
                                      "shared.weight", "shared.bias"]
    assert [n for n, _ in net.block.named_parameters(recurse=False)] == ["scale"]


def test_attribute_reassignment_and_deletion():
    m = Block()
    with pytest.raises(TypeError, match="parameter 'scale'"):
        m.scale = ag.ones(4)
    m.scale = None
    assert "block.scale" not in [n for n, _ in m.named_parameters()]
    m.fc = nn.Identity()
    assert [n for n, _ in m.named_parameters()] == []
    del m.act
    assert "act" not in dict(m.named_children())
    with pytest.raises(AttributeError, match="no attribute 'missing'"):
        m.missing
    with pytest.raises(AttributeError, match="before Module.__init__"):
        class Bad(nn.Module):
            def __init__(self):
                self.fc = nn.Linear(1, 1)
        Bad()


def test_train_eval_zero_grad_apply_to():
    net = Net()
    assert net.training and net.block.fc.training
    net.eval()
    assert not net.training and not net.block.act.training
    net.train()
    assert net.block.training
    net(ag.randn(2, 3)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    seen = []
    assert net.apply(lambda m: seen.append(type(m).__name__)) is net
    assert seen == ["Linear", "ReLU", "Block", "Linear", "Net"]
    bn = nn.BatchNorm1d(3)
    assert bn.double() is bn
    assert bn.weight.dtype == ag.float64 and bn.running_var.dtype == ag.float64
    assert bn.num_batches_tracked.dtype == ag.int64
    assert bn.float().weight.dtype == ag.float32


def test_to_keeps_parameter_identity_for_optimizers():
    m = nn.Linear(2, 2)
    w = m.weight
    m.to(ag.float64)
    assert m.weight is w and w.dtype == ag.float64 and w.requires_grad


def test_forward_hooks_and_handles():
    m = nn.Linear(2, 2)
    calls = []
    h1 = m.register_forward_pre_hook(lambda mod, args: (args[0] * 0,))
    h2 = m.register_forward_hook(lambda mod, args, out: calls.append(out.shape) or out + 1)
    out = m(ag.randn(3, 2))
    np.testing.assert_allclose(out.numpy(), np.broadcast_to(m.bias.numpy() + 1, (3, 2)))
    assert calls == [(3, 2)]
    h1.remove()
    h2.remove()
    x = ag.randn(3, 2)
    np.testing.assert_allclose(m(x).numpy(), x.numpy() @ m.weight.numpy().T + m.bias.numpy(),
                               rtol=1e-6)
    assert calls == [(3, 2)]


def test_scopes_label_nodes_with_attribute_names():
    net = Net()
    out = net(ag.randn(2, 3))
    assert out.grad_fn.scope.path() == ["Net", "head"]
    assert out.grad_fn.scope.module is net.head
    paths, stack, seen = set(), [out.grad_fn], set()
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen or not hasattr(node, "scope"):
            continue
        seen.add(id(node))
        if node.scope is not None:
            paths.add(tuple(node.scope.path()))
        stack.extend(n for n in node.next if n is not None and not isinstance(n, ag.Tensor))
    assert ("Net", "block", "fc") in paths and ("Net", "block", "act") in paths
    assert ("Net", "block") in paths                      # the multiplication by scale
    seq = mlp()
    assert seq(ag.randn(3, 4)).grad_fn.scope.path() == ["Sequential", "3"]


def test_load_state_dict_roundtrip_accepts_numpy():
    a, b = mlp(), mlp()
    b(ag.randn(6, 4))                                     # change b's running stats
    result = a.load_state_dict({k: v.numpy().copy() for k, v in b.state_dict().items()})
    assert result.missing_keys == [] and result.unexpected_keys == []
    for (k, v), w in zip(a.state_dict().items(), b.state_dict().values()):
        np.testing.assert_array_equal(v.numpy(), w.numpy(), err_msg=k)
    x = ag.randn(2, 4)
    a.eval(), b.eval()
    np.testing.assert_array_equal(a(x).numpy(), b(x).numpy())


def _snapshot(m):
    return {k: v.numpy().copy() for k, v in m.state_dict().items()}


def _unchanged(m, snap):
    return all(np.array_equal(v.numpy(), snap[k]) for k, v in m.state_dict().items())


def test_load_state_dict_refuses_bad_dicts_and_changes_nothing():
    m = mlp()
    snap = _snapshot(m)
    good = {k: ag.randn(*v.shape) if v.dtype.kind == "f" else v for k, v in
            mlp().state_dict().items()}

    missing = dict(good)
    del missing["1.running_var"]
    with pytest.raises(RuntimeError, match=r'Missing key\(s\) in state_dict: "1.running_var"'):
        m.load_state_dict(missing)
    assert _unchanged(m, snap)

    extra = dict(good, **{"9.weight": ag.zeros(2)})
    with pytest.raises(RuntimeError, match=r'Unexpected key\(s\) in state_dict: "9.weight"'):
        m.load_state_dict(extra)
    assert _unchanged(m, snap)

    wrong = dict(good, **{"3.weight": ag.zeros(5, 3)})
    with pytest.raises(RuntimeError, match=r"size mismatch for 3.weight: copying a param with "
                                           r"shape \(5, 3\) from checkpoint, the shape in "
                                           r"current model is \(3, 5\)"):
        m.load_state_dict(wrong)
    assert _unchanged(m, snap)

    result = m.load_state_dict(extra, strict=False)
    assert result.unexpected_keys == ["9.weight"] and result.missing_keys == []
    assert not _unchanged(m, snap)
    with pytest.raises(RuntimeError, match="size mismatch"):   # shapes are checked always
        m.load_state_dict(wrong, strict=False)


def test_one_element_vector_loads_into_0d_buffer_as_in_pytorch():
    bn = nn.BatchNorm1d(2)
    sd = dict(bn.state_dict(), num_batches_tracked=np.array([7]))
    bn.load_state_dict(sd)
    assert bn.num_batches_tracked.shape == () and bn.num_batches_tracked.item() == 7


def test_load_state_dict_copies_in_place():
    m = nn.Linear(2, 2)
    w = m.weight
    m.load_state_dict({"weight": np.ones((2, 2)), "bias": np.zeros(2)})
    assert m.weight is w and w.dtype == ag.float32
    np.testing.assert_array_equal(w.numpy(), 1)


def test_containers():
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    assert len(seq) == 2 and isinstance(seq[-1], nn.ReLU)
    seq.append(nn.Linear(3, 1))
    assert [type(m).__name__ for m in seq] == ["Linear", "ReLU", "Linear"]
    assert list(seq[1:].state_dict()) == ["2.weight", "2.bias"]
    assert seq(ag.randn(4, 2)).shape == (4, 1)
    named = nn.Sequential(OrderedDict(fc=nn.Linear(2, 2), act=nn.Tanh()))
    assert list(named.state_dict()) == ["fc.weight", "fc.bias"]
    with pytest.raises(IndexError, match="out of range"):
        seq[5]

    ml = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    ml.append(nn.ReLU())
    assert len(ml) == 4 and [n for n, _ in ml.named_parameters()][-1] == "2.bias"
    md = nn.ModuleDict({"a": nn.Linear(1, 1), "b": nn.ReLU()})
    assert "a" in md and list(md.keys()) == ["a", "b"] and len(md) == 2
    assert list(md.state_dict()) == ["a.weight", "a.bias"]
    x = ag.randn(2, 3)
    assert nn.Identity(54, unused="x")(x) is x


def test_deepcopy_gives_an_independent_model():
    import copy
    net = mlp()
    twin = copy.deepcopy(net)
    assert isinstance(twin[0].weight, nn.Parameter) and twin[0].weight.requires_grad
    assert twin[0].weight is not net[0].weight
    with ag.no_grad():
        twin[0].weight.fill_(0.0)
    assert net[0].weight.numpy().any()


def test_container_editing_keeps_pytorch_numbering():
    seq = nn.Sequential(nn.Linear(1, 1), nn.ReLU(), nn.Tanh())
    del seq[1]
    assert [k for k, _ in seq.named_children()] == ["0", "1"] and isinstance(seq[1], nn.Tanh)
    seq.insert(0, nn.Sigmoid())
    assert [type(m).__name__ for m in seq] == ["Sigmoid", "Linear", "Tanh"]
    seq.extend([nn.ReLU()])
    seq[0] = nn.Identity()
    assert list(seq.state_dict()) == ["1.weight", "1.bias"] and len(seq) == 4
    ml = nn.ModuleList()
    ml += [nn.Linear(1, 2), nn.ReLU()]
    del ml[0]
    assert len(ml) == 1 and isinstance(ml[0], nn.ReLU)
    md = nn.ModuleDict()
    md.update([("x", nn.Linear(1, 1))])
    md["y"] = nn.ReLU()
    assert isinstance(md.pop("x"), nn.Linear) and list(md) == ["y"]


def test_registration_errors():
    m = nn.Module()
    with pytest.raises(TypeError, match="nn.Parameter or None"):
        m.register_parameter("w", ag.ones(2))
    with pytest.raises(TypeError, match="Tensor or None"):
        m.register_buffer("b", [1, 2])
    with pytest.raises(KeyError, match="no '.'"):
        m.register_buffer("a.b", ag.ones(1))
    with pytest.raises(TypeError, match="not a Module"):
        m.add_module("x", 3)
    with pytest.raises(NotImplementedError, match="must define forward"):
        m(ag.ones(1))
    m.register_buffer("b", ag.ones(1))
    with pytest.raises(KeyError, match="already exists"):
        m.register_parameter("b", None)
    with pytest.raises(TypeError, match="Tensor or None"):
        m.b = 3.0


def test_parameter():
    p = nn.Parameter(ag.randn(2, 3))
    assert p.requires_grad and p.is_leaf and isinstance(p, ag.Tensor)
    assert repr(p).startswith("Parameter containing:\ntensor(")
    assert not nn.Parameter(ag.ones(2), requires_grad=False).requires_grad
    arr = np.zeros(3, dtype=np.float32)
    assert nn.Parameter(arr).numpy() is arr


def test_repr_matches_torch():
    torch = pytest.importorskip("torch")
    tnn = torch.nn
    twin = tnn.Sequential(tnn.Conv2d(1, 4, 3, padding=1), tnn.BatchNorm2d(4), tnn.ReLU(),
                          tnn.MaxPool2d(2), tnn.Conv2d(4, 8, 3), tnn.ReLU(), tnn.Flatten(),
                          tnn.Dropout(0.25), tnn.Linear(8, 10))
    assert repr(cnn()) == repr(twin)
    ours = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2), nn.Linear(2, 2), nn.ReLU()])
    theirs = tnn.ModuleList([tnn.Linear(2, 2), tnn.Linear(2, 2), tnn.Linear(2, 2), tnn.ReLU()])
    assert repr(ours) == repr(theirs)
    for a, b in [(nn.Conv2d(2, 3, (2, 3), stride=2, padding=1, dilation=2, bias=False),
                  tnn.Conv2d(2, 3, (2, 3), stride=2, padding=1, dilation=2, bias=False)),
                 (nn.Conv2d(2, 3, 3, padding="same"), tnn.Conv2d(2, 3, 3, padding="same")),
                 (nn.AvgPool2d(3, 2, 1), tnn.AvgPool2d(3, 2, 1)),
                 (nn.Embedding(10, 3, padding_idx=0), tnn.Embedding(10, 3, padding_idx=0)),
                 (nn.LayerNorm([2, 3]), tnn.LayerNorm([2, 3])),
                 (nn.GroupNorm(2, 4), tnn.GroupNorm(2, 4)),
                 (nn.InstanceNorm2d(3), tnn.InstanceNorm2d(3))]:
        assert repr(a) == repr(b)
    assert repr(Net()) == (
        "Net(\n  (block): Block(\n    (fc): Linear(in_features=3, out_features=4, bias=True)\n"
        "    (act): ReLU()\n  )\n  (head): Linear(in_features=4, out_features=2, bias=True)\n"
        "  (shared): Linear(in_features=4, out_features=2, bias=True)\n)")


@pytest.mark.parametrize("make_pair", ["mlp", "cnn"])
def test_state_dict_keys_and_shapes_equal_torch(make_pair):
    torch = pytest.importorskip("torch")
    tnn = torch.nn
    if make_pair == "mlp":
        ours = mlp()
        theirs = tnn.Sequential(tnn.Linear(4, 5), tnn.BatchNorm1d(5), tnn.ReLU(),
                                tnn.Linear(5, 3))
    else:
        ours = cnn()
        theirs = tnn.Sequential(tnn.Conv2d(1, 4, 3, padding=1), tnn.BatchNorm2d(4), tnn.ReLU(),
                                tnn.MaxPool2d(2), tnn.Conv2d(4, 8, 3), tnn.ReLU(),
                                tnn.Flatten(), tnn.Dropout(0.25), tnn.Linear(8, 10))
    ours_sd, theirs_sd = ours.state_dict(), theirs.state_dict()
    assert list(ours_sd) == list(theirs_sd)
    for k in ours_sd:
        assert tuple(ours_sd[k].shape) == tuple(theirs_sd[k].shape), k
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]


def test_cnn_forward_backward_matches_torch():
    torch = pytest.importorskip("torch")
    from nn_testutil import compare_with_torch
    tnn = torch.nn
    ours = cnn().double()
    ours[7].p = 0.0          # no dropout: the two frameworks draw different masks
    theirs = tnn.Sequential(tnn.Conv2d(1, 4, 3, padding=1), tnn.BatchNorm2d(4), tnn.ReLU(),
                            tnn.MaxPool2d(2), tnn.Conv2d(4, 8, 3), tnn.ReLU(), tnn.Flatten(),
                            tnn.Dropout(0.0), tnn.Linear(8, 10))
    x = np.random.default_rng(0).standard_normal((3, 1, 6, 6))
    compare_with_torch(ours, theirs, x)
    ours.eval()
    compare_with_torch(ours, theirs, x)
