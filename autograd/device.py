"""`device`: where a tensor lives. glassgrad computes with numpy, on the CPU only.

`gg.device('cpu')` exists so that PyTorch code which names devices (`x.to(device)`,
`torch.zeros(3, device=dev)`, `x.device`) runs unchanged; any other device is refused with an
error naming it.
"""

_DEVICE_TYPES = ("cpu", "cuda", "mps", "xpu", "meta", "hip", "xla", "ipu", "hpu", "mtia",
                 "vulkan", "lazy", "privateuseone")


class device:
    """A device description, as `torch.device`: `device('cpu')`, `device('cuda:0')`,
    `device('cuda', 1)`.

    Parameters
    ----------
    type : str or device
        A device type ('cpu', 'cuda', 'mps', ...), optionally followed by ':index'.
    index : int, optional
        The device ordinal.

    Raises
    ------
    RuntimeError
        For a string that names no device type (as PyTorch).

    Notes
    -----
    ``d.type`` is the device type (a str) and ``d.index`` the ordinal (an int or None).
    Only 'cpu' can hold tensors; naming another device is allowed, but using it to create or
    move a tensor raises. Unlike PyTorch, a device compares equal to its string form
    (`device('cpu') == 'cpu'` is True), so code that tests `x.device == 'cpu'` works.
    """
    __slots__ = ("type", "index")

    def __init__(self, type, index=None):
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        if not isinstance(type, str):
            raise TypeError(f"device(): expected a string such as 'cpu', got {type!r}")
        name, sep, ordinal = type.partition(":")
        if name not in _DEVICE_TYPES:
            raise RuntimeError(f"device(): expected one of {', '.join(_DEVICE_TYPES)} device "
                               f"type at start of device string: {type}")
        if sep:
            if index is not None or not ordinal.isdigit():
                raise RuntimeError(f"device(): invalid device string {type!r}")
            index = int(ordinal)
        if index is not None and (not isinstance(index, int) or index < 0):
            raise RuntimeError(f"device(): device index must be a non-negative int, got {index!r}")
        object.__setattr__(self, "type", name)
        object.__setattr__(self, "index", index)

    def __setattr__(self, name, value):
        raise AttributeError("device objects are immutable")

    def __repr__(self):
        if self.index is None:
            return f"device(type={self.type!r})"
        return f"device(type={self.type!r}, index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        if isinstance(other, str):
            try:
                other = device(other)
            except (RuntimeError, TypeError):
                return False
        if not isinstance(other, device):
            return NotImplemented
        return self.type == other.type and self.index == other.index

    def __hash__(self):
        return hash((self.type, self.index))

    def __reduce__(self):
        return device, (self.type, self.index)


CPU = device("cpu")


def check_device(dev, op):
    """Raise unless `dev` (None, a string, or a device) is the CPU. Returns the CPU device."""
    if dev is None or dev is CPU:
        return CPU
    if isinstance(dev, int) and not isinstance(dev, bool):
        dev = device("cuda", dev)   # PyTorch reads a bare int as a CUDA ordinal
    if not isinstance(dev, (str, device)) and isinstance(getattr(dev, "type", None), str):
        dev = str(dev)          # another library's device object, e.g. torch.device("cpu")
    d = device(dev) if isinstance(dev, (str, device)) else None
    if d is None:
        raise TypeError(f"{op}: device must be a string or a glassgrad.device, got {dev!r}")
    if d.type != "cpu":
        raise RuntimeError(f"{op}: device {str(d)!r} is not available: glassgrad computes with "
                           f"numpy on the CPU only (use device='cpu')")
    return CPU
