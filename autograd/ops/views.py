"""Shape operations beyond the core: squeeze, unsqueeze, expand, repeat, flip,
roll, split, chunk, diagonal, triangles and the other rearrangements."""

from __future__ import annotations

__all__: list[str] = []


class ViewMethods:
    """Methods of :class:`~autograd.Tensor` defined with this module's primitives."""

    __slots__ = ()
