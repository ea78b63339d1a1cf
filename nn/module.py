"""nn.Module: the base class of every layer and model.

A Module holds three ordered registries, filled by plain attribute assignment:
`_parameters` (nn.Parameter), `_buffers` (tensors that are state but not learned, such as
BatchNorm's running statistics) and `_modules` (submodules). Everything else (state_dict
keys, parameters(), repr) walks these registries in definition order, so the keys are the
ones PyTorch gives for the same architecture ("0.weight", "1.running_mean", ...).
"""
from collections import OrderedDict, namedtuple

import numpy as np

from glassgrad import autograd as ag
from glassgrad.autograd.grad_mode import _State
from glassgrad.autograd.tensor import Tensor

from .parameter import Parameter

class IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What `load_state_dict` returns: the keys the module expected but did not get, and the
    keys it got but does not have (both empty after a strict load). Printed as PyTorch does:
    `<All keys matched successfully>` when both are empty."""
    __slots__ = ()

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()


class _HookHandle:
    """Returned by register_forward_hook / register_forward_pre_hook; `remove()` unregisters."""

    _next_id = 0

    def __init__(self, hooks, with_kwargs=None):
        self._hooks = hooks
        self._with_kwargs = with_kwargs
        self.id = _HookHandle._next_id
        _HookHandle._next_id += 1

    def remove(self):
        self._hooks.pop(self.id, None)
        if self._with_kwargs is not None:
            self._with_kwargs.discard(self.id)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def _addindent(text, spaces):
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    return lines[0] + "\n" + "\n".join(" " * spaces + line for line in lines[1:])


class Module:
    """Base class for layers and models.

    Subclass it, call ``super().__init__()`` first, assign parameters (``nn.Parameter``) and
    submodules as attributes in ``__init__``, and write ``forward``. Attribute assignment
    registers them, so ``parameters()``, ``state_dict()``, ``train()``/``eval()`` and the
    repr find them in definition order, with the same qualified names PyTorch gives
    (``"0.weight"``, ``"bn.running_mean"``, ...). Call the module, not ``forward``:
    ``__call__`` runs the forward hooks and labels the recorded graph nodes with this
    module's name, so graph drawings group the operations by layer.

    The attribute ``training`` is True in training mode (the default) and False after
    ``eval()``; layers such as Dropout and BatchNorm behave differently in the two modes.

    See Also
    --------
    state_dict : The parameters and buffers by qualified name.

    Notes
    -----
    Everything runs on the CPU: ``cuda()`` raises and ``to()`` accepts only the CPU as a
    device. Otherwise the API follows ``torch.nn.Module``.

    Examples
    --------
    >>> from glassgrad import nn
    >>> class TwoLayer(nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.hidden = nn.Linear(3, 4)
    ...         self.out = nn.Linear(4, 1)
    ...     def forward(self, x):
    ...         return self.out(self.hidden(x).relu())
    >>> _ = gg.manual_seed(0)
    >>> model = TwoLayer()
    >>> [name for name, _ in model.named_parameters()]
    ['hidden.weight', 'hidden.bias', 'out.weight', 'out.bias']
    >>> model(gg.ones(2, 3)).shape
    (2, 1)
    >>> model.eval().training
    False
    """

    training: bool

    def __init__(self):
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())
        object.__setattr__(self, "_forward_pre_hooks", OrderedDict())
        object.__setattr__(self, "_hooks_with_kwargs", set())

    # ----- registration -----------------------------------------------------------------
    def _check_init(self, what):
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot assign {what} before Module.__init__() call "
                                 f"(call super().__init__() first in {type(self).__name__})")

    def __setattr__(self, name, value):
        params = self.__dict__.get("_parameters")
        if isinstance(value, Parameter):
            self._check_init("parameters")
            self._remove_from(name, self.__dict__, self._buffers, self._modules)
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} as parameter {name!r} "
                                f"of {type(self).__name__} (nn.Parameter or None expected)")
            params[name] = None
        elif isinstance(value, Module):
            self._check_init("child modules")
            self._remove_from(name, self.__dict__, self._parameters, self._buffers)
            self._modules[name] = value
        elif self.__dict__.get("_modules") is not None and name in self._modules:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} as child module "
                                f"{name!r} of {type(self).__name__} (Module or None expected)")
            self._modules[name] = None
        elif self.__dict__.get("_buffers") is not None and name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign {type(value).__name__} as buffer {name!r} of "
                                f"{type(self).__name__} (Tensor or None expected)")
            self._buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    @staticmethod
    def _remove_from(name, *dicts):
        for d in dicts:
            d.pop(name, None)

    def __getattr__(self, name):
        # Only called when normal lookup fails: look in the registries.
        d = self.__dict__
        for reg in ("_parameters", "_buffers", "_modules"):
            if reg in d and name in d[reg]:
                return d[reg][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        for reg in (self._parameters, self._buffers, self._modules):
            if name in reg:
                del reg[name]
                self._non_persistent.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers)
                      | set(self._modules))

    def _check_name(self, name, kind):
        self._check_init(kind)
        if not isinstance(name, str):
            raise TypeError(f"{kind} name must be a string, got {type(name).__name__}")
        if "." in name or name == "":
            raise KeyError(f"{kind} name {name!r} must be non-empty and contain no '.'")

    def register_parameter(self, name, param):
        """Add a parameter to the module under `name`.

        Parameters
        ----------
        name : str
            The attribute name; non-empty, without ``'.'``.
        param : Parameter or None
            The parameter, or None for an absent one (such as a layer's bias with
            ``bias=False``): it is then skipped by ``parameters()`` and ``state_dict()``.

        Raises
        ------
        TypeError
            `name` is not a string, or `param` is neither an ``nn.Parameter`` nor None.
        KeyError
            `name` is empty or contains ``'.'``, or an attribute, buffer or submodule of
            that name already exists.
        AttributeError
            ``Module.__init__()`` has not been called yet.
        """
        self._check_name(name, "parameter")
        if name in self.__dict__ or name in self._buffers or name in self._modules:
            raise KeyError(f"attribute {name!r} already exists on {type(self).__name__}")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot register {type(param).__name__} as parameter {name!r} "
                            f"(nn.Parameter or None expected)")
        self._parameters[name] = param

    def register_buffer(self, name, tensor, persistent=True):
        """Add a buffer: state saved in ``state_dict`` (unless ``persistent=False``) but not
        learned, such as BatchNorm's running statistics.

        Parameters
        ----------
        name : str
            The attribute name; non-empty, without ``'.'``.
        tensor : Tensor or None
            The buffer's value (None for an absent buffer, skipped by ``buffers()`` and
            ``state_dict()``).
        persistent : bool, optional
            Save the buffer in ``state_dict()``. Default True.

        Raises
        ------
        TypeError
            `name` is not a string, or `tensor` is neither a Tensor nor None.
        KeyError
            `name` is empty or contains ``'.'``, or an attribute, parameter or submodule of
            that name already exists.
        AttributeError
            ``Module.__init__()`` has not been called yet.
        """
        self._check_name(name, "buffer")
        if name in self.__dict__ or name in self._parameters or name in self._modules:
            raise KeyError(f"attribute {name!r} already exists on {type(self).__name__}")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot register {type(tensor).__name__} as buffer {name!r} "
                            f"(Tensor or None expected)")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent.discard(name)
        else:
            self._non_persistent.add(name)

    def add_module(self, name, module):
        """Add a child module under `name` (as attribute assignment does).

        ``register_module`` is the same method.

        Parameters
        ----------
        name : str
            The attribute name; non-empty, without ``'.'``.
        module : Module or None
            The child (None keeps the name as an absent child).

        Raises
        ------
        TypeError
            `name` is not a string, or `module` is neither a Module nor None.
        KeyError
            `name` is empty or contains ``'.'``, or another attribute of that name exists.
        AttributeError
            ``Module.__init__()`` has not been called yet.
        """
        self._check_name(name, "module")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        if name in self.__dict__ and name not in self._modules:
            raise KeyError(f"attribute {name!r} already exists on {type(self).__name__}")
        self._modules[name] = module

    register_module = add_module

    def get_submodule(self, target):
        """Return the submodule at a dotted path.

        Parameters
        ----------
        target : str
            The path, such as ``'encoder.0'``; ``''`` is the module itself.

        Returns
        -------
        Module
            The submodule.

        Raises
        ------
        AttributeError
            A step of the path is not a submodule; the message names the missing step.
        """
        mod = self
        for item in target.split(".") if target else []:
            if item not in mod._modules:
                raise AttributeError(f"{type(mod).__name__} has no submodule {item!r}")
            mod = mod._modules[item]
        return mod

    def _owner_and_name(self, target):
        module_path, _, name = target.rpartition(".")
        return self.get_submodule(module_path), name

    def get_parameter(self, target):
        """Return the parameter at a dotted path.

        Parameters
        ----------
        target : str
            The path, such as ``'encoder.0.weight'``.

        Returns
        -------
        Parameter
            The parameter.

        Raises
        ------
        AttributeError
            There is no such submodule or parameter (or the parameter is None).
        """
        mod, name = self._owner_and_name(target)
        if name not in mod._parameters or mod._parameters[name] is None:
            raise AttributeError(f"{type(mod).__name__} has no parameter `{name}`")
        return mod._parameters[name]

    def get_buffer(self, target):
        """Return the buffer at a dotted path.

        Parameters
        ----------
        target : str
            The path, such as ``'bn.running_mean'``.

        Returns
        -------
        Tensor
            The buffer.

        Raises
        ------
        AttributeError
            There is no such submodule or buffer (or the buffer is None).
        """
        mod, name = self._owner_and_name(target)
        if name not in mod._buffers or mod._buffers[name] is None:
            raise AttributeError(f"{type(mod).__name__} has no buffer `{name}`")
        return mod._buffers[name]

    # ----- forward ------------------------------------------------------------------------
    def forward(self, *args, **kwargs):
        """Compute this module's output. Every subclass defines it.

        Call the module itself (``module(x)``) rather than ``forward``: the call runs the
        registered hooks and names the recorded graph nodes after the module.

        Parameters
        ----------
        *args
            The inputs, as the subclass defines them.
        **kwargs
            Keyword inputs, as the subclass defines them.

        Returns
        -------
        object
            The output, as the subclass defines it (usually a Tensor).

        Raises
        ------
        NotImplementedError
            The subclass did not define ``forward``.
        """
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def _scope_name(self):
        parent = _State.scope
        owner = getattr(parent, "module", None)
        if isinstance(owner, Module):
            for name, child in owner._modules.items():
                if child is self:
                    return name
        return type(self).__name__

    def __call__(self, *args, **kwargs):
        if self._forward_pre_hooks:
            for hid, hook in list(self._forward_pre_hooks.items()):
                if hid in self._hooks_with_kwargs:
                    result = hook(self, args, kwargs)
                    if result is not None:
                        if not (isinstance(result, tuple) and len(result) == 2):
                            raise RuntimeError("forward pre-hook with kwargs must return None "
                                               f"or a tuple (args, kwargs), got {result!r}")
                        args, kwargs = result
                        args = args if isinstance(args, tuple) else (args,)
                else:
                    result = hook(self, args)
                    if result is not None:
                        args = result if isinstance(result, tuple) else (result,)
        with ag.scope(self._scope_name(), self):
            out = self.forward(*args, **kwargs)
        if self._forward_hooks:
            for hid, hook in list(self._forward_hooks.items()):
                if hid in self._hooks_with_kwargs:
                    result = hook(self, args, kwargs, out)
                else:
                    result = hook(self, args, out)
                if result is not None:
                    out = result
        return out

    def _add_hook(self, hooks, hook, prepend, with_kwargs):
        handle = _HookHandle(hooks, self._hooks_with_kwargs)
        hooks[handle.id] = hook
        if prepend:
            hooks.move_to_end(handle.id, last=False)
        if with_kwargs:
            self._hooks_with_kwargs.add(handle.id)
        return handle

    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        """Register a hook that runs before ``forward`` each time the module is called.

        The hook is called as ``hook(module, args)``; a non-None return replaces the
        positional args (a non-tuple is wrapped in a 1-tuple).

        Parameters
        ----------
        hook : callable
            ``hook(module, args)``, or ``hook(module, args, kwargs)`` with
            ``with_kwargs=True``, which returns None or a pair ``(args, kwargs)``.
        prepend : bool, optional
            Run it before the hooks already registered. Default False.
        with_kwargs : bool, optional
            Pass the keyword arguments to the hook too. Default False.

        Returns
        -------
        handle
            An object whose ``remove()`` unregisters the hook (also a context manager that
            removes it on exit).

        Raises
        ------
        RuntimeError
            At call time, a hook registered with ``with_kwargs=True`` returned something other
            than None or a pair ``(args, kwargs)``.
        """
        return self._add_hook(self._forward_pre_hooks, hook, prepend, with_kwargs)

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False):
        """Register a hook that runs after ``forward`` each time the module is called.

        The hook is called as ``hook(module, args, output)``; a non-None return replaces the
        output.

        Parameters
        ----------
        hook : callable
            ``hook(module, args, output)``, or ``hook(module, args, kwargs, output)`` with
            ``with_kwargs=True``.
        prepend : bool, optional
            Run it before the hooks already registered. Default False.
        with_kwargs : bool, optional
            Pass the keyword arguments to the hook too. Default False.

        Returns
        -------
        handle
            An object whose ``remove()`` unregisters the hook (also a context manager that
            removes it on exit).

        Examples
        --------
        >>> from glassgrad import nn
        >>> layer = nn.ReLU()
        >>> handle = layer.register_forward_hook(lambda module, args, output: output * 2)
        >>> layer(gg.tensor([-1.0, 3.0]))
        tensor([0., 6.])
        >>> handle.remove()
        >>> layer(gg.tensor([-1.0, 3.0]))
        tensor([0., 3.])
        """
        return self._add_hook(self._forward_hooks, hook, prepend, with_kwargs)

    # ----- iteration ----------------------------------------------------------------------
    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """Iterate over this module and every descendant, depth first, with their names.

        Parameters
        ----------
        memo : set, optional
            Ids of modules already visited (used by the recursion); None starts afresh.
        prefix : str, optional
            Prepended to every name. Default ``''``.
        remove_duplicate : bool, optional
            Yield a module reachable by several paths only once. Default True.

        Yields
        ------
        name : str
            The qualified name (``''`` for this module, ``'encoder.0'``, ...).
        module : Module
            The module.
        """
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is None:
                continue
            yield from child.named_modules(memo, f"{prefix}.{name}" if prefix else name,
                                           remove_duplicate)

    def modules(self):
        """Iterate over this module and every descendant (depth first, each once).

        Yields
        ------
        Module
            This module first, then its descendants.
        """
        for _, m in self.named_modules():
            yield m

    def named_children(self):
        """Iterate over the direct children with their names, each child once.

        Yields
        ------
        name : str
            The child's attribute name.
        module : Module
            The child.
        """
        seen = set()
        for name, child in self._modules.items():
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self):
        """Iterate over the direct child modules, each once.

        Yields
        ------
        Module
            A child, in definition order.
        """
        for _, m in self.named_children():
            yield m

    def _named_members(self, registry, prefix, recurse, remove_duplicate=True):
        seen = set()
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) \
            if recurse else [(prefix, self)]
        for mod_prefix, mod in modules:
            for name, value in getattr(mod, registry).items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield (f"{mod_prefix}.{name}" if mod_prefix else name), value

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        """Iterate over the parameters with their qualified names.

        Parameters
        ----------
        prefix : str, optional
            Prepended to every name. Default ``''``.
        recurse : bool, optional
            Include the parameters of every descendant module, not just this module's own.
            Default True.
        remove_duplicate : bool, optional
            Yield a parameter shared by several modules only once. Default True.

        Yields
        ------
        name : str
            The qualified name, such as ``'0.weight'``.
        parameter : Parameter
            The parameter.
        """
        yield from self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse=True):
        """Iterate over the parameters, each once even if shared; what an optimizer takes.

        Parameters
        ----------
        recurse : bool, optional
            Include the parameters of every descendant module, not just this module's own.
            Default True.

        Yields
        ------
        Parameter
            Each parameter, in definition order.
        """
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        """Iterate over the buffers (persistent or not) with their qualified names.

        Parameters
        ----------
        prefix : str, optional
            Prepended to every name. Default ``''``.
        recurse : bool, optional
            Include the buffers of every descendant module. Default True.
        remove_duplicate : bool, optional
            Yield a buffer shared by several modules only once. Default True.

        Yields
        ------
        name : str
            The qualified name, such as ``'1.running_mean'``.
        buffer : Tensor
            The buffer.
        """
        yield from self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        """Iterate over every buffer (persistent or not), each once.

        Parameters
        ----------
        recurse : bool, optional
            Include the buffers of every descendant module. Default True.

        Yields
        ------
        Tensor
            Each buffer.
        """
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    # ----- modes and housekeeping -----------------------------------------------------
    def train(self, mode=True):
        """Set training mode (dropout active, batch statistics) here and in every child.

        Parameters
        ----------
        mode : bool, optional
            True for training mode, False for evaluation mode. Default True.

        Returns
        -------
        Module
            self.

        Raises
        ------
        ValueError
            `mode` is not a bool.
        """
        if not isinstance(mode, bool):
            raise ValueError(f"train(mode): mode must be a bool, got {mode!r}")
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self):
        """Set evaluation mode: ``train(False)``.

        Returns
        -------
        Module
            self.
        """
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        """Set ``requires_grad`` on every parameter (freeze the module with False).

        Parameters
        ----------
        requires_grad : bool, optional
            Whether autograd records operations on the parameters. Default True.

        Returns
        -------
        Module
            self.
        """
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        """Reset every parameter's gradient (to None by default, as PyTorch does).

        Parameters
        ----------
        set_to_none : bool, optional
            Set the gradients to None; with False, fill them with zeros. Default True.
        """
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                p.grad = ag.zeros_like(p.grad)

    def apply(self, fn):
        """Call ``fn(module)`` on every child (recursively) and then on self.

        Typical use: initialize weights, ``model.apply(init_fn)``.

        Parameters
        ----------
        fn : callable
            Called with each module; its return value is ignored.

        Returns
        -------
        Module
            self.
        """
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def to(self, *args, dtype=None, device=None, non_blocking=False, **kwargs):
        """Move and/or cast the parameters and buffers, in place.

        Accepts PyTorch's forms: ``to(dtype)``, ``to(device)``, ``to(device, dtype)``,
        ``to(tensor)`` (its dtype) and the keywords ``device=``, ``dtype=``,
        ``non_blocking=``. A dtype must be floating: floating parameters, buffers and their
        grads are converted, integer buffers such as ``num_batches_tracked`` keep their
        dtype (as in PyTorch).

        Parameters
        ----------
        *args
            A dtype, a device, a device and a dtype, or a Tensor whose dtype is taken.
        dtype : glassgrad dtype, optional
            The floating dtype to cast to. Default None (keep).
        device : str or device, optional
            Only the CPU: ``'cpu'`` (or ``glassgrad.device('cpu')``). Default None.
        non_blocking : bool, optional
            Accepted for compatibility; has no effect. Default False.
        **kwargs
            ``copy`` and ``memory_format`` are accepted and ignored.

        Returns
        -------
        Module
            self.

        Raises
        ------
        RuntimeError
            A device other than the CPU.
        TypeError
            A non-floating dtype, or an unexpected keyword argument.

        Notes
        -----
        The only device is the CPU: ``'cpu'`` is accepted and changes nothing, where PyTorch
        would move the tensors to another device.
        """
        from glassgrad.autograd.tensor_api import parse_to_args
        for key in ("copy", "memory_format"):
            kwargs.pop(key, None)
        if kwargs:
            raise TypeError(f"Module.to: unexpected keyword argument(s) {sorted(kwargs)}")
        dtype = parse_to_args(args, dtype, device, "Module.to")
        if dtype is None:
            return self
        if dtype.kind != "f":
            raise TypeError(f"Module.to: only floating dtypes are allowed, got {dtype}")
        return self._cast_floating(dtype)

    def _cast_floating(self, dtype):
        for t in list(self.parameters()) + list(self.buffers()):
            if t._data.dtype.kind == "f" and t._data.dtype != dtype:
                t._data = t._data.astype(dtype)
                t._vbox[0] += 1
                if t.grad is not None:
                    t.grad = ag.tensor(t.grad._data.astype(dtype))
        return self

    def float(self):
        """Cast floating parameters and buffers to float32 (integer buffers keep their dtype).

        Returns
        -------
        Module
            self.
        """
        return self.to(ag.float32)

    def double(self):
        """Cast floating parameters and buffers to float64 (integer buffers keep their dtype).

        Returns
        -------
        Module
            self.
        """
        return self.to(ag.float64)

    def half(self):
        """Cast floating parameters and buffers to float16 (integer buffers keep their dtype).

        Returns
        -------
        Module
            self.
        """
        return self.to(ag.float16)

    def type(self, dst_type):
        """Cast every parameter and buffer (integer ones too, as PyTorch does) to a dtype.

        Parameters
        ----------
        dst_type : glassgrad dtype or numpy dtype
            The dtype (anything ``numpy.dtype`` accepts, such as ``glassgrad.float64``).

        Returns
        -------
        Module
            self.
        """
        dtype = np.dtype(dst_type)
        for t in list(self.parameters()) + list(self.buffers()):
            if t._data.dtype != dtype:
                t._data = t._data.astype(dtype)
                t._vbox[0] += 1
                if t.grad is not None:
                    t.grad = ag.tensor(t.grad._data.astype(dtype))
        return self

    def cpu(self):
        """Move the module to the CPU: everything already lives there, so nothing changes.

        Returns
        -------
        Module
            self.
        """
        return self

    def cuda(self, device=None):
        """Move the module to a GPU: always raises, glassgrad has no GPU backend.

        Parameters
        ----------
        device : int or str, optional
            The GPU. Default None.

        Returns
        -------
        Module
            Never returns.

        Raises
        ------
        RuntimeError
            Always.

        Notes
        -----
        PyTorch moves the module to a GPU.
        """
        return self.to("cuda" if device is None else device)

    # ----- state dict ---------------------------------------------------------------------
    def _state_items(self, prefix=""):
        """(key, tensor) for every parameter and persistent buffer, PyTorch's order: each
        module's parameters, then its buffers, then its children's, recursively."""
        for key, _, _, t in self._state_slots(prefix):
            yield key, t

    def _state_slots(self, prefix=""):
        """(key, owning module, attribute name, tensor) in _state_items' order."""
        for name, p in self._parameters.items():
            if p is not None:
                yield prefix + name, self, name, p
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent:
                yield prefix + name, self, name, b
        for name, child in self._modules.items():
            if child is not None:
                yield from child._state_slots(prefix + name + ".")

    def state_dict(self, destination=None, prefix="", keep_vars=False):
        """Return the module's state: parameters and persistent buffers by qualified name.

        The keys and their order are PyTorch's for the same architecture (each module's
        parameters, then its buffers, then its children's, recursively), so a state dict
        converts to and from PyTorch key for key.

        Parameters
        ----------
        destination : dict, optional
            Fill this mapping instead of a new OrderedDict.
        prefix : str, optional
            Prepended to every key. Default ``''``.
        keep_vars : bool, optional
            Store the parameters themselves instead of detached tensors. Default False.

        Returns
        -------
        OrderedDict of str to Tensor
            Detached tensors that share memory with the module (so save or copy them if the
            module will keep training).

        Examples
        --------
        >>> from glassgrad import nn
        >>> model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
        >>> for key, value in model.state_dict().items():
        ...     print(key, tuple(value.shape))
        0.weight (3, 2)
        0.bias (3,)
        1.weight (3,)
        1.bias (3,)
        1.running_mean (3,)
        1.running_var (3,)
        1.num_batches_tracked ()
        >>> copy = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
        >>> copy.load_state_dict(model.state_dict())
        <All keys matched successfully>
        """
        out = OrderedDict() if destination is None else destination
        for key, t in self._state_items(prefix):
            out[key] = t if keep_vars else t.detach()
        return out

    def load_state_dict(self, state_dict, strict=True, assign=False):
        """Copy values from `state_dict` into this module's parameters and buffers.

        Everything is validated first: on a shape mismatch, or (with ``strict=True``) a
        missing or unexpected key, it raises and changes nothing.

        Parameters
        ----------
        state_dict : mapping of str to Tensor or array
            Values by qualified name, as ``state_dict()`` returns them: glassgrad Tensors,
            numpy arrays, or anything numpy can read (such as torch tensors on the CPU).
        strict : bool, optional
            Require exactly this module's keys. Default True.
        assign : bool, optional
            Replace the module's tensors by the given ones (a glassgrad Tensor is used as
            is, parameters keep their requires_grad; anything else is converted) instead of
            copying the values into the existing tensors (which keep their dtype).
            Default False.

        Returns
        -------
        IncompatibleKeys
            The named tuple (missing_keys, unexpected_keys); its repr is
            ``<All keys matched successfully>`` when both are empty, as in PyTorch.

        Raises
        ------
        TypeError
            `state_dict` is not a mapping.
        RuntimeError
            A shape or dtype mismatch, or (strict) missing or unexpected keys; the message
            lists them all.
        """
        if not hasattr(state_dict, "items"):
            raise TypeError(f"load_state_dict: expected a dict, got {type(state_dict).__name__}")
        slots = {key: (owner, name) for key, owner, name, _ in self._state_slots()}
        own = OrderedDict(self._state_items())
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        errors, pending = [], []
        for key, target in own.items():
            if key not in state_dict:
                continue
            value = state_dict[key]
            arr = value._data if isinstance(value, Tensor) else np.asarray(value)
            if target._data.ndim == 0 and arr.shape == (1,):
                arr = arr.reshape(())   # PyTorch's rule: a 1-element vector fills a 0-d tensor
            if arr.shape != target._data.shape:
                errors.append(f"size mismatch for {key}: copying a param with shape "
                              f"{arr.shape} from checkpoint, the shape in current model is "
                              f"{target._data.shape}.")
                continue
            if arr.dtype.kind not in "fiub":
                errors.append(f"dtype mismatch for {key}: cannot copy {arr.dtype} into "
                              f"{target._data.dtype}.")
                continue
            pending.append((key, target, value if assign and isinstance(value, Tensor)
                            and value._data is arr else arr))
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: "
                              + ", ".join(f'"{k}"' for k in unexpected) + ".")
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: "
                              + ", ".join(f'"{k}"' for k in missing) + ".")
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                               + "\n\t".join(errors))
        for key, target, value in pending:
            if assign:
                self._assign_state(slots[key], target, value)
            else:
                np.copyto(target._data, value, casting="unsafe")
                target._vbox[0] += 1
        return IncompatibleKeys(missing, unexpected)

    @staticmethod
    def _assign_state(slot, target, value):
        owner, name = slot
        if name in owner._parameters:
            if not isinstance(value, Parameter):
                data = value.detach() if isinstance(value, Tensor) else ag.tensor(value)
                value = Parameter(data, requires_grad=target.requires_grad)
            owner._parameters[name] = value
        else:
            owner._buffers[name] = value if isinstance(value, Tensor) else ag.tensor(value)

    def _check_tensor(self, input):
        """Raise TypeError naming this layer if `input` is not a Tensor (a list or an ndarray
        would otherwise fail deep inside with an AttributeError)."""
        if not isinstance(input, ag.Tensor):
            raise TypeError(f"{self._get_name()}({self.extra_repr()}): expected a Tensor as "
                            f"input, got {type(input).__name__}; convert it with "
                            f"glassgrad.tensor(...) first")

    def _input_error(self, expected, input):
        """A ValueError naming this layer, the expected input shape and the one received."""
        got = tuple(input.shape) if hasattr(input, "shape") else type(input).__name__
        return ValueError(f"{self._get_name()}({self.extra_repr()}): expected input "
                          f"{expected}, got {got}")

    # ----- repr ---------------------------------------------------------------------------
    def extra_repr(self):
        """Return the text inside the parentheses of this module's repr (override in layers).

        Returns
        -------
        str
            ``''`` for the base class; layers give their constructor arguments, such as
            ``'in_features=3, out_features=4, bias=True'``.
        """
        return ""

    def _get_name(self):
        return type(self).__name__

    def _child_lines(self):
        return [f"({name}): " + _addindent(repr(m), 2) for name, m in self._modules.items()]

    def __repr__(self):
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = self._child_lines()
        lines = extra_lines + child_lines
        text = self._get_name() + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                text += extra_lines[0]
            else:
                text += "\n  " + "\n  ".join(lines) + "\n"
        return text + ")"
