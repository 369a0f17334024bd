"""Constructors and the random number generator behind ``randn``/``rand``."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.tensor import Tensor, _make, get_default_dtype

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


def _shape(shape: tuple[Any, ...]) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return tuple(int(n) for n in shape)


def _new(data: np.ndarray, requires_grad: bool) -> Tensor:
    t = _make(data)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _dtype(dtype: Any) -> np.dtype:
    return get_default_dtype() if dtype is None else np.dtype(dtype)


def zeros(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros; ``shape`` as ``(2, 3)`` or ``2, 3``."""
    return _new(np.zeros(_shape(shape), dtype=_dtype(dtype)), requires_grad)


def ones(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones; ``shape`` as ``(2, 3)`` or ``2, 3``."""
    return _new(np.ones(_shape(shape), dtype=_dtype(dtype)), requires_grad)


def zeros_like(t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros with the shape (and, unless given, the dtype) of ``t``."""
    return _new(np.zeros_like(np.asarray(t), dtype=dtype), requires_grad)


def ones_like(t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones with the shape (and, unless given, the dtype) of ``t``."""
    return _new(np.ones_like(np.asarray(t), dtype=dtype), requires_grad)


def randn(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples from the generator seeded by :func:`manual_seed`."""
    dt = _dtype(dtype)
    if dt.kind != "f":
        raise TypeError(f"randn: dtype must be floating point, got {dt}")
    return _new(_rng.standard_normal(_shape(shape), dtype=dt), requires_grad)


def rand(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1) from the generator seeded by :func:`manual_seed`."""
    dt = _dtype(dtype)
    if dt.kind != "f":
        raise TypeError(f"rand: dtype must be floating point, got {dt}")
    return _new(_rng.random(_shape(shape), dtype=dt), requires_grad)
