"""The benchmark models, written once against the PyTorch-style API that glassgrad shares:
`lib` is a namespace with `nn`, `optim`, `tensor(ndarray)` and `long(ndarray)`."""
import os
from types import SimpleNamespace

import numpy as np


class _Lazy(SimpleNamespace):
    """A namespace whose `nn` and `optim` are imported on first use."""

    def __getattr__(self, name):
        if name in ("nn", "optim"):
            import importlib
            module = importlib.import_module(f"glassgrad.{name}")
            setattr(self, name, module)
            return module
        raise AttributeError(name)


def glassgrad_lib():
    from glassgrad import autograd as ag
    return _Lazy(name="glassgrad", ag=ag, tensor=lambda a: ag.tensor(a),
                 long=lambda a: ag.tensor(a), manual_seed=ag.manual_seed, no_grad=ag.no_grad)


def torch_lib():
    try:
        import torch
    except ImportError:
        return None
    return SimpleNamespace(name="torch", nn=torch.nn, optim=torch.optim, ag=torch,
                           tensor=lambda a: torch.from_numpy(np.ascontiguousarray(a)),
                           long=lambda a: torch.from_numpy(np.asarray(a, dtype=np.int64)),
                           manual_seed=torch.manual_seed, no_grad=torch.no_grad)


def digits():
    """The bundled 8x8 digits as standardized float32 features (N, 64) and int64 labels."""
    from glassgrad.training.datasets import load_digits
    data = load_digits()
    x, y = (data[0], data[1]) if isinstance(data, tuple) else (data.data, data.target)
    x = np.asarray(getattr(x, "numpy", lambda: x)(), dtype=np.float32).reshape(len(y), 64)
    y = np.asarray(getattr(y, "numpy", lambda: y)(), dtype=np.int64)
    x = (x - x.mean(0)) / (x.std(0) + 1e-6)
    return x.astype(np.float32), y


def batch(x, y, size):
    reps = -(-size // len(x))
    return np.tile(x, (reps, 1))[:size], np.tile(y, reps)[:size]


def mlp(lib, hidden=256):
    nn = lib.nn
    return nn.Sequential(nn.Linear(64, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                         nn.Linear(hidden, 10))


def cnn(lib):
    nn = lib.nn
    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(128, 10))


def copy_weights(src_model, dst_model, dst_lib):
    """Give dst the same parameters as src (state dicts have the same keys and shapes)."""
    state = {k: np.array(v.detach().numpy() if hasattr(v, "detach") else v)
             for k, v in src_model.state_dict().items()}
    dst_model.load_state_dict({k: dst_lib.tensor(v) if v.dtype != np.int64 else dst_lib.long(v)
                               for k, v in state.items()})


def train_step_fn(lib, model, opt, x, y):
    loss_fn = lib.nn.CrossEntropyLoss()
    xt, yt = lib.tensor(x), lib.long(y)

    def step():
        opt.zero_grad()
        loss = loss_fn(model(xt), yt)
        loss.backward()
        opt.step()
        return loss
    return step


def compiled_step_fn(lib, model, opt, x, y):
    """The same step as `train_step_fn`, wrapped in glassgrad.compile (glassgrad only).
    Returns (callable, the CompiledStep)."""
    loss_fn = lib.nn.CrossEntropyLoss()
    xt, yt = lib.tensor(x), lib.long(y)

    def step(xt, yt):
        opt.zero_grad()
        loss = loss_fn(model(xt), yt)
        loss.backward()
        opt.step()
        return loss
    compiled = lib.ag.compile(step)
    return (lambda: compiled(xt, yt)), compiled
