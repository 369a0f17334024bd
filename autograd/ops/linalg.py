"""Matrix multiplication."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.function import Function
from autograd.tensor import Tensor


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
