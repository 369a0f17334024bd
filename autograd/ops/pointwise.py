"""Elementwise math beyond the core: trigonometric, hyperbolic, exponential and
logarithmic functions, rounding, remainders, logic and bit operations.

The primitives live in :mod:`autograd.ops.transcendental` (smooth functions)
and :mod:`autograd.ops.rounding` (piecewise ones), and the ops without a
gradient (tests such as ``isnan``, comparisons as methods, ``isclose``, logic
and bit operations) in :mod:`autograd.ops.logic`. This module gives Tensor
their methods under PyTorch's names with NumPy's spellings beside them, the
operators ``//`` and ``%``, and the module-level functions
(``autograd.sin(x)``, ``autograd.atan2(y, x)``).

Integer and boolean tensors given to a floating-point function (``sin``,
``log2``, ``reciprocal``, ...) are promoted to the default float dtype, as in
PyTorch; the rounding functions keep an integer tensor's dtype.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from autograd import tensor as _t
from autograd.function import Function
from autograd.ops.elementwise import Abs, Clip, Neg
from autograd.ops.logic import *  # noqa: F403
from autograd.ops.logic import LogicMethods, _as_tensor, function_of
from autograd.ops.logic import __all__ as _logic_names
from autograd.ops.rounding import (
    Ceil,
    Copysign,
    Floor,
    FloorDivide,
    Fmod,
    Heaviside,
    NanToNum,
    Remainder,
    Round,
    Sign,
    Trunc,
    TruncDivide,
)
from autograd.ops.selection import clamp_tensors
from autograd.ops.transcendental import (
    Acos,
    Acosh,
    Asin,
    Asinh,
    Atan,
    Atan2,
    Atanh,
    Cos,
    Cosh,
    Exp2,
    Expm1,
    Hypot,
    Log1p,
    Log2,
    Log10,
    LogAddExp,
    LogAddExp2,
    Logit,
    Reciprocal,
    Rsqrt,
    Sin,
    Sinc,
    Sinh,
    Tan,
    Xlogy,
)

if TYPE_CHECKING:
    from autograd.tensor import Tensor


def _floating(x: Tensor) -> Tensor:
    """An integer or boolean tensor as the default float dtype (PyTorch's promotion)."""
    if x.data.dtype.kind in "biu":
        return _t._make(x.data.astype(_t.get_default_dtype()))
    return x


class Lerp(Function):
    """d lerp(a, b, w) = (1 - w) da + w db + (b - a) dw

    Computed as PyTorch does: ``a + w (b - a)`` for ``|w| < 0.5`` and
    ``b - (b - a)(1 - w)`` otherwise, so that ``w = 1`` gives ``b`` exactly.
    """

    formula = "a + w (b − a)"

    def forward(self, a: Tensor, b: Tensor, w: Tensor) -> np.ndarray:
        self.save_for_backward(a, b, w)
        x, y, t = a.data, b.data, w.data
        with np.errstate(invalid="ignore", over="ignore"):
            d = y - x
            out = np.where(np.abs(t) < 0.5, x + t * d, y - d * (1.0 - t))
        return out.astype(np.result_type(x, y), copy=False)

    def backward(self, g: Tensor) -> tuple[Tensor | None, Tensor | None, Tensor | None]:
        a, b, w = self.saved
        need_a, need_b, need_w = self.needs_input_grad
        return (
            g * (1.0 - w) if need_a else None,
            g * w if need_b else None,
            g * (b - a) if need_w else None,
        )


_ROUNDING_MODES = (None, "trunc", "floor")


class PointwiseMethods(LogicMethods):
    """Methods of :class:`~autograd.Tensor` defined with this module's primitives."""

    __slots__ = ()
    data: np.ndarray

    # -- trigonometric and hyperbolic ----------------------------------------
    def sin(self) -> Tensor:
        """The sine (radians)."""
        return Sin.apply(_floating(self))

    def cos(self) -> Tensor:
        """The cosine (radians)."""
        return Cos.apply(_floating(self))

    def tan(self) -> Tensor:
        """The tangent (radians)."""
        return Tan.apply(_floating(self))

    def asin(self) -> Tensor:
        """The inverse sine, in ``[-pi/2, pi/2]``; NaN outside ``[-1, 1]``."""
        return Asin.apply(_floating(self))

    def acos(self) -> Tensor:
        """The inverse cosine, in ``[0, pi]``; NaN outside ``[-1, 1]``."""
        return Acos.apply(_floating(self))

    def atan(self) -> Tensor:
        """The inverse tangent, in ``(-pi/2, pi/2)``."""
        return Atan.apply(_floating(self))

    def atan2(self, other: Any) -> Tensor:
        """The angle of the point ``(other, self)``: ``atan(self / other)`` by quadrant."""
        x = _floating(self)
        return Atan2.apply(x, _floating(_t._operand(other, x)))

    def sinh(self) -> Tensor:
        """The hyperbolic sine."""
        return Sinh.apply(_floating(self))

    def cosh(self) -> Tensor:
        """The hyperbolic cosine."""
        return Cosh.apply(_floating(self))

    def asinh(self) -> Tensor:
        """The inverse hyperbolic sine."""
        return Asinh.apply(_floating(self))

    def acosh(self) -> Tensor:
        """The inverse hyperbolic cosine; NaN below 1."""
        return Acosh.apply(_floating(self))

    def atanh(self) -> Tensor:
        """The inverse hyperbolic tangent; +-inf at +-1, NaN outside ``[-1, 1]``."""
        return Atanh.apply(_floating(self))

    arcsin, arccos, arctan, arctan2 = asin, acos, atan, atan2
    arcsinh, arccosh, arctanh = asinh, acosh, atanh

    def deg2rad(self) -> Tensor:
        """Degrees to radians."""
        return _floating(self) * (math.pi / 180.0)

    def rad2deg(self) -> Tensor:
        """Radians to degrees."""
        return _floating(self) * (180.0 / math.pi)

    def sinc(self) -> Tensor:
        """The normalised sinc, ``sin(pi x) / (pi x)``, 1 at 0."""
        return Sinc.apply(_floating(self))

    # -- exponentials and logarithms -----------------------------------------
    def logit(self, eps: float | None = None) -> Tensor:
        """``log(x / (1 - x))``; with ``eps``, x is first clamped to ``[eps, 1 - eps]``."""
        return Logit.apply(_floating(self), eps=eps)

    def log1p(self) -> Tensor:
        """``log(1 + x)``, accurate for small ``x``."""
        return Log1p.apply(_floating(self))

    def expm1(self) -> Tensor:
        """``exp(x) - 1``, accurate for small ``x``."""
        return Expm1.apply(_floating(self))

    def log2(self) -> Tensor:
        """The base-2 logarithm."""
        return Log2.apply(_floating(self))

    def log10(self) -> Tensor:
        """The base-10 logarithm."""
        return Log10.apply(_floating(self))

    def exp2(self) -> Tensor:
        """``2 ** x``."""
        return Exp2.apply(_floating(self))

    def logaddexp(self, other: Any) -> Tensor:
        """``log(exp(self) + exp(other))`` without overflow."""
        x = _floating(self)
        return LogAddExp.apply(x, _floating(_t._operand(other, x)))

    def logaddexp2(self, other: Any) -> Tensor:
        """``log2(2 ** self + 2 ** other)`` without overflow."""
        x = _floating(self)
        return LogAddExp2.apply(x, _floating(_t._operand(other, x)))

    def xlogy(self, other: Any) -> Tensor:
        """``self * log(other)``, 0 where ``self`` is 0 (unless ``other`` is NaN)."""
        x = _floating(self)
        return Xlogy.apply(x, _floating(_t._operand(other, x)))

    def hypot(self, other: Any) -> Tensor:
        """``sqrt(self**2 + other**2)`` without overflow."""
        x = _floating(self)
        return Hypot.apply(x, _floating(_t._operand(other, x)))

    # -- powers -------------------------------------------------------------------
    def pow(self: Tensor, exponent: Any) -> Tensor:
        """``self ** exponent``, the exponent a scalar or a tensor."""
        return self**exponent

    power = pow

    def float_power(self: Tensor, exponent: Any) -> Tensor:
        """``self ** exponent`` computed in float64 (the result is float64, as in PyTorch)."""
        base = self.astype(np.float64)
        if isinstance(exponent, _t.Tensor):
            exponent = exponent.astype(np.float64)
        return base**exponent

    def ldexp(self, other: Any) -> Tensor:
        """``self * 2 ** other``; the gradient is ``2 ** other`` also for negative integers.

        (PyTorch's rule computes ``2 ** other`` in integers there, which gives 0.)
        """
        x = _floating(self)
        e = _t._operand(other, x)
        if e.data.dtype.kind in "biu":
            e = _t._make(e.data.astype(x.data.dtype))
        return x * (2.0**e)

    def square(self: Tensor) -> Tensor:
        """``x ** 2``."""
        return self**2

    def reciprocal(self) -> Tensor:
        """``1 / x``."""
        return Reciprocal.apply(_floating(self))

    def rsqrt(self) -> Tensor:
        """``1 / sqrt(x)``; -inf at -0.0, as in PyTorch."""
        return Rsqrt.apply(_floating(self))

    # -- arithmetic as methods -------------------------------------------------------
    def add(self: Tensor, other: Any, *, alpha: Any = 1) -> Tensor:
        """``self + alpha * other``."""
        other = _t._operand(other, self)
        return self + (other if alpha == 1 else other * alpha)

    def sub(self: Tensor, other: Any, *, alpha: Any = 1) -> Tensor:
        """``self - alpha * other``."""
        other = _t._operand(other, self)
        return self - (other if alpha == 1 else other * alpha)

    subtract = sub

    def mul(self: Tensor, other: Any) -> Tensor:
        """``self * other``."""
        return self * other

    multiply = mul

    def div(self: Tensor, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        """``self / other``; ``rounding_mode`` ``"trunc"`` or ``"floor"`` rounds the quotient."""
        if rounding_mode not in _ROUNDING_MODES:
            raise ValueError(
                "div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                f"{rounding_mode!r}"
            )
        if rounding_mode is None:
            return self / other
        op = TruncDivide if rounding_mode == "trunc" else FloorDivide
        return op.apply(self, _t._operand(other, self))

    divide = div

    def true_divide(self: Tensor, other: Any) -> Tensor:
        """``self / other`` (true division, also of integers)."""
        return self / other

    def neg(self) -> Tensor:
        """``-x``."""
        return Neg.apply(self)

    negative = neg

    def positive(self: Tensor) -> Tensor:
        """``+x``: the tensor itself, as in PyTorch."""
        return self

    def absolute(self) -> Tensor:
        """``|x|`` (NumPy's and PyTorch's alias of ``abs``)."""
        return Abs.apply(self)

    def fabs(self) -> Tensor:
        """``|x|`` as a float (NumPy's ``fabs``)."""
        return Abs.apply(_floating(self))

    def addcmul(self: Tensor, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
        """``self + value * tensor1 * tensor2``."""
        t1 = _t._operand(tensor1, self)
        return self + (t1 if value == 1 else t1 * value) * tensor2

    def addcdiv(self: Tensor, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
        """``self + value * tensor1 / tensor2``."""
        t1 = _t._operand(tensor1, self)
        return self + (t1 if value == 1 else t1 * value) / tensor2

    def lerp(self: Tensor, end: Any, weight: Any) -> Tensor:
        """``self + weight * (end - self)``; ``weight`` a scalar or a tensor."""
        end = _t._operand(end, self)
        return Lerp.apply(self, end, _t._operand(weight, self))

    def clamp_min(self, min: Any) -> Tensor:
        """``max(x, min)``: :meth:`clamp` with a lower bound only (a number or a tensor)."""
        if isinstance(min, (_t.Tensor, np.ndarray)):
            return clamp_tensors(self, min, None)  # type: ignore[arg-type]
        return Clip.apply(self, lo=min, hi=None)

    def clamp_max(self, max: Any) -> Tensor:
        """``min(x, max)``: :meth:`clamp` with an upper bound only (a number or a tensor)."""
        if isinstance(max, (_t.Tensor, np.ndarray)):
            return clamp_tensors(self, None, max)  # type: ignore[arg-type]
        return Clip.apply(self, lo=None, hi=max)

    def nan_to_num(
        self, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None
    ) -> Tensor:
        """NaN to ``nan``, infinities to ``posinf``/``neginf`` (the dtype's extremes by default)."""
        return NanToNum.apply(self, nan=nan, posinf=posinf, neginf=neginf)

    def copysign(self, other: Any) -> Tensor:
        """``|self|`` with the sign of ``other``; no gradient flows to ``other``."""
        x = _floating(self)
        return Copysign.apply(x, _t._operand(other, x))

    # -- rounding and remainders --------------------------------------------------------
    def sign(self) -> Tensor:
        """-1, 0 or 1 by the sign of x; 0 at NaN, as in PyTorch (NumPy gives NaN)."""
        return Sign.apply(self)

    sgn = sign

    def floor(self) -> Tensor:
        """Round down; the gradient is 0."""
        return Floor.apply(self)

    def ceil(self) -> Tensor:
        """Round up; the gradient is 0."""
        return Ceil.apply(self)

    def trunc(self) -> Tensor:
        """Round toward zero; the gradient is 0."""
        return Trunc.apply(self)

    fix = trunc

    def round(self, decimals: int = 0) -> Tensor:
        """Round to ``decimals`` places, halves to even; the gradient is 0."""
        return Round.apply(self, decimals=int(decimals))

    def frac(self: Tensor) -> Tensor:
        """``x - trunc(x)``: the fractional part, with the sign of x."""
        return self - Trunc.apply(self)

    def fmod(self: Tensor, other: Any) -> Tensor:
        """The remainder of ``self / other`` with the sign of ``self`` (C's ``fmod``)."""
        return Fmod.apply(self, _t._operand(other, self))

    def remainder(self: Tensor, other: Any) -> Tensor:
        """The remainder of ``self / other`` with the sign of ``other`` (Python's ``%``)."""
        return Remainder.apply(self, _t._operand(other, self))

    mod = remainder

    def floor_divide(self: Tensor, other: Any) -> Tensor:
        """``floor(self / other)`` (Python's ``//``); the gradient is 0."""
        return FloorDivide.apply(self, _t._operand(other, self))

    def __floordiv__(self: Tensor, other: Any) -> Tensor:
        return FloorDivide.apply(self, _t._operand(other, self))

    def __rfloordiv__(self: Tensor, other: Any) -> Tensor:
        return FloorDivide.apply(_t._operand(other, self), self)

    def __mod__(self: Tensor, other: Any) -> Tensor:
        return Remainder.apply(self, _t._operand(other, self))

    def __rmod__(self: Tensor, other: Any) -> Tensor:
        return Remainder.apply(_t._operand(other, self), self)

    def heaviside(self: Tensor, values: Any) -> Tensor:
        """0 where x < 0, ``values`` where x == 0, 1 where x > 0 (0 at NaN); the gradient is 0."""
        return Heaviside.apply(self, _t._operand(values, self))


# ---------------------------------------------------------------------------
# Module-level functions: autograd.sin(x), autograd.atan2(y, x), ...
# ---------------------------------------------------------------------------


def pow(input: Any, exponent: Any) -> Tensor:
    """``input ** exponent``; either may be a scalar, an array or a Tensor."""
    return _as_tensor(input, exponent) ** exponent


power = pow
float_power = function_of(PointwiseMethods, "float_power")
ldexp = function_of(PointwiseMethods, "ldexp")

sin = function_of(PointwiseMethods, "sin")
cos = function_of(PointwiseMethods, "cos")
tan = function_of(PointwiseMethods, "tan")
asin = function_of(PointwiseMethods, "asin")
acos = function_of(PointwiseMethods, "acos")
atan = function_of(PointwiseMethods, "atan")
atan2 = function_of(PointwiseMethods, "atan2")
sinh = function_of(PointwiseMethods, "sinh")
cosh = function_of(PointwiseMethods, "cosh")
asinh = function_of(PointwiseMethods, "asinh")
acosh = function_of(PointwiseMethods, "acosh")
atanh = function_of(PointwiseMethods, "atanh")
arcsin = function_of(PointwiseMethods, "arcsin")
arccos = function_of(PointwiseMethods, "arccos")
arctan = function_of(PointwiseMethods, "arctan")
arctan2 = function_of(PointwiseMethods, "arctan2")
arcsinh = function_of(PointwiseMethods, "arcsinh")
arccosh = function_of(PointwiseMethods, "arccosh")
arctanh = function_of(PointwiseMethods, "arctanh")
deg2rad = function_of(PointwiseMethods, "deg2rad")
sinc = function_of(PointwiseMethods, "sinc")
logit = function_of(PointwiseMethods, "logit")
heaviside = function_of(PointwiseMethods, "heaviside")
rad2deg = function_of(PointwiseMethods, "rad2deg")
log1p = function_of(PointwiseMethods, "log1p")
expm1 = function_of(PointwiseMethods, "expm1")
log2 = function_of(PointwiseMethods, "log2")
log10 = function_of(PointwiseMethods, "log10")
exp2 = function_of(PointwiseMethods, "exp2")
logaddexp = function_of(PointwiseMethods, "logaddexp")
logaddexp2 = function_of(PointwiseMethods, "logaddexp2")
xlogy = function_of(PointwiseMethods, "xlogy")
hypot = function_of(PointwiseMethods, "hypot")
square = function_of(PointwiseMethods, "square")
reciprocal = function_of(PointwiseMethods, "reciprocal")
rsqrt = function_of(PointwiseMethods, "rsqrt")
add = function_of(PointwiseMethods, "add")
sub = function_of(PointwiseMethods, "sub")
subtract = function_of(PointwiseMethods, "subtract")
mul = function_of(PointwiseMethods, "mul")
multiply = function_of(PointwiseMethods, "multiply")
div = function_of(PointwiseMethods, "div")
divide = function_of(PointwiseMethods, "divide")
true_divide = function_of(PointwiseMethods, "true_divide")
neg = function_of(PointwiseMethods, "neg")
negative = function_of(PointwiseMethods, "negative")
positive = function_of(PointwiseMethods, "positive")
absolute = function_of(PointwiseMethods, "absolute")
fabs = function_of(PointwiseMethods, "fabs")
addcmul = function_of(PointwiseMethods, "addcmul")
addcdiv = function_of(PointwiseMethods, "addcdiv")
lerp = function_of(PointwiseMethods, "lerp")
clamp_min = function_of(PointwiseMethods, "clamp_min")
clamp_max = function_of(PointwiseMethods, "clamp_max")
nan_to_num = function_of(PointwiseMethods, "nan_to_num")
copysign = function_of(PointwiseMethods, "copysign")
sign = function_of(PointwiseMethods, "sign")
sgn = function_of(PointwiseMethods, "sgn")
floor = function_of(PointwiseMethods, "floor")
ceil = function_of(PointwiseMethods, "ceil")
trunc = function_of(PointwiseMethods, "trunc")
fix = function_of(PointwiseMethods, "fix")
round = function_of(PointwiseMethods, "round")
frac = function_of(PointwiseMethods, "frac")
fmod = function_of(PointwiseMethods, "fmod")
remainder = function_of(PointwiseMethods, "remainder")
mod = function_of(PointwiseMethods, "mod")
floor_divide = function_of(PointwiseMethods, "floor_divide")

__all__: list[str] = [
    "pow",
    "power",
    *(
        name
        for name, value in list(globals().items())
        if getattr(value, "__module__", None) == __name__
        and callable(value)
        and getattr(value, "__qualname__", "") == name
        and not name.startswith("_")
        and name not in ("pow", "power", "Lerp", "PointwiseMethods")
    ),
    *_logic_names,
]
