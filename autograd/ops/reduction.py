"""Reductions, and the softmax family fused for numerical stability."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.function import Function
from autograd.ops.dual import broadcast_to, exp
from autograd.tensor import Axis, Tensor


def _axes(axis: Axis, ndim: int) -> tuple[int, ...]:
    """Normalise ``axis`` (int, tuple or None) to a tuple of non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    # A 0-d tensor accepts axis 0 and -1 and reduces nothing, as in PyTorch.
    span = max(ndim, 1)
    out = []
    for ax in axes:
        if not -span <= ax < span:
            raise np.exceptions.AxisError(
                f"axis {ax} is out of bounds for a tensor of dimension {ndim} "
                f"(expected an axis in [{-span}, {span - 1}])"
            )
        out.append(int(ax) % span)
    if len(set(out)) != len(out):
        raise ValueError(f"duplicate value in axis: {axis}")
    return tuple(out) if ndim else ()


def _kept_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    """``shape`` with each reduced axis kept as size 1 (as ``keepdims=True`` gives)."""
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


class Sum(Function):
    """d sum(a) = broadcast(g) to the shape of a"""

    def forward(self, a: Tensor, axis: Axis, keepdims: bool) -> np.ndarray:
        self.axes = _axes(axis, a.data.ndim)
        self.in_shape = a.data.shape
        return np.sum(a.data, axis=self.axes, keepdims=keepdims)

    def backward(self, g: Tensor) -> Tensor:
        return broadcast_to(g.reshape(_kept_shape(self.in_shape, self.axes)), self.in_shape)


class Max(Function):
    """d max(a) = g at the maximal elements; k tied elements get g / k each."""

    reduce = staticmethod(np.max)

    def forward(self, a: Tensor, axis: Axis, keepdims: bool) -> np.ndarray:
        self.axes = _axes(axis, a.data.ndim)
        if a.data.size == 0 and (not self.axes or any(a.data.shape[i] == 0 for i in self.axes)):
            # Reducing a non-empty axis of an empty tensor gives an empty
            # result; an empty axis has no maximum (PyTorch refuses it too).
            raise ValueError(
                "cannot reduce over an empty axis; the tensor "
                f"has shape {a.data.shape} and the reduced axes are {self.axes}"
            )
        out = self.reduce(a.data, axis=self.axes, keepdims=True)
        self.save_for_backward(a.data, out)
        return out if keepdims else out.reshape(np.delete(a.data.shape, self.axes))

    def backward(self, g: Tensor) -> Tensor:
        x, out = self.saved
        hits = x == out
        share = hits / np.sum(hits, axis=self.axes, keepdims=True)
        return g.reshape(out.shape) * share.astype(x.dtype, copy=False)


class Min(Max):
    """d min(a) = g at the minimal elements; k tied elements get g / k each."""

    reduce = staticmethod(np.min)


class Mean(Function):
    """d mean(a) = broadcast(g / n) to the shape of a, n the count averaged

    A primitive rather than ``sum(a) / n`` to save a node in every loss.
    """

    def forward(self, a: Tensor, axis: Axis, keepdims: bool) -> np.ndarray:
        self.axes = _axes(axis, a.data.ndim)
        self.in_shape = a.data.shape
        self.count = 1
        for ax in self.axes:
            self.count *= a.data.shape[ax]
        return np.mean(a.data, axis=self.axes, keepdims=keepdims)

    def backward(self, g: Any) -> Any:
        scaled = g.reshape(_kept_shape(self.in_shape, self.axes)) / self.count
        return broadcast_to(scaled, self.in_shape)


def _stable_logsumexp(x: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """log(sum(exp(x))) over ``axes`` with keepdims, shifted by the maximum so
    that exp never overflows; an all -inf (or inf) slice is left unshifted."""
    if x.size == 0:
        # Nothing to shift; the sum of no terms is 0, and its log -inf.
        m = np.zeros(_kept_shape(x.shape, axes), dtype=x.dtype)
    else:
        m = np.max(x, axis=axes, keepdims=True)
        m = np.where(np.isfinite(m), m, 0).astype(x.dtype, copy=False)
    with np.errstate(divide="ignore"):
        return m + np.log(np.sum(np.exp(x - m), axis=axes, keepdims=True))


class LogSumExp(Function):
    """d logsumexp(a) = softmax(a) da

    A fused primitive: composed of max, exp, sum and log it would overflow
    for large inputs or need the shift to be differentiated.
    """

    def forward(self, a: Tensor, axis: Axis, keepdims: bool) -> np.ndarray:
        self.axes = _axes(axis, a.data.ndim)
        out = _stable_logsumexp(a.data, self.axes)
        self.save_for_backward(a)
        self.kept = out.shape
        self.save_output(out)
        return out if keepdims else out.reshape(np.delete(a.data.shape, self.axes))

    def backward(self, g: Tensor) -> Tensor:
        (a,) = self.saved
        lse = self.output()
        return g.reshape(self.kept) * exp(a - lse)


class LogSoftmax(Function):
    """d log_softmax(a) = g - softmax(a) sum(g), along ``axis``

    Fused for stability (it is ``a - logsumexp(a)``) and speed (one node
    instead of five in every cross-entropy loss).
    """

    def forward(self, a: Tensor, axis: int) -> np.ndarray:
        self.axes = _axes(axis, a.data.ndim)
        out = a.data - _stable_logsumexp(a.data, self.axes)
        self.save_output(out)
        return out

    def backward(self, g: Tensor) -> Tensor:
        return g - exp(self.output()) * g.sum(axis=self.axes, keepdims=True)


class Softmax(Function):
    """d softmax(a) = y (g - sum(g y)), along ``axis``, with y = softmax(a)"""

    def forward(self, a: Tensor, axis: int) -> np.ndarray:
        self.axes = _axes(axis, a.data.ndim)
        out = np.exp(a.data - _stable_logsumexp(a.data, self.axes))
        self.save_output(out)
        return out

    def backward(self, g: Tensor) -> Tensor:
        y = self.output()
        return y * (g - (g * y).sum(axis=self.axes, keepdims=True))
