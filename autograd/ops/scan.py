"""Reductions and scans beyond the core: prod, var, std, norm, all, any,
count_nonzero, aminmax, cumulative sums and products, NaN-ignoring reductions.
(argmax, argmin, cummax and cummin, which select, are in :mod:`autograd.ops.sort`.)

Where PyTorch and NumPy disagree on a default, PyTorch's wins and NumPy's
keyword still works: ``var``/``std`` are unbiased (``correction=1``) unless
``correction=``, ``unbiased=`` or NumPy's ``ddof=`` says otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from autograd import tensor as _t
from autograd.function import Function
from autograd.ops import dual as _d
from autograd.ops.dual import array, exp, flip, index_add, log, sign, where
from autograd.ops.reduction import _axes, _kept_shape, dims

if TYPE_CHECKING:
    from autograd.tensor import Axis, Tensor

__all__: list[str] = [
    "all",
    "aminmax",
    "any",
    "count_nonzero",
    "cumprod",
    "cumsum",
    "logcumsumexp",
    "nanmean",
    "nansum",
    "norm",
    "prod",
    "std",
    "std_mean",
    "var",
    "var_mean",
]


def _reduced(shape: tuple[int, ...], axes: tuple[int, ...], keepdims: bool) -> tuple[int, ...]:
    return _kept_shape(shape, axes) if keepdims else tuple(np.delete(shape, axes).tolist())


def _count(shape: tuple[int, ...], axes: tuple[int, ...]) -> int:
    return math.prod(shape[i] for i in axes)


def _scan_axis(op: str, ndim: int, axis: Any) -> int:
    if axis is None:
        raise TypeError(f"{op}: missing the dim (axis) to scan along")
    return _axes(int(axis), ndim)[0] if ndim else 0


# ---------------------------------------------------------------------------
# Products
# ---------------------------------------------------------------------------


def _prod_others(a: Any, axes: tuple[int, ...]) -> Any:
    """For each element, the product of the other elements of its slice over
    ``axes``: exclusive products from the left and from the right, so exact
    when the slice holds zeros."""
    ndim = a.ndim
    rest = [i for i in range(ndim) if i not in axes]
    perm = tuple(rest) + axes
    moved = a.transpose(perm)
    batch = moved.shape[: len(rest)]
    flat = moved.reshape((*batch, -1))
    n = flat.shape[-1]
    shape = (*batch, n)
    first = np.zeros(shape, dtype=a.dtype)
    first[..., :1] = 1
    last = np.zeros(shape, dtype=a.dtype)
    last[..., -1:] = 1
    left = (
        index_add(_d.cumprod(flat[..., :-1], -1), (Ellipsis, slice(1, None)), shape, False) + first
    )
    right = flip(_d.cumprod(flip(flat, -1)[..., :-1], -1), -1)
    right = index_add(right, (Ellipsis, slice(None, -1)), shape, False) + last
    return (left * right).reshape(moved.shape).transpose(tuple(np.argsort(perm).tolist()))


class Prod(Function):
    """d prod(a) = g prod(a_j, j != i) da_i (exact where the slice holds zeros)"""

    formula = "prod(a)"

    def forward(self, a: Tensor, axis: Axis, keepdims: bool) -> np.ndarray:
        self.axes = _axes(axis, a.data.ndim)
        out = np.prod(a.data, axis=self.axes, keepdims=True)
        # PyTorch divides the product by each element unless the input holds
        # a zero; the same choice gives the same values at inf and NaN.
        self.zeros = bool(np.any(a.data == 0))
        self.save_for_backward(a)
        self.save_output(out)
        return out if keepdims else out.reshape(_reduced(a.data.shape, self.axes, False))

    def backward(self, g: Tensor) -> Tensor:
        if not self.axes:
            return g
        (a,) = self.saved
        out = self.output()
        g = g.reshape(out.shape)
        if not self.zeros:
            return g * (out / a)
        if (
            not isinstance(g, _t.Tensor)
            and len(self.axes) == array(a).ndim
            and np.count_nonzero(array(a) == 0) > 1
        ):
            # Two zeros make every product of the others zero (PyTorch's
            # shortcut, which keeps inf and NaN out).
            return g * np.zeros_like(array(a))
        return g * _prod_others(a, self.axes)


class Cumsum(Function):
    """d cumsum(a)_i = (sum of g_j over j >= i) da_i"""

    formula = "cumsum(a)"

    def forward(self, a: Tensor, axis: int) -> np.ndarray:
        self.axis = axis
        return np.cumsum(a.data, axis=axis)

    def backward(self, g: Tensor) -> Tensor:
        return flip(_d.cumsum(flip(g, self.axis), self.axis), self.axis)


class Cumprod(Function):
    """d cumprod(a)_i = sum over i >= k of g_i prod(a_j, j <= i, j != k) da_k"""

    formula = "cumprod(a)"

    def forward(self, a: Tensor, axis: int) -> np.ndarray:
        self.axis = axis
        out = np.cumprod(a.data, axis=axis)
        self.zeros = bool(np.any(a.data == 0))
        self.save_for_backward(a)
        self.save_output(out)
        return out

    def backward(self, g: Tensor) -> Tensor:
        (a,) = self.saved
        ax = self.axis
        if array(a).size <= 1 or array(a).shape[ax] == 1:
            return g  # a scan over one element is the identity (as PyTorch)
        if not self.zeros:
            return flip(_d.cumsum(flip(g * self.output(), ax), ax), ax) / a
        if isinstance(g, _t.Tensor):
            # Recorded for a higher derivative: the products of the other
            # factors, exact and smooth at zeros.
            return _others_grad(a, g, ax)
        # Up to a slice's first zero the division is safe, and the terms from
        # the zero on contribute nothing; the first zero's gradient is a sum of
        # products of the other factors, those past a second zero being zero;
        # later elements get none. The split is PyTorch's, so that inf and NaN
        # agree.
        x = array(a)
        zero = x == 0
        seen = np.cumsum(zero, axis=ax)
        before, first = seen == 0, zero & (seen == 1)
        terms = where(before, g * self.output(), _d.zero(g))
        head = flip(_d.cumsum(flip(terms, ax), ax), ax) / where(before, a, np.ones_like(x))
        others = _others_grad(a, g, ax, np.moveaxis(seen <= 1, ax, -1))
        return where(before, head, where(first, others, _d.zero(g)))


def _others_grad(a: Any, g: Any, ax: int, upto: np.ndarray | None = None) -> Any:
    """For every k: prod(a_j, j < k) times the sum over i >= k of g_i prod(a_j, k < j <= i)
    (n^2 work per slice; factored so as PyTorch, an inf before a zero gives inf, not NaN)."""
    perm = (*tuple(i for i in range(a.ndim) if i != ax), ax)
    inverse = tuple(np.argsort(perm).tolist())
    x = a.transpose(perm)
    n = x.shape[-1]
    ones = np.ones((*x.shape[:-1], n, n), dtype=x.dtype)
    rows = x.reshape((*x.shape[:-1], 1, n)) * ones  # row k, column j: a_j
    k, j = np.indices((n, n))
    before = _d.cumprod(where(j < k, rows, ones), -1)[..., -1]
    after = _d.cumprod(where(j > k, rows, ones), -1)
    gx = g.transpose(perm).reshape((*x.shape[:-1], 1, n))
    later = np.broadcast_to(j >= k, ones.shape)
    if upto is not None:
        later = later & upto[..., None, :]
    return (before * where(later, after * gx, _d.zero(g)).sum(axis=-1)).transpose(inverse)


class Logcumsumexp(Function):
    """d logcumsumexp(a)_i = sum over i >= k of g_i exp(a_k - out_i) da_k

    A fused primitive: ``log(cumsum(exp(a)))`` overflows for large inputs.
    The rule works in log space, as PyTorch's does, for the same reason.
    """

    formula = "log(cumsum(exp(a)))"

    def forward(self, a: Tensor, axis: int) -> np.ndarray:
        self.axis = axis
        out = _d.logcumsumexp(a.data, axis)
        self.save_for_backward(a)
        self.save_output(out)
        return out

    def backward(self, g: Any) -> Any:
        (a,) = self.saved
        out, ax = self.output(), self.axis
        gd = array(g)
        lowest = np.finfo(gd.dtype).min
        with np.errstate(divide="ignore"):
            log_g = abs(g) + (gd == 0)
        log_g = log(log_g)
        pos = where(gd > 0, log_g, np.array(lowest, dtype=gd.dtype))
        neg = where(gd < 0, log_g, np.array(lowest, dtype=gd.dtype))

        def rev(x: Any) -> Any:
            return flip(_d.logcumsumexp(flip(x, ax), ax), ax)

        # ``lowest`` stands for log 0. In a second derivative ``a`` itself holds it (this
        # rule's ``pos - out`` was the input), and lowest + lowest overflows to -inf:
        # exp(-inf) = 0 is the contribution meant, so the overflow is harmless.
        with np.errstate(over="ignore"):
            return exp(rev(pos - out) + a) - exp(rev(neg - out) + a)


# ---------------------------------------------------------------------------
# Variance, standard deviation, norms
# ---------------------------------------------------------------------------


def _correction(op: str, unbiased: Any, correction: Any, ddof: Any) -> float:
    given = [v for v in (unbiased, correction, ddof) if v is not None]
    if len(given) > 1:
        raise TypeError(f"{op}: pass one of unbiased=, correction= and ddof=")
    if unbiased is not None:
        return 1.0 if unbiased else 0.0
    if given:
        return float(given[0])
    return 1.0


def _inverse(count: float) -> float:
    # PyTorch divides by max(0, n - correction): inf or NaN where none is left.
    return 1.0 / count if count > 0 else math.inf


class Var(Function):
    """d var(a) = 2 (a - mean(a)) / (n - correction) da

    A primitive rather than the composite ``sum((a - mean(a))**2) / (n - c)``
    so that an infinite element gives PyTorch's gradients (the composite's
    path through the mean spreads NaN over the slice).
    """

    formula = "var(a)"

    def forward(self, a: Tensor, axis: Axis, keepdims: bool, correction: float) -> np.ndarray:
        self.axes = _axes(axis, a.data.ndim)
        x = a.data
        with np.errstate(invalid="ignore", divide="ignore"):
            dev = x - np.mean(x, axis=self.axes, keepdims=True)
            self.scale = _inverse(max(_count(x.shape, self.axes) - correction, 0.0))
            out = np.sum(dev * dev, axis=self.axes, keepdims=True) * self.scale
        self.kept = out.shape
        self.save_for_backward(a)
        return out if keepdims else out.reshape(_reduced(x.shape, self.axes, False))

    def backward(self, g: Any) -> Any:
        (a,) = self.saved
        dev = a - a.mean(axis=self.axes, keepdims=True)
        return dev * (g.reshape(self.kept) * (2.0 * self.scale))


class Std(Function):
    """d std(a) = (a - mean(a)) / ((n - correction) std(a)) da; 0 where std(a) = 0, as PyTorch

    A primitive rather than ``sqrt(var(a))``, whose derivative is infinite
    where every element of a slice is equal.
    """

    formula = "std(a)"

    def forward(self, a: Tensor, axis: Axis, keepdims: bool, correction: float) -> np.ndarray:
        self.axes = _axes(axis, a.data.ndim)
        x = a.data
        with np.errstate(invalid="ignore", divide="ignore"):
            dev = x - np.mean(x, axis=self.axes, keepdims=True)
            self.scale = _inverse(max(_count(x.shape, self.axes) - correction, 0.0))
            out = np.sqrt(np.sum(dev * dev, axis=self.axes, keepdims=True) * self.scale)
        self.save_for_backward(a)
        self.save_output(out)
        return out if keepdims else out.reshape(_reduced(x.shape, self.axes, False))

    def backward(self, g: Any) -> Any:
        (a,) = self.saved
        out = self.output()
        zero = array(out) == 0
        dev = a - a.mean(axis=self.axes, keepdims=True)
        scale = g.reshape(zero.shape) * self.scale / (out + zero) * ~zero
        return dev * scale


class Norm(Function):
    """d norm_p(a) = sign(a) |a|^(p-1) / norm^(p-1) da (p = 2: a / norm; inf: the largest |a|)"""

    formula = "norm(a, p)"

    def forward(self, a: Tensor, p: float, axis: Axis, keepdims: bool) -> np.ndarray:
        self.axes, self.p = _axes(axis, a.data.ndim), p
        x = np.abs(a.data)
        axes = self.axes
        with np.errstate(over="ignore", invalid="ignore"):
            if p == 0:
                out = np.sum(x != 0, axis=axes, keepdims=True).astype(x.dtype)
            elif p == math.inf:
                out = _extreme(np.max, x, axes)
            elif p == -math.inf:
                out = _extreme(np.min, x, axes)
            elif p == 1:
                out = np.sum(x, axis=axes, keepdims=True)
            elif p == 2:
                out = np.sqrt(np.sum(x * x, axis=axes, keepdims=True))
            else:
                out = np.sum(x**p, axis=axes, keepdims=True) ** (1.0 / p)
        self.save_for_backward(a)
        self.save_output(out)
        return out if keepdims else out.reshape(_reduced(x.shape, axes, False))

    def backward(self, g: Any) -> Any:
        (a,) = self.saved
        out, p = self.output(), self.p
        od = array(out)
        g = g.reshape(od.shape)
        # PyTorch's sign of NaN is 0: a NaN element gets no gradient from |a|.
        s = np.nan_to_num(sign(a), nan=0.0)
        if p == 0:
            return g * np.zeros(array(a).shape, dtype=od.dtype)
        if p == 1:
            return g * s
        zero = od == 0
        if p == 2:
            return a * (g / (out + zero)) * ~zero
        if math.isinf(p):
            x = np.abs(array(a))
            hits = (x == od) | np.isnan(x)
            share = hits / np.sum(hits, axis=self.axes, keepdims=True)
            return g * (s * share).astype(od.dtype, copy=False)
        with np.errstate(divide="ignore", invalid="ignore"):
            if p < 1:
                nz = array(a) != 0
                scaled = s * (abs(a) + ~nz) ** (p - 1) * nz
                return scaled * g * out ** (1 - p)
            scaled = s * abs(a) ** (p - 1)
            return scaled * (g / (out + zero) ** (p - 1)) * ~zero


def _extreme(reduce: Callable[..., np.ndarray], x: np.ndarray, axes: tuple[int, ...]) -> Any:
    if x.size == 0 and any(x.shape[i] == 0 for i in axes):
        raise ValueError(
            f"cannot take the inf-norm over an empty axis; the tensor has shape {x.shape}"
        )
    return reduce(x, axis=axes, keepdims=True)


def _norm_p(p: Any) -> float:
    if p is None or p == "fro":
        return 2.0
    if isinstance(p, str):
        raise ValueError(f"norm: p={p!r} is not supported; expected 'fro' or a number")
    return float(p)


class MinMax(NamedTuple):
    """``(min, max)``, as ``torch.aminmax`` returns them."""

    min: Tensor
    max: Tensor


def _int_tensor(data: Any) -> Tensor:
    return _t._make(np.asarray(data, dtype=np.int64))


class ScanMethods:
    """Methods of :class:`~autograd.Tensor` defined with this module's primitives."""

    __slots__ = ()
    data: np.ndarray

    def prod(
        self: Tensor,
        dim: Axis = None,
        keepdim: bool | None = None,
        *,
        axis: Axis = None,
        keepdims: bool | None = None,
        dtype: Any = None,
    ) -> Tensor:
        """The product over ``dim`` (all axes by default), in ``dtype``; exact with zeros."""
        axis, keep = dims("prod", axis, keepdims, dim, keepdim)
        x = self if dtype is None else self.astype(dtype)
        return Prod.apply(x, axis=axis, keepdims=keep)

    def var(
        self,
        dim: Any = None,
        unbiased: bool | None = None,
        keepdim: bool | None = None,
        *,
        correction: float | None = None,
        axis: Axis = None,
        keepdims: bool | None = None,
        ddof: float | None = None,
    ) -> Tensor:
        """The variance, dividing by ``n - correction`` (1 by default, as PyTorch)."""
        if isinstance(dim, bool):
            dim, unbiased = None, dim
        axis, keep = dims("var", axis, keepdims, dim, keepdim)
        corr = _correction("var", unbiased, correction, ddof)
        return Var.apply(self, axis=axis, keepdims=keep, correction=corr)  # type: ignore[arg-type]

    def std(
        self,
        dim: Any = None,
        unbiased: bool | None = None,
        keepdim: bool | None = None,
        *,
        correction: float | None = None,
        axis: Axis = None,
        keepdims: bool | None = None,
        ddof: float | None = None,
    ) -> Tensor:
        """The standard deviation (``correction=1`` by default, as PyTorch)."""
        if isinstance(dim, bool):
            dim, unbiased = None, dim
        axis, keep = dims("std", axis, keepdims, dim, keepdim)
        corr = _correction("std", unbiased, correction, ddof)
        return Std.apply(self, axis=axis, keepdims=keep, correction=corr)

    def norm(
        self,
        p: Any = "fro",
        dim: Axis = None,
        keepdim: bool | None = None,
        *,
        axis: Axis = None,
        keepdims: bool | None = None,
    ) -> Tensor:
        """The vector ``p``-norm over ``dim`` (all elements by default); ``'fro'`` is 2."""
        axis, keep = dims("norm", axis, keepdims, dim, keepdim)
        return Norm.apply(self, p=_norm_p(p), axis=axis, keepdims=keep)

    def cumsum(self: Tensor, dim: Any = None, *, dtype: Any = None, axis: Any = None) -> Tensor:
        """Cumulative sums along ``dim`` (NumPy's ``axis=None`` flattens first), in ``dtype``."""
        return _scan(self if dtype is None else self.astype(dtype), Cumsum, "cumsum", dim, axis)

    def cumprod(self: Tensor, dim: Any = None, *, dtype: Any = None, axis: Any = None) -> Tensor:
        """Cumulative products along ``dim``; exact gradient with zeros; in ``dtype``."""
        return _scan(self if dtype is None else self.astype(dtype), Cumprod, "cumprod", dim, axis)

    def logcumsumexp(self, dim: int | None = None, *, axis: int | None = None) -> Tensor:
        """``log(cumsum(exp(x)))`` along ``dim``, without overflow."""
        return _scan(self, Logcumsumexp, "logcumsumexp", dim, axis, flatten=False)

    def nansum(
        self,
        dim: Axis = None,
        keepdim: bool | None = None,
        *,
        axis: Axis = None,
        keepdims: bool | None = None,
    ) -> Tensor:
        """The sum with NaN counted as zero (and given no gradient)."""
        axis, keep = dims("nansum", axis, keepdims, dim, keepdim)
        from autograd.ops.selection import where

        return where(np.isnan(self.data), 0.0, self).sum(axis=axis, keepdims=keep)  # type: ignore[arg-type]

    def nanmean(
        self,
        dim: Axis = None,
        keepdim: bool | None = None,
        *,
        axis: Axis = None,
        keepdims: bool | None = None,
    ) -> Tensor:
        """The mean of the elements that are not NaN."""
        axis, keep = dims("nanmean", axis, keepdims, dim, keepdim)
        count = np.sum(~np.isnan(self.data), axis=axis, keepdims=keep)
        with np.errstate(divide="ignore"):
            inv = (1.0 / count).astype(self.data.dtype)
        return self.nansum(axis=axis, keepdims=keep) * inv

    def all(
        self,
        dim: Axis = None,
        keepdim: bool | None = None,
        *,
        axis: Axis = None,
        keepdims: bool | None = None,
    ) -> Tensor:
        """Whether every element over ``dim`` is non-zero (a boolean tensor)."""
        axis, keep = dims("all", axis, keepdims, dim, keepdim)
        return _t._make(
            np.asarray(np.all(self.data, axis=_axes(axis, self.data.ndim), keepdims=keep))
        )

    def any(
        self,
        dim: Axis = None,
        keepdim: bool | None = None,
        *,
        axis: Axis = None,
        keepdims: bool | None = None,
    ) -> Tensor:
        """Whether some element over ``dim`` is non-zero (a boolean tensor)."""
        axis, keep = dims("any", axis, keepdims, dim, keepdim)
        return _t._make(
            np.asarray(np.any(self.data, axis=_axes(axis, self.data.ndim), keepdims=keep))
        )

    def count_nonzero(self, dim: Axis = None, *, axis: Axis = None) -> Tensor:
        """The number of non-zero elements over ``dim`` (an int64 tensor)."""
        axis, _ = dims("count_nonzero", axis, None, dim, None)
        axes = _axes(axis, self.data.ndim)
        return _int_tensor(np.count_nonzero(self.data, axis=axes) if axes else self.data != 0)

    def aminmax(
        self,
        *,
        dim: int | None = None,
        keepdim: bool | None = None,
        axis: Any = None,
        keepdims: bool | None = None,
    ) -> MinMax:
        """``(min, max)`` over ``dim``; tied elements share the gradient, as ``amin``/``amax``."""
        axis, keep = dims("aminmax", axis, keepdims, dim, keepdim)
        return MinMax(self.amin(axis=axis, keepdims=keep), self.amax(axis=axis, keepdims=keep))  # type: ignore[attr-defined]

    def var_mean(self, *args: Any, **kwargs: Any) -> tuple[Tensor, Tensor]:
        """``(var, mean)`` with :meth:`var`'s arguments."""
        return self.var(*args, **kwargs), _mean_like(self, "var_mean", args, kwargs)

    def std_mean(self, *args: Any, **kwargs: Any) -> tuple[Tensor, Tensor]:
        """``(std, mean)`` with :meth:`std`'s arguments."""
        return self.std(*args, **kwargs), _mean_like(self, "std_mean", args, kwargs)


