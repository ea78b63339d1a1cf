"""Training parity with PyTorch on real models: a minimal GPT (token + position embeddings,
pre-LayerNorm blocks of causal self-attention and a GELU MLP, weight tying, AdamW with
decayed and non-decayed groups, gradient clipping), a 2-layer LSTM and a GRU character
model. Each is built once in code shared by both libraries, starts from the same weights
(PyTorch's initialization moved over through its state_dict) and is trained 50 steps in
float64 on the bundled text; the loss curves must agree to 1e-5 relative."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad.training.datasets import load_text

torch = pytest.importorskip("torch")

STEPS, BATCH, BLOCK = 50, 8, 16


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """Tiny float64 models: PyTorch is faster (and steadier on a shared machine) on one
    thread."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _corpus():
    text = load_text()
    chars = sorted(set(text))
    return np.array([chars.index(c) for c in text], dtype=np.int64), chars


def _batches(data, steps, seed=0):
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        ix = rng.integers(0, len(data) - BLOCK - 1, BATCH)
        yield (np.stack([data[i:i + BLOCK] for i in ix]),
               np.stack([data[i + 1:i + BLOCK + 1] for i in ix]))


def gpt_classes(lib):
    """The minimal-GPT model classes written against `lib` (torch or glassgrad)."""
    nn, F = lib.nn, lib.nn.functional

    class CausalSelfAttention(nn.Module):
        def __init__(self, n_embd, n_head):
            super().__init__()
            self.c_attn = nn.Linear(n_embd, 3 * n_embd)
            self.c_proj = nn.Linear(n_embd, n_embd)
            self.n_head, self.n_embd = n_head, n_embd

        def forward(self, x):
            B, T, C = x.shape
            q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
            q, k, v = (t.reshape(B, T, self.n_head, C // self.n_head).transpose(1, 2)
                       for t in (q, k, v))
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            return self.c_proj(y.transpose(1, 2).reshape(B, T, C))

    class MLP(nn.Module):
        def __init__(self, n_embd):
            super().__init__()
            self.c_fc = nn.Linear(n_embd, 4 * n_embd)
            self.gelu = nn.GELU()
            self.c_proj = nn.Linear(4 * n_embd, n_embd)

        def forward(self, x):
            return self.c_proj(self.gelu(self.c_fc(x)))

    class Block(nn.Module):
        def __init__(self, n_embd, n_head):
            super().__init__()
            self.ln_1 = nn.LayerNorm(n_embd)
            self.attn = CausalSelfAttention(n_embd, n_head)
            self.ln_2 = nn.LayerNorm(n_embd)
            self.mlp = MLP(n_embd)

        def forward(self, x):
            x = x + self.attn(self.ln_1(x))
            return x + self.mlp(self.ln_2(x))

    class GPT(nn.Module):
        def __init__(self, vocab_size, block_size, n_layer=2, n_head=4, n_embd=32):
            super().__init__()
            self.block_size = block_size
            self.transformer = nn.ModuleDict(dict(
                wte=nn.Embedding(vocab_size, n_embd),
                wpe=nn.Embedding(block_size, n_embd),
                h=nn.ModuleList([Block(n_embd, n_head) for _ in range(n_layer)]),
                ln_f=nn.LayerNorm(n_embd)))
            self.lm_head = nn.Linear(n_embd, vocab_size, bias=False)
            self.transformer.wte.weight = self.lm_head.weight        # weight tying

        def forward(self, idx, targets=None):
            T = idx.shape[1]
            pos = lib.arange(0, T, dtype=lib.long)
            x = self.transformer.wte(idx) + self.transformer.wpe(pos)
            for block in self.transformer.h:
                x = block(x)
            logits = self.lm_head(self.transformer.ln_f(x))
            if targets is None:
                return logits, None
            return logits, F.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                           targets.reshape(-1))

        def configure_optimizers(self, weight_decay, lr, betas):
            params = [p for p in self.parameters() if p.requires_grad]
            groups = [{"params": [p for p in params if p.dim() >= 2],
                       "weight_decay": weight_decay},
                      {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}]
            return lib.optim.AdamW(groups, lr=lr, betas=betas)

    return GPT


