"""Op-table rows for ``autograd/ops/index.py``.

Index arrays are drawn with repeats where the op accumulates them (gather,
scatter_add, index_add, take) and without where a repeated write would make
the result depend on which write wins (scatter, index_copy, put).
"""

from __future__ import annotations

from typing import Any

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np

from tests.autograd.opspec import FAR_FROM_ZERO, GRID_A, GRID_B, OpSpec
from tests.autograd.torch_refs import torch


def _t(a: np.ndarray) -> Any:
    return torch.from_numpy(np.ascontiguousarray(a, dtype=np.int64))


def block(src: Any, index: np.ndarray) -> Any:
    """The part of ``src`` the index reads: PyTorch's scatter backward fails
    for a larger source."""
    return src[tuple(slice(m) for m in index.shape)]


def shapes_1(max_dims: int, max_side: int) -> st.SearchStrategy[tuple]:
    return hnp.array_shapes(min_dims=1, max_dims=max_dims, min_side=1, max_side=max_side).map(
        lambda s: (s,)
    )


@st.composite
def gather_index(draw: Any, shape: tuple, unique: bool = False) -> tuple[int, np.ndarray]:
    """A dim and an index no larger than ``shape`` elsewhere, entries in range along dim;
    with ``unique``, no entry repeats along the dim (a permutation's prefix)."""
    ndim = len(shape)
    dim = draw(st.integers(0, ndim - 1))
    n = shape[dim]
    sides = [draw(st.integers(1, s)) for s in shape]
    if unique:
        sides[dim] = draw(st.integers(1, n))
        keys = draw(
            hnp.arrays(
                np.float64,
                tuple(s if d != dim else n for d, s in enumerate(sides)),
                elements=st.floats(0, 1),
            )
        )
        idx = np.take(np.argsort(keys, axis=dim, kind="stable"), np.arange(sides[dim]), axis=dim)
    else:
        sides[dim] = draw(st.integers(1, n + 1))
        idx = draw(hnp.arrays(np.int64, tuple(sides), elements=st.integers(0, n - 1)))
    return dim, idx


@st.composite
def gather_params(draw: Any, shapes: tuple) -> dict:
    dim, idx = draw(gather_index(shapes[0]))
    return {"dim": dim, "index": idx}


def np_gather(x: np.ndarray, dim: int, index: np.ndarray) -> np.ndarray:
    grids = np.ogrid[tuple(slice(m) for m in index.shape)]
    return x[tuple(index if d == dim else g for d, g in enumerate(grids))]


@st.composite
def scatter_shapes(draw: Any, max_dims: int, max_side: int) -> tuple:
    """The tensor's shape, and a source one larger in every dim (only the block
    the index covers is read)."""
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=max_dims, min_side=1, max_side=max_side))
    return shape, tuple(n + 1 for n in shape)


@st.composite
def scatter_params(draw: Any, shapes: tuple, unique: bool) -> dict:
    dim, idx = draw(gather_index(shapes[0], unique=unique))
    return {"dim": dim, "index": idx}


def np_scatter(x: np.ndarray, src: np.ndarray, dim: int, index: np.ndarray, add: bool) -> Any:
    out = x.copy()
    grids = np.ogrid[tuple(slice(m) for m in index.shape)]
    pos = tuple(index if d == dim else g for d, g in enumerate(grids))
    block = src[tuple(slice(m) for m in index.shape)]
    if add:
        np.add.at(out, pos, block)
    else:
        out[pos] = block
    return out


def np_scatter_reduce(x, src, dim, index, reduce, include_self):  # type: ignore[no-untyped-def]
    grids = np.ogrid[tuple(slice(m) for m in index.shape)]
    pos = tuple(index if d == dim else g for d, g in enumerate(grids))
    block = src[tuple(slice(m) for m in index.shape)]
    written = np.zeros(x.shape, dtype=bool)
    written[pos] = True
    count = np.zeros(x.shape)
    np.add.at(count, pos, 1)
    out = x.copy()
    if not include_self:
        out[written] = {"sum": 0, "mean": 0, "prod": 1, "amax": -np.inf, "amin": np.inf}[reduce]
    ufunc = {
        "sum": np.add,
        "mean": np.add,
        "prod": np.multiply,
        "amax": np.maximum,
        "amin": np.minimum,
    }[reduce]
    ufunc.at(out, pos, block)
    if reduce == "mean":
        out = out / (count + (include_self | ~written))
    return out


