"""Shape, view and indexing ops (autograd/shape_ops.py) and advanced-indexing dim order:
values, dtypes and gradients against PyTorch, first- and second-order gradchecks, views,
in-place variants, edge cases and errors."""
import numpy as np
import pytest

import glassgrad as gg
from op_table import OpCase, check_gradcheck, check_grads_vs_torch, check_values, ids

rng = np.random.default_rng(0)


def normal(*shape):
    return rng.standard_normal(shape)


A = normal(3, 4)
B = normal(2, 3, 4)
IDX = np.array([2, 0, 2])
SCATTER_IDX = np.array([[0, 1, 2, 0], [2, 0, 0, 1]])
MASK = np.array([[True, False, True, False], [False, False, True, True],
                 [True, True, False, False]])

CASES = [
    OpCase("tril", lambda m, x: m.tril(x), (A,)),
    OpCase("tril_diag", lambda m, x: x.tril(-1), (B,)),
    OpCase("triu_diag", lambda m, x: m.triu(x, diagonal=2), (B,)),
    OpCase("triu_int", lambda m, x: m.triu(x), (np.arange(9).reshape(3, 3),), grad=False),
    OpCase("flip", lambda m, x: m.flip(x, [0, 2]), (B,)),
    OpCase("flip_neg", lambda m, x: x.flip(-1), (A,)),
    OpCase("fliplr", lambda m, x: m.fliplr(x), (A,)),
    OpCase("flipud", lambda m, x: m.flipud(x), (A,)),
    OpCase("roll", lambda m, x: m.roll(x, 1, 0), (A,)),
    OpCase("roll_multi", lambda m, x: x.roll((2, -1), (1, 0)), (A,)),
    OpCase("roll_flat", lambda m, x: m.roll(x, 5), (A,)),
    OpCase("repeat", lambda m, x: x.repeat(2, 1, 3), (A,)),
    OpCase("repeat_0d", lambda m, x: x.repeat(2), (np.array(1.5),)),
    OpCase("tile", lambda m, x: m.tile(x, (2,)), (A,)),
    OpCase("repeat_interleave", lambda m, x: m.repeat_interleave(x, 2, 1), (A,)),
    OpCase("repeat_interleave_flat", lambda m, x: x.repeat_interleave(3), (A,)),
    OpCase("repeat_interleave_tensor",
           lambda m, x: m.repeat_interleave(x, m.tensor([1, 0, 2]), dim=0), (A,)),
    OpCase("repeat_interleave_counts", lambda m, x: m.repeat_interleave(x),
           (np.array([2, 0, 1]),), grad=False),
    OpCase("unflatten", lambda m, x: x.unflatten(1, (2, -1)), (A,)),
    OpCase("movedim", lambda m, x: m.movedim(x, 0, -1), (B,)),
    OpCase("movedim_multi", lambda m, x: m.movedim(x, (0, 1), (2, 0)), (B,)),
    OpCase("moveaxis", lambda m, x: m.moveaxis(x, -1, 0), (B,)),
    OpCase("swapaxes", lambda m, x: m.swapaxes(x, 0, 2), (B,)),
    OpCase("swapdims", lambda m, x: x.swapdims(1, 2), (B,)),
    OpCase("narrow", lambda m, x: m.narrow(x, 1, 1, 2), (A,)),
    OpCase("narrow_neg_start", lambda m, x: x.narrow(-1, -3, 2), (A,)),
    OpCase("select", lambda m, x: m.select(x, 1, -1), (B,)),
    OpCase("unbind", lambda m, x: m.unbind(x, 1), (A,)),
    OpCase("diagonal", lambda m, x: m.diagonal(x), (A,)),
    OpCase("diagonal_offset_dims", lambda m, x: x.diagonal(1, 2, 0), (B,)),
    OpCase("diagonal_neg_offset", lambda m, x: m.diagonal(x, -1, -2, -1), (B,)),
    OpCase("diagonal_out_of_range", lambda m, x: m.diagonal(x, 5), (A,)),
    OpCase("diag_vec", lambda m, x: m.diag(x, 1), (normal(3),)),
    OpCase("diag_mat", lambda m, x: m.diag(x, -1), (A,)),
    OpCase("diag_embed", lambda m, x: m.diag_embed(x), (A,)),
    OpCase("diag_embed_offset_dims", lambda m, x: m.diag_embed(x, -1, 0, 2), (A,)),
    OpCase("trace", lambda m, x: m.trace(x), (A,)),
    OpCase("index_select", lambda m, x: m.index_select(x, 1, m.tensor(IDX)), (A,)),
    OpCase("index_select_neg_dim", lambda m, x: x.index_select(-2, m.tensor([1])), (B,)),
    OpCase("index_add", lambda m, x, s: m.index_add(x, 1, m.tensor(IDX), s, alpha=2.0),
           (A, normal(3, 3))),
    OpCase("index_copy", lambda m, x, s: x.index_copy(0, m.tensor([2, 0]), s),
           (A, normal(2, 4))),
    OpCase("index_fill", lambda m, x: m.index_fill(x, 1, m.tensor(IDX), -1.5), (A,)),
    OpCase("index_put", lambda m, x, v: m.index_put(x, (m.tensor([0, 2]), m.tensor([1, 3])), v),
           (A, normal(2))),
    OpCase("index_put_accumulate",
           lambda m, x, v: x.index_put((m.tensor([0, 0, 2]),), v, accumulate=True),
           (A, normal(3, 4))),
    OpCase("scatter_src", lambda m, x, s: m.scatter(x, 0, m.tensor(SCATTER_IDX[:, :3] * 0 +
                                                                    [[0, 1, 2], [1, 2, 0]]), s),
           (A, normal(2, 3))),
    OpCase("scatter_value", lambda m, x: x.scatter(1, m.tensor([[0], [3], [1]]), 2.5), (A,)),
    OpCase("scatter_larger_src", lambda m, x, s: m.scatter(x, 1, m.tensor([[1, 0], [2, 3]]), s),
           (A, normal(3, 5)), torch_grad=False),    # torch's backward rejects src > index
    OpCase("scatter_add", lambda m, x, s: m.scatter_add(x, 0, m.tensor(SCATTER_IDX), s),
           (A, normal(2, 4))),
    OpCase("scatter_reduce_add", lambda m, x, s: x.scatter(0, m.tensor(SCATTER_IDX), s,
                                                           reduce="add"),
           (A, normal(2, 4)), grad=False),    # torch has no derivative for this form
] + [
    OpCase(f"scatter_reduce_{red}_{inc}",
           lambda m, x, s, red=red, inc=inc: m.scatter_reduce(
               x, 1, m.tensor([[0, 0, 2], [1, 1, 1], [3, 0, 3]]), s, red, include_self=inc),
           (A, normal(3, 3)), atol=1e-12)
    for red in ("sum", "prod", "mean", "amax", "amin") for inc in (True, False)
] + [
    OpCase("scatter_reduce_amax_ties",
           lambda m, x, s: m.scatter_reduce(x, 0, m.tensor([0, 0, 1]), s, "amax"),
           (np.array([1., 0.]), np.array([1., 1., -1.])), fd=False),
    OpCase("take", lambda m, x: m.take(x, m.tensor([[0, 11], [5, -1]])), (A,)),
    OpCase("take_along_dim", lambda m, x: m.take_along_dim(x, m.tensor([[0], [3], [1]]), 1),
           (A,)),
    OpCase("take_along_dim_broadcast",
           lambda m, x: m.take_along_dim(x, m.tensor([[0, 2, 1, 2]]), 0), (A,)),
    OpCase("take_along_dim_flat", lambda m, x: x.take_along_dim(m.tensor([3, 0])), (A,)),
    OpCase("masked_select", lambda m, x: m.masked_select(x, m.tensor(MASK)), (A,)),
    OpCase("masked_select_broadcast",
           lambda m, x: x.masked_select(m.tensor([True, False, False, True])), (A,)),
    OpCase("masked_scatter", lambda m, x, s: m.masked_scatter(x, m.tensor(MASK), s),
           (A, normal(8))),
    OpCase("nonzero", lambda m, x: m.nonzero(x), (MASK,), grad=False),
    OpCase("nonzero_tuple", lambda m, x: x.nonzero(as_tuple=True), (MASK,), grad=False),
    OpCase("argwhere", lambda m, x: m.argwhere(x), (MASK,), grad=False),
    OpCase("hstack_1d", lambda m, x, y: m.hstack([x, y]), (normal(3), normal(2))),
    OpCase("hstack", lambda m, x, y: m.hstack((x, y)), (A, normal(3, 2))),
    OpCase("vstack", lambda m, x, y: m.vstack([x, y]), (normal(4), A)),
    OpCase("dstack", lambda m, x, y: m.dstack([x, y]), (A, A * 2)),
    OpCase("column_stack", lambda m, x, y: m.column_stack([x, y]), (normal(3), A)),
    OpCase("atleast_1d", lambda m, x: m.atleast_1d(x), (np.array(2.0),)),
    OpCase("atleast_2d_many", lambda m, x, y: m.atleast_2d(x, y), (np.array(2.0), normal(3))),
    OpCase("atleast_3d", lambda m, x, y, z: m.atleast_3d([x, y, z]),
           (np.array(2.0), normal(3), A)),
    OpCase("meshgrid_ij", lambda m, x, y: m.meshgrid(x, y, indexing="ij"),
           (normal(3), normal(4))),
    OpCase("meshgrid_xy", lambda m, x, y, z: m.meshgrid(x, y, z, indexing="xy"),
           (normal(3), normal(4), normal(2))),
    OpCase("split_sizes", lambda m, x: m.split(x, [1, 3], 1), (A,)),
    OpCase("tensor_split_sections", lambda m, x: m.tensor_split(x, 3, 1), (A,)),
    OpCase("tensor_split_indices", lambda m, x: x.tensor_split([1, 3, 10], dim=1), (A,)),
    OpCase("chunk", lambda m, x: m.chunk(x, 3, 1), (normal(2, 7),)),
    OpCase("chunk_small", lambda m, x: x.chunk(4), (normal(6),)),
    OpCase("chunk_empty", lambda m, x: m.chunk(x, 3), (normal(0),), grad=False),
    # advanced indexing: ints between index tensors follow PyTorch's dim order
    OpCase("index_int_between", lambda m, x: x[0, :, m.tensor([0, 2, 1])], (B,)),
    OpCase("index_idx_slice_idx", lambda m, x: x[m.tensor([0, 1]), :, m.tensor([3, 2])], (B,)),
    OpCase("index_slice_idx_int_idx",
           lambda m, x: x[:, m.tensor([0, 2]), 0, m.tensor([1, 1])], (normal(2, 3, 4, 5),)),
    OpCase("index_idx_int_slice_idx",
           lambda m, x: x[m.tensor([1, 0]), 2, :, m.tensor([0, 4])], (normal(2, 3, 4, 5),)),
    OpCase("index_ellipsis_int_idx", lambda m, x: x[..., 1, m.tensor([[0, 1], [2, 2]])], (B,)),
    OpCase("index_empty_ellipsis_between_arrays",
           lambda m, x: x[1:, m.tensor([0, 1]), ..., m.tensor([3, 0])], (B,)),
    OpCase("index_ellipsis_between_arrays",
           lambda m, x: x[m.tensor([0, 1]), ..., m.tensor([3, 0])], (B,)),
    OpCase("index_none_int_idx", lambda m, x: x[None, 1, m.tensor([2, 0])], (B,)),
]

