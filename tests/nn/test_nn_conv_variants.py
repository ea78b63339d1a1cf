"""Grouped, 1-D and transposed convolutions, unfold/fold, pad modes, interpolate, pixel
shuffle, 1-D/adaptive/LP pooling and max unpooling: values and gradients vs PyTorch in
float64, gradcheck + gradgradcheck on small sizes, and the layers' parameters and
state_dicts."""
import numpy as np
import pytest

from glassgrad import autograd as ag
from glassgrad import nn
from glassgrad.nn import functional as F

from nn_testutil import compare_with_torch
from parity_helpers import check_fn, gradcheck_fn, rnd

torch = pytest.importorskip("torch")
TF = torch.nn.functional


# ----- convolutions --------------------------------------------------------------------------

CONV2D_CASES = [
    ((2, 4, 7, 6), (6, 2, 3, 3), dict(groups=2)),
    ((2, 6, 7, 8), (9, 2, 3, 2), dict(stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=3)),
    ((1, 6, 5, 5), (6, 1, 3, 3), dict(padding="same", groups=6)),               # depthwise
    ((2, 4, 9, 7), (8, 1, 3, 3), dict(stride=2, padding=1, groups=4)),          # multiplier 2
    ((2, 4, 6, 6), (4, 1, 2, 4), dict(padding="same", dilation=(2, 1), groups=4)),  # odd 'same'
    ((2, 3, 7, 6), (9, 1, 3, 2), dict(stride=(2, 1), padding=(2, 0), dilation=2, groups=3)),
    ((3, 5, 5), (4, 3, 3, 3), dict(padding="valid")),                           # unbatched
    ((2, 3, 8, 5), (4, 3, 3, 3), dict(stride=3, padding=2, dilation=2)),
]


@pytest.mark.parametrize("xs, ws, kw", CONV2D_CASES)
def test_conv2d_groups_stride_dilation_match_torch(xs, ws, kw):
    b = rnd(ws[0], seed=3)
    check_fn(lambda x, w, b: F.conv2d(x, w, b, **kw), lambda x, w, b: TF.conv2d(x, w, b, **kw),
             rnd(*xs), rnd(*ws, seed=2), b)


def test_grouped_conv2d_gradgradcheck():
    gradcheck_fn(lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1, groups=2),
                 rnd(1, 4, 4, 3), rnd(4, 2, 2, 2, seed=1), rnd(4, seed=2))
    gradcheck_fn(lambda x, w: F.conv2d(x, w, padding=1, groups=3),
                 rnd(2, 3, 3, 3), rnd(3, 1, 3, 3, seed=1))
    gradcheck_fn(lambda x, w, b: F.conv2d(x, w, b, stride=(1, 2), dilation=(2, 1), groups=2),
                 rnd(1, 2, 5, 4), rnd(6, 1, 2, 2, seed=1), rnd(6, seed=2))   # multiplier 3


@pytest.mark.parametrize("kw", [dict(), dict(stride=2, padding=2, dilation=2, groups=2),
                                dict(padding="same", dilation=3), dict(padding="valid")])
