"""The DOT source that viz.draw_graph writes, checked node by node and edge by edge."""

from __future__ import annotations

import graphviz
import numpy as np
import pytest

import nn
import viz
from autograd import Tensor
from tests.viz.helpers import parse_dot
from viz.style import KIND_STYLE, OP_FILL, RED, GradScale


def _small():
    """out = sum(w * x + 2): a parameter, a leaf, a constant, three ops."""
    w = Tensor([1.0, -2.0], requires_grad=True)
    x = Tensor([3.0, 4.0], requires_grad=True)
    out = (w * x + 2.0).sum()
    out.backward()
    return w, x, out


def test_small_graph_node_by_node():
    w, x, out = _small()
    d = viz.draw_graph(out, params={"w": w}, names={"x": x, "out": out}, legend=False)
    assert isinstance(d, graphviz.Digraph)
    dot = parse_dot(d.source)
    # Tensors: w, x, w*x, 2.0, w*x+2, out; operations: Mul, Add, Sum.
    assert len(dot.nodes) == 9
    assert {
        k: len(dot.of_class(k))
        for k in ("param", "leaf", "constant", "intermediate", "output", "op")
    } == {"param": 1, "leaf": 1, "constant": 1, "intermediate": 2, "output": 1, "op": 3}
    (param,) = dot.of_class("param")
    assert "<B>w</B>" in param.label and "(2,) float64" in param.label
    assert "[1, -2]" in param.label  # data, shown in full for a tiny tensor
    assert "[3, 4]" in param.label  # its gradient d(out)/dw = x
    assert f'COLOR="{KIND_STYLE["param"][1]}"' in param.label
    assert f'BGCOLOR="{KIND_STYLE["param"][0]}"' in param.label
    (leaf,) = dot.of_class("leaf")
    assert "<B>x</B>" in leaf.label and f'COLOR="{KIND_STYLE["leaf"][1]}"' in leaf.label
    assert "[1, -2]" in leaf.label  # d(out)/dx = w
    (const,) = dot.of_class("constant")
    assert 'STYLE="rounded,dashed"' in const.label and "() float64" in const.label
    assert f'COLOR="{KIND_STYLE["constant"][1]}"' in const.label
    (output,) = dot.of_class("output")
    assert "<B>out</B>" in output.label and 'BORDER="2"' in output.label
    assert f'COLOR="{KIND_STYLE["output"][1]}"' in output.label
    assert ">-1</TD>" in output.label  # (1*3 + 2) + (-2*4 + 2)
    ops = {n.id: n for n in dot.of_class("op")}
    titles = sorted(n.label.split("<B>")[1].split("</B>")[0] for n in ops.values())
    assert titles == ["Add", "Mul", "Sum"]
    assert all(f'BGCOLOR="{OP_FILL}"' in n.label for n in ops.values())
    assert any("a × b" in n.label for n in ops.values())


def test_small_graph_edge_by_edge():
    w, _, out = _small()
    d = viz.draw_graph(out, params={"w": w}, legend=False)
    dot = parse_dot(d.source)
    graph = d.viz_graph
    assert len(dot.edges) == len(graph.edges) == 8
    assert {(a, b) for a, b, _ in dot.edges} == set(graph.edges)

    def op(title):
        return next(n.id for n in graph.nodes.values() if n.title == title)

    into = {}
    for a, b, _ in dot.edges:
        into.setdefault(b, set()).add(graph.nodes[a].kind)
    assert into[op("Mul")] == {"param", "leaf"}
    assert into[op("Add")] == {"intermediate", "constant"}
    assert into[op("Sum")] == {"intermediate"}
    (output,) = dot.of_class("output")
    assert [a for a, b, _ in dot.edges if b == output.id] == [op("Sum")]


def test_summaries_and_show_flags():
    big = Tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    out = (big * 2.0).sum()
    out.backward()
    dot = parse_dot(viz.draw_graph(out, params={"big": big}).source)
    (param,) = dot.of_class("param")
    assert "min 0 · mean 5.5 · max 11" in param.label
    assert "min 2 · mean 2 · max 2" in param.label
    bare = parse_dot(
        viz.draw_graph(out, params={"big": big}, show_data=False, show_grad=False).source
    )
    (param,) = bare.of_class("param")
    assert "<B>data</B>" not in param.label and "<B>grad</B>" not in param.label
    assert "(3, 4) float64" in param.label
    # Tiny 2-D tensors print row by row.
    m = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    dot = parse_dot(viz.draw_graph(m.sum(), params={"m": m}).source)
    assert "[1, 2]<BR/>[3, 4]" in dot.of_class("param")[0].label


