"""gg.compile on training steps of every nn layer and loss with a training use, and of the
sequence models (RNN, LSTM, GRU, attention, transformer layers, the minimal GPT): each step
is captured, then replayed (not run eagerly) on a different batch every call, and the
parameters and buffers after N steps equal eager training's bit for bit."""
import warnings

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn, optim

F = nn.functional
N_STEPS = 6


def _floats(*shape):
    return lambda rng: gg.tensor(rng.standard_normal(shape).astype(np.float32))


def _classes(n, c):
    return lambda rng: gg.tensor(rng.integers(0, c, n))


def _train(make_model, make_x, make_y, loss_fn, compiled, steps=N_STEPS, clip=None):
    gg.manual_seed(0)
    model = make_model()
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)

    def step(x, y):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        if clip is not None:
            nn.utils.clip_grad_norm_(model.parameters(), clip)
        opt.step()
        return loss

    f = gg.compile(step) if compiled else step
    rng = np.random.default_rng(1)
    gg.manual_seed(5)                   # dropout masks: the same draws in both runs
    losses = [f(make_x(rng), make_y(rng)).numpy().tobytes() for _ in range(steps)]
    return model, f, losses


def _assert_replays_like_eager(make_model, make_x, make_y, loss_fn, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)      # no fallback to eager
        got, f, got_losses = _train(make_model, make_x, make_y, loss_fn, True, **kw)
    ref, _, ref_losses = _train(make_model, make_x, make_y, loss_fn, False, **kw)
    assert f.mode == "replay", f.reason
    assert got_losses == ref_losses
    for (k, a), (_, b) in zip(ref.state_dict().items(), got.state_dict().items()):
        assert a.numpy().tobytes() == b.numpy().tobytes(), k
    return f


def _mlp_with(layer):
    return lambda: nn.Sequential(nn.Linear(6, 8), layer(), nn.Linear(8, 3))


LAYERS = {
    "relu": nn.ReLU, "leaky_relu": nn.LeakyReLU, "prelu": nn.PReLU, "elu": nn.ELU,
    "selu": nn.SELU, "celu": nn.CELU, "gelu": nn.GELU, "gelu_tanh": lambda: nn.GELU("tanh"),
    "silu": nn.SiLU, "mish": nn.Mish, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh,
    "softplus": nn.Softplus, "softplus_beta": lambda: nn.Softplus(beta=2.0, threshold=1.0),
    "hardtanh": nn.Hardtanh, "relu6": nn.ReLU6, "hardsigmoid": nn.Hardsigmoid,
    "hardswish": nn.Hardswish, "logsigmoid": nn.LogSigmoid, "softsign": nn.Softsign,
    "tanhshrink": nn.Tanhshrink, "threshold": lambda: nn.Threshold(0.1, -1.0),
    "softshrink": nn.Softshrink, "hardshrink": nn.Hardshrink, "rrelu_train": nn.RReLU,
    "softmax": lambda: nn.Softmax(-1), "softmin": lambda: nn.Softmin(-1),
    "log_softmax": lambda: nn.LogSoftmax(-1), "layer_norm": lambda: nn.LayerNorm(8),
    "rms_norm": lambda: nn.RMSNorm(8), "batch_norm_1d": lambda: nn.BatchNorm1d(8),
    "dropout": lambda: nn.Dropout(0.3), "alpha_dropout": lambda: nn.AlphaDropout(0.2),
}


@pytest.mark.parametrize("name", list(LAYERS))
def test_layer_steps_replay_bitwise(name):
    _assert_replays_like_eager(_mlp_with(LAYERS[name]), _floats(5, 6), _classes(5, 3),
                               F.cross_entropy)


class _Image(nn.Module):
    def __init__(self, layer):
        super().__init__()
        self.conv = nn.Conv2d(2, 4, 3, padding=1)
        self.layer = layer
        self.head = nn.Linear(4 * 5 * 5, 3)

    def forward(self, x):
        return self.head(self.layer(self.conv(x)).relu().flatten(1))


