"""Smooth elementwise primitives: trigonometric and hyperbolic functions and
their inverses, exponentials and logarithms in other bases, and the smooth
binary functions atan2, hypot, logaddexp and xlogy.

Each rule is written the way PyTorch writes it (the same operations in the
same order), so that at infinities and signed zeros the gradient is the same
IEEE value PyTorch gives, not merely the same limit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from autograd import tensor as _t
from autograd.function import Function
from autograd.ops import dual
from autograd.ops.dual import array, exp, sqrt, zero

if TYPE_CHECKING:
    from autograd.tensor import Tensor

LN2 = 0.6931471805599453
LN10 = 2.3025850929940456


def _like(out: Any, x: np.ndarray) -> np.ndarray:
    """Keep a float input's dtype (NumPy 1.x casts 0-d operands by value)."""
    out = np.asarray(out)
    if x.dtype.kind == "f" and out.dtype != x.dtype:
        return out.astype(x.dtype)
    return out


class _Unary(Function):
    """A unary NumPy function; subclasses give ``fn`` and the rule."""

    fn: Any = None
    keep_input = True
    keep_output = False

    def forward(self, a: Tensor) -> np.ndarray:
        out = _like(self.fn(a.data), a.data)
        if self.keep_input:
            self.save_for_backward(a)
        if self.keep_output:
            self.save_output(out)
        return out


class Sin(_Unary):
    """d sin(a) = cos(a) da"""

    formula = "sin(a)"
    fn = staticmethod(np.sin)

    def backward(self, g: Tensor) -> Tensor:
        return g * dual.cos(self.saved[0])


class Cos(_Unary):
    """d cos(a) = -sin(a) da"""

    formula = "cos(a)"
    fn = staticmethod(np.cos)

    def backward(self, g: Tensor) -> Tensor:
        return g * -dual.sin(self.saved[0])


class Tan(_Unary):
    """d tan(a) = (1 + tan(a)**2) da"""

    formula = "tan(a)"
    fn = staticmethod(np.tan)
    keep_input, keep_output = False, True

    def backward(self, g: Tensor) -> Tensor:
        y = self.output()
        return g * (y * y + 1.0)


class Asin(_Unary):
    """d asin(a) = da / sqrt(1 - a**2)"""

    formula = "asin(a)"
    fn = staticmethod(np.arcsin)

    def backward(self, g: Tensor) -> Tensor:
        (a,) = self.saved
        return g / sqrt(1.0 - a * a)


class Acos(_Unary):
    """d acos(a) = -da / sqrt(1 - a**2)"""

    formula = "acos(a)"
    fn = staticmethod(np.arccos)

    def backward(self, g: Tensor) -> Tensor:
        (a,) = self.saved
        return g * -(1.0 / sqrt(1.0 - a * a))


class Atan(_Unary):
    """d atan(a) = da / (1 + a**2)"""

    formula = "atan(a)"
    fn = staticmethod(np.arctan)

    def backward(self, g: Tensor) -> Tensor:
        (a,) = self.saved
        return g / (a * a + 1.0)


class Sinh(_Unary):
    """d sinh(a) = cosh(a) da"""

    formula = "sinh(a)"
    fn = staticmethod(np.sinh)

    def backward(self, g: Tensor) -> Tensor:
        return g * dual.cosh(self.saved[0])


class Cosh(_Unary):
    """d cosh(a) = sinh(a) da"""

    formula = "cosh(a)"
    fn = staticmethod(np.cosh)

    def backward(self, g: Tensor) -> Tensor:
        return g * dual.sinh(self.saved[0])


class Asinh(_Unary):
    """d asinh(a) = da / sqrt(a**2 + 1)"""

    formula = "asinh(a)"
    fn = staticmethod(np.arcsinh)

    def backward(self, g: Tensor) -> Tensor:
        (a,) = self.saved
        return g * (1.0 / sqrt(a * a + 1.0))


class Acosh(_Unary):
    """d acosh(a) = da / sqrt(a**2 - 1)"""

    formula = "acosh(a)"
    fn = staticmethod(np.arccosh)

    def backward(self, g: Tensor) -> Tensor:
        (a,) = self.saved
        return g * (1.0 / sqrt(a * a - 1.0))


class Atanh(_Unary):
    """d atanh(a) = da / (1 - a**2)"""

    formula = "atanh(a)"
    fn = staticmethod(np.arctanh)

    def backward(self, g: Tensor) -> Tensor:
        (a,) = self.saved
        return g / (1.0 - a * a)


