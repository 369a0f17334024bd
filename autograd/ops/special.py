"""Special functions: erf, erfinv, lgamma, digamma."""

from __future__ import annotations

__all__: list[str] = []


class SpecialMethods:
    """Methods of :class:`~autograd.Tensor` defined with this module's primitives."""

    __slots__ = ()
