"""Importing glassgrad from a source checkout that was never installed says what to do."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_an_uninstalled_checkout_explains_that_it_needs_pip_install():
    # -S: no site-packages, so no editable install maps the subpackages in
    proc = subprocess.run([sys.executable, "-S", "-c", "import glassgrad"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert "pip install -e ." in proc.stderr
