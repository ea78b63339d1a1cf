"""The public API, module by module: what the reference documents and what the docstring
test checks. Each object is listed once, under the first module below that exports it
(`glassgrad.relu` and `glassgrad.autograd.relu` are one function)."""
import importlib
import re
import inspect
import os
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


# ----- one docstring style ------------------------------------------------------------------
#
# Docstrings follow the NumPy style (https://numpydoc.readthedocs.io/en/latest/format.html),
# checked with numpydoc's own validator. The checks kept are the ones about content and
# structure; numpydoc's typographic checks (line lengths, full stops, the summary's first
# word) are left out.
STYLE_CHECKS = {
    "GL06": "a section name that the NumPy style does not know",
    "GL07": "sections in the wrong order",
    "GL08": "no docstring",
    "SS01": "no one-line summary",
    "PR01": "a parameter of the signature is not documented",
    "PR02": "a documented parameter is not in the signature",
    "RT01": "it returns a value but has no Returns section",
    "YD01": "it yields values but has no Yields section",
}

# A method that only forwards to a documented function may say so in one line, as PyTorch's
# and numpy's methods do: "See :func:`glassgrad.add`." / "Alias of :meth:`Tensor.add`."
_CROSS_REFERENCE = re.compile(r"^(See|Alias of|Same as|Equivalent to)\s+:(func|meth|class|"
                              r"attr):`[^`]+`")


# PyTorch's layer docstrings describe input and output shapes in a "Shape" section; it is
# the one section allowed beyond NumPy's (Sphinx renders it through napoleon_custom_sections).
EXTRA_SECTIONS = ("Shape",)


def _inherits_its_docstring(cls, method_name):
    """True for a method without a docstring of its own that overrides a documented one
    (Module.forward in a layer): it is checked where it is documented."""
    method = vars(cls)[method_name]
    own = method.fget.__doc__ if isinstance(method, property) else getattr(
        getattr(method, "__func__", method), "__doc__", None)
    if (own or "").strip():
        return False
    return any((inspect.getdoc(getattr(base, method_name, None)) or "").strip()
               for base in cls.__mro__[1:] if method_name in vars(base))


def style_errors(path):
    """[(code, message)] of the NumPy-style checks that the docstring at `path` fails."""
    import warnings

    from numpydoc.validate import validate
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = validate(path)
        except Exception as e:     # numpydoc could not parse the docstring at all
            return [("PARSE", f"numpydoc cannot parse it: {e}")]
    doc = (result.get("docstring") or "").strip()
    if _CROSS_REFERENCE.match(doc):
        return []
    return [(code, message) for code, message in result["errors"] if code in STYLE_CHECKS
            and not (code in ("GL06", "GL07") and any(extra in doc.split("\n")
                                                      for extra in EXTRA_SECTIONS))]


def style_targets():
    """{module name: [import paths of its public functions, classes and methods]}. A method
    that is itself a public function (Tensor.add is glassgrad.add) is checked as the
    function, where its docstring lives."""
    out = {}
    public = public_names()
    functions = {id(getattr(importlib.import_module(m), n)) for m, names in public.items()
                 for n in names}
    for module_name, names in public.items():
        module = importlib.import_module(module_name)
        paths = []
        for name in names:
            value = getattr(module, name)
            paths.append(f"{module_name}.{name}")
            if inspect.isclass(value):
                paths += [f"{module_name}.{name}.{m}" for m, method in public_methods(value)
                          if id(method) not in functions
                          and not _inherits_its_docstring(value, m)]
        out[module_name] = paths
    return out


def resolve(path):
    """The object at an import path such as 'glassgrad.nn.Module.state_dict'."""
    parts = path.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(path)


def source_file(path):
    """The repository-relative file that defines the object at `path` ('?' if unknown)."""
    obj = resolve(path)
    obj = getattr(obj, "fget", obj)
    obj = inspect.unwrap(obj) if callable(obj) else obj
    try:
        src = inspect.getsourcefile(obj)
    except TypeError:
        return "?"
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return os.path.relpath(src, root) if src else "?"
