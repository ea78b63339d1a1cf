"""The search space: how each hyperparameter is sampled, and how a range is narrowed.

    space = {"lr": LogUniform(1e-5, 1e-1), "reg": LogUniform(1e-6, 1e-1),
             "hidden": Choice([32, 64, 128]), "epochs": 5}      # a plain value stays fixed

Each distribution also knows its Optuna counterpart (`to_optuna`) and a JSON form, so that a
study on a shared storage records the space and workers on other machines can rebuild it.
"""
import json
import math

_PRIMITIVE = (type(None), bool, int, float, str)


class LogUniform:
    """Values whose logarithm is uniform in [log low, log high] (0 < low < high).

    The usual choice for a learning rate or a regularization strength: each factor of 10
    between `low` and `high` is sampled equally often, so 1e-5..1e-4 gets as many trials as
    1e-2..1e-1.

    Parameters
    ----------
    low, high : float
        The range's ends, ``0 < low < high``.

    Raises
    ------
    ValueError
        If not ``0 < low < high``.

    See Also
    --------
    Uniform, IntUniform, Choice

    Notes
    -----
    Optuna's counterpart is ``FloatDistribution(low, high, log=True)``.
    """
    log = True

    def __init__(self, low, high):
        if not (0 < low < high):
            raise ValueError(f"LogUniform needs 0 < low < high, got low={low}, high={high}")
        self.low, self.high = float(low), float(high)

    def sample(self, rng):
        """Draw one value.

        Parameters
        ----------
        rng : numpy.random.Generator
            The random number generator to draw from.

        Returns
        -------
        float
            A value in [low, high] whose logarithm is uniform.
        """
        return float(math.exp(rng.uniform(math.log(self.low), math.log(self.high))))

    def position(self, value):
        """Where `value` sits in the range, on the sampling (log) scale.

        Parameters
        ----------
        value : float
            A positive value.

        Returns
        -------
        float
            0 at `low`, 1 at `high` (outside 0..1 for values outside the range).

        Raises
        ------
        ValueError
            If `value` is not positive (its logarithm is undefined).
        """
        return (math.log(value) - math.log(self.low)) / (math.log(self.high) - math.log(self.low))

    def narrowed(self, values, margin):
        """A narrower range covering `values`, widened on each side by `margin` (a fraction of
        the current range, on the log scale), clipped to the current range.

        Parameters
        ----------
        values : sequence of float
            The values to cover (typically those of the best trials), at least one.
        margin : float
            How much to widen the range on each side, as a fraction of the current range (on the log scale).

        Returns
        -------
        LogUniform
            The narrowed range.
        """
        lo, hi = math.log(min(values)), math.log(max(values))
        pad = margin * (math.log(self.high) - math.log(self.low))
        lo, hi = max(lo - pad, math.log(self.low)), min(hi + pad, math.log(self.high))
        return type(self)(math.exp(lo), math.exp(hi))

    def __repr__(self):
        return f"{type(self).__name__}({self.low:.3g}, {self.high:.3g})"


class Uniform:
    """Values uniform in [low, high].

    Parameters
    ----------
    low, high : float
        The range's ends, ``low < high``.

    Raises
    ------
    ValueError
        If not ``low < high``.

    See Also
    --------
    LogUniform, IntUniform, Choice

    Notes
    -----
    Optuna's counterpart is ``FloatDistribution(low, high)``.
    """
    log = False

    def __init__(self, low, high):
        if not low < high:
            raise ValueError(f"Uniform needs low < high, got low={low}, high={high}")
        self.low, self.high = float(low), float(high)

    def sample(self, rng):
        """Draw one value.

        Parameters
        ----------
        rng : numpy.random.Generator
            The random number generator to draw from.

        Returns
        -------
        float
            A value uniform in [low, high].
        """
        return float(rng.uniform(self.low, self.high))

    def position(self, value):
        """Where `value` sits in the range.

        Parameters
        ----------
        value : float
            The value.

        Returns
        -------
        float
            0 at `low`, 1 at `high`, linear in between (outside 0..1 for values outside the
            range).
        """
        return (value - self.low) / (self.high - self.low)

    def narrowed(self, values, margin):
        """A narrower range covering `values`, widened on each side by `margin` (a fraction of
        the current range), clipped to the current range.

        Parameters
        ----------
        values : sequence of float
            The values to cover (typically those of the best trials), at least one.
        margin : float
            How much to widen the range on each side, as a fraction of the current range.

        Returns
        -------
        Uniform
            The narrowed range (of the same class).

        Raises
        ------
        ValueError
            If the covered range is empty (all `values` equal and `margin` 0).
        """
        pad = margin * (self.high - self.low)
        return type(self)(max(min(values) - pad, self.low), min(max(values) + pad, self.high))

    def __repr__(self):
        return f"{type(self).__name__}({self.low:.3g}, {self.high:.3g})"


