"""Elementwise primitives. Binary ones broadcast like NumPy; the engine sums
each gradient back to its input's shape, so no rule here undoes broadcasting."""

from __future__ import annotations

__all__ = [
    "Abs",
    "Add",
    "Cast",
    "Clip",
    "Div",
    "ElementwiseMethods",
    "Exp",
    "Log",
    "Mul",
    "Neg",
    "Pow",
    "PowScalar",
    "ReLU",
    "Sigmoid",
    "Sqrt",
    "Sub",
    "Tanh",
]

import numbers
from typing import TYPE_CHECKING, Any

import numpy as np

from autograd import tensor as _t
from autograd.function import Function
from autograd.ops import dual
from autograd.ops.dual import array, log, zero
from autograd.ops.selection import _is_array, clamp_tensors

if TYPE_CHECKING:
    from autograd.tensor import Tensor


# Unsigned integers of each float's width, to select a gradient's bits.
_UINT = {2: np.uint16, 4: np.uint32, 8: np.uint64}
# Read-only 0-d zeros by dtype, for np.where's constant branch (never returned).
_ZERO: dict[np.dtype, np.ndarray] = {}


def _same_float(out: np.ndarray, like: np.ndarray) -> np.ndarray:
    """Keep a float input's dtype. NumPy 1.x casts by value when every operand
    is 0-d, so ``float32_0d ** 2.5`` would give float64 there."""
    if like.dtype.kind == "f" and out.dtype != like.dtype:
        return out.astype(like.dtype)
    return out


class Add(Function):
    """d(a + b) = da + db"""

    formula = "a + b"

    def forward(self, a: Tensor, b: Tensor) -> np.ndarray:
        return a.data + b.data

    def backward(self, g: Tensor) -> tuple[Tensor, Tensor]:
        return g, g


class Sub(Function):
    """d(a - b) = da - db"""

    formula = "a − b"

    def forward(self, a: Tensor, b: Tensor) -> np.ndarray:
        return a.data - b.data

    def backward(self, g: Tensor) -> tuple[Tensor | None, Tensor | None]:
        return g, (None if self._edge1 is None else -g)


class Neg(Function):
    """d(-a) = -da"""

    formula = "−a"

    def forward(self, a: Tensor) -> np.ndarray:
        return -a.data

    def backward(self, g: Tensor) -> Tensor:
        return -g


