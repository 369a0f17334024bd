"""Constructors and the random number generator behind ``randn``/``rand``."""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import SupportsIndex

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from autograd.tensor import Tensor, _make, get_default_dtype

__all__ = [
    "default_generator",
    "manual_seed",
    "ones",
    "ones_like",
    "rand",
    "randn",
    "zeros",
    "zeros_like",
]

#: A shape given as ``2, 3`` (several ints) or ``(2, 3)`` (one sequence).
ShapeArg = SupportsIndex | Sequence[SupportsIndex]

_rng = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Seed the generator used by :func:`randn`, :func:`rand` and ``nn``'s
    default initialisation and dropout; return it."""
    global _rng
    _rng = np.random.default_rng(seed)
    return _rng


def default_generator() -> np.random.Generator:
    """The generator that :func:`manual_seed` seeds."""
    return _rng


def _shape(shape: tuple[ShapeArg, ...], fn_name: str) -> tuple[int, ...]:
    dims: Sequence[SupportsIndex] | tuple[ShapeArg, ...] = shape
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        dims = shape[0]
    try:
        # operator.index refuses floats and strings, as NumPy does for shapes.
        return tuple(operator.index(n) for n in dims)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(
            f"{fn_name}: shape must be ints, as (2, 3) or 2, 3; got {shape!r}"
        ) from None


def _new(data: np.ndarray, requires_grad: bool) -> Tensor:
    t = _make(data)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _dtype(dtype: DTypeLike | None) -> np.dtype:
    return get_default_dtype() if dtype is None else np.dtype(dtype)


def zeros(*shape: ShapeArg, dtype: DTypeLike | None = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros; ``shape`` as ``(2, 3)`` or ``2, 3``."""
    return _new(np.zeros(_shape(shape, "zeros"), dtype=_dtype(dtype)), requires_grad)


def ones(*shape: ShapeArg, dtype: DTypeLike | None = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones; ``shape`` as ``(2, 3)`` or ``2, 3``."""
    return _new(np.ones(_shape(shape, "ones"), dtype=_dtype(dtype)), requires_grad)


def zeros_like(
    t: Tensor | ArrayLike, dtype: DTypeLike | None = None, requires_grad: bool = False
) -> Tensor:
    """Zeros with the shape (and, unless given, the dtype) of ``t``."""
    return _new(np.zeros_like(np.asarray(t), dtype=dtype), requires_grad)


def ones_like(
    t: Tensor | ArrayLike, dtype: DTypeLike | None = None, requires_grad: bool = False
) -> Tensor:
    """Ones with the shape (and, unless given, the dtype) of ``t``."""
    return _new(np.ones_like(np.asarray(t), dtype=dtype), requires_grad)


def randn(*shape: ShapeArg, dtype: DTypeLike | None = None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples from the generator seeded by :func:`manual_seed`."""
    dt = _dtype(dtype)
    if dt.kind != "f":
        raise TypeError(f"randn: dtype must be floating point, got {dt}")
    return _new(_rng.standard_normal(_shape(shape, "randn"), dtype=dt), requires_grad)


def rand(*shape: ShapeArg, dtype: DTypeLike | None = None, requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1) from the generator seeded by :func:`manual_seed`."""
    dt = _dtype(dtype)
    if dt.kind != "f":
        raise TypeError(f"rand: dtype must be floating point, got {dt}")
    return _new(_rng.random(_shape(shape, "rand"), dtype=dt), requires_grad)
