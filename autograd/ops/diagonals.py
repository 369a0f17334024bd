"""Diagonals and triangles: diagonal, diag_embed, diag, tril, triu, trace.

Compositions of ``GetItem`` (a diagonal is an integer-array index),
``IndexAdd`` (placing values on one) and ``Where`` (keeping a triangle);
exported with the other shape ops by :mod:`autograd.ops.views`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from autograd import tensor as _t
from autograd.ops.shape import IndexAdd

if TYPE_CHECKING:
    from autograd.tensor import Tensor


def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, _t.Tensor) else _t.Tensor(x)


def _dim(d: int, ndim: int, op: str) -> int:
    return _t._dim(int(d), ndim, op)


def _movedim(x: Tensor, source: tuple[int, int], destination: tuple[int, int]) -> Tensor:
    from autograd.ops.views import movedim

    return movedim(x, source, destination)


# -- diagonals and triangles --------------------------------------------------------------


def _diag_index(rows: int, cols: int, offset: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column positions of diagonal ``offset`` of a ``rows x cols`` matrix."""
    if offset >= 0:
        n = max(0, min(rows, cols - offset))
        i = np.arange(n)
        return i, i + offset
    n = max(0, min(rows + offset, cols))
    i = np.arange(n)
    return i - offset, i


def diagonal(x: Any, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal ``offset`` of the matrices in dims ``dim1``, ``dim2``, as a last dim."""
    x = _tensor(x)
    n = x.data.ndim
    if n < 2:
        raise ValueError(f"diagonal: expected a tensor of at least 2 dims, got {x.data.shape}")
    d1, d2 = _dim(dim1, n, "diagonal"), _dim(dim2, n, "diagonal")
    if d1 == d2:
        raise ValueError(f"diagonal: dim1 and dim2 cannot be the same dim ({dim1}, {dim2})")
    m = _movedim(x, (d1, d2), (-2, -1)) if (d1, d2) != (n - 2, n - 1) else x
    rows, cols = _diag_index(m.data.shape[-2], m.data.shape[-1], int(offset))
    return m[..., rows, cols]


def diag_embed(x: Any, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Matrices with the last dim of ``x`` on their diagonal ``offset`` (zeros elsewhere),
    placed in dims ``dim1``, ``dim2`` of the result."""
    x = _tensor(x)
    if x.data.ndim == 0:
        x = x.reshape(1)
    k = x.data.shape[-1]
    side = k + abs(int(offset))
    rows, cols = _diag_index(side, side, int(offset))
    shape = (*x.data.shape[:-1], side, side)
    out = IndexAdd.apply(x, index=(Ellipsis, rows, cols), shape=shape, accumulate=False)
    n = out.data.ndim
    d1, d2 = _dim(dim1, n, "diag_embed"), _dim(dim2, n, "diag_embed")
    if d1 == d2:
        raise ValueError(f"diag_embed: dim1 and dim2 cannot be the same dim ({dim1}, {dim2})")
    if (d1, d2) != (n - 2, n - 1):
        out = _movedim(out, (-2, -1), (d1, d2))
    return out


_diagonal = diagonal


def diag(x: Any, diagonal: int = 0) -> Tensor:
    """A 1-D tensor's square matrix with it on diagonal ``diagonal``, or a matrix's
    diagonal ``diagonal`` as a 1-D tensor."""
    x = _tensor(x)
    if x.data.ndim == 1:
        return diag_embed(x, diagonal)
    if x.data.ndim == 2:
        return _diagonal(x, diagonal)
    raise ValueError(f"diag: expected a 1-D or 2-D tensor, got shape {x.data.shape}")


def _triangle(x: Any, diagonal: int, lower: bool, op: str) -> Tensor:
    from autograd.ops.selection import where

    x = _tensor(x)
    if x.data.ndim < 2:
        raise ValueError(f"{op}: expected a tensor of at least 2 dims, got {x.data.shape}")
    r, c = x.data.shape[-2:]
    keep = np.tri(r, c, int(diagonal), dtype=bool)
    if not lower:
        keep = ~np.tri(r, c, int(diagonal) - 1, dtype=bool)
    # where, not a product with the mask: NaN and inf outside the triangle give 0.
    return where(keep, x, np.zeros((), dtype=x.data.dtype))


def tril(x: Any, diagonal: int = 0) -> Tensor:
    """The lower triangle (on and below diagonal ``diagonal``); zeros above."""
    return _triangle(x, diagonal, True, "tril")


def triu(x: Any, diagonal: int = 0) -> Tensor:
    """The upper triangle (on and above diagonal ``diagonal``); zeros below."""
    return _triangle(x, diagonal, False, "triu")


def trace(x: Any) -> Tensor:
    """The sum of a matrix's main diagonal."""
    x = _tensor(x)
    if x.data.ndim != 2:
        raise ValueError(f"trace: expected a matrix, got shape {x.data.shape}")
    return diagonal(x).sum()
