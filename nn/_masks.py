"""Masks and random draws that nn.functional derives from a tensor's values, computed by
(non-differentiable) primitives.

A piecewise activation or loss picks its pieces with a mask of the input's values, and the
dropouts draw their masks; made in plain numpy, such an array would be a constant to a
captured step (`glassgrad.compile`), which would replay it frozen. Made here, each is a
recorded call that a replay computes again from that call's data (or draws again).
Each function takes the tensor and returns a bool (or float) tensor outside the graph.
"""
import numpy as np

from glassgrad import autograd as ag
from glassgrad.autograd.compile import data_op

greater = data_op("greater_mask", lambda x, c: x > c, "x > c (a mask, no gradient)")
less = data_op("less_mask", lambda x, c: x < c, "x < c (a mask, no gradient)")
at_least = data_op("at_least_mask", lambda x, c: x >= c, "x >= c (a mask, no gradient)")
# not (x <= c) rather than x > c: NaN is True
not_at_most = data_op("not_at_most_mask", lambda x, c: ~(x <= c),
                      "not x <= c, True at NaN (a mask, no gradient)")
between = data_op("between_mask", lambda x, lo, hi: (x > lo) & (x < hi),
                  "lo < x < hi (a mask, no gradient)")
outside = data_op("outside_mask", lambda x, lo, hi: (x > hi) | (x < lo),
                  "x > hi or x < lo (a mask, no gradient)")
abs_greater = data_op("abs_greater_mask", lambda x, c: np.abs(x) > c,
                      "|x| > c (a mask, no gradient)")


def _uniform_forward(x, lower, upper, shape):
    return ag.get_rng().uniform(lower, upper, size=shape).astype(x.dtype)


def _bernoulli_forward(x, keep, shape):
    return ag.get_rng().random(shape) < keep


uniform_like = data_op("uniform", _uniform_forward,
                       "draws from U(lower, upper) of the given shape, x's dtype (no gradient)")
keep_mask = data_op("keep_mask", _bernoulli_forward,
                    "True where a uniform draw < keep, of the given shape (no gradient)")

equal = data_op("equal_mask", lambda x, c: x == c, "x == c (a mask, no gradient)")
not_equal = data_op("not_equal_mask", lambda x, c: x != c, "x != c (a mask, no gradient)")


def of(x, fn, c):
    """fn((x,), c) when x is a tensor (a recorded mask); else the numpy mask of its values."""
    if isinstance(x, ag.Tensor):
        return fn((x,), c)
    return fn.primitive.forward(np.asarray(x), c)

# max(v, eps) - v: what lifts v to at least eps (gaussian_nll_loss's clamp, gradient-free)
clamp_shift = data_op("clamp_shift", lambda v, eps: (np.maximum(v, eps) - v).astype(v.dtype),
                      "max(v, eps) - v (no gradient)")

# class-index targets t (any shape, flattened to (N,)) turned into what the losses index with
target_column = data_op("target_column", lambda t: t.reshape(-1)[:, None].astype(np.int64),
                        "the targets as an (N, 1) int64 column (no gradient)")
not_target = data_op("not_target_mask", lambda t, c: np.arange(c)[None, :] != t.reshape(-1)[:, None],
                     "(N, C): True except at each row's target class (no gradient)")
target_weight = data_op("target_weight", lambda t, w, dtype: np.asarray(w, dtype=dtype)[
                            t.reshape(-1)][:, None],
                        "(N, 1): the class weight of each row's target (no gradient)")
