"""Each workload returns {"rows": [...table rows...], ...raw figures}."""
import json
import os
import subprocess
import sys

import numpy as np

from benchmarks import models
from benchmarks.harness import interleave, round_ratio, time_call

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def _ratio(a, b):
    """Median of per-round ratios when a and b were interleaved, else ratio of medians."""
    if not (a and b):
        return None
    r = round_ratio(a, b)
    return r if r is not None else a["median"] / b["median"]


def _row(name, results, target="", per=1.0, note="", floor=None):
    g, t, m = (results.get(k) for k in ("glassgrad", "torch", "micrograd"))
    c = results.get("compiled")
    scale = lambda r: None if r is None else {
        **{k: v for k, v in r.items() if k not in ("times", "cpu")},
        "median": r["median"] / per, "iqr": r["iqr"] / per}
    row = {"name": name, "glassgrad": scale(g), "torch": scale(t), "micrograd": scale(m),
           "compiled": scale(c), "ratio": _ratio(g, t), "target": target, "note": note,
           "cpu_ratio": round_ratio(g, t, "cpu"), "compiled_ratio": _ratio(c, t),
           "compiled_cpu_ratio": round_ratio(c, t, "cpu") if c else None}
    if floor is not None:
        row["gemm_floor"] = floor["median"]
        row["floor_x"] = g["median"] / floor["median"]
        if c:
            row["compiled_floor_x"] = c["median"] / floor["median"]
    return row


# ----- op_overhead ---------------------------------------------------------------------------

def _chain(lib_mul_add_relu, x, n):
    y = x
    for i in range(n // 3):
        y = lib_mul_add_relu(y)
    return y


def op_overhead(quick=False):
    """A 1,000-op elementwise chain (mul, add, relu repeated), forward + backward."""
    n_ops, reps = 999, (5 if quick else 15)
    rows, raw = [], {}
    glass, torch = models.glassgrad_lib(), models.torch_lib()
    for shape in [(1,), (32, 32)]:
        base = np.random.default_rng(0).uniform(0.5, 1.5, shape).astype(np.float32)
        fns = {}

        def make(lib):
            def run():
                x = lib.tensor(base.copy()).requires_grad_(True)
                y = _chain(lambda v: (v * 1.0001 + 0.0001).relu(), x, n_ops)
                y.sum().backward()
            return run
        fns["glassgrad"] = make(glass)

        def chain_step(x):
            _chain(lambda v: (v * 1.0001 + 0.0001).relu(), x, n_ops).sum().backward()
        compiled_chain = glass.ag.compile(chain_step)
        fns["compiled"] = lambda: compiled_chain(
            glass.tensor(base.copy()).requires_grad_(True))
        if torch:
            fns["torch"] = make(torch)
        if shape == (1,):
            try:
                from micrograd.engine import Value

                def micro():
                    # micrograd's recursive topological sort needs a deeper stack than
                    # Python's default for a 1,000-op chain.
                    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20_000))
                    x = Value(float(base[0]))
                    y = _chain(lambda v: (v * 1.0001 + 0.0001).relu(), x, n_ops)
                    y.backward()
                fns["micrograd"] = micro
            except ImportError:
                pass
        res = interleave(fns, reps)
        raw[str(shape)] = res
        rows.append(_row(f"op_overhead {shape} per op", res, "compiled <= 0.45", per=n_ops,
                         note=f"compiled mode {compiled_chain.mode}"))
    return {"rows": rows, "raw": raw}


# ----- mlp_step / cnn_step --------------------------------------------------------------------

def _capture_cost(compiled_fn, compiled, eager_step):
    """Wall time of a compiled step's capture (its first two calls, recorded and compared,
    and building the program) in units of one eager step's time."""
    import time
    t0 = time.perf_counter()
    while compiled.mode == "capture":
        compiled_fn()
    return (time.perf_counter() - t0) / eager_step if eager_step else None


