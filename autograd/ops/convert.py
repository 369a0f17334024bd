"""dtype conversions: float, double, half, int, long, bool and to(dtype)."""

from __future__ import annotations

__all__: list[str] = []


class ConvertMethods:
    """Methods of :class:`~autograd.Tensor` defined with this module's primitives."""

    __slots__ = ()
