"""Shared helpers for the viz tests: a small DOT reader, renderer detection, a recurrent loop."""

from __future__ import annotations

import contextlib
import re
import shutil
from dataclasses import dataclass, field

import numpy as np
import pytest

import viz
from autograd import Tensor
from viz.render import _beside_python


@dataclass
class DotNode:
    id: str
    label: str
    classes: set[str]
    tooltip: str
    cluster: str | None


@dataclass
class Dot:
    nodes: dict[str, DotNode] = field(default_factory=dict)
    edges: list[tuple[str, str, str]] = field(default_factory=list)
    clusters: list[str] = field(default_factory=list)
    graph_label: str = ""

    def of_class(self, cls: str) -> list[DotNode]:
        return [n for n in self.nodes.values() if cls in n.classes]


_NODE = re.compile(
    r"^(?P<id>[\w.]+) \[label=<(?P<label>.*)> "
    r"class=(?P<cls>\"[^\"]*\"|\S+) "
    r"tooltip=(?P<tip>\"(?:[^\"\\]|\\.)*\"|\S+)\]$"
)
_EDGE = re.compile(r"^(?P<a>[\w.]+) -> (?P<b>[\w.]+)(?: \[(?P<attrs>.*)\])?$")
_CLUSTER = re.compile(r"^subgraph \"?cluster_(?P<name>[^\"{ ]*)\"? \{$")


def parse_dot(source: str) -> Dot:
    """Read the node, edge and cluster statements that viz.draw_graph writes."""
    dot = Dot()
    stack: list[str] = []
    for raw in source.splitlines():
        line = raw.strip()
        if m := _CLUSTER.match(line):
            stack.append(m["name"])
            dot.clusters.append(m["name"])
        elif line == "}" and stack:
            stack.pop()
        elif m := _NODE.match(line):
            cls = m["cls"].strip('"')
            dot.nodes[m["id"]] = DotNode(
                id=m["id"],
                # viz.text.escape writes "]" as an entity (see there).
                label=m["label"].replace("&#93;", "]"),
                classes=set(cls.split()),
                tooltip=m["tip"].strip('"'),
                cluster=stack[-1] if stack else None,
            )
        elif m := _EDGE.match(line):
            dot.edges.append((m["a"], m["b"], m["attrs"] or ""))
        elif line.startswith("label=<"):
            dot.graph_label = line.replace("&#93;", "]")
    return dot


def graphviz_pure_path() -> str | None:
    # The program installed with this interpreter first: on PATH there may be
    # a wrapper (a pyenv shim) that cannot run from a test's bare PATH.
    return _beside_python("graphviz-pure") or shutil.which("graphviz-pure")


# Looked up once, at import: some tests change PATH.
PURE_PATH = graphviz_pure_path()
HAVE_DOT = shutil.which("dot") is not None
HAVE_PURE = PURE_PATH is not None

needs_renderer = pytest.mark.skipif(
    not (HAVE_DOT or HAVE_PURE),
    reason="no Graphviz renderer installed (pip install graphviz-pure, or a system Graphviz)",
)
needs_pure = pytest.mark.skipif(not HAVE_PURE, reason="graphviz-pure is not installed")
needs_dot = pytest.mark.skipif(not HAVE_DOT, reason="system Graphviz `dot` is not installed")


def recurrent(steps=50, n_in=4, n_h=8, keep=False):
    """h = (x_t @ Wx + h @ Wh + b).tanh() over `steps` steps, from h = 0."""
    rng = np.random.default_rng(0)
    Wx = Tensor(rng.normal(size=(n_in, n_h)) * 0.5, requires_grad=True)
    Wh = Tensor(rng.normal(size=(n_h, n_h)) * 0.3, requires_grad=True)
    b = Tensor(np.zeros(n_h), requires_grad=True)
    h = Tensor(np.zeros((2, n_h)))
    with viz.keep_intermediates() if keep else contextlib.nullcontext():
        for _ in range(steps):
            h = (Tensor(rng.normal(size=(2, n_in))) @ Wx + h @ Wh + b).tanh()
        loss = (h**2).mean()
    loss.backward()
    return loss, {"Wx": Wx, "Wh": Wh, "b": b}
