"""Containers: Sequential, ModuleList, ModuleDict (children named as PyTorch names them)."""
from collections import OrderedDict

from .module import Module, _addindent


def _index(idx, n, what):
    idx = int(idx)
    if not -n <= idx < n:
        raise IndexError(f"{what}: index {idx} is out of range for {n} modules")
    return idx % n


class _ModuleSequence(Module):
    """What Sequential and ModuleList share: children numbered "0", "1", ... in order."""

    def _renumber(self, modules):
        self._modules.clear()
        for i, m in enumerate(modules):
            self.add_module(str(i), m)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module):
        """Add a module at the end, named by its position.

        Parameters
        ----------
        module : Module
            The module to add.

        Returns
        -------
        Module
            self.
        """
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules):
        """Append every module of an iterable.

        Parameters
        ----------
        modules : iterable of Module
            The modules, in order.

        Returns
        -------
        Module
            self.
        """
        for m in modules:
            self.append(m)
        return self

    def insert(self, index, module):
        """Insert a module before a position (the later ones are renumbered).

        Parameters
        ----------
        index : int
            The position, as for ``list.insert``.
        module : Module
            The module to insert.

        Returns
        -------
        Module
            self.
        """
        mods = list(self._modules.values())
        mods.insert(index, module)
        self._renumber(mods)
        return self

    def __iadd__(self, modules):
        return self.extend(modules)

    def __delitem__(self, idx):
        mods = list(self._modules.values())
        del mods[idx if isinstance(idx, slice) else _index(idx, len(mods), type(self).__name__)]
        self._renumber(mods)      # keys stay "0", "1", ... as in PyTorch


class Sequential(_ModuleSequence):
    """A chain of modules, each applied to the output of the previous one.

    Parameters
    ----------
    *modules : Module, or one OrderedDict of str to Module
        ``Sequential(m0, m1, ...)`` names the children "0", "1", ...;
        ``Sequential(OrderedDict(name=module, ...))`` keeps the given names.

    Notes
    -----
    Supports ``len``, iteration, indexing (an int gives a child, a slice a new
    Sequential), item assignment and deletion, ``append``, ``extend`` and ``insert``, as in
    PyTorch.

    Examples
    --------
    >>> from glassgrad import nn
    >>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    >>> model
    Sequential(
      (0): Linear(in_features=4, out_features=8, bias=True)
      (1): ReLU()
      (2): Linear(in_features=8, out_features=2, bias=True)
    )
    >>> model(gg.zeros(5, 4)).shape
    (5, 2)
    >>> model[0].out_features
    8
    """

    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, m in modules[0].items():
                self.add_module(name, m)
        else:
            self.extend(modules)

    def __getitem__(self, idx):
        items = list(self._modules.items())
        if isinstance(idx, slice):
            return type(self)(OrderedDict(items[idx]))
        return items[_index(idx, len(items), "Sequential")][1]

    def __setitem__(self, idx, module):
        key = list(self._modules)[_index(idx, len(self._modules), "Sequential")]
        self.add_module(key, module)

    def forward(self, input):
        """Apply each child in order, feeding each output to the next.

        Parameters
        ----------
        input : object
            The first child's input (usually a Tensor).

        Returns
        -------
        object
            The last child's output (the input itself when the Sequential is empty).
        """
        for module in self._modules.values():
            input = module(input)
        return input


