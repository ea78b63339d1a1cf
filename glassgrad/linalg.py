"""glassgrad.linalg: torch.linalg's functions (implemented in glassgrad.autograd.linalg).

    import glassgrad as gg
    A = gg.randn(3, 3, dtype=gg.float64, requires_grad=True)
    gg.linalg.inv(A), gg.linalg.svd(A, full_matrices=False), gg.linalg.norm(A, 'nuc')
"""
from glassgrad.autograd.linalg import (cholesky, det, eigh, eigvalsh, inv, lstsq, matrix_norm,
                                       matrix_power, matrix_rank, pinv, qr, slogdet, solve,
                                       svd, svdvals, vector_norm, vecdot)
from glassgrad.autograd.linalg import linalg_norm as norm
from glassgrad.autograd.linalg import linalg_cross as cross

__all__ = ["cholesky", "cross", "det", "eigh", "eigvalsh", "inv", "lstsq", "matrix_norm",
           "matrix_power", "matrix_rank", "norm", "pinv", "qr", "slogdet", "solve", "svd",
           "svdvals", "vector_norm", "vecdot"]
