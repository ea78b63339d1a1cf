"""glassgrad.utils: helpers laid out as in PyTorch (``glassgrad.utils.data``)."""
