"""Shape and indexing primitives: reshape, transpose, broadcast, index, join."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.function import Function
from autograd.ops.dual import index_add
from autograd.tensor import Tensor, _make, _to_array


class Reshape(Function):
    """d reshape(a) = reshape(g) back to the shape of a"""

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
        if isinstance(item, Tensor):
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

    def forward(self, a: Tensor, index: Any) -> np.ndarray:
        self.index, self.accumulate = _normalise_index(index)
        self.in_shape = a.data.shape
        return np.asarray(a.data[self.index])

    def backward(self, g: Tensor) -> Tensor:
        return index_add(g, self.index, self.in_shape, self.accumulate)


class IndexAdd(Function):
    """d (zeros[index] += a) = g[index]: the adjoint of GetItem"""

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
    tensors = [v if isinstance(v, Tensor) else _make(_to_array(v)) for v in values]
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
