"""Which numpy Generator a sampler draws from."""
import numpy as np

from glassgrad.autograd.random import get_rng


def numpy_generator(generator, owner):
    """The numpy Generator behind `generator`, looked up at each draw.

    Parameters
    ----------
    generator : None, numpy.random.Generator, or an object with a ``_rng`` attribute
        ``None`` means glassgrad's global generator (``glassgrad.autograd.random.get_rng()``,
        reseeded by ``glassgrad.manual_seed``); an object with a numpy Generator in ``_rng``
        (a ``glassgrad.Generator``) means that Generator.
    owner : str
        The name of the caller, for the error message.

    Raises
    ------
    TypeError
        If `generator` is none of the above.
    """
    if generator is None:
        return get_rng()
    if isinstance(generator, np.random.Generator):
        return generator
    rng = getattr(generator, "_rng", None)
    if isinstance(rng, np.random.Generator):
        return rng
    raise TypeError(f"{owner}: generator must be a glassgrad.Generator, a "
                    f"numpy.random.Generator or None, got {type(generator).__name__}")


def check_generator(generator, owner):
    """Raise TypeError now (at construction) if `generator` is not usable."""
    if generator is not None:
        numpy_generator(generator, owner)
