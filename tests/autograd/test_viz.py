"""ag.viz drawings: DOT text (no graphviz needed), SVG through `dot` (parsed with xml.etree),
names, styles, module clusters, collapse, depth cuts, several roots, gradients of gradients."""
import os
import re
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from glassgrad import autograd as ag
from glassgrad import viz
from glassgrad.viz import dot as vdot

from viz_cases import SVG, FakeMLP, leaf, micrograd_expression, needs_dot


# ----- graphs used below -----------------------------------------------------------------

def mlp_loss():
    model = FakeMLP()
    x = ag.tensor([[1.0, -2.0]])
    loss = (model(x) - 1.0).pow(2).sum()
    return model, loss


# ----- DOT parsing helpers -----------------------------------------------------------------

NODE_RE = re.compile(r"^\s*(n\d+) \[label=(.*)\]$", re.M)
EDGE_RE = re.compile(r"^\s*(n\d+) -> (n\d+)(?: \[(.*)\])?$", re.M)


def dot_nodes(text):
    return dict(NODE_RE.findall(text))


def dot_edges(text):
    return EDGE_RE.findall(text)


def node_with(text, fragment):
    """The (id, attributes) of the only node whose statement contains `fragment`."""
    hits = [(k, v) for k, v in dot_nodes(text).items() if fragment in v]
    assert len(hits) == 1, f"{len(hits)} nodes contain {fragment!r}"
    return hits[0]


def svg_tree(svg_text):
    root = ET.fromstring(svg_text)
    groups = {}
    for g in root.iter(f"{SVG}g"):
        groups.setdefault(g.get("class"), []).append(g)
    return root, groups


def svg_texts(element):
    return ["".join(t.itertext()) for t in element.iter(f"{SVG}text")]


# ----- DOT text ----------------------------------------------------------------------------

def test_to_dot_needs_neither_the_package_nor_the_binary(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "graphviz", None)
    monkeypatch.setenv("PATH", str(tmp_path))
    g = micrograd_expression()
    text = viz.to_dot(g["L"])
    assert text.startswith("digraph glassgrad {") and text.rstrip().endswith("}")
    assert len(dot_nodes(text)) == 7            # a b c f, e d L
    assert len(dot_edges(text)) == 6


def test_micrograd_labels_ops_names_shapes_values():
    g = micrograd_expression()
    text = viz.to_dot(g["L"], names=dict(e=g["e"], d=g["d"]))
    for name in "abcf":
        _, attrs = node_with(text, f"<B>{name}</B>")
        assert "scalar float32" in attrs
    assert "data 2.0" in node_with(text, "<B>a</B>")[1]
    assert "data -3.0" in node_with(text, "<B>b</B>")[1]
    _, e_attrs = node_with(text, "</B>&#160;&#160;e ")
    assert "<B>mul</B>" in e_attrs and "data -6.0" in e_attrs   # value from the named tensor
    _, d_attrs = node_with(text, "</B>&#160;&#160;d ")
    assert "<B>add</B>" in d_attrs and "data 4.0" in d_attrs
    _, l_attrs = node_with(text, "</B>&#160;&#160;L ")
    assert "data -8.0" in l_attrs
    assert ">grad" not in text                    # no backward yet: no gradient cells


def test_edges_follow_the_data():
    g = micrograd_expression()
    text = viz.to_dot(g["L"], names=dict(e=g["e"], d=g["d"]))
    ids = {name: node_with(text, frag)[0] for name, frag in
           [("a", "<B>a</B>"), ("b", "<B>b</B>"), ("c", "<B>c</B>"), ("f", "<B>f</B>"),
            ("e", "</B>&#160;&#160;e "), ("d", "</B>&#160;&#160;d "), ("L", "</B>&#160;&#160;L ")]}
    edges = {(s, d) for s, d, _ in dot_edges(text)}
    expected = {("a", "e"), ("b", "e"), ("e", "d"), ("c", "d"), ("d", "L"), ("f", "L")}
    assert edges == {(ids[s], ids[d]) for s, d in expected}


def test_gradients_appear_after_backward_as_data_grad():
    g = micrograd_expression()
    g["e"].retain_grad()
    g["L"].backward()
    text = viz.to_dot(g["L"], names=dict(e=g["e"]))
    assert "data 2.0</TD><VR/><TD>grad 6.0" in node_with(text, "<B>a</B>")[1]
    assert "grad -4.0" in node_with(text, "<B>b</B>")[1]
    assert "grad -2.0" in node_with(text, "</B>&#160;&#160;e ")[1]    # retain_grad() tensor


