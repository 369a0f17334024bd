"""Fused loss primitives: mean squared error and softmax cross-entropy, one node each.

Both are shortcuts for compositions of other primitives, kept for speed
alone: a training step's loss is small arithmetic on small arrays, where the
bookkeeping of each node (the Tensor, the Function, its saved values, the
engine's visit) costs as much as the NumPy calls. Their op-table rows carry
the composition they replace (``composition=``), and the tests check that
the two agree in value, first and second derivatives; ``viz`` can draw a
fused node as that composition (``draw_graph(..., expand_fused=True)``).

- :class:`MseLoss` is ``reduce((x - t) ** 2)``: Sub, PowScalar and Mean (or
  Sum) in three nodes; two for ``reduction='none'``.
- :class:`SoftmaxCrossEntropy` is ``-mean(log_softmax(x, 1)[rows, t])`` for
  logits ``x`` of shape ``(N, C)`` and valid class indices ``t``: LogSoftmax,
  GetItem, Sum and a scaling in four nodes. Its rule is the familiar
  ``(softmax(x) - onehot(t)) / N``.

Each forward computes the same values as its composition, in the same
order (the log-sum-exp shifted by the row's maximum, as ``LogSoftmax``
does), so losses are what the composition gave, bit for bit.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

import numpy as np

from autograd.function import Function

if TYPE_CHECKING:
    from autograd.tensor import Tensor

__all__ = ["MseLoss", "SoftmaxCrossEntropy", "mse_loss", "softmax_cross_entropy"]

REDUCTIONS = ("mean", "sum", "none")

# The module, not the ``autograd.tensor`` function that the package exports
# under the same name (this module may load after the package has bound it).
_t = importlib.import_module("autograd.tensor")


def _log_softmax_rows(a: np.ndarray) -> np.ndarray:
    """``a - logsumexp(a, axis=1)``, shifted by each row's maximum (an infinite
    maximum too: a row holding +inf is NaN throughout, as in PyTorch)."""
    if a.size == 0:  # no rows, or no classes: nothing to shift by
        m = np.zeros((a.shape[0], 1), dtype=a.dtype)
    else:
        m = np.maximum.reduce(a, axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        lse = m + np.log(np.add.reduce(np.exp(a - m), axis=1, keepdims=True))
        return a - lse


def _inverse(n: int) -> float:
    return 1.0 / n if n else float("nan")


class MseLoss(Function):
    """d reduce((x - t) ** 2) = 2 (x - t) g / n for x, -2 (x - t) g / n for t (n = 1 unless 'mean')

    Fused for speed: one node where the composition records three. Values
    and gradients are the composition's, bit for bit.
    """

    formula = "reduce((x - t) ** 2)"

    def forward(self, x: Tensor, t: Tensor, reduction: str) -> np.ndarray:
        d = x.data - t.data
        self.reduction = reduction
        self.count = d.size
        # The difference is what the rule needs; x and t are saved for the
        # recorded rule, which writes it again as a function of them.
        self.save_for_backward(x, t, d)
        sq = np.square(d)
        if reduction == "none":
            return sq
        total = np.add.reduce(sq, axis=None)
        if reduction == "sum":
            return total
        # As np.mean divides: by the integer count, in float64 for float32 (the
        # correctly rounded quotient, however large the count), cast back. The
        # mean of no elements is NaN, silently (PyTorch's value).
        with np.errstate(invalid="ignore", divide="ignore"):
            return sq.dtype.type(total / np.intp(self.count))

    def backward(self, g: Any) -> tuple[Any, Any]:
        x, t, d = self.saved
        need_x, need_t = self.needs_input_grad
        if isinstance(g, _t.Tensor):  # recorded: d as a function of the inputs
            d = x - t
        # The composition's arithmetic, step for step: Mean's g / n, then
        # PowScalar's g (d * 2), so the gradients are its own to the bit (an
        # overflow of d * 2 included).
        if self.reduction == "mean" and self.count:  # (no elements: no gradient to scale)
            g = g / self.count
        gx = g * (d * 2.0)
        return (gx if need_x else None), (-gx if need_t else None)

    def compose(self, x: Tensor, t: Tensor) -> Tensor:
        """The same loss from other primitives (Sub, PowScalar, Mean or Sum), for pictures."""
        sq = (x - t) ** 2
        return (
            sq.mean() if self.reduction == "mean" else sq.sum() if self.reduction == "sum" else sq
        )


def mse_loss(x: Tensor, t: Tensor, reduction: str = "mean") -> Tensor:
    """``(x - t) ** 2`` reduced by ``'mean'``, ``'sum'`` or ``'none'``, as one node.

    ``x`` and ``t`` must have the same shape and dtype (``nn.functional.mse_loss``
    checks both and casts array targets).
    """
    if reduction not in REDUCTIONS:
        raise ValueError(f"mse_loss: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    if x.data.shape != t.data.shape:
        raise ValueError(
            f"mse_loss: target shape {t.data.shape} must match input shape {x.data.shape}"
        )
    return MseLoss.apply(x, t, reduction=reduction)


class SoftmaxCrossEntropy(Function):
    """d CE(x, t) = (softmax(x) - onehot(t)) g / n along the rows of x, n = N for 'mean', else 1

    Fused for speed: one node where the composition (LogSoftmax, GetItem,
    Sum, a scaling) records four, and a backward pass of two array
    operations instead of a scatter, a sum and a product; in a small MLP's
    step (batch 32, 10 classes) the loss is a fifth of the time.
    """

    formula = "reduce(-log_softmax(x)[n, t[n]])"

    def forward(self, x: Tensor, t: Tensor, reduction: str) -> np.ndarray:
        logp = _log_softmax_rows(x.data)
        self.reduction = reduction
        self.rows = np.arange(logp.shape[0])
        self.target = t.data
        self.save_for_backward(x, logp)
        picked = logp[self.rows, self.target]
        if reduction == "none":
            return np.negative(picked)
        total = np.add.reduce(picked, axis=None)
        if reduction == "sum":
            return np.negative(total)
        # No rows: 0 * NaN, the NaN of a mean of nothing.
        return total * np.array(-_inverse(logp.shape[0]), dtype=logp.dtype)

    def backward(self, g: Any) -> tuple[Any, None]:
        x, logp = self.saved
        if isinstance(g, _t.Tensor):
            # Recorded: softmax as a function of x, so that the rule has a
            # derivative of its own.
            onehot = np.zeros(logp.shape, dtype=logp.dtype)
            onehot[self.rows, self.target] = 1.0
            diff = x.softmax(axis=1) - onehot
        else:
            diff = np.exp(logp)
            diff[self.rows, self.target] -= 1.0
        if self.reduction == "none":
            return diff * g.reshape(-1, 1), None
        if self.reduction == "mean":
            g = g * np.array(_inverse(logp.shape[0]), dtype=logp.dtype)
        return diff * g, None

    def compose(self, x: Tensor, t: Tensor) -> Tensor:
        """The same loss from other primitives (LogSoftmax, GetItem, a reduction, Neg)."""
        picked = x.log_softmax(axis=1)[self.rows, self.target]
        if self.reduction == "none":
            return -picked
        return -(picked.mean() if self.reduction == "mean" else picked.sum())


def softmax_cross_entropy(x: Tensor, t: Any, reduction: str = "mean") -> Tensor:
    """Cross-entropy of logits ``x`` ``(N, C)`` and class indices ``t`` ``(N,)``, as one node.

    ``-log_softmax(x, axis=1)[n, t[n]]``, reduced by ``'mean'``, ``'sum'`` or
    ``'none'``. Every target must be a valid class index: the general case
    (ignored targets, class weights, label smoothing, probabilities) is
    ``nn.functional.cross_entropy``'s.
    """
    if reduction not in REDUCTIONS:
        raise ValueError(
            f"softmax_cross_entropy: reduction must be 'mean', 'sum' or 'none', got {reduction!r}"
        )
    t = t if isinstance(t, _t.Tensor) else _t._make(np.asarray(t))
    shape, t_shape = x.data.shape, t.data.shape
    if len(shape) != 2 or t_shape != shape[:1] or t.data.dtype.kind not in "iu":
        raise ValueError(
            f"softmax_cross_entropy: expected logits of shape (N, C) and integer class indices "
            f"of shape (N,); got {shape} and {t_shape} of dtype {t.data.dtype}"
        )
    if t.data.size and not (
        0 <= np.minimum.reduce(t.data) and np.maximum.reduce(t.data) < shape[1]
    ):
        raise IndexError(
            f"softmax_cross_entropy: class indices must be in 0..{shape[1] - 1}, got "
            f"{int(np.minimum.reduce(t.data))}..{int(np.maximum.reduce(t.data))}"
        )
    return SoftmaxCrossEntropy.apply(x, t, reduction=reduction)
