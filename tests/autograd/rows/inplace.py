"""Op-table rows for ``autograd/ops/inplace.py``.

An in-place op is checked through a function that applies it to a fresh
intermediate (``(x * 1.0).exp_()``), so the inputs themselves stay untouched
and the table's value, gradient, second-derivative and PyTorch checks apply.
"""

from __future__ import annotations

from typing import Any

import hypothesis.strategies as st
import numpy as np

from tests.autograd.opspec import (
    FAR_FROM_ZERO,
    NONZERO,
    REAL,
    OpSpec,
    axis0_index_params,
    basic_index_params,
    binary_row,
    mask_index_params,
    unary_row,
)
from tests.autograd.torch_refs import torch


def _flat_positions(shape: tuple[int, ...], index: Any) -> Any:
    """The flat positions NumPy's ``x[index]`` reads, as a torch index (torch
    has no negative steps)."""
    flat = np.arange(int(np.prod(shape))).reshape(shape)[index]
    return torch.from_numpy(np.array(flat, dtype=np.int64, copy=True))


def setitem_square(x: Any, index: Any) -> Any:
    y = x * 1.0
    y[index] = x[index] ** 2
    return y


def setitem_square_np(x: np.ndarray, index: Any) -> np.ndarray:
    y = x.copy()
    y[index] = x[index] ** 2
    return y


def setitem_square_torch(x: Any, index: Any) -> Any:
    pos = _flat_positions(tuple(x.shape), index)
    y = (x * 1.0).reshape(-1)
    y[pos] = x.reshape(-1)[pos] ** 2
    return y.reshape(x.shape)


@st.composite
def unique_int_index_params(draw: Any, shapes: tuple) -> dict:
    """Integer arrays, one per axis, naming distinct elements (a repeated
    element would be written twice, and PyTorch and NumPy leave which write
    wins unspecified)."""
    shape = shapes[0]
    size = int(np.prod(shape))
    flat = draw(st.lists(st.integers(0, size - 1), min_size=1, max_size=size, unique=True))
    return {"index": np.unravel_index(np.array(flat, dtype=np.intp), shape)}


def view_exp(x: Any) -> Any:
    y = x * 1.0
    y.reshape(-1)[::2].exp_()
    return y


def view_exp_np(x: np.ndarray) -> np.ndarray:
    y = x.copy()
    y.reshape(-1)[::2] = np.exp(y.reshape(-1)[::2])
    return y


def chain(x: Any) -> Any:
    y = x * 1.0
    y.mul_(x)
    y += x
    return y.sigmoid_()


def chain_np(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-(x * x + x)))


ROWS: list[OpSpec] = [
    unary_row(
        "exp_",
        lambda x: (x * 1.0).exp_(),
        np.exp,
        torch=lambda x: (x * 1.0).exp_(),
    ),
    unary_row(
        "inplace_chain",
        chain,
        chain_np,
        torch=chain,
    ),
    binary_row(
        "add__alpha",
        lambda a, b: (a + 0.0 * b).add_(b, alpha=-0.5),
        lambda a, b: (a + 0.0 * b) + (-0.5) * b,
        torch=lambda a, b: (a + 0.0 * b).add_(b, alpha=-0.5),
    ),
    binary_row(
        "div_",
        lambda a, b: (a + 0.0 * b).div_(b),
        lambda a, b: (a + 0.0 * b) / b,
        REAL,
        FAR_FROM_ZERO,
        torch=lambda a, b: (a + 0.0 * b).div_(b),
    ),
    OpSpec(
        "setitem_basic",
        setitem_square,
        setitem_square_np,
        1,
        "single",
        params=basic_index_params,
        torch=setitem_square_torch,
    ),
    OpSpec(
        "setitem_int_arrays",
        setitem_square,
        setitem_square_np,
        1,
        "single",
        params=unique_int_index_params,
        min_dims=1,
        torch=setitem_square_torch,
    ),
    OpSpec(
        "setitem_bool_mask",
        setitem_square,
        setitem_square_np,
        1,
        "single",
        params=mask_index_params,
        torch=setitem_square_torch,
    ),
    OpSpec(
        "view_of_view_exp_",
        view_exp,
        view_exp_np,
        1,
        "single",
        torch=view_exp,
    ),
    OpSpec(
        "masked_fill_",
        lambda x: (x * 1.0).masked_fill_(np.asarray(x.data > 0), 2.0),
        lambda x: np.where(x > 0, 2.0, x),
        1,
        "elementwise",
        (NONZERO,),
        torch=lambda x: (x * 1.0).masked_fill_(x.detach() > 0, 2.0),
    ),
    OpSpec(
        "index_add_",
        lambda x, index: (x * 1.0).index_add_(0, index, x[index] * 2.0),
        lambda x, index: _index_add_np(x, index),
        1,
        "single",
        params=axis0_index_params,
        min_dims=1,
        # torch's index_add_ takes no negative positions; NumPy's do.
        torch=lambda x, index: (x * 1.0).index_add_(
            0, torch.from_numpy(np.asarray(index, dtype=np.int64) % x.shape[0]), x[index] * 2.0
        ),
    ),
]


def _index_add_np(x: np.ndarray, index: np.ndarray) -> np.ndarray:
    y = x.copy()
    np.add.at(y, index, x[index] * 2.0)
    return y