class Mul(Function):
    """d(a * b) = b da + a db"""

    formula = "a × b"

    def forward(self, a: Tensor, b: Tensor) -> np.ndarray:
        # Each operand is kept only for the other's gradient, and one without
        # grad (``y * 1.0001``) as its array: the rule uses it only in
        # operators. A node of ``y * 1.0001`` then holds no Tensor and a tuple
        # of arrays, which the cyclic collector stops visiting.
        self.save_for_backward(
            (a if a.requires_grad else a.data) if b.requires_grad else None,
            (b if b.requires_grad else b.data) if a.requires_grad else None,
        )
        return a.data * b.data

    def backward(self, g: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b = self.saved
        # The edges rather than needs_input_grad: no tuple to build.
        return (None if self._edge0 is None else g * b), (None if self._edge1 is None else g * a)


class Div(Function):
    """d(a / b) = da / b - a db / b**2"""

    formula = "a ÷ b"

    def forward(self, a: Tensor, b: Tensor) -> np.ndarray:
        # As in Mul: a only for b's gradient, an operand without grad as its array.
        self.save_for_backward(
            (a if a.requires_grad else a.data) if b.requires_grad else None,
            b if b.requires_grad else b.data,
        )
        return a.data / b.data

    def backward(self, g: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b = self.saved
        ga = g / b
        return (None if self._edge0 is None else ga), (None if self._edge1 is None else -ga * a / b)


class PowScalar(Function):
    """d(a ** p) = p a ** (p - 1) da, for a constant exponent p (0 where p = 0)"""

    formula = "a ** p"

    def forward(self, a: Tensor, exponent: float) -> np.ndarray:
        self.save_for_backward(a)
        self.exponent = exponent
        return _same_float(np.asarray(a.data**exponent), a.data)

    def backward(self, g: Tensor) -> Tensor:
        (a,) = self.saved
        p = self.exponent
        if p == 0:
            # a ** 0 is constant: an exact zero, even where g is inf or NaN.
            return dual.zeros_like(g)
        if p == 1:
            return g
        if p == 2:
            return g * (a * 2.0)
        if p == 0.5:
            # As 1 / (2 sqrt(a)), which is what PyTorch computes: the general
            # form's a ** -0.5 is +inf at a = -0.0 where this gives -inf.
            return g / (dual.sqrt(a) * 2.0)
        return g * (a ** (p - 1) * p)


class Pow(Function):
    """d(a ** b) = b a ** (b - 1) da + a ** b log(a) db

    At the edges the rule follows PyTorch: the base gets 0 where b = 0 and a
    is 0, infinite or NaN (where b a ** (b - 1) would be NaN); the exponent
    gets 0 where a = 0 and b >= 0 (0 ** b is flat there), -inf where a = 0
    and b < 0, and NaN where a < 0 (log of a negative base). Masked points
    are computed from safe stand-in values, so that no inf or NaN of the
    branch not taken leaks into a second derivative.
    """

    formula = "a ** b"

    def forward(self, a: Tensor, b: Tensor) -> np.ndarray:
        self.save_for_backward(a, b)
        x, y = a.data, b.data
        shape = np.broadcast_shapes(x.shape, y.shape)
        if y.shape != shape or not shape:
            # NumPy turns a broadcast exponent of 0.5 into sqrt, which
            # differs from pow (and PyTorch) at -inf; a full one it does not.
            y = np.broadcast_to(y, shape).reshape(-1).copy()
            out = np.power(np.broadcast_to(x, shape).reshape(-1), y).reshape(shape)
        else:
            out = np.power(x, y)
        self.save_output(out)
        return out

    def backward(self, g: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b = self.saved
        ga = gb = None
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.needs_input_grad[0]:
                # Where a is finite and non-zero, b = 0 gives 0 by itself and keeps
                # the derivative of this gradient with respect to b; elsewhere
                # (0, inf, NaN) PyTorch's exact 0 is taken.
                av = array(a)
                flat = (array(b) == 0) & ~(np.isfinite(av) & (av != 0))
                safe_a = dual.where(flat, 1.0, a)
                ga = dual.where(flat, zero(g), g * b * safe_a ** (b - 1.0))
            if self.needs_input_grad[1]:
                flat = (array(a) == 0) & (array(b) >= 0)
                safe_a = dual.where(flat, 1.0, a)
                gb = dual.where(flat, zero(g), g * self.output() * log(safe_a))
        return ga, gb


class Exp(Function):
    """d exp(a) = exp(a) da"""

    formula = "exp(a)"

    def forward(self, a: Tensor) -> np.ndarray:
        out = np.exp(a.data)
        self.save_output(out)
        return out

    def backward(self, g: Tensor) -> Tensor:
        return g * self.output()


class Log(Function):
    """d log(a) = da / a"""

    formula = "log(a)"

    def forward(self, a: Tensor) -> np.ndarray:
        self.save_for_backward(a)
        return np.log(a.data)

    def backward(self, g: Tensor) -> Tensor:
        return g / self.saved[0]


class Sqrt(Function):
    """d sqrt(a) = da / (2 sqrt(a))"""

    formula = "sqrt(a)"

    def forward(self, a: Tensor) -> np.ndarray:
        out = np.sqrt(a.data)
        self.save_output(out)
        return out

    def backward(self, g: Tensor) -> Tensor:
        return g / (self.output() * 2.0)


class Tanh(Function):
    """d tanh(a) = (1 - tanh(a)**2) da"""

    formula = "tanh(a)"

    def forward(self, a: Tensor) -> np.ndarray:
        out = np.tanh(a.data)
        self.save_output(out)
        return out

    def backward(self, g: Tensor) -> Tensor:
        y = self.output()
        return g * (1.0 - y * y)


class Sigmoid(Function):
    """d sigmoid(a) = sigmoid(a) (1 - sigmoid(a)) da"""

    formula = "1 / (1 + exp(−a))"

    def forward(self, a: Tensor) -> np.ndarray:
        x = a.data
        # exp(-|x|) never overflows; pick the form that divides by a number >= 1.
        e = np.exp(-np.abs(x))
        out = np.where(x >= 0, 1.0, e) / (1.0 + e)
        out = out.astype(x.dtype, copy=False)
        self.save_output(out)
        return out

    def backward(self, g: Tensor) -> Tensor:
        y = self.output()
        return g * (y * (1.0 - y))


class ReLU(Function):
    """d relu(a) = [a > 0] da; the subgradient at 0 is 0."""

    formula = "max(a, 0)"

    def forward(self, a: Tensor) -> np.ndarray:
        out = _same_float(np.asarray(np.maximum(a.data, 0)), a.data)
        self.save_output(out)
        return out

    def backward(self, g: Tensor) -> Tensor:
        # "not <= 0" rather than "> 0": a NaN input passes its gradient on,
        # as in PyTorch.
        out = self._output
        if type(g) is not np.ndarray:
            return dual.where(out <= 0, zero(g), g)
        dtype = g.dtype
        unsigned = _UINT.get(dtype.itemsize)
        if unsigned is None or dtype.kind != "f" or g.size < 4096:
            # On arrays: np.where itself, with a cached 0-d zero (no new
            # array, no dual dispatch): 3.7 -> 3.3 us at 100x16.
            z = _ZERO.get(dtype)
            if z is None:
                z = _ZERO[dtype] = np.zeros((), dtype)
                z.flags.writeable = False
            return np.where(out <= 0, z, g)
        # where(out <= 0, 0, g) bit for bit: g's bits AND a mask of all ones
        # (out > 0 or NaN) or all zeros, so that an inf or NaN gradient still
        # gives +0.0 where the mask is 0 (multiplying would give NaN, and -0.0
        # for a negative g). NumPy's where with a random mask is branchy: at
        # 256x1024 it took 1.9 ms (f64) / 1.75 ms (f32) against 0.23 / 0.17 ms,
        # at 128x128 27 / 19 us against 17 / 11 us. Below about 4096 elements
        # where's two calls beat these three (at 100x16: 3.2-3.5 against 4.1-4.4 us).
        bits = np.less_equal(out, 0, out=np.empty(out.shape, unsigned), casting="unsafe")
        np.subtract(bits, 1, out=bits)  # 1 (masked) -> 0, 0 -> all ones
        np.bitwise_and(g.view(unsigned), bits, out=bits)
        return bits.view(g.dtype)


class Abs(Function):
    """d |a| = sign(a) da; the subgradient at 0 is 0, and at NaN 0 (as in PyTorch)."""

    formula = "|a|"

    def forward(self, a: Tensor) -> np.ndarray:
        self.save_for_backward(a)
        return np.abs(a.data)

    def backward(self, g: Tensor) -> Tensor:
        x = array(self.saved[0])
        # np.sign(NaN) is NaN; this sign is 0 there.
        sign = (x > 0).astype(x.dtype) - (x < 0).astype(x.dtype)
        return g * sign


class Clip(Function):
    """d clip(a, lo, hi) = [lo <= a <= hi] da"""

    formula = "clip(a, lo, hi)"

    def forward(self, a: Tensor, lo: float | None, hi: float | None) -> np.ndarray:
        if lo is None and hi is None:
            raise ValueError("clip needs at least one of lo and hi")
        self.save_for_backward(a)
        self.lo, self.hi = lo, hi
        return _same_float(np.asarray(np.clip(a.data, lo, hi)), a.data)

    def backward(self, g: Tensor) -> Tensor:
        x = array(self.saved[0])
        inside = np.ones(x.shape, dtype=bool)
        if self.lo is not None:
            inside &= x >= self.lo
        if self.hi is not None:
            inside &= x <= self.hi
        return dual.where(inside, g, zero(g))


class Cast(Function):
    """d cast(a) = cast back(da)"""

    keeps_float_dtype = False

    formula = "cast(a)"

    def forward(self, a: Tensor, dtype: np.dtype) -> np.ndarray:
        self.source_dtype = a.data.dtype
        return a.data.astype(dtype)

    def backward(self, g: Tensor) -> Tensor:
        return g.astype(self.source_dtype)


class ElementwiseMethods:
    """The elementwise operators and methods of :class:`~autograd.Tensor`."""

    __slots__ = ()
    data: np.ndarray

    # -- arithmetic: the other operand may be a Tensor, an array or a scalar

    def __add__(self, other: Any) -> Tensor:
        return Add.apply(self, _t._operand(other, self))

    def __radd__(self, other: Any) -> Tensor:
        return Add.apply(_t._operand(other, self), self)

    def __sub__(self, other: Any) -> Tensor:
        return Sub.apply(self, _t._operand(other, self))

    def __rsub__(self, other: Any) -> Tensor:
        return Sub.apply(_t._operand(other, self), self)

    def __mul__(self, other: Any) -> Tensor:
        return Mul.apply(self, _t._operand(other, self))

    def __rmul__(self, other: Any) -> Tensor:
        return Mul.apply(_t._operand(other, self), self)

    def __truediv__(self, other: Any) -> Tensor:
        return Div.apply(self, _t._operand(other, self))

    def __rtruediv__(self, other: Any) -> Tensor:
        return Div.apply(_t._operand(other, self), self)

    def __pow__(self, exponent: Any) -> Tensor:
        if isinstance(exponent, numbers.Real) and not isinstance(exponent, np.generic):
            return PowScalar.apply(self, exponent=exponent)
        return Pow.apply(self, _t._operand(exponent, self))

    def __rpow__(self, base: Any) -> Tensor:
        return Pow.apply(_t._operand(base, self), self)

    def __neg__(self) -> Tensor:
        return Neg.apply(self)

    def __pos__(self: Tensor) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return Abs.apply(self)

    # -- comparisons: boolean tensors without gradient

    def _compare(self, other: Any, op: Any) -> Tensor:
        return _t._make(np.asarray(op(self.data, _t._operand(other, self).data)))

    def __lt__(self, other: Any) -> Tensor:
        return self._compare(other, np.less)

    def __le__(self, other: Any) -> Tensor:
        return self._compare(other, np.less_equal)

    def __gt__(self, other: Any) -> Tensor:
        return self._compare(other, np.greater)

    def __ge__(self, other: Any) -> Tensor:
        return self._compare(other, np.greater_equal)

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare(other, np.equal)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare(other, np.not_equal)

    # -- functions

    def abs(self) -> Tensor:
        """``|x|``; its derivative at 0 is taken as 0, as in PyTorch."""
        return Abs.apply(self)

    def exp(self) -> Tensor:
        """``e ** x``."""
        return Exp.apply(self)

    def log(self) -> Tensor:
        """The natural logarithm."""
        return Log.apply(self)

    def sqrt(self) -> Tensor:
        """The square root."""
        return Sqrt.apply(self)

    def tanh(self) -> Tensor:
        """The hyperbolic tangent."""
        return Tanh.apply(self)

    def sigmoid(self) -> Tensor:
        """``1 / (1 + exp(-x))``, computed without overflow."""
        return Sigmoid.apply(self)

    def relu(self) -> Tensor:
        """``max(x, 0)``; its derivative at 0 is taken as 0."""
        return ReLU.apply(self)

    def clip(self, lo: float | None = None, hi: float | None = None) -> Tensor:
        """Limit values to ``[lo, hi]``; the gradient passes where ``lo <= x <= hi``."""
        return Clip.apply(self, lo=lo, hi=hi)

    def clamp(self, min: Any = None, max: Any = None) -> Tensor:
        """PyTorch's name for :meth:`clip`; the bounds may also be tensors (broadcast)."""
        if _is_array(min) or _is_array(max):
            return clamp_tensors(self, min, max)  # type: ignore[arg-type]
        return Clip.apply(self, lo=min, hi=max)

    def astype(self: Tensor, dtype: Any) -> Tensor:
        """Cast to ``dtype``; the gradient is cast back."""
        if np.dtype(dtype) == self.data.dtype:
            return self
        return Cast.apply(self, dtype=np.dtype(dtype))
