"""Linear algebra (autograd/linalg.py, glassgrad.linalg): values and gradients against
PyTorch, first- and second-order gradchecks (decompositions through gauge-invariant
functions of their factors), batches, norms of every order, errors."""
import numpy as np
import pytest

import glassgrad as gg
from op_table import OpCase, check_gradcheck, check_grads_vs_torch, check_values, ids

rng = np.random.default_rng(0)
INF = float("inf")


def normal(*shape):
    return rng.standard_normal(shape)


def well_conditioned(*shape):
    n = shape[-1]
    return normal(*shape) + 3 * np.eye(n)


def spd(m, x):
    """Symmetric positive definite from any square x: x x^T + n I."""
    return (x @ x.mT + x.shape[-1] * m.eye(x.shape[-1], dtype=x.dtype),)


def sym(m, x):
    return ((x + x.mT) * 0.5,)


M34, M43, M33 = normal(3, 4), normal(4, 3), well_conditioned(3, 3)
SYM = M33 + M33.T
BATCH = well_conditioned(2, 3, 3)

CASES = [
    OpCase("bmm", lambda m, a, b: m.bmm(a, b), (normal(2, 3, 4), normal(2, 4, 2))),
    OpCase("baddbmm", lambda m, c, a, b: m.baddbmm(c, a, b, beta=0.5, alpha=2.0),
           (normal(3, 2), normal(2, 3, 4), normal(2, 4, 2))),
    OpCase("baddbmm_beta0_nan", lambda m, c, a, b: c.baddbmm(a, b, beta=0),
           (np.full((2, 3, 2), np.nan), normal(2, 3, 4), normal(2, 4, 2)), fd=False,
           torch_grad=False),
    OpCase("addmm", lambda m, c, a, b: m.addmm(c, a, b, alpha=-1.0), (normal(3), M34, M43)),
    OpCase("addmv", lambda m, c, a, v: m.addmv(c, a, v, beta=2.0), (normal(3), M34, normal(4))),
    OpCase("addbmm", lambda m, c, a, b: m.addbmm(c, a, b), (normal(3, 2), normal(2, 3, 4),
                                                             normal(2, 4, 2))),
    OpCase("addr", lambda m, c, a, b: m.addr(c, a, b), (M34, normal(3), normal(4))),
    OpCase("mv", lambda m, a, v: a.mv(v), (M34, normal(4))),
    OpCase("outer", lambda m, a, b: m.outer(a, b), (normal(3), normal(4))),
    OpCase("ger", lambda m, a, b: a.ger(b), (normal(3), normal(2))),
    OpCase("inner_1d", lambda m, a, b: m.inner(a, b), (normal(4), normal(4))),
    OpCase("inner_nd", lambda m, a, b: m.inner(a, b), (normal(2, 3, 4), M34)),
    OpCase("einsum_matmul", lambda m, a, b: m.einsum("ij,jk->ik", a, b), (M34, M43)),
    OpCase("einsum_implicit", lambda m, a, b: m.einsum("ij,jk", a, b), (M34, M43)),
    OpCase("einsum_batch_ellipsis", lambda m, a, b: m.einsum("...ij,...jk->...ik", a, b),
           (normal(2, 3, 4), normal(2, 4, 2))),
    OpCase("einsum_broadcast_ellipsis", lambda m, a, b: m.einsum("...i,i->...", a, b),
           (normal(2, 3, 4), normal(4))),
    OpCase("einsum_trace", lambda m, a: m.einsum("ii", a), (M33,)),
    OpCase("einsum_diag", lambda m, a: m.einsum("ii->i", a), (M33,)),
    OpCase("einsum_sum_only", lambda m, a, b: m.einsum("ij,k->i", a, b), (M34, normal(2))),
    OpCase("einsum_outer3", lambda m, a, b, c: m.einsum("i,j,k->ijk", a, b, c),
           (normal(2), normal(3), normal(2))),
    OpCase("einsum_broadcast_size1", lambda m, a, b: m.einsum("ij,ij->ij", a, b),
           (normal(3, 1), M34)),
    OpCase("einsum_ellipsis_size1", lambda m, a, b: m.einsum("...j,...j->...", a, b),
           (normal(2, 1, 3), normal(4, 3))),
    OpCase("einsum_list", lambda m, a, b: m.einsum("bi,bi->b", [a, b]), (M34, M34)),
    OpCase("tensordot_int", lambda m, a, b: m.tensordot(a, b, 1), (M34, M43)),
    OpCase("tensordot_lists", lambda m, a, b: m.tensordot(a, b, ([0, 2], [1, 0])),
           (normal(2, 3, 4), normal(4, 2, 5))),
    OpCase("kron", lambda m, a, b: m.kron(a, b), (normal(2, 3), normal(3, 2))),
    OpCase("kron_mixed_dims", lambda m, a, b: a.kron(b), (normal(2), normal(2, 3))),
    OpCase("trace", lambda m, a: m.trace(a), (M34,)),
    OpCase("cross", lambda m, a, b: m.cross(a, b, dim=1), (normal(2, 3), normal(2, 3))),
    OpCase("cross_broadcast", lambda m, a, b: m.linalg.cross(a, b), (normal(4, 3), normal(1, 3))),
    OpCase("matrix_power_3", lambda m, a: m.matrix_power(a, 3), (M33,)),
    OpCase("matrix_power_0", lambda m, a: a.matrix_power(0), (BATCH,), grad=False),
    OpCase("matrix_power_neg", lambda m, a: m.linalg.matrix_power(a, -2), (BATCH,)),
] + [
    OpCase(f"cdist_p{p}", lambda m, a, b, p=p: m.cdist(a, b, p), (normal(2, 3, 4),
                                                                  normal(2, 5, 4)))
    for p in (2.0, 1.0, 0.5, 3.0, INF)
] + [
    OpCase("cdist_p0", lambda m, a, b: m.cdist(a, b, 0), (normal(3, 2), normal(4, 2)),
           torch_grad=False, fd=False),
    # linalg decompositions and solvers
    OpCase("inv", lambda m, a: m.linalg.inv(a), (M33,)),
    OpCase("inv_batch", lambda m, a: m.linalg.inv(a), (BATCH,)),
    OpCase("det", lambda m, a: m.linalg.det(a), (BATCH,)),
    OpCase("det_method", lambda m, a: a.det(), (M33,)),
    OpCase("slogdet", lambda m, a: m.linalg.slogdet(a), (BATCH - 6 * np.eye(3),)),
    OpCase("logdet", lambda m, a: m.logdet(a), (spd(np, M33)[0],)),
    OpCase("solve_matrix", lambda m, a, b: m.linalg.solve(a, b), (M33, normal(3, 2))),
    OpCase("solve_vector", lambda m, a, b: m.linalg.solve(a, b), (M33, normal(3))),
    OpCase("solve_batch_broadcast", lambda m, a, b: m.linalg.solve(a, b), (BATCH, normal(3, 4))),
    OpCase("solve_batch_vector", lambda m, a, b: m.linalg.solve(a, b), (BATCH, normal(2, 3))),
    OpCase("solve_right", lambda m, a, b: m.linalg.solve(a, b, left=False),
           (M33, normal(2, 3))),
    OpCase("cholesky", lambda m, a: m.linalg.cholesky(a), (normal(3, 3),), wrap=spd),
    OpCase("cholesky_upper_batch", lambda m, a: m.linalg.cholesky(a, upper=True),
           (normal(2, 3, 3),), wrap=spd),
    OpCase("qr_square", lambda m, a: m.linalg.qr(a), (M33,)),
    OpCase("qr_tall_batch", lambda m, a: m.linalg.qr(a), (normal(2, 4, 3),)),
    OpCase("qr_wide", lambda m, a: m.linalg.qr(a), (normal(2, 4),)),
    OpCase("qr_wide_batch", lambda m, a: m.linalg.qr(a), (normal(2, 3, 5),)),
    OpCase("qr_r", lambda m, a: m.linalg.qr(a, mode="r")[1], (M43,), torch_grad=False),
    OpCase("svdvals", lambda m, a: m.linalg.svdvals(a), (M34,)),
    OpCase("svdvals_batch_tall", lambda m, a: m.linalg.svdvals(a), (normal(2, 4, 3),)),
    OpCase("svd_reconstruct_square", lambda m, a: (lambda r: (r.U * r.S.unsqueeze(-2)) @ r.Vh)(
        m.linalg.svd(a, full_matrices=False)), (M33,), atol=1e-10),
    OpCase("svd_gauge_invariant_wide", lambda m, a: (lambda r: (r.U ** 2, r.S, r.Vh ** 2))(
        m.linalg.svd(a, full_matrices=False)), (M34,), atol=1e-10),
    OpCase("svd_gauge_invariant_tall_batch", lambda m, a: (lambda r: (
        r.U @ r.U.mT, r.S, r.Vh.mT @ (r.Vh * r.S.unsqueeze(-1))))(
        m.linalg.svd(a, full_matrices=False)), (normal(2, 4, 3),), atol=1e-10),
    OpCase("svd_full_matrices_tall", lambda m, a: (lambda r: (
        r.U[..., :3] @ (r.S.unsqueeze(-1) * r.Vh), r.S, r.U.shape[-1] * r.S))(m.linalg.svd(a)),
        (normal(5, 3),), atol=1e-10),
    OpCase("svd_full_matrices_wide_batch", lambda m, a: (lambda r: (
        (r.U * r.S.unsqueeze(-2)) @ r.Vh[..., :2, :], r.Vh.shape[-2] * r.S))(m.linalg.svd(a)),
        (normal(2, 2, 4),), atol=1e-10),
    OpCase("eigh", lambda m, a: (lambda r: (r.eigenvalues, r.eigenvectors ** 2))(
        m.linalg.eigh(a)), (normal(4, 4),), wrap=sym, atol=1e-10),
    OpCase("eigh_batch_upper", lambda m, a: (
        lambda r: (r[0], r[1] @ (r[1] * r[0].unsqueeze(-2)).mT))(m.linalg.eigh(a, UPLO="U")),
        (normal(2, 3, 3),), wrap=sym, atol=1e-10),
    OpCase("eigh_unsymmetrized_grad", lambda m, a: (lambda r: (r[0], r[1] ** 2))(
        m.linalg.eigh(a)), (SYM,), fd=False, atol=1e-10),
    OpCase("eigvalsh", lambda m, a: m.linalg.eigvalsh(a), (normal(3, 3),), wrap=sym),
    OpCase("pinv_tall", lambda m, a: m.linalg.pinv(a), (M43,), atol=1e-10),
    OpCase("pinv_wide_batch", lambda m, a: m.linalg.pinv(a), (normal(2, 2, 4),), atol=1e-10),
    OpCase("lstsq", lambda m, a, b: m.linalg.lstsq(a, b).solution, (normal(5, 3), normal(5, 2)),
           atol=1e-10),
    OpCase("matrix_rank", lambda m, a: m.linalg.matrix_rank(a),
           (np.array([[1., 2.], [2., 4.], [0., 0.]]),), grad=False),
] + [
    OpCase(f"vector_norm_{o}", lambda m, x, o=o: m.linalg.vector_norm(x, o), (normal(3, 4),),
           grad=o != 0)
    for o in (2, 1, 3, 0.5, -1, -INF, INF, 0)
] + [
    OpCase("vector_norm_dims", lambda m, x: m.linalg.vector_norm(x, 3, dim=(0, 2),
                                                                 keepdim=True),
           (normal(2, 3, 4),)),
    OpCase("vector_norm_zero_vector", lambda m, x: m.linalg.vector_norm(x, dim=1),
           (np.array([[0., 0.], [3., 4.]]),), fd=False),
] + [
    OpCase(f"matrix_norm_{o}", lambda m, x, o=o: m.linalg.matrix_norm(x, o), (normal(2, 3, 4),),
           atol=1e-10)
    for o in ("fro", "nuc", 1, -1, 2, -2, INF, -INF)
] + [
    OpCase("matrix_norm_dims_keepdim",
           lambda m, x: m.linalg.matrix_norm(x, "nuc", dim=(0, 2), keepdim=True),
           (normal(3, 2, 4),), atol=1e-10),
    OpCase("linalg_norm_default", lambda m, x: m.linalg.norm(x), (normal(2, 3, 4),)),
    OpCase("linalg_norm_matrix_ord", lambda m, x: m.linalg.norm(x, INF), (M34,)),
    OpCase("linalg_norm_vector_ord", lambda m, x: m.linalg.norm(x, -2), (normal(5),)),
    OpCase("linalg_norm_dim_pair", lambda m, x: m.linalg.norm(x, 2, dim=(1, 2)),
           (normal(2, 3, 4),), atol=1e-10),
] + [
    OpCase(f"norm_p_{p}", lambda m, x, p=p: m.norm(x, p), (normal(3, 4),), grad=p != 0)
    for p in ("fro", 2, 1, 3, 0, -1, 0.5, INF, -INF)
] + [
    OpCase("norm_nuc", lambda m, x: m.norm(x, "nuc"), (M34,), atol=1e-10),
    OpCase("norm_dim", lambda m, x: x.norm(dim=1), (normal(3, 4),)),
    OpCase("norm_dim_tuple_inf", lambda m, x: m.norm(x, INF, dim=(0, 1)), (normal(3, 4),)),
    OpCase("norm_fro_dim_keepdim", lambda m, x: m.norm(x, "fro", (1, 2), True),
           (normal(2, 3, 4),)),
    OpCase("norm_p3_keepdim", lambda m, x: x.norm(3, 0, keepdim=True), (normal(3, 4),)),
]

