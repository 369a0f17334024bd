"""Op-table rows for ``autograd/ops/sort.py``.

Selections (sort, topk, kthvalue, medians) pass the gradient to the element
each index names; their rows draw distinct values so that the selection is
unambiguous and finite differences stay on one branch.
"""

from __future__ import annotations

from typing import Any

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np

from tests.autograd.opspec import GRID_UNIQUE, OpSpec
from tests.autograd.torch_refs import torch

NAN_SELECT = (
    "a slice holding NaN: the gradient goes to the one NaN the index names; PyTorch's "
    "median of all elements shares it among the NaNs"
)


def dim_of(shapes: tuple) -> st.SearchStrategy[int]:
    ndim = max(len(shapes[0]), 1)
    return st.integers(-ndim, ndim - 1)


def side(shape: tuple, axis: int) -> int:
    return shape[axis] if shape else 1


def sort_params(shapes: tuple) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries({"axis": dim_of(shapes), "descending": st.booleans()})


def np_sort(x: np.ndarray, axis: int, descending: bool) -> np.ndarray:
    y = np.sort(x.reshape(x.shape or (1,)), axis=axis)
    return (np.flip(y, axis) if descending else y).reshape(x.shape)


def topk_params(shapes: tuple) -> st.SearchStrategy[dict]:
    return dim_of(shapes).flatmap(
        lambda axis: st.fixed_dictionaries(
            {
                "axis": st.just(axis),
                "k": st.integers(0, side(shapes[0], axis)),
                "largest": st.booleans(),
            }
        )
    )


def np_topk(x: np.ndarray, axis: int, k: int, largest: bool) -> np.ndarray:
    if not x.shape:
        return x
    y = np_sort(x, axis, largest).reshape(x.shape or (1,))
    return np.take(y, np.arange(k), axis=axis)


def kth_params(shapes: tuple) -> st.SearchStrategy[dict]:
    return dim_of(shapes).flatmap(
        lambda axis: st.fixed_dictionaries(
            {"axis": st.just(axis), "k": st.integers(1, side(shapes[0], axis))},
            optional={"keepdims": st.booleans()},
        )
    )


def np_kth(x: np.ndarray, axis: int, k: int, keepdims: bool = False) -> np.ndarray:
    y = np.sort(x.reshape(x.shape or (1,)), axis=axis)
    out = np.take(y, [k - 1], axis=axis)
    if not x.shape:
        return out.reshape(())
    return out if keepdims else np.squeeze(out, axis)


