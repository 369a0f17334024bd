"""Op-table rows for ``autograd/ops/scan.py``."""

from __future__ import annotations

import math
from typing import Any

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np

from tests.autograd.opspec import (
    FAR_FROM_ZERO,
    GRID_UNIQUE,
    MARGIN,
    OpSpec,
    axis_kw,
    grid,
    reduce_params,
    ties_within,
)
from tests.autograd.torch_refs import _dims, torch

# Multiples of 0.5 in [-2, 2]: zeros are common, and products stay exact.
WITH_ZEROS = grid(0.5, -4, 4)

NAN_PROPAGATES = (
    "a NaN in a slice spreads NaN gradients differently: PyTorch's fused rule and this "
    "composite disagree on which elements of the slice get NaN"
)


def one_axis(shapes: tuple) -> st.SearchStrategy[dict]:
    """An int ``axis`` (any valid one, 0 and -1 for a 0-d input)."""
    ndim = max(len(shapes[0]), 1)
    return st.fixed_dictionaries({"axis": st.integers(-ndim, ndim - 1)})


def int_or_no_axis(shapes: tuple) -> st.SearchStrategy[dict]:
    """``axis`` absent, None or an int, and ``keepdims``: PyTorch's single-dim reductions."""
    ndim = len(shapes[0])
    axes = [st.none()] + ([st.integers(-ndim, ndim - 1)] if ndim else [])
    return st.fixed_dictionaries({}, optional={"axis": st.one_of(*axes), "keepdims": st.booleans()})


def nonempty_axes(shapes: tuple) -> st.SearchStrategy[dict]:
    """``axis`` as None, an int or a non-empty tuple, and ``keepdims``."""
    ndim = len(shapes[0])
    axes = [st.none()]
    if ndim:
        axes += [st.integers(-ndim, ndim - 1), hnp.valid_tuple_axes(ndim, min_size=1)]
    return st.fixed_dictionaries({}, optional={"axis": st.one_of(*axes), "keepdims": st.booleans()})


def var_params(shapes: tuple) -> st.SearchStrategy[dict]:
    return nonempty_axes(shapes).flatmap(
        lambda p: st.fixed_dictionaries({"correction": st.sampled_from([0, 1])}).map(
            lambda c: {**p, **c}
        )
    )


def _count(x: np.ndarray, axis: Any) -> int:
    if axis is None or x.ndim == 0:
        return x.size
    axes = (axis,) if isinstance(axis, int) else axis
    return math.prod(x.shape[a] for a in axes)


def too_few(x: np.ndarray, correction: int = 0, **p: Any) -> bool:
    """Fewer elements than the correction plus one: the variance is 0/0 or inf."""
    return _count(x, p.get("axis")) - correction < 1


def flat_spread(x: np.ndarray, correction: int = 0, **p: Any) -> bool:
    """A slice (nearly) constant: the standard deviation's kink at 0."""
    if too_few(x, correction, **p):
        return True
    axis = p.get("axis")
    return bool(np.any(np.std(x, axis=axis) < 10 * MARGIN))


def composed_var(x: Any, correction: int = 0, axis: Any = None, keepdims: bool = False) -> Any:
    dev = x - x.mean(axis=axis, keepdims=True)
    n = x.size / max(dev.sum(axis=axis, keepdims=keepdims).size, 1)
    return (dev * dev).sum(axis=axis, keepdims=keepdims) * (1.0 / (n - correction))


def np_var(x: np.ndarray, correction: int = 0, **p: Any) -> np.ndarray:
    return np.var(x, ddof=correction, **axis_kw(p))


def t_dims(x: Any, axis: Any) -> Any:
    return None if axis is None or x.dim() == 0 else _dims(x, axis)


def t_var(name: str) -> Any:
    def ref(x: Any, correction: int = 0, axis: Any = None, keepdims: bool = False) -> Any:
        return getattr(torch, name)(x, dim=t_dims(x, axis), correction=correction, keepdim=keepdims)

    return ref


