"""Every public function, class and method is documented in the NumPy style, checked with
numpydoc's validator (the checks are listed in docs/api_names.py: parameters, returns,
yields, summary, known sections in order)."""
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "docs"))
import api_names  # noqa: E402

pytest.importorskip("numpydoc")

# Files whose docstrings are still being converted to the NumPy style (this round's work:
# the set shrinks to nothing).
PENDING = {
    "autograd/creation.py",
    "autograd/dtypes.py",
    "autograd/elementwise.py",
    "autograd/function.py",
    "autograd/grad_mode.py",
    "autograd/linalg.py",
    "autograd/ops.py",
    "autograd/random.py",
    "autograd/reductions.py",
    "autograd/sampling.py",
    "autograd/shape_ops.py",
    "autograd/tensor.py",
    "autograd/tensor_api.py",
    "autograd/viz/dot.py",
    "autograd/viz/graph.py",
    "autograd/viz/stepper.py",
    "autograd/viz/widget.py",
    "glassgrad/utils/data/_collate.py",
    "glassgrad/utils/data/dataset.py",
    "nn/_functional_core.py",
    "nn/activation.py",
    "nn/attention.py",
    "nn/container.py",
    "nn/conv.py",
    "nn/distance.py",
    "nn/dropout.py",
    "nn/embedding.py",
    "nn/flatten.py",
    "nn/fold.py",
    "nn/functional_act.py",
    "nn/functional_conv.py",
    "nn/functional_layers.py",
    "nn/functional_loss.py",
    "nn/functional_norm.py",
    "nn/functional_pad.py",
    "nn/functional_pool.py",
    "nn/init.py",
    "nn/linear.py",
    "nn/loss.py",
    "nn/module.py",
    "nn/normalization.py",
    "nn/padding.py",
    "nn/parameter.py",
    "nn/pooling.py",
    "nn/rnn.py",
    "nn/transformer.py",
    "nn/upsampling.py",
    "nn/utils/__init__.py",
    "nn/utils/rnn.py",
    "optim/lbfgs.py",
    "optim/lr_scheduler.py",
    "optim/optimizer.py",
    "optim/swa_utils.py",
    "training/checks.py",
    "training/data.py",
    "training/datasets/__init__.py",
    "training/ensemble.py",
    "training/fit.py",
    "training/monitor.py",
    "training/preprocessing.py",
    "training/search/core.py",
    "training/search/spaces.py",
    "training/search/study.py",
}


def _targets():
    return [path for paths in api_names.style_targets().values() for path in paths]


def _sample_without_parameters(a, b=1):
    """Add two numbers."""
    return a + b


def _sample_documented(a, b=1):
    """Add two numbers.

    Parameters
    ----------
    a : int
        The first.
    b : int, optional
        The second. Default 1.

    Returns
    -------
    int
        Their sum.
    """
    return a + b


def _sample_cross_reference(a):
    """See :func:`glassgrad.add`."""
    return a


def test_the_style_check_reports_missing_sections_and_accepts_complete_ones():
    missing = {code for code, _ in api_names.style_errors(f"{__name__}._sample_without_parameters")}
    assert missing == {"PR01", "RT01"}
    assert api_names.style_errors(f"{__name__}._sample_documented") == []
    assert api_names.style_errors(f"{__name__}._sample_cross_reference") == []


def test_every_public_docstring_follows_the_numpy_style():
    failures = []
    for path in _targets():
        if api_names.source_file(path) in PENDING:
            continue
        for code, message in api_names.style_errors(path):
            failures.append(f"{path} ({api_names.source_file(path)}): {code} {message}")
    assert not failures, f"{len(failures)} docstring problems:\n" + "\n".join(failures)
