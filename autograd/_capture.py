"""The step capture in progress, if any: `compile.py` sets `recorder` while it records a step
(None otherwise). A module with no imports, so that tensor.py can report host reads to it
without importing the engine."""
recorder = None
