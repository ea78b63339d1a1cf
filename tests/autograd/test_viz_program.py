"""glassgrad.viz draws a compiled program: one box per call, edges for arrays, inputs,
parameters and constants in their own styles, reused buffers visible."""
import re
import shutil

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn, optim, viz


def _compiled_step(fused=True):
    gg.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(),
                          nn.Linear(8, 3))
    opt = optim.Adam(model.parameters(), lr=1e-2, fused=fused)

    @gg.compile
    def step(x, y):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    x, y = gg.randn(5, 4), gg.tensor(np.array([0, 2, 1, 1, 0]))
    for _ in range(3):
        step(x, y)
    assert step.mode == "replay", step.reason
    return step


def test_one_box_per_call_and_styled_sources():
    step = _compiled_step()
    text = viz.program_to_dot(step)
    calls = re.findall(r"^  c(\d+) \[", text, flags=re.M)
    assert len(calls) == len(step.program.calls)
    # the two arguments, six parameters and the loss's seed gradient constant
    assert len(re.findall(r'\\ninput" ', text)) == 2
    assert len(re.findall(r'\\nparameter" ', text)) == 6
    assert len(re.findall(r'\\nconstant" ', text)) == 1
    assert "Adam.step()" in text and "Adam.zero_grad()" in text
    assert 'label="linear\\n%' in text


def test_edges_follow_the_arrays_read():
    step = _compiled_step()
    program = step.program
    text = viz.program_to_dot(step)
    n_edges = len(re.findall(r"-> c\d+ \[label=", text))
    expected = sum(len(dict.fromkeys(c.inputs)) for c in program.calls)
    assert n_edges == expected
    first_linear = next(n for n, c in enumerate(program.calls) if c.name == "linear")
    assert f'a0 -> c{first_linear} [label="in0"]' in text


def test_buffer_reuse_is_drawn():
    step = _compiled_step()
    program = step.program
    buffers = [c.buffer for c in program.calls if c.buffer is not None]
    assert program.n_buffers > 0 and len(buffers) > program.n_buffers   # some are reused
    text = viz.program_to_dot(step)
    reused = [b for b in set(buffers) if buffers.count(b) > 1]
    for b in reused:
        assert text.count(f'label="reuses b{b}"') == buffers.count(b) - 1
        assert f"buffer b{b}" in text
    # the printed program names the same buffers
    assert f"[b{reused[0]}]" in str(program)


def test_gradients_into_the_optimizer_are_marked():
    text = viz.program_to_dot(_compiled_step(fused=True))
    assert text.count("into the optimizer") == 6
    text = viz.program_to_dot(_compiled_step(fused=False))
    assert "into the optimizer" not in text


def test_not_captured_yet_is_a_clear_error():
    step = gg.compile(lambda x: None)
    with pytest.raises(ValueError, match="no captured program"):
        viz.program_to_dot(step)
    with pytest.raises(TypeError, match="compiled step"):
        viz.program_to_dot(42)


@pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot")
def test_svg_and_render(tmp_path):
    step = _compiled_step()
    svg = viz.program_svg(step)
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert svg.count('class="node"') == len(step.program.calls) + 9
    path = viz.render_program(step, str(tmp_path / "step.svg"))
    assert open(path).read() == svg


def test_draw_program_is_a_digraph():
    graphviz = pytest.importorskip("graphviz")
    g = viz.draw_program(_compiled_step())
    assert isinstance(g, graphviz.Digraph)
    assert any("Adam.step()" in line for line in g.body)
