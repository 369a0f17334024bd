"""Sorting and selection: sort, argsort, topk, kthvalue, median, quantile,
nonzero, masked_select, unique, and the positions of extremes (argmax,
argmin, cummax, cummin).

NaN sorts as the largest value, as in PyTorch. Every sort here is stable, so
among equal elements the indices come in their original order (PyTorch
promises that only with ``stable=True``). Selected values carry the gradient
to the elements their indices name (PyTorch's rule for ``sort``/``topk``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from autograd import tensor as _t
from autograd.ops.reduction import Max, ValuesIndices, _axes, dims, select_along
from autograd.ops.scan import _int_tensor, _scan_axis

if TYPE_CHECKING:
    from autograd.tensor import Tensor

__all__: list[str] = [
    "argmax",
    "argmin",
    "argsort",
    "cummax",
    "cummin",
    "kthvalue",
    "masked_select",
    "median",
    "msort",
    "nanmedian",
    "nonzero",
    "quantile",
    "sort",
    "topk",
    "unique",
]


def _keys(data: np.ndarray) -> np.ndarray:
    return data.astype(np.int8) if data.dtype.kind == "b" else data


def _order(data: np.ndarray, axis: int, descending: bool) -> np.ndarray:
    """Stable sorting indices along ``axis``, NaN taken as the largest value."""
    keys = _keys(data)
    if not descending:
        return np.argsort(keys, axis=axis, kind="stable")
    # Negating keeps equal elements in order; NaN stays last, so it is moved
    # to the front afterwards (stably).
    with np.errstate(over="ignore"):
        order = np.argsort(-keys, axis=axis, kind="stable")
    if keys.dtype.kind == "f":
        nan_last = np.isnan(np.take_along_axis(keys, order, axis=axis))
        order = np.take_along_axis(order, np.argsort(~nan_last, axis=axis, kind="stable"), axis)
    return order


def _as_1d(x: Tensor, op: str, dim: Any) -> tuple[Tensor, int]:
    """A 0-d tensor as shape (1,) (PyTorch sorts it along dim 0 or -1), and the axis."""
    if x.data.ndim == 0:
        _axes(dim, 0)  # refuses axes other than 0 and -1
        return x.reshape(1), 0
    return x, _axes(int(dim), x.data.ndim)[0]


def _finish(x: Tensor, values: Tensor, indices: np.ndarray) -> ValuesIndices:
    if x.data.ndim == 0:
        values, indices = values.reshape(()), indices.reshape(())
    return ValuesIndices(values, _t._make(indices.astype(np.int64, copy=False)))


def _pick(x: Tensor, op: str, dim: Any, position: Callable, keepdim: bool) -> ValuesIndices:
    """The element at a per-slice ``position`` of the ascending order."""
    y, axis = _as_1d(x, op, dim)
    n = y.data.shape[axis]
    if n == 0:
        raise ValueError(
            f"{op}: cannot select from an empty dim; the tensor has shape {x.data.shape}"
            f" and dim is {dim}"
        )
    order = _order(y.data, axis, False)
    pos = position(y.data, axis, n)
    idx = np.take_along_axis(order, pos, axis=axis)
    values = select_along(y, idx, axis)
    if not keepdim:
        values = values.reshape(values.shape[:axis] + values.shape[axis + 1 :])
        idx = idx.reshape(idx.shape[:axis] + idx.shape[axis + 1 :])
    return _finish(x, values, idx)


def _count_numbers(data: np.ndarray, axis: int) -> np.ndarray:
    return np.sum(~np.isnan(data), axis=axis, keepdims=True) if data.dtype.kind == "f" else None


def _median_position(data: np.ndarray, axis: int, n: int) -> np.ndarray:
    # The lower median; a slice holding NaN has NaN as its median (its first NaN).
    shape = list(data.shape)
    shape[axis] = 1
    pos = np.full(shape, (n - 1) // 2)
    numbers = _count_numbers(data, axis)
    return pos if numbers is None else np.where(numbers < n, numbers, pos)


def _nanmedian_position(data: np.ndarray, axis: int, n: int) -> np.ndarray:
    numbers = _count_numbers(data, axis)
    if numbers is None:
        return _median_position(data, axis, n)
    return np.maximum(numbers - 1, 0) // 2


def _lower_median(ignore_nan: bool) -> Callable[..., np.ndarray]:
    def reduce(x: np.ndarray, axis: tuple[int, ...], keepdims: bool) -> np.ndarray:
        rest = [i for i in range(x.ndim) if i not in axis]
        flat = np.transpose(x, rest + list(axis)).reshape([x.shape[i] for i in rest] + [-1])
        n = flat.shape[-1]
        position = _nanmedian_position if ignore_nan else _median_position
        pos = position(flat, -1, n)
        out = np.take_along_axis(np.sort(flat, axis=-1), pos, axis=-1)
        return out.reshape([1 if i in axis else s for i, s in enumerate(x.shape)])

    return reduce


class Median(Max):
    """d median(a) = g at the elements equal to the median; k tied elements get g / k each"""

    formula = "median(a)"

    reduce = staticmethod(_lower_median(False))


class Nanmedian(Max):
    """d nanmedian(a) = g at the elements equal to the median of the non-NaN ones, shared"""

    formula = "nanmedian(a)"

    reduce = staticmethod(_lower_median(True))


def _median(x: Tensor, op: str, dim: Any, keepdim: Any, axis: Any, keepdims: Any) -> Any:
    if dim is not None and not isinstance(dim, (tuple, list)) and axis is None:
        position = _median_position if op == "median" else _nanmedian_position
        return _pick(x, op, dim, position, bool(keepdim or keepdims))
    axis, keep = dims(op, axis, keepdims, dim, keepdim)
    return (Median if op == "median" else Nanmedian).apply(x, axis=axis, keepdims=keep)


def _cum_extreme(x: Tensor, op: str, axis: Any) -> ValuesIndices:
    """Running maximum (or minimum) and the index where it was reached: ties
    take the later index, and a NaN is the extreme from where it stands on
    (the latest NaN's index), as in PyTorch."""
    data = x.data
    ax = _scan_axis(op, data.ndim, axis)
    flat = data.reshape(1) if data.ndim == 0 else data
    moved = np.moveaxis(flat, ax, -1)
    idx = np.zeros(moved.shape, dtype=np.int64)
    if moved.shape[-1]:
        best = moved[..., 0].copy()
        where = np.zeros(best.shape, dtype=np.int64)
        better = np.greater_equal if op == "cummax" else np.less_equal
        for i in range(moved.shape[-1]):
            v = moved[..., i]
            take = np.isnan(v) | (~np.isnan(best) & better(v, best))
            best = np.where(take, v, best)
            where = np.where(take, i, where)
            idx[..., i] = where
    idx = np.moveaxis(idx, -1, ax)
    values = select_along(x if data.ndim else x.reshape(1), idx, ax)
    if data.ndim == 0:
        return ValuesIndices(values.reshape(()), _t._make(idx.reshape(())))
    return ValuesIndices(values, _t._make(idx))


def _arg(data: np.ndarray, op: str, dim: Any, keepdim: Any, axis: Any, keepdims: Any) -> Tensor:
    axis, keep = dims(op, axis, keepdims, dim, keepdim)
    if data.size == 0 and (axis is None or data.shape[axis] == 0):
        raise ValueError(
            f"{op}: cannot take the {op} of an empty tensor (shape {data.shape}, dim {axis})"
        )
    pick = np.argmax if op == "argmax" else np.argmin
    if axis is None:
        out = pick(data)
        return _int_tensor(np.reshape(out, (1,) * data.ndim) if keep else out)
    ax = _axes(int(axis), data.ndim)
    if not ax:  # 0-d
        return _int_tensor(0)
    return _int_tensor(pick(data, axis=ax[0], keepdims=keep))


class SortMethods:
    """Methods of :class:`~autograd.Tensor` defined with this module's primitives."""

    __slots__ = ()
    data: np.ndarray

    def argmax(
        self,
        dim: int | None = None,
        keepdim: bool | None = None,
        *,
        axis: int | None = None,
        keepdims: bool | None = None,
    ) -> Tensor:
        """The index of the maximum (of the flattened tensor without ``dim``); NaN is maximal."""
        return _arg(self.data, "argmax", dim, keepdim, axis, keepdims)

    def argmin(
        self,
        dim: int | None = None,
        keepdim: bool | None = None,
        *,
        axis: int | None = None,
        keepdims: bool | None = None,
    ) -> Tensor:
        """The index of the minimum (of the flattened tensor without ``dim``); NaN is minimal."""
        return _arg(self.data, "argmin", dim, keepdim, axis, keepdims)

    def cummax(self, dim: int | None = None, *, axis: int | None = None) -> ValuesIndices:
        """``(values, indices)`` of the running maximum along ``dim``."""
        axis, _ = dims("cummax", axis, None, dim, None)
        return _cum_extreme(self, "cummax", axis)  # type: ignore[arg-type]

    def cummin(self, dim: int | None = None, *, axis: int | None = None) -> ValuesIndices:
        """``(values, indices)`` of the running minimum along ``dim``."""
        axis, _ = dims("cummin", axis, None, dim, None)
        return _cum_extreme(self, "cummin", axis)  # type: ignore[arg-type]

    def sort(
        self,
        dim: int | None = None,
        descending: bool = False,
        stable: bool = False,
        *,
        axis: int | None = None,
    ) -> ValuesIndices:
        """``(values, indices)`` sorted along ``dim`` (the last by default); NaN is largest."""
        axis, _ = dims("sort", axis, None, dim, None)
        x, ax = _as_1d(self, "sort", -1 if axis is None else axis)  # type: ignore[arg-type]
        order = _order(x.data, ax, descending)
        return _finish(self, select_along(x, order, ax), order)  # type: ignore[arg-type]

    def argsort(
        self,
        dim: int | None = None,
        descending: bool = False,
        stable: bool = False,
        *,
        axis: int | None = None,
    ) -> Tensor:
        """The indices that sort along ``dim`` (an int64 tensor); NaN is largest."""
        axis, _ = dims("argsort", axis, None, dim, None)
        x, ax = _as_1d(self, "argsort", -1 if axis is None else axis)  # type: ignore[arg-type]
        order = _order(x.data, ax, descending)
        return _t._make(order.reshape(self.data.shape).astype(np.int64, copy=False))

    def msort(self) -> Tensor:
        """The values sorted along the first dim."""
        return self.sort(0).values

    def topk(
        self,
        k: int,
        dim: int | None = None,
        largest: bool = True,
        sorted: bool = True,
        *,
        axis: int | None = None,
    ) -> ValuesIndices:
        """``(values, indices)`` of the ``k`` largest (or smallest) along ``dim``, in order."""
        axis, _ = dims("topk", axis, None, dim, None)
        x, ax = _as_1d(self, "topk", -1 if axis is None else axis)  # type: ignore[arg-type]
        n = x.data.shape[ax]
        if not 0 <= k <= n:
            raise ValueError(
                f"topk: k={k} is out of range for a dim of size {n} (shape {self.data.shape})"
            )
        order = _order(x.data, ax, largest)
        # A 0-d tensor gives its element for k = 0 as well, as in PyTorch.
        order = np.take(order, np.arange(k if self.data.ndim else 1), axis=ax)
        return _finish(self, select_along(x, order, ax), order)  # type: ignore[arg-type]

    def kthvalue(
        self,
        k: int,
        dim: int | None = None,
        keepdim: bool | None = None,
        *,
        axis: int | None = None,
        keepdims: bool | None = None,
    ) -> ValuesIndices:
        """``(values, indices)`` of the ``k``-th smallest element (from 1) along ``dim``."""
        axis, keep = dims("kthvalue", axis, keepdims, dim, keepdim)
        dim = -1 if axis is None else axis
        n = self.data.shape[dim] if self.data.ndim else 1

        def position(data: np.ndarray, ax: int, n: int) -> np.ndarray:
            shape = list(data.shape)
            shape[ax] = 1
            return np.full(shape, k - 1)

        if not 1 <= k <= n:
            raise ValueError(
                f"kthvalue: k={k} is out of range for a dim of size {n} (shape {self.data.shape})"
            )
        return _pick(self, "kthvalue", dim, position, keep)  # type: ignore[arg-type]

    def median(
        self,
        dim: int | None = None,
        keepdim: bool | None = None,
        *,
        axis: Any = None,
        keepdims: bool | None = None,
    ) -> Any:
        """The lower median (PyTorch's; NumPy averages the two middle elements).

        With an int ``dim``: ``(values, indices)``, the gradient to the named
        element. Otherwise the values, elements equal to the median sharing
        the gradient. A slice holding NaN has median NaN.
        """
        return _median(self, "median", dim, keepdim, axis, keepdims)

    def nanmedian(
        self,
        dim: int | None = None,
        keepdim: bool | None = None,
        *,
        axis: Any = None,
        keepdims: bool | None = None,
    ) -> Any:
        """The lower median of the elements that are not NaN, as :meth:`median`."""
        return _median(self, "nanmedian", dim, keepdim, axis, keepdims)

    def quantile(
        self,
        q: Any,
        dim: int | None = None,
        keepdim: bool | None = None,
        *,
        axis: int | None = None,
        keepdims: bool | None = None,
        interpolation: str = "linear",
    ) -> Tensor:
        """The ``q``-th quantiles (``q`` in [0, 1], a number or a 1-D sequence, or a
        tensor, then differentiated too) along ``dim`` (of all elements by default),
        interpolated linearly."""
        axis, keep = dims("quantile", axis, keepdims, dim, keepdim)
        qs = np.asarray(q.data if isinstance(q, _t.Tensor) else q, dtype=np.float64)
        if qs.ndim > 1 or np.any((qs < 0) | (qs > 1)) or np.any(np.isnan(qs)):
            raise ValueError(f"quantile: q must be a number or 1-D values in [0, 1], got {q!r}")
        if interpolation != "linear":
            raise ValueError(
                f"quantile: only interpolation='linear' is supported, got {interpolation!r}"
            )
        x = self.reshape(-1) if axis is None else self
        ax = 0 if axis is None else _axes(int(axis), x.data.ndim)[0] if x.data.ndim else 0
        if x.data.ndim == 0:
            x = x.reshape(1)
        n = x.data.shape[ax]
        if n == 0:
            raise ValueError(
                f"quantile: cannot take quantiles of an empty dim (shape {self.data.shape})"
            )
        values = x.sort(ax).values
        # A q that requires grad is differentiated too, through the weight.
        qt = q.reshape(-1) if isinstance(q, _t.Tensor) and q.requires_grad else None
        outs = []
        for k, qi in enumerate(qs.reshape(-1)):
            pos = qi * (n - 1)
            lo, hi = int(np.floor(pos)), int(np.ceil(pos))
            take = (slice(None),) * ax
            a, b = values[(*take, slice(lo, lo + 1))], values[(*take, slice(hi, hi + 1))]
            # PyTorch's lerp, whose two forms keep the weight's rounding error
            # small; at w = 0, inf - inf makes it NaN as in PyTorch.
            w = float(pos - lo)
            wq: Any = w if qt is None else qt[k].astype(x.data.dtype) * (n - 1) - lo
            out = a + (b - a) * wq if w < 0.5 else b - (b - a) * (1.0 - wq)
            if x.data.dtype.kind == "f":
                # A slice holding NaN has NaN quantiles, as in PyTorch.
                out = _where_nan(np.isnan(x.data).any(axis=ax, keepdims=True), out)
            if axis is None:
                out = out.reshape((1,) * self.data.ndim if keep else ())
            elif not keep or self.data.ndim == 0:
                out = out.reshape(out.shape[:ax] + out.shape[ax + 1 :])
            outs.append(out)
        if qs.ndim == 0:
            return outs[0]
        from autograd.ops.shape import stack

        return stack(outs, axis=0)

    def nonzero(self, *, as_tuple: bool = False) -> Any:
        """The indices of the non-zero elements: an ``(n, ndim)`` int64 tensor, or
        with ``as_tuple`` one 1-D tensor per dim."""
        data = self.data.reshape(1) if self.data.ndim == 0 else self.data
        where = np.argwhere(data).astype(np.int64)
        if as_tuple:
            return tuple(_t._make(np.ascontiguousarray(where[:, i])) for i in range(data.ndim))
        return _t._make(where if self.data.ndim else where[:, :0])

    def masked_select(self, mask: Any) -> Tensor:
        """The elements where the boolean ``mask`` (broadcast with the tensor) holds, as 1-D."""
        m = np.asarray(mask.data if isinstance(mask, _t.Tensor) else mask)
        if m.dtype != np.bool_:
            raise TypeError(f"masked_select: the mask must be boolean, got dtype {m.dtype}")
        shape = np.broadcast_shapes(self.data.shape, m.shape)
        x = self if self.data.shape == shape else self.broadcast_to(shape)  # type: ignore[attr-defined]
        return x[np.broadcast_to(m, shape)]

    def unique(
        self,
        sorted: bool = True,
        return_inverse: bool = False,
        return_counts: bool = False,
        dim: int | None = None,
    ) -> Any:
        """The distinct elements, sorted (no gradient, as in PyTorch); every NaN is distinct."""
        out = np.unique(
            self.data,
            return_inverse=True,
            return_counts=True,
            axis=dim,
            equal_nan=False,
        )
        values, inverse, counts = out
        result = [_t._make(values)]
        if return_inverse:
            result.append(
                _t._make(inverse.reshape(self.data.shape if dim is None else -1).astype(np.int64))
            )
        if return_counts:
            result.append(_t._make(counts.astype(np.int64)))
        return result[0] if len(result) == 1 else tuple(result)


def _where_nan(cond: np.ndarray, x: Tensor) -> Tensor:
    if not cond.any():
        return x
    from autograd.ops.selection import where

    return where(cond, np.array(np.nan, dtype=x.data.dtype), x)


def _function(name: str) -> Callable[..., Any]:
    def function(input: Any, *args: Any, **kwargs: Any) -> Any:
        x = input if isinstance(input, _t.Tensor) else _t.Tensor(input)
        return getattr(x, name)(*args, **kwargs)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"``input.{name}(...)`` for a Tensor, array or scalar ``input``."
    return function


argmax = _function("argmax")
argmin = _function("argmin")
argsort = _function("argsort")
cummax = _function("cummax")
cummin = _function("cummin")
kthvalue = _function("kthvalue")
masked_select = _function("masked_select")
median = _function("median")
msort = _function("msort")
nanmedian = _function("nanmedian")
nonzero = _function("nonzero")
quantile = _function("quantile")
sort = _function("sort")
topk = _function("topk")
unique = _function("unique")