def lower_median(x: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    y = x.reshape(-1) if axis is None else x.reshape(x.shape or (1,))
    ax = 0 if axis is None else axis
    out = np.take(np.sort(y, axis=ax), [(y.shape[ax] - 1) // 2], axis=ax)
    if axis is None:
        return out.reshape((1,) * x.ndim if keepdims else ())
    if not x.shape:
        return out.reshape(())
    return out if keepdims else np.squeeze(out, ax)


def median_params(shapes: tuple) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries(
        {}, optional={"axis": st.one_of(st.none(), dim_of(shapes)), "keepdims": st.booleans()}
    )


def our_median(name: str) -> Any:
    def op(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
        if axis is None:
            return getattr(x, name)(keepdim=keepdims) if keepdims else getattr(x, name)()
        return getattr(x, name)(axis, keepdim=keepdims).values

    return op


def t_median(name: str) -> Any:
    def ref(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
        if axis is None:
            out = getattr(torch, name)(x)
            return out.reshape((1,) * x.dim()) if keepdims else out
        return getattr(torch, name)(x, axis, keepdim=keepdims).values

    return ref


def quantile_params(shapes: tuple) -> st.SearchStrategy[dict]:
    q = st.one_of(
        st.sampled_from([0.0, 0.25, 0.5, 0.9, 1.0]),
        st.lists(st.sampled_from([0.1, 0.5, 0.75]), min_size=1, max_size=2),
    )
    return st.fixed_dictionaries(
        {"q": q}, optional={"axis": st.one_of(st.none(), dim_of(shapes)), "keepdims": st.booleans()}
    )


def np_quantile(x: np.ndarray, q: Any, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    if axis is not None and not x.shape:
        return np.quantile(x.reshape(1), q, axis=0)
    return np.quantile(x, q, axis=axis, keepdims=keepdims)


def t_quantile(x: Any, q: Any, axis: Any = None, keepdims: bool = False) -> Any:
    qt = torch.tensor(q, dtype=x.dtype)
    return torch.quantile(x, qt, dim=axis, keepdim=keepdims)


@st.composite
def mask_params(draw: Any, shapes: tuple) -> dict:
    """A boolean mask that broadcasts with the input (trailing dims, size 1 allowed)."""
    shape = shapes[0]
    k = draw(st.integers(0, len(shape)))
    tail = tuple(n if draw(st.booleans()) else 1 for n in shape[len(shape) - k :])
    return {"mask": draw(hnp.arrays(np.bool_, tail))}


ROWS: list[OpSpec] = [
    OpSpec(
        "sort",
        lambda x, axis, descending: x.sort(axis, descending=descending).values,
        np_sort,
        1,
        "single",
        domains=(GRID_UNIQUE,),
        unique=True,
        smooth=False,
        params=sort_params,
        api=("sort",),
        torch=lambda x, axis, descending: torch.sort(x, dim=axis, descending=descending).values,
    ),
    OpSpec(
        "msort",
        lambda x: x.msort(),
        lambda x: np.sort(x.reshape(x.shape or (1,)), axis=0).reshape(x.shape),
        1,
        "single",
        domains=(GRID_UNIQUE,),
        unique=True,
        smooth=False,
        api=("msort",),
        torch=lambda x: torch.msort(x) if x.dim() else x * 1.0,
    ),
    OpSpec(
        "topk",
        lambda x, axis, k, largest: x.topk(k, axis, largest=largest).values,
        np_topk,
        1,
        "single",
        domains=(GRID_UNIQUE,),
        unique=True,
        smooth=False,
        params=topk_params,
        api=("topk",),
        torch=lambda x, axis, k, largest: torch.topk(x, k, dim=axis, largest=largest).values,
    ),
    OpSpec(
        "kthvalue",
        lambda x, axis, k, keepdims=False: x.kthvalue(k, axis, keepdim=keepdims).values,
        np_kth,
        1,
        # Custom, not "single": at tied hostile values (inf, inf) which tied
        # element PyTorch's index names is unspecified; test_sort checks the
        # values there.
        "custom",
        shapes=lambda max_dims, max_side: hnp.array_shapes(
            min_dims=0, max_dims=max_dims, min_side=1, max_side=max_side
        ).map(lambda s: (s,)),
        domains=(GRID_UNIQUE,),
        unique=True,
        smooth=False,
        params=kth_params,
        api=("kthvalue",),
        torch=lambda x, axis, k, keepdims=False: (
            torch.kthvalue(x, k, axis, keepdim=keepdims).values
        ),
    ),
    OpSpec(
        "median",
        our_median("median"),
        lower_median,
        1,
        "single",
        domains=(GRID_UNIQUE,),
        unique=True,
        smooth=False,
        params=median_params,
        api=("median",),
        torch=t_median("median"),
        torch_differs=NAN_SELECT,
    ),
    OpSpec(
        "nanmedian",
        our_median("nanmedian"),
        lower_median,
        1,
        "single",
        domains=(GRID_UNIQUE,),
        unique=True,
        smooth=False,
        params=median_params,
        api=("nanmedian",),
        torch=t_median("nanmedian"),
        torch_differs=NAN_SELECT,
    ),
    OpSpec(
        "quantile",
        lambda x, q, **p: x.quantile(q, **p),
        np_quantile,
        1,
        "single",
        domains=(GRID_UNIQUE,),
        unique=True,
        smooth=False,
        params=quantile_params,
        api=("quantile",),
        torch=t_quantile,
        torch_differs="at NaN the gradient of the interpolated elements is kept; PyTorch's is NaN",
    ),
    OpSpec(
        "masked_select",
        lambda x, mask: x.masked_select(mask),
        lambda x, mask: np.broadcast_to(x, np.broadcast_shapes(x.shape, mask.shape))[
            np.broadcast_to(mask, np.broadcast_shapes(x.shape, mask.shape))
        ],
        1,
        "single",
        params=mask_params,
        api=("masked_select",),
        torch=lambda x, mask: torch.masked_select(x, torch.from_numpy(mask)),
    ),
]
