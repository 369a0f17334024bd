"""Products beyond matmul: mm, bmm, mv, dot, outer, inner, addmm, einsum,
tensordot, kron, cross."""

from __future__ import annotations

__all__: list[str] = []


class ProductMethods:
    """Methods of :class:`~autograd.Tensor` defined with this module's primitives."""

    __slots__ = ()
