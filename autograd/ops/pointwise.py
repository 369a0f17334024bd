"""Elementwise math beyond the core: trigonometric, hyperbolic, exponential and
logarithmic functions, rounding, remainders, logic and bit operations.

The primitives live in :mod:`autograd.ops.transcendental` (smooth functions)
and :mod:`autograd.ops.rounding` (piecewise ones); this module gives Tensor
their methods under PyTorch's names and NumPy's spellings beside them, the
operators ``//``, ``%``, ``& | ^ ~ << >>``, the tests (``isnan``, ``isclose``,
comparisons as methods) and logic, which have no gradient, and the
module-level functions (``autograd.sin(x)``).

Integer and boolean tensors given to a floating-point function (``sin``,
``log2``, ``reciprocal``, ...) are promoted to the default float dtype, as in
PyTorch; the rounding functions keep an integer tensor's dtype.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from autograd import tensor as _t
from autograd.function import Function
from autograd.ops.elementwise import Abs, Clip, Neg
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


def _no_grad_result(data: Any) -> Tensor:
    return _t._make(np.asarray(data))


def _integers(op: str, *arrays: np.ndarray) -> None:
    """Bit operations are defined on integer and boolean tensors only (as in PyTorch)."""
    if any(a.dtype.kind not in "biu" for a in arrays):
        dtypes = " and ".join(str(a.dtype) for a in arrays)
        raise TypeError(f"{op}: expected integer or boolean tensors, got dtype {dtypes}")


def _bitwise(op: str, fn: Any, a: Any, b: Any) -> Tensor:
    x = _as_tensor(a, b)
    y = _t._operand(b, x)
    _integers(op, x.data, y.data)
    return _no_grad_result(fn(x.data, y.data))


def _as_tensor(value: Any, *others: Any) -> Tensor:
    """``value`` as a Tensor; a scalar takes the dtype of the first Tensor among ``others``."""
    if isinstance(value, _t.Tensor):
        return value
    for other in others:
        if isinstance(other, _t.Tensor):
            return _t._operand(value, other)
    return _t.Tensor(value)


_ROUNDING_MODES = (None, "trunc", "floor")


class PointwiseMethods:
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

    def clamp_min(self, min: float) -> Tensor:
        """``max(x, min)``: :meth:`clamp` with a lower bound only."""
        return Clip.apply(self, lo=min, hi=None)

    def clamp_max(self, max: float) -> Tensor:
        """``min(x, max)``: :meth:`clamp` with an upper bound only."""
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

    # -- tests, comparisons and logic (boolean results, no gradient) ------------------
    def isnan(self) -> Tensor:
        """True where x is NaN."""
        return _no_grad_result(np.isnan(self.data))

    def isinf(self) -> Tensor:
        """True where x is +inf or -inf."""
        return _no_grad_result(np.isinf(self.data))

    def isposinf(self) -> Tensor:
        """True where x is +inf."""
        return _no_grad_result(np.isposinf(self.data))

    def isneginf(self) -> Tensor:
        """True where x is -inf."""
        return _no_grad_result(np.isneginf(self.data))

    def isfinite(self) -> Tensor:
        """True where x is neither infinite nor NaN."""
        return _no_grad_result(np.isfinite(self.data))

    def signbit(self) -> Tensor:
        """True where the sign bit is set (also at -0.0)."""
        return _no_grad_result(np.signbit(self.data))

    def isclose(
        self: Tensor, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
    ) -> Tensor:
        """True where ``|self - other| <= atol + rtol * |other|`` (equal infinities too)."""
        y = _t._operand(other, self).data
        return _no_grad_result(np.isclose(self.data, y, rtol=rtol, atol=atol, equal_nan=equal_nan))

    def allclose(
        self: Tensor, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
    ) -> bool:
        """Whether :meth:`isclose` holds everywhere (a Python bool)."""
        return bool(np.all(self.isclose(other, rtol, atol, equal_nan).data))

    def equal(self: Tensor, other: Any) -> bool:
        """Whether both have the same shape and elements (a Python bool; NaN is unequal)."""
        y = _t._operand(other, self).data
        return self.data.shape == y.shape and bool(np.all(self.data == y))

    def eq(self: Tensor, other: Any) -> Tensor:
        """``self == other``, elementwise."""
        return self == other

    def ne(self: Tensor, other: Any) -> Tensor:
        """``self != other``, elementwise."""
        return self != other

    def lt(self: Tensor, other: Any) -> Tensor:
        """``self < other``, elementwise."""
        return self < other

    def le(self: Tensor, other: Any) -> Tensor:
        """``self <= other``, elementwise."""
        return self <= other

    def gt(self: Tensor, other: Any) -> Tensor:
        """``self > other``, elementwise."""
        return self > other

    def ge(self: Tensor, other: Any) -> Tensor:
        """``self >= other``, elementwise."""
        return self >= other

    not_equal, less, less_equal = ne, lt, le
    greater, greater_equal = gt, ge

    def logical_and(self: Tensor, other: Any) -> Tensor:
        """Elementwise ``self and other`` of the truth values (nonzero is true)."""
        return _no_grad_result(np.logical_and(self.data, _t._operand(other, self).data))

    def logical_or(self: Tensor, other: Any) -> Tensor:
        """Elementwise ``self or other`` of the truth values."""
        return _no_grad_result(np.logical_or(self.data, _t._operand(other, self).data))

    def logical_xor(self: Tensor, other: Any) -> Tensor:
        """Elementwise exclusive or of the truth values."""
        return _no_grad_result(np.logical_xor(self.data, _t._operand(other, self).data))

    def logical_not(self) -> Tensor:
        """Elementwise ``not x`` (True where x is 0)."""
        return _no_grad_result(np.logical_not(self.data))

    # -- bit operations on integer and boolean tensors ------------------------------------
    def bitwise_and(self, other: Any) -> Tensor:
        """Bitwise and (logical and for booleans)."""
        return _bitwise("bitwise_and", np.bitwise_and, self, other)

    def bitwise_or(self, other: Any) -> Tensor:
        """Bitwise or (logical or for booleans)."""
        return _bitwise("bitwise_or", np.bitwise_or, self, other)

    def bitwise_xor(self, other: Any) -> Tensor:
        """Bitwise exclusive or."""
        return _bitwise("bitwise_xor", np.bitwise_xor, self, other)

    def bitwise_not(self) -> Tensor:
        """Bitwise not (``~x``; logical not for booleans)."""
        _integers("bitwise_not", self.data)
        return _no_grad_result(np.invert(self.data))

    def bitwise_left_shift(self, other: Any) -> Tensor:
        """``self << other``."""
        return _bitwise("bitwise_left_shift", np.left_shift, self, other)

    def bitwise_right_shift(self, other: Any) -> Tensor:
        """``self >> other`` (arithmetic: the sign is kept)."""
        return _bitwise("bitwise_right_shift", np.right_shift, self, other)

    def __and__(self, other: Any) -> Tensor:
        return _bitwise("bitwise_and", np.bitwise_and, self, other)

    def __rand__(self, other: Any) -> Tensor:
        return _bitwise("bitwise_and", np.bitwise_and, _as_tensor(other, self), self)

    def __or__(self, other: Any) -> Tensor:
        return _bitwise("bitwise_or", np.bitwise_or, self, other)

    def __ror__(self, other: Any) -> Tensor:
        return _bitwise("bitwise_or", np.bitwise_or, _as_tensor(other, self), self)

    def __xor__(self, other: Any) -> Tensor:
        return _bitwise("bitwise_xor", np.bitwise_xor, self, other)

    def __rxor__(self, other: Any) -> Tensor:
        return _bitwise("bitwise_xor", np.bitwise_xor, _as_tensor(other, self), self)

    def __invert__(self) -> Tensor:
        return self.bitwise_not()

    def __lshift__(self, other: Any) -> Tensor:
        return _bitwise("bitwise_left_shift", np.left_shift, self, other)

    def __rlshift__(self, other: Any) -> Tensor:
        return _bitwise("bitwise_left_shift", np.left_shift, _as_tensor(other, self), self)

    def __rshift__(self, other: Any) -> Tensor:
        return _bitwise("bitwise_right_shift", np.right_shift, self, other)

    def __rrshift__(self, other: Any) -> Tensor:
        return _bitwise("bitwise_right_shift", np.right_shift, _as_tensor(other, self), self)


# ---------------------------------------------------------------------------
# Module-level functions: autograd.sin(x), autograd.atan2(y, x), ...
# ---------------------------------------------------------------------------


def _function(name: str) -> Callable[..., Any]:
    """``autograd.<name>(input, *args)``: the Tensor method ``name`` as a function.

    ``input`` may be an array or a scalar; a scalar takes the dtype of the
    first Tensor among the other arguments (``autograd.atan2(1.0, x)``).
    """
    method = getattr(PointwiseMethods, name)

    def function(input: Any, *args: Any, **kwargs: Any) -> Any:
        return method(_as_tensor(input, *args), *args, **kwargs)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = (
        f"``autograd.{name}(input, ...)``: the same as ``Tensor.{name}``; ``input`` may be "
        f"an array or a scalar.\n\n{method.__doc__}"
    )
    return function


def pow(input: Any, exponent: Any) -> Tensor:
    """``input ** exponent``; either may be a scalar, an array or a Tensor."""
    return _as_tensor(input, exponent) ** exponent


power = pow

sin = _function("sin")
cos = _function("cos")
tan = _function("tan")
asin = _function("asin")
acos = _function("acos")
atan = _function("atan")
atan2 = _function("atan2")
sinh = _function("sinh")
cosh = _function("cosh")
asinh = _function("asinh")
acosh = _function("acosh")
atanh = _function("atanh")
arcsin = _function("arcsin")
arccos = _function("arccos")
arctan = _function("arctan")
arctan2 = _function("arctan2")
arcsinh = _function("arcsinh")
arccosh = _function("arccosh")
arctanh = _function("arctanh")
deg2rad = _function("deg2rad")
sinc = _function("sinc")
logit = _function("logit")
heaviside = _function("heaviside")
rad2deg = _function("rad2deg")
log1p = _function("log1p")
expm1 = _function("expm1")
log2 = _function("log2")
log10 = _function("log10")
exp2 = _function("exp2")
logaddexp = _function("logaddexp")
logaddexp2 = _function("logaddexp2")
xlogy = _function("xlogy")
hypot = _function("hypot")
square = _function("square")
reciprocal = _function("reciprocal")
rsqrt = _function("rsqrt")
add = _function("add")
sub = _function("sub")
subtract = _function("subtract")
mul = _function("mul")
multiply = _function("multiply")
div = _function("div")
divide = _function("divide")
true_divide = _function("true_divide")
neg = _function("neg")
negative = _function("negative")
positive = _function("positive")
absolute = _function("absolute")
fabs = _function("fabs")
addcmul = _function("addcmul")
addcdiv = _function("addcdiv")
lerp = _function("lerp")
clamp_min = _function("clamp_min")
clamp_max = _function("clamp_max")
nan_to_num = _function("nan_to_num")
copysign = _function("copysign")
sign = _function("sign")
sgn = _function("sgn")
floor = _function("floor")
ceil = _function("ceil")
trunc = _function("trunc")
fix = _function("fix")
round = _function("round")
frac = _function("frac")
fmod = _function("fmod")
remainder = _function("remainder")
mod = _function("mod")
floor_divide = _function("floor_divide")
isnan = _function("isnan")
isinf = _function("isinf")
isposinf = _function("isposinf")
isneginf = _function("isneginf")
isfinite = _function("isfinite")
signbit = _function("signbit")
isclose = _function("isclose")
allclose = _function("allclose")
equal = _function("equal")
eq = _function("eq")
ne = _function("ne")
lt = _function("lt")
le = _function("le")
gt = _function("gt")
ge = _function("ge")
not_equal = _function("not_equal")
less = _function("less")
less_equal = _function("less_equal")
greater = _function("greater")
greater_equal = _function("greater_equal")
logical_and = _function("logical_and")
logical_or = _function("logical_or")
logical_xor = _function("logical_xor")
logical_not = _function("logical_not")
bitwise_and = _function("bitwise_and")
bitwise_or = _function("bitwise_or")
bitwise_xor = _function("bitwise_xor")
bitwise_not = _function("bitwise_not")
bitwise_left_shift = _function("bitwise_left_shift")
bitwise_right_shift = _function("bitwise_right_shift")

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
]
