"""Matrix multiplication."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from autograd import tensor as _t
from autograd.function import Function
from autograd.ops import dual

if TYPE_CHECKING:
    from autograd.tensor import Tensor


__all__ = [
    "LinalgMethods",
    "Linear",
    "MatMul",
    "linear",
    "matmul",
]


def _swap(t: Any) -> Any:
    """Swap the last two axes (the matrix transpose of a stack of matrices);
    ``t`` is a Tensor or an array."""
    if t.ndim == 2:
        return t.T
    axes = list(range(t.ndim))
    axes[-1], axes[-2] = axes[-2], axes[-1]
    return t.transpose(tuple(axes))


class MatMul(Function):
    """d (a @ b) = g @ b^T for a, a^T @ g for b (stacks of matrices broadcast)"""

    formula = "a @ b"

    def forward(self, a: Tensor, b: Tensor) -> np.ndarray:
        self.save_for_backward(a, b)
        return np.matmul(a.data, b.data)

    def backward(self, g: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b = self.saved
        need_a, need_b = self.needs_input_grad
        return (g @ _swap(b) if need_a else None), (_swap(a) @ g if need_b else None)


def matmul(a: Tensor, b: Tensor) -> Tensor:
    """Matrix product with NumPy's ``matmul`` semantics, 1-D operands included.

    A 1-D operand is promoted to a matrix (a row on the left, a column on the
    right) and the added axis is removed from the result, as NumPy does.
    """
    sa, sb = a.data.shape, b.data.shape
    if not sa or not sb:
        raise ValueError(
            f"matmul: both operands need at least one dimension; got shapes {sa} and {sb}"
        )
    inner_b = sb[0] if len(sb) == 1 else sb[-2]
    if sa[-1] != inner_b:
        raise ValueError(
            f"matmul: shapes {sa} and {sb} are not aligned: the last axis of the first "
            f"({sa[-1]}) must equal the {'only' if len(sb) == 1 else 'second-to-last'} "
            f"axis of the second ({inner_b})"
        )
    if len(sa) >= 2 and len(sb) >= 2:
        return MatMul.apply(a, b)
    out = MatMul.apply(
        a.reshape(1, sa[0]) if len(sa) == 1 else a,
        b.reshape(sb[0], 1) if len(sb) == 1 else b,
    )
    shape = out.data.shape
    if len(sa) == 1:
        shape = shape[:-2] + shape[-1:]
    if len(sb) == 1:
        shape = shape[:-1]
    return out.reshape(shape)


class Linear(Function):
    """d (x @ W^T + b) = g @ W for x, g^T x for W, sum(g) for b

    A fused primitive for speed: composed of transpose, matmul and add it
    would be three nodes per layer, each with its own bookkeeping, where the
    hand-written backward pass needs just these three products.
    """

    formula = "x @ W.T + b"

    def forward(self, x: Tensor, weight: Tensor, bias: Tensor | None = None) -> np.ndarray:
        self.save_for_backward(x, weight)
        out = x.data @ weight.data.T
        if bias is not None:
            if bias.data.dtype == out.dtype:
                out += bias.data  # in place: saves one array per layer
            else:
                out = out + bias.data
        return out

    def backward(self, g: Any) -> tuple[Any, ...]:
        x, w = self.saved
        edges = self.next_functions
        gx = None if edges[0] is None else g @ w
        if g.ndim != 2:  # stacked inputs: fold the leading axes into one
            g, x = g.reshape(-1, g.shape[-1]), x.reshape(-1, x.shape[-1])
        gw = None if edges[1] is None else g.T @ x
        if len(edges) == 2:
            return gx, gw
        return gx, gw, (None if edges[2] is None else dual.sum_over(g, 0))

    def compose(self, x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
        """The same map from other primitives (Transpose, MatMul, Add), for pictures."""
        out = x @ weight.T
        return out if bias is None else out + bias


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``x @ weight.T + bias``, the affine map of a fully connected layer.

    ``x`` has shape ``(..., in)``, ``weight`` ``(out, in)`` and ``bias``
    ``(out,)``; the result has shape ``(..., out)``.
    """
    if weight.data.ndim != 2:
        raise ValueError(
            f"linear: weight must have shape (out_features, in_features), got {weight.data.shape}"
        )
    if x.data.ndim < 1 or x.data.shape[-1] != weight.data.shape[1]:
        raise ValueError(
            f"linear: input of shape {x.data.shape} does not fit weight of shape "
            f"{weight.data.shape}: the last axis of input must be {weight.data.shape[1]} "
            "(in_features)"
        )
    if bias is None:
        return Linear.apply(x, weight)
    if bias.data.shape != (weight.data.shape[0],):
        raise ValueError(
            f"linear: bias of shape {bias.data.shape} does not fit weight of shape "
            f"{weight.data.shape}: expected ({weight.data.shape[0]},)"
        )
    return Linear.apply(x, weight, bias)


class LinalgMethods:
    """The matrix products of :class:`~autograd.Tensor`."""

    __slots__ = ()

    def __matmul__(self: Tensor, other: Any) -> Tensor:
        return matmul(self, _t._operand(other, self))

    def __rmatmul__(self: Tensor, other: Any) -> Tensor:
        return matmul(_t._operand(other, self), self)

    def matmul(self: Tensor, other: Any) -> Tensor:
        """The matrix product ``self @ other`` (NumPy's ``matmul`` rules)."""
        return matmul(self, _t._operand(other, self))
