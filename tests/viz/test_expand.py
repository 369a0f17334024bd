"""``expand_fused=True``: fused operations drawn as the operations they stand for."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

import nn
import viz
from autograd import Tensor
from viz.dot import build

RNG = np.random.default_rng(0)
X = RNG.normal(size=(4, 2))
Y = RNG.normal(size=(4, 1))
LABELS = np.array([0, 1, 1, 0])


def _ops(graph) -> Counter:
    return Counter(n.title for n in graph.nodes.values() if n.kind == "op")


def _tensor_ops(model: nn.MLP, loss: str) -> Tensor:
    """The same step as nn's, written with unfused operations."""
    w0, b0, w1, b1 = model.parameters()
    out = ((Tensor(X) @ w0.T + b0).relu()) @ w1.T + b1
    if loss == "mse":
        return ((out - Tensor(Y)) ** 2).mean()
    return -out.log_softmax(axis=1)[np.arange(4), LABELS].mean()


@pytest.mark.parametrize("loss", ["mse", "ce"])
def test_expanded_graph_has_the_operations_of_the_composition(loss: str) -> None:
    model = nn.MLP([2, 3, 1 if loss == "mse" else 2], seed=0)
    out = nn.MSELoss()(model(X), Y) if loss == "mse" else nn.CrossEntropyLoss()(model(X), LABELS)
    fused = "MseLoss" if loss == "mse" else "SoftmaxCrossEntropy"
    plain, expanded = build(out, params=model), build(out, params=model, expand_fused=True)
    assert _ops(plain) == Counter({"Linear": 2, "ReLU": 1, fused: 1})
    assert _ops(expanded) == _ops(build(_tensor_ops(model, loss), params=model))
    # The same parameters, batch and output, wired into the new operations.
    assert [n.title for n in expanded.nodes.values() if n.kind == "param"] == [
        n.title for n in plain.nodes.values() if n.kind == "param"
    ]
    outputs = [n for n in expanded.nodes.values() if n.kind == "output"]
    assert len(outputs) == 1 and outputs[0].tensor is out
    ids = set(expanded.nodes)
    assert all(a in ids and b in ids for a, b in expanded.edges)
    consumers = expanded.consumers()
    for node in expanded.nodes.values():
        if node.kind in ("param", "constant", "intermediate"):
            assert consumers[node.id], f"{node} feeds nothing"
    # Class indices are an index of GetItem in the composition, not an input.
    constants = sum(n.kind == "constant" for n in expanded.nodes.values())
    assert constants == (2 if loss == "mse" else 1)


def test_kept_values_and_gradients_are_shown_inside_the_composition() -> None:
    model = nn.MLP([2, 3, 1], seed=0)
    with viz.keep_intermediates():
        pred = model(X)
        loss = nn.MSELoss()(pred, Y)
    loss.backward()
    graph = build(loss, params=model, expand_fused=True, tiny=0)
    by_op = {n.title: n for n in graph.nodes.values() if n.kind == "op"}
    consumers = graph.consumers()
    diff = graph.nodes[consumers[by_op["Sub"].id][0]]
    np.testing.assert_allclose(diff.tensor.data, pred.data - Y)
    np.testing.assert_allclose(diff.tensor.grad.data, 2 * (pred.data - Y) / 4, rtol=1e-12)
    square = graph.nodes[consumers[by_op["PowScalar"].id][0]]
    np.testing.assert_allclose(square.tensor.data, (pred.data - Y) ** 2)
    assert diff.data is not None and diff.grad is not None
    # The user's parameters got no second gradient from the picture's own backward.
    before = model[0].weight.grad.data.copy()
    build(loss, params=model, expand_fused=True)
    np.testing.assert_array_equal(model[0].weight.grad.data, before)


def test_unknown_values_leave_shapes_only() -> None:
    model = nn.MLP([2, 3, 2], seed=0)
    loss = nn.CrossEntropyLoss()(model(X), LABELS)
    graph = build(loss, params=model, expand_fused=True)
    inner = [n for n in graph.nodes.values() if n.kind == "intermediate"]
    assert inner and all(n.data is None for n in inner)
    assert {n.shape for n in inner} >= {(4, 2), (4,), (3, 2), (2, 3)}


def test_hidden_constants_stay_hidden() -> None:
    model = nn.MLP([2, 3, 1], seed=0)
    loss = nn.MSELoss()(model(X), Y)
    graph = build(loss, params=model, expand_fused=True, show_constants=False)
    assert not [n for n in graph.nodes.values() if n.kind == "constant" and n.shape != ()]
    assert _ops(graph)["Sub"] == 1 and "MseLoss" not in _ops(graph)


def test_draw_graph_and_save_html_take_the_option(tmp_path) -> None:
    model = nn.MLP([2, 3, 2], seed=0)
    with viz.keep_intermediates():
        loss = nn.CrossEntropyLoss()(model(X), LABELS)
    loss.backward()
    source = viz.draw_graph(loss, params=model, expand_fused=True, cluster=True).source
    assert "LogSoftmax" in source and "MatMul" in source and "SoftmaxCrossEntropy" not in source
    plain = viz.draw_graph(loss, params=model).source
    assert "SoftmaxCrossEntropy" in plain and "MatMul" not in plain
    page = viz.save_html(loss, tmp_path / "g.html", params=model, expand_fused=True)
    assert "LogSoftmax" in page.read_text(encoding="utf-8")


def test_the_command_line_expands_fused_operations(tmp_path) -> None:
    from tests.viz.helpers import parse_dot
    from viz.__main__ import main

    paths = {flag: tmp_path / f"m{flag}.gv" for flag in ("", "--expand-fused")}
    for flag, path in paths.items():
        assert main(["--mlp", "2,3,1", *([flag] if flag else []), "-o", str(path)]) == 0
    labels = {
        flag: [n.label for n in parse_dot(p.read_text()).of_class("op")]
        for flag, p in paths.items()
    }
    assert any("Linear" in label for label in labels[""])
    assert not any("Linear" in label for label in labels["--expand-fused"])
    assert sum("MatMul" in label for label in labels["--expand-fused"]) == 2


def test_a_fused_loss_says_its_reduction() -> None:
    model = nn.MLP([2, 3, 1], seed=0)
    loss = nn.MSELoss(reduction="sum")(model(X), Y)
    (node,) = [n for n in build(loss).nodes.values() if n.title == "MseLoss"]
    assert "reduction='sum'" in node.detail
