"""The table of op specifications that drives the op tests.

One row per public operation (``OPS``): ``test_ops.py`` checks each row's
forward values against NumPy, its first and second derivatives against
finite differences, dtypes, input immutability and ``requires_grad``;
``test_torch_oracle.py`` compares it with PyTorch, also on hostile values;
a fused primitive's row is checked against its ``composition``. Every
registered primitive (``autograd.function.PRIMITIVES``) must be reached by
some row. The core rows are here; each further group of ops keeps its rows
in a module of ``rows/``.
"""

from __future__ import annotations

import importlib
from typing import Any

import hypothesis.strategies as st
import numpy as np

import autograd as ag
from autograd import Tensor
from autograd.ops.linalg import linear
from tests.autograd.opspec import (
    CLIP_BOUNDS,
    FAR_FROM_ZERO,
    GRID_A,
    GRID_B,
    GRID_UNIQUE,
    NONZERO,
    POSITIVE,
    REAL,
    OpSpec,
    away_from,
    axis0_index_params,
    basic_index_params,
    binary_row,
    clip_params,
    exponent_params,
    floats,
    int_array_index_params,
    mask_index_params,
    mixed_index_params,
    near,
    np_log_softmax,
    np_logsumexp,
    np_softmax,
    one_axis_params,
    reduction_row,
    reshape_call,
    reshape_params,
    swap_params,
    ties_between,
    ties_within,
    transpose_call,
    transpose_params,
    unary_row,
)
from tests.autograd.torch_refs import _index, _reduce, _t, torch

# A constant NumPy operand on the left of a reflected operator.
CONST = (False, True)


