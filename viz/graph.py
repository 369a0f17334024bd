"""Walk a computation graph into plain nodes and edges (no Graphviz here).

The picture has one node per operation and one per tensor. Edges point the
way data flows in the forward pass: input tensor -> operation -> output
tensor. ``backward()`` sends gradients the other way, against the arrows.

Tensor nodes come in five kinds:

``param``
    a leaf that requires grad and is named by ``params=`` (or is an
    ``nn.Parameter``);
``leaf``
    any other leaf that requires grad (``Tensor(..., requires_grad=True)``);
``constant``
    an input that needs no gradient: the input batch, the targets, a number
    in a formula. The engine records only its shape and dtype, so its value
    (and a name from ``names=``) is shown only when
    :func:`viz.keep_intermediates` kept the tensor;
``intermediate``
    the output of an operation;
``output``
    the tensor being drawn (the root).

The walk is a breadth-first search with an explicit queue, so a graph
100,000 operations deep is no problem, and nodes come out ordered by their
distance from the output: the ``max_nodes`` guard keeps a prefix of that
order, i.e. the part of the graph nearest the output, and adds one
``omitted`` node that says how much was left out.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autograd.function import Function
from autograd.tensor import Tensor
from viz.record import kept_constant, kept_output
from viz.summary import Summary, summarize

TENSOR_KINDS = ("param", "leaf", "constant", "intermediate", "output")
KINDS = (*TENSOR_KINDS, "op", "module", "fold", "omitted")

# Attributes of an operation node worth showing next to its name; the rest
# (saved shapes, masks, index arrays) are bookkeeping for its backward rule.
_OP_DETAILS = ("exponent", "axes", "axis", "lo", "hi", "source_dtype", "index", "reduction")


@dataclass(eq=False, slots=True)
class Node:
    """One node of the picture.

    ``id`` is the DOT node name. ``kind`` is one of :data:`KINDS`. ``title``
    is the operation's name (``"MatMul"``), the tensor's name (``"0.weight"``,
    ``"loss"``) or ``""`` for an unnamed intermediate. ``distance`` counts
    edges from the nearest output. ``cluster`` is the dotted path of the
    submodule the node is grouped with (see :mod:`viz.modules`), ``None``
    outside every module. A ``module`` or ``omitted`` node counts the nodes it
    stands for in ``members`` (per kind); a ``module`` node lists its
    parameters as ``(name, shape)`` in ``rows``. ``ref`` is set on a small
    copy of a shared tensor drawn next to a distant use (see
    :func:`viz.layout.split_shared`): the id of the node it copies.
    """

    id: str
    kind: str
    title: str = ""
    shape: tuple[int, ...] | None = None
    dtype: str | None = None
    detail: str = ""
    distance: int = 0
    cluster: str | None = None
    tensor: Tensor | None = field(default=None, repr=False)
    op: Function | None = field(default=None, repr=False)
    data: Summary | None = None
    grad: Summary | None = None
    members: dict[str, int] = field(default_factory=dict)
    rows: list[tuple[str, str]] = field(default_factory=list)
    ref: str | None = None

    @property
    def grad_magnitude(self) -> float | None:
        """Root mean square of the gradient (``None`` if unknown)."""
        return None if self.grad is None else self.grad.rms

    @property
    def nonfinite(self) -> bool:
        """True if the data or the gradient holds a NaN or an inf."""
        return any(s is not None and s.nonfinite for s in (self.data, self.grad))


@dataclass
class Graph:
    """Plain nodes and edges, ready to be styled (by :mod:`viz.dot`) or inspected.

    ``nodes`` maps id -> :class:`Node` in breadth-first order from the output;
    ``edges`` are ``(source id, target id)`` pairs in forward (data-flow)
    direction; ``clusters`` maps a submodule's dotted path to its label
    (filled by :func:`viz.modules.assign_clusters`); ``omitted`` counts the
    nodes left out by ``max_nodes``, per kind.
    """

    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[tuple[str, str]] = field(default_factory=list)
    clusters: dict[str, str] = field(default_factory=dict)
    omitted: dict[str, int] = field(default_factory=dict)
    merged: dict[str, str] = field(default_factory=dict)
    ops_io: dict[str, tuple[Function, list[str], list[str]]] = field(default_factory=dict)

    def record_ops(self) -> None:
        """Remember each operation's node, output and the inputs it sends a
        gradient to (``ops_io``; constants get none), before collapsing,
        folding or ``max_nodes`` merge them into other nodes."""
        inputs, consumers = self.inputs(), self.consumers()
        self.ops_io = {
            nid: (
                n.op,
                consumers[nid],
                [i for i in inputs[nid] if self.nodes[i].kind != "constant"],
            )
            for nid, n in self.nodes.items()
            if n.kind == "op" and n.op is not None
        }

    def drawn_as(self, nid: str) -> str | None:
        """The node that stands for ``nid`` in the picture: itself, the module
        or fold node that took it in, ``"omitted"``, or ``None``."""
        seen = 0
        while nid not in self.nodes and nid in self.merged and seen < 8:
            nid = self.merged[nid]
            seen += 1
        return nid if nid in self.nodes else None

    def count(self, kind: str) -> int:
        """How many nodes of ``kind`` the graph has."""
        return sum(1 for n in self.nodes.values() if n.kind == kind)

    def inputs(self) -> dict[str, list[str]]:
        """For each node id: the ids of the nodes with an edge into it."""
        result: dict[str, list[str]] = {nid: [] for nid in self.nodes}
        for a, b in self.edges:
            result[b].append(a)
        return result

    def consumers(self) -> dict[str, list[str]]:
        """For each node id: the ids its edges point to."""
        result: dict[str, list[str]] = {nid: [] for nid in self.nodes}
        for a, b in self.edges:
            result[a].append(b)
        return result


def _op_detail(fn: Function) -> str:
    attrs = getattr(fn, "__dict__", {})
    parts = []
    for key in _OP_DETAILS:
        if key not in attrs:
            continue
        value = attrs[key]
        if key in ("lo", "hi") and value is None:
            continue
        if key == "source_dtype":
            parts.append(f"from {value}")
            continue
        text = repr(value) if not isinstance(value, np.dtype) else str(value)
        if len(text) > 24:
            text = text[:21] + "..."
        parts.append(f"{key}={text}")
    return ", ".join(parts)


def _as_roots(root: Tensor | Sequence[Tensor]) -> list[Tensor]:
    if isinstance(root, Tensor):
        return [root]
    roots = list(root)
    if not roots or not all(isinstance(r, Tensor) for r in roots):
        raise TypeError(
            "draw_graph: root must be a Tensor or a non-empty sequence of Tensors, "
            f"got {type(root).__name__}"
        )
    return roots


OMITTED = "omitted"


def walk(
    root: Tensor | Sequence[Tensor],
    *,
    param_names: Mapping[int, str] | None = None,
    names: Mapping[int, str] | None = None,
    show_constants: bool = True,
    max_nodes: int | None = None,
) -> Graph:
    """Turn the graph that produced ``root`` into a :class:`Graph`.

    Parameters
    ----------
    root : Tensor or sequence of Tensors
        The output(s) to draw, e.g. the loss.
    param_names : mapping ``id(tensor) -> name``, optional
        Names of parameters (see :func:`viz.modules.parameter_names`).
    names : mapping ``id(tensor) -> name``, optional
        Names for any other tensor: inputs, targets, intermediates.
    show_constants : bool
        Draw inputs that need no gradient.
    max_nodes : int, optional
        Stop creating nodes after ``max_nodes - 1`` and only count the rest:
        they become one ``omitted`` node (the same result as :func:`limit`,
        without building nodes for a graph of a million operations).

    Returns
    -------
    Graph
        Nodes in breadth-first order from the output; no summaries yet
        (:func:`summarize_nodes` adds them to the nodes that will be drawn).
    """
    if max_nodes is not None and max_nodes < 2:
        raise ValueError(f"draw_graph: max_nodes must be at least 2, got {max_nodes}")
    param_names = param_names or {}
    names = names or {}
    graph = Graph()
    nodes = graph.nodes
    edges = graph.edges
    counts = graph.omitted
    # key -> node id, or OMITTED for a node that was counted, not created.
    ids: dict[Any, str] = {}
    capacity = float("inf") if max_nodes is None else max_nodes - 1
    dtype_names: dict[Any, str] = {}

    def dname(dtype: Any) -> str | None:
        # str(dtype) is slow enough to matter on a graph of 100,000 nodes.
        if dtype is None:
            return None
        text = dtype_names.get(dtype)
        if text is None:
            text = dtype_names[dtype] = str(dtype)
        return text

    fed_by_omitted: set[str] = set()

    def add(key: Any, kind: str, **kw: Any) -> str:
        if len(nodes) >= capacity:
            ids[key] = OMITTED
            counts[kind] = counts.get(kind, 0) + 1
            return OMITTED
        nid = f"n{len(nodes)}"
        ids[key] = nid
        nodes[nid] = Node(id=nid, kind=kind, **kw)
        return nid

    def connect(src: str, dst: str) -> None:
        if dst == OMITTED:
            return
        if src == OMITTED:
            # One edge from the omitted node into each node that lost inputs.
            if dst in fed_by_omitted:
                return
            fed_by_omitted.add(dst)
        edges.append((src, dst))

    def leaf_node(t: Tensor, distance: int) -> str:
        key = ("leaf", id(t))
        if key in ids:
            return ids[key]
        name = param_names.get(id(t))
        if name is not None or type(t).__name__ == "Parameter":
            kind = "param"
        elif t.requires_grad:
            kind = "leaf"
        else:
            kind = "constant"
        return add(
            key,
            kind,
            title=name or names.get(id(t)) or "",
            shape=t.data.shape,
            dtype=dname(t.data.dtype),
            distance=distance,
            tensor=t,
        )

    queue: deque[tuple[Function, int]] = deque()
    for r in _as_roots(root):
        if r.grad_fn is None:
            nid = leaf_node(r, 0)
            if nid != OMITTED and not r.requires_grad:
                nodes[nid].kind = "output"
            continue
        key = ("out", id(r.grad_fn))
        if key in ids:
            continue
        add(
            key,
            "output",
            title=names.get(id(r), ""),
            shape=r.data.shape,
            dtype=dname(r.data.dtype),
            tensor=r,
        )
        queue.append((r.grad_fn, 1))
    seen_ops: set[int] = set()
    while queue:
        if len(nodes) >= capacity:
            _count_rest(queue, seen_ops, ids, counts, param_names, show_constants, connect)
            break
        fn, dist = queue.popleft()
        if id(fn) in seen_ops:
            continue
        seen_ops.add(id(fn))
        op_id = add(("op", id(fn)), "op", title=fn.name, distance=dist, op=fn)
        connect(op_id, ids[("out", id(fn))])
        metas = getattr(fn, "input_meta", None) or ((None, None),) * len(fn.next_functions)
        for i, (nxt, (shape, dtype)) in enumerate(zip(fn.next_functions, metas)):
            if nxt is None:
                if not show_constants:
                    continue
                const = kept_constant(fn, i)
                key: Any = ("leaf", id(const)) if const is not None else ("const", id(fn), i)
                if key in ids:
                    src = ids[key]
                elif const is not None:
                    src = leaf_node(const, dist + 1)
                else:
                    src = add(
                        key,
                        "constant",
                        shape=shape,
                        dtype=dname(dtype),
                        distance=dist + 1,
                    )
            elif isinstance(nxt, Function):
                key = ("out", id(nxt))
                src = ids.get(key, "")
                if not src:
                    out = kept_output(nxt) if len(nodes) < capacity else None
                    meta = getattr(nxt, "output_meta", None) or (shape, dtype)
                    src = add(
                        key,
                        "intermediate",
                        title="" if out is None else names.get(id(out), ""),
                        shape=meta[0],
                        dtype=dname(meta[1]),
                        distance=dist + 1,
                        tensor=out,
                    )
                    queue.append((nxt, dist + 2))
            else:
                src = leaf_node(nxt, dist + 1)
            connect(src, op_id)
    if counts:
        _add_omitted(graph, max_nodes)
    return graph


def _count_rest(
    queue: deque[tuple[Function, int]],
    seen_ops: set[int],
    ids: dict[Any, str],
    counts: dict[str, int],
    param_names: Mapping[int, str],
    show_constants: bool,
    connect: Any,
) -> None:
    """Finish the walk once ``max_nodes`` is reached: only count what is left."""

    def count(kind: str) -> None:
        counts[kind] = counts.get(kind, 0) + 1

    while queue:
        fn, _ = queue.popleft()
        if id(fn) in seen_ops:
            continue
        seen_ops.add(id(fn))
        count("op")
        connect(OMITTED, ids[("out", id(fn))])
        for i, nxt in enumerate(fn.next_functions):
            if nxt is None:
                if show_constants:
                    const = kept_constant(fn, i)
                    key: Any = ("leaf", id(const)) if const is not None else None
                    if key is None or key not in ids:
                        if key is not None:
                            ids[key] = OMITTED
                        count("constant")
            elif isinstance(nxt, Function):
                key = ("out", id(nxt))
                if key not in ids:
                    ids[key] = OMITTED
                    count("intermediate")
                    queue.append((nxt, 0))
            else:
                key = ("leaf", id(nxt))
                if key not in ids:
                    ids[key] = OMITTED
                    named = id(nxt) in param_names or type(nxt).__name__ == "Parameter"
                    count("param" if named else "leaf" if nxt.requires_grad else "constant")


def _add_omitted(graph: Graph, max_nodes: int | None) -> None:
    counts = graph.omitted
    graph.nodes[OMITTED] = Node(
        id=OMITTED,
        kind="omitted",
        title=f"{sum(counts.values()):,} more nodes not drawn",
        distance=max((n.distance for n in graph.nodes.values()), default=0) + 1,
        members=dict(counts),
    )


def summarize_nodes(graph: Graph, *, show_data: bool, show_grad: bool, tiny: int) -> None:
    """Fill in operation details and the tensors' data and gradient summaries (in place).

    Run after :func:`limit`, so that only the nodes drawn pay for it."""
    for node in graph.nodes.values():
        if node.kind == "op" and node.op is not None:
            node.detail = _op_detail(node.op)
        t = node.tensor
        if t is None or node.kind not in (*TENSOR_KINDS, "fold"):
            continue
        if show_data:
            node.data = summarize(t.data, tiny)
        if show_grad and t.grad is not None:
            node.grad = summarize(t.grad.data, tiny)


def limit(graph: Graph, max_nodes: int | None) -> Graph:
    """Keep the ``max_nodes`` nodes nearest the output (in place, and returned).

    When nodes are dropped, one ``omitted`` node replaces them: its
    ``members`` count the dropped nodes per kind and it has an edge into
    every kept node that lost an input.
    """
    if max_nodes is None or len(graph.nodes) <= max_nodes:
        return graph
    if max_nodes < 2:
        raise ValueError(f"draw_graph: max_nodes must be at least 2, got {max_nodes}")
    order = sorted(graph.nodes.values(), key=lambda n: n.distance)
    keep = {n.id for n in order[: max_nodes - 1]}
    counts = graph.omitted
    for n in order[max_nodes - 1 :]:
        if n.id == OMITTED:
            continue  # what the walk left out is counted in graph.omitted already
        for kind, k in (n.members or {n.kind: 1}).items():
            counts[kind] = counts.get(kind, 0) + k
    edges: list[tuple[str, str]] = []
    fed: set[str] = set()
    for a, b in graph.edges:
        if b not in keep:
            continue
        if a in keep:
            edges.append((a, b))
        elif b not in fed:
            fed.add(b)
            edges.append((OMITTED, b))
    graph.merged.update({nid: OMITTED for nid in graph.nodes if nid not in keep})
    graph.nodes = {nid: n for nid, n in graph.nodes.items() if nid in keep}
    graph.edges = edges
    _add_omitted(graph, max_nodes)
    return graph


def name_lookup(
    names: Mapping[str, Tensor] | Iterable[tuple[str, Tensor]] | None,
) -> dict[int, str]:
    """``{"x": x}`` -> ``{id(x): "x"}``; a named intermediate is also made
    known to its node (the engine tracks outputs only on request)."""
    if names is None:
        return {}
    items = names.items() if isinstance(names, Mapping) else names
    result: dict[int, str] = {}
    for name, t in items:
        if not isinstance(t, Tensor):
            raise TypeError(f"draw_graph: names[{name!r}] must be a Tensor, got {type(t).__name__}")
        result[id(t)] = name
        if t.grad_fn is not None:
            t.grad_fn.track_output(t)
    return result
