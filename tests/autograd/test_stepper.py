"""ag.viz steppers: the backward pass replayed one node at a time in the engine's own order
(checked against ag.grad, retain_grad and backward), undo, the trace text, per-step drawings,
create_graph, the forward walk and the notebook widget."""
import html
import importlib.util
import os
import re
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from glassgrad import autograd as ag
from glassgrad import viz
from glassgrad.autograd.engine import Node
from glassgrad.viz import dot as vdot

from viz_cases import SVG, FakeMLP, leaf, micrograd_expression, needs_dot


def mlp_loss(model, x):
    return ((model(x) - 0.5) ** 2).sum()


def grads_of(tensors):
    return [None if t.grad is None else np.array(t.grad.numpy(), copy=True) for t in tensors]


def assert_same_grads(got, expected):
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        if e is None:
            assert g is None
        else:
            np.testing.assert_array_equal(g, e)


# ----- the walk itself -------------------------------------------------------------------------

def test_micrograd_steps_in_engine_order_with_every_gradient():
    g = micrograd_expression()
    stepper = viz.BackwardStepper(g["L"], names=dict(e=g["e"], d=g["d"]))
    assert [s.kind for s in stepper] == ["node"] * 3 + ["leaf"] * 4
    assert [s.op for s in stepper][:3] == ["mul", "add", "mul"]
    # the engine as oracle: gradient of L w.r.t. each node's output and each leaf
    inputs = [g["L"], g["d"], g["e"], g["a"], g["b"], g["c"], g["f"]]
    oracle = ag.grad(g["L"], inputs, retain_graph=True)
    by_key = {(t.grad_fn or t): o for t, o in zip(inputs, oracle)}
    for step in stepper:
        np.testing.assert_array_equal(step.grad_out.numpy(), by_key[step.node].numpy())
        if step.kind == "node":
            for m, gi in zip(step.node.next, step.grads_in):
                assert (gi is None) == (m is None)
    mul_e = stepper[2]
    assert mul_e.ref == "e" and mul_e.targets == ("a", "b")
    assert [float(gi) for gi in mul_e.grads_in] == [6.0, -4.0]   # -2 * b, -2 * a
    assert {s.ref for s in stepper if s.kind == "leaf"} == {"a", "b", "c", "f"}


def test_observer_order_is_the_order_backward_uses():
    """Steps appear in the order the engine itself visits nodes: each node's upstream
    gradient is complete (every consumer ran before it)."""
    x = leaf([0.5, -1.0, 2.0], "x")
    h = x.tanh()
    y = (h * h).sum() + (h * 3.0).sum() + x.exp().sum()
    stepper = viz.BackwardStepper(y)
    seen = set()
    for step in stepper:
        if step.kind == "node":
            assert not any(isinstance(m, Node) and m in seen for m in step.node.next)
            seen.add(step.node)
    tanh_step = next(s for s in stepper if s.op == "tanh")
    assert len(tanh_step.sources) == 3          # h used by mul (twice) and by mul with 3.0


def test_run_to_end_leaves_the_same_grads_as_backward():
    ag.manual_seed(1)
    model = FakeMLP(ag.float64)
    x = ag.randn(4, 2, dtype=ag.float64)
    params = [p for _, p in model.named_parameters()]
    mlp_loss(model, x).backward()
    expected = grads_of(params)
    for p in params:
        p.grad = None
    stepper = viz.BackwardStepper(mlp_loss(model, x))
    assert grads_of(params) == [None] * 4            # recording touches no .grad
    stepper.run_to_end()
    assert_same_grads(grads_of(params), expected)


