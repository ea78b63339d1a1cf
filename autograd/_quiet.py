"""Run numpy without floating-point warnings, cheaply.

PyTorch returns inf/nan silently (log(0), 1/0, exp(1000)); numpy warns. `np.errstate` costs
more than a small op itself, so where numpy exposes its error-state context variable we set a
prebuilt 'ignore' state directly, and fall back to `np.errstate` otherwise.
"""
import numpy as np

try:
    from numpy._core._ufunc_config import _extobj_contextvar as _cv
    from numpy._core._multiarray_umath import _make_extobj
    _IGNORE = IGNORE = _make_extobj(all="ignore")
    set_errstate = _cv.set
    reset_errstate = _cv.reset

    class quiet:
        __slots__ = ("_token",)

        def __enter__(self):
            self._token = _cv.set(_IGNORE)

        def __exit__(self, *exc):
            _cv.reset(self._token)
            return False

    def call_quietly(fn, *args):
        token = _cv.set(_IGNORE)
        try:
            return fn(*args)
        finally:
            _cv.reset(token)
except (ImportError, AttributeError, TypeError):  # pragma: no cover - other numpy versions
    IGNORE = {"all": "ignore"}

    def set_errstate(state):
        old = np.seterr(**state)
        return old

    def reset_errstate(old):
        np.seterr(**old)

    def quiet():
        return np.errstate(all="ignore")

    def call_quietly(fn, *args):
        with np.errstate(all="ignore"):
            return fn(*args)