class Log1p(_Unary):
    """d log1p(a) = da / (1 + a)"""

    formula = "log(1 + a)"
    fn = staticmethod(np.log1p)

    def backward(self, g: Tensor) -> Tensor:
        return g / (self.saved[0] + 1.0)


class Expm1(_Unary):
    """d expm1(a) = (expm1(a) + 1) da"""

    formula = "exp(a) − 1"
    fn = staticmethod(np.expm1)
    keep_input, keep_output = False, True

    def backward(self, g: Tensor) -> Tensor:
        return g * (self.output() + 1.0)


class Log2(_Unary):
    """d log2(a) = da / (a ln 2)"""

    formula = "log2(a)"
    fn = staticmethod(np.log2)

    def backward(self, g: Tensor) -> Tensor:
        return g / (self.saved[0] * LN2)


class Log10(_Unary):
    """d log10(a) = da / (a ln 10)"""

    formula = "log10(a)"
    fn = staticmethod(np.log10)

    def backward(self, g: Tensor) -> Tensor:
        return g / (self.saved[0] * LN10)


class Exp2(_Unary):
    """d exp2(a) = exp2(a) ln 2 da"""

    formula = "2 ** a"
    fn = staticmethod(np.exp2)
    keep_input, keep_output = False, True

    def backward(self, g: Tensor) -> Tensor:
        return g * self.output() * LN2


def _reciprocal(x: np.ndarray) -> np.ndarray:
    return np.divide(1.0, x, dtype=x.dtype)


class Reciprocal(_Unary):
    """d (1 / a) = -da / a**2"""

    formula = "1 / a"
    fn = staticmethod(_reciprocal)
    keep_input, keep_output = False, True

    def backward(self, g: Tensor) -> Tensor:
        y = self.output()
        return -g * (y * y)


def _rsqrt(x: np.ndarray) -> np.ndarray:
    # 1 / sqrt(x) rather than x ** -0.5: -inf at -0.0, as PyTorch's rsqrt.
    return np.divide(1.0, np.sqrt(x), dtype=x.dtype)


class Rsqrt(_Unary):
    """d a**(-1/2) = -a**(-3/2) / 2 da"""

    formula = "1 / sqrt(a)"
    fn = staticmethod(_rsqrt)
    keep_input, keep_output = False, True

    def backward(self, g: Tensor) -> Tensor:
        y = self.output()
        return g * -0.5 * (y * y * y)


