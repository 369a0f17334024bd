"""NumPy kernels of the special functions: erf, erfc, erfinv, lgamma, digamma
and polygamma, in double precision: about 1e-15 relative, except near the
zeros of lgamma between its negative poles and of digamma between its
poles, where the error is about 1e-15 absolute.

NumPy has none of them. Each kernel takes an array, computes in float64 and
returns float64; the primitives in :mod:`autograd.ops.special` cast back.
The methods:

- erf and erfc: the everywhere-positive series ``erf(x) = 2/sqrt(pi) x e^{-x^2}
  sum (2x^2)^n / (2n+1)!!`` for ``|x| < 1.5`` (erfc as ``1 - erf`` below 1), and
  Laplace's continued fraction of ``erfc`` beyond (more terms below 2, where it
  converges slowly).
- erfinv: a first guess (the Maclaurin series of erfinv in the middle, the
  leading asymptotics of erfc in the tails) refined by Halley's method on
  ``erf(x) - y``, or on ``erfc(x) - (1 - |y|)`` for ``|y| >= 1/2``, which keeps
  the residual exact where ``y`` is close to 1.
- lgamma: Stirling's series for ``x >= 10`` with the recurrence
  ``lgamma(x) = lgamma(x + 1) - log(x)`` below; near the zeros at 1 and 2 the
  Taylor series (used from 0 to 3.5)
  ``lgamma(2 + z) = (1 - gamma) z + sum (-1)^k (zeta(k) - 1) z^k / k``;
  the reflection formula for ``x < 0``.
- digamma: the asymptotic series for ``x >= 10`` and the recurrence
  ``psi(x) = psi(x + 1) - 1/x`` below; near its positive zero x0 the Taylor
  series in ``x - x0``; ``psi(x) = psi(1 - x) - pi cot(pi x)`` for ``x < 0``.
- polygamma (n >= 1): ``(-1)^(n+1) n! zeta(n + 1, x)`` with the Hurwitz zeta
  function by Euler-Maclaurin summation; for ``x < 0`` the reflection formula
  differentiated n times, ``psi_n(x) = (-1)^n psi_n(1 - x) - pi^(n+1) P_n(cot(pi x))``
  with ``P_0(c) = c`` and ``P_{k+1}(c) = -(1 + c^2) P_k'(c)``.

The Bernoulli numbers are computed exactly (``fractions``) when the module
is imported, and the zeta values from them.
"""

from __future__ import annotations

import functools
import math
from decimal import Decimal
from fractions import Fraction

import numpy as np
from numpy.polynomial import polynomial as _poly

EULER_GAMMA = 0.57721566490153286061
_SQRT_PI = math.sqrt(math.pi)
_TWO_OVER_SQRT_PI = 2.0 / _SQRT_PI
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


def _bernoulli(n: int) -> list[Fraction]:
    """B_0 .. B_n from ``sum_{k<=m} C(m+1, k) B_k = 0`` (B_1 = -1/2)."""
    b = [Fraction(1)]
    for m in range(1, n + 1):
        b.append(-sum(math.comb(m + 1, k) * b[k] for k in range(m)) / (m + 1))
    return b


_B = _bernoulli(40)
# B_{2j} / (2j)! for j = 1 .. 20: the Euler-Maclaurin weights.
_EM = [float(_B[2 * j] / math.factorial(2 * j)) for j in range(1, 21)]


def _as_float(x: np.ndarray) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


# ---------------------------------------------------------------- erf, erfc
def _exp_minus_square(x: np.ndarray) -> np.ndarray:
    """exp(-x^2) without the rounding of x^2 (about 1e-13 relative at x = 25):
    with x = h + l and h holding 26 bits, h^2 is exact and
    x^2 = h^2 + l (x + h)."""
    h = np.round(x * 2.0**13) / 2.0**13
    with np.errstate(over="ignore", invalid="ignore"):
        out = np.exp(-h * h) * np.exp(-(x - h) * (x + h))
    out[np.isinf(x)] = 0.0
    return out


# Below 1.5 the series gives erf; erfc as 1 - erf(x) only below 1, where that
# loses less than a factor 1 / erfc(1) = 6.4 to cancellation. The continued
# fraction takes 200 terms from 1 and 100 from 1.5.
_SERIES_LIMIT = 1.5