def test_gradients_passed_add_up_to_each_nodes_gradient():
    """On a 2-2-1 MLP over a batch: what the steps send into a node sums to that node's
    upstream gradient, and each leaf's step equals ag.grad of the leaf."""
    ag.manual_seed(4)
    model = FakeMLP(ag.float64)
    x = ag.randn(3, 2, dtype=ag.float64)
    loss = mlp_loss(model, x)
    stepper = viz.BackwardStepper(loss)
    leaves = [s.node for s in stepper if s.kind == "leaf"]
    oracle = dict(zip(leaves, ag.grad(loss, leaves, retain_graph=True)))
    for step in stepper:
        if step.sources:
            total = sum(g.numpy() for _, g in step.sources)
            np.testing.assert_allclose(total, step.grad_out.numpy(), rtol=1e-12, atol=1e-15)
        if step.kind == "leaf":
            np.testing.assert_array_equal(step.grad_out.numpy(), oracle[step.node].numpy())
    assert {s.ref for s in stepper if s.kind == "leaf"} == {
        "0.weight", "0.bias", "1.weight", "1.bias"}


def test_matches_torch_on_a_mlp():
    torch = pytest.importorskip("torch")
    ag.manual_seed(2)
    model = FakeMLP(ag.float64)
    x = ag.randn(3, 2, dtype=ag.float64)
    stepper = viz.BackwardStepper(mlp_loss(model, x))
    stepper.run_to_end()
    tparams = {n: torch.tensor(p.numpy(), requires_grad=True)
               for n, p in model.named_parameters()}
    h = torch.tensor(x.numpy())
    for i in range(2):
        h = torch.tanh(h @ tparams[f"{i}.weight"].T + tparams[f"{i}.bias"])
    ((h - 0.5) ** 2).sum().backward()
    for name, p in model.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tparams[name].grad.numpy(), rtol=1e-12,
                                   atol=1e-14)


def test_accumulates_on_existing_grads_and_undo_restores_them():
    g = micrograd_expression()
    prior = ag.tensor(100.0)
    g["a"].grad = prior
    leaves = [g["a"], g["b"], g["c"], g["f"]]
    stepper = viz.BackwardStepper(g["L"])
    snapshots = [grads_of(leaves)]
    while stepper.next() is not None:
        snapshots.append(grads_of(leaves))
    assert stepper.done and len(snapshots) == len(stepper) + 1
    assert float(g["a"].grad) == 106.0                  # 100 + dL/da, as backward() would
    assert_same_grads(snapshots[-1], [np.float32(106.0), np.float32(-4.0),
                                      np.float32(-2.0), np.float32(4.0)])
    for k in range(len(stepper), 0, -1):
        assert_same_grads(grads_of(leaves), snapshots[k])
        stepper.prev()
    assert_same_grads(grads_of(leaves), snapshots[0])
    assert g["a"].grad is prior and float(prior) == 100.0
    assert g["b"].grad is None and stepper.prev() is None
    stepper.goto(5)
    assert_same_grads(grads_of(leaves), snapshots[5])
    stepper.reset()
    assert stepper.position == 0 and g["c"].grad is None


def test_goto_checks_its_argument():
    stepper = viz.BackwardStepper(micrograd_expression()["L"])
    with pytest.raises(IndexError, match=r"\[0, 7\]"):
        stepper.goto(8)
    with pytest.raises(IndexError):
        stepper.goto(-1)


def test_retain_grad_tensors_follow_the_steps():
    g = micrograd_expression()
    g["e"].retain_grad()
    stepper = viz.BackwardStepper(g["L"])
    stepper.goto(2)
    assert g["e"].grad is None                      # e's node is step 3
    stepper.next()
    assert float(g["e"].grad) == -2.0
    stepper.prev()
    assert g["e"].grad is None


def test_graph_survives_and_hooks_apply_once():
    x = leaf([1.0, 2.0], "x")
    calls = []

    def double(grad):
        calls.append(1)
        return grad * 2.0

    x.register_hook(double)
    y = (x * x).sum()
    stepper = viz.BackwardStepper(y)
    stepper.run_to_end()
    assert len(calls) == 1
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 8.0])     # 2 * 2x
    x.grad = None
    y.backward()                                                  # the graph is still there
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 8.0])


