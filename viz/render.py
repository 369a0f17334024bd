"""DOT -> SVG with the system Graphviz ``dot`` or the pip-installed ``graphviz-pure``.

The renderer is chosen in this order:

1. the ``renderer=`` argument;
2. the ``SCRATCHGRAD_RENDERER`` environment variable;
3. ``dot`` on ``PATH`` (a system Graphviz);
4. ``graphviz-pure`` on ``PATH``, or next to the running Python (a virtual
   environment or a Jupyter kernel whose ``PATH`` lacks its ``bin``
   directory): the ``graphviz-pure`` PyPI package, a self-contained port of
   Graphviz with ``dot``'s command-line flags.

A choice is ``"dot"``, ``"graphviz-pure"``, or the path of either program.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import graphviz

from autograd.tensor import Tensor
from viz.text import with_font_stack

ENV_VAR = "SCRATCHGRAD_RENDERER"
KNOWN = ("dot", "graphviz-pure")
DEFAULT_TIMEOUT = 120.0

INSTALL_HELP = (
    "no Graphviz renderer found: neither `dot` nor `graphviz-pure` is on PATH. "
    "Install one of them: `pip install graphviz-pure` (a self-contained renderer, "
    "no system package needed), or a system Graphviz (`apt install graphviz`, "
    "`brew install graphviz`, `conda install graphviz`, or https://graphviz.org/download/)."
)


def _beside_python(name: str) -> str | None:
    """``name`` in the scripts directory of the running interpreter, if there."""
    dirs = {sysconfig.get_path("scripts"), os.path.dirname(sys.executable)}
    for d in dirs:
        if d:
            found = shutil.which(name, path=d)
            if found:
                return found
    return None


def find_renderer(renderer: str | None = None) -> str:
    """Return the path of the program that will render DOT.

    Parameters
    ----------
    renderer : str, optional
        ``"dot"``, ``"graphviz-pure"`` or a path to one of them. ``None``:
        the ``SCRATCHGRAD_RENDERER`` environment variable if set, else
        ``dot`` if on ``PATH``, else ``graphviz-pure``.

    Raises
    ------
    RuntimeError
        If the requested renderer, or any renderer, cannot be found; the
        message says how to install one.
    """
    choice = renderer or os.environ.get(ENV_VAR) or None
    if choice is None:
        for name in KNOWN:
            found = shutil.which(name)
            if found:
                return found
        found = _beside_python("graphviz-pure")
        if found:
            return found
        raise RuntimeError(INSTALL_HELP)
    source = "renderer=" if renderer else f"${ENV_VAR}="
    if os.path.sep in choice or (os.path.altsep and os.path.altsep in choice):
        if os.path.isfile(choice) and os.access(choice, os.X_OK):
            return choice
        raise RuntimeError(f"{source}{choice!r}: no executable file at that path")
    if choice not in KNOWN:
        raise ValueError(
            f"{source}{choice!r}: expected 'dot', 'graphviz-pure' or a path to one of them"
        )
    found = shutil.which(choice) or (_beside_python(choice) if choice == "graphviz-pure" else None)
    if found is None:
        how = (
            "`pip install graphviz-pure`"
            if choice == "graphviz-pure"
            else "a system Graphviz (`apt install graphviz`, `brew install graphviz`, ...)"
        )
        raise RuntimeError(f"{source}{choice!r}: `{choice}` is not on PATH; install {how}")
    return found


def _source(root_or_digraph: Any, options: dict[str, Any]) -> str:
    if isinstance(root_or_digraph, graphviz.Digraph | graphviz.Graph):
        if options:
            raise TypeError(
                f"to_svg: drawing options {sorted(options)} apply only when drawing a Tensor; "
                "this is an already drawn graph"
            )
        return root_or_digraph.source
    if isinstance(root_or_digraph, Tensor) or (
        isinstance(root_or_digraph, Sequence)
        and not isinstance(root_or_digraph, str)
        and root_or_digraph
        and all(isinstance(t, Tensor) for t in root_or_digraph)
    ):
        from viz.dot import draw_graph

        return draw_graph(root_or_digraph, **options).source
    if isinstance(root_or_digraph, str):
        if options:
            raise TypeError(f"to_svg: options {sorted(options)} do not apply to DOT source text")
        return root_or_digraph
    raise TypeError(
        "to_svg: expected a Tensor, a sequence of Tensors, a graphviz.Digraph or DOT source, "
        f"got {type(root_or_digraph).__name__}"
    )


def run(
    source: str,
    fmt: str = "svg",
    *,
    renderer: str | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> bytes:
    """Run the renderer on DOT ``source`` and return its output (``-T{fmt}``)."""
    program = find_renderer(renderer)
    try:
        proc = subprocess.run(
            [program, f"-T{fmt}"],
            input=source.encode("utf-8"),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise RuntimeError(
            f"{program} did not finish rendering within {timeout} s; draw fewer nodes "
            "(max_nodes=, collapse=) or pass a larger timeout="
        ) from None
    except OSError as exc:
        raise RuntimeError(f"could not run {program}: {exc}") from None
    if proc.returncode != 0:
        stderr = proc.stderr.decode("utf-8", "replace").strip()
        message = stderr or "(no message)"
        raise RuntimeError(
            f"{program} -T{fmt} failed with exit status {proc.returncode}: {message}"
        )
    return proc.stdout


def to_svg(
    root_or_digraph: Any,
    *,
    renderer: str | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    **options: Any,
) -> str:
    """Render a graph to SVG text.

    Parameters
    ----------
    root_or_digraph : Tensor, sequence of Tensors, graphviz.Digraph or str
        A Tensor is drawn first with :func:`viz.draw_graph` and ``options``;
        a Digraph (or DOT source text) is rendered as it is.
    renderer : str, optional
        ``"dot"``, ``"graphviz-pure"`` or a path; see :func:`find_renderer`.
    timeout : float, optional
        Seconds to wait for the renderer.
    **options
        Passed to :func:`viz.draw_graph` when drawing a Tensor.

    Returns
    -------
    str
        The SVG document.
    """
    source = _source(root_or_digraph, options)
    svg = run(source, "svg", renderer=renderer, timeout=timeout).decode("utf-8")
    return with_font_stack(svg)


def save_svg(
    root_or_digraph: Any,
    path: str | os.PathLike[str],
    *,
    renderer: str | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    **options: Any,
) -> Path:
    """Render a graph to an SVG file; same arguments as :func:`to_svg`.

    Returns
    -------
    pathlib.Path
        The path written. Nothing is written if rendering fails.
    """
    svg = to_svg(root_or_digraph, renderer=renderer, timeout=timeout, **options)
    out = Path(path)
    out.write_text(svg, encoding="utf-8")
    return out