IMAGE_LAYERS = {
    "batch_norm_2d": lambda: nn.BatchNorm2d(4),
    "instance_norm_tracked": lambda: nn.InstanceNorm2d(4, affine=True,
                                                       track_running_stats=True),
    "group_norm": lambda: nn.GroupNorm(2, 4),
    "dropout2d": lambda: nn.Dropout2d(0.3),
    "feature_alpha_dropout": lambda: nn.FeatureAlphaDropout(0.3),
}


@pytest.mark.parametrize("name", list(IMAGE_LAYERS))
def test_image_layer_steps_replay_bitwise(name):
    _assert_replays_like_eager(lambda: _Image(IMAGE_LAYERS[name]()), _floats(3, 2, 5, 5),
                               _classes(3, 3), F.cross_entropy)


_sign = lambda y: (y > 0).float() * 2 - 1
LOSSES = {
    "mse": (F.mse_loss, _floats(5, 3)),
    "l1": (F.l1_loss, _floats(5, 3)),
    "huber": (lambda o, y: F.huber_loss(o, y, delta=0.5), _floats(5, 3)),
    "smooth_l1": (lambda o, y: F.smooth_l1_loss(o, y, beta=0.5), _floats(5, 3)),
    "nll": (lambda o, y: F.nll_loss(F.log_softmax(o, 1), y), _classes(5, 3)),
    "nll_ignore_sum": (lambda o, y: F.nll_loss(F.log_softmax(o, 1), y, ignore_index=2,
                                               reduction="sum"), _classes(5, 3)),
    "nll_ignore_none": (lambda o, y: F.nll_loss(F.log_softmax(o, 1), y, ignore_index=2,
                                                reduction="none").sum(), _classes(5, 3)),
    "cross_entropy_weight": (lambda o, y: F.cross_entropy(
        o, y, weight=gg.tensor([0.5, 1.0, 2.0])), _classes(5, 3)),
    "cross_entropy_ignore": (lambda o, y: F.cross_entropy(o, y, ignore_index=1), _classes(5, 3)),
    "cross_entropy_smoothing": (lambda o, y: F.cross_entropy(o, y, label_smoothing=0.1),
                                _classes(5, 3)),
    "cross_entropy_smoothing_ignore_weight": (lambda o, y: F.cross_entropy(
        o, y, ignore_index=1, label_smoothing=0.2, weight=gg.tensor([0.5, 1.0, 2.0])),
        _classes(5, 3)),
    "cross_entropy_probabilities": (lambda o, y: F.cross_entropy(o, y.softmax(-1)),
                                    _floats(5, 3)),
    "bce": (lambda o, y: F.binary_cross_entropy(o.sigmoid(), (y > 0).float()), _floats(5, 3)),
    "bce_with_logits": (lambda o, y: F.binary_cross_entropy_with_logits(o, (y > 0).float()),
                        _floats(5, 3)),
    "kl_div": (lambda o, y: F.kl_div(F.log_softmax(o, 1), y.softmax(-1),
                                     reduction="batchmean"), _floats(5, 3)),
    "soft_margin": (lambda o, y: F.soft_margin_loss(o, _sign(y)), _floats(5, 3)),
    "multi_margin": (F.multi_margin_loss, _classes(5, 3)),
    "multi_margin_p2_weight": (lambda o, y: F.multi_margin_loss(
        o, y, p=2, weight=gg.tensor([0.5, 1.0, 2.0])), _classes(5, 3)),
    "multilabel_margin": (F.multilabel_margin_loss,
                          lambda rng: gg.tensor(rng.integers(-1, 3, (5, 3)))),
    "multilabel_soft_margin": (lambda o, y: F.multilabel_soft_margin_loss(o, (y > 0).float()),
                               _floats(5, 3)),
    "hinge_embedding": (lambda o, y: F.hinge_embedding_loss(o, _sign(y)), _floats(5, 3)),
    "poisson_nll_full": (lambda o, y: F.poisson_nll_loss(o, y.abs() * 2, full=True),
                         _floats(5, 3)),
    "gaussian_nll": (lambda o, y: F.gaussian_nll_loss(o, y, (y * 0.1).abs()), _floats(5, 3)),
    "cosine_embedding": (lambda o, y: F.cosine_embedding_loss(o, y, _sign(y[:, 0])),
                         _floats(5, 3)),
    "margin_ranking": (lambda o, y: F.margin_ranking_loss(o[:, 0], o[:, 1], _sign(y[:, 0])),
                       _floats(5, 3)),
    "triplet_margin": (lambda o, y: F.triplet_margin_loss(o, y, y.flip(0)), _floats(5, 3)),
}


