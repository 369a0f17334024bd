"""Shape and indexing primitives: reshape, transpose, broadcast, index, join."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from autograd import tensor as _t
from autograd.function import Function
from autograd.ops.dual import index_add

if TYPE_CHECKING:
    from autograd.tensor import Tensor


__all__ = [
    "BroadcastTo",
    "Concatenate",
    "GetItem",
    "IndexAdd",
    "Reshape",
    "ShapeMethods",
    "Transpose",
    "concatenate",
    "stack",
]


class Reshape(Function):
    """d reshape(a) = reshape(g) back to the shape of a"""

    formula = "reshape(a)"

    def forward(self, a: Tensor, shape: tuple[int, ...]) -> np.ndarray:
        self.in_shape = a.data.shape
        try:
            return a.data.reshape(shape)
        except ValueError:
            raise ValueError(
                f"cannot reshape a tensor of shape {a.data.shape} ({a.data.size} elements) "
                f"into shape {tuple(shape)}"
            ) from None

    def backward(self, g: Tensor) -> Tensor:
        return g.reshape(self.in_shape)


class Transpose(Function):
    """d transpose(a, axes) = transpose(g, inverse of axes)"""

    formula = "a.T"

    def forward(self, a: Tensor, axes: tuple[int, ...]) -> np.ndarray:
        ndim = a.data.ndim
        # Negative axes are normalised first: the inverse permutation (argsort)
        # of (0, -1, 1) is not the inverse of (0, 2, 1).
        normal = tuple(int(ax) + ndim if -ndim <= ax < 0 else int(ax) for ax in axes)
        if sorted(normal) != list(range(ndim)):
            raise ValueError(
                f"axes {tuple(axes)} are not a permutation of the {ndim} axes "
                f"of a tensor of shape {a.data.shape}"
            )
        self.axes = normal
        return a.data.transpose(normal)

    def backward(self, g: Tensor) -> Tensor:
        return g.transpose(tuple(np.argsort(self.axes)))


class BroadcastTo(Function):
    """d broadcast_to(a) = g, summed back to the shape of a by the engine"""

    formula = "broadcast_to(a)"

    def forward(self, a: Tensor, shape: tuple[int, ...]) -> np.ndarray:
        return np.broadcast_to(a.data, shape)

    def backward(self, g: Tensor) -> Tensor:
        return g


def _normalise_index(index: Any) -> tuple[Any, bool]:
    """Replace Tensors and lists in an index by arrays; say whether it holds an
    integer array (whose repeated entries must accumulate in the gradient)."""
    items = index if isinstance(index, tuple) else (index,)
    out = []
    has_int_array = False
    for item in items:
        if isinstance(item, _t.Tensor):
            item = item.data
        elif isinstance(item, list):
            item = np.asarray(item)
        if isinstance(item, np.ndarray):
            if item.dtype.kind in "iu":
                has_int_array = True
            elif item.dtype != np.bool_:
                raise IndexError(
                    "only integers, slices, ellipsis, None, and integer or boolean arrays "
                    f"are valid indices; got an array of dtype {item.dtype}"
                )
        out.append(item)
    return (tuple(out) if isinstance(index, tuple) else out[0]), has_int_array


class GetItem(Function):
    """d a[index] = g scattered into zeros of a's shape (repeats accumulate)"""

    formula = "a[index]"

    def forward(self, a: Tensor, index: Any) -> np.ndarray:
        self.index, self.accumulate = _normalise_index(index)
        self.in_shape = a.data.shape
        return np.asarray(a.data[self.index])

    def backward(self, g: Tensor) -> Tensor:
        return index_add(g, self.index, self.in_shape, self.accumulate)


class IndexAdd(Function):
    """d (zeros[index] += a) = g[index]: the adjoint of GetItem"""

    formula = "zeros[index] += a"

    def forward(
        self, a: Tensor, index: Any, shape: tuple[int, ...], accumulate: bool
    ) -> np.ndarray:
        self.index = index
        out = np.zeros(shape, dtype=a.data.dtype)
        if accumulate:
            np.add.at(out, index, a.data)
        else:
            out[index] = a.data
        return out

    def backward(self, g: Tensor) -> Tensor:
        return g[self.index]


class Concatenate(Function):
    """d concatenate(a_1, ..., a_n) = the matching slices of g"""

    formula = "concatenate(a, b, ...)"

    def forward(self, *tensors: Tensor, axis: int) -> np.ndarray:
        out = np.concatenate([t.data for t in tensors], axis=axis)
        self.axis = axis % out.ndim
        self.bounds = np.cumsum([0] + [t.data.shape[self.axis] for t in tensors])
        return out

    def backward(self, g: Tensor) -> tuple[Tensor | None, ...]:
        grads: list[Tensor | None] = []
        lead = (slice(None),) * self.axis
        for i, need in enumerate(self.needs_input_grad):
            index = (*lead, slice(int(self.bounds[i]), int(self.bounds[i + 1])))
            grads.append(g[index] if need else None)
        return tuple(grads)


