"""Optimizer: parameter groups, per-parameter state, and checkpoints in PyTorch's layout.

Every optimizer in this package follows the same pattern:

- `param_groups` is a list of dicts, each with a `params` list and its own hyperparameters
  (the constructor's keyword arguments fill in whatever a group leaves out);
- `state[p]` is a dict of per-parameter tensors (moment estimates, step counts, ...), created
  the first time `p` gets a gradient;
- `step()` updates, in place and outside the graph, every parameter whose `.grad` is not None.

Updates work on the raw ndarrays (`p._data`, `p.grad._data`) with numpy ufuncs writing into
buffers kept from step to step: after the first step (which creates the state) a step
allocates no arrays, records no graph, and bumps each updated parameter's version counter
once (so a graph that saved the old value refuses to backward, as in PyTorch).
"""
from collections import defaultdict

import numpy as np

from glassgrad.autograd import Tensor, enable_grad, no_grad
from glassgrad.autograd.compile import replayable

from .flat import FlatGroup


_SCALAR_STATE = ("step", "mu_product")     # state entries that are counters, not buffers


class _Required:
    """Marker for a hyperparameter that has no default and must be given."""

    def __repr__(self):
        return "<required parameter>"


required = _Required()


def check_range(name, value, low=0.0, high=None, high_open=False, owner="Optimizer"):
    """Raise ValueError unless low <= value (<= or < high); `name` and `owner` go into the
    message, e.g. "Adam: invalid beta1 = 1.0, expected 0 <= beta1 < 1"."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{owner}: {name} must be a number, got {value!r}") from None
    ok = v >= low and (high is None or (v < high if high_open else v <= high))
    if not ok:
        upper = "" if high is None else f" {'<' if high_open else '<='} {high:g}"
        raise ValueError(f"{owner}: invalid {name} = {value!r}, expected {low:g} <= {name}"
                         f"{upper}")


class Optimizer:
    """Base class of all optimizers.

    Parameters
    ----------
    params : iterable of Tensor or of dict
        The parameters to optimize (leaf floating-point tensors, in a list or a generator
        such as ``model.parameters()``, not a set), or parameter groups: dicts each holding
        ``params`` and any hyperparameters that should differ from `defaults` for that group.
    defaults : dict
        The hyperparameters of every group that does not set them itself.

    Attributes
    ----------
    param_groups : list of dict
        Each group's ``params`` list and hyperparameters (change ``group["lr"]`` to change
        the learning rate, as schedulers do).
    state : dict
        Per parameter, a dict of its optimizer state (moment estimates, step counts, ...),
        created the first time the parameter gets a gradient.

    Raises
    ------
    TypeError
        A single Tensor or a set instead of a list, a non-Tensor, or an integer tensor.
    ValueError
        An empty parameter list or a non-leaf tensor.

    Notes
    -----
    Steps update the parameters in place outside the graph and bump their version counters
    once, so a graph that saved the old value refuses to backward, as in PyTorch.
    Subclasses implement `_check_group(group)` (validate hyperparameters, raise ValueError)
    and `_update_group(group)` (apply the rule to every parameter with a gradient).
    """

    def __init__(self, params, defaults):
        self.defaults = dict(defaults)
        self.state = defaultdict(dict)
        self.param_groups = []
        self._buffers = {}          # per-parameter scratch arrays (not part of the state)
        self._flat_groups = {}      # id(group["params"]) -> FlatGroup, for fused=True groups
        if isinstance(params, Tensor):
            raise TypeError(f"{type(self).__name__}: params should be an iterable of Tensors or "
                            f"dicts, got a single Tensor of shape {params.shape}; wrap it in a "
                            f"list")
        if isinstance(params, (set, frozenset)):
            raise TypeError(f"{type(self).__name__}: params must be an ordered collection "
                            f"(the order of a set changes between runs); use a list")
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(k for k in group if k != "params"):
                lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)

    # ----- groups ---------------------------------------------------------------------------
    def add_param_group(self, param_group):
        """Add a group of parameters with its own hyperparameters.

        Useful e.g. to start training a layer that was frozen so far, with its own learning rate.
        Hyperparameters the group leaves out are taken from the constructor's defaults.

        Parameters
        ----------
        param_group : dict
            ``{'params': Tensor or list of Tensor, 'lr': ..., ...}``: leaf floating-point
            tensors not already optimized, and any hyperparameters of this group.

        Raises
        ------
        TypeError
            If `param_group` is not a dict, `params` is a set, an entry is not a Tensor, or a
            tensor is not floating point.
        ValueError
            If `params` is missing or empty, holds a non-leaf tensor or the same tensor twice,
            shares a parameter with another group, a required hyperparameter (one without a
            default) is missing, or a hyperparameter is out of range.

        Examples
        --------
        >>> w, b = gg.zeros(2, requires_grad=True), gg.zeros(1, requires_grad=True)
        >>> opt = gg.optim.SGD([w], lr=0.1)
        >>> opt.add_param_group({'params': [b], 'lr': 0.01})
        >>> [group['lr'] for group in opt.param_groups]
        [0.1, 0.01]
        """
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(f"{name}: a parameter group must be a dict, got "
                            f"{type(param_group).__name__}")
        group = dict(param_group)
        params = group.get("params")
        if params is None:
            raise ValueError(f"{name}: a parameter group needs a 'params' entry")
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError(f"{name}: params must be an ordered collection (the order of a set "
                            f"changes between runs); use a list")
        params = list(params)
        if not params:
            raise ValueError(f"{name}: got an empty parameter list")
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(f"{name}: can only optimize Tensors, but parameter {i} of the "
                                f"group is a {type(p).__name__}")
            if p.grad_fn is not None:
                raise ValueError(f"{name}: can't optimize a non-leaf Tensor (parameter {i}, "
                                 f"shape {p.shape}, made by {p.grad_fn.name()}); optimize the "
                                 f"leaf it was computed from, or detach() it")
            if p.dtype.kind != "f":
                raise TypeError(f"{name}: can only optimize floating point tensors, parameter "
                                f"{i} has dtype {p.dtype}")
        if len({id(p) for p in params}) != len(params):
            raise ValueError(f"{name}: a parameter group contains the same parameter twice")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError(f"{name}: some parameters appear in more than one parameter group")
        for key, default in self.defaults.items():
            if default is required and key not in group:
                raise ValueError(f"{name}: parameter group didn't specify a value of required "
                                 f"hyperparameter '{key}'")
            group.setdefault(key, default)
        group["params"] = params
        self._check_group(group)
        self.param_groups.append(group)

    def _check_group(self, group):
        """Validate a group's hyperparameters (subclasses raise ValueError)."""

    # ----- the step -------------------------------------------------------------------------
    @replayable("zero_grad")
    def zero_grad(self, set_to_none=True):
        """Reset the gradient of every parameter of every group.

        Call it before each backward pass: gradients accumulate (add up) otherwise.

        Parameters
        ----------
        set_to_none : bool, default True
            Set ``p.grad`` to None (as in PyTorch; the next backward then allocates a fresh
            gradient) instead of filling it with zeros in place.
        """
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    if g.grad_fn is not None:
                        g = p.grad = g.detach()
                    g._requires_grad = False
                    g._data.fill(0)
                    g._vbox[0] += 1

    @replayable("step")
    def step(self, closure=None):
        """Perform one update of every parameter that has a gradient.

        The update is made in place, without recording a graph; parameters whose ``.grad``
        is None are skipped.

        Parameters
        ----------
        closure : callable, optional
            A function that zeroes the gradients, recomputes the loss, calls backward and
            returns the loss. It runs with grad mode on, before the update (LBFGS requires
            it; the other optimizers accept it).

        Returns
        -------
        Tensor or None
            What `closure` returned, or None without a closure.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                self._update_group(group)
        return loss

    def _update_group(self, group):
        raise NotImplementedError

    def _scratch(self, p, n):
        """n work arrays shaped and typed like parameter p, reused across steps."""
        bufs = self._buffers.get(p)
        data = p._data
        if bufs is None or len(bufs) < n or bufs[0].shape != data.shape \
                or bufs[0].dtype != data.dtype:
            bufs = self._buffers[p] = tuple(np.empty_like(data) for _ in range(n))
        return bufs if len(bufs) == n else bufs[:n]

    def _with_state(self, group, init):
        """(p, state[p]) for every parameter of `group` that has a gradient; state[p] is
        created by `init(p)` (a dict of initial values) on first use."""
        state = self.state
        for p in group["params"]:
            if p.grad is not None:
                st = state.get(p)
                if not st:
                    st = state[p] = init(p)
                yield p, st

    def _one_pass(self, group, names, init):
        """(flat, fresh): the group's FlatGroup, synced so that its parameters, gradients and
        state buffers `names` are views of flat arrays, and whether the state was created
        just now by `init(p)`; or (None, False) when this step must take the per-parameter
        path (fused off, a parameter without gradient, mixed dtypes, or state that exists for
        some parameters only)."""
        if not group.get("fused"):
            return None, False
        params = group["params"]
        state = self.state
        flat = self._flat_groups.get(id(params))
        if flat is not None and flat.in_place(params, state, tuple(names)):
            return flat, False
        for p in params:
            if p.grad is None:
                return None, False
        have = [all(k in state.get(p, ()) for k in names) for p in params]
        fresh = not any(have)
        if not fresh and not all(have):
            return None, False
        flat = self._flat_groups.get(id(params))
        if flat is None:
            flat = self._flat_groups[id(params)] = FlatGroup()
        if fresh:
            if any(state.get(p) for p in params):
                return None, False
            if not flat.sync(params, state, ()):
                return None, False
            for p in params:
                state[p] = init(p)
        return (flat, fresh) if flat.sync(params, state, names) else (None, False)

    def _flat_scratch(self, flat, n):
        """n work arrays shaped and typed like the flat parameter array of `flat`."""
        bufs = self._buffers.get(flat)
        if bufs is None or len(bufs) < n or bufs[0].shape != flat.params.shape \
                or bufs[0].dtype != flat.params.dtype:
            bufs = self._buffers[flat] = tuple(np.empty_like(flat.params) for _ in range(n))
        return bufs[:n]

    # ----- checkpoints ----------------------------------------------------------------------
    def state_dict(self):
        """The optimizer's hyperparameters and state, in PyTorch's layout.

        Parameters are numbered in group order, as PyTorch does, so the dict refers to no
        tensor identity and can be loaded into an optimizer over a fresh copy of the model.

        Returns
        -------
        dict
            ``{'state': {index: {name: Tensor or number}}, 'param_groups': [{..., 'params':
            [index, ...]}]}``. The state tensors are the live ones (save the dict, or copy it,
            before stepping on).
        """
        index = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            ids = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                ids.append(index[id(p)])
            packed["params"] = ids
            groups.append(packed)
        state = {index[id(p)]: dict(st) for p, st in self.state.items()
                 if st and id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore hyperparameters and state from the output of :meth:`state_dict`.

        Also accepts a dict after ``gg.save``/``gg.load``, or a PyTorch optimizer's state dict
        whose tensors were converted to numpy arrays. State tensors are copied and cast to their
        parameter's dtype (step counters to float64 0-d tensors).

        Parameters
        ----------
        state_dict : dict
            ``{'state': ..., 'param_groups': ...}``; its groups must match this optimizer's in
            number and sizes.

        Raises
        ------
        ValueError
            If `state_dict` lacks 'state' or 'param_groups', the groups do not match in number or
            size, a state tensor's shape differs from its parameter's, or a hyperparameter is out
            of range.
        """
        name = type(self).__name__
        try:
            saved_groups = state_dict["param_groups"]
            saved_state = state_dict["state"]
        except (KeyError, TypeError):
            raise ValueError(f"{name}.load_state_dict: expected a dict with 'state' and "
                             f"'param_groups' (the output of state_dict())") from None
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"{name}.load_state_dict: loaded state dict has "
                             f"{len(saved_groups)} parameter groups, this optimizer has "
                             f"{len(self.param_groups)}")
        for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(f"{name}.load_state_dict: parameter group {i} of the loaded "
                                 f"state dict has {len(saved['params'])} parameters, this "
                                 f"optimizer's group {i} has {len(group['params'])}")
        by_index = {}
        for saved, group in zip(saved_groups, self.param_groups):
            for k, p in zip(saved["params"], group["params"]):
                by_index[int(k)] = p
        state = defaultdict(dict)
        for k, values in saved_state.items():
            p = by_index.get(int(k))
            if p is None:
                continue
            state[p] = {key: self._restore(key, v, p) for key, v in values.items()}
        new_groups = []
        for saved, group in zip(saved_groups, self.param_groups):
            new = {k: (tuple(v) if isinstance(v, list) and k != "params" else v)
                   for k, v in saved.items() if k != "params"}
            for key in self.defaults:           # e.g. a state dict from an older version
                new.setdefault(key, group[key])
            new["params"] = group["params"]
            self._check_group(new)
            new_groups.append(new)
        self.state = state
        self.param_groups = new_groups

    @staticmethod
    def _restore(key, value, p):
        """A private copy of one loaded state entry: step counts as float64 scalars, moment
        buffers in the parameter's dtype and shape."""
        if isinstance(value, Tensor):
            arr = value._data
        elif isinstance(value, (np.ndarray, np.generic, int, float)):
            arr = np.asarray(value)
        elif hasattr(value, "detach") and hasattr(value, "numpy"):      # a torch tensor
            arr = value.detach().cpu().numpy()
        else:
            return value
        # Scalars may arrive with shape (1,) (checkpoints from tools that drop 0-d shapes).
        if key in _SCALAR_STATE:
            return Tensor(np.array(arr, dtype=np.float64).reshape(()))
        if arr.shape == (1,) and p._data.shape == ():
            arr = arr.reshape(())
        if arr.shape != p._data.shape:
            raise ValueError(f"load_state_dict: state '{key}' has shape {arr.shape} but its "
                             f"parameter has shape {p._data.shape}")
        return Tensor(np.array(arr, dtype=p._data.dtype))


