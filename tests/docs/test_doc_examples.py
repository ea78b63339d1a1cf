"""Every code block of README.md and of the documentation pages runs, with its shown output.

```pycon blocks are doctests: each `>>>` line runs and what the page shows under it must be
what it prints. ```python blocks are run as they are. The blocks of one page share one
namespace, in order, in a fresh temporary working directory, starting from seed 0. Other
blocks (bash, text, ...) are not run here (.ci/run runs the README's commands).
"""
import doctest
import os
import re
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOCS = os.path.join(ROOT, "docs")
_SKIP_DIRS = {"_build", "notebooks", "generated", "_templates"}
_FENCE = re.compile(r"^(?P<indent> *)```(?P<lang>[\w-]*)[^\n]*\n(?P<body>.*?)^(?P=indent)```\s*$",
                    re.S | re.M)


def pages():
    found = [os.path.join(ROOT, "README.md")]
    for folder, dirs, files in os.walk(DOCS):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
        found += [os.path.join(folder, f) for f in sorted(files) if f.endswith(".md")]
    return found


def code_blocks(path):
    """(language, code, line number) of each fenced block of a Markdown page."""
    text = open(path, encoding="utf-8").read()
    for m in _FENCE.finditer(text):
        line = text.count("\n", 0, m.start("body")) + 1
        body = "\n".join(l[len(m.group("indent")):] for l in m.group("body").splitlines())
        yield m.group("lang"), body + "\n", line


def _tested(path):
    return any(lang in ("python", "pycon") for lang, _, _ in code_blocks(path))


@pytest.mark.parametrize("path", [p for p in pages() if _tested(p)],
                         ids=lambda p: os.path.relpath(p, ROOT))
def test_page_examples_run_with_their_shown_output(path, tmp_path, monkeypatch):
    import glassgrad as gg
    blocks = list(code_blocks(path))
    if any(re.search(r"^\s*(import torch|from torch)", code, re.M) for _, code, _ in blocks):
        pytest.importorskip("torch", reason="this page moves weights to and from PyTorch")
    monkeypatch.chdir(tmp_path)
    gg.manual_seed(0)
    namespace = {"__name__": "__docs__"}
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    parser = doctest.DocTestParser()
    name = os.path.relpath(path, ROOT)
    for lang, code, line in blocks:
        if lang == "python":
            exec(compile(code, f"{name}:{line}", "exec"), namespace)
        elif lang == "pycon":
            test = parser.get_doctest(code, namespace, f"{name}:{line}", path, line - 1)
            out = []
            runner.run(test, out=out.append, clear_globs=False)
            namespace.update(test.globs)        # DocTest runs in a copy of the namespace
            assert not out, f"{name}, block at line {line}:\n" + "".join(out)


def test_every_page_is_found():
    names = {os.path.relpath(p, ROOT) for p in pages()}
    assert "README.md" in names and os.path.join("docs", "index.md") in names
