"""Piecewise elementwise primitives: rounding, sign, remainders, integer-valued
division, ``copysign`` and ``nan_to_num``.

The rounding functions and the rounded divisions are piecewise constant:
their gradient is an exact zero everywhere, as in PyTorch (which leaves the
jumps themselves out of the derivative as well). Integer tensors pass through
the rounding functions unchanged, and an integer division by zero is an
error, as in PyTorch (NumPy returns 0 with a warning).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from autograd.function import Function
from autograd.ops import dual
from autograd.ops.dual import array

if TYPE_CHECKING:
    from autograd.tensor import Tensor


def _check_integer_divisor(op: str, a: np.ndarray, b: np.ndarray) -> None:
    """PyTorch refuses an integer division by zero; NumPy would give 0."""
    kinds = a.dtype.kind + b.dtype.kind
    if all(k in "biu" for k in kinds) and b.size and not np.all(b):
        raise ZeroDivisionError(
            f"{op}: integer division by zero ({int(np.sum(b == 0))} zero elements in the "
            f"divisor of shape {b.shape}, dtype {b.dtype})"
        )


def _zeros(g: Any, needs: tuple[bool, ...]) -> tuple[Any, ...]:
    return tuple(dual.zeros_like(g) if n else None for n in needs)


class _Step(Function):
    """A piecewise-constant unary function: its gradient is zero."""

    fn: Any = None

    def forward(self, a: Tensor) -> np.ndarray:
        x = a.data
        if x.dtype.kind in "biu":
            return x.copy()  # integers are already whole (PyTorch keeps the dtype)
        return np.asarray(self.fn(x))

    def backward(self, g: Tensor) -> Tensor:
        return dual.zeros_like(g)


class Floor(_Step):
    """d floor(a) = 0"""

    formula = "⌊a⌋"
    fn = staticmethod(np.floor)


class Ceil(_Step):
    """d ceil(a) = 0"""

    formula = "⌈a⌉"
    fn = staticmethod(np.ceil)


class Trunc(_Step):
    """d trunc(a) = 0"""

    formula = "trunc(a)"
    fn = staticmethod(np.trunc)


class Round(_Step):
    """d round(a) = 0; halves round to even, as in NumPy and PyTorch."""

    formula = "round(a)"

    def forward(self, a: Tensor, decimals: int = 0) -> np.ndarray:
        x = a.data
        self.decimals = decimals
        if x.dtype.kind in "biu" and decimals >= 0:
            return x.copy()
        return np.asarray(np.round(x, decimals))


def _sign(x: np.ndarray) -> np.ndarray:
    # 0 at NaN, as in PyTorch (np.sign gives NaN there).
    if x.dtype == np.bool_:
        return x.copy()
    return (x > 0).astype(x.dtype) - (x < 0).astype(x.dtype)


class Sign(_Step):
    """d sign(a) = 0; sign(NaN) is 0, as in PyTorch."""

    formula = "sign(a)"

    def forward(self, a: Tensor) -> np.ndarray:
        return _sign(a.data)


class Fmod(Function):
    """d fmod(a, b) = da - trunc(a / b) db; the remainder has the sign of a (C's fmod)."""

    formula = "fmod(a, b)"

    def forward(self, a: Tensor, b: Tensor) -> np.ndarray:
        _check_integer_divisor("fmod", a.data, b.data)
        self.save_for_backward(a, b)
        return np.asarray(np.fmod(a.data, b.data))

    def backward(self, g: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b = (array(v) for v in self.saved)
        gb = None
        if self.needs_input_grad[1]:
            with np.errstate(all="ignore"):
                # Piecewise constant: a constant in a second derivative.
                gb = -g * np.trunc(a / b)
        return (g if self.needs_input_grad[0] else None), gb


class Remainder(Function):
    """d remainder(a, b) = da - floor(a / b) db; the remainder has the sign of b (Python's %)."""

    formula = "a mod b"

    def forward(self, a: Tensor, b: Tensor) -> np.ndarray:
        _check_integer_divisor("remainder", a.data, b.data)
        self.save_for_backward(a, b)
        x, y = a.data, b.data
        with np.errstate(invalid="ignore"):
            mod = np.asarray(np.fmod(x, y))
            # PyTorch's rule: fmod moved into the divisor's sign. A zero keeps
            # fmod's sign (the dividend's), where NumPy gives it the divisor's.
            shift = (mod != 0) & ((y < 0) != (mod < 0))
        return np.where(shift, mod + y, mod)

    def backward(self, g: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b = (array(v) for v in self.saved)
        gb = None
        if self.needs_input_grad[1]:
            with np.errstate(all="ignore"):
                gb = -g * np.floor_divide(a, b)
        return (g if self.needs_input_grad[0] else None), gb


class FloorDivide(Function):
    """d floor(a / b) = 0 (``a // b``, Python's floor division)

    PyTorch's ``floor_divide`` has no derivative (backward raises); its
    ``div(a, b, rounding_mode="floor")`` gives this same zero.
    """

    formula = "a // b"

    def forward(self, a: Tensor, b: Tensor) -> np.ndarray:
        _check_integer_divisor("floor_divide", a.data, b.data)
        return np.asarray(np.floor_divide(a.data, b.data))

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        return _zeros(g, self.needs_input_grad)


def _trunc_divide(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.dtype.kind in "biu" and b.dtype.kind in "biu":
        # Exact for large integers, which a float quotient is not.
        q = np.floor_divide(a, b)
        return q + ((q < 0) & (q * b != a)).astype(q.dtype)
    return np.trunc(np.true_divide(a, b))


class TruncDivide(Function):
    """d trunc(a / b) = 0 (``div(a, b, rounding_mode="trunc")``)"""

    formula = "trunc(a / b)"

    def forward(self, a: Tensor, b: Tensor) -> np.ndarray:
        _check_integer_divisor("div", a.data, b.data)
        return np.asarray(_trunc_divide(a.data, b.data))

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        return _zeros(g, self.needs_input_grad)


class Copysign(Function):
    """d copysign(a, b) = copysign(a, b) / a da, taken as 0 where a = 0; nothing flows to b.

    At a = +-inf the ratio is inf / inf = NaN, as in PyTorch.
    """

    formula = "copysign(a, b)"

    def forward(self, a: Tensor, b: Tensor) -> np.ndarray:
        out = np.asarray(np.copysign(a.data, b.data))
        with np.errstate(all="ignore"):
            ratio = out / a.data
        # Piecewise constant: saved as an array, a constant in a second derivative.
        self.save_for_backward(np.where(a.data == 0, np.zeros((), out.dtype), ratio))
        return out

    def backward(self, g: Tensor) -> tuple[Tensor | None, Tensor | None]:
        ga = g * self.saved[0] if self.needs_input_grad[0] else None
        gb = dual.zeros_like(g) if self.needs_input_grad[1] else None
        return ga, gb


class NanToNum(Function):
    """d nan_to_num(a) = [a is finite] da"""

    formula = "nan_to_num(a)"

    def forward(
        self, a: Tensor, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None
    ) -> np.ndarray:
        x = a.data
        if x.dtype.kind == "f":
            self.save_for_backward(np.isfinite(x).astype(x.dtype))
        return np.nan_to_num(x, copy=True, nan=nan, posinf=posinf, neginf=neginf)

    def backward(self, g: Tensor) -> Tensor:
        return g * self.saved[0]


class Heaviside(Function):
    """d heaviside(a, v) = 0 (a step: 0 below 0, v at 0, 1 above; 0 at NaN as in PyTorch)"""

    formula = "step(a; v)"

    def forward(self, a: Tensor, v: Tensor) -> np.ndarray:
        x = a.data
        step = (x > 0).astype(np.result_type(x, v.data))
        return np.where(x == 0, v.data, step)

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        return _zeros(g, self.needs_input_grad)
