"""Graph legibility (issue 17, item 7): names on intermediate tensors, composite ops drawn as
one named box that can be expanded, constants and loss targets drawn dimmed, large tensors
summarised, deep nets collapsed automatically, top-to-bottom layout."""
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from glassgrad import autograd as ag
from glassgrad import nn, viz
from glassgrad.autograd.naming import node_name
from glassgrad.nn import functional as F
from glassgrad.viz import dot as vdot

from viz_cases import SVG, leaf, needs_dot

NODE_RE = re.compile(r"^\s*(n\d+) \[label=(.*)\]$", re.M)
EDGE_RE = re.compile(r"^\s*(n\d+) -> (n\d+)(?: \[(.*)\])?$", re.M)


def nodes(text):
    return dict(NODE_RE.findall(text))


def edges(text):
    return EDGE_RE.findall(text)


def only(text, fragment):
    hits = [(k, v) for k, v in nodes(text).items() if fragment in v]
    assert len(hits) == 1, f"{len(hits)} nodes contain {fragment!r}"
    return hits[0]


def titles(text):
    """The bold first words of every box ('mean', 'sum', 'x', ...)."""
    return re.findall(r"<B>([^<]*)</B>", text)


# ----- names on intermediate tensors ------------------------------------------------------

def test_name_on_an_intermediate_tensor_labels_its_node_and_the_stepper():
    x = leaf([1.0, -2.0], "x")
    h = (x * 3.0).tanh()
    h.name = "hidden"
    loss = h.sum()
    assert node_name(h.grad_fn) == "hidden" and h.name == "hidden"
    text = viz.to_dot(loss)
    assert "<B>tanh</B>&#160;&#160;hidden" in only(text, "hidden")[1]
    stepper = viz.BackwardStepper(loss)
    assert [s.ref for s in stepper if s.op == "tanh"] == ["hidden"]
    assert "at hidden," in stepper.trace()


def test_renaming_and_unnaming_an_intermediate():
    x = leaf(2.0, "x")
    y = x * x
    y.name = "first"
    y.name = "second"
    assert "second" in viz.to_dot(y) and "first" not in viz.to_dot(y)
    y.name = None
    assert node_name(y.grad_fn) is None and y.name is None
    assert "second" not in viz.to_dot(y)


def test_names_argument_wins_over_tensor_name():
    x = leaf(2.0, "x")
    y = x.exp()
    y.name = "attr"
    assert "<B>exp</B>&#160;&#160;given" in viz.to_dot(y, names=dict(given=y))


def test_node_names_do_not_keep_graphs_alive():
    import gc
    import weakref
    x = leaf(2.0, "x")
    y = x.exp()
    y.name = "temp"
    ref = weakref.ref(y.grad_fn)
    del y
    gc.collect()
    assert ref() is None


# ----- composite ops ------------------------------------------------------------------------

def test_mean_is_one_box_named_mean_and_expands_to_sum_and_div():
    x = leaf([1.0, 2.0, 3.0], "x")
    loss = x.mean()
    text = viz.to_dot(loss)
    assert "mean" in titles(text)
    assert "sum" not in titles(text) and "div" not in titles(text)
    box = only(text, "<B>mean</B>")[1]
    assert "2 ops: sum div" in box and "scalar float32" in box
    assert "data 2.0" in box                          # the composite's output value
    assert edges(text) == [(only(text, "<B>x</B>")[0], only(text, "<B>mean</B>")[0], "")]
    full = viz.to_dot(loss, expand=True)
    assert {"sum", "div"} <= set(titles(full)) and "mean" not in titles(full)
    assert 'label="mean" style="rounded,dotted"' in full      # the cluster keeps the name


def test_composite_box_carries_gradient_after_backward():
    x = leaf([1.0, 2.0, 3.0, 4.0], "x")
    with ag.keep_values():
        loss = x.softmax(-1)[1] * 1.0
        out = loss.sum()
        out.backward()
    box = only(viz.to_dot(out), "<B>softmax</B>")[1]
    probs = np.exp([1.0, 2.0, 3.0, 4.0]) / np.exp([1.0, 2.0, 3.0, 4.0]).sum()
    assert "data [" + ", ".join(vdot.number(p) for p in probs) + "]" in box
    assert "grad [0.0, 1.0, 0.0, 0.0]" in box


@pytest.mark.parametrize("name, make", [
    ("softmax", lambda x: F.softmax(x, dim=-1).sum()),
    ("std", lambda x: x.std()),
    ("logsumexp", lambda x: x.logsumexp(-1).sum()),
    ("layer_norm", lambda x: F.layer_norm(x, (3,)).sum()),
    ("mse_loss", lambda x: F.mse_loss(x, ag.zeros(2, 3))),
    ("cross_entropy", lambda x: F.cross_entropy(x, ag.tensor([0, 2]))),
    ("binary_cross_entropy_with_logits",
     lambda x: F.binary_cross_entropy_with_logits(x, ag.ones(2, 3))),
    ("norm", lambda x: x.norm()),
])
def test_each_composite_is_drawn_under_its_own_name(name, make):
    x = leaf([[0.5, -1.0, 2.0], [1.5, 0.0, -0.5]], "x")
    loss = make(x)
    text = viz.to_dot(loss)
    assert name in titles(text), titles(text)
    (box,) = [v for v in viz.build_graph(loss).vertices.values()
              if v.kind == "composite" and v.key[1].name == name]
    inner = {n.prim.name for n in box.members}
    assert len(box.members) >= 2
    expanded = set(titles(viz.to_dot(loss, expand=True)))
    assert inner <= expanded and name not in expanded


