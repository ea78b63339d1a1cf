"""RNN, LSTM, GRU, their cells and nn.utils.rnn against PyTorch (float64), and gradcheck."""
import numpy as np
import pytest

from glassgrad import autograd as ag
from glassgrad import nn
from glassgrad.nn.utils import rnn as rnn_utils

from nn_testutil import gradcheck_module

torch = pytest.importorskip("torch")


def _twin(cls_name, *args, **kwargs):
    ag.manual_seed(0)
    ours = getattr(nn, cls_name)(*args, **kwargs).double()
    theirs = getattr(torch.nn, cls_name)(*args, **kwargs).double()
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    return ours, theirs


def _flat(out):
    """Every tensor of a (nested) RNN result, in order."""
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _flat(o)]
    if isinstance(out, (rnn_utils.PackedSequence, torch.nn.utils.rnn.PackedSequence)):
        return [out.data]
    return [out]


def _compare(ours, theirs, ins, tins, atol=1e-12):
    """Outputs, then gradients of inputs and parameters for a random weighting of every
    output tensor."""
    outs, touts = _flat(ours(*ins)), _flat(theirs(*tins))
    assert len(outs) == len(touts)
    rng = np.random.default_rng(7)
    loss, tloss = 0, 0
    for o, t in zip(outs, touts):
        np.testing.assert_allclose(o.numpy(), t.detach().numpy(), atol=atol)
        g = rng.standard_normal(o.shape)
        loss = loss + (o * ag.tensor(g)).sum()
        tloss = tloss + (t * torch.tensor(g)).sum()
    loss.backward()
    tloss.backward()
    for a, b in zip(_flat(ins), _flat(tins)):
        if b.requires_grad:
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), atol=atol)
    tp = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tp[name].grad.numpy(), atol=atol,
                                   err_msg=name)


def _arr(*shape, seed=0):
    a = np.random.default_rng(seed).standard_normal(shape)
    return ag.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


CONFIGS = [dict(), dict(num_layers=2), dict(bidirectional=True),
           dict(num_layers=2, bidirectional=True, batch_first=True), dict(bias=False),
           dict(num_layers=3, dropout=0.5)]


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU", "RNN-relu"])
@pytest.mark.parametrize("cfg", CONFIGS)
def test_recurrent_matches_torch(kind, cfg):
    cls, extra = (kind, {}) if kind != "RNN-relu" else ("RNN", {"nonlinearity": "relu"})
    ours, theirs = _twin(cls, 3, 4, **cfg, **extra)
    if cfg.get("dropout"):
        ours.eval()                 # dropout masks cannot match torch's; eval turns them off
        theirs.eval()
    bf = cfg.get("batch_first", False)
    x, tx = _arr(*((2, 5, 3) if bf else (5, 2, 3)))
    _compare(ours, theirs, (x,), (tx,))
    # with initial states
    D = 2 if cfg.get("bidirectional") else 1
    L = cfg.get("num_layers", 1) * D
    ours.zero_grad()
    theirs.zero_grad()
    x, tx = _arr(*((2, 5, 3) if bf else (5, 2, 3)), seed=1)
    h, th = _arr(L, 2, 4, seed=2)
    if cls == "LSTM":
        c, tc = _arr(L, 2, 4, seed=3)
        _compare(ours, theirs, (x, (h, c)), (tx, (th, tc)))
    else:
        _compare(ours, theirs, (x, h), (tx, th))


@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU"])
def test_unbatched_input_and_errors(cls):
    ours, theirs = _twin(cls, 3, 4, num_layers=2)
    x, tx = _arr(5, 3)
    _compare(ours, theirs, (x,), (tx,))
    out = ours(x)
    assert out[0].shape == (5, 4)
    ours.zero_grad()
    theirs.zero_grad()
    h, th = _arr(2, 4, seed=1)
    c, tc = _arr(2, 4, seed=2)
    if cls == "LSTM":
        _compare(ours, theirs, (x, (h, c)), (tx, (th, tc)))
    else:
        _compare(ours, theirs, (x, h), (tx, th))
    with pytest.raises(RuntimeError, match="input_size"):
        ours(ag.randn(5, 2, 2, dtype=ag.float64))
    with pytest.raises(ValueError, match="2D or 3D"):
        ours(ag.randn(1, 5, 2, 3, dtype=ag.float64))
    with pytest.raises(RuntimeError, match="sequence length to be larger than 0"):
        ours(ag.randn(0, 2, 3, dtype=ag.float64))
    assert ours(ag.randn(4, 0, 3, dtype=ag.float64))[0].shape == (4, 0, 4)   # empty batch
    bad = ag.zeros(1, 2, 4, dtype=ag.float64)
    with pytest.raises(RuntimeError, match="Expected hidden size"):
        ours(ag.randn(5, 2, 3, dtype=ag.float64), (bad, bad) if cls == "LSTM" else bad)


