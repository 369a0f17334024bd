"""More losses, as in ``torch.nn.functional`` and ``torch.nn``: L1, smooth L1,
Huber, binary cross-entropy on probabilities, KL divergence, margin ranking,
soft margin, cosine embedding, triplet margin, Poisson and Gaussian
negative log-likelihood; each function with its module.

Composed from the engine's primitives. nn's dtype rule holds: array targets
are cast to the input's dtype, a Tensor target of another dtype is a
TypeError. As in :func:`nn.functional.mse_loss`, the input and target of an
elementwise loss must have the same shape (PyTorch warns and broadcasts).
PyTorch's deprecated ``size_average`` and ``reduce`` arguments are not taken.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import autograd
from autograd import Tensor
from nn.activations import _log1p_exp
from nn.distances import _other, pairwise_distance
from nn.functional import (
    _check_reduction,
    _float_target,
    _reduce,
    _same_shape,
    _scalar,
    _tensor,
)
from nn.module import Module

__all__ = [
    "BCELoss",
    "CosineEmbeddingLoss",
    "GaussianNLLLoss",
    "HuberLoss",
    "KLDivLoss",
    "L1Loss",
    "MarginRankingLoss",
    "PoissonNLLLoss",
    "SmoothL1Loss",
    "SoftMarginLoss",
    "TripletMarginLoss",
    "binary_cross_entropy",
    "cosine_embedding_loss",
    "gaussian_nll_loss",
    "hinge_loss",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "margin_ranking_loss",
    "poisson_nll_loss",
    "smooth_l1_loss",
    "soft_margin_loss",
    "triplet_margin_loss",
]


def _pair(input: Any, target: Any, reduction: str, op: str) -> tuple[Tensor, Tensor]:
    _check_reduction(reduction, op)
    x = _tensor(input)
    t = _float_target(target, x, op)
    _same_shape(x, t, op)
    return x, t


def _constant(value: Any, like: Tensor) -> np.ndarray:
    return np.asarray(value.data if isinstance(value, Tensor) else value, dtype=like.dtype)


def _safe_log(x: Tensor, floor: float) -> Tensor:
    """``max(log(x), floor)`` with gradient 0 where the floor holds (x = 0 included)."""
    ok = x.data > math.exp(floor)
    return autograd.where(ok, autograd.where(ok, x, 1.0).log(), floor)


def _xlogy(x: Tensor) -> Tensor:
    """``x log(x)`` with ``0 log 0 = 0``; NaN for negative x."""
    zero = x.data == 0
    return autograd.where(zero, 0.0, x * autograd.where(zero, 1.0, x).log())


# ------------------------------------------------------------------ functions
def l1_loss(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """``|input - target|``, reduced; the gradient at a tie is 0."""
    x, t = _pair(input, target, reduction, "l1_loss")
    return _reduce((x - t).abs(), reduction)


def smooth_l1_loss(input: Any, target: Any, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """``0.5 d**2 / beta`` where ``d = |input - target| < beta``, else ``d - 0.5 beta``."""
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    x, t = _pair(input, target, reduction, "smooth_l1_loss")
    d = (x - t).abs()
    if beta == 0:
        return _reduce(d, reduction)
    # NaN takes the square's side, whose gradient is NaN there (PyTorch's).
    small = ~(d.data >= beta)
    # The square sees only its own side: at d = inf its derivative would turn
    # the zero gradient of the branch not taken into NaN.
    ds = autograd.where(small, d, 0.0)
    loss = autograd.where(small, ds * ds * (0.5 / beta), d - 0.5 * beta)
    return _reduce(loss, reduction)


def huber_loss(input: Any, target: Any, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """``0.5 d**2`` where ``d = |input - target| < delta``, else ``delta (d - 0.5 delta)``."""
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    x, t = _pair(input, target, reduction, "huber_loss")
    d = (x - t).abs()
    small = ~(d.data >= delta)
    ds = autograd.where(small, d, 0.0)
    loss = autograd.where(small, ds * ds * 0.5, (d - 0.5 * delta) * delta)
    return _reduce(loss, reduction)


def binary_cross_entropy(
    input: Any, target: Any, weight: Any = None, reduction: str = "mean"
) -> Tensor:
    """``-w [y log(x) + (1 - y) log(1 - x)]`` for probabilities ``x`` in [0, 1].

    Each log is clamped at -100, as in PyTorch, so the loss is finite at 0 and 1;
    there the clamped log has gradient 0 (PyTorch's rule gives ``(x - y) / 1e-12``).
    """
    x, t = _pair(input, target, reduction, "binary_cross_entropy")
    bad = ~((x.data >= 0) & (x.data <= 1))
    if bad.any():
        i = tuple(int(v) for v in np.argwhere(bad)[0])
        raise ValueError(
            f"binary_cross_entropy: all elements of input should be between 0 and 1 "
            f"(probabilities; for logits use binary_cross_entropy_with_logits), got "
            f"{x.data[i]} at index {i}"
        )
    loss = -(t * _safe_log(x, -100.0) + (1.0 - t) * _safe_log(1.0 - x, -100.0))
    if weight is not None:
        loss = loss * _constant(weight, x)
    return _reduce(loss, reduction)


def kl_div(input: Any, target: Any, reduction: str = "mean", log_target: bool = False) -> Tensor:
    """Pointwise KL divergence ``target (log(target) - input)`` with log-probabilities
    ``input``; with ``log_target`` the target is given as log-probabilities too.

    ``reduction='batchmean'`` divides the sum by the batch size (the mathematical
    KL divergence); ``'mean'`` divides by the number of elements, as in PyTorch.
    """
    op = "kl_div"
    if reduction not in ("mean", "sum", "none", "batchmean"):
        raise ValueError(
            f"{op}: reduction must be 'mean', 'batchmean', 'sum' or 'none', got {reduction!r}"
        )
    x = _tensor(input)
    t = _float_target(target, x, op)
    _same_shape(x, t, op)
    loss = t.exp() * (t - x) if log_target else _xlogy(t) - t * x
    if reduction == "batchmean":
        return loss.sum() * (1.0 / x.shape[0]) if x.ndim else loss.sum()
    return _reduce(loss, reduction)


def margin_ranking_loss(
    input1: Any, input2: Any, target: Any, margin: float = 0.0, reduction: str = "mean"
) -> Tensor:
    """``max(0, -y (x1 - x2) + margin)`` for labels ``y`` in {1, -1}."""
    op = "margin_ranking_loss"
    _check_reduction(reduction, op)
    a = _tensor(input1)
    b = _other(input2, a, op, "input2")
    y = _constant(target, a)
    return _reduce(((a - b) * -y + margin).relu(), reduction)


def soft_margin_loss(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """``log(1 + exp(-y x))`` for labels ``y`` in {1, -1}, computed without overflow.

    At ``x = ±inf`` the gradient is its limit (``-y`` or 0); PyTorch's is NaN there.
    """
    x, t = _pair(input, target, reduction, "soft_margin_loss")
    return _reduce(_log1p_exp(-(t * x)), reduction)


def cosine_embedding_loss(
    input1: Any, input2: Any, target: Any, margin: float = 0.0, reduction: str = "mean"
) -> Tensor:
    """``1 - cos(x1, x2)`` where ``y = 1`` and ``max(0, cos(x1, x2) - margin)`` where ``y = -1``.

    The cosine is taken along the last axis of ``(N, D)`` or ``(D,)`` inputs,
    as PyTorch computes it: ``x1 . x2 / sqrt((|x1|^2 + 1e-12)(|x2|^2 + 1e-12))``.
    """
    op = "cosine_embedding_loss"
    _check_reduction(reduction, op)
    a = _tensor(input1)
    b = _other(input2, a, op, "input2")
    if a.ndim not in (1, 2) or a.shape != b.shape:
        raise ValueError(
            f"{op}: inputs must both have shape (N, D) or (D,), got {a.shape} and {b.shape}"
        )
    y = _constant(target, a)
    axis = a.ndim - 1
    dot = (a * b).sum(axis=axis)
    denom = (((a * a).sum(axis=axis) + 1e-12) * ((b * b).sum(axis=axis) + 1e-12)).sqrt()
    cos = dot / denom
    loss = autograd.where(y == 1, 1.0 - cos, autograd.where(y == -1, (cos - margin).relu(), 0.0))
    return _reduce(loss, reduction)


def triplet_margin_loss(
    anchor: Any,
    positive: Any,
    negative: Any,
    margin: float = 1.0,
    p: float = 2.0,
    eps: float = 1e-6,
    swap: bool = False,
    reduction: str = "mean",
) -> Tensor:
    """``max(d(a, p) - d(a, n) + margin, 0)`` with ``d`` the :func:`pairwise_distance`;
    ``swap`` uses ``min(d(a, n), d(p, n))`` for the negative distance."""
    op = "triplet_margin_loss"
    _check_reduction(reduction, op)
    a = _tensor(anchor)
    pos = _other(positive, a, op, "positive")
    neg = _other(negative, a, op, "negative")
    d_pos = pairwise_distance(a, pos, p, eps)
    d_neg = pairwise_distance(a, neg, p, eps)
    if swap:
        d_neg = autograd.minimum(d_neg, pairwise_distance(pos, neg, p, eps))
    return _reduce((d_pos - d_neg + margin).relu(), reduction)


def poisson_nll_loss(
    input: Any,
    target: Any,
    log_input: bool = True,
    full: bool = False,
    eps: float = 1e-8,
    reduction: str = "mean",
) -> Tensor:
    """Poisson negative log-likelihood: ``exp(x) - y x`` for a log-rate ``x``
    (``log_input``), else ``x - y log(x + eps)``; ``full`` adds Stirling's
    ``y log(y) - y + 0.5 log(2 pi y)`` where ``y > 1``."""
    x, t = _pair(input, target, reduction, "poisson_nll_loss")
    loss = x.exp() - t * x if log_input else x - t * (x + eps).log()
    if full:
        big = t.data > 1
        safe = autograd.where(big, t, 1.0)
        stirling = safe * safe.log() - safe + (safe * (2.0 * math.pi)).log() * 0.5
        loss = loss + autograd.where(big, stirling, 0.0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(
    input: Any,
    target: Any,
    var: Any,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> Tensor:
    """Gaussian negative log-likelihood ``0.5 (log(var) + (input - target)**2 / var)``
    (plus ``0.5 log(2 pi)`` when ``full``).

    ``var`` has the input's shape, or it with the last axis 1 or dropped (one
    variance per sample). It is clamped at ``eps`` in value only: its gradient
    passes as if unclamped, as PyTorch clamps it outside the graph.
    """
    op = "gaussian_nll_loss"
    _check_reduction(reduction, op)
    x = _tensor(input)
    t = _float_target(target, x, op)
    v = _float_target(var, x, op)
    if v.shape != x.shape:
        if x.ndim and v.shape == x.shape[:-1]:
            v = v.reshape(*v.shape, 1)
        elif not (x.ndim and v.shape == (*x.shape[:-1], 1)):
            raise ValueError(
                f"{op}: var of shape {v.shape} must have the input's shape {x.shape}, or it with "
                "the last dimension 1 or dropped"
            )
    if (v.data < 0).any():
        raise ValueError(f"{op}: var has negative entry/entries")
    v = v + (np.maximum(v.data, _scalar(eps, v)) - v.data)
    loss = (v.log() + (x - t) ** 2 / v) * 0.5
    if full:
        loss = loss + 0.5 * math.log(2.0 * math.pi)
    return _reduce(loss, reduction)


# ------------------------------------------------------------------ modules
class _Loss(Module):
    reductions = ("mean", "sum", "none")

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        if reduction not in self.reductions:
            raise ValueError(
                f"{type(self).__name__}: reduction must be one of {self.reductions}, "
                f"got {reduction!r}"
            )
        self.reduction = reduction

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}" if self.reduction != "mean" else ""


class L1Loss(_Loss):
    """:func:`l1_loss` as a module."""

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return l1_loss(input, target, self.reduction)


class SmoothL1Loss(_Loss):
    """:func:`smooth_l1_loss` as a module."""

    def __init__(self, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(reduction)
        self.beta = beta

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return smooth_l1_loss(input, target, self.reduction, self.beta)


class HuberLoss(_Loss):
    """:func:`huber_loss` as a module."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        self.delta = delta

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return huber_loss(input, target, self.reduction, self.delta)