def _step_pair(build, make_opt, x, y, reps, number=1, compiled=True, gemm_shapes=None):
    """Eager glassgrad, compiled glassgrad (fused optimizer) and PyTorch eager, interleaved,
    all from the same initial weights; with `gemm_shapes`, the step's matmuls alone (its GEMM
    floor) are timed in the same rounds, as `gemm_floor`."""
    glass, torch = models.glassgrad_lib(), models.torch_lib()
    glass.manual_seed(0)
    g_model = build(glass)
    fns = {"glassgrad": models.train_step_fn(glass, g_model, make_opt(glass, g_model), x, y)}
    capture = None
    if compiled:
        c_model = build(glass)
        models.copy_weights(g_model, c_model, glass)
        c_fn, c_step = models.compiled_step_fn(glass, c_model,
                                               make_opt(glass, c_model, fused=True), x, y)
        import time
        t0 = time.perf_counter()
        for _ in range(3):
            fns["glassgrad"]()
        eager_step = (time.perf_counter() - t0) / 3
        capture = _capture_cost(c_fn, c_step, eager_step)
        fns["compiled"] = c_fn
    if torch:
        t_model = build(torch)
        models.copy_weights(g_model, t_model, torch)
        fns["torch"] = models.train_step_fn(torch, t_model, make_opt(torch, t_model), x, y)
    if gemm_shapes:
        fns["gemm_floor"] = _gemms(gemm_shapes)
    res = interleave(fns, reps, warmup=3, number=number)
    if compiled:
        res["capture_cost_steps"] = capture
        res["compiled_mode"] = c_step.mode
    return res


def _gemms(shapes):
    """A callable doing just the matmuls (a @ b for each (a_shape, b_shape)) of one step."""
    rng = np.random.default_rng(0)
    pairs = [(rng.standard_normal(a).astype(np.float32), rng.standard_normal(b).astype(
        np.float32)) for a, b in shapes]

    def gemms():
        for a, b in pairs:
            a @ b
    return gemms


def mlp_gemms(bs, hidden, dims_in=64, dims_out=10):
    """(a, b) shapes of an MLP step's 8 matmuls: 3 forward, 3 weight and 2 input gradients."""
    dims = [dims_in, hidden, hidden, dims_out]
    fwd = [((bs, dims[i]), (dims[i], dims[i + 1])) for i in range(3)]
    wgrad = [((dims[i + 1], bs), (bs, dims[i])) for i in range(3)]
    igrad = [((bs, dims[i + 1]), (dims[i + 1], dims[i])) for i in (1, 2)]
    return fwd + wgrad + igrad


def cnn_gemms(bs=64):
    """The small CNN's matmuls as im2col GEMMs: conv1 (forward, weight gradient), conv2
    (forward, weight and input gradients), the final Linear (all three)."""
    p1, p2 = bs * 8 * 8, bs * 4 * 4
    return [((p1, 9), (9, 16)), ((16, p1), (p1, 9)),
            ((p2, 144), (144, 32)), ((32, p2), (p2, 144)), ((p2, 32), (32, 144)),
            ((bs, 128), (128, 10)), ((10, bs), (bs, 128)), ((bs, 10), (10, 128))]


def _capture_note(res):
    cost = res.get("capture_cost_steps")
    if cost is None:
        return ""
    return (f"compiled (fused optimizer, mode {res.get('compiled_mode')}): capture cost "
            f"{cost:.1f} eager steps")


def mlp_step(quick=False):
    """One training step (zero_grad, forward, cross-entropy, backward, Adam) of the
    64-256-256-10 MLP on the digits, at batch 1, 128, 1024, and hidden 1024 at batch 1024."""
    x, y = models.digits()
    adam = lambda lib, m, **kw: lib.optim.Adam(m.parameters(), lr=1e-3, **kw)
    rows, raw = [], {}
    cases = [(1, 256, "compiled <= 0.35"), (128, 256, "eager <= 0.85; compiled <= 0.6"),
             (1024, 256, ""), (1024, 1024, "<= 1.1x GEMM floor")]
    for bs, hidden, target in cases:
        xb, yb = models.batch(x, y, bs)
        reps = (7 if quick else 25) if bs < 1024 else (5 if quick else 15)
        number = 20 if bs == 1 else (5 if bs == 128 else 1)
        res = _step_pair(lambda lib: models.mlp(lib, hidden), adam, xb, yb, reps, number,
                         gemm_shapes=mlp_gemms(bs, hidden))
        floor = res.pop("gemm_floor")
        raw[f"b{bs}_h{hidden}"] = {**res, "gemm_floor": floor}
        rows.append(_row(f"mlp_step b={bs} h={hidden}", res, target, floor=floor,
                         note=_capture_note(res)))
    return {"rows": rows, "raw": raw}