def test_several_roots_and_a_seed_gradient():
    x = leaf([1.0, -2.0, 3.0], "x")
    h = x.tanh()
    loss, aux = (h * 2.0).sum(), h * h
    seed = ag.tensor([1.0, 0.5, 0.25])
    one = viz.BackwardStepper(aux, gradient=seed)
    np.testing.assert_array_equal(one[0].grad_out.numpy(), seed.numpy())
    stepper = viz.BackwardStepper([loss, aux], gradient=[None, seed])
    stepper.run_to_end()
    got = x.grad.numpy().copy()
    x.grad = None
    ag.backward([loss, aux], [None, seed])
    np.testing.assert_array_equal(got, x.grad.numpy())


def test_create_graph_gives_differentiable_grads():
    x = leaf([0.5, -1.5], "x", dtype=ag.float64)
    y = (x ** 3).sum()
    stepper = viz.BackwardStepper(y, create_graph=True)
    stepper.run_to_end()
    assert x.grad.grad_fn is not None
    np.testing.assert_allclose(x.grad.numpy(), 3 * x.numpy() ** 2)
    (h,) = ag.grad(x.grad.sum(), x, retain_graph=True)
    np.testing.assert_allclose(h.numpy(), 6 * x.numpy())
    second = viz.BackwardStepper(x.grad.sum())      # step through the gradient's own graph
    second.run_to_end()
    np.testing.assert_allclose(x.grad.numpy(), 3 * x.numpy() ** 2 + 6 * x.numpy())


# ----- text --------------------------------------------------------------------------------

def test_trace_states_the_rule_with_values():
    g = micrograd_expression()
    stepper = viz.BackwardStepper(g["L"], names=dict(e=g["e"], d=g["d"], L=g["L"]))
    text = stepper.trace()
    assert "rule: out = a * b;  dL/da = g * b,  dL/db = g * a" in text
    assert "mul: dL/da = dL/dout * b = 1.0 * (-2.0) = -2.0   -> d" in text
    assert "mul: dL/db = dL/dout * a = 1.0 * 4.0 = 4.0   -> f" in text
    assert "mul: dL/da = dL/dout * b = (-2.0) * (-3.0) = 6.0   -> a" in text
    assert "add: dL/db = dL/dout = -2.0   -> c" in text
    assert "a.grad: None -> 6.0" in text
    assert stepper.describe(0).startswith("backward: start, 7 steps")
    stepper.goto(3)
    assert stepper.describe() == stepper[2].text() == str(stepper.current)


def test_leaf_step_lists_each_contribution():
    a = leaf(2.0, "a")
    y = a * a + a.exp()
    stepper = viz.BackwardStepper(y)
    text = stepper[-1].text()
    assert "accumulate into leaf a" in text
    assert "sum of 3 contributions" in text
    assert f"= {vdot.number(4.0 + np.exp(2.0))}" in text


def test_text_for_tensors_uses_shapes_norms_and_broadcast_notes():
    ag.manual_seed(3)
    model = FakeMLP(ag.float64)
    loss = mlp_loss(model, ag.randn(5, 2, dtype=ag.float64))
    text = viz.BackwardStepper(loss, text_elements=2).trace()
    assert "-> 0.weight" in text and "-> 1.bias" in text
    assert "summed over broadcast axes to (2,) float64" in text    # bias add over the batch
    assert "rule: out = tanh x;  dL/dx = g * (1 - out^2)" in text
    loss.backward()
    # x @ W.T: the gradient sent to W.T has the norm of W's gradient
    norm = vdot.number(np.linalg.norm(model.layers[0].weight.grad.numpy()))
    assert f"matmul: dL/db = a^T @ dL/dout = (2, 2) float64, norm {norm}" in text


# ----- drawings per step ----------------------------------------------------------------------

