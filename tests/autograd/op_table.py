"""Table-driven checks shared by test_reductions_ops.py, test_shape_ops.py and test_linalg.py.

One `OpCase` per op call: `fn(lib, *tensors)` is written once and run with lib = glassgrad
and lib = torch (same API). From it come: values, shapes and dtypes against PyTorch, gradients
against PyTorch (of a fixed random weighting of the float outputs), and first- and
second-order gradchecks in float64.
"""
from dataclasses import dataclass

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import autograd as ag


@dataclass
class OpCase:
    name: str
    fn: object                  # fn(lib, *tensors)
    arrays: tuple               # numpy inputs; float ones require grad when `grad`
    grad: bool = True           # differentiable: gradcheck + gradients vs torch
    second: bool = True         # also gradgradcheck
    fd: bool = True             # gradcheck by finite differences (False at ties: kinks)
    torch_grad: bool = True     # compare gradients with torch (False: torch has none)
    atol: float = 1e-7
    grad_atol: float = 1e-6
    check_dtype: bool = True
    wrap: object = None         # optional: fn applied to the inputs first (e.g. symmetrize)

    def __repr__(self):
        return self.name


def _outputs(out):
    if isinstance(out, (tuple, list)):
        return list(out)
    return [out]


def _float_outputs(outs):
    return [o for o in outs if str(o.dtype).split(".")[-1] in ("float32", "float64")]


def make_inputs(case, lib, requires_grad):
    ts = []
    for a in case.arrays:
        if lib is gg:
            t = gg.tensor(np.array(a))
        else:
            import torch
            t = torch.tensor(np.array(a))
        if requires_grad and case.grad and np.asarray(a).dtype.kind == "f":
            t.requires_grad_(True)
        ts.append(t)
    return ts


def call(case, lib, ts):
    if case.wrap is not None:
        ts = case.wrap(lib, *ts)
    return case.fn(lib, *ts)


def check_values(case):
    torch = pytest.importorskip("torch")
    ours = _outputs(call(case, gg, make_inputs(case, gg, False)))
    theirs = _outputs(call(case, torch, make_inputs(case, torch, False)))
    assert len(ours) == len(theirs), case.name
    for k, (a, b) in enumerate(zip(ours, theirs)):
        b = b.detach().numpy()
        a = a.numpy()
        assert a.shape == b.shape, f"{case.name} output {k}: shape {a.shape} vs torch {b.shape}"
        if case.check_dtype:
            assert a.dtype == b.dtype, f"{case.name} output {k}: dtype {a.dtype} vs {b.dtype}"
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=case.atol, equal_nan=True,
                                   err_msg=f"{case.name} output {k}")


def _weights(outs, seed=1):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(o.shape) for o in outs]


def check_grads_vs_torch(case):
    torch = pytest.importorskip("torch")
    if not case.torch_grad:
        pytest.skip(f"{case.name}: PyTorch computes no gradient here")
    results = []
    for lib in (gg, torch):
        ts = make_inputs(case, lib, True)
        outs = _float_outputs(_outputs(call(case, lib, ts)))
        ws = _weights(outs)
        loss = sum((o * lib.tensor(w, dtype=o.dtype)).sum() for o, w in zip(outs, ws))
        wrt = [t for t in ts if t.requires_grad]
        grads = (gg.autograd.grad if lib is gg else torch.autograd.grad)(loss, wrt,
                                                                         allow_unused=True)
        results.append([None if g is None else np.asarray(g.detach().numpy()) for g in grads])
    for k, (a, b) in enumerate(zip(*results)):
        if a is None or b is None:
            assert a is None or not np.any(a), f"{case.name}: grad {k} None vs torch"
            assert b is None or not np.any(b), f"{case.name}: grad {k} None vs torch"
            continue
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=case.grad_atol, equal_nan=True,
                                   err_msg=f"{case.name}: gradient of input {k}")


def _fn_for_check(case):
    def f(*ts):
        outs = _float_outputs(_outputs(call(case, gg, list(ts))))
        return tuple(outs) if len(outs) > 1 else outs[0]
    return f


def check_gradcheck(case):
    ts = make_inputs(case, gg, True)
    assert ag.gradcheck(_fn_for_check(case), ts), case.name
    if case.second:
        assert ag.gradgradcheck(_fn_for_check(case), ts), case.name


def ids(cases):
    return [c.name for c in cases]
