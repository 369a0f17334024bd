"""Op-table rows for the ``nn.functional`` compositions built on the special
functions: activations, losses, norms and distances, padding.

They are compositions of primitives, so these rows check them as users call
them: values against NumPy, gradients against finite differences and
PyTorch, and (the elementwise activations) hostile values.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np

import nn.functional as F
from tests.autograd.opspec import MARGIN, OpSpec, floats, near, unary_row
from tests.autograd.torch_refs import torch

erfc = np.vectorize(math.erfc, otypes=[np.float64])


def tf() -> Any:
    return torch.nn.functional


def np_softplus(z: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, z)


def np_elu(x: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


SELU_A, SELU_S = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def away_from(points: tuple[float, ...], lo: float, hi: float) -> st.SearchStrategy[float]:
    """Floats in ``[lo, hi]`` twice ``MARGIN`` from each point: hypothesis favours the ends
    of an interval, and ``p + MARGIN`` may round to within ``MARGIN`` of ``p``."""
    edges = [lo, *sorted(points), hi]
    return st.one_of(
        *(
            floats(a + (2 * MARGIN if a != lo else 0.0), b - (2 * MARGIN if b != hi else 0.0))
            for a, b in itertools.pairwise(edges)
        )
    )


# Domains that keep clear of the kinks, so that few draws are rejected.
AWAY_FROM_0 = away_from((0.0,), -4.0, 4.0)
AWAY_FROM_3 = away_from((-3.0, 3.0), -4.0, 8.0)

NAN_CLAMP = (
    "the gradient at NaN is 0 (NaN is not strictly between the bounds); PyTorch's own is 0 in "
    "its vectorised loop and passes the gradient in its scalar loop (arrays shorter than a "
    "vector register, 0-d), so it depends on the array's length"
)


def torch_hardsigmoid(x: Any) -> Any:
    """PyTorch's hardsigmoid by its definition: its own backward multiplies by 1/6 in
    single precision even for float64 (3e-8 relative), below the oracle's tolerance."""
    inside = (x > -3.0) & (x < 3.0)
    return torch.where(inside, x / 6.0 + 0.5, (torch.clamp(x + 3.0, 0.0, 6.0) / 6.0).detach())


def near_param(key: str, scale: str | None = None) -> Any:
    """An ``avoid`` rule: an element of the input near the parameter ``key``."""

    def avoid(x: np.ndarray, *rest: Any, **p: Any) -> bool:
        at = p.get(key, 20.0) / (p.get(scale, 1.0) if scale else 1.0)
        return bool(np.any(np.abs(x - at) < MARGIN))

    return avoid


