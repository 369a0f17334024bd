"""Repeated structure: the steps of a loop drawn once, or as one node each.

A recurrent loop such as ``h = (x_t @ Wx + h @ Wh + b).tanh()`` records the
same operations over the same parameters at every step: 50 steps are 50
copies of one small picture. :func:`find_steps` recognises them and
:func:`fold` draws them shorter, in one of two styles:

``"stack"``
    the last step of each run is drawn in full (it is nearest the output,
    so its values and gradients are the ones backward computes first) and
    the steps before it as one counted node, "48 steps: MatMul, MatMul,
    Add, Add, Tanh";
``"steps"``
    every step is one node showing the value and gradient of its result,
    so that the gradient can be followed step by step (backpropagation
    through time).

Finding the steps. Each operation gets a signature: its name and, for each
input, what the input is: a parameter or a leaf (by identity, so "the same
parameters"), a constant (by shape), or the output of another operation
(by that operation's signature, followed back :data:`DEPTH` operations).
The operations of one signature that lie on a single chain (each one feeds
the next, through others) mark the ends of the steps; when several
signatures qualify, the one with the most members wins, and on a tie the
one whose first member comes latest in forward order (the last operation of
a step, the ``tanh``). Step ``i`` is everything that feeds the end of step
``i`` and no earlier end; a leaf used by several steps (``Wx``) stays
outside them. Consecutive steps that hold the same operations (the same
multiset of signatures) repeat each other, and a run of at least
:data:`MIN_RUN` of them is folded. The first step of a loop usually differs
(its ``h`` is the initial state, not a result) and is drawn in full.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from itertools import pairwise

from viz.graph import Graph, Node
from viz.modules import _topological_index

DEPTH = 3
MIN_RUN = 3
# fold="auto" folds a graph that fits max_nodes only for runs this long: a
# loop of a few steps reads best in full, a loop of many repeats itself.
AUTO_RUN = 8
STYLES = ("stack", "steps")
_OPS = ("op", "module")
_LEAVES = ("param", "leaf", "constant", "omitted")


def _signatures(graph: Graph, inputs: Mapping[str, list[str]]) -> tuple[dict, dict]:
    """``(local, deep)`` signatures of every operation (see the module docstring)."""
    nodes = graph.nodes
    producer: dict[str, str] = {}
    for nid, node in nodes.items():
        if node.kind in ("intermediate", "output") and inputs[nid]:
            src = inputs[nid][0]
            if nodes[src].kind in _OPS:
                producer[nid] = src

    def describe(t: str) -> tuple:
        n = nodes[t]
        if n.kind in ("param", "leaf"):
            return (n.kind, t)
        return (n.kind, n.shape)

    ops = [nid for nid, n in nodes.items() if n.kind in _OPS]
    local = {
        op: hash((nodes[op].kind, nodes[op].title, tuple(describe(t) for t in inputs[op])))
        for op in ops
    }
    deep = dict(local)
    for _ in range(DEPTH):
        deep = {
            op: hash(
                (
                    local[op],
                    tuple(deep[producer[t]] if t in producer else 0 for t in inputs[op]),
                )
            )
            for op in ops
        }
    return local, deep


def _is_ancestor(a: str, b: str, inputs: Mapping[str, list[str]], order: Mapping[str, int]) -> bool:
    """Does ``a`` feed ``b``? Searched back from ``b``, never before ``a`` in topological order."""
    lo = order[a]
    seen = {b}
    stack = [b]
    while stack:
        for p in inputs[stack.pop()]:
            if p == a:
                return True
            if p not in seen and order[p] > lo:
                seen.add(p)
                stack.append(p)
    return False


def _extend(
    anchors: list[str],
    local: Mapping[str, int],
    inputs: Mapping[str, list[str]],
    order: Mapping[str, int],
) -> list[str]:
    """Add the chain's first and last ends, whose deep signatures differ only
    because they see the loop's start (the initial state) or its end."""
    sig = local[anchors[0]]
    same = sorted((op for op, s in local.items() if s == sig), key=order.__getitem__)
    first, last = order[anchors[0]], order[anchors[-1]]
    before = [op for op in reversed(same) if order[op] < first]
    after = [op for op in same if order[op] > last]
    head: list[str] = []
    for op in before:
        if _is_ancestor(op, (head or anchors)[0], inputs, order):
            head.insert(0, op)
    tail: list[str] = []
    for op in after:
        if _is_ancestor((tail or anchors)[-1], op, inputs, order):
            tail.append(op)
    return head + anchors + tail