def test_keep_values_fills_every_node_value_and_gradient():
    a, b = leaf(2.0, "a"), leaf(-3.0, "b")
    with ag.keep_values():
        e = a * b
        d = e + 1.0
        L = d.exp()      # exp keeps its output; add keeps nothing
        L.backward()
    text = viz.to_dot(L)
    add_attrs = node_with(text, "<B>add</B>")[1]
    assert "data -5.0" in add_attrs and f"grad {vdot.number(np.exp(-5.0))}" in add_attrs
    assert "data -6.0" in node_with(text, "<B>mul</B>")[1]


def test_without_keep_values_unknown_values_are_left_out():
    a, b = leaf(2.0, "a"), leaf(-3.0, "b")
    d = (a * b) + 1.0
    L = d * 2.0
    text = viz.to_dot(L)
    assert "data -5.0" in node_with(text, "<B>add</B>")[1]   # the last mul keeps its input d
    inner = [v for v in dot_nodes(text).values() if "<B>mul</B>" in v and "peripheries" not in v]
    assert len(inner) == 1 and "data" not in inner[0]         # add keeps nothing: unknown
    assert "data -10.0" in node_with(text, "peripheries")[1]  # the root's own value


def test_small_tensors_show_values_large_ones_a_summary():
    small = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    small.name = "small"
    big = ag.ones(100, requires_grad=True)
    big.name = "big"
    loss = (small * 2.0).sum() + (big * 3.0).sum()
    loss.backward()
    text = viz.to_dot(loss)
    s_attrs = node_with(text, "<B>small</B>")[1]
    assert "data [1.0, 2.0, 3.0]" in s_attrs and "grad [2.0, 2.0, 2.0]" in s_attrs
    b_attrs = node_with(text, "<B>big</B>")[1]
    assert "(100,) float32" in b_attrs
    # large tensors: norm, mean and the first entries, for the data and for the gradient
    assert "data norm 10.0  mean 1.0<BR/>[1.0, 1.0, 1.0, ...]" in b_attrs
    assert f"grad norm {vdot.number(30.0)}  mean 3.0<BR/>[3.0, 3.0, 3.0, ...]" in b_attrs


def test_styles_are_distinct_per_kind():
    kinds = [vdot.STYLES[k]["fillcolor"] for k in ("op", "input", "param", "saved", "module")]
    assert len(set(kinds + [vdot.OUTPUT_FILL])) == 6
    model, loss = mlp_loss()
    text = viz.to_dot(loss)
    weight = node_with(text, "<B>0.weight</B>")[1]
    assert vdot.STYLES["param"]["fillcolor"] in weight
    saved = node_with(text, "<B>saved</B></TD></TR><TR><TD COLSPAN=\"2\">(1, 2)")[1]
    assert "data [[1.0, -2.0]]" in saved and vdot.STYLES["saved"]["fillcolor"] in saved
    out_id, out = node_with(text, "peripheries")
    assert vdot.OUTPUT_FILL in out and "<B>sum</B>" in out
    x = leaf([1.0, 2.0], "x")
    assert vdot.STYLES["input"]["fillcolor"] in node_with(viz.to_dot((x * x).sum()),
                                                         "<B>x</B>")[1]
    assert "saved" in viz.LEGEND and "parameter" in viz.LEGEND


def test_saved_tensors_and_their_dashed_edges():
    x = leaf([1.0, 2.0], "x")
    y = (x * 2.5).sum()
    text = viz.to_dot(y)
    const_id, const = node_with(text, "<B>saved</B>")
    assert "data 2.5" in const
    assert any(s == const_id and "dashed" in attrs for s, _, attrs in dot_edges(text))
    assert "<B>saved</B>" not in viz.to_dot(y, show_saved=False)
    everything = viz.to_dot((x.exp() * 2.5).sum(), show_saved="all")
    assert "<B>saved</B> out" in everything             # exp keeps its output


def test_params_named_explicitly_or_through_scopes():
    model, loss = mlp_loss()
    auto = viz.to_dot(loss)
    for name in ("0.weight", "0.bias", "1.weight", "1.bias"):
        node_with(auto, f"<B>{name}</B>")
    explicit = viz.to_dot(loss, params={"first.W": model.layers[0].weight})
    node_with(explicit, "<B>first.W</B>")
    node_with(explicit, "<B>0.bias</B>")                      # the rest still found
    as_module = viz.to_dot(loss, params=model)
    node_with(as_module, "<B>1.weight</B>")


def test_clusters_nest_like_the_modules():
    _, loss = mlp_loss()
    text = viz.to_dot(loss)
    assert text.count("subgraph cluster_") == 3
    outer = text.index('label="FakeMLP"')
    inner = [text.index('label="0: FakeLinear"'), text.index('label="1: FakeLinear"')]
    close = text.index("\t}\n", max(inner))          # the outer cluster closes last
    assert outer < min(inner) and close > max(inner)
    # each parameter is drawn inside its layer's cluster
    layer0 = text[inner[0]:text.index("}", inner[0])]
    assert "<B>0.weight</B>" in layer0 and "<B>0.bias</B>" in layer0
    assert "<B>1.weight</B>" not in layer0


