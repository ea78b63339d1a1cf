"""gg.compile over every op of the shared op tables: a captured step replays (nothing it
computes is frozen) and gives, call after call on different inputs, the outputs and
gradients of eager execution bit for bit. The tables are the ones the gradient tests use
(ag_cases.CASES and the OpCase lists of test_reductions_ops, test_shape_ops and
test_linalg), so a new op added there is covered here too.

An op may keep a step eager only for a reason named below (a gradient that branches on the
data, a result whose shape depends on the data, a result computed outside the engine): never
because a mask or an index would be frozen by a replay."""
import warnings

import numpy as np
import pytest

import glassgrad as gg
from ag_cases import CASES, inputs
from op_table import _outputs, call
import test_linalg
import test_reductions_ops
import test_shape_ops

N_CALLS = 5

# why an op may keep a captured step eager (a substring of the reason it gives)
EAGER_REASONS = {
    "prod": "prod's gradient",
    "cumprod": "cumprod's gradient",
    "logcumsumexp": "logcumsumexp's gradient",
    "det": "det's gradient",
    "svd": "svd's gradient",
    "eig": "eigendecomposition's gradient",
    "nanquantile": "nanquantile, whose positions",
    "mask": "boolean mask",
    "outside": "no recorded call computed",
}
# the cases that stay eager, each with the reason it must give
EXPECTED_EAGER = {
    "index_mask": "mask", "masked_scatter": "mask",
    "nanquantile": "nanquantile", "nanquantile_all": "nanquantile",
    "unique": "outside", "bincount_weights": "outside", "histc": "outside",
    "histc_auto_range": "outside", "matrix_power_0": "outside", "slogdet": "outside",
    "det": "det", "det_method": "det",
    "logcumsumexp": "logcumsumexp", "logcumsumexp_large": "logcumsumexp",
}
for _name in ("prod_all", "prod_dim", "prod_dim_keepdim_neg", "prod_zeros_dim", "prod_zeros_all",
              "prod_one_zero_keepdim", "prod_0d", "prod_empty", "scatter_reduce_prod_True",
              "scatter_reduce_prod_False"):
    EXPECTED_EAGER[_name] = "prod"
for _name in ("cumprod", "cumprod_zeros", "cumprod_zeros_dim0"):
    EXPECTED_EAGER[_name] = "cumprod"
for _name in ("svdvals", "svdvals_batch_tall", "svd_reconstruct_square", "svd_gauge_invariant_wide",
              "svd_gauge_invariant_tall_batch", "svd_full_matrices_tall",
              "svd_full_matrices_wide_batch", "pinv_tall", "pinv_wide_batch", "lstsq",
              "matrix_norm_nuc", "matrix_norm_2", "matrix_norm_-2", "matrix_norm_dims_keepdim",
              "linalg_norm_dim_pair", "norm_nuc", "svdvals_repeated", "matrix_norm_2_tied"):
    EXPECTED_EAGER[_name] = "svd"
for _name in ("eigh", "eigh_batch_upper", "eigh_unsymmetrized_grad", "eigvalsh", "eigvalsh_repeated"):
    EXPECTED_EAGER[_name] = "eig"


def _loss(outs):
    loss = None
    for o in outs:
        if o.requires_grad:
            s = (o * o).sum()
            loss = s if loss is None else loss + s
    return loss


def _run(make_inputs, fn, compiled):
    """N_CALLS calls of a step (fn, then backward of a sum of squares) on different inputs;
    the bytes of every output and input gradient, and the compiled step."""
    def step(*ts):
        outs = [o for o in _outputs(fn(*ts)) if o.dtype in (gg.float32, gg.float64)]
        loss = _loss(outs)
        if loss is not None:
            loss.backward()
        return tuple(o.detach() for o in outs) or None

    f = gg.compile(step) if compiled else step
    seen = []
    for k in range(N_CALLS):
        ts = make_inputs(k)
        outs = f(*ts)
        seen.append(([o.numpy().tobytes() for o in outs or ()],
                     [None if t.grad is None else t.grad.numpy().tobytes() for t in ts]))
    return f, seen


def _check(name, make_inputs, fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        f, got = _run(make_inputs, fn, compiled=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, want = _run(make_inputs, fn, compiled=False)
    assert got == want, f"{name}: the compiled step differs from eager"
    if name in EXPECTED_EAGER:
        reason = EAGER_REASONS[EXPECTED_EAGER[name]]
        assert f.mode == "eager" and reason in f.reason, (name, f.mode, f.reason)
        compiled_warnings = [w for w in caught if "glassgrad.compile" in str(w.message)]
        assert len(compiled_warnings) == 1 and reason in str(compiled_warnings[0].message)
    else:
        assert f.mode == "replay", f"{name}: {f.reason}"


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_elementwise_and_reduction_ops_replay(case):
    def make_inputs(k):
        return [gg.tensor(a).requires_grad_(True) for a in inputs(case, seed=k)]
    _check(case.name, make_inputs, case.ag_fn)


def _perturbed(case, k):
    """The case's arrays, floats scaled by 1 +- 5% (signs, zeros and order of magnitude kept,
    so the op's domain holds), different for each k."""
    rng = np.random.default_rng(k)
    ts = []
    for a in case.arrays:
        a = np.array(a)
        if a.dtype.kind == "f" and k:
            a = a * (1 + 0.05 * rng.uniform(-1, 1, a.shape)).astype(a.dtype)
        t = gg.tensor(a)
        if case.grad and a.dtype.kind == "f":
            t.requires_grad_(True)
        ts.append(t)
    return ts


TABLE_CASES = [pytest.param(c, id=f"{m.__name__[5:]}-{c.name}")
               for m in (test_reductions_ops, test_shape_ops, test_linalg) for c in m.CASES]


@pytest.mark.parametrize("case", TABLE_CASES)
def test_table_ops_replay(case):
    _check(case.name, lambda k: _perturbed(case, k), lambda *ts: call(case, gg, list(ts)))


def test_a_new_mask_made_outside_the_primitives_is_caught_not_replayed():
    """The safety net behind the table: a rule computing its mask in numpy (as the rules did
    before) is found by comparing the two captures, and the step stays eager."""
    def bad_abs(x):
        sign = gg.tensor(np.sign(np.asarray(x.detach())))     # a constant to the capture
        return (x * sign).sum()
    with pytest.warns(RuntimeWarning, match="frozen"):
        f, got = _run(lambda k: [gg.tensor(np.random.default_rng(k).standard_normal(5))
                                 .requires_grad_(True)], bad_abs, compiled=True)
    assert f.mode == "eager"
