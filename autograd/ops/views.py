"""Shape operations beyond the core: squeeze, unsqueeze, expand, repeat, flip,
roll, split, chunk, diagonal, triangles and the other rearrangements (the
joining functions of :mod:`autograd.ops.joining` and the diagonals of
:mod:`autograd.ops.diagonals` are exported here too).

Every op here is a composition of the core shape primitives (``Reshape``,
``Transpose``, ``BroadcastTo``, ``GetItem``, ``IndexAdd``, ``Concatenate``)
and ``Where``: none needs a derivative rule of its own, and each is
differentiable to any order because those are.
"""

from __future__ import annotations

import itertools
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from autograd import tensor as _t
from autograd.ops.diagonals import diag, diag_embed, diagonal, trace, tril, triu
from autograd.ops.joining import (
    atleast_1d,
    atleast_2d,
    atleast_3d,
    broadcast_tensors,
    cat,
    column_stack,
    concat,
    dstack,
    hstack,
    meshgrid,
    vstack,
)
from autograd.ops.shape import _shape_args, concatenate

if TYPE_CHECKING:
    from autograd.tensor import Tensor

__all__: list[str] = [
    "atleast_1d",
    "atleast_2d",
    "atleast_3d",
    "broadcast_tensors",
    "cat",
    "chunk",
    "clone",
    "column_stack",
    "concat",
    "diag",
    "diag_embed",
    "diagonal",
    "dstack",
    "flip",
    "fliplr",
    "flipud",
    "hstack",
    "meshgrid",
    "moveaxis",
    "movedim",
    "narrow",
    "repeat_interleave",
    "roll",
    "select",
    "split",
    "squeeze",
    "swapaxes",
    "swapdims",
    "tile",
    "trace",
    "tril",
    "triu",
    "unbind",
    "unflatten",
    "unsqueeze",
    "vstack",
]


def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, _t.Tensor) else _t.Tensor(x)


def _dims_of(dims: Any) -> tuple[int, ...]:
    if isinstance(dims, (int, np.integer)):
        return (int(dims),)
    return tuple(int(d) for d in _shape_args(tuple(dims)))


def _dim(d: int, ndim: int, op: str) -> int:
    return _t._dim(int(d), ndim, op)


def _along(ndim: int, dim: int, item: Any) -> tuple[Any, ...]:
    """An index that applies ``item`` to axis ``dim`` and keeps the others whole."""
    return (slice(None),) * dim + (item,)


# -- adding and removing size-1 dims ------------------------------------------------------


def squeeze(x: Any, dim: Any = None) -> Tensor:
    """Remove size-1 dims (all, or those of ``dim``, an int or a tuple); other dims stay."""
    x = _tensor(x)
    shape = x.data.shape
    if dim is None:
        drop = {i for i, n in enumerate(shape) if n == 1}
    else:
        drop = {_dim(d, x.data.ndim, "squeeze") for d in _dims_of(dim)}
        drop = {i for i in drop if x.data.ndim and shape[i] == 1}
    return x.reshape(tuple(n for i, n in enumerate(shape) if i not in drop))


def unsqueeze(x: Any, dim: int) -> Tensor:
    """Insert a size-1 dim at position ``dim`` (in ``[-ndim - 1, ndim]``)."""
    x = _tensor(x)
    d = _dim(dim, x.data.ndim + 1, "unsqueeze")
    shape = x.data.shape
    return x.reshape((*shape[:d], 1, *shape[d:]))


# -- broadcasting and repeating -----------------------------------------------------------


def _expand(x: Tensor, sizes: tuple[int, ...]) -> Tensor:
    shape = x.data.shape
    lead = len(sizes) - len(shape)
    if lead < 0:
        raise ValueError(
            f"expand: the number of sizes provided ({len(sizes)}) must be greater or equal "
            f"to the number of dimensions in the tensor ({len(shape)})"
        )
    target = []
    for i, n in enumerate(sizes):
        if n == -1:
            if i < lead:
                raise ValueError(f"expand: -1 is not allowed in a new leading dim (sizes {sizes})")
            n = shape[i - lead]
        elif i >= lead and shape[i - lead] not in (1, n):
            raise ValueError(
                f"expand: the expanded size of the tensor ({n}) must match the existing size "
                f"({shape[i - lead]}) at non-singleton dimension {i}; target sizes {sizes}, "
                f"tensor shape {shape}"
            )
        target.append(int(n))
    return x.broadcast_to(tuple(target))