def test_lstm_proj_size_matches_torch():
    ours, theirs = _twin("LSTM", 3, 5, num_layers=2, proj_size=2, bidirectional=True)
    x, tx = _arr(4, 2, 3)
    _compare(ours, theirs, (x,), (tx,))
    assert ours(x)[1][0].shape == (4, 2, 2) and ours(x)[1][1].shape == (4, 2, 5)
    with pytest.raises(ValueError, match="proj_size"):
        nn.RNNBase("GRU", 3, 5, proj_size=2)


def test_init_repr_and_train_dropout():
    m = nn.GRU(2, 16, num_layers=2, dropout=0.5)
    bound = 1 / np.sqrt(16)
    for p in m.parameters():
        assert np.abs(p.numpy()).max() <= bound
    assert np.abs(m.weight_hh_l0.numpy()).max() > 0.9 * bound
    assert repr(m) == repr(torch.nn.GRU(2, 16, num_layers=2, dropout=0.5))
    assert repr(nn.LSTM(2, 3, batch_first=True, bidirectional=True, bias=False)) == \
        repr(torch.nn.LSTM(2, 3, batch_first=True, bidirectional=True, bias=False))
    m.double()
    x = ag.randn(4, 1, 2, dtype=ag.float64)
    ag.manual_seed(0)
    a = m(x)[0].numpy()
    ag.manual_seed(1)
    assert not np.allclose(a, m(x)[0].numpy())      # dropout between layers in training
    m.eval()
    np.testing.assert_array_equal(m(x)[0].numpy(), m(x)[0].numpy())
    with pytest.warns(UserWarning, match="num_layers greater than 1"):
        nn.LSTM(2, 3, dropout=0.2)
    with pytest.raises(ValueError, match="nonlinearity"):
        nn.RNN(2, 3, nonlinearity="sigmoid")
    with pytest.raises(RuntimeError, match=r"expected hidden state \(5, 3\), got \(4, 3\)"):
        nn.GRUCell(2, 3)(ag.randn(5, 2), ag.randn(4, 3))
    with pytest.raises(RuntimeError, match=r"expected hidden state \(3,\), got \(4,\)"):
        nn.RNNCell(2, 3)(ag.randn(2), ag.randn(4))


