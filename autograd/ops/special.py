"""Special functions: erf, erfc, erfinv, lgamma, digamma, polygamma.

The forward passes are the NumPy kernels of :mod:`autograd.ops.special_math`
(NumPy has none of these functions); each derivative is another function of
the family or an exponential, so every rule is differentiable again.
Integer and boolean inputs give the default float dtype, as in PyTorch.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from autograd import tensor as _t
from autograd.function import Function
from autograd.ops import dual
from autograd.ops import special_math as _sm

if TYPE_CHECKING:
    from autograd.tensor import Tensor

__all__: list[str] = ["digamma", "erf", "erfc", "erfinv", "lgamma", "polygamma"]

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_HALF_SQRT_PI = 0.5 * math.sqrt(math.pi)


def _float_dtype(x: np.ndarray) -> np.dtype:
    return x.dtype if x.dtype.kind == "f" else _t.get_default_dtype()


def _apply_kernel(kernel: Callable[[np.ndarray], np.ndarray], x: np.ndarray) -> np.ndarray:
    """``kernel`` on ``x`` in float64, returned in ``x``'s float dtype."""
    with np.errstate(all="ignore"):
        out = kernel(np.asarray(x, dtype=np.float64))
    return np.asarray(out, dtype=_float_dtype(x))


class Erf(Function):
    """d erf(a) = 2 / sqrt(pi) exp(-a**2) da"""

    formula = "erf(a)"

    def forward(self, a: Tensor) -> np.ndarray:
        self.save_for_backward(a)
        return _apply_kernel(_sm.erf, a.data)

    def backward(self, g: Tensor) -> Tensor:
        (a,) = self.saved
        return g * (dual.exp(-(a * a)) * _TWO_OVER_SQRT_PI)


class Erfc(Function):
    """d erfc(a) = -2 / sqrt(pi) exp(-a**2) da"""

    formula = "erfc(a)"

    def forward(self, a: Tensor) -> np.ndarray:
        self.save_for_backward(a)
        return _apply_kernel(_sm.erfc, a.data)

    def backward(self, g: Tensor) -> Tensor:
        (a,) = self.saved
        return g * (dual.exp(-(a * a)) * -_TWO_OVER_SQRT_PI)


class Erfinv(Function):
    """d erfinv(a) = sqrt(pi) / 2 exp(erfinv(a)**2) da"""

    formula = "erfinv(a)"

    def forward(self, a: Tensor) -> np.ndarray:
        out = _apply_kernel(_sm.erfinv, a.data)
        self.save_output(out)
        return out

    def backward(self, g: Tensor) -> Tensor:
        y = self.output()
        return g * (dual.exp(y * y) * _HALF_SQRT_PI)


class Lgamma(Function):
    """d lgamma(a) = digamma(a) da"""

    formula = "log|Γ(a)|"

    def forward(self, a: Tensor) -> np.ndarray:
        self.save_for_backward(a)
        return _apply_kernel(_sm.lgamma, a.data)

    def backward(self, g: Tensor) -> Tensor:
        return g * _polygamma_of(0, self.saved[0])


class Digamma(Function):
    """d digamma(a) = polygamma(1, a) da

    At 0 the value is -inf, and +inf at -0.0 (the limit from the other side,
    as PyTorch gives); NaN at the negative integers and at -inf.
    """

    formula = "ψ(a)"

    def forward(self, a: Tensor) -> np.ndarray:
        self.save_for_backward(a)
        return _apply_kernel(_sm.digamma, a.data)

    def backward(self, g: Tensor) -> Tensor:
        return g * _polygamma_of(1, self.saved[0])


class Polygamma(Function):
    """d polygamma(n, a) = polygamma(n + 1, a) da

    At the poles (0, -1, -2, ...) the value is ``(-1)**(n + 1) * inf``, as
    PyTorch gives at 0; PyTorch's trigamma gives a large finite number at the
    negative integers instead. At +inf the value is the limit 0 and at -inf
    NaN, for every n (PyTorch gives NaN at +inf for n >= 2).
    """

    formula = "ψ⁽ⁿ⁾(a)"

    def forward(self, a: Tensor, n: int) -> np.ndarray:
        self.save_for_backward(a)
        self.n = n
        return _apply_kernel(lambda x: _sm.polygamma(n, x), a.data)

    def backward(self, g: Tensor) -> Tensor:
        return g * _polygamma_of(self.n + 1, self.saved[0])


def _polygamma_of(n: int, a: Any) -> Any:
    """polygamma(n, a) of a Tensor (recorded, for higher derivatives) or of an array."""
    if isinstance(a, _t.Tensor):
        return Digamma.apply(a) if n == 0 else Polygamma.apply(a, n=n)
    return _apply_kernel(lambda x: _sm.polygamma(n, x), a)


def _order(n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 0:
        raise ValueError(f"polygamma: n must be a non-negative integer, got {n!r}")
    return int(n)


def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, _t.Tensor) else _t.Tensor(x)


def erf(input: Any) -> Tensor:
    """The error function ``2/sqrt(pi) * integral_0^x exp(-t**2) dt``."""
    return Erf.apply(_tensor(input))


def erfc(input: Any) -> Tensor:
    """The complementary error function ``1 - erf(x)``, accurate where it is tiny."""
    return Erfc.apply(_tensor(input))


def erfinv(input: Any) -> Tensor:
    """The inverse of :func:`erf` on ``[-1, 1]`` (±inf at ±1, NaN outside)."""
    return Erfinv.apply(_tensor(input))


def lgamma(input: Any) -> Tensor:
    """``log|Γ(x)|``; +inf at 0, the negative integers and ±inf."""
    return Lgamma.apply(_tensor(input))


def digamma(input: Any) -> Tensor:
    """``ψ(x) = d/dx lgamma(x)``."""
    return Digamma.apply(_tensor(input))


def polygamma(n: int, input: Any) -> Tensor:
    """The ``n``-th derivative of :func:`digamma` (``n = 0`` is digamma itself)."""
    n = _order(n)
    x = _tensor(input)
    return Digamma.apply(x) if n == 0 else Polygamma.apply(x, n=n)


class SpecialMethods:
    """Methods of :class:`~autograd.Tensor` defined with this module's primitives."""

    __slots__ = ()
    data: np.ndarray

    def erf(self) -> Tensor:
        """The error function."""
        return Erf.apply(self)

    def erfc(self) -> Tensor:
        """The complementary error function ``1 - erf(x)``."""
        return Erfc.apply(self)

    def erfinv(self) -> Tensor:
        """The inverse error function."""
        return Erfinv.apply(self)

    def lgamma(self) -> Tensor:
        """``log|Γ(x)|``."""
        return Lgamma.apply(self)

    def digamma(self) -> Tensor:
        """``ψ(x)``, the derivative of :meth:`lgamma`."""
        return Digamma.apply(self)

    def polygamma(self, n: int) -> Tensor:
        """The ``n``-th derivative of :meth:`digamma`."""
        return polygamma(n, self)
