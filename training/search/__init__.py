"""Hyperparameter search on Optuna: random (or TPE) search staged from coarse to fine, worker
processes sharing a study, the leaderboard and plots of a study, and a paired test to compare
two settings over several seeds.

    from glassgrad.training.search import LogUniform, Choice, random_search
    result = random_search(objective, {"lr": LogUniform(1e-4, 1e-1)}, n_trials=[20, 10],
                           storage="runs/search.journal", n_jobs=2)

    python -m glassgrad.training.search worker --storage runs/search.journal \\
        --study glassgrad-search --objective mymodule:objective
    python -m glassgrad.training.search status --storage runs/search.journal \\
        --study glassgrad-search --plots runs/plots

Optuna (and scipy for compare_runs) are imported only when a search runs.
"""
from .spaces import Choice, IntUniform, LogUniform, Uniform
from .core import (SearchResult, SearchWarning, Trial, border_warnings, create_search,
                   load_search, random_search)
from .study import SearchTrial, run_worker
from .status import leaderboard, plot_study
from .compare import Comparison, compare_runs

__all__ = ["Choice", "IntUniform", "LogUniform", "Uniform", "SearchResult", "SearchWarning",
           "Trial", "SearchTrial", "border_warnings", "create_search", "load_search",
           "random_search", "run_worker", "leaderboard", "plot_study", "Comparison",
           "compare_runs"]