def test_expand_a_set_of_names_opens_only_those():
    x = leaf([[0.5, -1.0, 2.0]], "x")
    loss = F.cross_entropy(x.softmax(-1), ag.tensor([1]))
    some = titles(viz.to_dot(loss, expand={"cross_entropy"}))
    assert "softmax" in some and "cross_entropy" not in some and "nll" in some


def test_custom_composite_decorator():
    @ag.composite("swish")
    def swish(t):
        return t * t.sigmoid()

    assert swish.__name__ == "swish" and swish.composite_name == "swish"
    x = leaf([1.0, -1.0], "x")
    loss = swish(x).sum()
    assert "swish" in titles(viz.to_dot(loss))
    np.testing.assert_allclose(swish(x).numpy(), [1 / (1 + np.exp(-1)), -1 / (1 + np.e)],
                               rtol=1e-6)
    with pytest.raises(TypeError, match="composite: name"):
        ag.composite("")


def test_stepper_steps_inside_a_composite_box():
    x = leaf([[1.0, 2.0, 0.5]], "x")
    loss = F.cross_entropy((x * 2.0).tanh(), ag.tensor([1]))
    stepper = viz.BackwardStepper(loss)
    refs = [s.ref for s in stepper]
    assert refs[0].startswith("nll#") and " in cross_entropy#" in refs[0]
    box_id = only(stepper.dot(0), "<B>cross_entropy</B>")[0]
    stepper.next()
    text = stepper.dot()
    box = nodes(text)[box_id]
    assert f'color="{vdot.HIGHLIGHT}" penwidth="3"' in box      # its op is the current step
    stepper.run_to_end()
    x2 = x.detach().requires_grad_()
    F.cross_entropy((x2 * 2.0).tanh(), ag.tensor([1])).backward()
    np.testing.assert_allclose(x.grad.numpy(), x2.grad.numpy(), rtol=1e-6)


def test_gradient_flow_into_a_box_is_highlighted():
    x = leaf([1.0, 2.0, 3.0], "x")
    h = x.exp()
    h.name = "h"
    loss = h.mean()
    stepper = viz.BackwardStepper(loss)
    stepper.goto(2)                     # sum (inside mean) sends its gradient to h
    h_id = only(stepper.dot(), "<B>exp</B>")[0]
    box_id = only(stepper.dot(), "<B>mean</B>")[0]
    assert any(s == h_id and d == box_id and vdot.HIGHLIGHT in a for s, d, a in
               edges(stepper.dot()))


# ----- constants, targets, large tensors ------------------------------------------------------

def test_loss_target_and_added_constants_are_drawn_dimmed():
    x = leaf([[0.5, -1.0, 2.0]], "x")
    target = ag.tensor([[0.0, 1.0, 0.0]])
    loss = F.mse_loss(x + 1.0, target)
    text = viz.to_dot(loss)
    consts = [v for v in nodes(text).values() if "<B>constant</B>" in v]
    assert any("(1, 3) float32" in v for v in consts)            # the target, outside the box
    assert any("scalar float32" in v for v in consts)            # the 1.0 added
    for v in consts:
        assert 'fontcolor="#888888"' in v and "dashed" in v
    target_id = [k for k, v in nodes(text).items() if "<B>constant</B>" in v
                 and "(1, 3)" in v][0]
    box_id = only(text, "<B>mse_loss</B>")[0]
    assert any(s == target_id and d == box_id for s, d, _ in edges(text))
    assert "<B>constant</B>" not in viz.to_dot(loss, show_saved=False)


def test_saved_constant_is_dimmed_and_shows_its_value():
    x = leaf([1.0, -2.0], "x")
    data = ag.tensor([3.0, 4.0])
    data.name = "batch"
    y = (x * data).sum()
    attrs = only(viz.to_dot(y), "batch")[1]
    assert "data [3.0, 4.0]" in attrs and vdot.STYLES["saved"]["fontcolor"] in attrs


def test_large_tensors_are_summarised():
    x = ag.arange(200, dtype=ag.float64).reshape(10, 20).requires_grad_()
    x.name = "big"
    with ag.keep_values():
        y = (x * 0.5).relu()
        y.name = "act"
        loss = y.sum()
    loss.backward()
    text = viz.to_dot(loss)
    act = only(text, "act")[1]
    norm = np.linalg.norm(np.arange(200) * 0.5)
    assert f"data norm {vdot.number(norm)}  mean {vdot.number(49.75)}" in act
    assert "[0.0, 0.5, 1.0, ...]" in act and "(10, 20) float64" in act
    big = only(text, "<B>big</B>")[1]
    assert "grad norm" in big and "[0.0, 0.5, 0.5, ...]" in big


