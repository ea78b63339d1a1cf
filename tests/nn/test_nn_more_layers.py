"""More activations, normalization layers, dropouts, Embedding options, EmbeddingBag,
Bilinear and the parameter containers: values and gradients vs PyTorch in float64,
gradcheck, state_dict keys, train/eval behaviour."""
import numpy as np
import pytest

from glassgrad import autograd as ag
from glassgrad import nn
from glassgrad.nn import functional as F

from nn_testutil import compare_with_torch, gradcheck_module
from parity_helpers import check_fn, gradcheck_fn, rnd

torch = pytest.importorskip("torch")
TF = torch.nn.functional


# ----- activations -------------------------------------------------------------------------

ACTIVATIONS = [
    ("ReLU6", (), 4.0), ("Hardswish", (), 4.0), ("Hardsigmoid", (), 4.0),
    ("Hardtanh", (), 1.0), ("Hardtanh", (-0.5, 2.0), 2.0), ("Mish", (), 3.0),
    ("LogSigmoid", (), 3.0), ("Softsign", (), 3.0), ("CELU", (), 2.0), ("CELU", (0.7,), 2.0),
    ("GLU", (), 1.0), ("GLU", (1,), 1.0), ("Softmin", (1,), 1.0), ("Threshold", (0.3, -2.0), 1.0),
    ("Tanhshrink", (), 2.0), ("Softshrink", (), 1.0), ("Softshrink", (0.8,), 1.0),
    ("Hardshrink", (), 1.0), ("Hardshrink", (0.2,), 1.0), ("Softplus", (2.0, 3.0), 3.0),
]


# PyTorch computes these in part with float32 constants even for float64 tensors
# (hardsigmoid's backward multiplies by 1.0f / 6.0f; celu's alpha goes through a float), so
# they agree to float32 precision only.
_FLOAT32_CONSTANTS = {"Hardsigmoid", "CELU"}


@pytest.mark.parametrize("name, args, scale", ACTIVATIONS)
def test_activation_modules_match_torch(name, args, scale):
    x = rnd(3, 4, 6) * scale
    ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    rtol = 1e-7 if name in _FLOAT32_CONSTANTS else 1e-8
    check_fn(ours, theirs, x, rtol=rtol)
    check_fn(ours, theirs, x[0] if args else x[0, 0], rtol=rtol)
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("fn, args", [(F.relu6, ()), (F.hardswish, ()), (F.hardsigmoid, ()),
                                      (F.hardtanh, (-0.5, 0.5)), (F.mish, ()),
                                      (F.logsigmoid, ()), (F.softsign, ()), (F.celu, (0.5,)),
                                      (F.glu, (0,)), (F.softmin, (1,)), (F.tanhshrink, ()),
                                      (F.softshrink, (0.3,)), (F.hardshrink, (0.3,))])
def test_activation_functions_gradgradcheck(fn, args):
    gradcheck_fn(lambda x: fn(x, *args), rnd(4, 3) * 2)


def test_activation_inplace_accepted_and_boundaries_match_torch():
    for name in ["ReLU6", "Hardswish", "Hardsigmoid", "Hardtanh", "Mish", "CELU", "RReLU"]:
        m = getattr(nn, name)(inplace=True)
        assert "inplace=True" in repr(m)
    # exact kinks: the gradient convention at the bounds is PyTorch's
    x = np.array([-3.0, -1.0, 0.0, 1.0, 3.0, 6.0, 0.5, -0.5])
    check_fn(F.hardsigmoid, TF.hardsigmoid, x, rtol=1e-7)       # float32 1/6 in PyTorch
    for fn, tfn in [(F.relu6, TF.relu6), (F.hardswish, TF.hardswish), (F.hardtanh, TF.hardtanh),
                    (lambda x: F.softshrink(x, 0.5), lambda x: TF.softshrink(x, 0.5)),
                    (lambda x: F.hardshrink(x, 0.5), lambda x: TF.hardshrink(x, 0.5)),
                    (lambda x: F.threshold(x, 1.0, 7.0), lambda x: TF.threshold(x, 1.0, 7.0))]:
        check_fn(fn, tfn, x)


def test_logsigmoid_and_mish_are_finite_at_extremes():
    x = np.array([-1e4, -50.0, 0.0, 50.0, 1e4])
    check_fn(F.logsigmoid, TF.logsigmoid, x)
    check_fn(F.mish, TF.mish, x)