def cnn_step(quick=False):
    """One SGD(momentum 0.9) step of the small CNN on digits as (64, 1, 8, 8)."""
    x, y = models.digits()
    xb, yb = models.batch(x, y, 64)
    xb = xb.reshape(64, 1, 8, 8)
    sgd = lambda lib, m, **kw: lib.optim.SGD(m.parameters(), lr=0.01, momentum=0.9, **kw)
    res = _step_pair(models.cnn, sgd, xb, yb, 7 if quick else 25, number=3,
                     gemm_shapes=cnn_gemms(64))
    floor = res.pop("gemm_floor")
    return {"rows": [_row("cnn_step b=64", res, "eager <= 0.9; compiled <= 0.7", floor=floor,
                          note=_capture_note(res))],
            "raw": {**res, "gemm_floor": floor}}


# ----- micrograd's own demo ------------------------------------------------------------------

def _moons():
    from glassgrad.training.datasets import make_moons
    data = make_moons(100, noise=0.1, seed=1)
    x, y = (data[0], data[1]) if isinstance(data, tuple) else (data.data, data.target)
    x = np.asarray(getattr(x, "numpy", lambda: x)(), dtype=np.float64)
    y = np.asarray(getattr(y, "numpy", lambda: y)())
    return x, (y * 2 - 1).astype(np.float64)     # labels -1 / +1


class _MoonsRun:
    """One library's run of micrograd's demo; each call is one training step (step k uses
    lr = 1 - 0.9 k / 100, k counting from 0 again after 100 steps)."""

    def __init__(self, lib, x, y):
        nn = lib.nn
        lib.manual_seed(1337)
        self.lib, self.y, self.k = lib, y, 0
        self.model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(),
                                   nn.Linear(16, 1)).double()
        self.x, self.t = lib.tensor(x), lib.tensor(y)
        self.params = list(self.model.parameters())

    def compiled(self):
        """This run with its step captured by glassgrad.compile (the lr is passed in as a
        0-d tensor, so that the replay reads it on every call)."""
        def step(lr):
            scores = self.model(self.x).reshape(-1)
            loss = (1 - self.t * scores).relu().mean() + 1e-4 * sum((p * p).sum()
                                                                    for p in self.params)
            for p in self.params:
                p.grad = None
            loss.backward()
            with self.lib.no_grad():
                for p in self.params:
                    p -= lr * p.grad
        compiled = self.lib.ag.compile(step)

        def call():
            compiled(self.lib.tensor(np.array(1.0 - 0.9 * self.k / 100)))
            self.k = (self.k + 1) % 100
        call.step = compiled
        return call

    def __call__(self):
        scores = self.model(self.x).reshape(-1)
        loss = (1 - self.t * scores).relu().mean() + 1e-4 * sum((p * p).sum()
                                                                for p in self.params)
        for p in self.params:
            p.grad = None
        loss.backward()
        lr = 1.0 - 0.9 * self.k / 100
        self.k = (self.k + 1) % 100
        with self.lib.no_grad():
            for p in self.params:
                p -= lr * p.grad

    def accuracy(self):
        scores = self.model(self.x).reshape(-1).detach().numpy()
        return float(((scores > 0) == (self.y > 0)).mean())


class _MicrogradMoons:
    """The same demo in micrograd's own Value and MLP classes."""

    def __init__(self, x, y):
        from micrograd.engine import Value
        from micrograd.nn import MLP
        import random
        random.seed(1337)
        self.model, self.y, self.k = MLP(2, [16, 16, 1]), y, 0
        self.xs = [[Value(a), Value(b)] for a, b in x]

    def __call__(self):
        scores = [self.model(row) for row in self.xs]
        losses = [(1 + -yi * s).relu() for yi, s in zip(self.y, scores)]
        loss = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(
            p * p for p in self.model.parameters())
        self.model.zero_grad()
        loss.backward()
        lr = 1.0 - 0.9 * self.k / 100
        self.k = (self.k + 1) % 100
        for p in self.model.parameters():
            p.data -= lr * p.grad

    def accuracy(self):
        return float(np.mean([(self.model(row).data > 0) == (yi > 0)
                              for row, yi in zip(self.xs, self.y)]))