@pytest.mark.parametrize("cls", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cells_match_torch(cls):
    kw = {"nonlinearity": "relu"} if cls == "RNNCell" else {}
    ours, theirs = _twin(cls, 3, 4, **kw)
    x, tx = _arr(2, 3)
    _compare(ours, theirs, (x,), (tx,))
    ours.zero_grad()
    theirs.zero_grad()
    h, th = _arr(2, 4, seed=1)
    if cls == "LSTMCell":
        c, tc = _arr(2, 4, seed=2)
        _compare(ours, theirs, (x, (h, c)), (tx, (th, tc)))
    else:
        _compare(ours, theirs, (x, h), (tx, th))
    ours.zero_grad()
    theirs.zero_grad()
    x1, tx1 = _arr(3, seed=4)
    _compare(ours, theirs, (x1,), (tx1,))
    with pytest.raises(RuntimeError, match="input_size"):
        ours(ag.randn(2, 5, dtype=ag.float64))
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU"])
def test_gradcheck_small(cls):
    ag.manual_seed(0)
    m = getattr(nn, cls)(2, 3, num_layers=2, bidirectional=True).double()
    x = ag.randn(3, 2, 2, dtype=ag.float64, requires_grad=True)

    class First(nn.Module):
        def __init__(self):
            super().__init__()
            self.m = m

        def forward(self, x):
            return self.m(x)[0]

    assert gradcheck_module(First(), x)
    cell = getattr(nn, cls + "Cell")(2, 3).double()
    out = (lambda x: cell(x)[1]) if cls == "LSTM" else cell
    assert ag.gradcheck(out, [x[0]]) and ag.gradgradcheck(out, [x[0].detach().requires_grad_()])


def test_pad_sequence_matches_torch():
    seqs = [np.random.default_rng(i).standard_normal((n, 2)) for i, n in enumerate((3, 5, 1))]
    ours = [ag.tensor(s, requires_grad=True) for s in seqs]
    theirs = [torch.tensor(s) for s in seqs]
    for kw in (dict(), dict(batch_first=True), dict(padding_value=-1.5),
               dict(batch_first=True, padding_side="left")):
        out = rnn_utils.pad_sequence(ours, **kw)
        np.testing.assert_array_equal(out.numpy(),
                                      torch.nn.utils.rnn.pad_sequence(theirs, **kw).numpy())
    out.sum().backward()
    np.testing.assert_array_equal(ours[1].grad.numpy(), np.ones((5, 2)))
    back = rnn_utils.unpad_sequence(rnn_utils.pad_sequence(ours), [3, 5, 1])
    for a, s in zip(back, seqs):
        np.testing.assert_array_equal(a.numpy(), s)
    with pytest.raises(ValueError, match="padding_side"):
        rnn_utils.pad_sequence(ours, padding_side="middle")


@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_pack_pad_roundtrip_matches_torch(enforce_sorted):
    lengths = [5, 3, 3, 1] if enforce_sorted else [3, 5, 1, 3]
    x, tx = _arr(5, 4, 2)
    packed = rnn_utils.pack_padded_sequence(x, lengths, enforce_sorted=enforce_sorted)
    tpacked = torch.nn.utils.rnn.pack_padded_sequence(tx, lengths,
                                                      enforce_sorted=enforce_sorted)
    np.testing.assert_array_equal(packed.data.numpy(), tpacked.data.detach().numpy())
    np.testing.assert_array_equal(packed.batch_sizes.numpy(), tpacked.batch_sizes.numpy())
    if not enforce_sorted:
        np.testing.assert_array_equal(packed.sorted_indices.numpy(),
                                      tpacked.sorted_indices.numpy())
        np.testing.assert_array_equal(packed.unsorted_indices.numpy(),
                                      tpacked.unsorted_indices.numpy())
    for kw in (dict(), dict(batch_first=True, padding_value=9.0, total_length=7)):
        out, lens = rnn_utils.pad_packed_sequence(packed, **kw)
        tout, tlens = torch.nn.utils.rnn.pad_packed_sequence(tpacked, **kw)
        np.testing.assert_array_equal(out.numpy(), tout.detach().numpy())
        np.testing.assert_array_equal(lens.numpy(), tlens.numpy())
    seqs = rnn_utils.unpack_sequence(rnn_utils.pack_sequence(
        [x[:n, i] for i, n in enumerate(lengths)], enforce_sorted=False))
    for i, n in enumerate(lengths):
        np.testing.assert_array_equal(seqs[i].numpy(), x[:n, i].numpy())
    if enforce_sorted:
        with pytest.raises(RuntimeError, match="sorted in decreasing order"):
            rnn_utils.pack_padded_sequence(x, [3, 5, 1, 3])
        with pytest.raises(RuntimeError, match="lengths"):
            rnn_utils.pack_padded_sequence(x, [6, 5, 1, 3])


@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_recurrent_on_packed_sequences_matches_torch(cls, enforce_sorted):
    ours, theirs = _twin(cls, 2, 3, num_layers=2, bidirectional=True)
    lengths = [5, 4, 2, 2, 1] if enforce_sorted else [2, 5, 1, 4, 2]
    x, tx = _arr(5, 5, 2)
    h, th = _arr(4, 5, 3, seed=1)
    c, tc = _arr(4, 5, 3, seed=2)
    hx, thx = ((h, c), (th, tc)) if cls == "LSTM" else (h, th)

    class Ours(nn.Module):
        def __init__(self):
            super().__init__()
            self.m = ours

        def forward(self, x, hx):
            packed = rnn_utils.pack_padded_sequence(x, lengths, enforce_sorted=enforce_sorted)
            out, hn = self.m(packed, hx)
            return rnn_utils.pad_packed_sequence(out)[0], hn

    class Theirs(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.m = theirs

        def forward(self, x, hx):
            packed = torch.nn.utils.rnn.pack_padded_sequence(x, lengths,
                                                             enforce_sorted=enforce_sorted)
            out, hn = self.m(packed, hx)
            return torch.nn.utils.rnn.pad_packed_sequence(out)[0], hn

    _compare(Ours(), Theirs(), (x, hx), (tx, thx))
