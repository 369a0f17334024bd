"""Parameter names, submodule clusters and collapsing, for ``params=``.

Naming. ``params`` is an ``nn.Module`` (its ``named_parameters()`` give the
dotted names ``"0.weight"``) or a ``{name: Tensor}`` dict. A parameter's
module is its name without the last part: ``"0.weight"`` belongs to ``"0"``,
``"encoder.fc.bias"`` to ``"encoder.fc"``, ``"w"`` to the root ``""``.

Clusters. The graph does not record which module ran which operation, so
it is inferred from where the parameters enter. The *region* of a module is
the set of operations that lie on a path from an operation using one of its
parameters (or a parameter of its submodules) to another such operation:
everything data passes through between the module's first and its last use
of a parameter. For ``Linear`` that is ``Transpose(weight)``,
``MatMul(x, weight.T)`` and ``Add(..., bias)``; the loss after the model and
the input before it stay outside; a parameter-free activation between two
layers falls in their parent's region (``nn.MLP``'s box) but in neither
layer's. Each operation joins the deepest module whose region holds it
(the smaller region on a tie, e.g. between weight-shared modules), each
output tensor joins its operation, each parameter its module, and a
one-element constant (a number in a formula) joins a module when every
operation using it is inside; larger constants and other leaves (the batch,
the targets) stay outside, as data coming in.
Parameter-free modules (``ReLU``) get no cluster of their own: nothing in
the graph tells where they start and end.

Collapsing replaces everything inside a module's cluster (submodules
included) by one ``module`` node that lists its parameters and gradient
sizes; edges into and out of the cluster are kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from autograd.tensor import Tensor
from viz.graph import Graph, Node
from viz.summary import Summary, fmt, root_mean_square, shape_text


def parameter_names(params: Any) -> tuple[dict[int, str], dict[str, str]]:
    """Read ``params=``: ``({id(tensor): name}, {module path: module type name})``.

    A parameter shared by several modules keeps its first name, as
    ``named_parameters()`` does.
    """
    if params is None:
        return {}, {}
    names: dict[int, str] = {}
    types: dict[str, str] = {}
    if hasattr(params, "named_parameters"):
        items: Iterable[tuple[str, Any]] = params.named_parameters()
        if hasattr(params, "named_modules"):
            for path, module in params.named_modules():
                types[path] = type(module).__name__
    elif isinstance(params, Mapping):
        items = params.items()
    else:
        raise TypeError(
            "draw_graph: params must be an nn.Module or a {name: Tensor} dict, "
            f"got {type(params).__name__}"
        )
    for name, t in items:
        if not isinstance(t, Tensor):
            raise TypeError(f"draw_graph: params[{name!r}] is a {type(t).__name__}, not a Tensor")
        names.setdefault(id(t), str(name))
    return names, types


def module_of(name: str) -> str:
    """``"0.weight"`` -> ``"0"``; ``"w"`` -> ``""`` (the root)."""
    return name.rpartition(".")[0]


def _ancestors(path: str) -> list[str]:
    """``"a.b.c"`` -> ``["a.b.c", "a.b", "a", ""]``."""
    result = [path]
    while path:
        path = module_of(path)
        result.append(path)
    return result


def _reach(starts: Iterable[str], adjacency: Mapping[str, list[str]], keep: Any) -> set[str]:
    """Nodes reachable from ``starts`` along ``adjacency`` through nodes where ``keep`` holds."""
    seen = set(starts)
    stack = list(seen)
    while stack:
        for nxt in adjacency[stack.pop()]:
            if nxt not in seen and keep(nxt):
                seen.add(nxt)
                stack.append(nxt)
    return seen


def _topological_index(graph: Graph, consumers: Mapping[str, list[str]]) -> dict[str, int]:
    """Position of each node in a forward (inputs first) topological order (Kahn)."""
    pending = {nid: 0 for nid in graph.nodes}
    for _, b in graph.edges:
        pending[b] += 1
    ready = [nid for nid, k in pending.items() if k == 0]
    index: dict[str, int] = {}
    while ready:
        nid = ready.pop()
        index[nid] = len(index)
        for nxt in consumers[nid]:
            pending[nxt] -= 1
            if pending[nxt] == 0:
                ready.append(nxt)
    return index


def assign_clusters(graph: Graph, param_names: Mapping[int, str], types: Mapping[str, str]) -> None:
    """Set ``node.cluster`` and ``graph.clusters`` (in place); see the module docstring."""
    inputs = graph.inputs()
    consumers = graph.consumers()
    # The module path of each parameter node, by the name it is drawn with.
    param_path: dict[str, str] = {}
    for node in graph.nodes.values():
        if node.kind == "param" and node.tensor is not None and id(node.tensor) in param_names:
            param_path[node.id] = module_of(param_names[id(node.tensor)])
    users: dict[str, set[str]] = {}
    for nid, path in param_path.items():
        for p in _ancestors(path):
            users.setdefault(p, set()).update(consumers[nid])
    # A node on a path between two users lies between them in topological
    # order, so each search stays inside that window: linear in the size of
    # a module, not of the whole graph, for a deep stack of layers.
    order = _topological_index(graph, consumers)
    best: dict[str, tuple[int, int, str]] = {}
    for path, starts in users.items():
        lo = min(order[n] for n in starts)
        hi = max(order[n] for n in starts)
        down = _reach(starts, consumers, lambda n, hi=hi: order[n] <= hi)
        region = down & _reach(starts, inputs, lambda n, lo=lo: order[n] >= lo)
        depth = path.count(".") + 1 if path else 0
        for nid in region:
            if graph.nodes[nid].kind != "op":
                continue
            rank = (-depth, len(region), path)
            if nid not in best or rank < best[nid]:
                best[nid] = rank
    for nid, (_, _, path) in best.items():
        graph.nodes[nid].cluster = path
        for out in consumers[nid]:
            if graph.nodes[out].kind in ("intermediate", "output"):
                graph.nodes[out].cluster = path
    for nid, path in param_path.items():
        graph.nodes[nid].cluster = path
    for node in graph.nodes.values():
        # A number inside a formula (a 0-d or one-element constant, such as a
        # slope or a divisor) belongs to the module using it; a larger input
        # (the batch, the targets) is data coming in from outside.
        if (
            node.kind == "constant"
            and consumers[node.id]
            and node.shape is not None
            and int(np.prod(node.shape)) <= 1
        ):
            homes = {graph.nodes[c].cluster for c in consumers[node.id]}
            if len(homes) == 1:
                node.cluster = homes.pop()
    used = {n.cluster for n in graph.nodes.values() if n.cluster is not None}
    for path in sorted({a for p in used for a in _ancestors(p)}):
        kind = types.get(path, "")
        label = path or "model"
        graph.clusters[path] = f"{label} · {kind}" if kind else label


def collapse(
    graph: Graph, paths: Iterable[str], param_names: Mapping[int, str] | None = None
) -> Graph:
    """Replace each listed module's cluster by one node (in place, and returned).

    ``param_names`` (``id(tensor) -> name``, in the module's order) orders the
    parameters listed on each module's node."""
    wanted = list(paths)
    unknown = [p for p in wanted if p not in graph.clusters]
    if unknown:
        known = ", ".join(repr(p) for p in graph.clusters) or "none (pass params=)"
        raise ValueError(
            f"draw_graph: cannot collapse {unknown}: no such cluster; clusters: {known}"
        )
    # An outer module swallows any inner one that is also listed.
    wanted_set = set(wanted)
    chosen = [
        p for p in dict.fromkeys(wanted) if not any(q in wanted_set for q in _ancestors(p)[1:])
    ]
    chosen_set = set(chosen)
    owner: dict[str, str] = {}
    for node in graph.nodes.values():
        if node.cluster is None or node.kind == "output":
            continue
        # The outermost chosen module around the node owns it.
        outer = [p for p in _ancestors(node.cluster) if p in chosen_set]
        if outer:
            owner[node.id] = outer[-1]
    if not owner:
        return graph
    rank = {key: i for i, key in enumerate(param_names or {})}
    merged: dict[str, Node] = {}
    members: dict[str, list[Node]] = {p: [] for p in chosen}
    for nid, p in owner.items():
        members[p].append(graph.nodes[nid])
    new_nodes: dict[str, Node] = {}
    for nid, node in graph.nodes.items():
        p = owner.get(nid)
        if p is None:
            new_nodes[nid] = node
        elif p not in merged:
            merged[p] = _module_node(p, graph.clusters[p], members[p], len(merged), rank)
            new_nodes[merged[p].id] = merged[p]
    edges: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for a, b in graph.edges:
        a2 = merged[owner[a]].id if a in owner else a
        b2 = merged[owner[b]].id if b in owner else b
        if a2 != b2 and (a2, b2) not in seen:
            seen.add((a2, b2))
            edges.append((a2, b2))
    graph.merged.update({nid: merged[p].id for nid, p in owner.items()})
    graph.nodes = new_nodes
    graph.edges = edges
    return graph


def _module_node(
    path: str, label: str, members: list[Node], index: int, rank: Mapping[int, int]
) -> Node:
    counts: dict[str, int] = {}
    for m in members:
        counts[m.kind] = counts.get(m.kind, 0) + 1
    node = Node(
        id=f"module{index}",
        kind="module",
        title=label,
        distance=min(m.distance for m in members),
        cluster=module_of(path) if path else None,
        members=counts,
    )
    params = [m for m in members if m.kind == "param" and m.tensor is not None]
    params.sort(key=lambda m: rank.get(id(m.tensor), len(rank)))
    # Names relative to the module: "x2h.weight" and "h2h.weight" inside
    # a cell, not "weight" twice.
    prefix = path + "." if path else ""
    node.rows = [
        (
            m.title[len(prefix) :] if m.title.startswith(prefix) else m.title or "param",
            shape_text(m.shape),
        )
        for m in params
    ]
    node.data = _pooled([m.tensor.data for m in params], "values")  # type: ignore[union-attr]
    grads = [m.tensor.grad.data for m in params if m.tensor.grad is not None]  # type: ignore[union-attr]
    node.grad = _pooled(grads, "rms") if grads else None
    return node


def _pooled(arrays: list[np.ndarray], what: str) -> Summary | None:
    """One summary of several parameters: their size, or their gradients' RMS."""
    if not arrays:
        return None
    flat = np.concatenate([np.asarray(a, dtype=np.float64).ravel() for a in arrays])
    finite = flat[np.isfinite(flat)]
    rms = root_mean_square(finite)
    nan = int(np.isnan(flat).sum())
    inf = int(flat.size - nan - finite.size)
    if what == "values":
        text = f"{flat.size:,} values"
    else:
        text = "rms " + (fmt(rms) if rms is not None else "n/a")
    return Summary(text=text, nan=nan, inf=inf, rms=rms)
