"""Is one setting better than another over several seeds? A paired Wilcoxon signed-rank test."""
from dataclasses import dataclass

import numpy as np


@dataclass
class Comparison:
    """The outcome of compare_runs.

    statistic, pvalue: scipy.stats.wilcoxon's; n: the number of pairs; median_difference: the
    median of a - b; better: "a", "b" or None (no significant difference at alpha); verdict:
    the same in words."""
    statistic: float
    pvalue: float
    n: int
    median_difference: float
    better: str
    verdict: str

    def __str__(self):
        return self.verdict


def _paired(a, b):
    if isinstance(a, dict) and isinstance(b, dict):
        keys = [k for k in a if k in b]
        if len(keys) != len(a) or len(keys) != len(b):
            raise ValueError(f"compare_runs: a and b must have the same keys (seeds); only in "
                             f"a: {sorted(set(a) - set(b), key=str)}, only in b: "
                             f"{sorted(set(b) - set(a), key=str)}")
        a, b = [a[k] for k in keys], [b[k] for k in keys]
    x, y = np.asarray(a, np.float64).ravel(), np.asarray(b, np.float64).ravel()
    if x.shape != y.shape:
        raise ValueError(f"compare_runs: a and b must be paired results of the same length, got "
                         f"{x.size} and {y.size}")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError("compare_runs: results must be finite (got NaN or inf)")
    return x, y


def compare_runs(a, b, mode="min", alpha=0.05):
    """Compare two settings from paired results (one per seed, the same seeds in a and b) with
    the Wilcoxon signed-rank test (scipy.stats.wilcoxon, two-sided).

    Parameters
    ----------
    a, b : sequences of float, or dicts {seed: float}
        The results (e.g. final validation losses) of setting a and setting b; element i of
        each (or the same key) comes from the same seed.
    mode : {"min", "max"}
        Whether lower (a loss) or higher (an accuracy) is better.
    alpha : float
        The significance level for the verdict.

    Returns
    -------
    Comparison
        statistic, pvalue, n, median_difference (of a - b), better ("a", "b" or None) and a
        verdict in words.

    Raises
    ------
    ValueError
        Unpaired or non-finite results, fewer than 2 pairs, or a bad mode.

    Notes
    -----
    With n pairs the smallest possible two-sided p-value is 2 / 2**n: fewer than 6 seeds can
    never reach p < 0.05, and the verdict says so. Pairs with equal results are dropped
    (zero_method="wilcox"); when every pair is equal, p is 1.
    """
    if mode not in ("min", "max"):
        raise ValueError(f"compare_runs: mode must be 'min' or 'max', got {mode!r}")
    x, y = _paired(a, b)
    n = x.size
    if n < 2:
        raise ValueError(f"compare_runs: need at least 2 paired results, got {n}")
    d = x - y
    median = float(np.median(d))
    if not np.any(d != 0):
        return Comparison(0.0, 1.0, n, 0.0, None,
                          f"no difference: a and b gave identical results on all {n} seeds")
    from scipy.stats import wilcoxon
    res = wilcoxon(x, y, zero_method="wilcox", alternative="two-sided")
    stat, p = float(res.statistic), float(res.pvalue)
    lower_is_a = median < 0 or (median == 0 and d.mean() < 0)
    winner = ("a" if lower_is_a else "b") if mode == "min" else ("b" if lower_is_a else "a")
    if p < alpha:
        verdict = (f"{winner} is better: median difference a - b = {median:.4g} over {n} "
                   f"seeds, Wilcoxon p = {p:.3g} < {alpha}")
        better = winner
    else:
        verdict = (f"no significant difference: median difference a - b = {median:.4g} over "
                   f"{n} seeds, Wilcoxon p = {p:.3g} >= {alpha}")
        nonzero = int(np.count_nonzero(d))
        if 2.0 / 2 ** nonzero >= alpha:
            verdict += (f" (with {nonzero} differing pairs p cannot go below "
                        f"{2.0 / 2 ** nonzero:.3g}: run more seeds)")
        better = None
    return Comparison(stat, p, n, median, better, verdict)
