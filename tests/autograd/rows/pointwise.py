"""Op-table rows for ``autograd/ops/pointwise.py`` (and the primitives of
``transcendental.py`` and ``rounding.py`` behind it).

The piecewise-constant ops (rounding, rounded division) are drawn from a grid
that keeps every point away from the jumps: their gradient is an exact zero,
and the finite differences agree there. Aliases (``arcsin``, ``negative``,
``mod``, ...) and the ops without a gradient (tests, logic, bit operations)
are checked in ``tests/autograd/test_pointwise.py``.
"""

from __future__ import annotations

import hypothesis.strategies as st
import numpy as np

import autograd as ag
from tests.autograd.opspec import (
    FAR_FROM_ZERO,
    GRID_B,
    NONZERO,
    POSITIVE,
    REAL,
    OpSpec,
    away_from,
    binary_row,
    floats,
    near,
    unary_row,
)
from tests.autograd.torch_refs import torch

# Multiples of 1/8 that are odd multiples: never within 1/8 of an integer or
# a half-integer (the jumps of floor, ceil, trunc and round).
OFF_GRID = GRID_B
# Divisors for which a / b, with a on OFF_GRID, stays at least 1/12 away
# from every integer: the remainders and rounded quotients have no jump nearby.
DIVISORS = st.sampled_from([-2.0, -0.75, -0.5, 0.5, 0.75, 1.0, 2.0])
UNIT = floats(-0.9, 0.9)


def _params(**choices: list) -> object:
    return lambda shapes: st.fixed_dictionaries({k: st.sampled_from(v) for k, v in choices.items()})


def _np_xlogy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.where(x == 0, 0.0, x * np.log(y))


def _np_lerp(a: np.ndarray, b: np.ndarray, w: np.ndarray) -> np.ndarray:
    return a + w * (b - a)


def _smooth_unary(name: str, ref: object, domain: object = REAL) -> OpSpec:
    return unary_row(name, lambda x: getattr(x, name)(), ref, domain, torch=name)