ACTIVATIONS: list[OpSpec] = [
    unary_row(
        "gelu",
        lambda x: F.gelu(x),
        lambda x: 0.5 * x * erfc(-x / math.sqrt(2.0)),
        floats(-6.0, 6.0),
        api=("nn.functional.gelu",),
        torch=lambda x: tf().gelu(x),
    ),
    unary_row(
        "gelu_tanh",
        lambda x: F.gelu(x, approximate="tanh"),
        lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3))),
        api=("nn.functional.gelu",),
        torch=lambda x: tf().gelu(x, approximate="tanh"),
    ),
    unary_row(
        "silu",
        lambda x: F.silu(x),
        lambda x: x / (1.0 + np.exp(-x)),
        floats(-8.0, 8.0),
        api=("nn.functional.silu",),
        torch=lambda x: tf().silu(x),
    ),
    OpSpec(
        "elu",
        lambda x, alpha: F.elu(x, alpha),
        np_elu,
        1,
        "elementwise",
        (AWAY_FROM_0,),
        avoid=near((0.0,)),
        smooth=False,  # the second derivative jumps at 0
        params=lambda s: st.fixed_dictionaries({"alpha": st.sampled_from([1.0, 0.5])}),
        api=("nn.functional.elu",),
        torch=lambda x, alpha: tf().elu(x, alpha),
    ),
    unary_row(
        "selu",
        lambda x: F.selu(x),
        lambda x: SELU_S * np_elu(x, SELU_A),
        AWAY_FROM_0,
        avoid=near((0.0,)),
        smooth=False,
        api=("nn.functional.selu",),
        torch=lambda x: tf().selu(x),
    ),
    OpSpec(
        "celu",
        lambda x, alpha: F.celu(x, alpha),
        lambda x, alpha: np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0) / alpha)),
        1,
        "elementwise",
        (AWAY_FROM_0,),
        avoid=near((0.0,)),
        smooth=False,
        params=lambda s: st.fixed_dictionaries({"alpha": st.sampled_from([1.0, 2.0])}),
        api=("nn.functional.celu",),
        torch=lambda x, alpha: tf().celu(x, alpha),
    ),
    OpSpec(
        "softplus",
        lambda x, **p: F.softplus(x, **p),
        lambda x, beta=1.0, threshold=20.0: np.where(
            beta * x > threshold, x, np_softplus(beta * x) / beta
        ),
        1,
        "elementwise",
        (floats(-30.0, 30.0),),
        # The switch to x at beta x = threshold is a jump of log1p(exp(-threshold)).
        avoid=near_param("threshold", "beta"),
        params=lambda s: st.fixed_dictionaries(
            {}, optional={"beta": st.sampled_from([1.0, 2.0]), "threshold": st.just(2.0)}
        ),
        api=("nn.functional.softplus",),
        torch=lambda x, **p: tf().softplus(x, **p),
    ),
    unary_row(
        "softsign",
        lambda x: F.softsign(x),
        lambda x: x / (1.0 + np.abs(x)),
        AWAY_FROM_0,
        avoid=near((0.0,)),
        smooth=False,  # |x|: the second derivative jumps at 0
        api=("nn.functional.softsign",),
        torch=lambda x: tf().softsign(x),
    ),
    unary_row(
        "mish",
        lambda x: F.mish(x),
        lambda x: x * np.tanh(np_softplus(x)),
        floats(-10.0, 10.0),
        api=("nn.functional.mish",),
        torch=lambda x: tf().mish(x),
    ),
    OpSpec(
        "hardtanh",
        lambda x, **p: F.hardtanh(x, **p),
        lambda x, min_val=-1.0, max_val=1.0: np.clip(x, min_val, max_val),
        1,
        "elementwise",
        (away_from((-1.0, -0.5, 1.0, 2.0), -3.0, 3.0),),
        avoid=lambda x, min_val=-1.0, max_val=1.0: near((min_val, max_val))(x),
        smooth=False,
        params=lambda s: st.sampled_from([{}, {"min_val": -0.5, "max_val": 2.0}]),
        api=("nn.functional.hardtanh",),
        torch_differs=NAN_CLAMP,
        torch=lambda x, **p: tf().hardtanh(x, **p),
    ),
    unary_row(
        "relu6",
        lambda x: F.relu6(x),
        lambda x: np.clip(x, 0.0, 6.0),
        away_from((0.0, 6.0), -4.0, 8.0),
        avoid=near((0.0, 6.0)),
        smooth=False,
        api=("nn.functional.relu6",),
        torch_differs=NAN_CLAMP,
        torch=lambda x: tf().relu6(x),
    ),
    unary_row(
        "hardswish",
        lambda x: F.hardswish(x),
        lambda x: x * np.clip(x + 3.0, 0.0, 6.0) / 6.0,
        AWAY_FROM_3,
        avoid=near((-3.0, 3.0)),
        smooth=False,
        api=("nn.functional.hardswish",),
        torch=lambda x: tf().hardswish(x),
    ),
    unary_row(
        "hardsigmoid",
        lambda x: F.hardsigmoid(x),
        lambda x: np.clip(x + 3.0, 0.0, 6.0) / 6.0,
        AWAY_FROM_3,
        avoid=near((-3.0, 3.0)),
        smooth=False,
        api=("nn.functional.hardsigmoid",),
        torch=torch_hardsigmoid,
    ),
    unary_row(
        "logsigmoid",
        lambda x: F.logsigmoid(x),
        lambda x: -np_softplus(-x),
        floats(-40.0, 40.0),
        api=("nn.functional.logsigmoid",),
        torch=lambda x: tf().logsigmoid(x),
    ),
    unary_row(
        "threshold",
        lambda x: F.threshold(x, 0.5, -2.0),
        lambda x: np.where(x > 0.5, x, -2.0),
        away_from((0.5,), -3.0, 3.0),
        avoid=near((0.5,)),
        smooth=False,
        api=("nn.functional.threshold",),
        torch=lambda x: tf().threshold(x, 0.5, -2.0),
    ),
]


def dim_params(shapes: tuple) -> st.SearchStrategy[dict]:
    ndim = len(shapes[0])
    return st.fixed_dictionaries({"dim": st.integers(-ndim, ndim - 1)})


@st.composite
def even_last_shapes(draw: Any, max_dims: int, max_side: int) -> tuple:
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=max(1, max_dims), max_side=max_side))
    return ((*shape[:-1], 2 * shape[-1]),)


def np_glu(x: np.ndarray) -> np.ndarray:
    a, b = np.split(x, 2, axis=-1)
    return a / (1.0 + np.exp(-b))


def np_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


SHAPED: list[OpSpec] = [
    OpSpec(
        "glu",
        lambda x: F.glu(x),
        np_glu,
        1,
        "custom",
        shapes=even_last_shapes,
        api=("nn.functional.glu",),
        torch=lambda x: tf().glu(x),
    ),
    OpSpec(
        "softmin",
        lambda x, dim: F.softmin(x, dim),
        lambda x, dim: np_softmax(-x, dim),
        1,
        "single",
        min_dims=1,
        params=dim_params,
        api=("nn.functional.softmin",),
        torch=lambda x, dim: tf().softmin(x, dim),
    ),
    OpSpec(
        "softmax_dim",
        lambda x, dim: F.softmax(x, dim),
        lambda x, dim: np_softmax(x, dim),
        1,
        "single",
        min_dims=1,
        params=dim_params,
        api=("nn.functional.softmax",),
        torch=lambda x, dim: tf().softmax(x, dim),
    ),
    OpSpec(
        "log_softmax_dim",
        lambda x, dim: F.log_softmax(x, dim),
        lambda x, dim: np.log(np_softmax(x, dim)),
        1,
        "single",
        min_dims=1,
        params=dim_params,
        api=("nn.functional.log_softmax",),
        torch=lambda x, dim: tf().log_softmax(x, dim),
    ),
]

ROWS: list[OpSpec] = ACTIVATIONS + SHAPED