def test_conv1d_matches_torch(kw):
    check_fn(lambda x, w, b: F.conv1d(x, w, b, **kw), lambda x, w, b: TF.conv1d(x, w, b, **kw),
             rnd(2, 4, 13), rnd(6, 4 // kw.get("groups", 1), 3, seed=1), rnd(6, seed=2))
    check_fn(lambda x, w: F.conv1d(x, w, **kw), lambda x, w: TF.conv1d(x, w, **kw),
             rnd(4, 11), rnd(2, 4 // kw.get("groups", 1), 3, seed=1))


CONVT2D_CASES = [
    ((2, 4, 3, 5), (4, 3, 3, 3), dict()),
    ((2, 4, 3, 5), (4, 3, 4, 4), dict(stride=2, padding=1)),                     # DCGAN
    ((2, 6, 4, 3), (6, 2, 3, 4), dict(stride=(2, 3), padding=(1, 0), output_padding=(1, 2),
                                      groups=3)),
    ((1, 6, 4, 4), (6, 2, 3, 2), dict(stride=2, padding=2, output_padding=1, groups=3,
                                      dilation=2)),
    ((4, 3, 3), (4, 2, 2, 2), dict(stride=3, output_padding=2, padding=1)),     # unbatched
    ((1, 2, 2, 2), (2, 1, 3, 3), dict(stride=2, padding=0, output_padding=1)),  # op > padding
]


@pytest.mark.parametrize("xs, ws, kw", CONVT2D_CASES)
def test_conv_transpose2d_matches_torch(xs, ws, kw):
    g = kw.get("groups", 1)
    b = rnd(ws[1] * g, seed=3)
    check_fn(lambda x, w, b: F.conv_transpose2d(x, w, b, **kw),
             lambda x, w, b: TF.conv_transpose2d(x, w, b, **kw), rnd(*xs), rnd(*ws, seed=2), b)


def test_conv_transpose_gradgradcheck():
    gradcheck_fn(lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1,
                                                    output_padding=1, groups=2),
                 rnd(1, 4, 2, 3), rnd(4, 1, 3, 3, seed=1), rnd(2, seed=2))
    gradcheck_fn(lambda x, w: F.conv_transpose1d(x, w, stride=3, dilation=2),
                 rnd(2, 2, 3), rnd(2, 3, 2, seed=1))


@pytest.mark.parametrize("kw", [dict(), dict(stride=3, padding=1, output_padding=2),
                                dict(stride=2, groups=2, dilation=3, output_padding=1)])
def test_conv_transpose1d_matches_torch(kw):
    check_fn(lambda x, w, b: F.conv_transpose1d(x, w, b, **kw),
             lambda x, w, b: TF.conv_transpose1d(x, w, b, **kw),
             rnd(2, 4, 7), rnd(4, 3, 3, seed=1), rnd(3 * kw.get("groups", 1), seed=2))


def test_conv_transpose2d_is_the_input_gradient_of_conv2d():
    x = ag.tensor(rnd(2, 3, 9, 8), requires_grad=True)
    w = ag.tensor(rnd(4, 3, 3, 2, seed=1))
    y = F.conv2d(x, w, stride=2, padding=1, dilation=(1, 2))
    g = rnd(*y.shape, seed=2)
    y.backward(ag.tensor(g))
    t = F.conv_transpose2d(ag.tensor(g), w, stride=2, padding=1, dilation=(1, 2),
                           output_padding=(0, 1))
    np.testing.assert_allclose(t.numpy(), x.grad.numpy(), atol=1e-12)


@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("padding", [1, (2, 1), "same"])
def test_conv2d_module_padding_modes_match_torch(mode, padding):
    kw = dict(padding=padding, padding_mode=mode, groups=2, bias=True)
    ours = nn.Conv2d(4, 6, (3, 4), **kw).double()
    theirs = torch.nn.Conv2d(4, 6, (3, 4), **kw)
    compare_with_torch(ours, theirs, rnd(2, 4, 6, 7))


@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
def test_conv1d_module_matches_torch(mode):
    kw = dict(stride=2, padding=2, dilation=2, padding_mode=mode)
    compare_with_torch(nn.Conv1d(3, 5, 3, **kw).double(), torch.nn.Conv1d(3, 5, 3, **kw),
                       rnd(2, 3, 10))
    compare_with_torch(nn.Conv1d(4, 4, 5, groups=4, padding="same", bias=False).double(),
                       torch.nn.Conv1d(4, 4, 5, groups=4, padding="same", bias=False),
                       rnd(4, 9))


def test_conv_transpose_modules_match_torch():
    kw = dict(stride=2, padding=1, output_padding=1, groups=2, dilation=1)
    ours, theirs = nn.ConvTranspose2d(4, 6, 3, **kw).double(), torch.nn.ConvTranspose2d(4, 6, 3,
                                                                                          **kw)
    assert tuple(ours.weight.shape) == tuple(theirs.weight.shape) == (4, 3, 3, 3)
    assert tuple(ours.bias.shape) == (6,)
    compare_with_torch(ours, theirs, rnd(2, 4, 3, 5))
    kw = dict(stride=3, padding=1, bias=False)
    compare_with_torch(nn.ConvTranspose1d(3, 2, 4, **kw).double(),
                       torch.nn.ConvTranspose1d(3, 2, 4, **kw), rnd(2, 3, 5))


def test_conv_transpose2d_output_size_picks_output_padding():
    ours = nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1).double()
    theirs = torch.nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1).double()
    theirs.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in
                            ours.state_dict().items()})
    x = rnd(1, 2, 4, 5)
    for size in [(7, 9), (8, 10), (1, 3, 8, 9)]:
        out = ours(ag.tensor(x), output_size=size)
        tout = theirs(torch.tensor(x), output_size=size)
        np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), atol=1e-12)
    with pytest.raises(ValueError, match="not reachable"):
        ours(ag.tensor(x), output_size=(10, 9))