@pytest.mark.parametrize("name", list(LOSSES))
def test_loss_steps_replay_bitwise(name):
    loss_fn, make_y = LOSSES[name]
    _assert_replays_like_eager(_mlp_with(nn.Identity), _floats(5, 6), make_y, loss_fn)


class _Recurrent(nn.Module):
    def __init__(self, kind, **kw):
        super().__init__()
        self.rnn = getattr(nn, kind)(6, 8, num_layers=2, batch_first=True, **kw)
        self.head = nn.Linear(8 * (2 if kw.get("bidirectional") else 1), 3)

    def forward(self, x):
        return self.head(self.rnn(x)[0][:, -1])


@pytest.mark.parametrize("kind,kw", [("RNN", {}), ("RNN", {"nonlinearity": "relu"}),
                                     ("LSTM", {}), ("LSTM", {"bidirectional": True}),
                                     ("GRU", {}), ("GRU", {"dropout": 0.2})],
                         ids=["rnn", "rnn_relu", "lstm", "lstm_bidirectional", "gru",
                              "gru_dropout"])
def test_recurrent_steps_replay_bitwise(kind, kw):
    _assert_replays_like_eager(lambda: _Recurrent(kind, **kw), _floats(4, 5, 6),
                               _classes(4, 3), F.cross_entropy, clip=1.0)


def _padded_batch(rng):
    """(4, 5, 9): 8 features and, last, a key-padding flag per position (> 0.5: padding),
    with a fully padded first sequence in some batches."""
    x = rng.standard_normal((4, 5, 9)).astype(np.float32)
    x[:, :, 8] = rng.uniform(0, 1, (4, 5))
    if rng.uniform() < 0.5:
        x[0, :, 8] = 1.0
    return gg.tensor(x)


class _Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.attn = nn.MultiheadAttention(8, 2, batch_first=True, dropout=0.1)
        self.head = nn.Linear(8, 3)

    def forward(self, xm):
        x, pad = xm[:, :, :8], xm[:, :, 8] > 0.5
        causal = nn.Transformer.generate_square_subsequent_mask(x.shape[1])
        return self.head(self.attn(x, x, x, attn_mask=causal, key_padding_mask=pad)[0][:, -1])


class _Encoder(nn.Module):
    def __init__(self, layer):
        super().__init__()
        self.layer = layer
        self.head = nn.Linear(8, 3)

    def forward(self, xm):
        x, pad = xm[:, :, :8], xm[:, :, 8] > 0.5
        return self.head(self.layer(x, src_key_padding_mask=pad)[:, 0])


