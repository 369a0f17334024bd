"""``python -m viz``: render the computation graph of a script, or of a demo MLP.

Draw a tensor that a script leaves in a module-level variable::

    python -m viz examples/my_model.py -o graph.svg            # finds `loss`
    python -m viz train.py --var logits --params net -o g.svg --run-main

The script runs with its own directory on ``sys.path`` and, unless
``--no-keep``, inside :func:`viz.keep_intermediates`, so every intermediate
value and gradient can be shown. The tensor drawn is ``--var`` (by default
the first of ``loss``, ``out``, ``output``); a callable is called with no
arguments and may return a Tensor or ``(tensor, module)``. Parameters are
named after ``--params`` (by default the script's only ``nn.Module``, or
``model``), and every other module-level Tensor is labelled with its
variable name. ``--backward`` calls ``.backward()`` on the tensor first.

Or draw a freshly trained-for-one-step MLP::

    python -m viz --mlp 2,4,1 --batch 4 -o mlp.svg

The output format follows the file name: ``.svg``, ``.dot``/``.gv`` for
DOT source, or ``.html`` for the page of :func:`viz.save_html` (pan, zoom,
values on a click, a step control through backward); ``-o -`` writes SVG to
standard output.
"""

from __future__ import annotations

import argparse
import os
import runpy
import sys
from pathlib import Path
from typing import Any

from autograd.tensor import Tensor
from viz.dot import DEFAULT_MAX_NODES, draw_graph
from viz.record import keep_intermediates
from viz.render import to_svg

DEFAULT_VARS = ("loss", "out", "output")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m viz",
        description=(
            "Render the computation graph of a script's tensor, or of a demo MLP, as SVG. "
            "The script is executed: its module-level code runs (as with `python script.py`, "
            "under the name __viz__ unless --run-main), so run only scripts you trust."
        ),
    )
    p.add_argument(
        "script",
        nargs="?",
        help="a Python script that leaves a tensor in a variable; it is executed",
    )
    p.add_argument("--mlp", metavar="SIZES", help="draw nn.MLP(SIZES) instead, e.g. 2,4,1")
    p.add_argument("--batch", type=int, default=4, help="--mlp: batch size (default 4)")
    p.add_argument(
        "--activation",
        default="relu",
        choices=("relu", "tanh", "sigmoid", "none"),
        help="--mlp: activation between layers",
    )
    p.add_argument("--seed", type=int, default=0, help="--mlp: seed for weights and data")
    p.add_argument(
        "--var", help=f"variable holding the tensor (default: {', '.join(DEFAULT_VARS)})"
    )
    p.add_argument("--params", help="variable holding the nn.Module that names parameters")
    p.add_argument("--run-main", action="store_true", help="run the script as __main__")
    p.add_argument("--no-keep", action="store_true", help="do not keep intermediate values")
    p.add_argument("--backward", action="store_true", help="call .backward() on the tensor first")
    p.add_argument(
        "-o",
        "--output",
        default="graph.svg",
        help="output file: .svg, .dot, or .html for a page that steps through backward; "
        "- for SVG on stdout",
    )
    p.add_argument("--renderer", help="'dot', 'graphviz-pure' or a path (default: automatic)")
    p.add_argument("--rankdir", default="TB", choices=("TB", "LR", "BT", "RL"))
    p.add_argument(
        "--max-nodes",
        type=int,
        default=DEFAULT_MAX_NODES,
        help=f"draw at most this many nodes, 0 for all (default {DEFAULT_MAX_NODES})",
    )
    p.add_argument(
        "--fold",
        default="auto",
        choices=("auto", "stack", "steps", "off"),
        help="repeated steps (a loop): drawn once and counted, one node each, or in full "
        "(default auto: runs of 8 or more steps folded, of 3 or more beyond --max-nodes)",
    )
    p.add_argument("--no-data", action="store_true", help="hide value summaries")
    p.add_argument("--no-grad", action="store_true", help="hide gradient summaries")
    p.add_argument("--color-by-grad", action="store_true", help="colour by gradient magnitude")
    p.add_argument("--cluster", action="store_true", help="box each submodule")
    p.add_argument(
        "--collapse",
        nargs="?",
        const="",
        metavar="PATHS",
        help="draw submodules as single nodes: comma-separated paths, or all top-level ones",
    )
    p.add_argument("--rules", action="store_true", help="show each operation's derivative rule")
    p.add_argument(
        "--expand-fused",
        action="store_true",
        help="draw fused operations (Linear, the losses) as the operations they stand for",
    )
    p.add_argument("--title", help="a title above the graph")
    p.add_argument("--no-legend", action="store_true", help="leave out the legend")
    return p


