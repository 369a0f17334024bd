"""In-place operations (``add_``, ``zero_``, ``x[idx] = v``, ...)."""

from __future__ import annotations

__all__: list[str] = []


class InplaceMethods:
    """Methods of :class:`~autograd.Tensor` defined with this module's primitives."""

    __slots__ = ()