class IntUniform(Uniform):
    """Integers uniform in [low, high] (both included); `log=True` samples log-uniformly.

    Parameters
    ----------
    low, high : int
        The range's ends, both included, ``low < high``.
    log : bool, optional
        Sample the logarithm uniformly (each factor of 2 between `low` and `high` as often as
        another; for layer widths or batch sizes); needs ``low >= 1``. Default False.

    Raises
    ------
    ValueError
        If not ``int(low) < int(high)``, or if `log` is True and ``low < 1``.

    See Also
    --------
    LogUniform, Uniform, Choice

    Notes
    -----
    Optuna's counterpart is ``IntDistribution(low, high, log=log)``.
    """

    def __init__(self, low, high, log=False):
        if not (int(low) < int(high)) or (log and low < 1):
            raise ValueError(f"IntUniform needs integers low < high (low >= 1 when log=True), "
                             f"got low={low}, high={high}")
        self.low, self.high, self.log = int(low), int(high), bool(log)

    def sample(self, rng):
        """Draw one integer.

        Parameters
        ----------
        rng : numpy.random.Generator
            The random number generator to draw from.

        Returns
        -------
        int
            An integer in [low, high], uniform (or log-uniform when ``log=True``).
        """
        if self.log:
            v = math.exp(rng.uniform(math.log(self.low), math.log(self.high + 1)))
            return int(min(self.high, math.floor(v)))
        return int(rng.integers(self.low, self.high + 1))

    def position(self, value):
        """Where `value` sits in the range, on the sampling scale.

        Parameters
        ----------
        value : int
            The value (positive when ``log=True``).

        Returns
        -------
        float
            0 at `low`, 1 at `high`, linear in between, or linear in the logarithm when
            ``log=True``.
        """
        if self.log:
            return (math.log(value) - math.log(self.low)) / \
                (math.log(self.high) - math.log(self.low))
        return (value - self.low) / (self.high - self.low)

    def narrowed(self, values, margin):
        """A narrower integer range covering `values`, widened on each side by `margin` (a
        fraction of the current range), clipped to the current range.

        The ends are rounded outwards and the range keeps at least two integers.

        Parameters
        ----------
        values : sequence of int
            The values to cover (typically those of the best trials), at least one.
        margin : float
            How much to widen the range on each side, as a fraction of the current range.

        Returns
        -------
        IntUniform
            The narrowed range, with the same `log` (this range itself when the narrowed
            range would start at its top end).
        """
        span = self.high - self.low
        lo = max(self.low, int(math.floor(min(values) - margin * span)))
        hi = min(self.high, int(math.ceil(max(values) + margin * span)))
        return IntUniform(lo, max(hi, lo + 1), self.log) if lo < self.high else self

    def __repr__(self):
        return f"IntUniform({self.low}, {self.high}{', log=True' if self.log else ''})"


class Choice:
    """One of a fixed list of options, each equally likely.

    Options can be any Python objects (numbers, strings, classes, functions). Optuna's
    categorical parameters hold only None, bool, int, float and str: when an option is of
    another type, Optuna is given the options' positions (0, 1, ...) instead.

    Parameters
    ----------
    options : iterable
        The options, at least one.

    Raises
    ------
    ValueError
        If there is no option.

    See Also
    --------
    LogUniform, Uniform, IntUniform

    Notes
    -----
    Optuna's counterpart is ``CategoricalDistribution(options)``.
    """
    log = False

    def __init__(self, options):
        self.options = list(options)
        if not self.options:
            raise ValueError("Choice needs at least one option")

    def sample(self, rng):
        """Draw one option.

        Parameters
        ----------
        rng : numpy.random.Generator
            The random number generator to draw from.

        Returns
        -------
        object
            One of the options, each equally likely.
        """
        return self.options[int(rng.integers(len(self.options)))]

    def narrowed(self, values, margin):
        """The options that occur in `values` (all options if none does).

        Parameters
        ----------
        values : sequence
            The values to keep (typically those of the best trials).
        margin : float
            Ignored (accepted so that every distribution narrows the same way).

        Returns
        -------
        Choice
            A Choice of the kept options, in their original order.
        """
        kept = [o for o in self.options if o in values]
        return Choice(kept or self.options)

    def index(self, value):
        """Position of `value` among the options (identity first, then equality).

        Parameters
        ----------
        value : object
            One of the options.

        Returns
        -------
        int
            Its position in ``options``.

        Raises
        ------
        ValueError
            If `value` is not one of the options.
        """
        for i, o in enumerate(self.options):
            if o is value:
                return i
        for i, o in enumerate(self.options):
            try:
                if o == value:
                    return i
            except Exception:       # e.g. arrays, whose == is elementwise
                continue
        raise ValueError(f"Choice: {value!r} is not one of {self.options!r}")

    @property
    def by_index(self):
        """True when Optuna sees option positions (0, 1, ...) rather than the options: Optuna's
        categorical parameters hold only None, bool, int, float and str."""
        return not all(type(o) in _PRIMITIVE for o in self.options)

    def __repr__(self):
        return f"Choice({self.options!r})"