def _repeat(x: Tensor, reps: tuple[int, ...], op: str) -> Tensor:
    """np.tile: each dim i becomes ``reps[i]`` copies of itself, by broadcasting
    a reshaped copy (no index arrays, so the gradient is a plain sum)."""
    if any(r < 0 for r in reps):
        raise ValueError(f"{op}: repeats must be non-negative, got {reps}")
    shape = (1,) * (len(reps) - x.data.ndim) + x.data.shape
    spread = tuple(v for n in shape for v in (1, n))
    target = tuple(v for r, n in zip(reps, shape) for v in (r, n))
    out = x.reshape(spread).broadcast_to(target)
    return out.reshape(tuple(r * n for r, n in zip(reps, shape)))


def tile(x: Any, dims: Any) -> Tensor:
    """Repeat the whole tensor ``dims[i]`` times along each dim (``dims`` shorter
    than the tensor's dims is padded with ones on the left, as in NumPy)."""
    x = _tensor(x)
    reps = _dims_of(dims)
    reps = (1,) * (x.data.ndim - len(reps)) + reps
    return _repeat(x, reps, "tile")


# -- reordering ---------------------------------------------------------------------------


def flip(x: Any, dims: Any) -> Tensor:
    """Reverse the order of the elements along each dim of ``dims``."""
    x = _tensor(x)
    n = x.data.ndim
    axes = {_dim(d, n, "flip") for d in _dims_of(dims)}
    if not n or not axes:
        return x.reshape(x.data.shape)
    index = tuple(slice(None, None, -1) if i in axes else slice(None) for i in range(n))
    return x[index]


def fliplr(x: Any) -> Tensor:
    """Reverse the columns (dim 1) of a tensor with at least two dims."""
    x = _tensor(x)
    if x.data.ndim < 2:
        raise ValueError(f"fliplr: input must be >= 2-d, got shape {x.data.shape}")
    return flip(x, 1)


def flipud(x: Any) -> Tensor:
    """Reverse the rows (dim 0) of a tensor with at least one dim."""
    x = _tensor(x)
    if x.data.ndim < 1:
        raise ValueError("flipud: input must be >= 1-d, got a 0-d tensor")
    return flip(x, 0)


def roll(x: Any, shifts: Any, dims: Any = None) -> Tensor:
    """Shift elements cyclically by ``shifts`` along ``dims`` (the flattened tensor
    when ``dims`` is None)."""
    x = _tensor(x)
    if dims is None:
        if not isinstance(shifts, (int, np.integer)):
            (shifts,) = _dims_of(shifts)
        return roll(x.reshape(-1), int(shifts), 0).reshape(x.data.shape)
    s, d = _dims_of(shifts), _dims_of(dims)
    if len(s) != len(d):
        raise ValueError(f"roll: shifts {shifts} and dims {dims} must have the same length")
    out = x
    for shift, dim in zip(s, d):
        dim = _dim(dim, x.data.ndim, "roll")
        n = x.data.shape[dim] if x.data.ndim else 1
        if n == 0 or shift % n == 0:
            continue
        k = shift % n
        # Two slices joined: a permutation without an index array.
        head = out[_along(x.data.ndim, dim, slice(n - k, None))]
        tail = out[_along(x.data.ndim, dim, slice(None, n - k))]
        out = concatenate([head, tail], axis=dim)
    return out if out is not x else x.reshape(x.data.shape)


def movedim(x: Any, source: Any, destination: Any) -> Tensor:
    """Move dims ``source`` to positions ``destination`` (ints or tuples); the
    others keep their order."""
    x = _tensor(x)
    n = x.data.ndim
    src = [_dim(d, n, "movedim") for d in _dims_of(source)]
    dst = [_dim(d, n, "movedim") for d in _dims_of(destination)]
    if len(src) != len(dst) or len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise ValueError(
            f"movedim: source {source} and destination {destination} must be the same number "
            "of distinct dims"
        )
    rest = iter(i for i in range(n) if i not in src)
    where = dict(zip(dst, src))
    perm = tuple(where[i] if i in where else next(rest) for i in range(n))
    return x.permute(perm)


moveaxis = movedim


