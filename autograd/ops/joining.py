"""Joining tensors and making grids: cat, hstack, vstack, dstack, column_stack,
atleast_1d/2d/3d, meshgrid, broadcast_tensors.

Compositions of ``Reshape``, ``BroadcastTo`` and ``Concatenate``; exported
with the other shape ops by :mod:`autograd.ops.views`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from autograd import tensor as _t
from autograd.ops.shape import _tensors, concatenate

if TYPE_CHECKING:
    from autograd.tensor import Tensor


def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, _t.Tensor) else _t.Tensor(x)


# -- adding leading dims --------------------------------------------------------------------


def atleast_1d(*tensors: Any) -> Any:
    """Each input with at least one dim (0-d becomes shape (1,)); one input gives one tensor."""
    return _atleast(tensors, 1)


def atleast_2d(*tensors: Any) -> Any:
    """Each input with at least two dims: a vector becomes a row ``(1, n)``."""
    return _atleast(tensors, 2)


def atleast_3d(*tensors: Any) -> Any:
    """Each input with at least three dims: ``(n,)`` becomes ``(1, n, 1)``, ``(m, n)``
    becomes ``(m, n, 1)``."""
    return _atleast(tensors, 3)


def _atleast(tensors: tuple[Any, ...], n: int) -> Any:
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return tuple(_atleast((t,), n) for t in tensors[0])
    out = []
    for t in tensors:
        t = _tensor(t)
        s = t.data.shape
        if len(s) < n:
            if n == 3:
                s = {0: (1, 1, 1), 1: (1, *s, 1), 2: (*s, 1)}[len(s)]
            else:
                s = (1,) * (n - len(s)) + s
            t = t.reshape(s)
        out.append(t)
    return out[0] if len(out) == 1 else tuple(out)


# -- grids ----------------------------------------------------------------------------------


def broadcast_tensors(*tensors: Any) -> tuple[Tensor, ...]:
    """The inputs broadcast to their common shape."""
    ts = [_tensor(t) for t in tensors]
    shape = np.broadcast_shapes(*(t.data.shape for t in ts))
    return tuple(t if t.data.shape == shape else t.broadcast_to(shape) for t in ts)


def meshgrid(*tensors: Any, indexing: str = "ij") -> tuple[Tensor, ...]:
    """Coordinate grids from 1-D tensors: ``indexing="ij"`` (PyTorch's default) or
    ``"xy"`` (NumPy's default, the first two dims swapped)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    ts = [_tensor(t) for t in tensors]
    for t in ts:
        if t.data.ndim > 1:
            raise ValueError(f"meshgrid: expected 0-d or 1-d tensors, got shape {t.data.shape}")
    ts = [t.reshape(-1) for t in ts]
    sizes = [t.data.shape[0] for t in ts]
    if indexing == "xy" and len(ts) >= 2:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    out = []
    for i, t in enumerate(ts):
        pos = i
        if indexing == "xy" and len(ts) >= 2 and i < 2:
            pos = 1 - i
        shape = [1] * len(ts)
        shape[pos] = sizes[pos]
        out.append(t.reshape(tuple(shape)).broadcast_to(tuple(sizes)))
    return tuple(out)


# -- joining ------------------------------------------------------------------------------


def cat(tensors: Any, dim: int = 0, *, axis: int | None = None) -> Tensor:
    """Join tensors along an existing dim (PyTorch's name for ``concatenate``)."""
    return concatenate(tensors, dim if axis is None else axis)


concat = cat


def hstack(tensors: Any) -> Tensor:
    """Join along dim 1, or dim 0 for 1-D tensors."""
    ts = atleast_1d(list(_tensors(tensors, "hstack")))
    return concatenate(ts, 0 if ts[0].data.ndim == 1 else 1)


def vstack(tensors: Any) -> Tensor:
    """Join as rows: 1-D tensors become rows ``(1, n)``."""
    return concatenate(atleast_2d(list(_tensors(tensors, "vstack"))), 0)


def dstack(tensors: Any) -> Tensor:
    """Join along the third dim (after :func:`atleast_3d`)."""
    return concatenate(atleast_3d(list(_tensors(tensors, "dstack"))), 2)


def column_stack(tensors: Any) -> Tensor:
    """Join as columns: 0-d and 1-D tensors become columns ``(n, 1)``."""
    ts = [t if t.data.ndim >= 2 else t.reshape(-1, 1) for t in _tensors(tensors, "column_stack")]
    return concatenate(ts, 1)
