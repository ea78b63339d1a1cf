"""The public API, module by module: what the reference documents and what the docstring
test checks. Each object is listed once, under the first module below that exports it
(`glassgrad.relu` and `glassgrad.autograd.relu` are one function)."""
import importlib
import inspect
import types

MODULES = [
    ("glassgrad", "Tensors, creation, ops, dtypes, grad mode, random numbers, checkpoints"),
    ("glassgrad.autograd", "The engine: backward, grad, custom ops, gradient checking"),
    ("glassgrad.autograd.functional", "Jacobians, Hessians, vector products"),
    ("glassgrad.linalg", "Linear algebra"),
    ("glassgrad.nn", "Modules: layers, activations, losses, containers"),
    ("glassgrad.nn.functional", "Every layer, activation and loss as a function"),
    ("glassgrad.nn.init", "Weight initialization"),
    ("glassgrad.nn.utils", "Gradient clipping, parameter vectors, max-norm"),
    ("glassgrad.nn.utils.rnn", "Padded and packed sequences"),
    ("glassgrad.optim", "Optimizers"),
    ("glassgrad.optim.lr_scheduler", "Learning-rate schedules"),
    ("glassgrad.optim.swa_utils", "Weight averaging"),
    ("glassgrad.utils.data", "Datasets, samplers and the DataLoader"),
    ("glassgrad.viz", "Graph drawings and the backward stepper"),
    ("glassgrad.training", "The training toolkit"),
    ("glassgrad.training.datasets", "Bundled and generated data sets"),
]


def available_modules():
    """(module object, title) for each module of MODULES that exists in this build."""
    out = []
    for name, title in MODULES:
        try:
            out.append((importlib.import_module(name), title))
        except ImportError:
            continue
    return out


def _documentable(value):
    return (inspect.isclass(value) or inspect.isroutine(value)) and not isinstance(
        value, types.ModuleType)


def public_names():
    """{module name: [public names documented there]}, each object under one module only.
    Only classes and functions: constants such as dtypes are described in the pages."""
    seen = set()
    result = {}
    for module, _ in available_modules():
        names = getattr(module, "__all__", None)
        if names is None:
            names = [n for n in vars(module) if not n.startswith("_")]
        listed = []
        for name in names:
            value = getattr(module, name, None)
            if value is None or not _documentable(value) or id(value) in seen:
                continue
            if not (getattr(value, "__module__", "") or "").startswith("glassgrad"):
                continue        # re-exported from numpy or the standard library
            seen.add(id(value))
            listed.append(name)
        result[module.__name__] = listed
    return result


def public_methods(cls):
    """Public methods and properties that a glassgrad class defines itself (inherited ones
    are checked where they are defined)."""
    out = []
    for name in vars(cls):
        if name.startswith("_"):
            continue
        value = vars(cls)[name]
        if isinstance(value, (staticmethod, classmethod)):
            value = value.__func__
        if inspect.isfunction(value) or isinstance(value, property):
            out.append((name, value))
    return out


def missing_docstrings():
    """'module.name' (or 'module.Class.method') of every public name without a docstring.
    A method that overrides a documented one inherits its docstring (as Sphinx shows it)."""
    missing = []
    for module_name, names in public_names().items():
        module = importlib.import_module(module_name)
        for name in names:
            value = getattr(module, name)
            if not (inspect.getdoc(value) or "").strip():
                missing.append(f"{module_name}.{name}")
            if inspect.isclass(value):
                for method_name, method in public_methods(value):
                    doc = method.__doc__ if isinstance(method, property) else \
                        inspect.getdoc(getattr(value, method_name))
                    if not (doc or "").strip():
                        missing.append(f"{module_name}.{name}.{method_name}")
    return missing
