"""Random number generators: `Generator` objects and the global default generator.

Every random draw in glassgrad (init, dropout, rand*, shuffling, samplers) comes from a numpy
`np.random.Generator` (PCG64) held by a `Generator`; draws without `generator=` use
`default_generator`, which `manual_seed` reseeds. The streams differ from PyTorch's (another
algorithm): the same seed gives the same draws in glassgrad, not the same numbers as torch.
"""
import numpy as np

from .device import check_device

_MAX_SEED = 2 ** 64
_STATE_BYTES = 16 + 16 + 1 + 4 + 8      # PCG64 state, increment, has_uint32, uinteger, seed


def _check_seed(seed, op):
    if isinstance(seed, (float, np.floating)):
        raise RuntimeError(f"{op} expected an int seed, but got float {seed!r}")
    if not isinstance(seed, (int, np.integer)):
        raise TypeError(f"{op}: seed must be an int, got {seed!r}")
    seed = int(seed)
    if not -2 ** 63 <= seed < _MAX_SEED:
        raise ValueError(f"{op}: seed must be in [-2**63, 2**64), got {seed}")
    return seed % _MAX_SEED     # negative seeds wrap around, as in PyTorch


def _fresh_seed():
    return int(np.random.SeedSequence().entropy % (2 ** 63))


class Generator:
    """A random number generator, as `torch.Generator`: pass it as `generator=` to any random
    function to draw from its own stream instead of the global one.

    Parameters
    ----------
    device : str or device, default 'cpu'
        Only the CPU is available.

    Notes
    -----
    A new generator starts from seed 67280421310721, as PyTorch's do. `get_state()` returns
    a uint8 tensor (like PyTorch's ByteTensor state) that `set_state()` accepts back; states
    are not interchangeable with PyTorch's (different algorithms).

    Examples
    --------
    >>> g = gg.Generator().manual_seed(0)
    >>> gg.rand(3, generator=g)
    tensor([0.637 , 0.2698, 0.041 ])
    """
    default_seed = 67280421310721

    def __init__(self, device="cpu"):
        self._device = check_device(device, "Generator")
        self._seed = self.default_seed
        self._rng = np.random.default_rng(self._seed)

    @property
    def device(self):
        """The device of the generator (always `device('cpu')`)."""
        return self._device

    def manual_seed(self, seed):
        """Reseed this generator.

        Parameters
        ----------
        seed : int
            In ``[-2**63, 2**64)``; negative seeds wrap around modulo 2**64, as in PyTorch.

        Returns
        -------
        Generator
            The generator itself, as in PyTorch, so that ``Generator().manual_seed(0)`` can be
            passed on directly.

        Raises
        ------
        RuntimeError
            If ``seed`` is a float.
        TypeError
            If ``seed`` is not an int.
        ValueError
            If ``seed`` is out of range.

        Notes
        -----
        The numpy generator is reseeded in place: whatever holds it (see :func:`glassgrad.get_rng`)
        follows the new seed. Unlike :func:`glassgrad.manual_seed`, a float seed is refused (as
        ``torch.Generator.manual_seed`` does).
        """
        self._seed = _check_seed(seed, "manual_seed")
        # reseed in place: whoever holds the numpy generator follows the new seed
        self._rng.bit_generator.state = np.random.PCG64(self._seed).state
        return self

    def seed(self):
        """Reseed this generator from fresh operating-system entropy.

        Returns
        -------
        int
            The new seed (non-negative, below 2**63).
        """
        self.manual_seed(_fresh_seed())
        return self._seed

    def initial_seed(self):
        """Return the seed this generator was last seeded with.

        Set by the constructor, :meth:`manual_seed`, :meth:`seed` or :meth:`set_state`.

        Returns
        -------
        int
            The seed.
        """
        return self._seed

    def get_state(self):
        """Return this generator's state, to restore later with :meth:`set_state`.

        Returns
        -------
        Tensor
            A 1-D uint8 tensor of 45 bytes (like PyTorch's ByteTensor state). States are not
            interchangeable with PyTorch's: the algorithms differ.
        """
        from .tensor import _wrap
        st = self._rng.bit_generator.state
        pcg = st["state"]
        raw = (pcg["state"].to_bytes(16, "little") + pcg["inc"].to_bytes(16, "little")
               + bytes([st["has_uint32"]]) + int(st["uinteger"]).to_bytes(4, "little")
               + self._seed.to_bytes(8, "little"))
        return _wrap(np.frombuffer(raw, dtype=np.uint8).copy())

    def set_state(self, new_state):
        """Restore a state returned by :meth:`get_state`.

        Parameters
        ----------
        new_state : Tensor or numpy.ndarray
            A uint8 tensor (or array) from :meth:`get_state`.

        Returns
        -------
        Generator
            The generator itself.

        Raises
        ------
        RuntimeError
            If ``new_state`` is not a 1-D uint8 tensor of the right length.
        """
        arr = np.asarray(getattr(new_state, "_data", new_state))
        if arr.dtype != np.uint8 or arr.shape != (_STATE_BYTES,):
            raise RuntimeError(f"set_state: expected a uint8 tensor of {_STATE_BYTES} bytes from "
                               f"get_state(), got dtype {arr.dtype} and shape {arr.shape}")
        raw = arr.tobytes()
        self._rng.bit_generator.state = {
            "bit_generator": "PCG64",
            "state": {"state": int.from_bytes(raw[0:16], "little"),
                      "inc": int.from_bytes(raw[16:32], "little")},
            "has_uint32": raw[32], "uinteger": int.from_bytes(raw[33:37], "little")}
        self._seed = int.from_bytes(raw[37:45], "little")
        return self

    def __repr__(self):
        return f"<glassgrad.Generator device='cpu' initial_seed={self._seed}>"


