"""Reductions and scans (autograd/reductions.py): values, dtypes and gradients against
PyTorch, first- and second-order gradchecks, ties, NaN, 0-d, empty dims and errors."""
import numpy as np
import pytest

import glassgrad as gg
from op_table import OpCase, check_gradcheck, check_grads_vs_torch, check_values, ids

rng = np.random.default_rng(0)


def distinct(*shape):
    n = int(np.prod(shape))
    return ((rng.permutation(n) - n / 2) * 0.3 + rng.uniform(-0.05, 0.05, n)).reshape(shape)


def normal(*shape):
    return rng.standard_normal(shape)


def positive(*shape):
    return rng.uniform(0.5, 2.0, shape)


TIES = np.array([3., 1., 3., 2., 1., 3.])
TIES2 = np.array([[3., 1., 3., 2.], [1., 1., 2., 2.], [0., 5., 5., 0.]])
NAN = np.array([[1., np.nan, 0.5, 2.], [4., 3., 2., 1.]])
ZEROS = np.array([[2., 0., 3.], [0., 0., 1.5], [1., 2., -1.]])
INTS = np.array([[3, 1, 2], [0, 5, 5]])

CASES = [
    # prod and scans
    OpCase("prod_all", lambda m, x: m.prod(x), (normal(3, 4),)),
    OpCase("prod_dim", lambda m, x: x.prod(1), (normal(3, 4),)),
    OpCase("prod_dim_keepdim_neg", lambda m, x: m.prod(x, -2, keepdim=True), (normal(3, 4),)),
    OpCase("prod_zeros_dim", lambda m, x: m.prod(x, 1), (ZEROS,)),
    OpCase("prod_zeros_all", lambda m, x: m.prod(x), (ZEROS,)),
    OpCase("prod_one_zero_keepdim", lambda m, x: m.prod(x, 0, keepdim=True),
           (np.array([[0., 2.], [3., 0.], [0.5, 4.]]),)),
    OpCase("prod_0d", lambda m, x: m.prod(x), (np.array(1.5),)),
    OpCase("prod_empty", lambda m, x: m.prod(x, 1), (np.zeros((2, 0)),)),
    OpCase("prod_int", lambda m, x: m.prod(x, 0), (INTS,), grad=False),
    OpCase("cumsum", lambda m, x: m.cumsum(x, 1), (normal(3, 4),)),
    OpCase("cumsum_neg_dim", lambda m, x: x.cumsum(-2), (normal(3, 4),)),
    OpCase("cumsum_0d", lambda m, x: m.cumsum(x, 0), (np.array(2.0),)),
    OpCase("cumsum_int", lambda m, x: m.cumsum(x, 1), (INTS,), grad=False),
    OpCase("cumsum_empty", lambda m, x: m.cumsum(x, 0), (np.zeros((0, 3)),)),
    OpCase("cumprod", lambda m, x: m.cumprod(x, 1), (normal(3, 4),)),
    OpCase("cumprod_zeros", lambda m, x: m.cumprod(x, 1), (ZEROS,)),
    OpCase("cumprod_zeros_dim0", lambda m, x: x.cumprod(0), (ZEROS,)),
    OpCase("logcumsumexp", lambda m, x: m.logcumsumexp(x, 1), (normal(3, 4),)),
    OpCase("logcumsumexp_large", lambda m, x: m.logcumsumexp(x, 0), (normal(5) * 300,)),
    OpCase("cummax", lambda m, x: m.cummax(x, 1), (distinct(3, 4),)),
    OpCase("cummin", lambda m, x: x.cummin(0), (distinct(3, 4),)),
    OpCase("cummax_ties", lambda m, x: m.cummax(x, 0), (TIES,), grad=False),
    OpCase("cummin_ties", lambda m, x: m.cummin(x, 0), (TIES,), grad=False),
    OpCase("cummax_nan", lambda m, x: m.cummax(x, 1), (NAN,), grad=False),
    # sorting and selection
    OpCase("sort", lambda m, x: m.sort(x, 1), (distinct(3, 4),)),
    OpCase("sort_desc_dim0", lambda m, x: x.sort(dim=0, descending=True), (distinct(3, 4),)),
    OpCase("sort_ties", lambda m, x: m.sort(x), (TIES,), grad=False),
    OpCase("sort_ties_desc", lambda m, x: m.sort(x, descending=True, stable=True), (TIES2,),
           grad=False),
    OpCase("sort_nan", lambda m, x: m.sort(x), (NAN,), grad=False),
    OpCase("sort_nan_desc", lambda m, x: m.sort(x, descending=True), (NAN,), grad=False),
    OpCase("sort_0d", lambda m, x: m.sort(x), (np.array(1.0),)),
    OpCase("sort_empty", lambda m, x: m.sort(x, 0), (np.zeros((0, 2)),), grad=False),
    OpCase("argsort", lambda m, x: m.argsort(x, 1, descending=True), (TIES2,), grad=False),
    OpCase("msort", lambda m, x: m.msort(x), (distinct(3, 2),)),
    OpCase("topk", lambda m, x: m.topk(x, 2), (distinct(3, 5),)),
    OpCase("topk_smallest_dim0", lambda m, x: x.topk(2, dim=0, largest=False), (distinct(3, 5),)),
    OpCase("topk_nan", lambda m, x: m.topk(x, 2), (NAN,), grad=False),
    OpCase("kthvalue", lambda m, x: m.kthvalue(x, 2, 1), (distinct(3, 5),)),
    OpCase("kthvalue_ties", lambda m, x: m.kthvalue(x, 3, 1), (TIES2,), fd=False),
    OpCase("kthvalue_ties_nan", lambda m, x: m.kthvalue(x, 2), (NAN,), grad=False),
    OpCase("topk_ties", lambda m, x: m.topk(x, 3), (TIES,), fd=False),
    OpCase("topk_ties_smallest_2d", lambda m, x: x.topk(2, 1, largest=False), (TIES2,),
           fd=False),
    OpCase("topk_unsorted", lambda m, x: m.topk(x, 3, sorted=False), (distinct(2, 7),)),
    OpCase("topk_partial_sort_path", lambda m, x: m.topk(x, 2), (np.repeat([1., 2., 3.], 60),),
           fd=False),
    OpCase("kthvalue_keepdim", lambda m, x: x.kthvalue(3, 0, True), (distinct(4, 2),)),
    OpCase("median_all", lambda m, x: m.median(x), (distinct(3, 4),)),
    OpCase("median_all_ties", lambda m, x: m.median(x), (np.array([2., 2., 1., 5.]),), fd=False),
    OpCase("median_all_nan", lambda m, x: m.median(x), (NAN,), grad=False),
    OpCase("median_dim", lambda m, x: m.median(x, 1), (distinct(3, 4),)),
    OpCase("median_dim_keepdim", lambda m, x: x.median(0, keepdim=True), (distinct(3, 5),)),
    OpCase("median_dim_nan", lambda m, x: m.median(x, 1), (NAN,), grad=False),
    OpCase("nanmedian_all", lambda m, x: m.nanmedian(x), (NAN,), fd=False),
    OpCase("nanmedian_all_distinct", lambda m, x: m.nanmedian(x), (NAN * [[1], [1.1]],), fd=False),
    OpCase("nanmedian_dim", lambda m, x: m.nanmedian(x, 1), (NAN,)),
    OpCase("mode", lambda m, x: m.mode(x), (TIES2,), grad=False),
    OpCase("mode_1d", lambda m, x: m.mode(x), (TIES,), grad=False),
    OpCase("mode_grad", lambda m, x: m.mode(x, 0), (np.array([[1., 2.], [1., 3.], [4., 2.]]),),
           fd=False),    # a mode is a tie by definition: finite differences see kinks
    # quantiles
    OpCase("quantile_all", lambda m, x: m.quantile(x, 0.3), (distinct(3, 4),)),
    OpCase("quantile_dim_tensor_q",
           lambda m, x: m.quantile(x, m.tensor([0.1, 0.5, 1.0], dtype=x.dtype), dim=1,
                                   keepdim=True), (distinct(3, 4),)),
    OpCase("quantile_all_keepdim", lambda m, x: m.quantile(x, m.tensor([0.25, 0.75],
                                                                      dtype=x.dtype),
                                                          keepdim=True), (distinct(2, 3),)),
    OpCase("quantile_nan", lambda m, x: m.quantile(x, 0.5, dim=1), (NAN,), grad=False),
    OpCase("nanquantile", lambda m, x: m.nanquantile(x, 0.4, dim=1), (NAN,)),
    OpCase("nanquantile_all", lambda m, x: m.nanquantile(x, 0.9), (NAN,)),
] + [
    OpCase(f"quantile_{mode}", lambda m, x, mode=mode: m.quantile(x, m.tensor(
        [0.0, 0.2, 0.5, 0.625, 0.9], dtype=x.dtype), dim=0, interpolation=mode),
        (distinct(5, 2),)) for mode in ("linear", "lower", "higher", "midpoint", "nearest")
] + [
    # moments
    OpCase("var_default", lambda m, x: m.var(x), (normal(3, 4),)),
    OpCase("var_positional_unbiased", lambda m, x: x.var(False), (normal(3, 4),)),
    OpCase("std_positional_unbiased", lambda m, x: x.std(False), (normal(3, 4),)),
    OpCase("std_dim_unbiased_keepdim", lambda m, x: m.std(x, 1, False, True), (normal(3, 4),)),
    OpCase("var_correction", lambda m, x: m.var(x, dim=0, correction=2), (normal(4, 3),)),
    OpCase("std_correction_tuple", lambda m, x: x.std(dim=(0, 1), correction=0, keepdim=True),
           (normal(3, 4, 2),)),
    OpCase("var_mean", lambda m, x: m.var_mean(x, 1), (normal(3, 4),)),
    OpCase("std_mean_correction", lambda m, x: m.std_mean(x, dim=0, correction=0),
           (normal(3, 4),)),
    OpCase("var_mean_unbiased", lambda m, x: m.var_mean(x, False), (normal(3, 4),)),
    OpCase("aminmax", lambda m, x: m.aminmax(x, dim=1), (distinct(3, 4),)),
    OpCase("aminmax_all_ties", lambda m, x: x.aminmax(), (TIES2,), fd=False),
    # NaN-aware and counting
    OpCase("nansum", lambda m, x: m.nansum(x, 1), (NAN,)),
    OpCase("nansum_all", lambda m, x: x.nansum(), (NAN,)),
    OpCase("nanmean", lambda m, x: m.nanmean(x, 0), (NAN,)),
    OpCase("nanmean_all", lambda m, x: m.nanmean(x), (NAN,)),
    OpCase("count_nonzero", lambda m, x: m.count_nonzero(x, 0), (ZEROS,), grad=False),
    OpCase("count_nonzero_all", lambda m, x: x.count_nonzero(), (ZEROS,), grad=False),
    OpCase("count_nonzero_tuple", lambda m, x: m.count_nonzero(x, (0, 1)), (ZEROS,), grad=False),
    OpCase("unique", lambda m, x: m.unique(x), (TIES2,), grad=False),
    OpCase("unique_inverse_counts", lambda m, x: m.unique(x, return_inverse=True,
                                                          return_counts=True), (INTS,),
           grad=False),
    OpCase("unique_dim", lambda m, x: m.unique(x, dim=0, return_counts=True),
           (np.array([[1, 2], [0, 1], [1, 2]]),), grad=False),
    OpCase("bincount", lambda m, x: m.bincount(x), (np.array([0, 2, 2, 5]),), grad=False),
    OpCase("bincount_weights", lambda m, x, w: m.bincount(x, w, minlength=8),
           (np.array([0, 2, 2, 5]), np.array([0.5, 1., 2., 3.])), grad=False),
    OpCase("histc", lambda m, x: m.histc(x, bins=4, min=-1, max=2),
           (np.array([-1., 0., 0.5, 2., 3., 1.99]),), grad=False),
    OpCase("histc_auto_range", lambda m, x: x.histc(5), (normal(20),), grad=False),
]

