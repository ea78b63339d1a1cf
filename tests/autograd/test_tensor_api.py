"""Tensor API of issue 12: devices, to()/cpu(), layout (contiguous, stride, storage_offset),
type(), new_*, __format__, size(d), axis=/keepdims= aliases, finfo/iinfo, inference_mode."""
import pickle

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import autograd as ag

torch = pytest.importorskip("torch")


# ----- device --------------------------------------------------------------------------------


def test_device_object_behaves_like_torch_device():
    d = gg.device("cpu")
    assert repr(d) == repr(torch.device("cpu")) == "device(type='cpu')"
    assert str(d) == "cpu" and d.type == "cpu" and d.index is None
    assert repr(gg.device("cuda:1")) == repr(torch.device("cuda:1"))
    assert repr(gg.device("cpu", 0)) == repr(torch.device("cpu", 0))
    assert gg.device(d) == d and hash(gg.device("cpu")) == hash(d)
    assert d == "cpu" and d != "cuda" and d != gg.device("cpu", 0)   # equal to its string
    assert pickle.loads(pickle.dumps(d)) == d
    with pytest.raises(RuntimeError, match="device type"):
        gg.device("gpu")
    with pytest.raises(RuntimeError):
        gg.device("cuda:x")


def test_tensor_device_is_cpu_and_cpu_to_are_no_ops():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    assert x.device == gg.device("cpu") and x.device == "cpu" and isinstance(x.device, gg.device)
    assert x.cpu() is x and x.to("cpu") is x and x.to(gg.device("cpu")) is x
    assert x.is_cpu and not x.is_cuda and x.get_device() == torch.zeros(1).get_device() == -1
    assert gg.get_default_device() == gg.device("cpu")
    assert x.to(x) is x
    y = x.to("cpu", gg.float64)
    assert y.dtype == gg.float64 and y.grad_fn is not None
    assert x.to(device="cpu", dtype=gg.float64).dtype == gg.float64
    assert x.to(gg.tensor([1], dtype=gg.int32)).dtype == gg.int32
    assert x.to(float).dtype == gg.float64           # Python types as in torch
    c = x.to("cpu", copy=True)
    assert c is not x and np.array_equal(c.numpy(), x.numpy())
    for bad in ["cuda", "cuda:0", gg.device("mps"), 0]:
        with pytest.raises(RuntimeError, match="not available"):
            x.to(bad)
    with pytest.raises(RuntimeError, match="not available"):
        x.cuda()
    with pytest.raises(TypeError):
        x.to("cpu", "cpu")
    with pytest.raises(TypeError, match="invalid argument"):
        x.to(gg.Tensor)
    assert x.to(np.float64).dtype == gg.float64 and x.to(gg.float16).dtype == gg.float16


FACTORIES = [
    lambda **kw: gg.zeros(2, 3, **kw), lambda **kw: gg.ones((2,), **kw),
    lambda **kw: gg.empty(2, **kw), lambda **kw: gg.full((2,), 1.5, **kw),
    lambda **kw: gg.arange(3, **kw), lambda **kw: gg.linspace(0, 1, 5, **kw),
    lambda **kw: gg.eye(3, **kw), lambda **kw: gg.rand(2, **kw), lambda **kw: gg.randn(2, **kw),
    lambda **kw: gg.randint(0, 5, (2,), **kw), lambda **kw: gg.randperm(4, **kw),
    lambda **kw: gg.tensor([1.0], **kw), lambda **kw: gg.as_tensor([1.0], **kw),
    lambda **kw: gg.zeros_like(gg.zeros(2), **kw), lambda **kw: gg.ones_like(gg.zeros(2), **kw),
    lambda **kw: gg.full_like(gg.zeros(2), 3, **kw), lambda **kw: gg.empty_like(gg.zeros(2), **kw),
    lambda **kw: gg.rand_like(gg.zeros(2), **kw), lambda **kw: gg.randn_like(gg.zeros(2), **kw),
    lambda **kw: gg.randint_like(gg.zeros(2), 5, **kw),
    lambda **kw: gg.normal(0.0, 1.0, (2,), **kw),
    lambda **kw: gg.zeros(2).new_zeros(2, **kw), lambda **kw: gg.zeros(2).new_ones((2,), **kw),
    lambda **kw: gg.zeros(2).new_full((2,), 1.0, **kw), lambda **kw: gg.zeros(2).new_empty(2, **kw),
    lambda **kw: gg.zeros(2).new_tensor([1.0], **kw),
]


