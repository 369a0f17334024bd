"""The benchmark problems: a batch, an MLP's layer sizes, a loss and a dtype.

Every contestant starts from the same :class:`Problem`: the same initial
weights (drawn as PyTorch's ``Linear`` draws them, in float64, then cast), the
same inputs and the same targets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["CONFIGS", "DTYPES", "Config", "Problem", "make_problem"]

DTYPES = {"f32": np.dtype(np.float32), "f64": np.dtype(np.float64)}


@dataclass(frozen=True)
class Config:
    """One benchmark configuration.

    Attributes
    ----------
    name : str
    batch : int
        Rows in the batch.
    sizes : tuple of int
        Layer widths, input first (ReLU between the layers, none after the last).
    loss : {'mse', 'ce'}
        Mean squared error against float targets of shape ``(batch, sizes[-1])``,
        or cross-entropy against integer class targets of shape ``(batch,)``.
    dtype : numpy.dtype
        The dtype the targets are set for; the suite also runs the other one.
    scalar_engines : bool
        Small enough for a scalar engine (micrograd), which builds one graph
        node per multiply-add.
    """

    name: str
    batch: int
    sizes: tuple[int, ...]
    loss: str
    dtype: np.dtype
    scalar_engines: bool = False

    def describe(self) -> str:
        sizes = "-".join(str(s) for s in self.sizes)
        return f"{self.name} ({self.batch}, {sizes}, {self.loss.upper()})"


CONFIGS: dict[str, Config] = {
    c.name: c
    for c in (
        Config("tiny", 100, (2, 16, 16, 1), "mse", DTYPES["f64"], scalar_engines=True),
        Config("small", 32, (64, 64, 10), "ce", DTYPES["f32"]),
        Config("medium", 128, (784, 256, 10), "ce", DTYPES["f32"]),
        Config("large", 256, (784, 1024, 1024, 10), "ce", DTYPES["f32"]),
    )
}


@dataclass
class Problem:
    """Initial weights, inputs and targets of one configuration in one dtype.

    ``params`` is ``[W0, b0, W1, b1, ...]`` with ``W`` of shape ``(out, in)``,
    the layout of ``nn.Linear`` and ``torch.nn.Linear``. Contestants copy what
    they use, so a problem can be shared.
    """

    config: Config
    dtype: np.dtype
    params: list[np.ndarray]
    x: np.ndarray
    y: np.ndarray
    lr: float

    @property
    def n_layers(self) -> int:
        return len(self.params) // 2


def make_problem(config: Config, dtype: np.dtype | None = None, seed: int = 0) -> Problem:
    """Draw the weights and the batch of ``config`` (in ``dtype``, default its own)."""
    dtype = np.dtype(config.dtype if dtype is None else dtype)
    rng = np.random.default_rng(seed)
    params = []
    for n_in, n_out in zip(config.sizes[:-1], config.sizes[1:]):
        # U(-1/sqrt(in), 1/sqrt(in)) for weight and bias: PyTorch's default init.
        bound = 1.0 / np.sqrt(n_in)
        params.append(rng.uniform(-bound, bound, (n_out, n_in)).astype(dtype))
        params.append(rng.uniform(-bound, bound, (n_out,)).astype(dtype))
    x = rng.standard_normal((config.batch, config.sizes[0])).astype(dtype)
    if config.loss == "mse":
        y = rng.standard_normal((config.batch, config.sizes[-1])).astype(dtype)
    elif config.loss == "ce":
        y = rng.integers(0, config.sizes[-1], config.batch).astype(np.int64)
    else:
        raise ValueError(f"make_problem: unknown loss {config.loss!r}; expected 'mse' or 'ce'")
    return Problem(config, dtype, params, x, y, lr=0.01)