def composed_mean(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    total = x.sum(axis=axis, keepdims=keepdims)
    return total * (total.size / x.size)


def composed_linear(x: Tensor, w: Tensor, b: Tensor | None = None) -> Tensor:
    y = x @ w.transpose((1, 0))
    return y if b is None else y + b


def broadcast_target_params(shapes: tuple) -> st.SearchStrategy[dict]:
    """A shape that ``shapes[0]`` broadcasts to: size-1 dims stretched, one dim prepended."""
    (shape,) = shapes
    sides = [st.integers(1, 3) if n == 1 else st.just(n) for n in shape]
    return st.fixed_dictionaries(
        {
            "shape": st.tuples(st.lists(st.integers(1, 3), max_size=1), *sides).map(
                lambda t: (*t[0], *t[1:])
            )
        }
    )


NAN_SIDE = (
    "where an operand is NaN the gradient goes to the NaN operand (the result came from it); "
    "PyTorch gives both operands the full gradient"
)

NAN_MAX = (
    "a NaN element is the maximum (or minimum) and takes the gradient; PyTorch's amax/amin "
    "give NaN to every element of the slice"
)

CORE_OPS: list[OpSpec] = [
    # -- arithmetic operators between tensors (broadcasting) ------------------
    binary_row(
        "add",
        lambda a, b: a + b,
        np.add,
        api=("+",),
        torch=lambda a, b: a + b,
    ),
    binary_row(
        "sub",
        lambda a, b: a - b,
        np.subtract,
        api=("-",),
        torch=lambda a, b: a - b,
        composition=lambda a, b: a + (-1.0) * b,
    ),
    binary_row(
        "mul",
        lambda a, b: a * b,
        np.multiply,
        api=("*",),
        torch=lambda a, b: a * b,
    ),
    binary_row(
        "div",
        lambda a, b: a / b,
        np.divide,
        REAL,
        FAR_FROM_ZERO,
        api=("/",),
        torch=lambda a, b: a / b,
        composition=lambda a, b: a * b**-1.0,
    ),
    binary_row(
        "pow_tensor_tensor",
        lambda a, b: a**b,
        np.power,
        floats(0.2, 3.0),
        floats(-2.0, 2.0),
        api=("** tensor",),
        torch=lambda a, b: a**b,
    ),
    # -- operators with a Python scalar ----------------------------------------
    unary_row(
        "add_scalar",
        lambda x: x + 1.5,
        lambda x: x + 1.5,
        api=("+ scalar",),
        torch=lambda x: x + 1.5,
    ),
    unary_row(
        "radd_scalar",
        lambda x: 1.5 + x,
        lambda x: 1.5 + x,
        api=("scalar +",),
        torch=lambda x: 1.5 + x,
    ),
    unary_row(
        "sub_scalar",
        lambda x: x - 0.5,
        lambda x: x - 0.5,
        api=("- scalar",),
        torch=lambda x: x - 0.5,
    ),
    unary_row(
        "rsub_scalar",
        lambda x: 2.0 - x,
        lambda x: 2.0 - x,
        api=("scalar -",),
        torch=lambda x: 2.0 - x,
    ),
    unary_row(
        "mul_scalar",
        lambda x: x * -2.5,
        lambda x: x * -2.5,
        api=("* scalar",),
        torch=lambda x: x * -2.5,
    ),
    # An int scalar must not change a float tensor's dtype.
    unary_row(
        "rmul_int_scalar",
        lambda x: 3 * x,
        lambda x: 3 * x,
        api=("scalar *",),
        torch=lambda x: 3 * x,
    ),
    unary_row(
        "div_scalar",
        lambda x: x / 2.0,
        lambda x: x / 2.0,
        api=("/ scalar",),
        torch=lambda x: x / 2.0,
    ),
    unary_row(
        "rdiv_scalar",
        lambda x: 10.0 / x,
        lambda x: 10.0 / x,
        FAR_FROM_ZERO,
        api=("scalar /",),
        torch=lambda x: 10.0 / x,
    ),
    OpSpec(
        "pow_scalar",
        lambda x, p: x**p,
        lambda x, p: x**p,
        1,
        "elementwise",
        (floats(0.2, 3.0),),
        params=exponent_params([0, 1, 2, 3, -1, 0.5, -1.5, 2.5]),
        api=("** scalar",),
        torch=lambda x, p: x**p,
    ),
    # Integer exponents are defined for negative bases too.
    OpSpec(
        "pow_int_scalar_signed_base",
        lambda x, p: x**p,
        lambda x, p: x**p,
        1,
        "elementwise",
        (REAL,),
        params=exponent_params([1, 2, 3, 4]),
        api=("** scalar",),
        torch=lambda x, p: x**p,
    ),
    unary_row(
        "rpow_scalar",
        lambda x: 2.0**x,
        lambda x: 2.0**x,
        api=("scalar **",),
        torch=lambda x: 2.0**x,
    ),
    # -- reflected and plain operators with a NumPy array ------------------------
    binary_row(
        "radd_ndarray",
        lambda c, x: c.numpy() + x,
        np.add,
        wrt=CONST,
        api=("ndarray +",),
        torch=lambda c, x: c + x,
    ),
    binary_row(
        "rsub_ndarray",
        lambda c, x: c.numpy() - x,
        np.subtract,
        wrt=CONST,
        api=("ndarray -",),
        torch=lambda c, x: c - x,
    ),
    binary_row(
        "rmul_ndarray",
        lambda c, x: c.numpy() * x,
        np.multiply,
        wrt=CONST,
        api=("ndarray *",),
        torch=lambda c, x: c * x,
    ),
    binary_row(
        "rdiv_ndarray",
        lambda c, x: c.numpy() / x,
        np.divide,
        REAL,
        FAR_FROM_ZERO,
        wrt=CONST,
        api=("ndarray /",),
        torch=lambda c, x: c / x,
    ),
    binary_row(
        "rpow_ndarray",
        lambda c, x: c.numpy() ** x,
        np.power,
        floats(0.2, 3.0),
        REAL,
        wrt=CONST,
        api=("ndarray **",),
        torch=lambda c, x: c**x,
    ),
    binary_row(
        "add_ndarray",
        lambda x, c: x + c.numpy(),
        np.add,
        wrt=(True, False),
        api=("+",),
        torch=lambda x, c: x + c,
    ),
    binary_row(
        "mul_ndarray",
        lambda x, c: x * c.numpy(),
        np.multiply,
        wrt=(True, False),
        api=("*",),
        torch=lambda x, c: x * c,
    ),
    # -- unary ---------------------------------------------------------------------
    unary_row(
        "neg",
        lambda x: -x,
        np.negative,
        api=("unary -",),
        torch=lambda x: -x,
    ),
    unary_row(
        "abs",
        lambda x: x.abs(),
        np.abs,
        NONZERO,
        avoid=near((0.0,)),
        smooth=False,
        api=("abs",),
        torch="abs",
    ),
    unary_row(
        "abs_builtin",
        lambda x: abs(x),
        np.abs,
        NONZERO,
        avoid=near((0.0,)),
        smooth=False,
        api=("abs",),
        torch="abs",
    ),
    unary_row(
        "exp",
        lambda x: x.exp(),
        np.exp,
        api=("exp",),
        torch="exp",
    ),
    unary_row(
        "log",
        lambda x: x.log(),
        np.log,
        POSITIVE,
        api=("log",),
        torch="log",
    ),
    unary_row(
        "sqrt",
        lambda x: x.sqrt(),
        np.sqrt,
        POSITIVE,
        api=("sqrt",),
        torch="sqrt",
    ),
    unary_row(
        "tanh",
        lambda x: x.tanh(),
        np.tanh,
        api=("tanh",),
        torch="tanh",
    ),
    unary_row(
        "sigmoid",
        lambda x: x.sigmoid(),
        lambda x: 1.0 / (1.0 + np.exp(-x)),
        floats(-8.0, 8.0),
        api=("sigmoid",),
        torch="sigmoid",
        composition=lambda x: 1.0 / (1.0 + (-x).exp()),
    ),
    unary_row(
        "relu",
        lambda x: x.relu(),
        lambda x: np.maximum(x, 0.0),
        NONZERO,
        avoid=near((0.0,)),
        smooth=False,
        api=("relu",),
        torch="relu",
    ),
    OpSpec(
        "clip",
        lambda x, lo, hi: x.clip(lo, hi),
        lambda x, lo, hi: np.clip(x, lo, hi),
        1,
        "elementwise",
        (away_from(CLIP_BOUNDS, -2.0, 2.0),),
        avoid=near(CLIP_BOUNDS),
        smooth=False,
        params=clip_params,
        api=("clip",),
        torch=lambda x, lo, hi: torch.clamp(x, lo, hi),
    ),
    # -- module-level elementwise functions ---------------------------------------
    binary_row(
        "maximum",
        ag.maximum,
        np.maximum,
        GRID_A,
        GRID_B,
        avoid=ties_between,
        smooth=False,
        api=("maximum",),
        torch="maximum",
        torch_differs=NAN_SIDE,
    ),
    binary_row(
        "minimum",
        ag.minimum,
        np.minimum,
        GRID_A,
        GRID_B,
        avoid=ties_between,
        smooth=False,
        api=("minimum",),
        torch="minimum",
        torch_differs=NAN_SIDE,
    ),
    unary_row(
        "maximum_scalar",
        lambda x: ag.maximum(x, 0.5),
        lambda x: np.maximum(x, 0.5),
        away_from((0.5,), -3.0, 3.0),
        avoid=near((0.5,)),
        smooth=False,
        api=("maximum",),
        torch=lambda x: torch.maximum(x, torch.tensor(0.5, dtype=x.dtype)),
        torch_differs=NAN_SIDE,
    ),
    OpSpec(
        "where",
        lambda c, a, b: ag.where(c > 0, a, b),
        lambda c, a, b: np.where(c > 0, a, b),
        3,
        "elementwise",
        (REAL,),
        wrt=(False, True, True),
        api=("where", "boolean Tensor as where condition", "comparisons"),
        torch=lambda c, a, b: torch.where(c > 0, a, b),
    ),
    OpSpec(
        "where_ndarray_cond_scalar_branch",
        lambda c, a: ag.where(c.numpy() < 0, 0.0, a),
        lambda c, a: np.where(c < 0, 0.0, a),
        2,
        "elementwise",
        (REAL,),
        wrt=CONST,
        api=("where",),
        torch=lambda c, a: torch.where(c < 0, 0.0, a),
    ),
    # -- reductions ------------------------------------------------------------------
    reduction_row(
        "sum",
        "sum",
        np.sum,
        api=("sum",),
        torch=_reduce("sum"),
    ),
    reduction_row(
        "mean",
        "mean",
        np.mean,
        api=("mean",),
        torch=_reduce("mean"),
        composition=composed_mean,
    ),
    reduction_row(
        "max",
        "max",
        np.max,
        smooth=False,
        unique=True,
        avoid=ties_within,
        domains=(GRID_UNIQUE,),
        api=("max",),
        torch=_reduce("amax"),
        torch_differs=NAN_MAX,
    ),
    reduction_row(
        "min",
        "min",
        np.min,
        smooth=False,
        unique=True,
        avoid=ties_within,
        domains=(GRID_UNIQUE,),
        api=("min",),
        torch=_reduce("amin"),
        torch_differs=NAN_MAX,
    ),
    reduction_row(
        "logsumexp",
        "logsumexp",
        np_logsumexp,
        api=("logsumexp",),
        torch=_reduce("logsumexp"),
        composition=lambda x, **p: x.exp().sum(**p).log(),
    ),
    OpSpec(
        "softmax",
        lambda x, **p: x.softmax(**p),
        np_softmax,
        1,
        "single",
        params=one_axis_params,
        min_dims=1,
        api=("softmax",),
        torch=lambda x, axis=-1: torch.softmax(x, dim=axis),
        composition=lambda x, axis=-1: x.exp() / x.exp().sum(axis=axis, keepdims=True),
    ),
    OpSpec(
        "log_softmax",
        lambda x, **p: x.log_softmax(**p),
        np_log_softmax,
        1,
        "single",
        params=one_axis_params,
        min_dims=1,
        api=("log_softmax",),
        torch=lambda x, axis=-1: torch.log_softmax(x, dim=axis),
        composition=lambda x, axis=-1: x - x.logsumexp(axis=axis, keepdims=True),
    ),
    # -- shape ---------------------------------------------------------------------------
    OpSpec(
        "reshape",
        reshape_call,
        lambda x, shape, varargs: x.reshape(shape),
        1,
        "single",
        params=reshape_params,
        api=("reshape",),
        torch=lambda x, shape, varargs: x.reshape(shape),
    ),
    OpSpec(
        "transpose_reverse",
        lambda x: x.transpose(),
        np.transpose,
        1,
        "single",
        api=("transpose",),
        torch=_t,
    ),
    OpSpec(
        "transpose_permutation",
        transpose_call,
        lambda x, axes, varargs: np.transpose(x, axes),
        1,
        "single",
        params=transpose_params,
        api=("transpose", "permute"),
        torch=lambda x, axes, varargs: x.permute(tuple(axes)) * 1.0,
    ),
    # PyTorch's transpose(d0, d1): swap two dims (negative dims included).
    OpSpec(
        "transpose_swap",
        lambda x, d0, d1: x.transpose(d0, d1),
        lambda x, d0, d1: np.swapaxes(x, d0, d1),
        1,
        "single",
        params=swap_params,
        min_dims=1,
        api=("transpose",),
        torch=lambda x, d0, d1: x.transpose(d0, d1) * 1.0,
    ),
    OpSpec(
        "mT",
        lambda x: x.mT,
        lambda x: np.swapaxes(x, -1, -2),
        1,
        "single",
        min_dims=2,
        api=("mT",),
        torch=lambda x: x.mT * 1.0,
    ),
    OpSpec(
        "T",
        lambda x: x.T,
        lambda x: x.T,
        1,
        "single",
        api=("T",),
        torch=_t,
    ),
    OpSpec(
        "flatten",
        lambda x: x.flatten(),
        lambda x: x.flatten(),
        1,
        "single",
        api=("flatten",),
        torch=lambda x: x.reshape(-1),
    ),
    # -- indexing ---------------------------------------------------------------------------
    OpSpec(
        "getitem_basic",
        lambda x, index: x[index],
        lambda x, index: x[index],
        1,
        "single",
        params=basic_index_params,
        api=("index slices and ints",),
        torch=_index,
    ),
    OpSpec(
        "getitem_int_arrays",
        lambda x, index: x[index],
        lambda x, index: x[index],
        1,
        "single",
        params=int_array_index_params,
        min_dims=1,
        api=("index integer arrays",),
        torch=_index,
    ),
    OpSpec(
        "getitem_int_list_axis0",
        lambda x, index: x[index.tolist()],
        lambda x, index: x[index],
        1,
        "single",
        params=axis0_index_params,
        min_dims=1,
        api=("index integer arrays",),
        torch=_index,
    ),
    OpSpec(
        "getitem_int_tensor_axis0",
        lambda x, index: x[Tensor(index)],
        lambda x, index: x[index],
        1,
        "single",
        params=axis0_index_params,
        min_dims=1,
        api=("index integer arrays",),
        torch=_index,
    ),
    OpSpec(
        "getitem_bool_mask",
        lambda x, index: x[index],
        lambda x, index: x[index],
        1,
        "single",
        params=mask_index_params,
        api=("index boolean masks",),
        torch=_index,
    ),
    OpSpec(
        "getitem_bool_tensor_mask",
        lambda x: x[x > 0.0],
        lambda x: x[x > 0.0],
        1,
        "single",
        (NONZERO,),
        avoid=near((0.0,)),
        api=("index boolean masks", "boolean Tensor as mask", "comparisons"),
        torch=lambda x: x[x > 0],
    ),
    OpSpec(
        "getitem_slice_and_int_array",
        lambda x, index: x[index],
        lambda x, index: x[index],
        1,
        "single",
        params=mixed_index_params,
        min_dims=2,
        api=("index integer arrays", "index slices and ints"),
        torch=_index,
    ),
    # -- joining -------------------------------------------------------------------------------
    OpSpec(
        "concatenate2",
        lambda a, b, axis: ag.concatenate([a, b], axis=axis),
        lambda a, b, axis: np.concatenate([a, b], axis=axis),
        2,
        "concatenate",
        api=("concatenate",),
        torch=lambda a, b, axis: torch.cat([a, b], dim=axis),
    ),
    OpSpec(
        "concatenate3",
        lambda a, b, c, axis: ag.concatenate((a, b, c), axis),
        lambda a, b, c, axis: np.concatenate((a, b, c), axis),
        3,
        "concatenate",
        api=("concatenate",),
        torch=lambda a, b, c, axis: torch.cat([a, b, c], dim=axis),
    ),
    OpSpec(
        "stack2",
        lambda a, b, axis: ag.stack([a, b], axis=axis),
        lambda a, b, axis: np.stack([a, b], axis=axis),
        2,
        "stack",
        api=("stack",),
        torch=lambda a, b, axis: torch.stack([a, b], dim=axis),
    ),
    OpSpec(
        "stack3",
        lambda a, b, c, axis: ag.stack((a, b, c), axis),
        lambda a, b, c, axis: np.stack((a, b, c), axis),
        3,
        "stack",
        api=("stack",),
        torch=lambda a, b, c, axis: torch.stack([a, b, c], dim=axis),
    ),
    # -- fused and fast-path primitives ---------------------------------------------------
    OpSpec(
        "linear",
        lambda x, w, b: linear(x, w, b),
        lambda x, w, b: x @ w.T + b,
        3,
        "linear",
        api=("linear",),
        torch="nn.functional.linear",
        composition=composed_linear,
    ),
    OpSpec(
        "linear_no_bias",
        lambda x, w: linear(x, w),
        lambda x, w: x @ w.T,
        2,
        "linear",
        api=("linear",),
        torch="nn.functional.linear",
        composition=composed_linear,
    ),
    OpSpec(
        "broadcast_to",
        lambda x, shape: x.broadcast_to(shape),
        np.broadcast_to,
        1,
        "single",
        params=broadcast_target_params,
        api=("broadcast_to",),
        torch=lambda x, shape: x.broadcast_to(shape) * 1.0,
        composition=lambda x, shape: x + ag.zeros(shape),
    ),
    OpSpec(
        "astype_roundtrip",
        lambda x: x.astype(np.longdouble).astype(x.dtype),
        lambda x: x.astype(np.longdouble).astype(x.dtype),
        1,
        "elementwise",
        # Through the widest float and back: exact, so the finite differences
        # see the identity; the gradient is cast back twice.
        api=("astype",),
        torch=lambda x: x * 1.0,
    ),
    # -- linear algebra (1-D, 2-D and batched operands) -------------------------------
    OpSpec(
        "matmul",
        lambda a, b: a @ b,
        np.matmul,
        2,
        "matmul",
        api=("@",),
        torch=lambda a, b: a @ b,
    ),
    OpSpec(
        "rmatmul_ndarray",
        lambda c, x: c.numpy() @ x,
        np.matmul,
        2,
        "matmul",
        wrt=CONST,
        api=("ndarray @",),
        torch=lambda c, x: c @ x,
    ),
]

# Each group's rows: a module of rows/ with a list ROWS.
GROUPS: tuple[str, ...] = (
    "pointwise",
    "special",
    "scan",
    "sort",
    "index",
    "views",
    "products",
    "linalg",
    "convert",
    "inplace",
    "conv",
    "fused",
)

OPS: list[OpSpec] = CORE_OPS + [
    row for group in GROUPS for row in importlib.import_module(f"tests.autograd.rows.{group}").ROWS
]

SMOOTH_OPS = [spec for spec in OPS if spec.smooth]

# Every autograd operation of the public API (API.md) and the rows that must
# cover it; test_ops checks that each is claimed by at least one row.
API_ITEMS = frozenset(
    {
        "+",
        "-",
        "*",
        "/",
        "** scalar",
        "** tensor",
        "scalar **",
        "@",
        "unary -",
        "abs",
        "+ scalar",
        "scalar +",
        "- scalar",
        "scalar -",
        "* scalar",
        "scalar *",
        "/ scalar",
        "scalar /",
        "ndarray +",
        "ndarray -",
        "ndarray *",
        "ndarray /",
        "ndarray **",
        "ndarray @",
        "sum",
        "mean",
        "max",
        "min",
        "exp",
        "log",
        "sqrt",
        "tanh",
        "sigmoid",
        "relu",
        "reshape",
        "transpose",
        "permute",
        "mT",
        "linear",
        "broadcast_to",
        "astype",
        "flatten",
        "T",
        "clip",
        "softmax",
        "log_softmax",
        "logsumexp",
        "index slices and ints",
        "index integer arrays",
        "index boolean masks",
        "concatenate",
        "stack",
        "where",
        "maximum",
        "minimum",
        "comparisons",
        "boolean Tensor as mask",
        "boolean Tensor as where condition",
    }
)