class _Sdpa(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(9, 8)
        self.head = nn.Linear(8, 3)

    def forward(self, xm):
        x = self.proj(xm)
        flag = xm[:, :, 8:9] > 0.5
        keep = flag | flag.transpose(1, 2)          # a bool mask from the data
        return self.head(F.scaled_dot_product_attention(x, x, x, attn_mask=keep)[:, 0])


ATTENTION = {
    "multihead_attention_masks": _Attention,
    "encoder_layer": lambda: _Encoder(nn.TransformerEncoderLayer(8, 2, 16, dropout=0.1,
                                                                 batch_first=True)),
    "encoder_layer_norm_first_gelu": lambda: _Encoder(nn.TransformerEncoderLayer(
        8, 2, 16, dropout=0.1, batch_first=True, norm_first=True, activation="gelu")),
    "sdpa_bool_mask": _Sdpa,
}


@pytest.mark.parametrize("name", list(ATTENTION))
def test_attention_steps_replay_bitwise(name):
    _assert_replays_like_eager(ATTENTION[name], _padded_batch, _classes(4, 3), F.cross_entropy)


class _Embeddings(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10, 8, padding_idx=0)
        self.bag = nn.EmbeddingBag(10, 8, mode="mean")
        self.bag_max = nn.EmbeddingBag(10, 8, mode="max")
        self.head = nn.Linear(8, 3)

    def forward(self, x):
        return self.head(self.emb(x).mean(1) + self.bag(x) + self.bag_max(x))


def test_embedding_steps_replay_bitwise():
    _assert_replays_like_eager(_Embeddings, lambda rng: gg.tensor(rng.integers(0, 10, (4, 5))),
                               _classes(4, 3), F.cross_entropy)


# ----- the models of the training-parity tests ---------------------------------------------

def _parity_models():
    from test_training_parity import BLOCK, char_rnn_class, gpt_classes
    return {"gpt": lambda v: gpt_classes(gg)(v, BLOCK),
            "char_lstm": lambda v: char_rnn_class(gg, "LSTM")(v),
            "char_gru": lambda v: char_rnn_class(gg, "GRU")(v)}


def _train_parity_model(make, compiled, steps=6):
    """The training loop of test_training_parity (AdamW with two groups, clip_grad_norm_)
    as a step function, in float32."""
    from test_training_parity import _batches, _corpus
    data, chars = _corpus()
    gg.manual_seed(0)
    model = make(len(chars))
    opt = model.configure_optimizers(weight_decay=0.1, lr=3e-3, betas=(0.9, 0.95))

    def step(x, y):
        _, loss = model(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 0.5)
        opt.step()
        return loss

    f = gg.compile(step) if compiled else step
    losses = [f(gg.tensor(x), gg.tensor(y)).numpy().tobytes() for x, y in _batches(data, steps)]
    return model, f, losses


@pytest.mark.parametrize("name", ["gpt", "char_lstm", "char_gru"])
def test_parity_models_replay_bitwise(name):
    make = _parity_models()[name]
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        got, f, got_losses = _train_parity_model(make, True)
    ref, _, ref_losses = _train_parity_model(make, False)
    assert f.mode == "replay", f.reason
    assert got_losses == ref_losses
    for (k, a), (_, b) in zip(ref.state_dict().items(), got.state_dict().items()):
        assert a.numpy().tobytes() == b.numpy().tobytes(), k


def test_clip_grad_norm_coefficient_follows_the_data():
    """The clipping coefficient is 1 on the first (captured) steps and < 1 later: a replay
    that froze it would train differently."""
    seen = {}

    def make_y(rng):            # counts the calls of each training run (one rng per run)
        if seen.get("rng") is not rng:
            seen.update(rng=rng, calls=0)
        seen["calls"] += 1
        scale = 1.0 if seen["calls"] <= 3 else 50.0
        return gg.tensor(rng.standard_normal((5, 3)).astype(np.float32) * scale)
    _assert_replays_like_eager(_mlp_with(nn.ReLU), _floats(5, 6), make_y, F.mse_loss, clip=1.0,
                               steps=8)


def test_packed_sequences_stay_eager_with_a_clear_warning():
    from glassgrad.nn.utils.rnn import pack_padded_sequence
    gg.manual_seed(0)
    lstm, head = nn.LSTM(3, 4, batch_first=True), nn.Linear(4, 2)
    opt = optim.SGD(list(lstm.parameters()) + list(head.parameters()), lr=0.1)

    @gg.compile
    def step(x, lengths, y):
        opt.zero_grad()
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        _, (h, _) = lstm(packed)
        F.cross_entropy(head(h[-1]), y).backward()
        opt.step()
    rng = np.random.default_rng(0)
    with pytest.warns(RuntimeWarning, match="LSTM on a packed sequence") as caught:
        for _ in range(4):
            step(gg.tensor(rng.standard_normal((3, 5, 3)).astype(np.float32)),
                 gg.tensor(rng.integers(1, 6, 3)), gg.tensor(rng.integers(0, 2, 3)))
    assert step.mode == "eager"
    assert sum("glassgrad.compile" in str(w.message) for w in caught) == 1
