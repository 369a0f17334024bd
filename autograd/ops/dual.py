"""Functions that derivative rules call on Tensors and NumPy arrays alike.

A rule receives Tensors when the backward pass is recorded and arrays when
it is not (see :mod:`autograd.function`). Operators and the methods both
types share need nothing; the few NumPy functions that are not methods of
an array are given here in both forms.
"""

from __future__ import annotations

__all__ = [
    "array",
    "broadcast_to",
    "cos",
    "cosh",
    "cumprod",
    "cumsum",
    "exp",
    "flip",
    "index_add",
    "log",
    "logcumsumexp",
    "sign",
    "sin",
    "sinh",
    "sqrt",
    "sum_over",
    "where",
    "zero",
    "zeros_like",
]

from typing import Any

import numpy as np

from autograd import tensor as _t


def exp(x: Any) -> Any:
    return x.exp() if isinstance(x, _t.Tensor) else np.exp(x)


def log(x: Any) -> Any:
    return x.log() if isinstance(x, _t.Tensor) else np.log(x)


def sqrt(x: Any) -> Any:
    return x.sqrt() if isinstance(x, _t.Tensor) else np.sqrt(x)


def sum_over(x: Any, axes: Any, keepdims: bool = False) -> Any:
    """``x.sum(axis=axes, keepdims=keepdims)``; on arrays the ufunc's own
    reduce, the C call that NumPy's Python-level ``sum`` ends in (the same
    bytes, about 1 us less per call)."""
    if isinstance(x, _t.Tensor):
        return x.sum(axis=axes, keepdims=keepdims)
    return _add_reduce(x, axes, None, None, keepdims)


_add_reduce = np.add.reduce


def broadcast_to(x: Any, shape: tuple[int, ...]) -> Any:
    if isinstance(x, _t.Tensor):
        return x.broadcast_to(shape)
    # A filled new array rather than np.broadcast_to's read-only view: two C
    # calls instead of a Python-level function (about 4 us less per call), and
    # the result can become a leaf's .grad without a copy.
    out = np.empty(shape, dtype=x.dtype)
    out[...] = x
    return out


def where(cond: np.ndarray, a: Any, b: Any) -> Any:
    """``where`` with a constant boolean condition."""
    if isinstance(a, _t.Tensor) or isinstance(b, _t.Tensor):
        from autograd.ops.selection import where as tensor_where

        return tensor_where(cond, a, b)
    return np.where(cond, a, b)


def zero(like: Any) -> Any:
    """A 0-d zero of ``like``'s dtype: ``where(mask, g, zero(g))`` allocates once."""
    z = np.array(0, dtype=like.dtype)
    return _t._make(z) if isinstance(like, _t.Tensor) else z


def zeros_like(like: Any) -> Any:
    """Zeros of ``like``'s shape and dtype: a constant, with no graph behind it."""
    z = np.zeros(like.shape, dtype=like.dtype)
    return _t._make(z) if isinstance(like, _t.Tensor) else z


def array(x: Any) -> np.ndarray:
    """The array of a Tensor, or the array itself: for masks and constants."""
    return x.data if isinstance(x, _t.Tensor) else x


def index_add(g: Any, index: Any, shape: tuple[int, ...], accumulate: bool) -> Any:
    """Zeros of ``shape`` with ``g`` added at ``index``: the adjoint of ``x[index]``."""
    if isinstance(g, _t.Tensor):
        from autograd.ops.shape import IndexAdd

        return IndexAdd.apply(g, index=index, shape=shape, accumulate=accumulate)
    out = np.zeros(shape, dtype=g.dtype)
    if accumulate:
        np.add.at(out, index, g)
    else:
        out[index] = g
    return out


def sin(x: Any) -> Any:
    return x.sin() if isinstance(x, _t.Tensor) else np.sin(x)


def cos(x: Any) -> Any:
    return x.cos() if isinstance(x, _t.Tensor) else np.cos(x)


def sinh(x: Any) -> Any:
    return x.sinh() if isinstance(x, _t.Tensor) else np.sinh(x)


def cosh(x: Any) -> Any:
    return x.cosh() if isinstance(x, _t.Tensor) else np.cosh(x)


def cumsum(x: Any, axis: int) -> Any:
    """The cumulative sum along ``axis``."""
    return x.cumsum(axis) if isinstance(x, _t.Tensor) else np.cumsum(x, axis=axis)


def cumprod(x: Any, axis: int) -> Any:
    """The cumulative product along ``axis``."""
    return x.cumprod(axis) if isinstance(x, _t.Tensor) else np.cumprod(x, axis=axis)


def logcumsumexp(x: Any, axis: int) -> Any:
    """``log(cumsum(exp(x)))`` along ``axis``, without overflow."""
    if isinstance(x, _t.Tensor):
        return x.logcumsumexp(axis)
    with np.errstate(invalid="ignore"):
        return np.logaddexp.accumulate(x, axis=axis)


def flip(x: Any, axis: int) -> Any:
    """``x`` reversed along ``axis`` (a view for arrays, an indexing for Tensors)."""
    return x[(slice(None),) * (axis % max(x.ndim, 1)) + (slice(None, None, -1),)]


def sign(x: Any) -> np.ndarray:
    """The sign of ``x`` as a constant array (its derivative is zero almost everywhere)."""
    return np.sign(array(x))
