"""Layout choices that keep rendering time bounded.

Graphviz's ``dot`` spends its time on long edges: each edge spanning ``k``
ranks becomes a chain of ``k`` virtual nodes that the crossing minimisation
and the network-simplex positioning both work through, and those phases grow
faster than linearly in the number of virtual nodes. A parameter used at
every step of a recurrent loop is the worst case: three weights with 50
uses each, spread over the whole height of the picture, made a 558-node
graph take over a minute in both renderers while a 2,000-node chain takes
0.15 s.

So a leaf (parameter, leaf or constant) whose uses lie far apart is drawn
once at its first use (farthest from the output) and again as a small copy
(its name and shape, marked "shared") next to each group of later uses;
the copy's ``ref`` points at the full card. Every edge then spans a rank or
two, and render time grows about linearly with the number of nodes.
Large graphs also get cheaper layout settings (see :func:`graph_attributes`).
"""

from __future__ import annotations

from viz.graph import Graph, Node

# Uses within this many walk steps (an operation and its output tensor are
# two) of each other share one copy of the leaf: a copy per operation would
# crowd short-range reuse such as ``x * x``.
SPAN = 4
LEAF_KINDS = ("param", "leaf", "constant")
# From this many nodes on, layout settings trade some crossing reduction for
# a bounded running time (measured in docs/render_times.py).
LARGE = 120


def split_shared(graph: Graph, span: int = SPAN) -> Graph:
    """Give each far-apart group of uses of a leaf its own small copy (in place)."""
    consumers = graph.consumers()
    moved: dict[tuple[str, str], str] = {}
    copies: list[Node] = []
    for node in list(graph.nodes.values()):
        if node.kind not in LEAF_KINDS or node.ref is not None:
            continue
        uses = sorted(set(consumers[node.id]), key=lambda c: -graph.nodes[c].distance)
        if len(uses) < 2:
            continue
        # The first group of uses keeps the full card; each later group
        # starts where a use lies more than `span` steps past its first.
        start = graph.nodes[uses[0]].distance
        copy: Node | None = None
        for c in uses:
            d = graph.nodes[c].distance
            if start - d > span:
                start = d
                copy = Node(
                    id=f"{node.id}_{len(copies)}",
                    kind=node.kind,
                    title=node.title,
                    shape=node.shape,
                    dtype=node.dtype,
                    distance=d + 1,
                    cluster=graph.nodes[c].cluster,
                    tensor=node.tensor,
                    ref=node.id,
                )
                copies.append(copy)
            if copy is not None:
                moved[(node.id, c)] = copy.id
    if not copies:
        return graph
    for copy in copies:
        graph.nodes[copy.id] = copy
    graph.edges = [(moved.get((a, b), a), b) for a, b in graph.edges]
    return graph


def graph_attributes(n_nodes: int) -> dict[str, str]:
    """Layout settings for a graph of ``n_nodes``: cheaper ones when it is large.

    ``nslimit``/``nslimit1`` bound the network-simplex iterations (ranking
    and x positions) to that many times the node count, ``mclimit`` scales
    the crossing-minimisation passes and ``searchsize`` the edges it tries
    per pass; on the recurrent loop of docs/render_times.py they cut `dot`
    from 4.7 s to 0.3 s at 228 nodes with little visible change.
    """
    if n_nodes < LARGE:
        return {}
    return {"nslimit": "2", "nslimit1": "2", "mclimit": "0.2", "searchsize": "10"}