def test_rrelu_train_draws_slopes_in_range_and_eval_uses_the_mean():
    x = ag.tensor(-np.abs(rnd(1000)) - 0.1, requires_grad=True)
    m = nn.RReLU(0.1, 0.3)
    ag.manual_seed(0)
    y = m(x)
    slopes = y.numpy() / x.numpy()
    assert 0.1 <= slopes.min() and slopes.max() <= 0.3 and slopes.std() > 0.03
    ag.manual_seed(0)
    np.testing.assert_array_equal(m(x).numpy(), y.numpy())          # seeded
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), slopes)
    m.eval()
    check_fn(m, torch.nn.RReLU(0.1, 0.3).eval(), rnd(5, 4))
    pos = rnd(10) ** 2
    m.train()
    np.testing.assert_array_equal(m(ag.tensor(pos)).numpy(), pos)


def test_glu_rejects_odd_dim():
    with pytest.raises(ValueError, match="even"):
        F.glu(ag.randn(3, 5))


# ----- normalization --------------------------------------------------------------------------


def test_rms_norm_matches_torch():
    for shape, kw in [((4,), {}), ((3, 4), dict(eps=1e-3)), (4, dict(elementwise_affine=False))]:
        ours = nn.RMSNorm(shape, **kw).double()
        theirs = torch.nn.RMSNorm(shape, **kw)
        if ours.weight is not None:
            with ag.no_grad():
                ours.weight.copy_(ag.tensor(rnd(*ours.weight.shape, seed=5)))
        compare_with_torch(ours, theirs, rnd(2, 3, 4))
        assert repr(ours) == repr(theirs)
    check_fn(lambda x, w: F.rms_norm(x, (4,), w), lambda x, w: TF.rms_norm(x, (4,), w),
             rnd(3, 4), rnd(4, seed=2))
    gradcheck_module(nn.RMSNorm(3).double(), ag.tensor(rnd(2, 3), requires_grad=True))


@pytest.mark.parametrize("shape", [(2, 7, 5), (2, 6, 3, 4), (1, 5, 2, 2, 3)])
def test_local_response_norm_matches_torch(shape):
    for size in (1, 2, 3, 5):
        check_fn(nn.LocalResponseNorm(size, alpha=0.1, beta=0.6, k=2.0),
                 torch.nn.LocalResponseNorm(size, alpha=0.1, beta=0.6, k=2.0), rnd(*shape))
    gradcheck_fn(lambda x: F.local_response_norm(x, 3, alpha=0.5), rnd(1, 4, 3))


def test_normalize_matches_torch():
    x = rnd(3, 4, 5)
    for kw in [dict(), dict(p=1.0, dim=0), dict(p=3.0, dim=-1), dict(dim=2, eps=0.5)]:
        check_fn(lambda x: F.normalize(x, **kw), lambda x: TF.normalize(x, **kw), x)
    gradcheck_fn(lambda x: F.normalize(x, dim=1), rnd(2, 3))


def test_batchnorm3d_instancenorm1d_3d_and_layernorm_without_bias_match_torch():
    compare_with_torch(nn.BatchNorm3d(3).double(), torch.nn.BatchNorm3d(3), rnd(2, 3, 2, 3, 4))
    m, t = nn.BatchNorm3d(3).double(), torch.nn.BatchNorm3d(3)
    m.eval()
    compare_with_torch(m, t, rnd(2, 3, 2, 3, 4))
    compare_with_torch(nn.InstanceNorm1d(3, affine=True).double(),
                       torch.nn.InstanceNorm1d(3, affine=True), rnd(2, 3, 7))
    compare_with_torch(nn.InstanceNorm1d(3, track_running_stats=True).double(),
                       torch.nn.InstanceNorm1d(3, track_running_stats=True), rnd(3, 7))
    compare_with_torch(nn.InstanceNorm3d(2, affine=True).double(),
                       torch.nn.InstanceNorm3d(2, affine=True), rnd(2, 2, 3, 2, 4))
    ln, tln = nn.LayerNorm(5, bias=False).double(), torch.nn.LayerNorm(5, bias=False)
    assert list(ln.state_dict()) == list(tln.state_dict()) == ["weight"]
    compare_with_torch(ln, tln, rnd(3, 5))


# ----- dropout ------------------------------------------------------------------------------


@pytest.mark.parametrize("cls, shape", [("Dropout1d", (4, 8, 5)), ("Dropout1d", (8, 5)),
                                        ("Dropout2d", (4, 8, 3, 3)), ("Dropout2d", (8, 3, 3)),
                                        ("Dropout3d", (4, 8, 2, 2, 2))])