def test_conv_module_state_dict_and_init_match_torch_shapes():
    pairs = [(nn.Conv2d(4, 8, 3, groups=4), torch.nn.Conv2d(4, 8, 3, groups=4)),
             (nn.Conv1d(2, 4, 5, bias=False), torch.nn.Conv1d(2, 4, 5, bias=False)),
             (nn.ConvTranspose2d(4, 2, (3, 2), groups=2), torch.nn.ConvTranspose2d(4, 2, (3, 2),
                                                                                   groups=2)),
             (nn.ConvTranspose1d(3, 6, 2), torch.nn.ConvTranspose1d(3, 6, 2))]
    for a, b in pairs:
        ours = {k: tuple(v.shape) for k, v in a.state_dict().items()}
        assert ours == {k: tuple(v.shape) for k, v in b.state_dict().items()}
        # PyTorch's init bound 1/sqrt(fan_in), fan_in = weight.shape[1] * kernel taps
        fan_in = a.weight.shape[1] * int(np.prod(a.weight.shape[2:]))
        assert np.abs(a.weight.numpy()).max() <= 1 / np.sqrt(fan_in) + 1e-12
        assert repr(a) == repr(b)


def test_conv_errors_name_the_problem():
    with pytest.raises(ValueError, match="divisible by groups=3"):
        F.conv2d(ag.randn(1, 4, 5, 5), ag.randn(3, 1, 3, 3), groups=3)
    with pytest.raises(ValueError, match="expects 6"):
        F.conv2d(ag.randn(1, 4, 5, 5), ag.randn(4, 3, 3, 3), groups=2)
    with pytest.raises(ValueError, match="larger than"):
        F.conv2d(ag.randn(1, 2, 2, 2), ag.randn(2, 1, 3, 3), groups=2)
    with pytest.raises(ValueError, match="output_padding"):
        F.conv_transpose2d(ag.randn(1, 2, 3, 3), ag.randn(2, 1, 3, 3), stride=2,
                           output_padding=2)
    with pytest.raises(ValueError, match="padding_mode"):
        nn.ConvTranspose2d(2, 2, 3, padding_mode="reflect")
    with pytest.raises(ValueError, match="padding_mode"):
        nn.Conv2d(2, 2, 3, padding_mode="mirror")


# ----- unfold / fold -------------------------------------------------------------------------


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=(2, 3), dilation=(1, 2),
                                                           padding=1, stride=(2, 1))])
def test_unfold_fold_match_torch(kw):
    x = rnd(2, 3, 7, 8)
    check_fn(lambda x: F.unfold(x, **kw), lambda x: TF.unfold(x, **kw), x)
    cols = TF.unfold(torch.tensor(x), **kw).numpy()
    check_fn(lambda c: F.fold(c, (7, 8), **kw), lambda c: TF.fold(c, (7, 8), **kw), cols)
    check_fn(lambda c: F.fold(c, (7, 8), **kw), lambda c: TF.fold(c, (7, 8), **kw), cols[0])
    m, tm = nn.Unfold(**kw), torch.nn.Unfold(**kw)
    check_fn(m, tm, x[0])
    gradcheck_fn(lambda c: F.fold(c, (7, 8), **kw), cols[:1])


def test_fold_checks_the_block_count():
    with pytest.raises(ValueError, match="blocks do not match"):
        F.fold(ag.randn(1, 12, 5), (4, 4), 2)