def micrograd_moons(quick=False):
    """micrograd's demo: MLP 2-16-16-1, SVM max-margin loss + 1e-4 L2, 100 moons points,
    full-batch SGD with lr 1 - 0.9 k / 100. Per-step time (glassgrad and PyTorch
    interleaved; micrograd over a few steps, it takes seconds each), then every run is
    trained to 100 steps and its accuracy reported."""
    x, y = _moons()
    runs = {"glassgrad": _MoonsRun(models.glassgrad_lib(), x, y)}
    compiled_run = _MoonsRun(models.glassgrad_lib(), x, y)
    compiled_call = compiled_run.compiled()
    runs["compiled"] = compiled_call
    if models.torch_lib():
        runs["torch"] = _MoonsRun(models.torch_lib(), x, y)
    out = interleave(runs, 5 if quick else 15, warmup=3, number=5)
    try:
        runs["micrograd"] = _MicrogradMoons(x, y)
        from benchmarks.harness import time_call
        out["micrograd"] = time_call(runs["micrograd"], 1 if quick else 3, warmup=0, number=2)
    except ImportError:
        pass
    runs["compiled"] = compiled_run
    out["compiled_mode"] = compiled_call.step.mode
    for name, run in runs.items():
        if name == "micrograd" and quick:
            continue                # ~100 s more: only in the full run
        step = compiled_call if name == "compiled" else run
        while run.k != 0:           # finish the 100-step schedule
            step()
        out[name]["accuracy"] = run.accuracy()
    note = "accuracy after 100 steps: " + ", ".join(
        f"{k} {v['accuracy']:.2f}" for k, v in out.items()
        if isinstance(v, dict) and "accuracy" in v)
    note += f"; compiled mode {out['compiled_mode']}"
    if "micrograd" in out:
        note += f"; micrograd / glassgrad = {out['micrograd']['median'] / out['glassgrad']['median']:.0f}x"
    return {"rows": [_row("micrograd_moons per step", out,
                          "compiled <= 0.3; >= 100x faster than micrograd", note=note)],
            "raw": out}


# ----- optimizer step -------------------------------------------------------------------------

OPTIMIZERS = [
    ("SGD", dict(lr=0.01)),
    ("SGD", dict(lr=0.01, momentum=0.9)),
    ("SGD", dict(lr=0.01, momentum=0.9, nesterov=True, weight_decay=1e-4)),
    ("Adam", dict(lr=1e-3)),
    ("Adam", dict(lr=1e-3, amsgrad=True)),
    ("AdamW", dict(lr=1e-3)),
    ("NAdam", dict(lr=1e-3)),
    ("Adagrad", dict(lr=1e-2)),
    ("RMSprop", dict(lr=1e-2)),
    ("Adadelta", dict()),
]


def optim_step(quick=False):
    """Each optimizer's step alone, on the 64-256-256-10 MLP's float32 parameters with fixed
    random gradients (PyTorch: its default per-parameter implementation)."""
    glass, torch = models.glassgrad_lib(), models.torch_lib()
    configs = OPTIMIZERS[:2] + OPTIMIZERS[3:4] if quick else OPTIMIZERS
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal(s).astype(np.float32)
             for s in [(256, 64), (256,), (256, 256), (256,), (10, 256), (10,)]]
    rows, raw = [], {}
    for name, kwargs in configs:
        fns = {}
        for lib in filter(None, [glass, torch]):
            model = models.mlp(lib)
            for p, g in zip(model.parameters(), grads):
                p.grad = lib.tensor(g.copy())
            fns[lib.name] = getattr(lib.optim, name)(model.parameters(), **kwargs).step
        res = interleave(fns, 7 if quick else 25, number=20)
        label = name + "".join(f" {k}={v}" for k, v in kwargs.items() if k != "lr")
        raw[label] = res
        rows.append(_row(f"optim_step {label}", res, "ratio <= 1.0"))
    return {"rows": rows, "raw": raw}


# ----- subprocess workloads: deep chains and memory ----------------------------------------

