"""Per-thread reusable arrays for the convolution and pooling kernels.

Fresh arrays of a few hundred KB are mapped and unmapped by malloc around every training
step, and touching the new pages costs ~1.8 us per 4 KB page on this kind of machine: for a
small CNN that is a few hundred page faults per step, more than its im2col copies cost.
Two kinds of reuse avoid it:

- `Workspace.array(slot, ...)`: a scratch array for a temporary that never leaves its kernel
  (the im2col matrix, a padded copy); the next call asking for the same slot gets the same
  memory.
- `Workspace.lasting(shape, dtype)`: an array for a result that outlives its kernel (a conv's
  output, kept columns, a pooling gradient): one of this thread's earlier results of that
  shape and dtype that nothing references any more (its reference count is the pool's
  alone), else a new one.

Arrays larger than `Workspace.limit` bytes are never kept: their GEMMs or copies dominate and
keeping them would pin a lot of memory.
"""
import math
import sys
import threading

import numpy as np


class Workspace(threading.local):
    """Per-thread scratch (`array`) and result (`lasting`) arrays; see the module docstring.

    Attributes
    ----------
    limit : int
        Arrays above this many bytes are made fresh every call (8 MB).
    max_shapes : int
        How many (shape, dtype) pools `lasting` keeps; the oldest pool is dropped first.
    per_shape : int
        How many arrays one pool keeps (more live at once are made fresh).
    budget : int
        Bytes all of `lasting`'s pools may hold together (64 MB); past it the oldest pools
        are dropped (inputs whose shapes change from call to call, e.g. varying sequence
        lengths, would otherwise pin arrays of every past shape).
    """
    limit = 1 << 23
    max_shapes = 32
    per_shape = 8
    budget = 1 << 26

    def __init__(self):
        self.buffers = {}
        self.views = {}
        self.kept = {}
        self.kept_bytes = 0

    def lasting(self, shape, dtype, zero=False):
        """An array of `shape` (a tuple) and `dtype` (zero-filled if `zero`) for a kernel's
        result: reused from this thread's pool once nothing else references it."""
        key = (shape, dtype)
        pool = self.kept.get(key)
        if pool is None:
            nbytes = math.prod(shape) * dtype.itemsize
            if nbytes > self.limit:
                return np.zeros(shape, dtype) if zero else np.empty(shape, dtype)
            if len(self.kept) >= self.max_shapes:       # shapes of past runs: let them go
                self._drop_oldest()
            pool = self.kept[key] = []
        else:
            buf = _first_unused(pool, _UNUSED)
            if buf is not None:
                if zero:
                    buf.fill(0)
                return buf
        buf = np.zeros(shape, dtype) if zero else np.empty(shape, dtype)
        if len(pool) < self.per_shape:
            pool.append(buf)
            self.kept_bytes += buf.nbytes
            while self.kept_bytes > self.budget and next(iter(self.kept)) != key:
                self._drop_oldest()
        return buf

    def _drop_oldest(self):
        key = next(iter(self.kept))
        pool = self.kept.pop(key)
        self.kept_bytes -= sum(a.nbytes for a in pool)

    def array(self, slot, shape, dtype, zero=False):
        """A scratch array for a temporary of one kernel call (named `slot`, so that two
        temporaries alive at once never share memory): valid until the next call of this
        thread asking for the same slot."""
        last = self.views.get(slot)
        if last is not None and last[0] == shape and last[1] == dtype:
            out = last[2]
        else:
            nbytes = math.prod(shape) * dtype.itemsize
            if nbytes > self.limit:
                return np.zeros(shape, dtype) if zero else np.empty(shape, dtype)
            buf = self.buffers.get(slot)
            if buf is None or buf.nbytes < nbytes:
                buf = self.buffers[slot] = np.empty(nbytes, np.uint8)
            out = buf[:nbytes].view(dtype).reshape(shape)
            self.views[slot] = (shape, dtype, out)
        if zero:
            out.fill(0)
        return out


def _first_unused(pool, unused):
    """The first array of `pool` whose reference count is `unused` (held by the pool alone),
    or None."""
    for buf in pool:
        if _getrefcount(buf) == unused:
            return buf
    return None


_getrefcount = sys.getrefcount
# the count of an array held by its pool alone, as _first_unused sees it: calibrated on a
# fresh one-array pool through the same function (Python versions count the loop's and the
# call's own references differently)
_UNUSED = next(n for n in range(1, 16) if _first_unused([np.empty(0)], n) is not None)

workspace = Workspace()