# ----- padding ---------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("pad", [(1, 2), (2, 0, 1, 3), (0, 0, 3, 1)])
def test_pad_modes_match_torch(mode, pad):
    x = rnd(2, 3, 5, 6)
    if len(pad) == 2:       # PyTorch pads one dim of 2-D and 3-D inputs only
        x = x[:, :, 0]
    check_fn(lambda x: F.pad(x, pad, mode), lambda x: TF.pad(x, pad, mode=mode), x)
    check_fn(lambda x: F.pad(x, pad, mode), lambda x: TF.pad(x, pad, mode=mode), x[0])


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_pad_modes_at_their_largest_widths_match_torch(mode):
    x = rnd(2, 3, 4, 5)
    big = (4, 4, 3, 3) if mode == "reflect" else (5, 5, 4, 4)   # reflect: up to size - 1
    check_fn(lambda x: F.pad(x, big, mode), lambda x: TF.pad(x, big, mode=mode), x)
    check_fn(lambda x: F.pad(x, (0, 4, 3, 0), mode), lambda x: TF.pad(x, (0, 4, 3, 0), mode=mode),
             x)


def test_pad_constant_negative_and_value_match_torch():
    x = rnd(2, 3, 5, 6)
    for pad in [(-1, 2), (1, -2, -1, 3), (-2, -1, 0, -4)]:
        check_fn(lambda x: F.pad(x, pad, value=1.5), lambda x: TF.pad(x, pad, value=1.5), x)
    check_fn(lambda x: F.pad(x, (-1, -1), "circular"),
             lambda x: TF.pad(x, (-1, -1), mode="circular"), x[0])
    gradcheck_fn(lambda x: F.pad(x, (2, 1, 1, 2), "reflect"), rnd(1, 1, 3, 4))


def test_pad_errors():
    with pytest.raises(ValueError, match="smaller than"):
        F.pad(ag.randn(1, 2, 3), (3, 0), "reflect")
    with pytest.raises(ValueError, match="mode"):
        F.pad(ag.randn(1, 2, 3), (1, 0), "mirror")
    with pytest.raises(ValueError, match="pairs"):
        F.pad(ag.randn(3), (1, 1, 1, 1))


PAD_MODULES = [("ZeroPad1d", (2, 1), 3), ("ZeroPad2d", (1, -1, 2, 0), 4),
               ("ConstantPad1d", 2, 3), ("ConstantPad2d", (1, 2, 0, 1), 4),
               ("ReflectionPad1d", (2, 1), 3), ("ReflectionPad2d", 2, 4),
               ("ReplicationPad1d", 3, 3), ("ReplicationPad2d", (1, 0, 2, 3), 4),
               ("CircularPad1d", (1, 2), 3), ("CircularPad2d", 1, 4)]


@pytest.mark.parametrize("name, padding, nd", PAD_MODULES)
def test_pad_modules_match_torch(name, padding, nd):
    args = (padding, 0.5) if name.startswith("Constant") else (padding,)
    ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    x = rnd(*(2, 3, 4, 5)[:nd])
    check_fn(ours, theirs, x)
    check_fn(ours, theirs, x[0])
    assert repr(ours) == repr(theirs)


# ----- interpolate, pixel shuffle ----------------------------------------------------------