class Atan2(Function):
    """d atan2(a, b) = (b da - a db) / (a**2 + b**2)"""

    formula = "atan2(a, b)"

    def forward(self, a: Tensor, b: Tensor) -> np.ndarray:
        self.save_for_backward(a, b)
        return _like(np.arctan2(a.data, b.data), a.data)

    def backward(self, g: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b = self.saved
        denom = a * a + b * b
        # Where a**2 + b**2 is 0 (the origin, or an underflow) the gradient is
        # taken as 0, as in PyTorch; the stand-in 1 keeps inf out of the graph.
        flat = array(denom) == 0
        recip = dual.where(flat, zero(denom), 1.0 / dual.where(flat, 1.0, denom))
        ga = g * b * recip if self.needs_input_grad[0] else None
        gb = g * -a * recip if self.needs_input_grad[1] else None
        return ga, gb


class Hypot(Function):
    """d hypot(a, b) = (a da + b db) / hypot(a, b)"""

    formula = "sqrt(a² + b²)"

    def forward(self, a: Tensor, b: Tensor) -> np.ndarray:
        self.save_for_backward(a, b)
        out = _like(np.hypot(a.data, b.data), a.data)
        self.save_output(out)
        return out

    def backward(self, g: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b = self.saved
        y = self.output()
        ga = g * a / y if self.needs_input_grad[0] else None
        gb = g * b / y if self.needs_input_grad[1] else None
        return ga, gb


class LogAddExp(Function):
    """d log(exp(a) + exp(b)) = da / (1 + exp(b - a)) + db / (1 + exp(a - b))"""

    formula = "log(exp(a) + exp(b))"

    def forward(self, a: Tensor, b: Tensor) -> np.ndarray:
        self.save_for_backward(a, b)
        return _like(np.logaddexp(a.data, b.data), a.data)

    def backward(self, g: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b = self.saved
        ga = g / (exp(b - a) + 1.0) if self.needs_input_grad[0] else None
        gb = g / (exp(a - b) + 1.0) if self.needs_input_grad[1] else None
        return ga, gb


class LogAddExp2(Function):
    """d log2(2**a + 2**b) = da / (1 + 2**(b - a)) + db / (1 + 2**(a - b))"""

    formula = "log2(2 ** a + 2 ** b)"

    def forward(self, a: Tensor, b: Tensor) -> np.ndarray:
        self.save_for_backward(a, b)
        return _like(np.logaddexp2(a.data, b.data), a.data)

    def backward(self, g: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b = self.saved
        ga = g / (2.0 ** (b - a) + 1.0) if self.needs_input_grad[0] else None
        gb = g / (2.0 ** (a - b) + 1.0) if self.needs_input_grad[1] else None
        return ga, gb


def _xlogy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """x log(y), with 0 where x = 0 (even at y = 0 or inf) unless y is NaN."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(x == 0, np.zeros((), np.result_type(x, y)), x * np.log(y))
    return np.where(np.isnan(y), y, out)


class Xlogy(Function):
    """d (a log b) = log(b) da + a / b db; the term of da is 0 where a = 0 and b <= 0.

    ``xlogy(0, b)`` is 0 for every b but NaN (as in PyTorch and SciPy), so the
    gradient of ``a`` is itself an ``xlogy`` of the incoming gradient.
    """

    formula = "a log(b)"

    def forward(self, a: Tensor, b: Tensor) -> np.ndarray:
        self.save_for_backward(a, b)
        return _like(_xlogy(a.data, b.data), a.data)

    def backward(self, g: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b = self.saved
        ga = gb = None
        if self.needs_input_grad[0]:
            term = Xlogy.apply(g, b) if isinstance(g, _t.Tensor) else _xlogy(g, b)
            flat = (array(a) == 0) & (array(b) <= 0)
            ga = dual.where(flat, zero(g), term)
        if self.needs_input_grad[1]:
            gb = g * a / b
        return ga, gb


class Sinc(_Unary):
    """d sinc(a) = (pi a cos(pi a) - sin(pi a)) / (pi a**2) da, taken as 0 where pi a**2 = 0

    As in PyTorch, the rule is masked where ``pi a**2`` is 0 (at 0 and where it
    underflows): the first derivative there is its true value 0, but its own
    derivative at those points is 0 too, not the true -pi**2 / 3.
    """

    formula = "sin(πa) / (πa)"
    fn = staticmethod(np.sinc)

    def backward(self, g: Tensor) -> Tensor:
        (a,) = self.saved
        api = a * np.pi
        sq = a * a * np.pi
        flat = array(sq) == 0
        out = g * (api * dual.cos(api) - dual.sin(api)) / dual.where(flat, 1.0, sq)
        return dual.where(flat, zero(g), out)


class Logit(Function):
    """d logit(a) = da / (a (1 - a)); with eps, 0 where a is clamped to [eps, 1 - eps]

    Without eps the gradient is NaN outside [0, 1] and g * inf at 0 and 1
    (also at -0.0), as in PyTorch.
    """

    formula = "log(a / (1 − a))"

    def forward(self, a: Tensor, eps: float | None = None) -> np.ndarray:
        self.save_for_backward(a)
        self.eps = eps
        x = a.data if eps is None else np.clip(a.data, eps, 1.0 - eps)
        return _like(np.log(x / (1.0 - x)), a.data)

    def backward(self, g: Tensor) -> Tensor:
        (a,) = self.saved
        x = array(a)
        if self.eps is None:
            edge = (x == 0) | (x == 1)
            outside = (x < 0) | (x > 1)
            safe = dual.where(edge | outside, 0.5, a)
            # inf only at the edges: a constant inf factor everywhere would
            # give 0 * inf = NaN in the second derivative of the masked points.
            at_edge = g * np.where(edge, np.inf, 0.0).astype(x.dtype)
            inner = dual.where(edge, at_edge, g / (safe * (1.0 - safe)))
            return dual.where(outside, np.array(np.nan, x.dtype), inner)
        outside = (x < self.eps) | (x > 1.0 - self.eps)
        safe = dual.where(outside, 0.5, a)
        return dual.where(outside, zero(g), g / (safe * (1.0 - safe)))