def to_optuna(dist, original=None):
    """The Optuna distribution of `dist`; for a narrowed Choice of `original`, the categorical
    over the kept options (positions in `original` when Optuna sees positions)."""
    from optuna.distributions import (CategoricalDistribution, FloatDistribution,
                                      IntDistribution)
    if isinstance(dist, Choice):
        base = original if original is not None else dist
        if base.by_index:
            return CategoricalDistribution([base.index(o) for o in dist.options])
        return CategoricalDistribution(list(dist.options))
    if isinstance(dist, IntUniform):
        return IntDistribution(dist.low, dist.high, log=dist.log)
    return FloatDistribution(dist.low, dist.high, log=dist.log)


def from_optuna_value(dist, value):
    """The hyperparameter value for Optuna's `value` of parameter `dist`."""
    if isinstance(dist, Choice):
        return dist.options[int(value)] if dist.by_index else value
    if isinstance(dist, IntUniform):
        return int(value)
    return float(value)


def is_sampled(value):
    return hasattr(value, "sample")


def _jsonable(value):
    try:
        return json.loads(json.dumps(value)) == value
    except (TypeError, ValueError):
        return False


def space_to_json(space):
    """The space as JSON-able dicts; values JSON cannot hold are kept as their repr and marked
    "opaque" (workers in other processes then cannot rebuild them)."""
    out = {}
    for name, d in space.items():
        if isinstance(d, Choice):
            ok = _jsonable(d.options)
            out[name] = {"kind": "Choice", "options": d.options if ok else
                         [repr(o) for o in d.options], **({} if ok else {"opaque": True})}
        elif isinstance(d, IntUniform):
            out[name] = {"kind": "IntUniform", "low": d.low, "high": d.high, "log": d.log}
        elif isinstance(d, (LogUniform, Uniform)):
            out[name] = {"kind": type(d).__name__, "low": d.low, "high": d.high}
        else:
            ok = _jsonable(d)
            out[name] = {"kind": "fixed", "value": d if ok else repr(d),
                         **({} if ok else {"opaque": True})}
    return out


def space_from_json(data):
    """Rebuild a space from `space_to_json`; raises ValueError naming opaque entries."""
    opaque = [n for n, d in data.items() if d.get("opaque")]
    if opaque:
        raise ValueError(f"the search space holds values that are not JSON ({opaque}): only "
                         f"workers started by random_search(n_jobs=...) in the same process "
                         f"tree can run it; use str/int/float/bool/None values for workers "
                         f"started elsewhere")
    space = {}
    for name, d in data.items():
        kind = d["kind"]
        if kind == "Choice":
            space[name] = Choice(d["options"])
        elif kind == "IntUniform":
            space[name] = IntUniform(d["low"], d["high"], log=d["log"])
        elif kind == "LogUniform":
            space[name] = LogUniform(d["low"], d["high"])
        elif kind == "Uniform":
            space[name] = Uniform(d["low"], d["high"])
        else:
            space[name] = d["value"]
    return space


def ranges_to_json(ranges, space):
    """A stage's (narrowed) ranges as JSON: Choices as option positions in the space."""
    out = {}
    for name, d in ranges.items():
        if isinstance(d, Choice):
            out[name] = {"kind": "Choice", "indices": [space[name].index(o) for o in d.options]}
        else:
            out[name] = space_to_json({name: d})[name]
    return out


def ranges_from_json(data, space):
    out = {}
    for name, d in data.items():
        if d["kind"] == "Choice":
            out[name] = Choice([space[name].options[i] for i in d["indices"]])
        else:
            out[name] = space_from_json({name: d})[name]
    return out
