"""Every layout of the stride-1 convolution kernels (wide, narrow, channels-last; the input
gradient as GEMM + col2im or as the flipped-kernel convolution), each forced in turn on the
same cases: forward against a direct loop, gradcheck and gradgradcheck of conv2d and of its
two gradient primitives (float64), PyTorch parity of values and gradients, infinities and
NaN as the direct (layout-free) kernels give them, and the path the size rule picks."""
import numpy as np
import pytest

from glassgrad import autograd as ag
from glassgrad.autograd import _conv_kernels as K
from glassgrad.autograd.engine import apply

from test_conv_primitives import conv_loop, rnd, t64

# (forward and weight-gradient layout, input-gradient method); the flipped input gradient is
# itself a convolution, run channels-last or narrow (the forced layout; never wide)
PATHS = [("wide", "col2im"), ("narrow", "col2im"), ("nhwc", "col2im"), ("nhwc", "flipped"),
         ("narrow", "flipped")]

# (x shape, w shape, padding (top, bottom, left, right), dilation)
CASES = [
    ((2, 3, 5, 6), (4, 3, 3, 3), (1, 1, 1, 1), (1, 1)),
    ((1, 1, 4, 4), (2, 1, 2, 3), (1, 1, 1, 1), (1, 2)),       # 1 channel, non-square kernel
    ((2, 2, 5, 5), (3, 2, 1, 1), (0, 0, 0, 0), (1, 1)),       # 1x1 kernel
    ((3, 2, 6, 5), (2, 2, 3, 2), (2, 1, 0, 1), (2, 1)),       # asymmetric padding, dilation
    ((2, 1, 3, 3), (2, 1, 3, 3), (3, 3, 4, 4), (1, 1)),       # padding wider than the kernel
    ((1, 8, 3, 4), (2, 8, 3, 3), (1, 6, 5, 0), (2, 1)),       # many channels, odd sizes
    ((1, 8, 5, 6), (2, 8, 2, 2), (0, 0, 0, 0), (2, 3)),       # no padding, dilation
]
IDS = [f"x{c[0]}-w{c[1]}-p{c[2]}-d{c[3]}" for c in CASES]


@pytest.fixture(params=PATHS, ids=["-".join(p) for p in PATHS])
def path(request, monkeypatch):
    layout, input_grad = request.param
    monkeypatch.setattr(K, "_path", lambda c, plane: layout)
    monkeypatch.setattr(K, "_input_grad_path", lambda c, o, plane: input_grad)
    return request.param


@pytest.mark.parametrize("xs, ws, pads, dil", CASES, ids=IDS)
def test_forward_and_adjoints_match_the_direct_loop(path, xs, ws, pads, dil):
    x, w, b = rnd(*xs), rnd(*ws, seed=1), rnd(ws[0], seed=2)
    out = K._conv2d_forward(x, w, b, pads, dil)
    np.testing.assert_allclose(out, conv_loop(x, w, b, pads, dil), rtol=1e-12, atol=1e-12)
    g = rnd(*out.shape, seed=3)
    gx = K._conv2d_input_grad_forward(g, w, pads, dil, xs)
    gw = K._conv2d_weight_grad_forward(g, x, pads, dil, ws)
    np.testing.assert_allclose(gx, K._conv2d_input_grad_direct(g, w, pads, dil, xs),
                               rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(gw, K._conv2d_weight_grad_direct(g, x, pads, dil, ws),
                               rtol=1e-11, atol=1e-12)


@pytest.mark.parametrize("xs, ws, pads, dil", CASES, ids=IDS)
def test_gradcheck_and_gradgradcheck(path, xs, ws, pads, dil):
    x, w, b = t64(*xs), t64(*ws, seed=1), t64(ws[0], seed=2)
    f = lambda x, w, b: apply(K.CONV2D, (x, w, b), pads, dil)
    assert ag.gradcheck(f, [x, w, b])
    assert ag.gradgradcheck(f, [x, w, b])
    with ag.no_grad():
        out_shape = apply(K.CONV2D, (x, w), pads, dil).shape
    g = t64(*out_shape, seed=3)
    input_grad = lambda g, w: apply(K.CONV2D_INPUT_GRAD, (g, w), pads, dil, xs)
    weight_grad = lambda g, x: apply(K.CONV2D_WEIGHT_GRAD, (g, x), pads, dil, ws)
    for fn, args in ((input_grad, [g, w]), (weight_grad, [g, x])):
        assert ag.gradcheck(fn, args)
        assert ag.gradgradcheck(fn, args)


@pytest.mark.parametrize("xs, ws, pads, dil", CASES, ids=IDS)
def test_torch_parity(path, xs, ws, pads, dil):
    torch = pytest.importorskip("torch")
    for dtype, tol in ((np.float64, 1e-10), (np.float32, 1e-4)):
        x, w, b = (ag.tensor(rnd(*s, seed=i).astype(dtype), requires_grad=True)
                   for i, s in enumerate((xs, ws, (ws[0],))))
        out = ag.conv2d(x, w, b, padding=(pads[2], pads[3], pads[0], pads[1]), dilation=dil)
        tx, tw, tb = (torch.tensor(a.numpy(), requires_grad=True) for a in (x, w, b))
        tpad = torch.nn.functional.pad(tx, (pads[2], pads[3], pads[0], pads[1]))
        tout = torch.nn.functional.conv2d(tpad, tw, tb, dilation=dil)
        assert out.dtype == dtype
        np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=tol, atol=tol)
        g = rnd(*out.shape, seed=4).astype(dtype)
        out.backward(ag.tensor(g))
        tout.backward(torch.from_numpy(g))
        for ours, theirs in ((x, tx), (w, tw), (b, tb)):
            assert ours.grad.dtype == dtype
            np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=tol,
                                       atol=tol)


