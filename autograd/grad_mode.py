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
    """Context manager and decorator that turns off graph recording, as ``torch.no_grad``.

    Inside the block (or the decorated function) operations record no graph: their results
    do not require grad, even when their inputs do. Use it for evaluation and for updating
    parameters in place. The mode belongs to the current thread; the previous mode is
    restored on exit. :class:`enable_grad` turns recording back on inside.

    Examples
    --------
    >>> w = gg.tensor([1.0, 2.0], requires_grad=True)
    >>> with gg.no_grad():
    ...     y = w * 2
    >>> y.requires_grad
    False
    >>> @gg.no_grad()
    ... def evaluate(x):
    ...     return (w * x).sum()
    >>> evaluate(gg.tensor([3.0, 4.0]))
    tensor(11.)
    """
    _mode = False


class enable_grad(_GradSwitch):
    """Context manager and decorator that turns graph recording back on inside a
    :class:`no_grad` block (as ``torch.enable_grad``)."""
    _mode = True


class set_grad_enabled(_GradSwitch):
    """Turn graph recording on or off: ``set_grad_enabled(False)`` works like
    :class:`no_grad`, ``set_grad_enabled(True)`` like :class:`enable_grad`.

    Usable as a context manager, a decorator, or a plain call that sets the mode of the
    current thread immediately (as in PyTorch).

    Parameters
    ----------
    mode : bool
        True to record operations, False not to.
    """

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
    """Return True if operations are currently recorded for autograd in this thread.

    False inside :class:`no_grad`, :class:`inference_mode` and ``set_grad_enabled(False)``.

    Returns
    -------
    bool
        Whether grad mode is on.
    """
    return _State.grad_enabled


class detect_anomaly:
    """Context manager and decorator that finds the op where NaN or inf first appears.

    Inside it, the first op whose forward value or computed gradient contains NaN or inf
    raises a ``RuntimeError`` naming that op, so a loss that became NaN can be traced to
    its source. Each op then costs an extra finiteness check. The switch is process-wide,
    as in PyTorch.

    Parameters
    ----------
    check_nan : bool, optional
        Turn the checks on (True, the default) or off inside the block.

    Notes
    -----
    PyTorch's ``detect_anomaly`` checks only the backward pass and also prints the forward
    traceback of the failing op; glassgrad checks the forward values too and names the op
    in the error message.
    """

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
    """Return True inside :class:`~glassgrad.autograd.detect_anomaly` (NaN/inf checks on).

    Returns
    -------
    bool
        Whether anomaly detection is on.
    """
    return _Process.anomaly


class scope:
    """Context manager that labels the graph nodes recorded inside it with ``name``.

    ``nn.Module.__call__`` opens one per module so that graph drawings
    (:mod:`glassgrad.viz`) can group the ops of a module; anyone can open one by hand.
    Scopes nest: a scope is a ``(name, parent)`` pair shared by all nodes recorded inside
    it. glassgrad only (PyTorch has no equivalent).

    Parameters
    ----------
    name : str
        The label.
    module : object, optional
        The module the scope stands for, if any.
    """
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
        """Return the names from the outermost scope to this one.

        Returns
        -------
        list of str
            The labels, outermost first.
        """
        names, s = [], self
        while s is not None:
            names.append(s.name)
            s = s.parent
        return names[::-1]


class keep_values:
    """Context manager and decorator that makes recorded nodes keep their values.

    Every node recorded inside keeps its forward value (``node.value``, an ndarray) and,
    after a backward pass run inside, its gradient (``node.grad``, a Tensor), so that
    :mod:`glassgrad.viz` can draw them and step through the backward pass. Off by default,
    since it keeps every intermediate array alive as long as the graph. Per thread.
    glassgrad only (PyTorch has no equivalent).
    """

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
    """Return True inside an active :class:`inference_mode` block.

    Returns
    -------
    bool
        Whether inference mode is on in this thread.
    """
    return _State.inference
