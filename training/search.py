"""Random hyperparameter search, staged from coarse to fine (the CS231n recipe).

    space = {"lr": LogUniform(1e-5, 1e-1), "reg": LogUniform(1e-6, 1e-1),
             "hidden": Choice([32, 64, 128])}
    result = random_search(train_and_validate, space, n_trials=[20, 10], seed=0)
    print(result.table())          # trials sorted, best first
    result.best.params

`objective(params)` (or `objective(params, stage)`, e.g. to train longer in later stages)
returns a number to minimise (a validation loss; pass mode="max" for an accuracy). Scales
such as the learning rate and regularization strength act multiplicatively, so sample them
log-uniformly. After each stage the ranges shrink around the best trials; at the end a
SearchWarning flags any best value that sits near the border of its original range, where
a better value may lie beyond it.
"""
import inspect
import math
import warnings
from dataclasses import dataclass, field

import numpy as np

from glassgrad import autograd as ag


class SearchWarning(UserWarning):
    """A search result that needs attention (a best value near a range border)."""


class LogUniform:
    """Values whose logarithm is uniform in [log low, log high] (0 < low < high)."""
    log = True

    def __init__(self, low, high):
        if not (0 < low < high):
            raise ValueError(f"LogUniform needs 0 < low < high, got low={low}, high={high}")
        self.low, self.high = float(low), float(high)

    def sample(self, rng):
        return float(math.exp(rng.uniform(math.log(self.low), math.log(self.high))))

    def position(self, value):
        """Where value sits in the range, 0 (low) .. 1 (high), on the sampling scale."""
        return (math.log(value) - math.log(self.low)) / (math.log(self.high) - math.log(self.low))

    def narrowed(self, values, margin):
        lo, hi = math.log(min(values)), math.log(max(values))
        pad = margin * (math.log(self.high) - math.log(self.low))
        lo, hi = max(lo - pad, math.log(self.low)), min(hi + pad, math.log(self.high))
        return type(self)(math.exp(lo), math.exp(hi))

    def __repr__(self):
        return f"{type(self).__name__}({self.low:.3g}, {self.high:.3g})"


class Uniform:
    """Values uniform in [low, high]."""
    log = False

    def __init__(self, low, high):
        if not low < high:
            raise ValueError(f"Uniform needs low < high, got low={low}, high={high}")
        self.low, self.high = float(low), float(high)

    def sample(self, rng):
        return float(rng.uniform(self.low, self.high))

    def position(self, value):
        return (value - self.low) / (self.high - self.low)

    def narrowed(self, values, margin):
        pad = margin * (self.high - self.low)
        return type(self)(max(min(values) - pad, self.low), min(max(values) + pad, self.high))

    def __repr__(self):
        return f"{type(self).__name__}({self.low:.3g}, {self.high:.3g})"


class IntUniform(Uniform):
    """Integers uniform in [low, high] (both included); `log=True` samples log-uniformly."""

    def __init__(self, low, high, log=False):
        if not (int(low) < int(high)) or (log and low < 1):
            raise ValueError(f"IntUniform needs integers low < high (low >= 1 when log=True), "
                             f"got low={low}, high={high}")
        self.low, self.high, self.log = int(low), int(high), bool(log)

    def sample(self, rng):
        if self.log:
            v = math.exp(rng.uniform(math.log(self.low), math.log(self.high + 1)))
            return int(min(self.high, math.floor(v)))
        return int(rng.integers(self.low, self.high + 1))

    def position(self, value):
        if self.log:
            return (math.log(value) - math.log(self.low)) / \
                (math.log(self.high) - math.log(self.low))
        return (value - self.low) / (self.high - self.low)

    def narrowed(self, values, margin):
        span = self.high - self.low
        lo = max(self.low, int(math.floor(min(values) - margin * span)))
        hi = min(self.high, int(math.ceil(max(values) + margin * span)))
        return IntUniform(lo, max(hi, lo + 1), self.log) if lo < self.high else self

    def __repr__(self):
        return f"IntUniform({self.low}, {self.high}{', log=True' if self.log else ''})"


class Choice:
    """One of a fixed list of options, each equally likely."""
    log = False

    def __init__(self, options):
        self.options = list(options)
        if not self.options:
            raise ValueError("Choice needs at least one option")

    def sample(self, rng):
        return self.options[int(rng.integers(len(self.options)))]

    def narrowed(self, values, margin):
        kept = [o for o in self.options if o in values]
        return Choice(kept or self.options)

    def __repr__(self):
        return f"Choice({self.options!r})"


@dataclass
class Trial:
    """One evaluated configuration."""
    index: int
    stage: int
    params: dict
    score: float


