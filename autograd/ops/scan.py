"""Reductions and scans beyond the core: prod, var, std, norm, arg-reductions,
cumulative sums and products, medians, NaN-ignoring reductions."""

from __future__ import annotations

__all__: list[str] = []


class ScanMethods:
    """Methods of :class:`~autograd.Tensor` defined with this module's primitives."""

    __slots__ = ()