default_generator = Generator()
default_generator.manual_seed(_fresh_seed())


def manual_seed(seed):
    """Reseed the global default generator (as ``torch.manual_seed``).

    The same seed then gives the same random numbers everywhere: weight initialization,
    dropout, the random creation functions (``rand``, ``randn``...), samplers and shuffling.

    Parameters
    ----------
    seed : int
        The seed; a float is truncated to an int, as PyTorch does.

    Returns
    -------
    Generator
        ``default_generator``.

    Examples
    --------
    >>> _ = gg.manual_seed(42)
    >>> a = gg.rand(3)
    >>> _ = gg.manual_seed(42)
    >>> gg.equal(a, gg.rand(3))
    True
    """
    if isinstance(seed, (float, np.floating)):
        seed = int(seed)
    return default_generator.manual_seed(seed)


def seed():
    """Reseed the global default generator from fresh operating-system entropy (as ``torch.seed``).

    Returns
    -------
    int
        The seed used (non-negative, below 2**63).
    """
    return default_generator.seed()


def initial_seed():
    """Return the seed the global default generator was last seeded with (as ``torch.initial_seed``).

    Returns
    -------
    int
        The seed.
    """
    return default_generator.initial_seed()


def get_rng_state():
    """Return the state of the global default generator (as ``torch.get_rng_state``).

    Returns
    -------
    Tensor
        A 1-D uint8 tensor, to restore with :func:`set_rng_state`. It is not interchangeable
        with PyTorch's state (the algorithms differ).
    """
    return default_generator.get_state()


def set_rng_state(new_state):
    """Restore the state of the global default generator (as ``torch.set_rng_state``).

    Parameters
    ----------
    new_state : Tensor
        A uint8 tensor returned by :func:`get_rng_state`.

    Raises
    ------
    RuntimeError
        If ``new_state`` is not a 1-D uint8 tensor of the right length.
    """
    default_generator.set_state(new_state)


def get_rng(generator=None):
    """Return the numpy random generator behind ``generator``, or behind the global default generator when None.

    Draw from it for any random number that must follow :func:`glassgrad.manual_seed` and
    ``generator=`` arguments, as glassgrad's own random functions do. PyTorch has no
    counterpart: its generators are not numpy's.

    Parameters
    ----------
    generator : Generator, optional
        A glassgrad generator. Default None (the global default generator).

    Returns
    -------
    numpy.random.Generator
        The generator's numpy generator (PCG64), shared, not a copy: drawing from it advances
        the glassgrad generator.

    Raises
    ------
    TypeError
        If ``generator`` is not a glassgrad Generator.
    """
    if generator is None:
        return default_generator._rng
    if isinstance(generator, Generator):
        return generator._rng
    raise TypeError(f"generator must be a glassgrad.Generator, got {type(generator).__name__}")
