"""The stepper widget in a real browser (issue 17, item 4): JupyterLab started locally, Debian's
Chromium driven by Playwright, a notebook that builds a 2-layer net and shows
`BackwardStepper(loss).widget()`; Next is clicked and the drawing, the step text and the
leaf gradients shown are checked against `backward()`. The static page of
`stepper.to_html(path)` is checked the same way.

Needs chromium (CHROMIUM, default /usr/bin/chromium), playwright (the Python package only:
no `playwright install`, the system Chromium is used) and jupyterlab. They are skipped when
missing, except under CI=true, where a missing piece fails (`.ci/run` installs them).
Screenshots go to $GLASSGRAD_TEST_ARTIFACTS (default: a folder under the test's tmp dir);
the folder is printed.
"""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def _missing():
    missing = []
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        missing.append(f"chromium ({CHROMIUM}; apt-get install chromium)")
    for module, pip_name in (("playwright.sync_api", "playwright"), ("jupyterlab", "jupyterlab"),
                             ("ipywidgets", "ipywidgets"), ("ipykernel", "ipykernel"),
                             ("jupyterlab_widgets", "jupyterlab_widgets"),
                             ("nbformat", "nbformat")):
        try:
            __import__(module)
        except ImportError:
            missing.append(f"{pip_name} (pip install {pip_name})")
    if shutil.which("dot") is None:
        missing.append("graphviz's dot (apt-get install graphviz)")
    return missing


def _require_browser_stack():
    missing = _missing()
    if missing:
        reason = "the browser test needs " + ", ".join(missing)
        if os.environ.get("CI") == "true":
            pytest.fail(f"under CI=true {reason}")
        pytest.skip(reason)


@pytest.fixture
def artifacts(tmp_path):
    folder = os.environ.get("GLASSGRAD_TEST_ARTIFACTS") or str(tmp_path / "artifacts")
    folder = os.path.join(folder, "browser")
    os.makedirs(folder, exist_ok=True)
    print(f"\nbrowser test screenshots: {folder}")
    return folder


@pytest.fixture
def browser():
    _require_browser_stack()
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


# ----- the notebook ---------------------------------------------------------------------------

NET_SOURCE = """\
import numpy as np
from glassgrad import autograd as ag
from glassgrad import viz
from glassgrad.viz.labels import shaped

ag.manual_seed(0)
x = ag.tensor([[0.5, -1.0], [1.5, 2.0]], dtype=ag.float64)
y = ag.tensor([[1.0], [-1.0]], dtype=ag.float64)
W1 = ag.randn(2, 3, dtype=ag.float64, requires_grad=True); W1.name = "W1"
b1 = ag.zeros(3, dtype=ag.float64, requires_grad=True); b1.name = "b1"
W2 = ag.randn(3, 1, dtype=ag.float64, requires_grad=True); W2.name = "W2"

def forward(W1, b1, W2):
    h = (x @ W1 + b1).tanh()
    h.name = "h"
    return ((h @ W2 - y) ** 2).sum()

# the gradients backward() computes, on copies of the leaves
copies = [t.detach().requires_grad_() for t in (W1, b1, W2)]
forward(*copies).backward()
for name, c in zip(("W1", "b1", "W2"), copies):
    print(f"EXPECTED {name}.grad: None -> {shaped(c.grad, 24)}")
loss = forward(W1, b1, W2)
stepper = viz.BackwardStepper(loss)
print("STEPS", len(stepper))
"""

WIDGET_SOURCE = "stepper.widget()"


def write_notebook(folder):
    import nbformat
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(NET_SOURCE), nbformat.v4.new_code_cell(WIDGET_SOURCE)]
    path = os.path.join(folder, "stepper_widget.ipynb")
    nbformat.write(nb, path)
    return path


