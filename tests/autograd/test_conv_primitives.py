"""The convolution primitives (conv2d, conv2d_input_grad, conv2d_weight_grad: stride 1 in the
"wide" im2col layout) and fold2d's non-overlapping path: forward against a direct loop,
gradients and second derivatives by finite differences, the adjoint identities that tie the
three primitives together, PyTorch parity, dtypes, and that no result aliases the reused
workspace."""
import numpy as np
import pytest

from glassgrad import autograd as ag
from glassgrad.autograd import _conv_kernels as P
from glassgrad.autograd._workspace import Workspace
from glassgrad.autograd.engine import apply


def rnd(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def t64(*shape, seed=0):
    return ag.tensor(rnd(*shape, seed=seed), requires_grad=True)


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def conv_loop(x, w, b, padding, dilation):
    """Direct definition: out[n, o, y, x] = b[o] + sum_{c,i,j} w[o,c,i,j] xp[n,c,y+i dh,x+j dw]
    with xp zero padded by (top, bottom, left, right)."""
    top, bottom, left, right = padding
    xp = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
    n, _, hp, wp = xp.shape
    o, _, kh, kw = w.shape
    dh, dw = dilation
    oh, ow = hp - dh * (kh - 1), wp - dw * (kw - 1)
    out = np.zeros((n, o, oh, ow))
    for i in range(kh):
        for j in range(kw):
            window = xp[:, :, i * dh:i * dh + oh, j * dw:j * dw + ow]
            out += np.einsum("oc,nchw->nohw", w[:, :, i, j], window)
    return out if b is None else out + b[None, :, None, None]


# (x shape, w shape, padding as (left, right, top, bottom) or int/pair, dilation)
CASES = [
    ((2, 3, 5, 6), (4, 3, 3, 3), 1, 1),
    ((1, 1, 4, 4), (2, 1, 2, 3), (1, 1), (1, 2)),            # 1 channel, batch 1, non-square
    ((2, 2, 5, 5), (3, 2, 1, 1), 0, 1),                      # 1x1 kernel
    ((3, 2, 6, 5), (2, 2, 3, 2), (0, 1, 2, 1), (2, 1)),       # asymmetric padding, dilation
    ((2, 1, 3, 3), (2, 1, 3, 3), (4, 3), 1),                 # padding wider than the kernel
    ((2, 2, 3, 4), (2, 2, 3, 3), (5, 0, 1, 6), (2, 1)),
    ((2, 2, 7, 6), (3, 2, 3, 2), 0, (2, 3)),                 # no padding, dilation
]
IDS = [f"x{c[0]}-w{c[1]}-p{c[2]}-d{c[3]}" for c in CASES]


@pytest.mark.parametrize("xs, ws, padding, dilation", CASES, ids=IDS)
def test_conv2d_forward_matches_direct_loop(xs, ws, padding, dilation):
    x, w, b = rnd(*xs), rnd(*ws, seed=1), rnd(ws[0], seed=2)
    pads = ag.ops._conv_padding(padding)
    out = ag.conv2d(ag.tensor(x), ag.tensor(w), ag.tensor(b), padding=padding, dilation=dilation)
    np.testing.assert_allclose(out.numpy(), conv_loop(x, w, b, pads, _pair(dilation)),
                               rtol=1e-12, atol=1e-12)
    assert out.grad_fn is None      # nothing requires grad: no node
    out = ag.conv2d(ag.tensor(x), ag.tensor(w, requires_grad=True), padding=padding,
                    dilation=dilation)
    assert out.grad_fn.prim is P.CONV2D
    np.testing.assert_allclose(out.numpy(), conv_loop(x, w, None, pads, _pair(dilation)),
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("xs, ws, padding, dilation", CASES, ids=IDS)
def test_conv2d_gradcheck_and_gradgradcheck(xs, ws, padding, dilation):
    x, w, b = t64(*xs), t64(*ws, seed=1), t64(ws[0], seed=2)
    f = lambda x, w, b: ag.conv2d(x, w, b, padding=padding, dilation=dilation)
    assert ag.gradcheck(f, [x, w, b])
    assert ag.gradgradcheck(f, [x, w, b])
    g = lambda x, w: ag.conv2d(x, w, padding=padding, dilation=dilation)
    assert ag.gradgradcheck(g, [x, w])


@pytest.mark.parametrize("xs, ws, padding, dilation", CASES[:4], ids=IDS[:4])
def test_gradient_primitives_gradcheck_and_gradgradcheck(xs, ws, padding, dilation):
    pads, dil = ag.ops._conv_padding(padding), _pair(dilation)
    with ag.no_grad():
        out_shape = ag.conv2d(ag.tensor(rnd(*xs)), ag.tensor(rnd(*ws)), padding=padding,
                              dilation=dilation).shape
    g, w, x = t64(*out_shape, seed=3), t64(*ws, seed=1), t64(*xs)
    input_grad = lambda g, w: apply(P.CONV2D_INPUT_GRAD, (g, w), pads, dil, xs)
    weight_grad = lambda g, x: apply(P.CONV2D_WEIGHT_GRAD, (g, x), pads, dil, ws)
    for fn, args in ((input_grad, [g, w]), (weight_grad, [g, x])):
        assert ag.gradcheck(fn, args)
        assert ag.gradgradcheck(fn, args)


@pytest.mark.parametrize("xs, ws, padding, dilation", CASES, ids=IDS)
def test_adjoint_identities(xs, ws, padding, dilation):
    """<conv(x, w), g> = <x, input_grad(g, w)> = <w, weight_grad(g, x)>."""
    pads, dil = ag.ops._conv_padding(padding), _pair(dilation)
    x, w = rnd(*xs), rnd(*ws, seed=1)
    out = P._conv2d_forward(x, w, pads, dil)
    g = rnd(*out.shape, seed=3)
    gx = P._conv2d_input_grad_forward(g, w, pads, dil, xs)
    gw = P._conv2d_weight_grad_forward(g, x, pads, dil, ws)
    assert gx.shape == xs and gw.shape == ws
    inner = np.vdot(out, g)
    np.testing.assert_allclose(np.vdot(x, gx), inner, rtol=1e-12)
    np.testing.assert_allclose(np.vdot(w, gw), inner, rtol=1e-12)


def test_bias_gradient_and_missing_inputs():
    x, w, b = t64(2, 3, 4, 4), t64(5, 3, 3, 3, seed=1), t64(5, seed=2)
    out = ag.conv2d(x, w, b, padding=1)
    g = rnd(*out.shape, seed=3)
    out.backward(ag.tensor(g))
    np.testing.assert_allclose(b.grad.numpy(), g.sum(axis=(0, 2, 3)), rtol=1e-12)
    # only the weight needs a gradient: no input-gradient work, and none is returned
    x2 = ag.tensor(rnd(2, 3, 4, 4))
    gw, = ag.grad(ag.conv2d(x2, w, padding=1).sum(), [w])
    assert gw.shape == w.shape


def test_torch_parity_float64():
    torch = pytest.importorskip("torch")
    for xs, ws, padding, dilation in CASES:
        pads = ag.ops._conv_padding(padding)
        x, w, b = t64(*xs), t64(*ws, seed=1), t64(ws[0], seed=2)
        out = ag.conv2d(x, w, b, padding=padding, dilation=dilation)
        tx, tw, tb = (torch.tensor(a.numpy(), requires_grad=True) for a in (x, w, b))
        tpad = torch.nn.functional.pad(tx, (pads[2], pads[3], pads[0], pads[1]))
        tout = torch.nn.functional.conv2d(tpad, tw, tb, dilation=dilation)
        np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-10, atol=1e-12)
        g = rnd(*out.shape, seed=4)
        out.backward(ag.tensor(g))
        tout.backward(torch.from_numpy(g))
        for ours, theirs in ((x, tx), (w, tw), (b, tb)):
            np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-10,
                                       atol=1e-12)


