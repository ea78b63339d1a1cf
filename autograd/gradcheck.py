"""Gradient checking: the engine's analytic gradients against centered finite differences.

Follows the recipe of the CS231n notes: centered differences (f(x+h) - f(x-h)) / 2h in float64,
judged by the relative error |a - n| / max(|a|, |n|) (0 when both are 0), with a pass rule of
|a - n| <= atol + rtol * |n| per element as in torch.autograd.gradcheck. It also recognises
kinks: when a finite-difference step straddles a point where the function is not
differentiable (relu, abs, max, clamp at the boundary), the numeric estimate is meaningless,
and the element is reported as a kink instead of a wrong gradient.
"""
import warnings
from dataclasses import dataclass, field

import numpy as np

from .engine import grad
from .grad_mode import enable_grad
from .tensor import Tensor, _wrap


class GradcheckError(RuntimeError):
    """Raised by gradcheck when an analytic gradient disagrees with the numeric one."""


@dataclass
class Mismatch:
    """One Jacobian entry: d output[out_index][out_element] / d input[input_index][element]."""
    input_index: int
    element: tuple
    output_index: int
    out_element: tuple
    analytic: float
    numeric: float
    rel_error: float
    kink: bool = False
    left: float = float("nan")
    right: float = float("nan")

    def describe(self):
        what = "kink" if self.kink else "mismatch"
        text = (f"{what}: d output {self.output_index}{list(self.out_element)} / d input "
                f"{self.input_index}{list(self.element)}: analytic {self.analytic:.10g}, numeric "
                f"{self.numeric:.10g}, relative error {self.rel_error:.3g}")
        if self.kink:
            text += (f" (one-sided slopes {self.left:.6g} and {self.right:.6g}: the step crossed "
                     f"a point where the function is not differentiable)")
        return text


@dataclass
class GradcheckReport:
    """Outcome of check_gradients: `ok`, the largest relative error, failures and kinks."""
    ok: bool
    max_rel_error: float
    failures: list = field(default_factory=list)
    kinks: list = field(default_factory=list)
    checked: int = 0
    coarse_dtypes: list = field(default_factory=list)

    def summary(self):
        lines = [f"gradcheck {'passed' if self.ok else 'FAILED'}: {self.checked} Jacobian "
                 f"entries, max relative error {self.max_rel_error:.3g}, "
                 f"{len(self.failures)} mismatches, {len(self.kinks)} kinks"]
        lines += ["  " + m.describe() for m in self.failures[:10]]
        if len(self.failures) > 10:
            lines.append(f"  ... and {len(self.failures) - 10} more mismatches")
        lines += ["  " + m.describe() for m in self.kinks[:5]]
        if self.coarse_dtypes and not self.ok:
            lines.append(f"  inputs of dtype {', '.join(sorted(set(self.coarse_dtypes)))} are too "
                         f"coarse for finite differences: repeat the check in float64 "
                         f"(.double()) before trusting this verdict")
        return "\n".join(lines)

    def __bool__(self):
        return self.ok


def relative_error(a, n):
    """|a - n| / max(|a|, |n|), elementwise, 0 where both are 0."""
    a, n = np.asarray(a, dtype=np.float64), np.asarray(n, dtype=np.float64)
    denom = np.maximum(np.abs(a), np.abs(n))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom == 0, 0.0, np.abs(a - n) / np.where(denom == 0, 1, denom))


def _outputs(fn, inputs):
    out = fn(*inputs)
    outs = tuple(out) if isinstance(out, (tuple, list)) else (out,)
    for i, o in enumerate(outs):
        if not isinstance(o, Tensor):
            raise TypeError(f"gradcheck: output {i} of fn is a {type(o).__name__}, not a Tensor")
    return outs


def _evaluate(fn, inputs):
    # Grad mode stays on: fn may differentiate internally (a gradient penalty calls ag.grad).
    with enable_grad():
        return [o._data.astype(np.float64, copy=True) for o in _outputs(fn, inputs)
                if o.dtype.kind == "f"]


def _analytic_jacobians(fn, inputs, wrt):
    """Per float output: its shape, and an array (out.size, in.size) per checked input."""
    with enable_grad():
        outs = [o for o in _outputs(fn, inputs) if o.dtype.kind == "f"]
        jacs = []
        for o in outs:
            per_input = [np.zeros((o.numel(), inputs[i].numel())) for i in wrt]
            if o.requires_grad:
                flat = o.reshape(-1)
                for k in range(o.numel()):
                    gs = grad([flat[k]], [inputs[i] for i in wrt], retain_graph=True,
                              allow_unused=True)
                    for j, g in enumerate(gs):
                        if g is not None:
                            per_input[j][k] = g._data.reshape(-1)
            jacs.append((o.shape, per_input))
    return jacs