def test_collapse_to_module_boxes():
    _, loss = mlp_loss()
    full = viz.to_dot(loss)
    boxes = viz.to_dot(loss, collapse=True)
    nodes = dot_nodes(boxes)
    modules = [v for v in nodes.values() if "box3d" in v]
    assert len(modules) == 2
    assert all("3 ops" in v or "4 ops" in v for v in modules)     # matmul, permute, add, tanh
    assert "0.weight (2, 2) float32" in boxes                       # parameters drawn inside
    assert "<B>0.weight</B>" not in boxes
    assert len(nodes) < len(dot_nodes(full))
    one = viz.to_dot(loss, max_depth=0)
    assert [v for v in dot_nodes(one).values() if "box3d" in v].__len__() == 1
    assert "subgraph cluster_" not in one
    same = viz.to_dot(loss, max_depth=1)
    assert same.count("box3d") == 2 and same.count("subgraph cluster_") == 1


def test_depth_cut_marks_where_the_drawing_stops():
    x = leaf([1.0, -1.0], "x")
    y = x
    for _ in range(10):
        y = y.tanh()
    y = y.sum()
    text = viz.to_dot(y, depth=2)
    ops = [v for v in dot_nodes(text).values() if "<B>tanh</B>" in v or "<B>sum</B>" in v]
    assert len(ops) == 3
    cut_id, cut = node_with(text, '"..." shape')
    assert "cut at depth 2" in cut
    assert any(s == cut_id and "dotted" in attrs for s, _, attrs in dot_edges(text))
    assert "<B>x</B>" not in text
    assert 'label="..."' not in viz.to_dot(y, depth=11)


def test_several_roots_share_one_drawing():
    x = leaf([1.0, 2.0], "x")
    h = x.tanh()
    loss, aux = h.sum(), (h * h).mean()
    text = viz.to_dot([loss, aux])
    assert text.count("peripheries") == 2
    assert len([v for v in dot_nodes(text).values() if "<B>tanh</B>" in v]) == 1
    assert len([v for v in dot_nodes(text).values() if "<B>x</B>" in v]) == 1


def test_graph_of_a_gradient_with_create_graph():
    x = leaf(1.5, "x")
    y = x ** 3
    (gx,) = ag.grad(y, x, create_graph=True)
    assert gx.grad_fn is not None
    text = viz.to_dot(gx)
    nodes = dot_nodes(text)
    assert len([v for v in nodes.values() if "<B>x</B>" in v]) == 1
    assert any("<B>pow_scalar</B>" in v for v in nodes.values())
    assert f"data {vdot.number(3 * 1.5 ** 2)}" in node_with(text, "peripheries")[1]
    both = viz.to_dot([y, gx])
    assert both.count("peripheries") == 2
    assert len([v for v in dot_nodes(both).values() if "<B>x</B>" in v]) == 1


def test_deep_graph_needs_no_recursion():
    x = leaf(0.5, "x")
    y = x
    for _ in range(3000):
        y = y * 1.0
    text = viz.to_dot(y, show_saved=False)
    assert len(dot_nodes(text)) == 3001


def test_labels_are_escaped():
    t = leaf(1.0, 'a<b & "c"')
    text = viz.to_dot(t * 2.0)
    assert "a&lt;b &amp; &quot;c&quot;" in text


def test_bad_arguments_are_named():
    x = leaf(1.0, "x")
    with pytest.raises(TypeError, match="root 0"):
        viz.to_dot([3.0])
    with pytest.raises(TypeError, match="unexpected option"):
        viz.to_dot(x * 2.0, colour="red")
    with pytest.raises(ValueError, match="depth"):
        viz.to_dot(x * 2.0, depth=-1)


def test_real_nn_model_clusters_and_names():
    nn = pytest.importorskip("glassgrad.nn")
    if not hasattr(nn, "Sequential") or not hasattr(nn, "BatchNorm1d"):
        pytest.skip("nn.Sequential / nn.BatchNorm1d not available yet")
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
    loss = model(ag.randn(5, 3)).pow(2).mean()
    text = viz.to_dot(loss)
    for label in ("0: Linear", "1: BatchNorm1d", "2: ReLU", "3: Linear"):
        assert f'label="{label}"' in text
    for name in ("0.weight", "0.bias", "1.weight", "1.bias", "3.weight", "3.bias"):
        node_with(text, f"<B>{name}</B>")
    boxes = viz.to_dot(loss, collapse=True)
    assert boxes.count("box3d") == 4