INTERP_CASES = [
    ((2, 3, 5), dict(scale_factor=2, mode="nearest")),
    ((2, 3, 5), dict(size=7, mode="nearest")),
    ((2, 3, 7), dict(size=3, mode="nearest-exact")),
    ((2, 3, 5), dict(size=8, mode="linear")),
    ((2, 3, 5), dict(size=8, mode="linear", align_corners=True)),
    ((1, 2, 4, 5), dict(scale_factor=2, mode="nearest")),
    ((1, 2, 4, 5), dict(size=(7, 3), mode="nearest")),
    ((1, 2, 4, 5), dict(size=(7, 3), mode="nearest-exact")),
    ((1, 2, 4, 5), dict(scale_factor=(1.5, 2.5), mode="nearest")),
    ((1, 2, 4, 5), dict(size=(8, 9), mode="bilinear")),
    ((1, 2, 4, 5), dict(size=(3, 2), mode="bilinear")),
    ((1, 2, 4, 5), dict(size=(8, 9), mode="bilinear", align_corners=True)),
    ((1, 2, 4, 5), dict(scale_factor=1.7, mode="bilinear")),
    ((1, 2, 4, 5), dict(scale_factor=1.7, mode="bilinear", recompute_scale_factor=True)),
    ((1, 2, 4, 5), dict(size=(1, 1), mode="bilinear", align_corners=True)),
    ((1, 2, 3, 4, 5), dict(size=(4, 6, 3), mode="trilinear")),
    ((1, 2, 3, 4, 5), dict(scale_factor=2, mode="nearest")),
    ((1, 2, 6, 7), dict(size=(4, 3), mode="area")),
    ((1, 2, 4, 5), dict(size=(8, 9), mode="bicubic")),
    ((1, 2, 6, 7), dict(size=(3, 4), mode="bicubic")),
    ((1, 2, 4, 5), dict(size=(7, 11), mode="bicubic", align_corners=True)),
    ((1, 2, 4, 5), dict(scale_factor=1.5, mode="bicubic")),
    ((1, 2, 1, 5), dict(size=(3, 2), mode="bicubic")),
]


@pytest.mark.parametrize("shape, kw", INTERP_CASES)
def test_interpolate_matches_torch(shape, kw):
    check_fn(lambda x: F.interpolate(x, **kw), lambda x: TF.interpolate(x, **kw), rnd(*shape))


def test_interpolate_gradgradcheck_and_errors():
    gradcheck_fn(lambda x: F.interpolate(x, size=(3, 5), mode="bilinear"), rnd(1, 1, 2, 3))
    gradcheck_fn(lambda x: F.interpolate(x, scale_factor=2, mode="nearest"), rnd(1, 1, 2, 3))
    with pytest.raises(ValueError, match="exactly one"):
        F.interpolate(ag.randn(1, 1, 4), size=2, scale_factor=2)
    with pytest.raises(ValueError, match="bilinear"):
        F.interpolate(ag.randn(1, 1, 4), size=2, mode="bilinear")
    with pytest.raises(ValueError, match="align_corners"):
        F.interpolate(ag.randn(1, 1, 4), size=2, mode="nearest", align_corners=True)


def test_upsample_modules_match_torch():
    x = rnd(2, 3, 4, 5)
    pairs = [(nn.Upsample(scale_factor=2), torch.nn.Upsample(scale_factor=2)),
             (nn.Upsample(size=(5, 7), mode="bilinear"),
              torch.nn.Upsample(size=(5, 7), mode="bilinear")),
             (nn.UpsamplingNearest2d(scale_factor=3), torch.nn.UpsamplingNearest2d(scale_factor=3)),
             (nn.UpsamplingBilinear2d(size=(6, 9)), torch.nn.UpsamplingBilinear2d(size=(6, 9)))]
    for ours, theirs in pairs:
        check_fn(ours, theirs, x)


def test_pixel_shuffle_and_unshuffle_match_torch():
    check_fn(nn.PixelShuffle(2), torch.nn.PixelShuffle(2), rnd(2, 8, 3, 4))
    check_fn(nn.PixelShuffle(3), torch.nn.PixelShuffle(3), rnd(9, 2, 3))
    check_fn(nn.PixelUnshuffle(2), torch.nn.PixelUnshuffle(2), rnd(2, 3, 4, 6))
    x = ag.tensor(rnd(1, 2, 3, 4, 6))
    np.testing.assert_array_equal(F.pixel_shuffle(F.pixel_unshuffle(x, 2), 2).numpy(), x.numpy())
    with pytest.raises(ValueError, match="pixel_shuffle"):
        F.pixel_shuffle(ag.randn(1, 5, 2, 2), 2)


# ----- pooling -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kw", [dict(kernel_size=3), dict(kernel_size=3, stride=2, padding=1),
                                dict(kernel_size=2, dilation=2, ceil_mode=True),
                                dict(kernel_size=3, stride=2, ceil_mode=True, padding=1)])