def _widgets_data_dir():
    """share/jupyter of the prefix that holds jupyterlab_widgets (the front end that draws
    ipywidgets in JupyterLab): a virtualenv with system site-packages does not search it."""
    try:
        import jupyterlab_widgets
    except ImportError:
        return None
    site = os.path.dirname(os.path.dirname(os.path.abspath(jupyterlab_widgets.__file__)))
    prefix = site
    for _ in range(3):      # <prefix>/lib/pythonX.Y/site-packages
        prefix = os.path.dirname(prefix)
    data = os.path.join(prefix, "share", "jupyter")
    return data if os.path.isdir(os.path.join(data, "labextensions")) else None


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def jupyterlab(tmp_path):
    """A JupyterLab server on 127.0.0.1 serving tmp_path/work, with its own config, data and
    runtime folders (nothing of the user's is read or written); yields (base_url, token)."""
    _require_browser_stack()
    work = tmp_path / "work"
    work.mkdir()
    port, token = _free_port(), "glassgrad-browser-test"
    env = dict(os.environ)
    home = tmp_path / "jupyter"
    for var, sub in (("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_RUNTIME_DIR", "runtime"),
                     ("IPYTHONDIR", "ipython")):
        env[var] = str(home / sub)
    env["JUPYTERLAB_SETTINGS_DIR"] = str(home / "settings")
    env["JUPYTERLAB_WORKSPACES_DIR"] = str(home / "workspaces")
    env["OPENBLAS_NUM_THREADS"] = env["OMP_NUM_THREADS"] = "1"
    env["JUPYTER_PATH"] = os.pathsep.join(
        [p for p in [_widgets_data_dir(), env.get("JUPYTER_PATH")] if p])
    # no "would you like news?" toast, which could cover the buttons
    os.makedirs(home / "settings" / "@jupyterlab" / "apputils-extension", exist_ok=True)
    with open(home / "settings" / "@jupyterlab" / "apputils-extension" /
              "notification.jupyterlab-settings", "w") as f:
        json.dump({"fetchNews": "false", "checkForUpdates": False}, f)
    log = open(tmp_path / "jupyterlab.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}",
         "--ip=127.0.0.1", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={work}",
         "--allow-root",
         "--ServerApp.open_browser=False", "--LabApp.news_url=", "--ServerApp.port_retries=0"],
        cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2).read()
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    log.flush()
                    raise RuntimeError("JupyterLab did not start: "
                                       + (tmp_path / "jupyterlab.log").read_text()[-3000:])
                time.sleep(0.5)
        yield base, token, work
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _expected_grads(text):
    return dict(re.findall(r"EXPECTED (\w+)\.grad: (None -> .*)", text))


