"""numpy-style keyword aliases: PyTorch accepts `axis=` for `dim=` and `keepdims=` for
`keepdim=` on every op that takes a dim."""
import functools
import inspect


def with_dim_aliases(fn):
    """`fn` accepting axis= / keepdims= as aliases of its dim= / keepdim= parameters."""
    @functools.wraps(fn)
    def op(*args, **kwargs):
        if kwargs:
            if "axis" in kwargs:
                if "dim" in kwargs:
                    raise TypeError(f"{fn.__name__}: got both dim and its alias axis")
                kwargs["dim"] = kwargs.pop("axis")
            if "keepdims" in kwargs:
                if "keepdim" in kwargs:
                    raise TypeError(f"{fn.__name__}: got both keepdim and its alias keepdims")
                kwargs["keepdim"] = kwargs.pop("keepdims")
        return fn(*args, **kwargs)
    return op


def alias_module(namespace, names):
    """Rebind every function in `names` of the module dict `namespace` that has a `dim`
    parameter to its aliased form."""
    for name in names:
        fn = namespace[name]
        if "dim" in inspect.signature(fn).parameters:
            namespace[name] = with_dim_aliases(fn)
