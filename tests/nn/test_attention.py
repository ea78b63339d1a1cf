"""scaled_dot_product_attention and MultiheadAttention against PyTorch (float64) and
gradcheck."""
import numpy as np
import pytest

from glassgrad import autograd as ag
from glassgrad import nn
from glassgrad.nn import functional as F

from nn_testutil import compare_with_torch, gradcheck_module

torch = pytest.importorskip("torch")


def _pair(*shape, seed=0):
    a = np.random.default_rng(seed).standard_normal(shape)
    return ag.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


def _check_sdpa(L=4, S=5, E=3, Ev=6, lead=(2, 3), **kw):
    tmask = kw.pop("attn_mask", None)
    (q, tq), (k, tk), (v, tv) = (_pair(*lead, L, E, seed=1), _pair(*lead, S, E, seed=2),
                                 _pair(*lead, S, Ev, seed=3))
    mask = None if tmask is None else ag.tensor(tmask.numpy())
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, **kw)
    tout = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, attn_mask=tmask, **kw)
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), atol=1e-12)
    g = np.random.default_rng(4).standard_normal(out.shape)
    out.backward(ag.tensor(g))
    tout.backward(torch.tensor(g))
    for a, b in ((q, tq), (k, tk), (v, tv)):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), atol=1e-12)


def test_sdpa_plain_scale_and_causal_match_torch():
    _check_sdpa()
    _check_sdpa(scale=0.37)
    _check_sdpa(is_causal=True)
    _check_sdpa(L=5, S=3, is_causal=True)          # top-left aligned when L != S
    _check_sdpa(lead=())                            # 2-D inputs


def test_sdpa_bool_and_float_masks_match_torch():
    rng = np.random.default_rng(5)
    bool_mask = torch.tensor(rng.random((4, 5)) > 0.4)
    bool_mask[2] = False                            # a fully masked query row -> zeros
    _check_sdpa(attn_mask=bool_mask)
    _check_sdpa(attn_mask=torch.tensor(rng.standard_normal((3, 4, 5))))
    float_mask = torch.zeros(2, 1, 4, 5, dtype=torch.float64)
    float_mask[..., 1, 2:] = -float("inf")
    _check_sdpa(attn_mask=float_mask)


def test_sdpa_gqa_matches_torch():
    (q, tq), (k, tk), (v, tv) = _pair(2, 4, 3, 5, seed=1), _pair(2, 2, 6, 5), _pair(2, 2, 6, 3)
    out = F.scaled_dot_product_attention(q, k, v, enable_gqa=True)
    tout = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, enable_gqa=True)
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), atol=1e-12)


def test_sdpa_errors_and_dropout():
    q = ag.randn(2, 3, 4, dtype=ag.float64)
    with pytest.raises(RuntimeError, match="is_causal"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=np.ones((3, 3), bool),
                                       is_causal=True)
    with pytest.raises(ValueError, match="do not agree"):
        F.scaled_dot_product_attention(q, ag.randn(2, 3, 5), q)
    ag.manual_seed(0)
    out = F.scaled_dot_product_attention(q, q, ag.ones(2, 3, 4, dtype=ag.float64),
                                         dropout_p=0.5)
    # every output is a sum of kept weights scaled by 2: not all equal to 1 any more
    assert not np.allclose(out.numpy(), 1.0)


def test_sdpa_gradcheck():
    q, k, v = (ag.randn(2, 3, 4, dtype=ag.float64, requires_grad=True) for _ in range(3))
    bias = ag.randn(3, 3, dtype=ag.float64, requires_grad=True)
    assert ag.gradcheck(lambda q, k, v, b: F.scaled_dot_product_attention(q, k, v, b),
                        [q, k, v, bias])
    assert ag.gradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v,
                                                                       is_causal=True),
                        [q, k, v])
    assert ag.gradgradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v),
                            [q, k, v])


def _mha_pair(*args, **kwargs):
    ag.manual_seed(0)
    ours = nn.MultiheadAttention(*args, **kwargs).double()
    theirs = torch.nn.MultiheadAttention(*args, **kwargs).double()
    return ours, theirs


