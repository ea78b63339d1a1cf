"""Engine switches: grad mode, anomaly detection, and the module scope of new nodes.

Grad mode, the module scope and keep_values belong to the thread that sets them (as grad mode
does in PyTorch): a `no_grad` block or a backward pass in one thread does not change what
another thread records. Anomaly detection is process-wide, as in PyTorch.
"""
import functools
import threading


class _ThreadState(threading.local):
    """Per-thread engine state, read on every op. `__init__` runs once in each thread that
    touches it, giving that thread the defaults (set on the instance: a faster lookup than
    class-level defaults)."""

    def __init__(self):
        self.grad_enabled = True
        self.scope = None           # the innermost module scope active while recording
        self.keep_values = False    # nodes keep their forward value and backward gradient
        self.in_backward = False    # a backward walk of this thread runs rules (anomaly
                                    # checks skip them)
        self.inference = False      # inside inference_mode()


_State = _ThreadState()


class _Process:
    """Process-wide engine state."""
    anomaly = False
    # how many keep_values blocks are open in any thread: while none is, ops skip reading
    # the thread's keep_values flag
    keep_values_blocks = 0
    lock = threading.Lock()


class _GradSwitch:
    """Base of no_grad / enable_grad: a context manager that is also a decorator."""
    _mode = True

    def __enter__(self):
        self._prev = _State.grad_enabled
        _State.grad_enabled = self._mode
        return self

    def __exit__(self, *exc):
        _State.grad_enabled = self._prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)
        return wrapper


class no_grad(_GradSwitch):
    """Context manager / decorator: ops inside record no graph (outputs do not require grad)."""
    _mode = False


class enable_grad(_GradSwitch):
    """Context manager / decorator: turn graph recording back on inside a no_grad block."""
    _mode = True


class set_grad_enabled(_GradSwitch):
    """`set_grad_enabled(False)` works like no_grad, `set_grad_enabled(True)` like enable_grad.
    Calling it as a plain function sets the mode immediately, as in PyTorch."""

    def __init__(self, mode):
        self._mode = bool(mode)
        self._prev = _State.grad_enabled
        _State.grad_enabled = self._mode

    def __enter__(self):
        return self

    def __call__(self, fn):
        mode = self._mode
        _State.grad_enabled = self._prev

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)
        return wrapper


def is_grad_enabled():
    return _State.grad_enabled


class detect_anomaly:
    """Context manager / decorator: the first op whose forward value or gradient contains NaN
    or inf raises a RuntimeError naming that op (costs a finiteness check per op)."""

    def __init__(self, check_nan=True):
        self.check_nan = check_nan

    def __enter__(self):
        self._prev = _Process.anomaly
        _Process.anomaly = self.check_nan
        return self

    def __exit__(self, *exc):
        _Process.anomaly = self._prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with detect_anomaly(self.check_nan):
                return fn(*args, **kwargs)
        return wrapper


def is_anomaly_enabled():
    return _Process.anomaly


class scope:
    """Label the nodes recorded inside this block with `name` (nested scopes nest).

    `nn.Module.__call__` opens one per module so that graph drawings can cluster the ops of a
    module; anyone can open one by hand. A scope is a (name, parent) pair, shared by all nodes
    recorded inside it."""
    __slots__ = ("name", "parent", "module")

    def __init__(self, name, module=None):
        self.name = name
        self.module = module
        self.parent = None

    def __enter__(self):
        self.parent = _State.scope
        _State.scope = self
        return self

    def __exit__(self, *exc):
        _State.scope = self.parent
        return False

    def path(self):
        """Names from the outermost scope to this one."""
        names, s = [], self
        while s is not None:
            names.append(s.name)
            s = s.parent
        return names[::-1]


class keep_values:
    """Context manager / decorator: every node recorded inside keeps its forward value
    (`node.value`, an ndarray) and, after a backward pass run inside, its gradient
    (`node.grad`, a Tensor), for drawing and stepping through the graph. Off by default,
    since it keeps every intermediate array alive as long as the graph."""

    def __enter__(self):
        self._prev = _State.keep_values
        _State.keep_values = True
        with _Process.lock:
            _Process.keep_values_blocks += 1
        return self

    def __exit__(self, *exc):
        _State.keep_values = self._prev
        with _Process.lock:
            _Process.keep_values_blocks -= 1
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with keep_values():
                return fn(*args, **kwargs)
        return wrapper


# ----- inference mode --------------------------------------------------------------------------


class inference_mode(_GradSwitch):
    """Context manager / decorator for code that needs no gradients, as `torch.inference_mode`:
    inside it no graph is recorded (like `no_grad`). `inference_mode(False)` leaves the grad
    mode as it is.

    Parameters
    ----------
    mode : bool, default True

    Notes
    -----
    Differs from PyTorch: tensors made inside are ordinary tensors (PyTorch marks them as
    "inference tensors" that can never be used in a recorded graph); here the mode only
    switches graph recording off, as `no_grad` does.
    """

    def __new__(cls, mode=True):
        if callable(mode):      # used bare as a decorator: @inference_mode
            return cls()(mode)
        return super().__new__(cls)

    def __init__(self, mode=True):
        self.mode = bool(mode)

    def __enter__(self):
        self._prev = (_State.grad_enabled, _State.inference)
        if self.mode:
            _State.grad_enabled = False
            _State.inference = True
        return self

    def __exit__(self, *exc):
        _State.grad_enabled, _State.inference = self._prev
        return False

    def __call__(self, fn):
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with inference_mode(mode):
                return fn(*args, **kwargs)
        return wrapper



def is_inference_mode_enabled():
    """True inside an active `inference_mode()` block."""
    return _State.inference
