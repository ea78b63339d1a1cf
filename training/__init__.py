"""glassgrad's training toolkit: data, preprocessing, the CS231n sanity checks, a monitor
that babysits a run, a fit helper, random hyperparameter search and ensembles.

    from glassgrad.training import DataLoader, TensorDataset, Standardizer, Monitor, check_initial_loss
    from glassgrad.training.datasets import load_digits

The explicit training loop stays the primary way to train; everything here either prepares
its inputs, checks it, watches it, or repeats it.
"""
from . import datasets
from .data import (DataLoader, Dataset, Subset, TensorDataset, default_collate, random_split,
                   train_val_test_split)
from .data import (BatchSampler, ConcatDataset, IterableDataset, RandomSampler, Sampler,
                   SequentialSampler, SubsetRandomSampler, WeightedRandomSampler)
from .preprocessing import PCA, Standardizer, Whitening
from .checks import (check_gradients, check_initial_loss, check_overfit, check_regularization,
                     expected_initial_loss, l2_penalty, sanity_checks)
from .monitor import Monitor, MonitorWarning
from .fit import History, accuracy, evaluate, fit, load_checkpoint
from .search import (Choice, IntUniform, LogUniform, SearchWarning, Uniform, random_search)
# search on Optuna (issue 15)
from .search import SearchResult, SearchTrial, compare_runs, create_search, load_search
from .ensemble import average_parameters
from .ensemble import Ensemble, ParameterAverage, average_predictions

__all__ = ["datasets", "Dataset", "TensorDataset", "Subset", "DataLoader", "default_collate",
           "random_split", "train_val_test_split", "Standardizer", "PCA", "Whitening",
           "check_initial_loss", "check_regularization", "check_overfit", "check_gradients",
           "expected_initial_loss", "l2_penalty", "sanity_checks", "Monitor",
           "MonitorWarning", "fit", "evaluate", "accuracy", "History", "load_checkpoint",
           "random_search", "LogUniform", "Uniform", "IntUniform", "Choice", "SearchWarning",
           "Ensemble", "average_predictions", "ParameterAverage"]
__all__ += ["SearchResult", "SearchTrial", "compare_runs", "create_search", "load_search",
            "average_parameters"]
__all__ += ["IterableDataset", "ConcatDataset", "Sampler", "SequentialSampler", "RandomSampler",
            "SubsetRandomSampler", "WeightedRandomSampler", "BatchSampler"]