def zeros_state(p):
    """A state tensor of zeros shaped and typed like parameter p."""
    return Tensor(np.zeros_like(p._data))


def step_state(value=0.0):
    """A 0-d float64 tensor: a step counter (PyTorch keeps it as a 0-d tensor too) or a
    running product such as NAdam's mu_product."""
    return Tensor(np.full((), value, dtype=np.float64))


BLOCK_BYTES = 1 << 18       # per array: an update's half-dozen arrays of this size fit in L2


def in_blocks(update, arrays, *args):
    """update(*arrays, *args) for an `update` that works elementwise on equally shaped arrays
    (None entries pass through), run block by block over large C-contiguous arrays: its
    dozen passes then read each block from cache instead of memory (25-40% faster at 1M
    float32 elements here). The results are the same, bit for bit."""
    first = arrays[0]
    size, block = first.size, BLOCK_BYTES // first.itemsize
    if size < 2 * block or not all(a is None or (a.flags.c_contiguous and a.size == size)
                                   for a in arrays):
        update(*arrays, *args)
        return
    flat = [None if a is None else a.reshape(-1) for a in arrays]
    for lo in range(0, size, block):
        update(*[None if a is None else a[lo:lo + block] for a in flat], *args)


def lerp_(acc, target, weight, tmp):
    """acc <- acc + weight * (target - acc), in place, the way torch.lerp_ rounds (it uses the
    form anchored at `target` when weight >= 0.5). tmp is a work array like acc."""
    np.subtract(target, acc, out=tmp)
    if abs(weight) < 0.5:
        tmp *= weight
        acc += tmp
    else:
        tmp *= 1.0 - weight
        np.subtract(target, tmp, out=acc)


def effective_grad(g, p, weight_decay, maximize, out):
    """The gradient an update rule sees: g (negated when maximizing) plus weight_decay * p
    (L2 regularization folded into the gradient). Returns g itself when nothing changes, else
    `out` holding the result; never writes into g."""
    if weight_decay == 0:
        if not maximize:
            return g
        return np.negative(g, out=out)
    np.multiply(p, weight_decay, out=out)
    if maximize:
        np.subtract(out, g, out=out)
    else:
        np.add(out, g, out=out)
    return out
