"""nn.Parameter: a leaf tensor that a Module registers as one of its learnable weights."""
import numpy as np

from glassgrad import autograd as ag
from glassgrad.autograd.tensor import Tensor


class Parameter(Tensor):
    """A Tensor that, assigned as a Module attribute, joins the module's ``parameters()``.

    Parameters
    ----------
    data : Tensor, ndarray or array_like, optional
        The values. The Parameter shares memory with a Tensor or an ndarray; a copy is made of
        anything else. Default None: an empty 1-d tensor of the default dtype.
    requires_grad : bool, optional
        Whether autograd records operations on it. Default True, as in PyTorch.

    Notes
    -----
    The repr starts with ``Parameter containing:``, as in PyTorch; a pickled Parameter keeps
    its values and ``requires_grad``.

    Examples
    --------
    >>> from glassgrad import nn
    >>> w = nn.Parameter(gg.zeros(2))
    >>> w.requires_grad
    True
    >>> layer = nn.Module()
    >>> layer.w = w
    >>> [name for name, _ in layer.named_parameters()]
    ['w']
    """
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
