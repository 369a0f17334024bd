"""Elementwise math beyond the core: trigonometric, hyperbolic, exponential and
logarithmic functions, rounding, remainders, logic and bit operations."""

from __future__ import annotations

__all__: list[str] = []


class PointwiseMethods:
    """Methods of :class:`~autograd.Tensor` defined with this module's primitives."""

    __slots__ = ()