def _wait_change(read, old, timeout=30.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        new = read()
        if new and new != old:
            return new
        time.sleep(0.1)
    raise AssertionError(f"nothing changed within {timeout} s (still {old[:200]!r})")


def test_stepper_widget_in_jupyterlab(jupyterlab, browser, artifacts):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: F401
    base, token, work = jupyterlab
    write_notebook(str(work))
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        _drive_widget(page, base, token, artifacts)
    except Exception:
        page.screenshot(path=os.path.join(artifacts, "widget_failure.png"), full_page=True)
        with open(os.path.join(artifacts, "widget_failure.txt"), "w") as f:
            f.write(page.inner_text("body"))
        with open(os.path.join(artifacts, "widget_failure.html"), "w") as f:
            f.write(page.content())
        raise


def _drive_widget(page, base, token, artifacts):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    page.set_default_timeout(90_000)
    page.goto(f"{base}/lab/tree/stepper_widget.ipynb?token={token}")
    page.wait_for_selector(".jp-Notebook .jp-Cell", state="visible")
    # JupyterLab may ask which kernel to start (the notebook names python3): accept it
    try:
        page.wait_for_selector(".jp-Dialog .jp-mod-accept", state="visible", timeout=15_000)
        page.click(".jp-Dialog .jp-mod-accept")
    except PlaywrightTimeout:
        pass
    page.wait_for_selector(".jp-Dialog", state="detached")
    page.wait_for_selector("text=Python 3 (ipykernel) | Idle")
    # Run > Run All Cells
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
    outputs = page.locator(".jp-OutputArea-output")
    # the live widget, not the static copy its output also carries for other viewers (shown
    # only when JupyterLab lacks the jupyterlab_widgets extension)
    try:
        page.wait_for_selector(".jp-OutputArea-output .widget-vbox button.widget-button"
                               "[title='next']", state="visible")
    except PlaywrightTimeout:
        static = page.locator(".jp-OutputArea-output .gg-stepper").count()
        raise AssertionError("no live widget in the notebook" + (
            ": JupyterLab showed the static copy (is the jupyterlab_widgets extension "
            "installed?)" if static else "")) from None
    first_output = outputs.first.inner_text()
    expected = _expected_grads(first_output)
    assert set(expected) == {"W1", "b1", "W2"}, first_output
    n_steps = int(re.search(r"STEPS (\d+)", first_output).group(1))

    widget = page.locator(".jp-OutputArea-output .widget-vbox").first
    next_button = widget.locator("button.widget-button[title='next']")
    trace = widget.locator("pre").first
    svg = widget.locator("svg").first

    def read_trace():
        return trace.inner_text()

    def read_svg():
        return svg.evaluate("e => e.outerHTML")

    text, drawing = read_trace(), read_svg()
    assert "start" in text and f"{n_steps} steps to go" in text
    assert "<title>" in drawing
    page.screenshot(path=os.path.join(artifacts, "widget_step0.png"), full_page=True)
    shown_grads = {}
    for k in range(1, n_steps + 1):
        next_button.click()
        text = _wait_change(read_trace, text)
        drawing = _wait_change(read_svg, drawing)
        assert text.startswith(f"step {k}/{n_steps}:"), text
        assert "#d62728" in drawing                 # the current node is highlighted
        if k <= 3:
            page.screenshot(path=os.path.join(artifacts, f"widget_step{k}.png"),
                            full_page=True)
        for name, value in re.findall(r"(\w+)\.grad: (None -> .*)", text):
            shown_grads[name] = value
    assert next_button.is_disabled()
    page.screenshot(path=os.path.join(artifacts, "widget_end.png"), full_page=True)
    # every leaf's .grad shown by the widget is the one backward() computes
    assert shown_grads == expected, (shown_grads, expected)


def test_stepper_to_html_in_the_browser(browser, artifacts, tmp_path):
    _require_browser_stack()
    from glassgrad import autograd as ag
    from glassgrad import viz
    a = ag.tensor(2.0, requires_grad=True)
    a.name = "a"
    b = ag.tensor(-3.0, requires_grad=True)
    b.name = "b"
    e = a * b
    e.name = "e"
    loss = (e + 1.0).tanh()
    stepper = viz.BackwardStepper(loss)
    path = str(tmp_path / "stepper.html")
    stepper.to_html(path)
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(f"file://{path}")
    frames = page.locator(".gg-frame")
    assert frames.count() == len(stepper) + 1

    def visible():
        return [i for i in range(frames.count()) if frames.nth(i).is_visible()]

    assert visible() == [0]
    page.screenshot(path=os.path.join(artifacts, "to_html_step0.png"), full_page=True)
    for k in range(1, 4):
        page.click(".gg-next")
        assert visible() == [k]
        assert page.inner_text(".gg-position") == f"step {k}/{len(stepper)}"
        frame = frames.nth(k)
        assert frame.locator("pre").inner_text().startswith(f"step {k}/{len(stepper)}:")
        assert frame.locator("svg").count() == 1
        page.screenshot(path=os.path.join(artifacts, f"to_html_step{k}.png"), full_page=True)
    assert frames.nth(3).locator("svg").evaluate("e => e.outerHTML") != \
        frames.nth(2).locator("svg").evaluate("e => e.outerHTML")
    page.click(".gg-prev")
    assert visible() == [2]