def _erf_series(x: np.ndarray) -> np.ndarray:
    """erf for |x| < 1.5: every term positive, 30 of them."""
    t = 2.0 * x * x
    term = np.ones_like(x)
    total = np.ones_like(x)
    for n in range(1, 31):
        term = term * t / (2 * n + 1)
        total = total + term
    return _TWO_OVER_SQRT_PI * x * np.exp(-x * x) * total


def _erfc_fraction(x: np.ndarray, terms: int) -> np.ndarray:
    """erfc for x >= 1: ``e^{-x^2}/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...))))``,
    evaluated from the tail up."""
    t = np.zeros_like(x)
    for k in range(terms, 0, -1):
        t = (0.5 * k) / (x + t)
    return _exp_minus_square(x) / _SQRT_PI / (x + t)


def _erfc_positive(x: np.ndarray) -> np.ndarray:
    """erfc of x >= 1 (and +inf) by the fraction: 200 terms below 1.5, 100 below 2, 50 beyond."""
    out = np.empty_like(x)
    for lo, hi, terms in ((1.0, 1.5, 200), (1.5, 2.0, 100), (2.0, np.inf, 50)):
        part = (x >= lo) & ((x < hi) | (hi == np.inf))
        if part.any():
            out[part] = _erfc_fraction(x[part], terms)
    return out


def erf(x: np.ndarray) -> np.ndarray:
    x = _as_float(x)
    out = np.empty_like(x)
    ax = np.abs(x)
    small = ax < _SERIES_LIMIT
    if small.any():
        out[small] = _erf_series(x[small])
    big = ~small & ~np.isnan(x)
    if big.any():
        out[big] = np.copysign(1.0 - _erfc_positive(ax[big]), x[big])
    out[np.isnan(x)] = np.nan
    return out


def erfc(x: np.ndarray) -> np.ndarray:
    x = _as_float(x)
    out = np.empty_like(x)
    small = np.abs(x) < 1.0
    if small.any():
        out[small] = 1.0 - _erf_series(x[small])
    pos = x >= 1.0
    out[pos] = _erfc_positive(x[pos])
    neg = x <= -1.0
    out[neg] = 2.0 - _erfc_positive(-x[neg])
    out[np.isnan(x)] = np.nan
    return out


# ---------------------------------------------------------------- erfinv
# Maclaurin coefficients of erfinv in powers of z = sqrt(pi)/2 y.
_ERFINV_SERIES = (1.0, 1.0 / 3.0, 7.0 / 30.0, 127.0 / 630.0, 4369.0 / 22680.0)


def erfinv(y: np.ndarray) -> np.ndarray:
    y = _as_float(y)
    ay = np.abs(y)
    out = np.full_like(y, np.nan)
    out[ay == 1.0] = np.inf
    ok = ay < 1.0
    a = ay[ok]
    tail = a >= 0.5
    w = 1.0 - a  # exact for a >= 0.5 (Sterbenz)
    x = np.empty_like(a)
    z = 0.5 * _SQRT_PI * a
    z2 = z * z
    guess = np.zeros_like(a)
    for c in reversed(_ERFINV_SERIES):
        guess = guess * z2 + c
    x[:] = z * guess
    far = a > 0.9
    if far.any():
        # erfc(x) ~ e^{-x^2} / (x sqrt(pi)): two fixed-point steps on x^2.
        lw = -np.log(w[far])
        xf = np.sqrt(lw)
        for _ in range(2):
            xf = np.sqrt(lw - np.log(_SQRT_PI * xf))
        x[far] = xf
    for _ in range(4):
        f = np.empty_like(x)
        if tail.any():
            f[tail] = erfc(x[tail]) - w[tail]
        if not tail.all():
            f[~tail] = erf(x[~tail]) - a[~tail]
        # f' = -+2/sqrt(pi) e^{-x^2} for the two residuals; f'' = -2 x f'.
        slope = np.where(tail, -_TWO_OVER_SQRT_PI, _TWO_OVER_SQRT_PI) * np.exp(-x * x)
        u = f / slope
        x = x - u / (1.0 + x * u)
    out[ok] = x
    return np.copysign(out, y)