def test_channel_dropout_zeroes_whole_channels(cls, shape):
    m = getattr(nn, cls)(0.5)
    x = ag.tensor(np.abs(rnd(*shape)) + 1.0, requires_grad=True)
    ag.manual_seed(3)
    y = m(x)
    lead = 2 if len(shape) in (3, 4, 5) and not (cls == "Dropout1d" and len(shape) == 2) \
        and not (cls == "Dropout2d" and len(shape) == 3) else 1
    if cls == "Dropout2d" and len(shape) == 3:      # read as (N, C, L), as PyTorch does
        lead = 2
    per_channel = y.numpy().reshape(shape[:lead] + (-1,))
    kept = per_channel[..., 0] != 0
    assert np.all((per_channel != 0) == kept[..., None])            # all or nothing
    assert 0 < kept.mean() < 1
    np.testing.assert_allclose(per_channel[kept], (x.numpy().reshape(per_channel.shape)[kept] * 2))
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), (y.numpy() != 0) * 2.0)
    m.eval()
    assert m(x) is x
    assert repr(m) == repr(getattr(torch.nn, cls)(0.5))


def test_alpha_dropout_keeps_mean_and_variance_and_matches_torch_formula():
    x = ag.tensor(rnd(200, 500))
    m = nn.AlphaDropout(0.2)
    ag.manual_seed(0)
    y = m(x).numpy()
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1) < 0.02
    # dropped elements all equal b = -alpha' a + alpha' a p (PyTorch's constants), kept ones
    # are a x + b
    alpha, p = 1.7580993408473766, 0.2
    a = 1 / np.sqrt((alpha ** 2 * p + 1) * (1 - p))
    b = -alpha * a + alpha * a * p
    dropped = np.abs(y - b) < 1e-12
    assert 0.18 < dropped.mean() < 0.22
    np.testing.assert_allclose(y[~dropped], a * x.numpy()[~dropped] + alpha * a * p)
    m.eval()
    assert m(x) is x
    fm = nn.FeatureAlphaDropout(0.5)
    ag.manual_seed(1)
    z = fm(ag.tensor(rnd(4, 6, 3, 3))).numpy().reshape(4, 6, -1)
    assert np.all(np.ptp(z - z.mean(axis=2, keepdims=True), axis=2)[np.isclose(np.ptp(z, axis=2),
                                                                              0)] == 0)
    const = np.isclose(np.ptp(z, axis=2), 0)
    assert 0 < const.mean() < 1                                       # whole channels dropped
    assert F.alpha_dropout(x, 0.3) is x                               # training=False default


# ----- embedding ------------------------------------------------------------------------------


def test_embedding_max_norm_renormalizes_in_place_like_torch():
    ours = nn.Embedding(6, 4, max_norm=1.0).double()
    theirs = torch.nn.Embedding(6, 4, max_norm=1.0).double()
    with ag.no_grad():
        ours.weight.copy_(ag.tensor(rnd(6, 4) * 2))
    theirs.load_state_dict({"weight": torch.tensor(ours.weight.numpy())})
    idx = np.array([[0, 2, 2], [5, 1, 0]])
    compare_with_torch(ours, theirs, idx)
    np.testing.assert_allclose(ours.weight.numpy(), theirs.weight.detach().numpy(), atol=1e-14)
    assert np.linalg.norm(ours.weight.numpy()[3]) > 1          # untouched row
    m = nn.Embedding(5, 3, max_norm=0.5, norm_type=1.0).double()
    t = torch.nn.Embedding(5, 3, max_norm=0.5, norm_type=1.0).double()
    t.load_state_dict({"weight": torch.tensor(m.weight.numpy())})
    compare_with_torch(m, t, np.array([1, 4, 1]))


def test_embedding_padding_idx_gets_no_gradient_and_from_pretrained():
    ours = nn.Embedding(5, 3, padding_idx=-1).double()
    theirs = torch.nn.Embedding(5, 3, padding_idx=-1).double()
    assert ours.padding_idx == theirs.padding_idx == 4
    np.testing.assert_array_equal(ours.weight.numpy()[4], 0)
    compare_with_torch(ours, theirs, np.array([[4, 1, 4], [0, 4, 2]]))
    w = ag.tensor(rnd(4, 3))
    e = nn.Embedding.from_pretrained(w)
    te = torch.nn.Embedding.from_pretrained(torch.tensor(w.numpy()))
    assert not e.weight.requires_grad and not te.weight.requires_grad
    np.testing.assert_array_equal(e(ag.tensor([3, 0])).numpy(), te(torch.tensor([3, 0])).numpy())
    assert nn.Embedding.from_pretrained(w, freeze=False).weight.requires_grad
    assert repr(e) == repr(te)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_matches_torch(mode):
    ours = nn.EmbeddingBag(7, 3, mode=mode).double()
    theirs = torch.nn.EmbeddingBag(7, 3, mode=mode).double()
    compare_with_torch(ours, theirs, np.array([[1, 2, 4, 4], [6, 0, 1, 3]]))
    flat, offsets = np.array([1, 2, 4, 5, 4, 3, 2, 6]), np.array([0, 2, 2, 5])   # an empty bag
    compare_with_torch(ours, theirs, flat, offsets)
    m = nn.EmbeddingBag(7, 3, mode=mode, include_last_offset=True, padding_idx=2).double()
    t = torch.nn.EmbeddingBag(7, 3, mode=mode, include_last_offset=True, padding_idx=2).double()
    compare_with_torch(m, t, flat, np.array([0, 3, 3, 8]))


