"""conv2d's im2col columns made once by the forward (the recorded conv2d_columns primitive)
and reused by the weight gradient: on every layout, gradients of first and second order
(float64), PyTorch parity, the same bits as recomputing the columns, graphs alive at the same
time (the kept arrays are reused only once nothing references them), and compiled steps
bitwise equal to eager."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad import autograd as ag
from glassgrad import nn, optim
from glassgrad.autograd import _conv_kernels as K
from glassgrad.autograd.engine import apply

from test_conv_primitives import rnd, t64

LAYOUTS = ["wide", "narrow", "nhwc"]

# (x shape, w shape, padding (top, bottom, left, right), dilation)
CASES = [
    ((2, 3, 5, 6), (4, 3, 3, 3), (1, 1, 1, 1), (1, 1)),
    ((1, 1, 4, 5), (2, 1, 2, 3), (1, 1, 1, 1), (1, 2)),       # 1 channel, non-square kernel
    ((3, 2, 6, 5), (2, 2, 3, 2), (2, 1, 0, 1), (2, 1)),       # asymmetric padding, dilation
    ((1, 8, 3, 4), (2, 8, 3, 3), (1, 2, 2, 0), (1, 1)),       # many channels, odd sizes
]
IDS = [f"x{c[0]}-w{c[1]}-p{c[2]}-d{c[3]}" for c in CASES]


@pytest.fixture(params=LAYOUTS)
def layout(request, monkeypatch):
    monkeypatch.setattr(K, "_path", lambda c, plane: request.param)
    return request.param


def _conv(x, w, b, pads, dil):
    return ag.conv2d(x, w, b, padding=(pads[2], pads[3], pads[0], pads[1]), dilation=dil)


def _columns_node(out):
    """The conv2d node of `out` and the columns it keeps (its last ctx entry)."""
    node = out.grad_fn
    assert node.op == "conv2d" and isinstance(node.ctx[-1], np.ndarray)
    return node, node.ctx[-1]


@pytest.mark.parametrize("xs, ws, pads, dil", CASES, ids=IDS)
def test_conv2d_keeps_its_columns_and_gradchecks(layout, xs, ws, pads, dil):
    x, w, b = t64(*xs), t64(*ws, seed=1), t64(ws[0], seed=2)
    _columns_node(_conv(x, w, b, pads, dil))
    f = lambda x, w, b: _conv(x, w, b, pads, dil)
    assert ag.gradcheck(f, [x, w, b])
    assert ag.gradgradcheck(f, [x, w, b])
    # the weight alone requiring grad (the columns path), the input a constant
    xc = ag.tensor(rnd(*xs, seed=5))
    assert ag.gradcheck(lambda w: _conv(xc, w, None, pads, dil), [w])
    assert ag.gradgradcheck(lambda w: _conv(xc, w, None, pads, dil), [w])


@pytest.mark.parametrize("xs, ws, pads, dil", CASES, ids=IDS)
def test_weight_gradient_from_kept_columns_is_the_recomputed_one(layout, xs, ws, pads, dil):
    for dtype in (np.float64, np.float32):
        x = ag.tensor(rnd(*xs).astype(dtype), requires_grad=True)
        w = ag.tensor(rnd(*ws, seed=1).astype(dtype), requires_grad=True)
        out = _conv(x, w, None, pads, dil)
        _, cols = _columns_node(out)
        g = rnd(*out.shape, seed=3).astype(dtype)
        out.backward(ag.tensor(g))
        fresh = K._conv2d_weight_grad_forward(g, x.numpy(), pads, dil, ws)
        assert w.grad.numpy().tobytes() == fresh.tobytes()
        with ag.no_grad():                  # no weight gradient wanted: no columns kept
            assert len(_conv(x, w, None, pads, dil).numpy().shape) == 4
        assert _conv(x.detach(), w.detach(), None, pads, dil).grad_fn is None


@pytest.mark.parametrize("xs, ws, pads, dil", CASES, ids=IDS)
def test_torch_parity(layout, xs, ws, pads, dil):
    torch = pytest.importorskip("torch")
    for dtype, tol in ((np.float64, 1e-10), (np.float32, 1e-4)):
        x, w, b = (ag.tensor(rnd(*s, seed=i).astype(dtype), requires_grad=True)
                   for i, s in enumerate((xs, ws, (ws[0],))))
        out = _conv(x, w, b, pads, dil)
        tx, tw, tb = (torch.tensor(a.numpy(), requires_grad=True) for a in (x, w, b))
        tpad = torch.nn.functional.pad(tx, (pads[2], pads[3], pads[0], pads[1]))
        tout = torch.nn.functional.conv2d(tpad, tw, tb, dilation=dil)
        np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=tol, atol=tol)
        g = rnd(*out.shape, seed=4).astype(dtype)
        out.backward(ag.tensor(g))
        tout.backward(torch.from_numpy(g))
        for a, t in ((x, tx), (w, tw), (b, tb)):
            np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=tol, atol=tol)


def test_graphs_alive_together_keep_their_own_columns(layout):
    """Two forwards before either backward (gradient accumulation, several losses): the
    second may not reuse the first one's columns array while the first graph holds it."""
    xs, ws, pads, dil = CASES[0]
    w = t64(*ws, seed=1)
    inputs = [ag.tensor(rnd(*xs, seed=s)) for s in (10, 11, 12)]
    outs = [_conv(x, w, None, pads, dil) for x in inputs]
    kept = [_columns_node(o)[1] for o in outs]
    assert len({id(c) for c in kept}) == 3
    grads = []
    for o in outs:
        w.grad = None
        o.backward(ag.tensor(np.ones(o.shape)))
        grads.append(w.grad.numpy().copy())
    for x, got in zip(inputs, grads):
        want = K._conv2d_weight_grad_direct(np.ones(outs[0].shape), x.numpy(), pads, dil, ws)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    # once a graph is gone, its columns array is handed out again
    node, cols = _columns_node(outs[0])
    address = cols.__array_interface__["data"][0]
    del outs, kept, node, cols
    again = _columns_node(_conv(inputs[1], w, None, pads, dil))[1]
    assert again.__array_interface__["data"][0] == address


