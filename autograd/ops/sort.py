"""Sorting and selection: sort, argsort, topk, kthvalue, nonzero, masked_select."""

from __future__ import annotations

__all__: list[str] = []


class SortMethods:
    """Methods of :class:`~autograd.Tensor` defined with this module's primitives."""

    __slots__ = ()
