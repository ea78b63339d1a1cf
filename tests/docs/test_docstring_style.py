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
        for code, message in api_names.style_errors(path):
            failures.append(f"{path} ({api_names.source_file(path)}): {code} {message}")
    assert not failures, f"{len(failures)} docstring problems:\n" + "\n".join(failures)