def swapaxes(x: Any, axis0: int, axis1: int) -> Tensor:
    """Swap two dims (``transpose(d0, d1)``)."""
    x = _tensor(x)
    return x.transpose(int(axis0), int(axis1))


swapdims = swapaxes


# -- splitting and selecting --------------------------------------------------------------


def narrow(x: Any, dim: int, start: int, length: int) -> Tensor:
    """Elements ``start`` to ``start + length`` along ``dim``."""
    x = _tensor(x)
    if isinstance(start, _t.Tensor):  # PyTorch's overload with a 0-d integer tensor
        if start.data.ndim or start.data.dtype.kind not in "iu":
            raise TypeError(f"narrow: start must be an int or a 0-d integer tensor, got {start!r}")
        start = int(start.data)
    d = _dim(dim, x.data.ndim, "narrow")
    n = x.data.shape[d]
    if not -n <= start <= n:
        raise IndexError(f"narrow: start ({start}) is out of range for dim {dim} of size {n}")
    start %= max(n, 1)
    if length < 0 or start + length > n:
        raise ValueError(
            f"narrow: start ({start}) + length ({length}) exceeds dimension size ({n})"
        )
    return x[_along(x.data.ndim, d, slice(start, start + length))]


def select(x: Any, dim: int, index: int) -> Tensor:
    """The slice at ``index`` along ``dim``, with that dim removed."""
    x = _tensor(x)
    d = _dim(dim, x.data.ndim, "select")
    n = x.data.shape[d]
    if not -n <= index < n:
        raise IndexError(f"select: index {index} out of range for dim {dim} of size {n}")
    return x[_along(x.data.ndim, d, int(index))]