def test_each_step_highlights_its_node_and_fills_finished_grads():
    g = micrograd_expression()
    stepper = viz.BackwardStepper(g["L"], names=dict(e=g["e"], d=g["d"]))
    start = stepper.dot(0)
    assert vdot.HIGHLIGHT not in start and vdot.FINISHED_BG not in start
    assert start.count(">grad </TD>") == 7                      # every gradient pending
    for k in range(1, len(stepper) + 1):
        text = stepper.dot(k)
        finished = len({id(s.node) for s in stepper.steps[:k]})
        assert text.count(vdot.FINISHED_BG) == finished
        assert text.count(">grad </TD>") == 7 - finished
        assert text.count('penwidth="3"') == 1
    text = stepper.dot(3)                                       # mul e -> a, b
    e_id = re.search(r"(n\d+) \[label=<.*?</B>&#160;&#160;e ", text).group(1)
    red = re.findall(rf"(n\d+) -> {e_id} \[color=\"{vdot.HIGHLIGHT}\" penwidth=2 label=\"(.*?)\"",
                     text)
    assert sorted(label for _, label in red) == ["-4.0", "6.0"]
    assert f'color="{vdot.HIGHLIGHT}" penwidth="3"' in re.search(
        rf"{e_id} \[label=.*\]", text).group(0)
    assert stepper.position == 0                                # drawing does not move it


def test_stepper_collapsed_drawing_counts_module_progress():
    model = FakeMLP(ag.float64)
    stepper = viz.BackwardStepper(mlp_loss(model, ag.ones(1, 2, dtype=ag.float64)),
                                  collapse=True)
    text = stepper.dot(len(stepper))
    assert text.count("box3d") == 2
    assert len(re.findall(r"gradients (\d+)/\1", text)) == 2


@needs_dot
def test_save_svgs_writes_one_file_per_step(tmp_path):
    stepper = viz.BackwardStepper(micrograd_expression()["L"])
    paths = stepper.save_svgs(tmp_path / "steps")
    assert len(paths) == len(stepper) + 1
    assert sorted(os.listdir(tmp_path / "steps")) == sorted(
        [os.path.basename(p) for p in paths] + ["trace.txt"])
    root = ET.parse(paths[3]).getroot()
    nodes = [g for g in root.iter(f"{SVG}g") if g.get("class") == "node"]
    edges = [g for g in root.iter(f"{SVG}g") if g.get("class") == "edge"]
    assert len(nodes) == 7 and len(edges) == 6
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    assert "grad -2.0" in texts                    # e's gradient, finished at step 3
    assert "6.0" in texts and "-4.0" in texts       # the red edges to a and b carry these
    highlighted = [g for g in nodes if any(p.get("stroke") == vdot.HIGHLIGHT
                                           for p in g.iter(f"{SVG}path"))
                   or any(p.get("stroke") == vdot.HIGHLIGHT for p in g.iter(f"{SVG}polygon"))]
    assert len(highlighted) == 1
    with open(tmp_path / "steps" / "trace.txt") as f:
        assert f.read() == stepper.trace()


# ----- forward walk --------------------------------------------------------------------------

def test_forward_stepper_walks_values_in_topological_order():
    a, b = leaf(2.0, "a"), leaf(-3.0, "b")
    with ag.keep_values():
        e = a * b
        d = e + 1.0
        out = d.tanh() * a.exp()
    stepper = viz.ForwardStepper(out)
    assert len(stepper) == 5
    done = set()
    for step in stepper:
        assert all(m is None or not hasattr(m, "prim") or m in done for m in step.node.next)
        done.add(step.node)
        np.testing.assert_array_equal(step.value, step.node.value)
    text = stepper.trace()
    assert "mul: out = a * b = 2.0 * (-3.0) = -6.0" in text
    assert "tanh: out = tanh x = tanh (-5.0) = " in text
    stepper.goto(2)
    drawing = stepper.dot()
    assert ">grad" not in drawing
    assert drawing.count("data -6.0") == 1 and "data -5.0" in drawing
    assert "data -8.0" not in stepper.dot(2)
    assert f"data {vdot.number(np.tanh(-5.0) * np.exp(2.0))}" in stepper.dot(5)


def test_forward_stepper_asks_for_keep_values():
    a = leaf(2.0, "a")
    out = (a + 1.0) + 2.0          # add keeps nothing
    with pytest.raises(ValueError, match="keep_values"):
        viz.ForwardStepper(out + 0.0)