CASES += [
    # gradients at edge points that PyTorch defines
    OpCase("svdvals_repeated", lambda m, a: m.linalg.svdvals(a), (np.eye(3) * 2,), fd=False),
    OpCase("eigvalsh_repeated", lambda m, a: m.linalg.eigvalsh(a), (np.eye(3),), fd=False),
    OpCase("matrix_norm_2_tied", lambda m, a: m.linalg.matrix_norm(a, 2), (np.eye(2) * 2,),
           fd=False),
    OpCase("vector_norm_neg_with_zero", lambda m, x: m.linalg.vector_norm(x, -1),
           (np.array([0., 2., 3.]),), fd=False),
    OpCase("vector_norm_half_with_zero", lambda m, x: m.linalg.vector_norm(x, 0.5, dim=1),
           (np.array([[0., 1.], [2., 3.]]),), fd=False),
    OpCase("cdist_inf_ties", lambda m, x: m.cdist(x, x, float("inf")),
           (np.array([[0., 1.], [2., 3.]]),), fd=False),
    OpCase("cdist_coincident_p2", lambda m, x, y: m.cdist(x, y),
           (np.array([[0., 1.], [2., 3.]]), np.array([[0., 1.]])), fd=False),
]

CASES += [   # size-0 dims and batches
    OpCase("inv_empty_batch", lambda m, a: m.linalg.inv(a), (np.zeros((0, 3, 3)),)),
    OpCase("det_empty_matrix", lambda m, a: m.linalg.det(a), (np.zeros((2, 0, 0)),), grad=False),
    OpCase("bmm_empty", lambda m, a, b: m.bmm(a, b), (normal(2, 0, 3), normal(2, 3, 4))),
    OpCase("einsum_empty_sum", lambda m, a, b: m.einsum("ij,jk->ik", a, b),
           (np.zeros((2, 0)), np.zeros((0, 3)))),
    OpCase("outer_empty", lambda m, a, b: m.outer(a, b), (np.zeros(0), normal(3))),
    OpCase("vector_norm_empty", lambda m, a: m.linalg.vector_norm(a), (np.zeros(0),)),
    OpCase("matrix_norm_fro_empty_batch", lambda m, a: m.linalg.matrix_norm(a),
           (np.zeros((0, 2, 2)),)),
    OpCase("solve_neg_batch_vector", lambda m, a, b: m.linalg.solve(a, b),
           (BATCH, normal(3))),
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


def test_linalg_namespace_imports():
    import glassgrad.linalg
    from glassgrad import linalg
    assert gg.linalg is linalg is glassgrad.linalg
    assert linalg.norm is not gg.norm      # torch.linalg.norm and torch.norm differ
    for name in linalg.__all__:
        assert callable(getattr(linalg, name))


def test_det_gradient_at_a_singular_matrix_is_the_cofactor_matrix():
    # d det / dA = cofactor(A) also where det(A) = 0 (PyTorch 2.13 returns 0 for this A)
    a = gg.tensor([[1., 2.], [2., 4.]], dtype=gg.float64, requires_grad=True)
    gg.linalg.det(a).backward()
    assert a.grad.tolist() == [[4., -2.], [-2., 1.]]
    assert gg.autograd.gradcheck(gg.linalg.det, (a,))


def test_repeated_eigenvalues_give_non_finite_gradient():
    # as in PyTorch: the eigenvector gradient is undefined where eigenvalues repeat
    a = gg.eye(3, dtype=gg.float64, requires_grad=True)
    w, v = gg.linalg.eigh(a)
    (v ** 2 * gg.tensor(np.arange(9.).reshape(3, 3))).sum().backward()
    assert not np.all(np.isfinite(a.grad.numpy()))


@pytest.mark.parametrize("fn, exc, pattern", [
    (lambda: gg.linalg.inv(gg.ones(2, 3)), RuntimeError, "must be batches of square"),
    (lambda: gg.linalg.inv(gg.zeros(2, 2)), RuntimeError, "not invertible"),
    (lambda: gg.linalg.solve(gg.zeros(2, 2), gg.ones(2)), RuntimeError, "singular"),
    (lambda: gg.linalg.cholesky(-gg.eye(2)), RuntimeError, "not positive-definite"),
    (lambda: gg.linalg.inv(gg.eye(2, dtype=gg.int64)), RuntimeError, "floating point"),
    (lambda: gg.bmm(gg.ones(2, 3), gg.ones(2, 3)), RuntimeError, "bmm: expected input to be 3-D"),
    (lambda: gg.bmm(gg.ones(2, 3, 4), gg.ones(2, 3, 4)), RuntimeError, "cannot be multiplied"),
    (lambda: gg.einsum("ij,jk->ik", gg.ones(2, 3), gg.ones(2, 3)), RuntimeError,
     "subscript 'j' has sizes 3 and 2"),
    (lambda: gg.einsum("ij->k", gg.ones(2, 3)), RuntimeError, "does not appear"),
    (lambda: gg.cross(gg.ones(2, 2), gg.ones(2, 2)), RuntimeError, "no dim of size 3"),
    (lambda: gg.linalg.matrix_norm(gg.ones(2, 2), 3), RuntimeError, "order 3 is not supported"),
    (lambda: gg.norm(gg.ones(2), "abc"), RuntimeError, "p must be"),
    (lambda: gg.linalg.qr(gg.ones(4, 3, requires_grad=True), mode="complete"), RuntimeError,
     "complete"),
])
def test_errors(fn, exc, pattern):
    with pytest.raises(exc, match=pattern):
        fn()


def test_svd_full_matrices_shapes_and_orthogonality():
    a = gg.tensor(normal(2, 5, 3), requires_grad=True)
    u, s, vh = gg.linalg.svd(a)
    assert u.shape == (2, 5, 5) and s.shape == (2, 3) and vh.shape == (2, 3, 3)
    assert np.allclose((u.mT @ u).numpy(), np.eye(5))
    (u[..., :3] * s.unsqueeze(-2) @ vh).sum().backward()
    assert np.allclose(a.grad.numpy(), 1.0)
