"""Keep freed array memory for reuse instead of handing it back to the OS after each step.

A training step allocates and frees the same large arrays every iteration. glibc's malloc
returns freed memory at the top of its heap to the OS once more than M_TRIM_THRESHOLD bytes
are free there (by default about twice the largest array freed so far), and serves arrays
above M_MMAP_THRESHOLD by fresh mmap calls; either way the next step touches new pages and
takes one page fault per 4 KiB (about 2,200 faults, several ms, per step of a 1024-wide MLP
at batch 1024 when this was written; measured again later, that MLP took none, while a small
CNN took 130-165 per step until its kernels' results came from _workspace.py's pool).
Raising both thresholds once makes such steps reuse their memory. Resident
memory then stays at its high-water mark (up to TRIM_THRESHOLD bytes more) instead of
shrinking between steps; arrays above MMAP_THRESHOLD are still mapped and unmapped.

This changes the allocator of the whole host process, so it is opt-in: call
`glassgrad.autograd.tune_malloc()`, or set the environment variable GLASSGRAD_MALLOC_TUNING=1
before importing glassgrad. Nothing happens outside glibc (macOS, Windows, musl).
"""
import ctypes
import ctypes.util
import os
import sys

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
TRIM_THRESHOLD = 256 << 20
MMAP_THRESHOLD = 32 << 20      # glibc's own ceiling for this setting on 64-bit systems

tuned = False


def tune_if_requested():
    """Tune at import only when GLASSGRAD_MALLOC_TUNING=1 is set."""
    if os.environ.get("GLASSGRAD_MALLOC_TUNING", "0") == "1":
        tune()


def tune():
    """Keep freed memory for reuse: raise glibc's malloc trim threshold to 256 MiB and its
    mmap threshold to 32 MiB, for the whole process (once per process).

    Repeated training steps then reuse their arrays' memory instead of page-faulting fresh
    pages in every step; resident memory stays at its high-water mark. Opt-in, because it
    changes the allocator of the host process (PyTorch has no such switch).

    Returns
    -------
    bool
        True if the thresholds are set (now or by an earlier call); False outside glibc.
    """
    global tuned
    if tuned:
        return tuned
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
        libc.gnu_get_libc_version     # glibc only: musl has mallopt but ignores these
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    tuned = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and \
        bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    return tuned
