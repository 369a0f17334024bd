"""Reductions, and the softmax family fused for numerical stability."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from autograd import tensor as _t
from autograd.function import Function
from autograd.ops import dual
from autograd.ops.dual import broadcast_to, exp

if TYPE_CHECKING:
    from autograd.tensor import Axis, Tensor


__all__ = [
    "LogSoftmax",
    "LogSumExp",
    "Max",
    "Mean",
    "Min",
    "ReductionMethods",
    "Softmax",
    "Sum",
    "ValuesIndices",
    "dims",
    "select_along",
]


_intp = np.intp


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

    formula = "sum(a)"

    def forward(self, a: Tensor, axis: Axis, keepdims: bool) -> np.ndarray:
        self.axes = _axes(axis, a.data.ndim)
        self.in_shape = a.data.shape
        # The ufunc's reduce: what np.sum calls after about 1 us of Python
        # (sum over axis 0 of 100x16: 6.6 -> 5.0 us per op, process CPU, load 7).
        return np.add.reduce(a.data, self.axes, None, None, keepdims)

    def backward(self, g: Tensor) -> Tensor:
        return broadcast_to(g.reshape(_kept_shape(self.in_shape, self.axes)), self.in_shape)


class Max(Function):
    """d max(a) = g at the maximal elements; k tied elements get g / k each (NaN is maximal)."""

    formula = "max(a)"

    reduce = staticmethod(np.maximum.reduce)

    def forward(self, a: Tensor, axis: Axis, keepdims: bool) -> np.ndarray:
        self.axes = _axes(axis, a.data.ndim)
        if a.data.size == 0 and any(a.data.shape[i] == 0 for i in self.axes):
            # Reducing a non-empty axis of an empty tensor gives an empty
            # result; an empty axis has no maximum (PyTorch refuses it too).
            raise ValueError(
                "cannot reduce over an empty axis; the tensor "
                f"has shape {a.data.shape} and the reduced axes are {self.axes}"
            )
        out = self.reduce(a.data, self.axes, keepdims=True)
        self.save_for_backward(a.data, out)
        return out if keepdims else out.reshape(np.delete(a.data.shape, self.axes))

    def backward(self, g: Tensor) -> Tensor:
        x, out = self.saved
        if not self.axes:
            return g  # the maximum over no axis is the input itself
        # A NaN is the maximum (NumPy's max propagates it): it takes the
        # gradient. (PyTorch's amax gives NaN to every element of the slice.)
        hits = (x == out) | (np.isnan(x) & np.isnan(out))
        share = hits / np.add.reduce(hits, self.axes, None, None, True)
        return g.reshape(out.shape) * share.astype(x.dtype, copy=False)


class Min(Max):
    """d min(a) = g at the minimal elements; k tied elements get g / k each."""

    formula = "min(a)"

    reduce = staticmethod(np.minimum.reduce)


class Mean(Function):
    """d mean(a) = broadcast(g / n) to the shape of a, n the count averaged

    A primitive rather than ``sum(a) / n`` to save a node in every loss.
    """

    formula = "mean(a)"

    def forward(self, a: Tensor, axis: Axis, keepdims: bool) -> np.ndarray:
        self.axes = _axes(axis, a.data.ndim)
        self.in_shape = a.data.shape
        self.count = 1
        for ax in self.axes:
            self.count *= a.data.shape[ax]
        x = a.data
        if x.dtype.kind != "f" or x.dtype.itemsize < 4 or not self.count:
            return np.mean(x, axis=self.axes, keepdims=keepdims)
        # np.mean's own arithmetic without its Python layers (mean of 100x16,
        # forward and backward: 17.3-19.3 -> 14.7 us, process CPU, load 7): the sum, then
        # a division by the count as an intp (in float64 for float32 data,
        # as NumPy does), so the bytes are the same.
        total = np.add.reduce(x, self.axes, None, None, keepdims)
        if type(total) is np.ndarray:
            return np.true_divide(total, _intp(self.count), out=total, casting="unsafe")
        return total.dtype.type(total / _intp(self.count))

    def backward(self, g: Any) -> Any:
        scaled = g.reshape(_kept_shape(self.in_shape, self.axes)) / self.count
        return broadcast_to(scaled, self.in_shape)


def _stable_logsumexp(x: np.ndarray, axes: tuple[int, ...], shift_inf: bool = False) -> np.ndarray:
    """log(sum(exp(x))) over ``axes`` with keepdims, shifted by the maximum so
    that exp never overflows.

    A slice whose maximum is infinite is left unshifted (``logsumexp`` of
    [inf, 1] is inf, of [-inf, -inf] is -inf), unless ``shift_inf``: the
    softmax family shifts by it anyway, so that a slice holding +inf is NaN
    throughout, as in PyTorch.
    """
    if x.size == 0:
        # Nothing to shift; the sum of no terms is 0, and its log -inf.
        m = np.zeros(_kept_shape(x.shape, axes), dtype=x.dtype)
    else:
        m = np.maximum.reduce(x, axes, None, None, True)
        if not shift_inf:
            m = np.where(np.isfinite(m), m, 0).astype(x.dtype, copy=False)
    with np.errstate(divide="ignore", invalid="ignore"):
        return m + np.log(np.add.reduce(np.exp(x - m), axes, None, None, True))


class LogSumExp(Function):
    """d logsumexp(a) = softmax(a) da

    A fused primitive: composed of max, exp, sum and log it would overflow
    for large inputs or need the shift to be differentiated.
    """

    formula = "log(sum(exp(a)))"

    def forward(self, a: Tensor, axis: Axis, keepdims: bool) -> np.ndarray:
        self.axes = _axes(axis, a.data.ndim)
        # NumPy's axis=() reduces nothing: the input itself, gradient included
        # (the formula's exp(x - x) would be NaN at inf).
        self.identity = axis == ()
        out = a.data.copy() if self.identity else _stable_logsumexp(a.data, self.axes)
        self.save_for_backward(a)
        self.kept = out.shape
        if not keepdims:
            out = out.reshape(np.delete(a.data.shape, self.axes))
        # Saved in the shape this node returns: in a recorded backward,
        # output() stands for this node's result, and a gradient reaching it
        # is added to the one its consumers send.
        self.save_output(out)
        return out

    def backward(self, g: Tensor) -> Tensor:
        if self.identity:
            return g
        (a,) = self.saved
        lse = self.output().reshape(self.kept)
        return g.reshape(self.kept) * exp(a - lse)


class LogSoftmax(Function):
    """d log_softmax(a) = g - softmax(a) sum(g), along ``axis``

    Fused for stability (it is ``a - logsumexp(a)``) and speed (one node
    instead of five in every cross-entropy loss).
    """

    formula = "log(softmax(a))"

    def forward(self, a: Tensor, axis: int) -> np.ndarray:
        self.axes = _axes(axis, a.data.ndim)
        with np.errstate(invalid="ignore"):
            out = a.data - _stable_logsumexp(a.data, self.axes, shift_inf=True)
        self.save_output(out)
        return out

    def backward(self, g: Tensor) -> Tensor:
        return g - exp(self.output()) * dual.sum_over(g, self.axes, True)


class Softmax(Function):
    """d softmax(a) = y (g - sum(g y)), along ``axis``, with y = softmax(a)"""

    formula = "softmax(a)"

    def forward(self, a: Tensor, axis: int) -> np.ndarray:
        self.axes = _axes(axis, a.data.ndim)
        with np.errstate(invalid="ignore"):
            out = np.exp(a.data - _stable_logsumexp(a.data, self.axes, shift_inf=True))
        self.save_output(out)
        return out

    def backward(self, g: Tensor) -> Tensor:
        y = self.output()
        return y * (g - dual.sum_over(g * y, self.axes, True))


def dims(op: str, axis: Any, keepdims: Any, dim: Any, keepdim: Any) -> tuple[Any, bool]:
    """One code path for PyTorch's ``dim``/``keepdim`` and NumPy's
    ``axis``/``keepdims``: whichever the caller used, never both."""
    if dim is not None and axis is not None:
        raise TypeError(f"{op}: got both dim= and axis=; they are the same argument, pass one")
    if keepdim is not None and keepdims is not None:
        raise TypeError(f"{op}: got both keepdim= and keepdims=; pass one")
    if isinstance(dim, list):
        dim = tuple(dim)
    return (axis if dim is None else dim), bool(keepdims if keepdim is None else keepdim)


class ValuesIndices(NamedTuple):
    """``(values, indices)``, as ``max``/``min``/``sort``/``topk`` with ``dim``
    return them in PyTorch (``torch.return_types``)."""

    values: Tensor
    indices: Tensor


def select_along(x: Tensor, indices: np.ndarray, axis: int) -> Tensor:
    """``take_along_axis(x, indices, axis)`` as indexing: the gradient goes to
    the selected elements only (PyTorch's rule for ``max(dim)``, ``sort``)."""
    grids = np.ogrid[tuple(slice(n) for n in indices.shape)]
    index = tuple(indices if i == axis else g for i, g in enumerate(grids))
    return x[index]


def _arg_reduce(x: Tensor, op: str, dim: int, keepdim: bool) -> ValuesIndices:
    axes = _axes(dim, x.data.ndim)
    axis = axes[0] if axes else 0
    data = x.data if x.data.ndim else x.data.reshape(1)
    if data.shape[axis] == 0:
        raise ValueError(
            f"{op}: cannot reduce over an empty axis; the tensor has shape {x.data.shape} "
            f"and dim is {dim}"
        )
    pick = np.argmax if op == "max" else np.argmin
    indices = np.expand_dims(pick(data, axis=axis), axis)
    values = select_along(x if x.data.ndim else x.reshape(1), indices, axis)
    if not keepdim or not x.data.ndim:
        values, indices = (
            values.reshape(values.shape[:axis] + values.shape[axis + 1 :]),
            (indices.reshape(indices.shape[:axis] + indices.shape[axis + 1 :])),
        )
    return ValuesIndices(values, _t._make(indices.astype(np.int64)))


class ReductionMethods:
    """The reductions and the softmax family of :class:`~autograd.Tensor`.

    Each takes PyTorch's ``dim``/``keepdim`` or NumPy's ``axis``/``keepdims``
    (an int, a tuple of ints, or ``None`` for all axes).
    """

    __slots__ = ()
    data: np.ndarray

    def sum(
        self,
        dim: Axis = None,
        keepdim: bool | None = None,
        *,
        axis: Axis = None,
        keepdims: bool | None = None,
    ) -> Tensor:
        """The sum over ``dim`` (all axes by default)."""
        axis, keep = dims("sum", axis, keepdims, dim, keepdim)
        return Sum.apply(self, axis=axis, keepdims=keep)

    def mean(
        self,
        dim: Axis = None,
        keepdim: bool | None = None,
        *,
        axis: Axis = None,
        keepdims: bool | None = None,
    ) -> Tensor:
        """The mean over ``dim`` (all axes by default)."""
        axis, keep = dims("mean", axis, keepdims, dim, keepdim)
        return Mean.apply(self, axis=axis, keepdims=keep)

    def amax(
        self,
        dim: Axis = None,
        keepdim: bool | None = None,
        *,
        axis: Axis = None,
        keepdims: bool | None = None,
    ) -> Tensor:
        """The maximum; tied elements share the gradient equally (as ``torch.amax``)."""
        axis, keep = dims("amax", axis, keepdims, dim, keepdim)
        return Max.apply(self, axis=axis, keepdims=keep)

    def amin(
        self,
        dim: Axis = None,
        keepdim: bool | None = None,
        *,
        axis: Axis = None,
        keepdims: bool | None = None,
    ) -> Tensor:
        """The minimum; tied elements share the gradient equally (as ``torch.amin``)."""
        axis, keep = dims("amin", axis, keepdims, dim, keepdim)
        return Min.apply(self, axis=axis, keepdims=keep)

    def max(
        self,
        dim: Any = None,
        keepdim: bool | None = None,
        *,
        axis: Axis = None,
        keepdims: bool | None = None,
    ) -> Any:
        """The maximum.

        With an int ``dim`` (PyTorch's form, ``x.max(1)`` or ``x.max(dim=1)``)
        the result is ``(values, indices)`` and the gradient goes to the
        element each index names. With ``axis=`` (NumPy's form), a tuple of
        dims or no dim it is the values alone, and tied elements share the
        gradient equally, as ``amax``. A tensor in place of ``dim`` is PyTorch's
        ``max(input, other)``, the elementwise :func:`~autograd.maximum`.
        """
        if isinstance(dim, (_t.Tensor, np.ndarray)):  # torch.max(input, other)
            from autograd.ops.selection import maximum

            return maximum(self, dim)
        if dim is not None and not isinstance(dim, (tuple, list)) and axis is None:
            return _arg_reduce(self, "max", int(dim), bool(keepdims or keepdim))
        axis, keep = dims("max", axis, keepdims, dim, keepdim)
        return Max.apply(self, axis=axis, keepdims=keep)

    def min(
        self,
        dim: Any = None,
        keepdim: bool | None = None,
        *,
        axis: Axis = None,
        keepdims: bool | None = None,
    ) -> Any:
        """The minimum: ``(values, indices)`` with an int ``dim``, as :meth:`max`; with a
        tensor, the elementwise :func:`~autograd.minimum`."""
        if isinstance(dim, (_t.Tensor, np.ndarray)):  # torch.min(input, other)
            from autograd.ops.selection import minimum

            return minimum(self, dim)
        if dim is not None and not isinstance(dim, (tuple, list)) and axis is None:
            return _arg_reduce(self, "min", int(dim), bool(keepdims or keepdim))
        axis, keep = dims("min", axis, keepdims, dim, keepdim)
        return Min.apply(self, axis=axis, keepdims=keep)

    def logsumexp(
        self,
        dim: Axis = None,
        keepdim: bool | None = None,
        *,
        axis: Axis = None,
        keepdims: bool | None = None,
    ) -> Tensor:
        """``log(sum(exp(x)))``, stable for inputs of any magnitude."""
        axis, keep = dims("logsumexp", axis, keepdims, dim, keepdim)
        return LogSumExp.apply(self, axis=axis, keepdims=keep)

    def softmax(
        self: Tensor, dim: int | None = None, dtype: Any = None, *, axis: int | None = None
    ) -> Tensor:
        """``exp(x) / sum(exp(x))`` along ``dim`` (the last axis by default); ``dtype``
        casts the input first, as in PyTorch."""
        axis, _ = dims("softmax", axis, None, dim, None)
        x = self if dtype is None else self.astype(dtype)
        return Softmax.apply(x, axis=-1 if axis is None else axis)

    def log_softmax(
        self: Tensor, dim: int | None = None, dtype: Any = None, *, axis: int | None = None
    ) -> Tensor:
        """``x - logsumexp(x)`` along ``dim`` (the last axis by default); ``dtype`` casts
        the input first."""
        axis, _ = dims("log_softmax", axis, None, dim, None)
        x = self if dtype is None else self.astype(dtype)
        return LogSoftmax.apply(x, axis=-1 if axis is None else axis)