def test_max_and_avg_pool1d_match_torch(kw):
    x = rnd(2, 3, 10)
    check_fn(lambda x: F.max_pool1d(x, **kw), lambda x: TF.max_pool1d(x, **kw), x)
    check_fn(lambda x: F.max_pool1d(x, **kw, return_indices=True),
             lambda x: TF.max_pool1d(x, **kw, return_indices=True), x[0])
    if "dilation" not in kw:
        for cip in (True, False):
            check_fn(lambda x: F.avg_pool1d(x, **kw, count_include_pad=cip),
                     lambda x: TF.avg_pool1d(x, **kw, count_include_pad=cip), x)


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                dict(kernel_size=(2, 3), stride=(1, 2), dilation=(2, 1),
                                     ceil_mode=True)])
def test_max_pool2d_return_indices_and_unpool_match_torch(kw):
    x = rnd(2, 3, 7, 8)
    out, idx = check_fn(lambda x: F.max_pool2d(x, **kw, return_indices=True),
                        lambda x: TF.max_pool2d(x, **kw, return_indices=True), x)
    np.testing.assert_array_equal(out[1].numpy(), idx[1].numpy())
    assert out[1].dtype == np.int64
    if "dilation" in kw:        # unpooling knows no dilation: the output size is invalid
        return
    ukw = dict(kernel_size=kw["kernel_size"], stride=kw.get("stride"), padding=kw.get("padding", 0))
    pooled = idx[0].detach().numpy()
    indices = idx[1].numpy()
    check_fn(lambda p, i: F.max_unpool2d(p, i, **ukw, output_size=(7, 8)),
             lambda p, i: TF.max_unpool2d(p, i, **ukw, output_size=(7, 8)), pooled, indices)


def test_max_unpool_modules_match_torch():
    x = rnd(2, 3, 6, 8)
    pool, tpool = nn.MaxPool2d(2, return_indices=True), torch.nn.MaxPool2d(2, return_indices=True)
    p, i = pool(ag.tensor(x))
    tp, ti = tpool(torch.tensor(x))
    np.testing.assert_array_equal(i.numpy(), ti.numpy())
    check_fn(nn.MaxUnpool2d(2), torch.nn.MaxUnpool2d(2), p.numpy(), i.numpy())
    p1, i1 = nn.MaxPool1d(3, 2, return_indices=True)(ag.tensor(x[:, :, 0]))
    check_fn(lambda p, i: nn.MaxUnpool1d(3, 2)(p, i, output_size=(8,)),
             lambda p, i: torch.nn.MaxUnpool1d(3, 2)(p, i, output_size=(8,)),
             p1.numpy(), i1.numpy())
    gradcheck_fn(lambda p: F.max_unpool2d(p, i[:1, :1], 2), p.numpy()[:1, :1])


@pytest.mark.parametrize("size", [1, 3, (2, 5), (None, 4), (7, 6)])
def test_adaptive_pool2d_matches_torch(size):
    x = rnd(2, 3, 7, 6)
    check_fn(lambda x: F.adaptive_avg_pool2d(x, size), lambda x: TF.adaptive_avg_pool2d(x, size),
             x)
    check_fn(lambda x: F.adaptive_max_pool2d(x, size, True),
             lambda x: TF.adaptive_max_pool2d(x, size, True), x)
    check_fn(nn.AdaptiveAvgPool2d(size), torch.nn.AdaptiveAvgPool2d(size), x[0])
    out, tout = check_fn(nn.AdaptiveMaxPool2d(size, return_indices=True),
                         torch.nn.AdaptiveMaxPool2d(size, return_indices=True), x[0])
    np.testing.assert_array_equal(out[1].numpy(), tout[1].numpy())


@pytest.mark.parametrize("size", [1, 3, 4, 9])
def test_adaptive_pool1d_matches_torch(size):
    x = rnd(2, 3, 9)
    check_fn(nn.AdaptiveAvgPool1d(size), torch.nn.AdaptiveAvgPool1d(size), x)
    check_fn(nn.AdaptiveMaxPool1d(size), torch.nn.AdaptiveMaxPool1d(size), x)
    check_fn(lambda x: F.adaptive_max_pool1d(x, size, True),
             lambda x: TF.adaptive_max_pool1d(x, size, True), x[0])