def test_retain_graph_and_create_graph_reuse_the_kept_columns(layout):
    xs, ws, pads, dil = CASES[3]
    x, w = t64(*xs), t64(*ws, seed=1)
    out = _conv(x, w, None, pads, dil)
    (gw,) = ag.grad(out.sum(), [w], create_graph=True, retain_graph=True)
    (gw_again,) = ag.grad(out.sum(), [w])
    np.testing.assert_array_equal(gw.numpy(), gw_again.numpy())
    # second order through the weight gradient: d/dx of sum(gw * v) flows to x
    v = rnd(*ws, seed=7)
    (gx,) = ag.grad((gw * ag.tensor(v)).sum(), [x])
    want = apply(K.CONV2D_INPUT_GRAD, (ag.tensor(np.ones(out.shape)), ag.tensor(v)),
                 pads, dil, xs)
    np.testing.assert_allclose(gx.numpy(), want.numpy(), rtol=1e-12, atol=1e-12)


def _three_layout_cnn():
    """A CNN whose convolutions take every layout: one input channel (narrow), 4 channels on
    12x12 images (wide), 8 channels on 6x6 (channels-last)."""
    gg.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(),
                         nn.Conv2d(4, 8, 3, padding=1, dilation=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(8, 8, 3, padding=2, dilation=2), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(8 * 3 * 3, 5))


def test_compiled_cnn_with_every_layout_is_bitwise_eager():
    assert [K._path(c, p) for c, p in ((1, 144), (4, 144), (8, 36))] == \
        ["narrow", "wide", "nhwc"]
    rng = np.random.default_rng(3)
    xs = [gg.tensor(rng.standard_normal((5, 1, 12, 12)).astype(np.float32)) for _ in range(8)]
    ys = [gg.tensor(rng.integers(0, 5, 5)) for _ in range(8)]
    results = []
    for compiled in (False, True):
        model = _three_layout_cnn()
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        loss_fn = nn.CrossEntropyLoss()

        def step(x, y):
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
            return loss
        f = gg.compile(step) if compiled else step
        losses = [f(x, y).numpy().tobytes() for x, y in zip(xs, ys)]
        results.append((losses, [p.numpy().tobytes() for p in model.parameters()]))
        if compiled:
            assert f.mode == "replay", f.reason
            assert sum(c.name == "conv2d_columns" for c in f.program.calls) == 3
    assert results[0] == results[1]


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
def test_window_copy_moves_the_same_bytes_as_a_strided_copy(dtype):
    """The columns copy that moves each contiguous run as one element: every layout's view
    (with dilation, odd sizes, a single-element run, an empty result) against numpy's copy
    of the same as_strided view, NaN payloads included."""
    rng = np.random.default_rng(0)
    src = rng.standard_normal((3, 2, 7, 9)).astype(dtype)
    src.reshape(-1)[::5] = np.nan
    it = src.itemsize
    s = src.strides
    views = [
        ((3, 2, 2, 2, 5, 6), (s[0], s[2] * 2, s[3], s[1], s[2], s[3])),       # narrow, dh 2
        ((3, 2, 1, 4, 3), (s[0], s[1], s[2], s[3] * 2, s[3])),                  # runs of 3
        ((3, 5, 7, 2, 2), (s[0], s[2], s[3], s[2], it)),                        # run of 2*it
        ((3, 2, 3, 4, 1), (s[0], s[1], s[2], s[3], it)),                        # 1-element run
        ((3, 2, 3, 4), (s[0], s[1], s[2], s[3] * 2)),                           # no run at all
        ((0, 2, 3), (s[0], s[1], s[3])),                                         # empty
    ]
    for shape, strides in views:
        want = np.ascontiguousarray(np.lib.stride_tricks.as_strided(src, shape, strides))
        dest = np.full(shape, 7, dtype)
        K._window_copy(dest, src, shape, strides)
        assert dest.tobytes() == want.tobytes(), shape


def test_columns_larger_than_the_workspace_limit_are_made_again(monkeypatch):
    """Above the limit the node keeps no columns (memory: kh*kw times the input's) and the
    weight gradient makes them itself: same gradient bits."""
    xs, ws, pads, dil = CASES[0]
    x, w = t64(*xs), t64(*ws, seed=1)
    out = _conv(x, w, None, pads, dil)
    _columns_node(out)
    out.backward(ag.tensor(np.ones(out.shape)))
    kept = w.grad.numpy().copy()
    monkeypatch.setattr(K.workspace, "limit", 64)
    w.grad = None
    out = _conv(x, w, None, pads, dil)
    assert not isinstance(out.grad_fn.ctx[-1], np.ndarray)
    out.backward(ag.tensor(np.ones(out.shape)))
    assert w.grad.numpy().tobytes() == kept.tobytes()
