"""Python's cyclic garbage collector paused while the engine does bookkeeping-heavy work (a
backward walk, a `glassgrad.compile` capture call), counted across threads: the first pause
switches the collector off, the last resume switches it back on if it was on before the first.

Why: that work makes no reference cycles, but it allocates many small objects (nodes of a live
graph, a capture's tapes), so a running collector would traverse them again and again."""
import gc
import threading

_lock = threading.Lock()
_pauses = 0
_was_enabled = False


def pause():
    """Pause the collector (until the matching `resume`)."""
    global _pauses, _was_enabled
    with _lock:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1


def resume():
    """End one `pause`; the last one restores the collector's state from before the first."""
    global _pauses
    with _lock:
        _pauses -= 1
        if _pauses == 0 and _was_enabled:
            gc.enable()


class paused:
    """`with paused():` pauses the collector for the block."""

    def __enter__(self):
        pause()

    def __exit__(self, *exc):
        resume()
        return False
