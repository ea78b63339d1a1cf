"""One seeded generator drives every random draw in glassgrad (init, dropout, rand*, shuffling)."""
import numpy as np

_rng = [np.random.default_rng()]


def manual_seed(seed):
    """Reseed the global generator; the same seed gives the same draws everywhere."""
    _rng[0] = np.random.default_rng(int(seed))
    return _rng[0]


def seed():
    """Reseed from fresh entropy and return the seed used."""
    s = int(np.random.SeedSequence().entropy % (2 ** 63))
    manual_seed(s)
    return s


def get_rng():
    """The global numpy Generator (use it for any random draw that must follow manual_seed)."""
    return _rng[0]


def get_rng_state():
    return _rng[0].bit_generator.state


def set_rng_state(state):
    _rng[0].bit_generator.state = state
