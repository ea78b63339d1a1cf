"""nn.Parameter: a leaf tensor that a Module registers as one of its learnable weights."""
import numpy as np

from glassgrad import autograd as ag
from glassgrad.autograd.tensor import Tensor


class Parameter(Tensor):
    """A Tensor that, assigned as a Module attribute, joins the module's `parameters()`.

    Shares memory with `data` (a Tensor or an ndarray; a copy is made of anything else).
    `requires_grad` is True by default, as in PyTorch."""
    __slots__ = ()

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            arr = np.empty((0,), dtype=ag.get_default_dtype())
        elif isinstance(data, Tensor):
            arr = data._data
        elif isinstance(data, np.ndarray):
            arr = data
        else:
            arr = ag.tensor(data)._data
        super().__init__(arr)
        if requires_grad:
            self.requires_grad = True

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, proto):
        return (Parameter, (self._data.copy(), self._requires_grad))
