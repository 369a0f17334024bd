"""The graph walk (viz.graph): nodes, edges, kinds, names, max_nodes, deep graphs."""

from __future__ import annotations

import sys

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given

import nn
import viz
from autograd import Tensor
from viz.dot import build
from viz.graph import OMITTED, limit, walk


def _kinds(graph) -> dict[str, int]:
    out: dict[str, int] = {}
    for n in graph.nodes.values():
        out[n.kind] = out.get(n.kind, 0) + 1
    return out


def test_one_node_per_tensor_and_operation():
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([3.0, 4.0], requires_grad=True)
    out = (a * b).sum()
    g = walk(out)
    # Tensors a, b, a*b, out; operations Mul, Sum.
    assert _kinds(g) == {"output": 1, "op": 2, "intermediate": 1, "leaf": 2}
    ops = {n.title: n.id for n in g.nodes.values() if n.kind == "op"}
    assert set(ops) == {"Mul", "Sum"}
    by_id = g.nodes
    leaves = [n.id for n in by_id.values() if n.kind == "leaf"]
    inter = next(n.id for n in by_id.values() if n.kind == "intermediate")
    output = next(n.id for n in by_id.values() if n.kind == "output")
    assert sorted(g.edges) == sorted(
        [
            (leaves[0], ops["Mul"]),
            (leaves[1], ops["Mul"]),
            (ops["Mul"], inter),
            (inter, ops["Sum"]),
            (ops["Sum"], output),
        ]
    )
    assert by_id[inter].shape == (2,) and by_id[inter].dtype == "float64"
    assert by_id[output].shape == ()


def test_shared_subexpression_is_one_node():
    x = Tensor([1.0, -2.0], requires_grad=True)
    h = x.tanh()
    out = (h * h + h).sum()
    g = walk(out)
    tanh_nodes = [n for n in g.nodes.values() if n.title == "Tanh"]
    assert len(tanh_nodes) == 1
    tanh_out = next(b for a, b in g.edges if a == tanh_nodes[0].id)
    # h feeds Mul twice and Add once: three edges out of its tensor node.
    assert sum(1 for a, _ in g.edges if a == tanh_out) == 3
    assert sum(1 for n in g.nodes.values() if n.kind == "leaf") == 1


def test_constants_have_shape_and_dtype_and_can_be_hidden():
    x = Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    out = (x * np.full(3, 2.0, dtype=np.float32)).sum()
    g = walk(out)
    (const,) = [n for n in g.nodes.values() if n.kind == "constant"]
    assert const.shape == (3,) and const.dtype == "float32"
    assert const.tensor is None  # the engine does not keep constants
    hidden = walk(out, show_constants=False)
    assert _kinds(hidden).get("constant", 0) == 0
    assert len(hidden.nodes) == len(g.nodes) - 1


def test_parameter_names_from_a_module_and_a_dict():
    model = nn.Linear(2, 3)
    x = Tensor(np.ones((4, 2)))
    out = model(x).sum()
    g = build(out, params=model, max_nodes=None)
    params = {n.title: n for n in g.nodes.values() if n.kind == "param"}
    assert set(params) == {"weight", "bias"}
    assert params["weight"].shape == (3, 2) and params["bias"].shape == (3,)
    w = Tensor(np.ones((2, 2)), requires_grad=True)
    out2 = (w * 3.0).sum()
    g2 = build(out2, params={"layer.w": w}, max_nodes=None)
    (p,) = [n for n in g2.nodes.values() if n.kind == "param"]
    assert p.title == "layer.w"