def _is_module(obj: Any) -> bool:
    return hasattr(obj, "named_parameters") and hasattr(obj, "forward")


def _from_script(args: argparse.Namespace) -> tuple[Any, Any, dict[str, Tensor]]:
    path = Path(args.script)
    if not path.is_file():
        raise SystemExit(f"python -m viz: no such script: {path}")
    saved_argv, saved_path = sys.argv[:], sys.path[:]
    sys.argv = [str(path)]
    sys.path.insert(0, str(path.resolve().parent))
    run_name = "__main__" if args.run_main else "__viz__"
    try:
        if args.no_keep:
            env = runpy.run_path(str(path), run_name=run_name)
        else:
            with keep_intermediates():
                env = runpy.run_path(str(path), run_name=run_name)
    finally:
        sys.argv, sys.path = saved_argv, saved_path
    tensors = {k: v for k, v in env.items() if isinstance(v, Tensor) and not k.startswith("_")}
    candidates = [args.var] if args.var else [v for v in DEFAULT_VARS if v in env]
    if not candidates or candidates[0] not in env:
        wanted = args.var or " or ".join(DEFAULT_VARS)
        found = ", ".join(sorted(tensors)) or "none"
        raise SystemExit(
            f"python -m viz: {path} defines no variable {wanted}; pass --var NAME "
            f"(module-level Tensors: {found}; a script guarded by if __name__ == '__main__' "
            "needs --run-main)"
        )
    root = env[candidates[0]]
    params = None
    if callable(root) and not isinstance(root, Tensor):
        root = root()
        if isinstance(root, tuple) and len(root) == 2:
            root, params = root
    if not isinstance(root, Tensor) and not (
        isinstance(root, (list, tuple)) and root and all(isinstance(t, Tensor) for t in root)
    ):
        raise SystemExit(f"python -m viz: {candidates[0]} is a {type(root).__name__}, not a Tensor")
    if args.params:
        if args.params not in env:
            raise SystemExit(f"python -m viz: {path} defines no variable {args.params!r}")
        params = env[args.params]
    elif params is None:
        modules = {k: v for k, v in env.items() if _is_module(v) and not isinstance(v, type)}
        if "model" in modules:
            params = modules["model"]
        elif len(modules) == 1:
            params = next(iter(modules.values()))
    return root, params, tensors


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    if bool(args.script) == bool(args.mlp):
        _parser().error("give either a script or --mlp SIZES (not both)")
    title = args.title
    if args.mlp:
        from viz.demo import mlp_demo

        try:
            sizes = [int(s) for s in args.mlp.split(",")]
        except ValueError:
            _parser().error(
                f"--mlp expects comma-separated integers such as 2,4,1, got {args.mlp!r}"
            )
        demo = mlp_demo(
            sizes,
            batch=args.batch,
            activation=args.activation,
            seed=args.seed,
            keep=not args.no_keep,
        )
        root, params, names = demo.loss, demo.model, demo.names
        title = title if title is not None else demo.title
    else:
        root, params, names = _from_script(args)
    if args.backward:
        root.backward()
    collapse: Any = ()
    if args.collapse is not None:
        collapse = [p for p in args.collapse.split(",") if p] or True
    fold: Any = {"auto": "auto", "stack": "stack", "steps": "steps", "off": False}[args.fold]
    options = dict(
        params=params,
        names=names,
        show_data=not args.no_data,
        show_grad=not args.no_grad,
        rankdir=args.rankdir,
        max_nodes=args.max_nodes or None,
        fold=fold,
        color_by_grad=args.color_by_grad,
        cluster=args.cluster,
        collapse=collapse,
        legend=not args.no_legend,
        show_rules=args.rules,
        expand_fused=args.expand_fused,
        title=title,
        renderer=args.renderer,
    )
    out = args.output
    if out.endswith((".html", ".htm")):
        from viz.page import save_html

        save_html(root, out, **options)
        print(f"wrote {os.fspath(out)}")
        return 0
    drawing = draw_graph(root, **options)
    if out.endswith((".dot", ".gv")):
        Path(out).write_text(drawing.source, encoding="utf-8")
    else:
        svg = to_svg(drawing, renderer=args.renderer)
        if out == "-":
            sys.stdout.write(svg)
            return 0
        Path(out).write_text(svg, encoding="utf-8")
    graph = drawing.viz_graph
    count = len(graph.nodes) if graph is not None else 0
    print(f"wrote {os.fspath(out)} ({count} nodes)")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (RuntimeError, ValueError, TypeError) as exc:
        print(f"python -m viz: {exc}", file=sys.stderr)
        sys.exit(1)