@pytest.mark.parametrize("kwargs", [
    dict(),
    dict(batch_first=True),
    dict(bias=False),
    dict(kdim=3, vdim=5),
    dict(add_bias_kv=True, add_zero_attn=True),
])
def test_mha_matches_torch(kwargs):
    E, H, L, S, N = 6, 2, 4, 5, 3
    ours, theirs = _mha_pair(E, H, **kwargs)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    kd, vd = kwargs.get("kdim", E), kwargs.get("vdim", E)
    bf = kwargs.get("batch_first", False)
    shape = lambda seq, d: (N, seq, d) if bf else (seq, N, d)  # noqa: E731
    rng = np.random.default_rng(0)
    q, k, v = (rng.standard_normal(shape(L, E)), rng.standard_normal(shape(S, kd)),
               rng.standard_normal(shape(S, vd)))
    kpm = rng.random((N, S)) > 0.7
    kpm[:, 0] = False
    attn_mask = rng.standard_normal((L, S))
    for extra in (dict(), dict(key_padding_mask=kpm), dict(attn_mask=attn_mask),
                  dict(attn_mask=rng.random((N * H, L, S)) > 0.8, key_padding_mask=kpm),
                  dict(average_attn_weights=False)):
        o_kw = {n: (ag.tensor(a) if isinstance(a, np.ndarray) else a) for n, a in extra.items()}
        t_kw = {n: (torch.tensor(a) if isinstance(a, np.ndarray) else a)
                for n, a in extra.items()}

        class Ours(nn.Module):
            def __init__(self):
                super().__init__()
                self.m = ours

            def forward(self, *xs):
                out, w = self.m(*xs, **o_kw)
                return out + w.sum() * 0.1

        class Theirs(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.m = theirs

            def forward(self, *xs):
                out, w = self.m(*xs, **t_kw)
                return out + w.sum() * 0.1

        ours.zero_grad()
        theirs.zero_grad()
        compare_with_torch(Ours(), Theirs(), q, k, v, atol=1e-10)
        ow = ours(*(ag.tensor(a) for a in (q, k, v)), **o_kw)[1]
        tw = theirs(*(torch.tensor(a) for a in (q, k, v)), **t_kw)[1]
        np.testing.assert_allclose(ow.numpy(), tw.detach().numpy(), atol=1e-12)


def test_mha_unbatched_need_weights_false_and_is_causal():
    ours, theirs = _mha_pair(4, 2)
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((5, 4))
    mask = nn.Transformer.generate_square_subsequent_mask(5, dtype=ag.float64)
    tmask = torch.nn.Transformer.generate_square_subsequent_mask(5, dtype=torch.float64)
    np.testing.assert_array_equal(mask.numpy(), tmask.numpy())
    out, w = ours(*(ag.tensor(x),) * 3, attn_mask=mask, need_weights=False, is_causal=True)
    tout, _ = theirs(*(torch.tensor(x),) * 3, attn_mask=tmask, need_weights=False,
                     is_causal=True)
    assert w is None and out.shape == (5, 4)
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), atol=1e-12)
    out, w = ours(*(ag.tensor(x),) * 3, key_padding_mask=np.array([0, 0, 1, 0, 1], bool))
    tout, tw = theirs(*(torch.tensor(x),) * 3,
                      key_padding_mask=torch.tensor([0, 0, 1, 0, 1], dtype=torch.bool))
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(w.numpy(), tw.detach().numpy(), atol=1e-12)
    with pytest.raises(RuntimeError, match="is_causal"):
        ours(*(ag.tensor(x),) * 3, is_causal=True)


def test_mha_state_dict_moves_both_ways_and_init():
    ours, theirs = _mha_pair(8, 4, kdim=3, vdim=5)
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    ours.load_state_dict(theirs.state_dict())
    assert np.all(ours.in_proj_bias.numpy() == 0) and np.all(ours.out_proj.bias.numpy() == 0)
    big = nn.MultiheadAttention(64, 4)
    bound = np.sqrt(6 / (64 + 3 * 64))                 # xavier on the stacked (3E, E) weight
    w = big.in_proj_weight.numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    with pytest.raises(AssertionError, match="divisible"):
        nn.MultiheadAttention(6, 4)


def test_mha_dropout_train_eval_and_gradcheck():
    ours = nn.MultiheadAttention(4, 2, dropout=0.5).double()
    x = ag.randn(3, 2, 4, dtype=ag.float64)
    ours.eval()
    a = ours(x, x, x)[0].numpy()
    np.testing.assert_allclose(a, ours(x, x, x)[0].numpy())
    ours.train()
    ag.manual_seed(1)
    assert not np.allclose(ours(x, x, x)[0].numpy(), a)
    small = nn.MultiheadAttention(4, 2, kdim=3).double()
    q = ag.randn(2, 1, 4, dtype=ag.float64, requires_grad=True)
    k = ag.randn(3, 1, 3, dtype=ag.float64, requires_grad=True)
    v = ag.randn(3, 1, 4, dtype=ag.float64, requires_grad=True)

    class First(nn.Module):
        def __init__(self):
            super().__init__()
            self.m = small

        def forward(self, q, k, v):
            return self.m(q, k, v)[0]

    assert gradcheck_module(First(), q, k, v)