def test_adaptive_pool_gradgradcheck_and_nan():
    gradcheck_fn(lambda x: F.adaptive_avg_pool2d(x, (2, 3)), rnd(1, 2, 3, 5))
    gradcheck_fn(lambda x: F.adaptive_max_pool2d(x, (2, 2)), rnd(1, 2, 3, 5))
    x = rnd(1, 1, 4, 4)
    x[0, 0, 1, 1] = np.nan
    out = F.adaptive_max_pool2d(ag.tensor(x), 2, return_indices=True)
    tout = TF.adaptive_max_pool2d(torch.tensor(x), 2, return_indices=True)
    np.testing.assert_array_equal(out[0].numpy(), tout[0].numpy())
    np.testing.assert_array_equal(out[1].numpy(), tout[1].numpy())


@pytest.mark.parametrize("p", [1.0, 2.0, 3.0])
def test_lp_pool_matches_torch(p):
    x = np.abs(rnd(2, 3, 7, 8)) + 0.1
    check_fn(nn.LPPool2d(p, 2), torch.nn.LPPool2d(p, 2), x)
    check_fn(nn.LPPool2d(p, (3, 2), stride=(2, 1), ceil_mode=True),
             torch.nn.LPPool2d(p, (3, 2), stride=(2, 1), ceil_mode=True), x)
    check_fn(nn.LPPool1d(p, 3, stride=2), torch.nn.LPPool1d(p, 3, stride=2), x[:, :, 0])


def test_pool_modules_and_avg_pool2d_options_match_torch():
    x = rnd(2, 3, 7, 9)
    for kw in [dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
               dict(kernel_size=(2, 3), divisor_override=4), dict(kernel_size=3, padding=1)]:
        check_fn(nn.AvgPool2d(**kw), torch.nn.AvgPool2d(**kw), x)
    check_fn(nn.MaxPool1d(3, 2, 1), torch.nn.MaxPool1d(3, 2, 1), x[:, :, 0])
    check_fn(nn.AvgPool1d(3, 2, 1, count_include_pad=False),
             torch.nn.AvgPool1d(3, 2, 1, count_include_pad=False), x[:, :, 0])


# ----- gradcheck of the layers (input and parameters), float32 stays float32 ---------------

SMALL_MODULES = [
    (lambda: nn.Conv2d(4, 4, 2, stride=2, padding=1, groups=2, padding_mode="circular"),
     (1, 4, 3, 3)),
    (lambda: nn.Conv2d(3, 3, 3, padding="same", groups=3, padding_mode="reflect"), (1, 3, 3, 4)),
    (lambda: nn.Conv1d(2, 4, 3, dilation=2, groups=2, padding_mode="replicate", padding=1),
     (2, 2, 5)),
    (lambda: nn.ConvTranspose2d(2, 4, 3, stride=2, padding=1, output_padding=1, groups=2),
     (1, 2, 2, 2)),
    (lambda: nn.ConvTranspose1d(2, 3, 2, stride=3), (2, 2, 3)),
    (lambda: nn.AdaptiveAvgPool2d((2, 3)), (1, 2, 3, 4)),
    (lambda: nn.LPPool2d(2, 2), (1, 2, 4, 4)),
    (lambda: nn.Upsample(size=(3, 5), mode="bilinear", align_corners=True), (1, 1, 2, 3)),
    (lambda: nn.ReflectionPad2d((1, 2, 2, 0)), (1, 2, 3, 3)),
    (lambda: nn.PixelShuffle(2), (1, 4, 2, 2)),
]


@pytest.mark.parametrize("make, shape", SMALL_MODULES)
def test_layers_gradcheck(make, shape):
    from nn_testutil import gradcheck_module
    ag.manual_seed(0)
    m = make().double()
    assert gradcheck_module(m, ag.tensor(rnd(*shape), requires_grad=True))


