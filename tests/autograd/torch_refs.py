"""PyTorch counterparts that the op table's rows name (imported only if present).

The rows refer to PyTorch lazily: a row's ``torch`` is a function name or a
callable on torch tensors, and nothing here touches torch until an oracle
test calls it, so the op table loads without PyTorch installed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

try:
    import torch
except ImportError:  # the oracle tests skip; the rows still load
    torch = None


def resolve(ref: str | Callable[..., Any]) -> Callable[..., Any]:
    """A row's ``torch`` entry as a callable: ``"special.erf"`` is ``torch.special.erf``."""
    if callable(ref):
        return ref
    obj: Any = torch
    for part in ref.split("."):
        obj = getattr(obj, part)
    return obj


def _dims(x: Any, axis: Any) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(x.dim()))
    return (axis,) if isinstance(axis, int) else tuple(axis)


def _reduce(name: str) -> Callable[..., Any]:
    """A NumPy-style reduction (axis None/int/tuple, keepdims) from torch's ``name``."""

    def reduce(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
        if axis == ():  # NumPy reduces over no axis: the input itself
            return x * 1.0
        if x.dim() == 0:  # torch reduces a 0-d tensor over dim 0 (or all dims)
            return getattr(torch, name)(x, dim=0, keepdim=keepdims)
        dims = _dims(x, axis)
        if not dims:  # NumPy reduces over no axis: the input itself
            return x * 1.0
        return getattr(torch, name)(x, dim=dims, keepdim=keepdims)

    return reduce


def _index(x: Any, index: Any) -> Any:
    """NumPy indexing through torch's gather-style indexing of the flat tensor.

    torch has no negative-step slices, so the index is first applied to the
    flat positions ``0 .. size-1`` with NumPy, and the resulting integer
    array gathers from the flattened tensor: the same values, and the
    gradient scatters back with repeats accumulated.
    """
    flat = np.arange(x.numel()).reshape(tuple(x.shape))[index]
    # A fresh copy: torch refuses arrays with negative strides.
    return x.reshape(-1)[torch.from_numpy(np.array(flat, dtype=np.int64, copy=True))]


def _t(x: Any) -> Any:
    return x.permute(*reversed(range(x.dim()))) if x.dim() >= 2 else x * 1.0
