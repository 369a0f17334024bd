"""Selection primitives: ``where``, ``maximum`` and ``minimum``, and ``clamp``
with tensor bounds built from them. Gradients are routed by selecting, never
by multiplying with a mask, so the branch not taken gets an exact zero even
where the incoming gradient is inf or NaN."""

from __future__ import annotations

__all__ = ["Maximum", "Minimum", "Where", "clamp_tensors", "maximum", "minimum", "where"]

from typing import TYPE_CHECKING, Any

import numpy as np

from autograd import tensor as _t
from autograd.function import Function
from autograd.ops import dual
from autograd.ops.dual import array, zero

if TYPE_CHECKING:
    from autograd.tensor import Tensor


class Where(Function):
    """d where(c, a, b) = where(c, da, db)

    The gradient is routed by selection, not by multiplying with the mask, so
    the branch not taken receives an exact zero even where the incoming
    gradient is inf or NaN.
    """

    formula = "where(c, a, b)"

    def forward(self, cond: Tensor, a: Tensor, b: Tensor) -> np.ndarray:
        c = cond.data
        if c.dtype != np.bool_:
            raise TypeError(f"where: the condition must be boolean, got dtype {c.dtype}")
        self.cond = c
        return np.where(c, a.data, b.data)

    def backward(self, g: Tensor) -> tuple[None, Tensor | None, Tensor | None]:
        z = zero(g)
        ga = dual.where(self.cond, g, z) if self.needs_input_grad[1] else None
        gb = dual.where(self.cond, z, g) if self.needs_input_grad[2] else None
        return None, ga, gb


class Maximum(Function):
    """d max(a, b) = [a > b] da + [b > a] db; ties share the gradient half and half.

    A NaN operand is what the result holds (NumPy's maximum propagates it), so
    the gradient goes to the NaN side; two NaNs are a tie. PyTorch hands the
    full gradient to both operands there.
    """

    formula = "max(a, b)"

    pick = staticmethod(np.maximum)

    def forward(self, a: Tensor, b: Tensor) -> np.ndarray:
        self.save_for_backward(a, b)
        return self.pick(a.data, b.data)

    def backward(self, g: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b = (array(v) for v in self.saved)
        picked = self.pick(a, b)
        wins_a, wins_b = picked == a, picked == b
        if np.isnan(picked).any():
            wins_a, wins_b = wins_a | np.isnan(a), wins_b | np.isnan(b)
        tie = wins_a & wins_b
        half, z = g * 0.5, zero(g)
        ga = gb = None
        if self.needs_input_grad[0]:
            ga = dual.where(tie, half, dual.where(wins_a, g, z))
        if self.needs_input_grad[1]:
            gb = dual.where(tie, half, dual.where(wins_b, g, z))
        return ga, gb


class Minimum(Maximum):
    """d min(a, b) = [a < b] da + [b < a] db; ties share the gradient half and half
    (a NaN operand takes the gradient, as in ``Maximum``)."""

    formula = "min(a, b)"

    pick = staticmethod(np.minimum)


def _is_array(x: Any) -> bool:
    return isinstance(x, (_t.Tensor, np.ndarray))


def clamp_tensors(x: Tensor, lo: Any, hi: Any) -> Tensor:
    """``clamp`` with tensor bounds, as PyTorch: ``min(max(x, lo), hi)`` by selection, so
    the gradient goes to ``x`` inside the bounds, to ``lo`` below, to ``hi`` above (to
    ``hi`` where ``lo > hi``); a NaN bound gives NaN."""
    out = x
    for bound, outside in ((lo, np.less), (hi, np.greater)):
        if bound is None:
            continue
        b = _t._operand(bound, x)
        if b.data.dtype.kind != "f" and x.data.dtype.kind == "f":
            b = b.astype(x.data.dtype)  # an integer bound takes the float tensor's dtype
        pick = outside(out.data, b.data) | np.isnan(b.data)
        out = where(pick, b, out)
    return out


def where(cond: Any, a: Any, b: Any) -> Tensor:
    """Elements of ``a`` where ``cond`` holds, else of ``b`` (NumPy's ``where``).

    ``cond`` is a boolean Tensor or array; ``a`` and ``b`` are Tensors, arrays
    or scalars and broadcast together.
    """
    Tensor, _operand = _t.Tensor, _t._operand
    c = cond.data if isinstance(cond, Tensor) else np.asarray(cond)
    if isinstance(a, Tensor):
        b = _operand(b, a)
    elif isinstance(b, Tensor):
        a = _operand(a, b)
    else:
        a = Tensor(a)
        b = _operand(b, a)
    return Where.apply(_t._make(c), a, b)


def _binary(op: type[Function], a: Any, b: Any) -> Tensor:
    """``op(a, b)`` where either operand may be a scalar or an array."""
    Tensor, _operand = _t.Tensor, _t._operand
    if isinstance(a, Tensor):
        return op.apply(a, _operand(b, a))
    if isinstance(b, Tensor):
        return op.apply(_operand(a, b), b)
    a = Tensor(a)
    return op.apply(a, _operand(b, a))


def maximum(a: Any, b: Any) -> Tensor:
    """Elementwise maximum; tied elements share the gradient half and half."""
    return _binary(Maximum, a, b)


def minimum(a: Any, b: Any) -> Tensor:
    """Elementwise minimum; tied elements share the gradient half and half."""
    return _binary(Minimum, a, b)
