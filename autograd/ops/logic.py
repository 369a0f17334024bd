"""Elementwise tests, comparisons, logic and bit operations: boolean or
integer results, computed without a graph (they have no gradient), as
methods of :class:`~autograd.Tensor` and module-level functions."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from autograd import tensor as _t

if TYPE_CHECKING:
    from autograd.tensor import Tensor


def _no_grad_result(data: Any) -> Tensor:
    return _t._make(np.asarray(data))


def _integers(op: str, *arrays: np.ndarray) -> None:
    """Bit operations (and gcd, lcm) take integer and boolean tensors only, as in PyTorch."""
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


def function_of(cls: type, name: str) -> Callable[..., Any]:
    """``autograd.<name>(input, *args)``: the method ``name`` of ``cls`` as a function.

    ``input`` may be an array or a scalar; a scalar takes the dtype of the
    first Tensor among the other arguments (``autograd.atan2(1.0, x)``).
    """
    method = getattr(cls, name)

    def function(input: Any, *args: Any, **kwargs: Any) -> Any:
        return method(_as_tensor(input, *args), *args, **kwargs)

    function.__name__ = function.__qualname__ = name
    function.__module__ = cls.__module__
    function.__doc__ = (
        f"``autograd.{name}(input, ...)``: the same as ``Tensor.{name}``; ``input`` may be "
        f"an array or a scalar.\n\n{method.__doc__}"
    )
    return function


class LogicMethods:
    """Tests, comparisons, logic and bit operations of :class:`~autograd.Tensor`."""

    __slots__ = ()
    data: np.ndarray

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

    def isreal(self) -> Tensor:
        """True everywhere: a Tensor holds real numbers only."""
        return _no_grad_result(np.ones(self.data.shape, dtype=bool))

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

    def gcd(self, other: Any) -> Tensor:
        """The greatest common divisor of integer tensors (non-negative)."""
        return _bitwise("gcd", np.gcd, self, other)

    def lcm(self, other: Any) -> Tensor:
        """The least common multiple of integer tensors (non-negative)."""
        return _bitwise("lcm", np.lcm, self, other)

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


isnan = function_of(LogicMethods, "isnan")
isinf = function_of(LogicMethods, "isinf")
isposinf = function_of(LogicMethods, "isposinf")
isneginf = function_of(LogicMethods, "isneginf")
isfinite = function_of(LogicMethods, "isfinite")
signbit = function_of(LogicMethods, "signbit")
isreal = function_of(LogicMethods, "isreal")
isclose = function_of(LogicMethods, "isclose")
allclose = function_of(LogicMethods, "allclose")
equal = function_of(LogicMethods, "equal")
eq = function_of(LogicMethods, "eq")
ne = function_of(LogicMethods, "ne")
lt = function_of(LogicMethods, "lt")
le = function_of(LogicMethods, "le")
gt = function_of(LogicMethods, "gt")
ge = function_of(LogicMethods, "ge")
not_equal = function_of(LogicMethods, "not_equal")
less = function_of(LogicMethods, "less")
less_equal = function_of(LogicMethods, "less_equal")
greater = function_of(LogicMethods, "greater")
greater_equal = function_of(LogicMethods, "greater_equal")
logical_and = function_of(LogicMethods, "logical_and")
logical_or = function_of(LogicMethods, "logical_or")
logical_xor = function_of(LogicMethods, "logical_xor")
logical_not = function_of(LogicMethods, "logical_not")
bitwise_and = function_of(LogicMethods, "bitwise_and")
bitwise_or = function_of(LogicMethods, "bitwise_or")
bitwise_xor = function_of(LogicMethods, "bitwise_xor")
bitwise_not = function_of(LogicMethods, "bitwise_not")
bitwise_left_shift = function_of(LogicMethods, "bitwise_left_shift")
bitwise_right_shift = function_of(LogicMethods, "bitwise_right_shift")
gcd = function_of(LogicMethods, "gcd")
lcm = function_of(LogicMethods, "lcm")

__all__: list[str] = [
    "allclose",
    "bitwise_and",
    "bitwise_left_shift",
    "bitwise_not",
    "bitwise_or",
    "bitwise_right_shift",
    "bitwise_xor",
    "eq",
    "equal",
    "gcd",
    "ge",
    "greater",
    "greater_equal",
    "gt",
    "isclose",
    "isfinite",
    "isinf",
    "isnan",
    "isneginf",
    "isposinf",
    "isreal",
    "lcm",
    "le",
    "less",
    "less_equal",
    "logical_and",
    "logical_not",
    "logical_or",
    "logical_xor",
    "lt",
    "ne",
    "not_equal",
    "signbit",
]