def test_float32_stays_float32():
    x = ag.tensor(rnd(2, 4, 6, 6).astype(np.float32))
    for y in [nn.Conv2d(4, 4, 3, groups=4)(x), nn.ConvTranspose2d(4, 2, 3, stride=2)(x),
              F.interpolate(x, scale_factor=1.5, mode="bilinear"), F.adaptive_avg_pool2d(x, 4),
              F.adaptive_max_pool2d(x, 4), F.pad(x, (1, 1, 2, 2), "reflect"),
              F.unfold(x, 2), nn.Conv1d(4, 2, 3)(x[:, :, 0]), F.lp_pool2d(x, 2, 2)]:
        assert y.dtype == np.float32


def test_empty_batches_keep_their_shapes_like_torch():
    x = np.zeros((0, 4, 5, 5))
    cases = [(lambda x: F.conv2d(x, ag.ones(4, 2, 3, 3, dtype=np.float64), groups=2),
              lambda x: TF.conv2d(x, torch.ones(4, 2, 3, 3, dtype=torch.float64), groups=2)),
             (lambda x: F.conv2d(x, ag.ones(4, 1, 3, 3, dtype=np.float64), groups=4),
              lambda x: TF.conv2d(x, torch.ones(4, 1, 3, 3, dtype=torch.float64), groups=4)),
             (lambda x: F.conv_transpose2d(x, ag.ones(4, 2, 3, 3, dtype=np.float64), stride=2),
              lambda x: TF.conv_transpose2d(x, torch.ones(4, 2, 3, 3, dtype=torch.float64),
                                            stride=2)),
             (lambda x: F.pad(x, (1, 2, 2, 1), "reflect"),
              lambda x: TF.pad(x, (1, 2, 2, 1), mode="reflect")),
             (lambda x: F.interpolate(x, scale_factor=2, mode="bilinear"),
              lambda x: TF.interpolate(x, scale_factor=2, mode="bilinear")),
             (lambda x: F.adaptive_avg_pool2d(x, 2), lambda x: TF.adaptive_avg_pool2d(x, 2)),
             (lambda x: F.adaptive_max_pool2d(x, 2), lambda x: TF.adaptive_max_pool2d(x, 2))]
    for ours, theirs in cases:
        check_fn(ours, theirs, x)


def test_channel_shuffle_softmax2d_and_distance_modules_match_torch():
    check_fn(nn.ChannelShuffle(3), torch.nn.ChannelShuffle(3), rnd(2, 6, 3, 2))
    check_fn(lambda x: F.channel_shuffle(x, 2), lambda x: TF.channel_shuffle(x, 2), rnd(2, 4, 5))
    check_fn(nn.Softmax2d(), torch.nn.Softmax2d(), rnd(2, 3, 4, 5))
    check_fn(nn.Softmax2d(), torch.nn.Softmax2d(), rnd(3, 4, 5))
    check_fn(nn.CosineSimilarity(dim=0), torch.nn.CosineSimilarity(dim=0), rnd(4, 3),
             rnd(4, 3, seed=1))
    check_fn(nn.PairwiseDistance(1.0, keepdim=True), torch.nn.PairwiseDistance(1.0, keepdim=True),
             rnd(4, 3), rnd(4, 3, seed=1))
    with pytest.raises(ValueError, match="divisible"):
        F.channel_shuffle(ag.randn(1, 5, 2), 2)


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact"])
def test_nearest_indices_match_torch_for_many_sizes(mode):
    # PyTorch rounds the source coordinate through float32: the picked index must agree
    # exactly, also where (dst + 0.5) * in / out lands on an integer
    for n_in in range(1, 15):
        x = np.arange(n_in, dtype=np.float64).reshape(1, 1, n_in)
        for n_out in range(1, 40):
            a = F.interpolate(ag.tensor(x), size=n_out, mode=mode).numpy()
            b = TF.interpolate(torch.tensor(x), size=n_out, mode=mode).numpy()
            np.testing.assert_array_equal(a, b, err_msg=f"{n_in} -> {n_out}")
        for sf in (0.3, 0.7, 1.3, 1.5, 2.5, 1 / 3):
            if int(n_in * sf) >= 1:
                a = F.interpolate(ag.tensor(x), scale_factor=sf, mode=mode).numpy()
                b = TF.interpolate(torch.tensor(x), scale_factor=sf, mode=mode).numpy()
                np.testing.assert_array_equal(a, b, err_msg=f"{n_in} x {sf}")