@needs_dot
def test_real_mlp_with_batchnorm_and_small_cnn_render_with_a_cluster_per_module():
    nn = pytest.importorskip("glassgrad.nn")
    needed = ("Sequential", "Linear", "BatchNorm1d", "ReLU", "Conv2d", "MaxPool2d", "Flatten",
              "CrossEntropyLoss")
    if not all(hasattr(nn, name) for name in needed):
        pytest.skip("nn layers not available yet")
    mlp = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 8),
                        nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))
    cnn = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                        nn.Linear(2 * 3 * 3, 3))
    cases = [(mlp, ag.randn(6, 4), 7), (cnn, ag.randn(2, 1, 8, 8), 5)]
    for model, x, n_children in cases:
        loss = nn.CrossEntropyLoss()(model(x), ag.tensor([0, 1, 2, 0, 1, 2][:x.shape[0]]))
        text = viz.to_dot(loss)
        root, groups = svg_tree(viz.svg(loss))
        assert len(groups["cluster"]) == n_children + 2       # + the Sequential + the loss
        assert len(groups["node"]) == len(dot_nodes(text))
        assert len(groups["edge"]) == len(dot_edges(text))
        labels = {svg_texts(c)[0] for c in groups["cluster"]}
        assert {"Sequential", "CrossEntropyLoss", "0: " + type(model[0]).__name__} <= labels
        params = {name for name, _ in model.named_parameters()}
        assert params <= set(svg_texts(root))
        collapsed = svg_tree(viz.svg(loss, collapse=True))[1]
        assert len(collapsed["node"]) < len(groups["node"])


# ----- Graphviz: draw, render, SVG -----------------------------------------------------------

def test_draw_returns_a_digraph_with_the_same_source():
    graphviz = pytest.importorskip("graphviz")
    g = micrograd_expression()
    d = viz.draw(g["L"], rankdir="TB")
    assert isinstance(d, graphviz.Digraph)
    assert d.source == viz.to_dot(g["L"], rankdir="TB")
    assert hasattr(d, "_repr_mimebundle_") or hasattr(d, "_repr_svg_")


def test_draw_without_the_package_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)
    with pytest.raises(viz.GraphvizNotFoundError, match="pip install graphviz"):
        viz.draw(micrograd_expression()["L"])


def test_render_without_dot_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(viz.GraphvizNotFoundError, match="apt-get install graphviz"):
        viz.render(micrograd_expression()["L"], tmp_path / "g.svg")
    assert not os.listdir(tmp_path)


@needs_dot
def test_svg_of_micrograd_expression_has_the_nodes_edges_and_labels():
    g = micrograd_expression()
    g["L"].backward()
    root, groups = svg_tree(viz.svg(g["L"], names=dict(e=g["e"], d=g["d"])))
    assert len(groups["node"]) == 7 and len(groups["edge"]) == 6
    texts = svg_texts(root)
    for expected in ("a", "b", "c", "f", "mul", "add", "data 2.0", "grad 6.0", "grad -4.0",
                     "data -8.0"):
        assert expected in texts, expected
    titles = {"".join(e.find(f"{SVG}title").itertext()) for e in groups["edge"]}
    assert all("->" in t for t in titles)


@needs_dot
def test_svg_of_mlp_has_one_cluster_per_module_call():
    _, loss = mlp_loss()
    root, groups = svg_tree(viz.svg(loss))
    labels = sorted(" ".join(svg_texts(c)[:1]) for c in groups["cluster"])
    assert labels == ["0: FakeLinear", "1: FakeLinear", "FakeMLP"]
    names = set(svg_texts(root))
    assert {"0.weight", "0.bias", "1.weight", "1.bias"} <= names
    n_ops = len(dot_nodes(viz.to_dot(loss)))
    assert len(groups["node"]) == n_ops


@needs_dot
def test_render_writes_exactly_the_path_atomically(tmp_path):
    g = micrograd_expression()
    path = tmp_path / "graph.svg"
    assert viz.render(g["L"], path) == path
    assert sorted(os.listdir(tmp_path)) == ["graph.svg"]
    root, groups = svg_tree(path.read_text())
    assert len(groups["node"]) == 7
    png = str(tmp_path / "graph")                 # no extension: none is added
    assert viz.render(g["L"], png, format="png") == png
    with open(png, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    assert sorted(os.listdir(tmp_path)) == ["graph", "graph.svg"]


@needs_dot
def test_op_title_keeps_a_space_between_op_and_name():
    a = ag.tensor(2.0, requires_grad=True)
    e = a * 3.0
    e.name = "e"
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", ag.viz.svg(e))
    joined = "".join(texts)
    assert "mule" not in joined and "mul\xa0\xa0e" in joined
