"""A small MLP after one backward pass: the graph the README and ``--mlp`` draw."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from autograd.tensor import Tensor
from viz.record import keep_intermediates

ACTIVATIONS = ("relu", "tanh", "sigmoid", "none")


@dataclass
class Demo:
    """What :func:`mlp_demo` built: draw ``loss`` with ``params=model, names=names``."""

    model: Any
    x: Tensor
    y: Tensor
    loss: Tensor
    title: str

    @property
    def names(self) -> dict[str, Tensor]:
        return {"x": self.x, "y": self.y, "loss": self.loss}


def mlp_demo(
    sizes: list[int], *, batch: int = 4, activation: str = "relu", seed: int = 0, keep: bool = True
) -> Demo:
    """Build ``nn.MLP(sizes)``, run it on a random batch with MSE loss and call ``backward``.

    Parameters
    ----------
    sizes : list of int
        Layer widths, input first: ``[2, 4, 1]``.
    batch : int
        Rows in the random input batch.
    activation : {"relu", "tanh", "sigmoid", "none"}
    seed : int
        Seeds the weights and the data.
    keep : bool
        Keep every intermediate value and gradient (:func:`viz.keep_intermediates`).
    """
    import nn

    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
    act = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "none": None}[activation]
    if batch < 1:
        raise ValueError(f"batch must be at least 1, got {batch}")
    model = nn.MLP(list(sizes), activation=act, seed=seed)
    rng = np.random.default_rng(seed)
    x = Tensor(rng.normal(size=(batch, sizes[0])))
    y = Tensor(rng.normal(size=(batch, sizes[-1])))
    if keep:
        with keep_intermediates():
            loss = nn.MSELoss()(model(x), y)
    else:
        loss = nn.MSELoss()(model(x), y)
    loss.backward()
    act_text = "" if activation == "relu" else f", activation={activation}"
    title = f"MLP({list(sizes)}{act_text}) on a batch of {batch}, MSE loss, after loss.backward()"
    return Demo(model=model, x=x, y=y, loss=loss, title=title)
