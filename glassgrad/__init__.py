"""glassgrad: a glass-box deep learning library with PyTorch's API, over numpy.

`import glassgrad as gg` plays the part of `import torch`: tensors, creation functions, every
tensor op as a function, dtypes, grad mode, seeding and checkpoints live here, and the
subpackages follow PyTorch's layout:

=========================  ==========================================================
``glassgrad.autograd``     the engine: backward, grad, functional, gradcheck, ...
``glassgrad.nn``           modules, ``nn.functional``, ``nn.init``, ``nn.utils``
``glassgrad.optim``        optimizers and ``optim.lr_scheduler``
``glassgrad.utils.data``   Dataset, DataLoader, samplers
``glassgrad.viz``          graphs as SVG, a backward pass you can step through
``glassgrad.training``     the training toolkit: checks, monitor, fit, search
=========================  ==========================================================

The subpackages are imported on first use, so ``import glassgrad`` stays light. ::

    import glassgrad as gg
    x = gg.tensor([[1., 2.], [3., 4.]], requires_grad=True)
    (x @ x.T).relu().sum().backward()
    x.grad
"""
import importlib as _importlib

try:
    from glassgrad import autograd
except ImportError as _error:      # pragma: no cover - only without an install
    if "glassgrad.autograd" in str(_error) or "cannot import name 'autograd'" in str(_error):
        raise ImportError(
            "glassgrad's subpackages live in the repository's top-level folders (autograd/, "
            "nn/, ...) and are mapped into the package when it is installed: run "
            "`pip install -e .` in the repository first") from _error
    raise
from glassgrad.autograd import __version__

# The engine's own API stays under glassgrad.autograd, as in torch.autograd.
_ENGINE_ONLY = {"backward", "grad", "Function", "FunctionCtx", "once_differentiable",
                "gradcheck", "gradgradcheck", "GradcheckError", "detect_anomaly"}
_SUBPACKAGES = ("nn", "optim", "utils", "viz", "training", "linalg")

__all__ = [name for name in autograd.__all__ if name not in _ENGINE_ONLY]
globals().update({name: getattr(autograd, name) for name in __all__})
__all__ += ["autograd", *_SUBPACKAGES]


def __getattr__(name):
    if name in _SUBPACKAGES:
        return _importlib.import_module(f"glassgrad.{name}")
    raise AttributeError(f"module 'glassgrad' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_SUBPACKAGES))
