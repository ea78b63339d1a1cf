"""Transformer layers, stacks and nn.Transformer against PyTorch (float64)."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad import autograd as ag
from glassgrad import nn
from glassgrad.nn import functional as F

from nn_testutil import compare_with_torch, gradcheck_module

torch = pytest.importorskip("torch")


def _keys_and_shapes(m):
    return [(k, tuple(v.shape)) for k, v in m.state_dict().items()]


class _Call(nn.Module):
    """Call the wrapped module with fixed keyword arguments (masks)."""

    def __init__(self, m, **kw):
        super().__init__()
        self.m, self.kw = m, kw

    def forward(self, *xs):
        return self.m(*xs, **self.kw)


class _TCall(torch.nn.Module):
    def __init__(self, m, **kw):
        super().__init__()
        self.m, self.kw = m, kw

    def forward(self, *xs):
        return self.m(*xs, **self.kw)


def _padding_mask(N, S, rng):
    kpm = rng.random((N, S)) > 0.7
    kpm[:, 0] = False
    return kpm


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("kw", [
    dict(), dict(norm_first=True), dict(activation="gelu", batch_first=True),
    dict(activation=F.gelu, bias=False), dict(layer_norm_eps=1e-3),
])
def test_encoder_layer_matches_torch(kw):
    ag.manual_seed(0)
    ours = nn.TransformerEncoderLayer(6, 2, dim_feedforward=10, dropout=0.0, **kw).double()
    tkw = dict(kw)
    if tkw.get("activation") is F.gelu:
        tkw["activation"] = torch.nn.functional.gelu
    theirs = torch.nn.TransformerEncoderLayer(6, 2, dim_feedforward=10, dropout=0.0, **tkw)
    assert _keys_and_shapes(ours) == _keys_and_shapes(theirs)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4, 6))
    compare_with_torch(ours, theirs, x)
    N, S = (3, 4) if kw.get("batch_first") else (4, 3)
    mask = nn.Transformer.generate_square_subsequent_mask(S, dtype=ag.float64)
    kpm = _padding_mask(N, S, rng)
    compare_with_torch(_Call(ours, src_mask=mask, src_key_padding_mask=ag.tensor(kpm),
                             is_causal=True),
                       _TCall(theirs, src_mask=torch.tensor(mask.numpy()),
                              src_key_padding_mask=torch.tensor(kpm), is_causal=True), x)


@pytest.mark.parametrize("kw", [dict(), dict(norm_first=True, batch_first=True)])
def test_decoder_layer_matches_torch(kw):
    ag.manual_seed(0)
    ours = nn.TransformerDecoderLayer(4, 2, dim_feedforward=8, dropout=0.0, **kw).double()
    theirs = torch.nn.TransformerDecoderLayer(4, 2, dim_feedforward=8, dropout=0.0, **kw)
    assert _keys_and_shapes(ours) == _keys_and_shapes(theirs)
    rng = np.random.default_rng(1)
    tgt, mem = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 5, 4))
    if not kw.get("batch_first"):
        tgt, mem = rng.standard_normal((3, 2, 4)), rng.standard_normal((5, 2, 4))
    T = 3
    mask = nn.Transformer.generate_square_subsequent_mask(T, dtype=ag.float64)
    mkpm = np.array([[0, 0, 0, 1, 1], [0, 0, 0, 0, 0]], bool)
    compare_with_torch(_Call(ours, tgt_mask=mask, memory_key_padding_mask=ag.tensor(mkpm)),
                       _TCall(theirs, tgt_mask=torch.tensor(mask.numpy()),
                              memory_key_padding_mask=torch.tensor(mkpm)), tgt, mem)


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_stacks_and_transformer_match_torch():
    ag.manual_seed(0)
    ours = nn.Transformer(d_model=4, nhead=2, num_encoder_layers=2, num_decoder_layers=2,
                          dim_feedforward=6, dropout=0.0).double()
    theirs = torch.nn.Transformer(d_model=4, nhead=2, num_encoder_layers=2,
                                  num_decoder_layers=2, dim_feedforward=6, dropout=0.0)
    assert _keys_and_shapes(ours) == _keys_and_shapes(theirs)
    rng = np.random.default_rng(2)
    src, tgt = rng.standard_normal((5, 2, 4)), rng.standard_normal((3, 2, 4))
    mask = nn.Transformer.generate_square_subsequent_mask(3, dtype=ag.float64)
    compare_with_torch(_Call(ours, tgt_mask=mask),
                       _TCall(theirs, tgt_mask=torch.tensor(mask.numpy())), src, tgt)
    # xavier init of every matrix, as torch
    w = ours.encoder.layers[0].linear1.weight.numpy()
    assert np.abs(w).max() <= np.sqrt(6 / (4 + 6))
    with pytest.raises(RuntimeError, match="batch number"):
        ours(ag.randn(5, 2, 4, dtype=ag.float64), ag.randn(3, 1, 4, dtype=ag.float64))

    layer = nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0)
    enc = nn.TransformerEncoder(layer, 3, norm=nn.LayerNorm(4), enable_nested_tensor=False)
    tenc = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0),
                                       3, norm=torch.nn.LayerNorm(4),
                                       enable_nested_tensor=False)
    assert _keys_and_shapes(enc) == _keys_and_shapes(tenc)
    enc.double()
    assert enc.layers[0].linear1.weight is not enc.layers[1].linear1.weight
    compare_with_torch(enc, tenc, rng.standard_normal((5, 2, 4)))
    dec = nn.TransformerDecoder(nn.TransformerDecoderLayer(4, 2, 8, dropout=0.0), 2).double()
    tdec = torch.nn.TransformerDecoder(torch.nn.TransformerDecoderLayer(4, 2, 8, dropout=0.0), 2)
    compare_with_torch(dec, tdec, rng.standard_normal((3, 2, 4)),
                       rng.standard_normal((5, 2, 4)))


def test_unbatched_and_train_eval_dropout():
    ag.manual_seed(0)
    ours = nn.TransformerEncoderLayer(4, 2, 8, dropout=0.3).double()
    theirs = torch.nn.TransformerEncoderLayer(4, 2, 8, dropout=0.3)
    ours.eval()
    theirs.eval()
    x = np.random.default_rng(3).standard_normal((5, 4))
    compare_with_torch(ours, theirs, x)
    ours.train()
    ag.manual_seed(0)
    a = ours(ag.tensor(x)).numpy()
    assert not np.allclose(a, ours.eval()(ag.tensor(x)).numpy())
    with pytest.raises(RuntimeError, match="relu/gelu"):
        nn.TransformerEncoderLayer(4, 2, activation="swish")


def test_encoder_layer_gradcheck():
    ag.manual_seed(0)
    layer = nn.TransformerEncoderLayer(4, 2, 6, dropout=0.0, norm_first=True).double()
    x = ag.randn(3, 1, 4, dtype=ag.float64, requires_grad=True)
    assert gradcheck_module(layer, x)


@pytest.mark.parametrize("make", [
    lambda lib: lib.nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1,
                                   num_decoder_layers=1, dim_feedforward=16),
    lambda lib: lib.nn.MultiheadAttention(8, 2, kdim=3, vdim=5, add_bias_kv=True),
    lambda lib: lib.nn.LSTM(3, 4, num_layers=2, bidirectional=True, proj_size=2),
    lambda lib: lib.nn.GRU(3, 4, bias=False),
])
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_weights_move_both_ways_through_safetensors(make, tmp_path):
    st = pytest.importorskip("safetensors.torch")
    ours, theirs = make(gg), make(torch)
    ag.save(ours.state_dict(), str(tmp_path / "ours.safetensors"))
    theirs.load_state_dict(st.load_file(str(tmp_path / "ours.safetensors")))
    for k, v in ours.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), theirs.state_dict()[k].numpy(), err_msg=k)
    fresh = make(torch)
    st.save_file({k: v.contiguous() for k, v in fresh.state_dict().items()},
                 str(tmp_path / "theirs.safetensors"))
    ours.load_state_dict(ag.load(str(tmp_path / "theirs.safetensors")))
    for k, v in fresh.state_dict().items():
        np.testing.assert_array_equal(ours.state_dict()[k].numpy(), v.numpy(), err_msg=k)