def t_single_dim(name: str) -> Any:
    """A PyTorch reduction over one dim or all of them (``prod``, ``aminmax``)."""

    def ref(x: Any, axis: Any = None, keepdims: bool = False, **kw: Any) -> Any:
        if axis is None:
            out = getattr(torch, name)(x, **kw)
            return out.reshape((1,) * x.dim()) if keepdims else out
        return getattr(torch, name)(x, dim=axis, keepdim=keepdims, **kw)

    return ref


def np_scan(fn: Any) -> Any:
    def ref(x: np.ndarray, axis: Any = None) -> np.ndarray:
        if axis is None:
            return fn(x.reshape(-1), axis=0)
        return fn(x.reshape(x.shape or (1,)), axis=axis).reshape(x.shape)

    return ref


def t_scan(name: str) -> Any:
    def ref(x: Any, axis: Any = None) -> Any:
        if axis is None:
            return getattr(torch, name)(x.reshape(-1), 0)
        return getattr(torch, name)(x, axis)

    return ref


def scan_axis(shapes: tuple) -> st.SearchStrategy[dict]:
    ndim = max(len(shapes[0]), 1)
    return st.fixed_dictionaries({}, optional={"axis": st.integers(-ndim, ndim - 1)})


def np_cum_extreme(fn: Any) -> Any:
    def ref(x: np.ndarray, axis: int) -> np.ndarray:
        return fn.accumulate(x.reshape(x.shape or (1,)), axis=axis).reshape(x.shape)

    return ref