class BCELoss(_Loss):
    """:func:`binary_cross_entropy` as a module."""

    def __init__(self, weight: Any = None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.weight = None if weight is None else np.asarray(weight)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return binary_cross_entropy(input, target, self.weight, self.reduction)


class KLDivLoss(_Loss):
    """:func:`kl_div` as a module."""

    reductions = ("mean", "sum", "none", "batchmean")

    def __init__(self, reduction: str = "mean", log_target: bool = False) -> None:
        super().__init__(reduction)
        self.log_target = log_target

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return kl_div(input, target, self.reduction, self.log_target)


class MarginRankingLoss(_Loss):
    """:func:`margin_ranking_loss` as a module."""

    def __init__(self, margin: float = 0.0, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Any) -> Tensor:
        return margin_ranking_loss(input1, input2, target, self.margin, self.reduction)


class SoftMarginLoss(_Loss):
    """:func:`soft_margin_loss` as a module."""

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return soft_margin_loss(input, target, self.reduction)


class CosineEmbeddingLoss(_Loss):
    """:func:`cosine_embedding_loss` as a module."""

    def __init__(self, margin: float = 0.0, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Any) -> Tensor:
        return cosine_embedding_loss(input1, input2, target, self.margin, self.reduction)


class TripletMarginLoss(_Loss):
    """:func:`triplet_margin_loss` as a module."""

    def __init__(
        self,
        margin: float = 1.0,
        p: float = 2.0,
        eps: float = 1e-6,
        swap: bool = False,
        reduction: str = "mean",
    ) -> None:
        super().__init__(reduction)
        self.margin, self.p, self.eps, self.swap = margin, p, eps, swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        return triplet_margin_loss(
            anchor, positive, negative, self.margin, self.p, self.eps, self.swap, self.reduction
        )


class PoissonNLLLoss(_Loss):
    """:func:`poisson_nll_loss` as a module."""

    def __init__(
        self, log_input: bool = True, full: bool = False, eps: float = 1e-8, reduction: str = "mean"
    ) -> None:
        super().__init__(reduction)
        self.log_input, self.full, self.eps = log_input, full, eps

    def forward(self, log_input: Tensor, target: Any) -> Tensor:
        return poisson_nll_loss(
            log_input, target, self.log_input, self.full, self.eps, self.reduction
        )


class GaussianNLLLoss(_Loss):
    """:func:`gaussian_nll_loss` as a module."""

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.full, self.eps = full, eps

    def forward(self, input: Tensor, target: Any, var: Any) -> Tensor:
        return gaussian_nll_loss(input, target, var, self.full, self.eps, self.reduction)


def hinge_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Max-margin loss ``max(0, 1 - y * s)`` of the classic moons demo.

    ``input`` holds scores of shape ``(N,)`` or ``(N, 1)``; ``target`` holds
    labels in {-1, +1} of shape ``(N,)`` or ``(N, 1)``. ``'none'`` gives shape
    ``(N,)``. At the margin (``y * s == 1``) the gradient is 0.
    """
    _check_reduction(reduction, "hinge_loss")
    input = _tensor(input)
    y = np.asarray(target.data if isinstance(target, Tensor) else target)
    if input.ndim not in (1, 2) or (input.ndim == 2 and input.shape[1] != 1):
        raise ValueError(f"hinge_loss: scores must have shape (N,) or (N, 1), got {input.shape}")
    n = input.shape[0]
    if y.shape not in ((n,), (n, 1)):
        raise ValueError(
            f"hinge_loss: labels must have shape ({n},) or ({n}, 1) to match scores of shape "
            f"{tuple(input.shape)}, got {y.shape}"
        )
    if y.dtype.kind not in "iuf" or not np.isin(y, (-1, 1)).all():
        raise ValueError(
            "hinge_loss: labels must be -1 or +1 (for 0/1 labels use 2 * y - 1), got values "
            f"{np.unique(y)[:5].tolist()} of dtype {y.dtype}"
        )
    scores = input.reshape(n) if input.ndim == 2 else input
    margin = scores * y.reshape(n).astype(input.dtype)
    return _reduce((1.0 - margin).relu(), reduction)