class ModuleList(_ModuleSequence):
    """A list of modules whose parameters the parent sees (a plain list would hide them).

    It has no forward: index it or iterate over it. The children are named "0", "1", ... as in
    PyTorch; it supports ``len``, iteration, indexing (a slice gives a new ModuleList), item
    assignment and deletion, ``+=``, ``append``, ``extend`` and ``insert``.

    Parameters
    ----------
    modules : iterable of Module, optional
        The initial modules. Default None (empty).

    Raises
    ------
    IndexError
        An integer index out of range.

    Notes
    -----
    The repr compresses runs of identical children (``(0-2): 3 x Linear(...)``) as PyTorch's
    does.

    Examples
    --------
    >>> from glassgrad import nn
    >>> layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    >>> len(layers), len(list(layers.parameters()))
    (3, 6)
    >>> layers
    ModuleList(
      (0-2): 3 x Linear(in_features=2, out_features=2, bias=True)
    )
    """

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, idx):
        mods = list(self._modules.values())
        if isinstance(idx, slice):
            return type(self)(mods[idx])
        return mods[_index(idx, len(mods), "ModuleList")]

    def __setitem__(self, idx, module):
        self.add_module(str(_index(idx, len(self), "ModuleList")), module)

    def _child_lines(self):
        # PyTorch compresses runs of identical children: "(0-2): 3 x Linear(...)".
        lines, runs = [], []
        for i, m in enumerate(self):
            r = repr(m)
            if runs and runs[-1][2] == r:
                runs[-1][1] = i
            else:
                runs.append([i, i, r])
        for start, end, r in runs:
            head = f"({start})" if start == end else f"({start}-{end}): {end - start + 1} x"
            text = f"{head}: {r}" if start == end else f"{head} {r}"
            lines.append(_addindent(text, 2))
        return lines


class ModuleDict(Module):
    """An ordered dict of modules (string keys), registered as children.

    Supports ``len``, iteration over the keys, ``in``, indexing by key, item assignment and
    deletion, as a dict.

    Parameters
    ----------
    modules : mapping or iterable of (str, Module) pairs, optional
        The initial modules. Default None (empty).
    """

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key):
        return self._modules[key]

    def __setitem__(self, key, module):
        self.add_module(key, module)

    def __delitem__(self, key):
        del self._modules[key]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def __contains__(self, key):
        return key in self._modules

    def keys(self):
        """Return the keys, in insertion order.

        Returns
        -------
        keys view of str
            The keys.
        """
        return self._modules.keys()

    def items(self):
        """Return the (key, module) pairs, in insertion order.

        Returns
        -------
        items view of (str, Module)
            The pairs.
        """
        return self._modules.items()

    def values(self):
        """Return the modules, in insertion order.

        Returns
        -------
        values view of Module
            The modules.
        """
        return self._modules.values()

    def pop(self, key):
        """Remove the module under a key and return it.

        Parameters
        ----------
        key : str
            The key.

        Returns
        -------
        Module
            The removed module.

        Raises
        ------
        KeyError
            `key` is absent.
        """
        return self._modules.pop(key)

    def clear(self):
        """Remove every module."""
        self._modules.clear()

    def update(self, modules):
        """Add or replace modules from a mapping or an iterable of (key, module) pairs.

        Parameters
        ----------
        modules : mapping or iterable of (str, Module) pairs
            The modules to add; an existing key is replaced.
        """
        items = modules.items() if hasattr(modules, "items") else modules
        for key, m in items:
            self[key] = m


def _as_parameter(value):
    from .parameter import Parameter
    return value if isinstance(value, Parameter) else Parameter(value)


