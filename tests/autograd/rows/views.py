"""Op-table rows for ``autograd/ops/views.py``.

Every op of the group is a composition of the core shape primitives, so the
rows check values, gradient routing (which element's gradient lands where)
and second derivatives through them. Ops that return several tensors
(split, chunk, unbind, meshgrid, broadcast_tensors) are joined again with a
different weight per piece, so that a piece's gradient sent to the wrong
place is caught.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np

import autograd as ag
from tests.autograd.opspec import OpSpec
from tests.autograd.torch_refs import torch


def _row(name: str, op: Callable, ref: Callable, torch_ref: Any, **kw: Any) -> OpSpec:
    """A single-input row; ``torch_ref`` takes the torch tensor and the params."""
    return OpSpec(name, op, ref, 1, "single", torch=torch_ref, **kw)


def _dim(ndim: int, extra: int = 0) -> st.SearchStrategy[int]:
    return st.integers(-ndim - extra, ndim - 1 + extra)


def _fixed(**strategies: Callable[[tuple], st.SearchStrategy]) -> Callable:
    """``params``: each argument's strategy drawn from the input's shape."""

    def params(shapes: tuple) -> st.SearchStrategy[dict]:
        return st.fixed_dictionaries({k: f(shapes[0]) for k, f in strategies.items()})

    return params


def _weights(n: int) -> list[float]:
    return [1.0 + 0.5 * i for i in range(n)]


def _joined(pieces: Any, axis: int, join: Callable) -> Any:
    return join([p * w for p, w in zip(pieces, _weights(len(pieces)))], axis)


def _np_cat(ps: list, axis: int) -> np.ndarray:
    return np.concatenate(ps, axis)


def _t_cat(ps: list, axis: int) -> Any:
    return torch.cat(ps, axis)


def _np_squeeze(x: np.ndarray, dim: Any = None) -> np.ndarray:
    if dim is None:
        return np.squeeze(x)
    dims = (dim,) if isinstance(dim, int) else dim
    axes = tuple(d % max(x.ndim, 1) for d in dims if x.ndim and x.shape[d] == 1)
    return np.squeeze(x, axes) if x.ndim else x


def _squeeze_params(shape: tuple) -> st.SearchStrategy[dict]:
    n = len(shape)
    opts = [st.just({})]
    if n:
        opts.append(st.fixed_dictionaries({"dim": _dim(n)}))
        opts.append(st.fixed_dictionaries({"dim": hnp.valid_tuple_axes(n, min_size=1)}))
    return st.one_of(*opts)


@st.composite
def _expand_params(draw: Any, shapes: tuple) -> dict:
    (shape,) = shapes
    lead = draw(st.lists(st.integers(1, 3), max_size=1))
    sides = [draw(st.integers(1, 3)) if n == 1 else draw(st.sampled_from([n, -1])) for n in shape]
    return {"sizes": (*lead, *sides)}


def _np_expand(x: np.ndarray, sizes: tuple) -> np.ndarray:
    lead = len(sizes) - x.ndim
    target = tuple(x.shape[i - lead] if s == -1 else s for i, s in enumerate(sizes))
    return np.broadcast_to(x, target)


def _reps(shape: tuple, extra: int = 1, lo: int | None = None) -> st.SearchStrategy:
    n = len(shape)
    return st.lists(st.integers(1, 2), min_size=n if lo is None else lo, max_size=n + extra).map(
        tuple
    )


@st.composite
def _interleave_params(draw: Any, shapes: tuple) -> dict:
    (shape,) = shapes
    dim = draw(st.none() | _dim(len(shape))) if shape else None
    n = math.prod(shape) if dim is None else shape[dim]
    if draw(st.booleans()):
        return {"repeats": draw(st.integers(0, 2)), "dim": dim}
    counts = draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, 2)))
    return {"repeats": counts, "dim": dim}


def _np_interleave(x: np.ndarray, repeats: Any, dim: Any) -> np.ndarray:
    return np.repeat(x.reshape(-1) if dim is None else x, repeats, axis=0 if dim is None else dim)


def _t_interleave(x: Any, repeats: Any, dim: Any) -> Any:
    r = repeats if isinstance(repeats, int) else torch.from_numpy(repeats)
    return torch.repeat_interleave(x, r, dim)


@st.composite
def _roll_params(draw: Any, shapes: tuple) -> dict:
    (shape,) = shapes
    if not shape or draw(st.booleans()):
        return {"shifts": draw(st.integers(-4, 4)), "dims": None}
    dims = draw(hnp.valid_tuple_axes(len(shape), min_size=1))
    shifts = tuple(draw(st.integers(-4, 4)) for _ in dims)
    return {"shifts": shifts, "dims": dims}


def _split_params(shape: tuple) -> st.SearchStrategy[dict]:
    return st.integers(0, len(shape) - 1).flatmap(
        lambda d: st.fixed_dictionaries(
            {
                "dim": st.just(d),
                "size": st.one_of(
                    st.integers(1, 3),
                    st.lists(st.integers(0, 3), min_size=1, max_size=3).filter(
                        lambda s: sum(s) == shape[d]
                    )
                    | st.just([shape[d]]),
                ),
            }
        )
    )


def _np_split(x: np.ndarray, size: Any, dim: int) -> list[np.ndarray]:
    n = x.shape[dim]
    sizes = [min(size, n - s) for s in range(0, n, size)] if isinstance(size, int) else size
    return np.split(x, np.cumsum(sizes)[:-1], axis=dim)


@st.composite
def _narrow_params(draw: Any, shapes: tuple) -> dict:
    (shape,) = shapes
    d = draw(_dim(len(shape)))
    n = shape[d]
    start = draw(st.integers(0, n))
    return {"dim": d, "start": start, "length": draw(st.integers(0, n - start))}


@st.composite
def _select_params(draw: Any, shapes: tuple) -> dict:
    (shape,) = shapes
    d = draw(_dim(len(shape)))
    return {"dim": d, "index": draw(st.integers(-shape[d], shape[d] - 1))}


@st.composite
def _movedim_params(draw: Any, shapes: tuple) -> dict:
    n = len(shapes[0])
    k = draw(st.integers(1, n))
    src = draw(st.permutations(range(n)))[:k]
    dst = draw(st.permutations(range(-n, 0)))[:k]
    return {"source": tuple(src), "destination": tuple(dst)}


@st.composite
def _unflatten_params(draw: Any, shapes: tuple) -> dict:
    (shape,) = shapes
    d = draw(_dim(len(shape)))
    n = shape[d]
    a = draw(st.sampled_from([k for k in range(1, n + 1) if n % k == 0]))
    sizes = [a, n // a]
    if draw(st.booleans()):
        sizes[draw(st.integers(0, 1))] = -1
    return {"dim": d, "sizes": tuple(sizes)}


@st.composite
def _diagonal_params(draw: Any, shapes: tuple) -> dict:
    n = len(shapes[0])
    d1, d2 = draw(st.permutations(range(n)))[:2]
    return {"offset": draw(st.integers(-2, 2)), "dim1": d1, "dim2": d2 - n}


@st.composite
def _diag_embed_params(draw: Any, shapes: tuple) -> dict:
    n = len(shapes[0]) + 1
    d1, d2 = draw(st.permutations(range(n)))[:2]
    return {"offset": draw(st.integers(-2, 2)), "dim1": d1, "dim2": d2}


@st.composite
def _unfold_params(draw: Any, shapes: tuple) -> dict:
    (shape,) = shapes
    d = draw(_dim(len(shape)))
    size = draw(st.integers(0, shape[d]))
    return {"dimension": d, "size": size, "step": draw(st.integers(1, 3))}


def _np_unfold(x: np.ndarray, dimension: int, size: int, step: int) -> np.ndarray:
    w = np.lib.stride_tricks.sliding_window_view(x, size, axis=dimension)
    index = [slice(None)] * w.ndim
    index[dimension % x.ndim] = slice(None, None, step)
    return w[tuple(index)]


@st.composite
def _stack_shapes(draw: Any, max_dims: int, max_side: int, fixed: int | None = None) -> tuple:
    """Two shapes for hstack/vstack/dstack/column_stack: equal but for dim ``fixed``
    (the joined one), or both 1-D or 0-d (the promotion rules)."""
    ndim = draw(st.integers(0, max_dims)) if fixed is None else fixed
    base = draw(hnp.array_shapes(min_dims=ndim, max_dims=ndim, max_side=max_side))
    return base, base


def _stack_row(name: str, fn: Any, np_fn: Any, t_fn: Any, dims: tuple[int, ...]) -> OpSpec:
    return OpSpec(
        name,
        lambda a, b: fn([a, b * 2.0]),
        lambda a, b: np_fn([a, b * 2.0]),
        2,
        "custom",
        shapes=lambda md, ms: st.sampled_from(dims).flatmap(
            lambda n: _stack_shapes(md, ms, fixed=n)
        ),
        api=(name,),
        torch=lambda a, b: t_fn([a, b * 2.0]),
    )


def _np_diag_embed(x: np.ndarray, offset: int, dim1: int, dim2: int) -> np.ndarray:
    side = x.shape[-1] + abs(offset)
    out = np.zeros((*x.shape[:-1], side, side))
    i = np.arange(x.shape[-1])
    r, c = (i, i + offset) if offset >= 0 else (i - offset, i)
    out[..., r, c] = x
    return np.moveaxis(out, (-2, -1), (dim1, dim2))


def _np_meshgrid(a: np.ndarray, b: np.ndarray, indexing: str) -> np.ndarray:
    ga, gb = np.meshgrid(a, b, indexing=indexing)
    return ga + 2.0 * gb


ROWS: list[OpSpec] = [
    _row(
        "squeeze",
        lambda x, **p: x.squeeze(**p),
        _np_squeeze,
        lambda x, **p: x.squeeze(*p.values()) * 1.0,
        params=lambda s: _squeeze_params(s[0]),
        api=("squeeze",),
    ),
    _row(
        "unsqueeze",
        lambda x, dim: ag.unsqueeze(x, dim),
        lambda x, dim: np.expand_dims(x, dim),
        lambda x, dim: x.unsqueeze(dim) * 1.0,
        params=_fixed(dim=lambda s: _dim(len(s) + 1)),
        api=("unsqueeze",),
    ),
    _row(
        "expand",
        lambda x, sizes: x.expand(*sizes),
        _np_expand,
        lambda x, sizes: x.expand(tuple(sizes)) * 1.0,
        params=_expand_params,
        api=("expand",),
    ),
    _row(
        "expand_as",
        lambda x, sizes: x.expand_as(ag.zeros(_np_expand(np.zeros(x.shape), sizes).shape)),
        _np_expand,
        lambda x, sizes: x.expand_as(torch.zeros(_np_expand(np.zeros(x.shape), sizes).shape)),
        params=_expand_params,
        api=("expand_as",),
    ),
    _row(
        "repeat",
        lambda x, reps: x.repeat(tuple(reps)),
        lambda x, reps: np.tile(x, reps),
        lambda x, reps: x.repeat(tuple(reps)),
        params=_fixed(reps=_reps),
        api=("repeat",),
    ),
    _row(
        "tile",
        lambda x, reps: ag.tile(x, reps),
        lambda x, reps: np.tile(x, reps),
        lambda x, reps: torch.tile(x, reps),
        params=_fixed(reps=lambda s: _reps(s, 1, 0)),
        api=("tile",),
    ),
    _row(
        "repeat_interleave",
        lambda x, repeats, dim: x.repeat_interleave(repeats, dim),
        _np_interleave,
        _t_interleave,
        params=_interleave_params,
        api=("repeat_interleave",),
    ),
    _row(
        "flip",
        lambda x, dims: x.flip(*dims) if dims else ag.flip(x, dims),
        lambda x, dims: np.flip(x, dims) if dims else x,
        lambda x, dims: torch.flip(x, dims) * 1.0,
        params=_fixed(dims=lambda s: hnp.valid_tuple_axes(len(s))),
        api=("flip",),
    ),
    _row(
        "fliplr_flipud",
        lambda x: ag.fliplr(x) * 2.0 + ag.flipud(x),
        lambda x: np.fliplr(x) * 2.0 + np.flipud(x),
        lambda x: torch.fliplr(x) * 2.0 + torch.flipud(x),
        min_dims=2,
        api=("fliplr", "flipud"),
    ),
    _row(
        "roll",
        lambda x, shifts, dims: x.roll(shifts, dims),
        lambda x, shifts, dims: np.roll(x, shifts, dims),
        lambda x, shifts, dims: torch.roll(x, shifts, dims) * 1.0,
        params=_roll_params,
        api=("roll",),
    ),
    _row(
        "split",
        lambda x, size, dim: _joined(x.split(size, dim), dim, ag.cat),
        lambda x, size, dim: _joined(_np_split(x, size, dim), dim, _np_cat),
        lambda x, size, dim: _joined(torch.split(x, size, dim), dim, _t_cat),
        params=lambda s: _split_params(s[0]),
        min_dims=1,
        api=("split", "cat"),
    ),
    _row(
        "chunk",
        lambda x, chunks, dim: _joined(x.chunk(chunks, dim), dim, ag.concat),
        lambda x, chunks, dim: _joined(
            _np_split(x, max(1, math.ceil(x.shape[dim] / chunks)), dim), dim, _np_cat
        ),
        lambda x, chunks, dim: _joined(torch.chunk(x, chunks, dim), dim, _t_cat),
        params=lambda s: st.fixed_dictionaries(
            {"chunks": st.integers(1, 4), "dim": st.integers(0, len(s[0]) - 1)}
        ),
        min_dims=1,
        api=("chunk",),
    ),
    _row(
        "unbind",
        lambda x, dim: _joined(x.unbind(dim), dim, ag.stack),
        lambda x, dim: _joined(list(np.moveaxis(x, dim, 0)), dim, np.stack),
        lambda x, dim: _joined(torch.unbind(x, dim), dim, torch.stack),
        params=_fixed(dim=lambda s: _dim(len(s))),
        min_dims=1,
        api=("unbind",),
    ),
    _row(
        "narrow",
        lambda x, dim, start, length: x.narrow(dim, start, length),
        lambda x, dim, start, length: np.take(x, range(start, start + length), axis=dim),
        lambda x, dim, start, length: x.narrow(dim, start, length) * 1.0,
        params=_narrow_params,
        min_dims=1,
        api=("narrow",),
    ),
    _row(
        "select",
        lambda x, dim, index: x.select(dim, index),
        lambda x, dim, index: np.take(x, index, axis=dim),
        lambda x, dim, index: x.select(dim, index) * 1.0,
        params=_select_params,
        min_dims=1,
        api=("select",),
    ),
    _row(
        "movedim",
        lambda x, source, destination: x.movedim(source, destination),
        np.moveaxis,
        lambda x, source, destination: torch.movedim(x, source, destination) * 1.0,
        params=_movedim_params,
        min_dims=1,
        api=("movedim", "moveaxis"),
    ),
    _row(
        "swapaxes",
        lambda x, d0, d1: ag.swapaxes(x, d0, d1) + x.swapdims(d1, d0),
        lambda x, d0, d1: 2.0 * np.swapaxes(x, d0, d1),
        lambda x, d0, d1: torch.swapaxes(x, d0, d1) + torch.swapdims(x, d1, d0),
        params=lambda s: st.fixed_dictionaries({"d0": _dim(len(s[0])), "d1": _dim(len(s[0]))}),
        min_dims=1,
        api=("swapaxes", "swapdims"),
    ),
    _row(
        "unflatten",
        lambda x, dim, sizes: x.unflatten(dim, sizes),
        lambda x, dim, sizes: x.reshape(
            (*x.shape[: dim % x.ndim], *sizes, *x.shape[dim % x.ndim + 1 :])
        ),
        lambda x, dim, sizes: x.unflatten(dim, sizes) * 1.0,
        params=_unflatten_params,
        min_dims=1,
        api=("unflatten",),
    ),
    _row(
        "view_reshape_as",
        lambda x: x.view(-1).view_as(x.T) + x.reshape_as(x.T) * 2.0,
        lambda x: x.reshape(-1).reshape(x.T.shape) * 3.0,
        lambda x: x.reshape(-1).view_as(_rev(x)) + x.reshape_as(_rev(x)) * 2.0,
        api=("view", "view_as", "reshape_as"),
    ),
    _row(
        "atleast",
        lambda x: ag.atleast_1d(x).sum() + ag.atleast_2d(x) * ag.atleast_3d(x).sum(),
        lambda x: np.atleast_1d(x).sum() + np.atleast_2d(x) * np.atleast_3d(x).sum(),
        lambda x: torch.atleast_1d(x).sum() + torch.atleast_2d(x) * torch.atleast_3d(x).sum(),
        api=("atleast_1d", "atleast_2d", "atleast_3d"),
    ),
    _stack_row("hstack", ag.hstack, np.hstack, torch.hstack if torch else None, (1, 2, 3)),
    _stack_row("vstack", ag.vstack, np.vstack, torch.vstack if torch else None, (0, 1, 2, 3)),
    _stack_row("dstack", ag.dstack, np.dstack, torch.dstack if torch else None, (0, 1, 2, 3)),
    _stack_row(
        "column_stack",
        ag.column_stack,
        np.column_stack,
        torch.column_stack if torch else None,
        (0, 1, 2),
    ),
    _row(
        "diag_vector",
        lambda x, k: x.reshape(-1).diag(k),
        lambda x, k: np.diag(x.reshape(-1), k),
        lambda x, k: torch.diag(x.reshape(-1), k),
        params=_fixed(k=lambda s: st.integers(-2, 2)),
        min_dims=1,
        api=("diag",),
    ),
    _row(
        "diag_matrix",
        lambda x, k: ag.diag(x.reshape(x.shape[0], -1), k),
        lambda x, k: np.diag(x.reshape(x.shape[0], -1), k),
        lambda x, k: torch.diag(x.reshape(x.shape[0], -1), k) * 1.0,
        params=_fixed(k=lambda s: st.integers(-2, 2)),
        min_dims=1,
        api=("diag",),
    ),
    _row(
        "diagonal",
        lambda x, **p: x.diagonal(**p),
        lambda x, offset, dim1, dim2: np.diagonal(x, offset, dim1, dim2),
        lambda x, **p: torch.diagonal(x, **p) * 1.0,
        params=_diagonal_params,
        min_dims=2,
        api=("diagonal",),
    ),
    _row(
        "diag_embed",
        lambda x, **p: x.diag_embed(**p),
        _np_diag_embed,
        lambda x, **p: torch.diag_embed(x, **p),
        params=_diag_embed_params,
        min_dims=1,
        api=("diag_embed",),
    ),
    _row(
        "tril",
        lambda x, k: x.tril(k),
        lambda x, k: np.tril(x, k),
        lambda x, k: torch.tril(x, k),
        params=_fixed(k=lambda s: st.integers(-2, 2)),
        min_dims=2,
        api=("tril",),
    ),
    _row(
        "triu",
        lambda x, k: ag.triu(x, k),
        lambda x, k: np.triu(x, k),
        lambda x, k: torch.triu(x, k),
        params=_fixed(k=lambda s: st.integers(-2, 2)),
        min_dims=2,
        api=("triu",),
    ),
    _row(
        "trace",
        lambda x: x.reshape(x.shape[0], -1).trace(),
        lambda x: np.trace(x.reshape(x.shape[0], -1)),
        lambda x: torch.trace(x.reshape(x.shape[0], -1)),
        min_dims=1,
        api=("trace",),
    ),
    OpSpec(
        "meshgrid",
        lambda a, b, indexing: _mesh(ag.meshgrid(a, b, indexing=indexing)),
        _np_meshgrid,
        2,
        "custom",
        shapes=lambda md, ms: st.tuples(
            hnp.array_shapes(min_dims=1, max_dims=1, max_side=ms),
            hnp.array_shapes(min_dims=1, max_dims=1, max_side=ms),
        ),
        params=lambda s: st.fixed_dictionaries({"indexing": st.sampled_from(["ij", "xy"])}),
        api=("meshgrid",),
        torch=lambda a, b, indexing: _mesh(torch.meshgrid(a, b, indexing=indexing)),
    ),
    OpSpec(
        "broadcast_tensors",
        lambda a, b: _mesh(ag.broadcast_tensors(a, b)),
        lambda a, b: _mesh(np.broadcast_arrays(a, b)),
        2,
        "elementwise",
        api=("broadcast_tensors",),
        torch=lambda a, b: _mesh(torch.broadcast_tensors(a, b)),
    ),
    _row(
        "clone_contiguous",
        lambda x: x.clone() + x.T.contiguous().T * 2.0,
        lambda x: x * 3.0,
        lambda x: x.clone() + _rev(_rev(x).contiguous()) * 2.0,
        api=("clone", "contiguous"),
    ),
    _row(
        "unfold",
        lambda x, **p: x.unfold(**p),
        _np_unfold,
        lambda x, **p: x.unfold(**p) * 1.0,
        params=_unfold_params,
        min_dims=1,
        api=("unfold",),
    ),
]


def _rev(x: Any) -> Any:
    return x.permute(*reversed(range(x.dim()))) if x.dim() >= 2 else x


def _mesh(grids: Any) -> Any:
    a, b = grids
    return a + 2.0 * b
