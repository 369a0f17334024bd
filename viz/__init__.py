"""Computation graphs as pictures: every tensor and operation, with values and gradients.

>>> import viz
>>> loss.backward()
>>> viz.draw_graph(loss, params=model)           # displays inline in Jupyter
>>> viz.save_svg(loss, "graph.svg", params=model)

- :func:`draw_graph` builds a ``graphviz.Digraph`` (a :class:`Drawing`);
- :func:`to_svg` / :func:`save_svg` render it with the system ``dot`` or the
  pip-installed ``graphviz-pure``;
- :func:`keep_intermediates` keeps every intermediate value and gradient so
  that the picture can show them;
- :func:`save_html` writes a page that pans, zooms, shows every value on a
  click and steps through the backward pass;
- :func:`show` draws and displays in one call, in Jupyter or a web browser;
- ``python -m viz`` renders the graph of a script or of a demo MLP.
"""

# No ``from __future__ import annotations`` and no module-level helper imports:
# every public name of this namespace is in ``__all__``, so ``dir(viz)`` shows
# the API (and the submodules) rather than ``tempfile`` or ``Any``.
import typing as _typing

from viz.dot import Drawing, draw_graph
from viz.page import save_html
from viz.record import keep_intermediates
from viz.render import find_renderer, save_svg, to_svg

if _typing.TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from autograd import Tensor
del _typing

__all__ = [
    "Drawing",
    "draw_graph",
    "find_renderer",
    "keep_intermediates",
    "save_html",
    "save_svg",
    "show",
    "to_svg",
]


def show(root: "Tensor | Sequence[Tensor] | Drawing", **options: "Any") -> None:
    """Draw ``root`` and display it: inline under IPython/Jupyter, else in a web browser.

    Parameters
    ----------
    root : Tensor, sequence of Tensor, or Drawing
        What to draw, as for :func:`draw_graph`; a :class:`Drawing` is shown as it is.
    **options
        :func:`draw_graph`'s options (and ``renderer=``).

    Notes
    -----
    In a notebook the picture is displayed once, where the call is; nothing
    is returned, so the cell shows no second copy. Elsewhere the SVG is
    written to a temporary file, its path is printed, and the default web
    browser is asked to open it (on a machine without one, open the printed
    path yourself).
    """
    import tempfile
    import webbrowser
    from pathlib import Path

    drawing = root if isinstance(root, Drawing) else draw_graph(root, **options)
    try:
        from IPython import get_ipython  # type: ignore[import-not-found]

        shell = get_ipython()
    except ImportError:
        shell = None
    if shell is not None:
        from IPython.display import display  # type: ignore[import-not-found]

        display(drawing)
        return
    svg = to_svg(drawing, renderer=drawing.viz_renderer)
    handle = tempfile.NamedTemporaryFile("w", suffix=".svg", delete=False, encoding="utf-8")
    with handle:
        handle.write(svg)
    path = Path(handle.name)
    print(f"viz.show: wrote {path}")
    webbrowser.open(path.as_uri())