def test_embedding_bag_per_sample_weights_match_torch():
    ours = nn.EmbeddingBag(6, 4, mode="sum").double()
    theirs = torch.nn.EmbeddingBag(6, 4, mode="sum").double()
    theirs.load_state_dict({"weight": torch.tensor(ours.weight.numpy())})
    flat, offsets, psw = np.array([0, 3, 3, 5, 1]), np.array([0, 3]), rnd(5, seed=4)
    x, o = ag.tensor(flat), ag.tensor(offsets)
    w = ag.tensor(psw, requires_grad=True)
    tw = torch.tensor(psw, requires_grad=True)
    out = ours(x, o, per_sample_weights=w)
    tout = theirs(torch.tensor(flat), torch.tensor(offsets), per_sample_weights=tw)
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), atol=1e-12)
    g = rnd(*out.shape, seed=9)
    out.backward(ag.tensor(g))
    tout.backward(torch.tensor(g))
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), atol=1e-12)
    with pytest.raises(ValueError, match="mode='sum'"):
        nn.EmbeddingBag(6, 4)(x, o, per_sample_weights=w)
    gradcheck_fn(lambda wt, s: F.embedding_bag(x, wt, o, mode="sum", per_sample_weights=s),
                 rnd(6, 2), psw)


def test_bilinear_matches_torch():
    ours, theirs = nn.Bilinear(3, 4, 2).double(), torch.nn.Bilinear(3, 4, 2)
    compare_with_torch(ours, theirs, rnd(5, 3), rnd(5, 4, seed=1))
    compare_with_torch(nn.Bilinear(3, 4, 2, bias=False).double(),
                       torch.nn.Bilinear(3, 4, 2, bias=False), rnd(2, 5, 3), rnd(2, 5, 4, seed=1))
    assert repr(ours) == repr(theirs)
    assert np.abs(ours.weight.numpy()).max() <= 1 / np.sqrt(3)
    gradcheck_module(nn.Bilinear(2, 3, 2).double(), ag.tensor(rnd(2, 2), requires_grad=True),
                     ag.tensor(rnd(2, 3), requires_grad=True))


# ----- containers and shape layers ----------------------------------------------------------


def test_parameter_list_and_dict_register_like_torch():
    class Ours(nn.Module):
        def __init__(self):
            super().__init__()
            self.plist = nn.ParameterList([nn.Parameter(ag.ones(2)), ag.zeros(3)])
            self.plist.append(nn.Parameter(ag.ones(1)))
            self.pdict = nn.ParameterDict({"a": nn.Parameter(ag.ones(2, 2))})
            self.pdict["b"] = nn.Parameter(ag.zeros(4))

    class Theirs(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.plist = torch.nn.ParameterList([torch.nn.Parameter(torch.ones(2)),
                                                 torch.zeros(3)])
            self.plist.append(torch.nn.Parameter(torch.ones(1)))
            self.pdict = torch.nn.ParameterDict({"a": torch.nn.Parameter(torch.ones(2, 2))})
            self.pdict["b"] = torch.nn.Parameter(torch.zeros(4))

    ours, theirs = Ours(), Theirs()
    assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == \
        {k: tuple(v.shape) for k, v in theirs.state_dict().items()}
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert isinstance(ours.plist[1], nn.Parameter) and len(ours.plist) == 3
    assert list(ours.pdict.keys()) == ["a", "b"] and "b" in ours.pdict
    ours.plist[0] = nn.Parameter(ag.full((2,), 5.0))
    assert ours.plist[0].numpy().tolist() == [5.0, 5.0]
    md = nn.ModuleDict({"lin": nn.Linear(2, 2)})
    assert list(md.state_dict()) == ["lin.weight", "lin.bias"]


def test_unflatten_and_identity():
    x = ag.tensor(rnd(2, 12), requires_grad=True)
    check_fn(nn.Unflatten(1, (3, 4)), torch.nn.Unflatten(1, (3, 4)), rnd(2, 12))
    check_fn(nn.Unflatten(-1, (2, -1)), torch.nn.Unflatten(-1, (2, -1)), rnd(2, 12))
    assert repr(nn.Unflatten(1, (3, 4))) == repr(torch.nn.Unflatten(1, (3, 4)))
    assert nn.Identity(54, unused="x")(x) is x
