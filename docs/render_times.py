"""Time ``viz`` on graphs of different shapes (run from the repository root).

    python docs/render_times.py [--timeout 60] [--renderer graphviz-pure] [--options '{}']

Each graph is drawn with the defaults of :func:`viz.draw_graph` (plus the
JSON ``--options``) and rendered with each renderer that is installed; the
table gives the nodes drawn, the nodes in the whole graph and the seconds
spent drawing (walk, fold, DOT) and rendering (DOT -> SVG).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import nn
import viz
from autograd import Tensor
from viz.graph import walk
from viz.modules import parameter_names
from viz.render import _beside_python


def chain(n: int = 400):
    x = Tensor(np.linspace(-1, 1, 4), requires_grad=True)
    h = x
    for _ in range(n):
        h = (h * 0.9).tanh()
    loss = h.sum()
    loss.backward()
    return loss, {"x": x}


def recurrent(steps: int = 50, n_in: int = 4, n_h: int = 8):
    rng = np.random.default_rng(0)
    Wx = Tensor(rng.normal(size=(n_in, n_h)) * 0.5, requires_grad=True)
    Wh = Tensor(rng.normal(size=(n_h, n_h)) * 0.3, requires_grad=True)
    b = Tensor(np.zeros(n_h), requires_grad=True)
    h = Tensor(np.zeros((2, n_h)))
    for _ in range(steps):
        x_t = Tensor(rng.normal(size=(2, n_in)))
        h = (x_t @ Wx + h @ Wh + b).tanh()
    loss = (h**2).mean()
    loss.backward()
    return loss, {"Wx": Wx, "Wh": Wh, "b": b}


def deep_mlp(depth: int = 24, width: int = 32):
    model = nn.MLP([8] + [width] * depth + [1], activation=nn.Tanh)
    x = Tensor(np.random.default_rng(0).normal(size=(16, 8)))
    loss = (model(x) ** 2).mean()
    loss.backward()
    return loss, model


def attention(blocks: int = 4, d: int = 8, seq: int = 5):
    rng = np.random.default_rng(0)
    params = {}
    h = Tensor(rng.normal(size=(seq, d)))
    for i in range(blocks):
        w = {
            k: Tensor(rng.normal(size=(d, d)) / np.sqrt(d), requires_grad=True)
            for k in ("q", "k", "v", "o")
        }
        params.update({f"block{i}.W{k}": t for k, t in w.items()})
        q, k, v = h @ w["q"], h @ w["k"], h @ w["v"]
        att = (q @ k.T / np.sqrt(d)).softmax(axis=-1)
        h = h + (att @ v) @ w["o"]
        h = h + (h @ w["q"]).relu()
    loss = (h**2).mean()
    loss.backward()
    return loss, params


def wide(branches: int = 60):
    rng = np.random.default_rng(0)
    x = Tensor(rng.normal(size=(4, 8)))
    params = {}
    total = None
    for i in range(branches):
        w = Tensor(rng.normal(size=(8, 2)), requires_grad=True)
        params[f"branch{i}.w"] = w
        y = (x @ w).tanh().sum()
        total = y if total is None else total + y
    total.backward()
    return total, params


def digits_mlp():
    model = nn.MLP([64, 32, 10])
    x = Tensor(np.random.default_rng(0).random((1, 64)))
    loss = nn.CrossEntropyLoss()(model(x), Tensor(np.array([3])))
    loss.backward()
    return loss, model


# name -> (graph, extra draw_graph options)
CASES = {
    "chain, 400 tanh": (chain, {}),
    "chain, 400 tanh, fold=False": (chain, {"fold": False}),
    "recurrent loop, 50 steps": (recurrent, {}),
    "recurrent loop, 50 steps, fold='steps'": (recurrent, {"fold": "steps"}),
    "recurrent loop, 50 steps, fold=False": (recurrent, {"fold": False}),
    "recurrent loop, 50 steps, fold=False, max_nodes=None": (
        recurrent,
        {"fold": False, "max_nodes": None},
    ),
    "MLP, 24 tanh layers": (deep_mlp, {}),
    "MLP, 80 tanh layers": (lambda: deep_mlp(80), {}),
    "attention, 4 blocks": (attention, {}),
    "attention, 16 blocks": (lambda: attention(16), {}),
    "60 parallel branches": (wide, {}),
    "recurrent loop, 20 steps, fold=False": (lambda: recurrent(20), {"fold": False}),
    "digits MLP [64, 32, 10]": (digits_mlp, {}),
}


def renderers() -> list[str]:
    found = []
    if shutil.which("dot"):
        found.append("dot")
    if _beside_python("graphviz-pure") or shutil.which("graphviz-pure"):
        found.append("graphviz-pure")
    return found


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--timeout", type=float, default=60.0)
    p.add_argument("--renderer", action="append")
    p.add_argument("--options", default="{}", help="JSON options for draw_graph")
    p.add_argument("--case", action="append", help="only these cases (substring)")
    args = p.parse_args()
    options = json.loads(args.options)
    print("| graph | nodes drawn / in graph | renderer | draw s | render s |")
    print("|---|---|---|---|---|")
    for name, (make, extra) in CASES.items():
        if args.case and not any(c in name for c in args.case):
            continue
        root, params = make()
        total = len(walk(root, param_names=parameter_names(params)[0]).nodes)
        for renderer in args.renderer or renderers():
            t0 = time.perf_counter()
            drawing = viz.draw_graph(root, params=params, **{**extra, **options})
            t1 = time.perf_counter()
            try:
                viz.to_svg(drawing, renderer=renderer, timeout=args.timeout)
                render = f"{time.perf_counter() - t1:.2f}"
            except RuntimeError:
                render = f"> {args.timeout:g} (timed out)"
            drawn = len(drawing.viz_graph.nodes)
            print(
                f"| {name} | {drawn} / {total} | {renderer} | {t1 - t0:.2f} | {render} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
