"""What drawings call things: tensor names that reach the graph, and composite ops.

`tensor.name = "h"` labels a tensor in `ag.viz` drawings and stepper texts. A leaf is its own
vertex, so its name is read from the tensor; an intermediate tensor is drawn as the node that
made it (its `grad_fn`), which does not refer back to the tensor, so the name is also recorded
here, in a weak map node -> name that the drawing reads (nothing is kept alive by it).

`composite(name)` marks a function built from several primitives (`mean` is `sum` then `div`)
so that the nodes it records carry a `CompositeScope` named after it; the drawings show those
nodes as one box called `name` that can be expanded (`ag.viz.draw(loss, expand=True)`).
"""
import functools
import weakref

from .grad_mode import scope
from .tensor import Tensor

_node_names = weakref.WeakKeyDictionary()


def node_name(node):
    """The `.name` given to the tensor a node produced, or None."""
    return _node_names.get(node)


def _get_name(self):
    return self.__dict__.get("name")


def _set_name(self, value):
    self.__dict__["name"] = value
    node = self.grad_fn
    if node is not None:
        if value is None:
            _node_names.pop(node, None)
        else:
            _node_names[node] = value


# Installed here rather than in tensor.py so that naming a tensor stays off every hot path:
# only assigning `.name` runs this setter.
Tensor.name = property(_get_name, _set_name, doc=(
    "Optional label (str or None) shown by ag.viz drawings and steppers; on an intermediate "
    "tensor it labels the node that produced it. glassgrad only (PyTorch's `names` are "
    "named dimensions, a different feature)."))


class CompositeScope(scope):
    """The scope a `composite` function records its nodes in (a `scope` whose name is the
    composite op's, e.g. 'mean'); drawings collapse it into one box."""
    __slots__ = ()


def composite(name):
    """Decorator: the nodes recorded while the function runs belong to one composite op
    called `name`, which `ag.viz` draws as a single box (expandable with `expand=True`).

    Parameters
    ----------
    name : str
        The op's name as drawings show it, e.g. "softmax".

    Returns
    -------
    callable
        A decorator; the decorated function behaves exactly as before.

    Notes
    -----
    glassgrad only: PyTorch records composite functions as their primitive ops. Nested
    composites (`var` calls `mean`) nest; drawings box the outermost one.

    Examples
    --------
    >>> @ag.composite("swish")
    ... def swish(x):
    ...     return x * x.sigmoid()
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"composite: name must be a non-empty str, got {name!r}")

    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with CompositeScope(name):
                return fn(*args, **kwargs)
        wrapper.composite_name = name
        return wrapper
    return decorate