def _child(*args):
    out = subprocess.run([sys.executable, "-m", "benchmarks._child", *map(str, args)],
                         cwd=ROOT, capture_output=True, text=True, timeout=1800)
    if out.returncode != 0:
        raise RuntimeError(f"benchmark child {args} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def deep_chain(quick=False):
    """Chains of 1e4, 1e5, 1e6 multiplications: backward time per op and peak RSS, each the
    median of three fresh processes."""
    sizes = [10_000, 100_000] + ([] if quick else [1_000_000])
    rows, raw = [], {}
    libs = ["glassgrad"] + (["torch"] if models.torch_lib() else [])
    for n in sizes:
        # median of three fresh processes per library: one run of a deep chain is noisy
        res = {}
        for lib in libs:
            runs = sorted((_child("chain", lib, n) for _ in range(3)),
                          key=lambda r: r["backward_s"])
            res[lib] = runs[1]
        raw[n] = res
        timing = {lib: {"median": r["backward_s"], "iqr": 0.0} for lib, r in res.items()}
        note = "peak RSS: " + ", ".join(f"{lib} {r['peak_rss_mb']:.0f} MB" for lib, r in res.items())
        note += "; backward per op: " + ", ".join(
            f"{lib} {r['backward_s'] / n * 1e6:.2f} us" for lib, r in res.items())
        rows.append(_row(f"deep_chain n={n:.0e} backward", timing,
                         "ratio <= 1.0 at 1e6" if n == 1_000_000 else "", note=note))
    g = raw[sizes[0]]["glassgrad"]["backward_s"] / sizes[0]
    g_last = raw[sizes[-1]]["glassgrad"]["backward_s"] / sizes[-1]
    rows[-1]["note"] += f"; per-op backward at {sizes[-1]:.0e} / at 1e4 = {g_last / g:.2f} (target <= 1.3)"
    return {"rows": rows, "raw": raw}


def memory(quick=False):
    """Peak RSS over 200 mlp_step steps (batch 128) vs PyTorch, and glassgrad's RSS after
    1,000 vs 10,000 steps (no growth: graphs and saved tensors are freed)."""
    libs = ["glassgrad"] + (["torch"] if models.torch_lib() else [])
    peak = {lib: _child("mlp_memory", lib, 200) for lib in libs}
    short, long_ = (300, 3000) if quick else (1000, 10000)
    growth = _child("mlp_growth", "glassgrad", short, long_)
    note = (f"glassgrad RSS after {short} steps {growth['rss_short_mb']:.1f} MB, after {long_} "
            f"{growth['rss_long_mb']:.1f} MB")
    mb = {lib: {"median": r["peak_rss_mb"], "iqr": 0.0} for lib, r in peak.items()}
    row = {"name": "memory peak RSS (MB), 200 steps",
           "glassgrad": f"{mb['glassgrad']['median']:.0f} MB",
           "torch": f"{mb['torch']['median']:.0f} MB" if "torch" in mb else None,
           "ratio": (mb["glassgrad"]["median"] / mb["torch"]["median"]) if "torch" in mb else None,
           "target": "ratio <= 1.5; no growth", "note": note}
    return {"rows": [row], "raw": {"peak": peak, "growth": growth}}


# ----- the BLAS ceiling ------------------------------------------------------------------------

def ceiling(quick=False):
    """numpy's time for just the matmuls of one MLP step (3 forward, 5 backward GEMMs): the
    floor under any engine's step time."""
    from benchmarks.harness import time_call
    rows, raw = [], {}
    rng = np.random.default_rng(0)
    for bs, h in [(128, 256), (1024, 1024)]:
        dims = [64, h, h, 10]
        ws = [rng.standard_normal((dims[i + 1], dims[i])).astype(np.float32) for i in range(3)]
        acts = [rng.standard_normal((bs, d)).astype(np.float32) for d in dims]

        def gemms():
            for i in range(3):
                acts[i] @ ws[i].T                      # forward
            for i in range(3):
                acts[i + 1].T @ acts[i]                # weight gradients
            for i in (1, 2):
                acts[i + 1] @ ws[i]                    # input gradients of layers 2, 3
        res = time_call(gemms, 7 if quick else 25, number=5)
        raw[f"b{bs}_h{h}"] = res
        rows.append({"name": f"ceiling GEMMs b={bs} h={h}", "glassgrad": res, "torch": None,
                     "ratio": None, "target": "numpy matmuls only"})
    return {"rows": rows, "raw": raw}
