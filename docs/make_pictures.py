"""Regenerate the graph pictures in docs/ (run from the repository root).

    python docs/make_pictures.py

They are rendered with ``graphviz-pure`` (``pip install graphviz-pure``),
which writes the same bytes on every platform, so the committed files only
change when the pictures do.

- ``mlp_graph.svg``: ``nn.MLP([2, 3, 1])`` on a batch of 4 with MSE loss,
  after ``loss.backward()``: every tensor with its value and gradient, every
  operation with its derivative rule.
- ``vanishing_gradients.svg``: a deep sigmoid MLP with each layer collapsed
  to one node and gradients coloured by size: they shrink layer after layer
  on the way back to the input.
- ``recurrent_loop.svg``: a 50-step recurrent loop drawn with the defaults:
  the repeated steps folded into one counted node.
"""

from __future__ import annotations

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
# Draw with this checkout's packages, installed or not.
sys.path.insert(0, str(DOCS.parent))

import viz  # noqa: E402
from viz.demo import mlp_demo  # noqa: E402

RENDERER = "graphviz-pure"


def mlp_graph() -> Path:
    demo = mlp_demo([2, 3, 1], batch=4, seed=0)
    drawing = viz.draw_graph(
        demo.loss,
        params=demo.model,
        names=demo.names,
        show_rules=True,
        title=demo.title,
    )
    return viz.save_svg(drawing, DOCS / "mlp_graph.svg", renderer=RENDERER)


def vanishing_gradients() -> Path:
    demo = mlp_demo([2, 16, 16, 16, 16, 16, 1], batch=32, activation="sigmoid", seed=0)
    drawing = viz.draw_graph(
        demo.loss,
        params=demo.model,
        names=demo.names,
        collapse=True,
        color_by_grad=True,
        title=demo.title + "\nEach Linear layer collapsed; gradients coloured by size.",
    )
    return viz.save_svg(drawing, DOCS / "vanishing_gradients.svg", renderer=RENDERER)


def recurrent_loop() -> Path:
    import numpy as np

    from autograd import Tensor

    rng = np.random.default_rng(0)
    Wx = Tensor(rng.normal(size=(4, 8)) * 0.5, requires_grad=True)
    Wh = Tensor(rng.normal(size=(8, 8)) * 0.3, requires_grad=True)
    b = Tensor(np.zeros(8), requires_grad=True)
    h = Tensor(np.zeros((2, 8)))
    with viz.keep_intermediates():
        for _ in range(50):
            h = (Tensor(rng.normal(size=(2, 4))) @ Wx + h @ Wh + b).tanh()
        loss = (h**2).mean()
    loss.backward()
    drawing = viz.draw_graph(
        loss,
        params={"Wx": Wx, "Wh": Wh, "b": b},
        names={"loss": loss},
        title="h = (x_t @ Wx + h @ Wh + b).tanh() over 50 steps, with the defaults:\n"
        "steps 2 to 49 folded into one node (fold='auto')",
    )
    return viz.save_svg(drawing, DOCS / "recurrent_loop.svg", renderer=RENDERER)


def main() -> int:
    for make in (mlp_graph, vanishing_gradients, recurrent_loop):
        print(f"wrote {make()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