def _mean_like(x: Any, op: str, args: tuple, kwargs: dict) -> Tensor:
    dim = args[0] if args and not isinstance(args[0], bool) else kwargs.get("dim")
    keepdim = args[2] if len(args) > 2 else kwargs.get("keepdim")
    axis, keep = dims(op, kwargs.get("axis"), kwargs.get("keepdims"), dim, keepdim)
    return x.mean(axis=axis, keepdims=keep)


def _scan(
    x: Any, op: type[Function], name: str, dim: Any, axis: Any, flatten: bool = True
) -> Tensor:
    axis, _ = dims(name, axis, None, dim, None)
    if axis is None and flatten:
        # NumPy's cumsum/cumprod without an axis scan the flattened array.
        return op.apply(x.reshape(-1), axis=0)
    ax = _scan_axis(name, x.data.ndim, axis)
    if x.data.ndim == 0:
        # A scan of one element is the identity (PyTorch's gradient is then g,
        # even at inf and NaN): cumsum is that identity for every scan.
        return Cumsum.apply(x.reshape(1), axis=0).reshape(())
    return op.apply(x, axis=ax)


def _function(name: str) -> Callable[..., Any]:
    def function(input: Any, *args: Any, **kwargs: Any) -> Any:
        x = input if isinstance(input, _t.Tensor) else _t.Tensor(input)
        return getattr(x, name)(*args, **kwargs)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"``input.{name}(...)`` for a Tensor, array or scalar ``input``."
    return function


all = _function("all")
aminmax = _function("aminmax")
any = _function("any")
count_nonzero = _function("count_nonzero")
cumprod = _function("cumprod")
cumsum = _function("cumsum")
logcumsumexp = _function("logcumsumexp")
nanmean = _function("nanmean")
nansum = _function("nansum")
norm = _function("norm")
prod = _function("prod")
std = _function("std")
std_mean = _function("std_mean")
var = _function("var")
var_mean = _function("var_mean")