def char_rnn_class(lib, cell):
    nn, F = lib.nn, lib.nn.functional

    class CharRNN(nn.Module):
        def __init__(self, vocab_size, n_embd=16, hidden=32, num_layers=2):
            super().__init__()
            self.embed = nn.Embedding(vocab_size, n_embd)
            self.rnn = getattr(nn, cell)(n_embd, hidden, num_layers=num_layers,
                                         batch_first=True)
            self.head = nn.Linear(hidden, vocab_size)

        def forward(self, idx, targets):
            out, _ = self.rnn(self.embed(idx))
            logits = self.head(out)
            return logits, F.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                           targets.reshape(-1))

        def configure_optimizers(self, weight_decay, lr, betas):
            return lib.optim.AdamW(self.parameters(), lr=lr, betas=betas,
                                   weight_decay=weight_decay)

    return CharRNN


def _train(lib, model, data, as_tensor):
    opt = model.configure_optimizers(weight_decay=0.1, lr=3e-3, betas=(0.9, 0.95))
    losses = []
    for x, y in _batches(data, STEPS):
        _, loss = model(as_tensor(x), as_tensor(y))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        lib.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())
    return np.array(losses)


def _parity(make):
    """Build the model in both libraries, copy torch's initial weights into ours through
    its state_dict, train both and return (our loss curve, torch's, our model)."""
    data, chars = _corpus()
    torch.manual_seed(0)
    theirs = make(torch, len(chars)).double()
    ours = make(gg, len(chars)).double()
    tstate = theirs.state_dict()
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in tstate.items()]
    ours.load_state_dict(tstate)
    ours_curve = _train(gg, ours, data, gg.tensor)
    theirs_curve = _train(torch, theirs, data, torch.from_numpy)
    return ours_curve, theirs_curve, ours


def _check_curves(ours, theirs):
    np.testing.assert_allclose(ours, theirs, rtol=1e-5)
    assert ours[-1] < ours[0] - 0.5          # it learned something


def test_gpt_loss_curve_matches_torch():
    ours, theirs, model = _parity(lambda lib, v: gpt_classes(lib)(v, BLOCK))
    _check_curves(ours, theirs)
    assert model.transformer.wte.weight is model.lm_head.weight


@pytest.mark.parametrize("cell", ["LSTM", "GRU"])
def test_char_rnn_loss_curve_matches_torch(cell):
    ours, theirs, _ = _parity(lambda lib, v: char_rnn_class(lib, cell)(v))
    _check_curves(ours, theirs)


def generate(model, idx, max_new_tokens, temperature=1.0, top_k=None):
    """Minimal-GPT sampling: crop the context, scale the last logits, keep the top k,
    draw from the softmax with multinomial."""
    for _ in range(max_new_tokens):
        logits, _ = model(idx[:, -model.block_size:])
        logits = logits[:, -1, :] / temperature
        if top_k is not None:
            v, _ = gg.topk(logits, min(top_k, logits.shape[-1]))
            logits = logits.masked_fill(logits < v[:, [-1]], -float("inf"))
        probs = gg.nn.functional.softmax(logits, dim=-1)
        idx = gg.cat([idx, gg.multinomial(probs, num_samples=1)], dim=1)
    return idx


def test_gpt_samples_with_multinomial_over_top_k():
    data, chars = _corpus()
    torch.manual_seed(0)
    model = gpt_classes(gg)(len(chars), BLOCK).double()
    _train(gg, model, data, gg.tensor)
    model.eval()
    gg.manual_seed(0)
    start = gg.tensor(data[None, :3])
    with gg.no_grad():
        out = generate(model, start, 20, top_k=3)
        assert out.shape == (1, 23)
        seq = out.numpy()[0]
        for t in range(3, 23):                 # every draw is one of the 3 likeliest
            logits, _ = model(gg.tensor(seq[None, max(0, t - BLOCK):t]))
            top3 = np.argsort(logits.numpy()[0, -1])[-3:]
            assert seq[t] in top3
    text = "".join(chars[i] for i in seq)
    assert len(text) == 23