def split(x: Any, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Pieces along ``dim``: of ``split_size`` each (the last may be smaller), or of
    the sizes listed (PyTorch's meaning; NumPy's ``split`` takes a count)."""
    x = _tensor(x)
    d = _dim(dim, x.data.ndim, "split")
    n = x.data.shape[d]
    if isinstance(split_size_or_sections, (int, np.integer)):
        size = int(split_size_or_sections)
        if size <= 0 and n:
            raise ValueError(f"split: split_size must be positive, got {size}")
        sizes = [min(size, n - s) for s in range(0, n, size)] if n else [0]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != n or any(s < 0 for s in sizes):
            raise ValueError(
                f"split: split_sizes {sizes} must be non-negative and sum to the size of dim "
                f"{dim} ({n})"
            )
    bounds = np.cumsum([0, *sizes])
    return tuple(
        x[_along(x.data.ndim, d, slice(int(a), int(b)))] for a, b in itertools.pairwise(bounds)
    )


def chunk(x: Any, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """At most ``chunks`` pieces of ``ceil(size / chunks)`` along ``dim``."""
    x = _tensor(x)
    if chunks <= 0:
        raise ValueError(f"chunk: chunks must be positive, got {chunks}")
    n = x.data.shape[_dim(dim, x.data.ndim, "chunk")]
    return split(x, max(1, math.ceil(n / chunks)), dim)


def unbind(x: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """The slices along ``dim``, that dim removed from each."""
    x = _tensor(x)
    d = _dim(dim, x.data.ndim, "unbind")
    return tuple(x[_along(x.data.ndim, d, i)] for i in range(x.data.shape[d]))


def unfold(x: Any, dimension: int, size: int, step: int) -> Tensor:
    """Windows of ``size`` every ``step`` along ``dimension``: that dim becomes the
    window count and a last dim of ``size`` is added (``Tensor.unfold``)."""
    x = _tensor(x)
    if x.data.ndim == 0:
        return x.reshape(1)
    d = _dim(dimension, x.data.ndim, "unfold")
    n = x.data.shape[d]
    if size > n or size < 0:
        raise ValueError(f"unfold: size ({size}) must be <= size of dim {dimension} ({n})")
    if step <= 0:
        raise ValueError(f"unfold: step must be > 0, got {step}")
    windows = np.arange(0, n - size + 1, step)[:, None] + np.arange(size)
    return movedim(x[_along(x.data.ndim, d, windows)], d + 1, -1)


class ViewMethods:
    """Methods of :class:`~autograd.Tensor` defined with this module's functions."""

    __slots__ = ()
    data: np.ndarray

    def squeeze(self: Tensor, dim: Any = None) -> Tensor:
        """Remove size-1 dims (all, or those of ``dim``)."""
        return squeeze(self, dim)

    def unsqueeze(self: Tensor, dim: int) -> Tensor:
        """Insert a size-1 dim at ``dim``."""
        return unsqueeze(self, dim)

    def expand(self: Tensor, *sizes: Any) -> Tensor:
        """Broadcast to ``sizes`` (-1 keeps a dim; new dims go in front)."""
        return _expand(self, tuple(int(n) for n in _shape_args(sizes)))

    def expand_as(self: Tensor, other: Tensor) -> Tensor:
        """Broadcast to the shape of ``other``."""
        return _expand(self, other.shape)

    def repeat(self: Tensor, *sizes: Any) -> Tensor:
        """Tile ``sizes[i]`` copies along each dim (at least as many sizes as dims)."""
        reps = tuple(int(n) for n in _shape_args(sizes))
        if len(reps) < self.data.ndim:
            raise ValueError(
                f"repeat: number of repeat dims ({len(reps)}) can not be smaller than number "
                f"of dims of the tensor ({self.data.ndim})"
            )
        return _repeat(self, reps, "repeat")

    def tile(self: Tensor, *dims: Any) -> Tensor:
        """Repeat the tensor along each dim (NumPy's ``tile``)."""
        return tile(self, _shape_args(dims))

    def repeat_interleave(
        self: Tensor, repeats: Any, dim: int | None = None, *, output_size: int | None = None
    ) -> Tensor:
        """Repeat each element ``repeats`` times (an int, or one count per element) along
        ``dim`` (the flattened tensor when None); ``output_size``, if given, is checked
        against the length of the result."""
        out = self._repeat_interleave(repeats, dim)
        n = out.data.shape[0 if dim is None else _dim(dim, out.data.ndim, "repeat_interleave")]
        if output_size is not None and output_size != n:
            raise ValueError(
                f"repeat_interleave: output_size={output_size} but the repeats give {n}"
            )
        return out

    def _repeat_interleave(self: Tensor, repeats: Any, dim: int | None) -> Tensor:
        x = self.reshape(-1) if dim is None else self
        d = 0 if dim is None else _dim(dim, x.data.ndim, "repeat_interleave")
        if x.data.ndim == 0:
            x = x.reshape(1)
        n = x.data.shape[d]
        counts = np.asarray(repeats.data if isinstance(repeats, _t.Tensor) else repeats)
        if counts.ndim == 0 or (counts.size == 1 and n != 1):
            r = int(counts.reshape(-1)[0]) if counts.size else 0
            if r < 0:
                raise ValueError(f"repeat_interleave: repeats must be non-negative, got {r}")
            shape = x.data.shape
            out = x.reshape((*shape[: d + 1], 1, *shape[d + 1 :]))
            out = out.broadcast_to((*shape[: d + 1], r, *shape[d + 1 :]))
            return out.reshape((*shape[:d], n * r, *shape[d + 1 :]))
        if counts.shape != (n,) or counts.dtype.kind not in "iu" or (counts < 0).any():
            raise ValueError(
                f"repeat_interleave: repeats must be non-negative integers, one per element of "
                f"dim {dim} (size {n}); got {counts.tolist()}"
            )
        return x[_along(x.data.ndim, d, np.repeat(np.arange(n), counts))]

    def flip(self: Tensor, *dims: Any) -> Tensor:
        """Reverse the order along ``dims``."""
        return flip(self, _shape_args(dims))

    def fliplr(self: Tensor) -> Tensor:
        """Reverse dim 1."""
        return fliplr(self)

    def flipud(self: Tensor) -> Tensor:
        """Reverse dim 0."""
        return flipud(self)

    def roll(self: Tensor, shifts: Any, dims: Any = None) -> Tensor:
        """Shift cyclically by ``shifts`` along ``dims``."""
        return roll(self, shifts, dims)

    def split(self: Tensor, split_size: Any, dim: int = 0) -> tuple[Tensor, ...]:
        """Pieces of ``split_size`` (or of the listed sizes) along ``dim``."""
        return split(self, split_size, dim)

    def chunk(self: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        """At most ``chunks`` equal pieces along ``dim``."""
        return chunk(self, chunks, dim)

    def unbind(self: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
        """The slices along ``dim``."""
        return unbind(self, dim)

    def narrow(self: Tensor, dim: int, start: int, length: int) -> Tensor:
        """Elements ``start:start + length`` along ``dim``."""
        return narrow(self, dim, start, length)

    def select(self: Tensor, dim: int, index: int) -> Tensor:
        """The slice ``index`` along ``dim``, that dim removed."""
        return select(self, dim, index)

    def movedim(self: Tensor, source: Any, destination: Any) -> Tensor:
        """Move dims ``source`` to ``destination``."""
        return movedim(self, source, destination)

    def moveaxis(self: Tensor, source: Any, destination: Any) -> Tensor:
        """NumPy's name for :meth:`movedim`."""
        return movedim(self, source, destination)

    def swapaxes(self: Tensor, axis0: int, axis1: int) -> Tensor:
        """Swap two dims."""
        return swapaxes(self, axis0, axis1)

    def swapdims(self: Tensor, dim0: int, dim1: int) -> Tensor:
        """Swap two dims."""
        return swapaxes(self, dim0, dim1)

    def unflatten(self: Tensor, dim: int, sizes: Any) -> Tensor:
        """Split dim ``dim`` into ``sizes`` (one may be -1)."""
        d = _dim(dim, self.data.ndim, "unflatten")
        shape = self.data.shape
        return self.reshape((*shape[:d], *_dims_of(sizes), *shape[d + 1 :]))

    def view(self: Tensor, *shape: Any) -> Tensor:
        """The same elements in ``shape`` (:meth:`reshape`)."""
        return self.reshape(*shape)

    def view_as(self: Tensor, other: Tensor) -> Tensor:
        """The same elements in the shape of ``other``."""
        return self.reshape(other.shape)

    def reshape_as(self: Tensor, other: Tensor) -> Tensor:
        """The same elements in the shape of ``other``."""
        return self.reshape(other.shape)

    def diag(self: Tensor, diagonal: int = 0) -> Tensor:
        """Vector to diagonal matrix, or matrix to its diagonal."""
        return diag(self, diagonal)

    def diagonal(self: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
        """The diagonal ``offset`` over dims ``dim1``, ``dim2``."""
        return diagonal(self, offset, dim1, dim2)

    def diag_embed(self: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
        """Matrices with the last dim on their diagonal."""
        return diag_embed(self, offset, dim1, dim2)

    def tril(self: Tensor, diagonal: int = 0) -> Tensor:
        """The lower triangle."""
        return tril(self, diagonal)

    def triu(self: Tensor, diagonal: int = 0) -> Tensor:
        """The upper triangle."""
        return triu(self, diagonal)

    def trace(self: Tensor) -> Tensor:
        """The sum of the main diagonal."""
        return trace(self)

    def clone(self: Tensor) -> Tensor:
        """A copy in the graph: the gradient passes through unchanged."""
        return _clone(self)

    def contiguous(self: Tensor) -> Tensor:
        """This tensor if its data is C-contiguous, else a contiguous copy."""
        if self.data.flags.c_contiguous:
            return self
        # Flattening a non-contiguous array copies it in C order.
        return self.reshape(-1).reshape(self.data.shape)

    def unfold(self: Tensor, dimension: int, size: int, step: int) -> Tensor:
        """Windows of ``size`` every ``step`` along ``dimension``, as a last dim."""
        return unfold(self, dimension, size, step)


def _clone(x: Tensor) -> Tensor:
    from autograd.ops.elementwise import Cast

    # A cast to the same dtype copies the array and passes the gradient on
    # unchanged; -0.0, NaN and inf are kept as they are.
    return Cast.apply(x, dtype=x.data.dtype)


def clone(x: Any) -> Tensor:
    """A copy in the graph (:meth:`Tensor.clone`)."""
    return _tensor(x).clone()


def repeat_interleave(
    x: Any, repeats: Any, dim: int | None = None, *, output_size: int | None = None
) -> Tensor:
    """Repeat each element ``repeats`` times along ``dim`` (:meth:`Tensor.repeat_interleave`)."""
    return _tensor(x).repeat_interleave(repeats, dim, output_size=output_size)


def unflatten(x: Any, dim: int, sizes: Any) -> Tensor:
    """Split dim ``dim`` into ``sizes`` (:meth:`Tensor.unflatten`)."""
    return _tensor(x).unflatten(dim, sizes)