@pytest.mark.parametrize("factory", FACTORIES)
def test_factories_accept_cpu_and_refuse_other_devices(factory):
    assert factory(device="cpu").device == "cpu"
    assert factory(device=gg.device("cpu")).device == "cpu"
    assert factory(device=None).device == "cpu"
    for bad in ["cuda", gg.device("cuda", 0), "mps"]:
        with pytest.raises(RuntimeError, match="not available"):
            factory(device=bad)


def test_size_keyword_and_bad_sizes():
    assert gg.zeros(size=(2, 3)).shape == torch.zeros(size=(2, 3)).shape
    assert gg.rand(size=(4,)).shape == (4,)
    with pytest.raises(ValueError):
        gg.zeros(-1)
    with pytest.raises(TypeError):
        gg.zeros(2, bogus=1)


def test_like_factories_respect_dtype_argument():
    x = gg.zeros(2, 3)
    assert gg.zeros_like(x, dtype=gg.float64).dtype == gg.float64
    assert gg.full_like(x, 7, dtype=gg.int64).dtype == gg.int64
    assert gg.rand_like(x, dtype=gg.float64).dtype == gg.float64


# ----- layout ---------------------------------------------------------------------------------


def test_contiguous_stride_and_storage_offset_match_torch():
    a = np.arange(24.0).reshape(2, 3, 4)
    x, xt = gg.tensor(a), torch.tensor(a)
    for f in [lambda v: v, lambda v: v.transpose(0, 2), lambda v: v[:, 1:, ::2],
              lambda v: v[1], lambda v: v.permute(1, 0, 2), lambda v: v[:, :, 1:3]]:
        ours, theirs = f(x), f(xt)
        assert ours.is_contiguous() == theirs.is_contiguous()
        assert ours.stride() == theirs.stride()
        assert ours.stride(-1) == theirs.stride(-1) and ours.stride(0) == theirs.stride(0)
        assert ours.storage_offset() == theirs.storage_offset()
        c = ours.contiguous()
        assert c.is_contiguous() and c.stride() == theirs.contiguous().stride()
        np.testing.assert_array_equal(c.numpy(), theirs.contiguous().numpy())
    assert x.contiguous() is x
    e = gg.zeros(3, 1).expand(3, 4)
    assert e.stride() == torch.zeros(3, 1).expand(3, 4).stride() and not e.is_contiguous()
    with pytest.raises(IndexError, match="range"):
        x.stride(3)


def test_contiguous_gradient_flows():
    x = gg.tensor(np.random.default_rng(0).normal(size=(3, 4)), requires_grad=True)
    assert ag.gradcheck(lambda v: v.t().contiguous() * 2.0, [x])
    assert ag.gradgradcheck(lambda v: (v.t().contiguous() ** 2), [x])
    assert x.t().contiguous().grad_fn.name() == "ContiguousBackward0"


def test_t_view_as_reshape_as():
    x = gg.tensor(np.arange(6.0).reshape(2, 3))
    assert x.t().shape == (3, 2) and gg.tensor([1.0, 2.0]).t().shape == (2,)
    assert gg.tensor(3.0).t().shape == ()
    with pytest.raises(RuntimeError, match="<= 2 dimensions"):
        gg.zeros(2, 2, 2).t()
    y = gg.zeros(3, 2)
    assert x.view_as(y).shape == (3, 2) and x.reshape_as(y).shape == (3, 2)
    with pytest.raises(RuntimeError):
        x.t().view_as(gg.zeros(6))        # not viewable, as torch


def test_size_dim_nelement_element_size():
    a = np.zeros((2, 3, 4), dtype=np.float32)
    x, xt = gg.tensor(a), torch.tensor(a)
    for d in [0, 1, 2, -1, -3]:
        assert x.size(d) == xt.size(d)
    with pytest.raises(IndexError, match="out of range"):
        x.size(3)
    with pytest.raises(IndexError):
        gg.tensor(1.0).size(0)
    assert x.dim() == x.ndimension() == 3
    assert x.nelement() == x.numel() == gg.numel(x) == 24
    for dt, tdt in [(gg.float32, torch.float32), (gg.float64, torch.float64),
                    (gg.int64, torch.int64), (gg.bool, torch.bool), (gg.float16, torch.float16),
                    (gg.int8, torch.int8)]:
        assert gg.zeros(1, dtype=dt).element_size() == torch.zeros(1, dtype=tdt).element_size()


def test_type_names_and_conversion():
    for dt, tdt in [(gg.float32, torch.float32), (gg.float64, torch.float64),
                    (gg.float16, torch.float16), (gg.int64, torch.int64),
                    (gg.int32, torch.int32), (gg.int16, torch.int16), (gg.int8, torch.int8),
                    (gg.uint8, torch.uint8), (gg.bool, torch.bool)]:
        assert gg.zeros(1, dtype=dt).type() == torch.zeros(1, dtype=tdt).type().replace(
            "torch.", "glassgrad.")
    x = gg.tensor([1.5], requires_grad=True)
    assert x.type(gg.float64).dtype == gg.float64 and x.type(gg.float64).grad_fn is not None
    assert x.type("torch.IntTensor").dtype == gg.int32
    assert x.type("glassgrad.DoubleTensor").dtype == gg.float64
    with pytest.raises(ValueError, match="invalid type"):
        x.type("torch.Bogus")


