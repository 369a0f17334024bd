"""Constructors and the random number generator behind ``randn``/``rand``."""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any, SupportsIndex

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


# -- PyTorch's further constructors ---------------------------------------------------------


def _kinded(dtype: Any, *values: Any) -> np.dtype:
    """PyTorch's dtype inference: bool values give bool, ints int64, floats the default."""
    if dtype is not None:
        from autograd.ops.convert import as_dtype

        return as_dtype(dtype)
    if all(isinstance(v, (bool, np.bool_)) for v in values):
        return np.dtype(np.bool_)
    if all(isinstance(v, (int, np.integer)) for v in values):
        return np.dtype(np.int64)
    return get_default_dtype()


def arange(
    start: Any, end: Any = None, step: Any = 1, *, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    """Values from ``start`` (0 when only ``end`` is given) up to ``end``, excluded,
    every ``step``: int64 for integer arguments, the default float dtype otherwise."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange: step must be nonzero")
    dt = _kinded(dtype, start, end, step)
    if dt.kind == "b":
        dt = np.dtype(np.int64)
    return _new(np.arange(start, end, step).astype(dt), requires_grad)


def _endpoint(x: Any, op: str) -> Any:
    """A number, or a 0-d tensor's value (PyTorch's tensor overload): a Tensor passed
    on to NumPy would come back here through ``__array_function__``."""
    if isinstance(x, Tensor):
        if x.data.ndim != 0:
            raise ValueError(f"{op}: a tensor start or end must be 0-d, got shape {x.shape}")
        return x.data.item()
    return x


def linspace(
    start: float, end: float, steps: int, *, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end``, both included."""
    if steps < 0:
        raise ValueError(f"linspace: number of steps must be non-negative, got {steps}")
    start, end = _endpoint(start, "linspace"), _endpoint(end, "linspace")
    return _new(np.linspace(start, end, int(steps), dtype=_dtype(dtype)), requires_grad)


def logspace(
    start: float,
    end: float,
    steps: int,
    base: float = 10.0,
    *,
    dtype: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """``base ** linspace(start, end, steps)``."""
    if steps < 0:
        raise ValueError(f"logspace: number of steps must be non-negative, got {steps}")
    start, end = _endpoint(start, "logspace"), _endpoint(end, "logspace")
    values = np.logspace(start, end, int(steps), base=base)
    return _new(values.astype(_dtype(dtype)), requires_grad)


def full(size: Any, fill_value: Any, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ``size`` filled with ``fill_value`` (its dtype inferred as PyTorch does)."""
    return _new(
        np.full(_shape((size,), "full"), fill_value, dtype=_kinded(dtype, fill_value)),
        requires_grad,
    )


def full_like(t: Any, fill_value: Any, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """``fill_value`` in the shape (and, unless given, the dtype) of ``t``."""
    arr = np.asarray(t)
    dt = arr.dtype if dtype is None else _kinded(dtype)
    return _new(np.full(arr.shape, fill_value, dtype=dt), requires_grad)


def eye(n: int, m: int | None = None, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """The ``n x m`` (``n x n``) matrix with ones on the diagonal."""
    if n < 0 or (m is not None and m < 0):
        raise ValueError(f"eye: n and m must be non-negative, got n={n}, m={m}")
    return _new(np.eye(n, m, dtype=_dtype(dtype)), requires_grad)


def empty(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ``shape`` whose values are not set (whatever memory held)."""
    return _new(np.empty(_shape(shape, "empty"), dtype=_dtype(dtype)), requires_grad)


def empty_like(t: Any, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """An unset tensor with the shape (and, unless given, the dtype) of ``t``."""
    arr = np.asarray(t)
    return _new(np.empty(arr.shape, dtype=arr.dtype if dtype is None else dtype), requires_grad)


def randint(*args: Any, size: Any = None, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Integers drawn uniformly from ``[low, high)``: ``randint(high, size)`` or
    ``randint(low, high, size)``; int64 unless ``dtype`` says otherwise."""
    if size is None:
        *bounds, size = args
    else:
        bounds = list(args)
    if len(bounds) == 1:
        low, high = 0, bounds[0]
    elif len(bounds) == 2:
        low, high = bounds
    else:
        raise TypeError("randint: expected randint(high, size) or randint(low, high, size)")
    if high <= low:
        raise ValueError(f"randint: expected low < high, got low={low}, high={high}")
    dt = np.dtype(np.int64) if dtype is None else _kinded(dtype)
    values = _rng.integers(low, high, size=_shape((size,), "randint"))
    return _new(values.astype(dt), requires_grad)


def rand_like(t: Any, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1) in the shape (and float dtype) of ``t``."""
    arr = np.asarray(t)
    return rand(arr.shape, dtype=arr.dtype if dtype is None else dtype, requires_grad=requires_grad)


def randn_like(t: Any, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples in the shape (and float dtype) of ``t``."""
    arr = np.asarray(t)
    dt = arr.dtype if dtype is None else dtype
    return randn(arr.shape, dtype=dt, requires_grad=requires_grad)
