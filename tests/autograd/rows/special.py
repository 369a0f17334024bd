"""Op-table rows for ``autograd/ops/special.py``.

The NumPy references are independent of the library's kernels: Python's
``math`` module (erf, erfc, lgamma) and mpmath (erfinv, digamma, polygamma),
element by element.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import hypothesis.strategies as st
import mpmath
import numpy as np

from tests.autograd.opspec import OpSpec, floats, unary_row
from tests.autograd.rows import nn_functional, nn_losses
from tests.autograd.torch_refs import torch


def elementwise(f: Callable[[float], Any]) -> Callable[..., np.ndarray]:
    """A NumPy reference from a scalar function, element by element."""
    vf = np.vectorize(lambda v: float(f(float(v))), otypes=[np.float64])
    return lambda x, **_: np.asarray(vf(x), dtype=np.float64)


def away_from_poles(margin: float, hi: float) -> st.SearchStrategy[float]:
    """Floats in (-3, hi) at least ``margin`` away from 0, -1, -2 and -3."""
    return st.one_of(
        floats(margin, hi),
        *(floats(-k - 1 + margin, -k - margin) for k in range(3)),
    )


def _torch_polygamma_values(n: int, x: Any) -> Any:
    """PyTorch's polygamma(n, x) values, with two corrections. Its trigamma
    (n = 1: digamma's derivative, lgamma's second) is accurate to about 1e-9
    relative only (5e-10 at x = 1), below the oracle's tolerance, so its
    Hurwitz zeta ``zeta(2, x)``, accurate to double precision, stands in. At
    ±inf the limits this library gives for every n (0 at +inf, NaN at -inf)
    replace PyTorch's NaN at +inf for n >= 2 and ±inf at -inf (see the row's
    ``torch_differs``)."""
    y = torch.special.zeta(2.0, x) if n == 1 else torch.polygamma(n, x)
    limit = torch.where(x > 0, torch.zeros_like(x), torch.full_like(x, float("nan")))
    return torch.where(torch.isinf(x), limit, y)


@functools.cache
def _torch_functions() -> tuple[Any, Any, Any]:
    """lgamma, digamma and polygamma in PyTorch, differentiated through
    :func:`_torch_polygamma_values` (to any order)."""

    class Polygamma(torch.autograd.Function):
        @staticmethod
        def forward(ctx: Any, x: Any, n: int) -> Any:
            ctx.save_for_backward(x)
            ctx.n = n
            return _torch_polygamma_values(n, x)

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            (x,) = ctx.saved_tensors
            return g * Polygamma.apply(x, ctx.n + 1), None

    class Digamma(torch.autograd.Function):
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            ctx.save_for_backward(x)
            return torch.digamma(x)

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            (x,) = ctx.saved_tensors
            return g * Polygamma.apply(x, 1)

    class Lgamma(torch.autograd.Function):
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            ctx.save_for_backward(x)
            return torch.lgamma(x)

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            (x,) = ctx.saved_tensors
            return g * Digamma.apply(x)

    return Lgamma.apply, Digamma.apply, Polygamma.apply


def torch_lgamma(x: Any) -> Any:
    return _torch_functions()[0](x)


def torch_digamma(x: Any) -> Any:
    return _torch_functions()[1](x)


def torch_polygamma(x: Any, n: int) -> Any:
    return _torch_functions()[2](x, n)


POLYGAMMA_INF = (
    "polygamma(n, x) at x = +inf is 0 and at -inf NaN for every n; PyTorch gives NaN at +inf "
    "for n >= 2 and ±inf at -inf (and a large finite trigamma at the negative integers, "
    "where this library gives +inf)"
)

SPECIAL_ROWS: list[OpSpec] = [
    unary_row(
        "erf",
        lambda x: x.erf(),
        elementwise(math.erf),
        floats(-5.0, 5.0),
        api=("erf", "autograd.erf"),
        torch="special.erf",
    ),
    unary_row(
        "erfc",
        lambda x: x.erfc(),
        elementwise(math.erfc),
        floats(-5.0, 6.0),
        api=("erfc", "autograd.erfc"),
        torch="special.erfc",
    ),
    unary_row(
        "erfinv",
        lambda x: x.erfinv(),
        elementwise(mpmath.erfinv),
        floats(-0.98, 0.98),
        api=("erfinv", "autograd.erfinv"),
        torch="special.erfinv",
    ),
    unary_row(
        "lgamma",
        lambda x: x.lgamma(),
        elementwise(math.lgamma),
        away_from_poles(0.05, 8.0),
        api=("lgamma", "autograd.lgamma"),
        torch=torch_lgamma,
    ),
    unary_row(
        "digamma",
        lambda x: x.digamma(),
        elementwise(mpmath.digamma),
        away_from_poles(0.1, 8.0),
        api=("digamma", "autograd.digamma"),
        torch=torch_digamma,
    ),
    OpSpec(
        "polygamma",
        lambda x, n: x.polygamma(n),
        lambda x, n: elementwise(lambda v: mpmath.polygamma(n, v))(x),
        1,
        "elementwise",
        (away_from_poles(0.2, 6.0),),
        params=lambda shapes: st.fixed_dictionaries({"n": st.sampled_from([1, 2, 3])}),
        api=("polygamma", "autograd.polygamma"),
        torch=torch_polygamma,
        torch_differs=POLYGAMMA_INF,
    ),
]

# The nn.functional compositions of the special functions and the other
# primitives: activations, losses, distances and padding.
ROWS: list[OpSpec] = SPECIAL_ROWS + nn_functional.ROWS + nn_losses.ROWS