def test_params_must_be_module_or_dict():
    x = Tensor([1.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"params must be an nn\.Module"):
        viz.draw_graph(x * 2, params=[x])
    with pytest.raises(TypeError, match="not a Tensor"):
        viz.draw_graph(x * 2, params={"x": 3.0})


def test_names_label_leaves_and_live_intermediates_and_output():
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x.exp()
    out = h.sum()
    g = build(out, names={"x": x, "h": h, "loss": out}, max_nodes=None)
    titles = {n.kind: n.title for n in g.nodes.values() if n.kind != "op"}
    assert titles == {"leaf": "x", "intermediate": "h", "output": "loss"}


def test_graph_after_backward_is_still_drawn_with_leaf_grads():
    x = Tensor([1.0, 2.0], requires_grad=True)
    out = (x * x).sum()
    out.backward()
    g = build(out, max_nodes=None)
    assert _kinds(g)["op"] == 2
    (leaf,) = [n for n in g.nodes.values() if n.kind == "leaf"]
    assert leaf.grad is not None and leaf.grad.text == "[2, 4]"
    # The intermediate x*x is gone (nobody holds it): shape only.
    (inter,) = [n for n in g.nodes.values() if n.kind == "intermediate"]
    assert inter.tensor is None and inter.data is None and inter.shape == (2,)


def test_keep_intermediates_keeps_values_grads_and_constants():
    x = Tensor([1.0, 2.0], requires_grad=True)
    c = Tensor([10.0, 20.0])
    with viz.keep_intermediates():
        out = ((x * c).exp() * 0.0 + x).sum()
    out.backward()
    g = build(out, names={"c": c}, max_nodes=None)
    inters = [n for n in g.nodes.values() if n.kind == "intermediate"]
    assert inters and all(n.data is not None and n.grad is not None for n in inters)
    consts = [n for n in g.nodes.values() if n.kind == "constant"]
    assert {n.title for n in consts} >= {"c"}
    named = next(n for n in consts if n.title == "c")
    assert named.data.text == "[10, 20]"
    # Outside the block nothing is kept.
    y = Tensor([1.0], requires_grad=True)
    out2 = (y.exp() * 2.0).sum()
    out2.backward()
    g2 = build(out2, max_nodes=None)
    assert all(n.tensor is None for n in g2.nodes.values() if n.kind == "intermediate")


def test_keep_intermediates_restores_apply_even_on_error():
    from autograd.function import Function

    before = Function.__dict__["apply"]
    with pytest.raises(ZeroDivisionError), viz.keep_intermediates():
        with viz.keep_intermediates():
            pass
        1 / 0  # noqa: B018
    assert Function.__dict__["apply"] is before


def test_leaf_root_and_several_roots():
    x = Tensor([1.0], requires_grad=True)
    g = walk(x)
    assert [n.kind for n in g.nodes.values()] == ["leaf"] and not g.edges
    a = x * 2.0
    b = x * 3.0
    g2 = walk([a, b])
    assert _kinds(g2) == {"output": 2, "op": 2, "leaf": 1, "constant": 2}
    with pytest.raises(TypeError, match="root must be a Tensor"):
        walk([])


def test_max_nodes_keeps_nearest_and_counts_the_rest():
    x = Tensor([0.5], requires_grad=True)
    y = x
    for _ in range(30):
        y = y.tanh()
    full = walk(y)
    assert len(full.nodes) == 1 + 30 * 2  # leaf, then op + output per tanh
    g = walk(y, max_nodes=11)
    assert len(g.nodes) == 11
    omitted = g.nodes[OMITTED]
    assert omitted.kind == "omitted"
    assert omitted.members == {"op": 25, "intermediate": 25, "leaf": 1}
    assert omitted.title == "51 more nodes not drawn"
    kept = [n for n in g.nodes.values() if n.kind != "omitted"]
    assert max(n.distance for n in kept) == 9  # the ten nodes nearest the output
    # The omitted node feeds exactly the op whose input was cut.
    fed = [b for a, b in g.edges if a == OMITTED]
    assert len(fed) == 1 and g.nodes[fed[0]].kind == "op"
    # limit() on the full graph gives the same picture.
    cut = limit(walk(y), 11)
    assert cut.nodes[OMITTED].members == omitted.members
    assert len(cut.edges) == len(g.edges)


def test_max_nodes_validation():
    x = Tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="max_nodes must be at least 2"):
        walk(x * 2, max_nodes=1)


def test_100000_deep_graph_with_max_nodes_does_not_recurse():
    x = Tensor(np.array([0.5]), requires_grad=True)
    y = x
    depth = 100_000
    for _ in range(depth):
        y = y * 1.0
    limit_before = sys.getrecursionlimit()
    drawing = viz.draw_graph(y, max_nodes=60)
    assert sys.getrecursionlimit() == limit_before
    g = drawing.viz_graph
    assert len(g.nodes) == 60
    total = len(g.nodes) - 1 + sum(g.omitted.values())
    # Each Mul: an op, its output tensor and its constant 1.0; plus the leaf.
    assert total == 3 * depth + 1
    assert g.omitted["op"] == depth - sum(1 for n in g.nodes.values() if n.kind == "op")
    assert "299,942 more nodes not drawn" in drawing.source


@st.composite
def _programs(draw):
    """A random straight-line program over two leaves, with reuse of earlier values."""
    steps = draw(
        st.lists(
            st.tuples(
                st.sampled_from(["add", "mul", "tanh", "sum", "const"]),
                st.integers(0, 100),
                st.integers(0, 100),
            ),
            min_size=1,
            max_size=12,
        )
    )
    return steps


@given(_programs())
def test_walk_invariants_on_random_programs(steps):
    a = Tensor([0.5, -1.0], requires_grad=True)
    b = Tensor([2.0, 0.25], requires_grad=True)
    values = [a, b]
    for op, i, j in steps:
        u, v = values[i % len(values)], values[j % len(values)]
        if op == "add":
            values.append(u + v)
        elif op == "mul":
            values.append(u * v)
        elif op == "tanh":
            values.append(u.tanh())
        elif op == "sum":
            values.append(u.sum() + v)
        else:
            values.append(u * 3.0)
    out = values[-1]
    g = walk(out)
    ops = [n for n in g.nodes.values() if n.kind == "op"]
    # Every operation: one edge to its own output tensor, one edge in per input.
    for op_node in ops:
        outs = [b_ for a_, b_ in g.edges if a_ == op_node.id]
        assert len(outs) == 1
        assert g.nodes[outs[0]].kind in ("intermediate", "output")
        ins = [a_ for a_, b_ in g.edges if b_ == op_node.id]
        assert len(ins) == len(op_node.op.next_functions)
    # Operations are exactly the distinct grad_fn nodes reachable from the output.
    seen, stack = set(), [out.grad_fn] if out.grad_fn is not None else []
    while stack:
        fn = stack.pop()
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        stack.extend(n for n in fn.next_functions if n is not None and not isinstance(n, Tensor))
    assert len(ops) == len(seen)
    assert {id(n.op) for n in ops} == seen
    # One tensor node per op output, and the leaves used.
    tensor_nodes = [n for n in g.nodes.values() if n.kind in ("intermediate", "output")]
    assert len(tensor_nodes) == len(ops)
    assert 1 <= sum(1 for n in g.nodes.values() if n.kind == "leaf") <= 2
    # Distances are breadth-first: an op is one step behind its output tensor,
    # and an input is at most one step behind the op using it.
    for a_, b_ in g.edges:
        da, db = g.nodes[a_].distance, g.nodes[b_].distance
        if g.nodes[a_].kind == "op":
            assert da == db + 1
        else:
            assert da <= db + 1