def _tensors(values: Any, name: str) -> list[Tensor]:
    tensors = [v if isinstance(v, _t.Tensor) else _t._make(_t._to_array(v)) for v in values]
    if not tensors:
        raise ValueError(f"{name}: expected a non-empty sequence of tensors")
    return tensors


def concatenate(tensors: Any, axis: int = 0) -> Tensor:
    """Join tensors along an existing axis (NumPy's ``concatenate``)."""
    return Concatenate.apply(*_tensors(tensors, "concatenate"), axis=axis)


def stack(tensors: Any, axis: int = 0) -> Tensor:
    """Join tensors along a new axis (NumPy's ``stack``)."""
    ts = _tensors(tensors, "stack")
    shapes = {t.data.shape for t in ts}
    if len(shapes) != 1:
        raise ValueError(f"stack: all tensors must have the same shape, got {sorted(shapes)}")
    ndim = ts[0].data.ndim + 1
    if not -ndim <= axis < ndim:
        raise np.exceptions.AxisError(f"stack: axis {axis} is out of bounds for {ndim} dimensions")
    axis %= ndim
    expanded = (*ts[0].data.shape[:axis], 1, *ts[0].data.shape[axis:])
    return Concatenate.apply(*[t.reshape(expanded) for t in ts], axis=axis)


def _shape_args(shape: tuple[Any, ...]) -> tuple[int, ...]:
    """``(2, 3)`` or ``2, 3``: both spell the shape (2, 3)."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


class ShapeMethods:
    """The shape and indexing methods of :class:`~autograd.Tensor`."""

    __slots__ = ()
    data: np.ndarray

    def reshape(self, *shape: Any) -> Tensor:
        """The same elements in ``shape`` (given as ``(2, 3)`` or ``2, 3``; one -1 is inferred)."""
        return Reshape.apply(self, shape=_shape_args(shape))

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """Merge the dims ``start_dim`` to ``end_dim`` (all by default) into one."""
        shape = self.data.shape
        if not shape:
            return Reshape.apply(self, shape=(1,))
        n = len(shape)
        start, end = start_dim % n, end_dim % n
        if start > end:
            raise ValueError(
                f"flatten: start_dim {start_dim} comes after end_dim {end_dim} for a tensor "
                f"of shape {shape}"
            )
        merged = int(np.prod(shape[start : end + 1], dtype=np.int64))
        return Reshape.apply(self, shape=(*shape[:start], merged, *shape[end + 1 :]))

    def transpose(self, *axes: Any) -> Tensor:
        """Swap two dims, or permute them.

        ``transpose()`` reverses the axes (``.T``); ``transpose(d0, d1)`` swaps
        dims ``d0`` and ``d1`` (PyTorch); ``transpose((2, 0, 1))`` or three or
        more ints permute them (NumPy), as :meth:`permute` does.
        """
        ndim = self.data.ndim
        if len(axes) == 0:
            return Transpose.apply(self, axes=tuple(range(ndim - 1, -1, -1)))
        if len(axes) == 2 and all(isinstance(a, (int, np.integer)) for a in axes):
            perm = list(range(ndim))
            d0, d1 = (_t._dim(int(a), ndim, "transpose") for a in axes)
            if ndim == 0:  # dims 0 and -1 both name the one (absent) dim, as in PyTorch
                return Transpose.apply(self, axes=())
            perm[d0], perm[d1] = perm[d1], perm[d0]
            return Transpose.apply(self, axes=tuple(perm))
        return Transpose.apply(self, axes=_shape_args(axes))

    def permute(self, *dims: Any) -> Tensor:
        """Reorder the dims: ``permute(2, 0, 1)`` or ``permute((2, 0, 1))``."""
        return Transpose.apply(self, axes=_shape_args(dims))

    @property
    def mT(self) -> Tensor:
        """The last two dims swapped (each matrix of a stack transposed)."""
        if self.data.ndim < 2:
            raise ValueError(f"mT: expected at least 2 dims, got shape {self.data.shape}")
        return self.transpose(-2, -1)

    def broadcast_to(self, *shape: Any) -> Tensor:
        """A view of ``shape``, repeating size-1 dims; the gradient is summed back."""
        return BroadcastTo.apply(self, shape=_shape_args(shape))

    def __getitem__(self, index: Any) -> Tensor:
        return GetItem.apply(self, index=index)
