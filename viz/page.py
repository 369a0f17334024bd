"""``save_html``: the graph as one self-contained web page that steps through backward.

The page holds the SVG picture, the values behind every node and a list of
the backward pass's steps, with the script and styles that show them
(:mod:`viz.page_assets`); it loads nothing from the network. In it you can

- pan (drag) and zoom (wheel, ``+``/``-``, ``0`` to fit) the picture;
- click a node to see its full value and gradient (summarised by NumPy's
  printing when large), its shape and dtype, and for an operation what it
  computes and its derivative rule;
- step through the backward pass (buttons, or the arrow keys) in the order
  the engine ran it: at each step the operation whose rule runs is
  outlined, the tensor whose gradient it receives is marked "in" and the
  tensors it sends gradients to are marked "out".

The address can name a step or a node (``page.html#step=3``,
``page.html#node=n4``), so a link can point a reader at one moment of the
backward pass.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from autograd.function import Function
from autograd.tensor import Tensor
from viz import style
from viz.dot import Drawing, draw_graph
from viz.graph import OMITTED, Graph, Node
from viz.page_assets import PAGE
from viz.render import DEFAULT_TIMEOUT, to_svg
from viz.summary import shape_text
from viz.text import FONT_STACK

# Arrays with more elements than this are printed with "..." in the middle.
FULL_VALUES = 400


def backward_order(roots: Tensor | Sequence[Tensor]) -> list[Function]:
    """The operations in the order ``backward()`` runs their rules.

    The same walk as :mod:`autograd.engine`: count, for every node, the
    consumers that will send it a gradient; then run a node once all of them
    have, taking the most recently readied node first (a LIFO ready list),
    and ready a node's inputs in argument order.
    """
    roots = [roots] if isinstance(roots, Tensor) else list(roots)
    starts: list[Any] = []
    seen_start: set[int] = set()
    for r in roots:
        node = r.grad_fn or r
        if id(node) not in seen_start:
            seen_start.add(id(node))
            starts.append(node)
    pending = {id(n): 0 for n in starts}
    stack = list(starts)
    while stack:
        for nxt in stack.pop().next_functions:
            if nxt is None:
                continue
            if id(nxt) in pending:
                pending[id(nxt)] += 1
            else:
                pending[id(nxt)] = 1
                stack.append(nxt)
    ready = [n for n in starts if pending[id(n)] == 0]
    order: list[Function] = []
    while ready:
        node = ready.pop()
        if isinstance(node, Function):
            order.append(node)
        for nxt in node.next_functions:
            if nxt is None:
                continue
            pending[id(nxt)] -= 1
            if pending[id(nxt)] == 0:
                ready.append(nxt)
    return order


def _array_text(a: np.ndarray) -> str:
    with np.printoptions(threshold=FULL_VALUES, edgeitems=4, linewidth=96, precision=6):
        return np.array2string(np.asarray(a), separator=", ")


def _details(node: Node, graph: Graph) -> dict[str, Any]:
    info: dict[str, Any] = {"title": node.title, "kind": node.kind}
    if node.shape is not None:
        info["shape"] = f"{shape_text(node.shape)} {node.dtype or ''}".strip()
    if node.kind == "op":
        formula, rule = style.op_formula(node), style.op_rule(node)
        info.update(formula=formula, rule=rule)
    if node.ref is not None:
        info["ref"] = node.ref
        original = graph.nodes.get(node.ref)
        node = original or node
    t = node.tensor
    if t is not None and node.kind != "op":
        info["data"] = _array_text(t.data)
        if t.grad is not None:
            info["grad"] = _array_text(t.grad.data)
    for what, summary in (("data_summary", node.data), ("grad_summary", node.grad)):
        if summary is not None:
            info[what] = summary.text
    if node.rows:
        info["rows"] = [f"{a}: {b}" if node.kind == "fold" else f"{a} {b}" for a, b in node.rows]
    if node.members:
        info["members"] = {k: int(v) for k, v in node.members.items()}
    return info


def _steps(graph: Graph, order: list[Function]) -> list[dict[str, Any]]:
    fn_node = {id(fn): nid for nid, (fn, _, _) in graph.ops_io.items()}
    edges = set(graph.edges)
    copies: dict[str, list[str]] = {}
    for nid, n in graph.nodes.items():
        if n.ref is not None:
            copies.setdefault(n.ref, []).append(nid)

    def beside(tensor: str | None, op: str | None) -> str | None:
        # The card drawn next to the operation: a shared leaf's copy, if the
        # arrow into the operation comes from one.
        if tensor is None or op is None or (tensor, op) in edges:
            return tensor
        return next((c for c in copies.get(tensor, ()) if (c, op) in edges), tensor)

    steps = []
    for fn in order:
        nid = fn_node.get(id(fn))
        if nid is None:
            # Never walked: past max_nodes, in the omitted node if drawn.
            steps.append({"op": OMITTED if OMITTED in graph.nodes else None, "name": fn.name})
            continue
        _, out_ids, in_ids = graph.ops_io[nid]
        op = graph.drawn_as(nid)
        # Inside a folded or collapsed node, tensors of that node are not
        # marked separately: the node itself is.
        sends = [beside(graph.drawn_as(i), op) for i in in_ids]
        receives = next((graph.drawn_as(o) for o in out_ids), None)
        steps.append(
            {
                "op": op,
                "name": fn.name,
                "rule": style.op_facts(fn.name, fn)[1],
                "receives": None if receives == op else receives,
                "sends": [s for s in dict.fromkeys(sends) if s is not None and s != op],
            }
        )
    return steps


def _svg_for_page(svg: str) -> str:
    """The renderer's SVG without its XML prolog, sized by the page, not by itself."""
    svg = svg[svg.index("<svg") :]
    head_end = svg.index(">")
    head = re.sub(r'\s(width|height)="[^"]*"', "", svg[:head_end])
    return head + ' id="viz-svg"' + svg[head_end:]