@st.composite
def reduce_params(draw: Any, shapes: tuple, reduces: tuple[str, ...]) -> dict:
    dim, idx = draw(gather_index(shapes[0]))
    return {
        "dim": dim,
        "index": idx,
        "reduce": draw(st.sampled_from(reduces)),
        "include_self": draw(st.booleans()),
    }


@st.composite
def slices_shapes(draw: Any, max_dims: int, max_side: int) -> tuple:
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=max_dims, min_side=1, max_side=max_side))
    dim = draw(st.integers(0, len(shape) - 1))
    m = draw(st.integers(1, shape[dim]))
    src = list(shape)
    src[dim] = m
    return shape, tuple(src)


def _slice_dim(x_shape: tuple, src_shape: tuple) -> int:
    diff = [d for d, (a, b) in enumerate(zip(x_shape, src_shape)) if a != b]
    return diff[0] if diff else 0


@st.composite
def slices_params(draw: Any, shapes: tuple, unique: bool) -> dict:
    dim = _slice_dim(*shapes)
    n, m = shapes[0][dim], shapes[1][dim]
    if unique:
        idx = np.array(draw(st.permutations(range(n)))[:m], dtype=np.int64)
    else:
        idx = draw(hnp.arrays(np.int64, (m,), elements=st.integers(0, n - 1)))
    return {"dim": dim, "index": idx}


def np_index_add(x: np.ndarray, src: np.ndarray, dim: int, index: np.ndarray) -> np.ndarray:
    out = x.copy()
    np.add.at(out, (slice(None),) * dim + (index,), src)
    return out


def np_index_copy(x: np.ndarray, src: np.ndarray, dim: int, index: np.ndarray) -> np.ndarray:
    out = x.copy()
    out[(slice(None),) * (dim % x.ndim) + (index,)] = src
    return out


@st.composite
def take_params(draw: Any, shapes: tuple) -> dict:
    n = int(np.prod(shapes[0]))
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=3))
    return {"index": draw(hnp.arrays(np.int64, shape, elements=st.integers(-n, n - 1)))}


@st.composite
def take_along_params(draw: Any, shapes: tuple) -> dict:
    shape = shapes[0]
    if not shape or draw(st.booleans()):
        return draw(take_params(shapes))
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    n = shape[dim]
    sides = [draw(st.sampled_from([1, s])) for s in shape]
    sides[dim] = draw(st.integers(1, 3))
    idx = draw(hnp.arrays(np.int64, tuple(sides), elements=st.integers(-n, n - 1)))
    return {"index": idx, "dim": dim}


def np_take_along(x: np.ndarray, index: np.ndarray, dim: Any = None) -> np.ndarray:
    if dim is None:
        return x.reshape(-1)[index.reshape(-1)]
    xs, ids = list(x.shape), list(index.shape)
    xs[dim] = ids[dim] = 1
    shape = list(np.broadcast_shapes(tuple(xs), tuple(ids)))
    xs, ids = list(shape), list(shape)
    xs[dim], ids[dim] = x.shape[dim], index.shape[dim]
    return np.take_along_axis(np.broadcast_to(x, xs), np.broadcast_to(index, ids), dim)


def t_take_along(x: Any, index: np.ndarray, dim: Any = None) -> Any:
    if dim is None:
        return torch.take_along_dim(x, _t(index % x.numel()).reshape(-1))
    return torch.take_along_dim(x, _t(index % x.shape[dim]), dim)


