"""CosineSimilarity and PairwiseDistance modules (the functional forms are in
nn.functional_loss)."""
from . import functional as F
from .module import Module


class CosineSimilarity(Module):
    """Cosine of the angle between x1 and x2 along `dim`:
    ``sum(x1 * x2) / (max(||x1||, eps) * max(||x2||, eps))``.

    The inputs broadcast against each other.

    Parameters
    ----------
    dim : int, optional
        The dimension of the vectors. Default 1.
    eps : float, optional
        The smallest norm used, to avoid dividing by zero. Default 1e-8.

    Shape
    -----
    - Input1: ``(*1, D, *2)``, D at position `dim`.
    - Input2: ``(*1, D, *2)``, broadcastable to Input1's shape.
    - Output: ``(*1, *2)``, the broadcast shape without `dim`.

    Notes
    -----
    As in PyTorch, the inputs are broadcast first and `dim` is a dim of the broadcast shape.
    """

    def __init__(self, dim=1, eps=1e-8):
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1, x2):
        return F.cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """The p-norm distance between the rows of x1 and x2: ``||x1 - x2 + eps||_p`` along the
    last dimension.

    `eps` keeps the norm's gradient finite for equal vectors.

    Parameters
    ----------
    p : float, optional
        The norm's degree. Default 2.0.
    eps : float, optional
        Added to the differences. Default 1e-6.
    keepdim : bool, optional
        Keep the last dimension (with size 1). Default False.

    Shape
    -----
    - Input1: (N, D) or (D,).
    - Input2: same shape as Input1, or broadcastable to it.
    - Output: (N,) or (), or (N, 1) or (1,) with ``keepdim=True``.

    Raises
    ------
    ValueError
        At call time, 0-d inputs.
    """

    def __init__(self, p=2.0, eps=1e-6, keepdim=False):
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1, x2):
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
