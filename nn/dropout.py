"""Dropout (inverted)."""
from . import functional as F
from .module import Module


class Dropout(Module):
    """Inverted dropout. `p` is the probability of DROPPING an element (PyTorch's
    convention); the lecture notes' p is the probability of KEEPING it, i.e. 1 - p here.
    In training each element is zeroed with probability p and the survivors are scaled by
    1 / (1 - p); in eval mode it is the identity. p must lie in [0, 1] (p = 1 gives zeros).
    Masks come from ag.random.get_rng(), so ag.manual_seed fixes them."""

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        F._check_p(p, "Dropout")
        self.p, self.inplace = p, inplace

    def forward(self, input):
        return F.dropout(input, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"
