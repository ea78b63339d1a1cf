"""Train a small character-level GPT on the bundled poems, on the CPU, and print samples.

    python examples/train_gpt.py              # 1000 steps: ~15 s of CPU time
    python examples/train_gpt.py --steps 20   # a quick smoke run

The matrices are small, so BLAS threads only add overhead; on a machine shared with other
jobs, OPENBLAS_NUM_THREADS=1 (or OMP_NUM_THREADS=1) keeps them from contending.

The model has the shape of the well-known minimal GPT implementations: token and position
embeddings, pre-LayerNorm blocks of causal self-attention (c_attn / c_proj, computed with
F.scaled_dot_product_attention) and a GELU MLP, a final LayerNorm and an lm_head whose
weight is tied to the token embedding. It is trained with AdamW (weight decay on the
matrices only) and gradient clipping, then sampled with top-k sampling. The same code runs
under PyTorch with `import torch as gg`.
"""
import argparse
import math
import time

import numpy as np

import glassgrad as gg
from glassgrad import nn
from glassgrad.nn import functional as F
from glassgrad.training.datasets import load_text


class CausalSelfAttention(nn.Module):
    def __init__(self, n_embd, n_head):
        super().__init__()
        self.c_attn = nn.Linear(n_embd, 3 * n_embd)     # query, key, value in one matmul
        self.c_proj = nn.Linear(n_embd, n_embd)
        self.n_head, self.n_embd = n_head, n_embd

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        # (B, T, C) -> (B, heads, T, head size)
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
    def __init__(self, vocab_size, block_size, n_layer, n_head, n_embd):
        super().__init__()
        self.block_size = block_size
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(vocab_size, n_embd),
            wpe=nn.Embedding(block_size, n_embd),
            h=nn.ModuleList([Block(n_embd, n_head) for _ in range(n_layer)]),
            ln_f=nn.LayerNorm(n_embd)))
        self.lm_head = nn.Linear(n_embd, vocab_size, bias=False)
        self.transformer.wte.weight = self.lm_head.weight            # weight tying
        self.apply(self._init_weights)
        for name, p in self.named_parameters():                      # GPT-2's scaled init
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * n_layer))

    @staticmethod
    def _init_weights(module):
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def forward(self, idx, targets=None):
        T = idx.shape[1]
        pos = gg.arange(0, T, dtype=gg.long)
        x = self.transformer.wte(idx) + self.transformer.wpe(pos)
        for block in self.transformer.h:
            x = block(x)
        logits = self.lm_head(self.transformer.ln_f(x))
        if targets is None:
            return logits, None
        return logits, F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))

    def configure_optimizers(self, weight_decay, lr, betas):
        params = [p for p in self.parameters() if p.requires_grad]
        groups = [{"params": [p for p in params if p.dim() >= 2], "weight_decay": weight_decay},
                  {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}]
        return gg.optim.AdamW(groups, lr=lr, betas=betas)


@gg.no_grad()
def generate(model, idx, max_new_tokens, temperature=1.0, top_k=None):
    """Extend idx (B, T) by max_new_tokens characters, each drawn from the softmax of the
    last position's logits / temperature, restricted to the top_k likeliest."""
    for _ in range(max_new_tokens):
        logits, _ = model(idx[:, -model.block_size:])
        logits = logits[:, -1, :] / temperature
        if top_k is not None:
            kth = gg.topk(logits, min(top_k, logits.size(-1))).values[:, [-1]]
            logits = logits.masked_fill(logits < kth, -float("inf"))
        probs = F.softmax(logits, dim=-1)
        idx = gg.cat([idx, gg.multinomial(probs, num_samples=1)], dim=1)
    return idx


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--block-size", type=int, default=32)
    ap.add_argument("--n-layer", type=int, default=2)
    ap.add_argument("--n-head", type=int, default=4)
    ap.add_argument("--n-embd", type=int, default=64)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--samples", type=int, default=2)
    ap.add_argument("--sample-length", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1337)
    args = ap.parse_args(argv)

    start = time.perf_counter()
    gg.manual_seed(args.seed)
    text = load_text()
    chars = sorted(set(text))
    stoi = {c: i for i, c in enumerate(chars)}
    data = np.array([stoi[c] for c in text], dtype=np.int64)
    n_train = int(0.9 * len(data))
    train, val = data[:n_train], data[n_train:]
    rng = np.random.default_rng(args.seed)

    def batch(split):
        ix = rng.integers(0, len(split) - args.block_size - 1, args.batch_size)
        x = np.stack([split[i:i + args.block_size] for i in ix])
        y = np.stack([split[i + 1:i + args.block_size + 1] for i in ix])
        return gg.tensor(x), gg.tensor(y)

    model = GPT(len(chars), args.block_size, args.n_layer, args.n_head, args.n_embd)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"{len(text)} characters, vocabulary {len(chars)}, {n_params} parameters")
    opt = model.configure_optimizers(weight_decay=0.1, lr=args.lr, betas=(0.9, 0.95))
    for step in range(args.steps):
        lr = args.lr * 0.5 * (1 + math.cos(math.pi * step / args.steps))   # cosine decay
        for group in opt.param_groups:
            group["lr"] = lr
        x, y = batch(train)
        _, loss = model(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if step % 100 == 0 or step == args.steps - 1:
            print(f"step {step:4d}  loss {loss.item():.3f}  lr {lr:.2e}")
    model.eval()
    with gg.no_grad():
        val_loss = np.mean([model(*batch(val))[1].item() for _ in range(5)])
    train_time = time.perf_counter() - start
    print(f"validation loss {val_loss:.3f} (uniform guessing: {math.log(len(chars)):.3f}); "
          f"trained in {train_time:.1f} s")
    for i in range(args.samples):
        context = gg.tensor(np.array([[stoi["\n"]]]))
        out = generate(model, context, args.sample_length, temperature=0.8, top_k=10)
        print(f"\n--- sample {i + 1} ---")
        print("".join(chars[j] for j in out.numpy()[0]).strip())
    print(f"\ntotal {time.perf_counter() - start:.1f} s")
    return val_loss


if __name__ == "__main__":
    main()
