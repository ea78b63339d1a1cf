"""Helpers of the packaging tests: a clean copy of the repository, a built wheel, fresh
virtual environments, and the rule for an unreachable package index (fail under CI=true,
skip otherwise)."""
import os
import shutil
import subprocess
import sys
import zipfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
IGNORED = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__",
                                 ".hypothesis", "out", ".ipynb_checkpoints", "*.pyc")


def run(cmd, timeout=600, **kwargs):
    """Run a command; return the CompletedProcess (text output, stdout and stderr merged)."""
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=timeout, **kwargs)


def check(cmd, what, **kwargs):
    """Run a command that must succeed; on failure the test fails showing its output."""
    proc = run(cmd, **kwargs)
    if proc.returncode != 0:
        pytest.fail(f"{what} failed (exit {proc.returncode}):\n$ {' '.join(map(str, cmd))}\n"
                    f"{proc.stdout[-4000:]}")
    return proc.stdout


def index_unreachable(reason):
    """An unreachable package index: a failure under CI=true (CI has network access, so this
    is a broken set-up, not a reason to skip), a skip elsewhere."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"the package index is not reachable under CI=true: {reason}")
    pytest.skip(f"the package index is not reachable: {reason}")


def copy_repository(dest):
    """Copy the repository's source (no virtualenvs, build directories or caches, which could
    leak stale files into a wheel) to `dest`; return dest."""
    shutil.copytree(ROOT, dest, ignore=IGNORED)
    return dest


def base_python():
    """The interpreter behind this one (outside any virtualenv)."""
    return getattr(sys, "_base_executable", None) or sys.executable


def probe_index(tmp):
    """Raise (skip/fail) unless pip can download PyPI's `autograd` through its configured
    index."""
    proc = run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-cache-dir",
                "-d", os.path.join(tmp, "probe"), "autograd"], timeout=300)
    if proc.returncode != 0:
        index_unreachable(proc.stdout.strip().splitlines()[-1] if proc.stdout.strip()
                          else f"pip exited {proc.returncode}")


def build_wheel(src, out):
    """`pip wheel --no-deps` of the source tree at `src` into `out`; return the wheel path.
    The build back-end (setuptools) comes from the package index (build isolation)."""
    proc = run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", out, src])
    if proc.returncode != 0:
        if "No matching distribution found for setuptools" in proc.stdout or \
                "Could not find a version that satisfies" in proc.stdout:
            index_unreachable("cannot fetch the build back-end (setuptools)")
        pytest.fail(f"building the wheel failed:\n{proc.stdout[-4000:]}")
    wheels = [f for f in os.listdir(out) if f.endswith(".whl")]
    assert len(wheels) == 1, wheels
    return os.path.join(out, wheels[0])


def wheel_names(path):
    with zipfile.ZipFile(path) as z:
        return z.namelist()


def wheel_text(path, name):
    with zipfile.ZipFile(path) as z:
        return z.read(name).decode()


class Venv:
    """A fresh virtual environment WITHOUT system site-packages (so nothing installed on the
    machine, HIPS autograd included, is visible in it)."""

    def __init__(self, path):
        self.path = path
        check([base_python(), "-m", "venv", path], "creating a virtual environment")
        self.python = os.path.join(path, "bin", "python")
        self.empty_dir = os.path.join(path, "empty-cwd")
        os.makedirs(self.empty_dir)

    def pip(self, *args, what=None):
        return check([self.python, "-m", "pip", *args], what or f"pip {' '.join(args)}")

    def run(self, code):
        """Run Python code in this environment, isolated (-I: neither the working directory
        nor PYTHON* variables nor the user's site-packages on the path), from an empty
        directory, so that nothing but what is installed can be imported."""
        return run([self.python, "-I", "-c", code], cwd=self.empty_dir)