def _numeric_column(fn, inputs, x, flat_index, eps):
    """Centered, left and right difference quotients for one input element, per output."""
    data = x._data                  # written in place: any strides (a transposed leaf too)
    where = np.unravel_index(flat_index, data.shape)
    orig = data[where].copy()
    data[where] = orig + eps
    plus = _evaluate(fn, inputs)
    data[where] = orig - eps
    minus = _evaluate(fn, inputs)
    data[where] = orig
    center = _evaluate(fn, inputs)
    return ([(p - m).reshape(-1) / (2 * eps) for p, m in zip(plus, minus)],
            [(c - m).reshape(-1) / eps for c, m in zip(center, minus)],
            [(p - c).reshape(-1) / eps for p, c in zip(plus, center)])


def _close(a, n, atol, rtol):
    return abs(a - n) <= atol + rtol * abs(n)


def check_gradients(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, check_kinks=True):
    """Compare analytic and numeric Jacobians of `fn(*inputs)` for every input that requires
    grad, and return a GradcheckReport (no exception)."""
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    wrt = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not wrt:
        raise ValueError("gradcheck: no input requires grad, so there is nothing to check")
    coarse = [i for i in wrt if inputs[i].dtype != np.float64]
    for i in coarse:
        warnings.warn(f"gradcheck: input {i} is {inputs[i].dtype}, not float64; finite "
                      f"differences in this precision are too coarse to judge gradients and "
                      f"the check will likely fail (use .double())", UserWarning, stacklevel=3)
    if coarse:
        check_kinks = False     # rounding noise looks like a kink: never excuse a mismatch
    for i in wrt:
        if not inputs[i]._data.flags.writeable:
            raise ValueError(f"gradcheck: input {i} (shape {inputs[i].shape}) is a read-only "
                             f"view (e.g. from expand()), whose elements cannot be perturbed "
                             f"one at a time; pass a .clone() of it")
    analytic = _analytic_jacobians(fn, inputs, wrt)
    failures, kinks, max_rel, checked = [], [], 0.0, 0
    for j, i in enumerate(wrt):
        x = inputs[i]
        for e in range(x.numel()):
            center, left, right = _numeric_column(fn, inputs, x, e, eps)
            finer = None
            for o, num_col in enumerate(center):
                out_shape, per_input = analytic[o]
                ana_col = per_input[j][:, e]
                checked += ana_col.size
                rel = relative_error(ana_col, num_col)
                max_rel = max(max_rel, float(rel.max(initial=0.0)))
                for k in np.flatnonzero(~_close(ana_col, num_col, atol, rtol)):
                    m = Mismatch(i, _index(e, x.shape), o, _index(k, out_shape),
                                 float(ana_col[k]), float(num_col[k]), float(rel[k]),
                                 left=float(left[o][k]), right=float(right[o][k]))
                    if check_kinks:
                        if finer is None:
                            finer = _numeric_column(fn, inputs, x, e, eps / 10)
                        m.kink = _is_kink(m, (float(v[o][k]) for v in finer), atol, rtol)
                    (kinks if m.kink else failures).append(m)
    return GradcheckReport(not failures, max_rel, failures, kinks, checked,
                           [str(inputs[i].dtype) for i in coarse])


def _index(flat, shape):
    return tuple(int(v) for v in np.unravel_index(flat, shape))


def _is_kink(m, finer, atol, rtol):
    """A mismatch is a kink when the one-sided slopes at step eps disagree and either a
    10x smaller step agrees with the analytic value (the step crossed a kink near x), or the
    slopes still disagree by as much at the smaller step (a kink at x itself) and the
    analytic value lies between them (a valid subgradient, e.g. relu'(0) = 0)."""
    center2, left2, right2 = finer
    a, left, right = m.analytic, m.left, m.right
    jump = abs(right - left)
    if jump <= atol + rtol * max(abs(left), abs(right)):
        return False
    if _close(a, center2, atol, rtol):
        return True
    if abs(right2 - left2) > 0.5 * jump:
        lo, hi = min(left2, right2), max(left2, right2)
        return lo - atol - rtol * abs(lo) <= a <= hi + atol + rtol * abs(hi)
    return False