def np_norm(x: np.ndarray, p: float, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    a = np.abs(x)
    kw = {"axis": axis, "keepdims": keepdims}
    if p == 0:
        return np.sum(a != 0, **kw).astype(x.dtype)
    if math.isinf(p):
        return (np.max if p > 0 else np.min)(a, **kw)
    return np.sum(a**p, **kw) ** (1 / p)


def t_norm(x: Any, p: float, axis: Any = None, keepdims: bool = False) -> Any:
    return torch.linalg.vector_norm(x, ord=p, dim=t_dims(x, axis), keepdim=keepdims)


def norm_params(ps: list[float]) -> Any:
    def params(shapes: tuple) -> st.SearchStrategy[dict]:
        return nonempty_axes(shapes).flatmap(
            lambda a: st.sampled_from(ps).map(lambda p: {**a, "p": p})
        )

    return params


def near_zero_or_ties(x: np.ndarray, p: float, **kw: Any) -> bool:
    """|x| near 0 (the kink of |x|) or two |x| tied (the inf-norms' kink)."""
    if np.any(np.abs(x) < MARGIN):
        return True
    return math.isinf(p) and ties_within(np.abs(x))


def t_nan(name: str) -> Any:
    def ref(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
        if axis == ():
            return torch.where(torch.isnan(x), 0.0, x) if name == "nansum" else x * 1.0
        return getattr(torch, name)(x, dim=t_dims(x, axis), keepdim=keepdims)

    return ref


def np_nanmean(x: np.ndarray, **p: Any) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.nanmean(x, **axis_kw(p)) if x.size else np.mean(x, **axis_kw(p))


ROWS: list[OpSpec] = [
    OpSpec(
        "prod",
        lambda x, **p: x.prod(**p),
        lambda x, **p: np.prod(x, **axis_kw(p)),
        1,
        "single",
        domains=(WITH_ZEROS,),
        params=int_or_no_axis,
        api=("prod",),
        torch=t_single_dim("prod"),
    ),
    OpSpec(
        "cumsum",
        lambda x, **p: x.cumsum(**p),
        np_scan(np.cumsum),
        1,
        "single",
        params=scan_axis,
        api=("cumsum",),
        torch=t_scan("cumsum"),
    ),
    OpSpec(
        "cumprod",
        lambda x, **p: x.cumprod(**p),
        np_scan(np.cumprod),
        1,
        "single",
        domains=(WITH_ZEROS,),
        params=scan_axis,
        min_dims=1,  # a 0-d scan is the identity (Cumsum)
        api=("cumprod",),
        torch=t_scan("cumprod"),
        # Exact at zeros (the product of the others); next to an inf, a zero's
        # gradient is inf here where PyTorch's division-based rule gives NaN.
        torch_differs="the gradient of a zero next to an infinite element is inf, not NaN",
        torch_differs_at="nonfinite",
    ),
    OpSpec(
        "logcumsumexp",
        lambda x, axis: x.logcumsumexp(axis),
        lambda x, axis: np_scan(np.logaddexp.accumulate)(x, axis),
        1,
        "single",
        params=one_axis,
        # A 0-d scan is the identity (Cumsum): test_scan checks it.
        min_dims=1,
        api=("logcumsumexp",),
        torch=lambda x, axis: torch.logcumsumexp(x, axis),
        composition=lambda x, axis: x.exp().cumsum(axis).log(),
    ),
    OpSpec(
        "cummax",
        lambda x, axis: x.cummax(axis).values,
        np_cum_extreme(np.maximum),
        1,
        "single",
        domains=(GRID_UNIQUE,),
        unique=True,
        smooth=False,
        params=one_axis,
        api=("cummax",),
        torch=lambda x, axis: torch.cummax(x, axis).values,
    ),
    OpSpec(
        "cummin",
        lambda x, axis: x.cummin(dim=axis).values,
        np_cum_extreme(np.minimum),
        1,
        "single",
        domains=(GRID_UNIQUE,),
        unique=True,
        smooth=False,
        params=one_axis,
        api=("cummin",),
        torch=lambda x, axis: torch.cummin(x, axis).values,
    ),
    OpSpec(
        "var",
        lambda x, **p: x.var(**p),
        np_var,
        1,
        "single",
        params=var_params,
        avoid=too_few,
        api=("var",),
        torch=t_var("var"),
        composition=composed_var,
    ),
    OpSpec(
        "std",
        lambda x, **p: x.std(**p),
        lambda x, correction=0, **p: np.std(x, ddof=correction, **axis_kw(p)),
        1,
        "single",
        params=var_params,
        min_dims=1,
        avoid=flat_spread,
        api=("std",),
        torch=t_var("std"),
        composition=lambda x, **p: x.var(**p).sqrt(),
    ),
    OpSpec(
        "norm_smooth",
        lambda x, **p: x.norm(**p),
        np_norm,
        1,
        "single",
        domains=(FAR_FROM_ZERO,),
        params=norm_params([2.0, 3.0]),
        api=("norm",),
        torch=t_norm,
    ),
    OpSpec(
        "norm",
        lambda x, **p: x.norm(**p),
        np_norm,
        1,
        "single",
        domains=(GRID_UNIQUE,),
        unique=True,
        params=norm_params([1.0, 0.5, 1.5, math.inf, -math.inf, 0.0]),
        avoid=near_zero_or_ties,
        smooth=False,
        api=("norm",),
        torch=t_norm,
    ),
    OpSpec(
        "nansum_nanmean",
        lambda x, **p: x.nansum(**p) + 2.0 * x.nanmean(**p),
        lambda x, **p: np.nansum(x, **axis_kw(p)) + 2.0 * np_nanmean(x, **p),
        1,
        "single",
        params=reduce_params,
        api=("nansum", "nanmean"),
        torch=lambda x, **p: t_nan("nansum")(x, **p) + 2.0 * t_nan("nanmean")(x, **p),
        torch_differs="a NaN gets no gradient even in a slice of NaN only; PyTorch gives it NaN",
    ),
    OpSpec(
        "aminmax",
        lambda x, **p: (lambda r: r.min + 2.0 * r.max)(x.aminmax(**p)),
        lambda x, **p: np.min(x, **axis_kw(p)) + 2.0 * np.max(x, **axis_kw(p)),
        1,
        "single",
        domains=(GRID_UNIQUE,),
        unique=True,
        params=int_or_no_axis,
        smooth=False,
        api=("aminmax",),
        torch=lambda x, axis=None, keepdims=False: (lambda r: r.min + 2.0 * r.max)(
            torch.aminmax(x, keepdim=keepdims)
            if axis is None
            else torch.aminmax(x, dim=axis, keepdim=keepdims)
        ),
        torch_differs="a NaN element is the extreme and takes the gradient, as in max and min",
    ),
]