def test_float32_stays_float32_and_mixed_dtypes_promote():
    x = ag.tensor(rnd(2, 3, 5, 5).astype(np.float32), requires_grad=True)
    w = ag.tensor(rnd(4, 3, 3, 3).astype(np.float32), requires_grad=True)
    b = ag.tensor(rnd(4).astype(np.float32), requires_grad=True)
    out = ag.conv2d(x, w, b, padding=1)
    assert out.dtype == np.float32
    (out * out).sum().backward(create_graph=True)
    assert x.grad.dtype == w.grad.dtype == b.grad.dtype == np.float32
    gg, = ag.grad(x.grad.sum(), [w])
    assert gg.dtype == np.float32
    assert ag.conv2d(x, w.double()).dtype == np.float64


def test_results_never_alias_the_workspace():
    """Temporaries live in reused buffers; every returned array must be fresh."""
    for xs, ws, padding in [((3, 1, 4, 4), (1, 1, 1, 1), 0), ((2, 2, 5, 5), (3, 2, 3, 3), 1)]:
        pads = ag.ops._conv_padding(padding)
        x, w = rnd(*xs), rnd(*ws, seed=1)
        out = P._conv2d_forward(x, w, pads, (1, 1))
        g = rnd(*out.shape, seed=2)
        gx = P._conv2d_input_grad_forward(g, w, pads, (1, 1), xs)
        gw = P._conv2d_weight_grad_forward(g, x, pads, (1, 1), ws)
        kept = [a.copy() for a in (out, gx, gw)]
        P._conv2d_forward(x + 1, w, pads, (1, 1))
        P._conv2d_input_grad_forward(g + 1, w, pads, (1, 1), xs)
        P._conv2d_weight_grad_forward(g + 1, x, pads, (1, 1), ws)
        for a, k in zip((out, gx, gw), kept):
            np.testing.assert_array_equal(a, k)
            assert a.flags.owndata or a.base is None or a.base.flags.owndata


