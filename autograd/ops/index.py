"""Indexing by integer tensors: gather, scatter, index_select, masked_fill, take."""

from __future__ import annotations

__all__: list[str] = []


class IndexMethods:
    """Methods of :class:`~autograd.Tensor` defined with this module's primitives."""

    __slots__ = ()
