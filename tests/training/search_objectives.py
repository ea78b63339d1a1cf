"""Objectives that the search tests' worker processes import (python -m
glassgrad.training.search worker --objective search_objectives:NAME). Each appends what it
computed to a file per process in $GG_SEARCH_LOG, so a test can check the study against what
every worker reported."""
import json
import math
import os
import time

from glassgrad.training.search import Choice, LogUniform, Uniform

SPACE = {"lr": LogUniform(1e-5, 1e-1), "momentum": Uniform(0.5, 0.99),
         "act": Choice(["relu", "tanh"]), "epochs": 3}


def _log(trial, value):
    folder = os.environ.get("GG_SEARCH_LOG")
    if folder:
        with open(os.path.join(folder, f"worker_{os.getpid()}.jsonl"), "a") as f:
            f.write(json.dumps({"number": trial.number, "value": value, "pid": os.getpid(),
                                "params": trial.params}) + "\n")


def quadratic(params, trial):
    """Minimum at lr = 1e-3, momentum = 0.9, act = "tanh"; sleeps a little so that workers
    interleave."""
    time.sleep(float(os.environ.get("GG_SEARCH_SLEEP", "0.05")))
    value = ((math.log10(params["lr"]) + 3) ** 2 + (params["momentum"] - 0.9) ** 2
             + (0.0 if params["act"] == "tanh" else 0.5))
    _log(trial, value)
    return value


def slow_quadratic(params, trial):
    """Marks that the trial started (file started_<number>_<pid>), then takes
    $GG_SEARCH_SLEEP seconds: a test kills the worker meanwhile."""
    folder = os.environ["GG_SEARCH_LOG"]
    open(os.path.join(folder, f"started_{trial.number}_{os.getpid()}"), "w").close()
    return quadratic(params, trial)