def test_nan_and_inf_are_marked_red():
    x = Tensor([0.0, 1.0], requires_grad=True)
    bad = Tensor([np.nan, 1.0], requires_grad=True)
    out = x.sqrt().sum() + bad.sum()
    with np.errstate(divide="ignore"):
        out.backward()  # d sqrt(x)/dx at 0 is inf
    d = viz.draw_graph(out, names={"x": x, "bad": bad}, legend=False)
    dot = parse_dot(d.source)
    marked = {
        n.label.split("<B>")[1].split("</B>")[0]: n
        for n in dot.nodes.values()
        if "nonfinite" in n.classes
    }
    assert "x" in marked and "bad" in marked
    assert "⚠ 1 inf" in marked["x"].label and f'COLOR="{RED}"' in marked["x"].label
    assert "⚠ 1 NaN" in marked["bad"].label and 'BORDER="3"' in marked["bad"].label
    # The NaN in bad's data propagates to the output's value.
    (output,) = dot.of_class("output")
    assert "nonfinite" in output.classes and "1 NaN" in output.label
    # The gradient flowing back into x is inf: its outgoing edge is red.
    x_id = next(i for i, n in dot.nodes.items() if n is marked["x"])
    assert any(a == x_id and RED in attrs for a, _, attrs in dot.edges)
    # A healthy tensor is not marked.
    y = Tensor([1.0], requires_grad=True)
    assert "nonfinite" not in viz.draw_graph((y * 2).sum()).source


def test_color_by_grad_uses_a_log_scale():
    small = Tensor([1.0], requires_grad=True)
    large = Tensor([1.0], requires_grad=True)
    out = (small * 1e-6 + large * 1e2).sum()
    out.backward()
    d = viz.draw_graph(out, params={"small": small, "large": large}, color_by_grad=True)
    dot = parse_dot(d.source)
    nodes = {n.label.split("<B>")[1].split("</B>")[0]: n for n in dot.of_class("param")}
    scale = GradScale.covering([1e-6, 1e2])
    assert (scale.lo, scale.hi) == (1e-6, 1e2)
    c_small, c_large = scale.color(1e-6), scale.color(1e2)
    assert c_small != c_large
    assert f'BGCOLOR="{c_small}"' in nodes["small"].label
    assert f'BGCOLOR="{c_large}"' in nodes["large"].label
    edge_colors = {a: attrs for a, _, attrs in dot.edges}
    assert c_small in edge_colors[nodes["small"].id] and c_large in edge_colors[nodes["large"].id]
    assert "gradient RMS" in dot.graph_label
    # Middle magnitudes fall in between, monotonically in log scale.
    positions = [scale.position(m) for m in (1e-7, 1e-6, 1e-3, 1.0, 1e2, 1e5)]
    assert positions == sorted(positions) and positions[0] == 0.0 and positions[-1] == 1.0
    plain = viz.draw_graph(out, params={"small": small, "large": large})
    assert c_small not in plain.source and "gradient RMS" not in plain.source
    fixed = viz.draw_graph(out, params={"small": small}, color_by_grad=True, grad_range=(1e-9, 1e3))
    assert GradScale(1e-9, 1e3).color(1e-6) in fixed.source
    with pytest.raises(ValueError, match="grad_range"):
        viz.draw_graph(out, color_by_grad=True, grad_range=(1.0, 0.1))


def test_operation_formulas_details_and_rules():
    a = Tensor(np.ones((2, 3)), requires_grad=True)
    out = (a @ a.T).sum(axis=1) ** 2.0
    out = out.sum()
    dot = parse_dot(viz.draw_graph(out, show_rules=True).source)
    labels = " ".join(n.label for n in dot.of_class("op"))
    assert "a @ b" in labels and "a.T" in labels and "a ** 2" in labels
    assert "sum(a) over axes (1,)" in labels
    mean = parse_dot(viz.draw_graph((a * a).mean()).source)
    assert any("over axes (0, 1), n=6" in n.label for n in mean.of_class("op"))
    assert "d (a @ b) = g @ b^T for a, a^T @ g for b" in labels
    no_rules = viz.draw_graph(out).source
    assert "d (a @ b)" not in no_rules.split("tooltip")[0]


def test_legend_title_and_rankdir():
    _, _, out = _small()
    d = viz.draw_graph(out, rankdir="TB", title="My graph")
    assert "rankdir=TB" in d.source
    dot = parse_dot(d.source)
    assert "My graph" in dot.graph_label and "backward()" in dot.graph_label
    assert "operation" in dot.graph_label and "parameter" not in dot.graph_label
    bare = parse_dot(viz.draw_graph(out, legend=False).source)
    assert bare.graph_label == ""
    with pytest.raises(ValueError, match="rankdir"):
        viz.draw_graph(out, rankdir="XY")


