"""``draw_graph``: a computation graph as a ``graphviz.Digraph``.

:mod:`viz.graph` finds the nodes and edges, :mod:`viz.modules` names
parameters and groups submodules, :mod:`viz.style` writes the labels; this
module puts them together in a Digraph. The Digraph it returns is a
:class:`Drawing`, which displays inline in Jupyter with whichever renderer
:mod:`viz.render` finds (the system ``dot`` or the pip-installed one).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import graphviz

from autograd.tensor import Tensor
from viz import style
from viz.expand import expand_fused as _expand_fused
from viz.fold import AUTO_RUN, MIN_RUN, STYLES, find_steps, fold
from viz.graph import OMITTED, Graph, Node, limit, name_lookup, summarize_nodes, walk
from viz.layout import LEAF_KINDS, graph_attributes, split_shared
from viz.modules import assign_clusters, collapse, parameter_names
from viz.summary import TINY, shape_text
from viz.text import escape

DEFAULT_MAX_NODES = 500
# Graphs are searched for repeated steps up to this many nodes from the output.
FOLD_WALK = 20_000


class Drawing(graphviz.Digraph):
    """A ``graphviz.Digraph`` that renders itself with :mod:`viz.render`.

    Jupyter displays it inline as SVG, using the system ``dot`` or the
    ``graphviz-pure`` command, whichever :func:`viz.render.find_renderer`
    picks (``graphviz.Digraph`` alone would need the system ``dot``).
    ``viz_graph`` holds the plain :class:`viz.graph.Graph` it was drawn from;
    ``viz_renderer`` the renderer to use (``None``: automatic).
    """

    viz_graph: Graph | None = None
    viz_renderer: str | None = None

    def _repr_mimebundle_(
        self,
        include: Iterable[str] | None = None,
        exclude: Iterable[str] | None = None,
        **_: Any,
    ) -> dict[str, str]:
        wanted = set(include) if include is not None else {"image/svg+xml"}
        wanted -= set(exclude or ())
        if "image/svg+xml" not in wanted:
            return {}
        return {"image/svg+xml": self._repr_image_svg_xml()}

    def _repr_image_svg_xml(self) -> str:
        from viz.render import to_svg

        return to_svg(self, renderer=self.viz_renderer)

    def _repr_svg_(self) -> str:
        return self._repr_image_svg_xml()


def _tooltip(node: Node) -> str:
    default = style.KIND_STYLE[node.kind][2] if node.kind in style.KIND_STYLE else ""
    parts = [node.title or default or node.kind]
    if node.ref is not None:
        parts.append("used again here; drawn in full at its first use")
    if node.kind in style.KIND_STYLE and node.shape is not None:
        parts.append(f"shape {shape_text(node.shape)} {node.dtype or ''}".strip())
    if node.kind == "op":
        parts.extend(p for p in (style.op_formula(node), style.op_rule(node)) if p)
    if node.data is not None:
        parts.append("data: " + node.data.text.replace("\n", " "))
    if node.grad is not None:
        parts.append("grad: " + node.grad.text.replace("\n", " "))
    return escape(" | ".join(parts))


def _collapse_paths(
    graph: Graph, collapse_opt: bool | str | Iterable[str], params: Any
) -> list[str]:
    if collapse_opt is True:
        # Every top-level submodule: the layers of a Sequential, or the
        # first part of dotted names in a dict.
        paths = [p for p in graph.clusters if p and "." not in p]
        if not paths:
            raise ValueError(
                "draw_graph: collapse=True found no submodule to collapse: "
                + _no_groups_hint(params)
            )
        return paths
    if collapse_opt is False or collapse_opt is None:
        return []
    wanted = [collapse_opt] if isinstance(collapse_opt, str) else list(collapse_opt)
    unknown = [p for p in wanted if p not in graph.clusters]
    if unknown:
        known = ", ".join(repr(p) for p in graph.clusters if p) or "none"
        raise ValueError(
            f"draw_graph: cannot collapse {', '.join(map(repr, unknown))}: collapse= takes "
            "module paths, the dotted prefixes of parameter names ('cell' groups 'cell.Wx' "
            f"and 'cell.Wh'), and no parameter name here starts with that prefix; "
            f"paths: {known}. " + _no_groups_hint(params)
        )
    return wanted


def _no_groups_hint(params: Any) -> str:
    if params is None:
        return "pass params= (a Module or a {name: tensor} dict) to define the groups."
    if isinstance(params, Mapping) and not any("." in str(k) for k in params):
        return (
            "every name in the params dict lies at the top level; name them with a dotted "
            "prefix ({'cell.Wx': Wx, 'cell.Wh': Wh}) to group them, or use fold= to draw "
            "repeated steps once."
        )
    return "collapse=True collapses every top-level one."


def _fold_style(
    fold_opt: bool | str, n_nodes: int, max_nodes: int | None, complete: bool
) -> tuple[str | None, int]:
    """The fold style to use, and the shortest run of steps to fold."""
    if fold_opt is True:
        return "stack", MIN_RUN
    if fold_opt is False or fold_opt is None:
        return None, MIN_RUN
    if fold_opt == "auto":
        # Any repetition when the graph would not fit; else only long runs,
        # so that a loop of a few steps is drawn step by step.
        if not complete:
            return None, MIN_RUN
        big = max_nodes is not None and n_nodes > max_nodes
        return "stack", MIN_RUN if big else AUTO_RUN
    if fold_opt in STYLES:
        return str(fold_opt), MIN_RUN
    raise ValueError(
        f"draw_graph: fold must be 'auto', True, False, 'stack' or 'steps', got {fold_opt!r}"
    )


def build(
    root: Tensor | Sequence[Tensor],
    *,
    params: Any = None,
    names: Mapping[str, Tensor] | None = None,
    show_data: bool = True,
    show_grad: bool = True,
    max_nodes: int | None = DEFAULT_MAX_NODES,
    cluster: bool = False,
    collapse_opt: bool | str | Iterable[str] = (),
    show_constants: bool = True,
    tiny: int = TINY,
    fold_opt: bool | str = "auto",
    expand_fused: bool = False,
) -> Graph:
    """The plain :class:`Graph` that :func:`draw_graph` draws (same options)."""
    pnames, types = parameter_names(params)
    grouped = bool(cluster or collapse_opt)
    # Clusters need the whole graph, folding as much of it as is worth
    # searching for repeats; otherwise the walk itself stops at max_nodes.
    graph = walk(
        root,
        param_names=pnames,
        names=name_lookup(names),
        show_constants=show_constants,
        max_nodes=None if grouped else (FOLD_WALK if fold_opt else max_nodes),
    )
    if expand_fused:
        _expand_fused(graph)
    graph.record_ops()
    paths: list[str] = []
    if grouped:
        assign_clusters(graph, pnames, types)
        paths = _collapse_paths(graph, collapse_opt, params)
    if paths:
        collapse(graph, paths, pnames)
    # graph.omitted is not empty when the walk stopped at FOLD_WALK: "auto"
    # then draws the part nearest the output, as for fold=False.
    complete = not graph.omitted
    style_, min_run = _fold_style(fold_opt, len(graph.nodes), max_nodes, complete)
    if style_:
        fold(graph, style_, complete=complete, min_run=min_run)
    # What the note on the omitted node suggests: only what would help.
    hints = ["raise it"]
    if graph.omitted or (max_nodes is not None and len(graph.nodes) > max_nodes):
        if any("." in name for name in pnames.values()) and not paths:
            hints.append("collapse submodules (collapse=)")
        if not style_ and find_steps(graph)[1]:
            hints.append("fold the repeated steps (fold=True)")
    limit(graph, max_nodes)
    if OMITTED in graph.nodes:
        graph.nodes[OMITTED].rows = [("hint", ", or ".join(hints))]
    summarize_nodes(graph, show_data=show_data, show_grad=show_grad, tiny=tiny)
    if not cluster:
        for node in graph.nodes.values():
            node.cluster = None
    split_shared(graph)
    return graph


def draw_graph(
    root: Tensor | Sequence[Tensor],
    *,
    params: Any = None,
    names: Mapping[str, Tensor] | None = None,
    show_data: bool = True,
    show_grad: bool = True,
    rankdir: str = "TB",
    max_nodes: int | None = DEFAULT_MAX_NODES,
    fold: bool | str = "auto",
    color_by_grad: bool = False,
    grad_range: tuple[float, float] | None = None,
    cluster: bool = False,
    collapse: bool | str | Iterable[str] = (),
    show_constants: bool = True,
    legend: bool = True,
    tiny: int = TINY,
    show_rules: bool = False,
    expand_fused: bool = False,
    title: str | None = None,
    renderer: str | None = None,
) -> Drawing:
    """Draw the computation graph that produced ``root``.

    One node per tensor and per operation; arrows follow the forward pass
    (inputs -> operation -> output), and ``backward()`` sends gradients
    against them.

    Parameters
    ----------
    root : Tensor or sequence of Tensors
        What to draw back from, typically the loss.
    params : nn.Module or dict of {name: Tensor}, optional
        Names the parameters (``"0.weight"``) and defines the submodules for
        ``cluster`` and ``collapse``.
    names : dict of {name: Tensor}, optional
        Names for other tensors: ``{"x": x, "y": y, "loss": loss}``.
        Intermediates and constants are matched only while their Tensor is
        alive (held by you, or kept by :func:`viz.keep_intermediates`).
    show_data, show_grad : bool
        Show a summary of each tensor's values / gradient: the values of
        tiny tensors, ``min · mean · max`` of larger ones. Intermediate
        tensors show them only when still alive, see
        :func:`viz.keep_intermediates`.
    rankdir : {"TB", "LR", "BT", "RL"}
        Direction of the forward pass in the picture: top to bottom by
        default, as in the CLI and the README pictures. A graph is much
        longer than it is wide (a chain of operations), and pages and
        notebooks scroll vertically at a fixed width, so top to bottom keeps
        the text at its size where left to right would shrink it to fit.
    max_nodes : int or None
        Draw at most this many nodes, keeping those nearest the output; one
        extra node says how many operations and tensors were left out.
        ``None`` draws everything. The small copies of a shared tensor drawn
        next to its later uses (see :mod:`viz.layout`) are not counted.
    fold : {"auto", True, False, "stack", "steps"}
        Repeated steps (the same operations over the same parameters, as in
        a recurrent loop; see :mod:`viz.fold`): ``"stack"`` (or ``True``)
        draws the last step of a run in full and the steps before it as one
        counted node; ``"steps"`` draws each step as one node with the value
        and gradient of its result; ``False`` draws every operation.
        ``"auto"`` folds as ``"stack"`` any run of 8 or more steps, and
        any run of 3 or more when the graph has more than ``max_nodes``
        nodes (a graph of more than 20,000 nodes is drawn as its part
        nearest the output instead, unless ``fold`` is given).
    color_by_grad : bool
        Colour each gradient and the edges leaving its tensor by the
        gradient's root mean square on a log scale (pale: vanishing, dark
        red: exploding); the legend shows the scale.
    grad_range : (float, float), optional
        The RMS values at the two ends of that scale; by default the whole
        decades around the gradients in the picture.
    cluster : bool
        Box the nodes of each submodule of ``params`` (see :mod:`viz.modules`).
    collapse : bool, str or iterable of str
        Module paths (``"0"``, ``"encoder.fc"``) to draw as a single node each;
        ``True`` collapses every top-level submodule.
    show_constants : bool
        Draw the inputs that need no gradient.
    legend : bool
        Add a legend under the graph.
    tiny : int
        Tensors with at most this many elements show every value (a matrix
        row by row).
    show_rules : bool
        Under each operation, its derivative rule (from the operation's
        docstring, e.g. ``d(a * b) = b da + a db``): with the gradients shown
        on the tensors, the picture then spells out the chain rule.
    expand_fused : bool
        Draw each fused operation (``Linear``, ``MseLoss``,
        ``SoftmaxCrossEntropy``: one node of the engine, for speed) as the
        operations it stands for, e.g. ``x @ W.T + b`` as Transpose, MatMul
        and Add (see :mod:`viz.expand`).
    title : str, optional
        A title above the graph.
    renderer : str, optional
        Renderer for inline display in Jupyter (see :func:`viz.to_svg`).

    Returns
    -------
    Drawing
        A ``graphviz.Digraph`` (``.source`` is the DOT text); displays inline
        in Jupyter. Render it with :func:`viz.to_svg` or :func:`viz.save_svg`.

    Examples
    --------
    >>> model = nn.MLP([2, 4, 1])
    >>> loss = nn.MSELoss()(model(x), y)
    >>> loss.backward()
    >>> viz.draw_graph(loss, params=model)      # last line of a notebook cell
    """
    if rankdir not in ("TB", "LR", "BT", "RL"):
        raise ValueError(f"draw_graph: rankdir must be 'TB', 'LR', 'BT' or 'RL', got {rankdir!r}")
    graph = build(
        root,
        params=params,
        names=names,
        show_data=show_data,
        show_grad=show_grad,
        max_nodes=max_nodes,
        cluster=cluster,
        collapse_opt=collapse,
        show_constants=show_constants,
        tiny=tiny,
        fold_opt=fold,
        expand_fused=expand_fused,
    )
    scale = None
    if color_by_grad:
        if grad_range is not None:
            scale = style.GradScale(*grad_range)
        else:
            mags = [n.grad.rms for n in graph.nodes.values() if n.grad and n.grad.rms is not None]
            scale = style.GradScale.covering(mags)
    dot = to_digraph(
        graph,
        rankdir=rankdir,
        scale=scale,
        legend=legend,
        max_nodes=max_nodes,
        show_rules=show_rules,
        title=title,
    )
    dot.viz_renderer = renderer
    return dot


def to_digraph(
    graph: Graph,
    *,
    rankdir: str = "TB",
    scale: style.GradScale | None = None,
    legend: bool = True,
    max_nodes: int | None = None,
    show_rules: bool = False,
    title: str | None = None,
) -> Drawing:
    """Style a plain :class:`Graph` as a :class:`Drawing`."""
    dot = Drawing(name="computation_graph")
    dot.viz_graph = graph
    dot.graph_attr.update(
        rankdir=rankdir,
        bgcolor="white",
        fontname=style.FONT,
        fontsize="10",
        nodesep="0.25",
        ranksep="0.35",
        pad="0.25",
        **graph_attributes(len(graph.nodes)),
    )
    dot.node_attr.update(shape="plain", fontname=style.FONT, fontsize="11", fontcolor=style.TEXT)
    dot.edge_attr.update(color=style.EDGE, arrowsize="0.6", penwidth="1.2")

    # Node statements are collected per cluster (one scratch Digraph each, for
    # its quoting) and nested into subgraphs afterwards.
    scratch: dict[str | None, graphviz.Digraph] = {}

    def emit(node: Node, attrs: dict[str, str]) -> None:
        if node.cluster not in scratch:
            scratch[node.cluster] = graphviz.Digraph()
        scratch[node.cluster].node(node.id, **attrs)

    # Farthest from the output first, and an operation's inputs in argument
    # order: Graphviz orders the nodes of a rank by first appearance, so the
    # picture then reads like the code (x @ W.T + b: x, weight, bias).
    position = {nid: i for i, nid in enumerate(graph.nodes)}
    ordered = sorted(graph.nodes.values(), key=lambda n: (-n.distance, position[n.id]))
    for node in ordered:
        classes = [node.kind] + (["nonfinite"] if node.nonfinite else [])
        attrs = {"class": " ".join(classes), "tooltip": _tooltip(node)}
        if node.kind == "op":
            attrs["label"] = style.op_label(node, show_rules)
        elif node.kind == "module":
            attrs["label"] = style.module_label(node, scale)
        elif node.kind == "fold":
            attrs["label"] = style.fold_label(node, scale)
        elif node.kind == "omitted":
            attrs["label"] = style.omitted_label(node, max_nodes)
        else:
            attrs["label"] = style.tensor_label(node, scale)
        emit(node, attrs)

    _emit_clusters(dot, graph, {k: g.body for k, g in scratch.items()})

    for a, b in reversed(graph.edges):
        attrs = {}
        src = graph.nodes[a]
        if scale is not None and src.grad is not None and src.grad.rms is not None:
            attrs = {"color": scale.color(src.grad.rms), "penwidth": "2.2"}
        if src.nonfinite and src.grad is not None and src.grad.nonfinite:
            attrs = {"color": style.RED, "penwidth": "2.2"}
        if src.kind not in LEAF_KINDS:
            # The path of computed values is the picture's spine: kept straight,
            # with the inputs beside it, instead of drifting sideways.
            attrs["weight"] = "4"
        dot.edge(a, b, **attrs)

    if legend or title:
        kinds = {n.kind for n in graph.nodes.values()} if legend else None
        outputs = [n.title for n in graph.nodes.values() if n.kind == "output"]
        name = outputs[0] if len(outputs) == 1 else ""
        label = style.legend_label(kinds, scale, rankdir, name, title)
        dot.attr(label=label, labelloc="t", labeljust="l")
    return dot


def _emit_clusters(
    dot: graphviz.Digraph, graph: Graph, bodies: dict[str | None, list[str]]
) -> None:
    """Write the node statements, nesting a ``subgraph cluster_...`` per module path."""
    dot.body.extend(bodies.pop(None, []))
    paths = sorted(p for p in graph.clusters if any(k == p or _under(k, p) for k in bodies))
    parent: dict[str, str | None] = {}
    level: dict[str, int] = {}
    for p in paths:  # sorted, so a module comes before its submodules
        parent[p] = next((q for q in _parents(p) if q in level), None)
        level[p] = 0 if parent[p] is None else level[parent[p]] + 1  # type: ignore[index]
    subs = {
        p: graphviz.Digraph(
            name=_cluster_name(p, i),
            graph_attr={
                "label": f"<{escape(graph.clusters[p])}>",
                "style": "rounded,filled",
                "color": "#94a3b8",
                "fillcolor": "#f1f5f9" if level[p] % 2 == 0 else "#f8fafc",
                "fontcolor": style.MUTED,
                "labeljust": "l",
                "fontsize": "10",
            },
            body=list(bodies.get(p, [])),
        )
        for i, p in enumerate(paths)
    }
    # subgraph() copies a finished cluster into its parent: innermost first.
    for p in sorted(paths, key=lambda q: -level[q]):
        up = parent[p]
        (dot if up is None else subs[up]).subgraph(subs[p])


def _cluster_name(path: str, index: int) -> str:
    # A module path made of word characters and dots names its cluster
    # readably; any other (a dict key can hold anything) is numbered.
    if _PLAIN_PATH.fullmatch(path):
        return "cluster_" + (path or "(model)")
    return f"cluster_#{index}"


_PLAIN_PATH = re.compile(r"[A-Za-z0-9_.]*")


def _under(path: str, outer: str) -> bool:
    return outer == "" or path.startswith(outer + ".")


def _parents(path: str) -> list[str]:
    """``"a.b.c"`` -> ``["a.b", "a", ""]``."""
    result = []
    while path:
        path = path.rpartition(".")[0]
        result.append(path)
    return result