def test_new_factories_use_the_tensor_dtype_like_torch():
    for dt, tdt in [(gg.float64, torch.float64), (gg.int32, torch.int32)]:
        x, xt = gg.zeros(2, dtype=dt), torch.zeros(2, dtype=tdt)
        assert str(x.new_tensor([1, 2]).dtype) == str(xt.new_tensor([1, 2]).dtype)[6:]
        assert str(x.new_full((2,), 3).dtype) == str(xt.new_full((2,), 3).dtype)[6:]
        assert x.new_zeros(2, 3).shape == (2, 3) and x.new_ones((4,)).dtype == dt
        assert x.new_empty(1, 2).shape == (1, 2)
    x = gg.zeros(2)
    y = x.new_tensor([1.0, 2.0], requires_grad=True)
    assert y.requires_grad and y.is_leaf and y.dtype == gg.float32
    assert x.new_zeros(2, dtype=gg.int64).dtype == gg.int64
    src = np.array([1.0, 2.0], dtype=np.float32)
    z = x.new_tensor(src)
    z.numpy()[0] = 9.0
    assert src[0] == 1.0        # a copy


def test_format_works_on_0d_tensors_like_torch():
    loss = gg.tensor(0.123456)
    assert f"{loss:.4f}" == f"{torch.tensor(0.123456):.4f}" == "0.1235"
    assert f"{gg.tensor(3):d}" == "3" and f"{gg.tensor(3.0):>8}" == f"{torch.tensor(3.0):>8}"
    assert f"{gg.tensor(2.5, requires_grad=True) * 2:.1f}" == "5.0"
    x = gg.tensor([1.0, 2.0])
    assert f"{x}" == str(x)
    assert f"{gg.tensor(2.5)}" == f"{torch.tensor(2.5)}" == "2.5"
    p = gg.nn.Parameter(gg.tensor(2.5))
    assert f"{p}" == str(p)
    with pytest.raises(TypeError):        # as torch: only 0-d tensors take a format spec
        f"{gg.tensor([1.5]):.2f}"
    assert gg.tensor([1.5]).item() == 1.5 and gg.tensor([[1, 2]]).tolist() == [[1, 2]]


def test_is_tensor_is_floating_point_result_type():
    assert gg.is_tensor(gg.zeros(1)) and not gg.is_tensor(np.zeros(1))
    assert gg.is_floating_point(gg.zeros(1))
    assert not gg.is_floating_point(gg.zeros(1, dtype=gg.int64))
    assert gg.zeros(1).is_floating_point() and not gg.zeros(1).is_complex()
    cases = [(gg.zeros(1, dtype=gg.int32), 2.0), (gg.zeros(1, dtype=gg.int32), 2),
             (gg.zeros(1, dtype=gg.float32), gg.zeros(1, dtype=gg.float64)),
             (gg.zeros(1, dtype=gg.bool), 1), (1, 2.0)]
    for a, b in cases:
        ta = torch.from_numpy(a.numpy()) if isinstance(a, gg.Tensor) else a
        tb = torch.from_numpy(b.numpy()) if isinstance(b, gg.Tensor) else b
        assert str(gg.result_type(a, b)) == str(torch.result_type(ta, tb))[6:]


# ----- axis= / keepdims= ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["sum", "mean", "amax", "amin", "std", "var", "argmax",
                                  "argmin", "logsumexp", "all", "any"])
def test_axis_and_keepdims_aliases_match_torch(name):
    a = np.random.default_rng(0).normal(size=(2, 3, 4))
    if name in ("all", "any"):
        a = a > 0
    x, xt = gg.tensor(a), torch.tensor(a)
    for kw, tkw in [(dict(axis=1), dict(axis=1)), (dict(axis=-1, keepdims=True),
                                                   dict(axis=-1, keepdims=True)),
                    (dict(dim=0, keepdims=True), dict(dim=0, keepdims=True))]:
        ours, theirs = getattr(gg, name)(x, **kw), getattr(torch, name)(xt, **tkw)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
        ours = getattr(x, name)(**kw)
        assert ours.shape == tuple(theirs.shape)
    with pytest.raises(TypeError, match="alias"):
        getattr(gg, name)(x, dim=1, axis=1)