class ParameterList(Module):
    """A list of Parameters the parent module sees (named "0", "1", ... in ``state_dict``), as
    PyTorch's ``nn.ParameterList``.

    Plain tensors are wrapped as Parameters. Supports ``len``, iteration, indexing (a slice
    gives a new ParameterList), item assignment, ``+=``, ``append`` and ``extend``.

    Parameters
    ----------
    values : iterable of Parameter or Tensor, optional
        The initial values. Default None (empty).

    Raises
    ------
    IndexError
        An integer index out of range.
    """

    def __init__(self, values=None):
        super().__init__()
        if values is not None:
            self.extend(values)

    def __len__(self):
        return len(self._parameters)

    def __iter__(self):
        return iter(self._parameters.values())

    def __getitem__(self, idx):
        values = list(self._parameters.values())
        if isinstance(idx, slice):
            return type(self)(values[idx])
        return values[_index(idx, len(values), "ParameterList")]

    def __setitem__(self, idx, value):
        key = str(_index(idx, len(self), "ParameterList"))
        self._parameters[key] = _as_parameter(value)

    def append(self, value):
        """Add a value at the end.

        Parameters
        ----------
        value : Parameter or Tensor
            A Parameter, or a tensor wrapped as one.

        Returns
        -------
        ParameterList
            self.
        """
        self.register_parameter(str(len(self)), _as_parameter(value))
        return self

    def extend(self, values):
        """Append every value of an iterable.

        Parameters
        ----------
        values : iterable of Parameter or Tensor
            The values; plain tensors are wrapped as Parameters.

        Returns
        -------
        ParameterList
            self.
        """
        for v in values:
            self.append(v)
        return self

    def __iadd__(self, values):
        return self.extend(values)

    def extra_repr(self):
        return "\n".join(f"({i}): Parameter containing: [{p.dtype} of size {tuple(p.shape)}]"
                         for i, p in enumerate(self))


class ParameterDict(Module):
    """An ordered dict of Parameters (string keys) the parent module sees, as PyTorch's
    ``nn.ParameterDict``.

    Plain tensors are wrapped as Parameters. Supports ``len``, iteration over the keys, ``in``,
    indexing by key, item assignment and deletion, as a dict.

    Parameters
    ----------
    parameters : mapping or iterable of (str, Parameter or Tensor) pairs, optional
        The initial values. Default None (empty).
    """

    def __init__(self, parameters=None):
        super().__init__()
        if parameters is not None:
            self.update(parameters)

    def __getitem__(self, key):
        return self._parameters[key]

    def __setitem__(self, key, value):
        if key in self._parameters:
            self._parameters[key] = _as_parameter(value)
        else:
            self.register_parameter(key, _as_parameter(value))

    def __delitem__(self, key):
        del self._parameters[key]

    def __len__(self):
        return len(self._parameters)

    def __iter__(self):
        return iter(self._parameters)

    def __contains__(self, key):
        return key in self._parameters

    def keys(self):
        """Return the keys, in insertion order.

        Returns
        -------
        keys view of str
            The keys.
        """
        return self._parameters.keys()

    def items(self):
        """Return the (key, Parameter) pairs, in insertion order.

        Returns
        -------
        items view of (str, Parameter)
            The pairs.
        """
        return self._parameters.items()

    def values(self):
        """Return the Parameters, in insertion order.

        Returns
        -------
        values view of Parameter
            The Parameters.
        """
        return self._parameters.values()

    def get(self, key, default=None):
        """Return the Parameter under a key, or a default if there is none.

        Parameters
        ----------
        key : str
            The key.
        default : object, optional
            What to return when `key` is absent. Default None.

        Returns
        -------
        Parameter or object
            The Parameter, or `default`.
        """
        return self._parameters.get(key, default)

    def pop(self, key):
        """Remove the Parameter under a key and return it.

        Parameters
        ----------
        key : str
            The key.

        Returns
        -------
        Parameter
            The removed Parameter.

        Raises
        ------
        KeyError
            `key` is absent.
        """
        return self._parameters.pop(key)

    def clear(self):
        """Remove every Parameter."""
        self._parameters.clear()

    def update(self, parameters):
        """Add or replace Parameters from a mapping or an iterable of (key, value) pairs.

        Parameters
        ----------
        parameters : mapping or iterable of (str, Parameter or Tensor) pairs
            The values; plain tensors are wrapped as Parameters, an existing key is replaced.
        """
        items = parameters.items() if hasattr(parameters, "items") else parameters
        for key, value in items:
            self[key] = value

    def extra_repr(self):
        return "\n".join(f"({k}): Parameter containing: [{p.dtype} of size {tuple(p.shape)}]"
                         for k, p in self.items())
