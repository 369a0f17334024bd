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
- ``conv_layer.svg``: a convolution, ReLU and max pooling on one small image,
  the convolution boxed: one ``Conv2d`` operation (a matrix product over the
  sliding windows), its derivative rule underneath.
- ``attention_block.svg``: a transformer block (``TransformerEncoderLayer``,
  pre-norm, causal) with every submodule boxed: the attention's projections,
  the softmax of the scores, the MLP and both residual connections.
- ``lstm_steps.svg``: an ``LSTM`` unrolled over three time steps, the cell's
  gates and state, with the weights shared by every step.
- ``recurrent_loop.svg``: a 50-step recurrent loop drawn with the defaults:
  the repeated steps folded into one counted node.
"""

from __future__ import annotations

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
# Draw with this checkout's packages, installed or not.
sys.path.insert(0, str(DOCS.parent))

import numpy as np  # noqa: E402

import autograd  # noqa: E402
import nn  # noqa: E402
import viz  # noqa: E402
from autograd import Tensor  # noqa: E402
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


def conv_layer() -> Path:
    autograd.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
    x = Tensor(np.random.default_rng(0).random((1, 1, 4, 4)))
    out = model(x)
    loss = (out * out).sum()
    loss.backward()
    drawing = viz.draw_graph(
        loss,
        params=model,
        names={"image": x, "loss": loss},
        rankdir="TB",
        cluster=True,
        show_rules=True,
        title="Conv2d(1, 2, 3, padding=1) -> ReLU -> MaxPool2d(2) on one 4x4 image",
    )
    return viz.save_svg(drawing, DOCS / "conv_layer.svg", renderer=RENDERER)


def attention_block() -> Path:
    autograd.manual_seed(0)
    block = nn.TransformerEncoderLayer(
        4, 2, dim_feedforward=8, dropout=0.0, batch_first=True, norm_first=True
    )
    x = Tensor(np.random.default_rng(0).standard_normal((1, 3, 4)))
    loss = block(x, is_causal=True).sum()
    loss.backward()
    drawing = viz.draw_graph(
        loss,
        params=block,
        names={"x": x, "loss": loss},
        rankdir="TB",
        cluster=True,
        show_data=False,
        title="A pre-norm transformer block with causal self-attention (2 heads, 3 tokens)",
    )
    return viz.save_svg(drawing, DOCS / "attention_block.svg", renderer=RENDERER)


def lstm_steps() -> Path:
    autograd.manual_seed(0)
    lstm = nn.LSTM(2, 3)
    x = Tensor(np.random.default_rng(0).standard_normal((3, 1, 2)))
    out, _ = lstm(x)
    loss = (out * out).sum()
    loss.backward()
    drawing = viz.draw_graph(
        loss,
        params=lstm,
        names={"x (3 steps)": x, "loss": loss},
        rankdir="TB",
        show_data=False,
        color_by_grad=True,
        title="LSTM(2, 3) over three time steps: the same weights at every step",
    )
    return viz.save_svg(drawing, DOCS / "lstm_steps.svg", renderer=RENDERER)


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
    for make in (
        mlp_graph,
        vanishing_gradients,
        recurrent_loop,
        conv_layer,
        attention_block,
        lstm_steps,
    ):
        print(f"wrote {make()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