@st.composite
def select_params(draw: Any, shapes: tuple) -> dict:
    shape = shapes[0]
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    idx = draw(hnp.arrays(np.int64, st.integers(1, 4), elements=st.integers(0, shape[dim] - 1)))
    return {"dim": dim, "index": idx}


@st.composite
def fill_params(draw: Any, shapes: tuple) -> dict:
    shape = shapes[0]
    k = draw(st.integers(0, len(shape)))
    tail = tuple(n if draw(st.booleans()) else 1 for n in shape[len(shape) - k :])
    return {"mask": draw(hnp.arrays(np.bool_, tail)), "value": draw(st.sampled_from([-1.5, 0.0]))}


def value_shapes(max_dims: int, max_side: int) -> st.SearchStrategy[tuple]:
    return hnp.array_shapes(min_dims=0, max_dims=max_dims, max_side=max_side).map(lambda s: (s, ()))


@st.composite
def fill_tensor_params(draw: Any, shapes: tuple) -> dict:
    return {"mask": draw(hnp.arrays(np.bool_, shapes[0]))}


@st.composite
def put_shapes(draw: Any, max_dims: int, max_side: int) -> tuple:
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=max_dims, max_side=max_side))
    n = int(np.prod(shape))
    return shape, (draw(st.integers(1, n)),)


@st.composite
def put_params(draw: Any, shapes: tuple) -> dict:
    n, m = int(np.prod(shapes[0])), shapes[1][0]
    accumulate = draw(st.booleans())
    if accumulate:
        idx = draw(hnp.arrays(np.int64, (m,), elements=st.integers(-n, n - 1)))
    else:
        idx = np.array(draw(st.permutations(range(n)))[:m], dtype=np.int64)
    return {"index": idx, "accumulate": accumulate}


def np_put(x: np.ndarray, src: np.ndarray, index: np.ndarray, accumulate: bool) -> np.ndarray:
    out = x.copy().reshape(-1)
    if accumulate:
        np.add.at(out, index, src)
    else:
        out[index] = src
    return out.reshape(x.shape)


