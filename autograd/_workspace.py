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
        self.kept = {}
        self.kept_bytes = 0

    def lasting(self, shape, dtype, zero=False):
        """An array of `shape` and `dtype` (zero-filled if `zero`) for a kernel's result:
        reused from this thread's pool once nothing else references it."""
        nbytes = math.prod(shape) * dtype.itemsize
        if nbytes > self.limit:
            return np.zeros(shape, dtype) if zero else np.empty(shape, dtype)
        key = (shape, dtype)
        pool = self.kept.get(key)
        if pool is None:
            if len(self.kept) >= self.max_shapes:       # shapes of past runs: let them go
                self._drop_oldest()
            pool = self.kept[key] = []
        for i in range(len(pool)):
            if _references(pool, i) == _UNUSED:
                buf = pool[i]
                if zero:
                    buf.fill(0)
                return buf
        buf = np.zeros(shape, dtype) if zero else np.empty(shape, dtype)
        if len(pool) < self.per_shape:
            pool.append(buf)
            self.kept_bytes += nbytes
            while self.kept_bytes > self.budget and next(iter(self.kept)) != key:
                self._drop_oldest()
        return buf

    def _drop_oldest(self):
        key = next(iter(self.kept))
        pool = self.kept.pop(key)
        self.kept_bytes -= len(pool) * math.prod(key[0]) * key[1].itemsize

    def array(self, slot, shape, dtype, zero=False):
        """A scratch array for a temporary of one kernel call (named `slot`, so that two
        temporaries alive at once never share memory): valid until the next call of this
        thread asking for the same slot."""
        nbytes = math.prod(shape) * dtype.itemsize
        if nbytes > self.limit:
            return np.zeros(shape, dtype) if zero else np.empty(shape, dtype)
        buf = self.buffers.get(slot)
        if buf is None or buf.nbytes < nbytes:
            buf = self.buffers[slot] = np.empty(nbytes, np.uint8)
        out = buf[:nbytes].view(dtype).reshape(shape)
        if zero:
            out.fill(0)
        return out


def _references(pool, i):
    return sys.getrefcount(pool[i])


# the count of an array referenced by its pool's list alone (the same call on a fresh list:
# Python versions count the call's own temporary references differently)
_UNUSED = _references([np.empty(0)], 0)

workspace = Workspace()