# ---------------------------------------------------------------- gamma family
def _sin_cot_pi(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """sin(pi x) and cot(pi x) with the argument reduced exactly to [-1/2, 1/2]."""
    n = np.round(x)
    r = x - n
    s = np.sin(np.pi * r)
    # cos(pi r) as sin(pi (1/2 - |r|)): exactly 0 at r = 1/2, where cos(pi / 2) is 6e-17.
    with np.errstate(divide="ignore", invalid="ignore"):
        cot = np.sin(np.pi * (0.5 - np.abs(r))) / s
    sign = np.where(np.fmod(n, 2.0) == 0, 1.0, -1.0)
    return s * sign, cot


def _hurwitz_zeta(s: int, a: np.ndarray) -> np.ndarray:
    """zeta(s, a) = sum_k (a + k)^-s for integer s >= 2 and a > 0."""
    threshold = 12.0 + s
    total = np.zeros_like(a)
    a = a.copy()
    while True:
        low = a < threshold
        if not low.any():
            break
        total[low] += a[low] ** -s
        a[low] += 1.0
    # Euler-Maclaurin remainder at a >= threshold.
    total += a ** (1.0 - s) / (s - 1) + 0.5 * a**-s
    rising = float(s)  # s (s + 1) ... (s + 2j - 2)
    power = a ** (-s - 1.0)
    inv2 = 1.0 / (a * a)
    for j, weight in enumerate(_EM[:12], start=1):
        total += weight * rising * power
        rising *= (s + 2 * j - 1) * (s + 2 * j)
        power = power * inv2
    return total


# zeta(k) - 1 for k = 2 .. 40: the Taylor coefficients of lgamma around 2.
_ZETA_M1 = [float(_hurwitz_zeta(k, np.array([2.0]))[0]) for k in range(2, 41)]


def _lgamma_near_2(z: np.ndarray) -> np.ndarray:
    """lgamma(2 + z) for |z| <= 1/2; the terms fall like 4^-k."""
    total = np.zeros_like(z)
    for k in range(40, 1, -1):
        total = (total + (-1) ** k * _ZETA_M1[k - 2] / k) * z
    return z * (1.0 - EULER_GAMMA + total)


def _lgamma_stirling(x: np.ndarray) -> np.ndarray:
    """lgamma for x >= 10."""
    inv = 1.0 / x
    inv2 = inv * inv
    series = np.zeros_like(x)
    for j in range(10, 0, -1):
        series = series * inv2 + float(_B[2 * j]) / (2 * j * (2 * j - 1))
    with np.errstate(over="ignore", invalid="ignore"):
        return (x - 0.5) * np.log(x) - x + _HALF_LOG_2PI + series * inv


def _lgamma_positive(x: np.ndarray) -> np.ndarray:
    out = np.empty_like(x)
    tiny = x < 0.5
    out[tiny] = _lgamma_near_2(x[tiny]) - np.log(x[tiny]) - np.log1p(x[tiny])
    one = (x >= 0.5) & (x < 1.5)
    out[one] = _lgamma_near_2(x[one] - 1.0) - np.log1p(x[one] - 1.0)
    two = (x >= 1.5) & (x < 2.5)
    out[two] = _lgamma_near_2(x[two] - 2.0)
    three = (x >= 2.5) & (x < 3.5)
    out[three] = _lgamma_near_2(x[three] - 3.0) + np.log(x[three] - 1.0)
    rest = x >= 3.5
    y = x[rest].copy()
    shift = np.zeros_like(y)
    while True:
        low = y < 10.0
        if not low.any():
            break
        shift[low] += np.log(y[low])
        y[low] += 1.0
    out[rest] = _lgamma_stirling(y) - shift
    return out


def lgamma(x: np.ndarray) -> np.ndarray:
    x = _as_float(x)
    out = np.full_like(x, np.inf)  # the poles 0, -1, -2, ... and both infinities
    out[np.isnan(x)] = np.nan
    pos = (x > 0) & np.isfinite(x)
    out[pos] = _lgamma_positive(x[pos])
    neg = (x < 0) & np.isfinite(x) & (x != np.floor(x))
    if neg.any():
        s, _ = _sin_cot_pi(x[neg])
        out[neg] = np.log(np.pi / np.abs(s)) - _lgamma_positive(1.0 - x[neg])
    return out


def _digamma_positive(x: np.ndarray) -> np.ndarray:
    total = np.zeros_like(x)
    y = x.copy()
    while True:
        low = y < 10.0
        if not low.any():
            break
        total[low] -= 1.0 / y[low]
        y[low] += 1.0
    inv2 = 1.0 / (y * y)
    series = np.zeros_like(y)
    for j in range(10, 0, -1):
        series = (series + float(_B[2 * j]) / (2 * j)) * inv2
    return total + np.log(y) - 0.5 / y - series


def digamma(x: np.ndarray) -> np.ndarray:
    x = _as_float(x)
    out = np.full_like(x, np.nan)  # NaN, -inf and the negative integers
    out[x == np.inf] = np.inf
    # At 0 the limit from the other side of the sign: -inf at +0, +inf at -0.
    zero = x == 0
    out[zero] = np.copysign(np.inf, -x[zero])
    pos = (x > 0) & np.isfinite(x)
    out[pos] = _digamma_positive(x[pos])
    root = np.abs(x - _ROOT_HI) < _ROOT_RADIUS
    out[root] = _digamma_near_root(x[root])
    neg = (x < 0) & np.isfinite(x) & (x != np.floor(x))
    if neg.any():
        _, cot = _sin_cot_pi(x[neg])
        out[neg] = _digamma_positive(1.0 - x[neg]) - np.pi * cot
    return out


# The positive zero of digamma, split into a double and the rest: near it the
# recurrence cancels to an absolute 1e-16, while the Taylor series in
# (x - x0), with coefficients polygamma(k, x0) / k!, keeps the relative error.
_DIGAMMA_ROOT = Decimal("1.4616321449683623412626595423257213284682")
_ROOT_HI = float(_DIGAMMA_ROOT)
_ROOT_LO = float(_DIGAMMA_ROOT - Decimal(_ROOT_HI))
_ROOT_RADIUS = 0.2


@functools.cache
def _digamma_root_series() -> tuple[float, ...]:
    at = np.array([_ROOT_HI])
    return tuple(float(polygamma(k, at)[0]) / math.factorial(k) for k in range(1, 25))


def _digamma_near_root(x: np.ndarray) -> np.ndarray:
    z = (x - _ROOT_HI) - _ROOT_LO
    total = np.zeros_like(z)
    for c in reversed(_digamma_root_series()):
        total = (total + c) * z
    return total


def _cot_derivative_poly(n: int) -> np.ndarray:
    """Coefficients (lowest first) of P_n with d^n/du^n cot(u) = P_n(cot u)."""
    p = np.array([0.0, 1.0])
    for _ in range(n):
        p = _poly.polymul(_poly.polyder(p), [-1.0, 0.0, -1.0])
    return p


def polygamma(n: int, x: np.ndarray) -> np.ndarray:
    """The n-th derivative of digamma, for an integer n >= 0."""
    if n == 0:
        return digamma(x)
    x = _as_float(x)
    sign = 1.0 if n % 2 == 1 else -1.0  # (-1)^(n+1)
    out = np.full_like(x, np.nan)  # NaN and -inf
    out[x == np.inf] = 0.0
    # The poles 0, -1, ...: the sign PyTorch gives them.
    out[(x <= 0) & (x == np.floor(x)) & np.isfinite(x)] = sign * np.inf
    pos = (x > 0) & np.isfinite(x)
    scale = sign * math.factorial(n)
    out[pos] = scale * _hurwitz_zeta(n + 1, x[pos])
    neg = (x < 0) & np.isfinite(x) & (x != np.floor(x))
    if neg.any():
        _, cot = _sin_cot_pi(x[neg])
        reflected = (-1) ** n * scale * _hurwitz_zeta(n + 1, 1.0 - x[neg])
        out[neg] = reflected - np.pi ** (n + 1) * _poly.polyval(cot, _cot_derivative_poly(n))
    return out