# ----- deep nets --------------------------------------------------------------------------------

def deep_mlp(blocks=12):
    ag.manual_seed(0)
    body = [nn.Sequential(nn.Linear(8, 8), nn.LayerNorm(8), nn.ReLU()) for _ in range(blocks)]
    net = nn.Sequential(nn.Linear(4, 8), *body, nn.Linear(8, 3))
    loss = F.cross_entropy(net(ag.randn(5, 4)), ag.tensor([0, 1, 2, 0, 1]))
    return net, loss


def test_deep_net_is_collapsed_to_modules_automatically():
    net, loss = deep_mlp()
    full = viz.build_graph(loss, auto_collapse=None)
    assert len(full.vertices) > 80
    g = viz.build_graph(loss)
    assert len(g.vertices) <= viz.graph.AUTO_COLLAPSE
    kinds = [v.kind for v in g.vertices.values()]
    assert kinds.count("module") == 14          # 0: Linear, 12 blocks, 13: Linear
    labels = {v.name for v in g.vertices.values() if v.kind == "module"}
    assert {"0: Linear", "1: Sequential", "12: Sequential", "13: Linear"} <= labels
    assert len(viz.build_graph(loss, auto_collapse=1000).vertices) == len(full.vertices)
    # an explicit choice is kept
    assert len(viz.build_graph(loss, max_depth=2).vertices) > len(g.vertices)


def test_small_graph_is_not_collapsed():
    x = leaf([1.0, 2.0], "x")
    loss = (x * x).sum()
    assert "module" not in {v.kind for v in viz.build_graph(loss).vertices.values()}


@needs_dot
def test_twelve_block_net_renders_top_to_bottom_in_a_column():
    net, loss = deep_mlp()
    svg_text = viz.svg(loss, rankdir="TB")
    root = ET.fromstring(svg_text)
    width = float(root.get("width").removesuffix("pt"))
    height = float(root.get("height").removesuffix("pt"))
    assert width < 600 < height, (width, height)        # a notebook column is ~700-900 px
    drawn = [g for g in root.iter(f"{SVG}g") if g.get("class") == "node"]
    assert len(drawn) <= viz.graph.AUTO_COLLAPSE
    texts = " ".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))
    assert "12: Sequential" in texts and "cross_entropy" in texts
    wide = ET.fromstring(viz.svg(loss))
    assert float(wide.get("width").removesuffix("pt")) > width


@needs_dot
def test_composites_and_constants_render_to_svg():
    x = leaf([[0.5, -1.0, 2.0]], "x")
    loss = F.mse_loss(F.layer_norm(x, (3,)), ag.zeros(1, 3))
    root = ET.fromstring(viz.svg(loss))
    texts = " ".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))
    assert "layer_norm" in texts and "mse_loss" in texts and "constant" in texts
    root = ET.fromstring(viz.svg(loss, expand=True))
    clusters = [g for g in root.iter(f"{SVG}g") if g.get("class") == "cluster"]
    assert {"".join(c.find(f"{SVG}text").itertext()) for c in clusters} >= {"layer_norm",
                                                                              "mse_loss"}


def test_cross_entropy_target_indices_are_drawn_dimmed_beside_the_box():
    x = leaf([[0.5, -1.0, 2.0], [1.5, 0.0, -0.5]], "x")
    loss = F.cross_entropy(x, ag.tensor([2, 0]))
    text = viz.to_dot(loss)
    target_id, attrs = only(text, "<B>target</B>")
    assert "(2,) int64" in attrs and "data [2, 0]" in attrs and 'fontcolor="#888888"' in attrs
    box_id = only(text, "<B>cross_entropy</B>")[0]
    assert any(s == target_id and d == box_id for s, d, _ in edges(text))


def test_depth_cut_and_kept_outputs_inside_a_composite_make_no_stray_cluster():
    x = leaf([0.5, -1.0, 2.0], "x")
    loss = (x.exp().softmax(-1) * 2.0).sum()
    for options in (dict(depth=3), dict(show_saved="all")):
        text = viz.to_dot(loss, **options)
        assert 'label="softmax"' not in text, options      # no cluster for a boxed op
        assert "<B>softmax</B>" in text


def test_module_boxes_list_composite_ops_by_name():
    net, loss = deep_mlp(blocks=2)
    text = viz.to_dot(loss, max_depth=1)
    block = only(text, "<B>1: Sequential</B>")[1]
    assert "11 ops: linear, layer_norm, relu" in block


def test_a_composite_of_one_engine_node_is_drawn_as_that_node():
    x = ag.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    graph = viz.build_graph(x.var())            # var is a single VAR primitive
    kinds = [(v.kind, v.key.prim.name) for v in graph.vertices.values() if v.kind == "op"]
    assert kinds == [("op", "var")]
