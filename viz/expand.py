"""Fused operations drawn as the operations they stand for (``expand_fused=True``).

A fused primitive (``Linear``, ``MseLoss``, ``SoftmaxCrossEntropy``) is one
node of the engine's graph for speed, and one box in the picture by
default. A reader learning what a layer or a loss computes may want the
longer story: ``x @ W.T + b`` as Transpose, MatMul and Add; a mean squared
error as Sub, PowScalar and Mean. An operation that can tell it has a
``compose(*inputs)`` method: the same function written with other
primitives. :func:`expand_fused` runs it on stand-ins for the operation's
inputs, walks the small graph that records, and puts that graph in the
fused node's place, wired to the same input and output tensors.

The stand-ins hold the inputs' values when the picture knows them all (the
inputs are leaves, or were kept by :func:`viz.keep_intermediates`); the
composition's intermediate tensors then show their values, and, when the
fused node's output kept its gradient, their gradients too (the
composition's backward pass, seeded with it). Otherwise the stand-ins are
zeros of the recorded shapes, and the new tensors show shapes only.
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

import numpy as np

from autograd.function import enable_grad
from autograd.tensor import Tensor
from viz.graph import Graph, Node, walk
from viz.record import keep_intermediates, kept_constant

_LEAVES = ("param", "leaf", "constant")


def expand_fused(graph: Graph) -> int:
    """Replace every fused operation of ``graph`` by its composition, in place.

    Returns the number of operations replaced. Operations without a
    ``compose`` method, and those whose inputs the picture does not all show
    (``show_constants=False`` hides some, ``max_nodes`` others), stay as
    they are.
    """
    inputs, consumers = graph.inputs(), graph.consumers()
    replaced: dict[str, tuple[list[Node], list[tuple[str, str]], set[str]]] = {}
    for nid, node in graph.nodes.items():
        fn = node.op
        if node.kind != "op" or fn is None or not hasattr(fn, "compose"):
            continue
        outs = consumers[nid]
        positions = _positions(fn, len(inputs[nid]))
        if len(outs) != 1 or positions is None:
            continue
        replaced[nid] = _composition(graph, nid, fn, inputs[nid], positions, outs[0])
    if not replaced:
        return 0
    nodes: dict[str, Node] = {}
    for nid, node in graph.nodes.items():
        if nid not in replaced:
            nodes[nid] = node
            continue
        for new in replaced[nid][0]:
            nodes[new.id] = new
    edges = [(a, b) for a, b in graph.edges if a not in replaced and b not in replaced]
    for _, new_edges, _ in replaced.values():
        edges.extend(new_edges)
    # An input that only the fused operation used and the composition does
    # not (the class indices of a cross-entropy: an index, not an input) goes.
    used = {a for a, _ in edges} | {b for _, b in edges}
    for _, _, dropped in replaced.values():
        for nid in dropped:
            if nid not in used and nodes[nid].kind == "constant":
                del nodes[nid]
    graph.nodes.clear()
    graph.nodes.update(nodes)
    graph.edges[:] = edges
    return len(replaced)


def _positions(fn: Any, n_edges: int) -> list[int] | None:
    """Which of ``fn``'s inputs the ``n_edges`` edges into its node come from."""
    n_inputs = len(fn.next_functions)
    if n_edges == n_inputs:
        return list(range(n_inputs))
    shown = [i for i, nxt in enumerate(fn.next_functions) if nxt is not None]
    return shown if n_edges == len(shown) else None


def _composition(
    graph: Graph, nid: str, fn: Any, sources: list[str], positions: list[int], out_id: str
) -> tuple[list[Node], list[tuple[str, str]], set[str]]:
    """The nodes and edges that stand for ``fn``, and the input nodes it used."""
    metas = fn.input_meta
    values: list[np.ndarray | None] = [None] * len(metas)
    source_of: dict[int, str] = {}
    for src, i in zip(sources, positions):
        source_of[i] = src
        t = graph.nodes[src].tensor
        values[i] = t.data if t is not None else None
    for i in range(len(metas)):
        if values[i] is None:
            kept = kept_constant(fn, i)
            values[i] = kept.data if kept is not None else None
    known = all(v is not None for v in values)
    stand_ins = [
        Tensor(
            np.array(v) if v is not None else np.zeros(shape, dtype),
            requires_grad=np.dtype(dtype).kind == "f",
        )
        for v, (shape, dtype) in zip(values, metas)
    ]
    out_tensor = graph.nodes[out_id].tensor
    with enable_grad(), keep_intermediates() if known else nullcontext():
        result = fn.compose(*stand_ins)
    if known and out_tensor is not None and out_tensor.grad is not None:
        result.backward(out_tensor.grad.data)
    sub = walk(result, show_constants=True)
    by_tensor = {id(t): i for i, t in enumerate(stand_ins)}
    base = graph.nodes[nid]
    ids: dict[str, str] = {}
    new_nodes: list[Node] = []
    for k, (sid, snode) in enumerate(sub.nodes.items()):
        if snode.kind == "output":
            ids[sid] = out_id
            continue
        if snode.kind in _LEAVES and snode.tensor is not None and id(snode.tensor) in by_tensor:
            # An input of the fused operation: its node in the picture, or
            # nothing where the picture hides it (show_constants=False).
            ids[sid] = source_of.get(by_tensor[id(snode.tensor)], "")
            continue
        snode.id = ids[sid] = f"{nid}_{k}"
        snode.distance += max(base.distance - 1, 0)
        snode.cluster = base.cluster
        new_nodes.append(snode)
    new_edges = [(ids[a], ids[b]) for a, b in sub.edges if ids[a] and ids[b]]
    return new_nodes, new_edges, set(sources)
