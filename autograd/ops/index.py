"""Indexing by integer tensors: gather, scatter, index_select, masked_fill, take.

Most of these are composites of indexing (``GetItem``) and its adjoint
(``IndexAdd``), so their gradients follow PyTorch's: what was read gets the
gradient, and a source element written to the output gets the gradient of
the place it was written to (every duplicate index does, as in PyTorch,
whichever write won). ``scatter_reduce`` with ``prod``, ``amax`` and
``amin`` is a primitive.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from autograd import tensor as _t
from autograd.function import Function
from autograd.ops import dual as _d
from autograd.ops.reduction import _axes

if TYPE_CHECKING:
    from autograd.tensor import Tensor

__all__: list[str] = [
    "gather",
    "index_add",
    "index_copy",
    "index_fill",
    "index_select",
    "masked_fill",
    "one_hot",
    "put",
    "scatter",
    "scatter_add",
    "scatter_reduce",
    "take",
    "take_along_dim",
]


def _ints(op: str, index: Any) -> np.ndarray:
    idx = np.asarray(index.data if isinstance(index, _t.Tensor) else index)
    if idx.dtype.kind not in "iu" and not (idx.size == 0 and idx.dtype.kind == "f"):
        raise TypeError(f"{op}: the index must hold integers, got dtype {idx.dtype}")
    return idx.astype(np.intp)


def _in_range(op: str, idx: np.ndarray, n: int, negative: bool = False) -> np.ndarray:
    lo = -n if negative else 0
    if idx.size and (idx.min() < lo or idx.max() >= n):
        bad = idx[(idx < lo) | (idx >= n)].reshape(-1)[0]
        raise IndexError(
            f"{op}: index {bad} is out of range for a dim of size {n} (expected [{lo}, {n - 1}])"
        )
    return idx % n if negative and n else idx


def _dim(op: str, x: Tensor, dim: int) -> int:
    axes = _axes(int(dim), x.data.ndim)
    return axes[0] if axes else 0


def _positions(op: str, x: Tensor, dim: int, index: Any) -> tuple[int, tuple[np.ndarray, ...]]:
    """The places of ``x`` that ``gather``/``scatter`` along ``dim`` address: the
    index itself along ``dim``, and its own position along every other dim."""
    ax = _dim(op, x, dim)
    idx = _ints(op, index)
    shape = x.data.shape if x.data.ndim else (1,)
    if idx.ndim != len(shape) and not (idx.ndim == 0 and x.data.ndim == 0):
        raise ValueError(
            f"{op}: the index must have as many dims as the tensor; got index shape "
            f"{idx.shape} for a tensor of shape {x.data.shape}"
        )
    idx = idx.reshape(idx.shape or (1,))
    for d, (m, n) in enumerate(zip(idx.shape, shape)):
        if d != ax and m > n:
            raise ValueError(
                f"{op}: the index (shape {idx.shape}) is larger than the tensor "
                f"(shape {x.data.shape}) along dim {d}"
            )
    idx = _in_range(op, idx, shape[ax])
    grids = np.ogrid[tuple(slice(m) for m in idx.shape)]
    return ax, tuple(idx if d == ax else g for d, g in enumerate(grids))


def _flat(x: Tensor) -> Tensor:
    return x.reshape(1) if x.data.ndim == 0 else x


def _flat_index(op: str, x: Tensor, index: Any) -> Any:
    """A 0-d index of a 0-d tensor as the one-element vector the tensor flattens to."""
    if x.data.ndim == 0 and np.ndim(_ints(op, index)) == 0:
        return _ints(op, index).reshape(1)
    return index


def _source(op: str, x: Tensor, src: Any, block: tuple[int, ...]) -> Tensor:
    """The leading ``block`` of ``src`` (a Tensor, array or number)."""
    s = _t._operand(src, x)
    if s.data.ndim == 0:
        return s.broadcast_to(block)  # type: ignore[attr-defined]
    if s.data.ndim != len(block) or any(m > n for m, n in zip(block, s.data.shape)):
        raise ValueError(
            f"{op}: the source (shape {s.data.shape}) must be at least as large as the "
            f"index (shape {block}) in every dim"
        )
    if s.data.shape == block:
        return s
    return s[tuple(slice(m) for m in block)]


def _written(shape: tuple[int, ...], pos: tuple[np.ndarray, ...]) -> np.ndarray:
    mask = np.zeros(shape, dtype=bool)
    mask[pos] = True
    return mask


def _like(x: Tensor, out: Tensor) -> Tensor:
    return out.reshape(()) if x.data.ndim == 0 else out


class ScatterReduce(Function):
    """d scatter_reduce(a, src) = g times the product of the others (prod), or g shared
    among the elements equal to the result (amax, amin)"""

    formula = "scatter_reduce(a, src)"

    def forward(
        self, a: Tensor, src: Tensor, pos: tuple, reduce: str, include_self: bool
    ) -> np.ndarray:
        self.pos, self.reduce, self.include_self = pos, reduce, include_self
        x, s = a.data, src.data
        self.written = _written(x.shape, pos)
        ufunc = {"prod": np.multiply, "amax": np.maximum, "amin": np.minimum}[reduce]
        out = x.copy()
        if not include_self:
            identity = {"prod": 1, "amax": -np.inf, "amin": np.inf}[reduce]
            out[self.written] = identity
        with np.errstate(invalid="ignore", over="ignore"):
            ufunc.at(out, pos, s)
        self.save_for_backward(a, src)
        self.save_output(out)
        return out

    def backward(self, g: Any) -> Any:
        a, src = self.saved
        out, pos = self.output(), self.pos
        x, s, od = _d.array(a), _d.array(src), _d.array(out)
        keep = ~self.written | self.include_self
        if self.reduce == "prod":
            dt = od.dtype
            ones = _t._make(np.ones_like(x)) if isinstance(src, _t.Tensor) else np.ones_like(x)
            gx = g * _scatter_prod(ones, src, pos) * keep.astype(dt)
            base = a * keep.astype(dt) + (~keep).astype(dt)
            # A source element's gradient is the product of the others written
            # to its place (and of the tensor's own value there): a product
            # over the other sources rather than a division by the element,
            # so exact at zeros and tiny values, and smooth.
            block = s.shape
            places = np.ravel_multi_index(np.broadcast_arrays(*pos), x.shape).reshape(-1)
            m = places.size
            same = (places[:, None] == places[None, :]) & ~np.eye(m, dtype=bool)
            flat = src.reshape((1, m)) * np.ones((m, m), dtype=dt)
            others = _d.where(same, flat, np.ones((m, m), dtype=dt)).prod(axis=-1)
            return gx, g[pos] * base[pos] * others.reshape(block)
        # amax/amin: the gradient is shared among the elements equal to the
        # result, counted as PyTorch counts them.
        self_hits = x == od
        src_hits = s == od[pos]
        count = self_hits.astype(od.dtype)
        np.add.at(count, pos, src_hits)
        share = g / np.maximum(count, 1)
        return share * (self_hits & keep), share[pos] * src_hits


def _scatter_prod(base: Any, src: Any, pos: tuple) -> Any:
    if isinstance(base, _t.Tensor) or isinstance(src, _t.Tensor):
        b = base if isinstance(base, _t.Tensor) else _t._make(base)
        return ScatterReduce.apply(
            b, _t._operand(src, b), pos=pos, reduce="prod", include_self=True
        )
    out = np.array(base, copy=True)
    np.multiply.at(out, pos, src)
    return out


class IndexMethods:
    """Methods of :class:`~autograd.Tensor` defined with this module's primitives."""

    __slots__ = ()
    data: np.ndarray

    def gather(self, dim: int, index: Any) -> Tensor:
        """``out[i][j] = x[index[i][j]][j]`` along ``dim`` (the gradient scatters back)."""
        x = _flat(self)  # type: ignore[arg-type]
        scalar = self.data.ndim == 0 and np.ndim(_ints("gather", index)) == 0
        _, pos = _positions("gather", x, dim, _flat_index("gather", self, index))  # type: ignore[arg-type]
        out = x[pos]
        return out.reshape(()) if scalar else out

    def take_along_dim(self, indices: Any, dim: int | None = None) -> Tensor:
        """Elements picked along ``dim`` by ``indices`` (broadcast with the tensor
        elsewhere), or from the flattened tensor without ``dim``."""
        idx = _ints("take_along_dim", indices)
        if dim is None:
            flat = self.reshape(-1)  # type: ignore[attr-defined]
            return flat[_in_range("take_along_dim", idx.reshape(-1), flat.data.size, True)]
        x = _flat(self)  # type: ignore[arg-type]
        ax = _dim("take_along_dim", x, dim)
        if idx.ndim != x.data.ndim:
            raise ValueError(
                f"take_along_dim: indices (shape {idx.shape}) and the tensor (shape "
                f"{self.data.shape}) must have the same number of dims"
            )
        xs, ids = list(x.data.shape), list(idx.shape)
        xs[ax] = ids[ax] = 1
        common = list(np.broadcast_shapes(tuple(xs), tuple(ids)))
        xshape, ishape = list(common), list(common)
        xshape[ax], ishape[ax] = x.data.shape[ax], idx.shape[ax]
        if tuple(xshape) != x.data.shape:
            x = x.broadcast_to(tuple(xshape))  # type: ignore[attr-defined]
        idx = _in_range("take_along_dim", np.broadcast_to(idx, ishape), xshape[ax], True)
        from autograd.ops.reduction import select_along

        return select_along(x, idx, ax)

    def take(self, index: Any) -> Tensor:
        """Elements of the flattened tensor at ``index`` (the result has its shape)."""
        flat = self.reshape(-1)  # type: ignore[attr-defined]
        return flat[_in_range("take", _ints("take", index), flat.data.size, True)]

    def index_select(self, dim: int, index: Any) -> Tensor:
        """The slices along ``dim`` named by the 1-D ``index``, in its order."""
        x = _flat(self)  # type: ignore[arg-type]
        ax = _dim("index_select", x, dim)
        idx = _ints("index_select", index)
        if idx.ndim > 1:
            raise ValueError(f"index_select: the index must be 1-D, got shape {idx.shape}")
        idx = _in_range("index_select", idx.reshape(-1), x.data.shape[ax])
        out = x[(slice(None),) * ax + (idx,)]
        return _like(self, out) if idx.size == 1 else out  # type: ignore[arg-type]

    def masked_fill(self, mask: Any, value: Any) -> Tensor:
        """``value`` where the boolean ``mask`` holds (``value`` may be a 0-d tensor)."""
        m = np.asarray(mask.data if isinstance(mask, _t.Tensor) else mask)
        if m.dtype != np.bool_:
            raise TypeError(f"masked_fill: the mask must be boolean, got dtype {m.dtype}")
        if isinstance(value, _t.Tensor) and value.data.ndim:
            raise ValueError(
                f"masked_fill: the value must be a number or a 0-d tensor, got shape {value.shape}"
            )
        try:  # the result has the joint shape, as PyTorch's out-of-place masked_fill
            np.broadcast_shapes(m.shape, self.data.shape)
        except ValueError:
            raise ValueError(
                f"masked_fill: the mask (shape {m.shape}) does not broadcast with the "
                f"tensor's shape {self.data.shape}"
            ) from None
        from autograd.ops.selection import where

        return where(m, _t._operand(value, self), self)  # type: ignore[arg-type]

    def scatter(self, dim: int, index: Any, src: Any = None, *, value: Any = None) -> Tensor:
        """A copy with ``src`` (or ``value``) written at ``index`` along ``dim``."""
        if (src is None) == (value is None):
            raise TypeError("scatter: pass exactly one of src and value")
        x = _flat(self)  # type: ignore[arg-type]
        _, pos = _positions("scatter", x, dim, _flat_index("scatter", self, index))  # type: ignore[arg-type]
        block = pos_shape(pos)
        s = _source("scatter", x, src if src is not None else value, block)
        keep = ~_written(x.data.shape, pos)
        out = x * keep.astype(x.data.dtype) + _d.index_add(s, pos, x.data.shape, False)
        return _like(self, out)  # type: ignore[arg-type]

    def scatter_add(self, dim: int, index: Any, src: Any) -> Tensor:
        """A copy with ``src`` added at ``index`` along ``dim`` (repeats accumulate)."""
        x = _flat(self)  # type: ignore[arg-type]
        _, pos = _positions("scatter_add", x, dim, _flat_index("scatter_add", self, index))  # type: ignore[arg-type]
        s = _source("scatter_add", x, src, pos_shape(pos))
        return _like(self, x + _d.index_add(s, pos, x.data.shape, True))  # type: ignore[arg-type]

    def scatter_reduce(
        self, dim: int, index: Any, src: Any, reduce: str, *, include_self: bool = True
    ) -> Tensor:
        """``src`` reduced into a copy at ``index`` along ``dim``: ``reduce`` is
        ``"sum"``, ``"prod"``, ``"mean"``, ``"amax"`` or ``"amin"``; with
        ``include_self=False`` the tensor's own values at the written places are left out."""
        if reduce not in ("sum", "prod", "mean", "amax", "amin"):
            raise ValueError(
                f"scatter_reduce: reduce must be 'sum', 'prod', 'mean', 'amax' or 'amin', "
                f"got {reduce!r}"
            )
        x = _flat(self)  # type: ignore[arg-type]
        _, pos = _positions("scatter_reduce", x, dim, _flat_index("scatter_reduce", self, index))  # type: ignore[arg-type]
        s = _source("scatter_reduce", x, src, pos_shape(pos))
        if reduce in ("prod", "amax", "amin"):
            out = ScatterReduce.apply(x, s, pos=pos, reduce=reduce, include_self=include_self)
            return _like(self, out)  # type: ignore[arg-type]
        written = _written(x.data.shape, pos)
        base = x if include_self else x * (~written).astype(x.data.dtype)
        total = base + _d.index_add(s, pos, x.data.shape, True)
        if reduce == "sum":
            return _like(self, total)  # type: ignore[arg-type]
        count = np.zeros(x.data.shape, dtype=x.data.dtype)
        np.add.at(count, pos, 1)
        count += include_self | ~written
        return _like(self, total * (1 / count))  # type: ignore[arg-type]

    def index_add(self, dim: int, index: Any, source: Any, *, alpha: float = 1) -> Tensor:
        """A copy with ``alpha * source`` added at the slices ``index`` along ``dim``."""
        x, pos = _slices("index_add", self, dim, index)  # type: ignore[arg-type]
        s = _t._operand(source, x)
        added = _d.index_add(s if alpha == 1 else s * alpha, pos, x.data.shape, True)
        return _like(self, x + added)  # type: ignore[arg-type]

    def index_copy(self, dim: int, index: Any, source: Any) -> Tensor:
        """A copy with the slices ``index`` along ``dim`` replaced by ``source``'s."""
        x, pos = _slices("index_copy", self, dim, index)  # type: ignore[arg-type]
        keep = ~_written(x.data.shape, pos)
        s = _t._operand(source, x)
        return _like(
            self, x * keep.astype(x.data.dtype) + _d.index_add(s, pos, x.data.shape, False)
        )  # type: ignore[arg-type]

    def index_fill(self, dim: int, index: Any, value: Any) -> Tensor:
        """A copy with the slices ``index`` along ``dim`` set to ``value``."""
        x, pos = _slices("index_fill", self, dim, index)  # type: ignore[arg-type]
        return self.masked_fill(_written(x.data.shape, pos).reshape(self.data.shape), value)

    def put(self, index: Any, source: Any, accumulate: bool = False) -> Tensor:
        """A copy with ``source`` written (or added) at ``index`` of the flattened tensor."""
        flat = self.reshape(-1)  # type: ignore[attr-defined]
        n = flat.data.size
        idx = _in_range("put", _ints("put", index).reshape(-1), n, True)
        s = _t._operand(source, flat).reshape(-1)
        if s.data.size != idx.size:
            raise ValueError(
                f"put: source has {s.data.size} elements and index {idx.size}; they must match"
            )
        if accumulate:
            out = flat + _d.index_add(s, (idx,), (n,), True)
        else:
            keep = ~_written((n,), (idx,))
            out = flat * keep.astype(flat.data.dtype) + _d.index_add(s, (idx,), (n,), False)
        return out.reshape(self.data.shape)