ROWS: list[OpSpec] = [
    # -- trigonometric and hyperbolic ------------------------------------------------
    _smooth_unary("sin", np.sin),
    _smooth_unary("cos", np.cos),
    _smooth_unary("tan", np.tan, floats(-1.2, 1.2)),
    _smooth_unary("asin", np.arcsin, UNIT),
    _smooth_unary("acos", np.arccos, UNIT),
    _smooth_unary("atan", np.arctan),
    _smooth_unary("sinh", np.sinh),
    _smooth_unary("cosh", np.cosh),
    _smooth_unary("asinh", np.arcsinh),
    _smooth_unary("acosh", np.arccosh, floats(1.1, 4.0)),
    _smooth_unary("atanh", np.arctanh, UNIT),
    _smooth_unary("deg2rad", np.deg2rad),
    # atan2 jumps by 2 pi across the negative x axis: y stays away from 0.
    binary_row(
        "atan2",
        lambda y, x: ag.atan2(y, x),
        np.arctan2,
        FAR_FROM_ZERO,
        REAL,
        torch="atan2",
    ),
    binary_row("hypot", lambda a, b: a.hypot(b), np.hypot, FAR_FROM_ZERO, REAL, torch="hypot"),
    _smooth_unary("sinc", np.sinc, FAR_FROM_ZERO),
    # -- exponentials and logarithms ------------------------------------------------------
    _smooth_unary("log1p", np.log1p, floats(-0.9, 3.0)),
    _smooth_unary("expm1", np.expm1),
    _smooth_unary("log2", np.log2, POSITIVE),
    _smooth_unary("log10", np.log10, POSITIVE),
    _smooth_unary("exp2", np.exp2),
    _smooth_unary("reciprocal", np.reciprocal, FAR_FROM_ZERO),
    _smooth_unary("rsqrt", lambda x: 1.0 / np.sqrt(x), POSITIVE),
    _smooth_unary("square", np.square),
    binary_row("logaddexp", lambda a, b: a.logaddexp(b), np.logaddexp, torch="logaddexp"),
    binary_row("logaddexp2", lambda a, b: a.logaddexp2(b), np.logaddexp2, torch="logaddexp2"),
    binary_row("xlogy", lambda a, b: a.xlogy(b), _np_xlogy, REAL, POSITIVE, torch="xlogy"),
    OpSpec(
        "logit",
        lambda x, eps: x.logit(eps),
        lambda x, eps: (
            np.log(np.clip(x, eps, 1 - eps) / (1 - np.clip(x, eps, 1 - eps)))
            if eps is not None
            else np.log(x / (1 - x))
        ),
        1,
        "elementwise",
        (away_from((0.2, 0.8), 0.05, 0.95),),
        avoid=near((0.2, 0.8)),
        params=_params(eps=[None, 0.2]),
        torch=lambda x, eps: torch.logit(x, eps=eps),
    ),
    # -- arithmetic as methods ----------------------------------------------------------------
    OpSpec(
        "add_alpha",
        lambda a, b, alpha: a.add(b, alpha=alpha),
        lambda a, b, alpha: a + alpha * b,
        2,
        "elementwise",
        params=_params(alpha=[1, 2.5, -1]),
        torch=lambda a, b, alpha: torch.add(a, b, alpha=alpha),
    ),
    OpSpec(
        "sub_alpha",
        lambda a, b, alpha: a.sub(b, alpha=alpha),
        lambda a, b, alpha: a - alpha * b,
        2,
        "elementwise",
        params=_params(alpha=[1, 0.5]),
        torch=lambda a, b, alpha: torch.sub(a, b, alpha=alpha),
    ),
    OpSpec(
        "pow_method",
        lambda a, b: a.pow(b),
        np.power,
        2,
        "elementwise",
        (floats(0.2, 3.0), floats(-2.0, 2.0)),
        torch="pow",
    ),
    OpSpec(
        "addcmul",
        lambda a, b, c, value: a.addcmul(b, c, value=value),
        lambda a, b, c, value: a + value * b * c,
        3,
        "elementwise",
        params=_params(value=[1, -0.5]),
        torch=lambda a, b, c, value: torch.addcmul(a, b, c, value=value),
    ),
    OpSpec(
        "addcdiv",
        lambda a, b, c, value: a.addcdiv(b, c, value=value),
        lambda a, b, c, value: a + value * b / c,
        3,
        "elementwise",
        (REAL, REAL, FAR_FROM_ZERO),
        params=_params(value=[1, 2.0]),
        torch=lambda a, b, c, value: torch.addcdiv(a, b, c, value=value),
    ),
    OpSpec(
        "lerp",
        lambda a, b, w: a.lerp(b, w),
        _np_lerp,
        3,
        "elementwise",
        torch="lerp",
        composition=lambda a, b, w: a + w * (b - a),
    ),
    OpSpec(
        "lerp_scalar_weight",
        lambda a, b, weight: ag.lerp(a, b, weight),
        lambda a, b, weight: a + weight * (b - a),
        2,
        "elementwise",
        params=_params(weight=[0.25, 0.5, 1.0, -1.5]),
        torch=lambda a, b, weight: torch.lerp(a, b, weight),
    ),
    # -- piecewise: rounding, sign, remainders (gradient 0 or constant) -----------------------
    unary_row("floor", lambda x: x.floor(), np.floor, OFF_GRID, smooth=False, torch="floor"),
    unary_row("ceil", lambda x: x.ceil(), np.ceil, OFF_GRID, smooth=False, torch="ceil"),
    unary_row("trunc", lambda x: x.trunc(), np.trunc, OFF_GRID, smooth=False, torch="trunc"),
    OpSpec(
        "round",
        lambda x, decimals: x.round(decimals),
        lambda x, decimals: np.round(x, decimals),
        1,
        "elementwise",
        (OFF_GRID,),
        smooth=False,
        params=_params(decimals=[0, 1, -1]),
        torch=lambda x, decimals: torch.round(x, decimals=decimals),
    ),
    unary_row(
        "sign",
        lambda x: x.sign(),
        np.sign,
        NONZERO,
        avoid=near((0.0,)),
        smooth=False,
        torch="sign",
    ),
    unary_row(
        "frac",
        lambda x: x.frac(),
        lambda x: x - np.trunc(x),
        OFF_GRID,
        smooth=False,
        torch="frac",
    ),
    binary_row(
        "fmod", lambda a, b: a.fmod(b), np.fmod, OFF_GRID, DIVISORS, smooth=False, torch="fmod"
    ),
    binary_row(
        "remainder_operator",
        lambda a, b: a % b,
        np.remainder,
        OFF_GRID,
        DIVISORS,
        smooth=False,
        torch="remainder",
    ),
    binary_row(
        "floor_divide_operator",
        lambda a, b: a // b,
        np.floor_divide,
        OFF_GRID,
        DIVISORS,
        smooth=False,
        torch=lambda a, b: torch.div(a, b, rounding_mode="floor"),
    ),
    binary_row(
        "div_trunc",
        lambda a, b: a.div(b, rounding_mode="trunc"),
        lambda a, b: np.trunc(a / b),
        OFF_GRID,
        DIVISORS,
        smooth=False,
        torch=lambda a, b: torch.div(a, b, rounding_mode="trunc"),
    ),
    binary_row(
        "copysign",
        lambda a, b: a.copysign(b),
        np.copysign,
        NONZERO,
        NONZERO,
        avoid=lambda a, b: near((0.0,))(a) or near((0.0,))(b),
        smooth=False,
        torch="copysign",
    ),
    OpSpec(
        "nan_to_num",
        lambda x, **p: x.nan_to_num(**p),
        lambda x, **p: np.nan_to_num(x, **p),
        1,
        "elementwise",
        smooth=False,
        params=lambda shapes: st.sampled_from([{}, {"nan": 1.5, "posinf": 9.0, "neginf": -9.0}]),
        torch=lambda x, **p: torch.nan_to_num(x, **p),
    ),
    binary_row(
        "heaviside",
        lambda x, v: x.heaviside(v),
        np.heaviside,
        NONZERO,
        REAL,
        avoid=near((0.0,)),
        smooth=False,
        torch_missing="PyTorch has no derivative for heaviside (here 0: the function is a step); "
        "its values are compared with PyTorch in test_pointwise.py",
    ),
    unary_row(
        "clamp_min",
        lambda x: x.clamp_min(0.5),
        lambda x: np.maximum(x, 0.5),
        away_from((0.5,), -3.0, 3.0),
        avoid=near((0.5,)),
        smooth=False,
        torch=lambda x: torch.clamp_min(x, 0.5),
    ),
    unary_row(
        "clamp_max",
        lambda x: x.clamp_max(-0.5),
        lambda x: np.minimum(x, -0.5),
        away_from((-0.5,), -3.0, 3.0),
        avoid=near((-0.5,)),
        smooth=False,
        torch=lambda x: torch.clamp_max(x, -0.5),
    ),
]