def save_html(
    root: Tensor | Sequence[Tensor],
    path: str | os.PathLike[str],
    *,
    renderer: str | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    **options: Any,
) -> Path:
    """Write the graph of ``root`` as one self-contained HTML page.

    Parameters
    ----------
    root : Tensor or sequence of Tensors
        What to draw back from, typically the loss after ``backward()``.
    path : str or path-like
        The file to write (``.html``).
    renderer, timeout
        As for :func:`viz.to_svg`.
    **options
        :func:`viz.draw_graph`'s options (``params=``, ``names=``,
        ``fold=``, ...). Values and gradients of intermediate tensors are
        shown when they were kept (:func:`viz.keep_intermediates`).

    Returns
    -------
    pathlib.Path
        The path written. The page needs no network access: open it in any
        browser. See :mod:`viz.page` for what it does.
    """
    if isinstance(root, Drawing):
        raise TypeError("save_html: pass the Tensor (the page needs the graph behind the picture)")
    drawing = draw_graph(root, renderer=renderer, **options)
    graph = drawing.viz_graph
    assert graph is not None
    svg = _svg_for_page(to_svg(drawing, renderer=renderer, timeout=timeout))
    data = {
        "nodes": {nid: _details(n, graph) for nid, n in graph.nodes.items()},
        "steps": _steps(graph, backward_order(root)),
    }
    # "<" never reaches the page raw from the data, so no name can close the
    # script element it sits in.
    payload = json.dumps(data).replace("<", "\\u003c")
    parts = {"FONT": FONT_STACK, "SVG": svg, "DATA": payload}
    # One pass over the template: text inside the SVG or the data that looks
    # like a placeholder stays as it is.
    page = re.sub(r"__(FONT|SVG|DATA)__", lambda m: parts[m.group(1)], PAGE)
    out = Path(path)
    out.write_text(page, encoding="utf-8")
    return out
