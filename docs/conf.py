"""Sphinx configuration of glassgrad's documentation site.

Build it with ``python -m sphinx -W -b html docs docs/_build/html`` (what `.ci/run` runs);
the site is then ``docs/_build/html/index.html``. Pages are Markdown (MyST); the API
reference is generated from the docstrings (autodoc + autosummary, NumPy style through
napoleon); the executed notebooks under ``notebooks/`` are rendered as pages without being
run again.
"""
import os
import shutil

import glassgrad

project = "glassgrad"
author = "the glassgrad authors"
copyright = "the glassgrad authors (MIT License)"
release = version = glassgrad.__version__

extensions = [
    "myst_nb",                      # Markdown pages and .ipynb notebooks
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",          # NumPy-style docstrings
    "sphinx.ext.viewcode",
    "sphinx.ext.mathjax",
    "sphinx.ext.graphviz",           # the package diagram of internals.md
]

html_theme = "furo"
html_title = f"glassgrad {version}"
templates_path = ["_templates"]
exclude_patterns = ["_build", "api/generated/**.ipynb", "**.ipynb_checkpoints"]

autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"members": True, "undoc-members": False, "show-inheritance": True}
autodoc_member_order = "bysource"
autodoc_typehints = "none"
napoleon_numpy_docstring = True
napoleon_google_docstring = False
napoleon_use_rtype = False
napoleon_custom_sections = ["Shape"]    # the input/output shapes of nn layers, as torch

myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3
nb_execution_mode = "off"           # the notebooks are committed executed
suppress_warnings = ["mystnb.unknown_mime_type"]

# The notebooks live in notebooks/ at the top of the repository; Sphinx reads sources from
# docs/ only, so they are copied into docs/notebooks/ (generated, not committed) per build.
_here = os.path.dirname(os.path.abspath(__file__))
_source = os.path.join(os.path.dirname(_here), "notebooks")
_target = os.path.join(_here, "notebooks")
os.makedirs(_target, exist_ok=True)
for _name in sorted(os.listdir(_source)):
    if _name.endswith(".ipynb"):
        shutil.copyfile(os.path.join(_source, _name), os.path.join(_target, _name))

# The API reference: one page per module of api_names.MODULES, each listing that module's
# public classes and functions (autosummary makes one page per name). Written per build.
import sys  # noqa: E402

sys.path.insert(0, _here)
import api_names  # noqa: E402

_modules_dir = os.path.join(_here, "api", "modules")
for _stale in (_modules_dir, os.path.join(_here, "api", "generated")):
    shutil.rmtree(_stale, ignore_errors=True)       # pages of names that no longer exist
os.makedirs(_modules_dir, exist_ok=True)
_public = api_names.public_names()
for _module, _title in api_names.available_modules():
    _name = _module.__name__
    _lines = [_name, "=" * len(_name), "", f"{_title}.", "", f".. automodule:: {_name}",
              "   :no-members:", ""]
    if _public[_name]:
        _lines += [".. autosummary::", "   :toctree: ../generated", "   :nosignatures:", ""]
        _lines += [f"   {_n}" for _n in _public[_name]]
    with open(os.path.join(_modules_dir, _name + ".rst"), "w", encoding="utf-8") as _f:
        _f.write("\n".join(_lines) + "\n")