def find_steps(graph: Graph) -> tuple[list[list[str]], list[list[int]]]:
    """The steps of the graph's longest repeated chain, and the runs to fold.

    Returns
    -------
    steps : list of list of str
        Node ids of each step, in forward order (empty if nothing repeats).
    runs : list of list of int
        Indices into ``steps`` of each run of at least :data:`MIN_RUN`
        consecutive steps that hold the same operations.
    """
    inputs = graph.inputs()
    consumers = graph.consumers()
    order = _topological_index(graph, consumers)
    local, deep = _signatures(graph, inputs)
    classes: dict[int, list[str]] = {}
    for op, sig in deep.items():
        classes.setdefault(sig, []).append(op)
    candidates = sorted(
        (sorted(members, key=order.__getitem__) for members in classes.values()),
        key=lambda m: (-len(m), -order[m[0]]),
    )
    anchors: list[str] = []
    for members in candidates:
        if len(members) < MIN_RUN:
            break
        if all(_is_ancestor(a, b, inputs, order) for a, b in pairwise(members)):
            anchors = members
            break
    if not anchors:
        return [], []
    anchors = _extend(anchors, local, inputs, order)
    step_of: dict[str, int] = {}
    for i, anchor in enumerate(anchors):
        step_of[anchor] = i
        stack = [anchor]
        while stack:
            for p in inputs[stack.pop()]:
                if p not in step_of:
                    step_of[p] = i
                    stack.append(p)
    for nid, i in list(step_of.items()):
        kind = graph.nodes[nid].kind
        if kind == "omitted" or (
            kind in _LEAVES and any(step_of.get(c) != i for c in consumers[nid])
        ):
            del step_of[nid]  # shared by several steps, or not drawn
    for anchor in anchors:
        for out in consumers[anchor]:  # the step's result belongs to it
            if graph.nodes[out].kind == "intermediate":
                step_of[out] = step_of[anchor]
    steps: list[list[str]] = [[] for _ in anchors]
    for nid in sorted(step_of, key=order.__getitem__):
        steps[step_of[nid]].append(nid)
    shapes = [Counter(local[n] for n in step if n in local) for step in steps]
    runs: list[list[int]] = []
    run = [0]
    for i in range(1, len(steps)):
        if shapes[i] == shapes[run[0]]:
            run.append(i)
            continue
        if len(run) >= MIN_RUN:
            runs.append(run)
        run = [i]
    if len(run) >= MIN_RUN:
        runs.append(run)
    return steps, runs


def fold(
    graph: Graph, style: str = "stack", *, complete: bool = True, min_run: int = MIN_RUN
) -> Graph:
    """Fold the repeated steps of ``graph`` (in place, and returned); see the module docstring.

    ``complete=False`` says that the graph is only the part of a larger one
    nearest the output, so the steps are not numbered "of" a total. Runs of
    fewer than ``min_run`` steps are drawn as they are."""
    if style not in STYLES:
        raise ValueError(f"draw_graph: fold style must be 'stack' or 'steps', got {style!r}")
    steps, runs = find_steps(graph)
    runs = [run for run in runs if len(run) >= max(min_run, MIN_RUN)]
    if not runs:
        return graph
    total = len(steps)
    owner: dict[str, str] = {}
    made: dict[str, Node] = {}
    for run in runs:
        if style == "stack":
            groups = [run[:-1]]
        else:
            groups = [[i] for i in run]
        for group in groups:
            node = _step_node(
                graph, [steps[i] for i in group], group, total if complete else None, len(made)
            )
            made[node.id] = node
            for i in group:
                for nid in steps[i]:
                    owner[nid] = node.id
    new_nodes: dict[str, Node] = {}
    for nid, node in graph.nodes.items():
        key = owner.get(nid)
        if key is None:
            new_nodes[nid] = node
        elif key not in new_nodes:
            new_nodes[key] = made[key]
    edges: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    first_use: dict[str, str] = {}
    for a, b in graph.edges:
        edge = (owner.get(a, a), owner.get(b, b))
        if edge[0] == edge[1] or edge in seen:
            continue
        seen.add(edge)
        if edge[1] in made and new_nodes[edge[0]].kind in _LEAVES:
            made[edge[1]].rows.append(("uses", new_nodes[edge[0]].title or new_nodes[edge[0]].kind))
            best = first_use.get(edge[0])
            if best is None or made[edge[1]].distance > made[best].distance:
                first_use[edge[0]] = edge[1]
        edges.append(edge)
    if style == "steps":
        # One arrow from a shared parameter into the first step node says
        # it all; one into each of 50 would hide the steps.
        edges = [
            (a, b) for a, b in edges if not (b in made and a in first_use and first_use[a] != b)
        ]
    for node in made.values():
        uses = [text for name, text in node.rows if name == "uses"]
        node.rows = [r for r in node.rows if r[0] != "uses"]
        if uses:
            node.rows.append(("over", ", ".join(dict.fromkeys(uses))))
    graph.merged.update(owner)
    graph.nodes = new_nodes
    graph.edges = edges
    return graph


def _step_node(
    graph: Graph, steps: list[list[str]], indices: list[int], total: int | None, k: int
) -> Node:
    nodes = graph.nodes
    members = [nodes[nid] for step in steps for nid in step]
    counts = Counter(m.kind for m in members)
    first, last = indices[0] + 1, indices[-1] + 1
    if total is None:
        # Only the end of the graph was walked: count back from the output.
        back = len(indices)
        title = "a step" if back == 1 else f"{back} steps"
    elif first == last:
        title = f"step {first} of {total}"
    else:
        title = f"{last - first + 1} steps ({first}–{last} of {total})"
    # The result of the group's last step: the tensor the next step reads.
    result = next(
        (nodes[nid] for nid in reversed(steps[-1]) if nodes[nid].kind == "intermediate"),
        None,
    )
    ops = [nodes[nid].title for nid in steps[0] if nodes[nid].kind in _OPS]
    node = Node(
        id=f"fold{k}",
        kind="fold",
        title=title,
        shape=None if result is None else result.shape,
        dtype=None if result is None else result.dtype,
        distance=min(m.distance for m in members),
        cluster=None,
        tensor=None if result is None else result.tensor,
        members=dict(counts),
    )
    node.rows = [("each step" if first != last else "operations", ", ".join(ops))]
    return node