E = np.zeros((0, 3))
CASES += [   # 0-d inputs and size-0 dims
    OpCase("flip_0d", lambda m, x: m.flip(x, []), (np.array(1.5),)),
    OpCase("roll_empty", lambda m, x: m.roll(x, 1, 0), (E,)),
    OpCase("repeat_zero", lambda m, x: x.repeat(0, 2), (A,)),
    OpCase("repeat_interleave_0d", lambda m, x: m.repeat_interleave(x, 3), (np.array(2.0),)),
    OpCase("diag_empty", lambda m, x: m.diag(x), (np.zeros(0),)),
    OpCase("diagonal_empty", lambda m, x: m.diagonal(x), (E,)),
    OpCase("tril_empty", lambda m, x: m.tril(x), (E,)),
    OpCase("index_select_empty_index",
           lambda m, x: m.index_select(x, 0, m.tensor([], dtype=m.int64)),
           (A,)),
    OpCase("index_select_0d", lambda m, x: m.index_select(x, 0, m.tensor([0])), (np.array(2.0),)),
    OpCase("scatter_empty_index", lambda m, x, s: m.scatter(x, 0, m.zeros(0, 4, dtype=m.int64), s),
           (A, normal(2, 4)), torch_grad=False),     # torch's backward fails here
    OpCase("scatter_add_empty_input",
           lambda m, x, s: m.scatter_add(x, 1, m.zeros(0, 2, dtype=m.int64), s),
           (E, normal(0, 2))),
    OpCase("take_empty", lambda m, x: m.take(x, m.tensor([], dtype=m.int64)), (A,)),
    OpCase("masked_select_none", lambda m, x: m.masked_select(x, m.zeros(3, 4, dtype=m.bool)),
           (A,)),
    OpCase("nonzero_none", lambda m, x: m.nonzero(x), (np.zeros((2, 2)),), grad=False),
    OpCase("movedim_0d", lambda m, x: m.movedim(x, [], []), (np.array(1.0),)),
    OpCase("narrow_length0", lambda m, x: m.narrow(x, 1, 4, 0), (A,)),
    OpCase("unbind_empty", lambda m, x: m.unbind(x, 0), (E,), grad=False),
    OpCase("meshgrid_0d", lambda m, x, y: m.meshgrid(x, y, indexing="ij"),
           (np.array(2.0), normal(3))),
    OpCase("hstack_empty", lambda m, x, y: m.hstack([x, y]), (np.zeros(0), normal(2))),
    OpCase("tensor_split_empty", lambda m, x: m.tensor_split(x, 3), (np.zeros(0),), grad=False),
    OpCase("take_along_dim_neg", lambda m, x: m.take_along_dim(x, m.tensor([[0, 1, 2, 0]]), -2),
           (A,)),
    OpCase("index_add_neg_dim_0d_src", lambda m, x, s: m.index_add(x, -1, m.tensor([1]), s),
           (normal(3, 2), normal(3, 1))),
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


def _shares_memory(a, b):
    return np.shares_memory(a.numpy(), b.numpy())


@pytest.mark.parametrize("fn, view", [
    (lambda x: x.narrow(1, 1, 2), True),
    (lambda x: x.select(0, 1), True),
    (lambda x: x.diagonal(), True),
    (lambda x: x.unflatten(1, (2, 2)), True),
    (lambda x: x.movedim(0, 1), True),
    (lambda x: x.unbind(0)[1], True),
    (lambda x: x.split([1, 2])[1], True),
    (lambda x: x.chunk(2, 1)[0], True),
    (lambda x: gg.meshgrid(x[0], x[1], indexing="ij")[0], True),
    (lambda x: x.flip(0), False),
    (lambda x: x.roll(1, 0), False),
    (lambda x: x.repeat(2, 1), False),
    (lambda x: x.tril(), False),
    (lambda x: x.index_select(0, gg.tensor([0, 1])), False),
    (lambda x: gg.diag(x), False),
])
def test_views_share_memory_as_in_torch(fn, view):
    x = gg.tensor(np.arange(12.).reshape(3, 4))
    assert _shares_memory(fn(x), x) == view


def test_diagonal_is_a_writable_view():
    x = gg.zeros(3, 3)
    x.diagonal().fill_(1.0)
    assert x.tolist() == np.eye(3).tolist()


@pytest.mark.parametrize("name, args", [
    ("tril_", (0,)), ("triu_", (1,)),
    ("index_add_", (1, [0, 2], "src2")), ("index_fill_", (0, [1], 3.0)),
    ("index_copy_", (1, [3, 1], "src2")), ("scatter_", (0, [[1, 0, 2, 2]], "row")),
    ("scatter_add_", (0, [[1, 0, 2, 2]], "row")), ("masked_scatter_", ("mask", "big")),
    ("scatter_reduce_", (1, [[0, 0], [1, 1], [3, 3]], "src2", "amax")),
])
def test_inplace_variants_match_torch(name, args):
    torch = pytest.importorskip("torch")
    src2, row, big = normal(3, 2), normal(1, 4), normal(12)

    def conv(m, a):
        if a == "src2":
            return m.tensor(src2)
        if a == "row":
            return m.tensor(row)
        if a == "big":
            return m.tensor(big)
        if a == "mask":
            return m.tensor(MASK[:1])
        return m.tensor(a) if isinstance(a, list) else a
    results = []
    for m in (gg, torch):
        x = m.tensor(A.copy())
        out = getattr(x, name)(*[conv(m, a) for a in args])
        assert out is x
        results.append(x.numpy())
    np.testing.assert_allclose(results[0], results[1], atol=1e-12)


def test_inplace_variant_tracks_gradients():
    x = gg.tensor(A, requires_grad=True)
    y = x * 2.0
    y.index_add_(1, gg.tensor([0, 0]), gg.ones(3, 2, dtype=gg.float64))
    y.sum().backward()
    assert np.allclose(x.grad.numpy(), 2.0)


def test_setitem_int_between_index_arrays_uses_torch_order():
    torch = pytest.importorskip("torch")
    v = normal(4, 3)
    a = torch.tensor(B.copy()).reshape(2, 3, 4).repeat(1, 1, 1)
    b = gg.tensor(B.copy())
    a[0, :, torch.tensor([0, 2, 1])] = torch.tensor(v[:3])
    b[0, :, gg.tensor([0, 2, 1])] = gg.tensor(v[:3])
    np.testing.assert_allclose(a.numpy(), b.numpy())


@pytest.mark.parametrize("fn, exc, pattern", [
    (lambda: gg.tril(gg.ones(3)), RuntimeError, "tril: input must have at least 2 dims"),
    (lambda: gg.ones(2, 3).repeat(2), RuntimeError, "repeat: number of repeat dims"),
    (lambda: gg.narrow(gg.ones(3), 0, 2, 2), IndexError, r"narrow: start \(2\) \+ length"),
    (lambda: gg.select(gg.ones(3), 0, 3), IndexError, "select: index 3 is out of range"),
    (lambda: gg.diagonal(gg.ones(3, 3), 0, 1, 1), RuntimeError, "cannot be the same"),
    (lambda: gg.index_select(gg.ones(3), 0, gg.tensor([3])), IndexError, "index out of range"),
    (lambda: gg.index_select(gg.ones(3), 0, gg.tensor([0.5])), IndexError, "integer tensor"),
    (lambda: gg.scatter(gg.ones(2, 2), 0, gg.tensor([[2, 0]]), 1.0), RuntimeError,
     r"scatter: index values must lie in \[0, 2\)"),
    (lambda: gg.scatter(gg.ones(2, 2), 0, gg.tensor([0, 1]), 1.0), RuntimeError,
     "must have as many dims"),
    (lambda: gg.scatter_reduce(gg.ones(2), 0, gg.tensor([0]), gg.ones(1), "max"), RuntimeError,
     "reduce must be one of"),
    (lambda: gg.masked_scatter(gg.ones(2), gg.tensor([True, True]), gg.ones(1)), RuntimeError,
     "source has 1 elements but mask selects 2"),
    (lambda: gg.unflatten(gg.ones(2, 6), 1, (4, 2)), RuntimeError, "don't multiply up"),
    (lambda: gg.movedim(gg.ones(2, 3), (0, 1), (1,)), RuntimeError, "same number"),
    (lambda: gg.meshgrid(gg.ones(2), indexing="xz"), ValueError, "indexing must be"),
    (lambda: gg.ones(3)[0, gg.tensor([0])], IndexError, "invalid for a tensor of shape"),
])
def test_errors(fn, exc, pattern):
    with pytest.raises(exc, match=pattern):
        fn()