@dataclass
class SearchResult:
    """All trials of a search; `best` is the best trial, `ranges` the ranges of each stage."""
    trials: list
    mode: str
    space: dict
    ranges: list = field(default_factory=list)
    border_warnings: list = field(default_factory=list)

    def sorted(self):
        """Trials best first (NaN scores last)."""
        sign = 1 if self.mode == "min" else -1
        return sorted(self.trials, key=lambda t: (math.isnan(t.score), sign * t.score
                                                  if not math.isnan(t.score) else 0))

    @property
    def best(self):
        return self.sorted()[0]

    def table(self, top=None):
        """The trials as text, sorted best first."""
        names = list(self.space)
        rows = self.sorted()[:top]
        head = ["rank", "trial", "stage", "score"] + names
        body = [[str(r + 1), str(t.index), str(t.stage), f"{t.score:.5g}"]
                + [_fmt(t.params[n]) for n in names] for r, t in enumerate(rows)]
        widths = [max(len(h), *(len(b[i]) for b in body)) if body else len(h)
                  for i, h in enumerate(head)]
        lines = ["  ".join(h.rjust(w) for h, w in zip(head, widths))]
        lines += ["  ".join(c.rjust(w) for c, w in zip(b, widths)) for b in body]
        return "\n".join(lines)

    def __str__(self):
        text = (f"random search: {len(self.trials)} trials in {len(self.ranges)} stage(s), "
                f"best score {self.best.score:.5g} ({self.mode})\n" + self.table(top=10))
        if self.border_warnings:
            text += "\n" + "\n".join("warning: " + w for w in self.border_warnings)
        return text


def _fmt(v):
    if isinstance(v, float):
        return f"{v:.3g}"
    return str(v)


def _accepts_stage(objective):
    try:
        params = inspect.signature(objective).parameters.values()
    except (TypeError, ValueError):
        return False
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 2 or any(p.kind == p.VAR_POSITIONAL for p in params)


def border_warnings(best_params, space, border=0.05):
    """Messages for each numeric hyperparameter whose best value lies within `border` (a
    fraction of the range, on its sampling scale) of the low or high end of its range."""
    messages = []
    for name, dist in space.items():
        if isinstance(dist, Choice) or not hasattr(dist, "position"):
            continue
        pos = dist.position(best_params[name])
        if pos <= border or pos >= 1 - border:
            side, edge = ("lower", dist.low) if pos <= border else ("upper", dist.high)
            messages.append(f"best {name}={_fmt(best_params[name])} sits at the {side} border "
                            f"of its range {dist!r} (edge {_fmt(edge)}): a better value may "
                            f"lie beyond it; widen the range and search again")
    return messages


def random_search(objective, space, n_trials=20, seed=None, mode="min", keep=0.2,
                  margin=0.1, border=0.05, verbose=False):
    """Sample `space` at random, evaluate `objective`, and return a SearchResult.

    space: {name: LogUniform | Uniform | IntUniform | Choice | fixed value}.
    n_trials: trials per stage; a list gives one stage per entry (coarse to fine).
    keep: the fraction of a stage's trials (at least 2) around which the next stage's ranges
        are narrowed: the span of their values widened by `margin` of the original range on
        each side, never beyond the original range; Choices keep the options those trials
        used.
    seed: seeds the sampler (None: glassgrad's global generator, so ag.manual_seed fixes it).
    border: warn (SearchWarning) when the best value sits within this fraction of an end of
        its original range.
    """
    if mode not in ("min", "max"):
        raise ValueError(f"random_search: mode must be 'min' or 'max', got {mode!r}")
    rng = ag.random.get_rng() if seed is None else np.random.default_rng(seed)
    stages = list(n_trials) if isinstance(n_trials, (list, tuple)) else [int(n_trials)]
    fixed = {k: v for k, v in space.items() if not hasattr(v, "sample")}
    ranges = _ranges(space)
    pass_stage = _accepts_stage(objective)
    result = SearchResult([], mode, dict(space))
    for stage, count in enumerate(stages):
        result.ranges.append(dict(ranges))
        stage_trials = []
        for _ in range(count):
            params = {k: d.sample(rng) for k, d in ranges.items()}
            params.update(fixed)
            params = {k: params[k] for k in space}
            score = objective(params, stage) if pass_stage else objective(params)
            trial = Trial(len(result.trials), stage, params, float(score))
            result.trials.append(trial)
            stage_trials.append(trial)
            if verbose:
                print(f"trial {trial.index} (stage {stage}): score {trial.score:.5g} "
                      + " ".join(f"{k}={_fmt(v)}" for k, v in params.items()))
        if stage + 1 < len(stages):
            ranges = _narrow(stage_trials, ranges, space, mode, keep, margin)
    result.border_warnings = border_warnings(result.best.params, _ranges(space), border)
    for message in result.border_warnings:
        warnings.warn(message, SearchWarning, stacklevel=2)
    return result


def _ranges(space):
    """The entries of `space` that are sampled (not fixed values)."""
    return {k: v for k, v in space.items() if hasattr(v, "sample")}


def _narrow(trials, ranges, space, mode, keep, margin):
    finite = [t for t in trials if math.isfinite(t.score)]
    if not finite:
        return ranges
    ordered = sorted(finite, key=lambda t: t.score if mode == "min" else -t.score)
    top = ordered[:max(2, int(math.ceil(keep * len(ordered))))]
    narrowed = {}
    for name, dist in ranges.items():
        values = [t.params[name] for t in top]
        # Numeric ranges are narrowed from the original one so that the margin stays a
        # fraction of the original span and later stages can still move.
        base = dist if isinstance(dist, Choice) else space[name]
        narrowed[name] = base.narrowed(values, margin)
    return narrowed