# Keywords of torch.autograd.gradcheck / gradgradcheck that are accepted for compatibility
# (code written for PyTorch runs unchanged) but select checks glassgrad does not make.
_GRADCHECK_OPTIONS = {"nondet_tol", "check_undefined_grad", "check_grad_dtypes",
                      "check_batched_grad", "check_batched_forward_grad", "check_forward_ad",
                      "check_backward_ad", "fast_mode", "masked"}
_GRADGRADCHECK_OPTIONS = {"nondet_tol", "check_undefined_grad", "check_grad_dtypes",
                          "check_batched_grad", "check_fwd_over_rev", "check_rev_over_rev",
                          "fast_mode", "masked", "gen_non_contig_grad_outputs"}


def _check_options(options, known, fn_name):
    """Refuse keywords that are not torch's: a misspelled one (atoll=) must not pass
    silently while the check runs with the default it meant to change."""
    import difflib
    for key in options:
        if key not in known:
            names = sorted(known | {"eps", "atol", "rtol", "raise_exception", "check_kinks"})
            close = difflib.get_close_matches(key, names, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise TypeError(f"{fn_name}() got an unexpected keyword argument {key!r}{hint}")


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              check_kinks=True, **torch_options):
    """Check the analytic gradients of `fn(*inputs)` against centered finite differences.

    Parameters
    ----------
    fn : callable
        Takes the inputs, returns a Tensor or a tuple of Tensors.
    inputs : Tensor or tuple
        Every Tensor input that requires grad is checked; float64 is expected (other
        dtypes give a UserWarning, kinks are then not recognised, and the verdict is
        likely a failure, as in PyTorch). Inputs may be non-contiguous (e.g. transposed).
    eps, atol, rtol : float
        Step of the differences; an element passes when |a - n| <= atol + rtol * |n|.
    raise_exception : bool
        Raise GradcheckError on failure (default) or return False.
    check_kinks : bool
        Report mismatches explained by a non-differentiable point as a warning, not a
        failure (float64 inputs only).
    **torch_options
        torch.autograd.gradcheck's other keywords (nondet_tol, check_batched_grad, ...),
        accepted so that PyTorch code runs, and ignored.

    Returns
    -------
    bool
        True when every gradient matches.

    Raises
    ------
    GradcheckError
        On a mismatch (naming input, element, analytic and numeric values).
    TypeError
        For a keyword that neither glassgrad nor torch's gradcheck knows (e.g. atoll=).
    """
    _check_options(torch_options, _GRADCHECK_OPTIONS, "gradcheck")
    report = check_gradients(fn, inputs, eps, atol, rtol, check_kinks)
    if report.kinks:
        warnings.warn("gradcheck: " + "; ".join(m.describe() for m in report.kinks[:3]),
                      UserWarning, stacklevel=2)
    if report.ok:
        return True
    if raise_exception:
        raise GradcheckError("Jacobian mismatch. " + report.summary())
    return False


def gradgradcheck(fn, inputs, grad_outputs=None, eps=1e-6, atol=1e-5, rtol=1e-3,
                  raise_exception=True, check_kinks=True, seed=0, **torch_options):
    """gradcheck of the gradient: checks the second derivatives of `fn` by differentiating
    v^T J (computed with create_graph=True) w.r.t. the inputs and v. Other keywords of
    torch.autograd.gradgradcheck are accepted and ignored; unknown ones raise TypeError."""
    _check_options(torch_options, _GRADGRADCHECK_OPTIONS, "gradgradcheck")
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    wrt = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    with enable_grad():         # fn may call ag.grad itself
        outs = [o for o in _outputs(fn, inputs) if o.dtype.kind == "f"]
    if grad_outputs is None:
        rng = np.random.default_rng(seed)
        grad_outputs = tuple(_wrap(rng.standard_normal(o.shape)).requires_grad_(True)
                             for o in outs)
    else:
        grad_outputs = tuple(grad_outputs) if isinstance(grad_outputs, (tuple, list)) \
            else (grad_outputs,)
    n_in = len(inputs)

    def first_derivative(*args):
        xs, vs = args[:n_in], args[n_in:]
        with enable_grad():
            ys = [o for o in _outputs(fn, xs) if o.dtype.kind == "f"]
            pairs = [(y, v) for y, v in zip(ys, vs) if y.requires_grad]
            gs = grad([y for y, _ in pairs], [xs[i] for i in wrt], [v for _, v in pairs],
                      create_graph=True, allow_unused=True)
        return tuple(g if g is not None else _wrap(np.zeros_like(xs[i]._data))
                     for g, i in zip(gs, wrt))

    return gradcheck(first_derivative, inputs + tuple(grad_outputs), eps, atol, rtol,
                     raise_exception, check_kinks)