@pytest.mark.parametrize("xs, ws, pads, dil", CASES[:1] + CASES[3:], ids=IDS[:1] + IDS[3:])
@pytest.mark.filterwarnings("ignore::RuntimeWarning")    # the direct kernels' inf - inf
def test_infinities_and_nan_as_the_direct_kernels(path, xs, ws, pads, dil):
    x, w = rnd(*xs), rnd(*ws, seed=1)
    x[0, 0, 1, 1], x[-1, -1, 0, 0], x[0, -1, -1, -1] = np.inf, -np.inf, np.nan
    w_bad = w.copy()
    w_bad[0, 0, 0, 0] = np.inf
    w_bad[-1, -1, -1, -1] = np.nan
    out = K._conv2d_forward(x, w, pads, dil)
    np.testing.assert_allclose(out, conv_loop(x, w, None, pads, dil), rtol=1e-12)
    g = rnd(*out.shape, seed=3)
    g[0, 0, 0, 0] = np.inf
    np.testing.assert_allclose(K._conv2d_weight_grad_forward(g, x, pads, dil, ws),
                               K._conv2d_weight_grad_direct(g, x, pads, dil, ws), rtol=1e-11)
    for ww in (w, w_bad):
        np.testing.assert_allclose(K._conv2d_input_grad_forward(g, ww, pads, dil, xs),
                                   K._conv2d_input_grad_direct(g, ww, pads, dil, xs),
                                   rtol=1e-11)


def test_results_never_alias_the_workspace(path):
    xs, ws, pads, dil = CASES[5]
    x, w = rnd(*xs), rnd(*ws, seed=1)
    out = K._conv2d_forward(x, w, pads, dil)
    g = rnd(*out.shape, seed=2)
    gx = K._conv2d_input_grad_forward(g, w, pads, dil, xs)
    gw = K._conv2d_weight_grad_forward(g, x, pads, dil, ws)
    kept = [a.copy() for a in (out, gx, gw)]
    K._conv2d_forward(x + 1, w, pads, dil)
    K._conv2d_input_grad_forward(g + 1, w, pads, dil, xs)
    K._conv2d_weight_grad_forward(g + 1, x, pads, dil, ws)
    for a, k in zip((out, gx, gw), kept):
        np.testing.assert_array_equal(a, k)


def test_the_size_rule():
    assert K._path(16, 16) == "nhwc"          # the small CNN's second convolution
    assert K._path(1, 64) == "narrow"         # its first
    assert K._path(2, 32 * 32) == "narrow"
    assert K._path(16, 16 * 16) == "wide"     # many channels on a large image
    assert K._path(4, 8 * 8) == "wide"
    assert K._input_grad_path(16, 32, 4 * 4) == "flipped"
    assert K._input_grad_path(8, 16, 8 * 8) == "col2im"
    assert K._input_grad_path(1, 16, 8 * 8) == "col2im"
    assert K._input_grad_path(32, 32, 16 * 16) == "col2im"


def test_flipped_input_gradient_with_a_large_padding_crops_instead():
    """16 channels on a 3x3 image padded by 5: the input gradient is the flipped convolution
    of an 11x11 gradient with a negative padding (a crop), whatever layout the size rule
    would pick for that gradient."""
    x, w = rnd(2, 16, 3, 3), rnd(16, 16, 3, 3, seed=1)
    pads, dil = (5, 5, 5, 5), (1, 1)
    assert K._input_grad_path(16, 16, 9) == "flipped"
    g = rnd(*K._conv2d_forward(x, w, pads, dil).shape, seed=2)
    assert K._path(16, g.shape[2] * g.shape[3]) == "wide"
    np.testing.assert_allclose(K._conv2d_input_grad_forward(g, w, pads, dil, x.shape),
                               K._conv2d_input_grad_direct(g, w, pads, dil, x.shape),
                               rtol=1e-11, atol=1e-12)