GRAD_CASES = [c for c in CASES if c.grad]
FD_CASES = [c for c in GRAD_CASES if c.fd]


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_values_vs_torch(case):
    check_values(case)


@pytest.mark.parametrize("case", GRAD_CASES, ids=ids(GRAD_CASES))
def test_grads_vs_torch(case):
    check_grads_vs_torch(case)


@pytest.mark.parametrize("case", FD_CASES, ids=ids(FD_CASES))
def test_gradcheck(case):
    check_gradcheck(case)


def test_median_global_gradient_shared_among_ties():
    x = gg.tensor([2., 2., 1.], requires_grad=True)
    x.median().backward()
    assert x.grad.tolist() == [0.5, 0.5, 0.0]


def test_selection_gradient_goes_to_returned_index():
    x = gg.tensor([3., 1., 3., 2.], requires_grad=True)
    v, i = x.sort(descending=True)
    v[0].backward()
    assert i.tolist() == [0, 2, 3, 1] and x.grad.tolist() == [1., 0., 0., 0.]


def test_topk_and_kthvalue_pick_torchs_tied_elements():
    # PyTorch's CPU selection returns [2, 0, 5] for three equal maxima at 0, 2, 5
    v, i = gg.topk(gg.tensor([3., 1., 3., 2., 1., 3.]), 3)
    assert v.tolist() == [3., 3., 3.] and i.tolist() == [2, 0, 5]
    assert gg.kthvalue(gg.tensor([3., 1., 3., 2., 1., 3.]), 2).indices.item() == 4


