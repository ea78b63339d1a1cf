"""glassgrad.utils: helpers laid out as in PyTorch (``glassgrad.utils.data``)."""
from . import data

__all__ = ["data"]
