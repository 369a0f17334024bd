"""Op-table rows for ``autograd/ops/fused.py``: the fused losses.

Each row calls the loss as users do (``nn.functional``), which reaches the
fused primitive, and names the composition of other primitives that it
replaces; the table checks the two against each other in value, first and
second derivatives.
"""

from __future__ import annotations

from typing import Any

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np

import nn.functional as F
from autograd import Tensor
from tests.autograd.opspec import OpSpec, np_log_softmax
from tests.autograd.rows.nn_losses import n_same, reduce, reductions
from tests.autograd.torch_refs import torch


def tf() -> Any:
    return torch.nn.functional


def reduce_t(loss: Tensor, reduction: str) -> Tensor:
    """The reduction, written with the Mean and Sum primitives."""
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def logits_shapes(extra: bool) -> Any:
    """Logits (N, C), or (N, C, D) with ``extra``: one to three of each."""

    def draw(max_dims: int, max_side: int) -> Any:
        side = st.integers(1, max(1, max_side))
        dims = st.tuples(side, side, side) if extra else st.tuples(side, side)
        return dims.map(lambda s: (s,))

    return draw


def class_targets(shapes: tuple) -> Any:
    """Class indices for the logits' shape (the class axis is 1), and a reduction."""
    shape = shapes[0]
    target_shape = (shape[0], *shape[2:])
    return st.fixed_dictionaries(
        {
            "target": hnp.arrays(np.int64, target_shape, elements=st.integers(0, shape[1] - 1)),
            "reduction": st.sampled_from(["mean", "sum", "none"]),
        }
    )


def np_cross_entropy(x: np.ndarray, target: np.ndarray, reduction: str) -> np.ndarray:
    logp = np_log_softmax(x, axis=1)
    picked = np.take_along_axis(logp, target[:, None], axis=1)[:, 0]
    return reduce(-picked, reduction)


def composed_cross_entropy(x: Tensor, target: np.ndarray, reduction: str) -> Tensor:
    """The four-node composition: LogSoftmax, GetItem, Sum (or Mean), a sign."""
    flat = x
    if x.ndim == 3:  # (N, C, D) -> (N * D, C), as nn.functional flattens it
        flat = x.transpose(0, 2, 1).reshape(-1, x.shape[1])
    loss = -flat.log_softmax(axis=1)[np.arange(flat.shape[0]), target.reshape(-1)]
    if reduction == "none":
        return loss.reshape(target.shape)
    return reduce_t(loss, reduction)


ROWS: list[OpSpec] = [
    OpSpec(
        "mse_loss",
        lambda x, t, **p: F.mse_loss(x, t, **p),
        lambda x, t, **p: reduce((x - t) ** 2, **p),
        2,
        "custom",
        shapes=n_same(2),
        params=reductions(),
        api=("nn.functional.mse_loss",),
        torch=lambda x, t, **p: tf().mse_loss(x, t, **p),
        composition=lambda x, t, reduction: reduce_t((x - t) ** 2, reduction),
    ),
    OpSpec(
        "cross_entropy",
        lambda x, target, reduction: F.cross_entropy(x, target, reduction=reduction),
        np_cross_entropy,
        1,
        "custom",
        shapes=logits_shapes(extra=False),
        params=class_targets,
        api=("nn.functional.cross_entropy",),
        torch=lambda x, target, reduction: tf().cross_entropy(
            x, torch.as_tensor(target), reduction=reduction
        ),
        composition=composed_cross_entropy,
    ),
    OpSpec(
        "cross_entropy_spatial",
        lambda x, target, reduction: F.cross_entropy(x, target, reduction=reduction),
        lambda x, target, reduction: (
            np_cross_entropy(
                x.transpose(0, 2, 1).reshape(-1, x.shape[1]), target.reshape(-1), "none"
            ).reshape(target.shape)
            if reduction == "none"
            else np_cross_entropy(
                x.transpose(0, 2, 1).reshape(-1, x.shape[1]), target.reshape(-1), reduction
            )
        ),
        1,
        "custom",
        shapes=logits_shapes(extra=True),
        params=class_targets,
        api=("nn.functional.cross_entropy",),
        torch=lambda x, target, reduction: tf().cross_entropy(
            x, torch.as_tensor(target), reduction=reduction
        ),
        composition=composed_cross_entropy,
    ),
]