def test_named_tuples():
    x = gg.tensor([[1., 3.], [2., 0.]])
    r = x.sort(1)
    assert type(r).__name__ == "sort" and r.values is r[0] and r.indices is r[1]
    assert type(gg.aminmax(x)).__name__ == "aminmax" and gg.aminmax(x).max.item() == 3
    assert type(x.median(0)).__name__ == "median"


@pytest.mark.parametrize("fn, exc, pattern", [
    (lambda: gg.topk(gg.ones(3), 4), RuntimeError, r"topk: k \(4\) is out of range"),
    (lambda: gg.kthvalue(gg.ones(3), 0), RuntimeError, r"kthvalue: k \(0\) is out of range"),
    (lambda: gg.sort(gg.ones(3), 1), IndexError, r"sort: dim 1 is out of range"),
    (lambda: gg.quantile(gg.ones(3), 1.5), RuntimeError, r"q values must be in the range"),
    (lambda: gg.quantile(gg.ones(3), 0.5, interpolation="cubic"), ValueError, "interpolation"),
    (lambda: gg.quantile(gg.ones(3, dtype=gg.int64), 0.5), RuntimeError, "floating point"),
    (lambda: gg.median(gg.ones(0)), IndexError, "median: cannot compute"),
    (lambda: gg.bincount(gg.tensor([-1, 2])), RuntimeError, "non-negative"),
    (lambda: gg.var(gg.ones(3), unbiased=True, correction=0), TypeError, "either"),
    (lambda: gg.cumsum(gg.ones(2, 3), 2), IndexError, "cumsum: dim 2 is out of range"),
])
def test_errors(fn, exc, pattern):
    with pytest.raises(exc, match=pattern):
        fn()


def test_axis_and_keepdims_aliases():
    x = gg.tensor(np.arange(12.).reshape(3, 4))
    assert gg.prod(x, axis=0, keepdims=True).shape == (1, 4)
    assert x.sort(axis=0).values.shape == (3, 4)
    assert gg.var(x, axis=1, keepdims=True).shape == (3, 1)
    assert gg.linalg.vector_norm(x, axis=0).shape == (4,)
    assert gg.index_select(x, axis=0, index=gg.tensor([1])).shape == (1, 4)
    with pytest.raises(TypeError, match="both dim and its alias axis"):
        gg.cumsum(x, dim=0, axis=0)