def test_axis_alias_on_max_min_softmax_cat_squeeze():
    a = np.random.default_rng(1).normal(size=(2, 1, 3))
    x, xt = gg.tensor(a), torch.tensor(a)
    assert x.max(axis=2, keepdims=True).values.shape == \
        tuple(xt.max(axis=2, keepdims=True).values.shape)
    assert gg.min(x, axis=0).indices.shape == (1, 3)
    np.testing.assert_allclose(gg.softmax(x, axis=2).numpy(), torch.softmax(xt, axis=2).numpy())
    np.testing.assert_allclose(x.log_softmax(axis=0).numpy(), xt.log_softmax(axis=0).numpy())
    assert gg.cat([x, x], axis=1).shape == tuple(torch.cat([xt, xt], axis=1).shape)
    assert x.squeeze(axis=1).shape == (2, 3) and x.unsqueeze(axis=0).shape == (1, 2, 1, 3)
    y = gg.tensor(a, requires_grad=True)
    y.sum(axis=(0, 2), keepdims=True).sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), np.ones_like(a))


# ----- finfo / iinfo -------------------------------------------------------------------------


@pytest.mark.parametrize("dt,tdt", [("float16", torch.float16), ("float32", torch.float32),
                                    ("float64", torch.float64)])
def test_finfo_matches_torch(dt, tdt):
    ours, theirs = gg.finfo(getattr(gg, dt)), torch.finfo(tdt)
    for attr in ["bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"]:
        assert getattr(ours, attr) == getattr(theirs, attr), attr
    assert repr(ours) == repr(theirs)


def test_finfo_default_and_errors():
    assert gg.finfo().dtype == "float32"
    gg.set_default_dtype(gg.float64)
    try:
        assert gg.finfo().eps == torch.finfo(torch.float64).eps
    finally:
        gg.set_default_dtype(gg.float32)
    with pytest.raises(TypeError):
        gg.finfo(gg.int32)
    with pytest.raises(TypeError):
        gg.iinfo(gg.float32)
    with pytest.raises(TypeError):
        gg.iinfo(gg.bool)


@pytest.mark.parametrize("dt,tdt", [("int8", torch.int8), ("uint8", torch.uint8),
                                    ("int16", torch.int16), ("int32", torch.int32),
                                    ("int64", torch.int64)])
def test_iinfo_matches_torch(dt, tdt):
    ours, theirs = gg.iinfo(getattr(gg, dt)), torch.iinfo(tdt)
    for attr in ["bits", "max", "min", "dtype"]:
        assert getattr(ours, attr) == getattr(theirs, attr), attr
    assert repr(ours) == repr(theirs)


# ----- inference_mode --------------------------------------------------------------------------


def test_inference_mode_context_and_decorator():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    assert not gg.is_inference_mode_enabled()
    with gg.inference_mode():
        assert gg.is_inference_mode_enabled() and not gg.is_grad_enabled()
        y = x * 2
    assert not y.requires_grad and gg.is_grad_enabled() and not gg.is_inference_mode_enabled()
    with gg.inference_mode(False):
        assert not gg.is_inference_mode_enabled()
        assert (x * 2).requires_grad

    @gg.inference_mode()
    def f(v):
        return v * 3

    @gg.inference_mode
    def g(v):
        return v * 3

    assert not f(x).requires_grad and not g(x).requires_grad and f.__name__ == "f"
    with gg.no_grad():
        with gg.inference_mode():
            pass
        assert not gg.is_grad_enabled()
    try:
        with gg.inference_mode():
            raise KeyError
    except KeyError:
        pass
    assert gg.is_grad_enabled() and not gg.is_inference_mode_enabled()


def test_accelerator_queries_pick_the_cpu():
    device = "cuda" if gg.cuda.is_available() else "cpu"
    assert device == "cpu" and gg.cuda.device_count() == 0
    gg.cuda.manual_seed(0)
    gg.cuda.manual_seed_all(0)
    assert not gg.backends.mps.is_available() and not gg.backends.cuda.is_built()
    gg.backends.cudnn.deterministic = True      # settings scripts write are accepted
    assert gg.zeros(2, device=device).device == "cpu"
    model = gg.nn.Linear(2, 3).to(device)
    assert model.weight.device == "cpu" and model.weight.dtype == gg.float32
    assert model.to("cpu", gg.float64) is model and model.weight.dtype == gg.float64
    assert model.to(dtype=gg.float32, device=gg.device("cpu")).weight.dtype == gg.float32
    assert model.to(gg.zeros(1, dtype=gg.float64)).weight.dtype == gg.float64
    with pytest.raises(RuntimeError, match="not available"):
        model.to("cuda")
    assert model.cpu() is model
    with pytest.raises(RuntimeError, match="not available"):
        model.cuda()