class Affine(nn.Module):
    """``x @ weight.T + bias`` written with Tensor operations (three nodes), so
    that these tests do not depend on how ``nn.Linear`` is implemented."""

    def __init__(self, n_in: int, n_out: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(np.linspace(-1.0, 1.0, n_in * n_out).reshape(n_out, n_in))
        self.bias = nn.Parameter(np.full(n_out, 0.5))

    def forward(self, x):
        return x @ self.weight.T + self.bias


def _net():
    model = nn.Sequential(Affine(2, 3), nn.ReLU(), Affine(3, 1))
    x = Tensor(np.ones((4, 2)))
    loss = ((model(x) - 1.0) ** 2).sum()
    loss.backward()
    return model, x, loss


def _titles(dot):
    by_title = {}
    for n in dot.nodes.values():
        title = n.label.split("<B>")[1].split("</B>")[0] if "<B>" in n.label else ""
        by_title.setdefault(title, []).append(n)
    return by_title


def test_clusters_group_each_layer_and_nest_in_the_model():
    model, x, loss = _net()
    d = viz.draw_graph(loss, params=model, names={"x": x}, cluster=True, legend=False)
    dot = parse_dot(d.source)
    assert dot.clusters == ["(model)", "0", "2"]
    assert "label=<0 · Affine>" in d.source and "label=<model · Sequential>" in d.source
    # Nesting: the two layer boxes open inside the model's box.
    src = d.source
    model_at = src.index('subgraph "cluster_(model)"')
    assert model_at < src.index("subgraph cluster_0") < src.index("subgraph cluster_2")
    by_title = _titles(dot)
    assert [n.cluster for n in by_title["0.weight"]] == ["0"]
    assert [n.cluster for n in by_title["2.bias"]] == ["2"]
    assert {n.cluster for n in by_title["MatMul"]} == {"0", "2"}
    assert {n.cluster for n in by_title["Transpose"]} == {"0", "2"}
    assert {n.cluster for n in by_title["Add"]} == {"0", "2"}
    # ReLU is a module without parameters: it sits in the model, between the layers.
    assert [n.cluster for n in by_title["ReLU"]] == ["(model)"]
    # The loss and the input batch stay outside the model.
    (batch,) = [n for n in dot.of_class("constant") if "(4, 2)" in n.label]
    assert batch.cluster is None
    for title in ("Sub", "PowScalar", "Sum"):
        assert [n.cluster for n in by_title[title]] == [None]
    # Each op's output tensor sits with its op: 4 ops + 4 outputs + 2 params per layer.
    assert sum(n.cluster == "0" for n in dot.nodes.values()) == 3 + 3 + 2
    # Same nodes as without clusters: clustering only groups.
    assert len(dot.nodes) == len(parse_dot(viz.draw_graph(loss, params=model).source).nodes)


def test_collapse_replaces_clusters_by_one_node_each():
    model, _, loss = _net()
    full = parse_dot(viz.draw_graph(loss, params=model, legend=False).source)
    # A layer: weight, Transpose, W.T, MatMul, x@W.T, bias, Add, output = 8 nodes.
    one = viz.draw_graph(loss, params=model, collapse="0", legend=False)
    dot1 = parse_dot(one.source)
    assert len(dot1.nodes) == len(full.nodes) - 8 + 1
    (module,) = dot1.of_class("module")
    assert "0 · Affine" in module.label and "weight (3, 2)" in module.label
    assert "bias (3,)" in module.label and "3 operations, 5 tensors inside" in module.label
    assert module.label.index("weight") < module.label.index("bias")  # the module's order
    assert "<B>grad</B>" in module.label and "rms" in module.label
    both = viz.draw_graph(loss, params=model, collapse=True, legend=False)
    dot2 = parse_dot(both.source)
    assert len(dot2.nodes) == len(full.nodes) - 16 + 2
    assert len(dot2.of_class("module")) == 2 and not dot2.of_class("param")
    # The collapsed layers stay connected in order: x -> 0 -> ReLU -> ... -> 2 -> loss ops.
    m0, m2 = (n.id for n in sorted(dot2.of_class("module"), key=lambda n: n.label))
    succ = {a: b for a, b, _ in dot2.edges}
    relu = next(n for n in dot2.of_class("op") if "ReLU" in n.label).id
    assert succ[m0] == relu
    assert any(a == m2 for a, _, _ in dot2.edges)
    assert any(b == m0 and dot2.nodes[a].classes == {"constant"} for a, b, _ in dot2.edges)
    # Collapsing the whole model hides both layers and the ReLU.
    whole = parse_dot(viz.draw_graph(loss, params=model, collapse=[""], legend=False).source)
    assert len(whole.of_class("module")) == 1 and not any(
        "ReLU" in n.label for n in whole.nodes.values()
    )
    with pytest.raises(ValueError, match=r"cannot collapse '7'.*paths: '0', '2'"):
        viz.draw_graph(loss, params=model, collapse="7")


def test_clusters_and_collapse_of_nn_mlp():
    # Whatever operations nn.Linear is made of, its parameters and the
    # operations between them form the layer's cluster.
    model = nn.MLP([2, 3, 1])
    loss = (model(Tensor(np.ones((4, 2)))) ** 2).sum()
    loss.backward()
    dot = parse_dot(viz.draw_graph(loss, params=model, cluster=True, legend=False).source)
    by_title = _titles(dot)
    for name, path in (("0.weight", "0"), ("0.bias", "0"), ("2.weight", "2"), ("2.bias", "2")):
        assert [n.cluster for n in by_title[name]] == [path]
    assert [n.cluster for n in by_title["ReLU"]] == ["(model)"]
    assert {n.cluster for n in by_title["Sum"]} == {None}
    collapsed = parse_dot(viz.draw_graph(loss, params=model, collapse=True, legend=False).source)
    labels = sorted(n.label for n in collapsed.of_class("module"))
    assert len(labels) == 2 and "0 · Linear" in labels[0] and "2 · Linear" in labels[1]
    assert not collapsed.of_class("param")


def test_clusters_from_a_dict_of_dotted_names():
    w1 = Tensor(np.ones((2, 2)), requires_grad=True)
    w2 = Tensor(np.ones((2, 2)), requires_grad=True)
    x = Tensor(np.ones((1, 2)))
    out = ((x @ w1).tanh() @ w2).sum()
    out.backward()
    d = viz.draw_graph(out, params={"enc.w": w1, "dec.w": w2}, cluster=True, legend=False)
    dot = parse_dot(d.source)
    assert dot.clusters == ["(model)", "dec", "enc"]
    tanh = next(n for n in dot.of_class("op") if "Tanh" in n.label)
    assert tanh.cluster == "(model)"
    collapsed = parse_dot(
        viz.draw_graph(out, params={"enc.w": w1, "dec.w": w2}, collapse=True).source
    )
    assert sorted(
        n.label.split("<B>")[1].split("</B>")[0] for n in collapsed.of_class("module")
    ) == ["dec", "enc"]


def test_max_nodes_note_in_dot():
    x = Tensor([0.5], requires_grad=True)
    y = x
    for _ in range(20):
        y = y.tanh()
    dot = parse_dot(viz.draw_graph(y, max_nodes=5, fold=False).source)
    assert len(dot.nodes) == 5
    (om,) = dot.of_class("omitted")
    assert "37 more nodes not drawn" in om.label
    assert (
        "18 operations" in om.label
        and "18 intermediate tensors" in om.label
        and "1 leaf," in om.label
    )
    assert "(max_nodes=5: raise it)" in om.label  # too few nodes drawn to see repeats
    unlimited = parse_dot(viz.draw_graph(y, max_nodes=None, fold=False).source)
    assert len(unlimited.nodes) == 41 and not unlimited.of_class("omitted")


def test_deep_graph_collapse_and_max_nodes_together():
    # Layers that share nothing, each its own module: the walk, the
    # clustering and the collapse are all iterative.
    depth = 1000
    weights = []
    y = Tensor(np.ones(2))
    for _ in range(depth):
        w = Tensor(np.full(2, 1.0), requires_grad=True)
        weights.append(w)
        y = (y * w).tanh()
    out = y.sum()
    full = viz.draw_graph(out, max_nodes=None, legend=False).viz_graph
    # x, then per layer: w, Mul, its output, Tanh, its output; then Sum and out.
    assert len(full.nodes) == 1 + 5 * depth + 2
    nested = {f"layers.{i}.w": w for i, w in enumerate(weights)}
    g = viz.draw_graph(out, params=nested, collapse=True, max_nodes=None, legend=False).viz_graph
    # Only the top-level module "layers" is collapsed: one node from the first
    # Mul to the last; the Tanh after the last Mul and the Sum stay outside.
    assert g.count("module") == 1 and g.count("op") == 2
    flat = {f"l{i}.w": w for i, w in enumerate(weights)}
    g2 = viz.draw_graph(out, params=flat, collapse=True, max_nodes=100, legend=False).viz_graph
    # Each module l{i} is its Mul, the Mul's output and w; the Tanh between stays.
    kept_modules = [n for n in g2.nodes.values() if n.kind == "module"]
    assert len(g2.nodes) == 100 and len(kept_modules) > 30
    assert all(n.members == {"op": 1, "intermediate": 1, "param": 1} for n in kept_modules)
    represented = sum(
        sum(n.members.values()) if n.kind == "module" else 1
        for n in g2.nodes.values()
        if n.kind != "omitted"
    )
    assert represented + sum(g2.omitted.values()) == len(full.nodes)