# ----- widget --------------------------------------------------------------------------------

def test_widget_buttons_and_slider_move_the_stepper(monkeypatch):
    pytest.importorskip("ipywidgets")
    monkeypatch.setattr(vdot.shutil, "which", lambda name: None)   # keep it fast: no SVG
    g = micrograd_expression()
    stepper = viz.BackwardStepper(g["L"])
    box = stepper.widget()
    back, forward, slider = box.controls
    assert slider.max == len(stepper) and back.disabled
    forward.click()
    forward.click()
    assert stepper.position == 2 and slider.value == 2
    assert "step 2/7" in box.children[1].value
    assert "apt-get install graphviz" in box.children[2].value
    slider.value = 7
    assert float(g["a"].grad) == 6.0 and forward.disabled
    back.click()
    assert stepper.position == 6


def test_step_text_shows_operands_and_results_up_to_24_elements():
    from glassgrad.viz.labels import number
    a = ag.tensor(np.arange(20.0).reshape(4, 5) / 10, requires_grad=True)
    b = ag.tensor(np.linspace(-1, 1, 20).reshape(4, 5))
    loss = (a * b).sum()
    step = viz.BackwardStepper(loss).goto(2)
    text = step.text()
    assert text.startswith("step 2/3: mul")
    # the operands the rule reads, with their shapes, and every number of the result
    assert "the rule reads: a = [[0.0, 0.1, 0.2, 0.3, 0.4]," in text
    assert "(4, 5) float64" in text
    assert "b = [[-1.0," in text
    grad_line = next(line for line in step.lines if line.strip().startswith("mul: dL/da"))
    for value in b.numpy().ravel():
        assert number(value) in grad_line
    assert "-> constant (no gradient needed)" in text      # b needs no gradient


def test_step_text_summarises_large_tensors_with_statistics():
    w = ag.tensor(np.random.default_rng(0).normal(size=(30, 40)), requires_grad=True)
    text = viz.BackwardStepper((w * 3.0).sum()).goto(2).text()
    data = w.numpy()
    from glassgrad.viz.labels import number
    for name, value in [("norm", np.linalg.norm(data)), ("mean", data.mean()),
                        ("std", data.std()), ("min", data.min()), ("max", data.max())]:
        assert f"{name} {number(value)}" in text
    assert f"first [{number(data.ravel()[0])}," in text


def test_text_elements_is_configurable():
    a = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    loss = (a * 2.0).sum()
    assert "[2.0, 2.0, 2.0]" in viz.BackwardStepper(loss).trace()
    assert "norm 3.464" in viz.BackwardStepper(loss, text_elements=2).trace()


def test_to_html_writes_every_frame_with_a_plain_js_slider(tmp_path):
    pytest.importorskip("graphviz")
    a = ag.tensor(2.0, requires_grad=True)
    loss = (a * 3.0).tanh()
    stepper = viz.BackwardStepper(loss)
    path = tmp_path / "steps.html"
    page = stepper.to_html(path)
    assert path.read_text() == page
    assert page.count('class="gg-frame"') == len(stepper) + 1
    assert 'type="range"' in page and "<script>" in page
    for k in range(len(stepper) + 1):
        assert html.escape(stepper.describe(k)) in page
    assert stepper.position == 0            # writing the page does not move the stepper


def test_widget_carries_a_static_copy_and_degrades_without_ipywidgets(monkeypatch):
    a = ag.tensor(2.0, requires_grad=True)
    stepper = viz.BackwardStepper((a * 3.0).tanh())
    if importlib.util.find_spec("ipywidgets") is not None:
        bundle = stepper.widget()._repr_mimebundle_()
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        assert "application/vnd.jupyter.widget-view+json" in data
        assert 'class="gg-frame"' in data["text/html"]
    monkeypatch.setitem(sys.modules, "ipywidgets", None)     # import now fails
    view = stepper.widget()
    assert "ipywidgets is not installed" in view._repr_html_()
    assert view._repr_html_().count('class="gg-frame"') == len(stepper) + 1