def test_large_inputs_bypass_the_workspace(monkeypatch):
    x = rnd(1, 1, 4, 4).astype(np.float32)
    w = rnd(1, 1, 3, 3).astype(np.float32)
    small = Workspace()
    small.limit = 8             # every temporary is "large": fresh arrays each call
    monkeypatch.setattr(P, "workspace", small)
    out = P._conv2d_forward(x, w, (1, 1, 1, 1), (1, 1))
    np.testing.assert_allclose(out, conv_loop(x, w, None, (1, 1, 1, 1), (1, 1)), rtol=1e-5)
    assert small.buffers == {} and small.kept == {}


def test_infinite_inputs_do_not_warn():
    x = rnd(1, 1, 3, 3)
    x[0, 0, 1, 1] = np.inf
    x[0, 0, 0, 0] = -np.inf
    out = ag.conv2d(ag.tensor(x, requires_grad=True), t64(1, 1, 2, 2), padding=1)
    out.sum().backward()    # pytest turns RuntimeWarning into an error
    assert not np.isfinite(out.numpy()).all()


def test_conv2d_errors():
    x, w = t64(1, 2, 4, 4), t64(3, 2, 3, 3)
    with pytest.raises(ValueError, match=r"conv2d: input .* has 2 channels but weight .* "
                                         r"expects 4"):
        ag.conv2d(x, t64(3, 4, 3, 3))
    with pytest.raises(ValueError, match=r"conv2d: bias must have shape \(3,\)"):
        ag.conv2d(x, w, t64(2))
    with pytest.raises(ValueError, match=r"conv2d: kernel \(3, 3\) .* larger than the padded "
                                         r"input 2x2"):
        ag.conv2d(t64(1, 2, 2, 2), w)
    with pytest.raises(ValueError, match=r"conv2d: expected input \(N, C, H, W\)"):
        ag.conv2d(t64(2, 4, 4), w)
    with pytest.raises(ValueError, match=r"conv2d: padding must be"):
        ag.conv2d(x, w, padding=(1, 2, 3))
    with pytest.raises(ValueError, match=r"conv2d: negative padding"):
        ag.conv2d(x, w, padding=-1)
    with pytest.raises(ValueError, match=r"conv2d: stride .* must be positive"):
        ag.conv2d(x, w, stride=0)


def test_strided_conv2d_gradgradcheck():
    x, w, b = t64(2, 2, 6, 5), t64(3, 2, 3, 2, seed=1), t64(3, seed=2)
    f = lambda x, w, b: ag.conv2d(x, w, b, stride=(2, 1), padding=(1, 0, 0, 1), dilation=(1, 2))
    assert ag.gradcheck(f, [x, w, b])
    assert ag.gradgradcheck(f, [x, w, b])


# ----- fold2d: windows that tile the image ----------------------------------------------------


@pytest.mark.parametrize("shape, kernel", [((2, 3, 6, 4), (2, 2)), ((1, 2, 7, 5), (3, 2)),
                                           ((2, 1, 4, 4), (1, 1))])
def test_fold2d_without_overlap_matches_scatter(shape, kernel):
    x = t64(*shape)
    cols = ag.unfold2d(x, kernel, kernel)
    g = rnd(*cols.shape, seed=1)
    cols.backward(ag.tensor(g))
    n, c, kh, kw, oh, ow = cols.shape
    expected = np.zeros(shape)
    for i in range(kh):
        for j in range(kw):
            expected[:, :, i:i + kh * oh:kh, j:j + kw * ow:kw] += g[:, :, i, j]
    np.testing.assert_array_equal(x.grad.numpy(), expected)
    fold = P._fold2d_forward(g, kernel, kernel, (1, 1), shape)
    assert not np.shares_memory(fold, g)
    assert ag.gradgradcheck(lambda t: ag.unfold2d(t, kernel, kernel) ** 2, [t64(*shape)])