def pos_shape(pos: tuple[np.ndarray, ...]) -> tuple[int, ...]:
    return tuple(np.broadcast_shapes(*[p.shape for p in pos]))


def _slices(op: str, self: Tensor, dim: int, index: Any) -> tuple[Tensor, tuple]:
    x = _flat(self)
    ax = _dim(op, x, dim)
    idx = _ints(op, index)
    if idx.ndim > 1:
        raise ValueError(f"{op}: the index must be 1-D, got shape {idx.shape}")
    idx = _in_range(op, idx.reshape(-1), x.data.shape[ax])
    return x, (slice(None),) * ax + (idx,)


def one_hot(tensor: Any, num_classes: int = -1) -> Tensor:
    """An int64 tensor with a trailing dim of ``num_classes`` (the largest class
    plus one by default), 1 at each element's class and 0 elsewhere."""
    idx = np.asarray(tensor.data if isinstance(tensor, _t.Tensor) else tensor)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"one_hot: the classes must be integers, got dtype {idx.dtype}")
    if num_classes == -1:
        if idx.size == 0:
            raise ValueError("one_hot: cannot infer the number of classes of an empty tensor")
        num_classes = int(idx.max()) + 1
    if idx.size and (idx.min() < 0 or idx.max() >= num_classes):
        raise ValueError(
            f"one_hot: classes must lie in [0, {num_classes - 1}], got values in "
            f"[{idx.min()}, {idx.max()}]"
        )
    return _t._make((idx[..., None] == np.arange(num_classes)).astype(np.int64))


def _function(name: str) -> Callable[..., Any]:
    def function(input: Any, *args: Any, **kwargs: Any) -> Any:
        x = input if isinstance(input, _t.Tensor) else _t.Tensor(input)
        return getattr(x, name)(*args, **kwargs)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"``input.{name}(...)`` for a Tensor, array or scalar ``input``."
    return function


gather = _function("gather")
index_add = _function("index_add")
index_copy = _function("index_copy")
index_fill = _function("index_fill")
index_select = _function("index_select")
masked_fill = _function("masked_fill")
put = _function("put")
scatter = _function("scatter")
scatter_add = _function("scatter_add")
scatter_reduce = _function("scatter_reduce")
take = _function("take")
take_along_dim = _function("take_along_dim")