ROWS: list[OpSpec] = [
    OpSpec(
        "gather",
        lambda x, dim, index: x.gather(dim, index),
        np_gather,
        1,
        "single",
        min_dims=1,
        params=gather_params,
        api=("gather",),
        torch=lambda x, dim, index: torch.gather(x, dim, _t(index)),
    ),
    OpSpec(
        "scatter",
        lambda x, s, dim, index: x.scatter(dim, index, s),
        lambda x, s, dim, index: np_scatter(x, s, dim, index, False),
        2,
        "custom",
        shapes=scatter_shapes,
        params=lambda shapes: scatter_params(shapes, True),
        api=("scatter",),
        torch=lambda x, s, dim, index: x.scatter(dim, _t(index), block(s, index)),
    ),
    OpSpec(
        "scatter_add",
        lambda x, s, dim, index: x.scatter_add(dim, index, s),
        lambda x, s, dim, index: np_scatter(x, s, dim, index, True),
        2,
        "custom",
        shapes=scatter_shapes,
        params=lambda shapes: scatter_params(shapes, False),
        api=("scatter_add",),
        torch=lambda x, s, dim, index: x.scatter_add(dim, _t(index), block(s, index)),
    ),
    OpSpec(
        "scatter_reduce",
        lambda x, s, **p: x.scatter_reduce(
            p["dim"], p["index"], s, p["reduce"], include_self=p["include_self"]
        ),
        lambda x, s, **p: np_scatter_reduce(x, s, **p),
        2,
        "custom",
        # Away from zero: PyTorch's prod rule divides by the elements.
        domains=(FAR_FROM_ZERO,),
        shapes=scatter_shapes,
        params=lambda shapes: reduce_params(shapes, ("sum", "mean", "prod")),
        api=("scatter_reduce",),
        torch=lambda x, s, **p: x.scatter_reduce(
            p["dim"],
            _t(p["index"]),
            block(s, p["index"]),
            p["reduce"],
            include_self=p["include_self"],
        ),
    ),
    OpSpec(
        "scatter_reduce_extremes",
        lambda x, s, **p: x.scatter_reduce(
            p["dim"], p["index"], s, p["reduce"], include_self=p["include_self"]
        ),
        lambda x, s, **p: np_scatter_reduce(x, s, **p),
        2,
        "custom",
        domains=(GRID_A, GRID_B),
        unique=True,
        smooth=False,
        shapes=scatter_shapes,
        params=lambda shapes: reduce_params(shapes, ("amax", "amin")),
        api=("scatter_reduce",),
        torch=lambda x, s, **p: x.scatter_reduce(
            p["dim"],
            _t(p["index"]),
            block(s, p["index"]),
            p["reduce"],
            include_self=p["include_self"],
        ),
    ),
    OpSpec(
        "index_select",
        lambda x, dim, index: x.index_select(dim, index),
        lambda x, dim, index: np.take(x, index, axis=dim),
        1,
        "single",
        min_dims=1,
        params=select_params,
        api=("index_select",),
        torch=lambda x, dim, index: torch.index_select(x, dim, _t(index)),
    ),
    OpSpec(
        "index_add",
        lambda x, s, dim, index: x.index_add(dim, index, s, alpha=1.5),
        lambda x, s, dim, index: np_index_add(x, 1.5 * s, dim, index),
        2,
        "custom",
        shapes=slices_shapes,
        params=lambda shapes: slices_params(shapes, False),
        api=("index_add",),
        torch=lambda x, s, dim, index: x.index_add(dim, _t(index), s, alpha=1.5),
    ),
    OpSpec(
        "index_copy",
        lambda x, s, dim, index: x.index_copy(dim, index, s),
        np_index_copy,
        2,
        "custom",
        shapes=slices_shapes,
        params=lambda shapes: slices_params(shapes, True),
        api=("index_copy",),
        torch=lambda x, s, dim, index: x.index_copy(dim, _t(index), s),
    ),
    OpSpec(
        "index_fill",
        lambda x, dim, index: x.index_fill(dim, index, -2.0),
        lambda x, dim, index: np_index_copy(x, np.array(-2.0), dim, index),
        1,
        "single",
        min_dims=1,
        params=select_params,
        api=("index_fill",),
        torch=lambda x, dim, index: x.index_fill(dim, _t(index), -2.0),
    ),
    OpSpec(
        "masked_fill",
        lambda x, mask, value: x.masked_fill(mask, value),
        lambda x, mask, value: np.where(mask, value, x),
        1,
        "single",
        params=fill_params,
        api=("masked_fill",),
        torch=lambda x, mask, value: x.masked_fill(torch.from_numpy(mask), value),
    ),
    OpSpec(
        "masked_fill_tensor_value",
        lambda x, v, mask: x.masked_fill(mask, v),
        lambda x, v, mask: np.where(mask, v, x),
        2,
        "custom",
        shapes=value_shapes,
        params=fill_tensor_params,
        api=("masked_fill",),
        torch=lambda x, v, mask: x.masked_fill(torch.from_numpy(mask), v),
    ),
    OpSpec(
        "take",
        lambda x, index: x.take(index),
        lambda x, index: x.reshape(-1)[index],
        1,
        "single",
        params=take_params,
        api=("take",),
        torch=lambda x, index: torch.take(x, _t(index)).reshape(index.shape),
    ),
    OpSpec(
        "take_along_dim",
        lambda x, **p: x.take_along_dim(p["index"], p.get("dim")),
        np_take_along,
        1,
        "single",
        params=take_along_params,
        api=("take_along_dim",),
        torch=t_take_along,
    ),
    OpSpec(
        "put",
        lambda x, s, index, accumulate: x.put(index, s, accumulate=accumulate),
        np_put,
        2,
        "custom",
        shapes=put_shapes,
        params=put_params,
        api=("put",),
        torch=lambda x, s, index, accumulate: x.put(_t(index), s, accumulate=accumulate),
    ),
]
